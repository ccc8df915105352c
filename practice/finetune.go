package practice

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"fmt"
	"math"
	"strconv"
	"sync"
)

// FineTuneMethod is a way of fine-tuning a model.
type FineTuneMethod string

// The fine-tuning methods the tutor sizes.
const (
	// QLoRA trains LoRA adapters on a base model loaded in 4 bits.
	QLoRA FineTuneMethod = "qlora"
	// LoRA trains adapters on a base model in 16 bits.
	LoRA FineTuneMethod = "lora"
	// FullFineTune updates every weight.
	FullFineTune FineTuneMethod = "full"
)

// finetuneCSV is Unsloth's table of minimum VRAM by model size for QLoRA
// (4-bit) and LoRA (16-bit), in GB as published ("the absolute minimum";
// batch size 1–3). Source: unsloth.ai/docs/get-started/fine-tuning-for-beginners/unsloth-requirements.
//
//go:embed finetune.csv
var finetuneCSV []byte

type finetuneAnchor struct{ paramsB, qloraGB, loraGB float64 }

var finetuneAnchors = sync.OnceValues(func() ([]finetuneAnchor, error) {
	rows, err := csv.NewReader(bytes.NewReader(finetuneCSV)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("read finetune.csv: %w", err)
	}
	var out []finetuneAnchor
	for i, r := range rows[1:] {
		var v [3]float64
		for j := range v {
			if v[j], err = strconv.ParseFloat(r[j], 64); err != nil || !(v[j] > 0) {
				return nil, fmt.Errorf("finetune.csv line %d: %q is not a positive number", i+2, r[j])
			}
		}
		if len(out) > 0 && v[0] <= out[len(out)-1].paramsB {
			return nil, fmt.Errorf("finetune.csv line %d: sizes must grow", i+2)
		}
		out = append(out, finetuneAnchor{v[0], v[1], v[2]})
	}
	if len(out) < 2 {
		return nil, fmt.Errorf("finetune.csv has %d rows", len(out))
	}
	return out, nil
})

const (
	// fullBytesPerParam: full fine-tuning with Adam in mixed precision holds
	// 16-bit weights (2) and gradients (2), fp32 master weights (4) and two
	// fp32 Adam moments (8): 16 bytes per parameter before activations.
	fullBytesPerParam = 16
	// anchorSeqLen is the sequence length the Unsloth minimums are read at:
	// the table gives none, so longer sequences add their activations on
	// top, an approximation.
	anchorSeqLen = 2048
)

// FineTuneEstimate is the GPU memory a fine-tuning run needs.
type FineTuneEstimate struct {
	Method FineTuneMethod `json:"method"`
	SeqLen int            `json:"seq_len"`
	// BaseGiB is the memory before activations of long sequences: Unsloth's
	// minimum (QLoRA, LoRA) or 16 bytes per parameter (full).
	BaseGiB float64 `json:"base_gib"`
	// ActivationsGiB is the extra for sequences beyond 2,048 tokens, with
	// gradient checkpointing (one 16-bit hidden state per layer and token).
	ActivationsGiB float64 `json:"activations_gib"`
	TotalGiB       float64 `json:"total_gib"`
	// Approximate: interpolated between Unsloth's sizes, extrapolated beyond
	// them, or with estimated activations.
	Approximate bool   `json:"approximate"`
	Note        string `json:"note,omitempty"`
}

// FineTuneMemory is the GPU memory fine-tuning m with method needs at
// seqLen tokens per example (2,048 when seqLen <= 0). QLoRA and LoRA are
// read from Unsloth's minimums by total parameters (all experts of a MoE
// are loaded), interpolated in between; full fine-tuning is 16 bytes per
// parameter. Activations of sequences longer than 2,048 tokens are added.
// An unknown method is sized as QLoRA, the smallest.
func FineTuneMemory(m Model, method FineTuneMethod, seqLen int) FineTuneEstimate {
	if seqLen <= 0 {
		seqLen = anchorSeqLen
	}
	e := FineTuneEstimate{Method: method, SeqLen: seqLen}
	switch method {
	case FullFineTune:
		e.BaseGiB = m.TotalB * 1e9 * fullBytesPerParam / gib
		e.Note = "weights, gradients and Adam states: 16 bytes per parameter"
	case LoRA:
		gb, exact := interpolateAnchors(m.TotalB, func(a finetuneAnchor) float64 { return a.loraGB })
		e.BaseGiB, e.Approximate = gb*1e9/gib, !exact
		e.Note = "LoRA on 16-bit weights (Unsloth minimum)"
	default:
		e.Method = QLoRA
		gb, exact := interpolateAnchors(m.TotalB, func(a finetuneAnchor) float64 { return a.qloraGB })
		e.BaseGiB, e.Approximate = gb*1e9/gib, !exact
		e.Note = "QLoRA on 4-bit weights (Unsloth minimum)"
	}
	if seqLen > anchorSeqLen && m.Layers > 0 {
		e.ActivationsGiB = float64(m.Layers) * hiddenSizeEstimate(m) * float64(seqLen-anchorSeqLen) * 2 / gib
		e.Approximate = true
	}
	e.TotalGiB = e.BaseGiB + e.ActivationsGiB
	return e
}

// hiddenSizeEstimate derives the hidden size from parameters and layers
// (a dense transformer has about 12 × layers × hidden² weights); the
// catalog does not hold the hidden size. For MoE models it uses the active
// parameters, which are closer to one expert path.
func hiddenSizeEstimate(m Model) float64 {
	return math.Sqrt(m.ActiveB * 1e9 / (12 * float64(m.Layers)))
}

// interpolateAnchors reads a figure for paramsB from the anchor table:
// exact on a listed size, linear in between, and proportional to size
// beyond either end.
func interpolateAnchors(paramsB float64, col func(finetuneAnchor) float64) (gb float64, exact bool) {
	as, err := finetuneAnchors()
	if err != nil || !(paramsB > 0) {
		return 0, false
	}
	if paramsB <= as[0].paramsB {
		return col(as[0]) * paramsB / as[0].paramsB, paramsB == as[0].paramsB
	}
	for i := 1; i < len(as); i++ {
		lo, hi := as[i-1], as[i]
		if paramsB <= hi.paramsB {
			f := (paramsB - lo.paramsB) / (hi.paramsB - lo.paramsB)
			return col(lo) + f*(col(hi)-col(lo)), paramsB == hi.paramsB
		}
	}
	last := as[len(as)-1]
	return col(last) * paramsB / last.paramsB, false
}

// BestFineTune is the fine-tuning method for m that fits budgetGiB at
// seqLen: LoRA (16-bit, the better quality) when it fits, else QLoRA;
// ok is false when neither fits. Full fine-tuning is never the default
// advice: it needs several times the memory for little gain on a task
// adaptation (it is sized by FineTuneMemory when asked for).
func BestFineTune(m Model, budgetGiB float64, seqLen int) (FineTuneEstimate, bool) {
	var e FineTuneEstimate
	for _, method := range []FineTuneMethod{LoRA, QLoRA} {
		e = FineTuneMemory(m, method, seqLen)
		if budgetGiB > 0 && !math.IsInf(budgetGiB, 0) && e.TotalGiB <= budgetGiB {
			return e, true
		}
	}
	return e, false
}

// LargestFineTunable is the largest parameter count (in billions, to 0.1B)
// that method fits in budgetGiB by Unsloth's minimums at 2,048 tokens:
// "a 24 GB card fine-tunes up to about 30B with QLoRA". 0 when nothing fits.
func LargestFineTunable(method FineTuneMethod, budgetGiB float64) float64 {
	if !(budgetGiB > 0) || math.IsInf(budgetGiB, 0) {
		return 0
	}
	best := 0.0
	for b := 0.1; b <= 2000; b += 0.1 {
		m := Model{TotalB: b, ActiveB: b}
		if FineTuneMemory(m, method, 0).TotalGiB > budgetGiB {
			break
		}
		best = b
	}
	return math.Round(best*10) / 10
}
