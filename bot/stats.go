package bot

import (
	"cmp"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"tutorbot/lessons"
	"tutorbot/locale"
	"tutorbot/remind"
	"tutorbot/render"
	"tutorbot/storage"
)

// Stats are course statistics for authors and operators.
type Stats struct {
	Learners       int `json:"learners"`
	StartedLesson  int `json:"started_lesson"`
	FinishedLesson int `json:"finished_lesson"`
	TookQuiz       int `json:"took_quiz"`
	// PageReached[i] counts learners who reached page i+1 (drop-off).
	PageReached []int `json:"page_reached"`
	// BestScores[s] counts learners whose best quiz score is s.
	BestScores  []int   `json:"best_scores"`
	AverageBest float64 `json:"average_best"`
	QuizTotal   int     `json:"quiz_total"`
	Questions   []QuestionStats
	Practice    int `json:"practice_submissions"`
	Reminders   int `json:"active_reminders"`
	Unreachable int `json:"unreachable"`
	TasksStored int `json:"reference_tasks"`
	Comparisons int `json:"comparisons"`
	// Unreadable counts learner records that cannot be decoded; they are
	// quarantined at the learner's next turn.
	Unreadable int `json:"unreadable"`
	// Quarantined counts records moved aside because they could not be
	// read; QuarantinedKeys names their learners (at most 20).
	Quarantined     int      `json:"quarantined"`
	QuarantinedKeys []string `json:"quarantined_keys,omitempty"`
	LessonTitle     string
	LessonPages     int
	LessonID        string
	LessonNumber    int
	// Lessons is the funnel of every lesson, in course order.
	Lessons []LessonStats `json:"lessons"`
	// Reached[i] counts learners who reached lesson i+1 of the course (they
	// started it or a later one): the course funnel.
	Reached []int `json:"reached"`
	// CourseDone counts learners who finished the whole course.
	CourseDone int `json:"course_done"`
	// Nudged counts nudges sent (one per learner and lesson at most);
	// Announced counts "lesson is open" messages.
	Nudged    int `json:"nudged"`
	Announced int `json:"announced"`
	// Asked are the most asked free-text questions and LowConfidence the
	// ones most often answered with "I'm not sure" (at most 10 each),
	// counted anonymously by normalized text.
	Asked         []storage.QuestionCount `json:"asked,omitempty"`
	LowConfidence []storage.QuestionCount `json:"low_confidence,omitempty"`
}

// LessonStats is one lesson's funnel: how many learners started it, read
// it to the end, took its quiz and passed it.
type LessonStats struct {
	ID       string `json:"id"`
	Order    int    `json:"order"`
	Title    string `json:"title"`
	Started  int    `json:"started"`
	Read     int    `json:"read"`
	TookQuiz int    `json:"took_quiz"`
	Passed   int    `json:"passed"`
	Nudged   int    `json:"nudged"`
	HasQuiz  bool   `json:"has_quiz"`
}

// QuestionStats counts how often each option of a question was chosen, over
// every finished attempt.
type QuestionStats struct {
	ID      string
	Text    string
	Options []OptionStats
}

// OptionStats is one option's count.
type OptionStats struct {
	ID      string
	Text    string
	Correct bool
	Chosen  int
}

// ComputeStats reads every learner record and counts the course's figures:
// the funnel of every lesson and of the course, and the details (pages,
// scores, options chosen) of its first lesson.
func ComputeStats(db *storage.DB, course *lessons.Course) (Stats, error) {
	l := course.First()
	s := Stats{LessonTitle: l.Title, LessonPages: len(l.Pages), LessonID: l.ID, LessonNumber: l.Order, QuizTotal: len(l.Quiz)}
	s.Lessons = make([]LessonStats, course.Len())
	for i, cl := range course.Lessons {
		s.Lessons[i] = LessonStats{ID: cl.ID, Order: cl.Order, Title: cl.Title, HasQuiz: len(cl.Quiz) > 0}
	}
	s.Reached = make([]int, course.Len())
	s.PageReached = make([]int, len(l.Pages))
	s.BestScores = make([]int, len(l.Quiz)+1)
	counts := map[string]map[string]int{}
	bestSum := 0
	err := db.View(func(tx *storage.Tx) error {
		var all []storage.QuestionCount
		if err := tx.ForEachQuestion(func(q storage.QuestionCount) error {
			all = append(all, q)
			return nil
		}); err != nil {
			return err
		}
		s.Asked, s.LowConfidence = topQuestions(all)
		if err := tx.ForEachLearner(func(key string, rec []byte) error {
			st, err := decodeState(rec)
			if err != nil {
				s.Unreadable++
				return nil
			}
			s.Learners++
			if st.Unreachable {
				s.Unreachable++
			}
			s.Practice += len(st.Submissions)
			s.TasksStored += len(st.Tasks)
			s.Comparisons += len(st.Compares)
			s.countCourse(course, st)
			p := st.Progress[l.ID]
			if p == nil {
				return nil
			}
			if p.Seen > 0 {
				s.StartedLesson++
			}
			if p.Finished {
				s.FinishedLesson++
			}
			for i := 0; i < p.Seen && i < len(s.PageReached); i++ {
				s.PageReached[i]++
			}
			q := p.Quiz
			if q.Finished {
				s.TookQuiz++
				if q.Best >= 0 && q.Best < len(s.BestScores) {
					s.BestScores[q.Best]++
				}
				bestSum += q.Best
			}
			for _, h := range q.History {
				for qid, opt := range h.Chosen {
					if counts[qid] == nil {
						counts[qid] = map[string]int{}
					}
					counts[qid][opt]++
				}
			}
			return nil
		}); err != nil {
			return err
		}
		if err := tx.ForEachQuarantined(func(q storage.Quarantined) error {
			s.Quarantined++
			if len(s.QuarantinedKeys) < 20 {
				s.QuarantinedKeys = append(s.QuarantinedKeys, q.Key)
			}
			return nil
		}); err != nil {
			return err
		}
		return tx.ForEachReminder(func(key string, rec []byte) error {
			var set remind.Settings
			if json.Unmarshal(rec, &set) == nil && set.Active() {
				s.Reminders++
			}
			return nil
		})
	})
	if err != nil {
		return s, fmt.Errorf("compute stats: %w", err)
	}
	if s.TookQuiz > 0 {
		s.AverageBest = float64(bestSum) / float64(s.TookQuiz)
	}
	for _, q := range l.Quiz {
		qs := QuestionStats{ID: q.ID, Text: q.Text}
		for _, o := range q.Options {
			qs.Options = append(qs.Options, OptionStats{ID: o.ID, Text: o.Text, Correct: o.ID == q.Answer, Chosen: counts[q.ID][o.ID]})
		}
		s.Questions = append(s.Questions, qs)
	}
	return s, nil
}

// countCourse adds one learner to the lesson and course funnels.
func (s *Stats) countCourse(course *lessons.Course, st *State) {
	furthest := -1
	for i, cl := range course.Lessons {
		p := st.Progress[cl.ID]
		if p == nil {
			continue
		}
		ls := &s.Lessons[i]
		if p.Announced {
			s.Announced++
		}
		if p.Nudged {
			ls.Nudged++
			s.Nudged++
		}
		if p.Seen == 0 && p.Quiz.Attempts == 0 {
			continue
		}
		furthest = i
		ls.Started++
		if p.Finished {
			ls.Read++
		}
		if p.Quiz.Finished {
			ls.TookQuiz++
		}
		if passed(p.Quiz) {
			ls.Passed++
		}
	}
	for i := 0; i <= furthest; i++ {
		s.Reached[i]++
	}
	if !st.CourseDone.IsZero() {
		s.CourseDone++
	}
}

// Markdown is the statistics as a chat message in English, as the
// operator's CLI shows them.
func (s Stats) Markdown() string {
	c, err := locale.Default()
	if err != nil {
		return ""
	}
	return s.MarkdownIn(c.For(locale.English))
}

// MarkdownIn is the statistics as a chat message in loc's language, for an
// admin who asks in the chat.
func (s Stats) MarkdownIn(loc *locale.Localizer) string {
	var b strings.Builder
	b.WriteString(loc.T("StatsHead", "Order", s.LessonNumber, "Title", render.EscapeMarkdown(s.LessonTitle)) + "\n\n")
	b.WriteString(loc.T("StatsLearners", "Learners", s.Learners, "Unreachable", s.Unreachable, "Started", s.StartedLesson, "Finished", s.FinishedLesson, "Quiz", s.TookQuiz) + "\n")
	if s.TookQuiz > 0 {
		b.WriteString(loc.T("StatsAverage", "Average", fmt.Sprintf("%.2f", s.AverageBest), "Total", s.QuizTotal) + "\n")
		var dist []string
		for score, n := range s.BestScores {
			dist = append(dist, fmt.Sprintf("%d/%d: %d", score, s.QuizTotal, n))
		}
		b.WriteString(loc.T("StatsBest", "Scores", strings.Join(dist, ", ")) + "\n")
	}
	b.WriteString(loc.T("StatsWork", "Practice", s.Practice, "Reminders", s.Reminders, "Tasks", s.TasksStored, "Comparisons", s.Comparisons) + "\n")
	if s.Unreadable > 0 || s.Quarantined > 0 {
		keys := make([]string, len(s.QuarantinedKeys))
		for i, k := range s.QuarantinedKeys {
			keys[i] = render.EscapeMarkdown(k)
		}
		b.WriteString(loc.T("StatsUnreadable", "Unreadable", s.Unreadable, "Quarantined", s.Quarantined))
		if len(keys) > 0 {
			fmt.Fprintf(&b, " (%s)", strings.Join(keys, ", "))
		}
		b.WriteString("\n")
	}
	if len(s.Lessons) > 0 {
		b.WriteString("\n" + loc.T("StatsLessonsHead", "Done", s.CourseDone, "Nudged", s.Nudged, "Announced", s.Announced) + "\n")
		for i, ls := range s.Lessons {
			quizPart := ""
			if ls.HasQuiz {
				quizPart = loc.T("StatsLessonQuiz", "Quiz", ls.TookQuiz, "Passed", ls.Passed)
			}
			b.WriteString(loc.T("StatsLesson", "Order", ls.Order, "Title", render.EscapeMarkdown(excerpt(ls.Title, 40)), "Reached", s.Reached[i], "Started", ls.Started, "Read", ls.Read, "QuizPart", quizPart, "Nudged", ls.Nudged) + "\n")
		}
	}
	var reach []string
	for i, n := range s.PageReached {
		reach = append(reach, fmt.Sprintf("%d: %d", i+1, n))
	}
	b.WriteString("\n" + loc.T("StatsReach") + "\n" + strings.Join(reach, " · ") + "\n")
	for _, list := range []struct {
		head string
		qs   []storage.QuestionCount
	}{{"StatsAsked", s.Asked}, {"StatsLowConfidence", s.LowConfidence}} {
		if len(list.qs) == 0 {
			continue
		}
		b.WriteString("\n" + loc.T(list.head) + "\n")
		for _, q := range list.qs {
			n := q.Asked
			if list.head == "StatsLowConfidence" {
				n = q.Low
			}
			fmt.Fprintf(&b, "%d × %s\n", n, render.EscapeMarkdown(q.Text))
		}
	}
	for _, q := range s.Questions {
		fmt.Fprintf(&b, "\n**%s**\n", render.EscapeMarkdown(q.Text))
		for i, o := range q.Options {
			mark := ""
			if o.Correct {
				mark = " ✓"
			}
			fmt.Fprintf(&b, "- %s\\. %s%s: %d\n", letter(i), render.EscapeMarkdown(excerpt(o.Text, 60)), mark, o.Chosen)
		}
	}
	return b.String()
}

// CSV writes the statistics as metric,value rows for a spreadsheet.
func (s Stats) CSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	rows := [][]string{{"metric", "value"},
		{"learners", strconv.Itoa(s.Learners)}, {"started_lesson", strconv.Itoa(s.StartedLesson)},
		{"finished_lesson", strconv.Itoa(s.FinishedLesson)}, {"took_quiz", strconv.Itoa(s.TookQuiz)},
		{"average_best_score", strconv.FormatFloat(s.AverageBest, 'f', 2, 64)},
		{"practice_submissions", strconv.Itoa(s.Practice)}, {"active_reminders", strconv.Itoa(s.Reminders)},
		{"unreachable", strconv.Itoa(s.Unreachable)}, {"unreadable", strconv.Itoa(s.Unreadable)}, {"quarantined", strconv.Itoa(s.Quarantined)}, {"reference_tasks", strconv.Itoa(s.TasksStored)}, {"comparisons", strconv.Itoa(s.Comparisons)},
	}
	rows = append(rows, []string{"course_done", strconv.Itoa(s.CourseDone)}, []string{"nudged", strconv.Itoa(s.Nudged)}, []string{"announced", strconv.Itoa(s.Announced)})
	for i, ls := range s.Lessons {
		for _, r := range []struct {
			name string
			n    int
		}{{"reached", s.Reached[i]}, {"started", ls.Started}, {"read", ls.Read}, {"took_quiz", ls.TookQuiz}, {"passed", ls.Passed}, {"nudged", ls.Nudged}} {
			rows = append(rows, []string{fmt.Sprintf("lesson_%s_%s", ls.ID, r.name), strconv.Itoa(r.n)})
		}
	}
	for score, n := range s.BestScores {
		rows = append(rows, []string{fmt.Sprintf("best_score_%d", score), strconv.Itoa(n)})
	}
	for i, n := range s.PageReached {
		rows = append(rows, []string{fmt.Sprintf("reached_page_%d", i+1), strconv.Itoa(n)})
	}
	for _, q := range s.Questions {
		for _, o := range q.Options {
			rows = append(rows, []string{fmt.Sprintf("chosen_%s_%s", q.ID, o.ID), strconv.Itoa(o.Chosen)})
		}
	}
	if err := cw.WriteAll(rows); err != nil {
		return fmt.Errorf("write stats CSV: %w", err)
	}
	return nil
}

// statsCmd shows the statistics to admins.
func (t *turn) statsCmd() {
	if !t.e.cfg.Admins[t.ev.Key()] {
		t.say(t.tr.T("StatsNotAdmin"))
		return
	}
	t.later(func(_ context.Context, t *turn) {
		s, err := ComputeStats(t.e.db, t.course)
		if err != nil {
			t.e.log.Error("stats", "err", err)
			t.say(t.tr.T("ErrorReply"))
			return
		}
		t.say(s.MarkdownIn(t.tr))
		f, err := ComputeFunnel(t.e.db, t.course, t.tr, t.now, "", nil)
		if err == nil {
			err = t.sendChart(f)
		}
		if err != nil {
			t.e.log.Error("stats chart", "err", err)
		}
	})
}

// topQuestions returns the ten most asked questions and the ten most often
// answered with low confidence.
func topQuestions(all []storage.QuestionCount) (asked, low []storage.QuestionCount) {
	asked = slices.Clone(all)
	slices.SortStableFunc(asked, func(a, b storage.QuestionCount) int { return cmp.Compare(b.Asked, a.Asked) })
	for _, q := range all {
		if q.Low > 0 {
			low = append(low, q)
		}
	}
	slices.SortStableFunc(low, func(a, b storage.QuestionCount) int { return cmp.Compare(b.Low, a.Low) })
	return asked[:min(10, len(asked))], low[:min(10, len(low))]
}
