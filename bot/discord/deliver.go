package discord

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"tutorbot/bot"
)

// Deliver sends replies the tutor starts itself (reminders) to the learner
// by DM: it opens (or reuses) the DM channel with userID and posts the Send
// and Edit replies as new messages. chatID is ignored, since the learner's
// last channel may be a shared server channel. When Discord answers 50007
// (cannot send messages to this user) the learner is marked unreachable and
// the error wraps bot.ErrUnreachable.
func (b *Bot) Deliver(ctx context.Context, userID, chatID string, replies []bot.Reply) error {
	channelID, err := b.dmChannel(ctx, userID)
	if err == nil {
		err = b.send(ctx, channelID, replies)
	}
	if err == nil {
		return nil
	}
	if cannotSend(err) {
		if b.cfg.Reach != nil {
			if rerr := b.cfg.Reach.MarkUnreachable(ctx, Platform, userID, ""); rerr != nil {
				b.log.Error("mark learner unreachable", "err", rerr, "user", userID)
			}
		}
		b.dms.Delete(userID)
		return fmt.Errorf("deliver to discord user %s: %w", userID, bot.ErrUnreachable)
	}
	return fmt.Errorf("deliver to discord user %s: %w", userID, err)
}

func (b *Bot) dmChannel(ctx context.Context, userID string) (string, error) {
	if id, ok := b.dms.Load(userID); ok {
		return id.(string), nil
	}
	ch, err := b.s.UserChannelCreate(userID, discordgo.WithContext(ctx))
	if err != nil {
		b.errs.Add(1)
		return "", fmt.Errorf("open DM channel: %w", err)
	}
	b.dms.Store(userID, ch.ID)
	return ch.ID, nil
}

// cannotSend reports whether err is Discord's 50007.
func cannotSend(err error) bool {
	var rest *discordgo.RESTError
	return errors.As(err, &rest) && rest.Message != nil && rest.Message.Code == discordgo.ErrCodeCannotSendMessagesToThisUser
}

// Send implements bot.Sender: the engine's outbox delivers every committed
// reply through it. The replies to an interaction go through its webhook
// while its token is valid (15 minutes): the first edit takes the pressed
// message's place, the rest are follow-ups (the first of which fills a
// deferred "thinking" answer), ephemeral in a server. After that, and for
// replies the tutor starts itself (reminders), they go to the learner's DM.
//
// When the DM refuses (50007) and the entry is the DM's own, the error
// wraps bot.ErrUnreachable: the outbox marks that chat and cancels its
// entries. When the entry belongs to a server channel, only the DM is
// marked (through Reach) and the entry is dropped (bot.ErrRejected): the
// channel stays reachable. Other failures are returned for the outbox to
// retry; the interaction token never appears in them.
//
// Announcements (to.Bulk) are paced by Config.BulkRate, so they never use
// up the global limit that replies share with them.
func (b *Bot) Send(ctx context.Context, to bot.Address, replies []bot.Reply) error {
	if to.Bulk {
		if err := b.bulk.WaitN(ctx, max(len(replies), 1)); err != nil {
			return err
		}
	}
	h, ok := parseHandle(to.ReplyHandle)
	if ok && b.now().Sub(h.at) < tokenLife {
		err := b.sendWebhook(ctx, h, to, replies)
		switch {
		case err == nil:
			return nil
		case tokenGone(err):
		case refused(err):
			return scrub(fmt.Errorf("%w: %w", bot.ErrRejected, err), h.token)
		default:
			return scrub(err, h.token)
		}
		b.log.Info("interaction token no longer valid; replies go by DM", "user", to.UserID)
	}
	return b.sendDM(ctx, to, replies)
}

// tokenLife is how long an interaction's webhook token may be used (Discord
// allows 15 minutes; a minute is left for the call itself).
const tokenLife = 14 * time.Minute

// handle is what Send needs of an interaction (Event.ReplyHandle).
type handle struct {
	at         time.Time
	guild      bool
	app, token string
}

// replyHandle encodes the interaction's handle: issue time, place, app id
// and webhook token.
func (b *Bot) replyHandle(i *discordgo.Interaction, guild bool) string {
	app := i.AppID
	if app == "" {
		if p := b.appID.Load(); p != nil {
			app = *p
		}
	}
	place := "d"
	if guild {
		place = "g"
	}
	return strconv.FormatInt(b.now().UnixMilli(), 10) + ":" + place + ":" + app + ":" + i.Token
}

func parseHandle(s string) (handle, bool) {
	f := strings.SplitN(s, ":", 4)
	if len(f) != 4 || f[2] == "" || f[3] == "" {
		return handle{}, false
	}
	ms, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil {
		return handle{}, false
	}
	return handle{at: time.UnixMilli(ms), guild: f[1] == "g", app: f[2], token: f[3]}, true
}

// sendWebhook sends replies through the interaction's webhook.
func (b *Bot) sendWebhook(ctx context.Context, h handle, to bot.Address, replies []bot.Reply) error {
	i := &discordgo.Interaction{AppID: h.app, Token: h.token}
	var flags discordgo.MessageFlags
	if h.guild {
		flags = discordgo.MessageFlagsEphemeral
	}
	inPlace := false
	for _, r := range replies {
		if r.Kind != bot.Send && r.Kind != bot.Edit {
			continue
		}
		if r.Text == "" && len(r.Buttons) == 0 && r.File == nil {
			continue
		}
		if (r.Kind == bot.Edit || r.Supersedes) && to.MessageID != "" && !inPlace {
			// The pressed message, which a deferred update left as it
			// was: editing it again shows the same, so a resend is safe.
			inPlace = true
			content, comps := b.message(r)
			edit := &discordgo.WebhookEdit{Content: &content, Components: &comps, AllowedMentions: noMentions(), Files: attachment(r.File)}
			_, err := b.s.InteractionResponseEdit(i, edit, discordgo.WithContext(ctx))
			if err == nil {
				b.sent.Add(1)
				continue
			}
			b.errs.Add(1)
			if tokenGone(err) || !refused(err) {
				return fmt.Errorf("edit the pressed message: %w", err)
			}
			// The message can no longer be edited (deleted, say): the
			// reply is sent anew.
			b.log.Warn("edit of the pressed message refused, sending anew", "err", scrub(err, h.token))
		}
		parts := chunks(r.Text)
		for n, part := range parts {
			params := &discordgo.WebhookParams{Content: part, Components: []discordgo.MessageComponent{}, Flags: flags, AllowedMentions: noMentions()}
			if n == len(parts)-1 {
				params.Components = b.components(r.Buttons)
				params.Files = attachment(r.File)
			}
			if _, err := b.s.FollowupMessageCreate(i, true, params, discordgo.WithContext(ctx)); err != nil {
				b.errs.Add(1)
				return fmt.Errorf("send follow-up: %w", err)
			}
			b.sent.Add(1)
		}
	}
	return nil
}

// sendDM sends replies to the learner's DM channel. See Send for what a
// refusal does.
func (b *Bot) sendDM(ctx context.Context, to bot.Address, replies []bot.Reply) error {
	channelID, err := b.dmChannel(ctx, to.UserID)
	if err == nil {
		err = b.send(ctx, channelID, replies)
	}
	if err == nil {
		return nil
	}
	if !cannotSend(err) {
		return fmt.Errorf("send to discord user %s: %w", to.UserID, err)
	}
	b.dms.Delete(to.UserID)
	own := to.ChatID == "" || to.ChatID == to.UserID || to.ChatID == channelID
	if own {
		return fmt.Errorf("send to discord user %s: %w", to.UserID, bot.ErrUnreachable)
	}
	if b.cfg.Reach != nil {
		if rerr := b.cfg.Reach.MarkUnreachable(ctx, Platform, to.UserID, ""); rerr != nil {
			b.log.Error("mark DM unreachable", "err", rerr, "user", to.UserID)
		}
	}
	return fmt.Errorf("send to discord user %s by DM: the DM refuses: %w", to.UserID, bot.ErrRejected)
}

// tokenGone reports whether Discord no longer knows the interaction's
// webhook (10015 Unknown Webhook, 50027 Invalid Webhook Token, or a 401 on
// it): its replies go by DM instead.
func tokenGone(err error) bool {
	var rest *discordgo.RESTError
	if !errors.As(err, &rest) {
		return false
	}
	if rest.Message != nil && (rest.Message.Code == discordgo.ErrCodeUnknownWebhook || rest.Message.Code == 50027) {
		return true
	}
	return rest.Response != nil && rest.Response.StatusCode == http.StatusUnauthorized
}

// refused reports whether Discord refused the request itself for good (a
// 4xx other than 429): sending it again cannot help.
func refused(err error) bool {
	var rest *discordgo.RESTError
	if !errors.As(err, &rest) || rest.Response == nil {
		return false
	}
	c := rest.Response.StatusCode
	return c >= 400 && c < 500 && c != http.StatusTooManyRequests
}

// scrubbed is an error whose text has a secret (an interaction token, which
// a failed request's URL carries) replaced; errors.Is and As still see the
// original.
type scrubbed struct {
	err error
	msg string
}

func (e *scrubbed) Error() string { return e.msg }
func (e *scrubbed) Unwrap() error { return e.err }

// scrub hides token in err's text (nil stays nil).
func scrub(err error, token string) error {
	if err == nil || token == "" {
		return err
	}
	msg := err.Error()
	if !strings.Contains(msg, token) && !strings.Contains(msg, url.PathEscape(token)) {
		return err
	}
	msg = strings.ReplaceAll(msg, token, "[interaction-token]")
	msg = strings.ReplaceAll(msg, url.PathEscape(token), "[interaction-token]")
	return &scrubbed{err: err, msg: msg}
}
