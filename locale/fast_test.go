package locale

import (
	"testing"

	"github.com/nicksnyder/go-i18n/v2/i18n"
)

// TestFastPathSaysWhatGoI18nSays: every compiled message, in every plural
// form, reads exactly as go-i18n renders it.
func TestFastPathSaysWhatGoI18nSays(t *testing.T) {
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, lang := range c.Langs() {
		l := c.For(lang)
		for id, m := range c.raw[lang] {
			cm := l.fast[id]
			if cm == nil {
				continue
			}
			var data []any
			tmpl := map[string]any{}
			for _, p := range placeholders(m) {
				data = append(data, p, "‹"+p+"›")
				tmpl[p] = "‹" + p + "›"
			}
			for _, n := range []int{0, 1, 2, 3, 5, 11, 21, 22, 25, 101, 1000} {
				var count any
				var np *int
				if isPlural(m) {
					count, np = n, &n
					tmpl["Count"] = n
					data = append([]any{"Count", n}, data...)
				}
				want, err := l.l.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: tmpl, PluralCount: count})
				if err != nil {
					t.Fatalf("%s %s: %v", lang, id, err)
				}
				checked++
				if got := cm.say(l.tag, np, data); got != want {
					t.Errorf("%s %s (%d): fast %q, go-i18n %q", lang, id, n, got, want)
				}
				if !isPlural(m) {
					break
				}
				data = data[2:]
			}
		}
	}
	if checked < 200 {
		t.Errorf("only %d renderings compared", checked)
	}
}
