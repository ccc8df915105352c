package practice

import (
	"fmt"
	"math"
)

// Quant is a GGUF quantization type.
type Quant string

// The quantizations the estimator knows, from llama.cpp.
const (
	Q2K  Quant = "Q2_K"
	Q3KM Quant = "Q3_K_M"
	Q4KM Quant = "Q4_K_M"
	Q5KM Quant = "Q5_K_M"
	Q6K  Quant = "Q6_K"
	Q80  Quant = "Q8_0"
	F16  Quant = "F16"
)

// BitsPerWeight is the whole-file bits per weight of q, measured by
// llama.cpp on Llama-3.1-8B (tools/quantize/README.md); Q3_K_M is derived
// from the Llama-3-8B size table. The K-quant "_M" mixes keep some tensors
// at higher precision, so these are above the block figures. 0 if unknown.
func (q Quant) BitsPerWeight() float64 {
	switch q {
	case Q2K:
		return 3.159
	case Q3KM:
		return 4.00
	case Q4KM:
		return 4.894
	case Q5KM:
		return 5.704
	case Q6K:
		return 6.563
	case Q80:
		return 8.501
	case F16:
		return 16.0
	}
	return 0
}

// PerplexityLoss is llama.cpp's measured perplexity increase over F16 on
// Llama-3-8B (tools/perplexity README scoreboard), as a fraction.
func (q Quant) PerplexityLoss() float64 {
	switch q {
	case Q2K:
		return 0.56
	case Q3KM:
		return 0.105
	case Q4KM:
		return 0.028
	case Q5KM:
		return 0.009
	case Q6K:
		return 0.0035
	case Q80:
		return 0.0004
	}
	return 0
}

// Ladder is the order BestFit tries quantizations in: best quality first.
// F16 is never proposed (Q8_0 is within 0.04% perplexity at half the size);
// Q3_K_M and Q2_K are last resorts with a quality warning.
var Ladder = []Quant{Q80, Q6K, Q5KM, Q4KM, Q3KM, Q2K}

// DefaultContext is the context the estimate reserves KV cache for.
const DefaultContext = 8192

const gib = 1 << 30

// Runtime overhead rule: 0.6 GiB plus 5% of the weights. It combines two
// rules of thumb collected in the project's research notes: "weights + 8K
// KV + about 600 MB runtime" (the Ollama/llama.cpp baseline given by
// bestllmfor.com) and "activations at 5–10% of the weights" (tianpan.co).
const (
	overheadFixedGiB = 0.6
	overheadShare    = 0.05
)

// mlaBytesPerTokenPerLayer is DeepSeek MLA's cache per token and layer: a
// compressed latent of kv_lora_rank 512 plus the 64-wide RoPE key, at f16
// (2 bytes): 576 × 2 = 1152 bytes (DeepSeek-V2/V3 config values). Builds
// that expand the latent (older llama.cpp, n_embd_k_gqa 24576, PR #11397)
// need far more, so the figure is flagged approximate.
const mlaBytesPerTokenPerLayer = 576 * 2

// slidingWindowMistral is Mistral 7B v0.1's rolling cache window.
const slidingWindowMistral = 4096

// gemmaSlidingFactor: with Gemma 3's sliding-window layers the plain
// formula overestimates the cache by about 8× (unsloth PR #4757).
const gemmaSlidingFactor = 8

// Fallback KV cache when a model's architecture is unknown: 16 KiB per
// token per billion parameters, clamped to 32–320 KiB per token. It matches
// Llama-3.1-8B (128 KiB) and bounds the large GQA models in the notes
// (Qwen2.5-72B: 320 KiB), so it errs high for big models. Flagged approximate.
const (
	fallbackKVPerBillion = 16 << 10
	fallbackKVMin        = 32 << 10
	fallbackKVMax        = 320 << 10
)

// Memory is a memory estimate for running a model with a quantization
// and a context, as llama.cpp/Ollama would (f16 KV cache, all weights resident).
type Memory struct {
	Quant     Quant `json:"quant"`
	CtxTokens int   `json:"ctx_tokens"`
	// WeightsGiB = total params × bits per weight ÷ 8 (MoE: all experts).
	WeightsGiB float64 `json:"weights_gib"`
	// KVBytesPerToken is the f16 KV cache per token of context.
	KVBytesPerToken float64 `json:"kv_bytes_per_token"`
	KVGiB           float64 `json:"kv_gib"`
	OverheadGiB     float64 `json:"overhead_gib"`
	TotalGiB        float64 `json:"total_gib"`
	// Approximate is set when the KV figure rests on a rough rule (MLA,
	// sliding windows, unknown architecture).
	Approximate bool   `json:"approximate"`
	KVNote      string `json:"kv_note,omitempty"`
}

// Estimate computes the memory m needs at quant with ctxTokens of context
// (DefaultContext when ctxTokens <= 0; capped at the model's context).
func Estimate(m Model, quant Quant, ctxTokens int) Memory {
	if ctxTokens <= 0 {
		ctxTokens = DefaultContext
	}
	if m.Context > 0 && ctxTokens > m.Context {
		ctxTokens = m.Context
	}
	bpw := quant.BitsPerWeight()
	if bpw == 0 {
		bpw = Q4KM.BitsPerWeight()
		quant = Q4KM
	}
	mem := Memory{Quant: quant, CtxTokens: ctxTokens}
	mem.WeightsGiB = m.TotalB * 1e9 * bpw / 8 / gib

	perToken, approx, note := kvPerToken(m, ctxTokens)
	mem.KVBytesPerToken = perToken
	mem.Approximate = approx
	mem.KVNote = note
	effCtx := ctxTokens
	if m.KVKind == KVSliding && m.Family != "Gemma" && effCtx > slidingWindowMistral {
		effCtx = slidingWindowMistral
	}
	mem.KVGiB = perToken * float64(effCtx) / gib
	mem.OverheadGiB = overheadFixedGiB + overheadShare*mem.WeightsGiB
	mem.TotalGiB = mem.WeightsGiB + mem.KVGiB + mem.OverheadGiB
	return mem
}

// KVBytesPerToken is the plain f16 formula 2 (K and V) × layers × KV heads
// × head dim × 2 bytes, or 0 when the architecture is unknown.
func KVBytesPerToken(m Model) float64 {
	if m.Layers == 0 || m.KVHeads == 0 || m.HeadDim == 0 {
		return 0
	}
	return 2 * float64(m.Layers) * float64(m.KVHeads) * float64(m.HeadDim) * 2
}

func kvPerToken(m Model, ctx int) (perToken float64, approx bool, note string) {
	switch {
	case m.KVKind == KVMLA:
		return float64(m.Layers * mlaBytesPerTokenPerLayer), true,
			"MLA compressed cache (~1.1 KB per token per layer); some runtimes use far more"
	case KVBytesPerToken(m) == 0:
		per := math.Min(math.Max(fallbackKVPerBillion*m.TotalB, fallbackKVMin), fallbackKVMax)
		return per, true, "architecture unknown: rough KV cache rule"
	case m.KVKind == KVSliding && m.Family == "Gemma":
		return KVBytesPerToken(m) / gemmaSlidingFactor, true,
			"sliding-window layers: about 1/8 of the plain formula"
	case m.KVKind == KVSliding:
		if ctx > slidingWindowMistral {
			return KVBytesPerToken(m), false, fmt.Sprintf("rolling cache capped at the %d-token window", slidingWindowMistral)
		}
		return KVBytesPerToken(m), false, ""
	}
	return KVBytesPerToken(m), false, ""
}

// FitStatus says whether and how a model fits the memory available.
type FitStatus string

// The fit outcomes.
const (
	// FitYes: fits in the memory given (GPU, Apple unified memory, or RAM for CPU-only).
	FitYes FitStatus = "yes"
	// FitOffload: fits only when part of it runs from system RAM on the CPU (slow).
	FitOffload FitStatus = "offload"
	// FitNo: does not fit at any quantization.
	FitNo FitStatus = "no"
	// FitAPI: served by a provider; local memory does not apply.
	FitAPI FitStatus = "api"
)

// Budget is the memory a learner has.
type Budget struct {
	// GPUGiB is usable accelerator memory (for Apple: the usable share of unified memory).
	GPUGiB float64
	// RAMGiB is system RAM usable for CPU inference or offload.
	RAMGiB float64
}

// Fit is the outcome of BestFit.
type Fit struct {
	Status FitStatus `json:"status"`
	Quant  Quant     `json:"quant"`
	Memory Memory    `json:"memory"`
	// Warning explains a quality or speed cost (low-bit quant, offload).
	Warning string `json:"warning,omitempty"`
}

// BestFit chooses the best quantization of m that fits budgetGiB of GPU
// memory with ctx tokens of context, best quality first (Q8_0 … Q4_K_M,
// then Q3_K_M and Q2_K with a warning). Without a fit it reports FitNo with
// the Q4_K_M figure.
func BestFit(m Model, budgetGiB float64, ctx int) Fit {
	return BestFitBudget(m, Budget{GPUGiB: budgetGiB}, ctx)
}

// BestFitBudget is BestFit with system RAM as well: when nothing fits the
// GPU, it checks whether the model fits GPU + RAM with CPU offload (slow),
// at Q4_K_M or lower. With no GPU (GPUGiB 0) the RAM itself is the budget,
// a fit means CPU inference, and Q5_K_M is the highest quantization tried.
func BestFitBudget(m Model, b Budget, ctx int) Fit {
	if !(b.GPUGiB > 0) && b.RAMGiB > 0 {
		return fitLadder(m, b.RAMGiB, ctx, FitYes, cpuLadder)
	}
	f := fitIn(m, b.GPUGiB, ctx, FitYes)
	if f.Status == FitYes || !(b.RAMGiB > 0) {
		return f
	}
	for _, q := range []Quant{Q4KM, Q3KM} {
		mem := Estimate(m, q, ctx)
		if mem.TotalGiB <= b.GPUGiB+b.RAMGiB {
			w := fmt.Sprintf("only fits with CPU offload (%.1f GiB on the GPU, the rest in RAM): expect a crawl", b.GPUGiB)
			if q == Q3KM {
				w += "; " + quantWarning(q)
			}
			return Fit{Status: FitOffload, Quant: q, Memory: mem, Warning: w}
		}
	}
	return f
}

// cpuLadder caps CPU inference at Q5_K_M: on a CPU every token reads all
// active weights from RAM, so fewer bits are faster and the loss is small.
var cpuLadder = []Quant{Q5KM, Q4KM, Q3KM, Q2K}

func fitIn(m Model, budget float64, ctx int, ok FitStatus) Fit {
	return fitLadder(m, budget, ctx, ok, Ladder)
}

func fitLadder(m Model, budget float64, ctx int, ok FitStatus, ladder []Quant) Fit {
	if budget > 0 && !math.IsInf(budget, 0) {
		for _, q := range ladder {
			mem := Estimate(m, q, ctx)
			if mem.TotalGiB <= budget {
				return Fit{Status: ok, Quant: q, Memory: mem, Warning: quantWarning(q)}
			}
		}
	}
	return Fit{Status: FitNo, Quant: Q4KM, Memory: Estimate(m, Q4KM, ctx)}
}

func quantWarning(q Quant) string {
	switch q {
	case Q3KM:
		return "Q3_K_M loses noticeable quality (+10.5% perplexity on Llama-3-8B); a smaller model at Q4_K_M may do better"
	case Q2K:
		return "Q2_K loses a lot of quality (+56% perplexity on Llama-3-8B); prefer a smaller model"
	}
	return ""
}
