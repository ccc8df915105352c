package practice

import (
	"math"
	"strings"
	"testing"
)

func TestMetalBudget(t *testing.T) {
	tests := []struct {
		ram, want float64
	}{
		{8, 8 * 2.0 / 3},
		{16, 16 * 2.0 / 3},
		{32, 21.333333333333332}, // 21.3 GiB on a 32 GB Mac (facts)
		{36, 24},
		{48, 36},
		{64, 48},
		{128, 96}, // about 96 GB on a 128 GB Mac (facts)
		{0, 0},
		{-8, 0},
		{math.NaN(), 0},
		{math.Inf(1), 0},
	}
	for _, tt := range tests {
		if got := MetalBudgetGiB(tt.ram); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("MetalBudgetGiB(%v) = %v, want %v", tt.ram, got, tt.want)
		}
	}
	if got := MetalRaiseCommand(28); got != "sudo sysctl iogpu.wired_limit_mb=28672" {
		t.Errorf("MetalRaiseCommand(28) = %q", got)
	}
	// A 32 GB Mac does not take a 70B model at Q4_K_M, and takes a 14B at Q8_0 only tightly.
	mac := MetalBudget(32)
	if f := BestFitBudget(mustModel(t, "llama-3.1-70b"), mac, 8192); f.Status != FitNo {
		t.Errorf("70B on a 32 GB Mac: %s %s", f.Status, f.Quant)
	}
	if f := BestFitBudget(mustModel(t, "qwen2.5-14b"), mac, 8192); f.Status != FitYes || f.Memory.TotalGiB > mac.GPUGiB {
		t.Errorf("14B on a 32 GB Mac: %+v", f)
	}
}

func TestCPUAndPhoneBudgets(t *testing.T) {
	if got := CPUBudgetGiB(64); got != 48 {
		t.Errorf("CPUBudgetGiB(64) = %v", got)
	}
	for _, bad := range []float64{0, -1, math.NaN(), math.Inf(1)} {
		if CPUBudgetGiB(bad) != 0 || PhoneBudgetGiB(bad) != 0 {
			t.Errorf("budget of %v RAM is not 0", bad)
		}
	}
	if CPUTooSlow(mustModel(t, "llama-3.1-8b")) {
		t.Error("8B dense is fine on a CPU")
	}
	if !CPUTooSlow(mustModel(t, "qwen2.5-14b")) {
		t.Error("14B dense is too slow on a CPU")
	}
	if CPUTooSlow(mustModel(t, "qwen3-30b-a3b")) {
		t.Error("3.3B active MoE is fine on a CPU")
	}
	if got := PhoneBudgetGiB(6); got != 3 {
		t.Errorf("PhoneBudgetGiB(6) = %v", got)
	}
	for id, want := range map[string]bool{
		"llama-3.2-1b": true, "llama-3.2-3b": true, "qwen3-4b": true, "phi-4-mini": true,
		"gemma-3n-e4b": true, "gemma-3n-e2b": true, "llama-3.1-8b": false, "qwen3-8b": false,
	} {
		if got := PhoneSized(mustModel(t, id)); got != want {
			t.Errorf("PhoneSized(%s) = %v, want %v", id, got, want)
		}
	}
	// A 3B model fits a 6 GB phone at some quantization; an 8B does not leave room.
	phone := Budget{GPUGiB: PhoneBudgetGiB(6)}
	if f := BestFitBudget(mustModel(t, "llama-3.2-3b"), phone, 4096); f.Status != FitYes {
		t.Errorf("3B on a 6 GB phone: %+v", f)
	}
}

func TestMultiGPU(t *testing.T) {
	two := MultiGPU(2, 80)
	if two.GPUGiB != 160 || two.Cards() != 2 {
		t.Fatalf("MultiGPU(2, 80) = %+v", two)
	}
	if (Budget{GPUGiB: 24}).Cards() != 1 || MultiGPU(0, 24).Cards() != 1 {
		t.Error("a budget without a count is one card")
	}
	m := mustModel(t, "llama-3.1-70b")
	mem := Estimate(m, Q4KM, 8192)
	one := usableGPUGiB(&m, mem, Budget{GPUGiB: 48})
	split := usableGPUGiB(&m, mem, MultiGPU(2, 24))
	perLayer := (mem.WeightsGiB + mem.KVGiB) / float64(m.Layers)
	if want := 48 - PerCardOverheadGiB - perLayer; math.Abs(split-want) > 1e-9 || one != 48 {
		t.Errorf("usable on 2×24 = %.3f (one card of 48: %.3f), want %.3f", split, one, want)
	}
	// 2 × A100 80GB take Llama 3.1 70B at Q8_0 with room to spare; one
	// 80 GB card does not leave 10% free at Q8_0 and steps down.
	if f := BestFitBudget(m, MultiGPU(2, 80), 8192); f.Status != FitYes || f.Quant != Q80 || f.FreeShare < HeadroomShare {
		t.Errorf("70B on 2×80: %s %s free %.2f", f.Status, f.Quant, f.FreeShare)
	}
	if f := BestFitBudget(m, Budget{GPUGiB: 80}, 8192); f.Quant == Q80 {
		t.Errorf("70B on one 80 GB card filled to %.0f%% at Q8_0", 100*(1-f.FreeShare))
	}
	// Two 3090s (2 × 24) hold a 70B at Q4_K_M only without the per-card
	// cost counted as free; the split cost shows up in the fit.
	f2 := BestFitBudget(m, MultiGPU(2, 24), 8192)
	f1 := BestFitBudget(m, Budget{GPUGiB: 48}, 8192)
	if f2.Status == FitYes && f1.Status == FitYes && f2.Quant == f1.Quant && f2.FreeShare != f1.FreeShare {
		t.Errorf("free share should be of the total: %v vs %v", f2.FreeShare, f1.FreeShare)
	}
}

func TestHeadroomLadder(t *testing.T) {
	m := mustModel(t, "llama-3.1-70b")
	// An 80 GB card: Q8_0 needs about 75 GiB (fills ~94%), so the ladder
	// steps down to the best quantization that leaves 10% free.
	f := BestFit(m, 80, 8192)
	if f.Status != FitYes || f.FreeShare < HeadroomShare || f.Quant == Q80 || f.Warning != "" {
		t.Fatalf("70B on 80 GiB: %s %s free %.2f %q", f.Status, f.Quant, f.FreeShare, f.Warning)
	}
	if want := 1 - f.Memory.TotalGiB/80; math.Abs(f.FreeShare-want) > 1e-9 {
		t.Errorf("FreeShare = %v, want %v", f.FreeShare, want)
	}
	// When nothing leaves 10%, the best that fits comes with a warning.
	need := Estimate(m, Q4KM, 8192).TotalGiB
	f = BestFit(m, need+0.5, 8192)
	if f.Status != FitYes || f.Quant != Q4KM || !strings.Contains(f.Warning, "little room") {
		t.Errorf("tight fit: %s %s %q", f.Status, f.Quant, f.Warning)
	}
}
