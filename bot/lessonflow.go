package bot

import (
	"tutorbot/lessons"
	"tutorbot/locale"
	"tutorbot/render"
)

// showPage shows the learner's current page (resume) in a new message, so
// the message it was asked from (the welcome, a quiz result) stays.
func (t *turn) showPage() {
	l := t.lesson()
	p := t.progressOf(l)
	t.page(l, p.Page, false)
}

// move goes d pages forward or back from the current one.
func (t *turn) move(d int) {
	l := t.lesson()
	p := t.progressOf(l)
	cur := p.Page
	if p.Seen == 0 {
		// A learner who never opened the lesson starts at its first page.
		t.page(l, 0, false)
		return
	}
	switch next := cur + d; {
	case next < 0:
		t.say(t.tr.T("FirstPage"), t.pageButtons(l, cur))
	case next >= len(l.Pages) && len(l.Quiz) == 0:
		t.say(t.tr.T("LastPageNoQuiz"), append(t.nextButtons(l), Button{Label: t.tr.T("BtnBack"), Payload: payL(kindPage, l, cur)}))
	case next >= len(l.Pages):
		t.say(t.tr.T("LastPage"), []Button{{Label: t.tr.T("BtnTakeQuizNext"), Payload: payL(kindQuiz, l)}, {Label: t.tr.T("BtnBack"), Payload: payL(kindPage, l, cur)}})
	default:
		t.page(l, next, false)
	}
}

// pressPage handles a Next or Back button.
func (t *turn) pressPage(p payload) {
	l, ok1 := t.lessonArg(p, 0)
	idx, ok2 := p.num(1)
	if !ok1 || !ok2 || idx >= len(l.Pages) {
		t.ack(t.tr.T("PageGone"))
		t.say(t.tr.T("BadButton"))
		return
	}
	if locked, at, known := t.lock(l); locked {
		t.sayLocked(l, at, known)
		return
	}
	if pr := t.progressOf(l); t.st.Lesson == l.ID && pr.Seen > 0 && pr.Page == idx {
		// A second tap, or a button replayed: the page may already show,
		// so say where the learner is rather than nothing.
		t.ack(t.tr.T("OnPage", "Page", idx+1, "Pages", len(l.Pages)))
	}
	t.st.Lesson = l.ID
	t.page(l, idx, true)
}

// page shows page i of lesson l and records it. turned says a Next or Back
// button under the previous page asked for it: the new page then takes that
// page's place.
func (t *turn) page(l *lessons.Lesson, i int, turned bool) {
	t.st.Lesson = l.ID
	p := t.st.progress(l.ID)
	p.Page = i
	p.Seen = max(p.Seen, i+1)
	n := len(l.Pages)
	if i == n-1 {
		p.Finished = true
		t.markDone(l, p)
	}
	r := Reply{Kind: Send, Buttons: [][]Button{t.pageButtons(l, i)}, Supersedes: turned}
	e, loc := t.e, t.tr
	if _, fell := t.course.Lesson(l.ID, t.lang()); fell && i == 0 {
		t.say(t.tr.T("LessonInEnglish"))
	}
	// A page shown on its own (resumed, not turned to) says its lesson.
	header := !turned
	t.out = append(t.out, draft{Reply: r, lesson: l.ID, lang: t.st.Lang, page: i, header: header, text: func(f render.Format) []string { return []string{e.pageText(loc, l, i, f, header)} }})
	if i == n-1 {
		t.checkCourseDone()
	}
}

// pageKey names one page as shown in one format and language.
type pageKey struct {
	lesson *lessons.Lesson
	lang   string
	page   int
	f      render.Format
	header bool
}

// pageText is page i of l as shown: under the lesson's heading on the first
// page, over its counter on every page. It is the same for every learner,
// so each page is rendered once per format (the course is finite).
func (e *Engine) pageText(loc *locale.Localizer, l *lessons.Lesson, i int, f render.Format, header bool) string {
	k := pageKey{l, loc.Lang(), i, f, header || i == 0}
	if v, ok := e.pages.Load(k); ok {
		return v.(string)
	}
	text := l.Page(i, f)
	if i == 0 {
		header := loc.T("LessonHeading", "Order", l.Order, "Title", render.EscapeMarkdown(l.Title))
		if l.Subtitle != "" {
			header += "\n\n*" + render.EscapeMarkdown(l.Subtitle) + "*"
		}
		text = render.Render(header, f) + "\n\n" + text
	} else if header {
		text = render.Render(loc.T("LessonHeading", "Order", l.Order, "Title", render.EscapeMarkdown(l.Title)), f) + "\n\n" + text
	}
	text += "\n\n" + render.Render(loc.T("PageCounter", "Page", i+1, "Pages", len(l.Pages)), f)
	e.pages.Store(k, text)
	return text
}

// pageButtons returns the buttons under page i: Next (or the quiz on the
// last page) and Back.
func (t *turn) pageButtons(l *lessons.Lesson, i int) []Button {
	var row []Button
	switch {
	case i < len(l.Pages)-1:
		row = append(row, Button{Label: t.tr.T("BtnNext"), Payload: payL(kindPage, l, i+1)})
	case len(l.Quiz) > 0:
		row = append(row, Button{Label: t.tr.T("BtnTakeQuizNext"), Payload: payL(kindQuiz, l)}, Button{Label: t.tr.T("BtnPractice"), Payload: payWord(kindPractice, "s")})
	default:
		row = append(row, t.nextButtons(l)...)
	}
	if i > 0 {
		row = append(row, Button{Label: t.tr.T("BtnBack"), Payload: payL(kindPage, l, i-1)})
	}
	return row
}
