package render

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// tgToken is one piece of Telegram HTML: a tag, an entity or one rune of text.
type tgToken struct {
	kind    tokenKind
	raw     string // as written
	name    string // tag name, lower case
	closing bool
	attrs   map[string]string
	text    string // visible text of an entity or rune
}

type tokenKind int

const (
	tokText tokenKind = iota
	tokEntity
	tokTag
)

// telegramTags lists the tags Telegram's HTML parse mode accepts and the one
// attribute each may carry.
var telegramTags = map[string]string{
	"b": "", "strong": "", "i": "", "em": "", "u": "", "ins": "",
	"s": "", "strike": "", "del": "", "a": "href", "code": "class",
	"pre": "class", "blockquote": "", "tg-spoiler": "", "span": "class",
}

// nextTelegramToken reads the token at s[i:] and returns it with its length.
func nextTelegramToken(s string, i int) (tgToken, int, error) {
	switch s[i] {
	case '<':
		end := strings.IndexByte(s[i:], '>')
		if end < 0 {
			return tgToken{}, 0, fmt.Errorf("offset %d: unclosed tag or bare <", i)
		}
		raw := s[i : i+end+1]
		t, err := parseTag(raw)
		if err != nil {
			return tgToken{}, 0, fmt.Errorf("offset %d: %w", i, err)
		}
		return t, len(raw), nil
	case '>':
		return tgToken{}, 0, fmt.Errorf("offset %d: bare >", i)
	case '&':
		n, txt, ok := telegramEntity(s[i:])
		if !ok {
			return tgToken{}, 0, fmt.Errorf("offset %d: & does not start an entity", i)
		}
		return tgToken{kind: tokEntity, raw: s[i : i+n], text: txt}, n, nil
	}
	r, size := utf8.DecodeRuneInString(s[i:])
	if r == utf8.RuneError && size <= 1 {
		return tgToken{}, 0, fmt.Errorf("offset %d: invalid UTF-8", i)
	}
	return tgToken{kind: tokText, raw: s[i : i+size], text: s[i : i+size]}, size, nil
}

// telegramEntity reads one of the entities Telegram knows: &lt; &gt; &amp;
// &quot; and numeric references.
func telegramEntity(s string) (int, string, bool) {
	for _, e := range [...]struct{ name, text string }{{"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}, {"&quot;", `"`}} {
		if strings.HasPrefix(s, e.name) {
			return len(e.name), e.text, true
		}
	}
	if !strings.HasPrefix(s, "&#") {
		return 0, "", false
	}
	end := strings.IndexByte(s[:min(len(s), 12)], ';')
	if end < 3 {
		return 0, "", false
	}
	digits, base := s[2:end], 10
	if digits[0] == 'x' || digits[0] == 'X' {
		digits, base = digits[1:], 16
	}
	if digits == "" || digits[0] == '+' || digits[0] == '-' {
		return 0, "", false
	}
	n, err := strconv.ParseUint(digits, base, 32)
	if err != nil || n == 0 || !utf8.ValidRune(rune(n)) {
		return 0, "", false
	}
	return end + 1, string(rune(n)), true
}

// parseTag parses "<name attr="v">" or "</name>".
func parseTag(raw string) (tgToken, error) {
	t := tgToken{kind: tokTag, raw: raw}
	body := raw[1 : len(raw)-1]
	if strings.HasPrefix(body, "/") {
		t.closing = true
		body = body[1:]
	}
	i := 0
	for i < len(body) && (body[i] >= 'a' && body[i] <= 'z' || body[i] >= 'A' && body[i] <= 'Z' || body[i] >= '0' && body[i] <= '9' || body[i] == '-') {
		i++
	}
	t.name = strings.ToLower(body[:i])
	allowed, ok := telegramTags[t.name]
	if !ok {
		return t, fmt.Errorf("tag <%s> is not supported", t.name)
	}
	rest := strings.TrimSpace(body[i:])
	if i < len(body) && body[i] != ' ' && rest != "" {
		return t, fmt.Errorf("malformed tag %q", raw)
	}
	if t.closing {
		if rest != "" {
			return t, fmt.Errorf("closing tag %q has attributes", raw)
		}
		return t, nil
	}
	for rest != "" {
		eq := strings.IndexByte(rest, '=')
		if eq <= 0 {
			return t, fmt.Errorf("malformed attribute in %q", raw)
		}
		name := strings.ToLower(strings.TrimSpace(rest[:eq]))
		rest = strings.TrimLeft(rest[eq+1:], " ")
		if rest == "" || rest[0] != '"' && rest[0] != '\'' {
			return t, fmt.Errorf("unquoted attribute in %q", raw)
		}
		q := rest[0]
		end := strings.IndexByte(rest[1:], q)
		if end < 0 {
			return t, fmt.Errorf("unterminated attribute in %q", raw)
		}
		value := rest[1 : end+1]
		rest = strings.TrimLeft(rest[end+2:], " ")
		if name != allowed || allowed == "" {
			return t, fmt.Errorf("attribute %q not allowed on <%s>", name, t.name)
		}
		decoded, err := decodeAttr(value)
		if err != nil {
			return t, fmt.Errorf("attribute %s of <%s>: %w", name, t.name, err)
		}
		if t.attrs == nil {
			t.attrs = map[string]string{}
		}
		t.attrs[name] = decoded
	}
	return t, nil
}

func decodeAttr(v string) (string, error) {
	if strings.ContainsAny(v, "<>") {
		return "", errors.New("bare < or >")
	}
	var b strings.Builder
	for i := 0; i < len(v); {
		if v[i] == '&' {
			n, txt, ok := telegramEntity(v[i:])
			if !ok {
				return "", errors.New("& does not start an entity")
			}
			b.WriteString(txt)
			i += n
			continue
		}
		b.WriteByte(v[i])
		i++
	}
	return b.String(), nil
}

// ValidateTelegramHTML reports why Telegram would refuse s as a message in
// its HTML parse mode, or nil: only supported tags and attributes, properly
// nested (no tags inside code, no nested links or quotes), every & an entity
// Telegram knows, no bare < or >, valid UTF-8, and 1 to 4096 visible
// UTF-16 code units that are not all white space.
func ValidateTelegramHTML(s string) error {
	if !utf8.ValidString(s) {
		return errors.New("telegram html: invalid UTF-8")
	}
	var stack []string
	visible, blank := 0, true // UTF-16 length of the visible text; all of it white space
	for i := 0; i < len(s); {
		if c := s[i]; c != '<' && c != '>' && c != '&' {
			// A run of plain text, taken whole: the UTF-8 is valid, so it
			// needs no rune-by-rune tokens.
			n := strings.IndexAny(s[i:], "<>&")
			if n < 0 {
				n = len(s) - i
			}
			run := s[i : i+n]
			i += n
			visible += utf16Len(run)
			blank = blank && isSpace(run)
			continue
		}
		t, n, err := nextTelegramToken(s, i)
		if err != nil {
			return fmt.Errorf("telegram html: %w", err)
		}
		i += n
		if t.kind != tokTag {
			visible += utf16Len(t.text)
			blank = blank && strings.TrimFunc(t.text, unicode.IsSpace) == ""
			continue
		}
		if t.closing {
			if len(stack) == 0 || stack[len(stack)-1] != t.name {
				return fmt.Errorf("telegram html: </%s> does not close the open tag", t.name)
			}
			stack = stack[:len(stack)-1]
			continue
		}
		if err := checkNesting(stack, t); err != nil {
			return fmt.Errorf("telegram html: %w", err)
		}
		stack = append(stack, t.name)
	}
	if len(stack) > 0 {
		return fmt.Errorf("telegram html: <%s> is not closed", stack[len(stack)-1])
	}
	if blank {
		return errors.New("telegram html: message text is empty")
	}
	if visible > TelegramHTML.Limit() {
		return fmt.Errorf("telegram html: %d characters, more than %d", visible, TelegramHTML.Limit())
	}
	return nil
}

// isSpace reports whether s is all white space.
func isSpace(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf {
			return strings.TrimFunc(s[i:], unicode.IsSpace) == ""
		} else if c != ' ' && (c < '\t' || c > '\r') {
			return false
		}
	}
	return true
}

func hasOpen(stack []string, name string) bool {
	for _, s := range stack {
		if s == name {
			return true
		}
	}
	return false
}

// checkNesting applies Telegram's rules for a tag opened inside stack.
func checkNesting(stack []string, t tgToken) error {
	if t.name == "a" && t.attrs["href"] == "" {
		return errors.New("<a> without href")
	}
	if t.name == "span" && t.attrs["class"] != "tg-spoiler" {
		return errors.New(`<span> without class="tg-spoiler"`)
	}
	if len(stack) > 0 {
		top := stack[len(stack)-1]
		switch {
		case top == "code":
			return fmt.Errorf("<%s> inside <code>", t.name)
		case top == "pre" && t.name != "code":
			return fmt.Errorf("<%s> inside <pre>", t.name)
		}
	}
	if t.name == "code" && t.attrs["class"] != "" && (len(stack) == 0 || stack[len(stack)-1] != "pre") {
		return errors.New("<code class> outside <pre>")
	}
	switch t.name {
	case "a", "blockquote", "pre":
		if hasOpen(stack, t.name) {
			return fmt.Errorf("nested <%s>", t.name)
		}
	}
	if t.name == "pre" && hasOpen(stack, "code") {
		return errors.New("<pre> inside <code>")
	}
	return nil
}

// telegramVisible returns the text Telegram shows for s: tags removed and
// entities decoded. Malformed pieces are kept as they are.
func telegramVisible(s string) string {
	if !strings.ContainsAny(s, "<>&") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		switch s[i] {
		case '<':
			if end := strings.IndexByte(s[i:], '>'); end > 0 {
				i += end + 1
				continue
			}
		case '&':
			if n, txt, ok := telegramEntity(s[i:]); ok {
				b.WriteString(txt)
				i += n
				continue
			}
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

// hardSplitTelegram cuts rendered Telegram HTML into parts of at most limit
// visible UTF-16 units, preferring line and word ends, never inside a tag
// or an entity; tags open at a cut are closed and opened again in the next
// part. Parts without visible text are dropped.
func hardSplitTelegram(s string, limit int) []string {
	type tok struct {
		raw   string
		width int
		tag   *tgToken
	}
	var toks []tok
	for i := 0; i < len(s); {
		t, n, err := nextTelegramToken(s, i)
		if err != nil { // not our own output: escape the offending byte
			toks = append(toks, tok{raw: escapeHTML(s[i : i+1]), width: 1})
			i++
			continue
		}
		i += n
		if t.kind == tokTag {
			tt := t
			toks = append(toks, tok{raw: t.raw, tag: &tt})
			continue
		}
		toks = append(toks, tok{raw: t.raw, width: utf16Len(t.text)})
	}
	var parts []string
	var stack []tgToken // open tags at the start of the current part
	start := 0
	for start < len(toks) {
		// Find the furthest end within the limit; remember the best cut.
		width, end, lastSpace, lastLine := 0, start, -1, -1
		for end < len(toks) && width+toks[end].width <= limit {
			width += toks[end].width
			if toks[end].raw == "\n" {
				lastLine = end + 1
			} else if toks[end].raw == " " {
				lastSpace = end + 1
			}
			end++
		}
		if end < len(toks) {
			switch {
			case lastLine > start && lastLine-start > (end-start)/2:
				end = lastLine
			case lastSpace > start && lastSpace-start > (end-start)/2:
				end = lastSpace
			}
			if end == start {
				end = start + 1
			}
		}
		var b strings.Builder
		for _, t := range stack {
			b.WriteString(t.raw)
		}
		open := append([]tgToken(nil), stack...)
		for _, t := range toks[start:end] {
			b.WriteString(t.raw)
			if t.tag == nil {
				continue
			}
			if t.tag.closing {
				if len(open) > 0 {
					open = open[:len(open)-1]
				}
			} else {
				open = append(open, *t.tag)
			}
		}
		for i := len(open) - 1; i >= 0; i-- {
			b.WriteString("</" + open[i].name + ">")
		}
		if part := strings.TrimSpace(b.String()); strings.TrimSpace(telegramVisible(part)) != "" {
			parts = append(parts, part)
		}
		stack = open
		start = end
	}
	return parts
}
