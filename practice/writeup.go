package practice

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"tutorbot/llm"
	"tutorbot/render"
)

// Completer is the part of an LLM client WriteUp needs; *llm.Client implements it.
type Completer interface {
	Complete(ctx context.Context, model, system, prompt string) (llm.Answer, error)
}

var _ Completer = (*llm.Client)(nil)

// Errors from WriteUp besides the client's own.
var (
	// ErrRefusal: the LLM declined to answer.
	ErrRefusal = errors.New("the model refused")
	// ErrUngrounded: the answer names none of the shortlisted models.
	ErrUngrounded = errors.New("the answer ignores the shortlist")
	// ErrNoShortlist: there is nothing to write up.
	ErrNoShortlist = errors.New("no shortlist to write up")
)

// maxWriteUp bounds the LLM's text so the whole answer fits a message.
const maxWriteUp = 3300

const writeUpSystem = `You are the tutor of the course lesson "A Map of Open-Weight Models" (DeepSeek, Qwen, Mistral, Llama, Gemma, Phi).
Write a model recommendation for the learner, grounded ONLY in the shortlist and figures you are given: do not add models, sizes, prices, benchmarks or license terms that are not in it.
Keep the order: the top pick first, then the two alternatives. For each, say why it fits the task, which quantization and how much memory, and its license line.
Name no other model as a recommendation: models outside the shortlist were left out for this learner's case (license, use policy, origin, context or memory), and the "Left out" note says why; you may repeat that reason.
When a license or use policy decided the shortlist, say in one short line per pick why it is allowed here.
Use GiB for memory throughout. Mention the given warnings that matter. End by telling the learner to test the picks on their own tasks before trusting any benchmark.
Format: Markdown (bold, bullet lists; no tables, no headings). Under 3000 characters. Answer in the learner's language.`

// WriteUp asks the LLM to write the recommendation from the filled template
// and the rule engine's shortlist. It fails on any client error, an empty
// or refusing answer, or one that names none of the picks, so the caller
// can fall back to res.Markdown().
func WriteUp(ctx context.Context, c Completer, req Request, res Result) (string, error) {
	if c == nil {
		return "", errors.New("write up recommendation: no LLM configured")
	}
	if len(res.Picks) == 0 {
		return "", fmt.Errorf("write up recommendation: %w", ErrNoShortlist)
	}
	ans, err := c.Complete(ctx, "", writeUpSystem, writeUpPrompt(req, res))
	if err != nil {
		return "", fmt.Errorf("write up recommendation: %w", err)
	}
	text := strings.TrimSpace(ans.Text)
	switch {
	case text == "":
		return "", fmt.Errorf("write up recommendation: %w", llm.ErrEmptyAnswer)
	case isRefusal(text):
		return "", fmt.Errorf("write up recommendation: %w", ErrRefusal)
	case !mentionsPick(text, res):
		return "", fmt.Errorf("write up recommendation: %w", ErrUngrounded)
	case namesExcluded(text, res) != "":
		return "", fmt.Errorf("write up recommendation: names %s, which was left out: %w", namesExcluded(text, res), ErrUngrounded)
	}
	return trimAnswer(text, maxWriteUp), nil
}

// writeUpPrompt states the learner's template and the shortlist with its figures.
func writeUpPrompt(req Request, res Result) string {
	var b strings.Builder
	b.Grow(2048)
	b.WriteString("The learner's filled template:\n")
	fmt.Fprintf(&b, "- Task: %s\n", orDash(req.Task))
	fmt.Fprintf(&b, "- Where I run it: %s\n", orDash(string(res.Mode)))
	fmt.Fprintf(&b, "- Available GPU memory: %s\n", orDash(req.Hardware.Text))
	fmt.Fprintf(&b, "- Constraints: %s\n", orDash(req.Constraints.Text))
	if req.Lang == "ru" {
		b.WriteString("- Language of the answer: Russian\n")
	} else {
		b.WriteString("- Language of the answer: English\n")
	}
	b.WriteString("\nThe shortlist from the rule engine (use only these facts):\n")
	for i, p := range res.Picks {
		role := "Top pick"
		if i > 0 {
			role = fmt.Sprintf("Alternative %d", i)
		}
		fmt.Fprintf(&b, "%d. %s: %s (%s family, %s parameters", i+1, role, p.Model.Name, p.Model.Family, paramsText(p.Model))
		fmt.Fprintf(&b, ", context %s tokens)\n", fmtTokens(p.Model.Context))
		if p.Fits == FitAPI {
			fmt.Fprintf(&b, "   Runs: %s\n", p.RunsWhere)
		} else {
			fmt.Fprintf(&b, "   Runs: %s; quantization %s; estimated memory %.1f GiB; fits: %s\n", p.RunsWhere, p.Quant, p.MemoryGiB, p.Fits)
		}
		fmt.Fprintf(&b, "   License: %s (commercial use: %s)\n", p.License, p.Commercial)
		for _, r := range p.Reasons {
			fmt.Fprintf(&b, "   - %s\n", r)
		}
		if p.Warning != "" {
			fmt.Fprintf(&b, "   - Warning: %s\n", p.Warning)
		}
	}
	if len(res.Notes) > 0 {
		b.WriteString("\nWarnings to pass on where relevant:\n")
		for _, n := range res.Notes {
			fmt.Fprintf(&b, "- %s\n", n)
		}
	}
	if res.NothingFits {
		b.WriteString("\nNothing fits the learner's memory: say so plainly and present these as the smallest options.\n")
	}
	b.WriteString("\nWrite the recommendation now.")
	return b.String()
}

// namesExcluded returns a model the write-up names although the rules left
// it out for this case, or "".
func namesExcluded(text string, res Result) string {
	l := strings.ToLower(text)
	for _, name := range res.excluded {
		n := strings.ToLower(name)
		if len(n) < 6 || !strings.Contains(l, n) {
			continue
		}
		picked := false
		for _, p := range res.Picks {
			picked = picked || strings.Contains(strings.ToLower(p.Model.Name), n)
		}
		if !picked {
			return name
		}
	}
	return ""
}

func paramsText(m Model) string {
	if m.MoE() {
		return fmt.Sprintf("%sB total / %sB active", gb(m.TotalB), gb(m.ActiveB))
	}
	return gb(m.TotalB) + "B"
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "(not given)"
	}
	return s
}

var refusalPrefixes = []string{
	"i'm sorry", "i am sorry", "sorry, i", "i can't", "i cannot", "i can not", "i won't", "i'm unable", "i am unable",
	"as an ai", "i'm not able", "i am not able", "извините, но", "к сожалению, я не могу", "я не могу",
}

// isRefusal spots a short "I'm sorry, I can't…" answer.
func isRefusal(text string) bool {
	l := strings.ToLower(strings.TrimSpace(text))
	l = strings.ReplaceAll(l, "’", "'")
	if len(l) > 600 {
		return false
	}
	for _, p := range refusalPrefixes {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	return false
}

// mentionsPick checks that the write-up names at least one shortlisted model.
func mentionsPick(text string, res Result) bool {
	l := strings.ToLower(text)
	for _, p := range res.Picks {
		for _, name := range []string{p.Model.Name, p.Model.ID, shortName(p.Model.Name)} {
			if name != "" && strings.Contains(l, strings.ToLower(name)) {
				return true
			}
		}
	}
	return false
}

// shortName drops a parenthesised suffix: "Mistral Small 3 (2501)" → "Mistral Small 3".
func shortName(n string) string {
	if i := strings.Index(n, " ("); i > 0 {
		return n[:i]
	}
	if i := strings.Index(n, " / "); i > 0 {
		return n[:i]
	}
	return ""
}

// trimAnswer cuts text at a paragraph boundary to at most n bytes.
func trimAnswer(text string, n int) string {
	if len(text) <= n {
		return text
	}
	cut := strings.LastIndex(text[:n], "\n\n")
	if cut < n/2 {
		cut = strings.LastIndex(text[:n], "\n")
	}
	if cut < n/2 {
		cut = n
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
	}
	return strings.TrimSpace(text[:cut]) + "\n\n…"
}

// AnswerWithFallback is the practice answer a learner gets: the LLM's
// write-up when c is set and succeeds, otherwise the rule-based
// res.Markdown(). markdown is complete and ready to render: after a failed
// LLM call it starts with a one-line italic note, which is also returned
// in note (empty when the LLM was used or none is configured). An LLM
// write-up ends with the test-on-your-own-tasks reminder either way.
func AnswerWithFallback(ctx context.Context, c Completer, req Request, res Result) (markdown string, usedLLM bool, note string) {
	if c == nil {
		return res.Markdown(), false, ""
	}
	text, err := WriteUp(ctx, c, req, res)
	if err != nil {
		note = tr(req.Lang, "writeup.unavailable", failureReason(req.Lang, err))
		return "_" + note + "_\n\n" + res.Markdown(), false, note
	}
	if !strings.Contains(strings.ToLower(text), tr(req.Lang, "test_reminder.marker")) {
		text += "\n\n" + render.EscapeMarkdown(tr(req.Lang, "test_reminder"))
	}
	return text, true, ""
}

func failureReason(lang string, err error) string {
	switch {
	case errors.Is(err, ErrRefusal):
		return tr(lang, "writeup.refused")
	case errors.Is(err, ErrUngrounded):
		return tr(lang, "writeup.ungrounded")
	case errors.Is(err, ErrNoShortlist):
		return tr(lang, "writeup.nothing")
	case lang == "en":
		return llm.Reason(err)
	}
	return tr(lang, "writeup.failed")
}
