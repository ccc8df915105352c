package chart

import (
	"bytes"
	"flag"
	"fmt"
	"image/color"
	"image/png"
	"io"
	"os"
	"strings"
	"testing"
)

var out = flag.String("out", "", "write the sample chart to this file")

func sample() Funnel {
	return Funnel{
		Title:    "DeepSeek, Qwen, Mistral, and Open-Source Models",
		Subtitle: "2026-12-03 · cohort Группа весна 2026",
		Steps: []Step{
			{"Lesson 1 · page 1", 120}, {"Lesson 1 · page 2", 100}, {"Lesson 1 · page 3", 80},
			{"Lesson 1 read", 60}, {"Lesson 1 quiz taken", 50}, {"Lesson 1 quiz passed", 40},
			{"Урок 2 · страница 1", 20},
		},
		Questions: []Question{
			{Label: "Which model family is strongest at multilingual work across many languages?", Options: []Option{
				{Key: "A", Label: "A. DeepSeek", Count: 10}, {Key: "B", Label: "B. Qwen — strong in Chinese and in many more languages than any other open-weight family", Count: 30, Correct: true}, {Key: "C", Label: "C. Mistral", Count: 5},
			}},
			{Label: "Какую модель выбрать для телефона?", Options: []Option{
				{Key: "А", Label: "А. Phi — маленькая модель, которая помещается в память телефона", Count: 12, Correct: true}, {Key: "Б", Label: "Б. Llama 70B", Count: 3},
			}},
		},
	}
}

func TestPNGDecodes(t *testing.T) {
	f := sample()
	b, err := f.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if *out != "" {
		os.WriteFile(*out, b, 0o644)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	w, h := f.Size()
	if cfg.Width != w || cfg.Height != h || w != 1080 {
		t.Fatalf("size %dx%d, want %dx%d", cfg.Width, cfg.Height, w, h)
	}
	// The bars keep their colours through the palette: funnel blue,
	// correct-answer green.
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	count := map[color.RGBA]int{}
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y += 2 {
		for x := bounds.Min.X; x < bounds.Max.X; x += 2 {
			r, g, b, _ := img.At(x, y).RGBA()
			count[color.RGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 0xff}]++
		}
	}
	for name, c := range map[string]color.RGBA{"blue": barBlue, "green": barGreen, "grey": barGrey} {
		if count[c] < 1000 {
			t.Errorf("%s bars: %d pixels of %v", name, count[c], c)
		}
	}
}

func TestEmptyFunnel(t *testing.T) {
	f := Funnel{Title: "Empty", Subtitle: "no learners", Steps: []Step{{"L1 · page 1", 0}}, Questions: []Question{{Label: "Q", Options: nil}}}
	b, err := f.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if w, h := f.Size(); cfg.Width != w || cfg.Height != h {
		t.Fatalf("size %dx%d, want %dx%d", cfg.Width, cfg.Height, w, h)
	}
}

func TestClipAndWrap(t *testing.T) {
	if got := clip("  a   very long label that goes on  ", 10); got != "a very lo…" {
		t.Errorf("clip: %q", got)
	}
	if got := clip("Урок 2", 10); got != "Урок 2" {
		t.Errorf("clip short: %q", got)
	}
	lines := wrap("one two three four five six seven eight nine ten eleven twelve", 10)
	if len(lines) != 2 || lines[0] != "one two" || !strings.HasSuffix(lines[1], "…") {
		t.Errorf("wrap: %q", lines)
	}
}

// BenchmarkPNG draws the funnel of a nine-page lesson with a two-question
// quiz (the built-in course).
func BenchmarkPNG(b *testing.B) {
	f := sample()
	for i := 4; i <= 9; i++ {
		f.Steps = append(f.Steps, Step{"L1 · page x", 100 - i})
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := f.PNG(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVariants compares drawing at two resolutions and encoding at
// three compression levels, in one run.
func BenchmarkVariants(b *testing.B) {
	f := sample()
	for _, dpi := range []int{144, 96} {
		b.Run(fmt.Sprintf("draw/dpi=%d", dpi), func(b *testing.B) {
			for b.Loop() {
				if _, err := f.draw(dpi); err != nil {
					b.Fatal(err)
				}
			}
		})
		img, _ := f.draw(dpi)
		b.Run(fmt.Sprintf("paletted/dpi=%d", dpi), func(b *testing.B) {
			var n int
			for b.Loop() {
				var buf bytes.Buffer
				if err := encode(&buf, paletted(img), png.BestSpeed); err != nil {
					b.Fatal(err)
				}
				n = buf.Len()
			}
			b.ReportMetric(float64(n), "bytes")
		})
		for _, lv := range []png.CompressionLevel{png.DefaultCompression, png.BestSpeed, png.NoCompression} {
			b.Run(fmt.Sprintf("encode/dpi=%d/level=%d", dpi, lv), func(b *testing.B) {
				var n int
				for b.Loop() {
					var buf bytes.Buffer
					if err := encode(&buf, img, lv); err != nil {
						b.Fatal(err)
					}
					n = buf.Len()
				}
				b.ReportMetric(float64(n), "bytes")
			})
		}
	}
}

// TestOptionsWrittenOut: every option's full text is written above its
// question's bars (wrapped, not cut), the correct one marked; the bars
// carry only the option's key.
func TestOptionsWrittenOut(t *testing.T) {
	for _, q := range sample().Questions {
		lines := optionLines(q)
		i := 0
		for _, o := range q.Options {
			var got []string
			for ; i < len(lines) && len(got) < 2 && strings.Join(got, " ") != o.Label; i++ {
				if lines[i].correct != o.Correct {
					t.Errorf("%q: line %q marked correct=%v", o.Label, lines[i].text, lines[i].correct)
				}
				got = append(got, lines[i].text)
			}
			if strings.Join(got, " ") != o.Label {
				t.Errorf("option written as %q, want %q", got, o.Label)
			}
			for _, l := range got {
				if n := len([]rune(l)); n > optionMax {
					t.Errorf("line of %d characters: %q", n, l)
				}
			}
		}
	}
}
