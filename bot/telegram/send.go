package telegram

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"golang.org/x/time/rate"

	"tutorbot/bot"
)

// chatLimit is one chat's send budget and its 429 pause.
type chatLimit struct {
	lim         *rate.Limiter
	pausedUntil time.Time
	lastUsed    time.Time
}

// idleLimit is how long an unused chat limiter is kept; after that a fresh
// one is equivalent (its bucket has long refilled).
const idleLimit = time.Minute

// chatLimiter returns the limiter of chat, creating it, and drops idle ones
// now and then so memory does not grow with every chat ever seen.
func (b *Bot) chatLimiter(chat int64) *chatLimit {
	now := time.Now()
	b.chatsMu.Lock()
	defer b.chatsMu.Unlock()
	if now.Sub(b.lastSweep) > idleLimit {
		b.sweepLocked(now)
	}
	cl := b.chats[chat]
	if cl == nil {
		r := b.cfg.PerChatRate
		if chat < 0 {
			r = b.cfg.GroupRate
		}
		cl = &chatLimit{lim: rate.NewLimiter(rate.Limit(r), b.cfg.PerChatBurst)}
		b.chats[chat] = cl
	}
	cl.lastUsed = now
	return cl
}

func (b *Bot) sweepLocked(now time.Time) {
	b.lastSweep = now
	for id, cl := range b.chats {
		if now.Sub(cl.lastUsed) > idleLimit && now.After(cl.pausedUntil) {
			delete(b.chats, id)
		}
	}
}

// waitChat waits for chat's 429 pause and its rate limiter.
func (b *Bot) waitChat(ctx context.Context, chat int64) error {
	cl := b.chatLimiter(chat)
	b.chatsMu.Lock()
	until := cl.pausedUntil
	b.chatsMu.Unlock()
	if err := sleep(ctx, time.Until(until)); err != nil {
		return err
	}
	return cl.lim.Wait(ctx)
}

func (b *Bot) pauseChat(chat int64, d time.Duration) {
	cl := b.chatLimiter(chat)
	b.chatsMu.Lock()
	if t := time.Now().Add(d); t.After(cl.pausedUntil) {
		cl.pausedUntil = t
	}
	b.chatsMu.Unlock()
}

// waitGlobal waits for a place under the global limit (the pacer), at
// most globalAhead callers at a time, so that an announcement (waitBulk)
// can tell that a reply waits. The caller releases the place when the
// request's answer comes back.
func (b *Bot) waitGlobal(ctx context.Context) error {
	select {
	case b.globalTurn <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-b.globalTurn }()
	return b.global.acquire(ctx)
}

// waitBulk waits for a slot of the global limiter for an announcement:
// at most bulkAhead bulk senders hold a reservation, taken only while no
// other message waits for one (waitGlobal), so a reply to a learner who
// is talking to the tutor waits behind at most bulkAhead announcements.
func (b *Bot) waitBulk(ctx context.Context) error {
	select {
	case b.bulkTurn <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-b.bulkTurn }()
	for len(b.globalTurn) > 0 {
		if err := sleep(ctx, time.Millisecond); err != nil {
			return err
		}
	}
	return b.global.acquire(ctx)
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// backoff is the wait before retry number attempt (0-based): exponential
// from base, capped, with full jitter in its upper half.
func backoff(attempt int, base, limit time.Duration) time.Duration {
	d := base << min(attempt, 20)
	if d > limit || d <= 0 {
		d = limit
	}
	return d/2 + rand.N(d/2+1)
}

// callOpts says how a call is limited and retried.
type callOpts struct {
	perChat  bool // counts against the chat's budget
	attempts int  // tries on network errors and 5xx
	cosmetic bool // on 429 give up (after pausing the chat) instead of waiting
	bulk     bool // an announcement: the global limiter serves others first
}

var (
	sendOpts = callOpts{perChat: true, attempts: 4}
	// outboxOpts try a send once more at most: the outbox retries it with
	// its own backoff, so a failing chat holds nothing.
	outboxOpts = callOpts{perChat: true, attempts: 2}
	// bulkOpts are outboxOpts for announcements.
	bulkOpts   = callOpts{perChat: true, attempts: 2, bulk: true}
	answerOpts = callOpts{attempts: 3}
	typingOpts = callOpts{attempts: 1, cosmetic: true}
)

// call makes one Bot API call within the rate limits. A 429 pauses the chat
// for retry_after and sends the same request again (never dropped); network
// errors and 5xx are retried a few times with backoff; a 403 returns an
// error wrapping bot.ErrUnreachable; other errors are returned as they are.
func (b *Bot) call(ctx context.Context, chat int64, c tgbotapi.Chattable, o callOpts) (*tgbotapi.APIResponse, error) {
	return b.do(ctx, chat, func(api *tgbotapi.BotAPI) (*tgbotapi.APIResponse, error) { return api.Request(c) }, o)
}

// do is call for a request made by req: for parameters the library's
// types lack (message_thread_id) and for uploads.
func (b *Bot) do(ctx context.Context, chat int64, req func(api *tgbotapi.BotAPI) (*tgbotapi.APIResponse, error), o callOpts) (*tgbotapi.APIResponse, error) {
	failures := 0
	for {
		if o.perChat {
			if err := b.waitChat(ctx, chat); err != nil {
				return nil, err
			}
		}
		wait := b.waitGlobal
		if o.bulk {
			wait = b.waitBulk
		}
		if err := wait(ctx); err != nil {
			return nil, err
		}
		// Requests in flight are bounded by the connections kept alive:
		// sends come from every chat with waiting replies, not only from
		// the workers, and each one beyond would dial anew.
		select {
		case b.requests <- struct{}{}:
		case <-ctx.Done():
			b.global.cancel()
			return nil, ctx.Err()
		}
		resp, err := req(b.with(ctx))
		b.global.release()
		<-b.requests
		if err == nil {
			return resp, nil
		}
		err = redactErr(err, b.secrets)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var te *tgbotapi.Error
		if errors.As(err, &te) && te.Message == "" {
			// An answer without a description must not log as err="".
			te.Message = fmt.Sprintf("Telegram answered error %d without a description", te.Code)
		}
		switch {
		case errors.As(err, &te) && te.Code == 429:
			b.stats.limited.Add(1)
			wait := time.Duration(max(te.RetryAfter, 1)) * time.Second
			b.log.Warn("telegram rate limit", "chat", chat, "retry_after", wait)
			switch {
			case o.cosmetic:
				if chat != 0 {
					b.pauseChat(chat, wait)
				}
				return nil, err
			case o.perChat:
				b.pauseChat(chat, wait)
			default:
				if err := sleep(ctx, wait); err != nil {
					return nil, err
				}
			}
			continue
		case errors.As(err, &te) && te.Code == 403:
			b.stats.unreachable.Add(1)
			return nil, fmt.Errorf("telegram refused (%s): %w", te.Message, bot.ErrUnreachable)
		case errors.As(err, &te) && te.Code < 500:
			return nil, err
		}
		failures++
		if failures >= o.attempts {
			return nil, err
		}
		b.log.Warn("telegram call failed, retrying", "chat", chat, "err", err)
		if err := sleep(ctx, backoff(failures-1, 200*time.Millisecond, 5*time.Second)); err != nil {
			return nil, err
		}
	}
}

// isNotModified reports Telegram's answer to an edit that changes nothing,
// which is not an error.
func isNotModified(err error) bool {
	var te *tgbotapi.Error
	return errors.As(err, &te) && strings.Contains(te.Message, "message is not modified")
}

// target is where an update's replies go.
type target struct {
	chat   int64
	user   string // learner, for Reach
	cbID   string // callback query to answer, if any
	msgID  int    // message whose button was pressed, if any
	thread int    // forum topic the update came from, if any
	toast  string // answer to a press the tutor refuses, if any
}

// sendReplies answers the callback (once, with the Ack text) and sends the
// replies in order. A 403 marks the learner unreachable and stops the batch;
// another failed reply is logged, the rest are still sent, and the first
// such error is returned.
func (b *Bot) sendReplies(ctx context.Context, t target, replies []bot.Reply) error {
	if t.cbID != "" {
		text := ""
		for _, r := range replies {
			if r.Kind == bot.Ack && r.Text != "" {
				text = r.Text
				break
			}
		}
		// Answering the press does not change the chat, so it runs beside
		// the replies, and a slow answer holds up neither them nor the
		// chat's next update; Run waits for it before returning.
		b.answers.Go(func() { b.answer(context.WithoutCancel(ctx), t.cbID, t.chat, text) })
	}
	inPlace := false // a reply already took the pressed message's place
	var first error
	for _, r := range replies {
		var err error
		switch r.Kind {
		case bot.Ack:
			continue
		case bot.Typing:
			b.typing(ctx, t.chat)
			continue
		}
		// An edit, or the next lesson page, takes the place of the message
		// pressed: one call, and the chat does not fill with old pages. If
		// the message can no longer be edited, the reply is sent anew.
		if (r.Kind == bot.Edit || r.Supersedes) && t.msgID != 0 && !inPlace {
			inPlace = true
			err = b.edit(ctx, t.chat, t.msgID, r)
			if err != nil && !errors.Is(err, bot.ErrUnreachable) && ctx.Err() == nil {
				b.log.Warn("edit failed, sending anew", "chat", t.chat, "err", err)
				err = b.sendTo(ctx, t.chat, t.thread, r)
			}
		} else {
			err = b.sendTo(ctx, t.chat, t.thread, r)
		}
		switch {
		case err == nil:
		case errors.Is(err, bot.ErrUnreachable):
			b.markUnreachable(ctx, t.user, t.chat)
			return err
		case ctx.Err() != nil:
			return ctx.Err()
		default:
			b.stats.errors.Add(1)
			b.log.Error("send reply", "chat", t.chat, "err", err)
			if first == nil {
				first = err
			}
		}
	}
	return first
}

func (b *Bot) markUnreachable(ctx context.Context, user string, chat int64) {
	b.log.Info("chat unreachable", "user", user, "chat", chat)
	if b.cfg.Reach == nil || user == "" {
		return
	}
	if err := b.cfg.Reach.MarkUnreachable(ctx, Platform, user, formatID(chat)); err != nil {
		b.log.Error("mark learner unreachable", "user", user, "err", err)
	}
}

// answer answers a callback query (stops the button's spinner), with text
// as a toast when not empty.
func (b *Bot) answer(ctx context.Context, id string, chat int64, text string) {
	p := tgbotapi.Params{"callback_query_id": id}
	p.AddNonEmpty("text", truncate(text, 200))
	if err := b.postCall(ctx, chat, "answerCallbackQuery", p, answerOpts); err != nil {
		if queryTooOld(err) {
			// A press redelivered after a restart: Telegram already gave
			// up on it; the learner saw the reply or presses again.
			b.log.Debug("answer callback query: too old", "chat", chat)
			return
		}
		if ctx.Err() == nil {
			b.stats.errors.Add(1)
			b.log.Error("answer callback query", "chat", chat, "err", err)
		}
		return
	}
	b.stats.answered.Add(1)
}

// queryTooOld reports Telegram's answer to a callback query it no longer
// accepts ("query is too old and response timeout expired or query ID is
// invalid").
func queryTooOld(err error) bool {
	var te *tgbotapi.Error
	return errors.As(err, &te) && strings.Contains(te.Message, "query is too old")
}

func (b *Bot) typing(ctx context.Context, chat int64) {
	// Cosmetic: never worth holding up the answer for long.
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := b.call(ctx, chat, tgbotapi.NewChatAction(chat, tgbotapi.ChatTyping), typingOpts); err != nil && ctx.Err() == nil {
		b.log.Debug("send typing", "chat", chat, "err", err)
	}
}

// sendTo sends r as a new message to chat, inside the forum topic thread
// when it is not 0. The parameters are built here, since the library's
// types have no message_thread_id; a reply with a file becomes a document
// (an image a photo) with the text as its caption.
func (b *Bot) sendTo(ctx context.Context, chat int64, thread int, r bot.Reply) error {
	return b.sendWith(ctx, chat, thread, r, sendOpts)
}

// sendWith is sendTo with the given call options.
func (b *Bot) sendWith(ctx context.Context, chat int64, thread int, r bot.Reply, o callOpts) error {
	if strings.TrimSpace(r.Text) == "" && r.File == nil {
		return nil // Telegram refuses empty messages; nothing to show
	}
	p := tgbotapi.Params{"chat_id": formatID(chat), "parse_mode": tgbotapi.ModeHTML}
	if thread != 0 {
		p["message_thread_id"] = strconv.Itoa(thread)
	}
	if kb := b.keyboard(r.Buttons); kb != nil {
		if err := p.AddInterface("reply_markup", kb); err != nil {
			return fmt.Errorf("send message: encode keyboard: %w", err)
		}
	}
	req := func(api *tgbotapi.BotAPI) (*tgbotapi.APIResponse, error) {
		p["text"], p["disable_web_page_preview"] = r.Text, "true"
		return b.post(api, "sendMessage", p)
	}
	what := "send message"
	if f := r.File; f != nil {
		method, field := "sendDocument", "document"
		what = "send document"
		if f.Image {
			what, method, field = "send photo", "sendPhoto", "photo"
		}
		req = func(api *tgbotapi.BotAPI) (*tgbotapi.APIResponse, error) {
			// A copy per attempt: the library writes the fields from a
			// goroutine that may still run after a failed attempt returns.
			q := maps.Clone(p)
			q["caption"] = r.Text
			files := []tgbotapi.RequestFile{{Name: field, Data: tgbotapi.FileBytes{Name: f.Name, Bytes: f.Data}}}
			return api.UploadFiles(method, q, files)
		}
	}
	if _, err := b.do(ctx, chat, req, o); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	b.stats.sent.Add(1)
	return nil
}

func (b *Bot) edit(ctx context.Context, chat int64, msgID int, r bot.Reply) error {
	return b.editWith(ctx, chat, msgID, r, sendOpts)
}

// editWith is edit with the given call options: the text, or only the
// buttons when the reply has no text.
func (b *Bot) editWith(ctx context.Context, chat int64, msgID int, r bot.Reply, o callOpts) error {
	p := tgbotapi.Params{"chat_id": formatID(chat), "message_id": strconv.Itoa(msgID)}
	if kb := b.keyboard(r.Buttons); kb != nil {
		if err := p.AddInterface("reply_markup", kb); err != nil {
			return fmt.Errorf("edit message: encode keyboard: %w", err)
		}
	}
	method := "editMessageReplyMarkup"
	if strings.TrimSpace(r.Text) != "" {
		method = "editMessageText"
		p["text"], p["parse_mode"], p["disable_web_page_preview"] = r.Text, tgbotapi.ModeHTML, "true"
	}
	if err := b.postCall(ctx, chat, method, p, o); err != nil && !isNotModified(err) {
		return fmt.Errorf("edit message: %w", err)
	}
	b.stats.sent.Add(1)
	return nil
}

// postCall is call for a method whose result the adapter does not read,
// made with post.
func (b *Bot) postCall(ctx context.Context, chat int64, method string, p tgbotapi.Params, o callOpts) error {
	_, err := b.do(ctx, chat, func(api *tgbotapi.BotAPI) (*tgbotapi.APIResponse, error) { return b.post(api, method, p) }, o)
	return err
}

// keyboard converts buttons to an inline keyboard (nil when there are none).
// Buttons Telegram would refuse (empty label, payload outside 1-64 bytes) are
// left out, so one bad button does not cost the whole message.
func (b *Bot) keyboard(rows [][]bot.Button) *tgbotapi.InlineKeyboardMarkup {
	var kb [][]tgbotapi.InlineKeyboardButton
	for _, row := range rows {
		var out []tgbotapi.InlineKeyboardButton
		for _, btn := range row {
			if btn.Label == "" || btn.Payload == "" || len(btn.Payload) > bot.MaxPayload {
				b.log.Error("button left out", "label", btn.Label, "payload_bytes", len(btn.Payload))
				continue
			}
			out = append(out, tgbotapi.NewInlineKeyboardButtonData(btn.Label, btn.Payload))
		}
		if len(out) > 0 {
			kb = append(kb, out)
		}
	}
	if len(kb) == 0 {
		return nil
	}
	return &tgbotapi.InlineKeyboardMarkup{InlineKeyboard: kb}
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func formatID(id int64) string { return strconv.FormatInt(id, 10) }

// transient reports a failure that may pass (a 5xx, a network error): an
// edit that failed so is retried as an edit, not sent anew.
func transient(err error) bool {
	var te *tgbotapi.Error
	if errors.As(err, &te) {
		return te.Code >= 500 || te.Code == 429
	}
	return !errors.Is(err, bot.ErrUnreachable)
}
