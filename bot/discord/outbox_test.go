package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"tutorbot/bot"
	"tutorbot/bot/discord/discordtest"
	"tutorbot/lessons"
	"tutorbot/storage"
)

// outboxHarness is a harness whose engine delivers Discord replies through
// its outbox (the Bot is the engine's Discord Sender).
// Its clock runs skew ahead of the real one (interaction tokens expire).
func outboxHarness(t *testing.T, skew *atomic.Int64) (*harness, *bot.Engine, *storage.DB) {
	t.Helper()
	db, err := storage.Open(filepath.Join(t.TempDir(), "tutor.db"), storage.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e := engineOn(t, db)
	// Wrapped as cmd/tutorbot wraps it (metrics), so Outbox tells.
	h := newHarness(t, handlerFunc(e.Handle), func(c *Config) {
		c.Reach, c.Outbox = e, e
		c.Now = func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	})
	e.SetMessenger(h.b)
	return h, e, db
}

func closeEngine(e *bot.Engine) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	e.Close(ctx)
}

// engineOn opens another engine on db, as a restarted tutor would.
func engineOn(t *testing.T, db *storage.DB) *bot.Engine {
	t.Helper()
	course, err := lessons.Default()
	if err != nil {
		t.Fatal(err)
	}
	e, err := bot.NewEngine(bot.Config{DB: db, Course: course, Log: slog.New(slog.DiscardHandler), OutboxRetryBase: 10 * time.Millisecond,
		Now: func() time.Time { return time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeEngine(e) })
	return e
}

func stored(db *storage.DB) int {
	n := 0
	db.View(func(tx *storage.Tx) error { n = tx.CountOutbox(); return nil })
	return n
}

// contents are the contents of the messages the learner sees at a place.
func (h *harness) contents(user string, at where) []string {
	var out []string
	for _, m := range h.visible(user, at) {
		out = append(out, m.Content)
	}
	return out
}

// TestInteractionRepliesViaOutbox: with the engine's outbox, an interaction
// is acknowledged at once with a deferred response and its committed
// replies come from the outbox through the interaction's webhook: the first
// fills the "thinking" answer, ephemeral in a server; a Next press edits
// the pressed message in place; nothing stays stored.
func TestInteractionRepliesViaOutbox(t *testing.T) {
	h, _, db := outboxHarness(t, new(atomic.Int64))
	id := h.command(learnerA, inGuild, "lesson", "")
	in, _ := h.srv.Interaction(id)
	if len(in.Callbacks) != 1 || in.Callbacks[0] != discordtest.CallbackDeferredMessage {
		t.Fatalf("callbacks %v, want one deferred message (5)", in.Callbacks)
	}
	waitFor(t, func() bool {
		in, _ := h.srv.Interaction(id)
		return !in.Loading && len(in.Followups) > 0
	})
	page, ok := h.lastWithButtons(learnerA, inGuild)
	if !ok || !strings.Contains(page.Content, "1/") || !page.Ephemeral() || page.VisibleTo != learnerA {
		t.Fatalf("lesson page: %+v (seen %q)", page, h.contents(learnerA, inGuild))
	}
	if got := h.visible(learnerB, inGuild); len(got) != 0 {
		t.Errorf("another learner sees %+v", got)
	}
	next, ok := findButton(page, "Next")
	if !ok {
		t.Fatalf("no Next button on %+v", page)
	}
	pid := h.press(learnerA, inGuild, page.ID, next.CustomID)
	pin, _ := h.srv.Interaction(pid)
	if len(pin.Callbacks) != 1 || pin.Callbacks[0] != discordtest.CallbackDeferredUpdate {
		t.Fatalf("press callbacks %v, want a deferred update (6)", pin.Callbacks)
	}
	waitFor(t, func() bool {
		m, _ := h.srv.Message(page.ID)
		return strings.Contains(m.Content, "2/")
	})
	if n := len(h.srv.CallsTo(discordtest.RouteEditOriginal)); n != 1 {
		t.Errorf("%d edits of the pressed message, want 1", n)
	}
	waitFor(t, func() bool { return stored(db) == 0 })
	if v := h.srv.Violations(); len(v) > 0 {
		t.Errorf("Discord would refuse: %v", v)
	}
}

// TestInteractionOutboxOutageAndRestart: the webhook failing with 5xx
// delays the replies, which then arrive in order, each once; replies
// stored when the tutor stops arrive after a restart through the same
// interaction's webhook; after the token's 15 minutes they come by DM.
func TestInteractionOutboxOutageAndRestart(t *testing.T) {
	var skew atomic.Int64
	h, e, db := outboxHarness(t, &skew)
	// An outage of the webhook: every follow-up fails for a while.
	h.srv.FailNext(discordtest.RouteFollowup, 4, http.StatusServiceUnavailable, 0, 0)
	for _, task := range []string{"alpha", "beta", "gamma"} {
		h.command(learnerA, inDM(learnerA), "tasks", "add "+task)
	}
	waitFor(t, func() bool { return stored(db) == 0 && e.OutboxStats().Waiting == 0 })
	got := h.contents(learnerA, inDM(learnerA))
	want := []string{"(1 of", "(2 of", "(3 of"}
	if len(got) != len(want) {
		t.Fatalf("DM shows %q; want the three answers once each", got)
	}
	for i, w := range want {
		if !strings.Contains(got[i], w) {
			t.Errorf("message %d: %q, want %q (in order)", i, got[i], w)
		}
	}
	if st := e.OutboxStats(); st.Retried == 0 {
		t.Errorf("no retries counted through the outage: %+v", st)
	}

	// Stopped with replies stored: a restarted tutor sends them through
	// the interaction's webhook, filling its "thinking" answer.
	e.HoldOutbox(true)
	id := h.command(learnerA, inGuild, "tasks", "add delta")
	if n := stored(db); n == 0 {
		t.Fatal("nothing stored while held")
	}
	closeEngine(e)
	e2 := engineOn(t, db)
	h2 := &harness{t: t, srv: h.srv}
	b2, err := New(Config{Token: h.srv.Token(), AppID: h.srv.AppID(), Handler: e2, Reach: e2, Log: slog.New(slog.DiscardHandler), HTTPClient: h.srv.Client(),
		Now: func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }})
	if err != nil {
		t.Fatal(err)
	}
	h2.b = b2
	e2.SetMessenger(b2)
	waitFor(t, func() bool { return stored(db) == 0 })
	in, _ := h.srv.Interaction(id)
	var answer []string
	for _, mid := range append([]string{in.Original}, in.Followups...) {
		m, _ := h.srv.Message(mid)
		if !m.Ephemeral() || m.VisibleTo != learnerA {
			t.Errorf("answer %q not ephemeral to the learner", m.Content)
		}
		answer = append(answer, m.Content)
	}
	// In a server the cohort notice comes first, then the answer.
	if in.Loading || len(answer) != 2 || !strings.Contains(answer[1], "(4 of") {
		t.Errorf("after the restart the interaction shows %q (loading %v)", answer, in.Loading)
	}

	// Token expired: a stored reply goes to the learner's DM instead.
	e2.HoldOutbox(true)
	h2.command(learnerA, inGuild, "tasks", "add epsilon")
	skew.Store(int64(20 * time.Minute))
	dms := len(h.srv.Messages(discordtest.DMChannel(learnerA)))
	e2.HoldOutbox(false)
	waitFor(t, func() bool { return stored(db) == 0 })
	ms := h.srv.Messages(discordtest.DMChannel(learnerA))
	if len(ms) != dms+1 || !strings.Contains(ms[len(ms)-1].Content, "(5 of") {
		t.Errorf("after the token expired the DM shows %d new messages: %+v", len(ms)-dms, ms[dms:])
	}
	if v := h.srv.Violations(); len(v) > 0 {
		t.Errorf("Discord would refuse: %v", v)
	}
}

// TestDMRefusalMarksOnlyThatChat: a DM that refuses (50007) marks the DM
// unreachable, not the server channel whose late reply went there, and a
// refused reply of the DM itself cancels only the DM's entries.
func TestDMRefusalMarksOnlyThatChat(t *testing.T) {
	var skew atomic.Int64
	h, e, db := outboxHarness(t, &skew)
	h.srv.FailNext(discordtest.RouteSendMessage, 1, http.StatusForbidden, discordtest.CodeCannotSendToUser, 0)
	e.HoldOutbox(true)
	h.command(learnerA, inGuild, "tasks", "add alpha")
	skew.Store(int64(20 * time.Minute)) // the token expired meanwhile
	e.HoldOutbox(false)
	waitFor(t, func() bool { return stored(db) == 0 && e.OutboxStats().Waiting == 0 })
	rec := record(t, db, learnerA)
	if !rec.Unreachable || len(rec.UnreachableChats) != 0 {
		t.Errorf("after the DM refused a server reply: DM unreachable %v, chats %v; want the DM only", rec.Unreachable, rec.UnreachableChats)
	}
	// The server channel still gets its answers (through the DM's
	// fallback it is not marked; here the token is valid again).
	skew.Store(0)
	h.command(learnerA, inGuild, "tasks", "add beta")
	waitFor(t, func() bool { return stored(db) == 0 && e.OutboxStats().Waiting == 0 })
	found := false
	for _, c := range h.contents(learnerA, inGuild) {
		found = found || strings.Contains(c, "(2 of")
	}
	if !found {
		t.Errorf("the server channel got no answer: %q", h.contents(learnerA, inGuild))
	}
}

func record(t *testing.T, db *storage.DB, user string) bot.State {
	t.Helper()
	var st bot.State
	if raw := learnerRecord(t, db, user); raw != "" {
		if err := json.Unmarshal([]byte(raw), &st); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

// TestScrubHidesInteractionToken: a failed webhook call's error (whose URL
// holds the interaction token, raw or escaped) does not show the token,
// and still unwraps to the original error.
func TestScrubHidesInteractionToken(t *testing.T) {
	const token = "aW50ZXJhY3Rpb246MTIz:secret/part"
	for _, u := range []string{"https://discord.com/api/v9/webhooks/1/" + token, "https://discord.com/api/v9/webhooks/1/" + url.PathEscape(token)} {
		orig := &url.Error{Op: "Post", URL: u, Err: errors.New("connection refused")}
		err := scrub(fmt.Errorf("send follow-up: %w", orig), token)
		if strings.Contains(err.Error(), token) || strings.Contains(err.Error(), url.PathEscape(token)) || strings.Contains(err.Error(), "secret") {
			t.Errorf("token in %q", err)
		}
		var ue *url.Error
		if !errors.As(err, &ue) {
			t.Errorf("%v no longer unwraps to the *url.Error", err)
		}
	}
	if scrub(nil, token) != nil {
		t.Error("scrub(nil) is not nil")
	}
}

// TestPageTurnOfGoneMessageSentAnew: a page turn whose pressed message can
// no longer be edited (Discord answers 10008 Unknown Message) is sent as a
// new message instead of being retried for a day.
func TestPageTurnOfGoneMessageSentAnew(t *testing.T) {
	h, e, db := outboxHarness(t, new(atomic.Int64))
	h.command(learnerA, inDM(learnerA), "lesson", "")
	waitFor(t, func() bool { _, ok := h.lastWithButtons(learnerA, inDM(learnerA)); return ok })
	page, _ := h.lastWithButtons(learnerA, inDM(learnerA))
	next, ok := findButton(page, "Next")
	if !ok {
		t.Fatalf("no Next button on %+v", page)
	}
	h.press(learnerA, inDM(learnerA), "999999999", next.CustomID) // a message Discord no longer has
	waitFor(t, func() bool { return stored(db) == 0 && e.OutboxStats().Waiting == 0 })
	got := h.contents(learnerA, inDM(learnerA))
	if len(got) != 2 || !strings.Contains(got[1], "2/") {
		t.Errorf("DM shows %q; want page 2 sent anew", got)
	}
	if st := e.OutboxStats(); st.Retried != 0 || st.Rejected != 0 {
		t.Errorf("outbox %+v; want the page sent at once", st)
	}
}

// TestTypedDMViaOutbox: a typed DM's committed reply comes from the outbox
// to the DM channel, stored until Discord accepted it (here after a 500).
func TestTypedDMViaOutbox(t *testing.T) {
	h, e, db := outboxHarness(t, new(atomic.Int64))
	h.srv.FailNext(discordtest.RouteSendMessage, 1, http.StatusInternalServerError, 0, 0)
	h.dm(learnerA, "/tasks add typed")
	waitFor(t, func() bool { return stored(db) == 0 && e.OutboxStats().Waiting == 0 })
	got := h.srv.Messages(discordtest.DMChannel(learnerA))
	if len(got) != 1 || !strings.Contains(got[0].Content, "(1 of") {
		t.Errorf("DM shows %+v; want the answer once", got)
	}
	if st := e.OutboxStats(); st.Retried != 1 || st.Delivered != 1 {
		t.Errorf("outbox %+v; want one retry, one delivery", st)
	}
}

// TestNoCommandLeftThinking: every slash command commits a reply, so with
// the outbox no interaction's deferred "thinking" answer stays unfilled.
func TestNoCommandLeftThinking(t *testing.T) {
	h, e, _ := outboxHarness(t, new(atomic.Int64))
	for _, c := range e.Commands() {
		if c.Name == h.b.practice {
			continue // opens a modal
		}
		id := h.command(learnerA, inGuild, c.Name, "")
		deadline := time.Now().Add(3 * time.Second)
		for in, _ := h.srv.Interaction(id); in.Loading; in, _ = h.srv.Interaction(id) {
			if time.Now().After(deadline) {
				t.Errorf("/%s left its answer thinking", c.Name)
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}
