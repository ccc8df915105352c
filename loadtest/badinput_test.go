package loadtest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"tutorbot/bot"
	"tutorbot/bot/telegram"
	"tutorbot/bot/telegram/telegramtest"
	"tutorbot/lessons"
	"tutorbot/remind"
	"tutorbot/render"
	"tutorbot/storage"
)

// corpusDir is the bad-input corpus, relative to this package.
const corpusDir = "../testdata/badinput"

// replyWithin is how soon a reply must come.
const replyWithin = time.Second

// Chats of the other learner, who works in a group the bad inputs reach.
const (
	otherUser = 900_001
	groupChat = -100_777
)

// badEnv is one tutor (engine, bbolt file, Telegram adapter on the fake
// server) that every bad input is sent to, each from a new learner.
type badEnv struct {
	db     *storage.DB
	engine *bot.Engine
	srv    *telegramtest.Server
	tg     *telegram.Bot
	lesson *lessons.Lesson
}

func newBadEnv(t *testing.T) *badEnv {
	t.Helper()
	course, err := lessons.Default()
	if err != nil {
		t.Fatalf("load course: %v", err)
	}
	db, err := storage.Open(filepath.Join(t.TempDir(), "tutor.db"), storage.Options{NoSync: true})
	if err != nil {
		t.Fatalf("open database: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	engine, err := bot.NewEngine(bot.Config{DB: db, Course: course, Reminders: &remind.Service{DB: db}})
	if err != nil {
		t.Fatalf("new engine: %v", err)
	}
	srv := telegramtest.NewServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	tg, err := telegram.New(ctx, telegram.Config{
		Token: srv.Token(), APIURL: srv.URL(), Handler: engine, Reach: engine, Commands: engine.Commands(),
		PerChatRate: 1e6, PerChatBurst: 1000, GroupRate: 1e6, GlobalRate: 1e6, PollTimeout: 5 * time.Second,
	})
	if err != nil {
		cancel()
		t.Fatalf("new telegram bot: %v", err)
	}
	engine.SetMessenger(tg)
	done := make(chan error, 1)
	go func() { done <- tg.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("telegram run: %v", err)
		}
		engine.Close(context.Background())
	})
	return &badEnv{db: db, engine: engine, srv: srv, tg: tg, lesson: course.First()}
}

// records returns every learner record but the one under skip.
func (e *badEnv) records(t *testing.T, skip string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := e.db.View(func(tx *storage.Tx) error {
		return tx.ForEachLearner(func(key string, rec []byte) error {
			if key != skip {
				out[key] = bytes.Clone(rec)
			}
			return nil
		})
	})
	if err != nil {
		t.Fatalf("read records: %v", err)
	}
	return out
}

// sameRecords reports the records that changed between before and after.
func sameRecords(before, after map[string][]byte) []string {
	var diff []string
	for k, b := range before {
		if a, ok := after[k]; !ok {
			diff = append(diff, k+" was erased")
		} else if !bytes.Equal(a, b) {
			diff = append(diff, k+" changed")
		}
	}
	for k := range after {
		if _, ok := before[k]; !ok {
			diff = append(diff, k+" appeared")
		}
	}
	return diff
}

// checkTelegramText reports what Telegram would refuse in a rendered text.
func checkTelegramText(text string) error {
	if err := render.ValidateTelegramHTML(text); err != nil {
		return fmt.Errorf("invalid Telegram HTML: %w in %q", err, clip(text))
	}
	if n := render.Length(text, render.TelegramHTML); n > 4096 {
		return fmt.Errorf("%d characters, over 4096", n)
	}
	return nil
}

func clip(s string) string {
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return strings.ToValidUTF8(s, "?")
}

// labelMatch finds a button by label: exact, else containing it.
func labelMatch(rows [][]telegramtest.Button, label string) (telegramtest.Button, bool) {
	for _, row := range rows {
		for _, b := range row {
			if b.Text == label {
				return b, true
			}
		}
	}
	if len(label) > 1 {
		return findButton(rows, label)
	}
	return telegramtest.Button{}, false
}

// newestButton finds the newest message or edit in chat that put a button
// labelled label under a message, whether or not it still shows.
func (e *badEnv) newestButton(chat int64, label string) (payload string, msgID int, ok bool) {
	ms := e.srv.Sent(chat)
	for i := len(ms) - 1; i >= 0; i-- {
		if ms[i].Method != "sendMessage" && ms[i].Method != "editMessageText" {
			continue
		}
		// An edit's record holds the buttons it put under the message
		// (the quiz score under the last answer).
		if b, ok := labelMatch(ms[i].Keyboard, label); ok {
			return b.CallbackData, ms[i].MessageID, true
		}
	}
	return "", 0, false
}

// await waits until a sendMessage or edit arrives in chat after index
// before, or the press cb (if any) is answered with text.
func (e *badEnv) await(chat int64, before int, cb string, d time.Duration) bool {
	return e.srv.WaitFor(chat, d, func(ms []telegramtest.Message) bool {
		for _, m := range ms[min(before, len(ms)):] {
			if m.Method == "sendMessage" || m.Method == "editMessageText" || m.Method == "sendDocument" {
				return true
			}
		}
		if cb != "" {
			n, text := e.srv.Answers(cb)
			return n > 0 && text != ""
		}
		return false
	})
}

// settle waits until the adapter has handled n updates in all and the
// outbox has sent what they committed, so that every message of the
// latest reply has arrived.
func (e *badEnv) settle(t *testing.T, n int64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for e.tg.Stats().UpdatesHandled < n || e.engine.OutboxStats().Waiting > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the adapter handled %d updates, not %d, within 5 s (%d replies waiting)", e.tg.Stats().UpdatesHandled, n, e.engine.OutboxStats().Waiting)
		}
		time.Sleep(time.Millisecond)
	}
}

// handled is how many updates the adapter has handled so far.
func (e *badEnv) handled() int64 { return e.tg.Stats().UpdatesHandled }

// setupOther has the other learner start the lesson and the quiz in the
// group, so that their buttons can be pressed by others.
func (e *badEnv) setupOther(t *testing.T) {
	t.Helper()
	send := func(text string) {
		n := e.handled()
		before := len(e.srv.Sent(groupChat))
		e.srv.PushMessage(groupChat, otherUser, text)
		if !e.await(groupChat, before, "", 5*time.Second) {
			t.Fatalf("the other learner got no answer to %q", text)
		}
		e.settle(t, n+1)
	}
	send("/start")
	p, id, ok := e.newestButton(groupChat, "▶ Start the lesson")
	if !ok {
		t.Fatal("the other learner got no lesson button")
	}
	n := e.handled()
	before := len(e.srv.Sent(groupChat))
	cb := e.srv.PushCallback(groupChat, otherUser, id, p)
	if !e.await(groupChat, before, cb, 5*time.Second) {
		t.Fatal("the other learner got no first page")
	}
	e.settle(t, n+1)
	send("/quiz")
}

// otherButton is the {other:LABEL} lookup.
func (e *badEnv) otherButton(label string) (string, bool) {
	p, _, ok := e.newestButton(groupChat, label)
	return p, ok
}

// TestBadInput sends every input of the corpus to the engine and through
// the Telegram fake and adapter, and every lesson file to lessons.Parse.
func TestBadInput(t *testing.T) {
	corpus, err := LoadCorpus(os.DirFS(corpusDir), ".")
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, in := range corpus {
		prefix, _, _ := strings.Cut(in.Name, "-")
		counts[prefix]++
	}
	if len(corpus) < 60 {
		t.Errorf("%d inputs in the corpus, want at least 60", len(corpus))
	}
	for _, p := range []string{"cmd", "text", "payload", "template", "schedule", "tz", "lesson"} {
		if counts[p] == 0 {
			t.Errorf("no %s- inputs in the corpus", p)
		}
	}
	t.Logf("%d inputs: %v", len(corpus), counts)

	env := newBadEnv(t)
	env.setupOther(t)
	errsBefore := env.tg.Stats().Errors
	var learners []string
	for i, in := range corpus {
		t.Run(in.Name, func(t *testing.T) {
			if in.As == "lesson" {
				runLesson(t, in)
				return
			}
			user := int64(700_000 + i)
			learners = append(learners, Key(user))
			runEngine(t, env, in, user)
			user = int64(800_000 + i)
			learners = append(learners, Key(user))
			runTelegram(t, env, in, user)
		})
	}
	if n := env.tg.Stats().Errors - errsBefore; n > 0 {
		t.Errorf("the Telegram adapter counted %d errors (refused messages, failed handling, panics)", n)
	}
	// Whatever they sent, every learner's record is still sound.
	stored, err := ReadStored(env.db, learners)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range learners {
		for _, p := range CheckInvariants(stored[key], env.lesson) {
			t.Errorf("%s: %s", key, p)
		}
	}
}

// runLesson parses a lesson file: no panic, problems with lines.
func runLesson(t *testing.T, in Input) {
	var (
		l     *lessons.Lesson
		probs lessons.Problems
	)
	t0 := time.Now()
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("lessons.Parse panicked: %v", r)
			}
		}()
		l, probs = lessons.Parse("lesson.md", in.Body)
	}()
	if d := time.Since(t0); d > replyWithin {
		t.Errorf("lessons.Parse took %v", d)
	}
	for _, p := range probs {
		if p.Line < 1 || p.File != "lesson.md" || p.Msg == "" {
			t.Errorf("problem without a place or a message: %+v", p)
		}
	}
	switch in.Expect {
	case "ok":
		if l == nil || len(probs) > 0 {
			t.Errorf("want a clean lesson, got problems %v", probs)
		}
	case "problems":
		if len(probs) == 0 || l != nil {
			t.Errorf("want problems, got none")
		}
	default:
		if l == nil && len(probs) == 0 {
			t.Errorf("neither a lesson nor a problem")
		}
	}
	if in.Line > 0 && (len(probs) == 0 || probs[0].Line != in.Line) {
		t.Errorf("want the first problem on line %d, got %v", in.Line, probs)
	}
}

// runEngine sends the input straight to the engine.
func runEngine(t *testing.T, env *badEnv, in Input, user int64) {
	uid := strconv.FormatInt(user, 10)
	chat := uid
	if in.Group {
		chat = strconv.FormatInt(groupChat, 10)
	}
	mine := map[string]string{}
	var order []string
	handle := func(text, payload string) ([]bot.Reply, error, time.Duration) {
		ev := bot.Event{Platform: telegram.Platform, UserID: uid, ChatID: chat, Name: "Learner", Text: text, Payload: payload, Format: render.TelegramHTML}
		t0 := time.Now()
		var rs []bot.Reply
		var err error
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("engine panicked: %v", r)
				}
			}()
			rs, err = env.engine.Handle(context.Background(), ev)
		}()
		d := time.Since(t0)
		for _, r := range rs {
			for _, row := range r.Buttons {
				for _, b := range row {
					mine[b.Label] = b.Payload
					order = append(order, b.Label)
				}
			}
		}
		return rs, err, d
	}
	lookupMine := func(label string) (string, bool) {
		if p, ok := mine[label]; ok {
			return p, true
		}
		for i := len(order) - 1; i >= 0; i-- {
			if len(label) > 1 && strings.Contains(order[i], label) {
				return mine[order[i]], true
			}
		}
		return "", false
	}
	last := ""
	for _, s := range in.Setup {
		if s.Text != "" {
			if _, err, _ := handle(s.Text, ""); err != nil {
				t.Fatalf("setup %q: %v", s.Text, err)
			}
			continue
		}
		p, ok := lookupMine(s.Press)
		if !ok {
			t.Fatalf("setup: no button %q", s.Press)
		}
		if _, err, _ := handle("", p); err != nil {
			t.Fatalf("setup press %q: %v", s.Press, err)
		}
		last = p
	}
	body, err := in.Resolve(func(who, label string) (string, bool) {
		if who == "other" {
			return env.otherButton(label)
		}
		return lookupMine(label)
	}, last)
	if err != nil {
		t.Fatal(err)
	}
	before := env.records(t, Key(user))
	var rs []bot.Reply
	var d time.Duration
	if in.As == "payload" {
		rs, err, d = handle("", string(body))
	} else {
		rs, err, d = handle(string(body), "")
	}
	if err != nil {
		t.Errorf("engine: %v", err)
	}
	if d > replyWithin {
		t.Errorf("engine took %v", d)
	}
	said := false
	for _, r := range rs {
		switch r.Kind {
		case bot.Ack:
			if utf8.RuneCountInString(r.Text) > 200 {
				t.Errorf("toast of %d characters", utf8.RuneCountInString(r.Text))
			}
			said = said || r.Text != ""
		case bot.Send, bot.Edit:
			if err := checkTelegramText(r.Text); err != nil {
				t.Errorf("engine reply: %v", err)
			}
			said = said || strings.TrimSpace(r.Text) != ""
		}
		for _, row := range r.Buttons {
			for _, b := range row {
				if b.Label == "" || b.Payload == "" || len(b.Payload) > bot.MaxPayload {
					t.Errorf("button %q with payload %q", b.Label, b.Payload)
				}
			}
		}
	}
	if !said {
		t.Errorf("engine: no reply to %q", clip(string(body)))
	}
	if diff := sameRecords(before, env.records(t, Key(user))); len(diff) > 0 {
		t.Errorf("engine: other learners touched: %v", diff)
	}
}

// runTelegram sends the input through the fake Telegram server and the
// adapter.
func runTelegram(t *testing.T, env *badEnv, in Input, user int64) {
	chat := user
	if in.Group {
		chat = groupChat
	}
	srv := env.srv
	last := ""
	for _, s := range in.Setup {
		n := env.handled()
		before := len(srv.Sent(chat))
		cb := ""
		if s.Text != "" {
			srv.PushMessage(chat, user, s.Text)
		} else {
			p, id, ok := env.newestButton(chat, s.Press)
			if !ok {
				t.Fatalf("setup: no button %q", s.Press)
			}
			cb = srv.PushCallback(chat, user, id, p)
			last = p
		}
		if !env.await(chat, before, cb, 5*time.Second) {
			t.Fatalf("setup: no answer to %+v", s)
		}
		env.settle(t, n+1)
	}
	var msgID int
	body, err := in.Resolve(func(who, label string) (string, bool) {
		c := chat
		if who == "other" {
			c = groupChat
		}
		p, id, ok := env.newestButton(c, label)
		msgID = id
		return p, ok
	}, last)
	if err != nil {
		t.Fatal(err)
	}
	if msgID == 0 {
		if ms := srv.Messages(chat); len(ms) > 0 {
			msgID = ms[len(ms)-1].MessageID
		}
	}
	records := env.records(t, Key(user))
	n := env.handled()
	before := len(srv.Sent(chat))
	cb := ""
	if in.As == "payload" {
		cb = srv.PushCallback(chat, user, msgID, string(body))
	} else {
		srv.PushMessage(chat, user, string(body))
	}
	var got bool
	if in.Ignored {
		env.settle(t, n+1)
		got = env.await(chat, before, cb, 0)
	} else {
		got = env.await(chat, before, cb, replyWithin)
	}
	switch {
	case in.Ignored && got:
		t.Errorf("telegram: a reply to an update the adapter must drop")
	case !in.Ignored && !got:
		t.Errorf("telegram: no reply within %v to %q", replyWithin, clip(string(body)))
	}
	env.settle(t, n+1)
	if cb != "" {
		// Every press is answered, exactly once.
		srv.WaitFor(chat, replyWithin, func([]telegramtest.Message) bool { n, _ := srv.Answers(cb); return n > 0 })
		if n, _ := srv.Answers(cb); n != 1 {
			t.Errorf("telegram: the press was answered %d times", n)
		}
	}
	for _, m := range srv.Sent(chat)[before:] {
		if m.Method != "sendMessage" && m.Method != "editMessageText" && m.Method != "sendDocument" {
			continue
		}
		if m.ParseMode != "HTML" {
			t.Errorf("telegram: message sent with parse mode %q", m.ParseMode)
		}
		if err := checkTelegramText(m.Text); err != nil {
			t.Errorf("telegram message: %v", err)
		}
	}
	if diff := sameRecords(records, env.records(t, Key(user))); len(diff) > 0 {
		t.Errorf("telegram: other learners touched: %v", diff)
	}
}
