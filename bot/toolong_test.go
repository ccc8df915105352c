package bot_test

import (
	"fmt"
	"strings"
	"testing"

	"tutorbot/bot"
	"tutorbot/render"
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
