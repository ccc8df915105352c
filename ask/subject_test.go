package ask

import (
	"strings"
	"testing"

	"tutorbot/render"
)

// TestSubjectQuestions asks about what the lesson's list items define (the
// model families) and checks the passage quoted, not only its page: every
// family sits on the same page, and ranking by words alone quoted the
// Mistral item for "What is Qwen good at?".
func TestSubjectQuestions(t *testing.T) {
	tu := shipped(t)
	cases := []struct {
		lang, q string
		page    int
		want    []string // in this order
		not     []string
	}{
		{"en", "What is Qwen good at?", 2, []string{"Qwen (Alibaba)"}, []string{"Mistral", "DeepSeek"}},
		{"ru", "Чем хорош Qwen?", 2, []string{"Qwen (Alibaba)"}, []string{"Mistral", "DeepSeek"}},
		{"en", "Tell me about Llama", 2, []string{"Llama (Meta)"}, []string{"Gemma"}},
		{"en", "What's the difference between Qwen and DeepSeek?", 2, []string{"Qwen (Alibaba) — multilingualism", "DeepSeek — strong reasoning"}, []string{"Mistral"}},
		{"ru", "Чем отличается Qwen от DeepSeek?", 2, []string{"Qwen (Alibaba) — многоязычность", "DeepSeek — сильные рассуждения"}, []string{"Mistral"}},
		{"en", "DeepSeek vs Mistral", 2, []string{"DeepSeek — strong reasoning", "Mistral / Mixtral — European"}, []string{"Qwen"}},
		// Passages that name the families and say more of the question
		// win over the definitions.
		{"en", "How do I compare DeepSeek, Qwen and Mistral on the same prompt?", 4, []string{"Run the same prompt"}, nil},
		{"en", "Where can I find the official Qwen documentation?", 9, []string{"https://qwenlm.github.io/"}, []string{"Alibaba"}},
		{"ru", "Где официальная документация Qwen?", 9, []string{"https://qwenlm.github.io/"}, []string{"Alibaba"}},
	}
	for _, c := range cases {
		a := tu.Answer(Question{Text: c.q, Lang: c.lang})
		if a.Kind != Course || a.Place.Page != c.page {
			t.Errorf("%q: want a course answer from page %d, got %s", c.q, c.page, describe(a))
			continue
		}
		text := render.Render(a.Markdown, render.Plain)
		at := 0
		for _, w := range c.want {
			i := strings.Index(text[at:], w)
			if i < 0 {
				t.Errorf("%q: answer lacks %q (after what came before):\n%s", c.q, w, text)
				break
			}
			at += i + len(w)
		}
		for _, n := range c.not {
			if strings.Contains(text, n) {
				t.Errorf("%q: answer holds %q:\n%s", c.q, n, text)
			}
		}
	}
}

// TestSplitBlocksSubjects: only a list item that opens with a bold term
// defines it.
func TestSplitBlocksSubjects(t *testing.T) {
	src := "## Families\n\n- **Mistral / Mixtral** — European models.\n- **Qwen** (Alibaba) — many languages.\n- Phi is **small**.\n\n**Bold** opens a paragraph here.\n"
	blocks, heads := splitBlocks(src)
	if len(heads) != 1 || heads[0] != "Families" {
		t.Errorf("heads = %q", heads)
	}
	want := []string{"Mistral / Mixtral", "Qwen", "", ""}
	if len(blocks) != len(want) {
		t.Fatalf("%d blocks, want %d: %+v", len(blocks), len(want), blocks)
	}
	for i, b := range blocks {
		if b.subject != want[i] {
			t.Errorf("block %d %q: subject %q, want %q", i, b.text, b.subject, want[i])
		}
	}
	if blocks[1].md != "**Qwen** (Alibaba) — many languages." {
		t.Errorf("block 1 Markdown = %q", blocks[1].md)
	}
}
