package announce

import (
	"strconv"
	"strings"
)

// Problem is a Markdown mistake that would show the learners stray marks:
// its kind and its line (from 1).
type Problem struct {
	Kind string // "fence", "code", "bold", "link"
	Line int
}

// Error says what is not closed and where ("bold not closed at line 3").
func (p *Problem) Error() string { return p.Kind + " not closed at line " + strconv.Itoa(p.Line) }

// Check finds the first unclosed construct of md: a code fence (```),
// inline code (`), bold (**) or a link ([text](url)). A paragraph ends at
// a blank line, so marks are matched within it.
func Check(md string) *Problem {
	lines := strings.Split(md, "\n")
	fence := 0
	var para []string
	start := 0
	flush := func() *Problem {
		defer func() { para = para[:0] }()
		return checkParagraph(para, start)
	}
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "```") {
			if p := flush(); p != nil {
				return p
			}
			if fence == 0 {
				fence = i + 1
			} else {
				fence = 0
			}
			continue
		}
		if fence > 0 {
			continue
		}
		if t == "" {
			if p := flush(); p != nil {
				return p
			}
			continue
		}
		if len(para) == 0 {
			start = i + 1
		}
		para = append(para, l)
	}
	if p := flush(); p != nil {
		return p
	}
	if fence > 0 {
		return &Problem{Kind: "fence", Line: fence}
	}
	return nil
}

// checkParagraph checks one paragraph whose first line is line first.
func checkParagraph(lines []string, first int) *Problem {
	code, bold, link := 0, 0, 0 // the line where each open mark is
	for n, l := range lines {
		line := first + n
		for i := 0; i < len(l); i++ {
			c := l[i]
			if c == '\\' {
				i++
				continue
			}
			if code > 0 {
				if c == '`' {
					code = 0
				}
				continue
			}
			switch {
			case c == '`':
				code = line
			case c == '*' && i+1 < len(l) && l[i+1] == '*':
				i++
				if bold > 0 {
					bold = 0
				} else {
					bold = line
				}
			case c == ']' && i+1 < len(l) && l[i+1] == '(':
				j := strings.IndexByte(l[i:], ')')
				if j < 0 {
					link = line
				} else {
					i += j
				}
			}
		}
	}
	switch {
	case code > 0:
		return &Problem{Kind: "code", Line: code}
	case bold > 0:
		return &Problem{Kind: "bold", Line: bold}
	case link > 0:
		return &Problem{Kind: "link", Line: link}
	}
	return nil
}
