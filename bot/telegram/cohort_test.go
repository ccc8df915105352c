package telegram

import (
	"strings"
	"testing"
	"time"

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
