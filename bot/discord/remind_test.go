package discord

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"tutorbot/bot"
	"tutorbot/bot/discord/discordtest"
	"tutorbot/remind"
	"tutorbot/render"
)

// TestReminderThroughEngine: the engine's reminder reaches the learner's
// DM through the adapter, and a 50007 marks the learner unreachable in the
// engine's storage so the next reminder is skipped.
func TestReminderThroughEngine(t *testing.T) {
	e, _ := openEngine(t)
	h := newHarness(t, e, func(c *Config) { c.Reach = e })
	e.SetMessenger(h.b)
	ctx := context.Background()
	if _, err := e.Handle(ctx, bot.Event{Platform: "discord", UserID: learnerA, ChatID: "dm", Text: "/tasks add compare summaries", Format: render.DiscordMarkdown}); err != nil {
		t.Fatal(err)
	}
	set := remind.Settings{Spec: remind.WeeklyPreset().Spec, Kind: remind.Weekly, Platform: "discord", UserID: learnerA, ChatID: learnerA}
	slot := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	if err := e.DeliverReminder(ctx, "discord:"+learnerA, set, slot); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return len(h.srv.Messages(discordtest.DMChannel(learnerA))) > 0 })
	msgs := h.srv.Messages(discordtest.DMChannel(learnerA))
	if len(msgs) != 1 || !strings.Contains(msgs[0].Content, "Time to re-test your reference set (1 task)") || len(msgs[0].Buttons) != 1 || len(msgs[0].Buttons[0]) != 3 {
		t.Fatalf("DM: %+v", msgs)
	}
	h.srv.FailNext(discordtest.RouteSendMessage, 1, http.StatusForbidden, discordtest.CodeCannotSendToUser, 0)
	// Stored, then refused from the outbox: the learner turns unreachable.
	if err := e.DeliverReminder(ctx, "discord:"+learnerA, set, slot.Add(7*24*time.Hour)); err != nil {
		t.Fatalf("50007: %v", err)
	}
	waitFor(t, func() bool { return e.OutboxStats().Waiting == 0 && unreachable(e, learnerA) })
	if err := e.DeliverReminder(ctx, "discord:"+learnerA, set, slot.Add(14*24*time.Hour)); !errors.Is(err, remind.ErrSkip) {
		t.Fatalf("reminder to an unreachable learner: %v", err)
	}
	if n := len(h.srv.Messages(discordtest.DMChannel(learnerA))); n != 1 {
		t.Errorf("%d DMs, want 1", n)
	}
}

// waitFor waits up to 5 s for cond.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// unreachable reports whether the engine skips the learner's reminders.
func unreachable(e *bot.Engine, user string) bool {
	set := remind.Settings{Platform: "discord", UserID: user, ChatID: user}
	return errors.Is(e.DeliverReminder(context.Background(), "discord:"+user, set, time.Now()), remind.ErrSkip)
}
