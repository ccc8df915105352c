package discord

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tutorbot/bot"
	"tutorbot/bot/discord/discordtest"
	"tutorbot/lessons"
	"tutorbot/render"
	"tutorbot/storage"
)

// TestAnnounceThroughDiscord: an announcement reaches every learner's DM
// once through the fake Discord API, paced by BulkRate; a 50007 marks its
// learner unreachable and skips them.
func TestAnnounceThroughDiscord(t *testing.T) {
	const n, bulkRate = 10, 20
	db, err := storage.Open(filepath.Join(t.TempDir(), "tutor.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	course, _ := lessons.Default()
	e, err := bot.NewEngine(bot.Config{DB: db, Course: course, Log: slog.New(slog.DiscardHandler), Admins: map[string]bool{"discord:900": true},
		Now: func() time.Time { return time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, e, func(c *Config) { c.Reach, c.BulkRate = e, bulkRate })
	e.SetMessenger(h.b)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		e.Close(ctx)
	})
	say := func(user, text, payload string) []bot.Reply {
		rs, err := e.Handle(context.Background(), bot.Event{Platform: "discord", UserID: user, ChatID: discordtest.DMChannel(user), Text: text, Payload: payload, Format: render.DiscordMarkdown, Direct: true})
		if err != nil {
			t.Fatal(err)
		}
		return rs
	}
	for u := 1; u <= n; u++ {
		say(fmt.Sprint(u), "/start", "")
	}
	preview := say("900", "/announce Office hours moved to **Thursday**", "")
	send := ""
	for _, r := range preview {
		for _, row := range r.Buttons {
			for _, b := range row {
				if strings.HasSuffix(b.Payload, ":s") {
					send = b.Payload
				}
			}
		}
	}
	if send == "" {
		t.Fatalf("no Send button: %+v", preview)
	}
	h.srv.FailNext(discordtest.RouteSendMessage, 1, http.StatusForbidden, discordtest.CodeCannotSendToUser, 0)
	start := time.Now()
	say("900", "", send)
	var rep bot.AnnouncementReport
	deadline := time.Now().Add(10 * time.Second)
	for rep.Status != "done" {
		if time.Now().After(deadline) {
			t.Fatalf("not done: %+v", rep)
		}
		time.Sleep(5 * time.Millisecond)
		rep, _ = e.AnnouncementStatus(0)
	}
	elapsed := time.Since(start)
	got := 0
	for u := 1; u <= n; u++ {
		c := 0
		for _, m := range h.srv.Messages(discordtest.DMChannel(fmt.Sprint(u))) {
			if strings.Contains(m.Content, "Office hours moved to **Thursday**") {
				c++
			}
		}
		if c > 1 {
			t.Errorf("learner %d got it %d times", u, c)
		}
		got += c
	}
	// The admin, who wrote too, is in the audience: n+1 recipients.
	if rep.Counts["sent"] != n || rep.Counts["unreachable"] != 1 || got < n-1 {
		t.Errorf("counts %v, %d learners reached; want %d sent and 1 unreachable", rep.Counts, got, n)
	}
	if min := time.Duration(n-1) * time.Second / bulkRate; elapsed < min {
		t.Errorf("%d announcements in %v: faster than BulkRate %d/s allows", n+1, elapsed, bulkRate)
	}
}
