package loadtest

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"tutorbot/bot"
	"tutorbot/bot/telegram/telegramtest"
	"tutorbot/lessons"
	"tutorbot/practice"
	"tutorbot/quiz"
	"tutorbot/remind"
)

// journeyMessages is what a learner who ran the whole journey sees: every
// page, the quiz with answer A to question 1 (right) and B to question 2,
// a recommendation and the weekly reminder.
func journeyMessages(l *lessons.Lesson) []telegramtest.Message {
	html := func(s string) telegramtest.Message {
		return telegramtest.Message{Method: "sendMessage", Text: s, ParseMode: "HTML"}
	}
	n := len(l.Pages)
	var ms []telegramtest.Message
	for p := 1; p <= n; p++ {
		ms = append(ms, html("text\n\n— page "+itoa(p)+"/"+itoa(n)+" —"))
	}
	ms = append(ms, html("<b>Quiz — 2 questions</b>"))
	edit := html("<b>Question 1 of 2</b>\n\n<b>Your answer: B.</b> ✅ Right")
	edit.Method = "editMessageText"
	ms = append(ms, edit)
	edit = html("<b>Question 2 of 2</b>\n\n<b>Your answer: A.</b> ❌ Not quite\n\n<b>Quiz finished: 1 of 2</b>")
	edit.Method = "editMessageText"
	ms = append(ms, edit)
	rec := html("Top pick: <b>Qwen</b>")
	rec.Keyboard = [][]telegramtest.Button{{{Text: labelSaveTask, CallbackData: "1:tk:pr:1"}}}
	ms = append(ms, rec, html("<b>Re-testing reminders: weekly, Mondays at 10:00</b>"))
	return ms
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// journeyState is the state the tutor stores for journeyMessages.
func journeyState(l *lessons.Lesson) *Stored {
	q1, q2 := l.Quiz[0], l.Quiz[1]
	chosen := map[string]string{q1.ID: q1.Options[1].ID, q2.ID: q2.Options[0].ID}
	n := len(l.Pages)
	st := &bot.State{
		Version: 2, Started: time.Now(), Lesson: l.ID, NextID: 1,
		Progress: map[string]*bot.Progress{l.ID: {Page: n - 1, Seen: n, Finished: true, Quiz: quiz.Record{
			Attempts: 1, Best: 1, Last: 1, Total: 2, Finished: true,
			History: []quiz.Result{{N: 1, Score: 1, Total: 2, Chosen: chosen}},
		}}},
		Submissions: []bot.Submission{{ID: 1, Request: requestOf(PracticeTask), Picks: []string{"Qwen"}}},
	}
	w := remind.WeeklyPreset()
	next := time.Now().Add(24 * time.Hour)
	return &Stored{State: st, HasReminder: true, Due: true,
		Reminder: remind.Settings{Spec: w.Spec, Kind: w.Kind, Platform: "telegram", UserID: "7", ChatID: "7", Next: next}}
}

// TestChecks shows that the state checks catch each kind of lost or wrong
// progress, and accept the state that matches.
func TestChecks(t *testing.T) {
	course, err := lessons.Default()
	if err != nil {
		t.Fatal(err)
	}
	l := course.First()
	tests := []struct {
		name      string
		change    func(s *Stored)
		reflected string // a piece of the problem CheckReflected reports ("" none)
		exact     string // a piece of the problem CheckExact reports ("" none)
		invariant string // a piece of the problem CheckInvariants reports ("" none)
	}{
		{name: "matching state", change: func(*Stored) {}},
		{name: "page lost", change: func(s *Stored) { p := s.State.Progress[l.ID]; p.Seen, p.Page, p.Finished = 3, 2, false }, reflected: "stored only 3 pages", exact: "stored page 3"},
		{name: "answer lost", change: func(s *Stored) {
			s.State.Progress[l.ID].Quiz.History[0].Chosen = map[string]string{l.Quiz[0].ID: l.Quiz[0].Options[1].ID}
		}, reflected: "confirmed but not stored", exact: "stored answers"},
		{name: "other answer stored", change: func(s *Stored) { s.State.Progress[l.ID].Quiz.History[0].Chosen[l.Quiz[0].ID] = l.Quiz[0].Options[2].ID }, reflected: "confirmed but not stored"},
		{name: "score wrong", change: func(s *Stored) { s.State.Progress[l.ID].Quiz.History[0].Score = 2 }, reflected: "no stored attempt with that score", exact: "stored score"},
		{name: "second attempt", change: func(s *Stored) { s.State.Progress[l.ID].Quiz.Attempts = 2 }, exact: "2 attempts"},
		{name: "submission lost", change: func(s *Stored) { s.State.Submissions = nil }, reflected: "no submission", exact: "0 submissions"},
		{name: "submission twice", change: func(s *Stored) {
			s.State.Submissions = append(s.State.Submissions, bot.Submission{ID: 2, Request: requestOf(PracticeTask), Picks: []string{"Qwen"}})
			s.State.NextID = 2
		}, exact: "2 submissions"},
		{name: "reminder lost", change: func(s *Stored) { s.HasReminder, s.Reminder = false, remind.Settings{} }, reflected: "weekly reminder confirmed"},
		{name: "state lost", change: func(s *Stored) { s.State = nil }, reflected: "no stored state", exact: "no stored state"},
		{name: "page out of range", change: func(s *Stored) { s.State.Progress[l.ID].Page = 99 }, exact: "stored page", invariant: "out of range"},
		{name: "attempt number wrong", change: func(s *Stored) {
			s.State.Progress[l.ID].Quiz.Attempt = &quiz.Attempt{N: 5, Questions: []string{l.Quiz[0].ID}}
		}, exact: "attempt in progress true", invariant: "number 5 of 1"},
		{name: "unknown option stored", change: func(s *Stored) { s.State.Progress[l.ID].Quiz.History[0].Chosen[l.Quiz[1].ID] = "zz" }, reflected: "confirmed but not stored", exact: "stored answers", invariant: "unknown option"},
		{name: "undecodable record", change: func(s *Stored) { s.Problems = []string{"learner record does not decode"} }, invariant: "does not decode"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := journeyState(l)
			tc.change(s)
			c := ReadClaims(journeyMessages(l))
			if c.Acknowledged != len(l.Pages)+5 {
				t.Fatalf("%d claims read, want %d", c.Acknowledged, len(l.Pages)+5)
			}
			check := func(what string, probs []string, want string) {
				t.Helper()
				got := strings.Join(probs, "; ")
				if want == "" && got != "" {
					t.Errorf("%s: unexpected problems: %s", what, got)
				}
				if want != "" && !strings.Contains(got, want) {
					t.Errorf("%s: got %q, want a problem with %q", what, got, want)
				}
			}
			check("reflected", CheckReflected(c, s, l), tc.reflected)
			exact := CheckExact(c, s, l, "7")
			if tc.exact == "" && tc.reflected != "" {
				// A claim that is not reflected is never exact either.
				check("exact", exact, tc.reflected)
			} else {
				check("exact", exact, tc.exact)
			}
			check("invariants", CheckInvariants(s, l), tc.invariant)
		})
	}
}

func requestOf(task string) practice.Request { return practice.Request{Task: task, Lang: "en"} }
