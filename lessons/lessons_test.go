package lessons

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"tutorbot/render"
)

func TestCourseLoadsAndFitsEveryPlatform(t *testing.T) {
	c, err := Default()
	if err != nil {
		t.Fatalf("load course: %v", err)
	}
	ids := map[string]bool{}
	for _, l := range c.Lessons {
		if ids[l.ID] {
			t.Errorf("duplicate lesson id %q", l.ID)
		}
		ids[l.ID] = true
	}
	// Every language's pages: Telegram counts UTF-16 units (Cyrillic is
	// one each, emoji two), Discord characters.
	var all []*Lesson
	for _, lang := range c.Languages() {
		all = append(all, c.InLang(lang)...)
	}
	for _, l := range all {
		if len(l.Pages) < 3 {
			t.Errorf("%s: only %d pages", l.ID, len(l.Pages))
		}
		for _, q := range l.Quiz {
			if err := q.Check(); err != nil {
				t.Errorf("%s: %v", l.ID, err)
			}
		}
		for _, f := range []render.Format{render.Plain, render.TelegramHTML, render.DiscordMarkdown} {
			for i := range l.Pages {
				page := l.Page(i, f)
				if page == "" {
					t.Errorf("%s page %d empty in %s", l.ID, i+1, f)
				}
				if n := render.Length(page, f); n > f.Limit()-FooterRoom {
					t.Errorf("%s page %d: %d characters in %s", l.ID, i+1, n, f)
				}
				if f == render.TelegramHTML {
					if err := render.ValidateTelegramHTML(page); err != nil {
						t.Errorf("%s page %d: invalid Telegram HTML: %v", l.ID, i+1, err)
					}
					// Only Telegram's tags may appear.
					for _, tag := range regexp.MustCompile(`</?([a-z-]+)`).FindAllStringSubmatch(page, -1) {
						switch tag[1] {
						case "b", "i", "u", "s", "a", "code", "pre", "blockquote":
						default:
							t.Errorf("%s page %d: tag <%s>", l.ID, i+1, tag[1])
						}
					}
				}
			}
		}
	}
}

// TestLessonOneCarriesTheSeed checks that every part of the course's text
// is in lesson 1.
func TestLessonOneCarriesTheSeed(t *testing.T) {
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	l := c.First()
	var all strings.Builder
	for i := range l.Pages {
		all.WriteString(l.Page(i, render.Plain) + "\n")
	}
	text := all.String()
	for _, want := range []string{
		"Why open weights", "Full privacy.", "Cost control.", "The ability to fine-tune for your own tasks.", "Independence from an API provider.",
		"The main families", "strong reasoning, affordable APIs. R1 / V3 / V3-base. Especially good at code and math.",
		"multilingualism, vision, coding. Many versions in open weights.", "European models, a good compromise of performance and quality.",
		`the old open-source "base", still evolving.`, "lightweight models, convenient for local runs.", "small ones, for CPU/mobile scenarios.",
		"The selection principle", "If you run locally — look at your GPU and memory.", "If via the API — look at price and quality on your tasks.",
		"Don't trust benchmarks as the final truth — always test on your own scenarios.",
		"Practical exercise", "What to do after this lesson", "Open OpenRouter / Ollama. Run the same prompt on DeepSeek, Qwen, and Mistral. Note who's better for your task.",
		"Ready-to-use prompt", "Template for this lesson", "Copy and adapt to your context. Text in angle brackets should be replaced.",
		"Help me choose an open-weight model.", "Where I run it (locally / API / cloud): <…>", "Available GPU memory: <…>", "Constraints: <…>",
		"Give a recommendation from DeepSeek / Qwen / Mistral / Llama / Gemma with reasoning.",
		"Common mistakes", "What people get wrong", "They choose by benchmarks without testing on their own tasks.",
		"They run a huge model on a small GPU — they get a crawl.", "They ignore the open-weights license (there are restrictions).",
		"Pro tips", "What works but no one documents", "Quantized versions (Q4/Q5) often lose almost no quality and save a lot of memory.",
		"OpenRouter — a fast way to test models before choosing.", `Keep a "reference set of tasks" for regular re-testing.`,
		"When to use", "Privacy, cost control, fine-tune for a niche.", "When not to use",
		"When you need maximum quality and privacy doesn't matter — the flagships are still stronger.",
		"Official sources", "https://www.deepseek.com/", "https://qwenlm.github.io/", "https://docs.mistral.ai/", "https://www.llama.com/", "https://ai.google.dev/gemma", "https://azure.microsoft.com/en-us/products/phi",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("lesson 1 misses %q", want)
		}
	}
	if len(l.Quiz) != 2 || l.Quiz[0].Text != "Why do you need open-weight models?" || l.Quiz[1].Text != "DeepSeek is known primarily for:" {
		t.Errorf("quiz questions: %+v", l.Quiz)
	}
	for _, q := range l.Quiz {
		if len(q.Options) != 4 {
			t.Errorf("%s has %d options", q.ID, len(q.Options))
		}
	}
	if !strings.Contains(l.Practice, "Available GPU memory: <…>") {
		t.Errorf("practice template: %q", l.Practice)
	}
}

func TestTelegramPagesEscapeText(t *testing.T) {
	src := "---\nid: esc\ntitle: Escapes\norder: 1\nquiz:\n  - id: q\n    question: Q?\n    answer: a\n    options:\n      - {id: a, text: A, explain: E}\n      - {id: b, text: B, explain: E}\n---\n\n## Tags & such\n\nUse <b>bold</b> & compare 3 < 4 > 2.\n"
	l, probs := Parse("esc.md", []byte(src))
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	page := l.Page(0, render.TelegramHTML)
	if !strings.Contains(page, "&lt;b&gt;bold&lt;/b&gt; &amp; compare 3 &lt; 4 &gt; 2") {
		t.Errorf("not escaped: %q", page)
	}
}

func TestLint(t *testing.T) {
	tests := []struct {
		name string
		file string
		want string // file:line: problem
	}{
		{"missing answer", "---\nid: x\ntitle: X\norder: 1\nquiz:\n  - id: q1\n    question: Q?\n    answer: z\n    options:\n      - {id: a, text: A, explain: E}\n      - {id: b, text: B, explain: E}\n---\n\nBody.\n", `l.md:8: quiz: question "q1": answer "z" is not one of its options`},
		{"no front matter", "# Just markdown\n", "l.md:1: missing front matter"},
		{"unclosed front matter", "---\nid: x\n", "l.md:1: front matter is not closed"},
		{"bad yaml", "---\nid: x\ntitle: [unclosed\n---\nBody\n", "l.md:"},
		{"no id", "---\ntitle: X\norder: 1\nquiz:\n  - id: q1\n    question: Q?\n    answer: a\n    options:\n      - {id: a, text: A, explain: E}\n      - {id: b, text: B, explain: E}\n---\n\nBody.\n", "l.md:2: front matter: id is missing"},
		{"empty body", "---\nid: x\ntitle: X\norder: 1\nquiz:\n  - id: q1\n    question: Q?\n    answer: a\n    options:\n      - {id: a, text: A, explain: E}\n      - {id: b, text: B, explain: E}\n---\n", "lesson body is empty"},
		{"invalid utf-8", "---\nid: \xff\n---\n", "l.md:1: file is not valid UTF-8"},
		{"binary", "\x00\x01\x02", "l.md:1: file contains NUL bytes"},
		{"empty file", "", "l.md:1: missing front matter"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			probs := Lint(fstest.MapFS{"l.md": {Data: []byte(tc.file)}})
			if len(probs) == 0 {
				t.Fatal("no problems reported")
			}
			if !strings.Contains(probs.Error(), tc.want) {
				t.Errorf("problems:\n%s\nwant %q", probs, tc.want)
			}
		})
	}
}

func TestLintDuplicateIDs(t *testing.T) {
	good := "---\nid: x\ntitle: X\norder: %d\nquiz:\n  - id: q1\n    question: Q?\n    answer: a\n    options:\n      - {id: a, text: A, explain: E}\n      - {id: b, text: B, explain: E}\n---\n\nBody.\n"
	probs := Lint(fstest.MapFS{
		"a.md": {Data: []byte(strings.Replace(good, "%d", "1", 1))},
		"b.md": {Data: []byte(strings.Replace(good, "%d", "2", 1))},
	})
	if !strings.Contains(probs.Error(), `lesson id "x" is also used by a.md`) {
		t.Errorf("problems: %v", probs)
	}
}

func FuzzParse(f *testing.F) {
	lesson1, err := fs.ReadFile(Content(), "en/01-map-of-open-weight-models.md")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(lesson1)
	f.Add([]byte("---\nid: x\n---\n"))
	f.Add([]byte("---\nquiz: [1, 2]\n---\nbody"))
	f.Add([]byte("---\n\xff\n---\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		l, probs := Parse("f.md", b)
		if l == nil && len(probs) == 0 {
			t.Fatal("no lesson and no problem")
		}
		for _, p := range probs {
			if p.Line < 1 {
				t.Fatalf("problem without a line: %v", p)
			}
		}
		if l != nil {
			for i := range l.Pages {
				if err := render.ValidateTelegramHTML(l.Page(i, render.TelegramHTML)); err != nil {
					t.Fatalf("page %d: %v", i, err)
				}
			}
		}
	})
}
