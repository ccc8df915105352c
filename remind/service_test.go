package remind

import (
	"context"
	"errors"
	"testing"
	"time"

	"tutorbot/storage"
)

func TestServiceSetGetOff(t *testing.T) {
	ctx := context.Background()
	clock := newFakeClock(mustTime(t, "2026-06-01T09:00:00Z")) // a Monday
	db := openDB(t, dbPath(t))
	svc := newService(t, db, clock)

	next, err := svc.Set(ctx, "telegram:1", Settings{Spec: "0 10 * * MON", Platform: "telegram", UserID: "1", ChatID: "1"})
	if err != nil {
		t.Fatal(err)
	}
	if want := mustTime(t, "2026-06-01T10:00:00Z"); !next.Equal(want) {
		t.Fatalf("Set next = %v, want %v", next, want)
	}
	got, ok, err := svc.Get("telegram:1")
	if err != nil || !ok || !got.Active() || got.TZ != "" || !got.Next.Equal(next) || got.Platform != "telegram" {
		t.Fatalf("Get = %+v, %v, %v", got, ok, err)
	}
	// Replacing the schedule leaves one due entry, at the new time.
	next2, err := svc.Set(ctx, "telegram:1", Settings{Spec: "@monthly"})
	if err != nil {
		t.Fatal(err)
	}
	due := dueEntries(t, db)
	if len(due) != 1 || !due[0].At.Equal(next2) || due[0].Key != "telegram:1" {
		t.Fatalf("due index after second Set = %+v, want one entry at %v", due, next2)
	}
	got, _, _ = svc.Get("telegram:1")
	if got.Platform != "telegram" || got.ChatID != "1" {
		t.Errorf("Set without platform lost the stored one: %+v", got)
	}
	if err := svc.Off(ctx, "telegram:1"); err != nil {
		t.Fatal(err)
	}
	if err := svc.Off(ctx, "telegram:1"); err != nil {
		t.Fatalf("second Off: %v", err)
	}
	if err := svc.Off(ctx, "telegram:nobody"); err != nil {
		t.Fatalf("Off without settings: %v", err)
	}
	got, ok, _ = svc.Get("telegram:1")
	if !ok || got.Active() || !got.Next.IsZero() || got.Platform != "telegram" {
		t.Errorf("after Off: %+v, %v", got, ok)
	}
	if due := dueEntries(t, db); len(due) != 0 {
		t.Errorf("due index after Off = %+v", due)
	}
}

func TestServiceSetRefuses(t *testing.T) {
	ctx := context.Background()
	clock := newFakeClock(mustTime(t, "2026-06-01T09:00:00Z"))
	db := openDB(t, dbPath(t))
	svc := newService(t, db, clock)
	tests := []struct {
		name string
		in   Settings
		want error
	}{
		{"empty spec", Settings{}, ErrEmptySchedule},
		{"invalid cron", Settings{Spec: "0 10 * *"}, ErrSyntax},
		{"CRON_TZ", Settings{Spec: "CRON_TZ=UTC"}, ErrZonePrefix},
		{"never fires", Settings{Spec: "0 0 30 2 *"}, ErrNeverFires},
		{"too often", Settings{Spec: "*/30 * * * *"}, ErrTooOften},
		{"unknown zone", Settings{Spec: weeklySpec, TZ: "Europe/Atlantis"}, ErrBadZone},
		{"quiet hour 24", Settings{Spec: weeklySpec, QuietFrom: 24, QuietTo: 8}, ErrBadQuietHours},
		{"negative quiet hour", Settings{Spec: weeklySpec, QuietFrom: 22, QuietTo: -1}, ErrBadQuietHours},
		{"unknown kind", Settings{Spec: weeklySpec, Kind: "hourly"}, ErrBadKind},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := svc.Set(ctx, "k", tt.in); !errors.Is(err, tt.want) {
				t.Fatalf("Set(%+v) = %v, want %v", tt.in, err, tt.want)
			}
		})
	}
	if _, ok, _ := svc.Get("k"); ok {
		t.Error("a refused Set stored settings")
	}
	if due := dueEntries(t, db); len(due) != 0 {
		t.Errorf("a refused Set added due entries: %+v", due)
	}
}

func TestServiceTimezone(t *testing.T) {
	ctx := context.Background()
	clock := newFakeClock(mustTime(t, "2026-06-01T05:00:00Z"))
	db := openDB(t, dbPath(t))
	svc := newService(t, db, clock)

	// The zone set before the reminder is kept by Set.
	if next, err := svc.SetTimezone(ctx, "k", "europe/berlin"); err != nil || !next.IsZero() {
		t.Fatalf("SetTimezone without reminder = %v, %v", next, err)
	}
	next, err := svc.Set(ctx, "k", Settings{Spec: "0 10 * * MON"})
	if err != nil {
		t.Fatal(err)
	}
	if want := mustTime(t, "2026-06-01T08:00:00Z"); !next.Equal(want) { // 10:00 CEST
		t.Fatalf("Set in Berlin = %v, want %v", next, want)
	}
	// Moving to New York moves the pending slot.
	next, err = svc.SetTimezone(ctx, "k", "America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	if want := mustTime(t, "2026-06-01T14:00:00Z"); !next.Equal(want) { // 10:00 EDT
		t.Fatalf("SetTimezone next = %v, want %v", next, want)
	}
	s, _, _ := svc.Get("k")
	if s.TZ != "America/New_York" {
		t.Errorf("stored zone = %q", s.TZ)
	}
	if due := dueEntries(t, db); len(due) != 1 || !due[0].At.Equal(next) {
		t.Errorf("due index = %+v, want one entry at %v", due, next)
	}
	if _, err := svc.SetTimezone(ctx, "k", "Local"); !errors.Is(err, ErrBadZone) {
		t.Errorf("SetTimezone(Local) = %v", err)
	}
	// Quiet hours 9–12 move the 10:00 slot to 12:00.
	next, err = svc.SetQuietHours(ctx, "k", 9, 12)
	if err != nil {
		t.Fatal(err)
	}
	if want := mustTime(t, "2026-06-01T16:00:00Z"); !next.Equal(want) {
		t.Errorf("SetQuietHours next = %v, want %v", next, want)
	}
	if _, err := svc.SetQuietHours(ctx, "k", 9, 25); !errors.Is(err, ErrBadQuietHours) {
		t.Errorf("SetQuietHours(9, 25) = %v", err)
	}
	// Off keeps the zone; a new Set uses it.
	if err := svc.Off(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if s, _, _ := svc.Get("k"); s.TZ != "America/New_York" || s.QuietFrom != 9 {
		t.Errorf("Off lost the zone or quiet hours: %+v", s)
	}
}

func TestServiceSnooze(t *testing.T) {
	ctx := context.Background()
	clock := newFakeClock(mustTime(t, "2026-06-01T12:00:00Z"))
	db := openDB(t, dbPath(t))
	svc := newService(t, db, clock)
	if _, err := svc.Snooze(ctx, "k", 24*time.Hour); !errors.Is(err, ErrNoReminder) {
		t.Fatalf("Snooze without reminder = %v", err)
	}
	if _, err := svc.Set(ctx, "k", Settings{Spec: weeklySpec}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		d    time.Duration
		want string
		err  error
	}{
		{"a day", 24 * time.Hour, "2026-06-02T12:00:00Z", nil},
		{"into quiet hours", 10 * time.Hour, "2026-06-02T08:00:00Z", nil},
		{"zero", 0, "", ErrBadSnooze},
		{"too long", 31 * 24 * time.Hour, "", ErrBadSnooze},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at, err := svc.Snooze(ctx, "k", tt.d)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("Snooze(%v) = %v, want %v", tt.d, err, tt.err)
				}
				return
			}
			if err != nil || !at.Equal(mustTime(t, tt.want)) {
				t.Fatalf("Snooze(%v) = %v, %v; want %s", tt.d, at, err, tt.want)
			}
			s, _, _ := svc.Get("k")
			if !s.Snoozed || !s.Next.Equal(at) {
				t.Errorf("settings after snooze: %+v", s)
			}
			if due := dueEntries(t, db); len(due) != 1 || !due[0].At.Equal(at) {
				t.Errorf("due index = %+v, want one entry at %v", due, at)
			}
		})
	}
}

func TestServiceBiweekly(t *testing.T) {
	ctx := context.Background()
	for _, start := range []string{"2026-06-01T09:00:00Z", "2026-06-08T09:00:00Z", "2026-06-02T09:00:00Z"} {
		t.Run(start, func(t *testing.T) {
			now := mustTime(t, start)
			clock := newFakeClock(now)
			svc := newService(t, openDB(t, dbPath(t)), clock)
			sched := BiweeklyPreset()
			first, err := svc.Set(ctx, "k", Settings{Spec: sched.Spec, Kind: sched.Kind})
			if err != nil {
				t.Fatal(err)
			}
			// The first reminder comes within a week, then every 14 days.
			if d := first.Sub(now); d <= 0 || d > 7*24*time.Hour || first.Weekday() != time.Monday {
				t.Fatalf("first biweekly slot %v is %v after %v", first, d, now)
			}
			s, _, _ := svc.Get("k")
			second, err := NextSlot(s, first)
			if err != nil || second.Sub(first) != 14*24*time.Hour {
				t.Fatalf("second slot = %v, %v; want 14 days after %v", second, err, first)
			}
		})
	}
}

func TestServiceCorruptRecord(t *testing.T) {
	ctx := context.Background()
	clock := newFakeClock(mustTime(t, "2026-06-01T09:00:00Z"))
	db := openDB(t, dbPath(t))
	svc := newService(t, db, clock)
	if err := db.Update(ctx, func(tx *storage.Tx) error { return tx.PutReminder("k", []byte("{not json")) }); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Get("k"); err == nil {
		t.Fatal("Get of a corrupt record: no error")
	}
	if _, err := svc.Set(ctx, "k", Settings{Spec: weeklySpec}); err != nil {
		t.Fatalf("Set over a corrupt record: %v", err)
	}
	if s, ok, err := svc.Get("k"); err != nil || !ok || !s.Active() {
		t.Fatalf("Get after Set = %+v, %v, %v", s, ok, err)
	}
}
