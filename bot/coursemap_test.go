package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"tutorbot/bot"
	"tutorbot/lessons"
	"tutorbot/render"
	"tutorbot/storage"
)

// fixtureCourse loads the two-lesson test course in testdata/course.
func fixtureCourse(t testing.TB) *lessons.Course {
	t.Helper()
	c, err := lessons.Load(os.DirFS(filepath.Join("testdata", "course")))
	if err != nil {
		t.Fatalf("load the fixture course: %v", err)
	}
	return c
}

func newCourseHarness(t testing.TB, c *lessons.Course) *harness {
	t.Helper()
	h := &harness{t: t, path: filepath.Join(t.TempDir(), "tutor.db"), user: "42", format: render.Plain, course: c}
	h.open()
	t.Cleanup(func() { h.db.Close() })
	return h
}

// TestCourseJourney is a learner's way through the two-lesson fixture
// course, as a golden transcript: lesson 1 to its quiz, "Next lesson",
// lesson 2, the course map, /progress and the course-complete message.
func TestCourseJourney(t *testing.T) {
	h := newCourseHarness(t, fixtureCourse(t))
	h.say("/start")
	h.press("▶ Start the lesson")
	h.press("Next ▶")
	h.press("Take the quiz ▶")
	h.press("B")
	h.press("A")
	h.press("Next lesson ▶")
	h.say("/course")
	h.say("/progress")
	h.press("▶ Lesson")
	replies := h.press("Next ▶")
	h.say("/course")
	h.press("1")
	h.say("/lesson next-steps")
	h.say("/lesson 1")
	golden(t, "course.txt", h.log.String())

	done := 0
	for _, r := range replies {
		if strings.Contains(r.Text, "You've finished the course") {
			done++
		}
	}
	if done != 1 {
		t.Errorf("the last page brought %d course-complete messages, want 1", done)
	}
	if strings.Count(h.log.String(), "You've finished the course") != 1 {
		t.Errorf("the course-complete message was sent more than once")
	}
}

// TestLessonCommandBadInput checks that /lesson with a wrong argument and
// a button for a lesson that does not exist get a clear answer and change
// nothing.
func TestLessonCommandBadInput(t *testing.T) {
	h := newCourseHarness(t, fixtureCourse(t))
	h.say("/start")
	h.press("▶ Start the lesson")
	key := "test:" + h.user
	before := record(t, h.db, key)
	for _, in := range []string{"/lesson 0", "/lesson 999", "/lesson ../../etc/passwd", "/lesson -1", "/lesson " + strings.Repeat("x", 10000), "/lesson 1e9", "/lesson 99999999999999999999"} {
		replies := h.say(in)
		if len(replies) != 1 || !strings.Contains(replies[0].Text, "There is no lesson") {
			t.Errorf("%.40q: replies %+v", in, replies)
		}
		if len(replies) == 1 && len(replies[0].Text) > 300 {
			t.Errorf("%.40q: reply of %d bytes echoes the input", in, len(replies[0].Text))
		}
	}
	for _, p := range []string{"1:lo:lnosuchlesson", "1:lo:77", "1:pg:lnosuchlesson:0", "1:qz:lnosuchlesson", "1:qa:l0:1:0:0"} {
		replies := h.pressPayload(p)
		if len(replies) == 0 {
			t.Errorf("%s: no reply", p)
		}
	}
	if after := record(t, h.db, key); !sameButActive(before, after) {
		t.Errorf("bad input changed the record:\nbefore %s\nafter  %s", before, after)
	}
}

// record reads a learner's stored record.
func record(t testing.TB, db *storage.DB, key string) string {
	t.Helper()
	var rec string
	if err := db.View(func(tx *storage.Tx) error { rec = string(tx.Learner(key)); return nil }); err != nil {
		t.Fatal(err)
	}
	return rec
}

// sameButActive compares two records, ignoring when the learner was last
// active.
func sameButActive(a, b string) bool {
	strip := func(s string) map[string]any {
		var m map[string]any
		json.Unmarshal([]byte(s), &m)
		delete(m, "active")
		return m
	}
	x, _ := json.Marshal(strip(a))
	y, _ := json.Marshal(strip(b))
	return string(x) == string(y)
}

// lessonWith is a lesson file with the given pages and quiz question ids.
func lessonWith(id string, order, pages int, questions ...string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "---\nid: %s\ntitle: Lesson %s\norder: %d\ncourse: Changing\n", id, id, order)
	if len(questions) > 0 {
		b.WriteString("quiz:\n")
		for _, q := range questions {
			fmt.Fprintf(&b, "  - id: %s\n    question: Question %s?\n    answer: a\n    options:\n      - {id: a, text: Yes, explain: Right.}\n      - {id: b, text: No, explain: Wrong.}\n", q, q)
		}
	}
	b.WriteString("---\n")
	for i := 1; i <= pages; i++ {
		fmt.Fprintf(&b, "\n## Page %d\n\nText of page %d.\n", i, i)
	}
	return []byte(b.String())
}

func mustLoad(t testing.TB, fsys fstest.MapFS) *lessons.Course {
	t.Helper()
	c, err := lessons.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestContentChanges swaps the course under a learner, as a reload or a
// new release does, and checks that progress is kept, clamped to what the
// lessons have now, and that nothing panics.
func TestContentChanges(t *testing.T) {
	t.Run("lesson shrinks from 9 pages to 6", func(t *testing.T) {
		h := newCourseHarness(t, mustLoad(t, fstest.MapFS{"en/a.md": {Data: lessonWith("a", 1, 9, "q1")}, "en/b.md": {Data: lessonWith("b", 2, 3)}}))
		h.say("/lesson")
		for range 8 {
			h.say("/next")
		}
		h.say("/lesson b")
		h.say("/next")
		bBefore := progressOf(t, h, "b")
		if err := h.engine.SetCourse(mustLoad(t, fstest.MapFS{"en/a.md": {Data: lessonWith("a", 1, 6, "q1")}, "en/b.md": {Data: lessonWith("b", 2, 3)}})); err != nil {
			t.Fatal(err)
		}
		replies := h.say("/lesson a")
		if len(replies) == 0 || !strings.Contains(replies[len(replies)-1].Text, "page 6/6") {
			t.Fatalf("after the shrink /lesson a shows %+v, want page 6/6", replies)
		}
		if replies := h.say("/progress"); !strings.Contains(replies[0].Text, "Lesson a — read") {
			t.Errorf("/progress after the shrink: %s", replies[0].Text)
		}
		h.say("/next")
		h.say("/back")
		if p := progressOf(t, h, "a"); p.Page != 4 || p.Seen != 6 || !p.Finished {
			t.Errorf("lesson a after the shrink: %+v", p)
		}
		if got := progressOf(t, h, "b"); got.Page != bBefore.Page || got.Seen != bBefore.Seen {
			t.Errorf("lesson b changed: %+v, was %+v", got, bBefore)
		}
		// A Next button from the old 9-page lesson is refused, not a panic.
		if replies := h.pressPayload("1:pg:" + lessons.RefOf("a") + ":8"); len(replies) == 0 {
			t.Error("no reply to a page that no longer exists")
		}
	})
	t.Run("quiz question removed mid-attempt", func(t *testing.T) {
		h := newCourseHarness(t, mustLoad(t, fstest.MapFS{"en/a.md": {Data: lessonWith("a", 1, 2, "q1", "q2", "q3")}}))
		h.say("/quiz")
		h.press("A") // q1 right
		if err := h.engine.SetCourse(mustLoad(t, fstest.MapFS{"en/a.md": {Data: lessonWith("a", 1, 2, "q1", "q3")}})); err != nil {
			t.Fatal(err)
		}
		replies := h.say("/quiz")
		if len(replies) != 1 || !strings.Contains(replies[0].Text, "Question 2 of 2") || !strings.Contains(replies[0].Text, "Question q3?") || !strings.Contains(replies[0].Text, "Answered: 1 of 2") {
			t.Fatalf("the attempt after q2 was removed: %+v", replies)
		}
		replies = h.press("A")
		if !strings.Contains(replies[len(replies)-1].Text, "Quiz finished: 2 of 2") {
			t.Errorf("finishing the attempt: %+v", replies)
		}
	})
	t.Run("every answered question removed", func(t *testing.T) {
		h := newCourseHarness(t, mustLoad(t, fstest.MapFS{"en/a.md": {Data: lessonWith("a", 1, 2, "q1", "q2")}}))
		h.say("/quiz")
		h.press("A")
		if err := h.engine.SetCourse(mustLoad(t, fstest.MapFS{"en/a.md": {Data: lessonWith("a", 1, 2, "q1")}})); err != nil {
			t.Fatal(err)
		}
		replies := h.say("/quiz")
		if len(replies) != 1 || !strings.Contains(replies[0].Text, "Quiz finished: 1 of 1") {
			t.Fatalf("the attempt whose open question was removed: %+v", replies)
		}
	})
	t.Run("lessons renumbered and one inserted", func(t *testing.T) {
		h := newCourseHarness(t, mustLoad(t, fstest.MapFS{"en/a.md": {Data: lessonWith("a", 1, 3)}, "en/b.md": {Data: lessonWith("b", 2, 3)}}))
		h.say("/lesson 2")
		replies := h.say("/next")
		next := replies[len(replies)-1].Buttons[0][0].Payload // Next ▶ of lesson b, page 3
		if err := h.engine.SetCourse(mustLoad(t, fstest.MapFS{"en/new.md": {Data: lessonWith("new", 1, 3)}, "en/a.md": {Data: lessonWith("a", 2, 3)}, "en/b.md": {Data: lessonWith("b", 5, 3)}})); err != nil {
			t.Fatal(err)
		}
		replies = h.say("/lesson")
		if !strings.Contains(replies[len(replies)-1].Text, "Lesson b") && !strings.Contains(replies[len(replies)-1].Text, "page 2/3") {
			t.Errorf("/lesson after renumbering: %q", replies[len(replies)-1].Text)
		}
		replies = h.pressPayload(next)
		if !strings.Contains(replies[len(replies)-1].Text, "page 3/3") {
			t.Errorf("a button from before the renumbering: %q", replies[len(replies)-1].Text)
		}
		if replies := h.say("/course"); !strings.Contains(replies[0].Text, "5. Lesson b — read") || !strings.Contains(replies[0].Text, "1. Lesson new — not started") {
			t.Errorf("/course after renumbering:\n%s", replies[0].Text)
		}
	})
	t.Run("current lesson removed", func(t *testing.T) {
		h := newCourseHarness(t, mustLoad(t, fstest.MapFS{"en/a.md": {Data: lessonWith("a", 1, 3)}, "en/b.md": {Data: lessonWith("b", 2, 3)}}))
		h.say("/lesson 2")
		if err := h.engine.SetCourse(mustLoad(t, fstest.MapFS{"en/a.md": {Data: lessonWith("a", 1, 3)}})); err != nil {
			t.Fatal(err)
		}
		if replies := h.say("/lesson"); !strings.Contains(replies[0].Text, "Lesson 1 · Lesson a") {
			t.Errorf("/lesson after its lesson was removed: %q", replies[0].Text)
		}
		if p := progressOf(t, h, "b"); p == nil || p.Seen != 1 {
			t.Errorf("progress in the removed lesson was dropped: %+v", p)
		}
	})
}

// progressOf reads the stored progress of the harness's learner in lesson id.
func progressOf(t testing.TB, h *harness, id string) *bot.Progress {
	t.Helper()
	var st bot.State
	if err := json.Unmarshal([]byte(record(t, h.db, "test:"+h.user)), &st); err != nil {
		t.Fatal(err)
	}
	return st.Progress[id]
}

// TestMigrateV1Database opens a database file written by the tutor before
// courses (testdata/v1.db: learner 1 on page 3, learner 2 with the lesson
// read and the quiz passed, learner 3 in the middle of the quiz with a
// weekly reminder in Asia/Tokyo), migrates it and checks that every learner
// keeps their place.
func TestMigrateV1Database(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v1.db")
	copyFile(t, filepath.Join("testdata", "v1.db"), path)
	db, err := storage.Open(path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n, err := bot.Migrate(context.Background(), db)
	if err != nil || n != 3 {
		t.Fatalf("migrated %d records, err %v; want 3", n, err)
	}
	if n, err := bot.Migrate(context.Background(), db); err != nil || n != 0 {
		t.Fatalf("second migration rewrote %d records, err %v", n, err)
	}
	states := map[string]bot.State{}
	db.View(func(tx *storage.Tx) error {
		return tx.ForEachLearner(func(key string, rec []byte) error {
			var st bot.State
			if err := json.Unmarshal(rec, &st); err != nil {
				t.Errorf("%s: %v", key, err)
			}
			states[key] = st
			return nil
		})
	})
	const id = "map-of-open-weight-models"
	if p := states["telegram:1"].Progress[id]; states["telegram:1"].Version != 2 || p.Page != 2 || p.Seen != 3 || !p.Done.IsZero() {
		t.Errorf("learner 1: %+v %+v", states["telegram:1"], p)
	}
	if st := states["telegram:2"]; !st.Progress[id].Finished || st.Progress[id].Quiz.Best != 2 || !st.Progress[id].Done.Equal(st.Started) {
		t.Errorf("learner 2: %+v", st.Progress[id])
	}
	if a := states["telegram:3"].Progress[id].Quiz.Attempt; a == nil || a.Chosen["why-open-weights"] != "a" {
		t.Errorf("learner 3 lost the attempt: %+v", a)
	}

	// The migrated learners carry on through the engine.
	course, _ := lessons.Default()
	e, err := bot.NewEngine(bot.Config{DB: db, Course: course})
	if err != nil {
		t.Fatal(err)
	}
	ask := func(user, text string) string {
		replies, err := e.Handle(context.Background(), bot.Event{Platform: "telegram", UserID: user, ChatID: user, Text: text, Format: render.Plain})
		if err != nil {
			t.Fatal(err)
		}
		var all []string
		for _, r := range replies {
			all = append(all, r.Text)
		}
		return strings.Join(all, "\n")
	}
	if got := ask("1", "/lesson"); !strings.Contains(got, "page 3/9") {
		t.Errorf("learner 1 /lesson: %s", got)
	}
	if got := ask("2", "/progress"); !strings.Contains(got, "read, quiz 2/2 (best)") {
		t.Errorf("learner 2 /progress: %s", got)
	}
	if got := ask("3", "/quiz"); !strings.Contains(got, "Question 2 of 2") {
		t.Errorf("learner 3 /quiz: %s", got)
	}
}

func copyFile(t testing.TB, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestCourseStats checks the lesson and course funnels of /stats and
// `tutorbot stats`, with -csv.
func TestCourseStats(t *testing.T) {
	c := fixtureCourse(t)
	h := newCourseHarness(t, c)
	as := func(user string, lines ...string) {
		h.user = user
		for _, l := range lines {
			h.say(l)
		}
	}
	as("done", "/lesson", "/next", "/quiz")
	h.press("B")
	h.press("A")
	as("done", "/lesson 2", "/next")
	as("reader", "/lesson", "/next")
	as("skipper", "/lesson 2")
	as("idle", "/help")

	s, err := bot.ComputeStats(h.db, c)
	if err != nil {
		t.Fatal(err)
	}
	want := []bot.LessonStats{
		{ID: "first-steps", Order: 1, Title: "First Steps", Started: 2, Read: 2, TookQuiz: 1, Passed: 1, HasQuiz: true},
		{ID: "next-steps", Order: 2, Title: "Next Steps", Started: 2, Read: 1},
	}
	for i, w := range want {
		if s.Lessons[i] != w {
			t.Errorf("lesson %d: %+v, want %+v", i+1, s.Lessons[i], w)
		}
	}
	if s.Reached[0] != 3 || s.Reached[1] != 2 || s.CourseDone != 1 || s.Learners != 4 {
		t.Errorf("course funnel %v, done %d, learners %d", s.Reached, s.CourseDone, s.Learners)
	}
	md := render.Render(s.Markdown(), render.Plain)
	for _, line := range []string{"finished the course: 1", "1. First Steps: 3 · 2 · 2 · 1 · 1 · nudged 0", "2. Next Steps: 2 · 2 · 1 · nudged 0"} {
		if !strings.Contains(md, line) {
			t.Errorf("stats miss %q:\n%s", line, md)
		}
	}
	var csv strings.Builder
	if err := s.CSV(&csv); err != nil {
		t.Fatal(err)
	}
	for _, row := range []string{"course_done,1", "lesson_first-steps_reached,3", "lesson_first-steps_passed,1", "lesson_next-steps_read,1", "lesson_next-steps_started,2"} {
		if !strings.Contains(csv.String(), row+"\n") {
			t.Errorf("CSV misses %q:\n%s", row, csv.String())
		}
	}
}

// TestActiveReadsBothForms reads a record whose last activity is a time
// string (as layout 2 first wrote it) and one with Unix seconds.
func TestActiveReadsBothForms(t *testing.T) {
	for _, rec := range []string{`{"v":2,"active":"2026-12-03T09:00:00Z"}`, `{"v":2,"active":1796288400}`} {
		var st bot.State
		if err := json.Unmarshal([]byte(rec), &st); err != nil || st.Active != 1796288400 {
			t.Errorf("%s: active %d, err %v", rec, st.Active, err)
		}
	}
	var st bot.State
	if err := json.Unmarshal([]byte(`{"v":2,"active":"yesterday"}`), &st); err == nil {
		t.Error("a wrong time was accepted")
	}
}
