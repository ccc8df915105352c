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
		t.say(fmt.Sprintf(msgNoQuiz, l.Order), t.nextButtons(l))
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
		intro = fmt.Sprintf("**Quiz — %d questions**\nOne answer per question; I'll explain each one.", len(l.Quiz))
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
	t.say(intro+questionText(q, cur, len(a.Questions))+fmt.Sprintf("\n\n*Answered: %d of %d*", a.Answered(), len(a.Questions)), row)
}

// questionText is the question with its lettered options.
func questionText(q quiz.Question, i, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**Question %d of %d**\n%s\n", i+1, n, render.EscapeMarkdown(q.Text))
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
		t.ack("This button no longer works.")
		t.say(msgBadButton)
		return
	}
	if locked, at, known := t.lock(l); locked {
		t.sayLocked(l, at, known)
		return
	}
	if len(l.Quiz) == 0 {
		t.ack("This lesson has no quiz.")
		t.say(fmt.Sprintf(msgNoQuiz, l.Order), t.nextButtons(l))
		return
	}
	t.st.Lesson = l.ID
	rec := &t.progressOf(l).Quiz
	switch p.kind {
	case kindQuiz:
		t.quiz()
	case kindRetake:
		rec.Start(l.Quiz)
		t.question(l, rec.Attempt, fmt.Sprintf("**Quiz — new attempt, %d questions**", len(l.Quiz)))
	case kindMissed:
		n, ok := p.num(1)
		if !ok {
			t.say(msgBadButton)
			return
		}
		if rec.Attempt != nil {
			t.ack("You have a quiz attempt in progress.")
			t.question(l, rec.Attempt, "")
			return
		}
		if !rec.Finished || len(rec.History) == 0 || rec.History[len(rec.History)-1].N != n {
			t.ack("That button is from an earlier attempt.")
			t.say("That button is from an earlier quiz attempt. /quiz starts a new one.")
			return
		}
		if rec.RetryMissed(l.Quiz) == nil {
			t.ack("Nothing to retry: you got every question right.")
			return
		}
		t.question(l, rec.Attempt, fmt.Sprintf("**Retry — %d missed question(s)**", len(rec.Attempt.Questions)))
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
		t.ack("This button no longer works.")
		t.say(msgBadButton)
		return
	}
	a := rec.Attempt
	if a == nil || a.N != n {
		t.ack("That button is from another quiz attempt.")
		if n > rec.Attempts {
			t.say("That button isn't from your quiz. /quiz starts your own.")
		} else {
			t.say("That button is from an earlier quiz attempt, so nothing was changed. /quiz shows where you are.")
		}
		return
	}
	q := l.Quiz[qi]
	opt := q.Options[oi]
	right, err := a.Answer(q, opt.ID)
	switch {
	case errors.Is(err, quiz.ErrAnswered):
		prev := q.Index(a.Chosen[q.ID])
		t.ack(fmt.Sprintf("You already answered this question (%s). One answer per question.", letter(prev)))
		return
	case errors.Is(err, quiz.ErrNotCurrent), errors.Is(err, quiz.ErrUnknownOption):
		t.ack("That isn't the current question.")
		t.question(l, a, "That isn't the current question; here it is:")
		return
	case err != nil:
		t.ack("This button no longer works.")
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
	b.WriteString(questionText(q, pos, len(a.Questions)))
	fmt.Fprintf(&b, "\n\n**Your answer: %s.** ", letter(oi))
	if right {
		fmt.Fprintf(&b, "✅ Right. %s", render.EscapeMarkdown(explanation(opt.Explain, "Right")))
	} else {
		ri := q.Index(q.Answer)
		fmt.Fprintf(&b, "❌ Not quite. %s\n\nThe right answer is **%s. %s** — %s", render.EscapeMarkdown(explanation(opt.Explain, "No")), letter(ri), render.EscapeMarkdown(q.Options[ri].Text), render.EscapeMarkdown(explanation(q.Options[ri].Explain, "Right")))
	}
	if !a.Done() {
		fmt.Fprintf(&b, "\n\n*Answered: %d of %d*", a.Answered(), len(a.Questions))
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
	fmt.Fprintf(&b, "**Quiz finished: %d of %d**", res.Score, res.Total)
	if len(res.Missed) == 0 {
		b.WriteString("\n\nEvery answer right. 🎉")
	} else {
		b.WriteString("\n\nMissed:")
		for _, id := range res.Missed {
			q, _ := quiz.Find(l.Quiz, id)
			fmt.Fprintf(&b, "\n- %s", render.EscapeMarkdown(q.Text))
		}
	}
	fmt.Fprintf(&b, "\n\nBest score: %d of %d · last: %d of %d", rec.Best, rec.Total, rec.Last, rec.Total)
	var row []Button
	if len(res.Missed) > 0 {
		row = append(row, Button{Label: "Retry missed", Payload: payL(kindMissed, l, res.N)})
	}
	row = append(row, Button{Label: "Retake", Payload: payL(kindRetake, l)}, Button{Label: "Practice", Payload: payWord(kindPractice, "s")})
	return b.String(), [][]Button{row, t.nextButtons(l)}
}
