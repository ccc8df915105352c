package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"

	"tutorbot/lessons"
	"tutorbot/llm"
	"tutorbot/practice"
	"tutorbot/remind"
	"tutorbot/render"
	"tutorbot/storage"
)

// Config wires an Engine.
type Config struct {
	// DB keeps every learner's state. Required.
	DB *storage.DB
	// Course is the content taught. Required.
	Course *lessons.Course
	// LoadCourse, when set, reads the course again for Reload and an
	// admin's /reload (the lessons folder); nil means the course is built
	// in and cannot be reloaded.
	LoadCourse func() (*lessons.Course, error)
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Log receives the engine's log lines (default: discarded).
	Log *slog.Logger
	// Catalog is the model catalog for practice (default: the embedded one).
	Catalog *practice.Catalog
	// LLM, when set, writes practice recommendations and answers /compare.
	LLM Completer
	// CompareModels are the models /compare asks (default DefaultCompareModels).
	CompareModels []string
	// CompareTimeout bounds each model's answer in /compare (default 60 s).
	CompareTimeout time.Duration
	// LLMDailyLimit bounds a learner's LLM calls per UTC day (default 30).
	LLMDailyLimit int
	// Reminders, when set, enables /remind and /timezone.
	Reminders *remind.Service
	// NudgeAfter, when positive, sends a learner who stopped in the middle
	// of a lesson one nudge per lesson after that long (NUDGE_AFTER).
	NudgeAfter time.Duration
	// Admins are the learner keys ("telegram:123") allowed to see /stats.
	Admins map[string]bool
}

// Completer answers a prompt with an OpenAI-compatible model (llm.Client).
type Completer interface {
	Complete(ctx context.Context, model, system, prompt string) (llm.Answer, error)
}

// DefaultCompareModels are a DeepSeek, a Qwen and a Mistral model by their
// OpenRouter ids.
var DefaultCompareModels = []string{"deepseek/deepseek-chat", "qwen/qwen-2.5-72b-instruct", "mistralai/mistral-small-3.1-24b-instruct"}

// Engine runs the tutor's conversations. It does no network I/O: it loads
// the learner's state, runs one step, commits it and returns the replies.
// It is safe for concurrent use; events of one learner must be handed to it
// in order.
type Engine struct {
	db     *storage.DB
	course atomic.Pointer[lessons.Course]
	now    func() time.Time
	log    *slog.Logger
	cfg    Config

	reloadMu   sync.Mutex
	mu         sync.Mutex
	messengers map[string]Messenger
	jobs       sync.WaitGroup
	jobCtx     context.Context
	stopJobs   context.CancelFunc
	rendered   fitCache
	pages      sync.Map // pageKey -> string, see pageText
	states     stateCache
}

var (
	_ Handler      = (*Engine)(nil)
	_ Reachability = (*Engine)(nil)
)

// NewEngine checks cfg and returns an Engine.
func NewEngine(cfg Config) (*Engine, error) {
	if cfg.DB == nil {
		return nil, errors.New("new engine: no database")
	}
	if cfg.Course == nil || len(cfg.Course.Lessons) == 0 {
		return nil, errors.New("new engine: no course")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Catalog == nil {
		cat, err := practice.LoadCatalog()
		if err != nil {
			return nil, fmt.Errorf("new engine: %w", err)
		}
		cfg.Catalog = cat
	}
	if len(cfg.CompareModels) == 0 {
		cfg.CompareModels = DefaultCompareModels
	}
	if cfg.CompareTimeout <= 0 {
		cfg.CompareTimeout = 60 * time.Second
	}
	if cfg.LLMDailyLimit <= 0 {
		cfg.LLMDailyLimit = 30
	}
	e := &Engine{db: cfg.DB, now: cfg.Now, log: cfg.Log, cfg: cfg, messengers: map[string]Messenger{}}
	e.course.Store(cfg.Course)
	e.jobCtx, e.stopJobs = context.WithCancel(context.Background())
	return e, nil
}

// SetMessenger registers the messenger of a platform, used for replies
// that come later (comparisons, re-test runs) and for reminders.
func (e *Engine) SetMessenger(m Messenger) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.messengers[m.Platform()] = m
}

func (e *Engine) messenger(platform string) (Messenger, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	m, ok := e.messengers[platform]
	return m, ok
}

// Close waits for background work (comparisons, re-test runs) to finish,
// or cancels it when ctx ends first.
func (e *Engine) Close(ctx context.Context) error {
	done := make(chan struct{})
	go func() { e.jobs.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		e.stopJobs()
		<-done
		return fmt.Errorf("close engine: %w", ctx.Err())
	}
}

// spawn runs job in the background until it ends or Close cancels it.
func (e *Engine) spawn(job func(ctx context.Context)) {
	e.jobs.Go(func() { job(e.jobCtx) })
}

// MaxText is the longest message the engine reads, in characters as the
// learner sees them (textLength); longer ones get a polite refusal that
// states their real length.
const MaxText = 20000

// errorReply is what a learner sees when the tutor itself failed.
const errorReply = "Sorry, something went wrong on my side and nothing was changed. Please try again in a moment."

// Handle runs one step of the conversation of the learner who caused ev.
// The learner's new state is committed before Handle returns. On error the
// replies hold a learner-facing apology and the error says what failed.
func (e *Engine) Handle(ctx context.Context, ev Event) ([]Reply, error) {
	if ev.Platform == "" || ev.UserID == "" {
		return nil, errors.New("handle event: no platform or user")
	}
	ev.Text = clean(ev.Text)
	var t *turn
	key := ev.Key()
	// The whole turn runs on the course as it is now; a reload meanwhile
	// takes effect from the learner's next turn.
	course := e.course.Load()
	if out, ok := e.handleReadOnly(ev, course); ok {
		return out, nil
	}
	err := e.db.Update(ctx, func(tx *storage.Tx) error {
		old := tx.Learner(key)
		now := e.now().UTC()
		st := e.states.take(key, old)
		lost := false
		if st == nil {
			var err error
			if st, err = decodeState(old); err != nil {
				// Moved aside, not retried: the learner starts fresh
				// once instead of meeting this error at every turn.
				if qerr := tx.QuarantineLearner(key, err.Error(), now); qerr != nil {
					return errors.Join(err, qerr)
				}
				e.log.Error("learner record unreadable; quarantined, the learner starts fresh", "key", key, "err", err)
				st, old, lost = &State{Version: stateVersion}, nil, true
			}
		}
		t = &turn{e: e, course: course, tx: tx, ev: ev, st: st, now: now, isNew: old == nil}
		if lost {
			t.say(msgProgressLost)
		}
		t.run()
		if err := t.scheduleCourse(); err != nil {
			return err
		}
		t.tx = nil
		if t.forget {
			return tx.DeleteLearner(key)
		}
		next, err := json.Marshal(st)
		if err != nil {
			return fmt.Errorf("encode learner record: %w", err)
		}
		if !bytes.Equal(old, next) {
			if err := tx.PutLearner(key, next); err != nil {
				return err
			}
		}
		if len(t.after) == 0 && len(t.jobs) == 0 {
			// Nothing after the commit reads the state: hand it to the
			// learner's next turn, and drop it here so that any use of
			// it would fail loudly rather than race with that turn.
			e.states.put(key, next, st)
			t.st = nil
		}
		return nil
	})
	if err != nil {
		e.log.Error("handle event", "platform", ev.Platform, "err", err)
		return []Reply{{Kind: Send, Text: render.Render(errorReply, ev.Format)}}, fmt.Errorf("handle event of %s: %w", key, err)
	}
	// Rendering happens here, after the commit and outside the shared
	// write transaction, so concurrent learners render in parallel.
	out := t.replies()
	// Work that must follow the commit: other stores, slow calls.
	for _, f := range t.after {
		more := &turn{e: e, course: course, ev: ev, st: t.st, now: t.now}
		f(ctx, more)
		out = append(out, more.replies()...)
	}
	for _, j := range t.jobs {
		e.spawn(j)
	}
	return out, nil
}

// readOnly names the commands that show the learner's state and usually
// change nothing, so they are first tried in a read transaction.
var readOnly = map[string]bool{"course": true, "progress": true, "help": true}

// handleReadOnly runs a read-only command in a read transaction, which
// costs no commit (and no fsync). ok is false when the turn would change
// the learner's record (or has work after the commit): then the caller
// runs it again in a write transaction.
func (e *Engine) handleReadOnly(ev Event, course *lessons.Course) (out []Reply, ok bool) {
	if ev.IsButton() || !strings.HasPrefix(ev.Text, "/") {
		return nil, false
	}
	if name, _ := splitCommand(ev.Text); !readOnly[name] {
		return nil, false
	}
	var t *turn
	err := e.db.View(func(tx *storage.Tx) error {
		old := tx.Learner(ev.Key())
		if old == nil {
			return nil // a new learner: their record is written
		}
		st, err := decodeState(old)
		if err != nil {
			return err
		}
		rt := &turn{e: e, course: course, tx: tx, ev: ev, st: st, now: e.now().UTC()}
		rt.run()
		rt.tx = nil
		if rt.forget || len(rt.after) > 0 || len(rt.jobs) > 0 {
			return nil
		}
		next, err := json.Marshal(st)
		if err != nil || !bytes.Equal(old, next) {
			return nil
		}
		t = rt
		return nil
	})
	if err != nil || t == nil {
		return nil, false
	}
	return t.replies(), true
}

// update loads the learner's state, lets fn change it and commits it.
func (e *Engine) update(ctx context.Context, key string, fn func(st *State) error) error {
	return e.db.Update(ctx, func(tx *storage.Tx) error {
		old := tx.Learner(key)
		if old == nil {
			return errNoLearner
		}
		st, err := decodeState(old)
		if err != nil {
			return err
		}
		if err := fn(st); err != nil {
			return err
		}
		b, err := json.Marshal(st)
		if err != nil {
			return fmt.Errorf("encode learner record: %w", err)
		}
		return tx.PutLearner(key, b)
	})
}

// state reads the learner's stored state (nil when there is none).
func (e *Engine) state(key string) (*State, error) {
	var st *State
	err := e.db.View(func(tx *storage.Tx) error {
		b := tx.Learner(key)
		if b == nil {
			return nil
		}
		var err error
		st, err = decodeState(b)
		return err
	})
	return st, err
}

// errNoLearner means the learner's record is gone (erased with /forget).
var errNoLearner = errors.New("no such learner")

// push sends Markdown to a learner outside of an event (later replies,
// reminders) through their platform's messenger.
func (e *Engine) push(ctx context.Context, platform, userID, chatID, md string, buttons ...[]Button) error {
	m, ok := e.messenger(platform)
	if !ok {
		return fmt.Errorf("push to %s: no messenger for the platform", platform)
	}
	parts := render.Fit(md, m.Format())
	replies := make([]Reply, len(parts))
	for i, p := range parts {
		replies[i] = Reply{Kind: Send, Text: p}
	}
	if len(replies) > 0 {
		replies[len(replies)-1].Buttons = buttons
	}
	if err := m.Deliver(ctx, userID, chatID, replies); err != nil {
		return fmt.Errorf("push to %s: %w", platform, err)
	}
	return nil
}

// MarkUnreachable records that the platform refused to deliver to the
// learner.
func (e *Engine) MarkUnreachable(ctx context.Context, platform, userID string) error {
	err := e.update(ctx, platform+":"+userID, func(st *State) error {
		st.Unreachable = true
		return nil
	})
	if errors.Is(err, errNoLearner) {
		return nil // nothing stored: nothing will be sent to them either
	}
	return err
}

// clean makes outside text safe to handle: valid UTF-8, no control
// characters but newlines and tabs, surrounding space trimmed.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

// turn is one step of one learner's conversation: the event, the state it
// may change and the replies it collects.
type turn struct {
	e      *Engine
	course *lessons.Course
	// tx is the turn's transaction, for reads (nil after the commit).
	tx *storage.Tx
	// lessonDone is set when a lesson was done for the first time.
	lessonDone bool
	ev         Event
	st         *State
	now        time.Time
	isNew      bool
	// out collects the replies, rendered after the commit.
	out []draft
	// forget erases the learner instead of storing the state.
	forget bool
	// after runs once the state is committed; its replies follow out.
	after []func(ctx context.Context, t *turn)
	// jobs run in the background once the state is committed.
	jobs []func(ctx context.Context)
}

// later schedules f for after the commit.
func (t *turn) later(f func(ctx context.Context, t *turn)) { t.after = append(t.after, f) }

// background schedules a job for after the commit.
func (t *turn) background(job func(ctx context.Context)) { t.jobs = append(t.jobs, job) }

// draft is a reply whose text is rendered once the state is committed.
type draft struct {
	Reply
	// text builds the reply's text parts in a format; each part becomes a
	// message, the first one keeps the Reply's kind, the last one its
	// buttons.
	text func(f render.Format) []string
}

// say adds Markdown md as one or more messages; buttons go under the last.
func (t *turn) say(md string, buttons ...[]Button) {
	t.add(Reply{Kind: Send}, md, buttons)
}

// add adds a reply of r's kind with Markdown text md.
func (t *turn) add(r Reply, md string, buttons [][]Button) {
	r.Buttons = buttons
	e := t.e
	t.out = append(t.out, draft{Reply: r, text: func(f render.Format) []string { return e.rendered.fit(md, f) }})
}

// attach adds Markdown md as a message that carries f as a document (md
// is its caption; keep it short: Telegram allows 1,024 characters).
func (t *turn) attach(md string, f File) {
	t.add(Reply{Kind: Send, File: &f}, md, nil)
}

// ack answers a button press with a short notice.
func (t *turn) ack(text string) {
	t.out = append(t.out, draft{Reply: Reply{Kind: Ack, Text: text}})
}

// replies renders the drafts for the event's format: a long text becomes
// several messages; only the first can edit or supersede, only the last
// carries the buttons.
func (t *turn) replies() []Reply {
	out := make([]Reply, 0, len(t.out))
	for _, d := range t.out {
		if d.text == nil {
			out = append(out, d.Reply)
			continue
		}
		parts := d.text(t.ev.Format)
		for i, p := range parts {
			r := d.Reply
			r.Text = p
			if i > 0 {
				r.Kind, r.Supersedes, r.File = Send, false, nil
			}
			if i < len(parts)-1 {
				r.Buttons = nil
			}
			out = append(out, r)
		}
	}
	return out
}

// lang is the learner's language for lesson text ("" for the default).
func (t *turn) lang() string { return "" }

// lesson returns the learner's current lesson, in their language where it
// is written in it.
func (t *turn) lesson() *lessons.Lesson {
	if l, _ := t.course.Lesson(t.st.Lesson, t.lang()); l != nil {
		return l
	}
	l, _ := t.course.Lesson(t.course.First().ID, t.lang())
	t.st.Lesson = l.ID
	return l
}

// Course is the course the engine teaches now.
func (e *Engine) Course() *lessons.Course { return e.course.Load() }

// SetCourse replaces the course for every turn that starts from now on;
// turns in flight finish on the course they started with.
func (e *Engine) SetCourse(c *lessons.Course) error {
	if c == nil || c.Len() == 0 {
		return errors.New("set course: no lessons")
	}
	e.course.Store(c)
	// Pages of the old course are not shown any more (turns in flight may
	// still add a few; they are keyed by lesson, so they are never wrong).
	e.pages.Clear()
	return nil
}

// activeStep is the precision of State.Active: a learner's record is not
// rewritten just to move it by less.
const activeStep = 10 * time.Minute

func (t *turn) run() {
	if t.st.Started.IsZero() {
		t.st.Started = t.now
	}
	t.st.Unreachable = false
	if t.now.Sub(t.st.Active) >= activeStep {
		t.st.Active = t.now.Truncate(activeStep)
	}
	if t.ev.IsButton() {
		t.press(t.ev.Payload)
		return
	}
	text := t.ev.Text
	if n := textLength(text); n > MaxText {
		t.say(fmt.Sprintf(msgTooLong, n, MaxText))
		return
	}
	if strings.HasPrefix(text, "/") {
		t.command(text)
		return
	}
	t.freeText(text)
}
