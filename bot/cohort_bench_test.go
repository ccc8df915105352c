package bot_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"tutorbot/bot"
	"tutorbot/lessons"
	"tutorbot/render"
	"tutorbot/storage"
)

// BenchmarkClass1000 is /class for a cohort of 1,000 learners through the
// engine: the class list and the cohort's funnel chart (a PNG).
func BenchmarkClass1000(b *testing.B) {
	db, err := storage.Open(filepath.Join(b.TempDir(), "tutor.db"), storage.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	course, _ := lessons.Default()
	e, err := bot.NewEngine(bot.Config{DB: db, Course: course, Now: clock, Admins: map[string]bool{"test:1": true}})
	if err != nil {
		b.Fatal(err)
	}
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
