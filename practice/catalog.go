// Package practice turns the lesson's filled-in prompt template ("Help me
// choose an open-weight model. Task / Where I run it / Available GPU memory
// / Constraints") into a grounded model recommendation: it parses the
// template, estimates memory from an embedded catalog of open-weight models,
// recommends by rules (always available) and, optionally, has an LLM write
// the answer from the rule engine's shortlist.
package practice

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
)

// catalogCSV is the model catalog. Facts come from the project's research
// notes (model cards, first-party READMEs, llama.cpp tables); the source
// column names them, the confidence column says how sure each row is.
// Architecture numbers marked "secondary: config.json value" are standard
// public Hugging Face config values. The api column (commonly served by API
// providers such as OpenRouter or DeepSeek's platform) and the released
// month are secondary knowledge.
//
//go:embed catalog.csv
var catalogCSV []byte

// Strength is something a model is good at.
type Strength string

// The strengths the recommender knows.
const (
	StrengthCode         Strength = "code"
	StrengthMath         Strength = "math"
	StrengthReasoning    Strength = "reasoning"
	StrengthMultilingual Strength = "multilingual"
	StrengthVision       Strength = "vision"
	StrengthSmall        Strength = "small"
	StrengthLongContext  Strength = "long-context"
	StrengthGeneral      Strength = "general"
	StrengthAgents       Strength = "agents"
	// StrengthAudio is derived from the audio modality, not a catalog strength.
	StrengthAudio Strength = "audio"
)

var knownStrengths = map[Strength]bool{
	StrengthCode: true, StrengthMath: true, StrengthReasoning: true, StrengthMultilingual: true,
	StrengthVision: true, StrengthSmall: true, StrengthLongContext: true, StrengthGeneral: true, StrengthAgents: true,
}

// KVKind is how a model's attention cache grows with context.
type KVKind string

// The KV cache kinds.
const (
	// KVStandard: full (grouped-query) attention in every layer.
	KVStandard KVKind = "standard"
	// KVSliding: sliding-window layers (Gemma 3, Mistral 7B v0.1).
	KVSliding KVKind = "sliding"
	// KVMLA: DeepSeek's multi-head latent attention (compressed cache).
	KVMLA KVKind = "mla"
)

// Commercial says whether a license allows commercial use.
type Commercial string

// The commercial-use classes.
const (
	CommercialYes         Commercial = "yes"
	CommercialNo          Commercial = "no"
	CommercialConditional Commercial = "conditional"
)

// Model is one row of the catalog: one concrete size of an open-weight model.
type Model struct {
	ID          string     `json:"id"`
	Family      string     `json:"family"`
	Name        string     `json:"name"`
	TotalB      float64    `json:"total_params_b"`
	ActiveB     float64    `json:"active_params_b"`
	Context     int        `json:"context_tokens"`
	License     string     `json:"license"`
	Commercial  Commercial `json:"commercial"`
	LicenseNote string     `json:"license_note,omitempty"`
	Modalities  []string   `json:"modalities"`
	Strengths   []Strength `json:"strengths"`
	// Layers, KVHeads and HeadDim are 0 when unknown.
	Layers  int    `json:"layers,omitempty"`
	KVHeads int    `json:"kv_heads,omitempty"`
	HeadDim int    `json:"head_dim,omitempty"`
	KVKind  KVKind `json:"kv_kind"`
	// SlidingWindow is the attention window of the local (sliding-window)
	// layers in tokens, 0 when every layer attends to the whole context.
	SlidingWindow int `json:"sliding_window,omitempty"`
	// GlobalEvery says that one layer in GlobalEvery attends to the whole
	// context and the others only to the window (Gemma 3: 6, five local
	// layers per global one); 0 with a window means every layer is local.
	GlobalEvery int `json:"global_every,omitempty"`
	// KQuantFallback is the share of the weights in tensors whose rows are
	// not a multiple of 256, which llama.cpp's K-quants cannot hold and
	// store in a larger fallback type (Qwen2.5-72B: its FFN width 29,568).
	KQuantFallback float64 `json:"kquant_fallback,omitempty"`
	// VisionEncoderGB is the vision encoder (GGUF mmproj) loaded beside the
	// language weights, in decimal GB as published; 0 when the encoder is
	// counted in TotalB. Only image models have one.
	VisionEncoderGB float64 `json:"vision_encoder_gb,omitempty"`
	// TiedEmbeddingB is the vocabulary matrix, in billions of parameters,
	// of a model whose input and output embeddings are one tensor; llama.cpp
	// keeps it at Q6_K under the K-quants. 0 for untied models.
	TiedEmbeddingB float64 `json:"tied_embedding_b,omitempty"`
	// SizingSource says where the sizing columns come from.
	SizingSource string `json:"sizing_source,omitempty"`
	API          bool   `json:"api"`
	OllamaTag    string `json:"ollama_tag,omitempty"`
	Released     string `json:"released"`
	Source       string `json:"source"`
	Confidence   string `json:"confidence"`
}

// Has reports whether the model lists strength s (audio: the modality).
func (m *Model) Has(s Strength) bool {
	if s == StrengthAudio {
		return m.HasModality("audio")
	}
	for _, x := range m.Strengths {
		if x == s {
			return true
		}
	}
	return false
}

// HasModality reports whether the model takes input of kind mod (text, image, audio, video).
func (m *Model) HasModality(mod string) bool {
	for _, x := range m.Modalities {
		if x == mod {
			return true
		}
	}
	return false
}

// MoE reports whether only part of the weights is active per token.
func (m *Model) MoE() bool { return m.ActiveB > 0 && m.ActiveB < m.TotalB*0.95 }

// Catalog is the parsed model catalog.
type Catalog struct {
	Models []Model
	byID   map[string]int
	policy *Policy

	rulesOnce sync.Once
	rules     []modelRules // per model, in Models order
}

// modelRules returns what the policy says of each model, by index.
func (c *Catalog) modelRules() []modelRules {
	c.rulesOnce.Do(func() {
		pol := c.Policy()
		c.rules = make([]modelRules, len(c.Models))
		for i := range c.Models {
			c.rules[i] = pol.rulesFor(&c.Models[i])
		}
	})
	return c.rules
}

// Policy is the license, origin and lineage data every pick is filtered by.
func (c *Catalog) Policy() *Policy {
	if c.policy != nil {
		return c.policy
	}
	return defaultPolicy()
}

var (
	defaultPolicyOnce sync.Once
	defaultPolicyVal  *Policy
)

// defaultPolicy is the embedded policy; it is checked by LoadCatalog and
// the tests, so a parse error here is a build defect.
func defaultPolicy() *Policy {
	defaultPolicyOnce.Do(func() {
		p, err := ParsePolicy(policyYAML)
		if err != nil {
			panic("embedded policy.yaml: " + err.Error())
		}
		defaultPolicyVal = p
	})
	return defaultPolicyVal
}

// ByID returns the model with the given id.
func (c *Catalog) ByID(id string) (Model, bool) {
	i, ok := c.byID[id]
	if !ok {
		return Model{}, false
	}
	return c.Models[i], true
}

var catalogHeader = []string{"id", "family", "name", "total_params_b", "active_params_b", "context_tokens",
	"license", "commercial", "license_note", "modalities", "strengths", "layers", "kv_heads", "head_dim",
	"kv_kind", "api", "ollama_tag", "released", "source", "confidence",
	"sliding_window", "global_every", "kquant_fallback", "vision_encoder_gb", "tied_embedding_b", "sizing_source"}

// Families are the six model families the lesson covers.
var Families = []string{"DeepSeek", "Qwen", "Mistral", "Llama", "Gemma", "Phi"}

// LoadCatalog parses and validates the embedded catalog.
func LoadCatalog() (*Catalog, error) {
	c, err := ParseCatalog(bytes.NewReader(catalogCSV))
	if err != nil {
		return nil, err
	}
	p, err := ParsePolicy(policyYAML)
	if err != nil {
		return nil, err
	}
	if err := p.check(c); err != nil {
		return nil, err
	}
	c.policy = p
	return c, nil
}

// ParseCatalog parses and validates a catalog in the embedded CSV format:
// ids unique, numbers parse, known families, kinds and strengths, and a
// source on every row.
func ParseCatalog(r io.Reader) (*Catalog, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("read catalog header: %w", err)
	}
	if len(head) != len(catalogHeader) {
		return nil, fmt.Errorf("catalog header has %d columns, want %d", len(head), len(catalogHeader))
	}
	for i, h := range catalogHeader {
		if head[i] != h {
			return nil, fmt.Errorf("catalog header column %d is %q, want %q", i+1, head[i], h)
		}
	}
	cat := &Catalog{Models: make([]Model, 0, 96), byID: make(map[string]int, 96)}
	line := 1
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line++
		if err != nil {
			return nil, fmt.Errorf("read catalog line %d: %w", line, err)
		}
		m, err := parseModel(rec)
		if err != nil {
			return nil, fmt.Errorf("catalog line %d: %w", line, err)
		}
		if _, dup := cat.byID[m.ID]; dup {
			return nil, fmt.Errorf("catalog line %d: duplicate id %q", line, m.ID)
		}
		cat.byID[m.ID] = len(cat.Models)
		cat.Models = append(cat.Models, m)
	}
	if len(cat.Models) == 0 {
		return nil, errors.New("catalog has no models")
	}
	return cat, nil
}

func parseModel(rec []string) (Model, error) {
	col := func(i int) string { return strings.TrimSpace(rec[i]) }
	m := Model{
		ID: col(0), Family: col(1), Name: col(2), License: col(6), Commercial: Commercial(col(7)),
		LicenseNote: col(8), KVKind: KVKind(col(14)), OllamaTag: col(16), Released: col(17),
		Source: col(18), Confidence: col(19),
	}
	if m.ID == "" || m.Name == "" {
		return m, errors.New("id and name are required")
	}
	if !knownFamily(m.Family) {
		return m, fmt.Errorf("%s: unknown family %q", m.ID, m.Family)
	}
	var err error
	if m.TotalB, err = parsePositive(col(3)); err != nil {
		return m, fmt.Errorf("%s: total_params_b: %w", m.ID, err)
	}
	if col(4) == "" {
		m.ActiveB = m.TotalB
	} else if m.ActiveB, err = parsePositive(col(4)); err != nil {
		return m, fmt.Errorf("%s: active_params_b: %w", m.ID, err)
	}
	if m.ActiveB > m.TotalB {
		return m, fmt.Errorf("%s: active params %.1fB exceed total %.1fB", m.ID, m.ActiveB, m.TotalB)
	}
	ctx, err := parsePositive(col(5))
	if err != nil || ctx != float64(int(ctx)) {
		return m, fmt.Errorf("%s: context_tokens %q is not a whole number", m.ID, col(5))
	}
	m.Context = int(ctx)
	switch m.Commercial {
	case CommercialYes, CommercialNo, CommercialConditional:
	default:
		return m, fmt.Errorf("%s: commercial %q is not yes/no/conditional", m.ID, m.Commercial)
	}
	if m.License == "" {
		return m, fmt.Errorf("%s: license is required", m.ID)
	}
	for _, mod := range strings.Split(col(9), ";") {
		switch mod {
		case "text", "image", "audio", "video":
			m.Modalities = append(m.Modalities, mod)
		default:
			return m, fmt.Errorf("%s: unknown modality %q", m.ID, mod)
		}
	}
	for _, s := range strings.Split(col(10), ";") {
		if !knownStrengths[Strength(s)] {
			return m, fmt.Errorf("%s: unknown strength %q", m.ID, s)
		}
		m.Strengths = append(m.Strengths, Strength(s))
	}
	for i, dst := range []*int{&m.Layers, &m.KVHeads, &m.HeadDim} {
		v := col(11 + i)
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 || n > 100000 {
			return m, fmt.Errorf("%s: %s %q is not a positive whole number", m.ID, catalogHeader[11+i], v)
		}
		*dst = n
	}
	switch m.KVKind {
	case KVStandard, KVSliding:
	case KVMLA:
		if m.Layers == 0 {
			return m, fmt.Errorf("%s: mla rows need layers", m.ID)
		}
	default:
		return m, fmt.Errorf("%s: kv_kind %q is not standard/sliding/mla", m.ID, m.KVKind)
	}
	switch col(15) {
	case "yes":
		m.API = true
	case "no":
	default:
		return m, fmt.Errorf("%s: api %q is not yes/no", m.ID, col(15))
	}
	if len(m.Released) != 7 || m.Released[4] != '-' {
		return m, fmt.Errorf("%s: released %q is not YYYY-MM", m.ID, m.Released)
	}
	if m.Source == "" {
		return m, fmt.Errorf("%s: every row needs a source", m.ID)
	}
	if err := parseSizing(&m, rec[20:]); err != nil {
		return m, err
	}
	if !strings.HasPrefix(m.Confidence, "confirmed") && !strings.HasPrefix(m.Confidence, "secondary") &&
		!strings.HasPrefix(m.Confidence, "unconfirmed") {
		return m, fmt.Errorf("%s: confidence %q must start with confirmed, secondary or unconfirmed", m.ID, m.Confidence)
	}
	return m, nil
}

func knownFamily(f string) bool {
	for _, x := range Families {
		if x == f {
			return true
		}
	}
	return false
}

func parsePositive(s string) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	if !(v > 0) || v > 1e9 {
		return 0, fmt.Errorf("%q is out of range", s)
	}
	return v, nil
}

// parseSizing reads the sizing columns: the sliding window and how often a
// global layer comes, the K-quant fallback share, the vision encoder and
// the tied embedding matrix.
// Every non-empty value needs a sizing_source, and an image model must say
// how big its vision encoder is (0: counted in the parameters).
func parseSizing(m *Model, rec []string) error {
	col := func(i int) string { return strings.TrimSpace(rec[i]) }
	m.SizingSource = col(5)
	for i, dst := range []*int{&m.SlidingWindow, &m.GlobalEvery} {
		v := col(i)
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 1<<24 {
			return fmt.Errorf("%s: %s %q is not a whole number >= 0", m.ID, catalogHeader[20+i], v)
		}
		*dst = n
	}
	if m.GlobalEvery > 0 && m.SlidingWindow == 0 {
		return fmt.Errorf("%s: global_every needs a sliding_window", m.ID)
	}
	if v := col(2); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || !(f >= 0 && f <= 1) {
			return fmt.Errorf("%s: kquant_fallback %q is not a share between 0 and 1", m.ID, v)
		}
		m.KQuantFallback = f
	}
	vision := col(3)
	switch {
	case vision == "" && m.HasModality("image"):
		return fmt.Errorf("%s: an image model needs vision_encoder_gb (0 when counted in the parameters)", m.ID)
	case vision != "" && !m.HasModality("image"):
		return fmt.Errorf("%s: vision_encoder_gb on a model without image input", m.ID)
	case vision != "":
		f, err := strconv.ParseFloat(vision, 64)
		if err != nil || !(f >= 0 && f < 100) {
			return fmt.Errorf("%s: vision_encoder_gb %q is not a size in GB", m.ID, vision)
		}
		m.VisionEncoderGB = f
	}
	if v := col(4); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || !(f > 0 && f < m.TotalB) {
			return fmt.Errorf("%s: tied_embedding_b %q is not a share of the parameters", m.ID, v)
		}
		m.TiedEmbeddingB = f
	}
	if m.SizingSource == "" && (m.SlidingWindow > 0 || m.KQuantFallback > 0 || vision != "" || m.TiedEmbeddingB > 0) {
		return fmt.Errorf("%s: sizing columns need a sizing_source", m.ID)
	}
	return nil
}
