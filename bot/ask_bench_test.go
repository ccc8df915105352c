package bot_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"tutorbot/bot"
	"tutorbot/lessons"
	"tutorbot/render"
	"tutorbot/storage"
)

// BenchmarkAsk measures a free-text question answered without an LLM
// through the engine with real bbolt, on a 50-lesson course: lesson,
// catalog and off-topic questions in turn.
func BenchmarkAsk(b *testing.B) {
	dir := bigCourseDir(b, 50)
	c, err := lessons.Load(os.DirFS(dir))
	if err != nil {
		b.Fatal(err)
	}
	db, err := storage.Open(filepath.Join(b.TempDir(), "bench.db"), storage.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	e, err := bot.NewEngine(bot.Config{DB: db, Course: c})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	qs := []string{"Should I trust benchmarks?", "Can I run Qwen2.5-32B on a 24 GB card?", "What's the weather in Paris?", "What is the difference between Q4 and Q5 quantization?"}
	handle := func(text string) {
		if _, err := e.Handle(ctx, bot.Event{Platform: "bench", UserID: "1", ChatID: "1", Text: text, Format: render.TelegramHTML}); err != nil {
			b.Fatal(err)
		}
	}
	handle("/start")
	t0 := time.Now()
	handle(qs[0]) // the first question builds the index
	b.ReportMetric(float64(time.Since(t0).Microseconds()), "first-question-µs")
	lat := make([]time.Duration, 0, 1024)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		t0 := time.Now()
		handle(qs[i%len(qs)])
		lat = append(lat, time.Since(t0))
	}
	reportPercentiles(b, lat)
}
