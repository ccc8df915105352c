// Package ask answers learners' free-text questions from what the tutor
// knows: the course (a search index over every lesson page, quiz
// explanation and FAQ entry, in every language) and the model catalog (the
// recommender's own memory, fit and license figures). It never invents a
// fact: a question neither can answer gets a friendly "I can help with the
// course and with choosing open-weight models". It knows nothing of chat
// platforms; the bot routes free text here.
package ask

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"

	"tutorbot/lessons"
	"tutorbot/locale"
	"tutorbot/practice"
	"tutorbot/quiz"
	"tutorbot/render"
)

// Kind is what an answer rests on.
type Kind string

// The kinds of answers.
const (
	// Course: a passage of a lesson, a quiz explanation or an FAQ entry.
	Course Kind = "course"
	// Catalog: the catalog's figures for a model, a family or hardware.
	Catalog Kind = "catalog"
	// Hint: the question asks for the open quiz question's answer; the
	// answer points to the page instead.
	Hint Kind = "hint"
	// Unknown: off-topic, too weak a match, or no words at all.
	Unknown Kind = "unknown"
)

// MinCoverage is the share of a question's weight the best passage must
// match to be quoted; below it the tutor says it is not sure.
const MinCoverage = 0.3

// Tutor answers questions. It is read-only once built and safe for
// concurrent use.
type Tutor struct {
	ix  *Index
	ci  *catalogIndex
	loc *locale.Catalog
}

// New builds the tutor's index over course and its view of cat.
func New(course *lessons.Course, cat *practice.Catalog, loc *locale.Catalog) (*Tutor, error) {
	ix, err := BuildIndex(course)
	if err != nil {
		return nil, fmt.Errorf("build the question index: %w", err)
	}
	return &Tutor{ix: ix, ci: newCatalogIndex(cat), loc: loc}, nil
}

// Index is the tutor's course index.
func (t *Tutor) Index() *Index { return t.ix }

// OpenQuiz is the quiz question a learner has open (answered false) or has
// just answered.
type OpenQuiz struct {
	LessonID string
	Question quiz.Question
}

// Question is one free-text question.
type Question struct {
	Text string
	// Lang is the learner's language.
	Lang string
	// Quiz is the quiz question open for the learner, or nil.
	Quiz *OpenQuiz
}

// Answer is the tutor's answer to a question.
type Answer struct {
	Kind Kind
	// Markdown is the answer in the learner's language.
	Markdown string
	// Place is the page to offer with an "Open page N" button, or nil.
	Place *Place
	// Passages are the passages retrieved, best first (the LLM writes from these).
	Passages []*Passage
	// Facts are the catalog facts computed, one per line (the LLM writes from these).
	Facts []string
	// Template: offer the button that fills the practice template.
	Template bool
	// Coverage is the best passage's share of the question's weight.
	Coverage float64
	// Catalog is the question as the catalog read it, for catalog answers.
	Catalog *CatalogQuestion
}

// Answer answers q. It never panics and never invents: every sentence of
// the answer is a message of the catalogs, a course passage or a figure
// computed by the recommender.
func (t *Tutor) Answer(q Question) Answer {
	text := q.Text
	if len(text) > MaxQuestion {
		text = cutUTF8(text, MaxQuestion)
	}
	tr := t.loc.For(q.Lang)
	if !hasLetters(text) {
		return Answer{Kind: Unknown, Markdown: tr.T("AskNoWords")}
	}
	if k := smallTalkKind(text); k != "" {
		return Answer{Kind: SmallTalk, Markdown: tr.T("AskSmallTalk" + strings.ToUpper(k[:1]) + k[1:])}
	}
	if q.Quiz != nil {
		if a, ok := t.hint(tr, text, q); ok {
			return a
		}
	}
	if cq, ok := t.ci.parse(text, tr.Lang()); ok {
		return t.catalogAnswer(tr, cq)
	}
	hits := t.ix.Search(text, q.Lang, 3)
	if len(hits) == 0 || hits[0].Coverage < MinCoverage && !hits[0].Named {
		a := Answer{Kind: Unknown, Markdown: tr.T("AskOffTopic")}
		if len(hits) > 0 {
			a.Coverage = hits[0].Coverage
		}
		return a
	}
	best := hits[0]
	a := Answer{Kind: Course, Coverage: best.Coverage}
	for _, h := range hits {
		a.Passages = append(a.Passages, h.Passage)
	}
	p := best.Passage
	place := p.Place
	a.Place = &place
	a.Markdown = t.quote(tr, p)
	if len(hits) > 1 && hits[1].Named {
		// "DeepSeek vs Qwen": what the course says of each, side by side.
		var defs []string
		for _, h := range hits {
			if h.Named {
				defs = append(defs, "• "+passageMarkdown(h.Passage))
			}
		}
		a.Markdown = tr.T("AskQuote", "Passage", strings.Join(defs, "\n"), "Place", PlaceName(tr, place))
	}
	return a
}

// PlaceName is "Lesson 1, page 3: The selection principle" in tr's language.
func PlaceName(tr *locale.Localizer, p Place) string {
	return tr.T("AskPlace", "Lesson", p.Order, "Page", p.Page, "Title", render.EscapeMarkdown(p.Title))
}

func (t *Tutor) quote(tr *locale.Localizer, p *Passage) string {
	place := PlaceName(tr, p.Place)
	switch p.Source {
	case FromFAQ:
		return tr.T("AskFAQ", "Question", render.EscapeMarkdown(p.Question), "Answer", render.EscapeMarkdown(p.Text), "Place", place)
	case FromQuiz:
		return tr.T("AskQuizExplained", "Question", render.EscapeMarkdown(p.Question), "Answer", render.EscapeMarkdown(p.Text), "Place", place)
	default:
		return tr.T("AskQuote", "Passage", passageMarkdown(p), "Place", place)
	}
}

// passageMarkdown is a page passage as the lesson writes it (links and
// emphasis kept), or its plain text escaped when there is no Markdown.
func passageMarkdown(p *Passage) string {
	if p.Markdown != "" {
		return p.Markdown
	}
	return render.EscapeMarkdown(p.Text)
}

// hint answers a question that asks for the open quiz question's answer
// with a pointer to the page that teaches it, never the answer. After the
// question is answered the ordinary answer follows (the quiz explanation).
func (t *Tutor) hint(tr *locale.Localizer, text string, q Question) (Answer, bool) {
	oq := q.Quiz
	correct, ok := oq.Question.Option(oq.Question.Answer)
	if !ok || !t.asksFor(text, q.Lang, oq.Question, correct) {
		return Answer{}, false
	}
	p, ok := t.ix.QuizPassage(oq.LessonID, oq.Question.ID, q.Lang)
	if !ok {
		return Answer{}, false
	}
	place := p.Place
	return Answer{Kind: Hint, Place: &place, Markdown: tr.T("AskQuizHint", "Place", PlaceName(tr, place), "Page", place.Page)}, true
}

// asksFor reports whether text asks what quiz question qq asks: most of
// its weight is in the question's or the correct option's words.
func (t *Tutor) asksFor(text, lang string, qq quiz.Question, correct quiz.Option) bool {
	lang = t.ix.searchLang(text, lang)
	asked := t.ix.terms(text, lang)
	if len(asked) == 0 {
		return false
	}
	known := map[string]bool{}
	for _, s := range []string{qq.Text, correct.Text} {
		for _, term := range t.ix.terms(s, lang) {
			known[term] = true
		}
	}
	hit := 0
	for _, term := range asked {
		if known[term] {
			hit++
		}
	}
	return hit > 0 && float64(hit)/float64(len(asked)) >= 0.5
}

// catalogAnswer writes the catalog's figures for cq.
func (t *Tutor) catalogAnswer(tr *locale.Localizer, cq CatalogQuestion) Answer {
	a := Answer{Kind: Catalog, Template: true, Catalog: &cq}
	lang := tr.Lang()
	var parts []string
	add := func(s string) {
		parts = append(parts, s)
	}
	if cq.BadHardware != "" {
		add(tr.T("AskBadMemory", "Reason", cq.BadHardware))
	}
	switch {
	case len(cq.Models) > 0:
		ctx := cq.Request.ContextTokens
		if ctx <= 0 {
			ctx = practice.DefaultContext
		}
		pol := t.ci.cat.Policy()
		for _, m := range cq.Models {
			showMemory := cq.Memory || !cq.License
			if showMemory {
				est := practice.Estimate(m, practice.Q4KM, ctx)
				add(tr.T("AskMemoryHead", "Model", render.EscapeMarkdown(m.Name), "Params", num(m.TotalB, lang), "Context", tokens(est.CtxTokens)))
				a.Facts = append(a.Facts, fmt.Sprintf("%s: %sB parameters; memory at %s tokens of context:", m.Name, num(m.TotalB, "en"), tokens(est.CtxTokens)))
				var lines []string
				for _, qt := range practice.Ladder {
					e := practice.Estimate(m, qt, ctx)
					id := "AskMemoryLine"
					if qt == cq.Quant {
						id = "AskMemoryLineAsked"
					}
					lines = append(lines, tr.T(id, "Quant", string(qt), "GB", num(e.TotalGiB, lang)))
					a.Facts = append(a.Facts, fmt.Sprintf("%s %s: %s GB", m.Name, qt, num(e.TotalGiB, "en")))
				}
				add(strings.Join(lines, "\n"))
				if cq.HasHardware {
					add(t.fitLine(tr, m, cq, ctx, &a))
				}
			}
			if lic := pol.MainLicense(&m); lic != nil && (cq.License || !cq.Memory || len(cq.Models) == 1) {
				add(tr.T("AskLicense", "Model", render.EscapeMarkdown(m.Name), "Terms", render.EscapeMarkdown(lic.TermsIn(lang))))
				a.Facts = append(a.Facts, fmt.Sprintf("%s license: %s", m.Name, lic.TermsIn("en")))
			}
		}
	case cq.Unknown != "":
		a.Template = false
		add(tr.T("AskUnknownModel", "Name", render.EscapeMarkdown(cq.Unknown), "Models", t.familyModels(familyWords[strings.ToLower(firstWord(cq.Unknown))])))
	case cq.Family != "" && cq.License:
		add(t.familyLicenses(tr, cq.Family, &a))
	case cq.Family != "":
		add(tr.T("AskWhichModel", "Family", cq.Family, "Models", t.familyModels(cq.Family)))
	case cq.HasHardware:
		add(tr.T("AskHardwareOnly", "Hardware", render.EscapeMarkdown(hardwareName(tr, cq.Request.Hardware))))
	}
	if a.Template {
		add(tr.T("AskTemplateOffer"))
	}
	a.Markdown = strings.Join(parts, "\n\n")
	return a
}

func (t *Tutor) fitLine(tr *locale.Localizer, m practice.Model, cq CatalogQuestion, ctx int, a *Answer) string {
	lang := tr.Lang()
	budget, _ := practice.LocalBudget(cq.Request.Hardware)
	fit := practice.BestFitWith(m, budget, ctx, practice.Options{})
	hw := render.EscapeMarkdown(hardwareName(tr, cq.Request.Hardware))
	need := num(fit.Memory.TotalGiB, lang)
	a.Facts = append(a.Facts, fmt.Sprintf("%s on %s: %s at %s (%s GB)", m.Name, hardwareName(t.loc.For("en"), cq.Request.Hardware), fit.Status, fit.Quant, num(fit.Memory.TotalGiB, "en")))
	switch fit.Status {
	case practice.FitYes:
		return tr.T("AskFitYes", "Hardware", hw, "Quant", string(fit.Quant), "Need", need, "Free", strconv.Itoa(int(math.Round(fit.FreeShare*100))))
	case practice.FitOffload:
		return tr.T("AskFitOffload", "Hardware", hw, "Quant", string(fit.Quant), "Need", need)
	default:
		return tr.T("AskFitNo", "Hardware", hw, "Quant", string(fit.Quant), "Need", need)
	}
}

func (t *Tutor) familyLicenses(tr *locale.Localizer, fam string, a *Answer) string {
	pol := t.ci.cat.Policy()
	var order []string
	byLic := map[string][]string{}
	terms := map[string]string{}
	for _, m := range t.ci.cat.Models {
		if m.Family != fam {
			continue
		}
		lic := pol.MainLicense(&m)
		if lic == nil {
			continue
		}
		if _, seen := byLic[lic.ID]; !seen {
			order = append(order, lic.ID)
			terms[lic.ID] = lic.TermsIn(tr.Lang())
			a.Facts = append(a.Facts, fmt.Sprintf("%s license: %s", fam, lic.TermsIn("en")))
		}
		byLic[lic.ID] = append(byLic[lic.ID], m.Name)
	}
	lines := []string{tr.T("AskFamilyLicenses", "Family", fam)}
	for _, id := range order {
		lines = append(lines, tr.T("AskFamilyLicenseLine", "Terms", render.EscapeMarkdown(terms[id]), "Models", render.EscapeMarkdown(shortList(byLic[id], 4))))
	}
	return strings.Join(lines, "\n")
}

func (t *Tutor) familyModels(fam string) string {
	var names []string
	for _, m := range t.ci.cat.Models {
		if fam == "" || m.Family == fam {
			names = append(names, m.Name)
		}
	}
	return render.EscapeMarkdown(shortList(names, 8))
}

func shortList(names []string, n int) string {
	if len(names) > n {
		return strings.Join(names[:n], ", ") + ", …"
	}
	return strings.Join(names, ", ")
}

func hardwareName(tr *locale.Localizer, hw practice.Hardware) string {
	switch {
	case hw.GPUName != "" && hw.GPUCount > 1:
		return strconv.Itoa(hw.GPUCount) + "× " + hw.GPUName
	case hw.GPUName != "":
		return hw.GPUName
	case hw.AppleUnified:
		return tr.T("AskHardwareMac", "GB", num(hw.UnifiedGiB, tr.Lang()))
	case hw.Phone:
		return tr.T("AskHardwarePhone", "GB", num(hw.RAMGiB, tr.Lang()))
	case hw.NoGPU:
		return tr.T("AskHardwareCPU", "GB", num(hw.RAMGiB, tr.Lang()))
	default:
		return tr.T("AskHardwareGPU", "GB", num(hw.GPUGiB, tr.Lang()))
	}
}

func firstWord(s string) string {
	for i, r := range s {
		if !unicode.IsLetter(r) {
			return s[:i]
		}
	}
	return s
}

// num formats v to one decimal, with a decimal comma in Russian, as the
// recommender's answers do.
func num(v float64, lang string) string {
	s := strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
	if lang == "ru" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// tokens writes a token count as people say it: 8192 → "8K".
func tokens(n int) string {
	switch {
	case n >= 1024 && n%1024 == 0:
		return strconv.Itoa(n/1024) + "K"
	case n >= 1000:
		return strconv.Itoa(int(math.Round(float64(n)/1000))) + "K"
	}
	return strconv.Itoa(n)
}

func hasLetters(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

// cutUTF8 cuts s to at most n bytes without splitting a character.
func cutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

// Normalize is the form a question is counted under: lower case, words of
// letters and digits separated by single spaces, at most 200 bytes. Two
// learners asking the same thing with other punctuation or case count as
// one question.
func Normalize(q string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(cutUTF8(q, MaxQuestion)) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
			continue
		}
		space = true
	}
	return strings.TrimRight(cutUTF8(b.String(), 200), ". ")
}
