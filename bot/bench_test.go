package bot_test

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"tutorbot/bot"
	"tutorbot/lessons"
	"tutorbot/render"
	"tutorbot/storage"
)

// benchEngine opens an engine on a real bbolt file with fsync on (or off).
func benchEngine(b *testing.B, opts ...storage.Options) *bot.Engine {
	b.Helper()
	var o storage.Options
	if len(opts) > 0 {
		o = opts[0]
	}
	db, err := storage.Open(filepath.Join(b.TempDir(), "bench.db"), o)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	course, err := lessons.Default()
	if err != nil {
		b.Fatal(err)
	}
	e, err := bot.NewEngine(bot.Config{DB: db, Course: course})
	if err != nil {
		b.Fatal(err)
	}
	return e
}

// pressNext presses Next and Back in turn for one learner whose platform
// reports language lang.
func pressNext(b *testing.B, e *bot.Engine, user, lang string, i int) {
	ev := bot.Event{Platform: "bench", UserID: user, ChatID: user, Format: render.TelegramHTML, Payload: fmt.Sprintf("1:pg:1:%d", i%2), Lang: lang}
	if _, err := e.Handle(context.Background(), ev); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkButtonPress measures a button press through the engine with real
// bbolt and fsync: one learner at a time, then 64 learners in parallel
// sharing group commits. Compare the ns/op of the two. Each runs for an
// English and a Russian learner (the Russian lesson and catalog): the two
// should be within a few percent.
func BenchmarkButtonPress(b *testing.B) {
	for _, lang := range []string{"en", "ru"} {
		b.Run("serial/"+lang, func(b *testing.B) {
			e := benchEngine(b)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				pressNext(b, e, "1", lang, i)
			}
		})
	}
	// Without fsync: the engine's own work, which the disk's latency
	// hides in serial (it varies most between runs on a shared machine).
	for _, lang := range []string{"en", "ru"} {
		b.Run("serial-nosync/"+lang, func(b *testing.B) {
			e := benchEngine(b, storage.Options{NoSync: true})
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				pressNext(b, e, "1", lang, i)
			}
		})
	}
	for _, lang := range []string{"en", "ru"} {
		b.Run("parallel64/"+lang, func(b *testing.B) {
			e := benchEngine(b)
			var next atomic.Int64
			b.SetParallelism((64 + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				user := fmt.Sprint(next.Add(1))
				for i := 0; pb.Next(); i++ {
					pressNext(b, e, user, lang, i)
				}
			})
		})
	}
}

// BenchmarkButtonPressLanguages presses Next for an English and a Russian
// learner in turn on one engine (without fsync), timing each press: load
// from other processes falls on both alike, so the ratio holds on a busy
// machine where separate runs differ by more than the languages do.
func BenchmarkButtonPressLanguages(b *testing.B) {
	e := benchEngine(b, storage.Options{NoSync: true})
	var en, ru time.Duration
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		t0 := time.Now()
		pressNext(b, e, "en-learner", "en", i)
		t1 := time.Now()
		pressNext(b, e, "ru-learner", "ru", i)
		t2 := time.Now()
		en += t1.Sub(t0)
		ru += t2.Sub(t1)
	}
	n := float64(b.N)
	b.ReportMetric(float64(en.Nanoseconds())/n, "en-ns/press")
	b.ReportMetric(float64(ru.Nanoseconds())/n, "ru-ns/press")
	b.ReportMetric(float64(ru)/float64(en), "ru/en")
}

// BenchmarkPracticeTemplate sends a filled-in practice template through
// the engine (without fsync): parsing, the recommendation, its Markdown
// and the learner's record with the submission. Each learner sends it
// once, as a first submission.
func BenchmarkPracticeTemplate(b *testing.B) {
	e := benchEngine(b, storage.Options{NoSync: true})
	const text = "/practice Task: summarise support tickets in English\nWhere I run it: locally\nAvailable GPU memory: 12 GB\nConstraints: none"
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		user := fmt.Sprint("p", i)
		ev := bot.Event{Platform: "bench", UserID: user, ChatID: user, Format: render.TelegramHTML, Text: text, Lang: "en"}
		out, err := e.Handle(context.Background(), ev)
		if err != nil {
			b.Fatal(err)
		}
		if len(out) == 0 {
			b.Fatal("no reply")
		}
	}
}
