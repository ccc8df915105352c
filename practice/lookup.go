package practice

// This file holds the small pieces of the recommender that answer a single
// question about one model ("can I run Qwen2.5-32B on a 24 GB card?") with
// the recommender's own figures.

// LocalBudget is the memory a local run has on hw, exactly as Recommend
// counts it: a phone's share of its RAM, a Mac's Metal limit, CPU RAM when
// there is no GPU (assumedRAM is true when the RAM was not given and a
// default was taken), or the cards with system RAM for offload.
func LocalBudget(hw Hardware) (b Budget, assumedRAM bool) {
	switch {
	case hw.Phone:
		return Budget{RAMGiB: PhoneBudgetGiB(hw.RAMGiB)}, false
	case hw.AppleUnified:
		return Budget{GPUGiB: hw.GPUGiB, GPUCount: 1}, false
	case hw.NoGPU:
		ram := hw.RAMGiB
		if ram <= 0 {
			ram = assumedRAMGiB
			assumedRAM = true
		}
		return Budget{RAMGiB: CPUBudgetGiB(ram)}, assumedRAM
	case hw.GPUGiB > 0:
		return Budget{GPUGiB: hw.GPUGiB, RAMGiB: CPUBudgetGiB(hw.RAMGiB), GPUCount: max(1, hw.GPUCount)}, false
	default:
		return Budget{GPUGiB: unlimitedLocalGiB, GPUCount: 1}, false
	}
}
