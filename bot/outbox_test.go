package bot_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"tutorbot/bot"
	"tutorbot/lessons"
	"tutorbot/remind"
	"tutorbot/render"
	"tutorbot/storage"
)

// fakeSender is a bot.Sender that records what it was given and fails
// with err while err is set.
type fakeSender struct {
	mu   sync.Mutex
	got  map[string][]string // chat -> texts
	err  error
	sent atomic.Int64
}

func (f *fakeSender) Platform() string      { return "test" }
func (f *fakeSender) Format() render.Format { return render.Plain }
func (f *fakeSender) Deliver(ctx context.Context, userID, chatID string, replies []bot.Reply) error {
	return f.Send(ctx, bot.Address{UserID: userID, ChatID: chatID}, replies)
}

func (f *fakeSender) Send(_ context.Context, to bot.Address, replies []bot.Reply) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	if f.got == nil {
		f.got = map[string][]string{}
	}
	for _, r := range replies {
		f.got[to.ChatID] = append(f.got[to.ChatID], r.Text)
	}
	f.sent.Add(1)
	return nil
}

func (f *fakeSender) texts(chat string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.got[chat]...)
}

func (f *fakeSender) fail(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err = err
}

type outboxRig struct {
	path string
	db   *storage.DB
	e    *bot.Engine
	skew atomic.Int64
}

func (r *outboxRig) open(t *testing.T, cfg bot.Config) {
	t.Helper()
	db, err := storage.Open(r.path, storage.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	course, _ := lessons.Default()
	now := func() time.Time { return time.Now().Add(time.Duration(r.skew.Load())) }
	cfg.DB, cfg.Course, cfg.Now, cfg.Reminders = db, course, now, &remind.Service{DB: db, Now: now}
	cfg.OutboxRetryBase = 5 * time.Millisecond
	e, err := bot.NewEngine(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r.db, r.e = db, e
}

func (r *outboxRig) close() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	r.e.Close(ctx)
	r.db.Close()
}

func (r *outboxRig) stored(t *testing.T) int {
	n := 0
	r.db.View(func(tx *storage.Tx) error { n = tx.CountOutbox(); return nil })
	return n
}

func ev(text string) bot.Event {
	return bot.Event{Platform: "test", UserID: "7", ChatID: "7", Text: text, Format: render.Plain, ViaOutbox: true, Direct: true}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// TestOutboxSurvivesRestart: replies committed while the sender is held
// are stored with the state; a new engine on the same file sends them once.
func TestOutboxSurvivesRestart(t *testing.T) {
	r := &outboxRig{path: filepath.Join(t.TempDir(), "t.db")}
	r.open(t, bot.Config{})
	held := &fakeSender{}
	r.e.SetMessenger(held)
	r.e.HoldOutbox(true)
	for i := range 3 {
		rs, err := r.e.Handle(context.Background(), ev(fmt.Sprintf("/tasks add task %d", i)))
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != 0 {
			t.Errorf("Handle returned %d replies; want them in the outbox", len(rs))
		}
	}
	if n := r.stored(t); n != 3 {
		t.Fatalf("%d entries stored, want 3", n)
	}
	r.close()
	if held.sent.Load() != 0 {
		t.Fatal("sent while held")
	}

	r.open(t, bot.Config{})
	defer r.close()
	s := &fakeSender{}
	r.e.SetMessenger(s)
	waitUntil(t, "the stored replies", func() bool { return len(s.texts("7")) == 3 })
	for i, text := range s.texts("7") {
		if !strings.Contains(text, fmt.Sprintf("(%d of", i+1)) {
			t.Errorf("reply %d: %q", i, text)
		}
	}
	waitUntil(t, "the outbox emptied", func() bool { return r.stored(t) == 0 })
	time.Sleep(20 * time.Millisecond)
	if n := len(s.texts("7")); n != 3 {
		t.Errorf("%d replies, want 3 (each once)", n)
	}
}

// TestOutboxExpiresAndRejects: a reply the platform keeps failing is
// dropped after OutboxMaxAge and counted; one it rejects is dropped at
// once.
func TestOutboxExpiresAndRejects(t *testing.T) {
	r := &outboxRig{path: filepath.Join(t.TempDir(), "t.db")}
	r.open(t, bot.Config{OutboxMaxAge: time.Hour})
	defer r.close()
	s := &fakeSender{}
	s.fail(errors.New("502 bad gateway"))
	r.e.SetMessenger(s)
	if _, err := r.e.Handle(context.Background(), ev("/progress")); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "a retry", func() bool { return r.e.OutboxStats().Retried > 0 })
	r.skew.Add(int64(2 * time.Hour))
	waitUntil(t, "expiry", func() bool { return r.e.OutboxStats().Expired == 1 })
	waitUntil(t, "the outbox emptied", func() bool { return r.stored(t) == 0 })

	s.fail(fmt.Errorf("400: %w", bot.ErrRejected))
	if _, err := r.e.Handle(context.Background(), ev("/tasks add x")); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the rejection", func() bool { return r.e.OutboxStats().Rejected == 1 })
	waitUntil(t, "the outbox emptied", func() bool { return r.stored(t) == 0 })
	if len(s.texts("7")) != 0 {
		t.Error("something was delivered")
	}
}

// TestReminderSlotStoredOnce: the dispatcher running the same slot again
// (after a crash) does not store the reminder twice.
func TestReminderSlotStoredOnce(t *testing.T) {
	r := &outboxRig{path: filepath.Join(t.TempDir(), "t.db")}
	r.open(t, bot.Config{})
	defer r.close()
	s := &fakeSender{}
	r.e.SetMessenger(s)
	if _, err := r.e.Handle(context.Background(), ev("/tasks add x")); err != nil {
		t.Fatal(err)
	}
	set := remind.Settings{Spec: remind.WeeklyPreset().Spec, Kind: remind.Weekly, Platform: "test", UserID: "7", ChatID: "7"}
	slot := time.Now().Truncate(time.Hour)
	if err := r.e.DeliverReminder(context.Background(), "test:7", set, slot); err != nil {
		t.Fatal(err)
	}
	if err := r.e.DeliverReminder(context.Background(), "test:7", set, slot); !errors.Is(err, remind.ErrSkip) {
		t.Errorf("same slot again: %v, want skipped", err)
	}
	if err := r.e.DeliverReminder(context.Background(), "test:7", set, slot.Add(time.Hour)); err != nil {
		t.Errorf("next slot: %v", err)
	}
	waitUntil(t, "two reminders", func() bool { return len(s.texts("7")) == 3 })
	time.Sleep(20 * time.Millisecond)
	if n := len(s.texts("7")); n != 3 {
		t.Errorf("%d messages, want the reply and two reminders", n)
	}
}

// TestUnreachableChatCancelsItsEntries: a refusal cancels that chat's
// waiting replies and leaves the learner's other chat alone.
func TestUnreachableChatCancelsItsEntries(t *testing.T) {
	r := &outboxRig{path: filepath.Join(t.TempDir(), "t.db")}
	r.open(t, bot.Config{})
	defer r.close()
	s := &fakeSender{}
	r.e.SetMessenger(s)
	r.e.HoldOutbox(true)
	group := ev("/tasks add in the group")
	group.ChatID, group.Direct = "-5", false
	for range 3 {
		if _, err := r.e.Handle(context.Background(), group); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := r.e.Handle(context.Background(), ev("/tasks add private")); err != nil {
		t.Fatal(err)
	}
	if err := r.e.MarkUnreachable(context.Background(), "test", "7", "-5"); err != nil {
		t.Fatal(err)
	}
	if n := r.stored(t); n != 1 {
		t.Errorf("%d entries stored, want only the private chat's", n)
	}
	r.e.HoldOutbox(false)
	waitUntil(t, "the private reply", func() bool { return len(s.texts("7")) == 1 })
	time.Sleep(20 * time.Millisecond)
	if got := s.texts("-5"); len(got) != 0 {
		t.Errorf("the unreachable group got %v", got)
	}
}

// slowRefusal is a bot.Sender whose first send hangs until released and
// then answers that the chat is unreachable (a 403 that was on its way
// while the learner unblocked the bot and wrote again); later sends
// succeed.
type slowRefusal struct {
	fakeSender
	started, release chan struct{}
	calls            atomic.Int64
}

func (f *slowRefusal) Send(ctx context.Context, to bot.Address, replies []bot.Reply) error {
	if f.calls.Add(1) == 1 {
		close(f.started)
		<-f.release
		return fmt.Errorf("403 Forbidden: bot was blocked by the user: %w", bot.ErrUnreachable)
	}
	return f.fakeSender.Send(ctx, to, replies)
}

// TestStaleRefusalKeepsNewerReplies: a refusal of a send issued before the
// learner wrote again neither marks the chat unreachable nor cancels the
// replies staged after that message; the refused reply is retried.
func TestStaleRefusalKeepsNewerReplies(t *testing.T) {
	r := &outboxRig{path: filepath.Join(t.TempDir(), "t.db")}
	r.open(t, bot.Config{})
	defer r.close()
	s := &slowRefusal{started: make(chan struct{}), release: make(chan struct{})}
	r.e.SetMessenger(s)
	if _, err := r.e.Handle(context.Background(), ev("/tasks add before")); err != nil {
		t.Fatal(err)
	}
	<-s.started
	if _, err := r.e.Handle(context.Background(), ev("/tasks add after")); err != nil {
		t.Fatal(err)
	}
	close(s.release)
	waitUntil(t, "both replies", func() bool { return len(s.texts("7")) == 2 })
	got := s.texts("7")
	if !strings.Contains(got[0], "(1 of") || !strings.Contains(got[1], "(2 of") {
		t.Errorf("replies %q; want the refused one retried, then the newer one", got)
	}
	if st := r.e.OutboxStats(); st.Cancelled != 0 {
		t.Errorf("%d entries cancelled by a stale refusal", st.Cancelled)
	}
	waitUntil(t, "the outbox emptied", func() bool { return r.stored(t) == 0 })
	var rec bot.State
	r.db.View(func(tx *storage.Tx) error { return json.Unmarshal(tx.Learner("test:7"), &rec) })
	if rec.Unreachable || len(rec.UnreachableChats) > 0 {
		t.Errorf("chat marked unreachable by a stale refusal: %+v, %v", rec.Unreachable, rec.UnreachableChats)
	}
}

// TestRedeliveredEventSkipped: an event the platform delivers again after
// a crash (same sequence number in the same chat) is not handled twice, so
// its reply is not sent twice; a new number is handled, and so is the same
// number in another chat or after the redelivery window.
func TestRedeliveredEventSkipped(t *testing.T) {
	r := &outboxRig{path: filepath.Join(t.TempDir(), "t.db")}
	r.open(t, bot.Config{})
	defer r.close()
	s := &fakeSender{}
	r.e.SetMessenger(s)
	add := func(seq int64, chat, task string) {
		t.Helper()
		e := ev("/tasks add " + task)
		e.Seq = seq
		if chat != "7" {
			e.ChatID, e.Direct = chat, false
		}
		if _, err := r.e.Handle(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	add(10, "7", "a")
	add(10, "7", "a") // delivered again
	add(11, "7", "b")
	add(10, "-5", "c") // another chat numbers its own events
	added := func() []string {
		var out []string
		for _, x := range append(s.texts("7"), s.texts("-5")...) {
			if strings.Contains(x, "of 20") {
				out = append(out, x)
			}
		}
		return out
	}
	waitUntil(t, "the replies", func() bool { return len(added()) >= 3 })
	r.skew.Add(int64(25 * time.Hour))
	add(11, "7", "d") // numbered afresh long after
	waitUntil(t, "the replies", func() bool { return len(added()) >= 4 })
	time.Sleep(20 * time.Millisecond)
	got := s.texts("7")
	want := []string{"(1 of", "(2 of", "(4 of"}
	if len(got) != len(want) {
		t.Fatalf("private replies %q; want 3, the redelivered event skipped", got)
	}
	for i, w := range want {
		if !strings.Contains(got[i], w) {
			t.Errorf("reply %d: %q, want %q", i, got[i], w)
		}
	}
	if g := strings.Join(s.texts("-5"), "\n"); !strings.Contains(g, "(3 of") {
		t.Errorf("group replies %q; want the group's event handled", g)
	}
}
