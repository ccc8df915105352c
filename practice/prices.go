package practice

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
)

// pricesCSV holds API prices per million tokens for catalog models served
// by providers, each with the provider, the date it was read and its
// source. Prices change: quote the date with the figure.
//
//go:embed prices.csv
var pricesCSV []byte

// Price is what a provider charges for a model, in US dollars per million
// tokens.
type Price struct {
	ModelID    string  `json:"model_id"`
	Provider   string  `json:"provider"`
	InputPerM  float64 `json:"usd_per_m_input"`
	OutputPerM float64 `json:"usd_per_m_output"`
	DateRead   string  `json:"date_read"`
	Source     string  `json:"source"`
}

var pricesHeader = []string{"model_id", "provider", "usd_per_m_input", "usd_per_m_output", "date_read", "source"}

var prices = sync.OnceValues(func() (map[string]Price, error) {
	return ParsePrices(bytes.NewReader(pricesCSV))
})

// PriceFor returns the API price of a catalog model, if one is known.
func PriceFor(modelID string) (Price, bool) {
	ps, err := prices()
	if err != nil {
		return Price{}, false
	}
	p, ok := ps[modelID]
	return p, ok
}

// Prices returns every known API price, keyed by model id; an error when
// the embedded table is broken.
func Prices() (map[string]Price, error) { return prices() }

// ParsePrices parses and validates a price table in the embedded CSV
// format: one row per model, prices that parse and are not negative, a
// YYYY-MM-DD date and a source on every row.
func ParsePrices(r io.Reader) (map[string]Price, error) {
	cr := csv.NewReader(r)
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("read prices header: %w", err)
	}
	if strings.Join(head, ",") != strings.Join(pricesHeader, ",") {
		return nil, fmt.Errorf("prices header is %v, want %v", head, pricesHeader)
	}
	out := map[string]Price{}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read prices line %d: %w", line, err)
		}
		p := Price{ModelID: rec[0], Provider: rec[1], DateRead: rec[4], Source: rec[5]}
		for i, dst := range []*float64{&p.InputPerM, &p.OutputPerM} {
			v, err := strconv.ParseFloat(rec[2+i], 64)
			if err != nil || !(v >= 0) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("prices line %d: %s %q is not a price", line, pricesHeader[2+i], rec[2+i])
			}
			*dst = v
		}
		if p.ModelID == "" || p.Provider == "" || p.Source == "" {
			return nil, fmt.Errorf("prices line %d: model_id, provider and source are required", line)
		}
		if _, err := time.Parse(time.DateOnly, p.DateRead); err != nil {
			return nil, fmt.Errorf("prices line %d: date_read %q is not YYYY-MM-DD", line, p.DateRead)
		}
		if _, dup := out[p.ModelID]; dup {
			return nil, fmt.Errorf("prices line %d: duplicate model %q", line, p.ModelID)
		}
		out[p.ModelID] = p
	}
	if len(out) == 0 {
		return nil, errors.New("prices table has no rows")
	}
	return out, nil
}

// MonthlyCostUSD is what inputTokens and outputTokens a month cost at p.
// Negative or non-finite volumes count as none.
func MonthlyCostUSD(p Price, inputTokens, outputTokens float64) float64 {
	return volume(inputTokens)/1e6*p.InputPerM + volume(outputTokens)/1e6*p.OutputPerM
}

func volume(tokens float64) float64 {
	if !(tokens > 0) || math.IsInf(tokens, 0) {
		return 0
	}
	return tokens
}
