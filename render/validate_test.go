package render

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// validateReference is ValidateTelegramHTML as first written: every rune of
// text is a token of its own. It is slow and plainly right, so the fast
// validator is checked against it.
func validateReference(s string) error {
	if !utf8.ValidString(s) {
		return errors.New("telegram html: invalid UTF-8")
	}
	var stack []string
	visible, blank := 0, true
	for i := 0; i < len(s); {
		t, n, err := nextTelegramToken(s, i)
		if err != nil {
			return fmt.Errorf("telegram html: %w", err)
		}
		i += n
		if t.kind != tokTag {
			for _, r := range t.text {
				visible++
				if r >= 0x10000 {
					visible++
				}
			}
			blank = blank && strings.TrimFunc(t.text, unicode.IsSpace) == ""
			continue
		}
		if t.closing {
			if len(stack) == 0 || stack[len(stack)-1] != t.name {
				return fmt.Errorf("telegram html: </%s> does not close the open tag", t.name)
			}
			stack = stack[:len(stack)-1]
			continue
		}
		if err := checkNesting(stack, t); err != nil {
			return fmt.Errorf("telegram html: %w", err)
		}
		stack = append(stack, t.name)
	}
	if len(stack) > 0 {
		return fmt.Errorf("telegram html: <%s> is not closed", stack[len(stack)-1])
	}
	if blank {
		return errors.New("telegram html: message text is empty")
	}
	if visible > TelegramHTML.Limit() {
		return fmt.Errorf("telegram html: %d characters, more than %d", visible, TelegramHTML.Limit())
	}
	return nil
}

func errText(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// FuzzValidateTelegramHTML checks the validator against the reference: the
// same verdict and the same reason for every input.
func FuzzValidateTelegramHTML(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
		f.Add(Render(s, TelegramHTML))
	}
	f.Add("\u00a0\t\v\f\r\n ")
	f.Add("<b>\u2003</b>\u00a0x")
	f.Add(strings.Repeat("é👋", 1400))
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := errText(ValidateTelegramHTML(s)), errText(validateReference(s)); got != want {
			t.Fatalf("ValidateTelegramHTML(%q) = %s, reference says %s", s, got, want)
		}
		if utf8.ValidString(s) {
			n := 0
			for _, r := range s {
				n++
				if r > 0xFFFF { // a surrogate pair
					n++
				}
			}
			if got := utf16Len(s); got != n {
				t.Fatalf("utf16Len(%q) = %d, want %d", s, got, n)
			}
		}
	})
}

// BenchmarkValidateTelegramHTML compares the validator with the
// rune-by-rune reference on a rendered lesson page.
func BenchmarkValidateTelegramHTML(b *testing.B) {
	page := Render(lesson, TelegramHTML)
	if err := ValidateTelegramHTML(page); err != nil {
		b.Fatal(err)
	}
	for _, v := range []struct {
		name string
		fn   func(string) error
	}{{"fast", ValidateTelegramHTML}, {"reference", validateReference}} {
		b.Run(v.name, func(b *testing.B) {
			b.SetBytes(int64(len(page)))
			b.ReportAllocs()
			for b.Loop() {
				if err := v.fn(page); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
