package telegram

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"tutorbot/bot"
	"tutorbot/bot/telegram/telegramtest"
	"tutorbot/render"
	"tutorbot/storage"
)

// TestGroupCohortClass: learners writing in a group are in its cohort and
// told so; /class there is refused to a plain member and shown to the
// group's administrator, as getChatMember says.
func TestGroupCohortClass(t *testing.T) {
	srv := telegramtest.NewServer(t)
	start(t, fastConfig(srv, newEngine(t, storage.Options{NoSync: true})))
	const group = -100500
	last := func() string {
		sent := srv.Sent(group)
		return render.Strip(sent[len(sent)-1].Text, render.TelegramHTML)
	}
	wait := func(n int) {
		t.Helper()
		if !srv.WaitFor(group, 5*time.Second, func(sent []telegramtest.Message) bool { return len(sent) >= n }) {
			t.Fatalf("no answer %d: %+v", n, srv.Sent(group))
		}
	}
	srv.PushMessage(group, 7, "/start")
	wait(1)
	found := false
	for _, m := range srv.Sent(group) {
		found = found || strings.Contains(m.Text, "cohort")
	}
	if !found {
		t.Errorf("not told about the cohort: %+v", srv.Sent(group))
	}
	n := len(srv.Sent(group))
	srv.PushMessage(group, 8, "/class")
	wait(n + 1)
	time.Sleep(100 * time.Millisecond)
	if got := last(); !strings.Contains(got, "teachers") || strings.Contains(got, "Class ·") {
		t.Errorf("plain member: %s", got)
	}
	srv.SetMemberStatus(group, 9, "administrator")
	n = len(srv.Sent(group))
	srv.PushMessage(group, 9, "/class")
	if !srv.WaitFor(group, 5*time.Second, func(sent []telegramtest.Message) bool {
		for _, m := range sent[n:] {
			if m.Method == "sendPhoto" {
				return true
			}
		}
		return false
	}) {
		t.Fatalf("no class chart for the administrator: %+v", srv.Sent(group)[n:])
	}
	text := ""
	for _, m := range srv.Sent(group)[n:] {
		text += render.Strip(m.Text, render.TelegramHTML) + "\n"
	}
	if !strings.Contains(text, "Class ·") || !strings.Contains(text, "3 learners") {
		t.Errorf("administrator's class: %s", text)
	}
}

// TestCohortDeepLinkAndGroupTitle: /cohort new shows the full deep link
// with the bot's username (learned by getMe), the link's /start payload
// joins the cohort, and a group's cohort is named by the group's title,
// escaped, and renamed when the title changes.
func TestCohortDeepLinkAndGroupTitle(t *testing.T) {
	e := newEngineWith(t, storage.Options{NoSync: true}, bot.Config{Admins: map[string]bool{"telegram:71": true}})
	srv := telegramtest.NewServer(t, telegramtest.WithBotName("spring_tutor_bot"))
	b, _ := start(t, fastConfig(srv, e))
	e.SetMessenger(b)
	// ask sends text and returns what was sent to chat since, once a
	// message containing want arrived.
	ask := func(chat, user int64, text, want string) string {
		t.Helper()
		n := len(srv.Sent(chat))
		srv.PushMessage(chat, user, text)
		out := ""
		if !srv.WaitFor(chat, 5*time.Second, func(sent []telegramtest.Message) bool {
			out = ""
			for _, m := range sent[n:] {
				out += m.Text + "\n"
			}
			return strings.Contains(out, want)
		}) {
			t.Fatalf("%s: no answer with %q in:\n%s", text, want, out)
		}
		return out
	}

	got := ask(71, 71, "/cohort new Spring", "/class")
	m := regexp.MustCompile(`https://t\.me/spring_tutor_bot\?start=c-([a-z0-9]{8})`).FindStringSubmatch(got)
	if m == nil || !strings.Contains(got, "/join "+m[1]) {
		t.Fatalf("no full deep link and /join in:\n%s", got)
	}
	if got := ask(72, 72, "/start c-"+m[1], "cohort"); !strings.Contains(got, "joined the cohort") {
		t.Errorf("the link's payload did not join:\n%s", got)
	}

	const group = -100700
	srv.SetChatTitle(group, `Spring <b>&</b> *Class_1*`)
	ask(group, 73, "/start", "cohort")
	srv.SetMemberStatus(group, 74, "administrator")
	got = ask(group, 74, "/class", "The funnel")
	if !strings.Contains(got, "Spring &lt;b&gt;&amp;&lt;/b&gt; *Class_1*") || strings.Contains(got, "<b>&</b>") {
		t.Errorf("group title not escaped as text:\n%s", got)
	}
	srv.SetChatTitle(group, "Autumn 2026")
	ask(group, 73, "/next", "page 1/")
	got = ask(group, 74, "/class", "The funnel")
	if !strings.Contains(got, "Autumn 2026") || strings.Contains(got, "Spring") {
		t.Errorf("cohort not renamed with the group:\n%s", got)
	}
}
