// Package remind owns the re-testing reminders below the chat: schedules
// (cron expressions and presets, parsed with robfig/cron), learners' reminder
// settings (time zone, quiet hours), the due index in storage, and the
// Dispatcher that delivers what is due.
//
// One learner has at most one pending reminder: its Settings.Next and one
// entry in the due index, both written in the same transaction. The
// dispatcher delivers, then commits the next slot, so a crash between the two
// repeats at most one reminder and never loses one.
package remind

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"tutorbot/storage"
)

// MaxSnooze is the longest snooze accepted.
const MaxSnooze = 30 * 24 * time.Hour

// DefaultMinGap is the shortest time between two reminders to one learner.
const DefaultMinGap = time.Hour

// gapSlack is how far short of the gap a scheduled slot may fall and still
// be kept (sent that much later, when the gap is over) rather than skipped:
// deliveries land a moment after their slot, so an hourly schedule would
// otherwise lose every other reminder.
const gapSlack = time.Minute

// Service reads and changes learners' reminder settings. Every change is one
// storage transaction that keeps Settings.Next and the due index in step.
type Service struct {
	// DB is the tutor's database.
	DB *storage.DB
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Log receives diagnostics (default: discarded).
	Log *slog.Logger
	// MinGap is the shortest time between two reminders to one learner
	// (default DefaultMinGap; at least MinInterval). Whatever the schedule,
	// its changes, time-zone changes and DST, the dispatcher never sends a
	// reminder sooner than MinGap after the learner's last one (LastSent);
	// Set refuses schedules that fire more often.
	MinGap time.Duration
}

func (s *Service) minGap() time.Duration {
	return max(s.MinGap, MinInterval)
}

// notBefore is the instant the next slot of set is computed from: now, or
// later while the last reminder is less than the gap ago (a slot within
// gapSlack of the gap is kept and sent when the gap is over).
func (s *Service) notBefore(set Settings, now time.Time) time.Time {
	if set.LastSent.IsZero() {
		return now
	}
	if t := set.LastSent.Add(s.minGap() - gapSlack); t.After(now) {
		return t
	}
	return now
}

// nextSlot returns the first slot of set after after that is not before
// s.notBefore(set, now). It steps from slot to slot rather than starting
// from the later instant, so a slot that fall-back repeats stays fired once.
func (s *Service) nextSlot(set Settings, after, now time.Time) (time.Time, error) {
	floor := s.notBefore(set, now)
	t, err := NextSlot(set, after)
	for i := 0; err == nil && t.Before(floor); i++ {
		if i == 100000 {
			return time.Time{}, fmt.Errorf("next slot of %q: no slot found after the gap", set.Spec)
		}
		t, err = NextSlot(set, t)
	}
	return t, err
}

// gapOver is the earliest instant the next reminder of set may be sent.
func (s *Service) gapOver(set Settings) time.Time {
	if set.LastSent.IsZero() {
		return time.Time{}
	}
	return set.LastSent.Add(s.minGap())
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.New(slog.DiscardHandler)
}

// Get returns the settings stored under key; ok is false if there are none.
func (s *Service) Get(key string) (set Settings, ok bool, err error) {
	var rec []byte
	if err := s.DB.View(func(tx *storage.Tx) error {
		rec = tx.Reminder(key)
		return nil
	}); err != nil {
		return Settings{}, false, fmt.Errorf("read reminder of %q: %w", key, err)
	}
	if rec == nil {
		return Settings{}, false, nil
	}
	set, err = decodeSettings(rec)
	if err != nil {
		return Settings{}, false, fmt.Errorf("read reminder of %q: %w", key, err)
	}
	return set, true, nil
}

// get reads settings inside a transaction.
func get(tx *storage.Tx, key string) (Settings, bool, error) {
	rec := tx.Reminder(key)
	if rec == nil {
		return Settings{}, false, nil
	}
	set, err := decodeSettings(rec)
	if err != nil {
		return Settings{}, false, fmt.Errorf("read reminder of %q: %w", key, err)
	}
	return set, true, nil
}

// put writes settings and moves the due entry from old.Next to set.Next.
func put(tx *storage.Tx, key string, old, set Settings) error {
	if !set.Course.IsZero() && set.Course.Equal(set.Next) {
		set.Course = set.Course.Add(courseGap)
	}
	for _, at := range []time.Time{old.Next, old.Course} {
		if !at.IsZero() {
			if err := tx.RemoveDue(at, key); err != nil {
				return err
			}
		}
	}
	rec, err := encodeSettings(set)
	if err != nil {
		return err
	}
	if err := tx.PutReminder(key, rec); err != nil {
		return err
	}
	for _, at := range []time.Time{set.Next, set.Course} {
		if !at.IsZero() {
			if err := tx.AddDue(at, key); err != nil {
				return err
			}
		}
	}
	return nil
}

// Set switches on (or replaces) the reminder of key with the schedule, zone
// and quiet hours of in, and returns the first time it will fire. Fields of
// in left empty keep their stored values: TZ (or DefaultZone), quiet hours
// (both zero and QuietOff false), Platform, UserID and ChatID. Bad input
// comes back as an *InputError.
func (s *Service) Set(ctx context.Context, key string, in Settings) (time.Time, error) {
	sched, err := ScheduleOf(in.Kind, in.Spec)
	if err != nil {
		return time.Time{}, err
	}
	if err := sched.checkGap(s.minGap()); err != nil {
		return time.Time{}, err
	}
	in.Spec, in.Kind = sched.Spec, sched.Kind
	if in.TZ != "" {
		loc, err := LoadLocation(in.TZ)
		if err != nil {
			return time.Time{}, err
		}
		in.TZ = loc.String()
	}
	if err := in.validate(); err != nil {
		return time.Time{}, err
	}
	now := s.now()
	var next time.Time
	err = s.DB.Update(ctx, func(tx *storage.Tx) error {
		old, _, err := get(tx, key)
		if err != nil {
			// A record we cannot read is replaced, its due entry dropped
			// by the dispatcher as stale.
			old = Settings{}
		}
		set := in
		if set.TZ == "" {
			set.TZ = old.TZ
		}
		if set.QuietFrom == 0 && set.QuietTo == 0 && !set.QuietOff {
			set.QuietFrom, set.QuietTo, set.QuietOff = old.QuietFrom, old.QuietTo, old.QuietOff
		}
		set.Platform = firstOf(set.Platform, old.Platform)
		set.UserID = firstOf(set.UserID, old.UserID)
		set.ChatID = firstOf(set.ChatID, old.ChatID)
		set.LastSent = old.LastSent
		set.Course, set.CourseOff, set.NudgesOff, set.AnnouncementsOff = old.Course, old.CourseOff, old.NudgesOff, old.AnnouncementsOff
		set.Snoozed, set.Attempts = false, 0
		set.Parity = 0
		if set.Kind == Biweekly {
			// The first weekly slot after now decides which weeks fire.
			loc, err := set.Location()
			if err != nil {
				return err
			}
			if first := sched.sched.Next(wallOf(now, loc)); !first.IsZero() {
				set.Parity = int(weekIndex(first) & 1)
			}
		}
		next, err = s.nextSlot(set, now, now)
		if err != nil {
			return err
		}
		set.Next, set.Slot = next, next
		return put(tx, key, old, set)
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("set reminder of %q: %w", key, err)
	}
	return next, nil
}

// firstOf returns a if it is not empty, else b.
func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Off switches the reminder of key off, keeping its zone and quiet hours.
// Switching off a reminder that is not on is not an error.
func (s *Service) Off(ctx context.Context, key string) error {
	err := s.DB.Update(ctx, func(tx *storage.Tx) error {
		old, ok, err := get(tx, key)
		if err != nil {
			// Unreadable: delete it; any due entry goes as stale.
			return tx.DeleteReminder(key)
		}
		if !ok || !old.Active() {
			return nil
		}
		set := old
		set.Spec, set.Kind, set.Parity = "", "", 0
		set.Next, set.Slot, set.Snoozed, set.Attempts = time.Time{}, time.Time{}, false, 0
		return put(tx, key, old, set)
	})
	if err != nil {
		return fmt.Errorf("switch off reminder of %q: %w", key, err)
	}
	return nil
}

// Snooze moves the pending reminder of key to now+d (moved out of quiet
// hours) and returns the new time. After it fires, the schedule resumes.
func (s *Service) Snooze(ctx context.Context, key string, d time.Duration) (time.Time, error) {
	if d <= 0 || d > MaxSnooze {
		return time.Time{}, inputErr(ErrBadSnooze, "A snooze lasts from a minute to 30 days.")
	}
	now := s.now()
	var at time.Time
	err := s.DB.Update(ctx, func(tx *storage.Tx) error {
		old, ok, err := get(tx, key)
		if err != nil {
			return err
		}
		if !ok || !old.Active() {
			return inputErr(ErrNoReminder, "You have no reminder to snooze. Set one with /remind.")
		}
		at, err = quietInstant(old, later(now.Add(d), s.gapOver(old)))
		if err != nil {
			return err
		}
		set := old
		set.Next, set.Slot, set.Snoozed, set.Attempts = at, at, true, 0
		return put(tx, key, old, set)
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("snooze reminder of %q: %w", key, err)
	}
	return at, nil
}

// SetTimezone stores the learner's time zone (validated with LoadLocation)
// and, if a reminder is on and not snoozed, moves it to its next slot in the
// new zone. It returns the pending reminder time (zero when off).
func (s *Service) SetTimezone(ctx context.Context, key, tz string) (time.Time, error) {
	loc, err := LoadLocation(tz)
	if err != nil {
		return time.Time{}, err
	}
	return s.modify(ctx, key, "set time zone", func(set *Settings) { set.TZ = loc.String() })
}

// SetQuietHours stores the learner's quiet hours (0–23; from == to switches
// them off) and, if a reminder is on and not snoozed, recomputes its next
// slot. It returns the pending reminder time (zero when off).
func (s *Service) SetQuietHours(ctx context.Context, key string, from, to int) (time.Time, error) {
	if from < 0 || from > 23 || to < 0 || to > 23 {
		return time.Time{}, inputErr(ErrBadQuietHours, "Quiet hours are whole hours from 0 to 23, e.g. 22 to 8.")
	}
	return s.modify(ctx, key, "set quiet hours", func(set *Settings) {
		set.QuietFrom, set.QuietTo, set.QuietOff = from, to, from == to
	})
}

// modify changes the zone or quiet hours of key and reschedules.
func (s *Service) modify(ctx context.Context, key, what string, change func(*Settings)) (time.Time, error) {
	now := s.now()
	var next time.Time
	err := s.DB.Update(ctx, func(tx *storage.Tx) error {
		old, _, err := get(tx, key)
		if err != nil {
			old = Settings{}
		}
		set := old
		change(&set)
		next = set.Next
		if set.Active() && !set.Snoozed {
			next, err = s.nextSlot(set, now, now)
			if err != nil {
				return err
			}
			set.Next, set.Slot, set.Attempts = next, next, 0
		}
		return put(tx, key, old, set)
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("%s of %q: %w", what, key, err)
	}
	return next, nil
}

// later returns the later of a and b.
func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// Lookup returns the settings stored under key inside a transaction the
// caller already holds (the engine reads a learner's time zone this way).
func Lookup(tx *storage.Tx, key string) (Settings, bool, error) { return get(tx, key) }
