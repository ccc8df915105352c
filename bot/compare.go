package bot

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"tutorbot/llm"
	"tutorbot/locale"
	"tutorbot/render"
)

// compareSystem frames the models' answers in /compare.
const compareSystem = "Answer the user's prompt as well as you can. Keep the answer under 3000 characters."

// maxAnswerShown bounds how much of one model's answer is shown.
const maxAnswerShown = 3500

// compare handles /compare [blind] <prompt>.
func (t *turn) compare(arg string) {
	blind := false
	if w, rest, _ := strings.Cut(arg, " "); strings.EqualFold(w, "blind") {
		blind, arg = true, strings.TrimSpace(rest)
	}
	if arg == "" {
		t.say(t.tr.T("CompareNoPrompt"))
		return
	}
	if n := utf8.RuneCountInString(arg); n > MaxTaskLen {
		t.say(t.tr.T("ComparePromptTooLong", "Length", n, "Max", MaxTaskLen))
		return
	}
	t.st.LastPrompt = arg
	if t.e.cfg.LLM == nil {
		t.say(t.tr.T("NoEndpoint"), []Button{{Label: t.tr.T("BtnSavePrompt"), Payload: payWord(kindTask, "lp")}})
		return
	}
	models := t.e.cfg.CompareModels
	if !t.spendLLM(len(models)) {
		t.say(t.tr.T("LLMLimit", "Limit", t.e.cfg.LLMDailyLimit))
		return
	}
	t.st.NextID++
	c := Comparison{ID: t.st.NextID, Prompt: arg, Blind: blind, At: t.now, Best: -1}
	for _, m := range models {
		c.Answers = append(c.Answers, CompareAnswer{Model: m})
	}
	t.st.Compares = append(t.st.Compares, c)
	if len(t.st.Compares) > MaxCompares {
		t.st.Compares = t.st.Compares[len(t.st.Compares)-MaxCompares:]
	}
	names := make([]string, len(models))
	for i := range models {
		names[i] = render.EscapeMarkdown(answerLabel(t.tr, c, i))
	}
	t.say(t.tr.T("CompareAsking", "Models", strings.Join(names, ", ")))
	ev, loc := t.ev, t.tr
	t.background(func(ctx context.Context) { t.e.runCompare(ctx, loc, ev, c) })
}

// answerLabel names answer i: the model, or a letter in blind mode.
func answerLabel(loc *locale.Localizer, c Comparison, i int) string {
	if c.Blind && c.Best < 0 {
		return loc.T("CompareModelLetter", "Letter", letter(i))
	}
	return c.Answers[i].Model
}

// runCompare asks every model at once; each answer is stored, then shown.
func (e *Engine) runCompare(ctx context.Context, loc *locale.Localizer, ev Event, c Comparison) {
	key := ev.Key()
	var wg sync.WaitGroup
	for i := range c.Answers {
		wg.Go(func() {
			res := e.ask(ctx, c.Answers[i].Model, c.Prompt)
			err := e.update(ctx, key, func(st *State) error {
				for ci := range st.Compares {
					if st.Compares[ci].ID == c.ID {
						st.Compares[ci].Answers[i] = res.stored
					}
				}
				return nil
			})
			if err != nil {
				e.log.Warn("store comparison answer", "err", err)
				return
			}
			head := fmt.Sprintf("**%s**", render.EscapeMarkdown(answerLabel(loc, c, i)))
			if err := e.push(ctx, ev.Platform, ev.UserID, ev.ChatID, head+" · "+res.summary(loc)+"\n\n"+res.body(loc)); err != nil {
				e.log.Warn("send comparison answer", "err", err)
			}
		})
	}
	wg.Wait()
	var row []Button
	for i := range c.Answers {
		row = append(row, Button{Label: loc.T("BtnBest", "Name", letterOrName(c, i)), Payload: pay(kindVote, c.ID, i)})
	}
	err := e.push(ctx, ev.Platform, ev.UserID, ev.ChatID, loc.T("CompareVote"), row,
		[]Button{{Label: loc.T("BtnSavePrompt"), Payload: payWord(kindTask, "cp", strconv.Itoa(c.ID))}})
	if err != nil {
		e.log.Warn("send comparison vote", "err", err)
	}
}

func letterOrName(c Comparison, i int) string {
	if c.Blind {
		return letter(i)
	}
	m := c.Answers[i].Model
	if j := strings.LastIndexByte(m, '/'); j >= 0 {
		m = m[j+1:]
	}
	return excerpt(m, 24)
}

// asked is one model's answer (or failure) to a prompt.
type asked struct {
	stored CompareAnswer
	text   string
	// reason is why the call failed (stored, in English), err the
	// failure itself; both empty on success.
	reason string
	err    error
}

// reasonIn is why an LLM call failed, in the learner's language.
func reasonIn(loc *locale.Localizer, err error) string {
	switch {
	case errors.Is(err, llm.ErrTimeout):
		return loc.T("LLMTimeout")
	case errors.Is(err, llm.ErrRateLimited):
		return loc.T("LLMRateLimited")
	case errors.Is(err, llm.ErrUnavailable):
		return loc.T("LLMUnavailable")
	case errors.Is(err, llm.ErrRejected):
		return loc.T("LLMRejected")
	case errors.Is(err, llm.ErrBadResponse):
		return loc.T("LLMBadResponse")
	case errors.Is(err, llm.ErrEmptyAnswer):
		return loc.T("LLMEmpty")
	case errors.Is(err, llm.ErrCanceled):
		return loc.T("LLMCanceled")
	}
	return loc.T("LLMFailed")
}

// ask sends prompt to model within the comparison deadline.
func (e *Engine) ask(ctx context.Context, model, prompt string) asked {
	ctx, cancel := context.WithTimeout(ctx, e.cfg.CompareTimeout)
	defer cancel()
	ans, err := e.cfg.LLM.Complete(ctx, model, compareSystem, prompt)
	a := asked{stored: CompareAnswer{Model: model, Done: true}}
	if err != nil {
		a.reason = llm.Reason(err)
		a.stored.Error = a.reason
		a.err = err
		return a
	}
	a.text = ans.Text
	a.stored.LatencyMS = ans.Latency.Milliseconds()
	a.stored.PromptTokens, a.stored.CompletionTokens = ans.PromptTokens, ans.CompletionTokens
	a.stored.Fingerprint = fingerprint(ans.Text)
	return a
}

func (a asked) summary(loc *locale.Localizer) string {
	if a.reason != "" {
		return loc.T("CompareFailed", "Reason", render.EscapeMarkdown(reasonIn(loc, a.err)))
	}
	return loc.T("CompareFigures", "Seconds", fmt.Sprintf("%.1f", float64(a.stored.LatencyMS)/1000), "In", a.stored.PromptTokens, "Out", a.stored.CompletionTokens)
}

// body is the answer as the model wrote it (Markdown), shortened.
func (a asked) body(loc *locale.Localizer) string {
	if a.reason != "" {
		return loc.T("CompareOthersArrive")
	}
	text := a.text
	if utf8.RuneCountInString(text) > maxAnswerShown {
		text = string([]rune(text)[:maxAnswerShown]) + "…"
	}
	return text
}

// fingerprint identifies an answer's text without keeping it.
func fingerprint(s string) string {
	h := fnv.New64a()
	h.Write([]byte(strings.Join(strings.Fields(strings.ToLower(s)), " ")))
	return strconv.FormatUint(h.Sum64(), 36)
}

// vote records which answer of a comparison was best.
func (t *turn) vote(p payload) {
	id, ok1 := p.num(0)
	i, ok2 := p.num(1)
	for ci := range t.st.Compares {
		c := &t.st.Compares[ci]
		if !ok1 || !ok2 || c.ID != id {
			continue
		}
		if i >= len(c.Answers) {
			break
		}
		wasBlind := c.Blind && c.Best < 0
		c.Best = i
		msg := t.tr.T("CompareNoted", "Model", render.EscapeMarkdown(c.Answers[i].Model))
		if wasBlind {
			var names []string
			for j, a := range c.Answers {
				names = append(names, t.tr.T("CompareWas", "Letter", letter(j), "Model", render.EscapeMarkdown(a.Model)))
			}
			msg += "\n\n" + t.tr.T("CompareRevealed", "List", strings.Join(names, "; "))
		}
		t.say(msg)
		return
	}
	t.ack(t.tr.T("ComparisonGone"))
}

// runNow re-tests the reference set on the compare models in the
// background, one compact table per task.
func (t *turn) runNow() {
	if len(t.st.Tasks) == 0 {
		t.say(t.tr.T("NoTasks"))
		return
	}
	if t.e.cfg.LLM == nil {
		t.say(t.tr.T("NoEndpoint"))
		return
	}
	calls := len(t.st.Tasks) * len(t.e.cfg.CompareModels)
	if !t.spendLLM(calls) {
		t.say(t.tr.T("RetestTooMany", "Tasks", len(t.st.Tasks), "Calls", calls))
		return
	}
	t.say(t.tr.T("Retesting", "Tasks", len(t.st.Tasks), "Models", len(t.e.cfg.CompareModels)))
	ev, loc, tasks, compares := t.ev, t.tr, append([]Task(nil), t.st.Tasks...), append([]Comparison(nil), t.st.Compares...)
	t.background(func(ctx context.Context) { t.e.retest(ctx, loc, ev, tasks, compares) })
}

// retest runs every task on every model and marks what changed.
func (e *Engine) retest(ctx context.Context, loc *locale.Localizer, ev Event, tasks []Task, compares []Comparison) {
	for n, task := range tasks {
		results := make([]asked, len(e.cfg.CompareModels))
		var wg sync.WaitGroup
		for i, m := range e.cfg.CompareModels {
			wg.Go(func() { results[i] = e.ask(ctx, m, task.Text) })
		}
		wg.Wait()
		var b strings.Builder
		b.WriteString(loc.T("RetestTask", "N", n+1, "Text", render.EscapeMarkdown(excerpt(task.Text, 120))) + "\n")
		last := map[string]string{}
		for _, r := range results {
			m := r.stored.Model
			fmt.Fprintf(&b, "\n- %s: %s", render.EscapeMarkdown(m), r.summary(loc))
			switch prev := task.Last[m]; {
			case r.reason != "":
				if prev != "" {
					last[m] = prev
				}
			case prev == "":
				b.WriteString(loc.T("RetestFirst"))
				last[m] = r.stored.Fingerprint
			case prev != r.stored.Fingerprint:
				b.WriteString(loc.T("RetestChanged", "Date", loc.DateShort(task.LastRun)))
				last[m] = r.stored.Fingerprint
			default:
				b.WriteString(loc.T("RetestSame"))
				last[m] = prev
			}
		}
		for _, c := range compares {
			if c.Prompt == task.Text && c.Best >= 0 && c.Best < len(c.Answers) {
				b.WriteString("\n\n" + loc.T("RetestVerdict", "Date", loc.DateShort(c.At), "Model", render.EscapeMarkdown(c.Answers[c.Best].Model)))
			}
		}
		now := e.now().UTC()
		err := e.update(ctx, ev.Key(), func(st *State) error {
			for i := range st.Tasks {
				if st.Tasks[i].ID == task.ID {
					st.Tasks[i].Last, st.Tasks[i].LastRun = last, now
				}
			}
			return nil
		})
		if err != nil {
			e.log.Warn("store re-test", "err", err)
			return
		}
		if err := e.push(ctx, ev.Platform, ev.UserID, ev.ChatID, b.String()); err != nil {
			e.log.Warn("send re-test", "err", err)
			return
		}
		if ctx.Err() != nil {
			return
		}
	}
}
