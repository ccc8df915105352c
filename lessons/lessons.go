// Package lessons holds the course content: Markdown lesson files with a
// front-matter block (id, title, order, quiz, practice template), embedded
// into the binary and loaded through fs.FS, split into chat-sized pages and
// rendered once per platform format.
package lessons

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"fmt"
	"hash/fnv"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"tutorbot/quiz"
	"tutorbot/render"
)

//go:embed content
var embedded embed.FS

// Content is the course shipped in the binary: one folder per language
// (content/en, content/ru, ...).
func Content() fs.FS {
	sub, err := fs.Sub(embedded, "content")
	if err != nil {
		panic(err) // the embed pattern guarantees the folder
	}
	return sub
}

// PageBudget is the target length of a page in visible characters: about
// what a person reads in under a minute.
const PageBudget = 1100

// FooterRoom is the room each page keeps free under every platform's limit
// for the progress line the engine adds.
const FooterRoom = 200

// Lesson is one lesson of the course in one language.
type Lesson struct {
	ID       string          `yaml:"id"`
	Title    string          `yaml:"title"`
	Order    int             `yaml:"order"`
	Course   string          `yaml:"course"`
	Subtitle string          `yaml:"subtitle"`
	Quiz     []quiz.Question `yaml:"quiz"`
	Practice string          `yaml:"practice"`
	// Unlock says when the lesson opens: empty (always open),
	// "after-previous", "2d after-previous" or a date "2027-01-15".
	Unlock string `yaml:"unlock"`
	// FAQ are short question/answer pairs learners often ask about the
	// lesson; the tutor answers free-text questions from them too.
	FAQ []FAQ `yaml:"faq"`

	// Lang is the language of the lesson's text ("en", "ru").
	Lang string `yaml:"-"`
	// File is the lesson's file path inside the content folder.
	File string `yaml:"-"`
	// Body is the lesson's Markdown after the front matter.
	Body string `yaml:"-"`
	// Pages are the Markdown sources of the lesson's pages.
	Pages []string `yaml:"-"`
	// Rule is Unlock, parsed.
	Rule UnlockRule `yaml:"-"`

	rendered map[render.Format][]string
	ref      string   // RefOf(ID), set by Parse
	sum      [32]byte // SHA-256 of the file, for Reload
}

// FAQ is one frequently asked question of a lesson, with its short answer
// and, optionally, the page (from 1) that explains it.
type FAQ struct {
	Q    string `yaml:"q"`
	A    string `yaml:"a"`
	Page int    `yaml:"page"`
}

// Page returns page i (from 0) rendered in format f.
func (l *Lesson) Page(i int, f render.Format) string {
	pages := l.rendered[f]
	if i < 0 || i >= len(pages) {
		return ""
	}
	return pages[i]
}

// Ref is the lesson's short, stable reference for button payloads: derived
// from its id, so it survives renumbering.
func (l *Lesson) Ref() string {
	if l.ref == "" {
		return RefOf(l.ID)
	}
	return l.ref
}

// RefOf is the payload reference of lesson id: "l" and up to 8 base-36
// digits of a hash of the id.
func RefOf(id string) string {
	h := fnv.New64a()
	h.Write([]byte(id))
	return "l" + strconv.FormatUint(h.Sum64()>>24, 36)
}

// DefaultLang is the language every lesson must exist in and the fallback
// for learners whose language a lesson lacks.
const DefaultLang = "en"

// Course is the lessons of one course, in order, in every language they
// were written in.
type Course struct {
	// Lessons are the lessons in order, each in the default language (or,
	// for a lesson written only in other languages, in the first of them).
	Lessons []*Lesson

	// Warnings are problems that do not stop the course: a lesson
	// missing in a language.
	Warnings Problems

	byID   map[string]int                // id -> index in Lessons
	byRef  map[string]int                // Ref -> index in Lessons
	byLang map[string]map[string]*Lesson // lang -> id -> lesson
	langs  []string
	timed  bool
}

// TimedUnlocks reports whether any lesson opens at a date or a delay after
// the previous one (so learners get a message when it opens).
func (c *Course) TimedUnlocks() bool { return c.timed }

// Len is the number of lessons.
func (c *Course) Len() int { return len(c.Lessons) }

// Title is the course's title in lang, or in the default language.
func (c *Course) Title(lang string) string {
	for _, l := range c.Lessons {
		if t, _ := c.Lesson(l.ID, lang); t != nil && t.Course != "" {
			return t.Course
		}
	}
	return ""
}

// Lesson returns lesson id in lang. When the lesson is not written in lang
// it returns the default-language version and fellBack is true (the caller
// may say so in one line). It returns nil when no lesson has that id.
func (c *Course) Lesson(id, lang string) (l *Lesson, fellBack bool) {
	i, ok := c.byID[id]
	if !ok {
		return nil, false
	}
	if l := c.byLang[lang][id]; l != nil {
		return l, false
	}
	base := c.Lessons[i]
	return base, lang != "" && base.Lang != lang
}

// Index returns the position (from 0) of lesson id in the course, or -1.
func (c *Course) Index(id string) int {
	if i, ok := c.byID[id]; ok {
		return i
	}
	return -1
}

// ByOrder returns the lesson whose front-matter order is n.
func (c *Course) ByOrder(n int) (*Lesson, bool) {
	for _, l := range c.Lessons {
		if l.Order == n {
			return l, true
		}
	}
	return nil, false
}

// ByRef returns the lesson whose Ref is ref.
func (c *Course) ByRef(ref string) (*Lesson, bool) {
	i, ok := c.byRef[ref]
	if !ok {
		return nil, false
	}
	return c.Lessons[i], true
}

// First returns the first lesson.
func (c *Course) First() *Lesson { return c.Lessons[0] }

// Next returns the lesson after lesson id, or nil at the end.
func (c *Course) Next(id string) *Lesson {
	if i, ok := c.byID[id]; ok && i+1 < len(c.Lessons) {
		return c.Lessons[i+1]
	}
	return nil
}

// Previous returns the lesson before lesson id, or nil for the first.
func (c *Course) Previous(id string) *Lesson {
	if i, ok := c.byID[id]; ok && i > 0 {
		return c.Lessons[i-1]
	}
	return nil
}

// Languages lists the languages the course has lessons in, the default
// language first.
func (c *Course) Languages() []string { return append([]string(nil), c.langs...) }

// InLang returns the lessons written in lang, in course order (without
// fallbacks), for checks across languages.
func (c *Course) InLang(lang string) []*Lesson {
	var out []*Lesson
	for _, l := range c.Lessons {
		if t := c.byLang[lang][l.ID]; t != nil {
			out = append(out, t)
		}
	}
	return out
}

// Default loads the embedded course.
func Default() (*Course, error) { return Load(Content()) }

// Problem is one error found in a lesson file.
type Problem struct {
	File string
	Line int
	Msg  string
}

// String is the problem as "file:line: message".
func (p Problem) String() string { return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg) }

// Problems is a list of problems; it is an error.
type Problems []Problem

// Error is every problem, one "file:line: message" line each.
func (ps Problems) Error() string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, "\n")
}

// Load reads a course folder: lesson files in one folder per language
// (<lang>/*.md, such as en/01-intro.md and ru/01-intro.md), and lesson files
// at the top (*.md), which count as English. Files of different languages
// with the same front-matter id are one lesson. Files that are not Markdown
// are ignored. It returns Problems when any file is invalid or the course
// does not hold together.
func Load(fsys fs.FS) (*Course, error) { return Reload(fsys, nil) }

// Reload is Load for a folder read before into prev: files whose bytes are
// unchanged reuse prev's parsed lesson instead of parsing and rendering it
// again, so reloading a folder after editing one file costs little more
// than reading it. The course is checked as a whole as Load does.
func Reload(fsys fs.FS, prev *Course) (*Course, error) {
	c, probs := load(fsys, prev)
	if len(probs) > 0 {
		return nil, probs
	}
	return c, nil
}

// Lint checks a lessons folder and returns every problem found.
func Lint(fsys fs.FS) Problems {
	_, probs := load(fsys, nil)
	return probs
}

// MaxFileSize bounds a lesson file.
const MaxFileSize = 1 << 20

// MaxLessons bounds the lessons of one language.
const MaxLessons = 300

// langName matches a language folder: "en", "ru", "pt-BR".
var langName = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$`)

// files lists the lesson files of fsys by language, in name order.
func files(fsys fs.FS) (map[string][]string, Problems) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, Problems{{File: ".", Line: 1, Msg: fmt.Sprintf("read folder: %v", err)}}
	}
	out := map[string][]string{}
	var probs Problems
	for _, e := range entries {
		name := e.Name()
		switch {
		case e.IsDir() && langName.MatchString(name):
			sub, err := fs.ReadDir(fsys, name)
			if err != nil {
				probs = append(probs, Problem{File: name, Line: 1, Msg: fmt.Sprintf("read folder: %v", err)})
				continue
			}
			for _, f := range sub {
				if !f.IsDir() && strings.HasSuffix(f.Name(), ".md") {
					out[name] = append(out[name], path.Join(name, f.Name()))
				}
			}
		case !e.IsDir() && strings.HasSuffix(name, ".md"):
			out[DefaultLang] = append(out[DefaultLang], name)
		}
	}
	return out, probs
}

func load(fsys fs.FS, prev *Course) (*Course, Problems) {
	byLang, probs := files(fsys)
	if len(probs) > 0 {
		return nil, probs
	}
	if len(byLang) == 0 {
		return nil, Problems{{File: ".", Line: 1, Msg: "no lesson files: put <lang>/*.md (for example en/01-intro.md) or *.md in the folder"}}
	}
	c := &Course{byID: map[string]int{}, byRef: map[string]int{}, byLang: map[string]map[string]*Lesson{}}
	for lang := range byLang {
		c.langs = append(c.langs, lang)
	}
	sort.Slice(c.langs, func(i, j int) bool {
		if (c.langs[i] == DefaultLang) != (c.langs[j] == DefaultLang) {
			return c.langs[i] == DefaultLang
		}
		return c.langs[i] < c.langs[j]
	})
	for _, lang := range c.langs {
		names := byLang[lang]
		if len(names) > MaxLessons {
			probs = append(probs, Problem{File: lang, Line: 1, Msg: fmt.Sprintf("%d lesson files, more than the %d a course may have", len(names), MaxLessons)})
			continue
		}
		ls, ps := loadLang(fsys, lang, names, prev)
		probs = append(probs, ps...)
		c.byLang[lang] = map[string]*Lesson{}
		for _, l := range ls {
			c.byLang[lang][l.ID] = l
			if _, ok := c.byID[l.ID]; !ok {
				c.byID[l.ID] = -1
				c.Lessons = append(c.Lessons, l)
			}
		}
	}
	if len(probs) > 0 {
		return nil, probs
	}
	sort.SliceStable(c.Lessons, func(i, j int) bool { return c.Lessons[i].Order < c.Lessons[j].Order })
	for i, l := range c.Lessons {
		c.byID[l.ID] = i
		if !l.Rule.Date.IsZero() || l.Rule.AfterPrevious && l.Rule.Delay > 0 {
			c.timed = true
		}
		if j, dup := c.byRef[l.Ref()]; dup {
			probs = append(probs, Problem{File: l.File, Line: 2, Msg: fmt.Sprintf("lesson id %q collides with %q in button payloads; rename one of them", l.ID, c.Lessons[j].ID)})
		}
		c.byRef[l.Ref()] = i
	}
	if len(c.Lessons) == 0 {
		probs = append(probs, Problem{File: ".", Line: 1, Msg: "no valid lessons"})
	}
	errs, warns := crossCheck(c)
	c.Warnings = warns
	if probs = append(probs, errs...); len(probs) > 0 {
		return nil, probs
	}
	return c, nil
}

// loadLang parses the files of one language and checks that they make one
// course: unique ids and orders, one course title, unlock rules that name
// a lesson that exists.
func loadLang(fsys fs.FS, lang string, names []string, prev *Course) ([]*Lesson, Problems) {
	old := map[string]*Lesson{}
	if prev != nil {
		for _, l := range prev.byLang[lang] {
			old[l.File] = l
		}
	}
	var probs Problems
	var out []*Lesson
	seen := map[string]*Lesson{}
	for _, name := range names {
		if st, err := fs.Stat(fsys, name); err == nil && st.Size() > MaxFileSize {
			probs = append(probs, Problem{File: name, Line: 1, Msg: fmt.Sprintf("file is %d bytes, larger than %d", st.Size(), MaxFileSize)})
			continue
		}
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			probs = append(probs, Problem{File: name, Line: 1, Msg: fmt.Sprintf("read: %v", err)})
			continue
		}
		sum := sha256.Sum256(data)
		var l *Lesson
		if o := old[name]; o != nil && o.sum == sum {
			l = o // the same bytes: the same lesson
		} else {
			var ps Problems
			l, ps = Parse(name, data)
			probs = append(probs, ps...)
			if l == nil {
				continue
			}
			l.Lang, l.sum = lang, sum
		}
		if prev, ok := seen[l.ID]; ok {
			probs = append(probs, Problem{File: name, Line: 2, Msg: fmt.Sprintf("lesson id %q is also used by %s", l.ID, prev.File)})
			continue
		}
		seen[l.ID] = l
		out = append(out, l)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Order < out[j].Order })
	for i := 1; i < len(out); i++ {
		if out[i].Order == out[i-1].Order {
			probs = append(probs, Problem{File: out[i].File, Line: 2, Msg: fmt.Sprintf("order %d is also used by %s", out[i].Order, out[i-1].File)})
		}
	}
	for _, l := range out {
		if l.Course != out[0].Course {
			probs = append(probs, Problem{File: l.File, Line: 2, Msg: fmt.Sprintf("course title %q differs from %q in %s", l.Course, out[0].Course, out[0].File)})
		}
	}
	if len(out) > 0 && out[0].Rule.AfterPrevious {
		probs = append(probs, Problem{File: out[0].File, Line: 2, Msg: fmt.Sprintf("unlock %q: this is the first lesson, there is no previous one", out[0].Unlock)})
	}
	return out, probs
}

// Parse reads one lesson file: the front matter between "---" lines, then
// the Markdown body. It returns the lesson (nil when unusable) and every
// problem found, with line numbers.
func Parse(name string, data []byte) (*Lesson, Problems) {
	p := func(line int, format string, args ...any) Problem {
		return Problem{File: name, Line: line, Msg: fmt.Sprintf(format, args...)}
	}
	if len(data) > MaxFileSize {
		return nil, Problems{p(1, "file is %d bytes, larger than %d", len(data), MaxFileSize)}
	}
	if !utf8.Valid(data) {
		return nil, Problems{p(1, "file is not valid UTF-8")}
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return nil, Problems{p(1, "file contains NUL bytes")}
	}
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	if !strings.HasPrefix(text, "---\n") {
		return nil, Problems{p(1, "missing front matter: the file must start with a line \"---\"")}
	}
	end := strings.Index(text[4:], "\n---\n")
	if end < 0 {
		if strings.HasSuffix(text, "\n---") {
			end = len(text) - 4 - 4
		} else {
			return nil, Problems{p(1, "front matter is not closed by a line \"---\"")}
		}
	}
	front := text[4 : 4+end+1]
	body := ""
	if 4+end+5 <= len(text) {
		body = text[4+end+5:]
	}
	bodyLine := strings.Count(text[:min(len(text), 4+end+5)], "\n") + 1

	var node yaml.Node
	if err := yaml.Unmarshal([]byte(front), &node); err != nil {
		line, msg := yamlMessage(err)
		return nil, Problems{p(line, "front matter: %s", msg)}
	}
	var l Lesson
	if err := node.Decode(&l); err != nil {
		line, msg := yamlMessage(err)
		return nil, Problems{p(line, "front matter: %s", msg)}
	}
	l.File = name
	l.Body = body
	l.ref = RefOf(l.ID)
	lines := frontLines(&node)

	var probs Problems
	if l.ID == "" {
		probs = append(probs, p(2, "front matter: id is missing"))
	} else if strings.ContainsAny(l.ID, ": \t\n") || len(l.ID) > 40 {
		probs = append(probs, p(lines.of("id"), "front matter: id %q must be at most 40 characters without spaces or colons", l.ID))
	}
	if l.Title == "" {
		probs = append(probs, p(2, "front matter: title is missing"))
	}
	if l.Order <= 0 {
		probs = append(probs, p(lines.of("order"), "front matter: order must be a positive number"))
	}
	if rule, err := ParseUnlock(l.Unlock); err != nil {
		probs = append(probs, p(lines.of("unlock"), "front matter: %v", err))
	} else {
		l.Rule = rule
	}
	for i, f := range l.FAQ {
		if strings.TrimSpace(f.Q) == "" || strings.TrimSpace(f.A) == "" {
			probs = append(probs, p(lines.of("faq"), "faq %d: q and a must both be given", i+1))
		}
		if f.Page < 0 {
			probs = append(probs, p(lines.of("faq"), "faq %d: page must be positive", i+1))
		}
	}
	seenQ := map[string]bool{}
	for i, q := range l.Quiz {
		if err := q.Check(); err != nil {
			line := lines.quiz(i, "answer")
			if q.Answer != "" {
				if _, ok := q.Option(q.Answer); ok {
					line = lines.quiz(i, "")
				}
			}
			for _, msg := range strings.Split(err.Error(), "\n") {
				probs = append(probs, p(line, "quiz: %s", msg))
			}
		}
		if seenQ[q.ID] {
			probs = append(probs, p(lines.quiz(i, ""), "quiz: question id %q used twice", q.ID))
		}
		seenQ[q.ID] = true
		if len(q.ID) > 24 {
			probs = append(probs, p(lines.quiz(i, ""), "quiz: question id %q is longer than 24 characters (it travels in button payloads)", q.ID))
		}
	}
	if strings.TrimSpace(body) == "" {
		probs = append(probs, p(bodyLine, "lesson body is empty"))
		return nil, probs
	}
	l.Pages = render.Split(body, PageBudget)
	for i, f := range l.FAQ {
		if f.Page > len(l.Pages) {
			probs = append(probs, p(lines.of("faq"), "faq %d: page %d is past the lesson's %d pages", i+1, f.Page, len(l.Pages)))
		}
	}
	l.rendered = map[render.Format][]string{}
	for _, f := range []render.Format{render.Plain, render.TelegramHTML, render.DiscordMarkdown} {
		out := make([]string, len(l.Pages))
		for i, src := range l.Pages {
			out[i] = render.Render(src, f)
			if n := render.Length(out[i], f); n > f.Limit()-FooterRoom {
				probs = append(probs, p(bodyLine+lineOf(body, src), "page %d is %d characters in %s, over the limit of %d", i+1, n, f, f.Limit()-FooterRoom))
			}
			if f == render.TelegramHTML {
				if err := render.ValidateTelegramHTML(out[i]); err != nil {
					probs = append(probs, p(bodyLine+lineOf(body, src), "page %d is not valid Telegram HTML: %v", i+1, err))
				}
			}
		}
		l.rendered[f] = out
	}
	if len(probs) > 0 {
		return nil, probs
	}
	return &l, nil
}

// lineOf returns the 0-based line in body where page src starts.
func lineOf(body, src string) int {
	if i := strings.Index(body, strings.TrimSpace(src)); i >= 0 {
		return strings.Count(body[:i], "\n")
	}
	return 0
}

// yamlMessage turns a YAML error into a file line (the front matter starts
// on line 2) and a message without the "yaml: line N:" prefix.
func yamlMessage(err error) (int, string) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = strings.TrimPrefix(msg, "unmarshal errors:\n  ")
	var n int
	if _, scanErr := fmt.Sscanf(msg, "line %d:", &n); scanErr == nil {
		if i := strings.Index(msg, ": "); i >= 0 {
			msg = msg[i+2:]
		}
		return n + 1, msg
	}
	return 2, msg
}

// lineIndex finds the line numbers of front matter keys (1-based, in the file).
type lineIndex struct{ root *yaml.Node }

func frontLines(doc *yaml.Node) lineIndex {
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		return lineIndex{root: doc.Content[0]}
	}
	return lineIndex{}
}

// of returns the file line of a top-level key (the front matter starts on
// file line 2).
func (x lineIndex) of(key string) int {
	if n := value(x.root, key); n != nil {
		return n.Line + 1
	}
	return 2
}

// quiz returns the file line of question i, or of its key when key != "".
func (x lineIndex) quiz(i int, key string) int {
	q := value(x.root, "quiz")
	if q == nil || q.Kind != yaml.SequenceNode || i >= len(q.Content) {
		return x.of("quiz")
	}
	item := q.Content[i]
	if key != "" {
		if n := value(item, key); n != nil {
			return n.Line + 1
		}
	}
	return item.Line + 1
}

func value(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}
