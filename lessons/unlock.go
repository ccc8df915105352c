package lessons

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// UnlockRule says when a lesson opens for a learner. The zero rule means
// the lesson is always open.
type UnlockRule struct {
	// AfterPrevious opens the lesson once the previous lesson is done (its
	// quiz passed, or its last page read when it has no quiz), Delay later.
	AfterPrevious bool
	Delay         time.Duration
	// Date, when not zero, opens the lesson at the start of that day in the
	// learner's time zone (only its year, month and day count).
	Date time.Time
}

// Open reports whether the rule opens the lesson unconditionally.
func (r UnlockRule) Open() bool { return !r.AfterPrevious && r.Date.IsZero() }

// At returns when the lesson opens for a learner in time zone loc whose
// previous lesson was done at prevDone (zero when it is not done). ok is
// false when the time is not known yet (the previous lesson is not done).
func (r UnlockRule) At(prevDone time.Time, loc *time.Location) (at time.Time, ok bool) {
	switch {
	case r.AfterPrevious:
		if prevDone.IsZero() {
			return time.Time{}, false
		}
		return prevDone.Add(r.Delay), true
	case !r.Date.IsZero():
		if loc == nil {
			loc = time.UTC
		}
		y, m, d := r.Date.Date()
		return time.Date(y, m, d, 0, 0, 0, 0, loc), true
	}
	return time.Time{}, true
}

// String is the rule as written in front matter.
func (r UnlockRule) String() string {
	switch {
	case r.AfterPrevious && r.Delay > 0:
		return formatDelay(r.Delay) + " after-previous"
	case r.AfterPrevious:
		return "after-previous"
	case !r.Date.IsZero():
		return r.Date.Format(time.DateOnly)
	}
	return ""
}

// MaxUnlockDelay bounds the delay of "Nd after-previous".
const MaxUnlockDelay = 366 * 24 * time.Hour

// ParseUnlock reads a front-matter unlock value: "" (always open),
// "after-previous", "2d after-previous" (also hours: "12h after-previous")
// or a date "2027-01-15".
func ParseUnlock(s string) (UnlockRule, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return UnlockRule{}, nil
	}
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		return UnlockRule{Date: d}, nil
	}
	fields := strings.Fields(s)
	switch {
	case len(fields) == 1 && fields[0] == "after-previous":
		return UnlockRule{AfterPrevious: true}, nil
	case len(fields) == 2 && fields[1] == "after-previous":
		d, err := parseDelay(fields[0])
		if err != nil {
			return UnlockRule{}, fmt.Errorf("unlock %q: %v", s, err)
		}
		return UnlockRule{AfterPrevious: true, Delay: d}, nil
	}
	return UnlockRule{}, fmt.Errorf(`unlock %q: write "after-previous", "2d after-previous" or a date such as "2027-01-15"`, s)
}

// parseDelay reads "2d" or "12h".
func parseDelay(s string) (time.Duration, error) {
	if len(s) < 2 || len(s) > 6 {
		return 0, fmt.Errorf("delay %q is not a number of days (2d) or hours (12h)", s)
	}
	n, err := strconv.Atoi(s[:len(s)-1])
	if err != nil || n < 0 {
		return 0, fmt.Errorf("delay %q is not a number of days (2d) or hours (12h)", s)
	}
	var d time.Duration
	switch s[len(s)-1] {
	case 'd':
		d = time.Duration(n) * 24 * time.Hour
	case 'h':
		d = time.Duration(n) * time.Hour
	default:
		return 0, fmt.Errorf("delay %q is not a number of days (2d) or hours (12h)", s)
	}
	if d > MaxUnlockDelay {
		return 0, fmt.Errorf("delay %q is longer than a year", s)
	}
	return d, nil
}

func formatDelay(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return strconv.Itoa(int(d/(24*time.Hour))) + "d"
	}
	return strconv.Itoa(int(d/time.Hour)) + "h"
}
