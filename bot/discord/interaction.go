package discord

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"tutorbot/bot"
	"tutorbot/locale"
	"tutorbot/render"
)

// Learner-facing sentences of the adapter itself, by catalog id.
const (
	msgFailed       = "ErrorShort"
	msgNotYours     = "NotYourButtons"
	msgDone         = "Done"
	msgShuttingDown = "ShuttingDown"
)

// say is sentence id in the interaction's language.
func say(i *discordgo.Interaction, id string) string {
	return locale.Say(string(i.Locale), id)
}

// result is what a step of the conversation produced.
type result struct {
	replies []bot.Reply
	err     error
}

// interactionEvent converts an interaction into an Event. ok is false when
// the interaction is not for the engine (unknown type, no user).
func (b *Bot) interactionEvent(i *discordgo.Interaction) (ev bot.Event, ok bool) {
	user := i.User
	if i.Member != nil && i.Member.User != nil {
		user = i.Member.User
	}
	if user == nil || user.ID == "" {
		return bot.Event{}, false
	}
	ev = bot.Event{Platform: Platform, UserID: user.ID, ChatID: i.ChannelID, Name: displayName(i.Member, user), Format: render.DiscordMarkdown, Direct: i.GuildID == "", Lang: string(i.Locale),
		Group: i.GuildID}
	// Discord sends the member's permissions in the channel with every
	// interaction: Manage Server makes them an administrator of the
	// server's cohort.
	ev.ChatAdmin = i.Member != nil && i.Member.Permissions&discordgo.PermissionManageServer != 0
	switch i.Type {
	case discordgo.InteractionApplicationCommand:
		data, isCmd := i.Data.(discordgo.ApplicationCommandInteractionData)
		if !isCmd || data.Name == "" {
			return bot.Event{}, false
		}
		ev.Text = "/" + data.Name
		if arg := optionText(data.Options); arg != "" {
			ev.Text += " " + arg
		}
	case discordgo.InteractionMessageComponent:
		data, isComp := i.Data.(discordgo.MessageComponentInteractionData)
		if !isComp || data.CustomID == "" {
			return bot.Event{}, false
		}
		ev.Payload = data.CustomID
	case discordgo.InteractionModalSubmit:
		data, isModal := i.Data.(discordgo.ModalSubmitInteractionData)
		if !isModal || data.CustomID != practiceModalID {
			return bot.Event{}, false
		}
		ev.Text = b.practiceText(data)
	default:
		return bot.Event{}, false
	}
	return ev, true
}

func displayName(m *discordgo.Member, u *discordgo.User) string {
	if m != nil && m.Nick != "" {
		return m.Nick
	}
	if u.GlobalName != "" {
		return u.GlobalName
	}
	return u.Username
}

// optionText is the value of the command's first option as text.
func optionText(opts []*discordgo.ApplicationCommandInteractionDataOption) string {
	for _, o := range opts {
		if o == nil || o.Value == nil {
			continue
		}
		if s, ok := o.Value.(string); ok {
			return strings.TrimSpace(s)
		}
		return strings.TrimSpace(fmt.Sprint(o.Value))
	}
	return ""
}

// onInteraction handles one interaction: converts it, runs the step, and
// answers within Discord's 3 seconds (deferring when the step is slow). It
// returns when every reply has been sent.
func (b *Bot) onInteraction(s *discordgo.Session, ic *discordgo.InteractionCreate) {
	if ic == nil || ic.Interaction == nil {
		return
	}
	i := ic.Interaction
	if i.Type == discordgo.InteractionPing {
		return
	}
	b.interactions.Add(1)
	guild := i.GuildID != ""
	ctx, cancel := context.WithTimeout(b.ctx(), handleTimeout)
	defer cancel()

	if !b.inflight.begin() {
		b.respondText(ctx, i, say(i, msgShuttingDown), true)
		return
	}
	defer b.inflight.end()

	ev, ok := b.interactionEvent(i)
	if !ok {
		b.log.Debug("interaction ignored", "type", i.Type.String())
		if i.Type == discordgo.InteractionMessageComponent {
			b.respond(ctx, i, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredMessageUpdate})
		}
		return
	}
	if i.Type == discordgo.InteractionMessageComponent && !ownsMessage(i.Message, ev.UserID) {
		b.respondText(ctx, i, say(i, msgNotYours), true)
		return
	}
	if i.Type == discordgo.InteractionApplicationCommand && ev.Text == "/"+b.practice {
		b.openPracticeModal(ctx, i, ev.UserID)
		return
	}

	component := i.Type == discordgo.InteractionMessageComponent
	if b.outboxed() {
		b.queueInteraction(ctx, i, ev, guild, component)
		return
	}

	done := make(chan result, 1)
	go func() {
		unlock := b.locks.lock(ev.Key())
		defer unlock()
		ev.GroupName = b.guildName(ctx, ev.Group)
		replies, err := b.cfg.Handler.Handle(ctx, ev)
		done <- result{replies, err}
	}()

	deferred := false
	var res result
	timer := time.NewTimer(b.slowAfter)
	select {
	case res = <-done:
		timer.Stop()
	case <-timer.C:
		b.deferred.Add(1)
		resp := &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource}
		if component {
			resp.Type = discordgo.InteractionResponseDeferredMessageUpdate
		} else if guild {
			resp.Data = &discordgo.InteractionResponseData{Flags: discordgo.MessageFlagsEphemeral}
		}
		deferred = b.respond(ctx, i, resp) == nil
		res = <-done
	}
	if res.err != nil {
		b.errs.Add(1)
		b.log.Error("handle interaction", "err", res.err, "user", ev.UserID)
		if len(res.replies) == 0 {
			res.replies = []bot.Reply{{Kind: bot.Send, Text: say(i, msgFailed)}}
		}
	}
	b.answer(ctx, i, guild, component, deferred, res.replies)
}

// outboxed reports whether the engine delivers Discord replies through its
// outbox (this Bot is its Discord Sender).
func (b *Bot) outboxed() bool {
	o := b.cfg.Outbox
	if o == nil {
		o, _ = b.cfg.Handler.(Outbox)
	}
	return o != nil && o.DeliversViaOutbox(Platform)
}

// queueInteraction handles an interaction whose replies go through the
// outbox. It acknowledges the interaction at once with a deferred response
// (the pressed message left as it is, or a "thinking" answer, ephemeral in
// a server), well within Discord's 3 seconds however slow the step; then
// it runs the step, whose committed replies the outbox delivers through
// the interaction's webhook (Send), in order, across restarts. What the
// step returns itself (a toast, an apology when nothing was committed) is
// sent here as a follow-up.
func (b *Bot) queueInteraction(ctx context.Context, i *discordgo.Interaction, ev bot.Event, guild, component bool) {
	ev.ViaOutbox = true
	ev.ReplyHandle = b.replyHandle(i, guild)
	if component && i.Message != nil {
		ev.MessageID = i.Message.ID
	}
	resp := &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource}
	if component {
		resp.Type = discordgo.InteractionResponseDeferredMessageUpdate
	} else if guild {
		resp.Data = &discordgo.InteractionResponseData{Flags: discordgo.MessageFlagsEphemeral}
	}
	// A failed acknowledgement is logged by respond; the step still runs
	// and its replies reach the learner by DM (the webhook is unknown).
	_ = b.respond(ctx, i, resp)

	ev.GroupName = b.guildName(ctx, ev.Group)
	unlock := b.locks.lock(ev.Key())
	replies, err := b.cfg.Handler.Handle(ctx, ev)
	unlock()
	if err != nil {
		b.errs.Add(1)
		b.log.Error("handle interaction", "err", err, "user", ev.UserID)
		if len(replies) == 0 {
			replies = []bot.Reply{{Kind: bot.Send, Text: say(i, msgFailed)}}
		}
	}
	for _, r := range replies {
		if r.Kind == bot.Typing || r.Text == "" && len(r.Buttons) == 0 && r.File == nil {
			continue
		}
		flags := discordgo.MessageFlags(0)
		if guild || r.Kind == bot.Ack {
			flags = discordgo.MessageFlagsEphemeral
		}
		content, comps := b.message(r)
		b.followup(ctx, i, content, comps, flags, attachment(r.File)...)
		b.sent.Add(1)
	}
}

// ownsMessage reports whether the learner may press buttons on m: a message
// made in answer to another user's interaction belongs to that user.
// discordgo v0.28.1 (the approved release) decodes the message's
// "interaction" object, which Discord still sends beside the newer
// "interaction_metadata"; both name the user who started the interaction.
func ownsMessage(m *discordgo.Message, userID string) bool {
	if m == nil {
		return true
	}
	if mi := m.Interaction; mi != nil && mi.User != nil && mi.User.ID != "" {
		return mi.User.ID == userID
	}
	return true
}

// answer sends the replies of one step as the interaction's response and
// follow-ups.
func (b *Bot) answer(ctx context.Context, i *discordgo.Interaction, guild, component, deferred bool, replies []bot.Reply) {
	var update *bot.Reply // updates the pressed message in place
	var acks []string
	var sends []bot.Reply
	for _, r := range replies {
		switch r.Kind {
		case bot.Typing:
			continue
		case bot.Ack:
			if r.Text != "" {
				acks = append(acks, r.Text)
			}
			continue
		case bot.Edit:
			if component && update == nil {
				update = &r
				continue
			}
		case bot.Send:
			if component && update == nil && r.Supersedes {
				update = &r
				continue
			}
		}
		if r.Text == "" && len(r.Buttons) == 0 && r.File == nil {
			continue
		}
		sends = append(sends, r)
	}

	var flags discordgo.MessageFlags
	if guild {
		flags = discordgo.MessageFlagsEphemeral
	}
	answered := deferred
	// After a deferred message response (type 5) the "thinking" message
	// waits to be edited with the first reply.
	originalPending := deferred && !component

	if update != nil {
		content, comps := b.message(*update)
		if content == "" && len(comps) == 0 {
			content = say(i, msgDone)
		}
		if !answered {
			err := b.respond(ctx, i, &discordgo.InteractionResponse{
				Type: discordgo.InteractionResponseUpdateMessage,
				Data: &discordgo.InteractionResponseData{Content: content, Components: comps, AllowedMentions: noMentions()},
			})
			if err != nil {
				return
			}
			answered = true
		} else {
			b.editOriginal(ctx, i, content, comps)
			originalPending = false
		}
		b.sent.Add(1)
	}

	for _, r := range sends {
		parts := chunks(r.Text)
		for n, part := range parts {
			var comps []discordgo.MessageComponent
			var files []*discordgo.File
			if n == len(parts)-1 {
				comps = b.components(r.Buttons)
				files = attachment(r.File)
			} else {
				comps = []discordgo.MessageComponent{}
			}
			switch {
			case !answered:
				err := b.respond(ctx, i, &discordgo.InteractionResponse{
					Type: discordgo.InteractionResponseChannelMessageWithSource,
					Data: &discordgo.InteractionResponseData{Content: part, Components: comps, Flags: flags, AllowedMentions: noMentions(), Files: files},
				})
				if err != nil {
					return
				}
				answered = true
			case originalPending:
				b.editOriginal(ctx, i, part, comps, files...)
				originalPending = false
			default:
				b.followup(ctx, i, part, comps, flags, files...)
			}
			b.sent.Add(1)
		}
	}

	for _, a := range acks {
		a = truncate(a, MaxContent)
		switch {
		case !answered:
			if b.respondText(ctx, i, a, true) != nil {
				return
			}
			answered = true
		case originalPending:
			b.editOriginal(ctx, i, a, []discordgo.MessageComponent{})
			originalPending = false
		default:
			b.followup(ctx, i, a, []discordgo.MessageComponent{}, discordgo.MessageFlagsEphemeral)
		}
		b.sent.Add(1)
	}

	switch {
	case !answered && component:
		_ = b.respond(ctx, i, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredMessageUpdate})
	case !answered:
		_ = b.respondText(ctx, i, say(i, msgDone), true)
	case originalPending:
		b.editOriginal(ctx, i, say(i, msgDone), []discordgo.MessageComponent{})
	}
}

// respond sends the interaction's one callback.
func (b *Bot) respond(ctx context.Context, i *discordgo.Interaction, resp *discordgo.InteractionResponse) error {
	if err := b.s.InteractionRespond(i, resp, discordgo.WithContext(ctx)); err != nil {
		b.errs.Add(1)
		b.log.Error("answer interaction", "err", err, "type", int(resp.Type))
		return fmt.Errorf("answer interaction: %w", err)
	}
	return nil
}

// respondText answers with a plain message, ephemeral when private.
func (b *Bot) respondText(ctx context.Context, i *discordgo.Interaction, text string, private bool) error {
	data := &discordgo.InteractionResponseData{Content: text, Components: []discordgo.MessageComponent{}, AllowedMentions: noMentions()}
	if private {
		data.Flags = discordgo.MessageFlagsEphemeral
	}
	return b.respond(ctx, i, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: data})
}

func (b *Bot) editOriginal(ctx context.Context, i *discordgo.Interaction, content string, comps []discordgo.MessageComponent, files ...*discordgo.File) {
	edit := &discordgo.WebhookEdit{Content: &content, Components: &comps, AllowedMentions: noMentions(), Files: files}
	if _, err := b.s.InteractionResponseEdit(i, edit, discordgo.WithContext(ctx)); err != nil {
		b.errs.Add(1)
		b.log.Error("edit interaction response", "err", err)
	}
}

func (b *Bot) followup(ctx context.Context, i *discordgo.Interaction, content string, comps []discordgo.MessageComponent, flags discordgo.MessageFlags, files ...*discordgo.File) {
	params := &discordgo.WebhookParams{Content: content, Components: comps, Flags: flags, AllowedMentions: noMentions(), Files: files}
	if _, err := b.s.FollowupMessageCreate(i, true, params, discordgo.WithContext(ctx)); err != nil {
		b.errs.Add(1)
		b.log.Error("send follow-up", "err", err)
	}
}

// attachment is f as a Discord file upload (nil when f is nil).
func attachment(f *bot.File) []*discordgo.File {
	if f == nil {
		return nil
	}
	ct := "application/json"
	if f.Image {
		ct = "image/png"
	}
	return []*discordgo.File{{Name: f.Name, ContentType: ct, Reader: bytes.NewReader(f.Data)}}
}

// noMentions stops lesson text or learner input from pinging anyone.
func noMentions() *discordgo.MessageAllowedMentions {
	return &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}
}

// message is a reply's content (cut to the limit) and buttons.
func (b *Bot) message(r bot.Reply) (string, []discordgo.MessageComponent) {
	text := r.Text
	if utf8.RuneCountInString(text) > MaxContent {
		b.log.Warn("reply longer than discord allows; cut", "chars", utf8.RuneCountInString(text))
		text = truncate(text, MaxContent)
	}
	return text, b.components(r.Buttons)
}

// components turns button rows into action rows of at most 5 buttons (at
// most 5 rows), dropping buttons whose payload Discord would reject. The
// result is never nil, so sending it clears old buttons.
func (b *Bot) components(rows [][]bot.Button) []discordgo.MessageComponent {
	out := []discordgo.MessageComponent{}
	seen := map[string]bool{}
	for _, row := range rows {
		var cur []discordgo.MessageComponent
		for _, btn := range row {
			n := utf8.RuneCountInString(btn.Payload)
			if n < 1 || n > MaxCustomID || !utf8.ValidString(btn.Payload) {
				b.log.Warn("button dropped: payload length outside 1..100", "len", n)
				continue
			}
			if seen[btn.Payload] {
				b.log.Warn("button dropped: duplicate payload in one message", "payload", btn.Payload)
				continue
			}
			seen[btn.Payload] = true
			label := strings.TrimSpace(btn.Label)
			if label == "" {
				label = "…"
			}
			cur = append(cur, discordgo.Button{Label: truncate(label, 80), Style: discordgo.PrimaryButton, CustomID: btn.Payload})
			if len(cur) == 5 {
				out = append(out, discordgo.ActionsRow{Components: cur})
				cur = nil
			}
		}
		if len(cur) > 0 {
			out = append(out, discordgo.ActionsRow{Components: cur})
		}
	}
	if len(out) > 5 {
		b.log.Warn("buttons dropped: more than 5 rows", "rows", len(out))
		out = out[:5]
	}
	return out
}

// truncate cuts s to at most n characters, ending with "…" when cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// chunks splits text into messages within MaxContent characters, at a
// line break where there is one. The engine already fits its texts; this
// is the last guard.
func chunks(text string) []string {
	text = strings.ToValidUTF8(text, "\uFFFD")
	if utf8.RuneCountInString(text) <= MaxContent {
		return []string{text}
	}
	var out []string
	r := []rune(text)
	for len(r) > MaxContent {
		cut := MaxContent
		for j := MaxContent; j > MaxContent/2; j-- {
			if r[j-1] == '\n' {
				cut = j
				break
			}
		}
		out = append(out, strings.TrimRight(string(r[:cut]), "\n"))
		r = r[cut:]
	}
	if s := strings.TrimSpace(string(r)); s != "" {
		out = append(out, string(r))
	}
	return out
}

// onMessage handles a typed message in a DM (messages in servers and from
// bots are ignored). It returns when the replies have been sent.
func (b *Bot) onMessage(s *discordgo.Session, mc *discordgo.MessageCreate) {
	if mc == nil || mc.Message == nil {
		return
	}
	m := mc.Message
	if m.GuildID != "" || m.Author == nil || m.Author.Bot || m.Author.System || m.Author.ID == "" {
		return
	}
	text := strings.TrimSpace(m.Content)
	if text == "" {
		return
	}
	if !b.inflight.begin() {
		return
	}
	defer b.inflight.end()
	b.directMsgs.Add(1)
	ctx, cancel := context.WithTimeout(b.ctx(), handleTimeout)
	defer cancel()
	// Where the engine delivers through the outbox, the replies come from
	// there (Send, by DM); what Handle returns is sent here.
	ev := bot.Event{Platform: Platform, UserID: m.Author.ID, ChatID: m.ChannelID, Name: displayName(nil, m.Author), Text: text, Format: render.DiscordMarkdown, Direct: true, ViaOutbox: true}

	done := make(chan result, 1)
	go func() {
		unlock := b.locks.lock(ev.Key())
		defer unlock()
		replies, err := b.cfg.Handler.Handle(ctx, ev)
		done <- result{replies, err}
	}()
	var res result
	timer := time.NewTimer(b.slowAfter)
	select {
	case res = <-done:
		timer.Stop()
	case <-timer.C:
		if err := b.s.ChannelTyping(m.ChannelID, discordgo.WithContext(ctx)); err != nil {
			b.log.Debug("typing indicator", "err", err)
		}
		res = <-done
	}
	if res.err != nil {
		b.errs.Add(1)
		b.log.Error("handle message", "err", res.err, "user", ev.UserID)
		if len(res.replies) == 0 {
			res.replies = []bot.Reply{{Kind: bot.Send, Text: locale.Say("", msgFailed)}}
		}
	}
	if err := b.send(ctx, m.ChannelID, res.replies); err != nil {
		b.log.Error("reply in DM", "err", err, "user", ev.UserID)
	}
}

// send posts Send and Edit replies as new messages in a channel.
func (b *Bot) send(ctx context.Context, channelID string, replies []bot.Reply) error {
	for _, r := range replies {
		if r.Kind != bot.Send && r.Kind != bot.Edit {
			continue
		}
		if r.Text == "" && len(r.Buttons) == 0 && r.File == nil {
			continue
		}
		parts := chunks(r.Text)
		for n, part := range parts {
			msg := &discordgo.MessageSend{Content: part, AllowedMentions: noMentions()}
			if n == len(parts)-1 {
				msg.Components = b.components(r.Buttons)
				msg.Files = attachment(r.File)
			}
			if _, err := b.s.ChannelMessageSendComplex(channelID, msg, discordgo.WithContext(ctx)); err != nil {
				b.errs.Add(1)
				return fmt.Errorf("send discord message: %w", err)
			}
			b.sent.Add(1)
		}
	}
	return nil
}
