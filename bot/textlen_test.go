package bot

import (
	"strings"
	"testing"
)

func TestTextLength(t *testing.T) {
	for _, c := range []struct {
		s    string
		want int
	}{
		{"hello", 5},
		{"привет", 6},
		{"🙂🙂🙂", 3},
		{"👍🏽", 1},      // thumbs up, skin tone
		{"👩‍💻", 1},     // woman, ZWJ, laptop
		{"👨‍👩‍👧‍👦", 1}, // family of four
		{"🇩🇪🇫🇷", 2},    // two flags
		{"é", 1},       // e, combining acute
		{"❤️", 1},      // heart, variation selector
		{strings.Repeat("я", 51200), 51200},
		{strings.Repeat("🙂", 25600), 25600},
	} {
		if got := textLength(c.s); got != c.want {
			t.Errorf("textLength(%.20q) = %d, want %d", c.s, got, c.want)
		}
	}
}
