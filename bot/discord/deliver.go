package discord

import (
	"context"
	"errors"
	"fmt"

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

// Send implements bot.Sender: the engine's outbox delivers the learner's
// later messages (comparisons, reminders) through it, by DM as Deliver.
//
// Announcements (to.Bulk) are paced by Config.BulkRate, so they never use
// up the global limit that replies share with them.
func (b *Bot) Send(ctx context.Context, to bot.Address, replies []bot.Reply) error {
	if to.Bulk {
		if err := b.bulk.WaitN(ctx, max(len(replies), 1)); err != nil {
			return err
		}
	}
	return b.Deliver(ctx, to.UserID, to.ChatID, replies)
}
