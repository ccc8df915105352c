package remind

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"tutorbot/storage"
)

func TestDispatcherOrdering(t *testing.T) {
	ctx := context.Background()
	clock := newFakeClock(mustTime(t, "2026-06-01T09:00:00Z"))
	db := openDB(t, dbPath(t))
	svc := newService(t, db, clock)
	for key, spec := range map[string]string{"a": "0 12 * * *", "b": "0 10 * * *", "c": "0 11 * * *", "d": "0 15 * * *"} {
		if _, err := svc.Set(ctx, key, Settings{Spec: spec}); err != nil {
			t.Fatal(err)
		}
	}
	rec := &recorder{clock: clock}
	d := newDispatcher(svc, rec, clock)

	clock.Set(mustTime(t, "2026-06-01T13:00:00Z"))
	sent, err := d.RunOnce(ctx)
	if err != nil || sent != 3 {
		t.Fatalf("RunOnce = %d, %v; want 3", sent, err)
	}
	var order []string
	for _, g := range rec.list() {
		order = append(order, g.Key)
	}
	if fmt.Sprint(order) != "[b c a]" {
		t.Errorf("delivery order = %v, want [b c a] (by slot)", order)
	}
	if sent, _ := d.RunOnce(ctx); sent != 0 {
		t.Errorf("second RunOnce sent %d", sent)
	}
	for _, key := range []string{"a", "b", "c"} {
		s, _, _ := svc.Get(key)
		if s.Next.Before(mustTime(t, "2026-06-02T00:00:00Z")) || !s.LastSent.Equal(clock.Now()) {
			t.Errorf("%s after delivery: next %v, last sent %v", key, s.Next, s.LastSent)
		}
	}
	if st := d.Stats(); st.Sent != 3 || st.DueSeen != 3 {
		t.Errorf("stats = %+v", st)
	}
}

// TestDispatcherRestart: a reminder missed while the bot was down is sent
// once at start-up if less than a day late, else skipped to its next slot.
func TestDispatcherRestart(t *testing.T) {
	tests := []struct {
		name     string
		downFor  time.Duration // after the slot
		wantSent int
		wantNext string
	}{
		{"2 hours late: sent once", 2 * time.Hour, 1, "2026-06-02T10:00:00Z"},
		// The next day's slot is a minute later: within the gap, skipped.
		{"23h59m late: sent once", 23*time.Hour + 59*time.Minute, 1, "2026-06-03T10:00:00Z"},
		{"30 hours late: skipped", 30 * time.Hour, 0, "2026-06-03T10:00:00Z"},
		{"3 days late: skipped", 72 * time.Hour, 0, "2026-06-05T10:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			path := dbPath(t)
			clock := newFakeClock(mustTime(t, "2026-06-01T09:00:00Z"))
			db := openDB(t, path)
			slot, err := newService(t, db, clock).Set(ctx, "k", Settings{Spec: "0 10 * * *"})
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}

			clock.Set(slot.Add(tt.downFor))
			db = openDB(t, path)
			svc := newService(t, db, clock)
			rec := &recorder{clock: clock}
			d := newDispatcher(svc, rec, clock)
			for range 3 {
				if _, err := d.RunOnce(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if got := len(rec.list()); got != tt.wantSent {
				t.Fatalf("sent %d reminders, want %d", got, tt.wantSent)
			}
			if tt.wantSent == 1 && !rec.list()[0].Slot.Equal(slot) {
				t.Errorf("sent slot %v, want %v", rec.list()[0].Slot, slot)
			}
			s, _, _ := svc.Get("k")
			if want := mustTime(t, tt.wantNext); !s.Next.Equal(want) {
				t.Errorf("next = %v, want %v", s.Next, want)
			}
			if st := d.Stats(); st.SkippedLate != int64(1-tt.wantSent) {
				t.Errorf("SkippedLate = %d", st.SkippedLate)
			}
		})
	}
}

// TestDispatcherGracefulStop: cancelling Run during a delivery finishes it
// and commits, so the restarted bot does not send it again.
func TestDispatcherGracefulStop(t *testing.T) {
	path := dbPath(t)
	clock := newFakeClock(mustTime(t, "2026-06-01T09:00:00Z"))
	db := openDB(t, path)
	svc := newService(t, db, clock)
	slot, err := svc.Set(context.Background(), "k", Settings{Spec: "0 10 * * *"})
	if err != nil {
		t.Fatal(err)
	}
	clock.Set(slot)

	started, release := make(chan struct{}), make(chan struct{})
	var deliverCtxErr atomic.Value
	d := &Dispatcher{Service: svc, After: clock.After, Deliver: func(ctx context.Context, key string, s Settings, at time.Time) error {
		close(started)
		<-release
		deliverCtxErr.Store(fmt.Sprint(ctx.Err()))
		return nil
	}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	<-started
	cancel()
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("Run = %v", err)
	}
	if got := deliverCtxErr.Load(); got != "<nil>" {
		t.Errorf("the in-flight delivery saw its context end: %v", got)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = openDB(t, path)
	svc = newService(t, db, clock)
	rec := &recorder{clock: clock}
	if sent, err := newDispatcher(svc, rec, clock).RunOnce(context.Background()); err != nil || sent != 0 {
		t.Fatalf("after restart RunOnce = %d, %v; want nothing sent", sent, err)
	}
	if s, _, _ := svc.Get("k"); !s.Next.Equal(slot.Add(24 * time.Hour)) {
		t.Errorf("next = %v, want %v", s.Next, slot.Add(24*time.Hour))
	}
}

// TestDispatcherCrash: the store fails after a delivery (as if the process
// died before its commit): the reminder is sent once more, never lost.
func TestDispatcherCrash(t *testing.T) {
	ctx := context.Background()
	path := dbPath(t)
	clock := newFakeClock(mustTime(t, "2026-06-01T09:00:00Z"))
	db := openDB(t, path)
	svc := newService(t, db, clock)
	slot, err := svc.Set(ctx, "k", Settings{Spec: "0 10 * * *"})
	if err != nil {
		t.Fatal(err)
	}
	clock.Set(slot.Add(time.Minute))
	sends := 0
	crash := &Dispatcher{Service: svc, Deliver: func(ctx context.Context, key string, s Settings, at time.Time) error {
		sends++
		return db.Close() // the commit after this delivery fails
	}}
	if _, err := crash.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if crash.Stats().Errors != 1 {
		t.Fatalf("the commit did not fail: %+v", crash.Stats())
	}

	db = openDB(t, path)
	svc = newService(t, db, clock)
	rec := &recorder{clock: clock}
	d := newDispatcher(svc, rec, clock)
	for range 2 {
		if _, err := d.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if sends != 1 || len(rec.list()) != 1 {
		t.Fatalf("sends before crash %d, after %d; want 1 and 1 (one duplicate)", sends, len(rec.list()))
	}
}

func TestDispatcherDST(t *testing.T) {
	tests := []struct {
		name, tz, spec string
		setAt          string
		from, to       string
		want           []string
	}{
		{"New York spring-forward 02:30 -> 03:00 EDT", "America/New_York", "30 2 * * *", "2026-03-07T17:00:00Z",
			"2026-03-08T05:00:00Z", "2026-03-08T10:00:00Z", []string{"2026-03-08T07:00:00Z"}},
		{"Berlin spring-forward 02:30 -> 03:00 CEST", "Europe/Berlin", "30 2 * * *", "2026-03-28T12:00:00Z",
			"2026-03-28T23:00:00Z", "2026-03-29T04:00:00Z", []string{"2026-03-29T01:00:00Z"}},
		{"New York fall-back 01:30 once", "America/New_York", "30 1 * * *", "2026-10-31T16:00:00Z",
			"2026-11-01T04:00:00Z", "2026-11-01T09:00:00Z", []string{"2026-11-01T05:30:00Z"}},
		{"Berlin fall-back 02:30 once", "Europe/Berlin", "30 2 * * *", "2026-10-24T12:00:00Z",
			"2026-10-24T23:00:00Z", "2026-10-25T04:00:00Z", []string{"2026-10-25T00:30:00Z"}},
		{"New York fall-back hourly: 01:00 once", "America/New_York", "0 * * * *", "2026-11-01T04:30:00Z",
			"2026-11-01T04:30:00Z", "2026-11-01T07:30:00Z", []string{"2026-11-01T05:00:00Z", "2026-11-01T07:00:00Z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			clock := newFakeClock(mustTime(t, tt.setAt))
			svc := newService(t, openDB(t, dbPath(t)), clock)
			if _, err := svc.Set(ctx, "k", Settings{Spec: tt.spec, TZ: tt.tz, QuietOff: true}); err != nil {
				t.Fatal(err)
			}
			rec := &recorder{clock: clock}
			d := newDispatcher(svc, rec, clock)
			// Step through the night in 10-minute ticks.
			for now := mustTime(t, tt.from); !now.After(mustTime(t, tt.to)); now = now.Add(10 * time.Minute) {
				clock.Set(now)
				if _, err := d.RunOnce(ctx); err != nil {
					t.Fatal(err)
				}
			}
			got := rec.list()
			if len(got) != len(tt.want) {
				t.Fatalf("sent %d reminders (%+v), want %d", len(got), got, len(tt.want))
			}
			for i, w := range tt.want {
				if want := mustTime(t, w); !got[i].At.Equal(want) || !got[i].Slot.Equal(want) {
					t.Errorf("reminder %d sent at %v for slot %v, want %v", i, got[i].At, got[i].Slot, want)
				}
			}
		})
	}
}

func TestDispatcherQuietHours(t *testing.T) {
	ctx := context.Background()
	clock := newFakeClock(mustTime(t, "2026-06-01T10:00:00Z"))
	svc := newService(t, openDB(t, dbPath(t)), clock)
	// 23:00 Berlin is in the default quiet hours 22–8.
	if _, err := svc.Set(ctx, "k", Settings{Spec: "0 23 * * *", TZ: "Europe/Berlin"}); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{clock: clock}
	d := newDispatcher(svc, rec, clock)
	for range 48 {
		clock.Advance(30 * time.Minute)
		if _, err := d.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}
	got := rec.list()
	if len(got) != 1 || !got[0].At.Equal(mustTime(t, "2026-06-02T06:00:00Z")) {
		t.Fatalf("deliveries %+v, want one at 08:00 Berlin (06:00 UTC) on 2 June", got)
	}
}

func TestDispatcherSnooze(t *testing.T) {
	ctx := context.Background()
	clock := newFakeClock(mustTime(t, "2026-06-01T09:00:00Z"))
	svc := newService(t, openDB(t, dbPath(t)), clock)
	slot, err := svc.Set(ctx, "k", Settings{Spec: "0 10 * * MON"})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{clock: clock}
	d := newDispatcher(svc, rec, clock)
	clock.Set(slot)
	if sent, _ := d.RunOnce(ctx); sent != 1 {
		t.Fatalf("slot not sent")
	}
	// "Snooze a day" on the reminder just sent.
	at, err := svc.Snooze(ctx, "k", 24*time.Hour)
	if err != nil || !at.Equal(slot.Add(24*time.Hour)) {
		t.Fatalf("Snooze = %v, %v", at, err)
	}
	clock.Set(at.Add(-time.Minute))
	if sent, _ := d.RunOnce(ctx); sent != 0 {
		t.Fatalf("snoozed reminder sent early")
	}
	clock.Set(at)
	if sent, _ := d.RunOnce(ctx); sent != 1 {
		t.Fatalf("snoozed reminder not sent")
	}
	got := rec.list()
	if !got[1].Settings.Snoozed || !got[1].Slot.Equal(at) {
		t.Errorf("snoozed delivery = %+v", got[1])
	}
	// Then the schedule resumes: next Monday.
	s, _, _ := svc.Get("k")
	if want := slot.Add(7 * 24 * time.Hour); !s.Next.Equal(want) || s.Snoozed {
		t.Errorf("after snooze: next %v snoozed %v, want %v", s.Next, s.Snoozed, want)
	}
}

func TestDispatcherOff(t *testing.T) {
	ctx := context.Background()
	clock := newFakeClock(mustTime(t, "2026-06-01T09:00:00Z"))
	db := openDB(t, dbPath(t))
	svc := newService(t, db, clock)
	slot, err := svc.Set(ctx, "k", Settings{Spec: "0 10 * * *"})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Off(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{clock: clock}
	clock.Set(slot.Add(time.Hour))
	if sent, err := newDispatcher(svc, rec, clock).RunOnce(ctx); sent != 0 || err != nil {
		t.Fatalf("RunOnce after Off = %d, %v", sent, err)
	}
	if due := dueEntries(t, db); len(due) != 0 {
		t.Errorf("due index = %+v", due)
	}
}

func TestDispatcherStale(t *testing.T) {
	ctx := context.Background()
	clock := newFakeClock(mustTime(t, "2026-06-01T09:00:00Z"))
	db := openDB(t, dbPath(t))
	svc := newService(t, db, clock)
	slot, err := svc.Set(ctx, "k", Settings{Spec: "0 10 * * *"})
	if err != nil {
		t.Fatal(err)
	}
	// Entries whose settings are gone or moved elsewhere, and a corrupt one.
	err = db.Update(ctx, func(tx *storage.Tx) error {
		return errors.Join(
			tx.AddDue(slot.Add(-time.Hour), "gone"),
			tx.AddDue(slot.Add(-time.Minute), "k"),
			tx.AddDue(slot.Add(-time.Minute), "corrupt"),
			tx.PutReminder("corrupt", []byte("\x00")),
		)
	})
	if err != nil {
		t.Fatal(err)
	}
	clock.Set(slot)
	rec := &recorder{clock: clock}
	d := newDispatcher(svc, rec, clock)
	d.Workers = 4
	if _, err := d.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if got := rec.list(); len(got) != 1 || got[0].Key != "k" || !got[0].Slot.Equal(slot) {
		t.Fatalf("deliveries = %+v, want only k at %v", got, slot)
	}
	if st := d.Stats(); st.Stale != 3 || st.Sent != 1 {
		t.Errorf("stats = %+v, want 3 stale, 1 sent", st)
	}
	due := dueEntries(t, db)
	if len(due) != 1 || due[0].Key != "k" || !due[0].At.Equal(slot.Add(24*time.Hour)) {
		t.Errorf("due index = %+v", due)
	}
}

func TestDispatcherRetry(t *testing.T) {
	ctx := context.Background()
	clock := newFakeClock(mustTime(t, "2026-06-01T09:00:00Z"))
	db := openDB(t, dbPath(t))
	svc := newService(t, db, clock)
	slot, err := svc.Set(ctx, "k", Settings{Spec: "0 10 * * *"})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{clock: clock, err: func(key string, n int) error {
		if n <= 2 {
			return errors.New("connection reset")
		}
		return nil
	}}
	d := newDispatcher(svc, rec, clock)
	steps := []struct {
		at       time.Time
		calls    int
		wantNext time.Time
	}{
		{slot, 1, slot.Add(time.Minute)},                           // fails: retry in 1 min
		{slot.Add(30 * time.Second), 1, slot.Add(time.Minute)},     // no spin before the retry
		{slot.Add(time.Minute), 2, slot.Add(3 * time.Minute)},      // fails again: 2 min
		{slot.Add(3 * time.Minute), 3, slot.Add(24 * time.Hour)},   // succeeds
		{slot.Add(3*time.Minute + 1), 3, slot.Add(24 * time.Hour)}, // done
	}
	for i, st := range steps {
		clock.Set(st.at)
		if _, err := d.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		s, _, _ := svc.Get("k")
		if n := len(rec.list()); n != st.calls || !s.Next.Equal(st.wantNext) {
			t.Fatalf("step %d: %d calls, next %v; want %d, %v", i, n, s.Next, st.calls, st.wantNext)
		}
	}
	if st := d.Stats(); st.Failed != 2 || st.Sent != 1 {
		t.Errorf("stats = %+v", st)
	}
	if s, _, _ := svc.Get("k"); s.Attempts != 0 {
		t.Errorf("attempts not reset: %d", s.Attempts)
	}
}

// TestDispatcherRetryGivesUp: a reminder that keeps failing is dropped
// after the grace period, onto its next slot.
func TestDispatcherRetryGivesUp(t *testing.T) {
	ctx := context.Background()
	clock := newFakeClock(mustTime(t, "2026-06-01T09:00:00Z"))
	svc := newService(t, openDB(t, dbPath(t)), clock)
	slot, err := svc.Set(ctx, "k", Settings{Spec: "0 10 * * MON"})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{clock: clock, err: func(string, int) error { return errors.New("timeout") }}
	d := newDispatcher(svc, rec, clock)
	for now := slot; now.Before(slot.Add(26 * time.Hour)); now = now.Add(time.Minute) {
		clock.Set(now)
		if _, err := d.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}
	calls := len(rec.list())
	if calls < 10 || calls > 40 {
		t.Errorf("%d attempts in 26 hours, want backoff up to an hour", calls)
	}
	s, _, _ := svc.Get("k")
	if want := slot.Add(7 * 24 * time.Hour); !s.Next.Equal(want) {
		t.Errorf("next = %v, want the next slot %v", s.Next, want)
	}
}

func TestDispatcherPermanent(t *testing.T) {
	errBlocked := errors.New("blocked by the user")
	tests := []struct {
		name string
		err  error
	}{
		{"ErrSkip wrapped", fmt.Errorf("send to telegram: %w", ErrSkip)},
		{"IsPermanent", fmt.Errorf("send: %w", errBlocked)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			clock := newFakeClock(mustTime(t, "2026-06-01T09:00:00Z"))
			svc := newService(t, openDB(t, dbPath(t)), clock)
			slot, err := svc.Set(ctx, "k", Settings{Spec: "0 10 * * *"})
			if err != nil {
				t.Fatal(err)
			}
			rec := &recorder{clock: clock, err: func(string, int) error { return tt.err }}
			d := newDispatcher(svc, rec, clock)
			d.IsPermanent = func(err error) bool { return errors.Is(err, errBlocked) }
			clock.Set(slot)
			for range 2 {
				if _, err := d.RunOnce(ctx); err != nil {
					t.Fatal(err)
				}
			}
			s, _, _ := svc.Get("k")
			if len(rec.list()) != 1 || !s.Next.Equal(slot.Add(24*time.Hour)) || !s.LastSent.IsZero() {
				t.Errorf("%d calls, next %v, last sent %v", len(rec.list()), s.Next, s.LastSent)
			}
			if st := d.Stats(); st.Skipped != 1 || st.Failed != 0 {
				t.Errorf("stats = %+v", st)
			}
		})
	}
}

// TestDispatcherConcurrency: deliveries run in parallel up to Workers, each
// learner once.
func TestDispatcherConcurrency(t *testing.T) {
	ctx := context.Background()
	clock := newFakeClock(mustTime(t, "2026-06-01T09:00:00Z"))
	db := openDB(t, dbPath(t))
	svc := newService(t, db, clock)
	const learners = 40
	var slot time.Time
	for i := range learners {
		var err error
		if slot, err = svc.Set(ctx, fmt.Sprintf("k%02d", i), Settings{Spec: "0 10 * * *"}); err != nil {
			t.Fatal(err)
		}
	}
	var (
		mu            sync.Mutex
		active, peak  int
		perKey        = map[string]int{}
		activePerKey  = map[string]int{}
		doubleDeliver bool
	)
	d := &Dispatcher{Service: svc, Workers: 4, Deliver: func(ctx context.Context, key string, s Settings, at time.Time) error {
		mu.Lock()
		active++
		peak = max(peak, active)
		perKey[key]++
		activePerKey[key]++
		doubleDeliver = doubleDeliver || activePerKey[key] > 1
		mu.Unlock()
		time.Sleep(time.Millisecond) // let deliveries overlap
		mu.Lock()
		active--
		activePerKey[key]--
		mu.Unlock()
		return nil
	}}
	clock.Set(slot)
	sent, err := d.RunOnce(ctx)
	if err != nil || sent != learners {
		t.Fatalf("RunOnce = %d, %v", sent, err)
	}
	if peak > 4 || doubleDeliver {
		t.Errorf("peak concurrency %d (max 4), a learner twice at once: %v", peak, doubleDeliver)
	}
	for key, n := range perKey {
		if n != 1 {
			t.Errorf("%s delivered %d times", key, n)
		}
	}
}

// TestDispatcherRun: more due entries than Batch are all sent by Run
// without waiting for a tick between batches.
func TestDispatcherRun(t *testing.T) {
	clock := newFakeClock(mustTime(t, "2026-06-01T09:00:00Z"))
	db := openDB(t, dbPath(t))
	svc := newService(t, db, clock)
	var slot time.Time
	for i := range 25 {
		var err error
		if slot, err = svc.Set(context.Background(), fmt.Sprintf("k%02d", i), Settings{Spec: "0 10 * * *"}); err != nil {
			t.Fatal(err)
		}
	}
	delivered := make(chan string, 100)
	d := &Dispatcher{Service: svc, After: clock.After, Batch: 10, Workers: 3, Deliver: func(ctx context.Context, key string, s Settings, at time.Time) error {
		delivered <- key
		return nil
	}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()

	waitFor(t, func() bool { return clock.Waiters() == 1 }) // Run sleeps until the next tick
	if len(delivered) != 0 {
		t.Fatal("delivered before the slot")
	}
	clock.Set(slot) // wakes Run
	seen := map[string]bool{}
	for len(seen) < 25 {
		select {
		case k := <-delivered:
			if seen[k] {
				t.Fatalf("%s delivered twice", k)
			}
			seen[k] = true
		case <-time.After(5 * time.Second):
			t.Fatalf("only %d of 25 delivered", len(seen))
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v", err)
	}
	if st := d.Stats(); st.Sent != 25 {
		t.Errorf("stats = %+v", st)
	}
}

func TestDispatcherNeedsDeliver(t *testing.T) {
	svc := newService(t, openDB(t, dbPath(t)), newFakeClock(time.Now()))
	for _, d := range []*Dispatcher{{}, {Service: svc}} {
		if err := d.Run(context.Background()); err == nil {
			t.Errorf("Run(%+v) = nil, want an error", d)
		}
		if _, err := d.RunOnce(context.Background()); err == nil {
			t.Errorf("RunOnce(%+v) = nil, want an error", d)
		}
	}
}

// waitFor polls cond (for goroutine hand-offs, not for schedules).
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(time.Millisecond)
	}
}
