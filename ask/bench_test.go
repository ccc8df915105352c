package ask

import (
	"fmt"
	"io/fs"
	"runtime"
	"strings"
	"testing"
	"testing/fstest"

	"tutorbot/lessons"
	"tutorbot/locale"
	"tutorbot/practice"
)

// bigCourse is lesson 1 of the shipped course, in English and Russian,
// under n ids and orders: a synthetic course of n lessons.
func bigCourse(b testing.TB, n int) *lessons.Course {
	b.Helper()
	fsys := fstest.MapFS{}
	for _, lang := range []string{"en", "ru"} {
		src, err := fs.ReadFile(lessons.Content(), lang+"/01-map-of-open-weight-models.md")
		if err != nil {
			b.Fatal(err)
		}
		for i := 1; i <= n; i++ {
			text := strings.Replace(string(src), "id: map-of-open-weight-models", fmt.Sprintf("id: lesson-%d", i), 1)
			text = strings.Replace(text, "order: 1", fmt.Sprintf("order: %d", i), 1)
			fsys[fmt.Sprintf("%s/%02d.md", lang, i)] = &fstest.MapFile{Data: []byte(text)}
		}
	}
	c, err := lessons.Load(fsys)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkBuildIndex measures building the question index of the shipped
// course and of a 50-lesson course (both languages), and the heap the
// 50-lesson index keeps.
func BenchmarkBuildIndex(b *testing.B) {
	shippedCourse, err := lessons.Default()
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		course *lessons.Course
	}{{"shipped", shippedCourse}, {"lessons50", bigCourse(b, 50)}} {
		b.Run(tc.name, func(b *testing.B) {
			var keep *Index
			b.ReportAllocs()
			for b.Loop() {
				ix, err := BuildIndex(tc.course)
				if err != nil {
					b.Fatal(err)
				}
				keep = ix
			}
			keep = nil
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			keep, _ = BuildIndex(tc.course)
			runtime.GC()
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(after.HeapInuse-before.HeapInuse)/(1<<20), "index-heap-MB")
			runtime.KeepAlive(keep)
		})
	}
}

// BenchmarkAnswer measures answering a question without an LLM on a
// 50-lesson course: a lesson question, a catalog question, an off-topic one.
func BenchmarkAnswer(b *testing.B) {
	cat, err := practice.LoadCatalog()
	if err != nil {
		b.Fatal(err)
	}
	loc, err := locale.Default()
	if err != nil {
		b.Fatal(err)
	}
	tu, err := New(bigCourse(b, 50), cat, loc)
	if err != nil {
		b.Fatal(err)
	}
	for _, q := range []Question{
		{Text: "Should I trust benchmarks?", Lang: "en"},
		{Text: "Чем известен DeepSeek?", Lang: "ru"},
		{Text: "Can I run Qwen2.5-32B on a 24 GB card?", Lang: "en"},
		{Text: "What's the weather in Paris?", Lang: "en"},
	} {
		b.Run(strings.Fields(q.Text)[0], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if a := tu.Answer(q); a.Markdown == "" {
					b.Fatal("empty answer")
				}
			}
		})
	}
}
