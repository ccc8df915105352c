package practice

import (
	"fmt"
	"math"
)

// Hardware budget rules. Each is a named figure with its source; the
// parser and recommender turn what a learner wrote into a Budget with them.
const (
	// HeadroomShare is the share of memory a pick should leave free for a
	// longer context or a second request: a pick that fills 95–98% leaves
	// nothing (facts: licenses-use-and-hardware.md, Hardware budgets;
	// calculators add 10–30% headroom, hb.int2inf in models-and-memory.md).
	HeadroomShare = 0.10

	// PerCardOverheadGiB is what each further card of a split model costs:
	// every card keeps its own CUDA context and compute buffers (facts:
	// "leave a few percent free on each"). The single-card estimate already
	// holds one runtime (overheadFixedGiB); 0.5 GiB is about 2% of a 24 GB
	// card and under 1% of an 80 GB one.
	PerCardOverheadGiB = 0.5

	// Apple Silicon: Metal's default recommendedMaxWorkingSetSize is about
	// 2/3 of unified memory up to 36 GB and about 3/4 above
	// (github.com/ollama/ollama/issues/434; github.com/ggml-org/llama.cpp/pull/2011).
	metalSmallShare  = 2.0 / 3
	metalLargeShare  = 3.0 / 4
	metalSmallMaxGiB = 36

	// CPUUsableShare: a CPU-only model shares RAM with the OS and apps;
	// plan for about 75% of it (facts: Hardware budgets, CPU only).
	CPUUsableShare = 0.75
	// CPUInteractiveMaxActiveB: CPU generation is bound by memory bandwidth
	// per active weight; keep active parameters at about 8B or fewer for
	// interactive use (facts: Hardware budgets, CPU only). 8.5 keeps the
	// 8B class (Llama 3.1 8B has 8.03B) in and 9B models out.
	CPUInteractiveMaxActiveB = 8.5

	// PhoneAppShare: a 6 GB phone leaves "a few GB" to one app (facts:
	// Hardware budgets, Phones); the project reads that as half the RAM.
	PhoneAppShare = 0.5
	// PhoneMaxTotalB: phones run 1–4B models (Gemma 3n E2B/E4B, Llama 3.2
	// 1B/3B, Qwen3 1.7B/4B, Phi-4-mini; facts: Hardware budgets, Phones).
	// Gemma 3n E4B has 8B raw parameters but about 4B effective.
	PhoneMaxTotalB = 4.0
)

// MetalRaiseHint is how a Mac owner lets the GPU use more unified memory
// than Metal's default; %d is the new limit in MiB. The setting lasts
// until the next restart.
const MetalRaiseHint = "sudo sysctl iogpu.wired_limit_mb=%d"

// MetalBudgetGiB is the memory Metal lets the GPU use by default on an
// Apple Silicon Mac with unified GiB of RAM (Apple's "32 GB" is 32 GiB):
// about 2/3 up to 36 GiB (21.3 GiB on a 32 GB Mac), about 3/4 above
// (96 GiB on a 128 GB Mac). 0 for a non-positive size.
func MetalBudgetGiB(unified float64) float64 {
	if !(unified > 0) || math.IsInf(unified, 0) {
		return 0
	}
	if unified <= metalSmallMaxGiB {
		return unified * metalSmallShare
	}
	return unified * metalLargeShare
}

// MetalRaiseCommand is the command that sets Metal's limit to limitGiB.
func MetalRaiseCommand(limitGiB float64) string {
	return fmt.Sprintf(MetalRaiseHint, int(math.Round(limitGiB*1024)))
}

// MetalBudget is the Budget of an Apple Silicon Mac with unified GiB of
// RAM: the Metal limit for the GPU, and no separate RAM to offload to.
func MetalBudget(unified float64) Budget {
	return Budget{GPUGiB: MetalBudgetGiB(unified), GPUCount: 1}
}

// CPUBudgetGiB is the memory a CPU-only model may use on a machine with
// ramGiB of RAM.
func CPUBudgetGiB(ramGiB float64) float64 {
	if !(ramGiB > 0) || math.IsInf(ramGiB, 0) {
		return 0
	}
	return ramGiB * CPUUsableShare
}

// CPUTooSlow reports whether m has too many active parameters for
// interactive generation on a CPU.
func CPUTooSlow(m Model) bool { return m.ActiveB > CPUInteractiveMaxActiveB }

// PhoneBudgetGiB is the memory one app may use on a phone with ramGB of RAM.
func PhoneBudgetGiB(ramGB float64) float64 {
	if !(ramGB > 0) || math.IsInf(ramGB, 0) {
		return 0
	}
	return ramGB * PhoneAppShare
}

// PhoneSized reports whether m is small enough for a phone.
func PhoneSized(m Model) bool {
	if m.ID == "gemma-3n-e4b" || m.ID == "gemma-3n-e2b" {
		return true // "effective" 4B/2B: built for phones (G3)
	}
	return m.TotalB <= PhoneMaxTotalB
}

// MultiGPU is the Budget of count equal cards of perCardGiB each.
func MultiGPU(count int, perCardGiB float64) Budget {
	if count < 1 {
		count = 1
	}
	return Budget{GPUGiB: float64(count) * perCardGiB, GPUCount: count}
}

// Cards is how many cards b spreads its GPU memory over (at least one).
func (b Budget) Cards() int {
	if b.GPUCount < 1 {
		return 1
	}
	return b.GPUCount
}

// usableGPUGiB is the GPU memory a model estimated at mem can use in b.
// Split over n cards, each further card costs PerCardOverheadGiB, and the
// layers are split whole (llama.cpp --tensor-split, vLLM pipeline stages),
// so each cut between cards can waste up to one layer's weights and cache.
func usableGPUGiB(m *Model, mem Memory, b Budget) float64 {
	n := b.Cards()
	if n == 1 {
		return b.GPUGiB
	}
	perLayer := 0.0
	if m.Layers > 0 {
		perLayer = (mem.WeightsGiB + mem.KVGiB) / float64(m.Layers)
	}
	return b.GPUGiB - float64(n-1)*(PerCardOverheadGiB+perLayer)
}
