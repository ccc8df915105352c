package discord

import (
	"strings"
	"testing"
	"unicode/utf8"

	"tutorbot/bot"
	"tutorbot/bot/discord/discordtest"
)

// TestJourneyWithEngine walks a learner through the whole lesson and quiz
// with hand-built interactions, through the adapter and the real engine on
// bbolt, in a server channel and in a DM.
func TestJourneyWithEngine(t *testing.T) {
	places := []struct {
		name      string
		at        func(user string) where
		ephemeral bool
	}{
		{name: "server channel", at: func(string) where { return inGuild }, ephemeral: true},
		{name: "DM", at: inDM, ephemeral: false},
	}
	for _, p := range places {
		t.Run(p.name, func(t *testing.T) {
			e, db := openEngine(t)
			h := newHarness(t, e, func(c *Config) { c.Reach = e })
			at := p.at(learnerA)

			h.command(learnerA, at, "lesson", "")
			msg, ok := h.lastWithButtons(learnerA, at)
			if !ok {
				t.Fatal("/lesson showed no buttons")
			}
			lessonMsg := msg.ID
			firstPage := msg.Content

			// Next through every page: each updates the same message.
			pages := 1
			var prev string
			for {
				next, ok := findButton(msg, "Next")
				if !ok {
					break
				}
				prev = msg.Content
				id := h.press(learnerA, at, msg.ID, next.CustomID)
				if in, _ := h.srv.Interaction(id); len(in.Callbacks) != 1 || in.Callbacks[0] != discordtest.CallbackUpdateMessage {
					t.Fatalf("Next answered with callbacks %v, want an in-place update (7)", in.Callbacks)
				}
				msg, _ = h.srv.Message(msg.ID)
				if msg.Content == prev {
					t.Fatalf("page %d: Next did not change the message", pages)
				}
				pages++
				if pages > 50 {
					t.Fatal("Next never ends")
				}
			}
			if pages < 3 {
				t.Fatalf("only %d pages", pages)
			}
			if msg.ID != lessonMsg {
				t.Error("the lesson moved to another message")
			}

			// Back returns to the page before.
			back, ok := findButton(msg, "Back")
			if !ok {
				t.Fatal("last page has no Back")
			}
			h.press(learnerA, at, msg.ID, back.CustomID)
			msg, _ = h.srv.Message(msg.ID)
			if msg.Content != prev {
				t.Errorf("Back shows %.60q, want the page before %.60q", msg.Content, prev)
			}
			if msg.Content == firstPage && pages > 2 {
				t.Error("Back went to the first page")
			}

			// The quiz, from the lesson's button.
			for {
				if _, ok := findButton(msg, "Next"); !ok {
					break
				}
				next, _ := findButton(msg, "Next")
				h.press(learnerA, at, msg.ID, next.CustomID)
				msg, _ = h.srv.Message(msg.ID)
			}
			quizBtn, ok := findButton(msg, "quiz", "Quiz")
			if !ok {
				t.Fatalf("last page has no quiz button: %+v", msg.Buttons)
			}
			h.press(learnerA, at, msg.ID, quizBtn.CustomID)

			answered := 0
			for {
				q, ok := h.lastWithButtons(learnerA, at)
				if !ok {
					t.Fatal("no question shown")
				}
				choice, isQuestion := answerButton(q)
				if !isQuestion {
					break
				}
				id := h.press(learnerA, at, q.ID, choice.CustomID)
				in, _ := h.srv.Interaction(id)
				if len(in.Callbacks) != 1 || in.Callbacks[0] != discordtest.CallbackUpdateMessage {
					t.Fatalf("answer answered with callbacks %v, want the question updated (7)", in.Callbacks)
				}
				q, _ = h.srv.Message(q.ID)
				if !strings.Contains(q.Content, "Your answer") {
					t.Errorf("question after the answer: %.80q; want the verdict", q.Content)
				}
				if strings.Contains(q.Content, "Quiz finished") {
					// The last answer: the score and its buttons join the
					// verdict in the same message.
					if _, ok := findButton(q, "Retake"); !ok || len(in.Followups) != 0 {
						t.Errorf("last answer: buttons %+v and %d follow-ups; want Retake under the verdict and nothing more", q.Buttons, len(in.Followups))
					}
				} else if len(q.Buttons) != 0 || len(in.Followups) == 0 {
					t.Errorf("answer: %d button rows and %d follow-ups; want no buttons and the next question", len(q.Buttons), len(in.Followups))
				}
				answered++
				if answered > 20 {
					t.Fatal("quiz never ends")
				}
			}
			if answered < 2 {
				t.Errorf("answered %d questions, want the lesson's quiz (2)", answered)
			}
			final, _ := h.lastWithButtons(learnerA, at)
			if _, ok := findButton(final, "Retake"); !ok || !strings.Contains(final.Content, "Quiz finished") {
				t.Errorf("final message %.80q, want the score with Retake", final.Content)
			}

			h.command(learnerA, at, "progress", "")
			ms := h.visible(learnerA, at)
			if last := ms[len(ms)-1]; !strings.Contains(strings.ToLower(last.Content), "quiz") {
				t.Errorf("/progress says %.100q", last.Content)
			}

			// Every message: right visibility, within limits, payloads short.
			for _, m := range h.srv.Messages(at.channel) {
				if m.Ephemeral() != p.ephemeral {
					t.Errorf("message %.40q ephemeral=%v, want %v", m.Content, m.Ephemeral(), p.ephemeral)
				}
				if n := utf8.RuneCountInString(m.Content); n > MaxContent || n == 0 {
					t.Errorf("message of %d characters", n)
				}
				for _, row := range m.Buttons {
					for _, b := range row {
						if n := utf8.RuneCountInString(b.CustomID); n > MaxCustomID || len(b.CustomID) > bot.MaxPayload {
							t.Errorf("payload %q of %d characters", b.CustomID, n)
						}
					}
				}
			}
			if learnerRecord(t, db, learnerA) == "" {
				t.Error("no state stored for the learner")
			}
			if s := h.b.Stats(); s.Errors != 0 || s.Deferred != 0 {
				t.Errorf("stats %+v: want no errors and no deferrals", s)
			}
		})
	}
}

// answerButton returns the first answer button of a quiz question (answer
// payloads are the engine's "qa" kind).
func answerButton(m discordtest.Message) (discordtest.Button, bool) {
	for _, row := range m.Buttons {
		for _, b := range row {
			if strings.Contains(b.CustomID, ":qa:") {
				return b, true
			}
		}
	}
	return discordtest.Button{}, false
}

// TestOtherLearnerCannotActOnButtons: learner B pressing a payload from
// learner A's message only ever moves B's own state.
func TestOtherLearnerCannotActOnButtons(t *testing.T) {
	e, db := openEngine(t)
	h := newHarness(t, e)

	h.command(learnerA, inGuild, "lesson", "")
	msg, _ := h.lastWithButtons(learnerA, inGuild)
	next, ok := findButton(msg, "Next")
	if !ok {
		t.Fatal("no Next button")
	}
	h.press(learnerA, inGuild, msg.ID, next.CustomID)
	msg, _ = h.srv.Message(msg.ID)
	next, _ = findButton(msg, "Next")
	recA := learnerRecord(t, db, learnerA)
	contentA := msg.Content

	// B presses A's button on A's message (e.g. a shared DM screenshot is
	// not possible, but a forged event is): refused without touching state.
	h.press(learnerB, inGuild, msg.ID, next.CustomID)
	// B forges A's payload on a message of its own: the engine acts on B.
	h.press(learnerB, inGuild, "", next.CustomID)
	quiz, _ := findButton(msg, "quiz", "Quiz")
	if quiz.CustomID != "" {
		h.press(learnerB, inGuild, "", quiz.CustomID)
	}
	h.command(learnerB, inGuild, "reset", "")

	if got := learnerRecord(t, db, learnerA); got != recA {
		t.Errorf("learner A's state changed by B's presses:\nbefore %s\nafter  %s", recA, got)
	}
	if got, _ := h.srv.Message(msg.ID); got.Content != contentA {
		t.Error("learner A's message changed")
	}
	if learnerRecord(t, db, learnerB) == "" {
		t.Error("B's own presses left no state for B")
	}
	for _, m := range h.srv.Messages(classCh) {
		if m.VisibleTo == "" {
			t.Errorf("message %.40q visible to the whole class", m.Content)
		}
	}
}
