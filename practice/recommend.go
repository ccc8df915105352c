package practice

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"tutorbot/render"
)

// Pick is one recommended model with the figures behind it.
type Pick struct {
	Model Model `json:"-"`
	// Quant is the suggested quantization; empty for API use.
	Quant Quant `json:"quant,omitempty"`
	// Memory is the estimate at Quant (zero for API use).
	Memory Memory `json:"-"`
	// MemoryGiB is Memory.TotalGiB rounded to 0.1 (0 for API use).
	MemoryGiB float64   `json:"memory_gib"`
	Fits      FitStatus `json:"fits"`
	// RunsWhere says where it runs: "your GPU", "CPU from RAM", "API", "cloud: one 24 GB GPU"…
	RunsWhere string `json:"runs_where"`
	// GPUClass is the cloud GPU class needed (cloud mode only).
	GPUClass string `json:"gpu_class,omitempty"`
	// License is the license with its key terms.
	License string `json:"license"`
	// Commercial is the license's commercial-use class; CommercialAllowed is Commercial != no.
	Commercial        Commercial `json:"-"`
	CommercialAllowed bool       `json:"-"`
	Reasons           []string   `json:"reasons"`
	// Warning is a quality or speed caveat (low-bit quant, offload).
	Warning string `json:"warning,omitempty"`
	// MonthlyUSD is the estimated monthly API cost for the volume the
	// learner gave (0 when no volume or no price is known).
	MonthlyUSD float64 `json:"monthly_usd,omitempty"`

	score float64
}

// Result is the rule engine's recommendation.
type Result struct {
	Request Request `json:"-"`
	// Mode is where the picks run (the request's Where, or the assumption made).
	Mode Where `json:"mode"`
	// Budget is the memory the picks were fitted into (local and cloud).
	Budget Budget `json:"-"`
	// Picks: the top pick first, then up to two alternatives.
	Picks []Pick `json:"picks"`
	// NothingFits: no model fits the memory; Picks are the smallest options.
	NothingFits bool `json:"nothing_fits"`
	// Notes are the lesson's warnings that apply, and any assumptions made.
	Notes []string `json:"notes"`
	// Questions are what the tutor must know before it can recommend
	// anything; when there are any, Picks is empty.
	Questions []Question `json:"questions,omitempty"`
}

// Question is one thing the tutor asks instead of guessing.
type Question struct {
	// Field is the template field the answer goes into.
	Field Field `json:"field"`
	// Text is the learner-facing question, in the learner's language.
	Text string `json:"text"`
}

// Cloud GPU classes, smallest first.
var gpuClasses = []struct {
	gib  float64
	name string
}{
	{24, "one 24 GB GPU (L4, A10, RTX 4090)"},
	{48, "one 48 GB GPU (L40S, RTX A6000)"},
	{80, "one 80 GB GPU (A100 80GB, H100)"},
	{160, "2× 80 GB GPUs"},
	{320, "4× 80 GB GPUs"},
	{640, "8× 80 GB GPUs (one full node)"},
}

// Assumptions used when the learner did not say.
const (
	assumedRAMGiB     = 8
	usableRAMShare    = 0.75
	unlimitedLocalGiB = 80
)

// Recommend picks a top model and two alternatives for req by rules: the
// task decides which strengths matter, where it runs decides the memory
// budget (or API serving, or the cloud GPU class), and the constraints
// filter licenses, families and privacy. It always answers: if nothing fits
// it says so and lists the smallest options.
func Recommend(cat *Catalog, req Request) Result {
	res := Result{Request: req}
	if cat == nil || len(cat.Models) == 0 {
		res.Notes = append(res.Notes, "The model catalog is empty, so there is nothing to recommend.")
		return res
	}
	hw := req.Hardware
	hwKnown := hw.GPUGiB > 0 || hw.NoGPU || hw.AppleUnified
	c := req.Constraints

	res.Mode = req.Where
	if res.Mode == WhereUnknown {
		if hwKnown || c.PrivacyLocalOnly {
			res.Mode = WhereLocal
		} else {
			res.Mode = WhereAPI
			res.Notes = append(res.Notes, "You didn't say where you run it, so these are API picks: the quickest way to try models (OpenRouter). Tell me your GPU memory to get local picks.")
		}
	}

	ctx := req.ContextTokens
	if ctx <= 0 {
		ctx = DefaultContext
	}

	// Budget.
	switch res.Mode {
	case WhereLocal:
		switch {
		case hw.AppleUnified:
			res.Budget = Budget{GPUGiB: hw.GPUGiB}
		case hw.NoGPU:
			ram := hw.RAMGiB
			if ram <= 0 {
				ram = assumedRAMGiB
				res.Notes = append(res.Notes, fmt.Sprintf("You didn't give the RAM size, so I assumed %d GB.", assumedRAMGiB))
			}
			res.Budget = Budget{RAMGiB: ram * usableRAMShare}
		case hw.GPUGiB > 0:
			res.Budget = Budget{GPUGiB: hw.GPUGiB, RAMGiB: hw.RAMGiB * usableRAMShare}
		default:
			res.Budget = Budget{GPUGiB: unlimitedLocalGiB}
			if !hw.Unlimited {
				res.Notes = append(res.Notes, "You didn't give your GPU memory, so I sized the picks for a single 80 GB GPU.")
			}
		}
	case WhereCloud:
		if hw.GPUGiB > 0 {
			res.Budget = Budget{GPUGiB: hw.GPUGiB}
		}
	}

	cands := make([]cand, 0, len(cat.Models))
	excludedLicense := false
	excludedEU := false
	for i := range cat.Models {
		m := &cat.Models[i]
		if skip, lic, eu := excluded(m, req, res.Mode); skip {
			excludedLicense = excludedLicense || lic
			excludedEU = excludedEU || eu
			continue
		}
		cd := cand{m: m}
		switch res.Mode {
		case WhereAPI:
			cd.fit = Fit{Status: FitAPI}
		case WhereCloud:
			if res.Budget.GPUGiB > 0 {
				cd.fit = BestFit(*m, res.Budget.GPUGiB, ctx)
			} else {
				cd.fit, cd.gpuClass = cloudFit(*m, ctx)
			}
		default:
			cd.fit = BestFitBudget(*m, res.Budget, ctx)
		}
		cd.score = score(&cd, req, res)
		cands = append(cands, cd)
	}

	// Rank pointers: the candidates themselves are too big to swap cheaply.
	all := make([]*cand, len(cands))
	fitting := make([]*cand, 0, len(cands))
	for i := range cands {
		all[i] = &cands[i]
		if cands[i].fit.Status != FitNo {
			fitting = append(fitting, &cands[i])
		}
	}
	var chosen []*cand
	if len(fitting) == 0 {
		res.NothingFits = true
		sort.SliceStable(all, func(i, j int) bool { return all[i].fit.Memory.TotalGiB < all[j].fit.Memory.TotalGiB })
		chosen = all[:min(3, len(all))]
	} else {
		sort.SliceStable(fitting, func(i, j int) bool { return fitting[i].score > fitting[j].score })
		chosen = choose(fitting)
	}
	for _, cd := range chosen {
		p := Pick{
			Model: *cd.m, Quant: cd.fit.Quant, Memory: cd.fit.Memory, Fits: cd.fit.Status, GPUClass: cd.gpuClass,
			Commercial: cd.m.Commercial, CommercialAllowed: cd.m.Commercial != CommercialNo, Warning: cd.fit.Warning,
			score: cd.score,
		}
		if p.Fits == FitAPI {
			p.Quant, p.Memory, p.Warning = "", Memory{}, ""
		}
		res.Picks = append(res.Picks, p)
	}
	for i := range res.Picks {
		finish(&res.Picks[i], req, res)
	}
	res.Notes = append(res.Notes, notes(res, excludedLicense, excludedEU)...)
	return res
}

// excluded applies the hard filters: license, families, modalities, API serving, EU terms.
func excluded(m *Model, req Request, mode Where) (skip, license, eu bool) {
	c := req.Constraints
	for _, f := range c.AvoidFamilies {
		if f == m.Family {
			return true, false, false
		}
	}
	if c.Commercial && m.Commercial == CommercialNo {
		return true, true, false
	}
	if c.PermissiveOnly && !(m.Commercial == CommercialYes && (strings.Contains(m.License, "Apache") || strings.HasPrefix(m.License, "MIT"))) {
		return true, true, false
	}
	for _, n := range req.Needs {
		if n == StrengthVision && !m.HasModality("image") {
			return true, false, false
		}
		if n == StrengthAudio && !m.HasModality("audio") {
			return true, false, false
		}
	}
	if mode == WhereAPI && !m.API {
		return true, false, false
	}
	if c.EU && m.Family == "Llama" && m.HasModality("image") && needs(req, StrengthVision) {
		return true, false, true
	}
	return false, false, false
}

func needs(req Request, s Strength) bool {
	for _, n := range req.Needs {
		if n == s {
			return true
		}
	}
	return false
}

// cloudFit sizes a model for the smallest cloud GPU class that holds it at
// Q4_K_M, then takes the best quantization that fits that class.
func cloudFit(m Model, ctx int) (Fit, string) {
	q4 := Estimate(m, Q4KM, ctx)
	for _, cl := range gpuClasses {
		if q4.TotalGiB <= cl.gib {
			return BestFit(m, cl.gib, ctx), cl.name
		}
	}
	return Fit{Status: FitNo, Quant: Q4KM, Memory: q4}, "more than one 8-GPU node"
}

func effectiveParams(m *Model) float64 {
	if m.MoE() {
		return math.Sqrt(m.TotalB * m.ActiveB)
	}
	return m.TotalB
}

func monthsSince2023(released string) float64 {
	if len(released) != 7 {
		return 0
	}
	y, err1 := strconv.Atoi(released[:4])
	mo, err2 := strconv.Atoi(released[5:])
	if err1 != nil || err2 != nil {
		return 0
	}
	return float64((y-2023)*12 + mo - 1)
}

func isReasoningModel(m *Model) bool {
	id := m.ID
	return strings.Contains(id, "-r1") || strings.HasPrefix(id, "qwq") || strings.HasPrefix(id, "magistral") || strings.Contains(id, "reasoning")
}

func isCoderModel(m *Model) bool {
	return strings.Contains(m.ID, "coder") || strings.HasPrefix(m.ID, "codestral")
}

// score ranks a candidate: quality (size, recency), how well it matches
// the task, and the costs of running it where the learner runs it.
func score(p *cand, req Request, res Result) float64 {
	m := p.m
	c := req.Constraints
	s := 2*math.Log2(effectiveParams(m)) + 0.1*monthsSince2023(m.Released)

	for _, n := range req.Needs {
		switch {
		case n == StrengthGeneral:
			if m.Has(n) {
				s += 1
			}
		case m.Has(n):
			s += 4
		default:
			s -= 3
		}
	}
	if isCoderModel(m) {
		if needs(req, StrengthCode) {
			s += 2
		} else {
			s -= 4 // a code specialist is a poor fit for other tasks
		}
	}
	if (needs(req, StrengthReasoning) || needs(req, StrengthMath)) && isReasoningModel(m) {
		s += 1.5
	}
	if !needs(req, StrengthReasoning) && !needs(req, StrengthMath) && isReasoningModel(m) {
		s -= 2 // long thinking is slow and costly when not needed
	}
	if !needs(req, StrengthVision) && m.HasModality("image") {
		s -= 0.5
	}
	if needs(req, StrengthLongContext) {
		switch {
		case m.Context >= 128000:
			s += 2
		case m.Context < 32768:
			s -= 3
		}
	}
	if c.Commercial && m.Commercial == CommercialConditional {
		s -= 0.5
	}
	if !c.Commercial && !c.NonCommercial && m.Commercial == CommercialNo {
		s -= 1 // keep the door open to commercial use unless told otherwise
	}
	if strings.HasPrefix(m.Confidence, "unconfirmed") {
		s -= 0.5
	}
	if c.LowLatency {
		s -= 1.5 * math.Log2(math.Max(m.ActiveB, 0.5))
		if isReasoningModel(m) {
			s -= 3
		}
	}

	switch res.Mode {
	case WhereAPI:
		if m.Family == "DeepSeek" && !needs(req, StrengthVision) {
			s += 2 // the lesson: strong reasoning and code, affordable APIs
		}
		if c.LowCost {
			s -= math.Log2(math.Max(m.ActiveB, 1))
			if m.Family == "DeepSeek" {
				s += 1
			}
		}
	case WhereCloud:
		for i, cl := range gpuClasses {
			if cl.name == p.gpuClass {
				s -= 1.5 * float64(i)
			}
		}
		s += quantPenalty(p.fit.Quant)
	default:
		s += quantPenalty(p.fit.Quant)
		if p.fit.Status == FitOffload {
			s -= 8
		}
		budget := res.Budget.GPUGiB
		if budget == 0 {
			budget = res.Budget.RAMGiB
		}
		if p.fit.Memory.TotalGiB > 0.92*budget {
			s -= 1
		}
		if res.Budget.GPUGiB == 0 || p.fit.Status == FitOffload { // CPU inference: bytes read per token set the speed
			gbPerToken := m.ActiveB * p.fit.Quant.BitsPerWeight() / 8
			if gbPerToken > 3 {
				s -= 1.5 * (gbPerToken - 3)
			}
			if m.Has(StrengthSmall) {
				s += 2
			}
		}
	}
	return s
}

func quantPenalty(q Quant) float64 {
	switch q {
	case Q4KM:
		return -0.5
	case Q3KM:
		return -4
	case Q2K:
		return -8
	}
	return 0
}

// cand is a candidate model while ranking.
type cand struct {
	m        *Model
	fit      Fit
	gpuClass string
	score    float64
}

// choose takes the best candidate and two alternatives, preferring other
// families (the lesson is a map of families) unless they score far lower.
func choose(sorted []*cand) []*cand {
	picks := []*cand{sorted[0]}
	const familyGap = 6
	has := func(id string) bool {
		for _, p := range picks {
			if p.m.ID == id {
				return true
			}
		}
		return false
	}
	usedFamily := func(f string) bool {
		for _, p := range picks {
			if p.m.Family == f {
				return true
			}
		}
		return false
	}
	for len(picks) < 3 {
		best := -1
		for i, c := range sorted {
			if !has(c.m.ID) && !usedFamily(c.m.Family) && c.score >= picks[0].score-familyGap-float64(len(picks)) {
				best = i
				break
			}
		}
		if best < 0 {
			for i, c := range sorted {
				if !has(c.m.ID) {
					best = i
					break
				}
			}
		}
		if best < 0 {
			break
		}
		picks = append(picks, sorted[best])
	}
	return picks
}

func gb(v float64) string { return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) }

// finish fills the learner-facing fields of a chosen pick.
func finish(p *Pick, req Request, res Result) {
	m := &p.Model
	if p.Fits != FitAPI {
		p.MemoryGiB = math.Round(p.Memory.TotalGiB*10) / 10
	}
	hw := req.Hardware
	switch {
	case p.Fits == FitAPI:
		p.RunsWhere = "API (e.g. OpenRouter)"
		if m.Family == "DeepSeek" {
			p.RunsWhere = "API (DeepSeek platform or OpenRouter)"
		}
	case res.Mode == WhereCloud && p.GPUClass != "":
		p.RunsWhere = "cloud: " + p.GPUClass
	case res.Mode == WhereCloud:
		p.RunsWhere = "cloud GPU (" + gb(res.Budget.GPUGiB) + " GB)"
	case p.Fits == FitOffload:
		p.RunsWhere = "GPU + CPU offload (slow)"
	case hw.AppleUnified:
		p.RunsWhere = "Mac unified memory (" + gb(hw.UnifiedGiB) + " GB)"
	case res.Budget.GPUGiB == 0 && res.Budget.RAMGiB > 0:
		p.RunsWhere = "CPU, from RAM"
	default:
		p.RunsWhere = "your GPU (" + gb(res.Budget.GPUGiB) + " GB)"
		if hw.GPUName != "" {
			p.RunsWhere = "your " + hw.GPUName
			if hw.GPUCount > 1 {
				p.RunsWhere = "your " + strconv.Itoa(hw.GPUCount) + "× " + hw.GPUName
			}
		}
	}

	p.License = m.License
	if m.LicenseNote != "" {
		p.License += ": " + m.LicenseNote
	}

	var matched []string
	for _, n := range req.Needs {
		if n != StrengthGeneral && m.Has(n) {
			matched = append(matched, string(n))
		}
	}
	if len(matched) > 0 {
		p.Reasons = append(p.Reasons, "Strong at "+strings.Join(matched, ", ")+", which your task needs")
	} else {
		p.Reasons = append(p.Reasons, "Good at "+strings.ReplaceAll(strengthList(m), ";", ", "))
	}
	switch {
	case p.Fits == FitAPI:
		r := "Served by API providers, so nothing to install"
		if m.Family == "DeepSeek" {
			r = "DeepSeek's own API is known for low prices; also on OpenRouter"
		} else if m.MoE() {
			r += fmt.Sprintf("; only %sB of %sB parameters are active per token, which keeps prices down", gb(m.ActiveB), gb(m.TotalB))
		}
		p.Reasons = append(p.Reasons, r)
	case p.Fits == FitNo:
		p.Reasons = append(p.Reasons, fmt.Sprintf("Needs about %s GiB at %s with %dK of context: more than you have", gb(p.Memory.TotalGiB), p.Quant, p.Memory.CtxTokens/1024))
	default:
		r := fmt.Sprintf("%s needs about %s GiB with %dK of context (weights %s + KV cache %s + runtime %s)",
			p.Quant, gb(p.Memory.TotalGiB), p.Memory.CtxTokens/1024, gb(p.Memory.WeightsGiB), gb(p.Memory.KVGiB), gb(p.Memory.OverheadGiB))
		if p.Memory.Approximate {
			r += "; the KV figure is approximate"
		}
		p.Reasons = append(p.Reasons, r)
	}
	if m.MoE() && p.Fits != FitAPI {
		p.Reasons = append(p.Reasons, fmt.Sprintf("Mixture of experts: %sB active per token makes it fast, but all %sB parameters must be in memory", gb(m.ActiveB), gb(m.TotalB)))
	}
	if needs(req, StrengthLongContext) && m.Context >= 128000 {
		p.Reasons = append(p.Reasons, fmt.Sprintf("Long context: %dK tokens (the KV cache grows with it)", m.Context/1024))
	}
	if m.OllamaTag != "" && p.Fits != FitAPI {
		p.Reasons = append(p.Reasons, "Try it: ollama run "+m.OllamaTag)
	}
	if !strings.HasPrefix(m.Confidence, "confirmed") {
		p.Reasons = append(p.Reasons, "Some catalog figures for it come from secondary sources")
	}
}

func strengthList(m *Model) string {
	var s []string
	for _, x := range m.Strengths {
		s = append(s, string(x))
	}
	return strings.Join(s, ", ")
}

// notes gathers the lesson's warnings that apply to this result.
func notes(res Result, excludedLicense, excludedEU bool) []string {
	var out []string
	req := res.Request
	if res.NothingFits {
		switch {
		case res.Mode == WhereCloud:
			out = append(out, "Nothing fits that GPU. The options below are the smallest; rent a bigger GPU class or use an API.")
		default:
			out = append(out, "Nothing in the catalog fits that memory. These are the smallest options; an API (OpenRouter) needs no local memory at all.")
		}
	}
	local := res.Mode == WhereLocal || res.Mode == WhereCloud
	offload := false
	for _, p := range res.Picks {
		if p.Fits == FitOffload {
			offload = true
		}
	}
	if local && (offload || res.NothingFits || (res.Budget.GPUGiB > 0 && res.Budget.GPUGiB < 12) || res.Budget.GPUGiB == 0) {
		out = append(out, "Don't run a huge model on a small GPU: once layers spill to the CPU it crawls. A smaller model that fits is usually the better choice.")
	}
	if local {
		out = append(out, "Q4/Q5 quantizations save a lot of memory at little loss: on Llama-3-8B, Q5_K_M adds 0.9% perplexity and Q4_K_M 2.8% over F16.")
	}
	conditional := map[string]bool{}
	for _, p := range res.Picks {
		if p.Commercial == CommercialConditional || p.Commercial == CommercialNo {
			conditional[p.Model.Family] = true
		}
	}
	var lic []string
	if conditional["Llama"] {
		lic = append(lic, "Llama: over 700M monthly users needs Meta's permission, and derivatives must say “Built with Llama” and start their name with “Llama”")
	}
	if conditional["Gemma"] {
		lic = append(lic, "Gemma: Google's Gemma Terms of Use and its prohibited-use policy apply to you and your users")
	}
	if conditional["Qwen"] {
		lic = append(lic, "Qwen: check which Qwen license the size uses (Apache-2.0, the Qwen License, or the non-commercial Qwen Research License)")
	}
	if conditional["Mistral"] {
		lic = append(lic, "Mistral: MNPL and MRL weights are for non-production or research use only")
	}
	if len(lic) > 0 {
		out = append(out, "Licenses carry restrictions. "+strings.Join(lic, ". ")+".")
	}
	if excludedLicense && req.Constraints.Commercial {
		out = append(out, "Because you need commercial use, non-commercial licenses (Qwen Research License, Mistral MNPL and MRL) were left out.")
	}
	if excludedEU {
		out = append(out, "Llama's multimodal models were left out: their use policy withholds those rights from EU-based companies and individuals.")
	}
	if req.Constraints.PrivacyLocalOnly && res.Mode == WhereAPI {
		out = append(out, "Privacy: an API sends your data to a provider. For data that must stay local, run the open weights on your own hardware.")
	}
	return out
}

// Markdown is the learner-facing answer (CommonMark, escaped; well under
// 3500 characters), ending with the reminder to test on one's own tasks.
func (r Result) Markdown() string {
	var b strings.Builder
	b.Grow(2048)
	if len(r.Picks) == 0 {
		b.WriteString("**No model matches all of your constraints.**\n\n")
		b.WriteString("Try relaxing one (for example the license filter or the excluded families) and send the template again.\n\n")
	}
	for i, p := range r.Picks {
		title := "Top pick"
		if i > 0 {
			title = "Alternative " + strconv.Itoa(i)
		}
		if r.NothingFits {
			title = "Smallest option " + strconv.Itoa(i+1)
		}
		b.WriteString("**")
		b.WriteString(title)
		b.WriteString(": ")
		b.WriteString(render.EscapeMarkdown(p.Model.Name))
		b.WriteString("** (")
		b.WriteString(render.EscapeMarkdown(p.Model.Family))
		b.WriteString(")\n")
		b.WriteString("- Runs: ")
		if p.Fits == FitAPI {
			b.WriteString(render.EscapeMarkdown(p.RunsWhere))
		} else {
			b.WriteString(render.EscapeMarkdown(fmt.Sprintf("%s, %s, about %s GiB", p.RunsWhere, p.Quant, gb(p.MemoryGiB))))
			switch p.Fits {
			case FitOffload:
				b.WriteString(" (only with CPU offload: slow)")
			case FitNo:
				b.WriteString(" (does not fit)")
			}
		}
		b.WriteString("\n")
		for j, reason := range p.Reasons {
			if j >= 4 {
				break
			}
			b.WriteString("- ")
			b.WriteString(render.EscapeMarkdown(reason))
			b.WriteString("\n")
		}
		if p.Warning != "" {
			b.WriteString("- ⚠️ ")
			b.WriteString(render.EscapeMarkdown(p.Warning))
			b.WriteString("\n")
		}
		b.WriteString("- License: ")
		b.WriteString(render.EscapeMarkdown(p.Model.License))
		switch p.Commercial {
		case CommercialYes:
			b.WriteString(" (commercial use allowed)")
		case CommercialConditional:
			b.WriteString(" (commercial use allowed with conditions)")
		case CommercialNo:
			b.WriteString(" (non-commercial only)")
		}
		b.WriteString("\n\n")
	}
	if len(r.Notes) > 0 {
		b.WriteString("**Keep in mind**\n")
		for _, n := range r.Notes {
			if b.Len()+len(n) > 2900 {
				break
			}
			b.WriteString("- ")
			b.WriteString(render.EscapeMarkdown(n))
			b.WriteString("\n")
		}
		b.WriteString("\n")
	}
	b.WriteString(render.EscapeMarkdown(TestReminder))
	b.WriteString("\n")
	return b.String()
}

// TestReminder closes every recommendation.
const TestReminder = "Don't trust benchmarks as the final truth: run a few of your own tasks on the top pick and an alternative (OpenRouter or Ollama make this quick) before you choose, and keep those tasks as your reference set for re-testing."

// jsonPick is the structured form of a pick.
type jsonPick struct {
	ModelID       string    `json:"model_id"`
	Name          string    `json:"name"`
	Family        string    `json:"family"`
	Quantization  string    `json:"quantization"`
	MemoryGiB     float64   `json:"memory_gib"`
	Fits          FitStatus `json:"fits"`
	RunsWhere     string    `json:"runs_where"`
	License       string    `json:"license"`
	CommercialUse string    `json:"commercial_use"`
	Reasons       []string  `json:"reasons"`
	Warning       string    `json:"warning,omitempty"`
}

// JSON is the structured result for scripts (`tutorbot recommend --json`).
func (r Result) JSON() ([]byte, error) {
	out := struct {
		Mode        Where      `json:"mode"`
		NothingFits bool       `json:"nothing_fits"`
		Picks       []jsonPick `json:"picks"`
		Notes       []string   `json:"notes"`
		Missing     []Field    `json:"missing,omitempty"`
	}{Mode: r.Mode, NothingFits: r.NothingFits, Picks: make([]jsonPick, 0, len(r.Picks)), Notes: r.Notes, Missing: r.Request.Missing()}
	if out.Notes == nil {
		out.Notes = []string{}
	}
	for _, p := range r.Picks {
		out.Picks = append(out.Picks, jsonPick{
			ModelID: p.Model.ID, Name: p.Model.Name, Family: p.Model.Family, Quantization: string(p.Quant),
			MemoryGiB: p.MemoryGiB, Fits: p.Fits, RunsWhere: p.RunsWhere, License: p.License,
			CommercialUse: string(p.Commercial), Reasons: p.Reasons, Warning: p.Warning,
		})
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode recommendation: %w", err)
	}
	return b, nil
}
