package bot

import (
	"fmt"
	"strings"
	"time"

	"tutorbot/chart"
	"tutorbot/lessons"
	"tutorbot/locale"
	"tutorbot/render"
	"tutorbot/storage"
)

// ComputeFunnel counts, over the learners for whom member returns true
// (every learner when member is nil), how many reached each page of each
// lesson, read it, took and passed its quiz, and how often each quiz option
// was chosen. cohort, when set, is named in the chart's subtitle; loc is
// the reader's language (English when nil).
func ComputeFunnel(db *storage.DB, course *lessons.Course, loc *locale.Localizer, now time.Time, cohort string, member func(key string) bool) (chart.Funnel, error) {
	var states []*State
	err := db.View(func(tx *storage.Tx) error {
		return tx.ForEachLearner(func(key string, rec []byte) error {
			if member != nil && !member(key) {
				return nil
			}
			st, err := decodeProgress(rec)
			if err != nil {
				return nil // counted as unreadable by the statistics
			}
			states = append(states, st)
			return nil
		})
	})
	if err != nil {
		return chart.Funnel{}, fmt.Errorf("compute funnel: %w", err)
	}
	if loc == nil {
		c, err := locale.Default()
		if err != nil {
			return chart.Funnel{}, fmt.Errorf("compute funnel: %w", err)
		}
		loc = c.For(locale.English)
	}
	return funnelOf(course, loc, now, cohort, states), nil
}

// funnelOf counts the funnel of the given learners.
func funnelOf(course *lessons.Course, loc *locale.Localizer, now time.Time, cohort string, states []*State) chart.Funnel {
	sub := []string{now.UTC().Format(time.DateOnly)}
	if cohort != "" {
		sub = append(sub, cohort)
	}
	sub = append(sub, loc.N("ChartLearners", len(states)))
	f := chart.Funnel{Title: course.Title(loc.Lang()), Subtitle: strings.Join(sub, " · ")}
	for n, base := range course.Lessons {
		l, _ := course.Lesson(base.ID, loc.Lang())
		pages := make([]int, len(l.Pages))
		read, taken, pass := 0, 0, 0
		chosen := map[string]map[string]int{}
		for _, st := range states {
			p := st.Progress[l.ID]
			if p == nil {
				continue
			}
			for i := 0; i < p.Seen && i < len(pages); i++ {
				pages[i]++
			}
			if p.Finished {
				read++
			}
			if p.Quiz.Finished {
				taken++
			}
			if passed(p.Quiz) {
				pass++
			}
			for _, h := range p.Quiz.History {
				for qid, opt := range h.Chosen {
					if chosen[qid] == nil {
						chosen[qid] = map[string]int{}
					}
					chosen[qid][opt]++
				}
			}
		}
		num := n + 1
		for i, c := range pages {
			f.Steps = append(f.Steps, chart.Step{Label: loc.T("ChartPage", "Lesson", num, "Page", i+1), Count: c})
		}
		f.Steps = append(f.Steps, chart.Step{Label: loc.T("ChartRead", "Lesson", num), Count: read})
		if len(l.Quiz) == 0 {
			continue
		}
		f.Steps = append(f.Steps,
			chart.Step{Label: loc.T("ChartQuizTaken", "Lesson", num), Count: taken},
			chart.Step{Label: loc.T("ChartQuizPassed", "Lesson", num), Count: pass})
		for qi, q := range l.Quiz {
			cq := chart.Question{Label: loc.T("ChartQuestion", "Lesson", num, "N", qi+1, "Text", q.Text)}
			for oi, o := range q.Options {
				cq.Options = append(cq.Options, chart.Option{
					Key:     letter(oi),
					Label:   letter(oi) + ". " + o.Text,
					Count:   chosen[q.ID][o.ID],
					Correct: o.ID == q.Answer,
				})
			}
			f.Questions = append(f.Questions, cq)
		}
	}
	return f
}

// chartName is the file name of the funnel chart.
const chartName = "funnel.png"

// sendChart draws the funnel and adds it to the turn's replies as an image.
func (t *turn) sendChart(f chart.Funnel) error {
	png, err := f.Bytes()
	if err != nil {
		return fmt.Errorf("draw funnel chart: %w", err)
	}
	t.attach(t.tr.T("ChartCaption", "Subtitle", render.EscapeMarkdown(f.Subtitle)), File{Name: chartName, Data: png, Image: true})
	return nil
}
