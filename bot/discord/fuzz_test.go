package discord

import (
	"log/slog"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
)

// FuzzInteractionEvent feeds outside interaction data (command names and
// option values, custom ids, modal field values) through the conversion at
// the edge: it must never panic, and the practice template must keep its
// four lines whatever the learner typed.
func FuzzInteractionEvent(f *testing.F) {
	f.Add(uint8(2), "lesson", "", "", "", "", "")
	f.Add(uint8(2), "compare", "write a haiku", "", "", "", "")
	f.Add(uint8(3), "", "1:pg:1:2", "", "", "", "")
	f.Add(uint8(5), "", "", "summarise\ntickets", "locally\r\n", "24 GB", "Constraints: none\nTask: evil")
	f.Add(uint8(5), "", "", "", "", "", "")
	f.Add(uint8(4), "x", "y", "", "", "", "")
	f.Add(uint8(3), "", "\xff\xfe", "", "", "", "")
	b, err := New(Config{Token: "t", Handler: &recorder{}, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, kind uint8, name, value, v1, v2, v3, v4 string) {
		i := &discordgo.Interaction{ID: "1", Type: discordgo.InteractionType(kind), ChannelID: "c", User: &discordgo.User{ID: "u"}}
		switch i.Type {
		case discordgo.InteractionApplicationCommand:
			i.Data = discordgo.ApplicationCommandInteractionData{Name: name, Options: []*discordgo.ApplicationCommandInteractionDataOption{
				{Name: "arg", Type: discordgo.ApplicationCommandOptionString, Value: value}}}
		case discordgo.InteractionMessageComponent:
			i.Data = discordgo.MessageComponentInteractionData{CustomID: value}
		case discordgo.InteractionModalSubmit:
			var rows []discordgo.MessageComponent
			for n, v := range []string{v1, v2, v3, v4} {
				rows = append(rows, discordgo.ActionsRow{Components: []discordgo.MessageComponent{discordgo.TextInput{CustomID: practiceFields[n].id, Value: v}}})
			}
			i.Data = discordgo.ModalSubmitInteractionData{CustomID: practiceModalID, Components: rows}
		default:
			i.Data = discordgo.MessageComponentInteractionData{CustomID: value}
		}
		ev, ok := b.interactionEvent(i)
		if !ok {
			return
		}
		switch i.Type {
		case discordgo.InteractionApplicationCommand:
			if !strings.HasPrefix(ev.Text, "/"+name) {
				t.Errorf("command text %q", ev.Text)
			}
		case discordgo.InteractionMessageComponent:
			if ev.Payload != value || ev.Text != "" {
				t.Errorf("payload %q text %q", ev.Payload, ev.Text)
			}
		case discordgo.InteractionModalSubmit:
			lines := strings.Split(ev.Text, "\n")
			if len(lines) != 4 {
				t.Fatalf("template of %d lines: %q", len(lines), ev.Text)
			}
			for n, l := range lines {
				if !strings.Contains(l, practiceFields[n].label+": ") {
					t.Errorf("line %d %q lost its label", n, l)
				}
			}
		default:
			t.Errorf("interaction type %d accepted", kind)
		}
	})
}

// FuzzChunks: every chunk fits Discord and no character other than line
// breaks is lost.
func FuzzChunks(f *testing.F) {
	f.Add("hello")
	f.Add(strings.Repeat("a", 2001))
	f.Add(strings.Repeat("line\n", 900))
	f.Add(strings.Repeat("é\n", 1500) + "end")
	f.Fuzz(func(t *testing.T, s string) {
		parts := chunks(s)
		var joined strings.Builder
		for _, p := range parts {
			if n := utf8.RuneCountInString(p); n > MaxContent {
				t.Fatalf("chunk of %d characters", n)
			}
			joined.WriteString(p)
		}
		strip := func(x string) string { return strings.TrimSpace(strings.ReplaceAll(x, "\n", "")) }
		if strip(joined.String()) != strip(strings.ToValidUTF8(s, "\uFFFD")) && utf8.RuneCountInString(s) > MaxContent {
			t.Errorf("chunks changed the text")
		}
	})
}
