package practice

// TEMPORARY until the sizing work lands: price and fine-tuning figures.

// FineTuneMethod is how a model is fine-tuned.
type FineTuneMethod string

// The fine-tuning methods.
const (
	FineTuneQLoRA FineTuneMethod = "qlora"
	FineTuneLoRA  FineTuneMethod = "lora"
	FineTuneFull  FineTuneMethod = "full"
)

// Price is an API price.
type Price struct {
	ModelID, Provider           string
	InputUSDPerM, OutputUSDPerM float64
	Read, Source                string
}

// PriceFor looks up a model's API price.
func PriceFor(id string) (Price, bool) { return Price{}, false }

// MonthlyCostUSD is the monthly cost of in and out tokens at p.
func MonthlyCostUSD(p Price, in, out float64) float64 {
	return in/1e6*p.InputUSDPerM + out/1e6*p.OutputUSDPerM
}

// FineTuneMemory is the memory fine-tuning m with method needs, in GiB.
func fineTuneGiB(m Model, method FineTuneMethod) float64 {
	switch method {
	case FineTuneQLoRA:
		return 1.5 + m.TotalB*0.6
	case FineTuneLoRA:
		return 2 + m.TotalB*2.4
	}
	return m.TotalB * 16 * 1e9 / gib
}
