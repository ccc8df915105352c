package remind

import (
	"context"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"tutorbot/storage"
)

// fakeClock is a clock that moves only when a test says so.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []fakeWaiter
}

type fakeWaiter struct {
	at time.Time
	ch chan time.Time
}

func newFakeClock(t time.Time) *fakeClock { return &fakeClock{now: t} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// After returns a channel that receives once the clock reaches now+d.
func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.waiters = append(c.waiters, fakeWaiter{at: c.now.Add(d), ch: ch})
	return ch
}

// Set moves the clock to t and wakes the waiters that are due.
func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if !w.at.After(t) {
			w.ch <- t
			continue
		}
		kept = append(kept, w)
	}
	c.waiters = kept
}

// Advance moves the clock by d.
func (c *fakeClock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

// Waiters returns how many After channels are pending.
func (c *fakeClock) Waiters() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.waiters)
}

// openDB opens a real bbolt database at path, closed when the test ends.
func openDB(t testing.TB, path string) *storage.DB {
	t.Helper()
	db, err := storage.Open(path, storage.Options{})
	if err != nil {
		t.Fatalf("open db: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func newService(t testing.TB, db *storage.DB, clock *fakeClock) *Service {
	return &Service{DB: db, Now: clock.Now, Log: slog.New(slog.DiscardHandler)}
}

// delivery is one call of a recording Deliver func.
type delivery struct {
	Key      string
	Slot, At time.Time
	Settings Settings
}

// recorder records deliveries; err, if set, decides each call's result.
type recorder struct {
	mu    sync.Mutex
	clock *fakeClock
	got   []delivery
	err   func(key string, n int) error
}

func (r *recorder) Deliver(ctx context.Context, key string, s Settings, slot time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, delivery{Key: key, Slot: slot, At: r.clock.Now(), Settings: s})
	if r.err != nil {
		return r.err(key, len(r.got))
	}
	return nil
}

func (r *recorder) list() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]delivery(nil), r.got...)
}

func newDispatcher(svc *Service, rec *recorder, clock *fakeClock) *Dispatcher {
	return &Dispatcher{Service: svc, Deliver: rec.Deliver, After: clock.After, Workers: 1}
}

// dueEntries returns the whole due index.
func dueEntries(t testing.TB, db *storage.DB) []storage.Due {
	t.Helper()
	var out []storage.Due
	if err := db.View(func(tx *storage.Tx) error {
		out = tx.DueBefore(time.Unix(0, 1<<62), 1<<20)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func dbPath(t testing.TB) string { return filepath.Join(t.TempDir(), "tutor.db") }
