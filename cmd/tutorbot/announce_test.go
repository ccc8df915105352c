package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"tutorbot/bot"
	"tutorbot/lessons"
	"tutorbot/ops"
	"tutorbot/render"
	"tutorbot/storage"
)

// recorder is a bot.Sender for "telegram" that records the texts sent.
type recorder struct {
	mu  sync.Mutex
	got []string
}

func (r *recorder) Platform() string      { return "telegram" }
func (r *recorder) Format() render.Format { return render.Plain }
func (r *recorder) Deliver(ctx context.Context, userID, chatID string, replies []bot.Reply) error {
	return r.Send(ctx, bot.Address{UserID: userID, ChatID: chatID}, replies)
}

func (r *recorder) Send(_ context.Context, to bot.Address, replies []bot.Reply) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, x := range replies {
		r.got = append(r.got, to.UserID+": "+x.Text)
	}
	return nil
}

func (r *recorder) texts() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.got, "\n")
}

func TestAnnounceFromShell(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tutor.db")
	seed(t, path)
	db, err := storage.Open(path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	course, _ := lessons.Default()
	// Noon UTC, outside the learners' default quiet hours.
	noon := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	e, err := bot.NewEngine(bot.Config{DB: db, Course: course, Now: func() time.Time { return noon }})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	e.SetMessenger(rec)
	defer e.Close(context.Background())
	srv := httptest.NewServer((&ops.Server{Metrics: ops.NewMetrics(), Announce: announceHandler(e)}).Handler())
	defer srv.Close()
	msg := filepath.Join(dir, "msg.md")
	os.WriteFile(msg, []byte("**Live session** on Friday"), 0o600)
	shell := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := run(context.Background(), append([]string{"announce", "-from", srv.URL}, args...), nil, &out, &errOut, func(string) string { return "" })
		return code, out.String(), errOut.String()
	}

	code, out, errOut := shell("-file", msg)
	if code != 0 || !strings.Contains(out, "Live session on Friday") || !strings.Contains(out, "audience: everyone, 2 learners") || !strings.Contains(out, "nothing sent") {
		t.Fatalf("preview: %d %q %q", code, out, errOut)
	}
	if _, ok := e.AnnouncementStatus(0); ok {
		t.Fatal("the preview stored an announcement")
	}
	code, out, errOut = shell("-file", msg, "-yes")
	if code != 0 || !strings.Contains(out, "announcement 1: sending to 2 learners (everyone)") {
		t.Fatalf("send: %d %q %q", code, out, errOut)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(rec.texts(), "2: Live session") || !strings.Contains(rec.texts(), "1: Live session") {
		if time.Now().After(deadline) {
			t.Fatalf("not delivered: %q", rec.texts())
		}
		time.Sleep(5 * time.Millisecond)
	}
	for {
		code, out, _ = shell("-status", "1")
		if strings.Contains(out, ": done,") || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if code != 0 || !strings.Contains(out, "announcement 1: done, to everyone, 2 recipients") {
		t.Errorf("status: %d %q", code, out)
	}

	big := filepath.Join(dir, "big.md")
	os.WriteFile(big, bytes.Repeat([]byte("word "), 10000), 0o600)
	empty := filepath.Join(dir, "empty.md")
	os.WriteFile(empty, nil, 0o600)
	broken := filepath.Join(dir, "broken.md")
	os.WriteFile(broken, []byte("ok\n\n**never closed"), 0o600)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-file", msg, "-audience", "cohort zzzz9999", "-yes"}, "zzzz9999"},
		{[]string{"-file", msg, "-audience", "lang ru", "-yes"}, "no learner matches the audience"},
		{[]string{"-file", msg, "-audience", "somebody", "-yes"}, "audience"},
		{[]string{"-file", big, "-yes"}, "too long"},
		{[]string{"-file", empty, "-yes"}, "no text"},
		{[]string{"-file", broken, "-yes"}, "bold not closed at line 3"},
	} {
		code, out, errOut := shell(tc.args...)
		if code != 1 || !strings.Contains(errOut, "nothing sent") || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: %d %q %q, want %q", tc.args, code, out, errOut, tc.want)
		}
	}
	if st, _ := e.AnnouncementStatus(0); st.ID != 1 {
		t.Errorf("bad input stored announcement %d", st.ID)
	}
	if code, _, errOut := shell(); code != 2 || !strings.Contains(errOut, "usage: tutorbot announce") {
		t.Errorf("no arguments: %d %q", code, errOut)
	}
}
