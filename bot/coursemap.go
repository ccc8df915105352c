package bot

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"tutorbot/lessons"
	"tutorbot/quiz"
	"tutorbot/remind"
	"tutorbot/render"
)

// msgCourseLine is one lesson's line on the course map: number, title,
// status (a layout, not words; the words come from the catalogs).
const msgCourseLine = "%d\\. %s — %s"

// courseButton opens the course map.
func (t *turn) courseButton() Button {
	return Button{Label: t.tr.T("BtnCourse"), Payload: pay(kindCourse)}
}

// Payload arguments that name a lesson are its Ref (stable across
// renumbering); buttons sent before courses carry the lesson's order.

// payL builds a payload whose first argument is lesson l.
func payL(kind string, l *lessons.Lesson, nums ...int) string {
	var b strings.Builder
	b.WriteString(payloadVersion)
	b.WriteByte(':')
	b.WriteString(kind)
	b.WriteByte(':')
	b.WriteString(l.Ref())
	for _, n := range nums {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(n))
	}
	return b.String()
}

// lessonArg resolves argument i of p to a lesson in the learner's language.
func (t *turn) lessonArg(p payload, i int) (*lessons.Lesson, bool) {
	if i >= len(p.args) {
		return nil, false
	}
	var base *lessons.Lesson
	var ok bool
	if a := p.args[i]; strings.HasPrefix(a, "l") {
		base, ok = t.course.ByRef(a)
	} else if n, isNum := p.num(i); isNum {
		base, ok = t.course.ByOrder(n)
	}
	if !ok {
		return nil, false
	}
	l, _ := t.course.Lesson(base.ID, t.lang())
	return l, true
}

// progressOf returns the learner's progress in l, clamped to what the
// lesson has now (it may have fewer pages or questions than when the
// learner was last in it).
func (t *turn) progressOf(l *lessons.Lesson) *Progress {
	p := t.st.progress(l.ID)
	n := len(l.Pages)
	if p.Page >= n {
		p.Page = n - 1
	}
	if p.Page < 0 {
		p.Page = 0
	}
	p.Seen = min(p.Seen, n)
	reconcile(l, &p.Quiz)
	return p
}

// reconcile drops the questions of a quiz attempt (and of the missed
// list) that the lesson no longer has, so an attempt resumes with the
// questions that still exist.
func reconcile(l *lessons.Lesson, rec *quiz.Record) {
	exists := func(id string) bool { _, ok := quiz.Find(l.Quiz, id); return ok }
	if a := rec.Attempt; a != nil {
		var keep []string
		for _, id := range a.Questions {
			if exists(id) {
				keep = append(keep, id)
			}
		}
		if len(keep) != len(a.Questions) {
			a.Questions = keep
			for id := range a.Chosen {
				if !exists(id) {
					delete(a.Chosen, id)
				}
			}
		}
		if len(a.Questions) == 0 {
			rec.Attempt = nil
		}
	}
	if len(rec.Missed) > 0 {
		var keep []string
		for _, id := range rec.Missed {
			if exists(id) {
				keep = append(keep, id)
			}
		}
		rec.Missed = keep
	}
}

// complete reports whether the learner has done everything lesson l asks:
// read it to the end and, when it has a quiz, passed it.
func complete(l *lessons.Lesson, p *Progress) bool {
	return p != nil && p.Finished && (len(l.Quiz) == 0 || passed(p.Quiz))
}

// markDone records when lesson l was first done.
func (t *turn) markDone(l *lessons.Lesson, p *Progress) {
	if p.Done.IsZero() && (p.Finished || passed(p.Quiz)) {
		p.Done = t.now
		t.lessonDone = true
	}
}

// loc is the learner's time zone for unlock dates (UTC unless set).
func (t *turn) loc() *time.Location {
	if t.tx == nil {
		return time.UTC
	}
	if set, ok, err := remind.Lookup(t.tx, t.ev.Key()); err == nil && ok {
		if loc, err := set.Location(); err == nil {
			return loc
		}
	}
	return time.UTC
}

// lock reports whether lesson l is still locked for the learner, and when
// it opens (known is false while the previous lesson is not done). A
// lesson the learner has already been in is never locked again.
func (t *turn) lock(l *lessons.Lesson) (locked bool, at time.Time, known bool) {
	if l.Rule.Open() {
		return false, time.Time{}, true
	}
	if p := t.st.Progress[l.ID]; p != nil && (p.Seen > 0 || p.Quiz.Attempts > 0) {
		return false, time.Time{}, true
	}
	var prevDone time.Time
	if prev := t.course.Previous(l.ID); prev != nil {
		if p := t.st.Progress[prev.ID]; p != nil {
			prevDone = p.Done
		}
	}
	at, known = l.Rule.At(prevDone, t.loc())
	if known && !t.now.Before(at) {
		return false, time.Time{}, true
	}
	return true, at, known
}

// opensText says when a locked lesson opens.
func (t *turn) opensText(l *lessons.Lesson, at time.Time, known bool) string {
	if known {
		return t.tr.T("OpensOn", "Date", t.tr.DateTimeLocal(at.In(t.loc())))
	}
	if d := l.Rule.Delay; d > 0 {
		return t.tr.T("OpensAfter", "Delay", t.durationText(d))
	}
	return t.tr.T("OpensOnce")
}

// durationText says a delay in days or hours.
func (t *turn) durationText(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return t.tr.N("Days", int(d/(24*time.Hour)))
	}
	return t.tr.N("Hours", int(d/time.Hour))
}

// sayLocked tells the learner when a locked lesson opens.
func (t *turn) sayLocked(l *lessons.Lesson, at time.Time, known bool) {
	t.say(t.tr.T("Locked", "Order", l.Order, "Title", render.EscapeMarkdown(l.Title), "When", t.opensText(l, at, known)), []Button{t.courseButton()})
}

// openLesson moves the learner into lesson l at the page where they
// stopped in it, unless it is locked.
func (t *turn) openLesson(l *lessons.Lesson) {
	if locked, at, known := t.lock(l); locked {
		t.sayLocked(l, at, known)
		return
	}
	t.st.Lesson = l.ID
	t.showPage()
}

// lessonCmd handles /lesson, /lesson N and /lesson <id>.
func (t *turn) lessonCmd(arg string) {
	if arg == "" {
		t.showPage()
		return
	}
	if l, ok := t.findLesson(arg); ok {
		t.openLesson(l)
		return
	}
	shown := arg
	if utf8.RuneCountInString(shown) > 30 {
		shown = string([]rune(shown)[:30]) + "…"
	}
	t.say(t.tr.T("NoLesson", "Lesson", render.EscapeMarkdown(shown)), []Button{t.courseButton()})
}

// findLesson finds a lesson by its number or its id.
func (t *turn) findLesson(arg string) (*lessons.Lesson, bool) {
	var base *lessons.Lesson
	var ok bool
	if n, err := strconv.Atoi(arg); err == nil {
		base, ok = t.course.ByOrder(n)
	} else if i := t.course.Index(arg); i >= 0 {
		base, ok = t.course.Lessons[i], true
	}
	if !ok {
		return nil, false
	}
	l, _ := t.course.Lesson(base.ID, t.lang())
	return l, true
}

// lessonStatus is one lesson's status in a few words.
func (t *turn) lessonStatus(l *lessons.Lesson) string {
	if locked, at, known := t.lock(l); locked {
		return t.tr.T("StatusLocked", "When", t.opensText(l, at, known))
	}
	p := t.st.Progress[l.ID]
	if p == nil || (p.Seen == 0 && p.Quiz.Attempts == 0) {
		return t.tr.T("StatusNotStarted")
	}
	n := len(l.Pages)
	page, seen := min(p.Page, n-1), min(p.Seen, n)
	var parts []string
	switch {
	case p.Finished:
		parts = append(parts, t.tr.T("StatusRead"))
	case seen > 0:
		parts = append(parts, t.tr.T("StatusPage", "Page", page+1, "Pages", n))
	}
	q := p.Quiz
	switch {
	case q.Attempt != nil:
		parts = append(parts, t.tr.T("StatusQuizRunning"))
	case q.Finished:
		parts = append(parts, t.tr.T("StatusQuizBest", "Best", min(q.Best, len(l.Quiz)), "Total", len(l.Quiz)))
	}
	return strings.Join(parts, ", ")
}

// courseTotals counts the learner's lessons read and quizzes passed.
func (t *turn) courseTotals() (read, passedN, quizzes int, avgPct int, scored bool) {
	sum, n := 0.0, 0
	for _, base := range t.course.Lessons {
		p := t.st.Progress[base.ID]
		if len(base.Quiz) > 0 {
			quizzes++
		}
		if p == nil {
			continue
		}
		if p.Finished {
			read++
		}
		if len(base.Quiz) > 0 && passed(p.Quiz) {
			passedN++
		}
		if len(base.Quiz) > 0 && p.Quiz.Finished {
			sum += float64(min(p.Quiz.Best, len(base.Quiz))) / float64(len(base.Quiz))
			n++
		}
	}
	if n > 0 {
		return read, passedN, quizzes, int(100*sum/float64(n) + 0.5), true
	}
	return read, passedN, quizzes, 0, false
}

// maxMapButtons bounds the lesson buttons under the course map (Discord
// takes at most 25 buttons on a message).
const maxMapButtons = 20

// courseMap shows every lesson in order with the learner's status; the
// buttons open lessons around the learner's current one.
func (t *turn) courseMap() {
	c := t.course
	read, passedN, quizzes, _, _ := t.courseTotals()
	var b strings.Builder
	b.WriteString(t.tr.T("CourseHead", "Course", render.EscapeMarkdown(c.Title(t.lang())), "Lessons", t.tr.N("Lessons", c.Len()), "Read", read, "Passed", passedN, "Quizzes", quizzes))
	b.WriteString("\n")
	cur := c.Index(t.st.Lesson)
	for _, base := range c.Lessons {
		l, _ := c.Lesson(base.ID, t.lang())
		title := render.EscapeMarkdown(l.Title)
		if l.ID == t.st.Lesson {
			title = "**" + title + "**"
		}
		b.WriteString("\n")
		fmt.Fprintf(&b, msgCourseLine, l.Order, title, t.lessonStatus(l))
	}
	b.WriteString("\n\n" + t.tr.T("CourseHint"))
	from := max(0, min(cur-maxMapButtons/2, c.Len()-maxMapButtons))
	var rows [][]Button
	var row []Button
	for i := from; i < c.Len() && i < from+maxMapButtons; i++ {
		l := c.Lessons[i]
		row = append(row, Button{Label: strconv.Itoa(l.Order), Payload: payL(kindOpen, l)})
		if len(row) == 5 {
			rows = append(rows, row)
			row = nil
		}
	}
	if len(row) > 0 {
		rows = append(rows, row)
	}
	t.say(b.String(), rows...)
}

// progress shows every lesson and the course total.
func (t *turn) progress() {
	c := t.course
	var b strings.Builder
	b.WriteString(t.tr.T("ProgressHead", "Course", render.EscapeMarkdown(c.Title(t.lang()))))
	b.WriteString("\n")
	for _, base := range c.Lessons {
		l, _ := c.Lesson(base.ID, t.lang())
		b.WriteString("\n")
		fmt.Fprintf(&b, msgCourseLine, l.Order, render.EscapeMarkdown(l.Title), t.lessonStatus(l))
		if p := t.st.Progress[l.ID]; p != nil && p.Quiz.Finished && len(l.Quiz) > 0 {
			b.WriteString(t.tr.N("ProgressLast", p.Quiz.Attempts, "Last", min(p.Quiz.Last, len(l.Quiz)), "Total", len(l.Quiz)))
		}
	}
	read, passedN, quizzes, avg, scored := t.courseTotals()
	b.WriteString("\n\n")
	if scored {
		b.WriteString(t.tr.T("ProgressTotal", "Read", read, "Lessons", c.Len(), "Passed", passedN, "Quizzes", quizzes, "Avg", avg))
	} else {
		b.WriteString(t.tr.T("ProgressNoScore", "Read", read, "Lessons", c.Len(), "Passed", passedN, "Quizzes", quizzes))
	}
	l := t.lesson()
	row := []Button{{Label: t.tr.T("BtnLesson"), Payload: pay(kindLesson)}}
	if len(l.Quiz) > 0 {
		row = append(row, Button{Label: t.tr.T("BtnQuiz"), Payload: payL(kindQuiz, l)})
	}
	row = append(row, t.courseButton())
	t.say(b.String(), row)
}

// nextButtons are the buttons that lead on from lesson l: the next lesson
// when there is one, and the course map.
func (t *turn) nextButtons(l *lessons.Lesson) []Button {
	var row []Button
	if next := t.course.Next(l.ID); next != nil {
		row = append(row, Button{Label: t.tr.T("BtnNextLesson"), Payload: payL(kindOpen, next)})
	}
	return append(row, t.courseButton())
}

// checkCourseDone tells the learner, once, that the whole course is done.
func (t *turn) checkCourseDone() {
	if md, ok := t.courseDone(); ok {
		t.say(md, []Button{t.courseButton()})
	}
}

// courseDone returns the course-complete message (Markdown) when the
// learner has just completed the whole course, and records that it was
// said; ok is false otherwise.
func (t *turn) courseDone() (md string, ok bool) {
	if !t.st.CourseDone.IsZero() {
		return "", false
	}
	var lines []string
	for _, base := range t.course.Lessons {
		p := t.st.Progress[base.ID]
		if !complete(base, p) {
			return "", false
		}
		l, _ := t.course.Lesson(base.ID, t.lang())
		line := fmt.Sprintf("- %d\\. %s", l.Order, render.EscapeMarkdown(l.Title))
		if len(l.Quiz) > 0 {
			line += t.tr.T("CourseDoneBest", "Best", min(p.Quiz.Best, len(l.Quiz)), "Total", len(l.Quiz))
		}
		lines = append(lines, line)
	}
	t.st.CourseDone = t.now
	return t.tr.T("CourseDone", "Course", render.EscapeMarkdown(t.course.Title(t.lang())), "Lessons", strings.Join(lines, "\n")), true
}

// pressOpen handles a button that opens a lesson.
func (t *turn) pressOpen(p payload) {
	l, ok := t.lessonArg(p, 0)
	if !ok {
		t.ack(t.tr.T("LessonGone"))
		t.say(t.tr.T("NoLessonButton"), []Button{t.courseButton()})
		return
	}
	t.openLesson(l)
}
