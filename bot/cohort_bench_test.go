package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"tutorbot/bot"
	"tutorbot/lessons"
	"tutorbot/render"
	"tutorbot/storage"
)

// BenchmarkClass1000 is /class for a cohort of 1,000 learners through the
// engine: the class list and the cohort's funnel chart (a PNG).
func BenchmarkClass1000(b *testing.B) {
	_, _, e := classEngine(b)
	ctx := context.Background()
	for i := range 1000 {
		user := fmt.Sprint(1000 + i)
		for _, text := range []string{"/lesson", "/next"} {
			if _, err := e.Handle(ctx, bot.Event{Platform: "test", UserID: user, ChatID: "g1", Name: "Learner " + user, Text: text, Format: render.Plain}); err != nil {
				b.Fatal(err)
			}
		}
	}
	ev := bot.Event{Platform: "test", UserID: "1", ChatID: "1", Direct: true, Text: "/class chat:test:g1", Format: render.TelegramHTML}
	b.ReportAllocs()
	for b.Loop() {
		rs, err := e.Handle(ctx, ev)
		if err != nil || len(rs) < 2 || rs[len(rs)-1].File == nil {
			b.Fatalf("class: %v %d replies", err, len(rs))
		}
	}
}

// BenchmarkClass1000LongHistories is /class for a cohort of 1,000 learners
// whose records are about 30 KB each (twenty practice answers, ten
// reference tasks): /class reads only the start of each record.
func BenchmarkClass1000LongHistories(b *testing.B) {
	db, course, e := classEngine(b)
	const code = "spring26"
	lesson := course.First().ID
	answer := strings.Repeat("A recommendation with its reasoning, memory figures and license notes. ", 20)
	err := db.Update(context.Background(), func(tx *storage.Tx) error {
		c, _ := json.Marshal(bot.Cohort{Code: code, Name: "Spring", Created: clock()})
		if err := tx.PutCohort(code, c); err != nil {
			return err
		}
		for i := range 1000 {
			st := bot.State{Version: 2, Started: clock(), Lesson: lesson, Cohorts: []string{code},
				Progress: map[string]*bot.Progress{lesson: {Page: i % 9, Seen: i%9 + 1}}}
			for j := range 20 {
				st.Submissions = append(st.Submissions, bot.Submission{ID: j, At: clock(), Answer: answer})
			}
			for j := range 10 {
				st.Tasks = append(st.Tasks, bot.Task{ID: j, Text: "Summarize a support ticket in three bullet points", Added: clock()})
			}
			rec, _ := json.Marshal(st)
			key := fmt.Sprintf("test:%d", 1000+i)
			if err := tx.PutLearner(key, rec); err != nil {
				return err
			}
			if err := tx.PutCohortMember(code, key, fmt.Sprintf("Learner %d", i)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	ev := bot.Event{Platform: "test", UserID: "1", ChatID: "1", Direct: true, Text: "/class " + code, Format: render.TelegramHTML}
	b.ReportAllocs()
	for b.Loop() {
		rs, err := e.Handle(ctx, ev)
		if err != nil || len(rs) < 2 || rs[len(rs)-1].File == nil || !strings.Contains(rs[0].Text, "1000 learners") {
			b.Fatalf("class: %v %d replies", err, len(rs))
		}
	}
}

// classEngine is an engine on a throw-away database in b's temporary
// folder, with "test:1" as the course's admin.
func classEngine(b *testing.B) (*storage.DB, *lessons.Course, *bot.Engine) {
	db, err := storage.Open(filepath.Join(b.TempDir(), "tutor.db"), storage.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	course, _ := lessons.Default()
	e, err := bot.NewEngine(bot.Config{DB: db, Course: course, Now: clock, Admins: map[string]bool{"test:1": true}})
	if err != nil {
		b.Fatal(err)
	}
	return db, course, e
}
