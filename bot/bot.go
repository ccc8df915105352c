// Package bot is the platform-neutral heart of the tutor: adapters turn
// platform updates into Events, the Engine runs one step of the learner's
// conversation and commits it, and returns Replies for the adapter to send.
package bot

import (
	"context"
	"errors"

	"tutorbot/render"
)

// Event is one thing a learner did: typed a line, ran a command, or pressed a
// button. Adapters build it at the edge; no platform type travels inside.
type Event struct {
	// Platform names the adapter ("telegram", "discord", "console").
	Platform string
	// UserID identifies the learner on that platform. State is keyed by
	// Platform and UserID, so every member of a group has their own progress.
	UserID string
	// ChatID is where replies go (a chat, a channel, a DM channel).
	ChatID string
	// ThreadID is the forum topic inside ChatID the event came from
	// (Telegram's message_thread_id); replies go to the same topic. Empty
	// outside topics.
	ThreadID string
	// Name is the learner's display name, for greetings and the class
	// list their cohorts' teachers see.
	Name string
	// Text is what the learner typed: a command ("/next", "/start quiz") or
	// free text. Empty for a button press.
	Text string
	// Payload is the button's payload when a button was pressed.
	Payload string
	// Format is how replies must be rendered for this platform.
	Format render.Format
	// Lang is the language the platform reports for the learner, as it
	// reports it ("ru", "ru-RU", "en-US", "ru_RU.UTF-8"); it picks the
	// learner's language on first contact. Empty when unknown.
	Lang string
	// MessageID is the message whose button was pressed, when the
	// platform lets the tutor edit it later (Telegram).
	MessageID string
	// Direct is set when the event came from the learner's private chat
	// or DM.
	Direct bool
	// Group is the group or server the event came from (Discord: the
	// server's id), whose cohort the learner belongs to; empty when
	// Direct. When empty outside a direct chat, ChatID is the group.
	Group string
	// GroupName is the group's title or the server's name as the platform
	// shows it (Telegram chat title, Discord server name), naming its
	// cohort; empty when Direct or unknown.
	GroupName string
	// ChatAdmin is set by adapters when the platform says the learner
	// administers the group or server (Telegram creator or administrator,
	// Discord Manage Server): they may see its cohort's /class.
	ChatAdmin bool
	// ViaOutbox asks for the turn's replies to be delivered through the
	// outbox (when the engine has a Sender for the platform): Handle then
	// returns only the answer to the event itself (Ack, Typing).
	ViaOutbox bool
	// Seq is the platform's sequence number of the event, increasing in
	// each chat (Telegram's update_id), or 0. An event whose number was
	// handled already in its chat (delivered again after a crash) is
	// skipped: its replies were committed with it.
	Seq int64
	// ReplyHandle is what the adapter needs to answer the event later
	// (Discord: the interaction's webhook token and when it was issued).
	// Opaque to the engine, it is stored with the event's replies in the
	// outbox and handed back in Address.ReplyHandle. Never logged.
	ReplyHandle string
}

// Key is the storage key of the learner who caused the event.
func (e Event) Key() string { return e.Platform + ":" + e.UserID }

// IsButton reports whether the event is a button press.
func (e Event) IsButton() bool { return e.Payload != "" }

// Kind says what an adapter must do with a Reply.
type Kind int

const (
	// Send posts a new message.
	Send Kind = iota
	// Edit changes the message whose button caused the event (its text and
	// buttons) in place.
	Edit
	// Ack answers the button press itself: a short notice shown as a toast
	// where the platform has one. Text may be empty. Adapters answer every
	// button press even without an Ack reply.
	Ack
	// Typing shows that the tutor is working on a slow answer.
	Typing
)

// Reply is one thing the tutor says or does in answer to an Event.
type Reply struct {
	Kind Kind
	// Text is already rendered in the event's Format and within its limit.
	Text string
	// Buttons are rows of buttons under the message.
	Buttons [][]Button
	// Supersedes marks a Send that takes the place of the message whose
	// button caused the event (the next lesson page after Next or Back):
	// adapters update that message in place, and send anew only when it can
	// no longer be edited.
	Supersedes bool
	// Private asks for a reply only the learner sees (Discord ephemeral);
	// adapters that always answer privately ignore it.
	Private bool
	// File, when set, is sent as a document (Telegram sendDocument, a
	// Discord attachment) with Text as its caption.
	File *File
}

// File is a document sent with a reply.
type File struct {
	// Name is the file name the learner sees ("tutorbot-data.json").
	Name string
	// Data is the file's content.
	Data []byte
	// Image marks a PNG picture: shown as a photo where the platform can
	// (Telegram sendPhoto), never printed as text in a terminal.
	Image bool
}

// Button is a button under a message: a label and a payload of at most
// MaxPayload bytes.
type Button struct {
	Label   string
	Payload string
}

// MaxPayload is the longest button payload in bytes that every platform
// accepts (Telegram's callback_data limit).
const MaxPayload = 64

// Handler runs one step of a learner's conversation.
type Handler interface {
	Handle(ctx context.Context, ev Event) ([]Reply, error)
}

// Messenger delivers messages the tutor starts itself (reminders) to a
// learner on one platform.
type Messenger interface {
	// Platform names the platform this messenger sends to.
	Platform() string
	// Format is the rendering format of this platform.
	Format() render.Format
	// Deliver sends replies to the learner identified by userID (and chatID
	// where the platform needs one). It returns ErrUnreachable when the
	// platform says the learner cannot be written to.
	Deliver(ctx context.Context, userID, chatID string, replies []Reply) error
}

// JoinLinker is a Messenger whose platform opens a chat with the tutor
// through a link carrying a start payload (Telegram's
// https://t.me/<bot>?start=<payload>): cohort codes are shared that way.
type JoinLinker interface {
	// JoinLink is the link that starts the tutor with payload, or "" when
	// the platform has not told the tutor its own name.
	JoinLink(payload string) string
}

// ErrUnreachable is returned by a Messenger when the platform refuses to
// deliver to the learner (Telegram 403, Discord 50007).
var ErrUnreachable = errors.New("learner unreachable")

// Reachability records that a chat of a learner cannot be written to. The
// engine implements it; adapters call it when the platform refuses a
// message (chatID empty: the learner's private chat or DM). A chat becomes
// reachable again as soon as the learner writes there.
type Reachability interface {
	MarkUnreachable(ctx context.Context, platform, userID, chatID string) error
}

// Command is one chat command the tutor understands, for platform menus
// (Telegram setMyCommands, Discord slash commands).
type Command struct {
	// Name without the slash, lower case ("lesson").
	Name string
	// Description says what it does, in under 100 characters.
	Description string
	// Arg names the command's one optional free-text argument ("prompt"),
	// or is empty when it takes none.
	Arg string
	// ArgDescription describes Arg.
	ArgDescription string
	// Translations are Description and ArgDescription in the other
	// languages the tutor speaks, by language code ("ru"); Description and
	// ArgDescription are English, the default.
	Translations map[string]CommandText
}

// CommandText is a command's menu texts in one language.
type CommandText struct {
	// Name is the command's name in the language, where a platform
	// shows localized names (Discord); the command still runs by Name.
	Name           string
	Description    string
	ArgDescription string
}
