package practice

import (
	"math"
	"strings"
	"testing"
)

func within(got, want, pct float64) bool { return math.Abs(got-want) <= want*pct/100 }

func TestEstimateLlama3WeightsMatchLlamaCpp(t *testing.T) {
	// llama.cpp tools/quantize (QUANT_OPTIONS): Llama-3-8B file sizes in GiB.
	m := mustModel(t, "llama-3.1-8b")
	tests := []struct {
		q   Quant
		gib float64
	}{
		{Q4KM, 4.58}, {Q5KM, 5.33}, {Q6K, 6.14}, {Q80, 7.96}, {F16, 14.97}, {Q3KM, 3.74}, {Q2K, 2.96},
	}
	for _, tt := range tests {
		t.Run(string(tt.q), func(t *testing.T) {
			got := Estimate(m, tt.q, 0).WeightsGiB
			if !within(got, tt.gib, 5) {
				t.Fatalf("%s weights = %.3f GiB, want %.2f ±5%%", tt.q, got, tt.gib)
			}
		})
	}
}

func TestEstimatePublishedGGUFSizes(t *testing.T) {
	// Q4_K_M file sizes in decimal GB as listed on Hugging Face for the
	// widely used bartowski/<model>-GGUF conversions (and Qwen's own GGUF
	// repos for Qwen2.5); file size = weights, so compare WeightsGiB.
	tests := []struct {
		id string
		gb float64
	}{
		{"qwen2.5-7b", 4.68},     // Qwen2.5-7B-Instruct-Q4_K_M.gguf
		{"qwen2.5-14b", 8.99},    // Qwen2.5-14B-Instruct-Q4_K_M.gguf
		{"qwen2.5-32b", 19.85},   // Qwen2.5-32B-Instruct-Q4_K_M.gguf
		{"llama-3.1-70b", 42.52}, // Meta-Llama-3.1-70B-Instruct-Q4_K_M.gguf
		{"mistral-nemo-12b", 7.48},
		{"mistral-7b-v0.3", 4.37}, // Mistral-7B-Instruct-v0.3-Q4_K_M.gguf
		{"gemma-2-9b", 5.76},      // gemma-2-9b-it-Q4_K_M.gguf
		{"llama-3.1-8b", 4.92},    // Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			m := mustModel(t, tt.id)
			got := Estimate(m, Q4KM, 0).WeightsGiB * (1 << 30) / 1e9
			if !within(got, tt.gb, 5) {
				t.Fatalf("%s Q4_K_M weights = %.2f GB, published %.2f GB (off by %.1f%%)", tt.id, got, tt.gb, 100*(got-tt.gb)/tt.gb)
			}
		})
	}
}

func TestKVCache(t *testing.T) {
	tests := []struct {
		id          string
		ctx         int
		perTokenKiB float64 // 0: not checked
		kvGiB       float64
		approx      bool
	}{
		{"llama-3.1-8b", 8192, 128, 1, false},
		{"llama-3.1-8b", 32768, 128, 4, false},
		{"llama-3.1-8b", 131072, 128, 16, false},
		{"mistral-nemo-12b", 8192, 160, 1.25, false},
		{"qwen2.5-72b", 32768, 320, 10, false},
		// Mistral 7B v0.1: rolling cache capped at the 4K window.
		{"mistral-7b-v0.1", 8192, 128, 0.5, false},
		// Gemma 3: sliding-window layers, ~1/8 of the plain formula.
		{"gemma-3-12b", 131072, 0, 48.0 * 8 * 256 * 2 * 2 * 131072 / 8 / (1 << 30), true},
		// DeepSeek V3 MLA: 61 layers × 576 × 2 bytes ≈ 68.6 KiB per token.
		{"deepseek-v3", 8192, 61 * 576 * 2 / 1024.0, 61 * 576 * 2 * 8192.0 / (1 << 30), true},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			mem := Estimate(mustModel(t, tt.id), Q4KM, tt.ctx)
			if tt.perTokenKiB > 0 && !within(mem.KVBytesPerToken/1024, tt.perTokenKiB, 0.1) {
				t.Errorf("per token = %.1f KiB, want %.1f", mem.KVBytesPerToken/1024, tt.perTokenKiB)
			}
			if !within(mem.KVGiB, tt.kvGiB, 0.5) {
				t.Errorf("KV at %d = %.3f GiB, want %.3f", tt.ctx, mem.KVGiB, tt.kvGiB)
			}
			if mem.Approximate != tt.approx {
				t.Errorf("Approximate = %v, want %v", mem.Approximate, tt.approx)
			}
		})
	}
}

func TestEstimateRules(t *testing.T) {
	llama := mustModel(t, "llama-3.1-8b")
	def := Estimate(llama, Q4KM, 0)
	if def.CtxTokens != DefaultContext {
		t.Errorf("default context = %d", def.CtxTokens)
	}
	want := def.WeightsGiB + def.KVGiB + 0.6 + 0.05*def.WeightsGiB
	if !within(def.TotalGiB, want, 0.01) {
		t.Errorf("total = %.3f, want weights+KV+0.6+5%% = %.3f", def.TotalGiB, want)
	}
	// Context is capped at the model's own.
	phi4 := mustModel(t, "phi-4")
	if got := Estimate(phi4, Q4KM, 1<<20).CtxTokens; got != phi4.Context {
		t.Errorf("ctx not capped: %d", got)
	}
	// MoE keeps every expert resident: weights follow total, not active, params.
	moe := mustModel(t, "qwen3-30b-a3b")
	if got, min := Estimate(moe, Q4KM, 0).WeightsGiB, moe.TotalB*1e9*4.894/8/(1<<30); !within(got, min, 0.1) {
		t.Errorf("MoE weights = %.2f GiB, want all %.1fB params = %.2f", got, moe.TotalB, min)
	}
	// Unknown architecture: a flagged fallback, never zero.
	e2b := mustModel(t, "gemma-3n-e2b")
	mem := Estimate(e2b, Q4KM, 0)
	if !mem.Approximate || mem.KVGiB <= 0 || mem.KVNote == "" {
		t.Errorf("unknown arch estimate = %+v", mem)
	}
}

func TestBestFit(t *testing.T) {
	llama := mustModel(t, "llama-3.1-8b")
	tests := []struct {
		name   string
		m      string
		budget Budget
		status FitStatus
		quant  Quant
		warn   string
	}{
		{"plenty picks Q8_0 not F16", "llama-3.1-8b", Budget{GPUGiB: 80}, FitYes, Q80, ""},
		{"12 GB", "llama-3.1-8b", Budget{GPUGiB: 12}, FitYes, Q80, ""},
		{"8 GB", "llama-3.1-8b", Budget{GPUGiB: 8}, FitYes, Q5KM, ""},
		{"6.5 GB", "llama-3.1-8b", Budget{GPUGiB: 6.5}, FitYes, Q4KM, ""},
		{"5.5 GB Q3 with warning", "llama-3.1-8b", Budget{GPUGiB: 5.6}, FitYes, Q3KM, "Q3_K_M"},
		{"3 GB no", "llama-3.1-8b", Budget{GPUGiB: 3}, FitNo, Q4KM, ""},
		{"70B on 24 GB with RAM offloads", "llama-3.1-70b", Budget{GPUGiB: 24, RAMGiB: 48}, FitOffload, Q4KM, "offload"},
		{"70B on 24 GB without RAM", "llama-3.1-70b", Budget{GPUGiB: 24}, FitNo, Q4KM, ""},
		{"CPU only tops at Q5_K_M", "llama-3.1-8b", Budget{RAMGiB: 24}, FitYes, Q5KM, ""},
	}
	_ = llama
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := BestFitBudget(mustModel(t, tt.m), tt.budget, 0)
			if f.Status != tt.status || f.Quant != tt.quant {
				t.Fatalf("fit = %s %s (%.2f GiB), want %s %s", f.Status, f.Quant, f.Memory.TotalGiB, tt.status, tt.quant)
			}
			if f.Status == FitYes && f.Memory.TotalGiB > tt.budget.GPUGiB+tt.budget.RAMGiB {
				t.Errorf("fits but needs %.2f GiB", f.Memory.TotalGiB)
			}
			if (tt.warn == "") != (f.Warning == "") || !strings.Contains(f.Warning, tt.warn) {
				t.Errorf("warning = %q, want containing %q", f.Warning, tt.warn)
			}
		})
	}
	if f := BestFit(llama, 24, 8192); f.Status != FitYes || f.Quant != Q80 {
		t.Errorf("BestFit(24 GB) = %+v", f)
	}
	for _, bad := range []float64{0, -1, math.Inf(1), math.NaN()} {
		if f := BestFit(llama, bad, 0); f.Status != FitNo {
			t.Errorf("BestFit(%v) = %s", bad, f.Status)
		}
	}
}

func mustModel(t testing.TB, id string) Model {
	t.Helper()
	m, ok := mustCatalog(t).ByID(id)
	if !ok {
		t.Fatalf("model %s not in catalog", id)
	}
	return m
}
