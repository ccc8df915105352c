package remind

import (
	"testing"
	"time"
)

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// DST dates in 2026: Europe/Berlin springs forward on 29 March (02:00 CET ->
// 03:00 CEST, 01:00 UTC) and falls back on 25 October (03:00 CEST -> 02:00
// CET, 01:00 UTC); America/New_York on 8 March (02:00 EST -> 03:00 EDT, 07:00
// UTC) and 1 November (02:00 EDT -> 01:00 EST, 06:00 UTC).
func TestNextSlot(t *testing.T) {
	quietOff := func(s Settings) Settings { s.QuietOff = true; return s }
	tests := []struct {
		name  string
		set   Settings
		after string
		want  []string // successive slots
	}{
		{
			name: "Berlin spring-forward: 02:30 fires at 03:00 CEST", set: quietOff(Settings{Spec: "30 2 * * *", TZ: "Europe/Berlin"}),
			after: "2026-03-28T12:00:00Z", want: []string{"2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"},
		},
		{
			name: "New York spring-forward: 02:30 fires at 03:00 EDT", set: quietOff(Settings{Spec: "30 2 * * *", TZ: "America/New_York"}),
			after: "2026-03-07T17:00:00Z", want: []string{"2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z"},
		},
		{
			name: "Berlin spring-forward hourly: 02:00 and 03:00 merge", set: quietOff(Settings{Spec: "0 * * * *", TZ: "Europe/Berlin"}),
			after: "2026-03-29T00:30:00Z", want: []string{"2026-03-29T01:00:00Z", "2026-03-29T02:00:00Z"},
		},
		{
			name: "New York fall-back: 01:30 fires once, first occurrence", set: quietOff(Settings{Spec: "30 1 * * *", TZ: "America/New_York"}),
			after: "2026-10-31T16:00:00Z", want: []string{"2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"},
		},
		{
			name: "New York fall-back: set during the repeated hour", set: quietOff(Settings{Spec: "30 1 * * *", TZ: "America/New_York"}),
			after: "2026-11-01T06:10:00Z", want: []string{"2026-11-01T06:30:00Z", "2026-11-02T06:30:00Z"},
		},
		{
			name: "New York fall-back hourly: 01:00 once", set: quietOff(Settings{Spec: "0 * * * *", TZ: "America/New_York"}),
			after: "2026-11-01T05:00:00Z", want: []string{"2026-11-01T07:00:00Z", "2026-11-01T08:00:00Z"},
		},
		{
			name: "Berlin fall-back: 02:30 fires once", set: quietOff(Settings{Spec: "30 2 * * *", TZ: "Europe/Berlin"}),
			after: "2026-10-24T12:00:00Z", want: []string{"2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"},
		},
		{
			name: "quiet hours: 23:00 Berlin moves to 08:00 next day", set: Settings{Spec: "0 23 * * *", TZ: "Europe/Berlin"},
			after: "2026-06-01T10:00:00Z", want: []string{"2026-06-02T06:00:00Z", "2026-06-03T06:00:00Z"},
		},
		{
			name: "quiet hours: 03:00 moves to 08:00 same day", set: Settings{Spec: "0 3 * * *"},
			after: "2026-06-01T00:00:00Z", want: []string{"2026-06-01T08:00:00Z", "2026-06-02T08:00:00Z"},
		},
		{
			name: "quiet hours: window not wrapping midnight", set: Settings{Spec: "30 13 * * *", QuietFrom: 13, QuietTo: 14},
			after: "2026-06-01T00:00:00Z", want: []string{"2026-06-01T14:00:00Z"},
		},
		{
			name: "quiet hours off", set: quietOff(Settings{Spec: "0 23 * * *"}),
			after: "2026-06-01T00:00:00Z", want: []string{"2026-06-01T23:00:00Z"},
		},
		{
			name: "quiet hours equal values are off", set: Settings{Spec: "0 23 * * *", QuietFrom: 5, QuietTo: 5},
			after: "2026-06-01T00:00:00Z", want: []string{"2026-06-01T23:00:00Z"},
		},
		{
			name: "hourly in quiet hours collapses to one at 08:00", set: Settings{Spec: "0 * * * *"},
			after: "2026-06-01T21:30:00Z", want: []string{"2026-06-02T08:00:00Z", "2026-06-02T09:00:00Z"},
		},
		{
			name: "monthly preset in Tokyo", set: Settings{Spec: monthlySpec, Kind: Monthly, TZ: "Asia/Tokyo"},
			after: "2026-06-15T00:00:00Z", want: []string{"2026-07-01T01:00:00Z", "2026-08-01T01:00:00Z"},
		},
		{
			name: "biweekly skips every other Monday", set: Settings{Spec: weeklySpec, Kind: Biweekly, Parity: int(weekIndex(time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)) & 1)},
			after: "2026-05-31T00:00:00Z", want: []string{"2026-06-01T10:00:00Z", "2026-06-15T10:00:00Z", "2026-06-29T10:00:00Z"},
		},
		{
			name: "biweekly other parity", set: Settings{Spec: weeklySpec, Kind: Biweekly, Parity: 1 - int(weekIndex(time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC))&1)},
			after: "2026-05-31T00:00:00Z", want: []string{"2026-06-08T10:00:00Z", "2026-06-22T10:00:00Z"},
		},
		{
			name: "biweekly across New Year", set: Settings{Spec: weeklySpec, Kind: Biweekly, Parity: int(weekIndex(time.Date(2026, 12, 21, 10, 0, 0, 0, time.UTC)) & 1)},
			after: "2026-12-20T00:00:00Z", want: []string{"2026-12-21T10:00:00Z", "2027-01-04T10:00:00Z", "2027-01-18T10:00:00Z"},
		},
		{
			name: "every 48h counts from the last slot", set: quietOff(Settings{Spec: "@every 48h"}),
			after: "2026-06-01T12:00:00Z", want: []string{"2026-06-03T12:00:00Z", "2026-06-05T12:00:00Z"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			after := mustTime(t, tt.after)
			for i, w := range tt.want {
				got, err := NextSlot(tt.set, after)
				if err != nil {
					t.Fatalf("NextSlot #%d: %v", i, err)
				}
				if want := mustTime(t, w); !got.Equal(want) || got.Location() != time.UTC {
					t.Fatalf("NextSlot #%d after %v = %v, want %v", i, after, got, want)
				}
				after = got
			}
		})
	}
}

func TestNextSlotErrors(t *testing.T) {
	tests := []struct {
		name string
		set  Settings
	}{
		{"off", Settings{}},
		{"bad spec", Settings{Spec: "* * * * *"}},
		{"bad zone", Settings{Spec: weeklySpec, TZ: "Mars/Base"}},
		{"bad kind", Settings{Spec: weeklySpec, Kind: "yearly"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := NextSlot(tt.set, time.Now()); err == nil {
				t.Errorf("NextSlot = %v, want an error", got)
			}
		})
	}
}

func TestQuietInstant(t *testing.T) {
	berlin := Settings{Spec: weeklySpec, TZ: "Europe/Berlin"}
	tests := []struct {
		name     string
		set      Settings
		in, want string
	}{
		{"outside", berlin, "2026-06-01T12:00:00Z", "2026-06-01T12:00:00Z"},
		{"evening", berlin, "2026-06-01T21:00:00Z", "2026-06-02T06:00:00Z"},
		{"early morning", berlin, "2026-06-02T04:59:00Z", "2026-06-02T06:00:00Z"},
		{"off", Settings{Spec: weeklySpec, QuietOff: true}, "2026-06-01T23:00:00Z", "2026-06-01T23:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := quietInstant(tt.set, mustTime(t, tt.in))
			if err != nil || !got.Equal(mustTime(t, tt.want)) {
				t.Errorf("quietInstant(%s) = %v, %v; want %s", tt.in, got, err, tt.want)
			}
		})
	}
}
