package render

import (
	"fmt"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// lesson is a lesson-like document of about 3 KB.
const lesson = `# A Map of Open-Weight Models

DeepSeek, Qwen, Mistral, Llama — who's strong at what and how to think about it.

## Why open weights

An *open-weight* model is a model whose weights you can download and run locally or in your own cloud. This gives you:

- Full privacy.
- Cost control.
- The ability to **fine-tune** for your own tasks.
- Independence from an API provider.

## The main families

- **DeepSeek** — strong reasoning, affordable APIs. R1 / V3 / V3-base. Especially good at code and math.
- **Qwen** (Alibaba) — multilingualism, vision, coding. Many versions in open weights.
- **Mistral / Mixtral** — European models, a good compromise of performance and quality.
- **Llama** (Meta) — the old open-source "base", still evolving.
- **Gemma** (Google) — lightweight models, convenient for local runs.
- **Phi** (Microsoft) — small ones, for CPU/mobile scenarios.

## The selection principle

If you run locally — look at your GPU and memory. If via the API — look at price and quality on your tasks. Don't trust benchmarks as the final truth — always test on your own scenarios.

### Practical exercise

1. Open [OpenRouter](https://openrouter.ai) / [Ollama](https://ollama.com).
2. Run the same prompt on DeepSeek, Qwen, and Mistral.
3. Note who's better for your task.

## Ready-to-use prompt

Copy and adapt to your context. Text in angle brackets should be replaced.

` + "```text" + `
Help me choose an open-weight model.
Task: <…>
Where I run it (locally / API / cloud): <…>
Available GPU memory: <…>
Constraints: <…>
Give a recommendation from DeepSeek / Qwen / Mistral / Llama / Gemma with reasoning.
` + "```" + `

## Common mistakes

- They choose by benchmarks without testing on their own tasks.
- They run a huge model on a small GPU — they get a crawl.
- They ignore the open-weights license (there are restrictions).

> Quantized versions (Q4/Q5) often lose almost no quality and save a lot of memory.
> Keep a "reference set of tasks" for regular re-testing: ` + "`task_01 … task_20`" + `.

## When to use

Privacy, cost control, fine-tune for a niche. Memory estimate: params × bytes & overhead < VRAM.

## When not to use

When you need maximum quality and privacy doesn't matter — the flagships are still stronger.

---

Квиз — 2 вопроса · 👋 שלום
`

func plainOf(md string) string { return Render(md, Plain) }

func TestSplit(t *testing.T) {
	para := func(word string, n int) string { return strings.TrimSpace(strings.Repeat(word+" ", n)) }
	tests := []struct {
		name   string
		md     string
		budget int
		want   []string
	}{
		{"empty", "", 100, nil},
		{"blank", " \n\t\n ", 100, nil},
		{"one page", "hello\n\nworld", 100, []string{"hello\n\nworld"}},
		{"h1 and h2 start pages", "# A\n\none\n\n## B\n\ntwo\n\n## C\nthree", 1000,
			[]string{"# A\n\none", "## B\n\ntwo", "## C\nthree"}},
		{"headings without content stay together", "# A\n## B\n\ntext", 1000, []string{"# A\n## B\n\ntext"}},
		{"h3 does not start a page", "## A\n\none\n\n### B\n\ntwo", 1000, []string{"## A\n\none\n\n### B\n\ntwo"}},
		{"budget packs blocks", "aaaa\n\nbbbb\n\ncccc\n\ndddd", 10, []string{"aaaa\n\nbbbb", "cccc\n\ndddd"}},
		{"heading moves with next block", "aaaaaaaa\n\n### H\n\nbbbbbbbb", 20, []string{"aaaaaaaa", "### H\n\nbbbbbbbb"}},
		{"long paragraph between sentences", "One two. Three four. Five six.", 20, []string{"One two. Three four.", "Five six."}},
		{"long sentence between words", para("word", 6), 15, []string{"word word word", "word word word"}},
		{"long list between items", "- aaaa\n- bbbb\n- cccc\n- dddd", 17, []string{"- aaaa\n- bbbb", "- cccc\n- dddd"}},
		{"ordered list keeps numbers", "1. aaaa\n2. bbbb\n3. cccc", 10, []string{"1. aaaa", "2. bbbb", "3. cccc"}},
		{"code block refenced", "```go\nline1\nline2\nline3\nline4\n```", 20,
			[]string{"~~~go\nline1\nline2\n~~~", "~~~go\nline3\nline4\n~~~"}},
		{"part start escaped", "Go. # not a heading. - nor a list", 22, []string{"Go. # not a heading.", `\- nor a list`}},
		{"numbered start escaped", "Step one. 2. Next", 9, []string{"Step one.", `2\. Next`}},
		{"quote split inside", "> aaaa\n>\n> bbbb", 6, []string{"> aaaa", "> bbbb"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Split(tt.md, tt.budget)
			if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", tt.want) {
				t.Errorf("Split(%q, %d)\n got: %q\nwant: %q", tt.md, tt.budget, got, tt.want)
			}
		})
	}
}

func TestSplitRules(t *testing.T) {
	longList := ""
	for i := 1; i <= 60; i++ {
		longList += fmt.Sprintf("- item number %d with some words\n", i)
	}
	nested := "- outer\n" + strings.Repeat("  - inner item with text that is long enough\n", 40)
	emoji := strings.Repeat("👋🏽", 3000)
	tests := []struct {
		name   string
		md     string
		budget int
	}{
		{"lesson 400", lesson, 400},
		{"lesson 1000", lesson, 1000},
		{"lesson 60", lesson, 60},
		{"long list", longList, 300},
		{"nested list", nested, 200},
		{"100 KB word", strings.Repeat("x", 100_000), 4096},
		{"100 KB entities", strings.Repeat("&amp;", 20_000), 1000},
		{"emoji", emoji, 500},
		{"long heading", "## " + strings.Repeat("title ", 200), 100},
		{"long code line", "```\n" + strings.Repeat("<x>", 3000) + "\n```", 1000},
		{"long html block", "<div>\n" + strings.Repeat("<p>x</p>\n", 500) + "</div>", 300},
		{"deep quote", strings.Repeat(">", 20) + " " + strings.Repeat("deep words here. ", 100), 200},
		{"budget one", "# T\n\nab cd", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pages := Split(tt.md, tt.budget)
			if len(pages) == 0 {
				t.Fatal("no pages")
			}
			for i, p := range pages {
				n := Length(Render(p, Plain), Plain)
				if n == 0 {
					t.Errorf("page %d renders empty: %q", i, p)
				}
				if n > tt.budget && tt.budget >= 20 {
					t.Errorf("page %d: %d > budget %d: %.100q", i, n, tt.budget, p)
				}
				if h := lastBlockIsHeading(p); h && i < len(pages)-1 {
					t.Errorf("page %d ends with a heading: %q", i, p)
				}
			}
			checkWordsKept(t, tt.md, pages)
		})
	}
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func lastBlockIsHeading(page string) bool {
	doc, _ := parse(page)
	last := doc.LastChild()
	return last != nil && last.Kind().String() == "Heading"
}

// letters keeps the letters of s: what no correct split may lose or reorder.
func letters(s string) []rune {
	var out []rune
	for i := 0; i < len(s); {
		// Percent escapes depend on whether a link survived a cut.
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			i += 3
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if unicode.IsLetter(r) {
			out = append(out, r)
		}
		i += size
	}
	return out
}

// checkWordsKept checks that the letters of md's visible text appear, in
// order, in the plain text of the pages. (Visible text leaves out link
// addresses: a link cut in two shows its address differently.)
func checkWordsKept(t *testing.T, md string, pages []string) {
	t.Helper()
	want := letters(Strip(Render(md, TelegramHTML), TelegramHTML))
	var all strings.Builder
	for _, p := range pages {
		all.WriteString(plainOf(p))
		all.WriteByte('\n')
	}
	got := letters(all.String())
	j := 0
	for _, r := range got {
		if j < len(want) && want[j] == r {
			j++
		}
	}
	if j < len(want) {
		lo := max(j-20, 0)
		t.Errorf("letters lost at %d of %d: want ...%q...", j, len(want), string(want[lo:min(j+20, len(want))]))
	}
}

func TestSplitSlicesSource(t *testing.T) {
	for _, p := range Split(lesson, 500) {
		if !strings.Contains(lesson, p) {
			t.Errorf("page is not a slice of the source: %q", p)
		}
	}
}

func TestSplitSameForAllFormats(t *testing.T) {
	pages := Split(lesson, 600)
	if len(pages) < 4 {
		t.Fatalf("lesson gave %d pages, want several", len(pages))
	}
	for i, p := range pages {
		for _, f := range []Format{Plain, TelegramHTML, DiscordMarkdown} {
			if strings.TrimSpace(Render(p, f)) == "" {
				t.Errorf("page %d renders empty in %v", i, f)
			}
		}
		if err := ValidateTelegramHTML(Render(p, TelegramHTML)); err != nil {
			t.Errorf("page %d: %v", i, err)
		}
	}
}

func TestSplitKeepsReferenceLinks(t *testing.T) {
	md := "## One\n\nsee [the docs][d]\n\n## Two\n\nand [again][D] here\n\n[d]: https://e.com/docs \"Docs\"\n"
	pages := Split(md, 1000)
	if len(pages) != 2 {
		t.Fatalf("got %d pages: %q", len(pages), pages)
	}
	for i, p := range pages {
		got := Render(p, TelegramHTML)
		if !strings.Contains(got, `<a href="https://e.com/docs">`) {
			t.Errorf("page %d lost its link: %q -> %q", i, p, got)
		}
	}
}

func TestSplitLongWord(t *testing.T) {
	word := strings.Repeat("ab", 50_000)
	pages := Split(word, 4096)
	if len(pages) != 25 {
		t.Errorf("got %d pages, want 25", len(pages))
	}
	if got := strings.Join(pages, ""); got != word {
		t.Errorf("pages do not put the word back together (%d bytes vs %d)", len(got), len(word))
	}
}

func TestFit(t *testing.T) {
	longLesson := strings.Repeat(lesson+"\n\n", 6)
	tests := []struct {
		name string
		md   string
		min  int // at least this many messages
	}{
		{"short", "**hi**", 1},
		{"lesson", lesson, 1},
		{"long lesson", longLesson, 2},
		{"100 KB word", strings.Repeat("y", 100_000), 25},
		{"100 KB emoji", strings.Repeat("😀", 25_000), 12},
		{"escapes expand", strings.Repeat("<&>", 5000), 4},
		{"discord escapes double", strings.Repeat("a_b*", 800), 1},
		{"long code line", "```go\n" + strings.Repeat("a<b&&c>d ", 2000) + "\n```", 4},
		{"many backticks in code", "~~~\nx" + strings.Repeat("`", 5000) + "\n~~~", 2},
		{"long link text", "[" + strings.Repeat("click ", 1000) + "](https://e.com)", 2},
		{"long bold", "**" + strings.Repeat("bold ", 2000) + "**", 3},
		{"deep nesting", strings.Repeat("> ", 100) + strings.Repeat("- ", 100) + strings.Repeat("word ", 2000), 3},
		{"mentions", strings.Repeat("@everyone ", 1000), 3},
		{"one line per item", strings.Repeat("- x\n", 1500), 2},
		{"absurdly deep list", strings.Repeat("- ", 2500) + strings.Repeat("x ", 3000), 2},
		{"absurdly deep quote", strings.Repeat(">", 5000) + strings.Repeat(" y", 3000), 2},
	}
	for _, tt := range tests {
		for _, f := range []Format{TelegramHTML, DiscordMarkdown, Plain} {
			t.Run(tt.name+"/"+f.String(), func(t *testing.T) {
				parts := Fit(tt.md, f)
				if len(parts) < tt.min && (f != Plain || tt.min < 3) {
					t.Errorf("got %d messages, want at least %d", len(parts), tt.min)
				}
				checkFit(t, parts, f)
			})
		}
	}
}

func checkFit(t *testing.T, parts []string, f Format) {
	t.Helper()
	for i, p := range parts {
		if n := Length(p, f); n > f.Limit() {
			t.Errorf("part %d: length %d > %d", i, n, f.Limit())
		}
		if strings.TrimSpace(p) == "" {
			t.Errorf("part %d is blank", i)
		}
		if !utf8.ValidString(p) {
			t.Errorf("part %d is not valid UTF-8", i)
		}
		if f == TelegramHTML {
			if err := ValidateTelegramHTML(p); err != nil {
				t.Errorf("part %d: %v: %.200q", i, err, p)
			}
		}
	}
}

func TestFitShortIsRender(t *testing.T) {
	md := "# One\n\ntext\n\n## Two\n\nmore"
	for _, f := range []Format{TelegramHTML, DiscordMarkdown, Plain} {
		got := Fit(md, f)
		if len(got) != 1 || got[0] != Render(md, f) {
			t.Errorf("%v: Fit = %q, want the one rendering %q", f, got, Render(md, f))
		}
	}
	if got := Fit(" \n ", TelegramHTML); got != nil {
		t.Errorf("Fit(blank) = %q, want nil", got)
	}
}

func TestFitKeepsText(t *testing.T) {
	md := strings.Repeat(lesson, 5)
	for _, f := range []Format{TelegramHTML, DiscordMarkdown, Plain} {
		parts := Fit(md, f)
		var all strings.Builder
		for _, p := range parts {
			all.WriteString(Strip(p, f))
		}
		want := letters(Strip(Render(md, f), f))
		got := letters(all.String())
		if string(got) != string(want) {
			t.Errorf("%v: letters differ after Fit: %d vs %d", f, len(got), len(want))
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	done := make(chan []string, 8)
	for i := 0; i < 8; i++ {
		go func() {
			var out []string
			for _, f := range []Format{TelegramHTML, DiscordMarkdown, Plain} {
				out = append(out, Fit(lesson, f)...)
			}
			done <- out
		}()
	}
	first := <-done
	for i := 1; i < 8; i++ {
		if got := <-done; fmt.Sprint(got) != fmt.Sprint(first) {
			t.Fatal("concurrent renderings differ")
		}
	}
}

func TestCapNesting(t *testing.T) {
	tests := []struct {
		name string
		md   string
		want string
	}{
		{"shallow untouched", "> > - a", "> > - a"},
		{"deep quote capped", strings.Repeat("> ", 20) + "x", strings.Repeat("> ", 16) + "x"},
		{"deep list capped", strings.Repeat("- ", 20) + "x", strings.Repeat("- ", 16) + "x"},
		{"ordered capped", strings.Repeat("1. ", 17) + "x", strings.Repeat("1. ", 16) + "x"},
		{"text untouched", strings.Repeat("-", 40) + " " + strings.Repeat(".", 40), strings.Repeat("-", 40) + " " + strings.Repeat(".", 40)},
		{"lines around kept", "a. b.\n> c\n" + strings.Repeat("> ", 20) + "x\nd.\n" + strings.Repeat("- ", 18) + "y\n- e",
			"a. b.\n> c\n" + strings.Repeat("> ", 16) + "x\nd.\n" + strings.Repeat("- ", 16) + "y\n- e"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := capNesting(tt.md); got != tt.want {
				t.Errorf("capNesting(%q) = %q, want %q", tt.md, got, tt.want)
			}
		})
	}
}

func TestSplitLessonSections(t *testing.T) {
	pages := Split(lesson, 4096)
	if len(pages) != 8 {
		t.Fatalf("got %d pages, want one per h1/h2 section (8)", len(pages))
	}
	for i, p := range pages {
		if !strings.HasPrefix(p, "# ") && !strings.HasPrefix(p, "## ") {
			t.Errorf("page %d does not start at its heading: %.40q", i, p)
		}
	}
}

func TestFitJoinsSmallPages(t *testing.T) {
	// Many short sections: Split gives a page each, Fit packs them.
	var b strings.Builder
	for i := 0; i < 300; i++ {
		fmt.Fprintf(&b, "## Section %d\n\nSome text for section %d.\n\n", i, i)
	}
	for _, f := range []Format{TelegramHTML, DiscordMarkdown} {
		parts := Fit(b.String(), f)
		checkFit(t, parts, f)
		if len(parts) > 8 {
			t.Errorf("%v: %d messages for %d characters", f, len(parts), Length(Render(b.String(), f), f))
		}
	}
}
