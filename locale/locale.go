// Package locale holds the words the tutor says to learners: one message
// catalog per language (messages/<lang>.toml, embedded), CLDR plural rules
// through go-i18n, and the choice of a learner's language from what a
// platform reports ("ru-RU", "ru_RU.UTF-8", "RU"). English is the fallback
// for a language without a catalog and for a message missing from one.
//
// A course author adds a language by adding messages/<lang>.toml (and the
// lesson files under lessons/content/<lang>/); no Go code changes.
package locale

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// English is the fallback language: every message exists in it.
const English = "en"

//go:embed messages/*.toml
var embedded embed.FS

// Catalog is every language's messages. It is read-only once loaded and
// safe for concurrent use.
type Catalog struct {
	bundle *i18n.Bundle
	langs  []string
	locs   map[string]*Localizer
	// ids are the message ids of each language, for checks.
	ids map[string][]string
	// raw are the messages as written, by language and id, for checks.
	raw map[string]map[string]*i18n.Message
}

var (
	defaultOnce sync.Once
	defaultCat  *Catalog
	defaultErr  error
)

// Default returns the embedded catalogs, loaded once. A broken embedded
// catalog is a build mistake caught by this package's tests; should it
// happen anyway, Default returns an error from Load and callers fail at
// start.
func Default() (*Catalog, error) {
	defaultOnce.Do(func() { defaultCat, defaultErr = Load(embedded) })
	return defaultCat, defaultErr
}

// Load reads every messages/<lang>.toml in fsys. messages/en.toml must
// exist.
func Load(fsys fs.FS) (*Catalog, error) {
	b := i18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	files, err := fs.Glob(fsys, "messages/*.toml")
	if err != nil {
		return nil, fmt.Errorf("load message catalogs: %w", err)
	}
	c := &Catalog{bundle: b, locs: map[string]*Localizer{}, ids: map[string][]string{}, raw: map[string]map[string]*i18n.Message{}}
	for _, f := range files {
		data, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, fmt.Errorf("load message catalog %s: %w", f, err)
		}
		lang := strings.TrimSuffix(path.Base(f), ".toml")
		tag, err := language.Parse(lang)
		if err != nil || tag.String() != lang {
			return nil, fmt.Errorf("load message catalog %s: %q is not a plain language code", f, lang)
		}
		mf, err := b.ParseMessageFileBytes(data, f)
		if err != nil {
			return nil, fmt.Errorf("load message catalog %s: %w", f, err)
		}
		c.raw[lang] = map[string]*i18n.Message{}
		for _, m := range mf.Messages {
			c.ids[lang] = append(c.ids[lang], m.ID)
			c.raw[lang][m.ID] = m
		}
		slices.Sort(c.ids[lang])
		c.langs = append(c.langs, lang)
	}
	if !slices.Contains(c.langs, English) {
		return nil, fmt.Errorf("load message catalogs: no messages/%s.toml", English)
	}
	slices.SortFunc(c.langs, func(a, b string) int {
		// English first: the other localizers fall back to it.
		if a == English || b == English {
			return boolInt(b == English) - boolInt(a == English)
		}
		return strings.Compare(a, b)
	})
	for _, lang := range c.langs {
		loc := &Localizer{lang: lang, tag: language.Make(lang), l: i18n.NewLocalizer(b, lang), en: c.locs[English], fast: map[string]*compiled{}}
		for id, m := range c.raw[lang] {
			if cm, ok := compile(m); ok {
				loc.fast[id] = cm
			}
		}
		loc.loadCalendar()
		c.locs[lang] = loc
	}
	return c, nil
}

// Langs lists the languages with a catalog: English first, then the
// others by code.
func (c *Catalog) Langs() []string { return slices.Clone(c.langs) }

// IDs lists the message ids of lang's catalog, sorted.
func (c *Catalog) IDs(lang string) []string { return slices.Clone(c.ids[lang]) }

// Has reports whether lang has a catalog.
func (c *Catalog) Has(lang string) bool { return c.locs[lang] != nil }

// Match turns a language as a platform reports it (Telegram "ru", "ru-RU",
// Discord "en-US", a terminal's "ru_RU.UTF-8", "RU") into a language with a
// catalog; anything else ("uk", "", "C", garbage) is English.
func (c *Catalog) Match(code string) string {
	if lang, ok := c.find(code); ok {
		return lang
	}
	return English
}

// Find is the language a learner asked for by code ("ru", "ru-RU", "EN")
// or by its own name ("Русский", "english"); false when there is no such
// language with a catalog.
func (c *Catalog) Find(word string) (string, bool) {
	if lang, ok := c.find(word); ok {
		return lang, true
	}
	for _, lang := range c.langs {
		if strings.EqualFold(strings.TrimSpace(word), c.locs[lang].T("LanguageName")) {
			return lang, true
		}
	}
	return "", false
}

func (c *Catalog) find(code string) (string, bool) {
	code = strings.TrimSpace(code)
	if i := strings.IndexAny(code, ".@"); i >= 0 {
		code = code[:i] // ru_RU.UTF-8, de_DE@euro
	}
	if code == "" || len(code) > 35 {
		return "", false
	}
	tag, err := language.Parse(strings.ReplaceAll(code, "_", "-"))
	if err != nil {
		return "", false
	}
	base, conf := tag.Base()
	if conf != language.Exact || !c.Has(base.String()) {
		return "", false
	}
	return base.String(), true
}

// For returns the localizer of lang, or English's when lang has no
// catalog.
func (c *Catalog) For(lang string) *Localizer {
	if l := c.locs[lang]; l != nil {
		return l
	}
	return c.locs[English]
}

// Localizer says messages in one language. It is safe for concurrent use.
type Localizer struct {
	lang string
	tag  language.Tag
	// fast are the messages of the language that compile (see compiled);
	// the others go through l.
	fast map[string]*compiled
	l    *i18n.Localizer
	cal  calendar
	// en is the English localizer (nil for English itself), for
	// messages that fail in this language.
	en *Localizer
}

// Has reports whether message id exists in the localizer's language or in
// English.
func (l *Localizer) Has(id string) bool {
	if l.fast[id] != nil || (l.en != nil && l.en.fast[id] != nil) {
		return true
	}
	_, err := l.l.Localize(&i18n.LocalizeConfig{MessageID: id})
	return err == nil
}

// Lang is the localizer's language.
func (l *Localizer) Lang() string { return l.lang }

// T returns message id filled with data, given as name, value pairs
// ("Page", 3). A message missing in the language comes in English; one
// missing everywhere comes back as its id, so a mistake shows instead of
// stopping the tutor.
func (l *Localizer) T(id string, data ...any) string {
	if c := l.fast[id]; c != nil {
		return c.say(l.tag, nil, data)
	}
	return l.localize(id, nil, data)
}

// N returns message id in the plural form for n ("1 вопрос", "2 вопроса",
// "5 вопросов"); n is also the message's {{.Count}}.
func (l *Localizer) N(id string, n int, data ...any) string {
	data = append([]any{"Count", n}, data...)
	if c := l.fast[id]; c != nil {
		return c.say(l.tag, &n, data)
	}
	return l.localize(id, n, data)
}

func (l *Localizer) localize(id string, count any, data []any) string {
	lc := &i18n.LocalizeConfig{MessageID: id, PluralCount: count}
	if len(data) > 0 {
		m := make(map[string]any, len(data)/2)
		for i := 0; i+1 < len(data); i += 2 {
			if k, ok := data[i].(string); ok {
				m[k] = data[i+1]
			}
		}
		lc.TemplateData = m
	}
	s, err := l.l.Localize(lc)
	if s == "" && err != nil {
		if l.en != nil {
			return l.en.localize(id, count, data)
		}
		return id
	}
	return s
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Say is message id of the embedded catalogs in the language a platform
// reports (code, as Match takes it): for adapters' few words of their own,
// said before or without the engine (a failure, "Done."). It never fails:
// without catalogs it returns the id.
func Say(code, id string, data ...any) string {
	c, err := Default()
	if err != nil {
		return id
	}
	return c.For(c.Match(code)).T(id, data...)
}
