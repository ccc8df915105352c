package bot_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"tutorbot/bot"
	"tutorbot/render"
)

// inbox is a bot.Sender that records every message by user and refuses
// the users in blocked as the platform does (403).
type inbox struct {
	mu      sync.Mutex
	got     map[string][]string
	blocked map[string]bool
}

func (f *inbox) Platform() string      { return "test" }
func (f *inbox) Format() render.Format { return render.Plain }
func (f *inbox) Deliver(ctx context.Context, userID, chatID string, replies []bot.Reply) error {
	return f.Send(ctx, bot.Address{UserID: userID, ChatID: chatID}, replies)
}

func (f *inbox) Send(_ context.Context, to bot.Address, replies []bot.Reply) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.blocked[to.UserID] {
		return fmt.Errorf("forbidden: %w", bot.ErrUnreachable)
	}
	if f.got == nil {
		f.got = map[string][]string{}
	}
	for _, r := range replies {
		f.got[to.UserID] = append(f.got[to.UserID], r.Text)
	}
	return nil
}

// count is how many messages user got that contain s.
func (f *inbox) count(user, s string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, m := range f.got[user] {
		if strings.Contains(m, s) {
			n++
		}
	}
	return n
}

type annRig struct {
	*outboxRig
	in *inbox
}

// newAnnRig starts an engine at noon UTC (outside default quiet hours)
// with admin "test:admin" and learners 1..n (every third in Russian).
func newAnnRig(t *testing.T, n int) *annRig {
	t.Helper()
	r := &annRig{outboxRig: &outboxRig{path: filepath.Join(t.TempDir(), "t.db")}, in: &inbox{blocked: map[string]bool{}}}
	noon := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	r.skew.Store(int64(noon.Sub(time.Now())))
	r.open(t, bot.Config{Admins: map[string]bool{"test:admin": true}, AnnounceWindow: 8})
	t.Cleanup(r.close)
	r.e.SetMessenger(r.in)
	for i := 1; i <= n; i++ {
		lang := "en"
		if i%3 == 0 {
			lang = "ru"
		}
		r.say(t, fmt.Sprint(i), "/start", lang)
	}
	return r
}

// say handles text from user and returns the replies' texts and buttons.
func (r *annRig) say(t *testing.T, user, text, lang string) []bot.Reply {
	t.Helper()
	rs, err := r.e.Handle(context.Background(), bot.Event{Platform: "test", UserID: user, ChatID: user, Text: text, Format: render.Plain, Lang: lang, Direct: true})
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func (r *annRig) press(t *testing.T, user, payload string) []bot.Reply {
	t.Helper()
	rs, err := r.e.Handle(context.Background(), bot.Event{Platform: "test", UserID: user, ChatID: user, Payload: payload, Format: render.Plain, Direct: true})
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func joined(rs []bot.Reply) string {
	var b strings.Builder
	for _, r := range rs {
		b.WriteString(r.Text + "\n")
	}
	return b.String()
}

// button returns the payload of the button labelled label.
func button(t *testing.T, rs []bot.Reply, label string) string {
	t.Helper()
	for _, r := range rs {
		for _, row := range r.Buttons {
			for _, b := range row {
				if strings.Contains(b.Label, label) {
					return b.Payload
				}
			}
		}
	}
	t.Fatalf("no button %q in %q", label, joined(rs))
	return ""
}

func (r *annRig) waitDone(t *testing.T, id uint64) bot.AnnouncementReport {
	t.Helper()
	var rep bot.AnnouncementReport
	waitUntil(t, "the announcement to finish", func() bool {
		rep, _ = r.e.AnnouncementStatus(id)
		return rep.Status == "done"
	})
	return rep
}

func TestAnnounceToEveryone(t *testing.T) {
	r := newAnnRig(t, 30)
	r.in.blocked["5"] = true
	r.say(t, "7", "/remind announcements off", "")
	r.say(t, "admin", "/start", "en")

	preview := r.say(t, "admin", "/announce Lesson 2 is **out**!", "")
	text := joined(preview)
	if !strings.Contains(text, "Preview of announcement #1") || !strings.Contains(text, "Lesson 2 is out!") || !strings.Contains(text, "Send it to 31 learners (all learners)?") {
		t.Fatalf("preview:\n%s", text)
	}
	if got := r.in.count("1", "Lesson 2 is out"); got != 0 {
		t.Fatalf("sent before confirmation: %d", got)
	}
	send := button(t, preview, "Send")
	started := joined(r.press(t, "admin", send))
	if !strings.Contains(started, "on its way to 31 learners") {
		t.Fatalf("after Send: %s", started)
	}
	again := joined(r.press(t, "admin", send))
	if !strings.Contains(again, "is sent already") {
		t.Fatalf("second Send: %s", again)
	}
	rep := r.waitDone(t, 1)
	if rep.Counts["sent"] != 29 || rep.Counts["unreachable"] != 1 || rep.Counts["opted_out"] != 1 {
		t.Errorf("counts = %v, want 29 sent, 1 unreachable, 1 opted out", rep.Counts)
	}
	for i := 1; i <= 30; i++ {
		want := 1
		if i == 5 || i == 7 {
			want = 0
		}
		if got := r.in.count(fmt.Sprint(i), "Lesson 2 is out"); got != want {
			t.Errorf("learner %d got it %d times, want %d", i, got, want)
		}
	}
	status := joined(r.say(t, "admin", "/announce status", ""))
	for _, want := range []string{"Announcement #1", "done", "sent: 29", "unreachable: 1", "opted out: 1"} {
		if !strings.Contains(status, want) {
			t.Errorf("status lacks %q:\n%s", want, status)
		}
	}
	if done := joined(r.press(t, "admin", button(t, preview, "Cancel"))); !strings.Contains(done, "nothing left to stop") {
		t.Errorf("cancel after completion: %s", done)
	}
	if s := r.e.AnnounceStats(); s.Sent != 29 {
		t.Errorf("stats = %+v, want 29 sent", s)
	}

	// Learner 7 turns announcements back on and gets the next one.
	if on := joined(r.say(t, "7", "/remind announcements on", "")); !strings.Contains(on, "announcements again") {
		t.Fatalf("announcements on: %s", on)
	}
	r.press(t, "admin", button(t, r.say(t, "admin", "/announce Second news", ""), "Send"))
	r.waitDone(t, 2)
	if got := r.in.count("7", "Second news"); got != 1 {
		t.Errorf("learner 7 got the next one %d times after opting in again", got)
	}
}

func TestAnnounceRussianAdmin(t *testing.T) {
	r := newAnnRig(t, 4)
	r.say(t, "admin", "/start", "ru")
	preview := joined(r.say(t, "admin", "/announce Занятие в пятницу", ""))
	if !strings.Contains(preview, "Его получат 5 учеников (все ученики). Отправить?") {
		t.Fatalf("Russian preview: %s", preview)
	}
	if got := joined(r.say(t, "admin", "/announce lang ru: Занятие в пятницу", "")); !strings.Contains(got, "(язык: русский)") {
		t.Errorf("Russian audience by language: %s", got)
	}
	if got := joined(r.say(t, "admin", "/announce "+strings.Repeat("слово ", 1000), "")); !strings.Contains(got, "Длина объявления — 6000, а предел — 4000 символов") {
		t.Errorf("Russian refusal: %s", got)
	}
}

func TestAnnounceAudiences(t *testing.T) {
	r := newAnnRig(t, 12)
	preview := r.say(t, "admin", "/announce lang ru\nПривет!", "en")
	if !strings.Contains(joined(preview), "Send it to 4 learners (language: Русский)?") {
		t.Fatalf("preview: %s", joined(preview))
	}
	r.press(t, "admin", button(t, preview, "Send"))
	r.waitDone(t, 1)
	for i := 1; i <= 12; i++ {
		want := 0
		if i%3 == 0 {
			want = 1
		}
		if got := r.in.count(fmt.Sprint(i), "Привет!"); got != want {
			t.Errorf("learner %d got it %d times, want %d", i, got, want)
		}
	}
	// Every learner has lesson 1 unfinished.
	if p := joined(r.say(t, "admin", "/announce unfinished 1: Keep going", "")); !strings.Contains(p, "13 learners (not finished lesson 1)") {
		t.Errorf("unfinished preview: %s", p)
	}
}

func TestAnnounceBadInput(t *testing.T) {
	r := newAnnRig(t, 3)
	r.say(t, "admin", "/start", "en")
	for _, tc := range []struct{ user, text, want string }{
		{"1", "/announce Hello", "for the course's admins only"},
		{"admin", "/announce", "/announce cohort CODE: text"},
		{"admin", "/announce lang ru:", "has no text"},
		{"admin", "/announce " + strings.Repeat("word ", 10000), "may have at most 4000"},
		{"admin", "/announce **bold never closed", "broken at line 1: a ** (bold) is never closed"},
		{"admin", "/announce see\n\n```\ncode", "broken at line 3: a code block"},
		{"admin", "/announce cohort zzzz9999: hi", "I don't know the cohort code zzzz9999"},
		{"admin", "/announce lang de: hi", "I don't speak «de»"},
		{"admin", "/announce unfinished 9: hi", "There is no lesson 9"},
		{"admin", "/announce unfinished x: hi", "didn't understand who it is for"},
		{"admin", "/announce status 99", "There are no announcements yet"},
		{"admin", "/announce status x", "isn't an announcement number"},
	} {
		got := joined(r.say(t, tc.user, tc.text, ""))
		if !strings.Contains(got, tc.want) {
			t.Errorf("%.40q: got %q, want %q", tc.text, got, tc.want)
		}
	}
	// A cohort nobody is in.
	r.say(t, "admin", "/cohort new Empty group", "")
	code := ""
	if rep, ok := r.e.AnnouncementStatus(0); ok {
		t.Fatalf("an announcement was stored: %+v", rep)
	}
	out := joined(r.say(t, "admin", "/cohort new Nobody here", ""))
	if i := strings.Index(out, "Its code is "); i >= 0 {
		code = strings.Fields(out[i+len("Its code is "):])[0]
	}
	if got := joined(r.say(t, "admin", "/announce cohort "+code+": hi", "")); !strings.Contains(got, "No learner matches") {
		t.Errorf("empty cohort: %s", got)
	}
	// A forged button from a learner does nothing.
	if got := joined(r.press(t, "1", "1:an:1:s")); !strings.Contains(got, "admins only") {
		t.Errorf("learner's press: %s", got)
	}
	if rep, ok := r.e.AnnouncementStatus(0); ok {
		t.Fatalf("an announcement was stored: %+v", rep)
	}
	for i := 1; i <= 3; i++ {
		if n := r.in.count(fmt.Sprint(i), "hi"); n != 0 {
			t.Errorf("learner %d got %d messages", i, n)
		}
	}
}

func TestAnnounceOldPreview(t *testing.T) {
	r := newAnnRig(t, 5)
	first := r.say(t, "admin", "/announce First draft", "en")
	second := r.say(t, "admin", "/announce Second draft", "en")
	if got := joined(r.press(t, "admin", button(t, first, "Send"))); !strings.Contains(got, "replaced by a newer preview") {
		t.Fatalf("old preview's Send: %s", got)
	}
	r.press(t, "admin", button(t, second, "Send"))
	r.press(t, "admin", button(t, second, "Send"))
	r.waitDone(t, 2)
	for i := 1; i <= 5; i++ {
		if n, m := r.in.count(fmt.Sprint(i), "First draft"), r.in.count(fmt.Sprint(i), "Second draft"); n != 0 || m != 1 {
			t.Errorf("learner %d got the first %d times and the second %d times", i, n, m)
		}
	}
}

func TestAnnounceQuietHoursAndCancel(t *testing.T) {
	r := newAnnRig(t, 6)
	// Noon UTC is 21:00 in Tokyo: learner 2 is in quiet hours 20-8 there.
	r.say(t, "2", "/timezone Asia/Tokyo", "")
	r.say(t, "2", "/remind quiet 20-8", "")
	preview := r.say(t, "admin", "/announce Live session today", "en")
	r.press(t, "admin", button(t, preview, "Send"))
	waitUntil(t, "the others to get it", func() bool {
		rep, _ := r.e.AnnouncementStatus(1)
		return rep.Counts["sent"] == 6 && rep.Counts["held"] == 1
	})
	if r.in.count("2", "Live session") != 0 {
		t.Fatal("sent in quiet hours")
	}
	// 11 hours later it is 08:00 in Tokyo.
	r.skew.Add(int64(11 * time.Hour))
	rep := r.waitDone(t, 1)
	if r.in.count("2", "Live session") != 1 || rep.Counts["sent"] != 7 {
		t.Fatalf("after quiet hours: %d messages, counts %v", r.in.count("2", "Live session"), rep.Counts)
	}

	// Stop the rest: a held learner is cancelled.
	r.skew.Add(int64(-11 * time.Hour))
	preview = r.say(t, "admin", "/announce Second one", "en")
	r.press(t, "admin", button(t, preview, "Send"))
	waitUntil(t, "the others to get it", func() bool {
		rep, _ := r.e.AnnouncementStatus(2)
		return rep.Counts["held"] == 1 && rep.Counts["sent"] == 6
	})
	stop := joined(r.say(t, "admin", "/announce cancel", ""))
	if !strings.Contains(stop, "is stopped: 1 learner will not get it") || !strings.Contains(stop, "cancelled: 1") {
		t.Fatalf("cancel: %s", stop)
	}
	r.skew.Add(int64(11 * time.Hour))
	time.Sleep(1200 * time.Millisecond)
	if r.in.count("2", "Second one") != 0 {
		t.Fatal("a cancelled announcement was sent")
	}
}

// TestAnnounceCancelQueued stops an announcement whose messages already
// wait in the outbox (the platform is slow): they are taken back, not
// sent, and counted as cancelled.
func TestAnnounceCancelQueued(t *testing.T) {
	r := newAnnRig(t, 6)
	r.e.HoldOutbox(true)
	preview := r.say(t, "admin", "/announce Third one", "en")
	r.press(t, "admin", button(t, preview, "Send"))
	waitUntil(t, "every message to wait in the outbox", func() bool {
		rep, _ := r.e.AnnouncementStatus(1)
		return rep.Counts["queued"] == 7 && r.e.OutboxStats().Waiting >= 7
	})
	stop := joined(r.say(t, "admin", "/announce cancel", ""))
	if !strings.Contains(stop, "is stopped: 7 learners will not get it") || !strings.Contains(stop, "cancelled: 7") {
		t.Fatalf("cancel: %s", stop)
	}
	r.e.HoldOutbox(false)
	waitUntil(t, "the outbox to empty", func() bool { return r.e.OutboxStats().Waiting == 0 })
	r.say(t, "1", "/progress", "") // one more turn through the outbox
	for u := 1; u <= 6; u++ {
		if n := r.in.count(fmt.Sprint(u), "Third one"); n != 0 {
			t.Fatalf("learner %d got a stopped announcement %d times", u, n)
		}
	}
	if n := r.in.count("admin", "Third one"); n != 0 {
		t.Fatalf("the admin got a stopped announcement %d times", n)
	}
	rep, _ := r.e.AnnouncementStatus(1)
	if rep.Status != "cancelled" || rep.Counts["cancelled"] != 7 || rep.Counts["sent"] != 0 {
		t.Fatalf("after the stop: %+v", rep)
	}
}
