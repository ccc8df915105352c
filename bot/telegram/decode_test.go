package telegram

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"tutorbot/bot/telegram/telegramtest"
)

// TestBatchWithUndecodableUpdate checks that one update the adapter cannot
// decode (a user id beyond int64) costs neither the nine good updates of
// its getUpdates answer nor its own confirmation, and that the log line
// about it carries no text of it.
func TestBatchWithUndecodableUpdate(t *testing.T) {
	srv := telegramtest.NewServer(t)
	var buf bytes.Buffer
	var mu sync.Mutex
	cfg := fastConfig(srv, newFakeTutor(1))
	cfg.Log = slog.New(slog.NewJSONHandler(&lockedWriter{w: &buf, mu: &mu}, nil))
	// Queue the whole batch before the bot polls, so it comes in one answer.
	for i := range 10 {
		if i == 4 {
			srv.PushUpdate(map[string]any{"message": map[string]any{
				"message_id": 1, "date": 0, "text": "secret words",
				"from": map[string]any{"id": json.Number("99999999999999999999999"), "first_name": "X"},
				"chat": map[string]any{"id": 500, "type": "private"},
			}})
			continue
		}
		srv.PushMessage(int64(100+i), int64(100+i), "hello")
	}
	start(t, cfg)
	for i := range 10 {
		if i == 4 {
			continue
		}
		chat := int64(100 + i)
		if !srv.WaitFor(chat, 5*time.Second, func(sent []telegramtest.Message) bool { return len(sent) == 1 }) {
			t.Fatalf("chat %d: no answer; sent %+v", chat, srv.Sent(chat))
		}
	}
	eventually(t, 5*time.Second, func() bool { return srv.Pending() == 0 }, "every update confirmed, the bad one too (pending %d)", srv.Pending())
	if sent := srv.Sent(500); len(sent) != 0 {
		t.Errorf("the undecodable update was answered: %+v", sent)
	}
	mu.Lock()
	logs := buf.String()
	mu.Unlock()
	if !strings.Contains(logs, "update skipped") {
		t.Errorf("the skipped update is not logged:\n%s", logs)
	}
	if strings.Contains(logs, "secret words") {
		t.Errorf("the skipped update's text is in the log:\n%s", logs)
	}
}

// TestForgedCallbackForAnotherChat checks that a press whose message sits
// in another learner's private chat is answered with a toast and changes
// nothing: no event reaches the tutor, that chat's message stays as it was.
func TestForgedCallbackForAnotherChat(t *testing.T) {
	srv := telegramtest.NewServer(t)
	tutor := newFakeTutor(3)
	start(t, fastConfig(srv, tutor))
	victim := &learner{srv: srv, chat: 41, user: 41}
	if err := victim.say("/start"); err != nil {
		t.Fatal(err)
	}
	page := srv.Messages(41)[0]
	before, _ := srv.Current(41, page.MessageID)
	events := len(tutor.Events())

	cb := srv.PushCallback(41, 42, page.MessageID, "1:pg:1:1")
	eventually(t, 5*time.Second, func() bool { n, _ := srv.Answers(cb); return n == 1 }, "forged press answered")
	if _, text := srv.Answers(cb); text != msgNotYourChat {
		t.Errorf("toast %q, want %q", text, msgNotYourChat)
	}
	if got := tutor.Events(); len(got) != events {
		t.Errorf("the tutor saw the forged press: %+v", got[events:])
	}
	if after, _ := srv.Current(41, page.MessageID); after.Text != before.Text {
		t.Errorf("the victim's message changed from %q to %q", before.Text, after.Text)
	}
	if sent := srv.Sent(42); len(sent) != 0 {
		t.Errorf("sent to the presser's chat: %+v", sent)
	}
	// The victim's own press still works.
	own := srv.PushCallback(41, 41, page.MessageID, "1:pg:1:1")
	eventually(t, 5*time.Second, func() bool { n, _ := srv.Answers(own); return n == 1 }, "own press answered")
	eventually(t, 5*time.Second, func() bool { m, _ := srv.Current(41, page.MessageID); return m.Text != before.Text }, "own press turned the page")
}
