package render

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// fuzzSeeds are inputs that once broke, or nearly broke, a Markdown renderer.
var fuzzSeeds = []string{
	"",
	"# Title\n\ntext *em* **strong** ~~del~~ `code`",
	"<script>alert(1)</script>",
	"<b>unclosed",
	"a & b < c > d \"e\"",
	"[x](javascript:alert(1)) [y](https://e.com/\"><b>) ![i](tg://x)",
	"- a\n  - b\n    - c\n      1. d",
	"```go\nx := \"<>&\"\n```",
	"> > > deep\n> quote",
	"@everyone <@123> ||spoiler|| _x_",
	"\xff\xfe invalid \xc3",
	"a\x00b\x01c\r\nd",
	"&#0; &#x110000; &#xD800; &amp &copy; &NotEqualTilde;",
	"***a** b*",
	"[a][b]\n\n[b]: http://e.com",
	"| a | b |\n|---|---|\n| 1 | 2 |",
	"    indented\n\ttabbed",
	"Setext\n===\n\n---\n***",
	"👋🏽 שלום مرحبا 🇺🇦",
	strings.Repeat("word. ", 50),
	strings.Repeat("`", 10) + "x" + strings.Repeat("`", 3),
	"\\",
	"<",
	"- ",
	"1.",
	"[",
	"&",
}

// amplify repeats md until it is longer than any message limit, so that
// short fuzz inputs also exercise splitting.
func amplify(md string) string {
	if md == "" || len(md) > 5000 {
		return md
	}
	return strings.Repeat(md, 5000/len(md)+1)
}

func FuzzTelegramHTML(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, md string) {
		out := Render(md, TelegramHTML)
		if out != "" && strings.TrimSpace(Strip(out, TelegramHTML)) != "" {
			if err := checkTelegramStructure(out); err != nil {
				t.Fatalf("Render(%q) = %q: %v", md, out, err)
			}
		}
		for _, in := range []string{md, amplify(md)} {
			parts := Fit(in, TelegramHTML)
			for i, p := range parts {
				if err := ValidateTelegramHTML(p); err != nil {
					t.Fatalf("Fit(%.200q) part %d invalid: %v\n%.300q", in, i, err, p)
				}
				if n := Length(p, TelegramHTML); n > 4096 {
					t.Fatalf("part %d: %d > 4096", i, n)
				}
			}
		}
	})
}

// checkTelegramStructure validates everything but the length limits.
func checkTelegramStructure(s string) error {
	if utf16Len(telegramVisible(s)) <= 4096 {
		return ValidateTelegramHTML(s)
	}
	for _, p := range hardSplitTelegram(s, 4096) {
		if err := ValidateTelegramHTML(p); err != nil {
			return err
		}
	}
	return nil
}

func FuzzSplit(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s, 40)
	}
	f.Add(strings.Repeat("x", 300), 7)
	f.Add("# A\n\nb\n\n## C\n\nd", 1)
	f.Fuzz(func(t *testing.T, md string, budget int) {
		budget = budget%500 + 1
		if budget < 1 {
			budget = -budget + 1
		}
		pages := Split(md, budget)
		if strings.TrimSpace(sanitize(md)) == "" && pages != nil {
			t.Fatalf("Split(blank) = %q", pages)
		}
		for i, p := range pages {
			if strings.TrimSpace(p) == "" {
				t.Fatalf("page %d is blank", i)
			}
			if !utf8.ValidString(p) {
				t.Fatalf("page %d is not valid UTF-8", i)
			}
		}
		checkWordsKept(t, md, pages)
	})
}

func FuzzDiscord(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, md string) {
		for _, in := range []string{md, amplify(md)} {
			for i, p := range Fit(in, DiscordMarkdown) {
				if n := Length(p, DiscordMarkdown); n > 2000 {
					t.Fatalf("Fit(%.200q) part %d: %d runes > 2000", in, i, n)
				}
				if strings.TrimSpace(p) == "" {
					t.Fatalf("part %d is blank", i)
				}
				if strings.Contains(p, "@everyone") || strings.Contains(p, "@here") {
					t.Fatalf("part %d can ping everyone: %.200q", i, p)
				}
			}
		}
	})
}

func BenchmarkRender(b *testing.B) {
	for _, f := range []Format{TelegramHTML, DiscordMarkdown, Plain} {
		b.Run(f.String(), func(b *testing.B) {
			b.SetBytes(int64(len(lesson)))
			b.ReportAllocs()
			for b.Loop() {
				Render(lesson, f)
			}
		})
	}
}

func BenchmarkFit(b *testing.B) {
	long := strings.Repeat(lesson+"\n\n", 4)
	for _, f := range []Format{TelegramHTML, DiscordMarkdown} {
		b.Run(f.String(), func(b *testing.B) {
			b.SetBytes(int64(len(long)))
			b.ReportAllocs()
			for b.Loop() {
				Fit(long, f)
			}
		})
	}
}

func BenchmarkSplit(b *testing.B) {
	b.SetBytes(int64(len(lesson)))
	b.ReportAllocs()
	for b.Loop() {
		Split(lesson, 800)
	}
}
