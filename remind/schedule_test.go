package remind

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseScheduleAccepts(t *testing.T) {
	tests := []struct {
		name, spec string
		wantKind   Kind
		wantSpec   string
	}{
		{"weekly cron", "0 10 * * MON", Cron, "0 10 * * MON"},
		{"extra spaces", "  0   10 * *\tmon ", Cron, "0 10 * * mon"},
		{"hourly", "0 * * * *", Cron, "0 * * * *"},
		{"every other hour", "15 */2 * * *", Cron, "15 */2 * * *"},
		{"weekly shortcut", "@weekly", Cron, "@weekly"},
		{"shortcut any case", "@Monthly", Cron, "@monthly"},
		{"hourly shortcut", "@hourly", Cron, "@hourly"},
		{"every two days", "@every 48h", Cron, "@every 48h"},
		{"every exactly an hour", "@every 1h", Cron, "@every 1h"},
		{"biweekly", "@biweekly", Biweekly, weeklySpec},
		{"fortnightly", "@FORTNIGHTLY", Biweekly, weeklySpec},
		{"leap day", "0 10 29 2 *", Cron, "0 10 29 2 *"},
		{"day 30 or Monday in February", "0 10 30 2 MON", Cron, "0 10 30 2 MON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseSchedule(tt.spec)
			if err != nil {
				t.Fatalf("ParseSchedule(%q): %v", tt.spec, err)
			}
			if s.Kind != tt.wantKind || s.Spec != tt.wantSpec {
				t.Errorf("ParseSchedule(%q) = %s %q, want %s %q", tt.spec, s.Kind, s.Spec, tt.wantKind, tt.wantSpec)
			}
			// Stored and rebuilt, it is the same schedule.
			back, err := ScheduleOf(s.Kind, s.Spec)
			if err != nil || back.Kind != s.Kind || back.Spec != s.Spec {
				t.Errorf("ScheduleOf(%s, %q) = %+v, %v", s.Kind, s.Spec, back, err)
			}
		})
	}
}

// TestParseScheduleRefuses is the bad input list, plus a few more.
func TestParseScheduleRefuses(t *testing.T) {
	tests := []struct {
		name, spec string
		want       error
		wantInMsg  string
	}{
		{"empty", "", ErrEmptySchedule, "Please give a schedule"},
		{"blank", " \t ", ErrEmptySchedule, "Please give a schedule"},
		{"10 KB", strings.Repeat("0 10 * * MON ", 800), ErrScheduleTooLong, "too long"},
		{"201 bytes", strings.Repeat("1", 201), ErrScheduleTooLong, "at most 200"},
		{"garbage", "every monday", ErrSyntax, "five"},
		{"six fields", "0 0 10 * * MON", ErrSyntax, "6 field"},
		{"hour out of range", "0 25 * * *", ErrSyntax, "hour field “25”"},
		{"bad weekday", "0 10 * * FUNDAY", ErrSyntax, "weekday field"},
		{"bad minute", "x 10 * * *", ErrSyntax, "minute field"},
		{"unknown shortcut", "@sometimes", ErrSyntax, "not a shortcut"},
		{"shortcut with junk", "@weekly please", ErrSyntax, "not a schedule"},
		{"every without interval", "@every", ErrSyntax, "interval"},
		{"every bad interval", "@every soon", ErrSyntax, "interval"},
		{"control characters", "0 10 * * \x00MON", ErrSyntax, "not a schedule"},
		{"invalid UTF-8", "0 10 * * \xff", ErrSyntax, "not a schedule"},
		{"CRON_TZ alone (panics in v3.0.1)", "CRON_TZ=UTC", ErrZonePrefix, "/timezone"},
		{"CRON_TZ with spec", "CRON_TZ=Europe/Berlin 0 10 * * *", ErrZonePrefix, "CRON_TZ"},
		{"TZ prefix", "TZ=UTC 0 10 * * *", ErrZonePrefix, "time zone"},
		{"lower-case prefix", "cron_tz=UTC", ErrZonePrefix, "time zone"},
		{"never fires", "0 0 30 2 *", ErrNeverFires, "February has no 30th"},
		{"never fires, 31st", "0 0 31 4,6 *", ErrNeverFires, "none of the months"},
		{"every minute", "* * * * *", ErrTooOften, "more often than once an hour"},
		{"every 30 minutes", "*/30 * * * *", ErrTooOften, "not spam"},
		{"two minutes an hour", "0,59 10 * * *", ErrTooOften, "once an hour"},
		{"every 10m", "@every 10m", ErrTooOften, "once an hour"},
		{"every 59m59s", "@every 59m59s", ErrTooOften, "once an hour"},
		{"every negative", "@every -5h", ErrTooOften, "once an hour"},
		{"every too rare", "@every 10000h", ErrTooRare, "year"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseSchedule(tt.spec)
			if !errors.Is(err, tt.want) {
				t.Fatalf("ParseSchedule(%.40q) error = %v, want %v", tt.spec, err, tt.want)
			}
			msg := Friendly(err)
			if !strings.Contains(msg, tt.wantInMsg) {
				t.Errorf("Friendly = %q, want it to contain %q", msg, tt.wantInMsg)
			}
			checkLearnerText(t, msg)
		})
	}
}

// checkLearnerText fails if msg looks like an internal error.
func checkLearnerText(t *testing.T, msg string) {
	t.Helper()
	if len(msg) > 400 {
		t.Errorf("message is %d bytes long: %.80q…", len(msg), msg)
	}
	for _, bad := range []string{"panic", "strconv", "runtime", "\x00", "slice bounds"} {
		if strings.Contains(msg, bad) {
			t.Errorf("message %q contains %q", msg, bad)
		}
	}
}

func TestFriendly(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"nil", nil, ""},
		{"input error wrapped", wrapf(inputErr(ErrBadZone, "Bad zone.")), "Bad zone."},
		{"internal error", errors.New("open /var/lib/db: permission denied"), "Something went wrong"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Friendly(tt.err)
			if !strings.HasPrefix(got, tt.want) || (tt.want == "" && got != "") {
				t.Errorf("Friendly(%v) = %q, want prefix %q", tt.err, got, tt.want)
			}
			if strings.Contains(got, "/var/lib") {
				t.Errorf("Friendly leaks the internal error: %q", got)
			}
		})
	}
}

func wrapf(err error) error { return errors.Join(errors.New("context"), err) }

func TestPresets(t *testing.T) {
	tests := []struct {
		name     string
		s        Schedule
		kind     Kind
		describe string
	}{
		{"weekly", WeeklyPreset(), Weekly, "weekly, Mondays at 10:00"},
		{"biweekly", BiweeklyPreset(), Biweekly, "every two weeks, Mondays at 10:00"},
		{"monthly", MonthlyPreset(), Monthly, "monthly, on the 1st at 10:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.s.Kind != tt.kind || tt.s.Describe() != tt.describe {
				t.Errorf("preset = %s %q, want %s %q", tt.s.Kind, tt.s.Describe(), tt.kind, tt.describe)
			}
			if _, err := ScheduleOf(tt.s.Kind, tt.s.Spec); err != nil {
				t.Errorf("ScheduleOf: %v", err)
			}
		})
	}
	if _, err := ScheduleOf("daily-ish", "0 10 * * *"); !errors.Is(err, ErrBadKind) {
		t.Errorf("unknown kind: err = %v, want ErrBadKind", err)
	}
}

func FuzzParseSchedule(f *testing.F) {
	for _, seed := range []string{
		"", "0 10 * * MON", "@weekly", "@every 2h", "@every 10m", "@biweekly", "CRON_TZ=UTC", "TZ=", "CRON_TZ=",
		"TZ=Europe/Berlin 0 10 * * *", "0 0 30 2 *", "* * * * *", "*/30 * * * *", "0 10 * * 7", "0-59/61 * * * *",
		"0 10 1-31/0 * *", "@every 9999999999h", "0 10 * * MON-FRI", "0 10 L * *", "? ? ? ? ?", "0 10 ,,, * *",
	} {
		f.Add(seed)
	}
	ref := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, spec string) {
		s, err := ParseSchedule(spec)
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("ParseSchedule(%q): error %v is not an *InputError", spec, err)
			}
			return
		}
		// An accepted schedule fires, and never twice within an hour.
		prev := s.nextWall(ref, 0)
		if prev.IsZero() {
			t.Fatalf("ParseSchedule(%q) accepted a schedule that never fires", spec)
		}
		for range 50 {
			next := s.nextWall(prev, 0)
			if next.IsZero() {
				break
			}
			if next.Sub(prev) < MinInterval {
				t.Fatalf("ParseSchedule(%q) fires at %v and %v", spec, prev, next)
			}
			prev = next
		}
	})
}

func TestLoadLocation(t *testing.T) {
	tests := []struct {
		name, in string
		want     string // canonical name; "" means refused
	}{
		{"canonical", "Europe/Berlin", "Europe/Berlin"},
		{"lower case", "europe/berlin", "Europe/Berlin"},
		{"spaces", " America/New York ", "America/New_York"},
		{"utc lower", "utc", "UTC"},
		{"three parts", "america/argentina/buenos_aires", "America/Argentina/Buenos_Aires"},
		{"city alone", "Tokyo", "Asia/Tokyo"},
		{"etc zone", "Etc/GMT+5", "Etc/GMT+5"},
		{"empty", "", ""},
		{"Local", "Local", ""},
		{"local lower", "local", ""},
		{"dot dot", "../../etc/passwd", ""},
		{"dot dot inside", "Europe/../UTC", ""},
		{"absolute path", "/usr/share/zoneinfo/UTC", ""},
		{"too long", strings.Repeat("Europe/", 20) + "Berlin", ""},
		{"unknown", "Mars/Olympus_Mons", ""},
		{"NUL byte", "Europe/Berlin\x00", ""},
		{"trailing slash", "Europe/", ""},
		{"unknown city", "Atlantis", ""},
		// What learners write that is not an IANA name.
		{"Russian city", "Москва", "Europe/Moscow"},
		{"abbreviation", "МСК", "Europe/Moscow"},
		{"city with г.", "г. Новосибирск", "Asia/Novosibirsk"},
		{"hyphens and case", "САНКТ-ПЕТЕРБУРГ", "Europe/Moscow"},
		{"ё as е", "Кишинев", "Europe/Chisinau"},
		{"Russian name abroad", "Нью-Йорк", "America/New_York"},
		{"US abbreviation", "PST", "America/Los_Angeles"},
		{"offset", "UTC+3", "UTC+03:00"},
		{"GMT offset", "GMT-5", "UTC-05:00"},
		{"bare offset", "+05:30", "UTC+05:30"},
		{"offset without colon", "UTC+0545", "UTC+05:45"},
		{"zero offset", "UTC+0", "UTC"},
		{"canonical offset", "UTC+03:00", "UTC+03:00"},
		{"offset too large", "UTC+15", ""},
		{"odd minutes", "UTC+3:20", ""},
		{"unknown Russian", "Марс", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc, err := LoadLocation(tt.in)
			if tt.want == "" {
				if !errors.Is(err, ErrBadZone) {
					t.Fatalf("LoadLocation(%.40q) = %v, %v; want ErrBadZone", tt.in, loc, err)
				}
				checkLearnerText(t, Friendly(err))
				return
			}
			if err != nil {
				t.Fatalf("LoadLocation(%q): %v", tt.in, err)
			}
			if loc.String() != tt.want {
				t.Errorf("LoadLocation(%q) = %s, want %s", tt.in, loc, tt.want)
			}
		})
	}
}

func TestLoadLocationSuggests(t *testing.T) {
	// A city name that several zones carry (and that is not itself a zone)
	// gets suggestions.
	zoneIndex()
	var amb string
	for end, names := range zoneByEnd {
		if _, isZone := zoneByLow[end]; len(names) > 1 && !isZone && (amb == "" || end < amb) {
			amb = end
		}
	}
	if amb == "" {
		t.Fatal("no ambiguous zone ending in the list")
	}
	_, err := LoadLocation(amb)
	if !errors.Is(err, ErrBadZone) || !strings.Contains(Friendly(err), "could be") {
		t.Errorf("LoadLocation(%q) = %v, want a suggestion", amb, err)
	}
}

// TestZoneListLoads makes sure every name the package accepts loads from
// the embedded database.
func TestZoneListLoads(t *testing.T) {
	names := strings.Fields(zonesTxt)
	if len(names) < 400 {
		t.Fatalf("zones.txt has %d names", len(names))
	}
	for _, name := range names {
		loc, err := LoadLocation(name)
		if err != nil || loc.String() != name {
			t.Errorf("LoadLocation(%q) = %v, %v", name, loc, err)
		}
	}
}

func FuzzLoadLocation(f *testing.F) {
	for _, seed := range []string{"Europe/Berlin", "", "Local", "../x", "europe/berlin", "Berlin", "Etc/GMT-14", "a//b", "UTC+3", "-0930", "Москва", "г. Омск"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, name string) {
		loc, err := LoadLocation(name)
		if err != nil {
			if !errors.Is(err, ErrBadZone) {
				t.Fatalf("LoadLocation(%q): %v is not ErrBadZone", name, err)
			}
			return
		}
		if loc == nil || loc == time.Local || loc.String() == "Local" {
			t.Fatalf("LoadLocation(%q) = %v", name, loc)
		}
		// The stored name loads back to the same zone.
		again, err := LoadLocation(loc.String())
		at := time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)
		if err != nil || again.String() != loc.String() || offsetAt(again, at) != offsetAt(loc, at) {
			t.Fatalf("LoadLocation(%q) = %v, which loads back as %v, %v", name, loc, again, err)
		}
	})
}

func offsetAt(loc *time.Location, at time.Time) int {
	_, off := at.In(loc).Zone()
	return off
}

// TestZoneAliases: every alias names a zone of the embedded database, and
// an offset keeps its sign (UTC+3 is three hours ahead, unlike Etc/GMT+3).
func TestZoneAliases(t *testing.T) {
	zoneIndex()
	if len(zoneAlias) < 50 {
		t.Fatalf("%d aliases read from zone_aliases.txt", len(zoneAlias))
	}
	for alias, name := range zoneAlias {
		if _, ok := zoneByLow[strings.ToLower(name)]; !ok {
			t.Errorf("alias %q names %q, not a zone of zones.txt", alias, name)
		}
	}
	at := time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]int{"UTC+3": 3 * 3600, "GMT-5": -5 * 3600, "+05:30": 5*3600 + 1800, "Москва": 3 * 3600} {
		loc, err := LoadLocation(in)
		if err != nil || offsetAt(loc, at) != want {
			t.Errorf("LoadLocation(%q) = %v (offset %d), %v; want offset %d", in, loc, offsetAt(loc, at), err, want)
		}
	}
}
