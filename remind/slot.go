package remind

import (
	"encoding/json"
	"fmt"
	"time"
)

// Default quiet hours, in the learner's zone: no reminder from 22:00 to 08:00.
const (
	DefaultQuietFrom = 22
	DefaultQuietTo   = 8
)

// Settings is everything stored about one learner's reminders, under the
// learner's key in the reminders bucket. A record with an empty Spec holds a
// learner's zone and quiet hours without an active reminder.
type Settings struct {
	// Spec and Kind are the schedule (see ScheduleOf); Spec "" means off.
	Spec string `json:"spec,omitempty"`
	Kind Kind   `json:"kind,omitempty"`
	// Parity picks the weeks of a Biweekly schedule (0 or 1); Service.Set
	// fills it in.
	Parity int `json:"parity,omitempty"`
	// TZ is the IANA zone the schedule and quiet hours are read in;
	// "" means DefaultZone.
	TZ string `json:"tz,omitempty"`
	// QuietFrom and QuietTo are the quiet hours (0–23) in the learner's
	// zone: a slot at or after QuietFrom and before QuietTo moves to QuietTo
	// o'clock. Both zero means the defaults 22 and 8; equal non-zero values
	// or QuietOff switch quiet hours off.
	QuietFrom int  `json:"quiet_from,omitempty"`
	QuietTo   int  `json:"quiet_to,omitempty"`
	QuietOff  bool `json:"quiet_off,omitempty"`
	// Where to deliver: the learner's platform, user and chat.
	Platform string `json:"platform,omitempty"`
	UserID   string `json:"user,omitempty"`
	ChatID   string `json:"chat,omitempty"`
	// Next is when the pending reminder is due (UTC); it equals the time of
	// the learner's one entry in the due index. Zero when off.
	Next time.Time `json:"next,omitzero"`
	// Slot is the scheduled slot the pending reminder belongs to; Next is
	// later after a failed delivery (retry). The 24-hour grace rule is
	// measured from Slot.
	Slot time.Time `json:"slot,omitzero"`
	// Snoozed is set while the pending reminder is a snoozed one.
	Snoozed bool `json:"snoozed,omitempty"`
	// Attempts counts failed deliveries of the pending reminder.
	Attempts int `json:"attempts,omitempty"`
	// Course is when the learner's next course message (a lesson that
	// opens, a nudge) is looked at; it has its own due entry. Zero: none.
	Course time.Time `json:"course,omitzero"`
	// CourseOff switches course messages off; NudgesOff only nudges.
	CourseOff bool `json:"course_off,omitempty"`
	NudgesOff bool `json:"nudges_off,omitempty"`
	// AnnouncementsOff keeps the course's announcements away.
	AnnouncementsOff bool `json:"announcements_off,omitempty"`
	// LastSent is when a reminder was last delivered.
	LastSent time.Time `json:"last_sent,omitzero"`
}

// Active reports whether the learner has a reminder switched on.
func (s Settings) Active() bool { return s.Spec != "" }

// Schedule returns the parsed schedule of s.
func (s Settings) Schedule() (Schedule, error) { return ScheduleOf(s.Kind, s.Spec) }

// Location returns the learner's zone (DefaultZone when unset).
func (s Settings) Location() (*time.Location, error) {
	if s.TZ == "" {
		return time.UTC, nil
	}
	return LoadLocation(s.TZ)
}

// Quiet returns the effective quiet hours; on is false when they are off.
func (s Settings) Quiet() (from, to int, on bool) {
	if s.QuietOff {
		return 0, 0, false
	}
	if s.QuietFrom == 0 && s.QuietTo == 0 {
		return DefaultQuietFrom, DefaultQuietTo, true
	}
	if s.QuietFrom == s.QuietTo {
		return 0, 0, false
	}
	return s.QuietFrom, s.QuietTo, true
}

// validate checks the parts of s a learner can get wrong.
func (s Settings) validate() error {
	if s.QuietFrom < 0 || s.QuietFrom > 23 || s.QuietTo < 0 || s.QuietTo > 23 {
		return inputErr(ErrBadQuietHours, "Quiet hours are whole hours from 0 to 23, e.g. 22 to 8.")
	}
	if _, err := s.Location(); err != nil {
		return err
	}
	if s.Active() {
		if _, err := s.Schedule(); err != nil {
			return err
		}
	}
	return nil
}

func encodeSettings(s Settings) ([]byte, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("encode reminder settings: %w", err)
	}
	return b, nil
}

func decodeSettings(b []byte) (Settings, error) {
	var s Settings
	if err := json.Unmarshal(b, &s); err != nil {
		return Settings{}, fmt.Errorf("decode reminder settings: %w", err)
	}
	return s, nil
}

// NextSlot returns the first reminder time of s strictly after after, in UTC.
// The schedule is read in the learner's zone, on the wall clock:
//   - a slot that spring-forward skips (02:30 on the night the clocks jump
//     from 02:00 to 03:00) fires at the first instant after the gap (03:00);
//   - a slot that fall-back repeats fires once, at its first occurrence
//     (or at the second, if after lies between the two); wall-clock slots
//     are counted from after's own wall-clock time, so a slot fired at the
//     first 01:30 is not fired again at the second;
//   - a slot in quiet hours moves to the end of quiet hours (QuietTo:00 the
//     same or the next day); slots that move to the same instant fire once.
func NextSlot(s Settings, after time.Time) (time.Time, error) {
	sched, err := s.Schedule()
	if err != nil {
		return time.Time{}, fmt.Errorf("next slot: %w", err)
	}
	loc, err := s.Location()
	if err != nil {
		return time.Time{}, fmt.Errorf("next slot: %w", err)
	}
	w := wallOf(after, loc)
	for range 10000 {
		w = sched.nextWall(w, s.Parity)
		if w.IsZero() {
			return time.Time{}, fmt.Errorf("next slot of %q: %w", s.Spec, ErrNeverFires)
		}
		if t, ok := instantOf(quietShift(s, w), loc, after); ok {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("next slot of %q: no slot found", s.Spec)
}

// QuietEnd returns t, or the end of the learner's quiet hours when t
// falls inside them (in the learner's zone).
func QuietEnd(s Settings, t time.Time) time.Time {
	q, err := quietInstant(s, t)
	if err != nil {
		return t
	}
	return q
}

// quietInstant moves the instant t out of the quiet hours of s.
func quietInstant(s Settings, t time.Time) (time.Time, error) {
	loc, err := s.Location()
	if err != nil {
		return time.Time{}, err
	}
	w := wallOf(t, loc)
	q := quietShift(s, w)
	if q.Equal(w) {
		return t.UTC(), nil
	}
	if r, ok := instantOf(q, loc, t); ok {
		return r.UTC(), nil
	}
	return t.UTC(), nil
}

// quietShift moves the wall-clock time w to the end of the quiet hours of s
// if it falls inside them.
func quietShift(s Settings, w time.Time) time.Time {
	from, to, on := s.Quiet()
	if !on {
		return w
	}
	h := w.Hour()
	var quiet bool
	if from < to {
		quiet = h >= from && h < to
	} else {
		quiet = h >= from || h < to
	}
	if !quiet {
		return w
	}
	end := time.Date(w.Year(), w.Month(), w.Day(), to, 0, 0, 0, time.UTC)
	if h >= to { // the evening part of a window that wraps midnight
		end = end.AddDate(0, 0, 1)
	}
	return end
}

// wallOf returns the wall-clock reading of t in loc, written as a UTC time.
func wallOf(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), l.Nanosecond(), time.UTC)
}

// instantOf returns the earliest instant after after whose wall-clock
// reading in loc is w. If w falls in a spring-forward gap, it is the first
// instant after the gap. ok is false when every such instant is not after
// after (the slot has passed).
func instantOf(w time.Time, loc *time.Location, after time.Time) (time.Time, bool) {
	t := time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), loc)
	start, end := t.ZoneBounds()
	_, off := t.Zone()
	offsets := []int{off}
	if !start.IsZero() {
		_, o := start.Add(-time.Nanosecond).Zone()
		offsets = append(offsets, o)
	}
	if !end.IsZero() {
		_, o := end.Zone()
		offsets = append(offsets, o)
	}
	var best time.Time
	valid := false
	for _, o := range offsets {
		c := time.Unix(w.Unix()-int64(o), int64(w.Nanosecond())).In(loc)
		if !wallOf(c, loc).Equal(w) {
			continue
		}
		valid = true
		if c.After(after) && (best.IsZero() || c.Before(best)) {
			best = c
		}
	}
	if !best.IsZero() {
		return best, true
	}
	if valid {
		return time.Time{}, false
	}
	// A gap: the transition where the clock jumps over w.
	for _, b := range []time.Time{start, end} {
		if b.IsZero() {
			continue
		}
		if wallOf(b, loc).After(w) && wallOf(b.Add(-time.Nanosecond), loc).Before(w) {
			if b.After(after) {
				return b, true
			}
			return time.Time{}, false
		}
	}
	return t, t.After(after)
}
