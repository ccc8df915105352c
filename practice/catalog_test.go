package practice

import (
	"strings"
	"testing"
)

func mustCatalog(t testing.TB) *Catalog {
	t.Helper()
	cat, err := LoadCatalog()
	if err != nil {
		t.Fatalf("LoadCatalog: %v", err)
	}
	return cat
}

func TestLoadCatalog(t *testing.T) {
	cat := mustCatalog(t)
	if len(cat.Models) < 40 {
		t.Fatalf("catalog has %d models, want >= 40", len(cat.Models))
	}
	perFamily := map[string]int{}
	for _, m := range cat.Models {
		perFamily[m.Family]++
		if m.Source == "" || m.Confidence == "" {
			t.Errorf("%s: missing source or confidence", m.ID)
		}
		if got, ok := cat.ByID(m.ID); !ok || got.Name != m.Name {
			t.Errorf("ByID(%q) = %v, %v", m.ID, got.Name, ok)
		}
		if strings.Contains(m.Name, " / ") && !strings.Contains(m.Name, "3.1 / 3.2") && !strings.Contains(m.Name, "reasoning") {
			t.Errorf("%s: one row per concrete size, got %q", m.ID, m.Name)
		}
	}
	for _, f := range Families {
		if perFamily[f] < 3 {
			t.Errorf("family %s has %d models", f, perFamily[f])
		}
	}
	// Spot checks against the facts.
	checks := []struct {
		id         string
		commercial Commercial
		kind       KVKind
		vision     bool
	}{
		{"qwen2.5-3b", CommercialNo, KVStandard, false},
		{"codestral-22b", CommercialNo, KVStandard, false},
		{"mistral-large-2", CommercialNo, KVStandard, false},
		{"llama-3.1-8b", CommercialConditional, KVStandard, false},
		{"gemma-3-27b", CommercialConditional, KVSliding, true},
		{"deepseek-v3", CommercialYes, KVMLA, false},
		{"qwen2.5-vl-7b", CommercialYes, KVStandard, true},
		{"mistral-7b-v0.1", CommercialYes, KVSliding, false},
	}
	for _, c := range checks {
		m, ok := cat.ByID(c.id)
		if !ok {
			t.Errorf("%s missing", c.id)
			continue
		}
		if m.Commercial != c.commercial || m.KVKind != c.kind || m.HasModality("image") != c.vision {
			t.Errorf("%s: commercial=%s kind=%s vision=%v", c.id, m.Commercial, m.KVKind, m.HasModality("image"))
		}
	}
	if m, _ := cat.ByID("qwen3-30b-a3b"); !m.MoE() {
		t.Error("qwen3-30b-a3b should be MoE")
	}
}

func TestParseCatalogRejects(t *testing.T) {
	head := strings.Join(catalogHeader, ",") + "\n"
	good := "x-1b,Qwen,X 1B,1,1,32768,Apache-2.0,yes,,text,small,24,2,64,standard,no,,2024-09,somewhere,confirmed,,,,,,\n"
	tests := []struct {
		name, csv string
	}{
		{"empty", ""},
		{"header only", head},
		{"wrong header", strings.Replace(head, "layers", "levels", 1) + good},
		{"duplicate id", head + good + good},
		{"bad number", head + strings.Replace(good, ",1,1,", ",one,1,", 1)},
		{"negative params", head + strings.Replace(good, ",1,1,", ",-1,1,", 1)},
		{"active above total", head + strings.Replace(good, ",1,1,", ",1,2,", 1)},
		{"no source", head + strings.Replace(good, "somewhere", "", 1)},
		{"bad confidence", head + strings.Replace(good, "confirmed", "maybe", 1)},
		{"unknown family", head + strings.Replace(good, "Qwen", "Grok", 1)},
		{"unknown strength", head + strings.Replace(good, "small", "magic", 1)},
		{"bad kv kind", head + strings.Replace(good, "standard", "paged", 1)},
		{"short row", head + "x,Qwen\n"},
		{"window without source", head + strings.Replace(good, "confirmed,,,,,,", "confirmed,1024,6,,,,", 1)},
		{"global without window", head + strings.Replace(good, "confirmed,,,,,,", "confirmed,,6,,,,x", 1)},
		{"fallback above 1", head + strings.Replace(good, "confirmed,,,,,,", "confirmed,,,1.5,,,x", 1)},
		{"vision on a text model", head + strings.Replace(good, "confirmed,,,,,,", "confirmed,,,,0.8,,x", 1)},
		{"tied embedding above total", head + strings.Replace(good, "confirmed,,,,,,", "confirmed,,,,,2,x", 1)},
		{"tied embedding without source", head + strings.Replace(good, "confirmed,,,,,,", "confirmed,,,,,0.2,", 1)},
		{"image model without vision size", head + strings.Replace(good, "text,small", "text;image,small", 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseCatalog(strings.NewReader(tt.csv)); err == nil {
				t.Fatal("ParseCatalog accepted a bad catalog")
			}
		})
	}
	if _, err := ParseCatalog(strings.NewReader(head + good)); err != nil {
		t.Fatalf("good row rejected: %v", err)
	}
}

func BenchmarkLoadCatalog(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := LoadCatalog(); err != nil {
			b.Fatal(err)
		}
	}
}
