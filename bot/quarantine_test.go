package bot_test

import (
	"context"
	"strings"
	"testing"

	"tutorbot/bot"
	"tutorbot/lessons"
	"tutorbot/render"
	"tutorbot/storage"
)

// TestUnreadableRecordQuarantined: a learner record that no longer decodes
// (here: the zero bytes a damaged page leaves) is moved to the quarantine
// with its key, the learner is told once and starts fresh, every later
// turn works, and the statistics show it.
func TestUnreadableRecordQuarantined(t *testing.T) {
	h := newHarness(t, render.Plain)
	h.say("/start")
	h.press("▶ Start the lesson")
	h.press("Next ▶")
	key := "test:" + h.user
	damaged := "\x00\x00\x00\x00{\"v\":1"
	if err := h.db.Update(context.Background(), func(tx *storage.Tx) error { return tx.PutLearner(key, []byte(damaged)) }); err != nil {
		t.Fatal(err)
	}
	course, err := lessons.Default()
	if err != nil {
		t.Fatal(err)
	}
	if s, err := bot.ComputeStats(h.db, course); err != nil || s.Unreadable != 1 {
		t.Fatalf("stats before the turn: %+v, %v; want 1 unreadable", s, err)
	}

	replies := h.say("/progress")
	all := texts(replies)
	if !strings.Contains(all, "saved progress could not be read") || !strings.Contains(all, "not started") {
		t.Fatalf("first turn after the damage:\n%s", all)
	}
	var quarantined []storage.Quarantined
	var rec []byte
	h.db.View(func(tx *storage.Tx) error {
		rec = tx.Learner(key)
		return tx.ForEachQuarantined(func(q storage.Quarantined) error { quarantined = append(quarantined, q); return nil })
	})
	if len(quarantined) != 1 || quarantined[0].Key != key || string(quarantined[0].Record) != damaged || !strings.Contains(quarantined[0].Reason, "decode learner record") {
		t.Fatalf("quarantine holds %+v", quarantined)
	}
	if strings.Contains(string(rec), "\x00") || rec == nil {
		t.Fatalf("learner record after the turn: %q", rec)
	}

	// No endless apology: the next turns are ordinary.
	for _, cmd := range []string{"/progress", "/lesson"} {
		if all := texts(h.say(cmd)); strings.Contains(all, "could not be read") || strings.Contains(all, "went wrong") {
			t.Fatalf("%s after the fresh start:\n%s", cmd, all)
		}
	}
	s, err := bot.ComputeStats(h.db, course)
	if err != nil || s.Quarantined != 1 || s.Unreadable != 0 || len(s.QuarantinedKeys) != 1 || s.QuarantinedKeys[0] != key {
		t.Fatalf("stats after: %+v, %v", s, err)
	}
	if md := s.Markdown(); !strings.Contains(md, "quarantined: 1") {
		t.Errorf("stats text does not show the quarantine:\n%s", md)
	}

	// Erasure removes the quarantined copy too.
	if err := h.db.Update(context.Background(), func(tx *storage.Tx) error { return tx.DeleteLearner(key) }); err != nil {
		t.Fatal(err)
	}
	n := 0
	h.db.View(func(tx *storage.Tx) error {
		return tx.ForEachQuarantined(func(storage.Quarantined) error { n++; return nil })
	})
	if n != 0 {
		t.Errorf("%d quarantined records left after the learner was erased", n)
	}
}

func texts(replies []bot.Reply) string {
	var b strings.Builder
	for _, r := range replies {
		b.WriteString(r.Text + "\n")
	}
	return b.String()
}
