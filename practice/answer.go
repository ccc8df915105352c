package practice

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"tutorbot/render"
)

// This file turns a Result into what the learner reads: each pick's
// reasons and caveats, the notes, the Markdown answer and the JSON form,
// in the learner's language.

// licenseLabel names a license the way learners know it.
func licenseLabel(l *License) string {
	switch {
	case strings.HasPrefix(l.ID, "llama"):
		return "Llama"
	case l.ID == "qwen":
		return "Qwen2.5-72B"
	case l.ID == "gemma":
		return "Gemma"
	}
	return l.Name
}

// familyLabel names a family, or the derivative itself when the family is
// its base's ("DeepSeek-R1-Distill-Llama (Llama)").
func familyLabel(pol *Policy, m *Model, fam string) string {
	if fam != m.Family {
		return plainName(m.Name) + " (" + fam + ")"
	}
	return fam
}

func countryName(c, lang string) string { return tr(lang, msg("country."+c)) }

// humanCount writes 700000000 as "700M" ("700 млн").
func humanCount(v float64, lang string) string {
	switch {
	case v >= 1e9:
		return tr(lang, "unit.B", num(v/1e9, lang))
	case v >= 1e6:
		return tr(lang, "unit.M", num(v/1e6, lang))
	case v >= 1e3:
		return tr(lang, "unit.K", num(v/1e3, lang))
	}
	return num(v, lang)
}

// fmtTokens writes a token count as people say it: 131072 → "128K", 10M.
func fmtTokens(n int) string {
	switch {
	case n >= 1_000_000:
		return strconv.FormatFloat(math.Round(float64(n)/1e5)/10, 'f', -1, 64) + "M"
	case n >= 1024 && n%1024 == 0:
		return strconv.Itoa(n/1024) + "K"
	case n >= 1000:
		return strconv.Itoa(int(math.Round(float64(n)/1000))) + "K"
	}
	return strconv.Itoa(n)
}

// num formats v to one decimal, with a decimal comma in Russian.
func num(v float64, lang string) string {
	s := strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
	if lang == "ru" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

func gb(v float64) string { return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) }

func round2(v float64) float64 { return math.Round(v*100) / 100 }

// money formats a dollar amount: 1234.5 → "1,235", 3.456 → "3.46".
func money(v float64) string {
	switch {
	case v >= 100:
		return groupThousands(int64(math.Round(v)))
	case v >= 1:
		return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
	}
	return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
}

func groupThousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// finish fills the learner-facing fields of a chosen pick.
func finish(p *Pick, req Request, res Result, pol *Policy) {
	lang := req.Lang
	m := &p.Model
	if p.Fits != FitAPI && p.MemoryGiB == 0 {
		p.MemoryGiB = math.Round(p.Memory.TotalGiB*10) / 10
	}
	hw := req.Hardware
	switch {
	case p.Fits == FitAPI:
		p.RunsWhere = tr(lang, "runs.api")
		switch {
		case req.Constraints.Residency == "EU" && m.Family == "Mistral":
			p.RunsWhere = tr(lang, "runs.api_mistral_eu")
		case req.Constraints.Residency == "EU":
			p.RunsWhere = tr(lang, "runs.api_eu")
		case m.Family == "DeepSeek":
			p.RunsWhere = tr(lang, "runs.api_deepseek")
		}
	case res.Mode == WhereCloud && p.GPUClass != "":
		p.RunsWhere = tr(lang, "runs.cloud_class", p.GPUClass)
	case res.Mode == WhereCloud && hw.GPUName == "":
		p.RunsWhere = tr(lang, "runs.cloud_gpu", gb(res.Budget.GPUGiB))
	case p.Fits == FitOffload:
		p.RunsWhere = tr(lang, "runs.offload")
	case hw.Phone:
		p.RunsWhere = tr(lang, "runs.phone")
	case hw.AppleUnified:
		p.RunsWhere = tr(lang, "runs.mac", num(hw.GPUGiB, lang), gb(hw.UnifiedGiB))
	case res.Budget.GPUGiB == 0 && res.Budget.RAMGiB > 0:
		p.RunsWhere = tr(lang, "runs.cpu")
	case hw.GPUName != "" && hw.GPUCount > 1:
		p.RunsWhere = tr(lang, "runs.cards", hw.GPUCount, hw.GPUName, gb(res.Budget.GPUGiB))
	case hw.GPUName != "":
		p.RunsWhere = tr(lang, "runs.card", hw.GPUName)
	default:
		p.RunsWhere = tr(lang, "runs.gpu", gb(res.Budget.GPUGiB))
	}

	if p.lic != nil {
		p.License = p.lic.TermsIn(lang)
	} else {
		p.License = m.License
	}

	var matched []string
	for _, n := range req.Needs {
		if n != StrengthGeneral && m.Has(n) {
			matched = append(matched, tr(lang, msg("strength."+string(n))))
		}
	}
	if req.Bulk && m.ActiveB <= cheapBulkActiveB {
		p.Reasons = append(p.Reasons, tr(lang, "why.cheap_bulk"))
	} else if len(matched) > 0 {
		p.Reasons = append(p.Reasons, tr(lang, "why.strong", strings.Join(matched, ", ")))
	} else {
		p.Reasons = append(p.Reasons, tr(lang, "why.good", strengthList(m, lang)))
	}
	if res.licenseDecided && p.lic != nil {
		p.Reasons = append(p.Reasons, tr(lang, "why.allowed", p.lic.TermsIn(lang)))
	}
	if base := pol.BaseFamily(m); base != "" {
		if l := pol.MainLicense(m); l != nil && !l.Permissive() {
			p.Reasons = append(p.Reasons, tr(lang, "why.derivative", l.Name))
		}
	}
	ctx := p.Memory.CtxTokens
	switch {
	case p.FineTune != "":
		// Reasons were set by the fine-tuning path.
	case p.Fits == FitAPI:
		switch {
		case p.MonthlyUSD > 0 && p.price != nil:
			in, out := volumeTokens(req)
			p.Reasons = append(p.Reasons, tr(lang, "why.cost", money(p.MonthlyUSD), humanCount(in, lang), humanCount(out, lang),
				money(p.price.InputPerM), money(p.price.OutputPerM), p.price.Provider, p.price.DateRead))
		case p.price != nil:
			p.Reasons = append(p.Reasons, tr(lang, "why.price", money(p.price.InputPerM), money(p.price.OutputPerM), p.price.Provider, p.price.DateRead))
		case m.Family == "DeepSeek":
			p.Reasons = append(p.Reasons, tr(lang, "why.api_deepseek"))
		case m.MoE():
			p.Reasons = append(p.Reasons, tr(lang, "why.api_moe", num(m.ActiveB, lang), num(m.TotalB, lang)))
		default:
			p.Reasons = append(p.Reasons, tr(lang, "why.api"))
		}
	case p.Fits == FitNo:
		p.Reasons = append(p.Reasons, tr(lang, "why.no_fit", num(p.Memory.TotalGiB, lang), p.Quant, fmtTokens(ctx)))
	default:
		var r string
		if p.Memory.VisionGiB > 0 {
			r = tr(lang, "why.memory_vision", p.Quant, num(p.Memory.TotalGiB, lang), fmtTokens(ctx), num(p.Memory.WeightsGiB, lang),
				num(p.Memory.VisionGiB, lang), num(p.Memory.KVGiB, lang), num(p.Memory.OverheadGiB, lang))
		} else {
			r = tr(lang, "why.memory", p.Quant, num(p.Memory.TotalGiB, lang), fmtTokens(ctx), num(p.Memory.WeightsGiB, lang),
				num(p.Memory.KVGiB, lang), num(p.Memory.OverheadGiB, lang))
		}
		if p.Memory.Approximate {
			r += tr(lang, "why.kv_approx")
		}
		p.Reasons = append(p.Reasons, r)
	}
	if m.MoE() && p.Fits != FitAPI && p.FineTune == "" {
		p.Reasons = append(p.Reasons, tr(lang, "why.moe", num(m.ActiveB, lang), num(m.TotalB, lang)))
	}
	switch {
	case req.ContextTokens > 32768:
		p.Reasons = append(p.Reasons, tr(lang, "why.context", fmtTokens(m.Context), fmtTokens(req.ContextTokens)))
	case needs(&req, StrengthLongContext) && m.Context >= 128000:
		p.Reasons = append(p.Reasons, tr(lang, "why.long", fmtTokens(m.Context)))
	}
	if m.OllamaTag != "" && p.Fits != FitAPI && p.FineTune == "" {
		p.Reasons = append(p.Reasons, tr(lang, "why.ollama", m.OllamaTag))
	}
	if !strings.HasPrefix(m.Confidence, "confirmed") {
		p.Reasons = append(p.Reasons, tr(lang, "why.secondary"))
	}
	p.Warning = fitWarning(lang, p)
}

// fitWarning is the pick's quality, speed or headroom caveat in lang.
func fitWarning(lang string, p *Pick) string {
	if p.Fits == FitAPI || p.FineTune != "" {
		return ""
	}
	var parts []string
	switch p.Quant {
	case Q3KM:
		parts = append(parts, tr(lang, "warn.q3"))
	case Q2K:
		parts = append(parts, tr(lang, "warn.q2"))
	}
	switch p.Fits {
	case FitOffload:
		parts = append(parts, tr(lang, "warn.offload"))
	case FitYes:
		if p.Memory.TotalGiB > 0 && p.fitFree() < HeadroomShare {
			parts = append(parts, tr(lang, "warn.tight", int(math.Round(100*(1-p.fitFree())))))
		}
	}
	return strings.Join(parts, "; ")
}

func strengthList(m *Model, lang string) string {
	var s []string
	for _, x := range m.Strengths {
		s = append(s, tr(lang, msg("strength."+string(x))))
	}
	return strings.Join(s, ", ")
}

// notes gathers the lesson's warnings that apply to this result.
func notes(res Result) []string {
	var out []string
	req := res.Request
	lang := req.Lang
	c := req.Constraints
	hw := req.Hardware
	if res.NothingFits {
		switch {
		case res.Mode == WhereCloud:
			out = append(out, tr(lang, "note.nothing_fits_cloud"))
		default:
			need := 0.0
			for _, p := range res.Picks {
				if need == 0 || p.Memory.TotalGiB < need {
					need = p.Memory.TotalGiB
				}
			}
			out = append(out, tr(lang, "note.nothing_fits", tr(lang, "note.would_fit", num(need/(1-HeadroomShare), lang)+" GiB")))
		}
	}
	if len(res.LeftOut) > 0 {
		out = append(out, tr(lang, "note.left_out", strings.Join(res.LeftOut, "; ")))
	}
	local := res.Mode == WhereLocal || res.Mode == WhereCloud
	offload := false
	for _, p := range res.Picks {
		if p.Fits == FitOffload {
			offload = true
		}
	}
	if req.ContextTokens > 0 && len(res.Picks) > 0 {
		why := ""
		if req.ContextWhy != "" {
			why = tr(lang, "note.context_pages", req.ContextWhy)
			if req.ContextWhy == "whole codebase" {
				why = ""
			}
		}
		out = append(out, tr(lang, "note.context", fmtTokens(req.ContextTokens), why))
	}
	if len(c.DataNotIn) > 0 && res.Mode != WhereAPI {
		out = append(out, tr(lang, "note.data_stays", tr(lang, msg("country_adj."+c.DataNotIn[0]))))
	}
	if req.FineTune != nil {
		out = append(out, tr(lang, "note.finetune"))
		if req.FineTune.Examples > 0 {
			out = append(out, tr(lang, "note.finetune_data", humanCount(float64(req.FineTune.Examples), lang)))
		}
		if n := res.Budget.Cards(); n > 1 {
			for _, p := range res.Picks {
				if p.FineTune != "" && p.MemoryGiB > res.Budget.GPUGiB/float64(n) {
					out = append(out, tr(lang, "note.finetune_split", p.Model.Name))
					break
				}
			}
		}
	}
	if res.Mode == WhereLocal && hw.AppleUnified && hw.UnifiedGiB > 0 {
		out = append(out, tr(lang, "note.mac", int(math.Round((hw.UnifiedGiB-6)*1024))))
	}
	if res.Mode == WhereLocal && hw.GPUCount > 1 {
		out = append(out, tr(lang, "note.multi_gpu", hw.GPUCount))
	}
	if res.Mode == WhereLocal && hw.Phone {
		out = append(out, tr(lang, "note.phone"))
	} else if res.Mode == WhereLocal && res.Budget.GPUGiB == 0 {
		out = append(out, tr(lang, "note.cpu"))
	}
	if local && !hw.Phone && (offload || res.NothingFits || (res.Budget.GPUGiB > 0 && res.Budget.GPUGiB < 12)) {
		out = append(out, tr(lang, "note.small_gpu"))
	}
	if local && req.FineTune == nil {
		roomy := len(res.Picks) > 0 && !res.NothingFits
		for _, p := range res.Picks {
			roomy = roomy && p.Fits == FitYes && p.free >= HeadroomShare
		}
		if roomy {
			out = append(out, tr(lang, "note.headroom"))
		}
		out = append(out, tr(lang, "note.quant"))
	}
	if res.Mode == WhereAPI && (req.Bulk || req.ItemsPerMonth > 0) {
		if req.Bulk {
			out = append(out, tr(lang, "note.bulk"))
		}
		if req.ItemsPerMonth > 0 && req.TokensPerItem == 0 {
			in, o := itemTokens(req)
			out = append(out, tr(lang, "note.cost_assumed", strconv.Itoa(in), strconv.Itoa(o)))
		}
		var unpriced []string
		for _, p := range res.Picks {
			if p.price == nil {
				unpriced = append(unpriced, plainName(p.Model.Name))
			}
		}
		if len(unpriced) > 0 && req.ItemsPerMonth > 0 {
			out = append(out, tr(lang, "note.cost_missing", strings.Join(unpriced, ", ")))
		}
		if c.BudgetUSD > 0 && len(res.Picks) > 0 && res.Picks[0].MonthlyUSD > c.BudgetUSD {
			out = append(out, tr(lang, "note.budget_over", money(res.Picks[0].MonthlyUSD), money(c.BudgetUSD)))
		}
	}
	families := map[string]bool{}
	for _, p := range res.Picks {
		if p.lic != nil && !p.lic.Permissive() {
			families[p.Model.Family] = true
			if p.lic.ID == "qwen" || p.lic.ID == "qwen-research" {
				families["Qwen"] = true
			}
			if strings.HasPrefix(p.lic.ID, "llama") {
				families["Llama"] = true
			}
		}
	}
	var lic []string
	for _, f := range []string{"Llama", "Gemma", "Qwen", "Mistral"} {
		if families[f] {
			lic = append(lic, tr(lang, msg("note.lic."+f)))
		}
	}
	if len(lic) > 0 {
		out = append(out, tr(lang, "note.licenses", strings.Join(lic, ". ")))
	}
	switch {
	case c.Residency == "EU":
		out = append(out, tr(lang, "note.residency_eu"))
	case c.Residency == "RU":
		out = append(out, tr(lang, "note.residency_ru"))
	}
	if c.PrivacyLocalOnly && res.Mode == WhereAPI {
		out = append(out, tr(lang, "note.privacy_api"))
	}
	return out
}

// Markdown is the learner-facing answer (CommonMark, escaped; well under
// 3500 characters), in the learner's language, ending with the reminder to
// test on one's own tasks. With questions pending it asks them instead.
func (r Result) Markdown() string {
	lang := r.Request.Lang
	var b strings.Builder
	b.Grow(2048)
	if len(r.Questions) > 0 {
		b.WriteString(render.EscapeMarkdown(tr(lang, "ask.intro")))
		b.WriteString("\n")
		for i, q := range r.Questions {
			fmt.Fprintf(&b, "%d\\. %s\n", i+1, render.EscapeMarkdown(q.Text))
		}
		return b.String()
	}
	if len(r.Picks) == 0 {
		b.WriteString(tr(lang, "nothing_matches"))
		b.WriteString("\n\n")
		b.WriteString(render.EscapeMarkdown(tr(lang, "relax")))
		b.WriteString("\n\n")
	}
	for i, p := range r.Picks {
		title := tr(lang, "title.top")
		if i > 0 {
			title = tr(lang, "title.alt", i)
		}
		if r.NothingFits {
			title = tr(lang, "title.smallest", i+1)
		}
		b.WriteString("**")
		b.WriteString(render.EscapeMarkdown(title))
		b.WriteString(": ")
		b.WriteString(render.EscapeMarkdown(p.Model.Name))
		b.WriteString("**")
		if !strings.Contains(strings.ToLower(p.Model.Name), strings.ToLower(p.Model.Family)) {
			b.WriteString(" (")
			b.WriteString(render.EscapeMarkdown(p.Model.Family))
			b.WriteString(")")
		}
		b.WriteString("\n- ")
		b.WriteString(render.EscapeMarkdown(tr(lang, "runs")))
		b.WriteString(": ")
		switch {
		case p.Fits == FitAPI || p.FineTune != "":
			b.WriteString(render.EscapeMarkdown(p.RunsWhere))
		default:
			b.WriteString(render.EscapeMarkdown(tr(lang, "runs.memory", p.RunsWhere, p.Quant, num(p.MemoryGiB, lang))))
			switch p.Fits {
			case FitOffload:
				b.WriteString(render.EscapeMarkdown(tr(lang, "runs.offload_only")))
			case FitNo:
				b.WriteString(render.EscapeMarkdown(tr(lang, "runs.no_fit")))
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
		if !containsLicense(p.Reasons, p.License) {
			b.WriteString("- ")
			b.WriteString(render.EscapeMarkdown(tr(lang, "license")))
			b.WriteString(": ")
			b.WriteString(render.EscapeMarkdown(p.License))
			b.WriteString("\n")
		}
		b.WriteString("\n")
	}
	if len(r.Notes) > 0 {
		b.WriteString("**")
		b.WriteString(render.EscapeMarkdown(tr(lang, "keep_in_mind")))
		b.WriteString("**\n")
		// One chat message holds the whole answer: notes that would
		// take it past maxAnswerChars are left out (counted in characters
		// as the learner sees them, so a Russian answer keeps as many as an
		// English one), and a shorter note after a long one still fits.
		chars := utf8.RuneCountInString(b.String())
		for _, n := range r.Notes {
			nc := utf8.RuneCountInString(n) + 3 // "- " and the newline
			if chars+nc > maxAnswerChars {
				continue
			}
			chars += nc
			b.WriteString("- ")
			b.WriteString(render.EscapeMarkdown(n))
			b.WriteString("\n")
		}
		b.WriteString("\n")
	}
	b.WriteString(render.EscapeMarkdown(tr(lang, "test_reminder")))
	b.WriteString("\n")
	return b.String()
}

// maxAnswerChars bounds an answer's picks and notes, in characters, so
// that with the closing reminder it fits one Telegram message (4,096).
const maxAnswerChars = 3300

func containsLicense(reasons []string, lic string) bool {
	for _, r := range reasons {
		if strings.Contains(r, lic) {
			return true
		}
	}
	return false
}

// TestReminder closes every recommendation.
var TestReminder = tr("en", "test_reminder")

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
	MonthlyUSD    float64   `json:"monthly_usd,omitempty"`
	FineTune      string    `json:"fine_tune,omitempty"`
	Reasons       []string  `json:"reasons"`
	Warning       string    `json:"warning,omitempty"`
}

// JSON is the structured result for scripts (`tutorbot recommend -json`).
func (r Result) JSON() ([]byte, error) {
	out := struct {
		Mode          Where      `json:"mode"`
		NothingFits   bool       `json:"nothing_fits"`
		Questions     []Question `json:"questions,omitempty"`
		ContextTokens int        `json:"context_tokens,omitempty"`
		Picks         []jsonPick `json:"picks"`
		LeftOut       []string   `json:"left_out,omitempty"`
		Notes         []string   `json:"notes"`
		Missing       []Field    `json:"missing,omitempty"`
	}{Mode: r.Mode, NothingFits: r.NothingFits, Questions: r.Questions, ContextTokens: r.Request.ContextTokens,
		Picks: make([]jsonPick, 0, len(r.Picks)), LeftOut: r.LeftOut, Notes: r.Notes, Missing: r.Request.Missing()}
	if out.Notes == nil {
		out.Notes = []string{}
	}
	for _, p := range r.Picks {
		out.Picks = append(out.Picks, jsonPick{
			ModelID: p.Model.ID, Name: p.Model.Name, Family: p.Model.Family, Quantization: string(p.Quant),
			MemoryGiB: p.MemoryGiB, Fits: p.Fits, RunsWhere: p.RunsWhere, License: p.License,
			CommercialUse: string(p.Commercial), MonthlyUSD: p.MonthlyUSD, FineTune: string(p.FineTune), Reasons: p.Reasons, Warning: p.Warning,
		})
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode recommendation: %w", err)
	}
	return b, nil
}

// plainName is a model's name without its parenthesised details
// ("Llama 4 Scout (17Bx16E)" → "Llama 4 Scout").
func plainName(n string) string {
	if i := strings.Index(n, " ("); i > 0 {
		return n[:i]
	}
	return n
}

// cheapBulkActiveB is the most active parameters a pick may have to be
// called small and cheap for bulk work.
const cheapBulkActiveB = 15
