package remind

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// transitions2027 returns the instants in 2027 at which zone's offset
// changes.
func transitions2027(t *testing.T, zone string) []time.Time {
	t.Helper()
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	var out []time.Time
	for at := time.Date(2027, 1, 1, 0, 0, 0, 0, loc); at.Year() == 2027; {
		_, end := at.ZoneBounds()
		if end.IsZero() || end.Year() != 2027 {
			break
		}
		out = append(out, end.UTC())
		at = end
	}
	if len(out) != 2 {
		t.Fatalf("%s: %d transitions in 2027, want 2", zone, len(out))
	}
	return out
}

// change is something a learner does at an offset from the simulation's
// start: a new schedule, a new zone or a snooze.
type change struct {
	after  time.Duration
	spec   string
	tz     string
	snooze time.Duration
}

// simulate runs the dispatcher on the injected clock from start to end,
// stepping to each due time and each change, and returns the instants
// reminders were delivered at.
func simulate(t *testing.T, gap time.Duration, tz, spec string, start, end time.Time, changes []change) []time.Time {
	t.Helper()
	ctx := context.Background()
	clock := newFakeClock(start)
	svc := newService(t, openDB(t, dbPath(t)), clock)
	svc.MinGap = gap
	if _, err := svc.Set(ctx, "k", Settings{Spec: spec, TZ: tz, QuietOff: true}); err != nil {
		t.Fatalf("set %q: %v", spec, err)
	}
	rec := &recorder{clock: clock}
	d := newDispatcher(svc, rec, clock)
	pending := append([]change(nil), changes...)
	for range 100000 {
		set, _, err := svc.Get("k")
		if err != nil {
			t.Fatal(err)
		}
		next := end
		if set.Active() && set.Next.Before(next) {
			next = set.Next
		}
		if len(pending) > 0 && start.Add(pending[0].after).Before(next) {
			next = start.Add(pending[0].after)
		}
		if next.After(end) || !next.After(clock.Now()) && next.Equal(end) {
			break
		}
		if next.After(clock.Now()) {
			clock.Set(next)
		}
		for len(pending) > 0 && !start.Add(pending[0].after).After(clock.Now()) {
			c := pending[0]
			pending = pending[1:]
			var err error
			switch {
			case c.spec != "":
				_, err = svc.Set(ctx, "k", Settings{Spec: c.spec})
			case c.tz != "":
				_, err = svc.SetTimezone(ctx, "k", c.tz)
			case c.snooze > 0:
				_, err = svc.Snooze(ctx, "k", c.snooze)
			}
			if err != nil {
				t.Fatalf("change %+v: %v", c, err)
			}
		}
		if _, err := d.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}
	var at []time.Time
	for _, r := range rec.list() {
		at = append(at, r.At)
	}
	return at
}

// TestReminderGap: whatever the schedule, its changes, zone changes and
// the DST days of 2027, no two reminders reach a learner within the gap,
// and the schedule still fires (about once per gap for hourly schedules).
func TestReminderGap(t *testing.T) {
	type scenario struct {
		name       string
		gap        time.Duration
		tz, spec   string
		start, end time.Time
		changes    []change
		atLeast    int
	}
	var cases []scenario
	for _, zone := range []string{"Europe/Berlin", "America/New_York", "Australia/Lord_Howe"} {
		for i, tr := range transitions2027(t, zone) {
			loc, _ := time.LoadLocation(zone)
			day := fmt.Sprintf("%s %s", zone, tr.In(loc).Format("2006-01-02"))
			start, end := tr.Add(-6*time.Hour), tr.Add(6*time.Hour)
			for _, spec := range []string{"0 * * * *", "1 * * * *", "30 * * * *", "59 * * * *", "15 1,2,3 * * *", "@every 1h"} {
				cases = append(cases, scenario{name: day + " " + spec, gap: time.Hour, tz: zone, spec: spec, start: start, end: end, atLeast: 2})
			}
			cases = append(cases,
				scenario{name: day + " daily 02:30", gap: time.Hour, tz: zone, spec: "30 2 * * *", start: start.Add(-24 * time.Hour), end: end.Add(24 * time.Hour), atLeast: 2},
				scenario{name: day + " hourly, zone changes around the transition", gap: time.Hour, tz: zone, spec: "45 * * * *", start: start, end: end, atLeast: 4,
					changes: []change{{after: 5*time.Hour + 50*time.Minute, tz: "Asia/Kolkata"}, {after: 6*time.Hour + 10*time.Minute, tz: zone}, {after: 7 * time.Hour, tz: "UTC"}}},
				scenario{name: day + " two-hour gap, every third hour", gap: 2 * time.Hour, tz: zone, spec: "0 */3 * * *", start: start, end: end, atLeast: 3,
					changes: []change{{after: 3*time.Hour + 5*time.Minute, spec: "30 */3 * * *"}}},
			)
			if i == 0 {
				cases = append(cases, scenario{name: day + " snooze a minute after a reminder", gap: time.Hour, tz: zone, spec: "0 * * * *", start: start, end: end, atLeast: 3,
					changes: []change{{after: 2*time.Hour + time.Second, snooze: time.Minute}, {after: 4*time.Hour + time.Second, snooze: 10 * time.Minute}}})
			}
		}
	}
	start := time.Date(2027, 5, 10, 9, 50, 0, 0, time.UTC)
	cases = append(cases,
		// The report: :57, then :59, then a zone change sent three in 17 minutes.
		scenario{name: "57, then 59, then a zone change", gap: time.Hour, tz: "UTC", spec: "57 * * * *", start: start, end: start.Add(5 * time.Hour), atLeast: 4,
			changes: []change{{after: 8 * time.Minute, spec: "59 * * * *"}, {after: 10 * time.Minute, tz: "Asia/Kolkata"}, {after: 40 * time.Minute, tz: "America/St_Johns"}}},
		scenario{name: "schedule changed every 20 minutes", gap: time.Hour, tz: "Europe/Berlin", spec: "5 * * * *", start: start, end: start.Add(4 * time.Hour), atLeast: 3,
			changes: []change{{after: 20 * time.Minute, spec: "25 * * * *"}, {after: 40 * time.Minute, spec: "45 * * * *"}, {after: 60 * time.Minute, spec: "0 * * * *"}, {after: 80 * time.Minute, spec: "20 * * * *"}}},
		scenario{name: "three-hour gap, daily schedules", gap: 3 * time.Hour, tz: "Australia/Lord_Howe", spec: "0 10 * * *", start: start, end: start.Add(72 * time.Hour), atLeast: 3,
			changes: []change{{after: 24*time.Hour + time.Minute, spec: "0 11 * * *"}, {after: 24*time.Hour + 2*time.Minute, tz: "Pacific/Kiritimati"}}},
	)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := simulate(t, c.gap, c.tz, c.spec, c.start, c.end, c.changes)
			for i := 1; i < len(got); i++ {
				if d := got[i].Sub(got[i-1]); d < c.gap {
					t.Errorf("reminders at %v and %v: %v apart, gap %v", got[i-1], got[i], d, c.gap)
				}
			}
			if len(got) < c.atLeast {
				t.Errorf("only %d reminders sent (%v), want at least %d", len(got), got, c.atLeast)
			}
		})
	}
}

// TestScheduleFasterThanGapRefused: with a gap above an hour, schedules
// that fire more often are refused when set, with the reason.
func TestScheduleFasterThanGapRefused(t *testing.T) {
	clock := newFakeClock(time.Date(2027, 5, 10, 9, 0, 0, 0, time.UTC))
	svc := newService(t, openDB(t, dbPath(t)), clock)
	svc.MinGap = 3 * time.Hour
	for spec, ok := range map[string]bool{
		"0 * * * *": false, "0 */2 * * *": false, "@every 150m": false, "0 9,11 * * *": false,
		"0 */3 * * *": true, "0 10 * * *": true, "@every 3h": true, "@weekly": true, "0 1,22 * * *": true,
	} {
		_, err := svc.Set(context.Background(), "k", Settings{Spec: spec})
		if ok && err != nil {
			t.Errorf("%q refused: %v", spec, err)
		}
		if !ok && (!errors.Is(err, ErrBelowGap) || !strings.Contains(Friendly(err), "3 hours")) && !errors.Is(err, ErrTooOften) {
			t.Errorf("%q: err = %v, want ErrBelowGap naming the 3-hour gap (or ErrTooOften below an hour)", spec, err)
		}
	}
}
