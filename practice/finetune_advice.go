package practice

import (
	"math"
	"sort"
	"strconv"
)

// recommendFineTune answers a fine-tuning request: which models the
// learner can fine-tune in their memory, with which method (QLoRA first:
// it needs the least), and what serving the result takes afterwards.
// Every license, policy and origin rule applies as for inference.
func recommendFineTune(cat *Catalog, req Request, res Result) Result {
	lang := req.Lang
	pol := cat.Policy()
	rules := cat.modelRules()
	budget := res.Budget.GPUGiB
	if res.Mode == WhereAPI || res.Mode == WhereCloud && budget == 0 {
		budget = 80 // a rented 80 GB GPU: fine-tuning needs a GPU
		res.Mode = WhereCloud
		res.Budget = Budget{GPUGiB: budget, GPUCount: 1}
	}
	methods := []FineTuneMethod{QLoRA, LoRA}
	switch req.FineTune.Method {
	case "lora":
		methods = []FineTuneMethod{LoRA, QLoRA}
	case "full":
		methods = []FineTuneMethod{FullFineTune, LoRA, QLoRA}
	}
	out := newLeftOut(lang)
	type ftCand struct {
		m      *Model
		lic    *License
		method FineTuneMethod
		need   float64
		score  float64
	}
	var cands []ftCand
	for i := range cat.Models {
		m := &cat.Models[i]
		lic, ok := allowed(pol, m, rules[i], &req, out)
		if !ok || !servesTask(m, &req, WhereLocal) || m.MoE() || isReasoningModel(m) {
			continue
		}
		if req.ContextTokens > 0 && m.Context < req.ContextTokens {
			continue
		}
		for _, meth := range methods {
			need := FineTuneMemory(*m, meth, 0).TotalGiB
			if need <= budget*(1-HeadroomShare/2) {
				s := 2*math.Log2(m.TotalB) + 0.1*monthsSince2023(m.Released)
				for _, n := range req.Needs {
					if n != StrengthGeneral && m.Has(n) {
						s += 3
					}
				}
				if meth != methods[0] {
					s -= 1
				}
				s += fineTunePenalty(m, req, res, need)
				cands = append(cands, ftCand{m, lic, meth, need, s})
				break
			}
		}
	}
	res.LeftOut, res.licenseDecided = out.list(), out.policy
	if len(cands) == 0 {
		res.NothingFits = true
		res.Notes = append(res.Notes, notes(res)...)
		return res
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].score > cands[j].score })
	used := map[string]bool{}
	for _, c := range cands {
		if len(res.Picks) == 3 {
			break
		}
		if used[c.m.Family] && len(cands) > 3 {
			continue
		}
		used[c.m.Family] = true
		serve := BestFitWith(*c.m, res.Budget, 4096, Options{})
		p := Pick{Model: *c.m, Fits: FitYes, FineTune: c.method, MemoryGiB: math.Round(c.need*10) / 10, lic: c.lic,
			Commercial: c.lic.Commercial, CommercialAllowed: c.lic.Commercial != CommercialNo, Quant: serve.Quant, Memory: serve.Memory}
		p.Reasons = append(p.Reasons, tr(lang, "why.finetune", fineTuneName(lang, c.method), num(c.need, lang), num(budget, lang)))
		if serve.Status != FitNo {
			p.Reasons = append(p.Reasons, tr(lang, "why.finetune_serve", serve.Quant, num(serve.Memory.TotalGiB, lang)))
		}
		res.Picks = append(res.Picks, p)
	}
	for i := range res.Picks {
		finish(&res.Picks[i], req, res, pol)
		p := &res.Picks[i]
		p.RunsWhere = tr(lang, "runs.finetune", fineTuneName(lang, p.FineTune), runsOn(req, res), num(p.MemoryGiB, lang))
	}
	res.Notes = append(res.Notes, notes(res)...)
	return res
}

func fineTuneName(lang string, m FineTuneMethod) string {
	switch m {
	case QLoRA:
		return "QLoRA"
	case LoRA:
		return "LoRA"
	}
	return tr(lang, "ft.full")
}

// runsOn names the learner's hardware briefly ("RTX 4090", "24 GiB").
func runsOn(req Request, res Result) string {
	hw := req.Hardware
	switch {
	case hw.GPUName != "" && hw.GPUCount > 1:
		return strconv.Itoa(hw.GPUCount) + "× " + hw.GPUName
	case hw.GPUName != "":
		return hw.GPUName
	}
	return gb(res.Budget.GPUGiB) + " GiB"
}

// fineTunePenalty lowers the score of a model that is a poor fine-tuning
// choice for the task and the hardware, as the main scorer does for
// running one: a vision variant of a text model or a code specialist for
// another task,
// training that must be split across cards, and a model that can then be
// served only below Q4.
func fineTunePenalty(m *Model, req Request, res Result, need float64) float64 {
	s := 0.0
	if !needs(&req, StrengthVision) && isVisionVariant(m) {
		s -= 4 // the text model of the same size trains and serves text better
	}
	if isCoderModel(m) && !needs(&req, StrengthCode) {
		s -= 4
	}
	if n := res.Budget.Cards(); n > 1 && need > res.Budget.GPUGiB/float64(n)*(1-HeadroomShare/2) {
		s -= 1 // split across cards (FSDP + QLoRA): works, but slower and more to set up
	}
	if serve := BestFitWith(*m, res.Budget, 4096, Options{}); serve.Status == FitNo || serve.Quant == Q3KM || serve.Quant == Q2K {
		s -= 3 // served afterwards only at a lossy 2–3-bit quantization, or not at all
	}
	return s
}
