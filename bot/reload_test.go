package bot_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"

	"tutorbot/bot"
	"tutorbot/lessons"
	"tutorbot/render"
	"tutorbot/storage"
)

// reloadEngine is an engine whose LoadCourse returns whatever *folder
// holds at the time.
func reloadEngine(t testing.TB, folder *atomic.Pointer[fstest.MapFS], admins ...string) (*bot.Engine, *storage.DB) {
	t.Helper()
	db, err := storage.Open(filepath.Join(t.TempDir(), "tutor.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	load := func() (*lessons.Course, error) { return lessons.Load(*folder.Load()) }
	c, err := load()
	if err != nil {
		t.Fatal(err)
	}
	adm := map[string]bool{}
	for _, a := range admins {
		adm[a] = true
	}
	e, err := bot.NewEngine(bot.Config{DB: db, Course: c, LoadCourse: load, Admins: adm, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	return e, db
}

func say(t testing.TB, e *bot.Engine, user, text string) string {
	t.Helper()
	replies, err := e.Handle(context.Background(), bot.Event{Platform: "test", UserID: user, ChatID: user, Text: text, Format: render.Plain})
	if err != nil {
		t.Fatal(err)
	}
	var parts []string
	for _, r := range replies {
		parts = append(parts, r.Text)
	}
	return strings.Join(parts, "\n")
}

func folderOf(n int) *fstest.MapFS {
	fsys := fstest.MapFS{}
	for i := 1; i <= n; i++ {
		fsys[fmt.Sprintf("en/%02d.md", i)] = &fstest.MapFile{Data: lessonWith(fmt.Sprintf("l%d", i), i, 3, "q")}
	}
	return &fsys
}

func TestReloadCommand(t *testing.T) {
	var folder atomic.Pointer[fstest.MapFS]
	folder.Store(folderOf(1))
	e, db := reloadEngine(t, &folder, "test:admin")

	say(t, e, "learner", "/lesson")
	before := record(t, db, "test:learner")
	folder.Store(folderOf(2))
	if got := say(t, e, "learner", "/reload"); !strings.Contains(got, "admins only") {
		t.Errorf("non-admin /reload: %s", got)
	}
	if got := say(t, e, "learner", "/course"); !strings.Contains(got, "1 lesson ") {
		t.Errorf("a non-admin's /reload changed the course:\n%s", got)
	}
	if after := record(t, db, "test:learner"); !sameButActive(before, after) {
		t.Errorf("refused /reload changed the record")
	}

	broken := fstest.MapFS{"en/01.md": {Data: lessonWith("l1", 1, 3, "q")}, "en/02.md": {Data: []byte("---\nid: l2\n---\n")}}
	folder.Store(&broken)
	got := say(t, e, "admin", "/reload")
	if !strings.Contains(got, "not changed") || !strings.Contains(got, "en/02.md:") {
		t.Errorf("/reload of a broken folder: %s", got)
	}
	if got := say(t, e, "learner", "/course"); !strings.Contains(got, "1 lesson ") {
		t.Errorf("a broken folder changed the course:\n%s", got)
	}

	folder.Store(folderOf(2))
	if got := say(t, e, "admin", "/reload"); !strings.Contains(got, "Lessons reloaded: 2 lessons in en") {
		t.Errorf("/reload: %s", got)
	}
	if got := say(t, e, "learner", "/course"); !strings.Contains(got, "2. Lesson l2 — not started") {
		t.Errorf("/course after /reload:\n%s", got)
	}
}

func TestReloadBuiltInCourse(t *testing.T) {
	h := newHarness(t, render.Plain)
	if _, err := h.engine.Reload(); !errors.Is(err, bot.ErrNoLessonsDir) {
		t.Errorf("Reload of the built-in course: %v", err)
	}
}

// TestReloadDuringTurns swaps the course back and forth while learners
// use it: every turn sees one whole course (never a mix of two), and
// nothing fails (run with -race).
func TestReloadDuringTurns(t *testing.T) {
	var folder atomic.Pointer[fstest.MapFS]
	one, two := folderOf(1), folderOf(2)
	folder.Store(one)
	e, _ := reloadEngine(t, &folder)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for i := range 4 {
		wg.Go(func() {
			user := fmt.Sprint(i)
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				got := say(t, e, user, "/course")
				oneLesson := strings.Contains(got, "1 lesson ") && !strings.Contains(got, "Lesson l2")
				twoLessons := strings.Contains(got, "2 lessons") && strings.Contains(got, "2. Lesson l2")
				if oneLesson == twoLessons {
					t.Errorf("a turn saw a mixed course:\n%s", got)
					return
				}
				say(t, e, user, "/next")
			}
		})
	}
	for i := range 40 {
		if i%2 == 0 {
			folder.Store(two)
		} else {
			folder.Store(one)
		}
		if _, err := e.Reload(); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
}
