package render

import (
	"bytes"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// markdown is the one CommonMark parser (plus GFM strikethrough and bare-URL
// links). goldmark parsers keep no state between Parse calls, so it is shared.
var markdown = goldmark.New(goldmark.WithExtensions(extension.Strikethrough, extension.Linkify)).Parser()

// parse sanitizes md and parses it; it returns the source the AST points into.
func parse(md string) (ast.Node, []byte) {
	src := []byte(sanitize(md))
	return markdown.Parse(text.NewReader(src)), src
}

// sanitize makes s valid UTF-8 (invalid bytes become U+FFFD), turns CR LF and
// lone CR into LF and removes control characters other than LF and TAB.
func sanitize(s string) string {
	if !utf8.ValidString(s) || hasControls(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
		s = strings.ReplaceAll(s, "\r\n", "\n")
		s = strings.ReplaceAll(s, "\r", "\n")
		s = dropControls(s)
	}
	return capNesting(s)
}

// maxNesting is the most quote and list marks one line may open. Deeper
// nesting says nothing a reader needs and makes parsing slow (goldmark is
// quadratic in depth), so further marks on the line are dropped.
const maxNesting = 16

// capNesting drops container marks beyond maxNesting at the start of lines.
func capNesting(s string) string {
	if strings.Count(s, ">")+strings.Count(s, "-")+strings.Count(s, "+")+strings.Count(s, "*")+strings.Count(s, ".")+strings.Count(s, ")") <= maxNesting {
		return s
	}
	// The copy starts at the first line that changes: most texts with
	// many marks have no line nested that deep, and keep s as it is.
	var b strings.Builder
	changed := false
	start := 0 // offset of line in s
	for line := range strings.SplitAfterSeq(s, "\n") {
		lineStart := start
		start += len(line)
		i, count, cut := 0, 0, -1
		for {
			j := i
			for j < len(line) && j-i < 4 && (line[j] == ' ' || line[j] == '\t') {
				j++
			}
			if j >= len(line) {
				break
			}
			switch c := line[j]; {
			case c == '>':
				j++
			case c == '-' || c == '+' || c == '*':
				if j+1 >= len(line) || line[j+1] != ' ' && line[j+1] != '\t' {
					j = -1
					break
				}
				j++
			case c >= '0' && c <= '9':
				k := j
				for k < len(line) && k-j < 9 && line[k] >= '0' && line[k] <= '9' {
					k++
				}
				if k+1 >= len(line) || line[k] != '.' && line[k] != ')' || line[k+1] != ' ' && line[k+1] != '\t' {
					j = -1
					break
				}
				j = k + 1
			default:
				j = -1
			}
			if j < 0 {
				break
			}
			count++
			if count == maxNesting {
				cut = j
			}
			i = j
		}
		if count > maxNesting {
			if !changed {
				b.Grow(len(s))
				b.WriteString(s[:lineStart])
			}
			b.WriteString(line[:cut])
			b.WriteString(line[i:])
			changed = true
			continue
		}
		if changed {
			b.WriteString(line)
		}
	}
	if !changed {
		return s
	}
	return b.String()
}

// hasControls reports whether valid UTF-8 s holds a control character other
// than LF and TAB (C0, DEL or C1).
func hasControls(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 && c != '\n' && c != '\t' || c == 0x7f || c == 0xc2 && i+1 < len(s) && s[i+1] >= 0x80 && s[i+1] <= 0x9f {
			return true
		}
	}
	return false
}

// dropControls removes control characters other than LF and TAB from valid UTF-8.
func dropControls(s string) string {
	if !hasControls(s) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
}

// Render turns Markdown text into one string in format f: Telegram HTML,
// Discord Markdown or plain text. It never fails: raw HTML and anything the
// platform would read as markup is shown as text. Line breaks inside a
// paragraph are kept (chat text is not re-wrapped). The result has no
// leading or trailing blank lines or spaces (Plain keeps the indentation of
// its first line, e.g. "  • item") and may exceed f.Limit(): Fit makes
// messages of it.
func Render(md string, f Format) string {
	doc, src := parse(md)
	r := &renderer{f: f, src: src}
	out := finish(r.blocks(doc, "\n\n"))
	if f != Plain {
		out = strings.TrimLeft(out, " \t")
	}
	if f == DiscordMarkdown && strings.Contains(out, "@") {
		// Text nodes may have been cut around the @: catch every one.
		out = mentionBreaker.Replace(out)
	}
	return out
}

// mentionBreaker puts a zero-width space after the @ of mass mentions.
var mentionBreaker = strings.NewReplacer("@everyone", "@\u200beveryone", "@here", "@\u200bhere")

// finish removes control characters, trailing blanks of lines, leading and
// trailing blank lines and runs of blank lines.
func finish(s string) string {
	s = dropControls(s)
	lines := strings.Split(s, "\n")
	var b strings.Builder
	b.Grow(len(s))
	blank := 0
	for _, line := range lines {
		line = strings.TrimRight(line, " \t")
		if line == "" {
			blank++
			continue
		}
		if b.Len() > 0 {
			if blank > 0 {
				b.WriteString("\n\n")
			} else {
				b.WriteByte('\n')
			}
		}
		blank = 0
		b.WriteString(line)
	}
	// Lines are already right-trimmed and blank ones skipped: only the
	// first line's indentation is left (a plain list or code block keeps it).
	return b.String()
}

// renderer renders one parsed document in one format.
type renderer struct {
	f   Format
	src []byte

	// quoteDepth counts enclosing block quotes (Telegram cannot nest them).
	quoteDepth int
	// listDepth counts enclosing lists.
	listDepth int
}

// blocks renders the block children of n, joined by sep.
func (r *renderer) blocks(n ast.Node, sep string) string {
	var parts []string
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		if s := r.block(c); strings.TrimSpace(s) != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, sep)
}

func (r *renderer) block(n ast.Node) string {
	switch n := n.(type) {
	case *ast.Paragraph, *ast.TextBlock:
		return r.inlines(n)
	case *ast.Heading:
		return r.heading(n)
	case *ast.ThematicBreak:
		return "———"
	case *ast.CodeBlock:
		return r.code(n, "")
	case *ast.FencedCodeBlock:
		return r.code(n, language(n, r.src))
	case *ast.Blockquote:
		return r.quote(n)
	case *ast.List:
		return r.list(n)
	case *ast.HTMLBlock:
		var b strings.Builder
		lines := n.Lines()
		for i := 0; i < lines.Len(); i++ {
			seg := lines.At(i)
			b.Write(seg.Value(r.src))
		}
		if n.HasClosure() {
			b.Write(n.ClosureLine.Value(r.src))
		}
		return r.literal(strings.TrimRight(b.String(), "\n"))
	case *ast.LinkReferenceDefinition:
		return ""
	}
	if n.Type() == ast.TypeBlock && n.FirstChild() != nil && n.FirstChild().Type() == ast.TypeBlock {
		return r.blocks(n, "\n\n")
	}
	return r.inlines(n)
}

// literal renders text that is shown as it is, line by line (raw HTML).
func (r *renderer) literal(s string) string {
	switch r.f {
	case TelegramHTML:
		return escapeHTML(s)
	case DiscordMarkdown:
		w := inlineWriter{f: r.f, lineStart: true}
		w.text(s)
		return w.b.String()
	}
	return s
}

func (r *renderer) heading(n *ast.Heading) string {
	s := r.inlines(n)
	s = strings.TrimSpace(strings.ReplaceAll(s, "\n", " "))
	if s == "" {
		return ""
	}
	switch r.f {
	case TelegramHTML:
		return "<b>" + s + "</b>"
	case DiscordMarkdown:
		if n.Level <= 2 {
			return "## " + s
		}
		return "### " + s
	}
	u := "-"
	if n.Level == 1 {
		u = "="
	}
	return s + "\n" + strings.Repeat(u, utf8.RuneCountInString(s))
}

// language is the first word of a fenced code block's info string, reduced
// to characters that are safe in a class name and a Discord fence.
func language(n *ast.FencedCodeBlock, src []byte) string {
	lang := string(n.Language(src))
	var b strings.Builder
	for _, c := range lang {
		if c < 128 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("+-_.#", c)) {
			b.WriteRune(c)
		}
	}
	if b.Len() > 32 {
		return ""
	}
	return b.String()
}

func (r *renderer) code(n ast.Node, lang string) string {
	var b strings.Builder
	lines := n.Lines()
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		b.Write(seg.Value(r.src))
	}
	body := strings.TrimRight(dropControls(b.String()), "\n \t")
	body = strings.TrimLeft(body, "\n")
	if strings.TrimSpace(body) == "" {
		return ""
	}
	switch r.f {
	case TelegramHTML:
		if lang != "" {
			return `<pre><code class="language-` + escapeHTML(lang) + `">` + escapeHTML(body) + "</code></pre>"
		}
		return "<pre><code>" + escapeHTML(body) + "</code></pre>"
	case DiscordMarkdown:
		// Discord ends a code block at the first ``` whatever the fence, so
		// no two backticks may touch inside.
		for strings.Contains(body, "``") {
			body = strings.ReplaceAll(body, "``", "`\u200b`")
		}
		return "```" + lang + "\n" + body + "\n```"
	}
	return indent(body, "    ", "    ")
}

// indent prefixes the first line of s with first and every other non-empty
// line with rest.
func indent(s, first, rest string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		switch {
		case i == 0:
			lines[i] = first + l
		case l != "":
			lines[i] = rest + l
		}
	}
	return strings.Join(lines, "\n")
}

func (r *renderer) quote(n *ast.Blockquote) string {
	r.quoteDepth++
	inner := r.blocks(n, "\n\n")
	r.quoteDepth--
	if strings.TrimSpace(inner) == "" {
		return ""
	}
	if r.quoteDepth > 0 && r.f != Plain {
		return inner // Telegram and Discord cannot nest quotes
	}
	if r.f == TelegramHTML {
		return "<blockquote>" + strings.TrimSpace(inner) + "</blockquote>"
	}
	lines := strings.Split(inner, "\n")
	for i, l := range lines {
		if l == "" {
			lines[i] = ">"
		} else {
			lines[i] = "> " + l
		}
	}
	return strings.Join(lines, "\n")
}

var bullets = []string{"•", "◦", "▪"}

// maxIndent is the list depth beyond which items are no longer indented.
const maxIndent = 10

func (r *renderer) list(n *ast.List) string {
	r.listDepth++
	defer func() { r.listDepth-- }()
	sep := "\n"
	if !n.IsTight {
		sep = "\n\n"
	}
	num := n.Start
	var items []string
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		var marker string
		switch {
		case n.IsOrdered():
			marker = strconv.Itoa(num) + "."
			num++
		case r.f == DiscordMarkdown:
			marker = "-"
		default:
			marker = bullets[min(r.listDepth, len(bullets))-1]
		}
		body := r.blocks(c, sep)
		pad := strings.Repeat(" ", utf8.RuneCountInString(marker)+1)
		first := marker + " "
		if r.listDepth > maxIndent {
			pad = "" // absurdly deep nesting: stop indenting
		}
		if r.f == Plain && r.listDepth == 1 {
			first = "  " + first
			pad = "  " + pad
		}
		if strings.TrimSpace(body) == "" {
			items = append(items, strings.TrimSpace(first))
			continue
		}
		items = append(items, indent(body, first, pad))
	}
	return strings.Join(items, sep)
}

// inlines renders the inline children of n.
func (r *renderer) inlines(n ast.Node) string {
	w := inlineWriter{f: r.f, src: r.src, lineStart: true}
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		w.node(c)
	}
	return w.b.String()
}

// inlineWriter renders inline nodes of one block.
type inlineWriter struct {
	f   Format
	src []byte
	b   strings.Builder
	// lineStart is true while nothing but spaces was written on this line
	// (Discord reads #, >, - and 1. there as markup).
	lineStart bool
	// inLink is true inside a link's text (no nested links or code there).
	inLink bool
}

func (w *inlineWriter) raw(s string) {
	w.b.WriteString(s)
	if s != "" {
		w.lineStart = strings.HasSuffix(s, "\n")
	}
}

func (w *inlineWriter) newline() {
	w.b.WriteByte('\n')
	w.lineStart = true
}

// text writes literal text, escaped for the format.
func (w *inlineWriter) text(s string) {
	switch w.f {
	case TelegramHTML:
		w.raw(escapeHTML(s))
		return
	case Plain:
		w.raw(s)
		return
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\n':
			w.newline()
			i++
			continue
		case c == ' ' || c == '\t':
			w.b.WriteByte(c)
			i++
			continue
		case strings.IndexByte("\\*_~`|<[]", c) >= 0:
			w.b.WriteByte('\\')
			w.b.WriteByte(c)
		case w.lineStart && strings.IndexByte("#>-+", c) >= 0:
			w.b.WriteByte('\\')
			w.b.WriteByte(c)
		case w.lineStart && c >= '0' && c <= '9':
			j := i
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			w.b.WriteString(s[i:j])
			if j < len(s) && (s[j] == '.' || s[j] == ')') {
				w.b.WriteByte('\\')
				w.b.WriteByte(s[j])
				j++
			}
			i = j
			w.lineStart = false
			continue
		default:
			_, size := utf8.DecodeRuneInString(s[i:])
			w.b.WriteString(s[i : i+size])
			i += size
			w.lineStart = false
			continue
		}
		i++
		w.lineStart = false
	}
}

func (w *inlineWriter) children(n ast.Node) {
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		w.node(c)
	}
}

// wrap renders n's children between open and close markers, or just the
// children when they render to nothing visible.
func (w *inlineWriter) wrap(n ast.Node, open, close string) {
	if w.f == Plain {
		w.children(n)
		return
	}
	sub := inlineWriter{f: w.f, src: w.src, lineStart: w.lineStart, inLink: w.inLink}
	if w.f == DiscordMarkdown {
		sub.lineStart = false // a marker comes first
	}
	sub.children(n)
	inner := sub.b.String()
	if strings.TrimSpace(inner) == "" {
		w.raw(inner)
		return
	}
	w.b.WriteString(open)
	w.b.WriteString(inner)
	w.b.WriteString(close)
	w.lineStart = false
}

func (w *inlineWriter) node(n ast.Node) {
	switch n := n.(type) {
	case *ast.Text:
		v := n.Segment.Value(w.src)
		if n.IsRaw() {
			w.text(string(v))
		} else {
			w.text(unescape(v))
		}
		if n.SoftLineBreak() || n.HardLineBreak() {
			w.newline()
		}
	case *ast.String:
		if n.IsCode() || n.IsRaw() {
			w.text(string(n.Value))
		} else {
			w.text(unescape(n.Value))
		}
	case *ast.CodeSpan:
		var b strings.Builder
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			switch t := c.(type) {
			case *ast.Text:
				b.Write(t.Segment.Value(w.src))
			case *ast.String:
				b.Write(t.Value)
			}
		}
		w.codeSpan(strings.ReplaceAll(b.String(), "\n", " "))
	case *ast.Emphasis:
		switch {
		case w.f == TelegramHTML && n.Level >= 2:
			w.wrap(n, "<b>", "</b>")
		case w.f == TelegramHTML:
			w.wrap(n, "<i>", "</i>")
		case n.Level >= 2:
			w.wrap(n, "**", "**")
		default:
			w.wrap(n, "*", "*")
		}
	case *east.Strikethrough:
		if w.f == TelegramHTML {
			w.wrap(n, "<s>", "</s>")
		} else {
			w.wrap(n, "~~", "~~")
		}
	case *ast.Link:
		w.link(n, util.URLEscape(n.Destination, true))
	case *ast.Image:
		w.link(n, util.URLEscape(n.Destination, true))
	case *ast.AutoLink:
		url := n.URL(w.src)
		if n.AutoLinkType == ast.AutoLinkEmail && !bytes.HasPrefix(bytes.ToLower(url), []byte("mailto:")) {
			url = append([]byte("mailto:"), url...)
		}
		w.autoLink(string(util.URLEscape(url, false)), string(n.Label(w.src)))
	case *ast.RawHTML:
		var b strings.Builder
		for i := 0; i < n.Segments.Len(); i++ {
			seg := n.Segments.At(i)
			b.Write(seg.Value(w.src))
		}
		w.text(b.String())
	default:
		w.children(n)
	}
}

func (w *inlineWriter) codeSpan(code string) {
	if code == "" {
		return
	}
	switch w.f {
	case TelegramHTML:
		if w.inLink {
			w.raw(escapeHTML(code))
			return
		}
		w.raw("<code>" + escapeHTML(code) + "</code>")
	case DiscordMarkdown:
		longest, run := 0, 0
		for i := 0; i < len(code); i++ {
			if code[i] == '`' {
				run++
				longest = max(longest, run)
			} else {
				run = 0
			}
		}
		fence := strings.Repeat("`", longest+1)
		if longest+1 >= 3 {
			// Discord has no inline fence of three or more: break the runs.
			code = strings.ReplaceAll(code, "`", "`\u200b")
			fence = "``"
		}
		if strings.HasPrefix(code, "`") || strings.HasSuffix(code, "`") {
			code = " " + code + " "
		}
		w.raw(fence + code + fence)
	default:
		w.raw(code)
	}
}

// allowedScheme reports whether url may become a link on every platform.
func allowedScheme(url string) bool {
	i := strings.IndexByte(url, ':')
	if i < 0 {
		return false
	}
	switch strings.ToLower(url[:i]) {
	case "http", "https", "mailto", "tg":
		return true
	}
	return false
}

// link renders a link or an image (whose children are its alt text).
func (w *inlineWriter) link(n ast.Node, dest []byte) {
	url := string(dest)
	sub := inlineWriter{f: w.f, src: w.src, lineStart: w.lineStart, inLink: true}
	if w.f == DiscordMarkdown {
		sub.lineStart = false
	}
	sub.children(n)
	label := sub.b.String()
	if w.inLink || !allowedScheme(url) || strings.ContainsAny(url, "\n\t ") {
		w.raw(label)
		w.lineStart = false
		return
	}
	if strings.TrimSpace(label) == "" {
		w.autoLink(url, url)
		return
	}
	switch w.f {
	case TelegramHTML:
		w.raw(`<a href="` + escapeAttr(url) + `">` + label + "</a>")
	case DiscordMarkdown:
		if strings.Contains(label, "\n") {
			label = strings.ReplaceAll(label, "\n", " ")
		}
		w.raw("[" + label + "](<" + url + ">)")
	default:
		if Strip(label, Plain) == url {
			w.raw(url)
		} else {
			w.raw(label + " (" + url + ")")
		}
	}
	w.lineStart = false
}

// autoLink renders a link whose text is its address (or the e-mail address).
func (w *inlineWriter) autoLink(url, label string) {
	if w.inLink || !allowedScheme(url) {
		w.text(label)
		return
	}
	switch w.f {
	case TelegramHTML:
		w.raw(`<a href="` + escapeAttr(url) + `">` + escapeHTML(label) + "</a>")
	case DiscordMarkdown:
		if strings.HasPrefix(strings.ToLower(url), "mailto:") {
			w.text(label)
			return
		}
		w.raw("<" + url + ">")
	default:
		w.raw(label)
	}
	w.lineStart = false
}

// escapeHTML escapes &, < and > for Telegram HTML text.
func escapeHTML(s string) string {
	if !strings.ContainsAny(s, "&<>") {
		return s
	}
	return htmlEscaper.Replace(s)
}

// escapeAttr escapes a Telegram HTML attribute value.
func escapeAttr(s string) string {
	return attrEscaper.Replace(s)
}

var (
	htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	attrEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")
)

// unescape resolves Markdown backslash escapes and HTML entity references in
// a text segment, in one pass as CommonMark reads them.
func unescape(v []byte) string {
	if bytes.IndexByte(v, '\\') < 0 && bytes.IndexByte(v, '&') < 0 {
		return string(v)
	}
	var b strings.Builder
	b.Grow(len(v))
	for i := 0; i < len(v); {
		c := v[i]
		if c == '\\' && i+1 < len(v) && util.IsPunct(v[i+1]) {
			b.WriteByte(v[i+1])
			i += 2
			continue
		}
		if c == '&' {
			if n, s := entityAt(v[i:]); n > 0 {
				b.WriteString(s)
				i += n
				continue
			}
		}
		b.WriteByte(c)
		i++
	}
	return b.String()
}

// entityAt reads an HTML entity reference at the start of v and returns its
// length in bytes and its text, or 0 when v does not start with one.
func entityAt(v []byte) (int, string) {
	if len(v) < 3 || v[0] != '&' {
		return 0, ""
	}
	end := bytes.IndexByte(v[:min(len(v), 40)], ';')
	if end < 2 {
		return 0, ""
	}
	name := v[1:end]
	if name[0] == '#' {
		digits, base := name[1:], 10
		if len(digits) > 0 && (digits[0] == 'x' || digits[0] == 'X') {
			digits, base = digits[1:], 16
		}
		if len(digits) == 0 || base == 10 && len(digits) > 7 || base == 16 && len(digits) > 6 {
			return 0, ""
		}
		n, err := strconv.ParseUint(string(digits), base, 32)
		if err != nil {
			return 0, ""
		}
		r := rune(n)
		if r == 0 || !utf8.ValidRune(r) {
			r = utf8.RuneError
		}
		return end + 1, string(r)
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return 0, ""
		}
	}
	e, ok := util.LookUpHTML5EntityByName(string(name))
	if !ok {
		return 0, ""
	}
	return end + 1, string(e.Characters)
}
