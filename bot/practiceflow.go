package bot

import (
	"context"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"tutorbot/practice"
	"tutorbot/render"
)

// Pending values: what the learner's next free text is for.
const (
	pendingTemplate = "template"
	pendingField    = "field:" // + field name
	pendingTask     = "task"
)

// practiceStart shows the template to fill in, or handles one sent inline
// ("/practice Task: …", as Discord's modal sends it).
func (t *turn) practiceStart(arg string) {
	if arg != "" {
		t.template(arg)
		return
	}
	l := t.lesson()
	tmpl := strings.TrimSpace(l.Practice)
	if tmpl == "" {
		tmpl = practice.Template
	}
	t.st.Pending = pendingTemplate
	t.st.Draft = nil
	t.say(t.tr.T("Practice", "Template", tmpl), []Button{{Label: t.tr.T("BtnOneAtATime"), Payload: payWord(kindPractice, "g")}})
}

// practiceLang is the language the recommender answers in: the learner's,
// whatever language the template is written in (the recommender writes
// English and Russian; other learners get English).
func (t *turn) practiceLang() string {
	if t.st.Lang == "ru" {
		return "ru"
	}
	return "en"
}

// choiceLabel is a practice choice's button label in the learner's
// language: catalog message Choice<label without spaces>, or the label.
func (t *turn) choiceLabel(c practice.Choice) string {
	id := "Choice" + strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r
		}
		return -1
	}, c.Label)
	if t.tr.Has(id) {
		return t.tr.T(id)
	}
	return c.Label
}

// template handles a filled-in template.
func (t *turn) template(text string) {
	req := practice.ParseTemplateIn(text, t.practiceLang())
	if len(req.Filled) == 0 && req.Task == "" {
		t.st.Pending = pendingTemplate
		t.say(t.tr.T("TemplateEmpty"), []Button{{Label: t.tr.T("BtnOneAtATime"), Payload: payWord(kindPractice, "g")}})
		return
	}
	t.continueDraft(&req)
}

// continueDraft asks for the next missing field, or answers.
func (t *turn) continueDraft(req *practice.Request) {
	missing := req.Missing()
	if len(missing) == 0 {
		t.st.Draft, t.st.Pending = nil, ""
		t.recommend(*req)
		return
	}
	f := missing[0]
	t.st.Draft = req
	t.st.Pending = pendingField + f.String()
	var b strings.Builder
	if issue := req.Issue(f); issue != "" {
		fmt.Fprintf(&b, "%s\n\n", render.EscapeMarkdown(issue))
	} else if len(req.Filled) > 0 {
		b.WriteString(t.tr.N("PracticeGotSoFar", len(missing)) + "\n\n")
	}
	b.WriteString(render.EscapeMarkdown(f.QuestionIn(req.Lang)))
	var row []Button
	for i, c := range f.Choices() {
		row = append(row, Button{Label: t.choiceLabel(c), Payload: payWord(kindPractice, "c", f.String(), fmt.Sprint(i))})
	}
	t.say(b.String(), row)
}

// fieldAnswer takes typed text as the answer to the field being asked.
func (t *turn) fieldAnswer(name, text string) {
	var f practice.Field
	if err := f.UnmarshalText([]byte(name)); err != nil || t.st.Draft == nil {
		t.st.Pending, t.st.Draft = "", nil
		t.say(t.tr.T("Hint"))
		return
	}
	if t.st.Draft.Fill(text) {
		t.continueDraft(t.st.Draft) // labelled fields pasted as the answer
		return
	}
	t.setField(f, text)
}

func (t *turn) setField(f practice.Field, answer string) {
	req := t.st.Draft
	if err := req.Set(f, answer); err != nil {
		t.say(render.EscapeMarkdown(err.Error()) + "\n\n" + render.EscapeMarkdown(f.QuestionIn(req.Lang)))
		return
	}
	t.continueDraft(req)
}

// pressPractice handles the practice buttons: guided mode and choices.
func (t *turn) pressPractice(p payload) {
	switch p.args[0] {
	case "g":
		req := practice.Request{Lang: t.practiceLang()}
		t.say(t.tr.T("PracticeTogether"))
		t.continueDraft(&req)
	case "s":
		t.practiceStart("")
	case "c":
		if len(p.args) != 3 || t.st.Draft == nil {
			t.ack(t.tr.T("PracticeAnswered"))
			return
		}
		var f practice.Field
		i, ok := p.num(2)
		if err := f.UnmarshalText([]byte(p.args[1])); err != nil || !ok || i >= len(f.Choices()) {
			t.say(t.tr.T("BadButton"))
			return
		}
		if t.st.Pending != pendingField+f.String() {
			t.ack(t.tr.T("PracticeAnswered"))
			return
		}
		t.setField(f, f.Choices()[i].Answer)
	default:
		t.say(t.tr.T("BadButton"))
	}
}

// recommend answers a complete template with the rule engine, stores it,
// and has the LLM write it up after the commit when one is configured.
func (t *turn) recommend(req practice.Request) {
	res := practice.Recommend(t.e.cfg.Catalog, req)
	t.st.NextID++
	sub := Submission{ID: t.st.NextID, At: t.now, Request: req, Answer: res.Markdown()}
	for _, p := range res.Picks {
		sub.Picks = append(sub.Picks, p.Model.Name)
	}
	t.st.Submissions = append(t.st.Submissions, sub)
	if len(t.st.Submissions) > MaxSubmissions {
		t.st.Submissions = t.st.Submissions[len(t.st.Submissions)-MaxSubmissions:]
	}
	buttons := []Button{{Label: t.tr.T("BtnSaveTask"), Payload: payWord(kindTask, "pr", fmt.Sprint(sub.ID))}}
	if t.e.cfg.LLM == nil || !t.spendLLM(1) {
		t.say(sub.Answer, buttons)
		return
	}
	key := t.ev.Key()
	t.slow(func(ctx context.Context, t *turn) {
		md, used, _ := practice.AnswerWithFallback(ctx, t.e.cfg.LLM, req, res)
		if used {
			err := t.e.update(ctx, key, func(st *State) error {
				for i := range st.Submissions {
					if st.Submissions[i].ID == sub.ID {
						st.Submissions[i].Answer, st.Submissions[i].ByLLM = md, true
					}
				}
				return nil
			})
			if err != nil {
				t.e.log.Error("store practice write-up", "err", err)
			}
		}
		t.say(md, buttons)
	})
}

// spendLLM counts n LLM calls against today's limit; false when over it.
func (t *turn) spendLLM(n int) bool {
	day := t.now.Format("2006-01-02")
	if t.st.LLMDay != day {
		t.st.LLMDay, t.st.LLMCalls = day, 0
	}
	if t.st.LLMCalls+n > t.e.cfg.LLMDailyLimit {
		return false
	}
	t.st.LLMCalls += n
	return true
}

// history lists the learner's past recommendations.
func (t *turn) history() {
	if len(t.st.Submissions) == 0 {
		t.say(t.tr.T("HistoryEmpty"))
		return
	}
	var b strings.Builder
	b.WriteString(t.tr.T("HistoryHeader") + "\n")
	for i := len(t.st.Submissions) - 1; i >= 0; i-- {
		s := t.st.Submissions[i]
		fmt.Fprintf(&b, "\n%d\\. %s — %s", s.ID, t.tr.Date(s.At), render.EscapeMarkdown(excerpt(s.Request.Task, 80)))
		if len(s.Picks) > 0 {
			b.WriteString("  \n" + t.tr.T("HistoryTopPick", "Model", render.EscapeMarkdown(s.Picks[0])))
			if len(s.Picks) > 1 {
				b.WriteString(t.tr.T("HistoryAlso", "Models", render.EscapeMarkdown(strings.Join(s.Picks[1:], ", "))))
			}
		}
	}
	t.say(b.String())
}

// excerpt shortens s to n runes on one line.
func excerpt(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// LastPractice returns the learner's last practice answers (task, where it
// runs, GPU memory, constraints), to pre-fill a form.
func (e *Engine) LastPractice(platform, userID string) [4]string {
	st, err := e.state(platform + ":" + userID)
	if err != nil || st == nil || len(st.Submissions) == 0 {
		return [4]string{}
	}
	r := st.Submissions[len(st.Submissions)-1].Request
	return [4]string{r.Task, string(r.Where), r.Hardware.Text, r.Constraints.Text}
}
