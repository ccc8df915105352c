package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"tutorbot/bot"
	"tutorbot/bot/telegram/telegramtest"
	"tutorbot/lessons"
	"tutorbot/remind"
	"tutorbot/render"
	"tutorbot/storage"
)

// TestKillMidAnnouncement: the tutor is killed (SIGKILL) while it sends an
// announcement to 300 learners; after a restart on the same file every
// learner has it, none more than twice, and the announcement is done.
func TestKillMidAnnouncement(t *testing.T) {
	const n = 300
	bin := binary(t)
	srv := telegramtest.NewServer(t)
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "tutor.db")
	seedLearners(t, dbPath, n)
	addr := freePort(t)
	env := []string{"HTTP_LISTEN=" + addr, "TELEGRAM_GLOBAL_RATE=100", "ADMIN_IDS=telegram:999"}
	cmd, exited, _ := startTutor(t, bin, srv, dbPath, env...)
	waitHTTP(t, addr)

	const text = "Live session on Friday"
	msg := filepath.Join(dir, "msg.md")
	os.WriteFile(msg, []byte(text), 0o600)
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"announce", "-from", "http://" + addr, "-file", msg, "-yes"}, nil, &out, &errOut, func(string) string { return "" }); code != 0 {
		t.Fatalf("announce: %d %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), fmt.Sprintf("sending to %d learners", n)) {
		t.Fatalf("announce: %s", out.String())
	}
	got := func() (reached, most int) {
		for u := int64(1); u <= n; u++ {
			c := 0
			for _, m := range srv.Sent(u) {
				if strings.Contains(m.Text, text) {
					c++
				}
			}
			if c > 0 {
				reached++
			}
			most = max(most, c)
		}
		return reached, most
	}
	deadline := time.Now().Add(20 * time.Second)
	for r, _ := got(); r < n/3; r, _ = got() {
		if time.Now().After(deadline) {
			t.Fatalf("only %d learners reached before the kill", r)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-exited
	before, _ := got()
	if before >= n {
		t.Fatalf("the announcement was done before the kill (%d learners)", before)
	}

	startTutor(t, bin, srv, dbPath, env...)
	waitHTTP(t, addr)
	deadline = time.Now().Add(30 * time.Second)
	for {
		out.Reset()
		run(context.Background(), []string{"announce", "-from", "http://" + addr, "-status", "1"}, nil, &out, &errOut, func(string) string { return "" })
		if strings.Contains(out.String(), ": done,") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not done after the restart: %s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // a late copy would arrive now
	reached, most := got()
	dups := 0
	for u := int64(1); u <= n; u++ {
		c := 0
		for _, m := range srv.Sent(u) {
			if strings.Contains(m.Text, text) {
				c++
			}
		}
		if c == 0 {
			t.Errorf("learner %d never got the announcement", u)
		}
		if c > 1 {
			dups++
		}
	}
	t.Logf("%d learners reached before the kill; after the restart %d, %d of them twice; status: %s", before, reached, dups, strings.TrimSpace(out.String()))
	if most > 2 {
		t.Errorf("a learner got the announcement %d times, want at most twice", most)
	}
	if !strings.Contains(out.String(), fmt.Sprintf("sent %d,", n)) {
		t.Errorf("status after the restart: %s", out.String())
	}
}

// seedLearners stores learners 1..n on Telegram, with quiet hours off (so
// the time of day the test runs at does not hold anyone).
func seedLearners(t *testing.T, path string, n int) {
	t.Helper()
	db, err := storage.Open(path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	course, _ := lessons.Default()
	svc := &remind.Service{DB: db}
	e, err := bot.NewEngine(bot.Config{DB: db, Course: course, Reminders: svc})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for u := 1; u <= n; u++ {
		id := fmt.Sprint(u)
		if _, err := e.Handle(ctx, bot.Event{Platform: "telegram", UserID: id, ChatID: id, Text: "/start", Format: render.Plain, Direct: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.SetQuietHours(ctx, "telegram:"+id, 12, 12); err != nil {
			t.Fatal(err)
		}
	}
}

// waitHTTP waits for the tutor's HTTP endpoints at addr.
func waitHTTP(t *testing.T, addr string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
			resp.Body.Close()
			return
		}
	}
	t.Fatal("the tutor's HTTP endpoints never answered")
}
