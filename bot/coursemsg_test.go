package bot_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"tutorbot/bot"
	"tutorbot/lessons"
	"tutorbot/remind"
	"tutorbot/render"
	"tutorbot/storage"
)

// courseRig is an engine and a reminder dispatcher on one bbolt file with
// a clock the test moves, and a recorder for the messages pushed later.
type courseRig struct {
	t      *testing.T
	path   string
	now    atomic.Pointer[time.Time]
	course *lessons.Course
	nudge  time.Duration
	db     *storage.DB
	e      *bot.Engine
	d      *remind.Dispatcher
	rec    *recorder
}

func newCourseRig(t *testing.T, c *lessons.Course, start time.Time, nudge time.Duration) *courseRig {
	r := &courseRig{t: t, path: filepath.Join(t.TempDir(), "tutor.db"), course: c, nudge: nudge}
	r.now.Store(&start)
	r.open()
	t.Cleanup(func() { r.db.Close() })
	return r
}

func (r *courseRig) clock() time.Time { return *r.now.Load() }

func (r *courseRig) set(t time.Time) { r.now.Store(&t) }

// open opens the database and starts a new engine and dispatcher on it,
// as a (re)started tutor does.
func (r *courseRig) open() {
	db, err := storage.Open(r.path, storage.Options{})
	if err != nil {
		r.t.Fatal(err)
	}
	svc := &remind.Service{DB: db, Now: r.clock}
	e, err := bot.NewEngine(bot.Config{DB: db, Course: r.course, Now: r.clock, Reminders: svc, NudgeAfter: r.nudge})
	if err != nil {
		r.t.Fatal(err)
	}
	r.rec = &recorder{}
	e.SetMessenger(r.rec)
	r.db, r.e = db, e
	r.d = &remind.Dispatcher{Service: svc, Deliver: e.DeliverReminder, DeliverCourse: e.DeliverCourse,
		IsPermanent: func(err error) bool { return errors.Is(err, bot.ErrUnreachable) }}
}

// restart stops the tutor as a signal does (the engine finishes its
// deliveries first) and starts it again on the same file.
func (r *courseRig) restart() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.e.Close(ctx); err != nil {
		r.t.Fatal(err)
	}
	if err := r.db.Close(); err != nil {
		r.t.Fatal(err)
	}
	r.open()
}

func (r *courseRig) say(text string) string {
	r.t.Helper()
	return say(r.t, r.e, "42", text)
}

func (r *courseRig) press(payload string) string {
	r.t.Helper()
	replies, err := r.e.Handle(context.Background(), bot.Event{Platform: "test", UserID: "42", ChatID: "42", Payload: payload, Format: render.Plain})
	if err != nil {
		r.t.Fatal(err)
	}
	return replyText(replies)
}

// dispatch runs the dispatcher once at the rig's time and returns what the
// learner got.
func (r *courseRig) dispatch() string {
	r.t.Helper()
	before := len(r.rec.text())
	if _, err := r.d.RunOnce(context.Background()); err != nil {
		r.t.Fatal(err)
	}
	return r.rec.text()[before:]
}

// unlockCourse has three lessons: a (two pages, a quiz), b two days after
// a is done, c on 15 January 2027.
func unlockCourse(t *testing.T) *lessons.Course {
	return mustLoad(t, fstest.MapFS{
		"en/a.md": {Data: lessonWith("a", 1, 2, "q1")},
		"en/b.md": {Data: []byte(strings.Replace(string(lessonWith("b", 2, 2)), "course: Changing\n", "course: Changing\nunlock: 2d after-previous\n", 1))},
		"en/c.md": {Data: []byte(strings.Replace(string(lessonWith("c", 3, 2)), "course: Changing\n", "course: Changing\nunlock: 2027-01-15\n", 1))},
	})
}

func TestUnlockThroughTheDispatcher(t *testing.T) {
	// 10:00 UTC is 19:00 in Tokyo.
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	r := newCourseRig(t, unlockCourse(t), t0, 0)
	r.say("/timezone Asia/Tokyo")
	r.say("/lesson")
	if got := r.say("/lesson 2"); !strings.Contains(got, "is not open yet: it opens 2 days after the previous lesson is done") {
		t.Errorf("/lesson 2 before lesson 1 is done: %s", got)
	}
	r.say("/next") // the last page of a: done at t0
	got := r.say("/course")
	if !strings.Contains(got, "2. Lesson b — 🔒 opens on Thu 3 Dec 2026, 19:00") || !strings.Contains(got, "3. Lesson c — 🔒 opens on Fri 15 Jan 2027, 00:00") {
		t.Errorf("/course with locked lessons:\n%s", got)
	}
	if got := r.press("1:lo:" + lessons.RefOf("b")); !strings.Contains(got, "is not open yet") {
		t.Errorf("a button into a locked lesson: %s", got)
	}

	r.set(t0.Add(47 * time.Hour))
	if got := r.dispatch(); got != "" {
		t.Errorf("an hour early: %q", got)
	}
	r.set(t0.Add(48*time.Hour + time.Minute))
	if got := r.dispatch(); strings.Count(got, "Lesson 2 · Lesson b is open") != 1 {
		t.Errorf("when lesson 2 opens: %q", got)
	}
	if got := r.dispatch(); got != "" {
		t.Errorf("a second look sent %q", got)
	}
	if got := r.say("/lesson 2"); !strings.Contains(got, "Text of page 1.") {
		t.Errorf("/lesson 2 once open: %s", got)
	}

	// Lesson 3 opens at midnight in Tokyo (15:00 UTC the day before), and
	// its message waits for the end of quiet hours (08:00 in Tokyo).
	midnight := time.Date(2027, 1, 14, 15, 0, 0, 0, time.UTC)
	r.set(midnight.Add(time.Minute))
	if got := r.dispatch(); got != "" {
		t.Errorf("during quiet hours: %q", got)
	}
	if got := r.say("/course"); !strings.Contains(got, "3. Lesson c — not started") {
		t.Errorf("lesson 3 after midnight in Tokyo:\n%s", got)
	}
	r.set(time.Date(2027, 1, 14, 23, 0, 1, 0, time.UTC))
	if got := r.dispatch(); strings.Count(got, "Lesson 3 · Lesson c is open") != 1 {
		t.Errorf("after quiet hours: %q", got)
	}
}

// TestUnlockAfterRestart stops the tutor between the due time and the
// delivery: after the restart the message is delivered once.
func TestUnlockAfterRestart(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	r := newCourseRig(t, unlockCourse(t), t0, 0)
	r.say("/lesson")
	r.say("/next")
	r.set(t0.Add(50 * time.Hour))
	r.restart()
	if got := r.dispatch(); strings.Count(got, "Lesson 2 · Lesson b is open") != 1 {
		t.Errorf("after the restart: %q", got)
	}
	r.restart()
	if got := r.dispatch(); got != "" {
		t.Errorf("after a second restart: %q", got)
	}
}

func TestUnlockRespectsRemindOff(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	r := newCourseRig(t, unlockCourse(t), t0, 0)
	r.say("/lesson")
	r.say("/next")
	if got := r.say("/remind off"); !strings.Contains(got, "course messages") {
		t.Errorf("/remind off: %s", got)
	}
	r.set(t0.Add(50 * time.Hour))
	if got := r.dispatch(); got != "" {
		t.Errorf("course messages after /remind off: %q", got)
	}
	if got := r.say("/lesson 2"); !strings.Contains(got, "Text of page 1.") {
		t.Errorf("the lesson did not open: %s", got)
	}
}

func TestNudge(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	three := mustLoad(t, fstest.MapFS{"en/a.md": {Data: lessonWith("a", 1, 3, "q1")}, "en/b.md": {Data: lessonWith("b", 2, 3)}})
	r := newCourseRig(t, three, t0, 72*time.Hour)
	r.say("/lesson")
	r.say("/next") // page 2 of 3, silent from now on

	r.set(t0.Add(71 * time.Hour))
	if got := r.dispatch(); got != "" {
		t.Errorf("before 72 hours: %q", got)
	}
	r.set(t0.Add(72*time.Hour + time.Minute))
	got := r.dispatch()
	if strings.Count(got, "Still with us? You stopped at page 2 of 3 of Lesson 1 · Lesson a") != 1 {
		t.Fatalf("the nudge: %q", got)
	}
	r.rec.mu.Lock()
	buttons := r.rec.msgs[len(r.rec.msgs)-1].Buttons
	r.rec.mu.Unlock()
	if len(buttons) == 0 || buttons[0][0].Label != "Continue ▶" {
		t.Fatalf("nudge buttons: %+v", buttons)
	}
	r.set(t0.Add(200 * time.Hour))
	if got := r.dispatch(); got != "" {
		t.Errorf("a second nudge for the same lesson: %q", got)
	}
	if got := r.press(buttons[0][0].Payload); !strings.Contains(got, "page 2/3") {
		t.Errorf("Continue: %s", got)
	}

	// Activity moves the nudge; lesson b gets its own.
	r.say("/lesson 2")
	r.set(t0.Add(250 * time.Hour))
	r.say("/next")
	r.set(t0.Add(200*time.Hour + 72*time.Hour + time.Minute))
	if got := r.dispatch(); got != "" {
		t.Errorf("a nudge although the learner was active at 250h: %q", got)
	}
	r.set(t0.Add(250*time.Hour + 72*time.Hour + time.Minute))
	if got := r.dispatch(); !strings.Contains(got, "of Lesson 2 · Lesson b") {
		t.Errorf("the nudge for lesson 2: %q", got)
	}
	if s, err := bot.ComputeStats(r.db, three); err != nil || s.Nudged != 2 || s.Lessons[0].Nudged != 1 || s.Lessons[1].Nudged != 1 {
		t.Errorf("stats count nudges %d (%+v), err %v; want 2", s.Nudged, s.Lessons, err)
	}
}

func TestNoNudgeWhenOffOrUnreachable(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	c := mustLoad(t, fstest.MapFS{"en/a.md": {Data: lessonWith("a", 1, 3, "q1")}})
	t.Run("nudges off", func(t *testing.T) {
		r := newCourseRig(t, c, t0, 72*time.Hour)
		r.say("/lesson")
		if got := r.say("/remind nudges off"); !strings.Contains(got, "Nudges are off") {
			t.Errorf("/remind nudges off: %s", got)
		}
		r.set(t0.Add(100 * time.Hour))
		if got := r.dispatch(); got != "" {
			t.Errorf("nudge after /remind nudges off: %q", got)
		}
	})
	t.Run("unreachable", func(t *testing.T) {
		r := newCourseRig(t, c, t0, 72*time.Hour)
		r.say("/lesson")
		if err := r.e.MarkUnreachable(context.Background(), "test", "42", ""); err != nil {
			t.Fatal(err)
		}
		r.set(t0.Add(100 * time.Hour))
		if got := r.dispatch(); got != "" {
			t.Errorf("nudge to an unreachable learner: %q", got)
		}
	})
	t.Run("platform refuses", func(t *testing.T) {
		r := newCourseRig(t, c, t0, 72*time.Hour)
		r.say("/lesson")
		r.rec.fail = bot.ErrUnreachable
		r.set(t0.Add(100 * time.Hour))
		r.dispatch()
		r.rec.fail = nil
		r.set(t0.Add(300 * time.Hour))
		if got := r.dispatch(); got != "" {
			t.Errorf("nudge after the platform refused: %q", got)
		}
	})
}

// sender is a Messenger with an outbox (a Sender), as the platforms are.
type sender struct{ recorder }

func (s *sender) Send(_ context.Context, to bot.Address, replies []bot.Reply) error {
	return s.Deliver(context.Background(), to.UserID, to.ChatID, replies)
}

// TestUnlockThroughTheOutbox delivers a lesson that opens through the
// outbox, which marks it told in the same transaction: after a restart it
// is neither lost nor sent again.
func TestUnlockThroughTheOutbox(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	r := newCourseRig(t, unlockCourse(t), t0, 0)
	s := &sender{}
	r.e.SetMessenger(s)
	r.say("/lesson")
	r.say("/next")
	r.set(t0.Add(50 * time.Hour))
	if _, err := r.d.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(s.text(), "Lesson 2 · Lesson b is open") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := s.text(); strings.Count(got, "Lesson 2 · Lesson b is open") != 1 {
		t.Fatalf("through the outbox: %q", got)
	}
	r.restart()
	s2 := &sender{}
	r.e.SetMessenger(s2)
	if _, err := r.d.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	if got := s2.text(); strings.Contains(got, "is open") {
		t.Errorf("sent again after the restart: %q", got)
	}
}
