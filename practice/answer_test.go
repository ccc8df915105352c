package practice

import (
	"strings"
	"testing"
	"unicode/utf8"

	"tutorbot/render"
)

// TestRussianAnswerKeepsItsNotes: the answer's length limit counts
// characters, not bytes, so a Russian answer (two bytes a letter) keeps
// the notes an English one keeps: here every one of them, the license
// restrictions included.
func TestRussianAnswerKeepsItsNotes(t *testing.T) {
	cat, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	res := Recommend(cat, ParseTemplate("Задача: дообучить модель на 50 тыс. диалогов поддержки (QLoRA)\nГде запускаю: на своих серверах\nДоступная память GPU: 2 x RTX 3090\nОграничения: коммерческое использование"))
	if len(res.Notes) < 4 {
		t.Fatalf("only %d notes: %q", len(res.Notes), res.Notes)
	}
	md := res.Markdown()
	for _, n := range res.Notes {
		if !strings.Contains(md, render.EscapeMarkdown(n)) {
			t.Errorf("note left out of a %d-character answer: %q", utf8.RuneCountInString(md), n)
		}
	}
}
