package bot

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"tutorbot/lessons"
	"tutorbot/quiz"
	"tutorbot/render"
)

// letter names option i as the learner sees it.
func letter(i int) string { return string(rune('A' + i)) }

// quiz starts the current lesson's quiz or shows the question in progress.
func (t *turn) quiz() {
	l := t.lesson()
	if len(l.Quiz) == 0 {
		t.say(t.tr.T("NoQuiz", "Order", l.Order), t.nextButtons(l))
		return
	}
	rec := &t.progressOf(l).Quiz
	if a := rec.Attempt; a != nil && a.Done() {
		// Questions were removed from the lesson and every one left is
		// answered: the attempt is over.
		summary, row := t.finish(l, rec)
		t.say(summary, row...)
		return
	}
	intro := ""
	if rec.Attempt == nil {
		rec.Start(l.Quiz)
		intro = t.tr.N("QuizHeader", len(l.Quiz)) + "\n" + t.tr.T("QuizIntro")
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
		row = append(row, Button{Label: letter(oi), Payload: payL(kindAnswer, l, a.N, qi, oi)})
	}
	if intro != "" {
		intro += "\n\n"
	}
	t.say(intro+t.questionText(q, cur, len(a.Questions))+"\n\n"+t.tr.T("QuizAnswered", "Answered", a.Answered(), "Total", len(a.Questions)), row)
}

// questionText is the question with its lettered options.
func (t *turn) questionText(q quiz.Question, i, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n%s\n", t.tr.T("QuizQuestion", "N", i+1, "Total", n), render.EscapeMarkdown(q.Text))
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
	l, found := t.lessonArg(p, 0)
	if !found {
		t.ack(t.tr.T("ButtonGone"))
		t.say(t.tr.T("BadButton"))
		return
	}
	if locked, at, known := t.lock(l); locked {
		t.sayLocked(l, at, known)
		return
	}
	if len(l.Quiz) == 0 {
		t.ack(t.tr.T("NoQuizAck"))
		t.say(t.tr.T("NoQuiz", "Order", l.Order), t.nextButtons(l))
		return
	}
	t.st.Lesson = l.ID
	rec := &t.progressOf(l).Quiz
	switch p.kind {
	case kindQuiz:
		t.quiz()
	case kindRetake:
		rec.Start(l.Quiz)
		t.question(l, rec.Attempt, t.tr.N("QuizRetakeHeader", len(l.Quiz)))
	case kindMissed:
		n, ok := p.num(1)
		if !ok {
			t.say(t.tr.T("BadButton"))
			return
		}
		if rec.Attempt != nil {
			t.ack(t.tr.T("QuizInProgressAck"))
			t.question(l, rec.Attempt, "")
			return
		}
		if !rec.Finished || len(rec.History) == 0 || rec.History[len(rec.History)-1].N != n {
			t.ack(t.tr.T("QuizEarlierAck"))
			t.say(t.tr.T("QuizEarlier"))
			return
		}
		if rec.RetryMissed(l.Quiz) == nil {
			t.ack(t.tr.T("QuizNothingToRetry"))
			return
		}
		t.question(l, rec.Attempt, t.tr.N("QuizRetryHeader", len(rec.Attempt.Questions)))
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
		t.ack(t.tr.T("ButtonGone"))
		t.say(t.tr.T("BadButton"))
		return
	}
	a := rec.Attempt
	if a == nil || a.N != n {
		t.ack(t.tr.T("QuizOtherAttemptAck"))
		if n > rec.Attempts {
			t.say(t.tr.T("QuizNotYours"))
		} else {
			t.say(t.tr.T("QuizEarlierNoChange"))
		}
		return
	}
	q := l.Quiz[qi]
	opt := q.Options[oi]
	right, err := a.Answer(q, opt.ID)
	switch {
	case errors.Is(err, quiz.ErrAnswered):
		prev := q.Index(a.Chosen[q.ID])
		t.ack(t.tr.T("QuizAlreadyAnswered", "Letter", letter(prev)))
		return
	case errors.Is(err, quiz.ErrNotCurrent), errors.Is(err, quiz.ErrUnknownOption):
		t.ack(t.tr.T("QuizNotCurrentAck"))
		t.question(l, a, t.tr.T("QuizNotCurrent"))
		return
	case err != nil:
		t.ack(t.tr.T("ButtonGone"))
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
	b.WriteString("\n\n" + t.tr.T("QuizYourAnswer", "Letter", letter(oi)) + " ")
	if right {
		b.WriteString(t.tr.T("QuizRight", "Explain", render.EscapeMarkdown(explanation(opt.Explain, t.tr.T("QuizRightWord")))))
	} else {
		ri := q.Index(q.Answer)
		b.WriteString(t.tr.T("QuizWrong", "Explain", render.EscapeMarkdown(explanation(opt.Explain, t.tr.T("QuizWrongWord"))),
			"Letter", letter(ri), "Option", render.EscapeMarkdown(q.Options[ri].Text), "OptionExplain", render.EscapeMarkdown(explanation(q.Options[ri].Explain, t.tr.T("QuizRightWord")))))
	}
	if !a.Done() {
		b.WriteString("\n\n" + t.tr.T("QuizAnswered", "Answered", a.Answered(), "Total", len(a.Questions)))
		t.add(Reply{Kind: Edit}, b.String(), nil)
		t.question(l, a, "")
		return
	}
	// The last answer's message also carries the score and what to do
	// next: it is the newest message in the chat, so the learner reads the
	// verdict and the result together, and no third message is needed.
	summary, rows := t.finish(l, rec)
	b.WriteString("\n\n")
	b.WriteString(summary)
	if md, ok := t.courseDone(); ok {
		// In the same message: it is the one the learner reads now.
		b.WriteString("\n\n" + md)
	}
	t.add(Reply{Kind: Edit}, b.String(), rows)
}

// explanation is an option's explanation without a leading verdict word
// ("Right. …", "No, …") that the verdict before it already says.
func explanation(text, word string) string {
	phrases, ok := verdicts[word]
	if !ok {
		phrases = []string{word}
	}
	for _, p := range phrases {
		rest, ok := strings.CutPrefix(text, p)
		if ok && strings.HasPrefix(rest, " —") {
			rest = rest[1:]
		}
		if !ok || rest == "" || !strings.ContainsRune(".,!;:—", []rune(rest)[0]) {
			continue
		}
		_, size := utf8.DecodeRuneInString(rest)
		if rest = strings.TrimSpace(rest[size:]); rest != "" {
			return rest
		}
	}
	return text
}

// verdicts are the phrases an explanation may open with that repeat the
// tutor's own verdict ("✅ Right." / "❌ Not quite."), by verdict word,
// longest first, in every course language.
var verdicts = map[string][]string{
	"Right": {"Exactly", "Correct", "Right", "Yes", "Правильно", "Верно", "Точно", "Да"},
	"No":    {"Not quite", "Not really", "Incorrect", "Wrong", "No", "Неправильно", "Не совсем", "Неверно", "Нет"},
}

// finish grades the finished attempt and returns the score (Markdown) and
// the buttons that follow it: the quiz's own, then the way on through the
// course.
func (t *turn) finish(l *lessons.Lesson, rec *quiz.Record) (string, [][]Button) {
	res := rec.Finish(l.Quiz)
	t.markDone(l, t.st.progress(l.ID))
	var b strings.Builder
	b.WriteString(t.tr.T("QuizFinished", "Score", res.Score, "Total", res.Total))
	if len(res.Missed) == 0 {
		b.WriteString("\n\n" + t.tr.T("QuizAllRight"))
	} else {
		b.WriteString("\n\n" + t.tr.T("QuizMissed"))
		for _, id := range res.Missed {
			q, _ := quiz.Find(l.Quiz, id)
			fmt.Fprintf(&b, "\n- %s", render.EscapeMarkdown(q.Text))
		}
	}
	b.WriteString("\n\n" + t.tr.T("QuizBestLast", "Best", rec.Best, "Last", rec.Last, "Total", rec.Total))
	var row []Button
	if len(res.Missed) > 0 {
		row = append(row, Button{Label: t.tr.T("BtnRetryMissed"), Payload: payL(kindMissed, l, res.N)})
	}
	row = append(row, Button{Label: t.tr.T("BtnRetake"), Payload: payL(kindRetake, l)}, Button{Label: t.tr.T("BtnPractice"), Payload: payWord(kindPractice, "s")})
	return b.String(), [][]Button{row, t.nextButtons(l)}
}
