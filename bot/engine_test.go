package bot_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tutorbot/bot"
	"tutorbot/lessons"
	"tutorbot/remind"
	"tutorbot/render"
	"tutorbot/storage"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// clock is a fixed test clock.
func clock() time.Time { return time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC) }

// harness drives an Engine the way an adapter does and records a transcript.
type harness struct {
	t      testing.TB
	path   string
	course *lessons.Course // nil: the embedded course
	now    func() time.Time
	db     *storage.DB
	engine *bot.Engine
	user   string
	format render.Format
	// lang is the language the platform reports with each event.
	lang string
	last []bot.Button // buttons of the latest replies that had any
	log  strings.Builder
}

func newHarness(t testing.TB, format render.Format) *harness {
	t.Helper()
	h := &harness{t: t, path: filepath.Join(t.TempDir(), "tutor.db"), user: "42", format: format}
	h.open()
	t.Cleanup(func() { h.db.Close() })
	return h
}

func (h *harness) open() {
	h.t.Helper()
	db, err := storage.Open(h.path, storage.Options{})
	if err != nil {
		h.t.Fatalf("open db: %v", err)
	}
	course := h.course
	if course == nil {
		var err error
		if course, err = lessons.Default(); err != nil {
			h.t.Fatalf("load course: %v", err)
		}
	}
	now := h.now
	if now == nil {
		now = clock
	}
	e, err := bot.NewEngine(bot.Config{DB: db, Course: course, Now: now, Reminders: &remind.Service{DB: db, Now: now}})
	if err != nil {
		h.t.Fatalf("new engine: %v", err)
	}
	h.db, h.engine = db, e
}

// reopen closes the database and opens it again, as after a restart.
func (h *harness) reopen() {
	h.t.Helper()
	if err := h.db.Close(); err != nil {
		h.t.Fatal(err)
	}
	h.open()
	h.log.WriteString("=== restart: database closed and reopened\n\n")
}

func (h *harness) event(ev bot.Event) []bot.Reply {
	h.t.Helper()
	ev.Platform, ev.UserID, ev.ChatID, ev.Format = "test", h.user, h.user, h.format
	if ev.Lang == "" {
		ev.Lang = h.lang
	}
	replies, err := h.engine.Handle(context.Background(), ev)
	if err != nil {
		h.t.Fatalf("handle %+v: %v", ev, err)
	}
	var shown []bot.Button
	for _, r := range replies {
		switch r.Kind {
		case bot.Send:
			if r.Supersedes {
				h.log.WriteString("<<< send (supersedes)\n")
			} else {
				h.log.WriteString("<<< send\n")
			}
		case bot.Edit:
			h.log.WriteString("<<< edit\n")
		case bot.Ack:
			fmt.Fprintf(&h.log, "<<< ack %q\n", r.Text)
			continue
		case bot.Typing:
			h.log.WriteString("<<< typing\n")
			continue
		}
		h.log.WriteString(r.Text + "\n")
		for _, row := range r.Buttons {
			var labels []string
			for _, b := range row {
				labels = append(labels, fmt.Sprintf("[%s | %s]", b.Label, b.Payload))
				shown = append(shown, b)
			}
			h.log.WriteString(strings.Join(labels, " ") + "\n")
		}
	}
	h.log.WriteString("\n")
	if len(shown) > 0 {
		h.last = shown
	}
	return replies
}

func (h *harness) say(text string) []bot.Reply {
	h.t.Helper()
	fmt.Fprintf(&h.log, ">>> %s\n", text)
	return h.event(bot.Event{Text: text})
}

// press presses the button with the given label among the latest buttons.
func (h *harness) press(label string) []bot.Reply {
	h.t.Helper()
	for _, b := range h.last {
		if b.Label == label {
			fmt.Fprintf(&h.log, ">>> press [%s]\n", label)
			return h.event(bot.Event{Payload: b.Payload})
		}
	}
	h.t.Fatalf("no button %q among %+v", label, h.last)
	return nil
}

// pressPayload presses a raw payload, as a forged or stale button would.
func (h *harness) pressPayload(p string) []bot.Reply {
	h.t.Helper()
	fmt.Fprintf(&h.log, ">>> press payload %q\n", p)
	return h.event(bot.Event{Payload: p})
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test -update to create it): %v", err)
	}
	if string(want) != got {
		t.Errorf("transcript differs from %s (run go test ./bot -update and review the diff):\n%s", path, diff(string(want), got))
	}
}

// diff shows the first differing line.
func diff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return fmt.Sprintf("line %d:\nwant: %q\ngot:  %q", i+1, w, g)
		}
	}
	return ""
}

// TestJourney is the whole journey of one learner, as a golden transcript.
func TestJourney(t *testing.T) {
	h := newHarness(t, render.Plain)
	course, _ := lessons.Default()
	pages := len(course.First().Pages)

	h.say("/start")
	h.press("▶ Start the lesson")
	for i := 1; i < pages; i++ {
		h.press("Next ▶")
	}
	h.press("◀ Back")
	h.press("Next ▶")
	h.press("Take the quiz ▶")
	h.press("B") // question 1: right
	h.press("A") // question 2: wrong (the right answer is C)
	h.press("Retry missed")
	h.press("C") // question 2 again: right
	h.say("/progress")
	h.press("▶ Lesson")
	h.say("/back")
	h.reopen()
	h.say("/lesson")
	golden(t, "journey.txt", h.log.String())
}

// A Next pressed twice (a double tap, a replayed button) turns to the page
// once more in place and says which page the learner is on, so the second
// tap is not met with silence; a first tap has no such toast.
func TestSecondTapSaysWhichPage(t *testing.T) {
	h := newHarness(t, render.Plain)
	h.say("/start")
	h.press("▶ Start the lesson")
	first := h.pressPayload("1:pg:1:1")
	second := h.pressPayload("1:pg:1:1")
	toast := func(rs []bot.Reply) string {
		for _, r := range rs {
			if r.Kind == bot.Ack {
				return r.Text
			}
		}
		return ""
	}
	if got := toast(first); got != "" {
		t.Errorf("first tap: toast %q, want none", got)
	}
	if got, want := toast(second), "You are on page 2 of 9."; got != want {
		t.Errorf("second tap: toast %q, want %q", got, want)
	}
	if len(second) < 2 || !second[len(second)-1].Supersedes || !strings.Contains(second[len(second)-1].Text, "page 2/9") {
		t.Errorf("second tap: replies %+v, want page 2 in place", second)
	}
}

func TestExplanationDropsRepeatedVerdict(t *testing.T) {
	for _, c := range []struct{ text, word, want string }{
		{"Right. Weights run locally.", "Right", "Weights run locally."},
		{"No, benchmarks are not the truth.", "No", "benchmarks are not the truth."},
		{"Nothing else fits.", "No", "Nothing else fits."},
		{"Rightly so.", "Right", "Rightly so."},
		{"Right.", "Right", "Right."},
		{"That describes Phi.", "No", "That describes Phi."},
		{"Not quite. The lesson says otherwise.", "No", "The lesson says otherwise."},
		{"Noted: it depends.", "No", "Noted: it depends."},
		{"Не совсем. В уроке сказано иначе.", "No", "В уроке сказано иначе."},
		{"Верно. Веса можно скачать.", "Right", "Веса можно скачать."},
		{"Correct — weights run locally.", "Right", "weights run locally."},
	} {
		if got := bot.Explanation(c.text, c.word); got != c.want {
			t.Errorf("Explanation(%q, %q) = %q, want %q", c.text, c.word, got, c.want)
		}
	}
}

// TestTurnSeesWritesMadeBetweenTurns checks that a turn works on the stored
// record, not on the state the learner's previous turn left in memory: a
// write made between the two (here straight to the database, as a restore
// or another process would) is what the next turn sees.
func TestTurnSeesWritesMadeBetweenTurns(t *testing.T) {
	h := newHarness(t, render.Plain)
	h.say("/start")
	h.press("▶ Start the lesson")
	h.press("Next ▶") // page 2; its state is kept for the next turn

	key := "test:" + h.user
	err := h.db.Update(context.Background(), func(tx *storage.Tx) error {
		rec := strings.Replace(string(tx.Learner(key)), `"page":1,`, `"page":4,`, 1)
		if rec == string(tx.Learner(key)) {
			t.Fatalf("record %s has no page 2 to change", tx.Learner(key))
		}
		return tx.PutLearner(key, []byte(rec))
	})
	if err != nil {
		t.Fatal(err)
	}
	replies := h.say("/lesson")
	if len(replies) == 0 || !strings.Contains(replies[0].Text, "page 5/") {
		t.Fatalf("/lesson after the record moved to page 5 shows %q", replies[0].Text)
	}
	h.press("Next ▶")
	var rec string
	h.db.View(func(tx *storage.Tx) error { rec = string(tx.Learner(key)); return nil })
	if !strings.Contains(rec, `"page":5,`) {
		t.Errorf("after Next from page 5 the record is %s, want page index 5 (page 6)", rec)
	}
}
