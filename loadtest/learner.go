package loadtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"time"

	"tutorbot/bot/telegram/telegramtest"
	"tutorbot/lessons"
	"tutorbot/render"
)

// PracticeText is the filled-in practice template every simulated learner
// sends.
const PracticeText = "/practice Task: summarise support tickets in English\nWhere I run it: locally\nAvailable GPU memory: 12 GB\nConstraints: none"

// PracticeTask is the task of PracticeText as the tutor should store it.
const PracticeTask = "summarise support tickets in English"

// RemindText sets the weekly re-testing reminder.
const RemindText = "/remind weekly"

// ReminderMark is a piece of every re-testing reminder's text.
const ReminderMark = "Time to re-test"

// JourneyUpdates is how many updates a learner sends on the whole journey
// without retries: /start, one press per page, the quiz button, one answer
// per question, the practice template and /remind.
func JourneyUpdates(l *lessons.Lesson) int { return len(JourneyShape(l)) }

// JourneyShape lists the journey's updates in order without retries: true
// for a button press, false for a chat message. The echo baseline sends
// the same mix.
func JourneyShape(l *lessons.Lesson) []bool {
	shape := []bool{false} // /start
	for range len(l.Pages) + 1 + len(l.Quiz) {
		shape = append(shape, true) // the pages, the quiz button, the answers
	}
	return append(shape, false, false) // the practice template, /remind
}

// Button labels the learners look for, as a person reads them.
const (
	labelLesson   = "the lesson" // "▶ Start the lesson", "▶ Continue the lesson"
	labelNext     = "Next"
	labelQuiz     = "Take the quiz"
	labelSaveTask = "Save this task to my reference set"
)

var (
	rePage     = regexp.MustCompile(`— page (\d+)/(\d+) —`)
	reQuestion = regexp.MustCompile(`Question (\d+) of (\d+)`)
	reAnswer   = regexp.MustCompile(`Your answer: ([A-Z])\.`)
	reFinished = regexp.MustCompile(`Quiz finished: (\d+) of (\d+)`)
)

// visible is the text a person reads in m.
func visible(m telegramtest.Message) string {
	if m.ParseMode == "HTML" {
		return render.Strip(m.Text, render.TelegramHTML)
	}
	return m.Text
}

// findButton returns the first button of kb whose label contains label.
func findButton(kb [][]telegramtest.Button, label string) (telegramtest.Button, bool) {
	for _, row := range kb {
		for _, b := range row {
			if strings.Contains(b.Text, label) && b.CallbackData != "" {
				return b, true
			}
		}
	}
	return telegramtest.Button{}, false
}

// letterButtons reports whether kb is a row of answer buttons (A, B, …).
func letterButtons(kb [][]telegramtest.Button) bool {
	if len(kb) == 0 || len(kb[0]) == 0 {
		return false
	}
	for _, b := range kb[0] {
		if len(b.Text) != 1 || b.Text[0] < 'A' || b.Text[0] > 'Z' {
			return false
		}
	}
	return true
}

// pageOf returns the page number (from 1) and the page count a message
// shows, or 0.
func pageOf(text string) (page, total int) {
	m := rePage.FindStringSubmatch(text)
	if m == nil {
		return 0, 0
	}
	page, _ = strconv.Atoi(m[1])
	total, _ = strconv.Atoi(m[2])
	return page, total
}

// msg is a message as a learner reads it: the fake server's record, its
// visible text, and what the learner recognises in it, read once.
type msg struct {
	telegramtest.Message
	text string
	// page is the lesson page the message shows (from 1), or 0.
	page int
	// finished is set when it shows a quiz score.
	finished bool
}

// newMsg reads m as a learner does.
func newMsg(m telegramtest.Message) msg {
	text := visible(m)
	page, _ := pageOf(text)
	return msg{Message: m, text: text, page: page, finished: reFinished.MatchString(text)}
}

// action is one update a learner sends: a chat message, or a press of a
// button under one of the bot's messages.
type action struct {
	text    string
	payload string
	msgID   int
}

func (a action) String() string {
	if a.payload != "" {
		return fmt.Sprintf("press %q under message %d", a.payload, a.msgID)
	}
	return fmt.Sprintf("send %q", firstLine(a.text))
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// learner is one simulated learner in a private chat with the tutor. It
// acts like a person: it reads the messages it got and presses the buttons
// it sees. It runs in one goroutine.
type learner struct {
	srv     *telegramtest.Server
	id      int64
	lesson  *lessons.Lesson
	choices []int // the option (index) the learner picks for each question
	rng     *rand.Rand
	// think is the mean pause before each action (0: none).
	think time.Duration
	// wait bounds the wait for the reply to one action.
	wait time.Duration
	// retry lets the learner try again when no reply came (crash mode):
	// it presses the same button again, or, when the button is gone, asks
	// with a command (/lesson, /quiz). Without it a missing reply is an
	// error.
	retry bool
	// maxFails bounds the retries of one step.
	maxFails int
	// reminderWait, when set, makes the learner wait that long for the
	// re-testing reminder before it sets its own schedule.
	reminderWait time.Duration

	pushed  int
	retries int
	// retriedAt are the times of the pushes that repeated a step after
	// no reply came: each may explain one reply seen twice.
	retriedAt []time.Time
	lat       []time.Duration
	// seen caches the chat's messages with their visible text (records
	// never change once made, so each is read once).
	seen []msg
}

// read brings the cache up to date with ms, the chat's records, and returns
// the cached messages.
func (l *learner) read(ms []telegramtest.Message) []msg {
	for _, m := range ms[len(l.seen):] {
		l.seen = append(l.seen, newMsg(m))
	}
	return l.seen
}

// messages returns every message of the chat so far.
func (l *learner) messages() []msg { return l.read(l.srv.Sent(l.id)) }

func newLearner(srv *telegramtest.Server, id int64, l *lessons.Lesson, seed uint64) *learner {
	rng := rand.New(rand.NewPCG(seed, uint64(id)))
	ln := &learner{srv: srv, id: id, lesson: l, rng: rng, wait: 30 * time.Second, maxFails: 10}
	for _, q := range l.Quiz {
		ln.choices = append(ln.choices, rng.IntN(len(q.Options)))
	}
	return ln
}

// pause waits the learner's thinking time.
func (l *learner) pause(ctx context.Context) {
	if l.think <= 0 {
		return
	}
	d := time.Duration(l.rng.Int64N(int64(2 * l.think)))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// do sends a and waits for a message (sent or edited after a) for which
// want holds. It returns the time from sending a until that message
// reached the server.
func (l *learner) do(a action, want func(msg) bool) (time.Duration, bool) {
	before := len(l.messages())
	t0 := time.Now()
	if a.payload != "" {
		l.srv.PushCallback(l.id, l.id, a.msgID, a.payload)
	} else {
		l.srv.PushMessage(l.id, l.id, a.text)
	}
	l.pushed++
	var at time.Time
	ok := l.srv.WaitFor(l.id, l.wait, func(ms []telegramtest.Message) bool {
		for _, m := range l.read(ms)[before:] {
			if want(m) {
				at = m.At
				return true
			}
		}
		return false
	})
	return at.Sub(t0), ok
}

// step acts until goal holds for the chat: plan picks the next action from
// what the learner sees, want recognises its reply.
func (l *learner) step(ctx context.Context, name string, goal func([]msg) bool, plan func(ms []msg, fails int) action, want func(msg) bool) error {
	fails, pushes := 0, 0
	failed := false // the previous push got no reply
	for {
		ms := l.messages()
		if goal(ms) {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("learner %d: %s: %w", l.id, name, err)
		}
		if pushes > 4*len(l.lesson.Pages)+4*len(l.lesson.Quiz)+l.maxFails {
			return fmt.Errorf("learner %d: %s: not reached after %d updates", l.id, name, pushes)
		}
		l.pause(ctx)
		retry := 0
		if failed {
			retry = fails
		}
		a := plan(ms, retry)
		if failed {
			l.retriedAt = append(l.retriedAt, time.Now())
		}
		d, ok := l.do(a, want)
		pushes++
		failed = !ok
		if ok {
			l.lat = append(l.lat, d)
			continue
		}
		fails++
		if !l.retry || fails > l.maxFails {
			return fmt.Errorf("learner %d: %s: no reply within %v to %v", l.id, name, l.wait, a)
		}
		l.retries++
	}
}

// current reports whether message id still shows a button with label, and
// returns it.
func (l *learner) current(id int, label string) (telegramtest.Button, bool) {
	m, ok := l.srv.Current(l.id, id)
	if !ok {
		return telegramtest.Button{}, false
	}
	return findButton(m.Keyboard, label)
}

// latestButton finds, newest first, a message that matches which as it
// reads now (a page message shows the page it was last turned to) and shows
// a button with label.
func (l *learner) latestButton(ms []msg, which func(msg) bool, label string) (action, bool) {
	for i := len(ms) - 1; i >= 0; i-- {
		m := ms[i]
		if (m.Method != "sendMessage" && m.Method != "editMessageText") || !which(m) {
			continue
		}
		cur, ok := l.srv.Current(l.id, m.MessageID)
		if !ok {
			continue
		}
		now := m // most often the message still reads as its newest record
		if cur.Text != m.Text || cur.ParseMode != m.ParseMode {
			now = newMsg(cur)
		}
		if !which(now) {
			continue
		}
		if b, ok := findButton(cur.Keyboard, label); ok {
			return action{payload: b.CallbackData, msgID: m.MessageID}, true
		}
	}
	return action{}, false
}

func anyMessage(msg) bool { return true }

// transcript is the learner's last n messages with their buttons as they
// are now, for failure reports.
func (l *learner) transcript(n int) string {
	ms := l.messages()
	var b strings.Builder
	for _, m := range ms[max(0, len(ms)-n):] {
		var labels []string
		if cur, ok := l.srv.Current(l.id, m.MessageID); ok {
			for _, row := range cur.Keyboard {
				for _, btn := range row {
					labels = append(labels, btn.Text+"="+btn.CallbackData)
				}
			}
		}
		text := strings.ReplaceAll(m.text, "\n", " ")
		if len(text) > 90 {
			text = text[:90] + "…"
		}
		fmt.Fprintf(&b, "\n    #%d %s %q %v", m.MessageID, m.Method, strings.ToValidUTF8(text, "?"), labels)
	}
	return b.String()
}

// Goals and replies of the journey's steps.

func isWelcome(m msg) bool {
	_, ok := findButton(m.Keyboard, labelLesson)
	return ok && m.Method == "sendMessage"
}

// isPage reports a lesson page: the first comes in a new message, the next
// ones turn that message in place (editMessageText).
func isPage(m msg) bool {
	return m.page > 0
}

// isQuizStep reports the reply to a quiz button: the next question in a
// new message, or the score, which the last answer's verdict carries.
func isQuizStep(m msg) bool {
	if m.finished {
		return true
	}
	return m.Method == "sendMessage" && letterButtons(m.Keyboard)
}

func isPractice(m msg) bool {
	_, ok := findButton(m.Keyboard, labelSaveTask)
	return ok && m.Method == "sendMessage"
}

func isRemind(m msg) bool {
	return m.Method == "sendMessage" && strings.Contains(m.text, "Re-testing reminders: weekly")
}

func isReminder(m msg) bool {
	return m.Method == "sendMessage" && strings.Contains(m.text, ReminderMark)
}

func has(pred func(msg) bool) func([]msg) bool {
	return func(ms []msg) bool {
		for _, m := range ms {
			if pred(m) {
				return true
			}
		}
		return false
	}
}

func hasPage(p int) func([]msg) bool {
	return has(func(m msg) bool {
		return m.page == p
	})
}

// fallback says whether a retry asks with a command instead of pressing
// the same button again: every second retry does. retry is the number of
// failures so far when the previous push got no reply, else 0.
func fallback(retry int) bool { return retry > 0 && retry%2 == 0 }

// journey runs the whole course: /start, every page through Next, the quiz,
// the practice template and the weekly reminder.
func (l *learner) journey(ctx context.Context) error {
	text := func(s string) func([]msg, int) action {
		return func([]msg, int) action { return action{text: s} }
	}
	if err := l.step(ctx, "start", has(isWelcome), text("/start"), isWelcome); err != nil {
		return err
	}
	n := len(l.lesson.Pages)
	for p := 1; p <= n; p++ {
		plan := func(ms []msg, fails int) action {
			if !fallback(fails) {
				var a action
				var ok bool
				if p == 1 {
					a, ok = l.latestButton(ms, anyMessage, labelLesson)
				} else {
					a, ok = l.latestButton(ms, func(m msg) bool {
						return m.page == p-1
					}, labelNext)
				}
				if ok {
					return a
				}
			}
			return action{text: "/lesson"}
		}
		if err := l.step(ctx, fmt.Sprintf("page %d", p), hasPage(p), plan, isPage); err != nil {
			return err
		}
	}
	quizPlan := func(ms []msg, fails int) action {
		if fallback(fails) {
			return action{text: "/quiz"}
		}
		// The newest question that still shows its answer buttons.
		for i := len(ms) - 1; i >= 0; i-- {
			m := ms[i]
			if m.Method != "sendMessage" || !letterButtons(m.Keyboard) {
				continue
			}
			q := reQuestion.FindStringSubmatch(m.text)
			if q == nil {
				continue
			}
			k, _ := strconv.Atoi(q[1])
			if k < 1 || k > len(l.choices) {
				continue
			}
			if b, ok := l.current(m.MessageID, string(rune('A'+l.choices[k-1]))); ok {
				return action{payload: b.CallbackData, msgID: m.MessageID}
			}
		}
		if a, ok := l.latestButton(ms, anyMessage, labelQuiz); ok {
			return a
		}
		return action{text: "/quiz"}
	}
	finished := has(func(m msg) bool { return m.finished })
	if err := l.step(ctx, "quiz", finished, quizPlan, isQuizStep); err != nil {
		return err
	}
	if err := l.step(ctx, "practice", has(isPractice), text(PracticeText), isPractice); err != nil {
		return err
	}
	if l.reminderWait > 0 {
		l.srv.WaitFor(l.id, l.reminderWait, func(ms []telegramtest.Message) bool { return has(isReminder)(l.read(ms)) })
	}
	return l.step(ctx, "remind", has(isRemind), text(RemindText), isRemind)
}

// echoJourney sends the updates of shape (true: press the button under
// the latest echo; false: send a message), each waiting for its one answer:
// the baseline.
func (l *learner) echoJourney(ctx context.Context, shape []bool) error {
	for i, press := range shape {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("learner %d: echo %d: %w", l.id, i, err)
		}
		l.pause(ctx)
		a := action{text: fmt.Sprintf("hello %d", i)}
		if ms := l.messages(); press && len(ms) > 0 {
			last := ms[len(ms)-1]
			b, ok := findButton(last.Keyboard, labelNext)
			if !ok {
				return fmt.Errorf("learner %d: echo %d: no button under %q", l.id, i, last.text)
			}
			a = action{payload: b.CallbackData, msgID: last.MessageID}
		}
		d, ok := l.do(a, func(m msg) bool { return m.Method == "sendMessage" })
		if !ok {
			return fmt.Errorf("learner %d: echo %d: no reply within %v", l.id, i, l.wait)
		}
		l.lat = append(l.lat, d)
	}
	return nil
}
