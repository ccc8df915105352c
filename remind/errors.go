package remind

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Sentinel errors, one per kind of bad input. Every error this package
// returns for bad input is an *InputError that wraps one of them, so callers
// can test with errors.Is and show the sentence with Friendly.
var (
	// ErrEmptySchedule: no schedule was given.
	ErrEmptySchedule = errors.New("empty schedule")
	// ErrScheduleTooLong: the schedule is longer than MaxSpecLen.
	ErrScheduleTooLong = errors.New("schedule too long")
	// ErrZonePrefix: the schedule carries a CRON_TZ= or TZ= prefix.
	ErrZonePrefix = errors.New("time zone prefix in schedule")
	// ErrSyntax: the schedule is not a cron expression or known shortcut.
	ErrSyntax = errors.New("invalid schedule")
	// ErrNeverFires: the schedule has no firing within five years.
	ErrNeverFires = errors.New("schedule never fires")
	// ErrTooOften: the schedule fires more often than once an hour.
	ErrTooOften = errors.New("schedule fires more often than hourly")
	// ErrBelowGap: the schedule fires more often than the minimum gap
	// between reminders (Service.MinGap, when set above an hour).
	ErrBelowGap = errors.New("schedule fires more often than the minimum gap")
	// ErrTooRare: an @every interval longer than a year.
	ErrTooRare = errors.New("schedule fires less than once a year")
	// ErrBadKind: a stored schedule kind this version does not know.
	ErrBadKind = errors.New("unknown schedule kind")
	// ErrBadZone: the time zone name is empty, malformed or unknown.
	ErrBadZone = errors.New("invalid time zone")
	// ErrBadQuietHours: quiet hours outside 0–23.
	ErrBadQuietHours = errors.New("invalid quiet hours")
	// ErrBadSnooze: a snooze that is not positive or longer than MaxSnooze.
	ErrBadSnooze = errors.New("invalid snooze")
	// ErrNoReminder: the learner has no active reminder.
	ErrNoReminder = errors.New("no active reminder")
)

// InputError is bad input from a learner: Error returns a sentence that can
// be shown to them as is; Unwrap returns the sentinel that classifies it.
type InputError struct {
	// Kind is one of the Err* sentinels of this package.
	Kind error
	// Msg is the learner-facing sentence.
	Msg string
}

// Error is the learner-facing sentence.
func (e *InputError) Error() string { return e.Msg }

// Unwrap returns the sentinel, for errors.Is.
func (e *InputError) Unwrap() error { return e.Kind }

func inputErr(kind error, msg string) error { return &InputError{Kind: kind, Msg: msg} }

// Friendly returns the sentence to show a learner for err: the sentence of
// an *InputError anywhere in the chain, or a generic apology for anything
// else (internal details never reach the learner). It returns "" for nil.
func Friendly(err error) string {
	if err == nil {
		return ""
	}
	var ie *InputError
	if errors.As(err, &ie) {
		return ie.Msg
	}
	return "Something went wrong with your reminder settings. Please try again in a minute."
}

// quote shows a piece of learner input inside a sentence: control
// characters and invalid UTF-8 become U+FFFD and long input is cut.
func quote(s string) string {
	const max = 40
	var b strings.Builder
	n := 0
	for i, r := range s {
		if n == max {
			b.WriteString("…")
			break
		}
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size <= 1 {
				r = '\uFFFD'
			}
		}
		if unicode.IsControl(r) {
			r = '\uFFFD'
		}
		b.WriteRune(r)
		n++
	}
	return "“" + b.String() + "”"
}
