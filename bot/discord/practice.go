package discord

import (
	"context"
	"strings"

	"github.com/bwmarrin/discordgo"
)

// practiceModalID is the custom_id of the practice template modal.
const practiceModalID = "practice:template"

// practiceField is one field of the practice template.
type practiceField struct {
	id string
	// label is the field's name in the template the engine reads.
	label string
	// what names the catalog messages of its label and placeholder as
	// the learner sees them: Modal<what> (at most 45 characters) and
	// Modal<what>Hint.
	what     string
	style    discordgo.TextInputStyle
	required bool
	max      int
}

// practiceFields are the four fields of the lesson's ready-to-use prompt,
// in the order of Config.Prefill's array.
var practiceFields = [4]practiceField{
	{"task", "Task", "Task", discordgo.TextInputParagraph, true, 1000},
	{"where", "Where I run it (locally / API / cloud)", "Where", discordgo.TextInputShort, false, 200},
	{"gpu", "Available GPU memory", "GPU", discordgo.TextInputShort, false, 100},
	{"constraints", "Constraints", "Constraints", discordgo.TextInputParagraph, false, 1000},
}

// openPracticeModal answers /practice with the template as a modal,
// pre-filled with the learner's last answers.
func (b *Bot) openPracticeModal(ctx context.Context, i *discordgo.Interaction, userID string) {
	var prefill [4]string
	if b.cfg.Prefill != nil {
		prefill = b.cfg.Prefill(ctx, userID)
	}
	rows := make([]discordgo.MessageComponent, 0, len(practiceFields))
	for n, f := range practiceFields {
		rows = append(rows, discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.TextInput{
				CustomID:    f.id,
				Label:       truncate(say(i, "Modal"+f.what), 45),
				Style:       f.style,
				Placeholder: truncate(say(i, "Modal"+f.what+"Hint"), 100),
				Value:       truncate(strings.TrimSpace(prefill[n]), f.max),
				Required:    f.required,
				MaxLength:   f.max,
			},
		}})
	}
	_ = b.respond(ctx, i, &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseModal,
		Data: &discordgo.InteractionResponseData{CustomID: practiceModalID, Title: truncate(say(i, "ModalTitle"), 45), Components: rows},
	})
}

// practiceText turns a submitted practice modal into the practice command
// with the filled-in template, one field per line.
func (b *Bot) practiceText(data discordgo.ModalSubmitInteractionData) string {
	values := map[string]string{}
	for _, c := range data.Components {
		for _, in := range textInputs(c) {
			values[in.CustomID] = in.Value
		}
	}
	var sb strings.Builder
	sb.WriteString("/" + b.practice)
	for n, f := range practiceFields {
		if n == 0 {
			sb.WriteString(" ")
		} else {
			sb.WriteString("\n")
		}
		sb.WriteString(f.label + ": " + oneLine(values[f.id]))
	}
	return sb.String()
}

// textInputs finds the text inputs in a submitted component, whether the
// library decoded it into pointers or a test built it from values.
func textInputs(c discordgo.MessageComponent) []discordgo.TextInput {
	switch v := c.(type) {
	case *discordgo.ActionsRow:
		if v == nil {
			return nil
		}
		var out []discordgo.TextInput
		for _, in := range v.Components {
			out = append(out, textInputs(in)...)
		}
		return out
	case discordgo.ActionsRow:
		return textInputs(&v)
	case *discordgo.TextInput:
		if v == nil {
			return nil
		}
		return []discordgo.TextInput{*v}
	case discordgo.TextInput:
		return []discordgo.TextInput{v}
	}
	return nil
}

// oneLine keeps a field on its line of the template.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
