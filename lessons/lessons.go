// Package lessons holds the course content: Markdown lesson files with a
// front-matter block (id, title, order, quiz, practice template), embedded
// into the binary and loaded through fs.FS, split into chat-sized pages and
// rendered once per platform format.
package lessons

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"tutorbot/quiz"
	"tutorbot/render"
)

//go:embed content/*.md
var embedded embed.FS

// Content is the course shipped in the binary.
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

// Lesson is one lesson of the course.
type Lesson struct {
	ID       string          `yaml:"id"`
	Title    string          `yaml:"title"`
	Order    int             `yaml:"order"`
	Course   string          `yaml:"course"`
	Subtitle string          `yaml:"subtitle"`
	Quiz     []quiz.Question `yaml:"quiz"`
	Practice string          `yaml:"practice"`

	// File is the lesson's file name inside the content folder.
	File string `yaml:"-"`
	// Body is the lesson's Markdown after the front matter.
	Body string `yaml:"-"`
	// Pages are the Markdown sources of the lesson's pages.
	Pages []string `yaml:"-"`

	rendered map[render.Format][]string
}

// Page returns page i (from 0) rendered in format f.
func (l *Lesson) Page(i int, f render.Format) string {
	pages := l.rendered[f]
	if i < 0 || i >= len(pages) {
		return ""
	}
	return pages[i]
}

// Course is every lesson, in order.
type Course struct {
	Lessons []*Lesson
	byID    map[string]*Lesson
}

// Lesson returns the lesson with the given id.
func (c *Course) Lesson(id string) (*Lesson, bool) {
	l, ok := c.byID[id]
	return l, ok
}

// First returns the first lesson.
func (c *Course) First() *Lesson { return c.Lessons[0] }

// Default loads the embedded course.
func Default() (*Course, error) { return Load(Content()) }

// Problem is one error found in a lesson file.
type Problem struct {
	File string
	Line int
	Msg  string
}

func (p Problem) String() string { return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg) }

// Problems is a list of problems; it is an error.
type Problems []Problem

func (ps Problems) Error() string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, "\n")
}

// Load reads every *.md file at the top of fsys as a lesson. It returns
// Problems when any file is invalid.
func Load(fsys fs.FS) (*Course, error) {
	c, probs := load(fsys)
	if len(probs) > 0 {
		return nil, probs
	}
	return c, nil
}

// Lint checks a lessons folder and returns every problem found.
func Lint(fsys fs.FS) Problems {
	_, probs := load(fsys)
	return probs
}

// MaxFileSize bounds a lesson file.
const MaxFileSize = 1 << 20

func load(fsys fs.FS) (*Course, Problems) {
	var probs Problems
	names, err := fs.Glob(fsys, "*.md")
	if err != nil {
		return nil, Problems{{File: ".", Msg: err.Error()}}
	}
	if len(names) == 0 {
		return nil, Problems{{File: ".", Msg: "no lesson files (*.md)"}}
	}
	c := &Course{byID: map[string]*Lesson{}}
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			probs = append(probs, Problem{File: name, Msg: fmt.Sprintf("read: %v", err)})
			continue
		}
		l, ps := Parse(name, data)
		probs = append(probs, ps...)
		if l == nil {
			continue
		}
		if prev, ok := c.byID[l.ID]; ok {
			probs = append(probs, Problem{File: name, Line: 2, Msg: fmt.Sprintf("lesson id %q is also used by %s", l.ID, prev.File)})
			continue
		}
		c.byID[l.ID] = l
		c.Lessons = append(c.Lessons, l)
	}
	sort.SliceStable(c.Lessons, func(i, j int) bool { return c.Lessons[i].Order < c.Lessons[j].Order })
	for i := 1; i < len(c.Lessons); i++ {
		if c.Lessons[i].Order == c.Lessons[i-1].Order {
			probs = append(probs, Problem{File: c.Lessons[i].File, Line: 2, Msg: fmt.Sprintf("order %d is also used by %s", c.Lessons[i].Order, c.Lessons[i-1].File)})
		}
	}
	if len(c.Lessons) == 0 && len(probs) == 0 {
		probs = append(probs, Problem{File: ".", Msg: "no valid lessons"})
	}
	return c, probs
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
	if len(l.Quiz) == 0 {
		probs = append(probs, p(2, "front matter: quiz has no questions"))
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
