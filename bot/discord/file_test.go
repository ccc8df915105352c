package discord

import (
	"encoding/json"
	"testing"
	"time"

	"tutorbot/bot"
)

// TestReplyWithFile checks that a reply carrying a file (the /mydata JSON)
// arrives as an attachment with its caption: as an interaction response in
// a server channel, as a follow-up after a deferral, and in a DM.
func TestReplyWithFile(t *testing.T) {
	data := []byte(`{"key":"discord:111","tasks":["a","b"]}`)
	rec := &recorder{replies: func(ev bot.Event) []bot.Reply {
		return []bot.Reply{{Kind: bot.Send, Text: "Everything I store about you.", File: &bot.File{Name: "tutorbot-mydata.json", Data: data}}}
	}}
	h := newHarness(t, rec)
	check := func(where string, msgs []string) {
		t.Helper()
		found := false
		for _, id := range msgs {
			m, _ := h.srv.Message(id)
			if len(m.Attachments) == 0 {
				continue
			}
			found = true
			a := m.Attachments[0]
			if a.Name != "tutorbot-mydata.json" || string(a.Data) != string(data) || m.Content != "Everything I store about you." {
				t.Errorf("%s: message %+v", where, m)
			}
			if !json.Valid(a.Data) {
				t.Errorf("%s: attachment is not JSON", where)
			}
		}
		if !found {
			t.Errorf("%s: no message with the file", where)
		}
	}
	ids := func(at where) []string {
		var out []string
		for _, m := range h.srv.Messages(at.channel) {
			out = append(out, m.ID)
		}
		return out
	}
	h.command(learnerA, inGuild, "mydata", "")
	check("server channel", ids(inGuild))
	h.dm(learnerB, "/mydata")
	check("DM", ids(inDM(learnerB)))

	// A slow step is deferred; the file comes with the edited original.
	rec.delay = 50 * time.Millisecond
	h.b.slowAfter = time.Millisecond
	h.command(learnerB, inDM(learnerB), "mydata", "")
	msgs := ids(inDM(learnerB))
	check("deferred", msgs[len(msgs)-1:])
}
