package discord

import (
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/bwmarrin/discordgo"

	"tutorbot/storage"
)

// TestServerCohortClass: learners using the tutor in a server are in its
// cohort and told so; /class there is refused to a plain member and shown
// to a member with the Manage Server permission.
func TestServerCohortClass(t *testing.T) {
	e, _ := openEngine(t)
	h := newHarness(t, e)
	h.srv.SetGuildName(guildID, "Spring <b>&</b> *Class_1*")
	h.command(learnerA, inGuild, "lesson", "")
	seen := ""
	for _, m := range h.visible(learnerA, inGuild) {
		seen += m.Content + "\n"
	}
	if !strings.Contains(seen, "cohort") || !strings.Contains(seen, "teachers") {
		t.Errorf("not told about the server's cohort:\n%s", seen)
	}
	before := len(h.visible(learnerB, inGuild))
	h.command(learnerB, inGuild, "class", "")
	ms := h.visible(learnerB, inGuild)[before:]
	got := ""
	for _, m := range ms {
		got += m.Content + "\n"
	}
	if !strings.Contains(got, "teachers") || strings.Contains(got, "Class ·") {
		t.Errorf("plain member saw the class:\n%s", got)
	}
	h.perms = map[string]int64{learnerB: discordgo.PermissionManageServer}
	before = len(h.visible(learnerB, inGuild))
	h.command(learnerB, inGuild, "class", "")
	got = ""
	png := false
	for _, m := range h.visible(learnerB, inGuild)[before:] {
		got += m.Content + "\n"
		for _, a := range m.Attachments {
			png = png || strings.HasSuffix(a.Name, ".png")
		}
	}
	if !strings.Contains(got, "Class ·") || !strings.Contains(got, "learner"+learnerA) || !png {
		t.Errorf("server admin's class (chart %v):\n%s", png, got)
	}
	// The cohort is named after the server, its Markdown escaped.
	if !strings.Contains(got, `Class · Spring \<b>&\</b> \*Class\_1\*`) {
		t.Errorf("server name not shown as text:\n%s", got)
	}
	// A renamed server renames its cohort once the name is asked again.
	h.srv.SetGuildName(guildID, "Autumn 2026")
	h.b.guilds.mu.Lock()
	h.b.guilds.m = nil // the cached name's hour is over
	h.b.guilds.mu.Unlock()
	before = len(h.visible(learnerB, inGuild))
	h.command(learnerB, inGuild, "class", "")
	got = ""
	for _, m := range h.visible(learnerB, inGuild)[before:] {
		got += m.Content + "\n"
	}
	if !strings.Contains(got, "Class · Autumn 2026") {
		t.Errorf("cohort not renamed with the server:\n%s", got)
	}
}

// TestServerCohortNamedViaOutbox: where replies go through the engine's
// outbox (as in production), the server's cohort is named after the
// server too.
func TestServerCohortNamedViaOutbox(t *testing.T) {
	var skew atomic.Int64
	h, _, db := outboxHarness(t, &skew)
	h.srv.SetGuildName(guildID, "Весна <2026>")
	h.command(learnerA, inGuild, "lesson", "")
	waitFor(t, func() bool {
		var c struct {
			Name string `json:"name"`
		}
		db.View(func(tx *storage.Tx) error { return json.Unmarshal(tx.Cohort("chat:discord:"+guildID), &c) })
		return c.Name == "Весна <2026>"
	})
}
