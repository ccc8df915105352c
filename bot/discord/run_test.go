package discord

import (
	"context"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"tutorbot/bot"
	"tutorbot/bot/discord/discordtest"
)

// TestRun connects through the fake gateway: commands registered, intents
// limited to DMs, an interaction dispatched over the websocket is decoded
// by discordgo and answered, a DM is answered, and cancelling the context
// closes the gateway cleanly.
func TestRun(t *testing.T) {
	rec := &recorder{replies: func(ev bot.Event) []bot.Reply { return []bot.Reply{{Kind: bot.Send, Text: "hi " + ev.UserID}} }}
	h := newHarness(t, rec, func(c *Config) {
		c.Commands = []bot.Command{{Name: "lesson", Description: "Open the lesson"}}
		c.GuildID = guildID
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.b.Run(ctx) }()
	if err := h.srv.WaitReady(5 * time.Second); err != nil {
		cancel()
		t.Fatal(err)
	}
	if got := h.srv.Commands(guildID); len(got) != 1 || got[0].Name != "lesson" {
		t.Errorf("registered %+v", got)
	}
	ids := h.srv.Identifies()
	if len(ids) != 1 || ids[0].Intents != int(discordgo.IntentsDirectMessages) {
		t.Errorf("identified with %+v, want intents %d only", ids, discordgo.IntentsDirectMessages)
	}

	id, tok := h.srv.NewInteraction(discordtest.InteractionSpec{Kind: discordtest.KindCommand, ChannelID: classCh, UserID: learnerA})
	err := h.srv.Dispatch("INTERACTION_CREATE", map[string]any{
		"id": id, "token": tok, "application_id": h.srv.AppID(), "type": 2, "guild_id": guildID, "channel_id": classCh,
		"member": map[string]any{"user": map[string]any{"id": learnerA, "username": "ada"}},
		"data":   map[string]any{"id": "1", "name": "lesson", "type": 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.srv.Dispatch("MESSAGE_CREATE", map[string]any{
		"id": "5", "channel_id": discordtest.DMChannel(learnerB), "content": "hello",
		"author": map[string]any{"id": learnerB, "username": "bob"},
	}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(h.srv.Messages("")) < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	in, _ := h.srv.Interaction(id)
	if len(in.Callbacks) != 1 {
		t.Errorf("interaction from the gateway answered with %v", in.Callbacks)
	}
	if m, _ := h.srv.Message(in.Original); m.Content != "hi "+learnerA || !m.Ephemeral() {
		t.Errorf("answer %+v", m)
	}
	if ms := h.srv.Messages(discordtest.DMChannel(learnerB)); len(ms) != 1 || ms[0].Content != "hi "+learnerB {
		t.Errorf("DM answers %+v", ms)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if h.srv.GatewayCloses() != 1 {
		t.Errorf("%d clean gateway closes, want 1", h.srv.GatewayCloses())
	}
}

func TestRunFailsWhenRegistrationFails(t *testing.T) {
	h := newHarness(t, &recorder{}, func(c *Config) { c.Commands = []bot.Command{{Name: "lesson", Description: "d"}} })
	h.srv.FailNext(discordtest.RouteGlobalCommands, 1, 500, 0, 0)
	err := h.b.Run(context.Background())
	if err == nil {
		t.Fatal("Run succeeded although registration failed")
	}
	if len(h.srv.Identifies()) != 0 {
		t.Error("connected to the gateway after a failed registration")
	}
}
