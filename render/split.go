package render

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/yuin/goldmark/ast"
)

// Split cuts Markdown source into page sources at top-level block
// boundaries, so that each page's plain text (Length(Render(page, Plain),
// Plain)) stays within budget. A level 1 or 2 heading starts a new page once
// the page holds more than headings, and a heading never ends a page. A
// block longer than budget is cut too: lists between items, paragraphs
// between sentences (then words, then runes), code blocks between lines
// (each part fenced again), quotes and list items inside. Pages are slices
// of md where possible, with the link reference definitions they use
// prepended, so each page renders on its own. Pages do not depend on the
// format, so page numbers agree on every platform. Blank md gives nil.
func Split(md string, budget int) []string {
	md = sanitize(md)
	if strings.TrimSpace(md) == "" {
		return nil
	}
	budget = max(budget, 1)
	doc, src := parse(md)
	pages := splitDoc(string(src), doc, src, budget, budget, 0)
	if refs := collectRefs(doc, src); len(refs) > 0 {
		for i, p := range pages {
			if pre := neededRefs(p, refs); pre != "" {
				pages[i] = pre + "\n\n" + p
			}
		}
	}
	return pages
}

// maxDepth bounds recursion into nested quotes and list items.
const maxDepth = 4

// plainLen is the length of md's plain rendering.
func plainLen(md string) int {
	return utf8.RuneCountInString(Render(md, Plain))
}

// unit is one top-level block (or a part of one) waiting to be paged.
type unit struct {
	text       string
	n          int      // plain length
	head       int      // heading level, 0 for other blocks
	node       ast.Node // nil for parts already cut
	start, end int      // offsets in the source, -1 for parts
}

// splitDoc pages a whole Markdown document: the first page within first,
// the others within rest. doc may be nil, then md is parsed.
func splitDoc(md string, doc ast.Node, src []byte, first, rest, depth int) []string {
	if doc == nil {
		doc, src = parse(md)
	}
	var units []unit
	var starts []int
	var nodes []ast.Node
	for c := doc.FirstChild(); c != nil; c = c.NextSibling() {
		starts = append(starts, blockStart(c, src))
		nodes = append(nodes, c)
	}
	for i, c := range nodes {
		if _, ok := c.(*ast.LinkReferenceDefinition); ok {
			continue
		}
		end := len(src)
		if i+1 < len(starts) {
			end = starts[i+1]
		}
		start := starts[i]
		if end <= start {
			continue
		}
		text := string(src[start:end])
		n := plainLen(text)
		if n == 0 {
			continue
		}
		u := unit{text: text, n: n, node: c, start: start, end: end}
		if h, ok := c.(*ast.Heading); ok {
			u.head = h.Level
		}
		units = append(units, u)
	}
	return packTop(units, src, first, rest, depth)
}

// blockStart finds the start of the line where top-level block n begins.
func blockStart(n ast.Node, src []byte) int {
	pos := n.Pos()
	if pos < 0 {
		pos = firstSegment(n)
	}
	if pos < 0 {
		if p := n.PreviousSibling(); p != nil {
			pos = blockStart(p, src)
		} else {
			pos = 0
		}
	}
	pos = min(pos, len(src))
	return bytes.LastIndexByte(src[:pos], '\n') + 1
}

// firstSegment is the smallest source offset of any line of n or its
// descendants, or -1.
func firstSegment(n ast.Node) int {
	best := -1
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		if c.Type() == ast.TypeBlock && c.Lines().Len() > 0 {
			s := c.Lines().At(0).Start
			if best < 0 || s < best {
				best = s
			}
		}
		if t, ok := c.(*ast.Text); ok && (best < 0 || t.Segment.Start < best) {
			best = t.Segment.Start
		}
		return ast.WalkContinue, nil
	})
	return best
}

// packTop fills pages with top-level units, applying the heading rules.
func packTop(units []unit, src []byte, first, rest, depth int) []string {
	var pages []string
	var cur []unit
	curN := 0
	budget := first
	hasContent := func() bool {
		for _, u := range cur {
			if u.head == 0 {
				return true
			}
		}
		return false
	}
	emit := func(us []unit) {
		if p := joinUnits(us, src); p != "" {
			pages = append(pages, p)
			budget = rest
		}
	}
	// flush emits the page, keeping its trailing headings for the next one.
	flush := func() {
		k := len(cur)
		for k > 0 && cur[k-1].head > 0 {
			k--
		}
		if k == 0 {
			return
		}
		emit(cur[:k])
		cur = append([]unit(nil), cur[k:]...)
		curN = sumUnits(cur)
	}
	for _, u := range units {
		if u.head >= 1 && u.head <= 2 && hasContent() {
			flush()
		}
		add := u.n
		if len(cur) > 0 {
			add += 2
		}
		if curN+add <= budget {
			cur = append(cur, u)
			curN += add
			continue
		}
		if hasContent() {
			flush()
			add = u.n
			if len(cur) > 0 {
				add += 2
			}
			if curN+add <= budget {
				cur = append(cur, u)
				curN += add
				continue
			}
		}
		// u does not fit even after the carried headings: cut it.
		// Here cur holds at most headings, which must not end a page: the
		// first part of u goes beside them, however little room is left.
		room := budget
		if len(cur) > 0 {
			room = max(budget-curN-2, 1)
		}
		parts := splitBlock(u, src, room, rest, depth)
		for i, p := range parts {
			pu := unit{text: p, n: plainLen(p), start: -1, end: -1}
			if i == 0 {
				cur = append(cur, pu)
				if i < len(parts)-1 {
					emit(cur)
					cur, curN = nil, 0
				} else {
					curN = sumUnits(cur)
				}
				continue
			}
			if i < len(parts)-1 {
				emit([]unit{pu})
				continue
			}
			cur, curN = []unit{pu}, pu.n
		}
	}
	if len(cur) > 0 {
		emit(cur)
	}
	return pages
}

func sumUnits(us []unit) int {
	n := 0
	for i, u := range us {
		if i > 0 {
			n += 2
		}
		n += u.n
	}
	return n
}

// joinUnits writes the page: neighbouring blocks as the source has them,
// parts of cut blocks separated by a blank line.
func joinUnits(us []unit, src []byte) string {
	var b strings.Builder
	for i, u := range us {
		if i > 0 {
			prev := us[i-1]
			if prev.end >= 0 && u.start >= 0 && prev.end == u.start {
				b.WriteString(u.text)
				continue
			}
			s := strings.TrimRight(b.String(), " \t\n")
			b.Reset()
			b.WriteString(s)
			b.WriteString("\n\n")
		}
		b.WriteString(u.text)
	}
	return trimPage(b.String())
}

// trimPage drops leading blank lines and trailing white space, keeping the
// indentation of the first line (an indented code block starts there).
func trimPage(s string) string {
	s = strings.TrimRight(s, " \t\n")
	for {
		i := strings.IndexByte(s, '\n')
		if i < 0 || strings.TrimSpace(s[:i]) != "" {
			break
		}
		s = s[i+1:]
	}
	if strings.TrimSpace(s) == "" {
		return ""
	}
	return s
}

// splitBlock cuts one block longer than its room into parts: the first
// within first, the others within rest.
func splitBlock(u unit, src []byte, first, rest, depth int) []string {
	first, rest = max(first, 1), max(rest, 1)
	var parts []string
	switch n := u.node.(type) {
	case *ast.List:
		parts = splitList(n, u, src, first, rest, depth)
	case *ast.FencedCodeBlock:
		parts = splitCode(n, src, language(n, src), first, rest)
	case *ast.CodeBlock:
		parts = splitCode(n, src, "", first, rest)
	case *ast.Blockquote:
		if depth < maxDepth {
			parts = splitQuote(u.text, first, rest, depth)
		}
	case *ast.Heading:
		parts = splitHeading(n, src, first, rest)
	case *ast.HTMLBlock:
		parts = splitLines(u.text, first, rest)
	}
	if parts == nil {
		parts = splitParagraph(trimPage(u.text), first, rest)
	}
	return parts
}

// splitList cuts a list between its items; an item too long on its own is
// cut inside.
func splitList(l *ast.List, u unit, src []byte, first, rest, depth int) []string {
	var items []string
	var starts []int
	for c := l.FirstChild(); c != nil; c = c.NextSibling() {
		starts = append(starts, max(blockStart(c, src), u.start))
	}
	for i, s := range starts {
		end := u.end
		if i+1 < len(starts) {
			end = starts[i+1]
		}
		if end > s {
			items = append(items, string(src[s:end]))
		}
	}
	sep := 1
	if !l.IsTight {
		sep = 2
	}
	return packParts(items, first, rest, sep, func(item string, first, rest int) []string {
		return splitItem(item, first, rest, depth)
	})
}

// packParts fills pages with consecutive parts of one block, written back to
// back; a part too long on its own is cut by big.
func packParts(items []string, first, rest, sep int, big func(s string, first, rest int) []string) []string {
	var pages []string
	var cur strings.Builder
	curN := 0
	budget := first
	emit := func() {
		if p := trimPage(cur.String()); p != "" {
			pages = append(pages, p)
			budget = rest
		}
		cur.Reset()
		curN = 0
	}
	for _, it := range items {
		n := plainLen(it)
		add := n
		if cur.Len() > 0 {
			add += sep
		}
		if curN+add <= budget {
			cur.WriteString(it)
			curN += add
			continue
		}
		if cur.Len() > 0 {
			emit()
			if n <= budget {
				cur.WriteString(it)
				curN = n
				continue
			}
		}
		parts := big(it, budget, rest)
		for i, p := range parts {
			if i < len(parts)-1 {
				pages = append(pages, p)
				budget = rest
				continue
			}
			cur.WriteString(p)
			cur.WriteString("\n")
			curN = plainLen(p)
		}
	}
	emit()
	return pages
}

// listMarker matches the marker of a list item's first line and returns the
// width of everything before the item's content.
func listMarker(line string) int {
	i := 0
	for i < len(line) && i < 3 && line[i] == ' ' {
		i++
	}
	switch {
	case i < len(line) && strings.IndexByte("-+*", line[i]) >= 0:
		i++
	default:
		j := i
		for j < len(line) && j-i < 9 && line[j] >= '0' && line[j] <= '9' {
			j++
		}
		if j == i || j >= len(line) || line[j] != '.' && line[j] != ')' {
			return -1
		}
		i = j + 1
	}
	spaces := 0
	for i+spaces < len(line) && line[i+spaces] == ' ' {
		spaces++
	}
	if i+spaces == len(line) {
		return i + 1
	}
	if spaces > 4 {
		spaces = 1
	}
	if spaces == 0 {
		return -1
	}
	return i + spaces
}

// splitItem cuts one list item: its content is paged as a document of its
// own and every part is put back under the item's marker.
func splitItem(item string, first, rest, depth int) []string {
	item = strings.TrimRight(item, " \t\n")
	nl := strings.IndexByte(item, '\n')
	line0 := item
	if nl >= 0 {
		line0 = item[:nl]
	}
	w := listMarker(line0)
	if w < 0 || depth >= maxDepth {
		return splitParagraph(item, first, rest)
	}
	marker := strings.TrimRight(line0[:min(w, len(line0))], " ") + " "
	pad := strings.Repeat(" ", utf8.RuneCountInString(marker))
	lines := strings.Split(item, "\n")
	lines[0] = lines[0][min(w, len(lines[0])):]
	for i := 1; i < len(lines); i++ {
		lines[i] = dedent(lines[i], len(pad))
	}
	inner := strings.Join(lines, "\n")
	return splitWrapped(inner, func(p string) string { return indent(p, marker, pad) }, first, rest, depth)
}

// splitWrapped pages inner, a container's content, so that every part
// still fits once wrap has put it back into its container.
func splitWrapped(inner string, wrap func(string) string, first, rest, depth int) []string {
	// Budget inside = budget minus the container's marks on one line;
	// if a wrapped part is still too long, shrink in proportion and retry.
	over := max(plainLen(wrap("x"))-1, 0)
	f, r := first-over, rest-over
	var parts []string
	for try := 0; try < 3; try++ {
		parts = splitDoc(inner, nil, nil, max(f, 1), max(r, 1), depth+1)
		worst := 0 // how much the worst part is over its budget, in percent
		for i, p := range parts {
			parts[i] = wrap(p)
			b := rest
			if i == 0 {
				b = first
			}
			if n := plainLen(parts[i]); n > b {
				worst = max(worst, n*100/max(b, 1))
			}
		}
		if worst == 0 || f <= 1 && r <= 1 {
			break
		}
		f, r = f*100/worst-1, r*100/worst-1
	}
	return parts
}

// dedent removes up to n leading spaces.
func dedent(line string, n int) string {
	i := 0
	for i < n && i < len(line) && line[i] == ' ' {
		i++
	}
	return line[i:]
}

// splitQuote cuts a block quote inside and quotes every part again.
func splitQuote(text string, first, rest, depth int) []string {
	lines := strings.Split(strings.TrimRight(text, " \t\n"), "\n")
	for i, l := range lines {
		t := dedent(l, 3)
		if strings.HasPrefix(t, ">") {
			t = strings.TrimPrefix(t[1:], " ")
			lines[i] = t
		}
	}
	inner := strings.Join(lines, "\n")
	return splitWrapped(inner, func(p string) string { return indent(p, "> ", "> ") }, first, rest, depth)
}

// splitHeading cuts an over-long heading into paragraphs of its text (a
// heading must not end a page, and parts of one are no headings).
func splitHeading(h *ast.Heading, src []byte, first, rest int) []string {
	var b strings.Builder
	lines := h.Lines()
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		if i > 0 {
			b.WriteByte(' ')
		}
		b.Write(bytes.TrimSpace(seg.Value(src)))
	}
	return splitParagraph(escapeStart(b.String()), first, rest)
}

// splitCode cuts a code block between lines and fences every part.
func splitCode(n ast.Node, src []byte, lang string, first, rest int) []string {
	var lines []string
	segs := n.Lines()
	for i := 0; i < segs.Len(); i++ {
		seg := segs.At(i)
		lines = append(lines, strings.TrimRight(string(seg.Value(src)), "\n"))
	}
	fence := "~~~"
	for _, l := range lines {
		t := strings.TrimLeft(l, " ")
		run := 0
		for run < len(t) && t[run] == '~' {
			run++
		}
		if run >= len(fence) {
			fence = strings.Repeat("~", run+1)
		}
	}
	var items []string
	for _, l := range lines {
		// A line longer than a page is cut by runes (code has no markup).
		limit := max(min(first, rest)-4, 1)
		for utf8.RuneCountInString(l) > limit {
			cut := runeOffset(l, limit)
			items = append(items, l[:cut])
			l = l[cut:]
		}
		items = append(items, l)
	}
	var parts []string
	var cur []string
	curN := 0
	budget := first
	emit := func() {
		if len(cur) > 0 {
			body := strings.Join(cur, "\n")
			if strings.TrimSpace(body) != "" {
				parts = append(parts, fence+lang+"\n"+body+"\n"+fence)
				budget = rest
			}
		}
		cur, curN = nil, 0
	}
	for _, l := range items {
		n := utf8.RuneCountInString(l)
		if n > 0 {
			n += 4
		}
		if len(cur) > 0 {
			n++
		}
		if curN+n > budget && len(cur) > 0 {
			emit()
			n = max(n-1, 0)
		}
		cur = append(cur, l)
		curN += n
	}
	emit()
	return parts
}

// runeOffset is the byte offset of the n-th rune of s.
func runeOffset(s string, n int) int {
	i := 0
	for k := 0; k < n && i < len(s); k++ {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return i
}

// splitLines cuts raw lines (an HTML block) between lines.
func splitLines(text string, first, rest int) []string {
	lines := strings.SplitAfter(strings.TrimRight(text, " \t\n"), "\n")
	return packParts(lines, first, rest, 1, func(s string, first, rest int) []string {
		return splitParagraph(s, first, rest)
	})
}

// splitParagraph cuts inline text between sentences, then words, then runes
// (never inside an entity reference or after a backslash). Every part after
// the first is escaped so it cannot start a block of another kind.
func splitParagraph(text string, first, rest int) []string {
	var parts []string
	budget := first
	for text != "" {
		// Count runes: a paragraph's plain text is hardly ever longer than
		// its source; a link defined elsewhere can be, so measure and retry.
		var part, remaining string
		for b := budget; ; {
			cut := bestCut(text, b)
			part, remaining = text[:cut], text[cut:]
			if len(parts) > 0 {
				part = escapeStart(part)
			} else if remaining != "" {
				// Cut short, the first part can open a block the whole
				// line did not: "[0]:[y](…) more" a link definition,
				// "``````0A`" a code fence. The line was paragraph text,
				// so escaping its start changes nothing visible.
				part = escapeStart(part)
			}
			part = strings.TrimRight(part, " \t\n")
			n := plainLen(part)
			if n <= budget || b <= 1 {
				break
			}
			b = max(min(b-1, b*budget/n), 1)
		}
		if strings.TrimSpace(part) != "" {
			parts = append(parts, part)
			budget = rest
		}
		text = strings.TrimLeft(remaining, " \t\n")
	}
	return parts
}

// bestCut returns the byte offset where text should be cut so the part has
// at most budget runes: after the last sentence end, else after the last
// space, else at the last safe rune boundary.
func bestCut(text string, budget int) int {
	if utf8.RuneCountInString(text) <= budget {
		return len(text)
	}
	limit := runeOffset(text, budget)
	sentence, word := -1, -1
	// A cut goes after white space; the space right after the window
	// still counts, as a part's trailing blanks are dropped.
	for i := 1; i <= limit && i < len(text); i++ {
		c := text[i]
		if c != ' ' && c != '\n' && c != '\t' {
			continue
		}
		word = i + 1
		p := text[i-1]
		if p == '.' || p == '!' || p == '?' || p == '\n' {
			sentence = i + 1
		}
	}
	switch {
	case sentence > 0:
		return sentence
	case word > 0:
		return word
	}
	return safeCut(text, limit)
}

// safeCut moves a rune-boundary cut back so it does not fall inside an
// entity reference, right after a backslash or between a base character and
// its combining marks. It never returns less than one rune.
func safeCut(text string, cut int) int {
	if amp := strings.LastIndexByte(text[max(cut-40, 0):cut], '&'); amp >= 0 {
		amp += max(cut-40, 0)
		if n, _ := entityAt([]byte(text[amp:])); n > 0 && amp+n > cut {
			if amp > 0 {
				return amp
			}
			return n // the part is just this entity
		}
	}
	back := cut
	for back > 0 && text[back-1] == '\\' {
		back--
	}
	if (cut-back)%2 == 1 { // the last backslash escapes the next rune
		if cut-1 > 0 {
			cut--
		} else {
			_, size := utf8.DecodeRuneInString(text[cut:])
			cut += size
		}
	}
	base := cut
	for base > 0 {
		r, _ := utf8.DecodeRuneInString(text[base:])
		if !unicode.Is(unicode.Mn, r) && r != '\u200d' && !(r >= 0xFE00 && r <= 0xFE0F) {
			break
		}
		_, size := utf8.DecodeLastRuneInString(text[:base])
		base -= size
	}
	if base > 0 {
		return base
	}
	return cut
}

// escapeStart makes the start of a cut-off part read as paragraph text: a
// backslash goes before anything that would open another kind of block
// (heading, quote, list, fence, thematic break, HTML, link definition).
func escapeStart(s string) string {
	s = strings.TrimLeft(s, " \t\n")
	if s == "" {
		return s
	}
	line := s
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		line = s[:i]
	}
	spaceAfter := func(n int) bool { return len(s) == n || s[n] == ' ' || s[n] == '\t' || s[n] == '\n' }
	escape := false
	switch c := s[0]; c {
	case '>':
		escape = true
	case '#':
		n := 1
		for n < len(s) && s[n] == '#' {
			n++
		}
		escape = n <= 6 && spaceAfter(n)
	case '-', '+', '*', '_':
		escape = c != '_' && spaceAfter(1) || strings.Trim(line, string(c)+" \t") == "" && strings.Count(line, string(c)) >= 3
	case '`', '~':
		escape = strings.HasPrefix(s, strings.Repeat(string(c), 3))
	case '<':
		escape = !autolinkStart(s)
	case '[':
		escape = strings.Contains(line, "]:")
	case '|', '=':
		escape = false
	}
	if escape {
		return `\` + s
	}
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i > 0 && i < len(s) && (s[i] == '.' || s[i] == ')') {
		return s[:i] + `\` + s[i:]
	}
	return s
}

// autolinkStart reports whether s starts like <scheme:...>.
func autolinkStart(s string) bool {
	i := 1
	for i < len(s) && i < 34 && (s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z' || i > 1 && (s[i] >= '0' && s[i] <= '9' || s[i] == '+' || s[i] == '.' || s[i] == '-')) {
		i++
	}
	return i > 2 && i < len(s) && s[i] == ':'
}

// ref is a link reference definition written out again.
type ref struct {
	label string // lower case, for matching
	text  string
}

// collectRefs writes every link reference definition of doc as Markdown.
func collectRefs(doc ast.Node, src []byte) []ref {
	var refs []ref
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		d, ok := n.(*ast.LinkReferenceDefinition)
		if !entering || !ok {
			return ast.WalkContinue, nil
		}
		var b strings.Builder
		b.WriteString("[" + string(d.Label) + "]: ")
		dest := string(d.Destination)
		if dest == "" || strings.ContainsAny(dest, " \t\n") || strings.HasPrefix(dest, "<") {
			b.WriteString("<" + dest + ">")
		} else {
			b.WriteString(dest)
		}
		if len(d.Title) > 0 {
			title := string(d.Title)
			switch {
			case !strings.Contains(title, `"`):
				b.WriteString(` "` + title + `"`)
			case !strings.Contains(title, `'`):
				b.WriteString(` '` + title + `'`)
			default:
				b.WriteString(` (` + title + `)`)
			}
		}
		refs = append(refs, ref{label: strings.ToLower(strings.Join(strings.Fields(string(d.Label)), " ")), text: b.String()})
		return ast.WalkContinue, nil
	})
	return refs
}

// neededRefs returns the definitions page may use, one per line.
func neededRefs(page string, refs []ref) string {
	if !strings.Contains(page, "]") {
		return ""
	}
	low := strings.ToLower(strings.Join(strings.Fields(page), " "))
	var b strings.Builder
	for _, r := range refs {
		if strings.Contains(low, r.label) {
			b.WriteString(r.text)
			b.WriteByte('\n')
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// Fit renders md in format f as messages that each fit f.Limit() (and, for
// TelegramHTML, pass ValidateTelegramHTML): one message when the whole text
// fits; else the pages of Split, each cut further while too long (by runes
// as a last resort, never inside a tag or entity), and neighbours joined
// again while they fit together. Blank md gives nil.
func Fit(md string, f Format) []string {
	limit := f.Limit()
	whole := Render(md, f)
	if whole == "" {
		return nil
	}
	if fits(whole, f) {
		return []string{whole}
	}
	var out []string
	var add func(src string, budget, depth int)
	add = func(src string, budget, depth int) {
		r := Render(src, f)
		if strings.TrimSpace(r) == "" {
			return
		}
		if fits(r, f) {
			out = append(out, r)
			return
		}
		if n := Length(r, f); n > limit && depth < 4 {
			nb := min(budget*limit/n*9/10, budget-1)
			if nb >= 1 {
				if pages := Split(src, nb); len(pages) > 1 {
					for _, p := range pages {
						add(p, nb, depth+1)
					}
					return
				}
			}
		}
		out = append(out, hardSplit(r, f)...)
	}
	for _, p := range Split(md, limit) {
		add(p, limit, 0)
	}
	return merge(out, f)
}

// merge joins neighbouring messages, a blank line apart, while they fit
// together, so pages that Split began at a heading do not each cost a
// message.
func merge(parts []string, f Format) []string {
	var out []string
	for _, p := range parts {
		if n := len(out); n > 0 {
			joined := out[n-1] + "\n\n" + p
			if Length(joined, f) <= f.Limit() {
				out[n-1] = joined
				continue
			}
		}
		out = append(out, p)
	}
	return out
}

// fits reports whether rendered s can be sent as one message.
func fits(s string, f Format) bool {
	if Length(s, f) > f.Limit() {
		return false
	}
	if f == TelegramHTML {
		return ValidateTelegramHTML(s) == nil
	}
	return strings.TrimSpace(s) != ""
}

// hardSplit cuts rendered text that no Markdown cut could shorten enough.
func hardSplit(s string, f Format) []string {
	limit := f.Limit()
	var parts []string
	if f == TelegramHTML {
		for _, p := range hardSplitTelegram(s, limit) {
			if ValidateTelegramHTML(p) == nil {
				parts = append(parts, p)
				continue
			}
			// Not expected: fall back to the escaped visible text.
			for _, q := range splitText(telegramVisible(p), limit, false) {
				parts = append(parts, escapeHTML(q))
			}
		}
		return parts
	}
	return splitText(s, limit, f == DiscordMarkdown)
}

// splitText cuts s into parts of at most limit runes, preferring line ends,
// then spaces. For Discord a code block cut in two is closed and reopened.
func splitText(s string, limit int, discord bool) []string {
	var parts []string
	fenceOpen := ""
	for strings.TrimSpace(s) != "" {
		room := limit
		prefix := ""
		if discord && fenceOpen != "" {
			prefix = fenceOpen + "\n"
			room -= utf8.RuneCountInString(prefix)
		}
		if discord {
			room -= 4 // a closing fence may be needed
		}
		room = max(room, 1)
		cut := len(s)
		if utf8.RuneCountInString(s) > room {
			cut = runeOffset(s, room)
			if i := strings.LastIndexByte(s[:cut], '\n'); i > cut/2 {
				cut = i + 1
			} else if i := strings.LastIndexByte(s[:cut], ' '); i > cut/2 {
				cut = i + 1
			}
		}
		chunk := s[:cut]
		part := prefix + chunk
		s = s[cut:]
		if discord {
			for _, line := range strings.Split(chunk, "\n") {
				if strings.HasPrefix(line, "```") {
					if fenceOpen == "" {
						fenceOpen = line
					} else {
						fenceOpen = ""
					}
				}
			}
			if fenceOpen != "" {
				part = strings.TrimRight(part, "\n") + "\n```"
			}
		}
		if p := strings.TrimSpace(part); p != "" {
			parts = append(parts, p)
		}
	}
	return parts
}
