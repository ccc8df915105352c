package bot_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tutorbot/bot"
	"tutorbot/lessons"
	"tutorbot/remind"
	"tutorbot/render"
	"tutorbot/storage"
)

// TestTooLongStatesRealLength: a message over the limit is refused with its
// real length in characters and the real limit, whatever its alphabet;
// emoji count as the characters they are.
func TestTooLongStatesRealLength(t *testing.T) {
	h := newHarness(t, render.Plain)
	for _, c := range []struct {
		name string
		text string
		n    int
	}{
		{"Latin", strings.Repeat("a", 102400), 102400},
		{"Cyrillic", strings.Repeat("я", 51200), 51200},
		{"emoji", strings.Repeat("🙂", 25600), 25600},
		{"emoji with skin tones", strings.Repeat("👍🏽", 20001), 20001},
	} {
		replies := h.say(c.text)
		want := fmt.Sprintf("%d characters; I read up to %d", c.n, bot.MaxText)
		if len(replies) != 1 || !strings.Contains(replies[0].Text, want) {
			t.Errorf("%s: replies %.200q, want one saying %q", c.name, texts(replies), want)
		}
	}
	// At the limit it is read (as free text: the hint, not a refusal).
	if replies := h.say(strings.Repeat("🙂", bot.MaxText)); strings.Contains(texts(replies), "too long") {
		t.Errorf("%d emoji refused", bot.MaxText)
	}
}

// TestWrongAnswerSaysVerdictOnce: an explanation that opens with the
// verdict ("Not quite. …") is not repeated after the tutor's own.
func TestWrongAnswerSaysVerdictOnce(t *testing.T) {
	h := newHarness(t, render.Plain)
	h.say("/quiz")
	all := texts(h.press("A")) // question 1, option A: "Not quite. The lesson says…"
	if !strings.Contains(all, "❌ Not quite. The lesson says") || strings.Contains(all, "Not quite. Not quite") {
		t.Errorf("verdict and explanation:\n%s", all)
	}
}

// TestRemindBelowGapSaysTheGap: with a three-hour gap between reminders,
// an hourly schedule is refused with that gap, in the learner's language.
func TestRemindBelowGapSaysTheGap(t *testing.T) {
	h := &harness{t: t, path: filepath.Join(t.TempDir(), "tutor.db"), user: "42", format: render.Plain}
	db, err := storage.Open(h.path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	course, _ := lessons.Default()
	e, err := bot.NewEngine(bot.Config{DB: db, Course: course, Now: clock, Reminders: &remind.Service{DB: db, Now: clock, MinGap: 3 * time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	h.db, h.engine = db, e
	if all := texts(h.say("/remind 0 * * * *")); !strings.Contains(all, "more often than once every 3 hours") {
		t.Errorf("hourly schedule with a 3-hour gap:\n%s", all)
	}
	if all := texts(h.say("/remind 0 */4 * * *")); strings.Contains(all, "more often") {
		t.Errorf("a schedule every 4 hours refused:\n%s", all)
	}
}
