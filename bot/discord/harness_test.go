package discord

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"tutorbot/bot"
	"tutorbot/bot/discord/discordtest"
	"tutorbot/lessons"
	"tutorbot/storage"
)

// Test fixtures: one server channel shared by a class, and learners.
const (
	guildID  = "900000000000000001"
	classCh  = "900000000000000002"
	learnerA = "111"
	learnerB = "222"
)

// handlerFunc adapts a function to bot.Handler.
type handlerFunc func(ctx context.Context, ev bot.Event) ([]bot.Reply, error)

func (f handlerFunc) Handle(ctx context.Context, ev bot.Event) ([]bot.Reply, error) {
	return f(ctx, ev)
}

// recorder is a scripted handler that records the events it gets.
type recorder struct {
	mu      sync.Mutex
	events  []bot.Event
	replies func(ev bot.Event) []bot.Reply
	delay   time.Duration
	err     error
}

func (r *recorder) Handle(ctx context.Context, ev bot.Event) ([]bot.Reply, error) {
	r.mu.Lock()
	r.events = append(r.events, ev)
	r.mu.Unlock()
	if r.delay > 0 {
		select {
		case <-time.After(r.delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	var out []bot.Reply
	if r.replies != nil {
		out = r.replies(ev)
	}
	return out, r.err
}

func (r *recorder) Events() []bot.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bot.Event(nil), r.events...)
}

// reach records MarkUnreachable calls.
type reach struct {
	mu    sync.Mutex
	marks []string
}

func (r *reach) MarkUnreachable(_ context.Context, platform, userID, _ string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.marks = append(r.marks, platform+":"+userID)
	return nil
}

func (r *reach) Marks() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.marks...)
}

// harness drives a Bot against the fake Discord with hand-built events.
type harness struct {
	t   testing.TB
	srv *discordtest.Server
	b   *Bot
	// locale is the Discord client locale each user's interactions carry.
	locale map[string]discordgo.Locale
	// perms are the server permissions Discord sends for a member.
	perms map[string]int64
}

func newHarness(t testing.TB, h bot.Handler, edit ...func(*Config)) *harness {
	t.Helper()
	srv := discordtest.NewServer(t)
	cfg := Config{
		Token:      srv.Token(),
		AppID:      srv.AppID(),
		Handler:    h,
		Log:        slog.New(slog.DiscardHandler),
		HTTPClient: srv.Client(),
	}
	for _, e := range edit {
		e(&cfg)
	}
	b, err := New(cfg)
	if err != nil {
		t.Fatalf("new bot: %v", err)
	}
	return &harness{t: t, srv: srv, b: b}
}

// where is the place of an interaction: a server channel or a DM.
type where struct {
	guild   string
	channel string
}

var (
	inGuild = where{guild: guildID, channel: classCh}
)

func inDM(user string) where { return where{channel: discordtest.DMChannel(user)} }

func (h *harness) interaction(kind discordtest.InteractionKind, user string, at where, msgID string, data discordgo.InteractionData) string {
	h.t.Helper()
	id, tok := h.srv.NewInteraction(discordtest.InteractionSpec{Kind: kind, ChannelID: at.channel, UserID: user, MessageID: msgID})
	i := &discordgo.Interaction{
		ID: id, Token: tok, AppID: h.srv.AppID(), Type: discordgo.InteractionType(kind),
		ChannelID: at.channel, GuildID: at.guild, Data: data, Locale: h.locale[user],
	}
	u := &discordgo.User{ID: user, Username: "learner" + user}
	if at.guild != "" {
		i.Member = &discordgo.Member{User: u, Permissions: h.perms[user]}
	} else {
		i.User = u
	}
	if msgID != "" {
		i.Message = &discordgo.Message{ID: msgID, ChannelID: at.channel}
		if m, ok := h.srv.Message(msgID); ok && m.Interaction != "" {
			if orig, ok := h.srv.Interaction(m.Interaction); ok {
				i.Message.Interaction = &discordgo.MessageInteraction{ID: orig.ID, Type: discordgo.InteractionApplicationCommand, User: &discordgo.User{ID: orig.UserID}}
			}
		}
	}
	h.b.onInteraction(h.b.s, &discordgo.InteractionCreate{Interaction: i})
	return id
}

func (h *harness) command(user string, at where, name, arg string) string {
	h.t.Helper()
	data := discordgo.ApplicationCommandInteractionData{ID: "cmd-" + name, Name: name, CommandType: discordgo.ChatApplicationCommand}
	if arg != "" {
		data.Options = []*discordgo.ApplicationCommandInteractionDataOption{{Name: "text", Type: discordgo.ApplicationCommandOptionString, Value: arg}}
	}
	return h.interaction(discordtest.KindCommand, user, at, "", data)
}

func (h *harness) press(user string, at where, msgID, payload string) string {
	h.t.Helper()
	data := discordgo.MessageComponentInteractionData{CustomID: payload, ComponentType: discordgo.ButtonComponent}
	return h.interaction(discordtest.KindComponent, user, at, msgID, data)
}

func (h *harness) submitPractice(user string, at where, values [4]string) string {
	h.t.Helper()
	var rows []discordgo.MessageComponent
	for n, f := range practiceFields {
		rows = append(rows, &discordgo.ActionsRow{Components: []discordgo.MessageComponent{&discordgo.TextInput{CustomID: f.id, Value: values[n]}}})
	}
	return h.interaction(discordtest.KindModalSubmit, user, at, "", discordgo.ModalSubmitInteractionData{CustomID: practiceModalID, Components: rows})
}

func (h *harness) dm(user, text string) {
	h.t.Helper()
	m := &discordgo.Message{ID: "m" + user, ChannelID: discordtest.DMChannel(user), Content: text,
		Author: &discordgo.User{ID: user, Username: "learner" + user}}
	h.b.onMessage(h.b.s, &discordgo.MessageCreate{Message: m})
}

// visible returns the messages the learner sees at a place, in order.
func (h *harness) visible(user string, at where) []discordtest.Message {
	var out []discordtest.Message
	for _, m := range h.srv.Messages(at.channel) {
		if m.VisibleTo == "" || m.VisibleTo == user {
			out = append(out, m)
		}
	}
	return out
}

// lastWithButtons is the newest message the learner sees that has buttons.
func (h *harness) lastWithButtons(user string, at where) (discordtest.Message, bool) {
	ms := h.visible(user, at)
	for i := len(ms) - 1; i >= 0; i-- {
		if len(ms[i].Buttons) > 0 {
			return ms[i], true
		}
	}
	return discordtest.Message{}, false
}

// findButton returns the first button whose label contains one of subs.
func findButton(m discordtest.Message, subs ...string) (discordtest.Button, bool) {
	for _, row := range m.Buttons {
		for _, b := range row {
			for _, s := range subs {
				if strings.Contains(b.Label, s) {
					return b, true
				}
			}
		}
	}
	return discordtest.Button{}, false
}

// openEngine opens the real engine on a fresh bbolt file.
func openEngine(t testing.TB, opts ...storage.Options) (*bot.Engine, *storage.DB) {
	t.Helper()
	var o storage.Options
	if len(opts) > 0 {
		o = opts[0]
	}
	db, err := storage.Open(filepath.Join(t.TempDir(), "tutor.db"), o)
	if err != nil {
		t.Fatalf("open db: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	course, err := lessons.Default()
	if err != nil {
		t.Fatalf("load course: %v", err)
	}
	e, err := bot.NewEngine(bot.Config{DB: db, Course: course, Log: slog.New(slog.DiscardHandler),
		Now: func() time.Time { return time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatalf("new engine: %v", err)
	}
	return e, db
}

// learnerRecord is the stored state of a Discord learner.
func learnerRecord(t testing.TB, db *storage.DB, user string) string {
	t.Helper()
	var rec string
	if err := db.View(func(tx *storage.Tx) error {
		rec = string(tx.Learner(Platform + ":" + user))
		return nil
	}); err != nil {
		t.Fatalf("read learner: %v", err)
	}
	return rec
}

func msgCreate(user, text, guild string, isBot bool) *discordgo.MessageCreate {
	return &discordgo.MessageCreate{Message: &discordgo.Message{ID: "m", ChannelID: "c" + user, GuildID: guild, Content: text,
		Author: &discordgo.User{ID: user, Username: "u", Bot: isBot}}}
}
