package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"tutorbot/bot"
	"tutorbot/lessons"
	"tutorbot/render"
	"tutorbot/storage"
)

// cohortRig drives the engine with events from private chats and groups.
type cohortRig struct {
	t  testing.TB
	h  *harness
	ct int
}

func newCohortRig(t testing.TB) *cohortRig {
	h, _, _ := newFeatureHarness(t.(*testing.T), false)
	return &cohortRig{t: t, h: h}
}

// send is a message from user in chat (chat == user: their private chat).
func (r *cohortRig) send(user, chat, text string, admin bool) string {
	r.t.Helper()
	ev := bot.Event{Platform: "test", UserID: user, ChatID: chat, Name: "Learner " + user, Text: text, Format: render.Plain,
		Direct: chat == user, ChatAdmin: admin}
	replies, err := r.h.engine.Handle(context.Background(), ev)
	if err != nil {
		r.t.Fatalf("%s: %v", text, err)
	}
	return replyText(replies)
}

func (r *cohortRig) members(code string) []string {
	var keys []string
	r.h.db.View(func(tx *storage.Tx) error {
		return tx.ForEachCohortMember(code, func(key, _ string) error { keys = append(keys, key); return nil })
	})
	return keys
}

// noTrace fails when learner key is named by any cohort: a member of it,
// or its author.
func (r *cohortRig) noTrace(key string) {
	r.t.Helper()
	r.h.db.View(func(tx *storage.Tx) error {
		n := 0
		tx.ForEachCohort(func(code string, rec []byte) error {
			n++
			if strings.Contains(string(rec), key) {
				r.t.Errorf("cohort %s names %s: %s", code, key, rec)
			}
			return tx.ForEachCohortMember(code, func(k, _ string) error {
				if k == key {
					r.t.Errorf("%s is still in cohort %s", key, code)
				}
				return nil
			})
		})
		if n == 0 {
			r.t.Error("no cohorts to check")
		}
		return nil
	})
}

var codeRE = regexp.MustCompile(`code is ([a-z0-9]+)`)

// TestGroupCohortAndClass: writing in a group puts a learner in its cohort
// (and says so once); /class is refused to a plain member and shown to the
// group's administrator and to the course's admins.
func TestGroupCohortAndClass(t *testing.T) {
	r := newCohortRig(t)
	got := r.send("42", "g1", "/lesson", false)
	if !strings.Contains(got, "cohort") || !strings.Contains(got, "teachers") {
		t.Errorf("not told on joining: %s", got)
	}
	if got := r.send("42", "g1", "/next", false); strings.Contains(got, "cohort") {
		t.Errorf("told twice: %s", got)
	}
	r.send("43", "g1", "/start", false)
	r.send("44", "44", "/start", false) // private chat: no cohort
	if m := r.members("chat:test:g1"); fmt.Sprint(m) != "[test:42 test:43]" {
		t.Errorf("members %v", m)
	}
	if got := r.send("43", "g1", "/class", false); !strings.Contains(got, "teachers") || strings.Contains(got, "Learner 42") {
		t.Errorf("plain member saw the class: %s", got)
	}
	got = r.send("43", "g1", "/class", true)
	for _, want := range []string{"Class · test g1", "2 learners", "Learner 42: lesson 1, page 2/", "Learner 43: not started yet"} {
		if !strings.Contains(got, want) {
			t.Errorf("class misses %q:\n%s", want, got)
		}
	}
	// The group's administrator sees only their group's cohort.
	r.send("45", "g2", "/start", false)
	if got := r.send("43", "g1", "/class chat:test:g2", true); !strings.Contains(got, "teachers") {
		t.Errorf("group admin saw another group's class: %s", got)
	}
	// A course admin sees it from anywhere, by code.
	if got := r.send("1", "1", "/class", false); !strings.Contains(got, "no cohort") {
		t.Errorf("class in a private chat without a code: %s", got)
	}
	// Leaving: out of the class, and not put back by the next message.
	r.send("43", "g1", "/leave chat:test:g1", false)
	r.send("43", "g1", "/next", false)
	if m := r.members("chat:test:g1"); fmt.Sprint(m) != "[test:42]" {
		t.Errorf("after /leave: %v", m)
	}
}

// TestCohortByCodeAndForget: an admin makes a cohort, a learner joins by
// the deep link, /mydata shows it, /forget leaves no trace in any cohort.
func TestCohortByCodeAndForget(t *testing.T) {
	r := newCohortRig(t)
	if got := r.send("42", "42", "/cohort new Spring", false); !strings.Contains(got, "admins only") {
		t.Errorf("non-admin made a cohort: %s", got)
	}
	// A name with HTML is text: escaped in Telegram's HTML.
	replies, err := r.h.engine.Handle(context.Background(), bot.Event{Platform: "test", UserID: "1", ChatID: "1", Direct: true,
		Text: "/cohort new Spring <b>group</b>", Format: render.TelegramHTML})
	if err != nil {
		t.Fatal(err)
	}
	got := replyText(replies)
	m := codeRE.FindStringSubmatch(got)
	if m == nil || !strings.Contains(got, "Spring &lt;b&gt;group&lt;/b&gt;") {
		t.Fatalf("no code, or the name's HTML kept as HTML: %s", got)
	}
	code := m[1]
	got = r.send("42", "42", "/start c-"+code, false)
	if !strings.Contains(got, "joined the cohort") || !strings.Contains(got, "teachers see your progress") {
		t.Errorf("deep link join: %s", got)
	}
	if got := r.send("42", "42", "/join "+strings.ToUpper(code), false); !strings.Contains(got, "already") {
		t.Errorf("second join: %s", got)
	}
	r.send("43", "g9", "/start", false) // a group cohort too
	r.send("43", "43", "/join "+code, false)
	if got := r.send("1", "1", "/class "+code, false); !strings.Contains(got, "Learner 42") || !strings.Contains(got, "Learner 43") {
		t.Errorf("class by code: %s", got)
	}
	var data struct {
		Cohorts []string `json:"cohorts"`
	}
	if err := json.Unmarshal(r.h.stored("43"), &data); err != nil || len(data.Cohorts) != 2 {
		t.Errorf("record of 43 lists cohorts %v (%v)", data.Cohorts, err)
	}
	r.h.user = "43"
	var file *bot.File
	for _, rep := range r.h.say("/mydata") {
		if rep.File != nil {
			file = rep.File
		}
	}
	if file == nil || !strings.Contains(string(file.Data), code) || !strings.Contains(string(file.Data), "chat:test:g9") {
		t.Errorf("/mydata does not list the cohorts: %+v", file)
	}
	r.h.say("/forget")
	r.h.press("Yes, erase everything")
	r.noTrace("test:43")
	if got := r.send("1", "1", "/class "+code, false); strings.Contains(got, "Learner 43") || !strings.Contains(got, "1 learner") {
		t.Errorf("class after forget: %s", got)
	}
	got = r.send("42", "42", "/leave "+code, false)
	if !strings.Contains(got, "left the cohort") || len(r.members(code)) != 0 {
		t.Errorf("leave: %s %v", got, r.members(code))
	}
}

// TestAdminForgetUnsignsCohorts: an admin who made a cohort and erases
// their data with /forget is no longer named by it; the cohort and its
// learners stay.
func TestAdminForgetUnsignsCohorts(t *testing.T) {
	r := newCohortRig(t)
	code := codeRE.FindStringSubmatch(r.send("1", "1", "/cohort new Spring", false))[1]
	r.send("42", "42", "/join "+code, false)
	r.h.user = "1"
	r.h.say("/forget")
	r.h.press("Yes, erase everything")
	r.noTrace("test:1")
	if m := r.members(code); fmt.Sprint(m) != "[test:42]" {
		t.Errorf("the cohort's learners after its author left: %v", m)
	}
}

// TestGroupCohortRenamed: a group's cohort takes the group's title, and a
// new title even from a turn that changes nothing else (/help, answered
// from a read transaction otherwise).
func TestGroupCohortRenamed(t *testing.T) {
	r := newCohortRig(t)
	say := func(title, text string) string {
		t.Helper()
		rs, err := r.h.engine.Handle(context.Background(), bot.Event{Platform: "test", UserID: "42", ChatID: "g1", Name: "Learner 42",
			GroupName: title, Text: text, Format: render.TelegramHTML})
		if err != nil {
			t.Fatal(err)
		}
		return replyText(rs)
	}
	name := func() string {
		var c bot.Cohort
		r.h.db.View(func(tx *storage.Tx) error { return json.Unmarshal(tx.Cohort("chat:test:g1"), &c) })
		return c.Name
	}
	if got := say("Spring\n<i>2026</i>  \x00group", "/start"); !strings.Contains(got, "Spring &lt;i&gt;2026&lt;/i&gt; group") {
		t.Errorf("joined message: %s", got)
	}
	if name() != "Spring <i>2026</i> group" {
		t.Errorf("cohort named %q", name())
	}
	say("Spring <i>2026</i> group", "/help")
	say("Autumn *2026*", "/help")
	if name() != "Autumn *2026*" {
		t.Errorf("not renamed by a read-only turn: %q", name())
	}
	say("", "/help") // a title unknown: the name stays
	if name() != "Autumn *2026*" {
		t.Errorf("renamed to nothing: %q", name())
	}
	long := strings.Repeat("ю", 100)
	say(long, "/help")
	if n := []rune(name()); len(n) != 64 || n[63] != '…' {
		t.Errorf("long title kept as %d characters: %q", len(n), name())
	}
}

// TestCohortNameMarkup: a cohort's name with HTML and Markdown is shown as
// the text it is, on Telegram (HTML) and Discord (Markdown).
func TestCohortNameMarkup(t *testing.T) {
	r := newCohortRig(t)
	const name = "*Spring_2026* [x](http://e.vil) <b>&amp;</b> `c`"
	for _, f := range []render.Format{render.TelegramHTML, render.DiscordMarkdown, render.Plain} {
		rs, err := r.h.engine.Handle(context.Background(), bot.Event{Platform: "test", UserID: "1", ChatID: "1", Direct: true,
			Text: "/cohort new " + name, Format: f})
		if err != nil {
			t.Fatal(err)
		}
		got := replyText(rs)
		if f == render.TelegramHTML && (strings.Contains(got, "<a ") || strings.Contains(got, "<b>&amp;") || strings.Contains(got, "<i>Spring")) {
			t.Errorf("%v: markup in the name was rendered: %s", f, got)
		}
		if shown := render.Strip(got, f); !strings.Contains(shown, name) {
			t.Errorf("%v: the name is not shown as typed:\n%s\n(shown: %s)", f, got, shown)
		}
	}
}

// TestCohortBadInput: forged, expired and oversized codes, bad deep links,
// a long name, /class without a cohort: a clear answer, nothing changed.
func TestCohortBadInput(t *testing.T) {
	r := newCohortRig(t)
	got := r.send("1", "1", "/cohort new Old", false)
	old := codeRE.FindStringSubmatch(got)[1]
	// Expire it.
	err := r.h.db.Update(context.Background(), func(tx *storage.Tx) error {
		var c bot.Cohort
		json.Unmarshal(tx.Cohort(old), &c)
		c.Expires = clock().Add(-time.Hour)
		b, _ := json.Marshal(c)
		return tx.PutCohort(old, b)
	})
	if err != nil {
		t.Fatal(err)
	}
	r.send("42", "42", "/start", false)
	before := string(r.h.stored("42"))
	for _, c := range []struct{ text, want string }{
		{"/join abcd2345", "don't know the cohort code abcd2345"},
		{"/join " + old, "expired"},
		{"/join " + strings.Repeat("a", 1024), "isn't a cohort code"},
		{"/join chat:test:g1", "isn't a cohort code"},
		{"/join", "Send the code"},
		{"/start c-" + strings.Repeat("x", 70), "isn't a cohort code"},
		{"/start c-ab$%cd", "isn't a cohort code"},
		{"/leave nope", "not in any cohort"},
		{"/class", "no cohort"},
	} {
		if got := r.send("42", "42", c.text, false); !strings.Contains(got, c.want) {
			t.Errorf("%.40q: %s", c.text, got)
		}
	}
	// Only Active may move; no cohort joined.
	if after := string(r.h.stored("42")); strings.Contains(after, "cohorts") || len(after) != len(before) {
		t.Errorf("record changed:\n%s\n%s", before, after)
	}
	if got := r.send("1", "1", "/cohort new "+strings.Repeat("n", 65), false); !strings.Contains(got, "at most 64") {
		t.Errorf("long name: %s", got)
	}
	if got := r.send("1", "1", "/cohort", false); !strings.Contains(got, "/cohort new") {
		t.Errorf("usage: %s", got)
	}
	if got := r.send("1", "1", "/class zzzz9999", false); !strings.Contains(got, "don't know") {
		t.Errorf("unknown class: %s", got)
	}
}

// FuzzJoinCode: whatever follows /join or a deep link's c-, the learner
// gets an answer and joins nothing that does not exist.
func FuzzJoinCode(f *testing.F) {
	for _, s := range []string{"abcd2345", "", "ABCD", "chat:test:g1", strings.Repeat("z", 70), "ab$%cd", "ab cd", "é"} {
		f.Add(s)
	}
	db, err := storage.Open(filepath.Join(f.TempDir(), "tutor.db"), storage.Options{NoSync: true})
	if err != nil {
		f.Fatal(err)
	}
	defer db.Close()
	course, _ := lessons.Default()
	e, err := bot.NewEngine(bot.Config{DB: db, Course: course, Now: clock})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, code string) {
		for _, text := range []string{"/join " + code, "/start c-" + code, "/leave " + code} {
			rs, err := e.Handle(context.Background(), bot.Event{Platform: "test", UserID: "7", ChatID: "7", Direct: true, Text: text, Format: render.TelegramHTML})
			if err != nil || replyText(rs) == "" {
				t.Fatalf("%q: %v %v", text, err, rs)
			}
		}
		db.View(func(tx *storage.Tx) error {
			var st struct {
				Cohorts []string `json:"cohorts"`
			}
			json.Unmarshal(tx.Learner("test:7"), &st)
			if len(st.Cohorts) != 0 {
				t.Fatalf("joined %v, but no cohort exists", st.Cohorts)
			}
			return nil
		})
	})
}

// TestClassInRussian: /class and /cohort answer in the learner's
// language, with Russian plurals and dates.
func TestClassInRussian(t *testing.T) {
	r := newCohortRig(t)
	for _, u := range []string{"42", "43"} {
		r.send(u, "g1", "/lesson", false)
	}
	ru := func(text string) string {
		t.Helper()
		rs, err := r.h.engine.Handle(context.Background(), bot.Event{Platform: "test", UserID: "1", ChatID: "1", Direct: true, Lang: "ru", Text: text, Format: render.Plain})
		if err != nil {
			t.Fatal(err)
		}
		return replyText(rs)
	}
	got := ru("/class chat:test:g1")
	for _, want := range []string{"Класс · test g1 · 2 ученика", "Learner 42: урок 1, стр. 1/9 · лучший результат квиза: — · последняя активность: чт, 26 ноября", "Воронка"} {
		if !strings.Contains(got, want) {
			t.Errorf("Russian class misses %q:\n%s", want, got)
		}
	}
	if got := ru("/cohort new Осень"); !strings.Contains(got, "Когорта Осень готова") || !strings.Contains(got, "до 24 февраля 2027") {
		t.Errorf("Russian /cohort new:\n%s", got)
	}
	if got := ru("/class"); !strings.Contains(got, "нет когорты") {
		t.Errorf("Russian /class without a cohort:\n%s", got)
	}
}
