package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"tutorbot/bot"
	"tutorbot/bot/telegram/telegramtest"
	"tutorbot/storage"
)

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startTutor starts the tutor binary on Telegram (srv) and the database at
// dbPath, with JSON logs and env added. exited gets its end; the process
// is killed when the test ends, and its logs shown if the test failed.
func startTutor(t *testing.T, bin string, srv *telegramtest.Server, dbPath string, env ...string) (cmd *exec.Cmd, exited <-chan error, logs *syncBuffer) {
	t.Helper()
	cmd = exec.Command(bin)
	cmd.Env = append(os.Environ(), "TELEGRAM_TOKEN="+srv.Token(), "TELEGRAM_API_URL="+srv.URL(), "TUTORBOT_DB="+dbPath, "LOG_FORMAT=json")
	cmd.Env = append(cmd.Env, env...)
	logs = &syncBuffer{}
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		if t.Failed() {
			t.Logf("tutor logs:\n%s", logs.String())
		}
	})
	return cmd, done, logs
}

// TestGracefulShutdownUnderLoad runs the tutor on Telegram (the fake Bot
// API server) with the HTTP endpoints, sends SIGTERM while learners are
// paging through the lesson, and checks: exit 0 within the bound, the
// database closed and whole, and every page a learner was shown stored.
func TestGracefulShutdownUnderLoad(t *testing.T) {
	bin := binary(t)
	srv := telegramtest.NewServer(t)
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "tutor.db")
	addr := freePort(t)
	cmd, exited, logs := startTutor(t, bin, srv, dbPath, "HTTP_LISTEN="+addr, "TELEGRAM_GLOBAL_RATE=1000", "SHUTDOWN_TIMEOUT=5s")

	// Wait for the HTTP endpoints.
	var health string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			health = fmt.Sprintf("%d %s", resp.StatusCode, b)
			break
		}
	}
	if !strings.HasPrefix(health, "200 ok") {
		t.Fatalf("/healthz: %q", health)
	}

	const learners = 30
	for u := int64(1); u <= learners; u++ {
		srv.PushMessage(u, u, "/lesson")
	}
	for u := int64(1); u <= learners; u++ {
		srv.WaitFor(u, 10*time.Second, func(sent []Message) bool { return len(sent) > 0 })
		for range 4 {
			srv.PushMessage(u, u, "/next")
		}
	}
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !regexp.MustCompile(`tutorbot_updates_total\{kind="command",platform="telegram"\} [1-9]`).Match(metrics) {
		t.Errorf("/metrics does not count the updates:\n%s", metrics)
	}
	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("tutor exited with %v", err)
		}
	case <-time.After(8 * time.Second):
		t.Fatal("tutor did not stop within the shutdown bound")
	}
	t.Logf("stopped %v after SIGTERM", time.Since(start).Round(time.Millisecond))
	if strings.Contains(logs.String(), srv.Token()) || strings.Contains(logs.String(), "TEST-token") {
		t.Error("the token appears in the logs")
	}

	db, err := storage.Open(dbPath, storage.Options{})
	if err != nil {
		t.Fatalf("database after shutdown: %v", err)
	}
	defer db.Close()
	pageRE := regexp.MustCompile(`— page (\d+)/\d+ —`)
	checked := 0
	for u := int64(1); u <= learners; u++ {
		shown := 0
		for _, m := range srv.Sent(u) {
			if mm := pageRE.FindStringSubmatch(m.Text); mm != nil {
				n, _ := strconv.Atoi(mm[1])
				shown = max(shown, n)
			}
		}
		var st bot.State
		db.View(func(tx *storage.Tx) error {
			if b := tx.Learner(fmt.Sprintf("telegram:%d", u)); b != nil {
				json.Unmarshal(b, &st)
			}
			return nil
		})
		seen := 0
		for _, p := range st.Progress {
			seen = max(seen, p.Seen)
		}
		if seen < shown {
			t.Errorf("learner %d was shown page %d but the database has %d", u, shown, seen)
		}
		if shown > 0 {
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no learner got a page before the shutdown")
	}
}

// Message is the fake server's record of a sent message.
type Message = telegramtest.Message

// TestSecondSignalExitsAtOnce checks the way out of a stuck shutdown. An
// operator's backup download that stalls holds the graceful shutdown (the
// HTTP server waits up to 5 s for it); a second SIGTERM ends the process at
// once.
func TestSecondSignalExitsAtOnce(t *testing.T) {
	bin := binary(t)
	srv := telegramtest.NewServer(t)
	dbPath := filepath.Join(t.TempDir(), "tutor.db")
	// A database far bigger than the socket buffers, so that a backup to a
	// client that stops reading blocks.
	db, err := storage.Open(dbPath, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rec := []byte(`{"v":1,"last_prompt":"` + strings.Repeat("x", 16<<10) + `"}`)
	err = db.Update(context.Background(), func(tx *storage.Tx) error {
		for i := range 1500 {
			if err := tx.PutLearner(fmt.Sprintf("telegram:%d", 1000+i), rec); err != nil {
				return err
			}
		}
		return nil
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}

	addr := freePort(t)
	cmd, exited, logs := startTutor(t, bin, srv, dbPath, "HTTP_LISTEN="+addr, "SHUTDOWN_TIMEOUT=60s")
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no /healthz within 10 s")
		}
	}

	// A backup download that reads the status line and then stalls.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET /backup HTTP/1.1\r\nHost: tutor\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	status := make([]byte, len("HTTP/1.1 200"))
	if _, err := io.ReadFull(conn, status); err != nil || string(status) != "HTTP/1.1 200" {
		t.Fatalf("backup answered %q, %v", status, err)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(logs.String(), "shutting down"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no shutdown within 10 s of SIGTERM")
		}
	}
	select {
	case err := <-exited:
		t.Fatalf("the tutor exited (%v) while the backup was stalled: the test shows nothing", err)
	case <-time.After(500 * time.Millisecond):
	}

	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ProcessState.Sys().(syscall.WaitStatus).Signal() != syscall.SIGTERM {
			t.Errorf("after the second SIGTERM the tutor ended with %v, want killed by SIGTERM", err)
		}
		t.Logf("exited %v after the second SIGTERM", time.Since(start).Round(time.Millisecond))
	case <-time.After(2 * time.Second):
		t.Fatal("the tutor still ran 2 s after the second SIGTERM")
	}
}
