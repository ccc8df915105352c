package loadtest

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strconv"
	"strings"
)

// Input is one bad input of the corpus in testdata/badinput (see its
// README.md for the file format).
type Input struct {
	// Name is the file name.
	Name string
	// As says how the input is sent: "text" (a chat message), "payload"
	// (a button press) or "lesson" (a lesson file for lessons.Parse).
	As string
	// Setup are the steps the learner takes first, in order.
	Setup []Step
	// Group sends the input in a group chat the other learner uses
	// (Telegram run), rather than the learner's private chat.
	Group bool
	// Ignored says that the Telegram adapter rightly drops the input
	// (Telegram would never deliver it, or it names another bot): no reply
	// is expected through Telegram.
	Ignored bool
	// Expect is, for lesson files, "problems" (the default), "ok" or "any".
	Expect string
	// Line is, for lesson files, the line of the first problem (0: any).
	Line int
	// Body is the input itself. With Expand, placeholders are still to be
	// resolved by Resolve.
	Body []byte
	// Expand says Body holds placeholders.
	Expand bool
}

// Step is one setup step: a chat message or a press of the button with a
// label.
type Step struct {
	Text  string
	Press string
}

// MaxInput bounds an input after {repeat} expansion.
const MaxInput = 8 << 20

var headerLine = regexp.MustCompile(`^# ([a-z]+): ?(.*)$`)

// ParseInput reads one corpus file. It never panics; a file it cannot read
// is an error naming the file and line.
func ParseInput(name string, data []byte) (Input, error) {
	in := Input{Name: name}
	rest := data
	line := 0
	quoted := false
	for len(rest) > 0 {
		l, after, _ := bytes.Cut(rest, []byte("\n"))
		m := headerLine.FindSubmatch(l)
		if m == nil {
			break
		}
		line++
		rest = after
		key, val := string(m[1]), strings.TrimRight(string(m[2]), "\r")
		bad := func(format string, args ...any) error {
			return fmt.Errorf("%s:%d: %s", name, line, fmt.Sprintf(format, args...))
		}
		switch key {
		case "as":
			if val != "text" && val != "payload" && val != "lesson" {
				return in, bad("as must be text, payload or lesson, not %q", val)
			}
			in.As = val
		case "before":
			in.Setup = append(in.Setup, Step{Text: val})
		case "press":
			if val == "" {
				return in, bad("press needs a button label")
			}
			in.Setup = append(in.Setup, Step{Press: val})
		case "chat":
			if val != "group" && val != "private" {
				return in, bad("chat must be group or private, not %q", val)
			}
			in.Group = val == "group"
		case "telegram":
			if val != "ignored" && val != "reply" {
				return in, bad("telegram must be ignored or reply, not %q", val)
			}
			in.Ignored = val == "ignored"
		case "expect":
			if val != "ok" && val != "problems" && val != "any" {
				return in, bad("expect must be ok, problems or any, not %q", val)
			}
			in.Expect = val
		case "line":
			n, err := strconv.Atoi(val)
			if err != nil || n < 1 {
				return in, bad("line must be a positive number, not %q", val)
			}
			in.Line = n
		case "quoted", "expand":
			if val != "yes" && val != "no" {
				return in, bad("%s must be yes or no, not %q", key, val)
			}
			quoted = quoted || key == "quoted" && val == "yes"
			in.Expand = in.Expand || key == "expand" && val == "yes"
		case "note":
		default:
			return in, bad("unknown header %q", key)
		}
	}
	if in.As == "" {
		return in, fmt.Errorf("%s:1: missing header \"# as: text|payload|lesson\"", name)
	}
	if in.As == "lesson" && in.Expect == "" {
		in.Expect = "problems"
	}
	if in.As != "lesson" && (in.Expect != "" || in.Line != 0) {
		return in, fmt.Errorf("%s: expect and line are for lesson files", name)
	}
	in.Body = bytes.TrimSuffix(rest, []byte("\n"))
	if quoted {
		s, err := strconv.Unquote(strings.TrimSpace(string(in.Body)))
		if err != nil {
			return in, fmt.Errorf("%s:%d: the body is not a Go string literal: %v", name, line+1, err)
		}
		in.Body = []byte(s)
	}
	if in.Expand {
		body, err := expandRepeats(in.Body)
		if err != nil {
			return in, fmt.Errorf("%s: %w", name, err)
		}
		in.Body = body
	}
	return in, nil
}

var (
	repeatMark = regexp.MustCompile(`\{repeat:(\d+):([^}]*)\}`)
	buttonMark = regexp.MustCompile(`\{(other|mine):([^}]+)\}|\{last\}`)
)

// expandRepeats replaces every {repeat:N:TEXT} with N copies of TEXT.
func expandRepeats(body []byte) ([]byte, error) {
	var err error
	size := len(body)
	out := repeatMark.ReplaceAllFunc(body, func(m []byte) []byte {
		sub := repeatMark.FindSubmatch(m)
		n, e := strconv.Atoi(string(sub[1]))
		if e != nil || n < 0 || n > MaxInput || size+n*len(sub[2]) > MaxInput {
			err = fmt.Errorf("repeat %s: more than %d bytes", sub[1], MaxInput)
			return nil
		}
		size += n * len(sub[2])
		return bytes.Repeat(sub[2], n)
	})
	return out, err
}

// Buttons finds the payload of a button by its label: lookup(who, label)
// with who "other" (the other learner's latest messages) or "mine".
type Buttons func(who, label string) (string, bool)

// Resolve replaces the button placeholders of an expanded body:
// {other:LABEL} and {mine:LABEL} by the payload of the newest button with
// that label under the other learner's or the learner's own messages, and
// {last} by last, the payload pressed last in the setup.
func (in Input) Resolve(lookup Buttons, last string) ([]byte, error) {
	if !in.Expand {
		return in.Body, nil
	}
	var err error
	out := buttonMark.ReplaceAllFunc(in.Body, func(m []byte) []byte {
		sub := buttonMark.FindSubmatch(m)
		if string(m) == "{last}" {
			if last == "" {
				err = errors.New("{last}: nothing was pressed in the setup")
			}
			return []byte(last)
		}
		p, ok := lookup(string(sub[1]), string(sub[2]))
		if !ok {
			err = fmt.Errorf("%s: no such button", m)
		}
		return []byte(p)
	})
	return out, err
}

// LoadCorpus reads every input file (*.txt) of dir in fsys.
func LoadCorpus(fsys fs.FS, dir string) ([]Input, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.txt"))
	if err != nil {
		return nil, fmt.Errorf("list corpus: %w", err)
	}
	var out []Input
	for _, n := range names {
		data, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, fmt.Errorf("read corpus: %w", err)
		}
		in, err := ParseInput(path.Base(n), data)
		if err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	return out, nil
}
