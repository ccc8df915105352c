// Package telegram runs the tutor in Telegram chats. It is the only importer
// of go-telegram-bot-api: it polls updates (or receives them by webhook),
// turns them into bot.Events at the edge, runs them through a bot.Handler
// with per-chat order and bounded parallelism, and sends the replies as
// Telegram HTML with inline keyboards, within Telegram's rate limits.
package telegram

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"tutorbot/bot"
	"tutorbot/redact"
	"tutorbot/render"
)

// DefaultAPIURL is the official Bot API server.
const DefaultAPIURL = "https://api.telegram.org"

// Platform is the platform name in events and learner keys.
const Platform = "telegram"

// Config configures a Bot. Token and Handler are required.
type Config struct {
	// Token is the bot token from @BotFather. It never appears in logs or
	// errors.
	Token string
	// APIURL is the Bot API server's base URL, like http://localhost:8081
	// for a self-hosted server (default DefaultAPIURL). The bot appends
	// /bot<token>/<method>.
	APIURL string
	// Handler runs the tutor for each event.
	Handler bot.Handler
	// Reach is told when a learner blocked the bot (optional).
	Reach bot.Reachability
	// Commands fill Telegram's command menu (setMyCommands) at start.
	Commands []bot.Command
	// Workers bounds how many chats are handled at once (default 16).
	Workers int
	// PerChatRate is messages per second to one chat (default 1, burst
	// PerChatBurst).
	PerChatRate float64
	// PerChatBurst is the per-chat burst (default 3).
	PerChatBurst int
	// GroupRate is messages per second to one group chat (default 20 per
	// minute, Telegram's group limit); never above PerChatRate.
	GroupRate float64
	// GlobalRate is messages per second overall (default 30).
	GlobalRate float64
	// PollTimeout is the long-poll timeout (default 50 s).
	PollTimeout time.Duration
	// TypingAfter is how long Handle may run before a "typing" action is
	// shown (default 300 ms); it is repeated every 4 s until done.
	TypingAfter time.Duration
	// HTTPClient makes the requests (default: a client whose timeout is
	// PollTimeout plus 15 s, keeping two connections per worker alive). Its
	// timeout must exceed PollTimeout.
	HTTPClient *http.Client
	// Log receives the bot's log lines (default: discarded).
	Log *slog.Logger
	// Webhook switches from long polling to webhook mode (optional).
	Webhook *WebhookConfig
}

// WebhookConfig turns on webhook mode: Telegram posts updates to URL, which
// must reach Listen (or wherever the caller mounts Bot.WebhookHandler).
type WebhookConfig struct {
	// URL is the public HTTPS URL given to Telegram (setWebhook).
	URL string
	// Listen is the local address Run serves the webhook on, like ":8443".
	// Empty: Run serves nothing and the caller mounts WebhookHandler.
	Listen string
	// SecretToken is sent by Telegram in X-Telegram-Bot-Api-Secret-Token;
	// requests without it are refused. 1-256 characters A-Z a-z 0-9 _ -.
	SecretToken string
}

// Stats are counters for metrics.
type Stats struct {
	// UpdatesHandled counts updates whose replies were sent or failed for good.
	UpdatesHandled int64
	// MessagesSent counts successful sendMessage and edit calls.
	MessagesSent int64
	// CallbacksAnswered counts answered button presses.
	CallbacksAnswered int64
	// RateLimited counts 429 answers from Telegram.
	RateLimited int64
	// Unreachable counts 403 answers (learner blocked the bot).
	Unreachable int64
	// Errors counts calls that failed for good and handler errors.
	Errors int64
}

type counters struct {
	updates, sent, answered, limited, unreachable, errors atomic.Int64
}

// Bot is a Telegram adapter for the tutor. It implements bot.Messenger.
type Bot struct {
	cfg Config
	api *tgbotapi.BotAPI // template: each call uses a copy with its own context
	// endpoint is the Bot API URL pattern (token, method) for calls made
	// without the library.
	endpoint string
	http     *http.Client
	log      *slog.Logger
	secrets  *redact.Secrets // the token in every form
	self     string          // bot username, lower case
	global   *pacer
	// requests bounds the Bot API requests in flight (getUpdates aside).
	requests chan struct{}
	// globalTurn bounds the callers waiting for global (see waitGlobal).
	globalTurn chan struct{}
	stats      counters
	conn       bot.Connection // long polling's connection to the Bot API
	// bulkTurn bounds the announcements waiting for global (see waitBulk).
	bulkTurn chan struct{}

	chatsMu   sync.Mutex
	chats     map[int64]*chatLimit
	lastSweep time.Time

	answers sync.WaitGroup // callback answers in flight

	runMu sync.Mutex
	pipe  *pipeline // set while Run runs
	hooks *recentIDs
}

var _ bot.Sender = (*Bot)(nil)

// New checks the token with getMe and returns a Bot ready to Run.
func New(ctx context.Context, cfg Config) (*Bot, error) {
	if cfg.Token == "" {
		return nil, errors.New("telegram: no token")
	}
	if cfg.Handler == nil {
		return nil, errors.New("telegram: no handler")
	}
	if cfg.APIURL == "" {
		cfg.APIURL = DefaultAPIURL
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 16
	}
	if cfg.PerChatRate <= 0 {
		cfg.PerChatRate = 1
	}
	if cfg.PerChatBurst <= 0 {
		cfg.PerChatBurst = 3
	}
	if cfg.GroupRate <= 0 {
		cfg.GroupRate = 20.0 / 60
	}
	cfg.GroupRate = min(cfg.GroupRate, cfg.PerChatRate)
	if cfg.GlobalRate <= 0 {
		cfg.GlobalRate = 30
	}
	if cfg.PollTimeout <= 0 {
		cfg.PollTimeout = 50 * time.Second
	}
	if cfg.TypingAfter <= 0 {
		cfg.TypingAfter = 300 * time.Millisecond
	}
	if cfg.HTTPClient == nil {
		// One host, many workers: keep alive a connection for each request
		// a worker can have in flight (its reply and its answer to the
		// press) and for the poll. The default keeps 2 per host and 100 in
		// all, and dials again for every other request.
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 2*cfg.Workers + 4
		tr.MaxIdleConns = tr.MaxIdleConnsPerHost
		cfg.HTTPClient = &http.Client{Timeout: cfg.PollTimeout + 15*time.Second, Transport: tr}
	}
	logger := cfg.Log
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	secrets := redact.New(cfg.Token)
	logger = slog.New(redact.Handler(logger.Handler(), secrets)).With("platform", Platform)
	if w := cfg.Webhook; w != nil {
		if !strings.HasPrefix(w.URL, "https://") {
			return nil, errors.New("telegram: webhook URL must start with https://")
		}
		if w.SecretToken == "" {
			return nil, errors.New("telegram: webhook needs a secret token")
		}
	}
	b := &Bot{
		cfg:        cfg,
		http:       cfg.HTTPClient,
		log:        logger,
		global:     newPacer(cfg.GlobalRate),
		globalTurn: make(chan struct{}, globalAhead),
		bulkTurn:   make(chan struct{}, bulkAhead),
		requests:   make(chan struct{}, 2*cfg.Workers+2),
		chats:      map[int64]*chatLimit{},
		hooks:      newRecentIDs(4096),
		secrets:    secrets,
	}
	endpoint := strings.ReplaceAll(strings.TrimRight(cfg.APIURL, "/"), "%", "%%") + "/bot%s/%s"
	api, err := tgbotapi.NewBotAPIWithClient(cfg.Token, endpoint, &ctxClient{ctx: ctx, c: cfg.HTTPClient, secrets: secrets})
	if err != nil {
		return nil, fmt.Errorf("telegram: check token (getMe): %w", redactErr(err, secrets))
	}
	b.api, b.endpoint = api, endpoint
	b.self = strings.ToLower(api.Self.UserName)
	b.log.Info("telegram bot ready", "username", api.Self.UserName)
	return b, nil
}

// with returns a copy of the library client whose requests carry ctx.
func (b *Bot) with(ctx context.Context) *tgbotapi.BotAPI {
	c := *b.api
	c.Client = &ctxClient{ctx: ctx, c: b.http, secrets: b.secrets}
	return &c
}

// Username is the bot's Telegram username.
func (b *Bot) Username() string { return b.api.Self.UserName }

var _ bot.JoinLinker = (*Bot)(nil)

// JoinLink is the deep link https://t.me/<bot>?start=<payload> that opens
// the tutor's private chat and sends /start payload.
func (b *Bot) JoinLink(payload string) string {
	if b.api.Self.UserName == "" {
		return ""
	}
	return "https://t.me/" + url.PathEscape(b.api.Self.UserName) + "?start=" + url.QueryEscape(payload)
}

// Platform implements bot.Messenger.
func (b *Bot) Platform() string { return Platform }

// Format implements bot.Messenger.
func (b *Bot) Format() render.Format { return render.TelegramHTML }

// Connection reports whether long polling reaches the Bot API (always up
// in webhook mode), for health checks.
func (b *Bot) Connection() *bot.Connection { return &b.conn }

// Stats returns a snapshot of the bot's counters.
func (b *Bot) Stats() Stats {
	return Stats{
		UpdatesHandled:    b.stats.updates.Load(),
		MessagesSent:      b.stats.sent.Load(),
		CallbacksAnswered: b.stats.answered.Load(),
		RateLimited:       b.stats.limited.Load(),
		Unreachable:       b.stats.unreachable.Load(),
		Errors:            b.stats.errors.Load(),
	}
}

// Deliver implements bot.Messenger: it sends replies the tutor starts itself
// (reminders) to chatID (userID's private chat when chatID is empty). It
// returns an error wrapping bot.ErrUnreachable, after telling Reach, when
// Telegram refuses (403).
func (b *Bot) Deliver(ctx context.Context, userID, chatID string, replies []bot.Reply) error {
	if chatID == "" {
		chatID = userID
	}
	chat, err := strconv.ParseInt(chatID, 10, 64)
	if err != nil {
		return fmt.Errorf("deliver to telegram chat %q: bad chat id", chatID)
	}
	t := target{chat: chat, user: userID}
	if err := b.sendReplies(ctx, t, replies); err != nil {
		return fmt.Errorf("deliver to telegram chat %d: %w", chat, err)
	}
	return nil
}

// Send implements bot.Sender: it delivers the replies of one outbox entry
// to its chat (in its forum topic), the first edit or next page in place
// of the pressed message. A 403 comes back wrapping bot.ErrUnreachable (the
// engine marks the chat), a 400 wrapping bot.ErrRejected; 429s are waited
// out here, other failures are retried a few times, then returned for the
// outbox to retry later.
func (b *Bot) Send(ctx context.Context, to bot.Address, replies []bot.Reply) error {
	chatID := to.ChatID
	if chatID == "" {
		chatID = to.UserID
	}
	chat, err := strconv.ParseInt(chatID, 10, 64)
	if err != nil || chat == 0 {
		return fmt.Errorf("send to telegram chat %q: %w: bad chat id", chatID, bot.ErrRejected)
	}
	t := target{chat: chat, user: to.UserID}
	t.msgID, _ = strconv.Atoi(to.MessageID)
	t.thread, _ = strconv.Atoi(to.ThreadID)
	opts := outboxOpts
	if to.Bulk {
		opts = bulkOpts
	}
	inPlace := false
	for _, r := range replies {
		if r.Kind == bot.Ack || r.Kind == bot.Typing {
			continue
		}
		var err error
		if (r.Kind == bot.Edit || r.Supersedes) && t.msgID != 0 && !inPlace {
			inPlace = true
			err = b.editWith(ctx, chat, t.msgID, r, opts)
			if err != nil && !errors.Is(err, bot.ErrUnreachable) && !transient(err) && ctx.Err() == nil {
				b.log.Warn("edit failed, sending anew", "chat", chat, "err", err)
				err = b.sendWith(ctx, chat, t.thread, r, opts)
			}
		} else {
			err = b.sendWith(ctx, chat, t.thread, r, opts)
		}
		if err != nil {
			var te *tgbotapi.Error
			if errors.As(err, &te) && te.Code == 400 {
				err = fmt.Errorf("%w: %w", bot.ErrRejected, err)
			}
			if ctx.Err() == nil {
				b.stats.errors.Add(1)
			}
			return fmt.Errorf("send to telegram chat %d: %w", chat, err)
		}
	}
	return nil
}

// bulkAhead is how many announcements may hold a reservation of the global
// limiter at once: two, so a sender that wakes late does not cost the next
// one its slot, and a reply waits behind at most two.
const bulkAhead = 2

// globalAhead is how many callers may hold a reservation of the global
// limiter at once (see waitGlobal).
const globalAhead = 16
