package ops

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"tutorbot/bot"
	"tutorbot/storage"
)

func probe(t *testing.T, srv *Server, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	return rec.Code, rec.Body.String()
}

// smallDisk mounts a 1 MB tmpfs for the test when it may (as root), so
// that the disk really fills up; ok is false where it cannot.
func smallDisk(t *testing.T) (dir string, ok bool) {
	dir = filepath.Join(t.TempDir(), "disk")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=1m"); err != nil {
		t.Logf("no tmpfs (%v): a failing storage layer stands in for the full disk", err)
		return dir, false
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir, true
}

// failingCommits is a storage layer whose commits fail while broken.
type failingCommits struct {
	mu sync.Mutex
	h  storage.CommitHealth
}

func (f *failingCommits) commit(broken bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if broken {
		f.h.Failures++
		f.h.LastFailure, f.h.LastError = time.Now(), "write tutor.db: no space left on device"
		return errors.New(f.h.LastError)
	}
	f.h.Commits++
	f.h.LastSuccess = time.Now()
	return nil
}

func (f *failingCommits) health() storage.CommitHealth {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.h
}

// TestHealthzOnFullDisk: /healthz answers 503 with the reason while
// learners' commits fail for lack of space, and 200 again once space is
// freed and the window has passed; tutorbot_healthy follows.
func TestHealthzOnFullDisk(t *testing.T) {
	const window = 300 * time.Millisecond
	dir, real := smallDisk(t)
	var (
		write  func(i int) error // a learner's write
		free   func()            // frees the disk
		health func() storage.CommitHealth
		checks = map[string]Check{}
	)
	if real {
		db, err := storage.Open(filepath.Join(dir, "tutor.db"), storage.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		filler := filepath.Join(dir, "filler")
		if err := os.WriteFile(filler, make([]byte, 700<<10), 0o600); err != nil {
			t.Fatal(err)
		}
		write = func(i int) error {
			return db.Update(context.Background(), func(tx *storage.Tx) error {
				return tx.PutLearner(fmt.Sprintf("telegram:%d", i), []byte(strings.Repeat("x", 20<<10)))
			})
		}
		free = func() { os.Remove(filler) }
		health = db.CommitHealth
		checks["database"] = db.Writable
	} else {
		f := &failingCommits{}
		broken := true
		write = func(int) error { return f.commit(broken) }
		free = func() { broken = false }
		health = f.health
	}
	checks["commits"] = CommitCheck(health, window, time.Now)
	srv := &Server{Metrics: NewMetrics(), Checks: checks}

	if code, body := probe(t, srv, "/healthz"); code != 200 {
		t.Fatalf("healthy tutor: %d %s", code, body)
	}
	var werr error
	for i := 0; i < 100 && werr == nil; i++ {
		werr = write(i)
	}
	if werr == nil || !strings.Contains(werr.Error(), "no space left") {
		t.Fatalf("the disk did not fill up: %v", werr)
	}
	code, body := probe(t, srv, "/healthz")
	if code != 503 || !strings.Contains(body, "commits: a commit failed") || !strings.Contains(body, "no space left on device") {
		t.Fatalf("full disk: %d %q, want 503 with the reason", code, body)
	}
	if m := scrape(t, srv.Handler()); m["tutorbot_healthy"] != 0 || m["tutorbot_healthy_check,check=commits"] != 0 {
		t.Errorf("metrics on a full disk: healthy %v, commits check %v", m["tutorbot_healthy"], m["tutorbot_healthy_check,check=commits"])
	}

	free()
	if err := write(1000); err != nil {
		t.Fatalf("write after freeing the disk: %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for code, body = probe(t, srv, "/healthz"); code != 200 && time.Now().Before(deadline); code, body = probe(t, srv, "/healthz") {
		time.Sleep(50 * time.Millisecond)
	}
	if code != 200 {
		t.Fatalf("after the disk was freed: %d %q", code, body)
	}
	if m := scrape(t, srv.Handler()); m["tutorbot_healthy"] != 1 {
		t.Errorf("tutorbot_healthy = %v after recovery", m["tutorbot_healthy"])
	}
}

// TestPlatformDownAndReady: /healthz fails once a platform connection is
// down longer than the threshold, /readyz while it is down at all (and
// before it first connects).
func TestPlatformDownAndReady(t *testing.T) {
	now := time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	var conn bot.Connection
	conn.Down(now) // not connected yet
	srv := &Server{Metrics: NewMetrics(),
		Checks: map[string]Check{"discord": ConnectionCheck(&conn, time.Minute, clock)},
		Ready:  map[string]Check{"discord": ConnectedCheck(&conn)}}

	if code, body := probe(t, srv, "/readyz"); code != 503 || body != "discord: not connected\n" {
		t.Errorf("starting: /readyz %d %q", code, body)
	}
	if code, _ := probe(t, srv, "/healthz"); code != 200 {
		t.Errorf("starting: /healthz %d, want 200 (within the threshold)", code)
	}
	conn.Up()
	if code, _ := probe(t, srv, "/readyz"); code != 200 {
		t.Errorf("connected: /readyz %d", code)
	}
	conn.Down(now)
	now = now.Add(30 * time.Second)
	conn.Down(now) // still the same outage
	if code, _ := probe(t, srv, "/healthz"); code != 200 {
		t.Errorf("down 30 s: /healthz %d, want 200", code)
	}
	now = now.Add(45 * time.Second)
	code, body := probe(t, srv, "/healthz")
	if code != 503 || body != "discord: disconnected for 1m15s (limit 1m0s)\n" {
		t.Errorf("down 75 s: /healthz %d %q", code, body)
	}
	m := scrape(t, srv.Handler())
	if m["tutorbot_healthy"] != 0 || m["tutorbot_ready"] != 0 {
		t.Errorf("metrics while down: %v %v", m["tutorbot_healthy"], m["tutorbot_ready"])
	}
	conn.Up()
	if code, _ := probe(t, srv, "/healthz"); code != 200 {
		t.Errorf("reconnected: /healthz %d", code)
	}
	if m := scrape(t, srv.Handler()); m["tutorbot_healthy"] != 1 || m["tutorbot_ready"] != 1 {
		t.Errorf("metrics after reconnecting: %v %v", m["tutorbot_healthy"], m["tutorbot_ready"])
	}
}
