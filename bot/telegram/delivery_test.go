package telegram

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"tutorbot/bot"
	"tutorbot/bot/telegram/telegramtest"
	"tutorbot/lessons"
	"tutorbot/llm"
	"tutorbot/llm/llmtest"
	"tutorbot/remind"
	"tutorbot/storage"
)

// deliveryRig is the real engine with the outbox, reminders and an LLM
// fake, behind the Telegram adapter on the fake Bot API server.
type deliveryRig struct {
	srv    *telegramtest.Server
	llm    *llmtest.Server
	engine *bot.Engine
	tg     *Bot
	db     *storage.DB
	// skew moves the engine's clock forward: an outage "lasts" as long as
	// the test says without the test waiting for it.
	skew atomic.Int64
	// refuse makes every chat call fail as a refused connection.
	refuse atomic.Bool
}

var compareModels = []string{"deepseek/deepseek-chat", "qwen/qwen-2.5-72b-instruct", "mistralai/mistral-small"}

func newDeliveryRig(t *testing.T) *deliveryRig {
	t.Helper()
	r := &deliveryRig{srv: telegramtest.NewServer(t), llm: llmtest.NewServer(t)}
	db, err := storage.Open(filepath.Join(t.TempDir(), "tutor.db"), storage.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	r.db = db
	course, _ := lessons.Default()
	c, err := llm.New(llm.Config{BaseURL: r.llm.URL(), APIKey: "sk-test", Model: "writer", Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return time.Now().Add(time.Duration(r.skew.Load())) }
	e, err := bot.NewEngine(bot.Config{DB: db, Course: course, Now: now, Log: discard, LLM: c, CompareModels: compareModels,
		CompareTimeout: 30 * time.Second, Reminders: &remind.Service{DB: db, Now: now}, OutboxRetryBase: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	r.engine = e
	cfg := fastConfig(r.srv, e)
	cfg.Reach = e
	cfg.HTTPClient = &http.Client{Timeout: 20 * time.Second, Transport: refusingTransport{refuse: &r.refuse, base: http.DefaultTransport}}
	// Registered before the bot starts, so it runs after the bot stopped:
	// no update is handled while the engine closes.
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		e.Close(ctx)
		db.Close()
	})
	tg, _ := start(t, cfg)
	e.SetMessenger(tg)
	r.tg = tg
	return r
}

// refusingTransport fails every call but getUpdates with a refused
// connection while refuse is set.
type refusingTransport struct {
	refuse *atomic.Bool
	base   http.RoundTripper
}

func (t refusingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.refuse.Load() && !strings.HasSuffix(req.URL.Path, "/getUpdates") {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: &net.AddrError{Err: syscall.ECONNREFUSED.Error(), Addr: req.URL.Host}}
	}
	return t.base.RoundTrip(req)
}

// handled waits until the adapter has handled n updates.
func (r *deliveryRig) handled(t *testing.T, n int64) {
	t.Helper()
	eventually(t, 20*time.Second, func() bool { return r.tg.Stats().UpdatesHandled >= n }, "%d updates handled (%d)", n, r.tg.Stats().UpdatesHandled)
}

var addedRE = regexp.MustCompile(`Added to your reference set \((\d+) of`)

// added returns the task counts of the "Added" replies the chat got, in
// the order they arrived.
func added(srv *telegramtest.Server, chat int64) []int {
	var out []int
	for _, m := range srv.Messages(chat) {
		if sm := addedRE.FindStringSubmatch(m.Text); sm != nil {
			n, _ := strconv.Atoi(sm[1])
			out = append(out, n)
		}
	}
	return out
}

// checkAdded checks that chat saw every count 1..n in order, with at most
// one message twice (a resend after an ambiguous failure).
func checkAdded(t *testing.T, srv *telegramtest.Server, chat int64, n int) {
	t.Helper()
	got := added(srv, chat)
	dups, next := 0, 1
	for _, k := range got {
		switch {
		case k == next:
			next++
		case k == next-1:
			dups++
		default:
			t.Errorf("chat %d: replies out of order: %v", chat, got)
			return
		}
	}
	if next != n+1 || dups > 1 {
		t.Errorf("chat %d: got %v, want 1..%d in order with at most one duplicate", chat, got, n)
	}
}

// TestOutboxThroughOutages: 100 learners keep adding tasks while the Bot
// API answers every send with 502 ("10 s": the engine's clock is moved),
// then while every send is refused at the connection ("30 s"). Every
// committed reply arrives after recovery, in order per chat, with at most
// one duplicate; chats that turned unreachable during the outage get
// nothing more after their first 403.
func TestOutboxThroughOutages(t *testing.T) {
	r := newDeliveryRig(t)
	const learners, perPhase = 100, 3
	chat := func(i int) int64 { return int64(1000 + i) }
	blocked := map[int64]bool{chat(7): true, chat(42): true, chat(77): true}
	for i := range learners {
		r.srv.PushMessage(chat(i), chat(i), "/start")
	}
	updates := int64(learners)
	r.handled(t, updates)
	for i := range learners {
		if !r.srv.WaitFor(chat(i), 10*time.Second, func(m []telegramtest.Message) bool { return len(m) > 0 }) {
			t.Fatalf("chat %d: no welcome", chat(i))
		}
	}

	refusals := func(c int64) int {
		n := 0
		for _, call := range r.srv.Calls() {
			if call.ChatID == c && call.Status == http.StatusForbidden {
				n++
			}
		}
		return n
	}
	phases := 0
	phase := func(name string, outage func(on bool), lasts time.Duration, from int) {
		phases++
		outage(true)
		for c := range blocked {
			r.srv.Block(c)
		}
		for k := range perPhase {
			for i := range learners {
				r.srv.PushMessage(chat(i), chat(i), fmt.Sprintf("/tasks add %s task %d of learner %d", name, from+k, i))
			}
		}
		updates += learners * perPhase
		r.handled(t, updates) // every turn committed, its replies stored
		retried := r.engine.OutboxStats().Retried
		eventually(t, 10*time.Second, func() bool { return r.engine.OutboxStats().Retried > retried+learners }, "%s: deliveries failing and retried", name)
		r.skew.Add(int64(lasts))
		outage(false)
		for i := range learners {
			c := chat(i)
			if blocked[c] {
				continue
			}
			want := from + perPhase - 1
			eventually(t, 20*time.Second, func() bool { a := added(r.srv, c); return len(a) > 0 && a[len(a)-1] >= want },
				"%s: chat %d got %v, want up to %d", name, c, added(r.srv, c), want)
		}
		for c := range blocked {
			eventually(t, 10*time.Second, func() bool { return refusals(c) >= phases }, "%s: chat %d refused", name, c)
		}
		eventually(t, 10*time.Second, func() bool { return r.engine.OutboxStats().Waiting == 0 }, "%s: outbox settled", name)
	}
	phase("bad-gateway", func(on bool) {
		if on {
			r.srv.SetOutage(http.StatusBadGateway)
		} else {
			r.srv.SetOutage(0)
		}
	}, 10*time.Second, 1)
	phase("refused", func(on bool) { r.refuse.Store(on) }, 30*time.Second, 1+perPhase)

	eventually(t, 10*time.Second, func() bool { return r.engine.OutboxStats().Waiting == 0 }, "outbox empty")
	for i := range learners {
		c := chat(i)
		if blocked[c] {
			if got := added(r.srv, c); len(got) != 0 {
				t.Errorf("unreachable chat %d got %v", c, got)
			}
			refused := refusals(c)
			// One per phase: writing again made the chat reachable again.
			if refused != 2 {
				t.Errorf("chat %d: %d calls refused with 403, want 2 (nothing sent after it turned unreachable)", c, refused)
			}
			continue
		}
		checkAdded(t, r.srv, c, 2*perPhase)
	}
	st := r.engine.OutboxStats()
	if st.Retried == 0 {
		t.Errorf("no retries counted: %+v", st)
	}
	r.db.View(func(tx *storage.Tx) error {
		if n := tx.CountOutbox(); n != 0 {
			t.Errorf("%d entries left in the outbox", n)
		}
		return nil
	})
	t.Logf("outbox %+v", st)
}

// say sends text from the learner and returns how long until the tutor's
// answer (a new message) arrived.
func (l *learner) timedSay(text string) (time.Duration, error) {
	start := time.Now()
	err := l.say(text)
	return time.Since(start), err
}

// p99 is the 99th percentile of ds.
func p99(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[(len(s)*99+99)/100-1]
}

const practiceTemplate = "/practice Task: summarise long contracts\nWhere I run it (locally / API / cloud): locally\nAvailable GPU memory: 24 GB\nConstraints: none"

// TestNoHeadOfLineWait: while the learner's practice write-up waits for a
// hanging LLM, and while the answer to their button press takes 10 s,
// their /progress is answered at once (p99 under 1 s over 100 tries).
func TestNoHeadOfLineWait(t *testing.T) {
	r := newDeliveryRig(t)
	l := &learner{srv: r.srv, chat: 5, user: 5}
	if err := l.say("/start"); err != nil {
		t.Fatal(err)
	}
	r.llm.Misbehave("writer", llmtest.Hang, 0)
	r.srv.PushMessage(5, 5, practiceTemplate)
	eventually(t, 5*time.Second, func() bool { return len(r.llm.CallsFor("writer")) == 1 }, "write-up requested")
	var ds []time.Duration
	for range 100 {
		d, err := l.timedSay("/progress")
		if err != nil {
			t.Fatal(err)
		}
		ds = append(ds, d)
	}
	if p := p99(ds); p >= time.Second {
		t.Errorf("/progress p99 %v while the write-up hangs, want under 1 s", p)
	}

	r.srv.SetMethodDelay("answerCallbackQuery", 10*time.Second)
	page := r.srv.Messages(5)[0]
	if len(page.Keyboard) == 0 {
		t.Fatal("no button under the welcome")
	}
	p := page.Keyboard[0][0].CallbackData
	before := len(r.srv.Sent(5))
	r.srv.PushCallback(5, 5, page.MessageID, p)
	eventually(t, 5*time.Second, func() bool { return len(r.srv.Sent(5)) > before }, "press handled")
	ds = ds[:0]
	for range 100 {
		d, err := l.timedSay("/progress")
		if err != nil {
			t.Fatal(err)
		}
		ds = append(ds, d)
	}
	if p := p99(ds); p >= time.Second {
		t.Errorf("/progress p99 %v while a press's answer takes 10 s, want under 1 s", p)
	}
	if n := len(r.srv.Unanswered()); n != 1 {
		t.Errorf("%d presses unanswered; want the slow one still in flight", n)
	}
}

// TestUnreachableMidCompare: the learner blocks the bot while /compare's
// answers arrive: after the refused message nothing more is sent to that
// chat. A group that refuses leaves the learner's private reminders on.
func TestUnreachableMidCompare(t *testing.T) {
	r := newDeliveryRig(t)
	for i, m := range compareModels {
		r.llm.SetDelay(m, time.Duration(i)*400*time.Millisecond)
	}
	l := &learner{srv: r.srv, chat: 9, user: 9}
	if err := l.say("/start"); err != nil {
		t.Fatal(err)
	}
	before := len(r.srv.Messages(9))
	if err := l.say("/compare write a haiku about GPUs"); err != nil {
		t.Fatal(err)
	}
	// "Asking …", then the first answer: the learner blocks the bot.
	if !r.srv.WaitFor(9, 5*time.Second, func(m []telegramtest.Message) bool { return countShown(m) >= before+2 }) {
		t.Fatalf("no first answer: %+v", r.srv.Messages(9))
	}
	r.srv.Block(9)
	blockedAt := len(r.srv.Sent(9))
	time.Sleep(1500 * time.Millisecond) // the other answers and the vote would arrive now
	if sent := r.srv.Sent(9)[blockedAt:]; len(sent) != 0 {
		t.Errorf("sent after the block: %+v", sent)
	}
	refused := 0
	for _, c := range r.srv.Calls() {
		if c.ChatID == 9 && c.Status == http.StatusForbidden {
			refused++
		}
	}
	if refused > 1 {
		t.Errorf("%d calls refused with 403; want nothing more after the first", refused)
	}
	if st := r.engine.OutboxStats(); st.Waiting != 0 {
		t.Errorf("%d replies still waiting for the unreachable chat", st.Waiting)
	}

	// A group refuses; the learner's private chat still gets reminders.
	g := &learner{srv: r.srv, chat: -500, user: 11}
	if err := g.say("/tasks add summarise contracts"); err != nil {
		t.Fatal(err)
	}
	// The cohort notice comes first: wait for the answer itself, so that
	// the refusal below is the answer to the next message.
	if !r.srv.WaitFor(-500, 5*time.Second, func(m []telegramtest.Message) bool {
		return len(m) > 0 && strings.Contains(m[len(m)-1].Text, "(1 of")
	}) {
		t.Fatalf("no answer in the group: %+v", r.srv.Messages(-500))
	}
	r.srv.Block(-500)
	r.srv.PushMessage(-500, 11, "/tasks add one more")
	eventually(t, 5*time.Second, func() bool {
		for _, c := range r.srv.Calls() {
			if c.ChatID == -500 && c.Status == http.StatusForbidden && strings.Contains(fmt.Sprint(c.Params["text"]), "(2 of") {
				return true
			}
		}
		return false
	}, "the group refused")
	eventually(t, 5*time.Second, func() bool { return r.engine.OutboxStats().Waiting == 0 }, "outbox settled")
	set := remind.Settings{Spec: remind.WeeklyPreset().Spec, Kind: remind.Weekly, Platform: "telegram", UserID: "11", ChatID: "11"}
	if err := r.engine.DeliverReminder(context.Background(), "telegram:11", set, time.Now()); err != nil {
		t.Fatalf("private reminder after a group refused: %v", err)
	}
	if !r.srv.WaitFor(11, 5*time.Second, func(m []telegramtest.Message) bool { return len(m) == 1 }) {
		t.Fatal("the private reminder did not arrive")
	}
	// The group is skipped until the learner writes there again.
	gset := set
	gset.ChatID = "-500"
	if err := r.engine.DeliverReminder(context.Background(), "telegram:11", gset, time.Now().Add(time.Hour)); !errors.Is(err, remind.ErrSkip) {
		t.Errorf("reminder to the refusing group: %v, want skipped", err)
	}
	r.srv.Unblock(-500)
	if err := g.say("/progress"); err != nil {
		t.Fatal(err)
	}
	if err := r.engine.DeliverReminder(context.Background(), "telegram:11", gset, time.Now().Add(2*time.Hour)); err != nil {
		t.Errorf("reminder to the group after the learner wrote there: %v", err)
	}
}

// TestSupersededEditDropped: two page turns of the same message during an
// outage; after it only the newer edit is sent, the older one is dropped.
func TestSupersededEditDropped(t *testing.T) {
	r := newDeliveryRig(t)
	l := &learner{srv: r.srv, chat: 8, user: 8}
	if err := l.say("/lesson"); err != nil {
		t.Fatal(err)
	}
	page := r.srv.Messages(8)[len(r.srv.Messages(8))-1]
	next := ""
	for _, row := range page.Keyboard {
		for _, b := range row {
			if strings.Contains(b.Text, "Next") {
				next = b.CallbackData
			}
		}
	}
	if next == "" {
		t.Fatalf("no Next button under %+v", page)
	}
	r.srv.SetOutage(http.StatusBadGateway)
	n := r.tg.Stats().UpdatesHandled
	// Next, then (the learner still sees the first page) a press that
	// jumps one page further: two edits of the same message.
	further := strings.TrimSuffix(next, "1") + "2"
	r.srv.PushCallback(8, 8, page.MessageID, next)
	r.srv.PushCallback(8, 8, page.MessageID, further)
	r.handled(t, n+2)
	eventually(t, 5*time.Second, func() bool { return r.engine.OutboxStats().Cancelled > 0 }, "the older edit dropped")
	r.srv.SetOutage(0)
	eventually(t, 10*time.Second, func() bool { return r.engine.OutboxStats().Waiting == 0 }, "outbox empty")
	edits := 0
	for _, m := range r.srv.Sent(8) {
		if m.Method == "editMessageText" && m.MessageID == page.MessageID {
			edits++
		}
	}
	if edits != 1 {
		t.Errorf("%d edits of the page, want 1 (the superseded one dropped)", edits)
	}
	if m, _ := r.srv.Current(8, page.MessageID); !strings.Contains(m.Text, "3/") {
		t.Errorf("the page shows %q, want page 3", m.Text)
	}
	if st := r.engine.OutboxStats(); st.Cancelled != 1 {
		t.Errorf("outbox %+v: want one cancelled entry", st)
	}
}

// TestStaleRefusalThroughTheFake: a 403 that was under way (the Bot API
// answers it slowly) while the learner wrote again is older than the
// chat's reachability: the learner's newer reply is still delivered, the
// refused one is retried, and the chat is not marked unreachable.
func TestStaleRefusalThroughTheFake(t *testing.T) {
	r := newDeliveryRig(t)
	l := &learner{srv: r.srv, chat: 21, user: 21}
	if err := l.say("/start"); err != nil {
		t.Fatal(err)
	}
	r.srv.SetMethodDelay("sendMessage", 800*time.Millisecond)
	r.srv.FailNext("sendMessage", 1, http.StatusForbidden, 0)
	r.srv.PushMessage(21, 21, "/tasks add before")
	eventually(t, 5*time.Second, func() bool { return r.engine.OutboxStats().Waiting > 0 }, "the first reply on its way")
	time.Sleep(100 * time.Millisecond) // its send is under way
	r.srv.PushMessage(21, 21, "/tasks add after")
	r.srv.SetMethodDelay("sendMessage", 0)
	eventually(t, 10*time.Second, func() bool { return len(added(r.srv, 21)) >= 2 }, "both replies (got %v)", added(r.srv, 21))
	checkAdded(t, r.srv, 21, 2)
	refused := 0
	for _, c := range r.srv.Calls() {
		if c.ChatID == 21 && c.Status == http.StatusForbidden {
			refused++
		}
	}
	if refused != 1 {
		t.Errorf("%d calls refused, want the one stale 403", refused)
	}
	if st := r.engine.OutboxStats(); st.Cancelled != 0 {
		t.Errorf("%d replies cancelled by a stale 403", st.Cancelled)
	}
	set := remind.Settings{Spec: remind.WeeklyPreset().Spec, Kind: remind.Weekly, Platform: "telegram", UserID: "21", ChatID: "21"}
	if err := r.engine.DeliverReminder(context.Background(), "telegram:21", set, time.Now()); err != nil {
		t.Errorf("reminder after a stale 403: %v, want the chat reachable", err)
	}
}
