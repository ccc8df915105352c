package bot_test

import (
	"bytes"
	"encoding/json"
	"image/png"
	"testing"

	"tutorbot/bot"
	"tutorbot/lessons"
)

// TestFunnelData is a golden test of what the funnel chart shows (not its
// pixels): three learners at different depths of the course.
func TestFunnelData(t *testing.T) {
	h, _, _ := newFeatureHarness(t, false)
	// 42 reads two pages; 43 reads the lesson and answers A, A (one
	// right); 44 answers B, C (both right).
	h.say("/lesson")
	h.say("/next")
	h.user = "43"
	h.say("/lesson")
	for range 20 {
		h.say("/next")
	}
	h.say("/quiz")
	h.press("A")
	h.press("A")
	h.user = "44"
	h.say("/quiz")
	h.press("B")
	h.press("C")
	course, _ := lessons.Default()
	f, err := bot.ComputeFunnel(h.db, course, nil, clock(), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.MarshalIndent(f, "", "  ")
	golden(t, "funnel.json", string(got)+"\n")

	// Only learner 44: the member filter.
	f, err = bot.ComputeFunnel(h.db, course, nil, clock(), "spring", func(key string) bool { return key == "test:44" })
	if err != nil {
		t.Fatal(err)
	}
	if f.Subtitle != "2026-11-26 · spring · 1 learner" {
		t.Errorf("subtitle %q", f.Subtitle)
	}
	for _, s := range f.Steps {
		if s.Label == "L1 quiz passed" && s.Count != 1 {
			t.Errorf("cohort of one: %+v", s)
		}
	}
}

// TestStatsSendsChart: an admin's /stats carries the funnel as a PNG image
// besides the text; a learner's does not.
func TestStatsSendsChart(t *testing.T) {
	h, _, _ := newFeatureHarness(t, false)
	for _, r := range h.say("/stats") {
		if r.File != nil {
			t.Fatal("a non-admin got the chart")
		}
	}
	h.say("/lesson")
	h.user = "1"
	var img *bot.File
	for _, r := range h.say("/stats") {
		if r.File != nil {
			img = r.File
		}
	}
	if img == nil || !img.Image || img.Name != "funnel.png" {
		t.Fatalf("no chart image: %+v", img)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(img.Data))
	if err != nil {
		t.Fatalf("chart does not decode: %v", err)
	}
	if cfg.Width != 1080 || cfg.Height < 600 {
		t.Errorf("chart is %dx%d", cfg.Width, cfg.Height)
	}
}
