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
	"tutorbot/locale"
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
	// Messages are the message catalogs (default: the embedded ones).
	Messages *locale.Catalog
	// OutboxMaxAge is how long an undelivered reply is retried before it
	// is dropped (default DefaultOutboxMaxAge).
	OutboxMaxAge time.Duration
	// OutboxRetryBase is the first wait before a failed delivery is tried
	// again; it doubles with each failure up to 600 times itself (default
	// 500 ms, so at most 5 minutes). Tests shorten it.
	OutboxRetryBase time.Duration
	// AnnounceWindow is how many recipients of announcements are in the
	// outbox at once (default DefaultAnnounceWindow).
	AnnounceWindow int
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
	msgs   *locale.Catalog

	reloadMu   sync.Mutex
	mu         sync.Mutex
	messengers map[string]Messenger
	jobs       sync.WaitGroup
	jobCtx     context.Context
	stopJobs   context.CancelFunc
	chatJobs   map[string]map[*jobHandle]bool // chat key -> running jobs
	out        *outbox
	ann        *announcer
	rendered   fitCache
	pages      sync.Map // pageKey -> string, see pageText
	states     stateCache
	answerer   askers
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
	if cfg.Messages == nil {
		msgs, err := locale.Default()
		if err != nil {
			return nil, fmt.Errorf("new engine: %w", err)
		}
		cfg.Messages = msgs
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
	if cfg.OutboxMaxAge <= 0 {
		cfg.OutboxMaxAge = DefaultOutboxMaxAge
	}
	e := &Engine{db: cfg.DB, now: cfg.Now, log: cfg.Log, cfg: cfg, msgs: cfg.Messages, messengers: map[string]Messenger{}, chatJobs: map[string]map[*jobHandle]bool{}}
	e.course.Store(cfg.Course)
	e.jobCtx, e.stopJobs = context.WithCancel(context.Background())
	e.out = newOutbox(e, cfg.OutboxMaxAge)
	if cfg.OutboxRetryBase > 0 {
		e.out.retryBase = cfg.OutboxRetryBase
	}
	e.ann = newAnnouncer(e, cfg.AnnounceWindow)
	return e, nil
}

// SetMessenger registers the messenger of a platform, used for replies
// that come later (comparisons, re-test runs) and for reminders. A Sender
// delivers through the outbox: the replies it left undelivered before a
// restart are sent now.
func (e *Engine) SetMessenger(m Messenger) {
	e.mu.Lock()
	e.messengers[m.Platform()] = m
	e.mu.Unlock()
	if _, ok := m.(Sender); ok {
		if err := e.out.resume(m.Platform()); err != nil {
			e.log.Error("resume outbox", "err", err)
		}
		e.ann.start()
	}
}

// viaOutbox reports whether platform delivers through the outbox.
func (e *Engine) viaOutbox(platform string) bool {
	m, ok := e.messenger(platform)
	if !ok {
		return false
	}
	_, ok = m.(Sender)
	return ok
}

// DeliversViaOutbox reports whether the replies to platform's events that
// ask for it (Event.ViaOutbox) go through the outbox: the platform's
// messenger is a Sender.
func (e *Engine) DeliversViaOutbox(platform string) bool { return e.viaOutbox(platform) }

// OutboxStats returns the outbox's counters.
func (e *Engine) OutboxStats() OutboxStats { return e.out.stats() }

// HoldOutbox stops (true) or resumes (false) sending from the outbox;
// replies keep being stored. It exists for crash tests, which kill the
// process between a commit and its send.
func (e *Engine) HoldOutbox(hold bool) { e.out.hold.Store(hold) }

func (e *Engine) messenger(platform string) (Messenger, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	m, ok := e.messengers[platform]
	return m, ok
}

// Close waits for background work (comparisons, re-test runs) to finish,
// or cancels it when ctx ends first.
// Then it lets the outbox deliver what is waiting until ctx ends; what is
// left stays stored and is sent after the next start.
func (e *Engine) Close(ctx context.Context) error {
	done := make(chan struct{})
	go func() { e.jobs.Wait(); close(done) }()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		e.stopJobs()
		<-done
		err = fmt.Errorf("close engine: %w", ctx.Err())
	}
	if !e.out.hold.Load() {
		_ = e.out.waitIdle(ctx)
	}
	e.out.close()
	return err
}

// jobHandle is a running background job, cancelled with its chat.
type jobHandle struct{ cancel context.CancelFunc }

// spawn runs job in the background until it ends, Close cancels it, or
// the chat (chatKey) turns unreachable.
func (e *Engine) spawn(chat string, job func(ctx context.Context)) {
	ctx, cancel := context.WithCancel(e.jobCtx)
	h := &jobHandle{cancel: cancel}
	e.mu.Lock()
	if e.chatJobs[chat] == nil {
		e.chatJobs[chat] = map[*jobHandle]bool{}
	}
	e.chatJobs[chat][h] = true
	e.mu.Unlock()
	e.jobs.Go(func() {
		defer func() {
			cancel()
			e.mu.Lock()
			delete(e.chatJobs[chat], h)
			if len(e.chatJobs[chat]) == 0 {
				delete(e.chatJobs, chat)
			}
			e.mu.Unlock()
		}()
		job(ctx)
	})
}

// cancelJobs cancels the background jobs of a chat.
func (e *Engine) cancelJobs(chat string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for h := range e.chatJobs[chat] {
		h.cancel()
	}
}

// MaxText is the longest message the engine reads, in characters as the
// learner sees them (textLength); longer ones get a polite refusal that
// states their real length.
const MaxText = 20000

// Handle runs one step of the conversation of the learner who caused ev.
// The learner's new state is committed before Handle returns. On error the
// replies hold a learner-facing apology and the error says what failed.
func (e *Engine) Handle(ctx context.Context, ev Event) ([]Reply, error) {
	if ev.Platform == "" || ev.UserID == "" {
		return nil, errors.New("handle event: no platform or user")
	}
	// Counted before anything is cut, so a refusal states the real length.
	textLen := textLength(ev.Text)
	ev.Text = clean(ev.Text)
	var t *turn
	key := ev.Key()
	// The whole turn runs on the course as it is now; a reload meanwhile
	// takes effect from the learner's next turn.
	course := e.course.Load()
	durable := ev.ViaOutbox && e.viaOutbox(ev.Platform)
	if durable {
		e.out.heardFrom(chatKey(ev.Platform, ev.UserID, ev.ChatID))
	}
	if out, asked, low, ok := e.handleReadOnly(ev, textLen, course, durable); ok {
		e.countQuestion(asked, low)
		return out, nil
	}
	var items []*outItem
	redelivered := false
	err := e.db.Update(ctx, func(tx *storage.Tx) error {
		items, redelivered = items[:0], false
		// Read in place: decoded or compared below, never kept.
		old := tx.LearnerView(key)
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
		if st.handledBefore(ev, now) {
			// Delivered again after a crash: handled and committed with
			// its replies before it. The state was taken from the cache
			// and is not put back: the next turn decodes the record.
			t, redelivered = nil, true
			return nil
		}
		st.markHandled(ev, now)
		t = &turn{e: e, course: course, tx: tx, ev: ev, st: st, now: now, isNew: old == nil, textLen: textLen}
		if lost {
			t.pickLang()
			t.say(t.tr.T("ProgressLost"))
		}
		t.run()
		if err := t.scheduleCourse(); err != nil {
			return err
		}
		t.tx = nil
		if durable {
			// The replies are part of the commit: they are delivered from
			// the outbox even when the process dies right after it.
			var err error
			if items, err = t.stage(tx, t.out, true); err != nil {
				return err
			}
		}
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
		loc := e.msgs.For(e.msgs.Match(ev.Lang))
		if t != nil && t.tr != nil {
			loc = t.tr
		}
		return []Reply{{Kind: Send, Text: render.Render(loc.T("ErrorReply"), ev.Format)}}, fmt.Errorf("handle event of %s: %w", key, err)
	}
	if redelivered {
		e.log.Info("event delivered again, already handled; skipped", "platform", ev.Platform, "chat", ev.ChatID, "seq", ev.Seq)
		return nil, nil
	}
	e.countQuestion(t.asked, t.askedLow)
	// Rendering happens here, after the commit and outside the shared
	// write transaction, so concurrent learners render in parallel.
	var out []Reply
	if durable {
		for _, it := range items {
			it.replies = splitReply(it.d.Reply, it.d.text(ev.Format))
		}
		e.out.enqueue(items)
		out = t.notices()
	} else {
		out = t.replies()
	}
	// Work that must follow the commit: other stores, slow calls.
	for _, f := range t.after {
		more := &turn{e: e, course: course, ev: ev, st: t.st, now: t.now, tr: t.tr}
		f(ctx, more)
		if durable {
			if err := e.deliver(ctx, more); err != nil {
				e.log.Error("store later replies", "err", err)
			}
			out = append(out, more.notices()...)
		} else {
			out = append(out, more.replies()...)
		}
	}
	chat := chatKey(ev.Platform, ev.UserID, ev.ChatID)
	for _, j := range t.jobs {
		e.spawn(chat, j)
	}
	return out, nil
}

// stage writes the turn's drafts (not its acks) to the outbox in tx and
// returns them as items to enqueue once tx is committed. With inPlace,
// the first edit or next page takes the place of the pressed message.
func (t *turn) stage(tx *storage.Tx, drafts []draft, inPlace bool) ([]*outItem, error) {
	ev := t.ev
	chat := chatKey(ev.Platform, ev.UserID, ev.ChatID)
	var items []*outItem
	inPlace = inPlace && ev.MessageID != ""
	for _, d := range drafts {
		if d.Kind == Ack || d.Kind == Typing || d.text == nil {
			continue
		}
		en := outboxEntry{
			Platform: ev.Platform, UserID: ev.UserID, ChatID: ev.ChatID, ThreadID: ev.ThreadID, Handle: ev.ReplyHandle,
			Kind: d.Kind, MD: d.md, Lesson: d.lesson, Lang: d.lang, Page: d.page, Header: d.header, Buttons: d.Buttons,
			Supersedes: d.Supersedes, Private: d.Private, File: d.File, Created: t.now,
		}
		if inPlace && (d.Kind == Edit || d.Supersedes) {
			en.MessageID, inPlace = ev.MessageID, false
		}
		b, err := json.Marshal(&en)
		if err != nil {
			return nil, fmt.Errorf("encode outbox entry: %w", err)
		}
		key, err := tx.AddOutbox(chat, b)
		if err != nil {
			return nil, err
		}
		items = append(items, &outItem{chat: chat, key: key, en: en, d: d})
	}
	return items, nil
}

// deliver stores the drafts of t (replies made after the turn's commit)
// in the outbox, then sends them.
func (e *Engine) deliver(ctx context.Context, t *turn) error {
	var items []*outItem
	err := e.db.Update(ctx, func(tx *storage.Tx) error {
		var err error
		items, err = t.stage(tx, t.out, false)
		return err
	})
	if err != nil {
		return err
	}
	for _, it := range items {
		it.replies = splitReply(it.d.Reply, it.d.text(t.ev.Format))
	}
	e.out.enqueue(items)
	return nil
}

// notices returns the replies that answer the event itself (acks, typing),
// which adapters show at once; the rest goes through the outbox.
func (t *turn) notices() []Reply {
	var out []Reply
	for _, d := range t.out {
		if d.Kind == Ack || d.Kind == Typing {
			out = append(out, d.Reply)
		}
	}
	return out
}

// readOnly names the commands that show the learner's state and usually
// change nothing, so they are first tried in a read transaction.
var readOnly = map[string]bool{"course": true, "progress": true, "help": true}

// handleReadOnly runs a read-only command in a read transaction, which
// costs no commit (and no fsync). ok is false when the turn would change
// the learner's record (or has work after the commit): then the caller
// runs it again in a write transaction.
//
// With durable, the replies still go through the chat's outbox queue, so
// they keep their place behind replies not yet sent, but they are not
// stored: they show nothing that was committed.
func (e *Engine) handleReadOnly(ev Event, textLen int, course *lessons.Course, durable bool) (out []Reply, asked string, low bool, ok bool) {
	if ev.IsButton() {
		return nil, "", false, false
	}
	// A question (free text) usually changes nothing either; text the
	// tutor is waiting for (a template, a task) is skipped below.
	question := !strings.HasPrefix(ev.Text, "/")
	if name, _ := splitCommand(ev.Text); !question && !readOnly[name] {
		return nil, "", false, false
	}
	var t *turn
	err := e.db.View(func(tx *storage.Tx) error {
		old := tx.LearnerView(ev.Key()) // decoded and compared here only
		if old == nil {
			return nil // a new learner: their record is written
		}
		st, err := decodeState(old)
		if err != nil {
			return err
		}
		if question && st.Pending != "" {
			return nil // the answer to what the tutor asked: a write
		}
		rt := &turn{e: e, course: course, tx: tx, ev: ev, st: st, now: e.now().UTC(), textLen: textLen}
		rt.run()
		rt.tx = nil
		if rt.forget || rt.write || len(rt.after) > 0 || len(rt.jobs) > 0 {
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
		return nil, "", false, false
	}
	if !durable {
		return t.replies(), t.asked, t.askedLow, true
	}
	chat := chatKey(ev.Platform, ev.UserID, ev.ChatID)
	var items []*outItem
	for _, d := range t.out {
		if d.Kind == Ack || d.Kind == Typing || d.text == nil {
			continue
		}
		en := outboxEntry{Platform: ev.Platform, UserID: ev.UserID, ChatID: ev.ChatID, ThreadID: ev.ThreadID, Handle: ev.ReplyHandle, Created: t.now}
		items = append(items, &outItem{chat: chat, en: en, replies: splitReply(d.Reply, d.text(ev.Format))})
	}
	e.out.enqueue(items)
	return t.notices(), t.asked, t.askedLow, true
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
// reminders) through their platform's messenger: stored in the outbox and
// sent from there when the platform delivers through it.
func (e *Engine) push(ctx context.Context, platform, userID, chatID, md string, buttons ...[]Button) error {
	m, ok := e.messenger(platform)
	if !ok {
		return fmt.Errorf("push to %s: no messenger for the platform", platform)
	}
	if _, ok := m.(Sender); ok {
		t := &turn{e: e, ev: Event{Platform: platform, UserID: userID, ChatID: chatID, Format: m.Format()}, now: e.now().UTC()}
		t.say(md, buttons...)
		if err := e.deliver(ctx, t); err != nil {
			return fmt.Errorf("push to %s: %w", platform, err)
		}
		return nil
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
// learner in chatID (empty: their private chat or DM). That chat's waiting
// replies and background jobs are cancelled at once; the learner's other
// chats are untouched. A message from the learner in that chat makes it
// reachable again.
func (e *Engine) MarkUnreachable(ctx context.Context, platform, userID, chatID string) error {
	chat := chatKey(platform, userID, chatID)
	e.cancelJobs(chat)
	// The waiting replies are dropped once the mark is committed, so
	// whoever sees the queue empty sees the chat marked.
	defer e.out.cancelChat(chat)
	err := e.db.Update(ctx, func(tx *storage.Tx) error {
		if _, err := tx.DeleteOutboxChat(chat); err != nil {
			return err
		}
		key := platform + ":" + userID
		old := tx.Learner(key)
		if old == nil {
			return nil // nothing stored: nothing will be sent to them either
		}
		st, err := decodeState(old)
		if err != nil {
			return err
		}
		st.markUnreachable(userID, chatID)
		b, err := json.Marshal(st)
		if err != nil {
			return fmt.Errorf("encode learner record: %w", err)
		}
		return tx.PutLearner(key, b)
	})
	if err != nil {
		return fmt.Errorf("mark %s unreachable: %w", chat, err)
	}
	return nil
}

// clean makes outside text safe to handle: valid UTF-8, no control
// characters but newlines and tabs, surrounding space trimmed.
func clean(s string) string {
	if len(s) > 4*MaxText {
		s = s[:4*MaxText] // longer is refused anyway (textLength)
	}
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
	// textLen is the event text's length in characters, before cleaning.
	textLen int
	// tr says things in the learner's language.
	tr *locale.Localizer
	// out collects the replies, rendered after the commit.
	out []draft
	// forget erases the learner instead of storing the state.
	forget bool
	// write asks for a turn run in a read transaction to be run again
	// in a write transaction: it has something to store besides the
	// learner's record (a cohort's new name, a membership).
	write bool
	// after runs once the state is committed; its replies follow out.
	after []func(ctx context.Context, t *turn)
	// asked is the normalized free-text question of the turn, counted
	// anonymously once the turn is done; askedLow: answered with low
	// confidence.
	asked    string
	askedLow bool
	// jobs run in the background once the state is committed.
	jobs []func(ctx context.Context)
}

// later schedules f for after the commit.
func (t *turn) later(f func(ctx context.Context, t *turn)) { t.after = append(t.after, f) }

// slow schedules f, which may take long (an LLM call), for after the
// commit. Where replies go through the outbox it runs in the background,
// off the chat's turn queue, and its replies are delivered from the
// outbox: the learner's next command is answered meanwhile. Elsewhere
// (the terminal) it runs like later.
func (t *turn) slow(f func(ctx context.Context, t *turn)) {
	if !t.ev.ViaOutbox || !t.e.viaOutbox(t.ev.Platform) {
		t.later(f)
		return
	}
	e, ev, course, now := t.e, t.ev, t.course, t.now
	t.out = append(t.out, draft{Reply: Reply{Kind: Typing}}) // shown at once
	t.background(func(ctx context.Context) {
		more := &turn{e: e, course: course, ev: ev, now: now}
		f(ctx, more)
		if err := e.deliver(ctx, more); err != nil && ctx.Err() == nil {
			e.log.Error("store slow replies", "err", err)
		}
	})
}

// background schedules a job for after the commit.
func (t *turn) background(job func(ctx context.Context)) { t.jobs = append(t.jobs, job) }

// draft is a reply whose text is rendered once the state is committed.
type draft struct {
	Reply
	// md, or lesson and page (in the learner's language lang), is the
	// source of text, kept for the outbox.
	md     string
	lesson string
	lang   string
	page   int
	header bool
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
	t.out = append(t.out, draft{Reply: r, md: md, text: func(f render.Format) []string { return e.rendered.fit(md, f) }})
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

// lang is the learner's language for lesson text.
func (t *turn) lang() string { return t.st.Lang }

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

// pickLang takes the learner's language from the platform on first contact
// and chooses the turn's localizer.
func (t *turn) pickLang() {
	if t.st.Lang == "" || !t.e.msgs.Has(t.st.Lang) {
		t.st.Lang = t.e.msgs.Match(t.ev.Lang)
	}
	t.tr = t.e.msgs.For(t.st.Lang)
}

func (t *turn) run() {
	if t.st.Started.IsZero() {
		t.st.Started = t.now
	}
	t.pickLang()
	t.st.Unreachable = false
	t.st.reachedIn(t.ev)
	t.joinChatCohort()
	if now := t.now.Unix(); now-int64(t.st.Active) >= int64(activeStep/time.Second) {
		t.st.Active = unixSeconds(t.now.Truncate(activeStep).Unix())
	}
	if t.ev.IsButton() {
		t.press(t.ev.Payload)
		return
	}
	text := t.ev.Text
	if t.textLen > MaxText && !isCommand(text, "announce") {
		t.say(t.tr.T("TooLong", "Length", t.textLen, "Max", MaxText))
		return
	}
	if strings.HasPrefix(text, "/") {
		t.command(text)
	} else {
		t.freeText(text)
	}
	t.offerLanguage(text)
}

// offerLanguage offers Russian, once, to a learner the tutor speaks
// another language with who writes in Cyrillic in a private chat: the
// platform's language (a Telegram app in English) is not always the one
// the learner reads best. Latin text in a Russian session gets no offer:
// model names and English terms are everyday Russian technical writing.
func (t *turn) offerLanguage(text string) {
	const ru = "ru"
	if t.st.LangOffered || t.st.Lang == ru || !t.e.msgs.Has(ru) || !t.ev.Direct && t.ev.ChatID != "" && t.ev.ChatID != t.ev.UserID {
		return
	}
	if cyr, lat := practice.Scripts(text); cyr < 3 || cyr <= lat {
		return
	}
	t.st.LangOffered = true
	loc := t.e.msgs.For(ru)
	t.say(loc.T("LanguageOffer"), []Button{{Label: loc.T("LanguageName"), Payload: payWord(kindLanguage, ru)}})
}
