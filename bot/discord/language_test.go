package discord

import (
	"context"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"tutorbot/bot/discord/discordtest"
)

// TestLanguageFromLocale: the tutor speaks the language of the learner's
// Discord client (Interaction.Locale), through the adapter and the real
// engine; a locale without a catalog is English. The practice modal comes
// in the same language.
func TestLanguageFromLocale(t *testing.T) {
	e, _ := openEngine(t)
	h := newHarness(t, e, func(c *Config) { c.Reach = e })
	h.locale = map[string]discordgo.Locale{"301": discordgo.Russian, "302": discordgo.EnglishUS, "303": discordgo.Ukrainian}
	for user, want := range map[string]string{"301": "Привет", "302": "Hi", "303": "Hi"} {
		at := inDM(user)
		h.command(user, at, "start", "")
		msgs := h.visible(user, at)
		if len(msgs) == 0 || !strings.HasPrefix(msgs[len(msgs)-1].Content, want) {
			t.Errorf("locale %s: %+v, want a welcome starting %q", h.locale[user], msgs, want)
		}
	}
	at := inDM("301")
	id := h.command("301", at, "practice", "")
	in, _ := h.srv.Interaction(id)
	if len(in.Callbacks) != 1 || in.Callbacks[0] != discordtest.CallbackModal {
		t.Fatalf("/practice callbacks %v, want a modal", in.Callbacks)
	}
	calls := h.srv.CallsTo(discordtest.RouteCallback)
	if len(calls) == 0 {
		t.Fatal("no callback")
	}
	if body := string(calls[len(calls)-1].Raw); !strings.Contains(body, "Задача") || !strings.Contains(body, "Доступная память GPU") {
		t.Errorf("the practice modal is not in Russian: %s", body)
	}
}

// TestSlashCommandsLocalized: every slash command is registered with
// Russian name and description localizations (and the option's
// description), which the fake checks the way Discord does.
func TestSlashCommandsLocalized(t *testing.T) {
	e, _ := openEngine(t)
	h := newHarness(t, e, func(c *Config) { c.Commands = e.Commands() })
	if err := h.b.Register(context.Background()); err != nil {
		t.Fatalf("register: %v", err)
	}
	got := h.srv.Commands("")
	if len(got) != len(e.Commands()) {
		t.Fatalf("registered %d commands, want %d", len(got), len(e.Commands()))
	}
	for _, c := range got {
		if c.NameLocalizations["ru"] == "" || c.DescriptionLocalizations["ru"] == "" || c.DescriptionLocalizations["ru"] == c.Description {
			t.Errorf("/%s: localizations %v %v", c.Name, c.NameLocalizations, c.DescriptionLocalizations)
		}
		for _, o := range c.Options {
			if o.DescriptionLocalizations["ru"] == "" {
				t.Errorf("/%s option %s: no Russian description", c.Name, o.Name)
			}
		}
	}
	if v := h.srv.Violations(); len(v) > 0 {
		t.Errorf("Discord would reject: %v", v)
	}
}
