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

// Fallback KV cache when a model's architecture is unknown: 16 KiB per
// token per billion parameters, clamped to 32–320 KiB per token. It matches
// Llama-3.1-8B (128 KiB) and bounds the large GQA models in the notes
// (Qwen2.5-72B: 320 KiB), so it errs high for big models. Flagged approximate.
const (
	fallbackKVPerBillion = 16 << 10
	fallbackKVMin        = 32 << 10
	fallbackKVMax        = 320 << 10
)

// fallbackExtraBits is how many bits per weight more a tensor costs when
// its rows are not a multiple of 256 and llama.cpp stores it in a fallback
// type instead of the K-quant (llama-quant.cpp: Q2_K/Q3_K → IQ4_NL, Q4_K →
// Q5_0, Q5_K → Q5_1, Q6_K → Q8_0). The affected tensors are the FFN down
// projections, which the _M mixes keep at Q6_K in about half the layers
// (use_more_bits), so Q4_K_M averages (8.5−6.5625 + 5.5−4.5)/2 ≈ 1.47 and
// Q5_K_M (8.5−6.5625 + 6.0−5.5)/2 ≈ 1.22. Q8_0 (blocks of 32) and F16
// have no fallback.
func (q Quant) fallbackExtraBits() float64 {
	switch q {
	case Q2K:
		return 4.5 - 3.4375 // FFN down is Q3_K in the Q2_K mix → IQ4_NL
	case Q3KM:
		return 5.5 - 4.5 // FFN down is Q4_K in the Q3_K_M mix → Q5_0
	case Q4KM:
		return 1.47
	case Q5KM:
		return 1.22
	case Q6K:
		return 8.5 - 6.5625
	}
	return 0
}

// The reference model of the whole-file bits per weight: Llama-3.1-8B,
// 8.03B parameters with untied input and output embeddings of 128,256 ×
// 4,096 each (config.json values). Under the K-quants llama.cpp stores the
// input embedding in the mix's base type and the output one at Q6_K.
const (
	refParams      = 8.03e9
	refVocabParams = 128256 * 4096
)

// embeddingBits is the type of the reference model's input embedding
// (the mix's base type) and of an output or tied embedding (Q6_K under
// the K-quants, else the quant itself), in bits per weight.
func (q Quant) embeddingBits() (input, output float64) {
	switch q {
	case Q2K:
		return 2.625, 6.5625
	case Q3KM:
		return 3.4375, 6.5625
	case Q4KM:
		return 4.5, 6.5625
	case Q5KM:
		return 5.5, 6.5625
	case Q6K:
		return 6.5625, 6.5625
	}
	b := q.BitsPerWeight()
	return b, b
}

// weightBits is the size of m's weights at q in bits. An untied model
// takes the whole-file bits per weight measured on Llama-3.1-8B. A model
// with one tied embedding matrix (small models with large vocabularies:
// Gemma, Llama 3.2 1B/3B, Qwen 0.6–4B) keeps that matrix at Q6_K, and the
// rest takes the reference's bits without its two embeddings. Tensors
// whose rows are not a multiple of 256 add their fallback bits.
func weightBits(m *Model, q Quant, bpw float64) float64 {
	params := m.TotalB * 1e9
	bits := params * bpw
	if e := m.TiedEmbeddingB * 1e9; e > 0 && e < params {
		in, out := q.embeddingBits()
		body := (bpw*refParams - (in+out)*refVocabParams) / (refParams - 2*refVocabParams)
		bits = (params-e)*body + e*out
	}
	return bits + params*m.KQuantFallback*q.fallbackExtraBits()
}

// Memory is a memory estimate for running a model with a quantization
// and a context, as llama.cpp/Ollama would (f16 KV cache, all weights resident).
type Memory struct {
	Quant     Quant `json:"quant"`
	CtxTokens int   `json:"ctx_tokens"`
	// WeightsGiB = total params × bits per weight ÷ 8 (MoE: all experts),
	// plus the tensors llama.cpp stores in a larger fallback type.
	WeightsGiB float64 `json:"weights_gib"`
	// KVBytesPerToken is the f16 KV cache per token of context with every
	// layer attending to the whole context; sliding-window layers cap it
	// (KVGiB is the cache actually held at CtxTokens).
	KVBytesPerToken float64 `json:"kv_bytes_per_token"`
	KVGiB           float64 `json:"kv_gib"`
	OverheadGiB     float64 `json:"overhead_gib"`
	// VisionGiB is the vision encoder, counted when the task needs images.
	VisionGiB float64 `json:"vision_gib,omitempty"`
	TotalGiB  float64 `json:"total_gib"`
	// Approximate is set when the KV figure rests on a rough rule (MLA,
	// unknown architecture).
	Approximate bool   `json:"approximate"`
	KVNote      string `json:"kv_note,omitempty"`
}

// Options are the parts of a task that change a model's memory beyond
// quantization and context.
type Options struct {
	// Vision: the task sends images, so the vision encoder is loaded.
	Vision bool
}

// Estimate computes the memory m needs at quant with ctxTokens of context
// (DefaultContext when ctxTokens <= 0; capped at the model's context).
func Estimate(m Model, quant Quant, ctxTokens int) Memory {
	return EstimateWith(m, quant, ctxTokens, Options{})
}

// EstimateWith is Estimate for a task with options: with o.Vision the
// vision encoder of an image model is part of the total.
func EstimateWith(m Model, quant Quant, ctxTokens int, o Options) Memory {
	return estimate(&m, quant, ctxTokens, o)
}

// estimate is EstimateWith without copying the model: the recommender
// sizes every catalog model at several quantizations.
func estimate(m *Model, quant Quant, ctxTokens int, o Options) Memory {
	if ctxTokens <= 0 {
		ctxTokens = DefaultContext
	}
	if m.Context > 0 && ctxTokens > m.Context {
		ctxTokens = m.Context
	}
	bpw := quant.BitsPerWeight()
	if bpw == 0 {
		quant = Q4KM
		bpw = quant.BitsPerWeight()
	}
	mem := Memory{Quant: quant, CtxTokens: ctxTokens}
	mem.WeightsGiB = weightBits(m, quant, bpw) / 8 / gib
	kv := kvCache(m, ctxTokens)
	mem.KVBytesPerToken = kv.FullBytesPerToken
	mem.KVGiB = kv.Bytes / gib
	mem.Approximate = kv.Approximate
	mem.KVNote = kv.Note
	mem.OverheadGiB = overheadFixedGiB + overheadShare*mem.WeightsGiB
	if o.Vision && m.HasModality("image") {
		mem.VisionGiB = m.VisionEncoderGB * 1e9 / gib
	}
	mem.TotalGiB = mem.WeightsGiB + mem.KVGiB + mem.OverheadGiB + mem.VisionGiB
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

// KV is the attention (KV) cache of a model at a context.
type KV struct {
	// Bytes is the f16 cache held at the context.
	Bytes float64
	// FullBytesPerToken is the cache per token with every layer global.
	FullBytesPerToken float64
	// GlobalLayers and LocalLayers split the layers of a sliding-window
	// model; LocalLayers keep at most Window tokens.
	GlobalLayers, LocalLayers, Window int
	// Approximate: the figure rests on a rough rule (MLA, unknown architecture).
	Approximate bool
	Note        string
}

// KVCache is the f16 KV cache m holds at ctxTokens of context, exactly by
// the formula for its architecture and not capped at the model's maximum
// context (callers decide whether the model can take that context):
//   - full attention: 2 × layers × KV heads × head dim × 2 bytes per token;
//   - sliding windows (Gemma 3, Mistral 7B v0.1): global layers hold the
//     whole context, local layers at most the window;
//   - DeepSeek MLA: a 576-wide latent per layer and token;
//   - unknown architecture: a rough rule, flagged.
func KVCache(m Model, ctxTokens int) KV { return kvCache(&m, ctxTokens) }

// Notes on KV figures; constant so that an estimate does not allocate.
const (
	noteMLA          = "MLA compressed cache (~1.1 KB per token per layer); some runtimes use far more"
	noteUnknownArch  = "architecture unknown: rough KV cache rule"
	noteRollingCache = "rolling cache capped at the sliding window"
	noteLocalLayers  = "local sliding-window layers keep only their window; global layers hold the whole context"
)

func kvCache(m *Model, ctxTokens int) KV {
	if ctxTokens < 0 {
		ctxTokens = 0
	}
	ctx := float64(ctxTokens)
	switch {
	case m.KVKind == KVMLA:
		per := float64(m.Layers * mlaBytesPerTokenPerLayer)
		return KV{Bytes: per * ctx, FullBytesPerToken: per, GlobalLayers: m.Layers, Approximate: true, Note: noteMLA}
	case KVBytesPerToken(*m) == 0:
		per := math.Min(math.Max(fallbackKVPerBillion*m.TotalB, fallbackKVMin), fallbackKVMax)
		return KV{Bytes: per * ctx, FullBytesPerToken: per, Approximate: true, Note: noteUnknownArch}
	}
	full := KVBytesPerToken(*m)
	if m.SlidingWindow <= 0 {
		return KV{Bytes: full * ctx, FullBytesPerToken: full, GlobalLayers: m.Layers}
	}
	global := 0
	if m.GlobalEvery > 0 {
		global = m.Layers / m.GlobalEvery
	}
	local := m.Layers - global
	perLayer := full / float64(m.Layers)
	kv := KV{FullBytesPerToken: full, GlobalLayers: global, LocalLayers: local, Window: m.SlidingWindow}
	kv.Bytes = perLayer * (float64(global)*ctx + float64(local)*math.Min(ctx, float64(m.SlidingWindow)))
	if ctxTokens > m.SlidingWindow {
		kv.Note = noteLocalLayers
		if global == 0 {
			kv.Note = noteRollingCache
		}
	}
	return kv
}

// KVGiBAt is the KV cache of m at ctxTokens in GiB (see KVCache): the
// memory a stated context (128K, 150K) needs beyond the weights.
func KVGiBAt(m Model, ctxTokens int) float64 { return KVCache(m, ctxTokens).Bytes / gib }

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
	// GPUGiB is usable accelerator memory, the total across all cards (for
	// Apple: the Metal working-set limit, see MetalBudgetGiB).
	GPUGiB float64
	// RAMGiB is system RAM usable for CPU inference or offload.
	RAMGiB float64
	// GPUCount is how many equal cards GPUGiB is spread over; 0 means one.
	GPUCount int
}

// Fit is the outcome of BestFit.
type Fit struct {
	Status FitStatus `json:"status"`
	Quant  Quant     `json:"quant"`
	Memory Memory    `json:"memory"`
	// FreeShare is the share of the budget left free (0.12 = 12%), for
	// FitYes; below HeadroomShare it comes with a warning.
	FreeShare float64 `json:"free_share,omitempty"`
	// Warning explains a quality, speed or headroom cost (low-bit quant,
	// offload, little room left).
	Warning string `json:"warning,omitempty"`
}

// BestFit chooses the best quantization of m that fits budgetGiB of GPU
// memory with ctx tokens of context, best quality first (Q8_0 … Q4_K_M,
// then Q3_K_M and Q2_K with a warning), preferring one that leaves
// HeadroomShare of the memory free. Without a fit it reports FitNo with
// the Q4_K_M figure.
func BestFit(m Model, budgetGiB float64, ctx int) Fit {
	return BestFitBudget(m, Budget{GPUGiB: budgetGiB}, ctx)
}

// BestFitBudget is BestFit with system RAM and several cards: when nothing
// fits the GPUs, it checks whether the model fits GPU + RAM with CPU
// offload (slow), at Q4_K_M or lower. With no GPU (GPUGiB 0) the RAM
// itself is the budget, a fit means CPU inference, and Q5_K_M is the
// highest quantization tried.
func BestFitBudget(m Model, b Budget, ctx int) Fit {
	return BestFitWith(m, b, ctx, Options{})
}

// BestFitWith is BestFitBudget for a task with options (a vision task
// loads the vision encoder too).
func BestFitWith(m Model, b Budget, ctx int, o Options) Fit { return bestFit(&m, b, ctx, o) }

// bestFit is BestFitWith without copying the model.
func bestFit(m *Model, b Budget, ctx int, o Options) Fit {
	if !(b.GPUGiB > 0) && b.RAMGiB > 0 {
		return fitLadder(m, Budget{GPUGiB: b.RAMGiB}, ctx, o, cpuLadder)
	}
	f := fitLadder(m, b, ctx, o, Ladder)
	if f.Status == FitYes || !(b.RAMGiB > 0) {
		return f
	}
	for _, q := range []Quant{Q4KM, Q3KM} {
		mem := estimate(m, q, ctx, o)
		if mem.TotalGiB <= usableGPUGiB(m, mem, b)+b.RAMGiB {
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

// fitLadder walks the ladder twice: first for the best quantization down
// to Q4_K_M that leaves HeadroomShare of the budget free, then for the best
// that fits at all, warning when little room is left. Headroom never buys a
// drop to Q3_K_M or Q2_K: their quality loss costs more than a tight fit.
func fitLadder(m *Model, b Budget, ctx int, o Options, ladder []Quant) Fit {
	if !(b.GPUGiB > 0) || math.IsInf(b.GPUGiB, 0) {
		return Fit{Status: FitNo, Quant: Q4KM, Memory: estimate(m, Q4KM, ctx, o)}
	}
	var seen [8]Memory // estimates of the first pass, reused by the second
	for pass := 0; pass < 2; pass++ {
		for i, q := range ladder {
			if pass == 0 && lastResort(q) {
				break
			}
			var mem Memory
			if i < len(seen) && seen[i].Quant != "" {
				mem = seen[i]
			} else {
				mem = estimate(m, q, ctx, o)
				if i < len(seen) {
					seen[i] = mem
				}
			}
			if mem.TotalGiB > usableGPUGiB(m, mem, b) {
				continue
			}
			free := 1 - mem.TotalGiB/b.GPUGiB
			if pass == 0 && free < HeadroomShare {
				continue
			}
			f := Fit{Status: FitYes, Quant: q, Memory: mem, FreeShare: free, Warning: quantWarning(q)}
			if free < HeadroomShare {
				w := fmt.Sprintf("fills %.0f%% of the memory: little room left for a longer context or a second request", 100*(1-free))
				if f.Warning != "" {
					w = f.Warning + "; " + w
				}
				f.Warning = w
			}
			return f
		}
	}
	return Fit{Status: FitNo, Quant: Q4KM, Memory: estimate(m, Q4KM, ctx, o)}
}

// lastResort reports whether q loses enough quality to be offered only
// when nothing better fits.
func lastResort(q Quant) bool { return q == Q3KM || q == Q2K }

func quantWarning(q Quant) string {
	switch q {
	case Q3KM:
		return "Q3_K_M loses noticeable quality (+10.5% perplexity on Llama-3-8B); a smaller model at Q4_K_M may do better"
	case Q2K:
		return "Q2_K loses a lot of quality (+56% perplexity on Llama-3-8B); prefer a smaller model"
	}
	return ""
}
