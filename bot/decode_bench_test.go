package bot

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// BenchmarkDecodeForClass compares, in one run, decoding a whole learner
// record (decodeState) with decoding only its progress (decodeProgress, what
// /class and the funnel read), on a record of a learner who used the tutor
// for a while: a lesson read with its quiz, ten practice answers, five
// comparisons and ten reference tasks.
func BenchmarkDecodeForClass(b *testing.B) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	st := &State{Version: stateVersion, Started: now, Lesson: "map", Active: unixSeconds(now.Unix()), Lang: "en",
		Progress: map[string]*Progress{"map": {Page: 8, Seen: 9, Finished: true, Done: now}}}
	st.Progress["map"].Quiz.Finished, st.Progress["map"].Quiz.Best, st.Progress["map"].Quiz.Total = true, 2, 2
	answer := strings.Repeat("A recommendation with its reasoning, memory figures and license notes. ", 40)
	for i := range 10 {
		st.Submissions = append(st.Submissions, Submission{ID: i, At: now, Picks: []string{"qwen2.5-32b", "mistral-small-24b"}, Answer: answer})
		st.Tasks = append(st.Tasks, Task{ID: i, Text: "Summarize a support ticket in three bullet points", Added: now, From: "message"})
	}
	for i := range 5 {
		c := Comparison{ID: i, Prompt: "Explain KV cache size in two sentences", At: now, Best: 1}
		for _, m := range []string{"deepseek", "qwen", "mistral"} {
			c.Answers = append(c.Answers, CompareAnswer{Model: m, Done: true})
		}
		st.Compares = append(st.Compares, c)
	}
	rec, err := json.Marshal(st)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("record of %d bytes, progress in the first %d", len(rec), progressEnd(rec))
	for _, v := range []struct {
		name   string
		decode func([]byte) (*State, error)
	}{{"state", decodeState}, {"progress", decodeProgress}} {
		b.Run(v.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				got, err := v.decode(rec)
				if err != nil || got.Progress["map"].Quiz.Best != 2 {
					b.Fatalf("decode: %v", err)
				}
			}
		})
	}
}
