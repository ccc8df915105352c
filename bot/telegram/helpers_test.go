package telegram

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"tutorbot/bot"
	"tutorbot/bot/telegram/telegramtest"
	"tutorbot/lessons"
	"tutorbot/render"
	"tutorbot/storage"
)

var discard = slog.New(slog.DiscardHandler)

// fakeTutor is a small bot.Handler with the engine's shape (pages with
// Next/Back, a two-question quiz edited in place, Retake at the end), used
// where a test needs to steer the handler (delays, errors, events seen).
type fakeTutor struct {
	pages int

	mu     sync.Mutex
	page   map[string]int
	events []bot.Event
	delay  func(bot.Event) time.Duration
	fail   func(bot.Event) error
}

func newFakeTutor(pages int) *fakeTutor {
	return &fakeTutor{pages: pages, page: map[string]int{}}
}

func pageText(i, n int) string {
	return fmt.Sprintf("<b>Page %d</b> of the lesson &amp; more.\n\n— page %d/%d —", i+1, i+1, n)
}

func (f *fakeTutor) Events() []bot.Event {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]bot.Event(nil), f.events...)
}

func (f *fakeTutor) pageReply(i int, supersedes bool) bot.Reply {
	var row []bot.Button
	if i < f.pages-1 {
		row = append(row, bot.Button{Label: "Next ▶", Payload: fmt.Sprintf("1:pg:1:%d", i+1)})
	} else {
		row = append(row, bot.Button{Label: "Take the quiz ▶", Payload: "1:qz:1"})
	}
	if i > 0 {
		row = append(row, bot.Button{Label: "◀ Back", Payload: fmt.Sprintf("1:pg:1:%d", i-1)})
	}
	return bot.Reply{Kind: bot.Send, Text: pageText(i, f.pages), Buttons: [][]bot.Button{row}, Supersedes: supersedes}
}

func question(q int) bot.Reply {
	return bot.Reply{Kind: bot.Send, Text: fmt.Sprintf("Question %d: which fits in 24 GB?", q+1), Buttons: [][]bot.Button{{
		{Label: "A", Payload: fmt.Sprintf("1:qa:1:1:%d:0", q)},
		{Label: "B", Payload: fmt.Sprintf("1:qa:1:1:%d:1", q)},
	}}}
}

func (f *fakeTutor) Handle(ctx context.Context, ev bot.Event) ([]bot.Reply, error) {
	f.mu.Lock()
	f.events = append(f.events, ev)
	delay, fail := f.delay, f.fail
	f.mu.Unlock()
	if delay != nil {
		select {
		case <-time.After(delay(ev)):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if fail != nil {
		if err := fail(ev); err != nil {
			return nil, err
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	key := ev.Key()
	switch {
	case ev.Text == "/start" || ev.Text == "/lesson":
		f.page[key] = 0
		return []bot.Reply{f.pageReply(0, false)}, nil
	case ev.Text == "two":
		return []bot.Reply{{Kind: bot.Send, Text: "one"}, {Kind: bot.Send, Text: "two"}}, nil
	case ev.Text != "":
		return []bot.Reply{{Kind: bot.Send, Text: "You said: " + strings.ReplaceAll(ev.Text, "<", "&lt;")}}, nil
	}
	p := strings.Split(ev.Payload, ":")
	if _, started := f.page[key]; !started {
		return []bot.Reply{{Kind: bot.Ack, Text: "Send /start to begin your own lesson."}}, nil
	}
	switch {
	case len(p) == 4 && p[1] == "pg":
		i, _ := strconv.Atoi(p[3])
		f.page[key] = i
		return []bot.Reply{f.pageReply(i, true)}, nil
	case len(p) == 3 && p[1] == "qz":
		return []bot.Reply{{Kind: bot.Ack}, question(0)}, nil
	case len(p) == 6 && p[1] == "qa":
		q, _ := strconv.Atoi(p[4])
		verdict := "Correct!"
		if p[5] != "0" {
			verdict = "Not quite."
		}
		out := []bot.Reply{
			{Kind: bot.Ack, Text: verdict},
			{Kind: bot.Edit, Text: fmt.Sprintf("Question %d: which fits in 24 GB?\n\n<b>%s</b>", q+1, verdict)},
		}
		if q == 0 {
			return append(out, question(1)), nil
		}
		return append(out, bot.Reply{Kind: bot.Send, Text: "Quiz done: 2/2.", Buttons: [][]bot.Button{{{Label: "Retake", Payload: "1:qr:1"}}}}), nil
	}
	return []bot.Reply{{Kind: bot.Ack, Text: "Unknown button."}}, nil
}

// reachRecorder records MarkUnreachable calls.
type reachRecorder struct {
	mu    sync.Mutex
	users []string
}

func (r *reachRecorder) MarkUnreachable(_ context.Context, platform, userID, _ string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.users = append(r.users, platform+":"+userID)
	return nil
}

func (r *reachRecorder) Users() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.users...)
}

// newEngine is the real tutor on real bbolt in a temporary directory.
func newEngine(tb testing.TB, opts storage.Options) *bot.Engine {
	tb.Helper()
	return newEngineWith(tb, opts, bot.Config{})
}

// newEngineWith is newEngine with the rest of cfg (admins, say); its
// database, course and logger are filled in.
func newEngineWith(tb testing.TB, opts storage.Options, cfg bot.Config) *bot.Engine {
	tb.Helper()
	course, err := lessons.Default()
	if err != nil {
		tb.Fatalf("load course: %v", err)
	}
	db, err := storage.Open(filepath.Join(tb.TempDir(), "tutor.db"), opts)
	if err != nil {
		tb.Fatalf("open db: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	cfg.DB, cfg.Course, cfg.Log = db, course, discard
	e, err := bot.NewEngine(cfg)
	if err != nil {
		tb.Fatalf("new engine: %v", err)
	}
	return e
}

// fastConfig is a Config for srv with limits high enough not to slow tests.
func fastConfig(srv *telegramtest.Server, h bot.Handler) Config {
	return Config{
		Token:        srv.Token(),
		APIURL:       srv.URL(),
		Handler:      h,
		PerChatRate:  1000,
		PerChatBurst: 1000,
		GroupRate:    1000,
		GlobalRate:   100000,
		PollTimeout:  5 * time.Second,
		Log:          discard,
	}
}

// start creates the bot and runs it until the test ends; Run must return
// nil soon after cancellation.
func start(tb testing.TB, cfg Config) (*Bot, context.CancelFunc) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	b, err := New(ctx, cfg)
	if err != nil {
		cancel()
		tb.Fatalf("new bot: %v", err)
	}
	errc := make(chan error, 1)
	go func() { errc <- b.Run(ctx) }()
	tb.Cleanup(func() {
		cancel()
		select {
		case err := <-errc:
			if err != nil {
				tb.Errorf("run: %v", err)
			}
		case <-time.After(3 * time.Second):
			tb.Errorf("run did not stop")
		}
	})
	return b, cancel
}

// eventually waits until cond holds.
func eventually(tb testing.TB, d time.Duration, cond func() bool, format string, args ...any) {
	tb.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out: "+format, args...)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

var pageRE = regexp.MustCompile(`— page (\d+)/(\d+) —`)

// learner drives one learner through the fake server like a person would.
type learner struct {
	srv        *telegramtest.Server
	chat, user int64
	callbacks  []string
}

// say sends text and waits for the tutor's answer (a new message).
func (l *learner) say(text string) error {
	before := countShown(l.srv.Sent(l.chat))
	l.srv.PushMessage(l.chat, l.user, text)
	return l.waitShown(before)
}

// waitShown waits until the chat has shown more than before texts.
func (l *learner) waitShown(before int) error {
	if !l.srv.WaitFor(l.chat, 15*time.Second, func(sent []telegramtest.Message) bool { return countShown(sent) > before }) {
		return fmt.Errorf("chat %d: no answer after %d texts shown", l.chat, before)
	}
	return nil
}

// shown reports a call that showed the learner a text: a message sent, or
// a message's text edited (a page turned in place, a quiz verdict).
func shown(m telegramtest.Message) bool {
	return m.Method == "sendMessage" || m.Method == "editMessageText"
}

func countShown(sent []telegramtest.Message) int {
	n := 0
	for _, m := range sent {
		if shown(m) {
			n++
		}
	}
	return n
}

// press presses the button labelled like label under the chat's latest
// message and waits for the tutor's answer.
func (l *learner) press(pick func(label string) bool) (bool, error) {
	msgs := l.srv.Messages(l.chat)
	if len(msgs) == 0 {
		return false, nil
	}
	last := msgs[len(msgs)-1]
	cur, _ := l.srv.Current(l.chat, last.MessageID)
	for _, row := range cur.Keyboard {
		for _, btn := range row {
			if pick(btn.Text) {
				before := countShown(l.srv.Sent(l.chat))
				id := l.srv.PushCallback(l.chat, l.user, last.MessageID, btn.CallbackData)
				l.callbacks = append(l.callbacks, id)
				if err := l.waitShown(before); err != nil {
					return false, err
				}
				if !l.srv.WaitFor(l.chat, 5*time.Second, func([]telegramtest.Message) bool { n, _ := l.srv.Answers(id); return n > 0 }) {
					return false, fmt.Errorf("callback %s not answered", id)
				}
				return true, nil
			}
		}
	}
	return false, nil
}

// journey takes the whole lesson and the quiz: /start, Next to the end,
// the quiz answering A, until Retake is offered.
func (l *learner) journey() error { return l.walk(true) }

// walk is journey, stopping at the quiz unless quiz is true.
func (l *learner) walk(quiz bool) error {
	if err := l.say("/start"); err != nil {
		return err
	}
	// The tutor may answer with several messages (a verdict, then the next
	// question): press only once the latest message offers a button.
	deadline := time.Now().Add(20 * time.Second)
	for presses := 0; presses < 60 && time.Now().Before(deadline); {
		changed := l.srv.Changed(l.chat)
		msgs := l.srv.Messages(l.chat)
		cur, _ := l.srv.Current(l.chat, msgs[len(msgs)-1].MessageID)
		if sm := pageRE.FindStringSubmatch(render.Strip(cur.Text, render.TelegramHTML)); !quiz && sm != nil && sm[1] == sm[2] {
			return nil // the last page
		}
		for _, row := range cur.Keyboard {
			for _, b := range row {
				if b.Text == "Retake" {
					return nil
				}
			}
		}
		for _, pick := range []func(string) bool{
			func(s string) bool { return strings.Contains(s, "Start the lesson") },
			func(s string) bool { return strings.HasPrefix(s, "Next") },
			func(s string) bool { return strings.HasPrefix(s, "Take the quiz") },
			func(s string) bool { return s == "A" },
		} {
			ok, err := l.press(pick)
			if err != nil {
				return err
			}
			if ok {
				presses++
				break
			}
		}
		select {
		case <-changed:
		case <-time.After(50 * time.Millisecond):
		}
	}
	return errors.New("journey did not reach the end of the quiz")
}

// checkPages checks that every page was shown once, in order, the first
// in a new message and every later one by turning that message in place.
// It returns an error naming the first difference.
func (l *learner) checkPages() error {
	want := 1
	total := 0
	pageMsg := 0
	for _, m := range l.srv.Sent(l.chat) {
		if !shown(m) {
			continue
		}
		sm := pageRE.FindStringSubmatch(render.Strip(m.Text, render.TelegramHTML))
		if sm == nil {
			continue
		}
		got, _ := strconv.Atoi(sm[1])
		total, _ = strconv.Atoi(sm[2])
		if got != want {
			return fmt.Errorf("chat %d: page %d shown, want page %d", l.chat, got, want)
		}
		switch {
		case want == 1 && m.Method != "sendMessage":
			return fmt.Errorf("chat %d: first page came by %s, want a new message", l.chat, m.Method)
		case want == 1:
			pageMsg = m.MessageID
		case m.Method != "editMessageText" || m.MessageID != pageMsg:
			return fmt.Errorf("chat %d: page %d came by %s of message %d, want the page message %d edited in place", l.chat, got, m.Method, m.MessageID, pageMsg)
		}
		want++
	}
	if total == 0 || want != total+1 {
		return fmt.Errorf("chat %d: saw %d of %d pages", l.chat, want-1, total)
	}
	for _, id := range l.callbacks {
		if n, _ := l.srv.Answers(id); n != 1 {
			return fmt.Errorf("chat %d: callback %s answered %d times", l.chat, id, n)
		}
	}
	return nil
}
