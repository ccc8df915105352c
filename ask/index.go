package ask

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"

	"github.com/blevesearch/bleve/v2/analysis"
	_ "github.com/blevesearch/bleve/v2/analysis/analyzer/standard" // the analyzer of languages without a stemmer
	_ "github.com/blevesearch/bleve/v2/analysis/lang/en"           // English: possessives, stop words, Porter stemmer
	_ "github.com/blevesearch/bleve/v2/analysis/lang/ru"           // Russian: stop words, Snowball stemmer
	"github.com/blevesearch/bleve/v2/registry"

	"tutorbot/lessons"
	"tutorbot/practice"
)

// Source says where a passage comes from.
type Source string

// The sources of passages.
const (
	FromPage Source = "page"
	FromQuiz Source = "quiz"
	FromFAQ  Source = "faq"
)

// Place is where a passage lives in the course.
type Place struct {
	LessonID    string
	LessonTitle string
	Order       int
	Lang        string
	// Page is the lesson page, from 1.
	Page int
	// Title is the page's heading ("The selection principle").
	Title string
}

// Passage is a few sentences of the course with their place.
type Passage struct {
	Place
	Source Source
	// Text is the passage as plain text (Markdown emphasis and links dropped).
	Text string
	// Question is the FAQ question or the quiz question, for those sources.
	Question string
	// QuizID is the quiz question's id, for quiz explanations.
	QuizID string
	// Subject is what a list item defines: its bold lead ("**Qwen**
	// (Alibaba) — multilingual …" defines Qwen), or "".
	Subject string
	// Markdown is a lesson page's passage as written, links included, for
	// quoting ("" for FAQ and quiz passages: Text is quoted).
	Markdown string
}

// Hit is a passage found for a question, with its score and the share of
// the question's weight it matched (0..1).
type Hit struct {
	Passage  *Passage
	Score    float64
	Coverage float64
	// Named marks a passage put first because it holds what the question
	// names: the definition of a subject (see Passage.Subject), or a
	// passage holding every subject named and more of the question.
	Named bool

	doc int // the passage's place in its language's index
}

type doc struct {
	p     *Passage
	terms map[string]int
	n     int
	// weight scales the doc's score: a list of references counts half.
	weight float64
}

type posting struct {
	doc int
	tf  int
}

// langIndex is the BM25 index of one language's passages.
type langIndex struct {
	docs     []doc
	postings map[string][]posting
	avgLen   float64
	// subjects maps each term of a subject (see Passage.Subject) to the
	// passages that define it, in course order.
	subjects map[string][]int
}

// Index is a search index over every lesson page, quiz explanation and FAQ
// entry of a course, in every language it is written in. Text is analyzed
// by bleve's analyzers (English: Porter stemmer; Russian: Snowball stemmer;
// stop words for both) and ranked by BM25. It is read-only once built and
// safe for concurrent use.
type Index struct {
	langs     map[string]*langIndex
	analyzers map[string]analysis.Analyzer
	fallback  analysis.Analyzer
	// quiz maps lesson id and quiz question id to the quiz's passage in each language.
	quiz map[string]map[string]*Passage
}

// BM25 parameters: the usual ones.
const (
	bm25K1 = 1.2
	bm25B  = 0.75
)

// analyzers returns bleve's analyzers by language, with the standard one
// (Unicode words, lower case) for languages without a stemmer.
func newAnalyzers() (map[string]analysis.Analyzer, analysis.Analyzer, error) {
	cache := registry.NewCache()
	out := map[string]analysis.Analyzer{}
	for _, lang := range []string{"en", "ru"} {
		a, err := cache.AnalyzerNamed(lang)
		if err != nil {
			return nil, nil, fmt.Errorf("load the %s analyzer: %w", lang, err)
		}
		out[lang] = a
	}
	std, err := cache.AnalyzerNamed("standard")
	if err != nil {
		return nil, nil, fmt.Errorf("load the standard analyzer: %w", err)
	}
	return out, std, nil
}

// terms analyzes text in lang into stemmed terms.
func (ix *Index) terms(text, lang string) []string {
	a, ok := ix.analyzers[lang]
	if !ok {
		a = ix.fallback
	}
	toks := a.Analyze([]byte(text))
	out := make([]string, 0, len(toks))
	for _, t := range toks {
		if len(t.Term) > 0 {
			out = append(out, string(t.Term))
		}
	}
	return out
}

// BuildIndex indexes course: every page of every lesson in every language,
// split into passages, every quiz question's explanation of its correct
// option and every FAQ entry.
func BuildIndex(course *lessons.Course) (*Index, error) {
	an, std, err := newAnalyzers()
	if err != nil {
		return nil, err
	}
	ix := &Index{langs: map[string]*langIndex{}, analyzers: an, fallback: std, quiz: map[string]map[string]*Passage{}}
	for _, lang := range course.Languages() {
		li := &langIndex{postings: map[string][]posting{}, subjects: map[string][]int{}}
		ix.langs[lang] = li
		var quizzes []func()
		for _, l := range course.InLang(lang) {
			quizzes = append(quizzes, ix.addLesson(li, l))
		}
		li.average()
		// Quiz explanations find their page among the pages indexed above.
		for _, q := range quizzes {
			q()
		}
		li.average()
	}
	return ix, nil
}

func (li *langIndex) average() {
	total := 0
	for _, d := range li.docs {
		total += d.n
	}
	if len(li.docs) > 0 {
		li.avgLen = float64(total) / float64(len(li.docs))
	}
}

func (ix *Index) add(li *langIndex, p *Passage, text string, weight float64) {
	terms := ix.terms(text, p.Lang)
	if len(terms) == 0 {
		return
	}
	d := doc{p: p, terms: map[string]int{}, n: len(terms), weight: weight}
	for _, t := range terms {
		d.terms[t]++
	}
	id := len(li.docs)
	li.docs = append(li.docs, d)
	for t, tf := range d.terms {
		li.postings[t] = append(li.postings[t], posting{doc: id, tf: tf})
	}
	if p.Subject != "" {
		for _, t := range ix.terms(p.Subject, p.Lang) {
			if ids := li.subjects[t]; len(ids) == 0 || ids[len(ids)-1] != id {
				li.subjects[t] = append(ids, id)
			}
		}
	}
}

// addLesson indexes l's pages and FAQ and returns the function that
// indexes its quiz explanations, to be called once every page is indexed.
func (ix *Index) addLesson(li *langIndex, l *lessons.Lesson) func() {
	base := Place{LessonID: l.ID, LessonTitle: l.Title, Order: l.Order, Lang: l.Lang}
	titles := make([]string, len(l.Pages))
	for i, src := range l.Pages {
		pl := base
		pl.Page = i + 1
		blocks, heads := splitBlocks(src)
		pl.Title = firstOr(heads, l.Title)
		titles[i] = pl.Title
		headText := strings.Join(heads, " ")
		for _, b := range blocks {
			p := &Passage{Place: pl, Source: FromPage, Text: b.text, Subject: b.subject, Markdown: b.md}
			w := 1.0
			if b.links >= 2 {
				w = 0.5
			}
			ix.add(li, p, b.text+" "+headText+" "+headText, w) // headings count twice: they name the topic
		}
	}
	placeOf := func(page int) Place {
		pl := base
		if page < 1 || page > len(l.Pages) {
			page = 1
		}
		pl.Page = page
		if len(titles) > 0 {
			pl.Title = titles[page-1]
		}
		return pl
	}
	for _, f := range l.FAQ {
		pl := placeOf(f.Page)
		p := &Passage{Place: pl, Source: FromFAQ, Text: plain(f.A), Question: plain(f.Q)}
		ix.add(li, p, p.Question+" "+p.Text, 1)
	}
	return func() { ix.addQuiz(li, l, placeOf) }
}

func (ix *Index) addQuiz(li *langIndex, l *lessons.Lesson, placeOf func(int) Place) {
	for _, q := range l.Quiz {
		correct, ok := q.Option(q.Answer)
		if !ok {
			continue
		}
		text := plain(correct.Explain)
		if text == "" {
			text = plain(correct.Text)
		}
		// The page that teaches the answer: the best page passage for it.
		pl := placeOf(1)
		if hits := ix.searchIn(li, l.Lang, q.Text+" "+correct.Text, 1, FromPage, l.ID); len(hits) > 0 {
			pl = hits[0].Passage.Place
		}
		p := &Passage{Place: pl, Source: FromQuiz, Text: text, Question: plain(q.Text), QuizID: q.ID}
		ix.add(li, p, p.Question+" "+correct.Text+" "+text, 1)
		if ix.quiz[l.ID] == nil {
			ix.quiz[l.ID] = map[string]*Passage{}
		}
		ix.quiz[l.ID][q.ID+"/"+l.Lang] = p
	}
}

// QuizPassage is the explanation of quiz question quizID of lesson lessonID
// in lang (English when the lesson lacks lang), with the page that teaches it.
func (ix *Index) QuizPassage(lessonID, quizID, lang string) (*Passage, bool) {
	m := ix.quiz[lessonID]
	if p, ok := m[quizID+"/"+lang]; ok {
		return p, true
	}
	p, ok := m[quizID+"/"+lessons.DefaultLang]
	return p, ok
}

// Search returns up to n passages for question in lang, best first. A
// question written in Cyrillic is searched in the Russian passages and one
// in Latin letters in the English ones when the learner's language has no
// lessons or the question is plainly in the other script.
//
// A question that names what a list item of the course defines ("What is
// Qwen good at?", "DeepSeek vs Mistral") gets those definitions first,
// in the order the question names them, unless a passage names them
// all and matches more of the question besides ("How do I run
// DeepSeek, Qwen and Mistral on the same prompt?"). Ranking by words
// alone would quote the Mistral item for "Qwen good": the family's name
// is in many passages, "good" in few.
func (ix *Index) Search(question, lang string, n int) []Hit {
	lang = ix.searchLang(question, lang)
	li := ix.langs[lang]
	if li == nil {
		return nil
	}
	sc := ix.score(li, lang, question, "", "")
	if sc == nil {
		return nil
	}
	hits := sc.top(li, n)
	defs, named := sc.subjects(li)
	if len(defs) == 0 {
		return hits
	}
	var out []Hit
	if id, ok := sc.beyond(li, named); ok {
		defs = []int{id}
	}
	for _, id := range defs {
		h := sc.hit(li, id)
		h.Named = true
		out = append(out, h)
	}
	for _, h := range hits {
		if len(out) >= n {
			break
		}
		if !slices.ContainsFunc(out, func(o Hit) bool { return o.doc == h.doc }) {
			out = append(out, h)
		}
	}
	return out
}

// searchLang picks the language whose passages a question is searched in.
func (ix *Index) searchLang(question, lang string) string {
	cyr, lat := practice.Scripts(question)
	switch {
	case cyr > lat && ix.langs["ru"] != nil:
		return "ru"
	case lat > cyr && lang == "ru" && ix.langs["en"] != nil:
		return "en"
	case ix.langs[lang] != nil:
		return lang
	default:
		return lessons.DefaultLang
	}
}

// searchIn searches li for question, keeping only passages from source
// only and lesson lesson when they are given.
func (ix *Index) searchIn(li *langIndex, lang, question string, n int, only Source, lesson string) []Hit {
	sc := ix.score(li, lang, question, only, lesson)
	if sc == nil {
		return nil
	}
	return sc.top(li, n)
}

// scoring is a question's BM25 score against every passage of one
// language.
type scoring struct {
	terms   []string  // the question's distinct terms
	idfs    []float64 // their inverse document frequencies
	weight  float64   // the sum of idfs
	scores  []float64 // by passage
	matched []float64 // the idf of the question's terms each passage holds
	touched []int     // the passages holding any term
}

// score scores question against li's passages, keeping only passages from
// source only and lesson lesson when they are given; nil when the question
// has no terms or li no passages.
func (ix *Index) score(li *langIndex, lang, question string, only Source, lesson string) *scoring {
	q := ix.terms(question, lang)
	if len(q) == 0 || len(li.docs) == 0 {
		return nil
	}
	seen := map[string]bool{}
	sc := &scoring{scores: make([]float64, len(li.docs)), matched: make([]float64, len(li.docs))}
	for _, t := range q {
		if !seen[t] {
			seen[t] = true
			sc.terms = append(sc.terms, t)
		}
	}
	nDocs := float64(len(li.docs))
	idf := func(df int) float64 { return math.Log(1 + (nDocs-float64(df)+0.5)/(float64(df)+0.5)) }
	sc.idfs = make([]float64, len(sc.terms))
	for i, t := range sc.terms {
		sc.idfs[i] = idf(len(li.postings[t]))
		sc.weight += sc.idfs[i]
	}
	for i, t := range sc.terms {
		for _, p := range li.postings[t] {
			d := &li.docs[p.doc]
			if only != "" && d.p.Source != only || lesson != "" && d.p.LessonID != lesson {
				continue
			}
			if sc.matched[p.doc] == 0 {
				sc.touched = append(sc.touched, p.doc)
			}
			tf := float64(p.tf)
			sc.scores[p.doc] += d.weight * sc.idfs[i] * tf * (bm25K1 + 1) / (tf + bm25K1*(1-bm25B+bm25B*float64(d.n)/li.avgLen))
			sc.matched[p.doc] += sc.idfs[i]
		}
	}
	return sc
}

// hit is passage id as a Hit.
func (sc *scoring) hit(li *langIndex, id int) Hit {
	return Hit{Passage: li.docs[id].p, Score: sc.scores[id], Coverage: sc.matched[id] / sc.weight, doc: id}
}

// top returns the best n passages, best first.
func (sc *scoring) top(li *langIndex, n int) []Hit {
	// Kept in order while scanning: no sort of every match.
	hits := make([]Hit, 0, n+1)
	for _, id := range sc.touched {
		h := sc.hit(li, id)
		at := len(hits)
		for at > 0 && better(h, hits[at-1]) {
			at--
		}
		if at >= n {
			continue
		}
		hits = append(hits, Hit{})
		copy(hits[at+1:], hits[at:])
		hits[at] = h
		if len(hits) > n {
			hits = hits[:n]
		}
	}
	return hits
}

// subjects returns the passages defining the subjects the question names,
// one per subject (the best scored where several define it), in the order
// the question names them, and the terms that named them (their indexes in
// sc.terms).
func (sc *scoring) subjects(li *langIndex) (defs, named []int) {
	for i, t := range sc.terms {
		ids := li.subjects[t]
		if len(ids) == 0 {
			continue
		}
		named = append(named, i)
		best := ids[0]
		for _, id := range ids[1:] {
			if sc.scores[id] > sc.scores[best] {
				best = id
			}
		}
		if !slices.Contains(defs, best) {
			defs = append(defs, best)
		}
	}
	return defs, named
}

// beyond returns the best scored passage that holds every named term and
// matches more of the question than those terms: it answers the question
// better than the definitions of what it names.
func (sc *scoring) beyond(li *langIndex, named []int) (int, bool) {
	var w float64
	for _, i := range named {
		w += sc.idfs[i]
	}
	best, found := 0, false
	for _, id := range sc.touched {
		if sc.matched[id] <= w+1e-9 || found && !better(sc.hit(li, id), sc.hit(li, best)) {
			continue
		}
		if !slices.ContainsFunc(named, func(i int) bool { return li.docs[id].terms[sc.terms[i]] == 0 }) {
			best, found = id, true
		}
	}
	return best, found
}

// better orders hits: higher score first, then earlier lesson and page.
func better(a, b Hit) bool {
	if a.Score != b.Score {
		return a.Score > b.Score
	}
	if a.Passage.Order != b.Passage.Order {
		return a.Passage.Order < b.Passage.Order
	}
	return a.Passage.Page < b.Passage.Page
}

var (
	linkRE     = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)
	emphasisRE = regexp.MustCompile("[*_`]{1,3}")
	bulletRE   = regexp.MustCompile(`^\s*(?:[-*+]|\d+[.)])\s+`)
)

// plain drops Markdown emphasis, links' targets and extra spaces.
func plain(s string) string {
	s = linkRE.ReplaceAllStringFunc(s, func(l string) string {
		text := linkRE.FindStringSubmatch(l)[1]
		if !strings.Contains(text, " ") && strings.ContainsAny(text, "./") {
			return "" // an address as a link's text says nothing to search
		}
		return text
	})
	s = emphasisRE.ReplaceAllString(s, "")
	return strings.Join(strings.Fields(s), " ")
}

// block is one passage of a page: its plain text, how many links it has
// and, for a list item that opens with a bold term, that term.
type block struct {
	text    string
	md      string
	links   int
	subject string
}

// subjectRE finds a list item's bold lead: "**Mistral / Mixtral** — …".
var subjectRE = regexp.MustCompile(`^\*\*([^*]+)\*\*`)

// splitBlocks splits a page's Markdown into passages (paragraphs and list
// items, code left out) and its headings.
func splitBlocks(src string) (blocks []block, heads []string) {
	var cur []string
	item := false // cur is a list item
	flush := func() {
		if len(cur) > 0 {
			md := strings.Join(cur, " ")
			if t := plain(md); t != "" {
				b := block{text: t, md: md, links: len(linkRE.FindAllStringIndex(md, -1))}
				if m := subjectRE.FindStringSubmatch(md); item && m != nil {
					b.subject = plain(m[1])
				}
				blocks = append(blocks, b)
			}
			cur, item = nil, false
		}
	}
	inCode := false
	for _, line := range strings.Split(src, "\n") {
		t := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(t, "```"):
			flush()
			inCode = !inCode
		case inCode:
		case strings.HasPrefix(t, "#"):
			flush()
			heads = append(heads, plain(strings.TrimLeft(t, "# ")))
		case t == "":
			flush()
		case bulletRE.MatchString(line):
			flush()
			cur, item = append(cur, strings.TrimSpace(bulletRE.ReplaceAllString(line, ""))), true
		default:
			cur = append(cur, t)
		}
	}
	flush()
	// A lead-in that ends with a colon belongs with what it introduces.
	for i := 0; i+1 < len(blocks); i++ {
		if strings.HasSuffix(blocks[i].text, ":") {
			blocks[i].text += " " + blocks[i+1].text
			blocks[i].md += "\n" + blocks[i+1].md
			blocks[i].links += blocks[i+1].links
			blocks = append(blocks[:i+1], blocks[i+2:]...)
		}
	}
	return blocks, heads
}

func firstOr(s []string, def string) string {
	if len(s) > 0 {
		return s[0]
	}
	return def
}
