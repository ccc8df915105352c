package locale

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"text/template"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
)

// Check reports every problem of the catalogs that would show as a wrong
// or English word to a learner: a message missing in a language or found
// only there, a placeholder of the English message missing in a
// translation (or one English does not have), a plural form the
// language's CLDR rules need, a template that does not parse, a month or
// weekday list of the wrong length. An empty result means the catalogs
// are complete.
func (c *Catalog) Check() []string {
	var problems []string
	en := c.raw[English]
	for _, lang := range c.langs {
		msgs := c.raw[lang]
		forms := pluralForms(lang)
		for _, id := range c.ids[English] {
			m, ok := msgs[id]
			if !ok {
				problems = append(problems, fmt.Sprintf("%s: message %s is missing", lang, id))
				continue
			}
			want := placeholders(en[id])
			if strings.HasPrefix(id, "Date") {
				// A date format picks its parts in each language.
				want = nil
			}
			for form, src := range texts(m) {
				if _, err := template.New(id).Parse(src); err != nil {
					problems = append(problems, fmt.Sprintf("%s: message %s (%s) does not parse: %v", lang, id, form, err))
				}
				got := placeholdersOf(src)
				for _, p := range want {
					if !slices.Contains(got, p) {
						problems = append(problems, fmt.Sprintf("%s: message %s (%s) lacks the placeholder {{.%s}}", lang, id, form, p))
					}
				}
				for _, p := range got {
					if strings.HasPrefix(id, "Date") && slices.Contains(dateParts, p) {
						continue
					}
					if !slices.Contains(want, p) {
						problems = append(problems, fmt.Sprintf("%s: message %s (%s) has the placeholder {{.%s}}, which English does not give", lang, id, form, p))
					}
				}
			}
			if isPlural(en[id]) {
				have := texts(m)
				for _, f := range forms {
					if have[f] == "" {
						problems = append(problems, fmt.Sprintf("%s: message %s lacks the plural form %q", lang, id, f))
					}
				}
			} else if isPlural(m) {
				problems = append(problems, fmt.Sprintf("%s: message %s has plural forms, but English has none: it is never given a count", lang, id))
			}
		}
		for _, id := range c.ids[lang] {
			if _, ok := en[id]; !ok {
				problems = append(problems, fmt.Sprintf("%s: message %s is not in English, so nothing uses it", lang, id))
			}
		}
		for id, n := range map[string]int{"MonthsShort": 12, "MonthsOf": 12, "WeekdaysShort": 7} {
			if m := msgs[id]; m != nil && len(strings.Fields(m.Other)) != n {
				problems = append(problems, fmt.Sprintf("%s: message %s must list %d names", lang, id, n))
			}
		}
	}
	return problems
}

// dateParts are the placeholders a Date* format may use.
var dateParts = []string{"Day", "Mon", "Month", "Year", "Weekday", "Time", "Zone"}

// texts are a message's non-empty forms by CLDR category.
func texts(m *i18n.Message) map[string]string {
	out := map[string]string{}
	for form, s := range map[string]string{"zero": m.Zero, "one": m.One, "two": m.Two, "few": m.Few, "many": m.Many, "other": m.Other} {
		if s != "" {
			out[form] = s
		}
	}
	return out
}

// isPlural reports whether a message has forms beyond "other".
func isPlural(m *i18n.Message) bool {
	return m.Zero != "" || m.One != "" || m.Two != "" || m.Few != "" || m.Many != ""
}

var placeholderRE = regexp.MustCompile(`\{\{\s*\.([A-Za-z][A-Za-z0-9]*)\s*\}\}`)

func placeholdersOf(src string) []string {
	var out []string
	for _, m := range placeholderRE.FindAllStringSubmatch(src, -1) {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	return out
}

// placeholders are the placeholders of every form of m.
func placeholders(m *i18n.Message) []string {
	var out []string
	for _, src := range texts(m) {
		for _, p := range placeholdersOf(src) {
			if !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	slices.Sort(out)
	return out
}

// pluralForms are the CLDR cardinal categories lang uses, found by asking
// the rules about whole numbers and a fraction.
func pluralForms(lang string) []string {
	tag := language.Make(lang)
	seen := map[plural.Form]bool{}
	for n := range 1000 {
		seen[plural.Cardinal.MatchPlural(tag, n, 0, 0, 0, 0)] = true
	}
	seen[plural.Cardinal.MatchPlural(tag, 1, 1, 1, 5, 5)] = true // 1.5
	names := map[plural.Form]string{plural.Zero: "zero", plural.One: "one", plural.Two: "two", plural.Few: "few", plural.Many: "many", plural.Other: "other"}
	var out []string
	for f, name := range names {
		if seen[f] {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}
