// Package quiz holds a lesson's questions and grades a learner's attempts:
// one answer per question per attempt, scores, missed questions, retries.
// It is pure: no I/O, no platform knowledge.
package quiz

import (
	"errors"
	"fmt"
)

// Option is one answer a learner can choose.
type Option struct {
	ID      string `yaml:"id" json:"id"`
	Text    string `yaml:"text" json:"text"`
	Explain string `yaml:"explain" json:"explain"`
}

// Question is one quiz question with exactly one correct option.
type Question struct {
	ID      string   `yaml:"id" json:"id"`
	Text    string   `yaml:"question" json:"question"`
	Answer  string   `yaml:"answer" json:"answer"`
	Options []Option `yaml:"options" json:"options"`
}

// Option returns the option with the given id.
func (q Question) Option(id string) (Option, bool) {
	for _, o := range q.Options {
		if o.ID == id {
			return o, true
		}
	}
	return Option{}, false
}

// Index returns the position of the option with the given id, or -1.
func (q Question) Index(id string) int {
	for i, o := range q.Options {
		if o.ID == id {
			return i
		}
	}
	return -1
}

// Check reports what is wrong with a question, or nil.
func (q Question) Check() error {
	var errs []error
	if q.ID == "" {
		errs = append(errs, errors.New("question has no id"))
	}
	if q.Text == "" {
		errs = append(errs, fmt.Errorf("question %q has no text", q.ID))
	}
	if len(q.Options) < 2 || len(q.Options) > 5 {
		errs = append(errs, fmt.Errorf("question %q has %d options, want 2 to 5", q.ID, len(q.Options)))
	}
	seen := map[string]bool{}
	for _, o := range q.Options {
		if o.ID == "" || o.Text == "" || o.Explain == "" {
			errs = append(errs, fmt.Errorf("question %q: option %q needs an id, a text and an explanation", q.ID, o.ID))
		}
		if seen[o.ID] {
			errs = append(errs, fmt.Errorf("question %q: option id %q used twice", q.ID, o.ID))
		}
		seen[o.ID] = true
	}
	if _, ok := q.Option(q.Answer); !ok {
		errs = append(errs, fmt.Errorf("question %q: answer %q is not one of its options", q.ID, q.Answer))
	}
	return errors.Join(errs...)
}

// Errors returned by Attempt.Answer. The attempt is unchanged after any of them.
var (
	ErrAnswered      = errors.New("question already answered in this attempt")
	ErrNotCurrent    = errors.New("not the current question")
	ErrUnknownOption = errors.New("no such option")
	ErrFinished      = errors.New("attempt already finished")
)

// Attempt is one pass through some of a quiz's questions: all of them, or
// the ones missed last time.
type Attempt struct {
	// N numbers the learner's attempts from 1; button payloads carry it so
	// a button from an earlier attempt is recognised as stale.
	N int `json:"n"`
	// Questions are the ids asked in this attempt, in order.
	Questions []string `json:"questions"`
	// Chosen maps a question id to the chosen option id.
	Chosen map[string]string `json:"chosen,omitempty"`
	// Carried counts right answers carried over from the attempt this one
	// retries (zero for a full attempt).
	Carried int `json:"carried,omitempty"`
}

// NewAttempt starts attempt n over the given question ids.
func NewAttempt(n int, questions []string, carried int) *Attempt {
	return &Attempt{N: n, Questions: questions, Chosen: map[string]string{}, Carried: carried}
}

// Current returns the index of the first unanswered question, or -1 when
// every question is answered.
func (a *Attempt) Current() int {
	for i, id := range a.Questions {
		if _, ok := a.Chosen[id]; !ok {
			return i
		}
	}
	return -1
}

// Done reports whether every question of the attempt is answered.
func (a *Attempt) Done() bool { return a.Current() < 0 }

// Answered counts the answered questions.
func (a *Attempt) Answered() int { return len(a.Chosen) }

// Answer records option for question q. It refuses a second answer to the
// same question, an answer to a question that is not the current one and an
// option that does not exist; it returns whether the answer is right.
func (a *Attempt) Answer(q Question, option string) (bool, error) {
	if a.Chosen == nil {
		a.Chosen = map[string]string{}
	}
	if _, ok := a.Chosen[q.ID]; ok {
		return false, ErrAnswered
	}
	cur := a.Current()
	if cur < 0 {
		return false, ErrFinished
	}
	if a.Questions[cur] != q.ID {
		return false, ErrNotCurrent
	}
	if _, ok := q.Option(option); !ok {
		return false, ErrUnknownOption
	}
	a.Chosen[q.ID] = option
	return option == q.Answer, nil
}

// Grade returns the right answers of the attempt (including carried ones)
// and the ids of the questions it missed, in order.
func Grade(qs []Question, a *Attempt) (right int, missed []string) {
	right = a.Carried
	for _, id := range a.Questions {
		q, ok := Find(qs, id)
		if !ok {
			continue
		}
		if a.Chosen[id] == q.Answer {
			right++
		} else {
			missed = append(missed, id)
		}
	}
	return right, missed
}

// Find returns the question with the given id.
func Find(qs []Question, id string) (Question, bool) {
	for _, q := range qs {
		if q.ID == id {
			return q, true
		}
	}
	return Question{}, false
}

// Result is a finished attempt as kept in the learner's record.
type Result struct {
	N       int               `json:"n"`
	Score   int               `json:"score"`
	Total   int               `json:"total"`
	Missed  []string          `json:"missed,omitempty"`
	Chosen  map[string]string `json:"chosen"`
	Retried bool              `json:"retried,omitempty"`
}

// Record is everything a learner has done in one lesson's quiz.
type Record struct {
	// Attempt is the attempt in progress, or nil.
	Attempt *Attempt `json:"attempt,omitempty"`
	// Attempts counts the attempts started.
	Attempts int `json:"attempts"`
	// Best and Last are scores out of Total; Finished says whether any
	// attempt was finished.
	Best     int  `json:"best"`
	Last     int  `json:"last"`
	Total    int  `json:"total"`
	Finished bool `json:"finished"`
	// Missed lists the questions missed in the last finished attempt.
	Missed []string `json:"missed,omitempty"`
	// History keeps the last finished attempts, newest last.
	History []Result `json:"history,omitempty"`
}

// MaxHistory bounds Record.History.
const MaxHistory = 20

// Start begins a full attempt over qs and returns it.
func (r *Record) Start(qs []Question) *Attempt {
	ids := make([]string, len(qs))
	for i, q := range qs {
		ids[i] = q.ID
	}
	r.Attempts++
	r.Attempt = NewAttempt(r.Attempts, ids, 0)
	return r.Attempt
}

// RetryMissed begins an attempt over the questions missed last time,
// carrying the right answers over. It returns nil if nothing was missed.
func (r *Record) RetryMissed(qs []Question) *Attempt {
	if !r.Finished || len(r.Missed) == 0 {
		return nil
	}
	r.Attempts++
	r.Attempt = NewAttempt(r.Attempts, append([]string(nil), r.Missed...), r.Last)
	return r.Attempt
}

// Finish grades the attempt in progress, updates the scores and clears it.
func (r *Record) Finish(qs []Question) Result {
	a := r.Attempt
	right, missed := Grade(qs, a)
	res := Result{N: a.N, Score: right, Total: len(qs), Missed: missed, Chosen: a.Chosen, Retried: a.Carried > 0 || len(a.Questions) < len(qs)}
	r.Last, r.Total, r.Missed = right, len(qs), missed
	if !r.Finished || right > r.Best {
		r.Best = right
	}
	r.Finished = true
	r.History = append(r.History, res)
	if len(r.History) > MaxHistory {
		r.History = r.History[len(r.History)-MaxHistory:]
	}
	r.Attempt = nil
	return res
}
