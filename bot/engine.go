package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"tutorbot/lessons"
	"tutorbot/render"
	"tutorbot/storage"
)

// Config wires an Engine.
type Config struct {
	// DB keeps every learner's state. Required.
	DB *storage.DB
	// Course is the content taught. Required.
	Course *lessons.Course
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Log receives the engine's log lines (default: discarded).
	Log *slog.Logger
}

// Engine runs the tutor's conversations. It does no network I/O: it loads
// the learner's state, runs one step, commits it and returns the replies.
// It is safe for concurrent use; events of one learner must be handed to it
// in order.
type Engine struct {
	db     *storage.DB
	course *lessons.Course
	now    func() time.Time
	log    *slog.Logger
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
	return &Engine{db: cfg.DB, course: cfg.Course, now: cfg.Now, log: cfg.Log}, nil
}

// MaxText is the longest message the engine reads; longer ones get a polite
// refusal.
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
	var out []Reply
	err := e.db.Update(ctx, func(tx *storage.Tx) error {
		old := tx.Learner(ev.Key())
		st, err := decodeState(old)
		if err != nil {
			return err
		}
		t := &turn{e: e, ev: ev, st: st, now: e.now().UTC()}
		t.run()
		out = t.out
		next, err := json.Marshal(st)
		if err != nil {
			return fmt.Errorf("encode learner record: %w", err)
		}
		if bytes.Equal(old, next) {
			return nil
		}
		return tx.PutLearner(ev.Key(), next)
	})
	if err != nil {
		e.log.Error("handle event", "platform", ev.Platform, "err", err)
		return []Reply{{Kind: Send, Text: render.Render(errorReply, ev.Format)}}, fmt.Errorf("handle event of %s: %w", ev.Key(), err)
	}
	return out, nil
}

// MarkUnreachable records that the platform refused to deliver to the
// learner.
func (e *Engine) MarkUnreachable(ctx context.Context, platform, userID string) error {
	key := platform + ":" + userID
	return e.db.Update(ctx, func(tx *storage.Tx) error {
		old := tx.Learner(key)
		st, err := decodeState(old)
		if err != nil {
			return err
		}
		if st.Unreachable {
			return nil
		}
		st.Unreachable = true
		b, err := json.Marshal(st)
		if err != nil {
			return fmt.Errorf("encode learner record: %w", err)
		}
		return tx.PutLearner(key, b)
	})
}

// clean makes outside text safe to handle: valid UTF-8, no control
// characters but newlines and tabs, surrounding space trimmed.
func clean(s string) string {
	if len(s) > 4*MaxText {
		s = s[:4*MaxText]
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
	e   *Engine
	ev  Event
	st  *State
	now time.Time
	out []Reply
}

// say renders Markdown md for the event's platform and adds it as one or
// more messages; buttons go under the last one.
func (t *turn) say(md string, buttons ...[]Button) {
	t.add(Reply{Kind: Send}, md, buttons)
}

// add renders md into r (split into several messages when too long) and
// appends it; only the first part can edit or supersede, only the last one
// carries the buttons.
func (t *turn) add(r Reply, md string, buttons [][]Button) {
	parts := render.Fit(md, t.ev.Format)
	for i, p := range parts {
		rr := r
		rr.Text = p
		if i > 0 {
			rr.Kind, rr.Supersedes = Send, false
		}
		rr.Buttons = nil
		if i == len(parts)-1 {
			rr.Buttons = buttons
		}
		t.out = append(t.out, rr)
	}
}

// ack answers a button press with a short notice.
func (t *turn) ack(text string) {
	t.out = append(t.out, Reply{Kind: Ack, Text: text})
}

// lesson returns the learner's current lesson.
func (t *turn) lesson() *lessons.Lesson {
	if l, ok := t.e.course.Lesson(t.st.Lesson); ok {
		return l
	}
	l := t.e.course.First()
	t.st.Lesson = l.ID
	return l
}

// lessonByOrder returns the lesson whose order number is n.
func (t *turn) lessonByOrder(n int) (*lessons.Lesson, bool) {
	for _, l := range t.e.course.Lessons {
		if l.Order == n {
			return l, true
		}
	}
	return nil, false
}

func (t *turn) run() {
	if t.st.Started.IsZero() {
		t.st.Started = t.now
	}
	t.st.Unreachable = false
	if t.ev.IsButton() {
		t.press(t.ev.Payload)
		return
	}
	text := t.ev.Text
	if utf8.RuneCountInString(text) > MaxText {
		t.say(fmt.Sprintf(msgTooLong, utf8.RuneCountInString(text), MaxText))
		return
	}
	if strings.HasPrefix(text, "/") {
		t.command(text)
		return
	}
	t.freeText(text)
}
