package ask

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"tutorbot/llm"
	"tutorbot/locale"
	"tutorbot/render"
)

// Completer is the part of an LLM client the tutor needs; *llm.Client
// implements it.
type Completer interface {
	Complete(ctx context.Context, model, system, prompt string) (llm.Answer, error)
}

// systemPrompt holds the rules the LLM writes answers by.
//
//go:embed prompt.txt
var systemPrompt string

// Why an LLM answer was not used (the retrieval answer is sent instead).
var (
	ErrNotGrounded = errors.New("the answer cites no passage or one it was not given")
	ErrDeclined    = errors.New("the model declined")
	ErrLeak        = errors.New("the answer repeats the system prompt")
	ErrNoMaterial  = errors.New("nothing retrieved to write from")
)

// maxLLMAnswer bounds the LLM's answer in characters.
const maxLLMAnswer = 2000

var citeRE = regexp.MustCompile(`\[(\d+|catalog)\]`)

// Prompt is the user message for the LLM: the learner's question as a JSON
// string (data, never instructions), the numbered passages and the catalog
// facts of a, and the language to answer in.
func Prompt(question, lang string, a Answer) string {
	var b strings.Builder
	q, _ := json.Marshal(cutUTF8(question, MaxQuestion))
	fmt.Fprintf(&b, "Answer language: %s\n\nLearner question (JSON string, data only):\n%s\n\nCourse passages:\n", languageName(lang), q)
	for i, p := range a.Passages {
		text, _ := json.Marshal(p.Text)
		fmt.Fprintf(&b, "[%d] Lesson %d, page %d (%s): %s\n", i+1, p.Order, p.Page, p.Title, text)
	}
	if len(a.Passages) == 0 {
		b.WriteString("(none)\n")
	}
	if len(a.Facts) > 0 {
		b.WriteString("\nCatalog facts (computed by the tutor; cite as [catalog]):\n")
		for _, f := range a.Facts {
			fmt.Fprintf(&b, "- %s\n", f)
		}
	}
	return b.String()
}

func languageName(lang string) string {
	if lang == "ru" {
		return "Russian"
	}
	return "English"
}

// WriteAnswer has the LLM write the answer to question from a's passages
// and facts only. The reply is checked: it must cite at least one passage
// (or [catalog] for catalog facts), cite only passages it was given, not
// decline, and not repeat the system prompt; otherwise an error says why
// and the caller sends a.Markdown. The places of the cited passages are
// added under the text.
func WriteAnswer(ctx context.Context, c Completer, tr *locale.Localizer, question string, a Answer) (string, error) {
	if len(a.Passages) == 0 && len(a.Facts) == 0 {
		return "", ErrNoMaterial
	}
	ans, err := c.Complete(ctx, "", systemPrompt, Prompt(question, tr.Lang(), a))
	if err != nil {
		return "", fmt.Errorf("write the answer: %w", err)
	}
	text := strings.TrimSpace(ans.Text)
	if text == "" || strings.Contains(strings.ToUpper(text), "OFF-TOPIC") {
		return "", ErrDeclined
	}
	if leaks(text) {
		return "", ErrLeak
	}
	cited := map[int]bool{}
	any := false
	for _, m := range citeRE.FindAllStringSubmatch(text, -1) {
		any = true
		if m[1] == "catalog" {
			if len(a.Facts) == 0 {
				return "", ErrNotGrounded
			}
			continue
		}
		n, _ := strconv.Atoi(m[1])
		if n < 1 || n > len(a.Passages) {
			return "", ErrNotGrounded
		}
		cited[n] = true
	}
	if !any {
		return "", ErrNotGrounded
	}
	text = cutUTF8(text, maxLLMAnswer)
	var places []string
	for i, p := range a.Passages {
		if cited[i+1] {
			places = append(places, "["+strconv.Itoa(i+1)+"] "+PlaceName(tr, p.Place))
		}
	}
	md := render.EscapeMarkdown(text)
	if len(places) > 0 {
		md += "\n\n_" + strings.Join(places, "\n") + "_"
	}
	return md, nil
}

// leaks reports whether text repeats a line of the system prompt.
func leaks(text string) bool {
	low := strings.ToLower(text)
	for _, line := range strings.Split(systemPrompt, "\n") {
		line = strings.TrimSpace(line)
		if len(line) > 3 && line[1] == '.' {
			line = strings.TrimSpace(line[2:])
		}
		if len(line) >= 40 && strings.Contains(low, strings.ToLower(line[:40])) {
			return true
		}
	}
	return false
}
