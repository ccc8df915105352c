package locale

import (
	"strconv"
	"strings"
	"time"
)

// calendar holds a language's month and weekday names, read from its
// catalog once.
type calendar struct {
	monthsShort, monthsOf, weekdays []string
}

func (l *Localizer) loadCalendar() {
	l.cal = calendar{
		monthsShort: names(l.T("MonthsShort"), 12),
		monthsOf:    names(l.T("MonthsOf"), 12),
		weekdays:    names(l.T("WeekdaysShort"), 7),
	}
}

// names splits a space-separated list of n names; a list of another
// length (a catalog mistake, caught by the catalog test) gives numbers.
func names(list string, n int) []string {
	f := strings.Fields(list)
	if len(f) == n {
		return f
	}
	f = make([]string, n)
	for i := range f {
		f[i] = strconv.Itoa(i + 1)
	}
	return f
}

func (l *Localizer) date(id string, t time.Time) string {
	return l.T(id,
		"Day", t.Day(),
		"Mon", l.cal.monthsShort[t.Month()-1],
		"Month", l.cal.monthsOf[t.Month()-1],
		"Year", t.Year(),
		"Weekday", l.cal.weekdays[t.Weekday()],
		"Time", t.Format("15:04"),
		"Zone", t.Format("MST"),
	)
}

// Date is a day as "2 Jan 2006" or "2 января 2006".
func (l *Localizer) Date(t time.Time) string { return l.date("DateLong", t) }

// DateShort is a day of this year as "2 Jan" or "2 января".
func (l *Localizer) DateShort(t time.Time) string { return l.date("DateShort", t) }

// DateTime is a moment as "Mon 2 Jan 2006, 15:04 MST" or
// "пн, 2 января 2006, 15:04 MST", in t's location.
func (l *Localizer) DateTime(t time.Time) string { return l.date("DateTime", t) }

// DateTimeShort is DateTime without the year.
func (l *Localizer) DateTimeShort(t time.Time) string { return l.date("DateTimeShort", t) }

// DateTimeLocal is DateTime without the zone, for a time the learner
// reads in their own zone.
func (l *Localizer) DateTimeLocal(t time.Time) string { return l.date("DateTimeLocal", t) }
