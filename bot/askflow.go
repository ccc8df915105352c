package bot

import (
	"context"
	"sync"
	"time"

	"tutorbot/ask"
	"tutorbot/lessons"
	"tutorbot/quiz"
	"tutorbot/storage"
)

// askers builds the question index lazily, at the first question after a
// start or a reload, so start-up does not wait for it; a reload of the
// course gets a fresh index at its next question.
type askers struct {
	mu     sync.Mutex
	course *lessons.Course
	tutor  *ask.Tutor
}

// asker returns the question answerer of the engine's current course, or
// nil when it cannot be built (logged; free text then gets the old hint).
func (e *Engine) asker() *ask.Tutor {
	c := e.Course()
	e.answerer.mu.Lock()
	defer e.answerer.mu.Unlock()
	if e.answerer.course == c && e.answerer.tutor != nil {
		return e.answerer.tutor
	}
	t, err := ask.New(c, e.cfg.Catalog, e.msgs)
	if err != nil {
		e.log.Error("build the question index", "err", err)
		return nil
	}
	e.answerer.course, e.answerer.tutor = c, t
	return t
}

// freeQuestion answers free text that is not the answer to something the
// tutor asked: from the course and the catalog, in the learner's language.
// During the quiz the open question stays open: a question that asks for
// its answer gets a hint to the page, and a button shows the question again.
func (t *turn) freeQuestion(text string) bool {
	tu := t.e.asker()
	if tu == nil {
		return false
	}
	l := t.lesson()
	var open *ask.OpenQuiz
	if a := t.st.progress(l.ID).Quiz.Attempt; a != nil {
		if i := a.Current(); i >= 0 && i < len(a.Questions) {
			if q, ok := quiz.Find(l.Quiz, a.Questions[i]); ok {
				open = &ask.OpenQuiz{LessonID: l.ID, Question: q}
			}
		}
	}
	ans := tu.Answer(ask.Question{Text: text, Lang: t.lang(), Quiz: open})
	if ans.Kind == ask.SmallTalk {
		// "thanks", "ок": not a question, so not counted as one.
		var row []Button
		if open != nil {
			row = append(row, Button{Label: t.tr.T("BtnShowQuestion"), Payload: payL(kindQuiz, l)})
		}
		t.say(ans.Markdown, row)
		return true
	}
	t.asked = ask.Normalize(text)
	t.askedLow = ans.Kind == ask.Unknown
	if open != nil && ans.Kind == ask.Unknown {
		return false // most likely an answer typed instead of pressed: the quiz says how
	}
	var row []Button
	if p := ans.Place; p != nil {
		if pl, _ := t.course.Lesson(p.LessonID, t.lang()); pl != nil && p.Page >= 1 && p.Page <= len(pl.Pages) {
			row = append(row, Button{Label: t.tr.T("AskOpenPage", "Page", p.Page), Payload: payL(kindPage, pl, p.Page-1)})
		}
	}
	if ans.Template {
		row = append(row, Button{Label: t.tr.T("AskFillTemplate"), Payload: payWord(kindPractice, "s")})
	}
	if ans.Kind == ask.Unknown {
		row = append(row, t.courseButton(), Button{Label: t.tr.T("BtnPractice"), Payload: payWord(kindPractice, "s")})
	}
	if open != nil {
		row = append(row, Button{Label: t.tr.T("BtnShowQuestion"), Payload: payL(kindQuiz, l)})
	}
	llmOK := ans.Kind == ask.Course || ans.Kind == ask.Catalog
	if !llmOK || t.e.cfg.LLM == nil || !t.spendLLM(1) {
		t.say(ans.Markdown, row)
		return true
	}
	// After the commit, under a deadline (a typing indicator meanwhile):
	// the LLM writes from the retrieved passages and facts only; on a
	// timeout, an error or an unchecked citation the retrieval answer goes.
	tr, llmc, log := t.tr, t.e.cfg.LLM, t.e.log
	t.slow(func(ctx context.Context, t *turn) {
		ctx, cancel := context.WithTimeout(ctx, AskLLMTimeout)
		defer cancel()
		md, err := ask.WriteAnswer(ctx, llmc, tr, text, ans)
		if err != nil {
			log.Info("question answered without the LLM", "reason", err)
			md = ans.Markdown
		}
		t.say(md, row)
	})
	return true
}

// AskLLMTimeout bounds the LLM's answer to a question; past it the
// retrieval answer is sent.
var AskLLMTimeout = 15 * time.Second

// countQuestion counts a question anonymously (its normalized text, never
// who asked) in its own transaction, off the learner's turn: a question
// that changes nothing about the learner costs them no commit.
func (e *Engine) countQuestion(q string, low bool) {
	if q == "" {
		return
	}
	e.jobs.Go(func() {
		if err := e.db.Update(e.jobCtx, func(tx *storage.Tx) error { return tx.CountQuestion(q, low) }); err != nil && e.jobCtx.Err() == nil {
			e.log.Warn("count question", "err", err)
		}
	})
}
