package telegram

import (
	"bytes"
	"context"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"tutorbot/bot"
	"tutorbot/bot/telegram/telegramtest"
)

// TestTokenRedactedAfterRedirectAndEcho: the Bot API answers with a 307 to
// an unreachable URL that holds the token (percent-encoded, as a redirect
// target carries it), then with a 400 whose description echoes the URL. No
// log line and no returned error may hold the token in any encoding.
func TestTokenRedactedAfterRedirectAndEcho(t *testing.T) {
	srv := telegramtest.NewServer(t)
	token := srv.Token()
	var buf bytes.Buffer
	var mu sync.Mutex
	cfg := fastConfig(srv, newFakeTutor(1))
	cfg.Log = slog.New(slog.NewJSONHandler(&lockedWriter{w: &buf, mu: &mu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	b, _ := start(t, cfg)

	srv.RedirectNext("sendMessage", sendOpts.attempts, "http://127.0.0.1:1/bot"+url.PathEscape(token)+"/sendMessage?t="+url.QueryEscape(token))
	errRedirect := b.Deliver(context.Background(), "7", "", []bot.Reply{{Kind: bot.Send, Text: "hello"}})
	srv.EchoURLNext("sendMessage", 1)
	errEcho := b.Deliver(context.Background(), "7", "", []bot.Reply{{Kind: bot.Send, Text: "hello"}})
	if errRedirect == nil || errEcho == nil {
		t.Fatalf("deliveries succeeded (%v, %v); want both to fail", errRedirect, errEcho)
	}
	// The same failures on a learner's turn end up in the log.
	srv.RedirectNext("sendMessage", sendOpts.attempts, "http://127.0.0.1:1/bot"+url.PathEscape(token)+"/sendMessage")
	srv.PushMessage(8, 8, "hi")
	eventually(t, 10*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return strings.Contains(buf.String(), "send reply")
	}, "failed reply logged")

	_, secret, _ := strings.Cut(token, ":")
	forms := []string{token, url.QueryEscape(token), url.PathEscape(token), secret, url.QueryEscape(secret)}
	mu.Lock()
	logs := buf.String()
	mu.Unlock()
	for _, text := range []string{errRedirect.Error(), errEcho.Error(), logs} {
		for _, f := range forms {
			if strings.Contains(text, f) {
				t.Errorf("%q found in:\n%s", f, text)
			}
		}
	}
	if !strings.Contains(errEcho.Error(), "cannot handle") || !strings.Contains(errEcho.Error(), redacted) {
		t.Errorf("echo error %q: want the description with the token redacted", errEcho)
	}
	if !strings.Contains(errRedirect.Error(), redacted) {
		t.Errorf("redirect error %q: want the target URL with the token redacted", errRedirect)
	}
}
