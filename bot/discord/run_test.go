package discord

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
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

// TestUndecodableGatewayEventSkipped checks that a gateway event that does
// not decode (a DM whose author id is a number, not a string) is skipped
// and logged without its content, and that the next event is handled.
func TestUndecodableGatewayEventSkipped(t *testing.T) {
	rec := &recorder{replies: func(ev bot.Event) []bot.Reply { return []bot.Reply{{Kind: bot.Send, Text: "hi " + ev.UserID}} }}
	var logs syncBuffer
	h := newHarness(t, rec, func(c *Config) {
		c.Commands = []bot.Command{{Name: "lesson", Description: "Open the lesson"}}
		c.GuildID = guildID
		c.Log = slog.New(slog.NewTextHandler(&logs, nil))
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.b.Run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()
	if err := h.srv.WaitReady(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	if err := h.srv.Dispatch("MESSAGE_CREATE", map[string]any{
		"id": "4", "channel_id": discordtest.DMChannel(learnerA), "content": "secret words",
		"author": map[string]any{"id": 111, "username": "ada"},
	}); err != nil {
		t.Fatal(err)
	}
	if err := h.srv.Dispatch("MESSAGE_CREATE", map[string]any{
		"id": "5", "channel_id": discordtest.DMChannel(learnerB), "content": "hello",
		"author": map[string]any{"id": learnerB, "username": "bob"},
	}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(h.srv.Messages(discordtest.DMChannel(learnerB))) < 1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if ms := h.srv.Messages(discordtest.DMChannel(learnerB)); len(ms) != 1 {
		t.Errorf("the good DM answered with %+v", ms)
	}
	for time.Now().Before(deadline) && !strings.Contains(logs.String(), "event skipped") {
		time.Sleep(5 * time.Millisecond)
	}
	if evs := rec.Events(); len(evs) != 1 || evs[0].UserID != learnerB {
		t.Errorf("events handled %+v, want only learner B's", evs)
	}
	if ms := h.srv.Messages(discordtest.DMChannel(learnerA)); len(ms) != 0 {
		t.Errorf("the undecodable DM was answered: %+v", ms)
	}
	l := logs.String()
	if !strings.Contains(l, "event skipped") || strings.Contains(l, "secret words") {
		t.Errorf("log should name the skipped event without its content:\n%s", l)
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
