package telegram

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"tutorbot/bot"
	"tutorbot/bot/telegram/telegramtest"
	"tutorbot/redact"
)

func TestCommandText(t *testing.T) {
	cases := []struct {
		name, in, want string
		forUs          bool
	}{
		{"plain command", "/next", "/next", true},
		{"addressed to us", "/next@tutor_bot", "/next", true},
		{"addressed to us, other case", "/next@Tutor_Bot", "/next", true},
		{"deep link", "/start quiz", "/start quiz", true},
		{"deep link addressed", "/start@tutor_bot quiz", "/start quiz", true},
		{"other bot", "/next@other_bot", "/next@other_bot", false},
		{"free text", "what is Qwen?", "what is Qwen?", true},
		{"email in text", "mail me@tutor_bot", "mail me@tutor_bot", true},
		{"spaces", "  /help  ", "/help", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, forUs := commandText(c.in, "tutor_bot")
			if got != c.want || forUs != c.forUs {
				t.Errorf("commandText(%q) = %q, %v; want %q, %v", c.in, got, forUs, c.want, c.forUs)
			}
		})
	}
}

func FuzzCommandText(f *testing.F) {
	for _, s := range []string{"/next", "/next@tutor_bot", "/start@tutor_bot quiz", "/@", "@", "/ @x", "hello", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, forUs := commandText(s, "tutor_bot")
		if forUs && strings.Contains(strings.SplitN(got, " ", 2)[0], "@tutor_bot") && strings.HasPrefix(got, "/") {
			t.Errorf("commandText(%q) kept our name: %q", s, got)
		}
		if len(got) > len(s) {
			t.Errorf("commandText(%q) grew to %q", s, got)
		}
	})
}

func FuzzDecodeUpdate(f *testing.F) {
	f.Add(`{"update_id":1,"message":{"message_id":1,"date":0,"text":"/start","from":{"id":5,"first_name":"A"},"chat":{"id":5,"type":"private"}}}`)
	f.Add(`{"update_id":2,"callback_query":{"id":"c","from":{"id":5},"data":"1:pg:1:1","message":{"message_id":3,"date":0,"chat":{"id":-9,"type":"group"}}}}`)
	f.Add(`{"update_id":3,"channel_post":{"message_id":1,"date":0,"chat":{"id":-100,"type":"channel"}}}`)
	f.Add(`{"update_id":4,"callback_query":{"id":"c"}}`)
	f.Add(`{}`)
	f.Add(`[`)
	b := &Bot{log: slog.New(slog.DiscardHandler), self: "tutor_bot"}
	f.Fuzz(func(t *testing.T, body string) {
		u, err := decodeUpdate(strings.NewReader(body))
		if err != nil {
			return
		}
		ev, tg, ok := b.toEvent(u)
		if !ok {
			return
		}
		if ev.UserID == "" || ev.ChatID == "" || ev.Platform != Platform {
			t.Errorf("event %+v from %q lacks who or where", ev, body)
		}
		if (ev.Payload == "") == (ev.Text == "") {
			t.Errorf("event %+v: want text or payload, not both or none", ev)
		}
		if ev.Payload != "" && tg.cbID == "" {
			t.Errorf("button event without a callback to answer: %q", body)
		}
	})
}

func TestRedactErr(t *testing.T) {
	const token = "123:SECRET"
	cases := []struct {
		name string
		err  error
	}{
		{"url error", &url.Error{Op: "Post", URL: "https://api.telegram.org/bot" + token + "/getMe", Err: errors.New("dial tcp: refused")}},
		{"url error with token inside", &url.Error{Op: "Post", URL: "x", Err: fmt.Errorf("proxy for /bot%s/x failed", token)}},
		{"wrapped", fmt.Errorf("get updates: %w", errors.New("bad /bot"+token+"/getUpdates"))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := redactErr(c.err, redact.New(token))
			if strings.Contains(got.Error(), "SECRET") {
				t.Errorf("redacted error still has the token: %v", got)
			}
			if !errors.Is(got, c.err) && !errors.Is(got, errors.Unwrap(c.err)) {
				var ue *url.Error
				if !errors.As(got, &ue) {
					t.Errorf("redacted error lost its chain: %v", got)
				}
			}
		})
	}
	if redactErr(nil, redact.New(token)) != nil {
		t.Error("nil error became non-nil")
	}
}

func TestRedactHandler(t *testing.T) {
	const token = "123:SECRET"
	var buf bytes.Buffer
	log := slog.New(redact.Handler(slog.NewTextHandler(&buf, nil), redact.New(token)))
	log.With("url", "/bot"+token).WithGroup("g").Info("msg "+token, "err", errors.New("x "+token), "s", token, slog.Group("in", "v", token), "n", 3)
	if strings.Contains(buf.String(), "SECRET") {
		t.Errorf("token in log line: %s", buf.String())
	}
	if !strings.Contains(buf.String(), "n=3") {
		t.Errorf("other attributes lost: %s", buf.String())
	}
}

func TestIdleLimitersDropped(t *testing.T) {
	b := &Bot{cfg: Config{PerChatRate: 1, PerChatBurst: 3, GroupRate: 0.3}, chats: map[int64]*chatLimit{}}
	for i := range int64(1000) {
		b.chatLimiter(i)
	}
	b.chatLimiter(-5)
	if len(b.chats) != 1001 {
		t.Fatalf("%d limiters, want 1001", len(b.chats))
	}
	if got := float64(b.chats[-5].lim.Limit()); got != 0.3 {
		t.Errorf("group limit %v, want 0.3", got)
	}
	b.chatsMu.Lock()
	b.chats[7].pausedUntil = time.Now().Add(time.Hour) // paused: kept
	b.sweepLocked(time.Now().Add(2 * idleLimit))
	n := len(b.chats)
	b.chatsMu.Unlock()
	if n != 1 {
		t.Errorf("%d limiters after the sweep, want 1 (the paused chat)", n)
	}
}

func TestBackoff(t *testing.T) {
	for attempt := range 40 {
		d := backoff(attempt, 500*time.Millisecond, 30*time.Second)
		if d < 250*time.Millisecond || d > 30*time.Second {
			t.Errorf("attempt %d: backoff %v out of range", attempt, d)
		}
	}
	if d := backoff(10, 500*time.Millisecond, 30*time.Second); d < 15*time.Second {
		t.Errorf("backoff after 10 failures %v, want near the cap", d)
	}
}

func TestKeyboardDropsBadButtons(t *testing.T) {
	b := &Bot{log: slog.New(slog.DiscardHandler)}
	kb := b.keyboard([][]bot.Button{
		{{Label: "ok", Payload: "1:ls"}, {Label: "long", Payload: strings.Repeat("x", 65)}},
		{{Label: "", Payload: "1:ls"}},
	})
	if kb == nil || len(kb.InlineKeyboard) != 1 || len(kb.InlineKeyboard[0]) != 1 {
		t.Fatalf("keyboard %+v, want one good button", kb)
	}
	if b.keyboard(nil) != nil {
		t.Error("no buttons gave a keyboard")
	}
}

func TestRecentIDs(t *testing.T) {
	r := newRecentIDs(3)
	for _, id := range []int{1, 2, 3} {
		if !r.add(id) {
			t.Fatalf("id %d not new", id)
		}
	}
	if r.add(2) {
		t.Error("id 2 seen twice")
	}
	r.add(4) // evicts 1
	if !r.add(1) {
		t.Error("evicted id 1 still remembered")
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	cases := []struct {
		name string
		cfg  Config
	}{
		{"no token", Config{Handler: newFakeTutor(1)}},
		{"no handler", Config{Token: "1:x"}},
		{"webhook without https", Config{Token: "1:x", Handler: newFakeTutor(1), Webhook: &WebhookConfig{URL: "http://x", SecretToken: "s"}}},
		{"webhook without secret", Config{Token: "1:x", Handler: newFakeTutor(1), Webhook: &WebhookConfig{URL: "https://x"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := New(t.Context(), c.cfg); err == nil {
				t.Error("accepted")
			}
		})
	}
}

func TestNewWrongToken(t *testing.T) {
	srv := telegramtest.NewServer(t)
	const wrong = "999:WRONG-secret-token"
	_, err := New(t.Context(), Config{Token: wrong, APIURL: srv.URL(), Handler: newFakeTutor(1), Log: discard})
	if err == nil {
		t.Fatal("wrong token accepted")
	}
	if !strings.Contains(err.Error(), "Unauthorized") || strings.Contains(err.Error(), "WRONG-secret") {
		t.Errorf("error %q: want Unauthorized without the token", err)
	}
}
