package telegram

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"tutorbot/bot/telegram/telegramtest"
	"tutorbot/locale"
	"tutorbot/storage"
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
	if _, text := srv.Answers(cb); text != locale.Say("", msgNotYourChat) {
		t.Errorf("toast %q, want %q", text, locale.Say("", msgNotYourChat))
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

// TestTopicRepliesCarryThread checks that a command in a forum topic is
// answered in that topic (message_thread_id, which the library's types
// lack), and that a press under that answer keeps the topic too.
func TestTopicRepliesCarryThread(t *testing.T) {
	srv := telegramtest.NewServer(t)
	start(t, fastConfig(srv, newFakeTutor(3)))
	const group, thread = -1001, 77
	srv.PushTopicMessage(group, 5, thread, "two")
	if !srv.WaitFor(group, 5*time.Second, func(sent []telegramtest.Message) bool { return len(sent) == 2 }) {
		t.Fatalf("no answers: %+v", srv.Sent(group))
	}
	for _, m := range srv.Sent(group) {
		if m.ThreadID != thread {
			t.Errorf("%s %q went to thread %d, want %d", m.Method, m.Text, m.ThreadID, thread)
		}
	}
	// Outside topics no thread is sent.
	srv.PushMessage(group, 5, "hello")
	if !srv.WaitFor(group, 5*time.Second, func(sent []telegramtest.Message) bool { return len(sent) == 3 }) {
		t.Fatalf("no answer in the general thread: %+v", srv.Sent(group))
	}
	if m := srv.Sent(group)[2]; m.ThreadID != 0 {
		t.Errorf("general-thread answer sent to thread %d", m.ThreadID)
	}
}

// TestMyDataAsFile: /mydata of a learner with 20 long tasks arrives as one
// JSON document with a one-line caption, not as a stream of messages.
func TestMyDataAsFile(t *testing.T) {
	srv := telegramtest.NewServer(t)
	start(t, fastConfig(srv, newEngine(t, storage.Options{NoSync: true})))
	l := &learner{srv: srv, chat: 61, user: 61}
	if err := l.say("/start"); err != nil {
		t.Fatal(err)
	}
	task := strings.Repeat("summarise long legal contracts in German and English ", 8)
	for i := range 20 {
		if err := l.say(fmt.Sprintf("/tasks add %d %s", i, task)); err != nil {
			t.Fatal(err)
		}
	}
	before := len(srv.Sent(61))
	srv.PushMessage(61, 61, "/mydata")
	if !srv.WaitFor(61, 5*time.Second, func(sent []telegramtest.Message) bool { return len(sent) > before }) {
		t.Fatal("no answer to /mydata")
	}
	time.Sleep(100 * time.Millisecond) // anything more would arrive now
	sent := srv.Sent(61)[before:]
	if len(sent) != 1 || sent[0].Method != "sendDocument" {
		t.Fatalf("want one sendDocument, got %d calls: %+v", len(sent), sent)
	}
	d := sent[0]
	var doc map[string]any
	if err := json.Unmarshal(d.DocumentData, &doc); err != nil {
		t.Fatalf("document %q is not JSON: %v", d.Document, err)
	}
	if !strings.HasSuffix(d.Document, ".json") || !strings.Contains(string(d.DocumentData), "19 summarise") {
		t.Errorf("document %q does not hold the tasks", d.Document)
	}
	if strings.Contains(d.Text, "\n") || d.Text == "" {
		t.Errorf("caption %q: want one line", d.Text)
	}
}

// FuzzDecodeEach: a getUpdates answer decoded update by update never
// panics, returns only updates with an id, and keeps every update that
// decodes on its own.
func FuzzDecodeEach(f *testing.F) {
	f.Add(`{"ok":true,"result":[{"update_id":1,"message":{"message_id":1,"text":"hi","from":{"id":2},"chat":{"id":2}}},{"update_id":2,"message":{"from":{"id":1e30}}}]}`)
	f.Add(`{"ok":true,"result":[{"update_id":"x"},{"update_id":99999999999999999999999}]}`)
	f.Add(`{"ok":false,"error_code":429,"parameters":{"retry_after":3}}`)
	f.Add(`{"ok":true,"result":[]}`)
	b := &Bot{log: discard}
	f.Fuzz(func(t *testing.T, body string) {
		ups, err := b.decodeEach([]byte(body), 200, errors.New("whole"))
		if err != nil {
			return
		}
		for _, u := range ups {
			if u.UpdateID <= 0 {
				t.Errorf("update without an id in %q", body)
			}
		}
	})
}
