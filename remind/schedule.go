package remind

import (
	"fmt"
	"math/bits"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/robfig/cron/v3"
)

// Kind says how a schedule was chosen. It is stored with the spec.
type Kind string

// The schedule kinds.
const (
	// Cron is a cron expression or shortcut typed by the learner.
	Cron Kind = "cron"
	// Weekly is the weekly preset (see Weekly).
	Weekly Kind = "weekly"
	// Biweekly fires in every second week: its spec names the weekly slot,
	// and only slots in weeks of the stored parity fire (see Biweekly).
	Biweekly Kind = "biweekly"
	// Monthly is the monthly preset (see Monthly).
	Monthly Kind = "monthly"
)

// Limits on schedules.
const (
	// MaxSpecLen is the longest schedule accepted, in bytes.
	MaxSpecLen = 200
	// MinInterval is the shortest gap allowed between two firings.
	MinInterval = time.Hour
	// MaxEvery is the longest "@every" interval accepted.
	MaxEvery = 366 * 24 * time.Hour
)

// Preset specs: the default time of day is 10:00 in the learner's zone.
const (
	weeklySpec  = "0 10 * * MON"
	monthlySpec = "0 10 1 * *"
)

// Schedule is a parsed, validated schedule. Kind and Spec are all that needs
// storing; ScheduleOf rebuilds it.
type Schedule struct {
	// Kind says how the schedule was chosen.
	Kind Kind
	// Spec is the normalised cron expression or shortcut.
	Spec string

	sched cron.Schedule
}

// WeeklyPreset returns the weekly preset: Mondays at 10:00.
func WeeklyPreset() Schedule { return mustPreset(Weekly, weeklySpec) }

// BiweeklyPreset returns the every-two-weeks preset: Mondays at 10:00 in
// every second week. Cron cannot say "every two weeks", so a Biweekly
// schedule is the weekly spec plus a week parity: weeks are numbered from
// Monday 1970-01-05 in the learner's wall-clock calendar (unlike ISO week
// numbers, this count never has two odd weeks in a row at New Year), and
// Service.Set picks the parity of the first weekly slot after the reminder
// is set, so the first reminder comes within a week.
func BiweeklyPreset() Schedule { return mustPreset(Biweekly, weeklySpec) }

// MonthlyPreset returns the monthly preset: the 1st of the month at 10:00.
func MonthlyPreset() Schedule { return mustPreset(Monthly, monthlySpec) }

func mustPreset(k Kind, spec string) Schedule {
	s, err := ScheduleOf(k, spec)
	if err != nil {
		// The presets are constants covered by tests.
		panic(fmt.Sprintf("remind: preset %s: %v", k, err))
	}
	return s
}

// ScheduleOf rebuilds a stored schedule from its kind and spec.
func ScheduleOf(k Kind, spec string) (Schedule, error) {
	switch k {
	case Cron, Weekly, Biweekly, Monthly:
	case "":
		k = Cron
	default:
		return Schedule{}, inputErr(ErrBadKind, fmt.Sprintf("The stored reminder kind %s is unknown; please set your reminder again.", quote(string(k))))
	}
	s, err := ParseSchedule(spec)
	if err != nil {
		return Schedule{}, err
	}
	if s.Kind != Biweekly { // "@biweekly" is Biweekly whatever k says
		s.Kind = k
	}
	return s, nil
}

// ParseSchedule reads a schedule typed by a learner: a five-field cron
// expression ("0 10 * * MON"), a cron shortcut (@weekly, @monthly, @daily,
// @hourly, @every 48h) or @biweekly / @fortnightly for the every-two-weeks
// preset. It never panics. It refuses time-zone prefixes (the zone is the
// learner's setting), schedules that never fire, schedules firing more often
// than once an hour, and specs longer than MaxSpecLen; the errors are
// *InputError values whose text can be shown to the learner.
func ParseSchedule(spec string) (Schedule, error) {
	if s, ok := parsedCache.get(spec); ok {
		return s, nil
	}
	s, err := parseSchedule(spec)
	if err == nil {
		parsedCache.put(spec, s)
	}
	return s, err
}

// parsedCache keeps valid schedules by spec: the dispatcher rebuilds a
// schedule for every delivery, and validation walks several firings.
var parsedCache = scheduleCache{max: 16384}

// scheduleCache is a map of bounded size, emptied when full.
type scheduleCache struct {
	mu  sync.Mutex
	max int
	m   map[string]Schedule
}

func (c *scheduleCache) get(spec string) (Schedule, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.m[spec]
	return s, ok
}

func (c *scheduleCache) put(spec string, s Schedule) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= c.max {
		c.m = make(map[string]Schedule)
	}
	c.m[spec] = s
}

func parseSchedule(spec string) (Schedule, error) {
	if len(spec) > MaxSpecLen {
		return Schedule{}, inputErr(ErrScheduleTooLong, fmt.Sprintf("That schedule is too long (%d characters; at most %d). Try something like “0 10 * * MON”.", utf8.RuneCountInString(spec), MaxSpecLen))
	}
	fields := strings.Fields(spec)
	if len(fields) == 0 {
		return Schedule{}, inputErr(ErrEmptySchedule, "Please give a schedule, e.g. “0 10 * * MON” (Mondays at 10:00), or pick weekly, every two weeks or monthly.")
	}
	if !utf8.ValidString(spec) || strings.IndexFunc(spec, func(r rune) bool { return unicode.IsControl(r) && !unicode.IsSpace(r) }) >= 0 {
		return Schedule{}, syntaxErr(spec)
	}
	if up := strings.ToUpper(fields[0]); strings.HasPrefix(up, "CRON_TZ=") || strings.HasPrefix(up, "TZ=") {
		return Schedule{}, inputErr(ErrZonePrefix, "Please leave out the CRON_TZ=… part: reminders follow your own time zone, which you set with /timezone.")
	}
	kind := Cron
	if strings.HasPrefix(fields[0], "@") {
		fields[0] = strings.ToLower(fields[0])
		switch fields[0] {
		case "@biweekly", "@fortnightly":
			if len(fields) != 1 {
				return Schedule{}, syntaxErr(spec)
			}
			kind, fields = Biweekly, strings.Fields(weeklySpec)
		case "@every":
		default:
			if len(fields) != 1 {
				return Schedule{}, syntaxErr(spec)
			}
		}
	}
	norm := strings.Join(fields, " ")
	sched, err := parseCron(norm)
	if err != nil {
		return Schedule{}, explainSyntax(spec, fields)
	}
	if err := checkSchedule(spec, sched); err != nil {
		return Schedule{}, err
	}
	return Schedule{Kind: kind, Spec: norm, sched: sched}, nil
}

// parseCron calls the library and turns its panics into errors: v3.0.1
// panics on "CRON_TZ=UTC" without a following space, among others.
func parseCron(spec string) (s cron.Schedule, err error) {
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("parse schedule: cron parser panicked: %v", r)
		}
	}()
	return cron.ParseStandard(spec)
}

func syntaxErr(spec string) error {
	return inputErr(ErrSyntax, fmt.Sprintf("%s is not a schedule I can read. Use five cron fields (minute hour day-of-month month weekday), e.g. “0 10 * * MON”, or a shortcut: @weekly, @biweekly, @monthly, @daily, @every 48h.", quote(spec)))
}

var fieldNames = [5]struct{ name, allowed string }{
	{"minute", "0–59"},
	{"hour", "0–23"},
	{"day-of-month", "1–31"},
	{"month", "1–12 or JAN–DEC"},
	{"weekday", "0–6 or SUN–SAT"},
}

// explainSyntax finds what is wrong with a spec the library refused.
func explainSyntax(spec string, fields []string) error {
	if strings.HasPrefix(fields[0], "@every") {
		return inputErr(ErrSyntax, fmt.Sprintf("%s: after @every give an interval like 24h or 168h.", quote(spec)))
	}
	if strings.HasPrefix(fields[0], "@") {
		return inputErr(ErrSyntax, fmt.Sprintf("%s is not a shortcut I know. Use @weekly, @biweekly, @monthly, @daily, @hourly or @every 48h.", quote(spec)))
	}
	if len(fields) != 5 {
		return inputErr(ErrSyntax, fmt.Sprintf("%s has %d field(s); a cron schedule has five: minute hour day-of-month month weekday, e.g. “0 10 * * MON”.", quote(spec), len(fields)))
	}
	for i, f := range fields {
		probe := []string{"0", "0", "1", "1", "*"}
		probe[i] = f
		if _, err := parseCron(strings.Join(probe, " ")); err != nil {
			return inputErr(ErrSyntax, fmt.Sprintf("%s is not a valid schedule: the %s field %s is not understood (allowed: %s, *, ranges like 1-5, lists like 1,15, steps like */2).", quote(spec), fieldNames[i].name, quote(f), fieldNames[i].allowed))
		}
	}
	return syntaxErr(spec)
}

// checkRef is the fixed start of the checks, so that validation does not
// depend on the clock.
var checkRef = time.Date(2024, time.January, 1, 0, 0, 0, 0, time.UTC)

// checkFirings is how many firings checkSchedule walks.
const checkFirings = 24

// checkSchedule refuses schedules that never fire or fire too often.
func checkSchedule(spec string, sched cron.Schedule) error {
	tooOften := inputErr(ErrTooOften, fmt.Sprintf("%s fires more often than once an hour. Reminders are for re-testing, not spam: try “0 10 * * MON” (weekly) or @daily.", quote(spec)))
	switch s := sched.(type) {
	case cron.ConstantDelaySchedule:
		if s.Delay < MinInterval {
			return tooOften
		}
		if s.Delay > MaxEvery {
			return inputErr(ErrTooRare, fmt.Sprintf("%s is more than a year apart; pick a shorter interval, e.g. @every 720h.", quote(spec)))
		}
		return nil
	case *cron.SpecSchedule:
		const star = 1 << 63
		// Seconds are fixed at 0 by the standard parser; two minutes in an
		// hour mean two firings less than an hour apart.
		if bits.OnesCount64(s.Second&^star) > 1 || bits.OnesCount64(s.Minute&^star) > 1 {
			return tooOften
		}
		first := s.Next(checkRef)
		if first.IsZero() {
			return inputErr(ErrNeverFires, fmt.Sprintf("%s never fires: %s. Pick a day that exists, e.g. “0 10 1 * *”.", quote(spec), neverReason(s)))
		}
		// Backstop for the bit test: check the gaps of the next firings.
		prev := first
		for range checkFirings {
			t := s.Next(prev)
			if t.IsZero() {
				break
			}
			if t.Sub(prev) < MinInterval {
				return tooOften
			}
			prev = t
		}
		return nil
	default:
		return fmt.Errorf("parse schedule: unexpected schedule type %T", sched)
	}
}

// neverReason explains why a spec schedule never fires: only a day of month
// that none of its months has can cause that.
func neverReason(s *cron.SpecSchedule) string {
	var months []time.Month
	for m := time.January; m <= time.December; m++ {
		if s.Month&(1<<uint(m)) != 0 {
			months = append(months, m)
		}
	}
	day := 0
	for d := 1; d <= 31; d++ {
		if s.Dom&(1<<uint(d)) != 0 {
			day = d
			break
		}
	}
	if len(months) == 1 && day >= 29 {
		return fmt.Sprintf("%s has no %s", months[0], ordinal(day))
	}
	return "none of the months it names has that day"
}

func ordinal(d int) string {
	switch d % 10 {
	case 1:
		if d != 11 {
			return fmt.Sprintf("%dst", d)
		}
	case 2:
		if d != 12 {
			return fmt.Sprintf("%dnd", d)
		}
	case 3:
		if d != 13 {
			return fmt.Sprintf("%drd", d)
		}
	}
	return fmt.Sprintf("%dth", d)
}

// gapFirings is how many firings checkGap walks: a year of a daily
// schedule, and every day of month and weekday combination.
const gapFirings = 400

// checkGap refuses a schedule that fires more often than once per gap (on
// the wall clock; DST and changes are the dispatcher's to enforce).
func (s Schedule) checkGap(gap time.Duration) error {
	if gap <= MinInterval || s.sched == nil {
		return nil // ParseSchedule already refused more than hourly
	}
	tooOften := inputErr(ErrBelowGap, fmt.Sprintf("%s fires more often than once every %s, the shortest gap between reminders here. Try “0 10 * * MON” (weekly).", quote(s.Spec), describeGap(gap)))
	if c, ok := s.sched.(cron.ConstantDelaySchedule); ok {
		if c.Delay < gap {
			return tooOften
		}
		return nil
	}
	prev := s.nextWall(checkRef, 0)
	for range gapFirings {
		t := s.nextWall(prev, 0)
		if t.IsZero() {
			break
		}
		if t.Sub(prev) < gap {
			return tooOften
		}
		prev = t
	}
	return nil
}

// describeGap writes a gap in hours or days for a learner.
func describeGap(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0 && d >= 48*time.Hour:
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	case d == 24*time.Hour:
		return "day"
	case d%time.Hour == 0:
		return fmt.Sprintf("%d hours", d/time.Hour)
	}
	return d.String()
}

// nextWall returns the first firing after w. Both are wall-clock times of
// the learner's zone written as UTC times: in UTC every wall-clock slot
// exists exactly once, which is what the DST rules of NextSlot build on.
// parity filters the weeks of a Biweekly schedule. It returns the zero time
// when nothing fires.
func (s Schedule) nextWall(w time.Time, parity int) time.Time {
	if s.sched == nil {
		return time.Time{}
	}
	t := s.sched.Next(w)
	if s.Kind != Biweekly {
		return t
	}
	for range 1000 {
		if t.IsZero() || weekIndex(t)&1 == int64(parity&1) {
			return t
		}
		t = s.sched.Next(t)
	}
	return time.Time{}
}

// weekIndex numbers the week of the wall-clock time w, counting from Monday
// 1970-01-05.
func weekIndex(w time.Time) int64 {
	days := floorDiv(w.Unix(), 86400) - 4
	return floorDiv(days, 7)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// Describe returns a short learner-facing name of the schedule.
func (s Schedule) Describe() string {
	switch s.Kind {
	case Weekly:
		if s.Spec == weeklySpec {
			return "weekly, Mondays at 10:00"
		}
		return "weekly (" + s.Spec + ")"
	case Biweekly:
		if s.Spec == weeklySpec {
			return "every two weeks, Mondays at 10:00"
		}
		return "every two weeks (" + s.Spec + ")"
	case Monthly:
		if s.Spec == monthlySpec {
			return "monthly, on the 1st at 10:00"
		}
		return "monthly (" + s.Spec + ")"
	default:
		return s.Spec
	}
}
