package bot

import (
	"errors"
	"fmt"
	"strings"

	"tutorbot/lessons"
	"tutorbot/quiz"
	"tutorbot/render"
)

// letter names option i as the learner sees it.
func letter(i int) string { return string(rune('A' + i)) }

// quiz starts the current lesson's quiz or shows the question in progress.
func (t *turn) quiz() {
	l := t.lesson()
	rec := &t.st.progress(l.ID).Quiz
	intro := ""
	if rec.Attempt == nil {
		rec.Start(l.Quiz)
		intro = t.loc.N("QuizHeader", len(l.Quiz)) + "\n" + t.loc.T("QuizIntro")
	}
	t.question(l, rec.Attempt, intro)
}

// question shows the current question of attempt a with its buttons, after
// intro (Markdown; empty for none) in the same message, so that starting a
// quiz is one message, not a heading and then the question.
func (t *turn) question(l *lessons.Lesson, a *quiz.Attempt, intro string) {
	cur := a.Current()
	if cur < 0 {
		return
	}
	q, _ := quiz.Find(l.Quiz, a.Questions[cur])
	qi := questionIndex(l, q.ID)
	var row []Button
	for oi := range q.Options {
		row = append(row, Button{Label: letter(oi), Payload: pay(kindAnswer, l.Order, a.N, qi, oi)})
	}
	if intro != "" {
		intro += "\n\n"
	}
	t.say(intro+t.questionText(q, cur, len(a.Questions))+"\n\n"+t.loc.T("QuizAnswered", "Answered", a.Answered(), "Total", len(a.Questions)), row)
}

// questionText is the question with its lettered options.
func (t *turn) questionText(q quiz.Question, i, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n%s\n", t.loc.T("QuizQuestion", "N", i+1, "Total", n), render.EscapeMarkdown(q.Text))
	for oi, o := range q.Options {
		fmt.Fprintf(&b, "\n%s\\. %s", letter(oi), render.EscapeMarkdown(o.Text))
		if oi < len(q.Options)-1 {
			b.WriteString("  ") // hard line break
		}
	}
	return b.String()
}

func questionIndex(l *lessons.Lesson, id string) int {
	for i, q := range l.Quiz {
		if q.ID == id {
			return i
		}
	}
	return -1
}

// pressQuiz handles the quiz's buttons.
func (t *turn) pressQuiz(p payload) {
	order, ok := p.num(0)
	l, found := t.lessonByOrder(order)
	if !ok || !found {
		t.ack(t.loc.T("ButtonGone"))
		t.say(t.loc.T("BadButton"))
		return
	}
	t.st.Lesson = l.ID
	rec := &t.st.progress(l.ID).Quiz
	switch p.kind {
	case kindQuiz:
		t.quiz()
	case kindRetake:
		rec.Start(l.Quiz)
		t.question(l, rec.Attempt, t.loc.N("QuizRetakeHeader", len(l.Quiz)))
	case kindMissed:
		n, ok := p.num(1)
		if !ok {
			t.say(t.loc.T("BadButton"))
			return
		}
		if rec.Attempt != nil {
			t.ack(t.loc.T("QuizInProgressAck"))
			t.question(l, rec.Attempt, "")
			return
		}
		if !rec.Finished || len(rec.History) == 0 || rec.History[len(rec.History)-1].N != n {
			t.ack(t.loc.T("QuizEarlierAck"))
			t.say(t.loc.T("QuizEarlier"))
			return
		}
		if rec.RetryMissed(l.Quiz) == nil {
			t.ack(t.loc.T("QuizNothingToRetry"))
			return
		}
		t.question(l, rec.Attempt, t.loc.N("QuizRetryHeader", len(rec.Attempt.Questions)))
	case kindAnswer:
		t.answer(l, rec, p)
	}
}

// answer grades one answer button.
func (t *turn) answer(l *lessons.Lesson, rec *quiz.Record, p payload) {
	n, ok1 := p.num(1)
	qi, ok2 := p.num(2)
	oi, ok3 := p.num(3)
	if !ok1 || !ok2 || !ok3 || qi >= len(l.Quiz) || oi >= len(l.Quiz[qi].Options) {
		t.ack(t.loc.T("ButtonGone"))
		t.say(t.loc.T("BadButton"))
		return
	}
	a := rec.Attempt
	if a == nil || a.N != n {
		t.ack(t.loc.T("QuizOtherAttemptAck"))
		if n > rec.Attempts {
			t.say(t.loc.T("QuizNotYours"))
		} else {
			t.say(t.loc.T("QuizEarlierNoChange"))
		}
		return
	}
	q := l.Quiz[qi]
	opt := q.Options[oi]
	right, err := a.Answer(q, opt.ID)
	switch {
	case errors.Is(err, quiz.ErrAnswered):
		prev := q.Index(a.Chosen[q.ID])
		t.ack(t.loc.T("QuizAlreadyAnswered", "Letter", letter(prev)))
		return
	case errors.Is(err, quiz.ErrNotCurrent), errors.Is(err, quiz.ErrUnknownOption):
		t.ack(t.loc.T("QuizNotCurrentAck"))
		t.question(l, a, t.loc.T("QuizNotCurrent"))
		return
	case err != nil:
		t.ack(t.loc.T("ButtonGone"))
		return
	}
	pos := 0
	for i, id := range a.Questions {
		if id == q.ID {
			pos = i
		}
	}
	// The verdict and its explanation go into the question's own message,
	// so each question reads as a whole and the chat stays short.
	var b strings.Builder
	b.WriteString(t.questionText(q, pos, len(a.Questions)))
	b.WriteString("\n\n" + t.loc.T("QuizYourAnswer", "Letter", letter(oi)) + " ")
	if right {
		b.WriteString(t.loc.T("QuizRight", "Explain", render.EscapeMarkdown(explanation(opt.Explain, t.loc.T("QuizRightWord")))))
	} else {
		ri := q.Index(q.Answer)
		b.WriteString(t.loc.T("QuizWrong", "Explain", render.EscapeMarkdown(explanation(opt.Explain, t.loc.T("QuizWrongWord"))),
			"Letter", letter(ri), "Option", render.EscapeMarkdown(q.Options[ri].Text), "OptionExplain", render.EscapeMarkdown(q.Options[ri].Explain)))
	}
	if !a.Done() {
		b.WriteString("\n\n" + t.loc.T("QuizAnswered", "Answered", a.Answered(), "Total", len(a.Questions)))
		t.add(Reply{Kind: Edit}, b.String(), nil)
		t.question(l, a, "")
		return
	}
	// The last answer's message also carries the score and what to do
	// next: it is the newest message in the chat, so the learner reads the
	// verdict and the result together, and no third message is needed.
	summary, row := t.finish(l, rec)
	b.WriteString("\n\n")
	b.WriteString(summary)
	t.add(Reply{Kind: Edit}, b.String(), [][]Button{row})
}

// explanation is an option's explanation without a leading verdict word
// ("Right. …", "No, …") that the verdict before it already says.
func explanation(text, word string) string {
	rest, ok := strings.CutPrefix(text, word)
	if !ok || rest == "" || !strings.ContainsRune(".,!;:", rune(rest[0])) {
		return text
	}
	rest = strings.TrimSpace(rest[1:])
	if rest == "" {
		return text
	}
	return rest
}

// finish grades the finished attempt and returns the score (Markdown) and
// the buttons that follow it.
func (t *turn) finish(l *lessons.Lesson, rec *quiz.Record) (string, []Button) {
	res := rec.Finish(l.Quiz)
	var b strings.Builder
	b.WriteString(t.loc.T("QuizFinished", "Score", res.Score, "Total", res.Total))
	if len(res.Missed) == 0 {
		b.WriteString("\n\n" + t.loc.T("QuizAllRight"))
	} else {
		b.WriteString("\n\n" + t.loc.T("QuizMissed"))
		for _, id := range res.Missed {
			q, _ := quiz.Find(l.Quiz, id)
			fmt.Fprintf(&b, "\n- %s", render.EscapeMarkdown(q.Text))
		}
	}
	b.WriteString("\n\n" + t.loc.T("QuizBestLast", "Best", rec.Best, "Last", rec.Last, "Total", rec.Total))
	var row []Button
	if len(res.Missed) > 0 {
		row = append(row, Button{Label: t.loc.T("BtnRetryMissed"), Payload: pay(kindMissed, l.Order, res.N)})
	}
	row = append(row, Button{Label: t.loc.T("BtnRetake"), Payload: pay(kindRetake, l.Order)}, Button{Label: t.loc.T("BtnPractice"), Payload: payWord(kindPractice, "s")})
	return b.String(), row
}
