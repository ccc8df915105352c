package locale_test

import (
	"io/fs"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"tutorbot/locale"
)

func catalog(t *testing.T) *locale.Catalog {
	t.Helper()
	c, err := locale.Default()
	if err != nil {
		t.Fatalf("load catalogs: %v", err)
	}
	return c
}

func TestCatalogsComplete(t *testing.T) {
	c := catalog(t)
	if got := c.Langs(); len(got) < 2 || got[0] != "en" || !c.Has("ru") {
		t.Fatalf("languages = %v, want en first and ru", got)
	}
	for _, p := range c.Check() {
		t.Error(p)
	}
}

// modified is the embedded catalogs with ru.toml changed by edit.
func modified(t *testing.T, edit func(ru string) string) *locale.Catalog {
	t.Helper()
	fsys := fstest.MapFS{}
	for _, lang := range []string{"en", "ru"} {
		b, err := os.ReadFile("messages/" + lang + ".toml")
		if err != nil {
			t.Fatal(err)
		}
		if lang == "ru" {
			b = []byte(edit(string(b)))
		}
		fsys["messages/"+lang+".toml"] = &fstest.MapFile{Data: b}
	}
	c, err := locale.Load(fsys)
	if err != nil {
		t.Fatalf("load edited catalogs: %v", err)
	}
	return c
}

// dropLine removes the first line of s that starts with prefix.
func dropLine(t *testing.T, s, prefix string) string {
	t.Helper()
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, prefix) {
			return strings.Join(append(lines[:i:i], lines[i+1:]...), "\n")
		}
	}
	t.Fatalf("no line starting with %q", prefix)
	return s
}

func TestCheckFindsMistakes(t *testing.T) {
	cases := []struct {
		name string
		edit func(t *testing.T, ru string) string
		want string
	}{
		{"key removed from ru", func(t *testing.T, ru string) string { return dropLine(t, ru, "BadButton =") },
			"ru: message BadButton is missing"},
		{"placeholder missing", func(t *testing.T, ru string) string {
			return strings.Replace(ru, "Вы на странице {{.Page}} из {{.Pages}}.", "Вы на странице {{.Page}}.", 1)
		}, "ru: message OnPage (other) lacks the placeholder {{.Pages}}"},
		{"placeholder misspelt", func(t *testing.T, ru string) string {
			return strings.Replace(ru, "Вы на странице {{.Page}} из {{.Pages}}.", "Вы на странице {{.Page}} из {{.Pagez}}.", 1)
		}, "ru: message OnPage (other) has the placeholder {{.Pagez}}"},
		{"plural form missing", func(t *testing.T, ru string) string { return dropLine(t, ru, "QuizHeader.few =") },
			`ru: message QuizHeader lacks the plural form "few"`},
		{"extra key", func(t *testing.T, ru string) string { return ru + "\nOnlyInRussian = \"x\"\n" },
			"ru: message OnlyInRussian is not in English"},
		{"template broken", func(t *testing.T, ru string) string {
			return strings.Replace(ru, "Вы на странице {{.Page}} из {{.Pages}}.", "Вы на странице {{.Page из {{.Pages}}.", 1)
		}, "ru: message OnPage (other) does not parse"},
		{"month list short", func(t *testing.T, ru string) string { return strings.Replace(ru, " декабря\"", "\"", 1) },
			"ru: message MonthsOf must list 12 names"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := modified(t, func(ru string) string { return tc.edit(t, ru) })
			problems := strings.Join(c.Check(), "\n")
			if !strings.Contains(problems, tc.want) {
				t.Errorf("problems:\n%s\nwant one containing %q", problems, tc.want)
			}
		})
	}
}

// A catalog mistake that slipped through shows English or the message id,
// never a panic.
func TestBrokenCatalogNeverPanics(t *testing.T) {
	c := modified(t, func(ru string) string {
		ru = dropLine(t, ru, "BadButton =")
		ru = strings.Replace(ru, "Вы на странице {{.Page}} из {{.Pages}}.", "Вы на странице {{.Page из", 1)
		return strings.Replace(ru, "Ошибки:", "{{.Nope}} ошибки:", 1)
	})
	ru := c.For("ru")
	if got, want := ru.T("BadButton"), c.For("en").T("BadButton"); got != want {
		t.Errorf("missing message = %q, want the English %q", got, want)
	}
	if got := ru.T("OnPage", "Page", 1, "Pages", 2); got != "You are on page 1 of 2." {
		t.Errorf("broken template = %q, want the English message", got)
	}
	if got := ru.T("QuizMissed"); !strings.Contains(got, "ошибки") {
		t.Errorf("unknown placeholder = %q", got)
	}
	if got := ru.T("NoSuchMessage"); got != "NoSuchMessage" {
		t.Errorf("unknown id = %q, want the id", got)
	}
	if got := ru.N("QuizHeader", 2, "Extra"); !strings.Contains(got, "2 вопроса") {
		t.Errorf("odd data = %q", got)
	}
}

func TestRussianPlurals(t *testing.T) {
	ru := catalog(t).For("ru")
	for n, want := range map[int]string{1: "1 вопрос", 2: "2 вопроса", 4: "4 вопроса", 5: "5 вопросов", 11: "11 вопросов", 21: "21 вопрос", 22: "22 вопроса", 25: "25 вопросов", 0: "0 вопросов"} {
		if got := ru.N("QuizHeader", n); got != "**Квиз — "+want+"**" {
			t.Errorf("QuizHeader(%d) = %q, want %q", n, got, want)
		}
	}
	en := catalog(t).For("en")
	if got := en.N("QuizHeader", 1); got != "**Quiz — 1 question**" {
		t.Errorf("English one = %q", got)
	}
	if got := en.N("QuizHeader", 2); got != "**Quiz — 2 questions**" {
		t.Errorf("English other = %q", got)
	}
}

func TestQuizWordingMatchesTheCourse(t *testing.T) {
	ru := catalog(t).For("ru")
	if got := ru.N("QuizHeader", 2); got != "**Квиз — 2 вопроса**" {
		t.Errorf("header = %q", got)
	}
	if got := ru.T("QuizAnswered", "Answered", 0, "Total", 2); got != "*Отвечено: 0 из 2*" {
		t.Errorf("counter = %q", got)
	}
}

func TestMatch(t *testing.T) {
	c := catalog(t)
	for in, want := range map[string]string{
		"ru": "ru", "ru-RU": "ru", "RU": "ru", "ru_RU.UTF-8": "ru", "ru_UA": "ru", "  ru ": "ru",
		"en": "en", "en-US": "en", "en-GB": "en", "uk": "en", "": "en", "C": "en", "POSIX": "en",
		"C.UTF-8": "en", "zz-ZZ": "en", "ру": "en", "<script>": "en", strings.Repeat("ru", 5000): "en",
		"de_DE@euro": "en", "\x00ru": "en", "ru\n": "ru",
	} {
		if got := c.Match(in); got != want {
			t.Errorf("Match(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFind(t *testing.T) {
	c := catalog(t)
	for in, want := range map[string]string{"ru": "ru", "RU": "ru", "Русский": "ru", "русский": "ru", "english": "en", "en-US": "en"} {
		if got, ok := c.Find(in); !ok || got != want {
			t.Errorf("Find(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"xx", "uk", "", strings.Repeat("x", 10000), "klingon"} {
		if got, ok := c.Find(in); ok {
			t.Errorf("Find(%q) = %q, want no language", in, got)
		}
	}
}

func TestDates(t *testing.T) {
	c := catalog(t)
	at := time.Date(2026, 11, 26, 10, 5, 0, 0, time.UTC)
	for _, tc := range []struct{ lang, long, short, full string }{
		{"en", "26 Nov 2026", "26 Nov", "Thu 26 Nov 2026, 10:05 UTC"},
		{"ru", "26 ноября 2026", "26 ноября", "чт, 26 ноября 2026, 10:05 UTC"},
	} {
		l := c.For(tc.lang)
		if got := l.Date(at); got != tc.long {
			t.Errorf("%s Date = %q, want %q", tc.lang, got, tc.long)
		}
		if got := l.DateShort(at); got != tc.short {
			t.Errorf("%s DateShort = %q, want %q", tc.lang, got, tc.short)
		}
		if got := l.DateTime(at); got != tc.full {
			t.Errorf("%s DateTime = %q, want %q", tc.lang, got, tc.full)
		}
	}
}

func TestLoadRejectsBadCatalogs(t *testing.T) {
	for name, fsys := range map[string]fs.FS{
		"no English":    fstest.MapFS{"messages/ru.toml": {Data: []byte(`A = "б"`)}},
		"bad TOML":      fstest.MapFS{"messages/en.toml": {Data: []byte(`A = "unclosed`)}},
		"bad file name": fstest.MapFS{"messages/en.toml": {Data: []byte(`A = "a"`)}, "messages/Russian.toml": {Data: []byte(`A = "б"`)}},
	} {
		if _, err := locale.Load(fsys); err == nil {
			t.Errorf("%s: Load succeeded", name)
		}
	}
}

func BenchmarkLocalize(b *testing.B) {
	c, err := locale.Default()
	if err != nil {
		b.Fatal(err)
	}
	for _, lang := range []string{"en", "ru"} {
		l := c.For(lang)
		b.Run(lang+"/plain", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				l.T("BtnNext")
			}
		})
		b.Run(lang+"/plural", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				l.N("QuizHeader", 2)
			}
		})
	}
}

// BenchmarkLoad is the start-up cost of the catalogs: parsing every
// language's file and preparing its messages.
func BenchmarkLoad(b *testing.B) {
	fsys := os.DirFS(".")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := locale.Load(fsys); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzMatch: any language code a platform sends picks a language with a
// catalog, never panics, and Find agrees with Match where it finds one.
func FuzzMatch(f *testing.F) {
	for _, s := range []string{"ru", "ru-RU", "RU", "ru_RU.UTF-8", "en-US", "uk", "", "C", "de_DE@euro", "x-klingon", "zh-Hant-TW", "\xff", "Русский"} {
		f.Add(s)
	}
	c, err := locale.Default()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, code string) {
		lang := c.Match(code)
		if !c.Has(lang) {
			t.Fatalf("Match(%q) = %q, which has no catalog", code, lang)
		}
		if found, ok := c.Find(code); ok && !c.Has(found) {
			t.Fatalf("Find(%q) = %q, which has no catalog", code, found)
		}
		if got := c.For(lang).T("LanguageSet"); got == "" || got == "LanguageSet" {
			t.Fatalf("no LanguageSet message in %q", lang)
		}
	})
}
