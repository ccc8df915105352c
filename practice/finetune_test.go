package practice

import (
	"math"
	"testing"
)

func TestFineTuneAnchors(t *testing.T) {
	// Unsloth's QLoRA minimums (facts): 8B ≈ 6 GB, 14B ≈ 8.5 GB, 27B ≈ 22 GB.
	tests := []struct {
		paramsB float64
		method  FineTuneMethod
		gb      float64
	}{
		{8, QLoRA, 6},
		{14, QLoRA, 8.5},
		{27, QLoRA, 22},
		{8, LoRA, 22},
		{70, LoRA, 164},
		{11, QLoRA, 7.5},
		{20.5, QLoRA, 8.5 + (22-8.5)*6.5/13}, // interpolated
		{810, QLoRA, 237 * 2},                // beyond the table: proportional
	}
	for _, tt := range tests {
		m := Model{ID: "x", TotalB: tt.paramsB, ActiveB: tt.paramsB, Layers: 40}
		e := FineTuneMemory(m, tt.method, 0)
		if got := e.TotalGiB * gib / 1e9; math.Abs(got-tt.gb) > 1e-9 {
			t.Errorf("%vB %s = %.3f GB, want %.3f", tt.paramsB, tt.method, got, tt.gb)
		}
		if e.SeqLen != 2048 || e.ActivationsGiB != 0 {
			t.Errorf("%vB default sequence: %+v", tt.paramsB, e)
		}
	}
	// Catalog models: Llama 3.1 8B (8.03B) is about 6 GB with QLoRA.
	e := FineTuneMemory(mustModel(t, "llama-3.1-8b"), QLoRA, 2048)
	if gb := e.TotalGiB * gib / 1e9; gb < 5.9 || gb > 6.2 {
		t.Errorf("llama-3.1-8b QLoRA = %.2f GB", gb)
	}
	// Full fine-tuning: 16 bytes per parameter, 8B → 128 GB before activations.
	full := FineTuneMemory(Model{TotalB: 8, ActiveB: 8}, FullFineTune, 0)
	if got := full.TotalGiB * gib / 1e9; got != 128 {
		t.Errorf("full 8B = %v GB", got)
	}
	// Unknown method: sized as QLoRA.
	if e := FineTuneMemory(Model{TotalB: 8, ActiveB: 8}, "magic", 0); e.Method != QLoRA {
		t.Errorf("unknown method = %s", e.Method)
	}
}

func TestFineTuneLongSequences(t *testing.T) {
	m := mustModel(t, "llama-3.1-8b")
	short := FineTuneMemory(m, QLoRA, 2048)
	long := FineTuneMemory(m, QLoRA, 8192)
	if !(long.ActivationsGiB > 0.5 && long.ActivationsGiB < 4) || !long.Approximate {
		t.Errorf("8K sequences add %.2f GiB (approx %v)", long.ActivationsGiB, long.Approximate)
	}
	if math.Abs(long.TotalGiB-(short.TotalGiB+long.ActivationsGiB)) > 1e-9 {
		t.Errorf("total %.3f != base %.3f + activations %.3f", long.TotalGiB, short.TotalGiB, long.ActivationsGiB)
	}
}

func TestBestFineTune(t *testing.T) {
	m := mustModel(t, "llama-3.1-8b")
	tests := []struct {
		budget float64
		method FineTuneMethod
		ok     bool
	}{
		{80, LoRA, true},
		{24, LoRA, true}, // 22 GB = 20.5 GiB
		{16, QLoRA, true},
		{8, QLoRA, true},
		{4, QLoRA, false},
		{0, QLoRA, false},
		{math.NaN(), QLoRA, false},
		{math.Inf(1), QLoRA, false},
	}
	for _, tt := range tests {
		e, ok := BestFineTune(m, tt.budget, 2048)
		if ok != tt.ok || e.Method != tt.method {
			t.Errorf("BestFineTune(8B, %v GiB) = %s %v, want %s %v", tt.budget, e.Method, ok, tt.method, tt.ok)
		}
		if ok && e.TotalGiB > tt.budget {
			t.Errorf("fits %v GiB but needs %.2f", tt.budget, e.TotalGiB)
		}
	}
	// "A 24 GB card fine-tunes up to about 30B with QLoRA."
	if got := LargestFineTunable(QLoRA, 24); got < 27 || got > 33 {
		t.Errorf("largest QLoRA on 24 GiB = %vB, want about 30B", got)
	}
	if got := LargestFineTunable(QLoRA, 0); got != 0 {
		t.Errorf("largest on 0 GiB = %v", got)
	}
}

// TestFineTuneOnTwoCardsPicksWhatTrainsAndServesWell: fine-tuning a text
// task on two 24 GB cards. No pick is a vision variant of a text model,
// and every pick is then served at Q4 or better, not squeezed to 2–3
// bits. (A 70B trained with FSDP + QLoRA across both cards is a known
// recipe, so it may be picked.)
func TestFineTuneOnTwoCardsPicksWhatTrainsAndServesWell(t *testing.T) {
	cat, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{
		"Task: fine-tune a model on 50k of our support dialogs with QLoRA, then serve it for our SaaS product\nWhere I run it: our servers\nGPU memory: 2x RTX 3090\nConstraints: commercial",
		"Задача: дообучить модель на 50 тыс. диалогов поддержки (QLoRA) и отвечать клиентам\nГде запускаю: на своих серверах\nДоступная память GPU: 2 x RTX 3090\nОграничения: коммерческое использование",
	} {
		res := Recommend(cat, ParseTemplate(text))
		if len(res.Picks) == 0 {
			t.Fatalf("no picks for %q", text)
		}
		for _, p := range res.Picks {
			if isVisionVariant(&p.Model) {
				t.Errorf("%s is a vision variant for a text task", p.Model.ID)
			}
			if p.Quant == Q3KM || p.Quant == Q2K || p.Quant == "" {
				t.Errorf("%s is served afterwards at %q", p.Model.ID, p.Quant)
			}
		}
	}
}
