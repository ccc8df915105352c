package practice

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestPricesTable(t *testing.T) {
	ps, err := Prices()
	if err != nil {
		t.Fatal(err)
	}
	cat := mustCatalog(t)
	for id, p := range ps {
		m, ok := cat.ByID(id)
		if !ok {
			t.Errorf("price for %q, which is not a catalog model", id)
			continue
		}
		if !m.API {
			t.Errorf("%s has a price but the catalog says no API serves it", id)
		}
		if !strings.HasPrefix(p.Source, "https://") || p.Provider == "" {
			t.Errorf("%s: needs a provider and a source URL: %+v", id, p)
		}
		if _, err := time.Parse(time.DateOnly, p.DateRead); err != nil {
			t.Errorf("%s: date_read %q", id, p.DateRead)
		}
	}
	// The facts' prices.
	if p, ok := PriceFor("deepseek-v3"); !ok || p.InputPerM != 0.27 || p.OutputPerM != 1.10 {
		t.Errorf("deepseek-v3 = %+v, %v", p, ok)
	}
	if p, ok := PriceFor("llama-3.1-8b"); !ok || p.InputPerM != 0.02 || p.OutputPerM != 0.03 {
		t.Errorf("llama-3.1-8b = %+v, %v", p, ok)
	}
	if _, ok := PriceFor("qwen2.5-3b"); ok {
		t.Error("price for a model nobody serves")
	}
}

func TestMonthlyCost(t *testing.T) {
	ds, _ := PriceFor("deepseek-v3")
	tests := []struct {
		name    string
		in, out float64
		want    float64
	}{
		// 100M input and 20M output tokens: 100 × 0.27 + 20 × 1.10 = 49.
		{"bulk", 100e6, 20e6, 49},
		{"input only", 1e6, 0, 0.27},
		{"output only", 0, 1e6, 1.10},
		{"nothing", 0, 0, 0},
		{"negative volume", -5e6, 1e6, 1.10},
		{"NaN volume", math.NaN(), math.Inf(1), 0},
	}
	for _, tt := range tests {
		if got := MonthlyCostUSD(ds, tt.in, tt.out); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
	// The cheap small model is two orders of magnitude cheaper for bulk work.
	small, _ := PriceFor("llama-3.1-8b")
	if a, b := MonthlyCostUSD(small, 100e6, 20e6), MonthlyCostUSD(ds, 100e6, 20e6); a*10 > b {
		t.Errorf("8B %v vs DeepSeek %v", a, b)
	}
}

func TestParsePricesRejects(t *testing.T) {
	head := "model_id,provider,usd_per_m_input,usd_per_m_output,date_read,source\n"
	good := "x,P,0.1,0.2,2026-12-03,https://example.org\n"
	for name, csv := range map[string]string{
		"empty":          "",
		"header only":    head,
		"wrong header":   strings.Replace(head, "source", "url", 1) + good,
		"negative price": head + strings.Replace(good, "0.1", "-0.1", 1),
		"text price":     head + strings.Replace(good, "0.2", "cheap", 1),
		"bad date":       head + strings.Replace(good, "2026-12-03", "2026-12", 1),
		"no source":      head + strings.Replace(good, "https://example.org", "", 1),
		"duplicate":      head + good + good,
	} {
		if _, err := ParsePrices(strings.NewReader(csv)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := ParsePrices(strings.NewReader(head + good)); err != nil {
		t.Errorf("good row rejected: %v", err)
	}
}
