package remind

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"tutorbot/storage"
)

// TestCourseEntryBesideReminder keeps a course look and a re-testing
// reminder due at the same instant apart in the due index, and delivers
// both.
func TestCourseEntryBesideReminder(t *testing.T) {
	clock := newFakeClock(time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)) // a Monday
	db := openDB(t, dbPath(t))
	svc := newService(t, db, clock)
	ctx := context.Background()
	next, err := svc.Set(ctx, "k", Settings{Spec: "0 10 * * MON", Kind: Cron, Platform: "test", UserID: "1", ChatID: "1", QuietOff: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(ctx, func(tx *storage.Tx) error {
		_, err := ScheduleCourseIn(tx, "k", next, "test", "1", "1")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if n := len(dueEntries(t, db)); n != 2 {
		t.Fatalf("%d due entries, want 2", n)
	}
	// A later course time does not move an earlier one.
	if err := db.Update(ctx, func(tx *storage.Tx) error {
		wrote, err := ScheduleCourseIn(tx, "k", next.Add(time.Hour), "test", "1", "1")
		if wrote {
			t.Error("a later course time replaced an earlier one")
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{clock: clock}
	d := newDispatcher(svc, rec, clock)
	var mu sync.Mutex
	var looks []time.Time
	fail := true
	d.DeliverCourse = func(ctx context.Context, key string, s Settings, at time.Time) (time.Time, error) {
		mu.Lock()
		defer mu.Unlock()
		looks = append(looks, at)
		if fail {
			fail = false
			return time.Time{}, errors.New("platform down")
		}
		return time.Time{}, nil
	}
	clock.Set(next.Add(time.Second))
	if _, err := d.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if len(rec.list()) != 1 || len(looks) != 1 {
		t.Fatalf("%d reminders and %d course looks, want 1 and 1", len(rec.list()), len(looks))
	}
	// The failed look is retried after RetryMin; then nothing is due.
	clock.Advance(DefaultRetryMin + time.Second)
	if _, err := d.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if len(looks) != 2 {
		t.Fatalf("%d course looks after the retry, want 2", len(looks))
	}
	set, _, _ := svc.Get("k")
	if !set.Course.IsZero() || !set.Active() {
		t.Errorf("after the looks: %+v", set)
	}
	if n := len(dueEntries(t, db)); n != 1 {
		t.Errorf("%d due entries, want the reminder's only", n)
	}
	if d.Stats().CourseLooks != 1 || d.Stats().Failed != 1 {
		t.Errorf("stats %+v", d.Stats())
	}
}
