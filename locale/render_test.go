package locale_test

import (
	"testing"

	"tutorbot/render"
)

// TestEveryMessageRenders: every message of every catalog, with its
// placeholders filled, renders to valid Telegram HTML within Telegram's
// and Discord's limits (Telegram counts UTF-16 units).
func TestEveryMessageRenders(t *testing.T) {
	c := catalog(t)
	data := []any{}
	for _, p := range []string{"Name", "Command", "Length", "Max", "Lang", "Langs", "Current", "Greeting", "Course", "Lessons", "Order", "Title", "Subtitle",
		"Page", "Pages", "Answered", "Total", "N", "Letter", "Explain", "Option", "OptionExplain", "Score", "Best", "Last", "Template", "Model", "Models",
		"Limit", "Seconds", "In", "Out", "Reason", "List", "Tasks", "Calls", "Text", "Date", "Schedule", "Next", "Zone", "From", "To", "Spec", "When",
		"Read", "Passed", "Quizzes", "Avg", "Delay", "Lesson", "Average", "Scores", "Practice", "Reminders", "Comparisons", "Unreadable", "Quarantined",
		"Learners", "Unreachable", "Started", "Finished", "Quiz"} {
		data = append(data, p, "Ёжик & <b>x</b>")
	}
	checked := 0
	for _, lang := range c.Langs() {
		l := c.For(lang)
		for _, id := range c.IDs(lang) {
			for _, n := range []int{1, 2, 5} {
				md := l.N(id, n, data...)
				for _, f := range []render.Format{render.TelegramHTML, render.DiscordMarkdown} {
					out := render.Render(md, f)
					if n := render.Length(out, f); n > f.Limit() {
						t.Errorf("%s %s: %d characters in %s", lang, id, n, f)
					}
					if f == render.TelegramHTML {
						if err := render.ValidateTelegramHTML(out); err != nil {
							t.Errorf("%s %s: invalid Telegram HTML: %v\n%s", lang, id, err, out)
						}
					}
				}
				checked++
			}
		}
	}
	if checked < 500 {
		t.Errorf("only %d renderings checked", checked)
	}
}
