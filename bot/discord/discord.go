// Package discord connects the tutor to Discord as a native app: slash
// commands, buttons as message components, a modal for the practice
// template, ephemeral replies in server channels so a class can share one
// channel, typed text in DMs, and reminders by DM. It is the only importer
// of discordgo: interactions and messages become bot.Events at the edge and
// bot.Replies become interaction responses, follow-ups and messages.
package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"
	"golang.org/x/time/rate"

	"tutorbot/bot"
	"tutorbot/redact"
	"tutorbot/render"
)

// Platform is the name of this platform in events and learner keys.
const Platform = "discord"

// MaxCustomID is Discord's limit on a component's custom_id, in characters.
const MaxCustomID = 100

// MaxContent is Discord's limit on a message's content, in characters.
const MaxContent = 2000

// DefaultSlowAfter is how long an interaction waits for the handler before
// it is deferred; Discord drops interactions not answered within 3 s.
const DefaultSlowAfter = 1500 * time.Millisecond

// handleTimeout bounds one step of the conversation: an interaction token
// is valid for 15 minutes after the interaction.
const handleTimeout = 10 * time.Minute

// Config configures a Bot.
type Config struct {
	// Token is the bot token, without the "Bot " prefix. Never logged.
	Token string
	// GuildID, when set, registers the slash commands on that server only
	// (they update at once); otherwise they are registered globally.
	GuildID string
	// AppID is the application id; when empty it is looked up (GET
	// /users/@me: a bot user's id is its application's id).
	AppID string
	// Handler runs one step of a learner's conversation (the engine).
	Handler bot.Handler
	// Reach is told when a learner cannot be written to (error 50007).
	Reach bot.Reachability
	// Commands are registered as slash commands. When empty and Handler has
	// a Commands() []bot.Command method, those are used.
	Commands []bot.Command
	// Log receives the adapter's log lines; nil discards them.
	Log *slog.Logger
	// HTTPClient carries the REST calls (tests: a transport that rewrites
	// requests to a fake server). Nil means a client with a 20 s timeout that
	// keeps up to 128 connections alive.
	HTTPClient *http.Client
	// SlowAfter is how long an interaction waits for Handler before it is
	// deferred (default 1.5 s).
	SlowAfter time.Duration
	// Prefill, when set, returns the learner's last practice answers (task,
	// where it runs, GPU memory, constraints) to pre-fill the modal.
	Prefill func(ctx context.Context, userID string) [4]string
	// PracticeCommand names the slash command that opens the practice
	// modal (default "practice").
	PracticeCommand string
	// BulkRate bounds announcements, in messages per second (default
	// DefaultBulkRate): the rest of Discord's global 50 a second stays
	// free for replies to learners who are talking to the tutor.
	BulkRate float64
	// Now is the clock for interaction token lifetimes (default time.Now).
	Now func() time.Time
	// Outbox, when set, tells whether the engine delivers Discord replies
	// through its outbox (bot.Engine does, once this Bot is its Discord
	// messenger); when nil, Handler is asked if it can tell.
	Outbox Outbox
}

// Outbox tells whether the replies to a platform's events go through the
// engine's outbox (bot.Engine).
type Outbox interface {
	DeliversViaOutbox(platform string) bool
}

// DefaultBulkRate is the default Config.BulkRate: half of Discord's
// global limit.
const DefaultBulkRate = 25

// Stats counts what the adapter did since it started.
type Stats struct {
	// Interactions is the number of interactions handled.
	Interactions int64
	// Deferred is the number of interactions deferred because the handler
	// was slow.
	Deferred int64
	// DirectMessages is the number of DM messages handled.
	DirectMessages int64
	// MessagesSent counts messages posted or updated (responses,
	// follow-ups, channel messages).
	MessagesSent int64
	// RateLimited counts 429 answers from Discord (waited out by discordgo).
	RateLimited int64
	// Errors counts failed REST calls and handler errors.
	Errors int64
}

// Bot is the Discord adapter. It implements bot.Messenger.
type Bot struct {
	s         *discordgo.Session
	cfg       Config
	log       *slog.Logger
	slowAfter time.Duration
	practice  string

	appID atomic.Pointer[string]
	base  atomic.Pointer[context.Context]

	locks    userLocks
	inflight inflight
	dms      sync.Map // userID -> DM channel id
	guilds   guildNames

	interactions, deferred, directMsgs, sent, rateLimited, errs atomic.Int64

	conn bot.Connection // the gateway connection; down until it connects

	bulk *rate.Limiter // paces announcements (Config.BulkRate)
}

var _ bot.Sender = (*Bot)(nil)

// New prepares a Bot without touching the network.
func New(cfg Config) (*Bot, error) {
	if cfg.Token == "" {
		return nil, errors.New("discord: no bot token")
	}
	if cfg.Handler == nil {
		return nil, errors.New("discord: no handler")
	}
	s, err := discordgo.New("Bot " + cfg.Token)
	if err != nil {
		return nil, fmt.Errorf("create discord session: %w", err)
	}
	if cfg.BulkRate <= 0 {
		cfg.BulkRate = DefaultBulkRate
	}
	b := &Bot{s: s, cfg: cfg, log: cfg.Log, slowAfter: cfg.SlowAfter, practice: cfg.PracticeCommand, bulk: rate.NewLimiter(rate.Limit(cfg.BulkRate), 1)}
	if b.log == nil {
		b.log = slog.New(slog.DiscardHandler)
	}
	b.log = slog.New(redact.Handler(b.log.Handler(), redact.New(cfg.Token))).With("platform", Platform)
	if b.slowAfter <= 0 {
		b.slowAfter = DefaultSlowAfter
	}
	if b.practice == "" {
		b.practice = "practice"
	}
	if cfg.AppID != "" {
		id := cfg.AppID
		b.appID.Store(&id)
	}
	ctx := context.Background()
	b.base.Store(&ctx)

	client := cfg.HTTPClient
	if client == nil {
		client = newHTTPClient()
	}
	c := *client
	base := c.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	c.Transport = countingTransport{base: base, rateLimited: &b.rateLimited}
	s.Client = &c
	s.LogLevel = discordgo.LogError
	// Interactions need no intent; DMs need IntentsDirectMessages, and DM
	// content needs no privileged intent.
	s.Identify.Intents = discordgo.IntentsDirectMessages
	s.StateEnabled = false
	// discordgo hands typed handlers whatever part of an event decoded,
	// even when decoding failed; the raw event lets the adapter decode
	// each one itself and skip a bad one instead of acting on half of it.
	s.AddHandler(b.onEvent)
	b.conn.Down(time.Now())
	s.AddHandler(func(*discordgo.Session, *discordgo.Connect) { b.conn.Up() })
	s.AddHandler(func(*discordgo.Session, *discordgo.Disconnect) { b.conn.Down(time.Now()) })
	return b, nil
}

// Connection reports whether the gateway connection is up, for health
// checks.
func (b *Bot) Connection() *bot.Connection { return &b.conn }

// onEvent decodes a gateway event the adapter handles (an interaction, a
// message) and passes it on. One that does not decode is logged, without
// its content, and skipped; the events after it are handled as usual.
func (b *Bot) onEvent(s *discordgo.Session, e *discordgo.Event) {
	if e == nil {
		return
	}
	switch e.Type {
	case "INTERACTION_CREATE":
		var ic discordgo.InteractionCreate
		if err := json.Unmarshal(e.RawData, &ic); err != nil {
			b.skipEvent(e, err)
			return
		}
		b.onInteraction(s, &ic)
	case "MESSAGE_CREATE":
		var mc discordgo.MessageCreate
		if err := json.Unmarshal(e.RawData, &mc); err != nil {
			b.skipEvent(e, err)
			return
		}
		b.onMessage(s, &mc)
	}
}

func (b *Bot) skipEvent(e *discordgo.Event, err error) {
	b.errs.Add(1)
	b.log.Warn("event skipped: cannot decode it", "event", e.Type, "seq", e.Sequence, "err", err)
}

// Platform names the platform ("discord").
func (b *Bot) Platform() string { return Platform }

// Format is Discord Markdown.
func (b *Bot) Format() render.Format { return render.DiscordMarkdown }

// Stats returns the counters so far.
func (b *Bot) Stats() Stats {
	return Stats{
		Interactions:   b.interactions.Load(),
		Deferred:       b.deferred.Load(),
		DirectMessages: b.directMsgs.Load(),
		MessagesSent:   b.sent.Load(),
		RateLimited:    b.rateLimited.Load(),
		Errors:         b.errs.Load(),
	}
}

// Run registers the slash commands, connects to the gateway and handles
// interactions and DMs until ctx ends; then it closes the gateway and waits
// (up to 10 s) for steps in progress to finish sending.
func (b *Bot) Run(ctx context.Context) error {
	base := context.WithoutCancel(ctx)
	b.base.Store(&base)
	if err := b.Register(ctx); err != nil {
		return err
	}
	if err := b.s.Open(); err != nil {
		return fmt.Errorf("open discord gateway: %w", err)
	}
	b.log.Info("connected to discord")
	<-ctx.Done()
	err := b.s.Close()
	if !b.inflight.closeAndWait(10 * time.Second) {
		b.log.Warn("steps still running at shutdown")
	}
	if err != nil {
		return fmt.Errorf("close discord gateway: %w", err)
	}
	return nil
}

// Register overwrites the application's slash commands with cfg.Commands
// (on cfg.GuildID, or globally).
func (b *Bot) Register(ctx context.Context) error {
	appID, err := b.resolveAppID(ctx)
	if err != nil {
		return err
	}
	cmds := b.cfg.Commands
	if len(cmds) == 0 {
		if lister, ok := b.cfg.Handler.(interface{ Commands() []bot.Command }); ok {
			cmds = lister.Commands()
		}
	}
	out := b.applicationCommands(cmds)
	if len(out) == 0 {
		// An empty overwrite would delete every command users see.
		b.log.Warn("no slash commands to register; registration skipped")
		return nil
	}
	got, err := b.s.ApplicationCommandBulkOverwrite(appID, b.cfg.GuildID, out, discordgo.WithContext(ctx))
	if err != nil {
		b.errs.Add(1)
		return fmt.Errorf("register discord commands: %w", err)
	}
	b.log.Info("registered slash commands", "count", len(got), "guild", b.cfg.GuildID)
	return nil
}

func (b *Bot) resolveAppID(ctx context.Context) (string, error) {
	if p := b.appID.Load(); p != nil {
		return *p, nil
	}
	u, err := b.s.User("@me", discordgo.WithContext(ctx))
	if err != nil {
		return "", fmt.Errorf("look up discord application id: %w", err)
	}
	id := u.ID
	b.appID.Store(&id)
	return id, nil
}

func (b *Bot) ctx() context.Context { return *b.base.Load() }

func (b *Bot) now() time.Time {
	if b.cfg.Now != nil {
		return b.cfg.Now()
	}
	return time.Now()
}

// maxConns is how many connections to Discord the default client keeps
// alive: interactions are handled concurrently, each with a REST call or
// two in flight.
const maxConns = 128

// newHTTPClient is the default client for REST calls. Go's default
// transport keeps 2 idle connections per host, so concurrent interactions
// would dial (and TLS-handshake) Discord again for almost every call.
func newHTTPClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = maxConns
	tr.MaxIdleConnsPerHost = maxConns
	return &http.Client{Timeout: 20 * time.Second, Transport: tr}
}

// countingTransport counts 429 answers.
type countingTransport struct {
	base        http.RoundTripper
	rateLimited *atomic.Int64
}

// RoundTrip sends req and counts a 429 answer.
func (t countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err == nil && resp.StatusCode == http.StatusTooManyRequests {
		t.rateLimited.Add(1)
	}
	return resp, err
}

// userLocks serialises the steps of one learner while different learners
// run concurrently.
type userLocks struct {
	mu sync.Mutex
	m  map[string]*userLock
}

type userLock struct {
	mu   sync.Mutex
	refs int
}

func (l *userLocks) lock(key string) (unlock func()) {
	l.mu.Lock()
	if l.m == nil {
		l.m = map[string]*userLock{}
	}
	ul := l.m[key]
	if ul == nil {
		ul = &userLock{}
		l.m[key] = ul
	}
	ul.refs++
	l.mu.Unlock()
	ul.mu.Lock()
	return func() {
		ul.mu.Unlock()
		l.mu.Lock()
		ul.refs--
		if ul.refs == 0 {
			delete(l.m, key)
		}
		l.mu.Unlock()
	}
}

// inflight tracks running steps so shutdown can wait for them.
type inflight struct {
	mu     sync.Mutex
	n      int
	closed bool
	idle   chan struct{}
}

func (f *inflight) begin() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return false
	}
	f.n++
	return true
}

func (f *inflight) end() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n--
	if f.n == 0 && f.idle != nil {
		close(f.idle)
		f.idle = nil
	}
}

// closeAndWait refuses new steps and waits for running ones; it reports
// whether they all finished in time.
func (f *inflight) closeAndWait(timeout time.Duration) bool {
	f.mu.Lock()
	f.closed = true
	if f.n == 0 {
		f.mu.Unlock()
		return true
	}
	if f.idle == nil {
		f.idle = make(chan struct{})
	}
	ch := f.idle
	f.mu.Unlock()
	select {
	case <-ch:
		return true
	case <-time.After(timeout):
		return false
	}
}
