package bot_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"tutorbot/bot"
	"tutorbot/render"
	"tutorbot/storage"
)

// stored returns the learner's raw record.
func (h *harness) stored(user string) []byte {
	var b []byte
	h.db.View(func(tx *storage.Tx) error { b = tx.Learner("test:" + user); return nil })
	return b
}

// replyText joins the texts of replies.
func replyText(rs []bot.Reply) string {
	var b strings.Builder
	for _, r := range rs {
		b.WriteString(r.Text)
		b.WriteString("\n")
	}
	return b.String()
}

// TestBadInputChangesNothing sends bad input to a learner in the middle of
// the quiz and checks for a clear reply and an untouched record.
func TestBadInputChangesNothing(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		payload string
		want    string // a piece of the reply
	}{
		{name: "unknown command", text: "/frobnicate", want: "I don't know the command"},
		{name: "unknown command with injection", text: "/<b>x</b>", want: "I don't know the command"},
		{name: "free text mid-quiz", text: "I think it's B", want: "middle of the quiz"},
		{name: "malformed payload", payload: "garbage", want: "don't recognise that button"},
		{name: "payload of another version", payload: "9:qa:1:1:0:1", want: "older version"},
		{name: "payload too long", payload: "1:qa:1:1:0:1" + strings.Repeat("9", 60), want: "don't recognise"},
		{name: "forged payload: future attempt", payload: "1:qa:1:99:0:1", want: "isn't from your quiz"},
		{name: "stale payload: earlier attempt", payload: "1:qa:1:1:0:1", want: "earlier quiz attempt"},
		{name: "option out of range", payload: "1:qa:1:2:0:9", want: "don't recognise"},
		{name: "question out of range", payload: "1:qa:1:2:7:0", want: "don't recognise"},
		{name: "negative number", payload: "1:qa:1:-2:0:0", want: "don't recognise"},
		{name: "unknown lesson page", payload: "1:pg:7:0", want: "don't recognise"},
		{name: "page out of range", payload: "1:pg:1:99", want: "don't recognise"},
		{name: "not the current question", payload: "1:qa:1:2:1:0", want: "isn't the current question"},
		{name: "100 KB message", text: strings.Repeat("a", 100_000), want: "too long"},
		{name: "control characters only", text: "\x00\x01\x02", want: "empty message"},
		{name: "invalid UTF-8", text: "\xff\xfe\xfd", want: "middle of the quiz"},
		{name: "retry missed of unknown attempt", payload: "1:qm:1:5", want: "quiz attempt in progress"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, render.TelegramHTML)
			h.say("/quiz")
			h.say("/reset") // asks only
			h.press("Yes, start over")
			h.say("/quiz") // attempt 2 in progress
			before := h.stored(h.user)
			var rs []bot.Reply
			if tc.payload != "" {
				rs = h.pressPayload(tc.payload)
			} else {
				rs = h.say(tc.text)
			}
			got := replyText(rs)
			if !strings.Contains(got, tc.want) && !strings.Contains(strings.ReplaceAll(got, "&#39;", "'"), tc.want) {
				t.Errorf("reply %q does not contain %q", got, tc.want)
			}
			for _, r := range rs {
				if r.Kind == bot.Ack {
					continue
				}
				if err := render.ValidateTelegramHTML(r.Text); err != nil {
					t.Errorf("reply is not valid Telegram HTML: %v\n%s", err, r.Text)
				}
			}
			if after := h.stored(h.user); !bytes.Equal(before, after) {
				t.Errorf("state changed:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

func TestNavigationEdges(t *testing.T) {
	h := newHarness(t, render.Plain)
	h.say("/lesson")
	before := h.stored(h.user)
	if got := replyText(h.say("/back")); !strings.Contains(got, "first page") {
		t.Errorf("/back on the first page: %q", got)
	}
	if !bytes.Equal(before, h.stored(h.user)) {
		t.Error("/back on the first page changed state")
	}
	for range 20 {
		h.say("/next")
	}
	got := replyText(h.say("/next"))
	if !strings.Contains(got, "end of the lesson") {
		t.Errorf("/next on the last page: %q", got)
	}
}

func TestAnsweredQuestionCannotChange(t *testing.T) {
	h := newHarness(t, render.Plain)
	h.say("/quiz")
	h.press("A")
	before := h.stored(h.user)
	// Press another option of the answered question: the old message's
	// buttons carry question index 0 of attempt 1.
	rs := h.pressPayload("1:qa:1:1:0:1")
	if len(rs) != 1 || rs[0].Kind != bot.Ack || !strings.Contains(rs[0].Text, "already answered") {
		t.Fatalf("replies = %+v", rs)
	}
	if !bytes.Equal(before, h.stored(h.user)) {
		t.Fatal("second answer changed state")
	}
}

// TestLearnersAreSeparate checks that one learner's buttons act on the
// presser's own state, never on the learner who received them.
func TestLearnersAreSeparate(t *testing.T) {
	h := newHarness(t, render.Plain)
	h.say("/quiz")
	alice := h.stored("42")
	payload := h.last[1].Payload // Alice's "B"
	h.user = "43"
	got := replyText(h.pressPayload(payload))
	if !strings.Contains(got, "isn't from your quiz") {
		t.Errorf("Bob pressing Alice's button: %q", got)
	}
	h.user = "42"
	if !bytes.Equal(alice, h.stored("42")) {
		t.Error("Alice's state changed when Bob pressed her button")
	}
}

func TestMarkUnreachableAndWriteAgain(t *testing.T) {
	h := newHarness(t, render.Plain)
	h.say("/start")
	if err := h.engine.MarkUnreachable(context.Background(), "test", h.user, ""); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(h.stored(h.user), []byte(`"unreachable":true`)) {
		t.Fatalf("not marked: %s", h.stored(h.user))
	}
	h.say("/progress")
	if bytes.Contains(h.stored(h.user), []byte(`"unreachable"`)) {
		t.Fatal("still unreachable after writing again")
	}
	// A learner never seen gets no record from being marked.
	if err := h.engine.MarkUnreachable(context.Background(), "test", "999", ""); err != nil || h.stored("999") != nil {
		t.Fatalf("marking an unknown learner: err %v, record %s", err, h.stored("999"))
	}
}

func TestCommandsHaveDescriptions(t *testing.T) {
	h := newHarness(t, render.Plain)
	seen := map[string]bool{}
	for _, c := range h.engine.Commands() {
		if c.Description == "" || len(c.Description) > 100 || seen[c.Name] {
			t.Errorf("command %+v", c)
		}
		seen[c.Name] = true
	}
	for _, want := range []string{"start", "lesson", "next", "back", "quiz", "progress", "reset", "help"} {
		if !seen[want] {
			t.Errorf("no command %q", want)
		}
	}
}

func TestRepliesFitEveryPlatform(t *testing.T) {
	for _, f := range []render.Format{render.TelegramHTML, render.DiscordMarkdown, render.Plain} {
		h := newHarness(t, f)
		var all []bot.Reply
		all = append(all, h.say("/start")...)
		all = append(all, h.say("/help")...)
		for range 10 {
			all = append(all, h.say("/next")...)
		}
		all = append(all, h.say("/quiz")...)
		all = append(all, h.press("A")...)
		all = append(all, h.press("A")...)
		all = append(all, h.say("/progress")...)
		for _, r := range all {
			if n := render.Length(r.Text, f); n > f.Limit() {
				t.Errorf("%s: reply of %d characters", f, n)
			}
			for _, row := range r.Buttons {
				for _, b := range row {
					if len(b.Payload) > bot.MaxPayload || b.Payload == "" {
						t.Errorf("payload %q", b.Payload)
					}
				}
			}
		}
	}
}
