package announce

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name, arg string
		want      Command
		err       error
	}{
		{"help", "", Command{Verb: Help}, nil},
		{"status latest", "status", Command{Verb: ShowStatus}, nil},
		{"status id", "status 12", Command{Verb: ShowStatus, ID: 12}, nil},
		{"status hash id", "Status #7", Command{Verb: ShowStatus, ID: 7}, nil},
		{"cancel id", "cancel 3", Command{Verb: Cancel, ID: 3}, nil},
		{"status bad id", "status x", Command{}, ErrBadID},
		{"status zero", "status 0", Command{}, ErrBadID},
		{"everyone by default", "Lesson 2 is out!", Command{Verb: Draft, Text: "Lesson 2 is out!"}, nil},
		{"text with a colon", "Reminder: live at 18:00", Command{Verb: Draft, Text: "Reminder: live at 18:00"}, nil},
		{"everyone explicit", "everyone: Hi **all**", Command{Verb: Draft, Text: "Hi **all**"}, nil},
		{"cohort colon", "cohort abcd2345: Live today", Command{Verb: Draft, Audience: Audience{Cohort: "abcd2345"}, Text: "Live today"}, nil},
		{"cohort newline", "cohort abcd2345\nLive today\nsecond line", Command{Verb: Draft, Audience: Audience{Cohort: "abcd2345"}, Text: "Live today\nsecond line"}, nil},
		{"group cohort", "cohort chat:telegram:-100123: Hi", Command{Verb: Draft, Audience: Audience{Cohort: "chat:telegram:-100123"}, Text: "Hi"}, nil},
		{"combined", "Unfinished 2 LANG ru: Finish it", Command{Verb: Draft, Audience: Audience{Unfinished: 2, Lang: "ru"}, Text: "Finish it"}, nil},
		{"audience only", "lang ru", Command{}, ErrEmpty},
		{"audience colon only", "lang ru:", Command{}, ErrEmpty},
		{"bad unfinished", "unfinished two: hi", Command{}, ErrBadAudience},
		{"unknown word", "cohort abcd2345 everybody: hi", Command{}, ErrBadAudience},
		{"everyone with more", "everyone lang ru: hi", Command{}, ErrBadAudience},
		{"repeated", "lang ru lang en: hi", Command{}, ErrBadAudience},
		{"html cohort", "cohort <b>x</b>: hi", Command{}, ErrBadAudience},
		{"too long", strings.Repeat("a", MaxText+1), Command{}, ErrTooLong},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.arg, utf8.RuneCountInString(tc.arg))
			if !errors.Is(err, tc.err) {
				t.Fatalf("Parse(%q) error = %v, want %v", tc.arg, err, tc.err)
			}
			if got != tc.want {
				t.Errorf("Parse(%q) = %+v, want %+v", tc.arg, got, tc.want)
			}
		})
	}
}

func TestParseLengthAsWritten(t *testing.T) {
	// The engine cuts very long text before it gets here: the length as
	// written decides.
	if _, err := Parse("hello", 50000); !errors.Is(err, ErrTooLong) {
		t.Fatalf("err = %v, want ErrTooLong", err)
	}
	if _, err := Parse(strings.Repeat("я", MaxText), MaxText); err != nil {
		t.Fatalf("a text of exactly MaxText characters: %v", err)
	}
}

func TestAudienceString(t *testing.T) {
	for _, s := range []string{"everyone", "cohort abcd2345", "unfinished 3", "lang ru", "cohort abcd2345 unfinished 1 lang en"} {
		a, err := ParseAudience(s)
		if err != nil {
			t.Fatalf("ParseAudience(%q): %v", s, err)
		}
		if a.String() != s {
			t.Errorf("ParseAudience(%q).String() = %q", s, a.String())
		}
	}
	if a, err := ParseAudience(""); err != nil || a != (Audience{}) {
		t.Errorf("empty audience = %+v, %v; want everyone", a, err)
	}
}

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		md   string
		kind string
		line int
	}{
		{"**Bold** and `code` and [a link](https://example.com)", "", 0},
		{"Fine\n\n```\ncode ** ` [x](\n```\nafter", "", 0},
		{"Escaped \\*\\* and \\`", "", 0},
		{"line one\n**bold never closed", "bold", 2},
		{"ok\n\n`code", "code", 3},
		{"```go\nfunc main() {}", "fence", 1},
		{"see [the page](https://example.com", "link", 1},
		{"**bold\nacross lines**", "", 0},
		{"**open\n\nnew paragraph**", "bold", 1},
	} {
		p := Check(tc.md)
		switch {
		case tc.kind == "" && p != nil:
			t.Errorf("Check(%q) = %v, want nil", tc.md, p)
		case tc.kind != "" && (p == nil || p.Kind != tc.kind || p.Line != tc.line):
			t.Errorf("Check(%q) = %v, want %s at line %d", tc.md, p, tc.kind, tc.line)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"", "status 3", "cancel", "cohort abcd2345: hi", "lang ru\nПривет", "unfinished 2 lang en: x", "everyone:", "cohort chat:telegram:-1: x", "**x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Parse(s, utf8.RuneCountInString(s))
		if err != nil {
			if c != (Command{}) {
				t.Fatalf("Parse(%q) returned %+v with error %v", s, c, err)
			}
			return
		}
		if c.Verb == Draft {
			if strings.TrimSpace(c.Text) == "" || utf8.RuneCountInString(c.Text) > MaxText {
				t.Fatalf("Parse(%q) drafted %q", s, c.Text)
			}
			// The audience reads back as itself.
			if a, err := ParseAudience(c.Audience.String()); err != nil || a != c.Audience {
				t.Fatalf("audience %+v does not read back: %+v, %v", c.Audience, a, err)
			}
		}
		Check(c.Text)
	})
}
