package locale

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
)

// compiled is a message whose forms use nothing but {{.Name}}
// placeholders, cut into literal text and placeholder names once, so that
// saying it is a few appends: go-i18n matches the language and runs
// text/template on every call, which costs the tutor microseconds per
// message on every turn. Messages with any other template syntax go
// through go-i18n.
type compiled struct {
	// forms are the segments of each plural form (nil: not written).
	forms [plural.Many + 1][]segment
}

// segment is literal text, or a placeholder when name is set.
type segment struct {
	text, name string
}

var simplePlaceholder = regexp.MustCompile(`\{\{\s*\.([A-Za-z][A-Za-z0-9]*)\s*\}\}`)

// compile cuts m's forms into segments; ok is false when a form uses
// template syntax beyond {{.Name}}.
func compile(m *i18n.Message) (*compiled, bool) {
	if m.LeftDelim != "" || m.RightDelim != "" {
		return nil, false
	}
	c := &compiled{}
	for form, src := range [...]string{plural.Other: m.Other, plural.Zero: m.Zero, plural.One: m.One, plural.Two: m.Two, plural.Few: m.Few, plural.Many: m.Many} {
		if src == "" {
			continue
		}
		if !strings.Contains(src, "{{") && !strings.Contains(src, "}}") {
			c.forms[form] = []segment{{text: src}}
			continue
		}
		var segs []segment
		last := 0
		for _, loc := range simplePlaceholder.FindAllStringSubmatchIndex(src, -1) {
			if loc[0] > last {
				segs = append(segs, segment{text: src[last:loc[0]]})
			}
			segs = append(segs, segment{name: src[loc[2]:loc[3]]})
			last = loc[1]
		}
		if last < len(src) {
			segs = append(segs, segment{text: src[last:]})
		}
		for _, s := range segs {
			if s.name == "" && (strings.Contains(s.text, "{{") || strings.Contains(s.text, "}}")) {
				return nil, false
			}
		}
		c.forms[form] = segs
	}
	if c.forms[plural.Other] == nil {
		return nil, false // go-i18n decides what a message without "other" says
	}
	return c, true
}

// say fills form's segments from data (name, value pairs). A placeholder
// without a value shows "<no value>", as go-i18n's templates do.
func (c *compiled) say(tag language.Tag, count *int, data []any) string {
	form := plural.Other
	if count != nil {
		n := *count
		if n < 0 {
			n = -n
		}
		if f := plural.Cardinal.MatchPlural(tag, n, 0, 0, 0, 0); int(f) < len(c.forms) && c.forms[f] != nil {
			form = f
		}
	}
	segs := c.forms[form]
	if len(segs) == 1 && segs[0].name == "" {
		return segs[0].text
	}
	var b strings.Builder
	for _, s := range segs {
		if s.name == "" {
			b.WriteString(s.text)
			continue
		}
		b.WriteString(value(s.name, data))
	}
	return b.String()
}

// value is the value of name in data as text.
func value(name string, data []any) string {
	for i := 0; i+1 < len(data); i += 2 {
		if k, ok := data[i].(string); !ok || k != name {
			continue
		}
		switch v := data[i+1].(type) {
		case string:
			return v
		case int:
			return strconv.Itoa(v)
		default:
			return fmt.Sprint(v)
		}
	}
	return "<no value>"
}
