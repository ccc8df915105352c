package practice

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Template is the lesson's ready-to-use prompt, shown for the learner to copy and fill in.
const Template = "Help me choose an open-weight model. Task: <…> Where I run it (locally / API / cloud): <…> Available GPU memory: <…> Constraints: <…> Give a recommendation from DeepSeek / Qwen / Mistral / Llama / Gemma with reasoning."

// TemplateRU is the same template with the Russian labels.
const TemplateRU = "Помоги выбрать open-weight модель. Задача: <…> Где запускаю (локально / API / облако): <…> Доступная память GPU: <…> Ограничения: <…> Дай рекомендацию из DeepSeek / Qwen / Mistral / Llama / Gemma с обоснованием."

// Limits on outside input.
const (
	// MaxInput is how much of a submission is read at all.
	MaxInput = 32 << 10
	// MaxFieldRunes caps each field's text.
	MaxFieldRunes = 2000
	// maxMemoryGiB bounds believable memory figures.
	maxMemoryGiB = 4096
)

// Where is where the learner runs the model.
type Where string

// The places a model can run.
const (
	WhereUnknown Where = ""
	WhereLocal   Where = "local"
	WhereAPI     Where = "api"
	WhereCloud   Where = "cloud"
)

// Field is one field of the template.
type Field int

// The template's fields, in the order they are asked.
const (
	TaskField Field = iota
	WhereField
	MemoryField
	ConstraintsField
	numFields
)

// Fields lists every field in asking order.
var Fields = []Field{TaskField, WhereField, MemoryField, ConstraintsField}

// String names the field ("task", "where", "memory", "constraints").
func (f Field) String() string {
	switch f {
	case TaskField:
		return "task"
	case WhereField:
		return "where"
	case MemoryField:
		return "memory"
	case ConstraintsField:
		return "constraints"
	}
	return "field(" + strconv.Itoa(int(f)) + ")"
}

// MarshalText encodes the field by name.
func (f Field) MarshalText() ([]byte, error) { return []byte(f.String()), nil }

// UnmarshalText decodes a field name.
func (f *Field) UnmarshalText(b []byte) error {
	for _, x := range Fields {
		if x.String() == string(b) {
			*f = x
			return nil
		}
	}
	return errors.New("unknown template field " + strconv.Quote(string(b)))
}

// Question is the learner-facing question asking for this field.
func (f Field) Question() string { return f.QuestionIn("en") }

// QuestionIn is Question in a language ("ru" for Russian, else English).
func (f Field) QuestionIn(lang string) string {
	switch f {
	case TaskField:
		return tr(lang, "q.task")
	case WhereField:
		return tr(lang, "q.where")
	case MemoryField:
		return tr(lang, "q.memory")
	case ConstraintsField:
		return tr(lang, "q.constraints")
	}
	return ""
}

// Choice is a quick answer offered as a button.
type Choice struct {
	// Label is shown on the button.
	Label string
	// Answer is what Request.Set receives when the button is pressed.
	Answer string
}

// Choices are quick answers for the field's question (buttons), or nil.
func (f Field) Choices() []Choice {
	switch f {
	case WhereField:
		return []Choice{{"Locally", "locally"}, {"API", "api"}, {"Cloud", "cloud"}}
	case MemoryField:
		return []Choice{{"No GPU", "no GPU"}, {"8 GB", "8 GB"}, {"12 GB", "12 GB"}, {"16 GB", "16 GB"}, {"24 GB", "24 GB"}}
	case ConstraintsField:
		return []Choice{{"None", "none"}, {"Commercial use", "commercial use"}, {"Data stays local", "privacy: local only"}}
	}
	return nil
}

// Hardware is the parsed "Available GPU memory" field.
type Hardware struct {
	// Text is the field as given (capped).
	Text string `json:"text,omitempty"`
	// GPUGiB is usable accelerator memory: the total over GPUCount cards;
	// for Apple Silicon the Metal working-set limit of the unified memory.
	GPUGiB float64 `json:"gpu_gib,omitempty"`
	// GPUName is the recognised card, if any ("RTX 4090").
	GPUName string `json:"gpu_name,omitempty"`
	// GPUCount is how many such cards (1 when one or unknown).
	GPUCount int `json:"gpu_count,omitempty"`
	// NoGPU: CPU only.
	NoGPU bool `json:"no_gpu,omitempty"`
	// AppleUnified: an Apple Silicon Mac; UnifiedGiB is its total memory.
	AppleUnified bool    `json:"apple_unified,omitempty"`
	UnifiedGiB   float64 `json:"unified_gib,omitempty"`
	// Phone: a phone or tablet; RAMGiB is its memory.
	Phone bool `json:"phone,omitempty"`
	// RAMGiB is system RAM, when given.
	RAMGiB float64 `json:"ram_gib,omitempty"`
	// Unlimited: "doesn't matter" (no memory limit stated).
	Unlimited bool `json:"unlimited,omitempty"`

	// UnknownCard is a card name not in the card table, to ask about.
	UnknownCard string `json:"unknown_card,omitempty"`
}

// hardwareIssue is the learner-facing text of a hardware reason.
func hardwareIssue(lang string, hw Hardware, reason msg) string {
	if reason == "mem.unknown_card" {
		return tr(lang, reason, hw.UnknownCard, hw.UnknownCard)
	}
	return tr(lang, reason)
}

// Constraints is the parsed "Constraints" field.
type Constraints struct {
	Text string `json:"text,omitempty"`
	// None: "none" / "doesn't matter".
	None bool `json:"none,omitempty"`
	// Commercial: the model will be used commercially.
	Commercial bool `json:"commercial,omitempty"`
	// NonCommercial: personal, hobby or research use stated.
	NonCommercial bool `json:"non_commercial,omitempty"`
	// PrivacyLocalOnly: data must not leave the learner's machines.
	PrivacyLocalOnly bool `json:"privacy_local_only,omitempty"`
	// Languages named (English names: "Russian", "Chinese"…).
	Languages []string `json:"languages,omitempty"`
	// LowLatency: speed matters.
	LowLatency bool `json:"low_latency,omitempty"`
	// PermissiveOnly: only Apache-2.0 / MIT style licenses.
	PermissiveOnly bool `json:"permissive_only,omitempty"`
	// AvoidFamilies lists families the learner excluded ("no Chinese models").
	AvoidFamilies []string `json:"avoid_families,omitempty"`
	// LowCost: price matters.
	LowCost bool `json:"low_cost,omitempty"`
	// EU: the learner is in the EU (Llama multimodal terms).
	EU bool `json:"eu,omitempty"`
	// Users is the product's monthly active users, when stated (license user lines).
	Users int64 `json:"users,omitempty"`
	// Production: the model serves real work (customers, a daily internal tool).
	Production bool `json:"production,omitempty"`
	// Evaluation: testing, research or a prototype, not production.
	Evaluation bool `json:"evaluation,omitempty"`
	// ExcludeOrigins lists countries whose models, and their derivatives,
	// are excluded ("China", "United States", "Europe").
	ExcludeOrigins []string `json:"exclude_origins,omitempty"`
	// OnlyOrigins, when set, lists the only origins allowed.
	OnlyOrigins []string `json:"only_origins,omitempty"`
	// DataNotIn lists countries the learner's data must not reach ("client
	// data must not be sent to China"): a rule for where data flows (a
	// vendor's own API), not for where a model comes from.
	DataNotIn []string `json:"data_not_in,omitempty"`
	// Residency is where data must stay ("EU", "RU"), when stated.
	Residency string `json:"residency,omitempty"`
	// Domains are use domains that licenses or use policies may forbid.
	Domains []Domain `json:"domains,omitempty"`
	// BudgetUSD is a stated monthly budget in dollars.
	BudgetUSD float64 `json:"budget_usd,omitempty"`
}

// Issue is a field that was given but could not be understood.
type Issue struct {
	Field  Field  `json:"field"`
	Reason string `json:"reason"`
}

// Request is a parsed template: what the learner asked for.
type Request struct {
	Task string `json:"task,omitempty"`
	// Needs are the strengths the task calls for (code, vision…).
	Needs       []Strength  `json:"needs,omitempty"`
	Where       Where       `json:"where,omitempty"`
	Hardware    Hardware    `json:"hardware"`
	Constraints Constraints `json:"constraints"`
	// ContextTokens is the context the task needs, stated or implied by
	// its input (0: the default).
	ContextTokens int `json:"context_tokens,omitempty"`
	// ContextWhy says what implied ContextTokens ("300 pages"), if not stated.
	ContextWhy string `json:"context_why,omitempty"`
	// FineTune is set when the learner wants to fine-tune, not only run, a model.
	FineTune *FineTune `json:"fine_tune,omitempty"`
	// ItemsPerMonth is a stated volume of requests or items, per month.
	ItemsPerMonth float64 `json:"items_per_month,omitempty"`
	// TokensPerItem is a stated size of each item, in tokens.
	TokensPerItem int `json:"tokens_per_item,omitempty"`
	// Bulk: simple, high-volume work (classification, extraction, tagging).
	Bulk bool `json:"bulk,omitempty"`
	// Mac is the Where field when it named an Apple computer ("on my
	// MacBook Pro M3"): the memory given is then its unified memory.
	Mac string `json:"mac,omitempty"`
	// Lang is "ru" when the template was written in Russian, else "en".
	Lang string `json:"lang"`
	// Filled lists the fields the learner gave (clear or not).
	Filled []Field `json:"filled,omitempty"`
	// Issues lists given fields that could not be understood, with why.
	Issues []Issue `json:"issues,omitempty"`
}

func (r *Request) filled(f Field) bool {
	for _, x := range r.Filled {
		if x == f {
			return true
		}
	}
	return false
}

func (r *Request) markFilled(f Field) {
	if !r.filled(f) {
		r.Filled = append(r.Filled, f)
	}
}

// Issue returns why field f is unclear, or "".
func (r *Request) Issue(f Field) string {
	for _, is := range r.Issues {
		if is.Field == f {
			return is.Reason
		}
	}
	return ""
}

func (r *Request) setIssue(f Field, reason string) {
	r.clearIssue(f)
	r.Issues = append(r.Issues, Issue{Field: f, Reason: reason})
}

func (r *Request) clearIssue(f Field) {
	out := r.Issues[:0]
	for _, is := range r.Issues {
		if is.Field != f {
			out = append(out, is)
		}
	}
	r.Issues = out
	if len(r.Issues) == 0 {
		r.Issues = nil
	}
}

// Missing lists the fields still to ask, in asking order: not given, or
// given but unclear. GPU memory is not asked when the model runs through an
// API or in the cloud (the answer says which GPU class to rent).
func (r *Request) Missing() []Field {
	var out []Field
	for _, f := range Fields {
		if f == MemoryField && (r.Where == WhereAPI || r.Where == WhereCloud) && r.Issue(f) == "" {
			continue
		}
		if !r.filled(f) || r.Issue(f) != "" {
			out = append(out, f)
		}
	}
	return out
}

// Questions lists what must be known before any model can be named, in
// asking order, in the learner's language: a task that is missing, empty or
// not understood; where it runs when neither that nor the hardware is
// given; the memory when the model runs locally and it is missing or
// unclear (an unknown card, no figure). Missing constraints are not asked
// for here: the recommender states what it assumed.
func (r *Request) Questions() []Question {
	var out []Question
	hwGiven := r.filled(MemoryField) && r.Issue(MemoryField) == ""
	for _, f := range r.Missing() {
		switch f {
		case ConstraintsField:
			continue
		case WhereField:
			if hwGiven {
				continue // the hardware says it runs locally
			}
		case MemoryField:
			if r.Issue(f) == "" && r.Where == WhereUnknown && !r.filled(WhereField) {
				continue // asked after where: an API needs no memory figure
			}
		}
		text := f.QuestionIn(r.Lang)
		if issue := r.Issue(f); issue != "" && f == MemoryField && r.Hardware.UnknownCard != "" {
			text = issue // the issue is itself the question: how much memory has that card
		} else if issue != "" {
			text = issue + " " + text
		} else if f == MemoryField {
			text = tr(r.Lang, "mem.missing_local") + " " + text
		}
		out = append(out, Question{Field: f, Text: text})
	}
	return out
}

// Complete reports whether nothing is missing.
func (r *Request) Complete() bool { return len(r.Missing()) == 0 }

// Set answers one field (guided mode, or a follow-up question), keeping the
// other fields. An unclear answer leaves the field as it was and returns an
// error whose text can be shown to the learner.
func (r *Request) Set(f Field, answer string) error {
	v := cleanValue(capBytes(capInput(answer), maxValueBytes))
	if r.Lang == "" {
		r.Lang = detectLang(answer)
	}
	if isPlaceholder(v) {
		switch f {
		case TaskField:
			return errors.New(tr(r.Lang, "err.task.placeholder"))
		case WhereField:
			return errors.New(tr(r.Lang, "err.where.placeholder"))
		case MemoryField:
			return errors.New(tr(r.Lang, "err.memory.placeholder"))
		case ConstraintsField:
			return errors.New(tr(r.Lang, "err.constraints.placeholder"))
		}
		return errors.New("unknown field")
	}
	switch f {
	case TaskField:
		if countLetters(v) < 3 {
			return errors.New(tr(r.Lang, "err.task.short"))
		}
		if isNonsense(v) {
			return errors.New(tr(r.Lang, "issue.task.nonsense", capRunes(v, 60)) + " " + tr(r.Lang, "err.task.placeholder"))
		}
		r.Task = v
	case WhereField:
		w, _, reason := parseWhere(v)
		r.Mac = capRunes(appleIn(v), 80)
		if r.Mac != "" && w == WhereUnknown {
			w, reason = WhereLocal, ""
		}
		if reason != "" {
			return errors.New(tr(r.Lang, reason))
		}
		r.Where = w
		if r.Mac != "" && r.filled(MemoryField) && !r.Hardware.AppleUnified {
			if hw, reason := parseHardware(r.Mac + ", " + r.Hardware.Text); reason == "" {
				r.Hardware = hw
			}
		}
	case MemoryField:
		if r.Mac != "" && appleIn(v) == "" {
			v = r.Mac + ", " + v
		}
		hw, reason := parseHardware(v)
		if reason != "" {
			return errors.New(hardwareIssue(r.Lang, hw, reason))
		}
		r.Hardware = hw
	case ConstraintsField:
		r.Constraints = Constraints{Text: v} // derive parses it
	default:
		return errors.New("unknown field")
	}
	r.markFilled(f)
	r.clearIssue(f)
	r.derive()
	return nil
}

// Fill merges the labelled fields of text ("Where I run it: locally",
// "Доступная память GPU: 24 GB") into r, keeping the others: a learner
// answering one question often pastes the rest of the template. It
// reports false, changing nothing, when text has no field labels.
func (r *Request) Fill(text string) bool {
	text = capInput(text)
	if len(findLabels(text)) == 0 {
		return false
	}
	p := ParseTemplateIn(text, r.Lang)
	if len(p.Filled) == 0 {
		return false
	}
	for _, f := range p.Filled {
		switch f {
		case TaskField:
			r.Task = p.Task
		case WhereField:
			r.Where = p.Where
		case MemoryField:
			r.Hardware = p.Hardware
		case ConstraintsField:
			r.Constraints = p.Constraints
		}
		r.markFilled(f)
		r.clearIssue(f)
		if issue := p.Issue(f); issue != "" {
			r.setIssue(f, issue)
		}
	}
	r.derive()
	return true
}

// derive recomputes what follows from the task and constraints together.
func (r *Request) derive() {
	if r.filled(ConstraintsField) {
		text := r.Constraints.Text
		if r.Constraints.None && (text == "-" || text == "—" || text == "–") {
			r.Constraints = Constraints{Text: text, None: true}
		} else {
			r.Constraints = parseConstraints(text)
		}
	}
	task := strings.ToLower(r.Task)
	// People write constraints into the task too ("a paid SaaS plugin",
	// "for our bank", "no Chinese models"): the task adds to them.
	before := r.Constraints
	stripped := scanConstraints(&r.Constraints, task)
	if !constraintsEqual(before, r.Constraints) {
		r.Constraints.None = false
	}
	r.ContextTokens, r.ContextWhy, r.FineTune, r.ItemsPerMonth, r.TokensPerItem, r.Bulk = 0, "", nil, 0, 0, false
	scanTask(r, task)
	if r.ItemsPerMonth == 0 && r.Constraints.Text != "" {
		// "about 3000 dialogs a day" among the constraints; a budget
		// ("$50 a month") is money, not items.
		scanVolume(r, budgetRE.ReplaceAllString(strings.ToLower(r.Constraints.Text), " "))
	}
	if n, why := neededContext(strings.ToLower(r.Constraints.Text)); n > r.ContextTokens {
		r.ContextTokens, r.ContextWhy = n, why
	}
	if containsAny(stripped, "no", "not", "without", "don't", "doesn't", "без", "не ") {
		stripped = negatedNeedRE.ReplaceAllString(stripped, " ")
	}
	r.Needs = taskNeeds(stripped, r.Constraints)
}

func constraintsEqual(a, b Constraints) bool {
	return a.Commercial == b.Commercial && a.NonCommercial == b.NonCommercial && a.PrivacyLocalOnly == b.PrivacyLocalOnly &&
		a.Users == b.Users && a.Production == b.Production && a.Evaluation == b.Evaluation && len(a.ExcludeOrigins) == len(b.ExcludeOrigins) && len(a.DataNotIn) == len(b.DataNotIn) &&
		len(a.OnlyOrigins) == len(b.OnlyOrigins) && a.Residency == b.Residency && len(a.Domains) == len(b.Domains) &&
		len(a.AvoidFamilies) == len(b.AvoidFamilies) && a.EU == b.EU && a.BudgetUSD == b.BudgetUSD
}

// label patterns, longest first within each field so the leftmost-first
// regexp picks the full label.
var labelWords = []struct {
	field Field // numFields marks the RAM label, merged into memory
	words []string
}{
	{TaskField, []string{"the task", "use case", "task", "goal", "задачи", "задача", "задачу", "задание", "цель"}},
	{WhereField, []string{"where i will run it", "where i'll run it", "where i run it", "where i run", "where to run it", "where to run", "where will it run",
		"where it will run", "where it'll run", "where it runs", "where does it run", "where we will run it", "where we'll run it", "where we run it", "where we run",
		"runs on", "running on", "deployment target", "deployment", "hosting", "where",
		"где запускаю", "где запускать", "где буду запускать", "где будем запускать", "где запускаем", "где будет работать", "где работает", "где запуск",
		"развёртывание", "развертывание", "где"}},
	{MemoryField, []string{"available gpu memory", "available memory", "gpu memory", "gpu vram", "gpu ram", "video memory", "graphics card", "vram", "gpus", "gpu", "hardware", "memory",
		"доступная память gpu", "доступная видеопамять", "доступная память", "память gpu", "видеопамять", "видеокарты", "видеокарта", "память", "железо"}},
	{numFields, []string{"system ram", "system memory", "ram", "оперативная память", "озу"}},
	{ConstraintsField, []string{"constraints", "constraint", "restrictions", "limitations", "requirements", "conditions", "ограничения", "ограничение", "требования", "условия"}},
}

type labelWord struct {
	word  string
	field Field
}

// labels holds every label, longest first so "available gpu memory" wins over "memory".
var labels []labelWord

func init() {
	for _, lw := range labelWords {
		for _, w := range lw.words {
			labels = append(labels, labelWord{w, lw.field})
		}
	}
	for i := 1; i < len(labels); i++ {
		for j := i; j > 0 && len(labels[j].word) > len(labels[j-1].word); j-- {
			labels[j], labels[j-1] = labels[j-1], labels[j]
		}
	}
	gpuRE = buildGPURE()
}

func sortByLenDesc(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && len(s[j]) > len(s[j-1]); j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

var (
	angleRE = regexp.MustCompile(`<([^<>]*)>`)
)

// ParseTemplate reads a filled-in template as people really send it:
// fields in any order, on one line or many, with or without the angle
// brackets, bullets or Markdown, English or Russian labels. Fields not given
// are listed by Missing; fields that cannot be understood get an Issue.
// Text without any label is taken as the task, with whatever else can be
// recognised in it. It never panics.
func ParseTemplate(text string) Request { return ParseTemplateIn(text, "") }

// ParseTemplateIn is ParseTemplate with the learner's language given ("en"
// or "ru"); "" takes the template's own language.
func ParseTemplateIn(text, lang string) Request {
	text = capInput(text)
	r := Request{Lang: detectLang(text)}
	if lang == "en" || lang == "ru" {
		r.Lang = lang
	}

	type seg struct {
		field      Field
		start, end int // value span
	}
	var segs []seg
	var seen [numFields + 1]bool
	for _, lb := range findLabels(text) {
		if seen[lb.field] {
			continue // a repeated label is part of the previous value
		}
		seen[lb.field] = true
		if len(segs) > 0 {
			segs[len(segs)-1].end = lb.start
		}
		segs = append(segs, seg{field: lb.field, start: lb.valueStart, end: len(text)})
	}

	if len(segs) == 0 {
		parseFreeText(&r, text)
		return r
	}

	var ramText, whereText string
	for _, s := range segs {
		v := cleanValue(capBytes(text[s.start:s.end], maxValueBytes))
		if s.field == numFields {
			if !isPlaceholder(v) {
				ramText = v
			}
			continue
		}
		if isPlaceholder(v) {
			continue
		}
		switch s.field {
		case TaskField:
			r.markFilled(TaskField)
			r.Task = v
			switch {
			case countLetters(v) < 3:
				r.setIssue(TaskField, tr(r.Lang, "issue.task.short"))
			case isNonsense(v):
				r.setIssue(TaskField, tr(r.Lang, "issue.task.nonsense", capRunes(v, 60)))
			}
		case WhereField:
			r.markFilled(WhereField)
			whereText = v
			w, _, reason := parseWhere(v)
			if r.Mac = capRunes(appleIn(v), 80); r.Mac != "" {
				// "on my MacBook Pro M3 Max": local, and the memory
				// given is its unified memory.
				if w == WhereUnknown {
					w, reason = WhereLocal, ""
				}
			}
			r.Where = w
			if reason != "" {
				r.setIssue(WhereField, tr(r.Lang, reason))
			}
		case MemoryField:
			r.markFilled(MemoryField)
			r.Hardware.Text = v
		case ConstraintsField:
			r.markFilled(ConstraintsField)
			r.Constraints = Constraints{Text: v} // derive parses it
		}
	}
	// "Constraints: -" means none.
	for _, s := range segs {
		if s.field == ConstraintsField && !r.filled(ConstraintsField) {
			raw := strings.Trim(text[s.start:s.end], " \t\r\n<>*_")
			if raw == "-" || raw == "—" || raw == "–" {
				r.markFilled(ConstraintsField)
				r.Constraints = Constraints{Text: raw, None: true}
			}
		}
	}
	if r.filled(MemoryField) || ramText != "" {
		hwText := r.Hardware.Text
		if r.Mac != "" && r.filled(MemoryField) && appleIn(hwText) == "" {
			hwText = r.Mac + ", " + hwText
		}
		if ramText != "" {
			if hwText == "" && !r.filled(MemoryField) {
				hwText = "no GPU info; RAM " + ramText
			} else {
				hwText += "; RAM " + ramText
			}
		}
		hw, reason := parseHardware(hwText)
		hw.Text = capRunes(hwText, MaxFieldRunes)
		if reason != "" && ramText == "" {
			// "GPU memory: see above" after "Where I run it: laptop
			// with an RTX 4060 8 GB".
			if whw, ok := hardwareIn(whereText); ok {
				hw, reason = whw, ""
			}
		}
		r.Hardware = hw
		r.markFilled(MemoryField)
		if reason != "" {
			r.setIssue(MemoryField, hardwareIssue(r.Lang, hw, reason))
		}
	} else if hw, ok := hardwareIn(whereText); ok {
		// "Where I run it: Mac M2 with 16 GB" and no memory field: the
		// machine is named already; asking for it again would be odd.
		r.Hardware = hw
		r.markFilled(MemoryField)
	}
	r.derive()
	return r
}

// hardwareIn reads hardware a learner wrote in another field ("Where I
// run it: my Mac M2 with 16 GB"): only a plain reading counts, a memory
// size or a card, never a guess.
func hardwareIn(text string) (Hardware, bool) {
	if text == "" {
		return Hardware{}, false
	}
	hw, reason := parseHardware(text)
	if reason != "" || hw.Unlimited {
		return Hardware{}, false
	}
	hw.Text = capRunes(text, MaxFieldRunes)
	return hw, true
}

type labelHit struct {
	field             Field
	start, valueStart int
}

// Label search limits: a label ends in a colon, so only the text right
// before each colon is examined (a parenthesised hint up to labelWindow
// bytes, at most maxColons colons), which keeps parsing linear and fast.
const (
	labelWindow   = 160
	maxColons     = 256
	maxValueBytes = 4 * MaxFieldRunes
)

// findLabels finds field labels ("Task:", "Где запускаю (локально / API / облако):") in order.
func findLabels(text string) []labelHit {
	var hits []labelHit
	colons := 0
	for i := 0; i < len(text) && colons < maxColons; {
		j := strings.IndexAny(text[i:], ":：")
		if j < 0 {
			break
		}
		colon := i + j
		_, size := utf8.DecodeRuneInString(text[colon:])
		i = colon + size
		colons++
		f, start, ok := labelBefore(text, colon)
		if !ok {
			continue
		}
		if n := len(hits); n > 0 && start < hits[n-1].valueStart {
			continue
		}
		hits = append(hits, labelHit{field: f, start: start, valueStart: i})
	}
	return hits
}

// labelBefore reports the label that ends right before the colon at
// text[colon], allowing Markdown stars and a parenthesised hint between
// them ("Where I run it (locally / API / cloud):").
func labelBefore(text string, colon int) (Field, int, bool) {
	j := colon
	skip := func() {
		for j > 0 && (text[j-1] == ' ' || text[j-1] == '\t' || text[j-1] == '*') {
			j--
		}
	}
	skip()
	if j > 0 && text[j-1] == ')' {
		lo := max(0, j-labelWindow)
		k := strings.LastIndexByte(text[lo:j-1], '(')
		if k < 0 || strings.IndexByte(text[lo+k:j], '\n') >= 0 {
			return 0, 0, false
		}
		j = lo + k
		skip()
	}
	lo := max(0, j-48)
	for lo > 0 && !utf8.RuneStart(text[lo]) {
		lo++
	}
	snippet := lowerSameLen(text[lo:j])
	for _, lw := range labels {
		if !strings.HasSuffix(snippet, lw.word) {
			continue
		}
		start := j - len(lw.word)
		if start > 0 {
			r, _ := utf8.DecodeLastRuneInString(text[:start])
			if isWordRune(r) {
				continue
			}
		}
		return lw.field, start, true
	}
	return 0, 0, false
}

func capBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// parseFreeText handles a message without any field labels.
func parseFreeText(r *Request, text string) {
	v := cleanValue(capBytes(text, maxValueBytes))
	if isPlaceholder(v) || countLetters(v) < 3 || isNonsense(v) {
		return
	}
	r.Task = capRunes(v, MaxFieldRunes)
	r.markFilled(TaskField)
	if w, _, reason := parseWhere(v); reason == "" && w != WhereUnknown {
		r.Where = w
		r.markFilled(WhereField)
	}
	if hw, ok := hardwareIn(v); ok {
		hw.Text = ""
		r.Hardware = hw
		r.markFilled(MemoryField)
	}
	c := parseConstraints(v)
	if c.Commercial || c.NonCommercial || c.PrivacyLocalOnly || c.LowLatency || c.PermissiveOnly || len(c.AvoidFamilies) > 0 || c.LowCost {
		c.Text = ""
		c.None = false
		r.Constraints = c
		r.markFilled(ConstraintsField)
	}
	r.derive()
}

func capInput(s string) string {
	if len(s) > MaxInput {
		cut := MaxInput
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return s
}

func capRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for j := range s {
		if i == n {
			return strings.TrimSpace(s[:j]) + "…"
		}
		i++
	}
	return s
}

// trailers start the template's closing sentence.
var trailers = []string{"give a recommendation", "give me a recommendation", "give recommendation", "recommend from deepseek",
	"дай рекомендацию", "дайте рекомендацию", "дай рекомендации", "порекомендуй", "посоветуй"}

// trailerIndex finds the template's closing sentence in v, or -1.
func trailerIndex(v string) int {
	l := lowerSameLen(v)
	best := -1
	for _, t := range trailers {
		if i := strings.Index(l, t); i >= 0 && (best < 0 || i < best) {
			best = i
		}
	}
	return best
}

// lowerSameLen lower-cases s rune by rune where that keeps byte offsets.
func lowerSameLen(s string) string {
	return strings.Map(func(r rune) rune {
		lr := unicode.ToLower(r)
		if utf8.RuneLen(lr) != utf8.RuneLen(r) {
			return r
		}
		return lr
	}, s)
}

// cleanValue trims bullets, Markdown, angle brackets and the template's
// closing sentence from a field value, and caps it at MaxFieldRunes.
func cleanValue(v string) string {
	if i := trailerIndex(v); i >= 0 {
		v = v[:i]
	}
	if strings.Contains(v, "<") {
		v = angleRE.ReplaceAllString(v, "$1")
	}
	v = strings.Join(strings.Fields(v), " ")
	v = strings.TrimRightFunc(v, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune("*-•–—>#_`\"'“”«»|", r)
	})
	// Leading bullets and Markdown go, but not the minus of "-5 GB".
	for v != "" {
		r, size := utf8.DecodeRuneInString(v)
		if !unicode.IsSpace(r) && !strings.ContainsRune("*-•–—>#_`\"'“”«»|", r) {
			break
		}
		if r == '-' && len(v) > size && v[size] >= '0' && v[size] <= '9' {
			break
		}
		v = v[size:]
	}
	v = strings.TrimRightFunc(v, func(r rune) bool { return unicode.IsSpace(r) || strings.ContainsRune(".;,*_`", r) })
	return capRunes(v, MaxFieldRunes)
}

// isPlaceholder reports an unfilled value: empty, "…", "...", "?", "tbd".
func isPlaceholder(v string) bool {
	t := strings.ToLower(strings.TrimSpace(v))
	switch t {
	case "", "tbd", "todo", "?", "??", "...", "…", "x", "xxx":
		return true
	}
	for _, r := range t {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return false
		}
	}
	// only punctuation: "…", "<…>", "-"… (constraints "-" is handled by the caller)
	return t != "-" && t != "—"
}

func countLetters(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			n++
		}
	}
	return n
}

// Scripts counts the Cyrillic and the Latin letters of s, in its first
// 4 KB: what language a text is written in.
func Scripts(s string) (cyr, lat int) {
	for i, r := range s {
		if i > 4096 {
			break
		}
		switch {
		case unicode.Is(unicode.Cyrillic, r):
			cyr++
		case r < 128 && unicode.IsLetter(r):
			lat++
		}
	}
	return cyr, lat
}

func detectLang(s string) string {
	cyr, lat := Scripts(s)
	if cyr > lat/2 && cyr > 0 {
		return "ru"
	}
	return "en"
}

// hasWord reports whether lower-cased s contains w as a whole word (w may
// be several words); a trailing '*' in w matches any word ending (stems).
func hasWord(s, w string) bool {
	return wordIndex(s, w) >= 0
}

func wordIndex(s, w string) int {
	if strings.Contains(strings.TrimSuffix(w, "*"), "* ") {
		return phraseIndex(s, strings.Fields(w))
	}
	stem := strings.HasSuffix(w, "*")
	w = strings.TrimSuffix(w, "*")
	off := 0
	for {
		i := strings.Index(s[off:], w)
		if i < 0 {
			return -1
		}
		i += off
		end := i + len(w)
		before, _ := utf8.DecodeLastRuneInString(s[:i])
		after, _ := utf8.DecodeRuneInString(s[end:])
		okBefore := i == 0 || !isWordRune(before)
		okAfter := stem || end == len(s) || !isWordRune(after)
		if okBefore && okAfter {
			return i
		}
		off = i + 1
		for off < len(s) && !utf8.RuneStart(s[off]) {
			off++
		}
		if off >= len(s) {
			return -1
		}
	}
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// phraseIndex finds words in order, separated by spaces, each of which may
// end in '*' to match any ending ("закрыт* контур*" matches "закрытом контуре").
func phraseIndex(s string, words []string) int {
	for off := 0; off < len(s); {
		i := wordIndex(s[off:], words[0])
		if i < 0 {
			return -1
		}
		i += off
		k, ok := endOfWord(s, i), true
		for _, w := range words[1:] {
			for k < len(s) && s[k] == ' ' {
				k++
			}
			stem := strings.HasSuffix(w, "*")
			w = strings.TrimSuffix(w, "*")
			end := k + len(w)
			if !strings.HasPrefix(s[k:], w) {
				ok = false
				break
			}
			if after, _ := utf8.DecodeRuneInString(s[end:]); !stem && end < len(s) && isWordRune(after) {
				ok = false
				break
			}
			k = endOfWord(s, k)
		}
		if ok {
			return i
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		off = i + size
	}
	return -1
}

// endOfWord is the index just past the word starting at i.
func endOfWord(s string, i int) int {
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !isWordRune(r) && r != '-' {
			break
		}
		i += size
	}
	return i
}

// anyWord reports whether lower-cased s contains any word of l (see hasWord).
func anyWord(s string, l *wordList) bool { return l.index(s) >= 0 }

// firstWord is the index of the first word of l in lower-cased s, or -1.
func firstWord(s string, l *wordList) int { return l.index(s) }

var (
	whereLocalWords = newWords("local*", "on my", "my own", "on our servers", "our own servers", "our servers", "our own hardware", "own hardware", "on-premise*", "in-house", "own data center", "our data center", "datacenter", "на своих серверах", "своих серверах", "на наших серверах", "наших серверах", "на серверах", "собственн* сервер*", "свои сервер*", "своё железо", "свое железо", "на своём железе", "на своем железе", "в своём контуре", "в своем контуре", "на стороне компании", "my pc", "my laptop", "my computer", "my machine", "my server", "our server*", "own server*", "laptop", "desktop", "home", "on-prem*", "on prem*", "self-host*", "selfhost*", "ollama", "lm studio", "llama.cpp", "offline", "локал*", "дома", "на своём", "на своем", "ноутбук*", "компьютер*", "свой сервер", "своём сервере", "своем сервере", "офлайн")
	whereAPIWords   = newWords("api", "apis", "openrouter", "provider", "hosted api", "апи", "через api")
	whereCloudWords = newWords("cloud", "aws", "gcp", "azure", "runpod", "vast.ai", "lambda", "rented", "rent", "colab", "kaggle", "vps", "облак*", "облач*", "аренд*")
	// whereServerWords name a server or data centre without saying whose:
	// local (the learner's own) unless another word says cloud or API.
	whereServerWords = newWords("server", "servers", "сервер", "сервере", "сервера", "серверах", "серверов", "data center", "data centre", "datacentre", "дата-центр*", "датацентр*", "цод", "цоде")
	dontCareWords    = newWords("doesn't matter", "does not matter", "doesnt matter", "don't care", "dont care", "no preference", "any", "anything", "whatever", "either", "не важно", "неважно", "всё равно", "все равно", "любой", "любое")
)

// parseWhere reads "locally / API / cloud". dontCare is set for "doesn't matter".
func parseWhere(v string) (w Where, dontCare bool, reason msg) {
	l := strings.ToLower(v)
	li := firstWord(l, whereLocalWords)
	ai := firstWord(l, whereAPIWords)
	ci := firstWord(l, whereCloudWords)
	n := 0
	for _, i := range []int{li, ai, ci} {
		if i >= 0 {
			n++
		}
	}
	switch {
	case n == 3:
		return WhereUnknown, false, "where.pick_one"
	case n == 0:
		if anyWord(l, dontCareWords) {
			return WhereUnknown, true, ""
		}
		if anyWord(l, whereServerWords) {
			// "a server with two RTX 4090": nothing says rented or
			// an API, so the learner's own.
			return WhereLocal, false, ""
		}
		return WhereUnknown, false, "where.unknown"
	}
	best, bi := WhereUnknown, len(l)+1
	for _, c := range []struct {
		w Where
		i int
	}{{WhereLocal, li}, {WhereAPI, ai}, {WhereCloud, ci}} {
		if c.i >= 0 && c.i < bi {
			best, bi = c.w, c.i
		}
	}
	return best, false, ""
}
