package quiz

import (
	"errors"
	"testing"
)

var qs = []Question{
	{ID: "q1", Text: "One?", Answer: "b", Options: []Option{{"a", "A", "no"}, {"b", "B", "yes"}}},
	{ID: "q2", Text: "Two?", Answer: "a", Options: []Option{{"a", "A", "yes"}, {"b", "B", "no"}}},
}

func TestOneAnswerPerQuestion(t *testing.T) {
	var r Record
	a := r.Start(qs)
	right, err := a.Answer(qs[0], "a")
	if err != nil || right {
		t.Fatalf("first answer: right=%v err=%v", right, err)
	}
	if _, err := a.Answer(qs[0], "b"); !errors.Is(err, ErrAnswered) {
		t.Fatalf("second answer err = %v", err)
	}
	if a.Chosen["q1"] != "a" {
		t.Fatalf("answer changed to %q", a.Chosen["q1"])
	}
}

func TestAnswerOrderAndOptions(t *testing.T) {
	tests := []struct {
		name string
		q    Question
		opt  string
		want error
	}{
		{"not current", qs[1], "a", ErrNotCurrent},
		{"unknown option", qs[0], "z", ErrUnknownOption},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var r Record
			a := r.Start(qs)
			if _, err := a.Answer(tc.q, tc.opt); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if a.Answered() != 0 {
				t.Fatal("a refused answer was recorded")
			}
		})
	}
}

func TestScoresRetryMissedAndRetake(t *testing.T) {
	var r Record
	a := r.Start(qs)
	a.Answer(qs[0], "b") // right
	a.Answer(qs[1], "b") // wrong
	res := r.Finish(qs)
	if res.Score != 1 || len(res.Missed) != 1 || res.Missed[0] != "q2" {
		t.Fatalf("result = %+v", res)
	}
	if r.Best != 1 || r.Last != 1 || r.Total != 2 {
		t.Fatalf("record = %+v", r)
	}
	a = r.RetryMissed(qs)
	if a == nil || len(a.Questions) != 1 || a.Questions[0] != "q2" || a.N != 2 {
		t.Fatalf("retry attempt = %+v", a)
	}
	a.Answer(qs[1], "a")
	res = r.Finish(qs)
	if res.Score != 2 || r.Best != 2 || r.Last != 2 {
		t.Fatalf("after retry: res=%+v record=%+v", res, r)
	}
	if r.RetryMissed(qs) != nil {
		t.Fatal("retry offered with nothing missed")
	}
	a = r.Start(qs)
	a.Answer(qs[0], "a")
	a.Answer(qs[1], "b")
	r.Finish(qs)
	if r.Best != 2 || r.Last != 0 {
		t.Fatalf("best must stay, last must drop: %+v", r)
	}
}

func TestCheck(t *testing.T) {
	bad := Question{ID: "q", Text: "?", Answer: "x", Options: []Option{{"a", "A", "e"}, {"a", "B", "e"}}}
	err := bad.Check()
	if err == nil {
		t.Fatal("no error for a missing answer and a duplicate option")
	}
	if err := qs[0].Check(); err != nil {
		t.Fatalf("good question: %v", err)
	}
}

func TestHistoryBounded(t *testing.T) {
	var r Record
	for range MaxHistory + 5 {
		a := r.Start(qs)
		a.Answer(qs[0], "a")
		a.Answer(qs[1], "a")
		r.Finish(qs)
	}
	if len(r.History) != MaxHistory || r.History[len(r.History)-1].N != MaxHistory+5 {
		t.Fatalf("history len %d last %+v", len(r.History), r.History[len(r.History)-1])
	}
}
