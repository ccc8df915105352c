package practice

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"tutorbot/render"
)

func TestRecommendScenarios(t *testing.T) {
	cat := mustCatalog(t)
	type check func(t *testing.T, req Request, res Result)

	topFitsGPU := func(limit float64) check {
		return func(t *testing.T, req Request, res Result) {
			p := res.Picks[0]
			if p.Fits != FitYes || p.MemoryGiB > limit {
				t.Errorf("top pick %s needs %.1f GiB (fits=%s), stated memory allows %.1f", p.Model.ID, p.MemoryGiB, p.Fits, limit)
			}
		}
	}
	allCommercial := func(t *testing.T, req Request, res Result) {
		for _, p := range res.Picks {
			if p.Commercial == CommercialNo || !p.CommercialAllowed {
				t.Errorf("%s has a non-commercial license (%s) though commercial use was stated", p.Model.ID, p.Model.License)
			}
		}
	}
	allVision := func(t *testing.T, req Request, res Result) {
		for _, p := range res.Picks {
			if !p.Model.HasModality("image") {
				t.Errorf("%s takes no images but the task is visual", p.Model.ID)
			}
		}
	}
	allAPI := func(t *testing.T, req Request, res Result) {
		for _, p := range res.Picks {
			if !p.Model.API || p.Fits != FitAPI {
				t.Errorf("%s is not API-served (api=%v fits=%s)", p.Model.ID, p.Model.API, p.Fits)
			}
		}
	}
	cpuInRAM := func(ram float64) check {
		return func(t *testing.T, req Request, res Result) {
			p := res.Picks[0]
			if p.Fits != FitYes || p.MemoryGiB > ram || !strings.Contains(p.RunsWhere, "CPU") {
				t.Errorf("top pick %s: %.1f GiB, fits=%s, runs %q; want CPU within %.0f GB RAM", p.Model.ID, p.MemoryGiB, p.Fits, p.RunsWhere, ram)
			}
			if p.Model.ActiveB > 9 {
				t.Errorf("top pick %s has %.1fB active params: too slow on a CPU", p.Model.ID, p.Model.ActiveB)
			}
		}
	}
	topHas := func(s Strength) check {
		return func(t *testing.T, req Request, res Result) {
			if !res.Picks[0].Model.Has(s) {
				t.Errorf("top pick %s lacks %s (has %v)", res.Picks[0].Model.ID, s, res.Picks[0].Model.Strengths)
			}
		}
	}
	noFamily := func(fams ...string) check {
		return func(t *testing.T, req Request, res Result) {
			for _, p := range res.Picks {
				if slices.Contains(fams, p.Model.Family) {
					t.Errorf("%s is from an excluded family", p.Model.ID)
				}
			}
		}
	}
	mode := func(w Where) check {
		return func(t *testing.T, req Request, res Result) {
			if res.Mode != w {
				t.Errorf("mode = %s, want %s", res.Mode, w)
			}
		}
	}
	noteContains := func(sub string) check {
		return func(t *testing.T, req Request, res Result) {
			for _, n := range res.Notes {
				if strings.Contains(n, sub) {
					return
				}
			}
			t.Errorf("no note mentions %q: %v", sub, res.Notes)
		}
	}

	tests := []struct {
		name   string
		in     string
		checks []check
	}{
		{"code on 24 GB commercial", "Task: code review for Python\nWhere: locally\nGPU: 24GB\nConstraints: commercial use",
			[]check{topFitsGPU(24), allCommercial, topHas(StrengthCode), mode(WhereLocal)}},
		{"chat on CPU with 16 GB RAM", "Task: chat assistant\nWhere: locally\nGPU: CPU only, 16 GB RAM\nConstraints: none",
			[]check{cpuInRAM(16), noteContains("On a CPU")}},
		{"no GPU 8 GB RAM Russian", "Задача: отвечать на вопросы клиентов на русском\nГде запускаю: локально\nДоступная память GPU: нет GPU, 8 ГБ ОЗУ\nОграничения: коммерческое использование",
			[]check{cpuInRAM(8), allCommercial, topHas(StrengthMultilingual)}},
		{"vision invoices on RTX 3060 commercial", "Task: read scanned invoices\nWhere: locally\nGPU: RTX 3060\nConstraints: commercial",
			[]check{topFitsGPU(12), allVision, allCommercial}},
		{"vision via API", "Task: describe product photos\nWhere: API\nConstraints: none",
			[]check{allVision, allAPI}},
		{"math via API cheap", "Task: step-by-step math tutoring\nWhere: API\nConstraints: cheap",
			[]check{allAPI, topHas(StrengthMath)}},
		{"api commercial names API models", "Task: customer support chatbot\nWhere I run it: API\nConstraints: commercial, fast",
			[]check{allAPI, allCommercial}},
		{"mac 16 GB", "Task: summarise emails\nWhere: locally\nGPU: Mac M2 with 16 GB\nConstraints: privacy",
			[]check{topFitsGPU(MetalBudgetGiB(16)), mode(WhereLocal)}},
		{"tiny GPU", "Task: chat\nWhere: locally\nGPU: 4GB\nConstraints: none",
			[]check{topFitsGPU(4), noteContains("small GPU")}},
		{"nothing fits", "Task: chat\nWhere: locally\nGPU: 0.6 GB\nConstraints: none",
			[]check{func(t *testing.T, req Request, res Result) {
				if !res.NothingFits || len(res.Picks) == 0 {
					t.Fatalf("NothingFits=%v picks=%d", res.NothingFits, len(res.Picks))
				}
				for _, p := range res.Picks {
					if p.MemoryGiB > 3 {
						t.Errorf("smallest option %s needs %.1f GiB", p.Model.ID, p.MemoryGiB)
					}
				}
			}, noteContains("Nothing")}},
		{"8 GB VRAM with RAM does not pick offload first", "Task: general chat\nWhere: locally\nGPU: 8GB VRAM, 64 GB RAM\nConstraints: none",
			[]check{topFitsGPU(8)}},
		{"cloud agentic coding", "Task: agentic coding on a large codebase\nWhere: cloud\nConstraints: commercial",
			[]check{mode(WhereCloud), allCommercial, topHas(StrengthCode), func(t *testing.T, req Request, res Result) {
				for _, p := range res.Picks {
					if p.GPUClass == "" || !strings.HasPrefix(p.RunsWhere, "cloud") {
						t.Errorf("%s: no GPU class (%q)", p.Model.ID, p.RunsWhere)
					}
				}
			}}},
		{"cloud with a stated GPU", "Task: chat\nWhere: cloud\nGPU: A100 80GB\nConstraints: none",
			[]check{topFitsGPU(80), mode(WhereCloud)}},
		{"no chinese models", "Task: chat for a bank\nWhere: locally\nGPU: 24 GB\nConstraints: commercial, no Chinese models",
			[]check{noFamily("DeepSeek", "Qwen"), allCommercial, topFitsGPU(24)}},
		{"permissive only", "Task: chat\nWhere: locally\nGPU: 16GB\nConstraints: Apache or MIT license only",
			[]check{topFitsGPU(16), func(t *testing.T, req Request, res Result) {
				for _, p := range res.Picks {
					if !strings.Contains(p.Model.License, "Apache") && !strings.HasPrefix(p.Model.License, "MIT") {
						t.Errorf("%s: license %s is not permissive", p.Model.ID, p.Model.License)
					}
				}
			}}},
		{"long context", "Task: answer questions over long documents\nWhere: locally\nGPU: 48GB\nConstraints: none",
			[]check{topFitsGPU(48), func(t *testing.T, req Request, res Result) {
				if res.Picks[0].Model.Context < 128000 {
					t.Errorf("top pick %s has only %d context", res.Picks[0].Model.ID, res.Picks[0].Model.Context)
				}
			}}},
		{"low latency prefers few active params", "Task: autocomplete code\nWhere: locally\nGPU: 24GB\nConstraints: low latency, commercial",
			[]check{topFitsGPU(24), allCommercial, func(t *testing.T, req Request, res Result) {
				if a := res.Picks[0].Model.ActiveB; a > 15 {
					t.Errorf("top pick %s has %.1fB active: not a low-latency choice", res.Picks[0].Model.ID, a)
				}
			}}},
		{"autocomplete alone means small and no reasoning models", "Задача: автодополнение кода в редакторе\nГде запускаю: локально\nПамять: 24 ГБ\nОграничения: нет",
			[]check{topFitsGPU(24), func(t *testing.T, req Request, res Result) {
				for _, p := range res.Picks {
					if isReasoningModel(&p.Model) {
						t.Errorf("%s thinks out loud before it answers: not for completion at each keystroke", p.Model.ID)
					}
				}
				if a := res.Picks[0].Model.ActiveB; a > 15 {
					t.Errorf("top pick %s has %.1fB active: not a low-latency choice", res.Picks[0].Model.ID, a)
				}
			}}},
		{"EU vision skips Llama multimodal", "Task: describe images\nWhere: locally\nGPU: 24GB\nConstraints: commercial, we are an EU company",
			[]check{allVision, noFamily("Llama"), noteContains("EU")}},
		{"where unknown without hardware, no memory needed for the API", "Task: write marketing copy\nWhere: API",
			[]check{mode(WhereAPI), allAPI}},
		{"privacy without where runs locally", "Task: analyse patient records\nGPU: 24GB\nConstraints: privacy, data must stay local",
			[]check{mode(WhereLocal), topFitsGPU(24)}},
		{"speech task gets audio models", "Task: transcribe voice notes\nWhere: locally\nGPU: 16GB\nConstraints: none",
			[]check{topFitsGPU(16), func(t *testing.T, req Request, res Result) {
				for _, p := range res.Picks {
					if !p.Model.HasModality("audio") {
						t.Errorf("%s takes no audio", p.Model.ID)
					}
				}
			}}},
	}
	if len(tests) < 15 {
		t.Fatalf("only %d scenarios", len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := ParseTemplate(tt.in)
			res := Recommend(cat, req)
			if len(res.Picks) == 0 {
				t.Fatalf("no picks; notes %v", res.Notes)
			}
			ids := map[string]bool{}
			for _, p := range res.Picks {
				if ids[p.Model.ID] {
					t.Errorf("%s picked twice", p.Model.ID)
				}
				ids[p.Model.ID] = true
				if len(p.Reasons) == 0 || p.License == "" || p.RunsWhere == "" {
					t.Errorf("%s: incomplete pick %+v", p.Model.ID, p)
				}
			}
			if !res.NothingFits && len(res.Picks) != 3 && len(res.Picks) < len(cat.Models) {
				t.Logf("only %d picks", len(res.Picks))
			}
			for _, c := range tt.checks {
				c(t, req, res)
			}
			checkMarkdown(t, res)
			checkJSON(t, res)
		})
	}
}

func checkMarkdown(t *testing.T, res Result) {
	t.Helper()
	md := res.Markdown()
	if n := utf8.RuneCountInString(md); n >= 3500 {
		t.Errorf("markdown is %d characters", n)
	}
	if !strings.HasSuffix(strings.TrimSpace(md), render.EscapeMarkdown(tr(res.Request.Lang, "test_reminder"))) {
		t.Errorf("markdown does not end with the reminder:\n%s", md)
	}
	if len(res.Picks) > 0 && !strings.Contains(md, render.EscapeMarkdown(res.Picks[0].Model.Name)) {
		t.Errorf("markdown does not name the top pick")
	}
}

func checkJSON(t *testing.T, res Result) {
	t.Helper()
	b, err := res.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Picks []map[string]any `json:"picks"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("JSON does not decode: %v", err)
	}
	if len(out.Picks) != len(res.Picks) {
		t.Fatalf("JSON has %d picks, want %d", len(out.Picks), len(res.Picks))
	}
	for _, p := range out.Picks {
		for _, k := range []string{"model_id", "family", "quantization", "memory_gib", "fits", "runs_where", "license", "commercial_use", "reasons"} {
			if _, ok := p[k]; !ok {
				t.Errorf("JSON pick lacks %q", k)
			}
		}
	}
}

func TestRecommendEdgeCases(t *testing.T) {
	cat := mustCatalog(t)
	// Empty catalog and impossible filters still answer.
	if res := Recommend(nil, ParseTemplate("Task: chat")); len(res.Notes) == 0 || !strings.Contains(res.Markdown(), "test") && !strings.Contains(res.Markdown(), "Test") {
		t.Errorf("nil catalog: %+v", res)
	}
	req := ParseTemplate("Task: describe images\nWhere: API\nConstraints: commercial, no Qwen, no Llama, no Gemma, no Mistral, no Phi, no DeepSeek")
	res := Recommend(cat, req)
	if len(res.Picks) != 0 {
		t.Errorf("every family excluded but got %d picks", len(res.Picks))
	}
	if md := res.Markdown(); !strings.Contains(md, "No model in the catalog matches") {
		t.Errorf("no-match markdown = %q", md)
	}
	// Parsing bad input then recommending never panics and still answers.
	for _, in := range []string{"", "Available GPU memory: -5 GB", "GPU: 1e309 GB", strings.Repeat("a lot of GPU ", 2000)} {
		res := Recommend(cat, ParseTemplate(in))
		if res.Markdown() == "" {
			t.Errorf("empty answer for %q", in[:min(len(in), 30)])
		}
	}
}

func BenchmarkRecommend(b *testing.B) {
	cat := mustCatalog(b)
	req := ParseTemplate("Help me choose an open-weight model. Task: <code review for Python> Where I run it (locally / API / cloud): <locally> Available GPU memory: <RTX 3090, 64 GB RAM> Constraints: <commercial use, fast> Give a recommendation.")
	b.ReportAllocs()
	var lat []time.Duration
	for b.Loop() {
		start := time.Now()
		res := Recommend(cat, req)
		lat = append(lat, time.Since(start))
		if len(res.Picks) == 0 {
			b.Fatal("no picks")
		}
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
	}
}

func BenchmarkParseAndRecommend(b *testing.B) {
	cat := mustCatalog(b)
	text := "Задача: перевод документов\nГде запускаю: локально\nДоступная память GPU: нет GPU, 16 ГБ ОЗУ\nОграничения: коммерческое использование"
	b.ReportAllocs()
	for b.Loop() {
		res := Recommend(cat, ParseTemplate(text))
		_ = res.Markdown()
	}
}
