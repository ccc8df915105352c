package telegram

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"tutorbot/bot"
	"tutorbot/locale"
	"tutorbot/render"
)

// msgNotYourChat is the catalog id of the answer to a press on a message
// of another learner's chat.
const msgNotYourChat = "NotYourChat"

// chatOf is the chat an update belongs to, for ordering (0: none).
func chatOf(u update) int64 {
	switch {
	case u.Message != nil && u.Message.Chat != nil:
		return u.Message.Chat.ID
	case u.CallbackQuery != nil && u.CallbackQuery.Message != nil && u.CallbackQuery.Message.Chat != nil:
		return u.CallbackQuery.Message.Chat.ID
	case u.CallbackQuery != nil && u.CallbackQuery.From != nil:
		return u.CallbackQuery.From.ID
	}
	return 0
}

// toEvent converts an update at the edge. ok is false for updates the tutor
// ignores: channel posts, edits, messages without a user or without text,
// other bots, commands addressed to another bot.
func (b *Bot) toEvent(u update) (ev bot.Event, t target, ok bool) {
	ev = bot.Event{Platform: Platform, Format: render.TelegramHTML, ViaOutbox: true, Seq: int64(u.UpdateID)}
	switch {
	case u.Message != nil:
		m := u.Message
		if m.From == nil || m.From.IsBot || m.From.ID == 0 || m.Chat == nil || m.Chat.ID == 0 || strings.TrimSpace(m.Text) == "" {
			return ev, t, false
		}
		text, forUs := commandText(m.Text, b.self)
		if !forUs {
			return ev, t, false
		}
		ev.UserID, ev.ChatID, ev.Name, ev.Text, ev.Lang = formatID(m.From.ID), formatID(m.Chat.ID), name(m.From), text, m.From.LanguageCode
		t = target{chat: m.Chat.ID, user: ev.UserID}
		ev.Direct = m.Chat.Type == "private" || m.Chat.ID == m.From.ID
		if !ev.Direct {
			ev.GroupName = m.Chat.Title
		}
		if m.IsTopic && m.ThreadID != 0 {
			t.thread = m.ThreadID
			ev.ThreadID = strconv.Itoa(m.ThreadID)
		}
		return ev, t, true
	case u.CallbackQuery != nil:
		q := u.CallbackQuery
		t = target{chat: chatOf(u), cbID: q.ID}
		if q.Message != nil {
			t.msgID = q.Message.MessageID
			if q.Message.IsTopic && q.Message.ThreadID != 0 {
				t.thread = q.Message.ThreadID
			}
		}
		if q.From == nil || q.From.ID == 0 || q.Data == "" || q.ID == "" || t.chat == 0 {
			return ev, t, false // answered by the caller when it has an id
		}
		if t.chat > 0 && t.chat != q.From.ID {
			// A private chat that is not the presser's: Telegram sends no
			// such press, so it is forged; act on nothing there.
			t.toast = locale.Say(q.From.LanguageCode, msgNotYourChat)
			return ev, t, false
		}
		// The presser, not the message's addressee: in a group every member
		// acts on their own progress.
		ev.UserID, ev.ChatID, ev.Name, ev.Payload, ev.Lang = formatID(q.From.ID), formatID(t.chat), name(q.From), q.Data, q.From.LanguageCode
		if t.thread != 0 {
			ev.ThreadID = strconv.Itoa(t.thread)
		}
		t.user = ev.UserID
		ev.Direct = t.chat == q.From.ID
		if !ev.Direct && q.Message != nil && q.Message.Chat != nil {
			ev.GroupName = q.Message.Chat.Title
		}
		if t.msgID != 0 {
			ev.MessageID = strconv.Itoa(t.msgID)
		}
		return ev, t, true
	}
	return ev, t, false
}

func name(u *user) string {
	if u.FirstName != "" {
		return u.FirstName
	}
	return u.UserName
}

// commandText strips "@botname" from a command ("/next@tutor_bot" ->
// "/next", "/start@tutor_bot quiz" -> "/start quiz"). forUs is false when
// the command names another bot. Other text is returned unchanged.
func commandText(text, self string) (string, bool) {
	text = strings.TrimSpace(text)
	if !strings.HasPrefix(text, "/") {
		return text, true
	}
	cmd, rest, hasRest := strings.Cut(text, " ")
	c, addressee, named := strings.Cut(cmd, "@")
	if !named {
		return text, true
	}
	if self != "" && !strings.EqualFold(addressee, self) {
		return text, false
	}
	if hasRest {
		return c + " " + rest, true
	}
	return c, true
}

// handleUpdate runs one update through the handler and sends its replies.
// Every callback query is answered exactly once, whatever happens.
func (b *Bot) handleUpdate(ctx context.Context, u update) {
	defer b.stats.updates.Add(1)
	ev, t, ok := b.toEvent(u)
	if !ok {
		if t.cbID != "" {
			b.answer(ctx, t.cbID, t.chat, t.toast)
		}
		return
	}
	if !ev.Direct && isClassCommand(ev.Text) {
		ev.ChatAdmin = b.chatAdmin(ctx, t.chat, ev.UserID)
	}
	stop := b.typingWhileSlow(ctx, t.chat)
	replies, err := b.safeHandle(ctx, ev)
	stop()
	if err != nil {
		if ctx.Err() != nil {
			return
		}
		b.stats.errors.Add(1)
		b.log.Error("handle update", "update", u.UpdateID, "chat", t.chat, "err", err)
		switch {
		case len(replies) > 0:
			// The handler's own learner-facing apology.
		case t.cbID != "":
			replies = []bot.Reply{{Kind: bot.Ack, Text: locale.Say(ev.Lang, "ErrorShort")}}
		default:
			replies = []bot.Reply{{Kind: bot.Send, Text: locale.Say(ev.Lang, "ErrorShort")}}
		}
	}
	if err := b.sendReplies(ctx, t, replies); err != nil && ctx.Err() == nil {
		b.log.Info("replies stopped", "chat", t.chat, "err", err)
	}
}

// safeHandle runs the handler, turning a panic into an error so that one
// bad step neither stops the bot nor leaves a button spinning.
func (b *Bot) safeHandle(ctx context.Context, ev bot.Event) (replies []bot.Reply, err error) {
	defer func() {
		if r := recover(); r != nil {
			replies, err = nil, fmt.Errorf("handler panicked: %v", r)
		}
	}()
	return b.cfg.Handler.Handle(ctx, ev)
}

// typingWhileSlow shows "typing" in chat when Handle takes longer than
// TypingAfter, repeated every 4 s (Telegram shows it for 5 s) until stop.
func (b *Bot) typingWhileSlow(ctx context.Context, chat int64) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	timer := time.AfterFunc(b.cfg.TypingAfter, func() {
		defer close(finished)
		tick := time.NewTicker(4 * time.Second)
		defer tick.Stop()
		for {
			b.typing(ctx, chat)
			select {
			case <-tick.C:
			case <-done:
				return
			case <-ctx.Done():
				return
			}
		}
	})
	return func() {
		close(done)
		if !timer.Stop() {
			<-finished // a typing call in flight must not land after the answer
		}
	}
}

// isClassCommand reports whether text is /class, the one command that
// needs to know whether the learner administers the group.
func isClassCommand(text string) bool {
	name, _, _ := strings.Cut(text, " ")
	return strings.EqualFold(name, "/class") || name == "/класс"
}

// chatAdmin asks Telegram whether user is the creator or an administrator
// of chat (getChatMember); any failure counts as no.
func (b *Bot) chatAdmin(ctx context.Context, chat int64, user string) bool {
	id, err := strconv.ParseInt(user, 10, 64)
	if err != nil {
		return false
	}
	resp, err := b.do(ctx, chat, func(api *tgbotapi.BotAPI) (*tgbotapi.APIResponse, error) {
		return api.MakeRequest("getChatMember", tgbotapi.Params{"chat_id": formatID(chat), "user_id": formatID(id)})
	}, answerOpts)
	if err != nil {
		b.log.Info("get chat member", "chat", chat, "err", err)
		return false
	}
	var m struct {
		Status string `json:"status"`
	}
	if json.Unmarshal(resp.Result, &m) != nil {
		return false
	}
	return m.Status == "creator" || m.Status == "administrator"
}
