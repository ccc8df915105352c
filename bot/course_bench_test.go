package bot_test

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"tutorbot/bot"
	"tutorbot/lessons"
	"tutorbot/render"
	"tutorbot/storage"
)

// bigCourseDir writes a course of n lessons to a folder: lesson 1 of the
// built-in course (9 pages, a two-question quiz) under n ids and orders.
func bigCourseDir(b testing.TB, n int) string {
	b.Helper()
	src, err := fs.ReadFile(lessons.Content(), "en/01-map-of-open-weight-models.md")
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "en"), 0o755); err != nil {
		b.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		text := strings.Replace(string(src), "id: map-of-open-weight-models", fmt.Sprintf("id: lesson-%d", i), 1)
		text = strings.Replace(text, "order: 1", fmt.Sprintf("order: %d", i), 1)
		if err := os.WriteFile(filepath.Join(dir, "en", fmt.Sprintf("%02d.md", i)), []byte(text), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return dir
}

// p99 reports the 99th percentile of d as a benchmark metric.
func reportPercentiles(b *testing.B, d []time.Duration) {
	if len(d) == 0 {
		return
	}
	slices.Sort(d)
	b.ReportMetric(float64(d[len(d)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(d[len(d)*99/100].Microseconds()), "p99-µs")
}

// BenchmarkCourseMap measures /course through the engine with real bbolt
// (fsync on) for a learner in the middle of a 50-lesson course.
func BenchmarkCourseMap(b *testing.B) {
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
	handle := func(text string) []bot.Reply {
		r, err := e.Handle(ctx, bot.Event{Platform: "bench", UserID: "1", ChatID: "1", Text: text, Format: render.TelegramHTML})
		if err != nil {
			b.Fatal(err)
		}
		return r
	}
	for i := 1; i <= 25; i++ {
		handle(fmt.Sprintf("/lesson %d", i))
		for range 9 {
			handle("/next")
		}
	}
	if r := handle("/course"); !strings.Contains(r[0].Text, "50 lessons") {
		b.Fatalf("course map: %s", r[0].Text)
	}
	lat := make([]time.Duration, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		t0 := time.Now()
		handle("/course")
		lat = append(lat, time.Since(t0))
	}
	reportPercentiles(b, lat)
}

// BenchmarkReload measures reading and checking a 50-lesson folder, and
// the p99 of learners' button presses while reloads run back to back
// compared with no reload.
func BenchmarkReload(b *testing.B) {
	dir := bigCourseDir(b, 50)
	load := func() (*lessons.Course, error) { return lessons.Load(os.DirFS(dir)) }
	b.Run("load50", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := load(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("reload50-one-changed", func(b *testing.B) {
		prev, err := load()
		if err != nil {
			b.Fatal(err)
		}
		path := filepath.Join(dir, "en", "07.md")
		orig, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		defer os.WriteFile(path, orig, 0o644)
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			// An author's edit: one file changes, the others stay.
			text := strings.Replace(string(orig), "## ", fmt.Sprintf("## Edit %d · ", i), 1)
			if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
				b.Fatal(err)
			}
			if prev, err = lessons.Reload(os.DirFS(dir), prev); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, reloading := range []bool{false, true} {
		name := "press-idle"
		if reloading {
			name = "press-reloading"
		}
		b.Run(name, func(b *testing.B) {
			c, err := load()
			if err != nil {
				b.Fatal(err)
			}
			db, err := storage.Open(filepath.Join(b.TempDir(), "bench.db"), storage.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			e, err := bot.NewEngine(bot.Config{DB: db, Course: c, LoadCourse: load})
			if err != nil {
				b.Fatal(err)
			}
			var stop atomic.Bool
			done := make(chan int)
			go func() {
				n := 0
				for reloading && !stop.Load() {
					if _, err := e.Reload(); err != nil {
						panic(err)
					}
					n++
				}
				done <- n
			}()
			ref := lessons.RefOf("lesson-1")
			lat := make([]time.Duration, 0, 1024)
			for i := 0; b.Loop(); i++ {
				t0 := time.Now()
				if _, err := e.Handle(context.Background(), bot.Event{Platform: "bench", UserID: "1", ChatID: "1", Payload: fmt.Sprintf("1:pg:%s:%d", ref, i%2), Format: render.TelegramHTML}); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t0))
			}
			stop.Store(true)
			if n := <-done; reloading {
				b.ReportMetric(float64(n), "reloads")
			}
			reportPercentiles(b, lat)
		})
	}
}
