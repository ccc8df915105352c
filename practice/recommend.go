package practice

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Pick is one recommended model with the figures behind it.
type Pick struct {
	Model Model `json:"-"`
	// Quant is the suggested quantization; empty for API use.
	Quant Quant `json:"quant,omitempty"`
	// Memory is the estimate at Quant (zero for API use).
	Memory Memory `json:"-"`
	// MemoryGiB is Memory.TotalGiB rounded to 0.1 (0 for API use); for a
	// fine-tuning answer it is the fine-tuning memory.
	MemoryGiB float64   `json:"memory_gib"`
	Fits      FitStatus `json:"fits"`
	// RunsWhere says where it runs: "your GPU", "CPU from RAM", "API", "cloud: one 24 GB GPU"…
	RunsWhere string `json:"runs_where"`
	// GPUClass is the cloud GPU class needed (cloud mode only).
	GPUClass string `json:"gpu_class,omitempty"`
	// License is the binding license's terms, in the learner's language.
	License string `json:"license"`
	// Commercial is the license's commercial-use class; CommercialAllowed is Commercial != no.
	Commercial        Commercial `json:"-"`
	CommercialAllowed bool       `json:"-"`
	Reasons           []string   `json:"reasons"`
	// Warning is a quality, speed or headroom caveat (low-bit quant, offload).
	Warning string `json:"warning,omitempty"`
	// MonthlyUSD is the estimated monthly API cost for the volume the
	// learner gave (0 when no volume or no price is known).
	MonthlyUSD float64 `json:"monthly_usd,omitempty"`
	// FineTune is the fine-tuning method sized, for a fine-tuning answer.
	FineTune FineTuneMethod `json:"fine_tune,omitempty"`

	lic   *License
	price *Price
	free  float64
	score float64
}

// fitFree is the share of the budget the pick leaves free.
func (p *Pick) fitFree() float64 { return p.free }

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
	// LeftOut says which models the case ruled out and why (license,
	// policy, origin, context), in the learner's language.
	LeftOut []string `json:"left_out,omitempty"`

	licenseDecided bool     // a license, policy or origin rule left models out
	excluded       []string // names of the models a license, policy or origin rule left out
}

// Question is one thing the tutor asks instead of guessing.
type Question struct {
	// Field is the template field the answer goes into.
	Field Field `json:"field"`
	// Text is the learner-facing question, in the learner's language.
	Text string `json:"text"`
}

// Cloud GPU classes, smallest first; id names the class's message.
var gpuClasses = []struct {
	gib   float64
	cards int
	id    msg
}{
	{24, 1, "cloud.24"}, {48, 1, "cloud.48"}, {80, 1, "cloud.80"},
	{160, 2, "cloud.160"}, {320, 4, "cloud.320"}, {640, 8, "cloud.640"},
}

// Assumptions used when the learner did not say.
const (
	assumedRAMGiB     = 8
	unlimitedLocalGiB = 80
	phoneContext      = 4096
)

// Recommend picks a top model and two alternatives for req by rules. It
// first asks for what it must know (Questions, no picks); then every model
// is held to every license and use-policy clause, origin and vendor
// exclusion, the context the task needs and the modality; what is left is
// sized for the learner's hardware (several cards, a Mac's Metal limit, a
// CPU, a phone) or priced for an API, and ranked for the task. If nothing
// fits it says so and what would.
func Recommend(cat *Catalog, req Request) Result {
	res := Result{Request: req}
	lang := req.Lang
	if cat == nil || len(cat.Models) == 0 {
		res.Notes = append(res.Notes, tr(lang, "catalog.empty"))
		return res
	}
	if qs := req.Questions(); len(qs) > 0 {
		res.Questions = qs
		return res
	}
	pol := cat.Policy()
	rules := cat.modelRules()
	hw := req.Hardware
	c := req.Constraints
	hwKnown := hw.GPUGiB > 0 || hw.NoGPU || hw.AppleUnified || hw.Phone

	res.Mode = req.Where
	if res.Mode == WhereUnknown {
		switch {
		case hwKnown:
			res.Mode = WhereLocal
			res.Notes = append(res.Notes, tr(lang, "note.assumed_local"))
		case c.PrivacyLocalOnly || c.Residency == "RU":
			res.Mode = WhereLocal
		default:
			res.Mode = WhereAPI
			res.Notes = append(res.Notes, tr(lang, "note.assumed_api"))
		}
	}

	ctx := req.ContextTokens
	if ctx <= 0 {
		ctx = DefaultContext
		if hw.Phone {
			ctx = phoneContext
		}
	}
	vision := needs(&req, StrengthVision)
	opts := Options{Vision: vision}

	// Budget.
	switch res.Mode {
	case WhereLocal:
		var assumedRAM bool
		res.Budget, assumedRAM = LocalBudget(hw)
		if assumedRAM {
			res.Notes = append(res.Notes, tr(lang, "note.assumed_ram", assumedRAMGiB))
		}
	case WhereCloud:
		if hw.GPUGiB > 0 {
			res.Budget = Budget{GPUGiB: hw.GPUGiB, GPUCount: max(1, hw.GPUCount)}
		}
	}

	if req.FineTune != nil {
		return recommendFineTune(cat, req, res)
	}

	out := newLeftOut(lang)
	out.ctx = req.ContextTokens
	cands := make([]cand, 0, len(cat.Models))
	for i := range cat.Models {
		m := &cat.Models[i]
		lic, ok := allowed(pol, m, rules[i], &req, out)
		if !ok {
			res.excluded = append(res.excluded, plainName(m.Name))
			continue
		}
		if !servesTask(m, &req, res.Mode) {
			continue
		}
		if req.ContextTokens > 0 && m.Context < req.ContextTokens {
			out.shortContext++
			continue
		}
		if res.Mode == WhereAPI && (c.Residency != "" || len(c.DataNotIn) > 0) {
			f := pol.Family(m.Family)
			if f != nil && f.APIDataCountry != "" && (c.Residency != "" && f.APIDataCountry != c.Residency || slices.Contains(c.DataNotIn, f.APIDataCountry)) {
				out.add("out.residency", m.Family, countryName(f.APIDataCountry, lang))
				continue
			}
		}
		if hw.Phone && res.Mode == WhereLocal && !PhoneSized(*m) {
			continue
		}
		cd := cand{m: m, lic: lic}
		switch res.Mode {
		case WhereAPI:
			cd.fit = Fit{Status: FitAPI}
			if p, ok := PriceFor(m.ID); ok {
				cd.price = &p
				if req.ItemsPerMonth > 0 {
					in, outTok := volumeTokens(req)
					cd.monthly = MonthlyCostUSD(p, in, outTok)
				}
			}
		case WhereCloud:
			if res.Budget.GPUGiB > 0 {
				cd.fit = bestFit(m, res.Budget, ctx, opts)
			} else {
				cd.fit, cd.gpuClass = cloudFit(m, ctx, opts)
			}
		default:
			cd.fit = bestFit(m, res.Budget, ctx, opts)
		}
		cd.score = score(&cd, &req, &res) + languageBonus(pol, rules[i], &req)
		cands = append(cands, cd)
	}

	all := make([]*cand, len(cands))
	fitting := make([]*cand, 0, len(cands))
	roomy := 0
	for i := range cands {
		all[i] = &cands[i]
		if cands[i].fit.Status != FitNo {
			fitting = append(fitting, &cands[i])
		}
		if cands[i].roomy() {
			roomy++
		}
	}
	if roomy > 0 && roomy < len(fitting) {
		// A pick that fills the memory leaves nothing for a longer context or a
		// second request: name one only when nothing else fits.
		kept := fitting[:0]
		for _, cd := range fitting {
			if cd.roomy() {
				kept = append(kept, cd)
			}
		}
		fitting = kept
	}
	var chosen []*cand
	switch {
	case len(all) == 0:
	case len(fitting) == 0:
		res.NothingFits = true
		sort.SliceStable(all, func(i, j int) bool { return all[i].fit.Memory.TotalGiB < all[j].fit.Memory.TotalGiB })
		chosen = all[:min(3, len(all))]
	default:
		sort.SliceStable(fitting, func(i, j int) bool { return fitting[i].score > fitting[j].score })
		chosen = choose(fitting)
	}
	res.LeftOut, res.licenseDecided = out.list(), out.policy
	for _, cd := range chosen {
		p := Pick{
			Model: *cd.m, Quant: cd.fit.Quant, Memory: cd.fit.Memory, Fits: cd.fit.Status, GPUClass: tr(lang, cd.gpuClass),
			Commercial: cd.lic.Commercial, CommercialAllowed: cd.lic.Commercial != CommercialNo,
			lic: cd.lic, price: cd.price, free: cd.fit.FreeShare, MonthlyUSD: round2(cd.monthly), score: cd.score,
		}
		if p.Fits == FitAPI {
			p.Quant, p.Memory = "", Memory{}
		}
		res.Picks = append(res.Picks, p)
	}
	for i := range res.Picks {
		finish(&res.Picks[i], req, res, pol)
	}
	res.Notes = append(res.Notes, notes(res)...)
	return res
}

// allowed applies every license and use-policy clause and every origin or
// vendor exclusion to m, recording why a model was left out. It returns
// the license that binds m most.
func allowed(pol *Policy, m *Model, mr modelRules, req *Request, out *leftOut) (*License, bool) {
	c := req.Constraints
	lics := mr.lics
	if len(lics) == 0 {
		// A license the policy does not know: name it only for personal use.
		lics = []*License{{ID: "unknown", Name: m.License, Commercial: m.Commercial, Production: m.Commercial != CommercialNo,
			Terms: map[string]string{"en": m.License, "ru": m.License}}}
	}
	for _, l := range lics {
		label := licenseLabel(l)
		switch {
		case c.Users > 0 && l.MAULimit > 0 && c.Users > l.MAULimit:
			out.add("out.users", label, humanCount(float64(l.MAULimit), out.lang), humanCount(float64(c.Users), out.lang))
			return nil, false
		case l.Commercial == CommercialNo && (c.Commercial || c.Production || !(c.NonCommercial || c.Evaluation)):
			if c.Commercial || c.Production {
				out.add("out.commercial", label)
			}
			return nil, false
		case !l.Production && (c.Production || c.Commercial):
			out.add("out.production", label)
			return nil, false
		case c.PermissiveOnly && !l.Permissive():
			out.add("out.permissive", label)
			return nil, false
		case l.EUMultimodal && c.EU && m.HasModality("image"):
			out.add("out.eu", plainName(m.Name))
			return nil, false
		}
		for _, d := range c.Domains {
			if l.forbids(d) {
				out.add("out.domain", label, tr(out.lang, msg("domain."+string(d))))
				return nil, false
			}
		}
	}
	for _, fam := range mr.fams {
		country := pol.countryOf(fam)
		for _, o := range c.ExcludeOrigins {
			if originMatches(country, o) {
				out.add("out.origin", familyLabel(pol, m, fam), countryName(country, out.lang))
				return nil, false
			}
		}
		if len(c.OnlyOrigins) > 0 {
			ok := false
			for _, o := range c.OnlyOrigins {
				ok = ok || originMatches(country, o)
			}
			if !ok {
				out.add("out.origin", familyLabel(pol, m, fam), countryName(country, out.lang))
				return nil, false
			}
		}
		for _, f := range c.AvoidFamilies {
			if f == fam {
				out.add("out.vendor", familyLabel(pol, m, fam))
				return nil, false
			}
		}
	}
	return mr.main, true
}

// servesTask applies the hard task filters: modalities and API serving.
func servesTask(m *Model, req *Request, mode Where) bool {
	for _, n := range req.Needs {
		if n == StrengthVision && !m.HasModality("image") {
			return false
		}
		if n == StrengthAudio && !m.HasModality("audio") {
			return false
		}
	}
	return mode != WhereAPI || m.API
}

func needs(req *Request, s Strength) bool {
	for _, n := range req.Needs {
		if n == s {
			return true
		}
	}
	return false
}

// cloudFit sizes a model for the smallest cloud GPU class that holds it at
// Q4_K_M with headroom, then takes the best quantization that fits that class.
func cloudFit(m *Model, ctx int, o Options) (Fit, msg) {
	q4 := estimate(m, Q4KM, ctx, o)
	for _, cl := range gpuClasses {
		b := Budget{GPUGiB: cl.gib, GPUCount: cl.cards}
		if q4.TotalGiB <= usableGPUGiB(m, q4, b)*(1-HeadroomShare) {
			return bestFit(m, b, ctx, o), cl.id
		}
	}
	return Fit{Status: FitNo, Quant: Q4KM, Memory: q4}, "cloud.more"
}

// volumeTokens is the monthly input and output tokens for the stated volume.
func volumeTokens(req Request) (in, out float64) {
	inPer, outPer := itemTokens(req)
	return req.ItemsPerMonth * float64(inPer), req.ItemsPerMonth * float64(outPer)
}

// Assumed sizes of one item when the learner gives a volume but not its size.
const (
	assumedInputTokens      = 500
	assumedOutputTokens     = 300
	assumedBulkOutputTokens = 20
)

func itemTokens(req Request) (in, out int) {
	in, out = assumedInputTokens, assumedOutputTokens
	if req.TokensPerItem > 0 {
		in = req.TokensPerItem
	}
	if req.Bulk {
		out = assumedBulkOutputTokens
	}
	return in, out
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

// isVisionVariant reports a model made by adding vision to a text model
// (Llama 3.2 Vision, Qwen2.5-VL, Phi-3.5-vision), as opposed to one that is
// natively multimodal.
func isVisionVariant(m *Model) bool {
	id := m.ID
	return strings.Contains(id, "-vision") || strings.Contains(id, "-vl-") || strings.HasPrefix(id, "pixtral")
}

func isCoderModel(m *Model) bool {
	return strings.Contains(m.ID, "coder") || strings.HasPrefix(m.ID, "codestral")
}

// score ranks a candidate: quality (size, recency), how well it matches
// the task, and the costs of running it where the learner runs it.
func score(p *cand, req *Request, res *Result) float64 {
	m := p.m
	c := &req.Constraints
	reasoning := isReasoningModel(m)
	s := 2.5*math.Log2(effectiveParams(m)) + 0.1*monthsSince2023(m.Released)

	for _, n := range req.Needs {
		has := m.Has(n)
		if n == StrengthLongContext && req.ContextTokens > 32768 {
			has = m.Context >= req.ContextTokens // what the task needs, not the tag
		}
		switch {
		case n == StrengthGeneral:
			if has {
				s += 1
			}
		case has:
			s += 3
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
	if (needs(req, StrengthReasoning) || needs(req, StrengthMath)) && reasoning {
		s += 1.5
	}
	if !needs(req, StrengthReasoning) && !needs(req, StrengthMath) && reasoning {
		s -= 2 // long thinking is slow and costly when not needed
	}
	if !needs(req, StrengthVision) && m.HasModality("image") {
		s -= 0.5
		if isVisionVariant(m) {
			s -= 4 // a vision variant of a text model: the text model does text better for less
		}
	}
	if needs(req, StrengthLongContext) || req.ContextTokens > 32768 {
		switch {
		case m.Context >= 128000:
			s += 2
		case m.Context < 32768:
			s -= 3
		}
	}
	if p.lic != nil && p.lic.Commercial == CommercialConditional && c.Commercial {
		s -= 0.5
	}
	if p.lic != nil && !p.lic.Permissive() && len(c.Domains) > 0 {
		s -= 0.5
	}
	if strings.HasPrefix(m.Confidence, "unconfirmed") {
		s -= 0.5
	}
	if c.LowLatency {
		s -= 1.5 * math.Log2(math.Max(m.ActiveB, 0.5))
		if reasoning {
			s -= 3
		}
	}
	if req.Bulk {
		// Simple bulk work: the cheapest adequate model wins.
		s -= 2.5 * math.Log2(math.Max(m.ActiveB, 1))
		if reasoning {
			s -= 8
		}
	}

	switch res.Mode {
	case WhereAPI:
		if m.Family == "DeepSeek" && !needs(req, StrengthVision) && !req.Bulk {
			s += 2 // the lesson: strong reasoning and code, affordable APIs
		}
		if c.LowCost || req.Bulk || req.ItemsPerMonth > 0 {
			if p.price != nil {
				s -= 1.5 * math.Log2(math.Max(p.price.InputPerM+p.price.OutputPerM, 0.01)/0.05)
				s += 1 // a known price beats a guess
			} else {
				s -= math.Log2(math.Max(m.ActiveB, 1))
				if req.ItemsPerMonth > 0 {
					s -= 5 // a volume was given: a pick without a price can't be costed
				}
			}
			if c.BudgetUSD > 0 && p.monthly > c.BudgetUSD {
				s -= 6
			}
		}
	case WhereCloud:
		for i, cl := range gpuClasses {
			if cl.id == p.gpuClass {
				s -= 1.5 * float64(i)
			}
		}
		s += quantPenalty(p.fit.Quant)
	default:
		s += quantPenalty(p.fit.Quant)
		if p.fit.Status == FitOffload {
			s -= 8
		}
		if p.fit.Status == FitYes && p.fit.FreeShare < HeadroomShare {
			s -= 1.5
		}
		if res.Budget.GPUGiB == 0 || p.fit.Status == FitOffload { // CPU inference: bytes read per token set the speed
			if CPUTooSlow(*m) {
				s -= 6
			}
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

// languageBonus favours a family known to be strongest in a language the
// task names (Chinese: Qwen and DeepSeek), its derivatives included.
func languageBonus(pol *Policy, mr modelRules, req *Request) float64 {
	if len(req.Constraints.Languages) == 0 {
		return 0
	}
	for _, fam := range mr.fams {
		f := pol.Family(fam)
		if f == nil {
			continue
		}
		for _, l := range f.StrongLanguages {
			for _, want := range req.Constraints.Languages {
				if want == l {
					return 4
				}
			}
		}
	}
	return 0
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
	lic      *License
	fit      Fit
	gpuClass msg
	price    *Price
	monthly  float64
	score    float64
}

// roomy reports a candidate that runs without filling the memory: served
// by an API, or fitting with at least maxFillFree of the budget left.
func (c *cand) roomy() bool {
	return c.fit.Status == FitAPI || (c.fit.Status == FitYes && c.fit.FreeShare >= maxFillFree)
}

// maxFillFree is the least free share a pick may leave when a roomier
// choice exists (HeadroomShare is preferred; 8% tolerates rounding).
const maxFillFree = 0.08

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

// leftOut gathers, in order and without repeats, what the case ruled out.
type leftOut struct {
	lang   string
	seen   map[string]bool
	items  []string
	policy bool // a license, use-policy, origin or vendor rule was decisive
	// shortContext counts models whose context is shorter than the task needs.
	shortContext int
	ctx          int
}

func newLeftOut(lang string) *leftOut { return &leftOut{lang: lang, seen: map[string]bool{}} }

func (o *leftOut) add(id msg, args ...any) {
	key := string(id) + fmt.Sprint(args...)
	if o.seen[key] {
		return
	}
	o.seen[key] = true
	o.policy = o.policy || id != "out.context"
	o.items = append(o.items, tr(o.lang, id, args...))
}

// list is what was left out, at most eight reasons.
func (o *leftOut) list() []string {
	items := o.items
	if len(items) > 8 {
		items = items[:8]
	}
	if o.shortContext > 0 {
		items = append(items, tr(o.lang, "out.context_n", o.shortContext, fmtTokens(o.ctx)))
	}
	return items
}
