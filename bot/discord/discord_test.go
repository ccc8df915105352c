package discord

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"tutorbot/bot"
	"tutorbot/bot/discord/discordtest"
	"tutorbot/locale"
	"tutorbot/render"
)

func TestEventConversion(t *testing.T) {
	tests := []struct {
		name string
		do   func(h *harness)
		want bot.Event
	}{
		{
			name: "slash command in a server",
			do:   func(h *harness) { h.command(learnerA, inGuild, "lesson", "") },
			want: bot.Event{Platform: "discord", UserID: learnerA, ChatID: classCh, Group: guildID, Name: "learner" + learnerA, Text: "/lesson", Format: render.DiscordMarkdown},
		},
		{
			name: "slash command with its option in a DM",
			do:   func(h *harness) { h.command(learnerB, inDM(learnerB), "compare", "  write a haiku ") },
			want: bot.Event{Platform: "discord", UserID: learnerB, ChatID: discordtest.DMChannel(learnerB), Name: "learner" + learnerB, Text: "/compare write a haiku", Format: render.DiscordMarkdown, Direct: true},
		},
		{
			name: "button press carries the payload and the presser",
			do:   func(h *harness) { h.press(learnerB, inGuild, "", "1:pg:1:2") },
			want: bot.Event{Platform: "discord", UserID: learnerB, ChatID: classCh, Group: guildID, Name: "learner" + learnerB, Payload: "1:pg:1:2", Format: render.DiscordMarkdown},
		},
		{
			name: "practice modal submit becomes the template",
			do: func(h *harness) {
				h.submitPractice(learnerA, inGuild, [4]string{"summarise\ntickets", "locally", "24 GB", ""})
			},
			want: bot.Event{Platform: "discord", UserID: learnerA, ChatID: classCh, Group: guildID, Name: "learner" + learnerA, Format: render.DiscordMarkdown,
				Text: "/practice Task: summarise tickets\nWhere I run it (locally / API / cloud): locally\nAvailable GPU memory: 24 GB\nConstraints: "},
		},
		{
			name: "typed text in a DM",
			do:   func(h *harness) { h.dm(learnerA, " what is MoE? ") },
			want: bot.Event{Platform: "discord", UserID: learnerA, ChatID: discordtest.DMChannel(learnerA), Name: "learner" + learnerA, Text: "what is MoE?", Format: render.DiscordMarkdown, Direct: true, ViaOutbox: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{replies: func(bot.Event) []bot.Reply { return []bot.Reply{{Kind: bot.Send, Text: "ok"}} }}
			h := newHarness(t, rec)
			tt.do(h)
			evs := rec.Events()
			if len(evs) != 1 {
				t.Fatalf("handler got %d events, want 1", len(evs))
			}
			if !reflect.DeepEqual(evs[0], tt.want) {
				t.Errorf("event\n got %#v\nwant %#v", evs[0], tt.want)
			}
		})
	}
}

func TestIgnoredInput(t *testing.T) {
	rec := &recorder{}
	h := newHarness(t, rec)
	// A server message, a bot's DM and an empty DM do not reach the engine.
	h.b.onMessage(h.b.s, nil)
	h.dm(learnerA, "   ")
	h.b.onMessage(h.b.s, msgCreate(learnerA, "guild text", guildID, false))
	h.b.onMessage(h.b.s, msgCreate("333", "I am a bot", "", true))
	if n := len(rec.Events()); n != 0 {
		t.Errorf("handler got %d events, want 0", n)
	}
	if n := len(h.srv.Calls()); n != 0 {
		t.Errorf("%d REST calls, want 0", n)
	}
}

func TestReplyShapes(t *testing.T) {
	page := func(n string) bot.Reply {
		return bot.Reply{Kind: bot.Send, Text: "page " + n, Buttons: [][]bot.Button{{{Label: "Next", Payload: "1:pg:1:" + n}}}}
	}
	tests := []struct {
		name      string
		at        where
		button    bool
		replies   []bot.Reply
		callbacks []int
		followups int
		// pressed is the content of the pressed message afterwards ("" if unchanged).
		pressed string
		// shown are the contents of messages created by the interaction.
		shown     []string
		ephemeral bool
	}{
		{name: "command in a server: ephemeral message", at: inGuild, replies: []bot.Reply{page("1")},
			callbacks: []int{discordtest.CallbackMessage}, shown: []string{"page 1"}, ephemeral: true},
		{name: "command in a DM: ordinary message", at: inDM(learnerA), replies: []bot.Reply{page("1")},
			callbacks: []int{discordtest.CallbackMessage}, shown: []string{"page 1"}},
		{name: "several sends: response and follow-ups", at: inGuild, replies: []bot.Reply{{Kind: bot.Send, Text: "one"}, {Kind: bot.Send, Text: "two"}, {Kind: bot.Typing}, {Kind: bot.Send, Text: "three"}},
			callbacks: []int{discordtest.CallbackMessage}, followups: 2, shown: []string{"one", "two", "three"}, ephemeral: true},
		{name: "Next updates the message in place", at: inGuild, button: true, replies: []bot.Reply{func() bot.Reply { r := page("2"); r.Supersedes = true; return r }()},
			callbacks: []int{discordtest.CallbackUpdateMessage}, pressed: "page 2"},
		{name: "quiz verdict edits the question, next question follows", at: inDM(learnerA), button: true,
			replies:   []bot.Reply{{Kind: bot.Edit, Text: "✅ right"}, {Kind: bot.Send, Text: "question 2"}},
			callbacks: []int{discordtest.CallbackUpdateMessage}, followups: 1, pressed: "✅ right", shown: []string{"question 2"}},
		{name: "plain send on a button: new message", at: inGuild, button: true, replies: []bot.Reply{{Kind: bot.Send, Text: "new"}},
			callbacks: []int{discordtest.CallbackMessage}, shown: []string{"new"}, ephemeral: true},
		{name: "ack with text: ephemeral notice", at: inDM(learnerA), button: true, replies: []bot.Reply{{Kind: bot.Ack, Text: "Already answered"}},
			callbacks: []int{discordtest.CallbackMessage}, shown: []string{"Already answered"}, ephemeral: true},
		{name: "ack after an update: ephemeral follow-up", at: inGuild, button: true, replies: []bot.Reply{{Kind: bot.Ack, Text: "Saved"}, {Kind: bot.Edit, Text: "edited"}},
			callbacks: []int{discordtest.CallbackUpdateMessage}, followups: 1, pressed: "edited", shown: []string{"Saved"}, ephemeral: true},
		{name: "button without replies: deferred update", at: inGuild, button: true, replies: []bot.Reply{{Kind: bot.Ack}},
			callbacks: []int{discordtest.CallbackDeferredUpdate}},
		{name: "command without replies: short ephemeral notice", at: inDM(learnerA), replies: nil,
			callbacks: []int{discordtest.CallbackMessage}, shown: []string{locale.Say("", msgDone)}, ephemeral: true},
		{name: "edit on a command: sent as a message", at: inGuild, replies: []bot.Reply{{Kind: bot.Edit, Text: "fresh"}},
			callbacks: []int{discordtest.CallbackMessage}, shown: []string{"fresh"}, ephemeral: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{replies: func(bot.Event) []bot.Reply { return tt.replies }}
			h := newHarness(t, rec)
			var id, pressedID string
			if tt.button {
				pressedID = h.srv.AddMessage(discordtest.Message{ChannelID: tt.at.channel, Content: "pressed",
					Buttons: [][]discordtest.Button{{{Label: "Go", CustomID: "1:pg:1:1"}}}})
				id = h.press(learnerA, tt.at, pressedID, "1:pg:1:1")
			} else {
				id = h.command(learnerA, tt.at, "lesson", "")
			}
			in, ok := h.srv.Interaction(id)
			if !ok {
				t.Fatal("interaction unknown to the fake")
			}
			if !reflect.DeepEqual(in.Callbacks, tt.callbacks) {
				t.Errorf("callbacks %v, want %v", in.Callbacks, tt.callbacks)
			}
			if len(in.Followups) != tt.followups {
				t.Errorf("%d follow-ups, want %d", len(in.Followups), tt.followups)
			}
			if pressedID != "" {
				m, _ := h.srv.Message(pressedID)
				want := tt.pressed
				if want == "" {
					want = "pressed"
				}
				if m.Content != want {
					t.Errorf("pressed message reads %q, want %q", m.Content, want)
				}
			}
			var shown []string
			for _, m := range h.srv.Messages(tt.at.channel) {
				if m.Interaction != id {
					continue
				}
				shown = append(shown, m.Content)
				if m.Ephemeral() != tt.ephemeral {
					t.Errorf("message %q ephemeral=%v, want %v", m.Content, m.Ephemeral(), tt.ephemeral)
				}
			}
			if !reflect.DeepEqual(shown, tt.shown) {
				t.Errorf("shown %q, want %q", shown, tt.shown)
			}
		})
	}
}

func TestButtonLayout(t *testing.T) {
	long := strings.Repeat("x", 101)
	tests := []struct {
		name    string
		rows    [][]bot.Button
		want    [][]string // custom ids per row
		maxText int
	}{
		{name: "long row split into rows of five", rows: [][]bot.Button{btns("a", 7)},
			want: [][]string{{"a0", "a1", "a2", "a3", "a4"}, {"a5", "a6"}}},
		{name: "more than five rows cut to five", rows: [][]bot.Button{btns("a", 1), btns("b", 1), btns("c", 1), btns("d", 1), btns("e", 1), btns("f", 1), btns("g", 1)},
			want: [][]string{{"a0"}, {"b0"}, {"c0"}, {"d0"}, {"e0"}}},
		{name: "invalid and duplicate payloads dropped", rows: [][]bot.Button{{{Label: "ok", Payload: "p"}, {Label: "long", Payload: long}, {Label: "empty", Payload: ""}, {Label: "dup", Payload: "p"}}},
			want: [][]string{{"p"}}},
		{name: "payload of exactly 100 characters kept", rows: [][]bot.Button{{{Label: "edge", Payload: long[:100]}}},
			want: [][]string{{long[:100]}}},
		{name: "row with only bad buttons vanishes", rows: [][]bot.Button{{{Label: "bad", Payload: long}}, btns("z", 1)},
			want: [][]string{{"z0"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, &recorder{replies: func(bot.Event) []bot.Reply {
				return []bot.Reply{{Kind: bot.Send, Text: "menu", Buttons: tt.rows}}
			}})
			h.command(learnerA, inGuild, "help", "")
			ms := h.visible(learnerA, inGuild)
			if len(ms) != 1 {
				t.Fatalf("%d messages, want 1", len(ms))
			}
			var got [][]string
			for _, row := range ms[0].Buttons {
				var ids []string
				for _, b := range row {
					ids = append(ids, b.CustomID)
					if utf8.RuneCountInString(b.Label) > 80 {
						t.Errorf("label of %d characters", utf8.RuneCountInString(b.Label))
					}
				}
				got = append(got, ids)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("rows %v, want %v", got, tt.want)
			}
		})
	}
}

func btns(prefix string, n int) []bot.Button {
	var out []bot.Button
	for i := range n {
		id := prefix + string(rune('0'+i))
		out = append(out, bot.Button{Label: strings.Repeat("L", 90) + id, Payload: id})
	}
	return out
}

func TestLongReplySplit(t *testing.T) {
	para := strings.Repeat("word ", 150) + "\n"
	text := strings.Repeat(para, 6) // 4506 characters
	h := newHarness(t, &recorder{replies: func(bot.Event) []bot.Reply {
		return []bot.Reply{{Kind: bot.Send, Text: text, Buttons: [][]bot.Button{{{Label: "Next", Payload: "n"}}}}}
	}})
	h.command(learnerA, inDM(learnerA), "lesson", "")
	ms := h.visible(learnerA, inDM(learnerA))
	if len(ms) < 3 {
		t.Fatalf("%d messages, want the text split into at least 3", len(ms))
	}
	var joined strings.Builder
	for i, m := range ms {
		if n := utf8.RuneCountInString(m.Content); n > MaxContent {
			t.Errorf("message %d has %d characters", i, n)
		}
		if (len(m.Buttons) > 0) != (i == len(ms)-1) {
			t.Errorf("message %d has buttons=%v; only the last should", i, len(m.Buttons) > 0)
		}
		joined.WriteString(m.Content)
	}
	if strings.ReplaceAll(joined.String(), "\n", "") != strings.ReplaceAll(text, "\n", "") {
		t.Error("split text lost or changed words")
	}
}

func TestSlowStepIsDeferred(t *testing.T) {
	tests := []struct {
		name      string
		at        where
		button    bool
		replies   []bot.Reply
		callback  int
		flags     int
		original  string // content of @original afterwards
		followups int
	}{
		{name: "slow command in a server: ephemeral deferral, then edit", at: inGuild,
			replies:  []bot.Reply{{Kind: bot.Send, Text: "recommendation"}, {Kind: bot.Send, Text: "details"}},
			callback: discordtest.CallbackDeferredMessage, flags: discordtest.FlagEphemeral, original: "recommendation", followups: 1},
		{name: "slow command in a DM: deferral, then edit", at: inDM(learnerA),
			replies:  []bot.Reply{{Kind: bot.Send, Text: "recommendation"}},
			callback: discordtest.CallbackDeferredMessage, original: "recommendation"},
		{name: "slow button with an update: deferred update, then edit", at: inGuild, button: true,
			replies:  []bot.Reply{{Kind: bot.Edit, Text: "verdict"}, {Kind: bot.Send, Text: "next question"}},
			callback: discordtest.CallbackDeferredUpdate, original: "verdict", followups: 1},
		{name: "slow button with a new message: deferred update, then follow-up", at: inGuild, button: true,
			replies:  []bot.Reply{{Kind: bot.Send, Text: "answer"}},
			callback: discordtest.CallbackDeferredUpdate, original: "pressed", followups: 1},
		{name: "slow command with no reply still finishes", at: inGuild,
			callback: discordtest.CallbackDeferredMessage, flags: discordtest.FlagEphemeral, original: locale.Say("", msgDone)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{delay: 120 * time.Millisecond, replies: func(bot.Event) []bot.Reply { return tt.replies }}
			h := newHarness(t, rec, func(c *Config) { c.SlowAfter = 10 * time.Millisecond })
			var id string
			if tt.button {
				msg := h.srv.AddMessage(discordtest.Message{ChannelID: tt.at.channel, Content: "pressed",
					Buttons: [][]discordtest.Button{{{Label: "Go", CustomID: "go"}}}})
				id = h.press(learnerA, tt.at, msg, "go")
			} else {
				id = h.command(learnerA, tt.at, "practice", "some prompt")
			}
			in, _ := h.srv.Interaction(id)
			if !reflect.DeepEqual(in.Callbacks, []int{tt.callback}) {
				t.Fatalf("callbacks %v, want [%d]", in.Callbacks, tt.callback)
			}
			cb := h.srv.CallsTo(discordtest.RouteCallback)[0]
			if cb.At.Sub(in.Issued) > time.Second {
				t.Errorf("deferral after %v", cb.At.Sub(in.Issued))
			}
			orig, _ := h.srv.Message(in.Original)
			if orig.Content != tt.original {
				t.Errorf("@original reads %q, want %q", orig.Content, tt.original)
			}
			if orig.Flags&discordtest.FlagEphemeral != tt.flags&discordtest.FlagEphemeral && !tt.button {
				t.Errorf("@original flags %d, want %d", orig.Flags, tt.flags)
			}
			if len(in.Followups) != tt.followups {
				t.Errorf("%d follow-ups, want %d", len(in.Followups), tt.followups)
			}
			if in.Loading {
				t.Error("the 'thinking' message was never replaced")
			}
			if got := h.b.Stats().Deferred; got != 1 {
				t.Errorf("Stats().Deferred = %d, want 1", got)
			}
		})
	}
}

func TestFastStepIsNotDeferred(t *testing.T) {
	h := newHarness(t, &recorder{replies: func(bot.Event) []bot.Reply { return []bot.Reply{{Kind: bot.Send, Text: "hi"}} }})
	id := h.command(learnerA, inGuild, "help", "")
	in, _ := h.srv.Interaction(id)
	if in.Deferred || !reflect.DeepEqual(in.Callbacks, []int{discordtest.CallbackMessage}) {
		t.Errorf("callbacks %v deferred=%v, want one type-4 answer", in.Callbacks, in.Deferred)
	}
	if s := h.b.Stats(); s.Deferred != 0 || s.Interactions != 1 || s.MessagesSent != 1 {
		t.Errorf("stats %+v", s)
	}
}

func TestHandlerError(t *testing.T) {
	h := newHarness(t, &recorder{err: errors.New("disk on fire")})
	id := h.command(learnerA, inGuild, "lesson", "")
	in, _ := h.srv.Interaction(id)
	m, _ := h.srv.Message(in.Original)
	if m.Content != locale.Say("", msgFailed) || !m.Ephemeral() {
		t.Errorf("learner saw %q (ephemeral=%v), want the apology, ephemeral", m.Content, m.Ephemeral())
	}
	if strings.Contains(m.Content, "disk") {
		t.Error("internal error shown to the learner")
	}
	if h.b.Stats().Errors != 1 {
		t.Errorf("Stats().Errors = %d, want 1", h.b.Stats().Errors)
	}
}

func TestPracticeModal(t *testing.T) {
	rec := &recorder{replies: func(bot.Event) []bot.Reply { return []bot.Reply{{Kind: bot.Send, Text: "ok"}} }}
	prefill := [4]string{"classify invoices", "locally", "12 GB", strings.Repeat("c", 1500)}
	h := newHarness(t, rec, func(c *Config) {
		c.Prefill = func(_ context.Context, user string) [4]string {
			if user != learnerA {
				return [4]string{}
			}
			return prefill
		}
	})
	id := h.command(learnerA, inGuild, "practice", "")
	if n := len(rec.Events()); n != 0 {
		t.Fatalf("/practice reached the engine (%d events) instead of opening the modal", n)
	}
	in, _ := h.srv.Interaction(id)
	if in.Modal == nil || !reflect.DeepEqual(in.Callbacks, []int{discordtest.CallbackModal}) {
		t.Fatalf("callbacks %v, modal %v; want a modal (type 9)", in.Callbacks, in.Modal)
	}
	if len(in.Modal.Inputs) != 4 {
		t.Fatalf("%d fields, want 4", len(in.Modal.Inputs))
	}
	wantLabels := []string{"Task", "Where I run it (locally / API / cloud)", "Available GPU memory", "Constraints"}
	for n, f := range in.Modal.Inputs {
		if f.Label != wantLabels[n] {
			t.Errorf("field %d label %q, want %q", n, f.Label, wantLabels[n])
		}
		want := truncate(prefill[n], f.MaxLength)
		if f.Value != want {
			t.Errorf("field %d pre-filled with %q, want %q", n, f.Value, want)
		}
	}

	// Another learner gets an empty form.
	id = h.command(learnerB, inGuild, "practice", "")
	in, _ = h.srv.Interaction(id)
	for n, f := range in.Modal.Inputs {
		if f.Value != "" {
			t.Errorf("learner B's field %d pre-filled with %q", n, f.Value)
		}
	}

	// With its argument, /practice goes straight to the engine.
	h.command(learnerA, inGuild, "practice", "Task: chat")
	h.submitPractice(learnerA, inGuild, [4]string{"chat bot", "API", "none", "Apache-2.0 only"})
	evs := rec.Events()
	if len(evs) != 2 {
		t.Fatalf("%d events, want 2", len(evs))
	}
	if evs[0].Text != "/practice Task: chat" {
		t.Errorf("inline practice text %q", evs[0].Text)
	}
	want := "/practice Task: chat bot\nWhere I run it (locally / API / cloud): API\nAvailable GPU memory: none\nConstraints: Apache-2.0 only"
	if evs[1].Text != want {
		t.Errorf("modal text\n got %q\nwant %q", evs[1].Text, want)
	}
}

func TestOtherLearnersMessage(t *testing.T) {
	rec := &recorder{replies: func(bot.Event) []bot.Reply {
		return []bot.Reply{{Kind: bot.Send, Text: "page", Buttons: [][]bot.Button{{{Label: "Next", Payload: "1:pg:1:1"}}}}}
	}}
	h := newHarness(t, rec)
	h.command(learnerA, inDM(learnerA), "lesson", "")
	msg, ok := h.lastWithButtons(learnerA, inDM(learnerA))
	if !ok {
		t.Fatal("no message with buttons")
	}
	id := h.press(learnerB, inDM(learnerA), msg.ID, "1:pg:1:1")
	if n := len(rec.Events()); n != 1 {
		t.Errorf("engine got %d events, want 1 (B's press must not reach it)", n)
	}
	in, _ := h.srv.Interaction(id)
	m, _ := h.srv.Message(in.Original)
	if m.Content != locale.Say("", msgNotYours) || !m.Ephemeral() {
		t.Errorf("B saw %q ephemeral=%v", m.Content, m.Ephemeral())
	}
	if got, _ := h.srv.Message(msg.ID); got.Content != "page" {
		t.Errorf("A's message changed to %q", got.Content)
	}
}

func TestRegister(t *testing.T) {
	cmds := []bot.Command{
		{Name: "lesson", Description: "Open the lesson where you stopped"},
		{Name: "Quiz", Description: "Take the quiz"},
		{Name: "compare", Description: "Run one prompt on three models", Arg: "prompt", ArgDescription: "The prompt to compare"},
		{Name: "practice", Description: strings.Repeat("d", 130), Arg: "template"},
		{Name: "help"},
		{Name: "bad name!", Description: "left out"},
	}
	for _, guild := range []string{"", guildID} {
		name := "global"
		if guild != "" {
			name = "guild"
		}
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, &recorder{}, func(c *Config) { c.Commands = cmds; c.GuildID = guild })
			if err := h.b.Register(context.Background()); err != nil {
				t.Fatalf("register: %v", err)
			}
			got := h.srv.Commands(guild)
			var names []string
			for _, c := range got {
				names = append(names, c.Name)
				if c.Description == "" || utf8.RuneCountInString(c.Description) > 100 {
					t.Errorf("command %q description %q", c.Name, c.Description)
				}
				for _, o := range c.Options {
					if o.Type != 3 || o.Required || o.Description == "" {
						t.Errorf("command %q option %+v: want an optional string with a description", c.Name, o)
					}
				}
			}
			if want := []string{"lesson", "quiz", "compare", "practice", "help"}; !reflect.DeepEqual(names, want) {
				t.Errorf("registered %v, want %v", names, want)
			}
			if len(got) > 2 && (len(got[2].Options) != 1 || got[2].Options[0].Name != "prompt") {
				t.Errorf("compare options %+v", got[2].Options)
			}
			other := map[string]string{"": guildID, guildID: ""}[guild]
			if len(h.srv.Commands(other)) != 0 {
				t.Error("commands registered in the wrong scope")
			}
		})
	}
}

type lister struct{ recorder }

func (*lister) Commands() []bot.Command {
	return []bot.Command{{Name: "lesson", Description: "Open the lesson"}}
}

func TestRegisterFromHandlerAndAppIDLookup(t *testing.T) {
	h := newHarness(t, &lister{}, func(c *Config) { c.AppID = "" })
	if err := h.b.Register(context.Background()); err != nil {
		t.Fatalf("register: %v", err)
	}
	if len(h.srv.CallsTo(discordtest.RouteMe)) != 1 {
		t.Error("application id not looked up")
	}
	if got := h.srv.Commands(""); len(got) != 1 || got[0].Name != "lesson" {
		t.Errorf("registered %+v, want the handler's commands", got)
	}
}

func TestDeliver(t *testing.T) {
	reminder := []bot.Reply{{Kind: bot.Send, Text: "Time to re-test your prompts.", Buttons: [][]bot.Button{{{Label: "Open", Payload: "1:ls"}}}}, {Kind: bot.Ack, Text: "ignored"}}
	tests := []struct {
		name        string
		fail        func(s *discordtest.Server)
		wantErr     error
		unreachable bool
		delivered   int
		limited     int64
	}{
		{name: "reminder reaches the DM", delivered: 1},
		{name: "50007 marks the learner unreachable", unreachable: true, wantErr: bot.ErrUnreachable,
			fail: func(s *discordtest.Server) {
				s.FailNext(discordtest.RouteSendMessage, 1, http.StatusForbidden, discordtest.CodeCannotSendToUser, 0)
			}},
		{name: "50007 on opening the DM", unreachable: true, wantErr: bot.ErrUnreachable,
			fail: func(s *discordtest.Server) {
				s.FailNext(discordtest.RouteCreateDM, 1, http.StatusForbidden, discordtest.CodeCannotSendToUser, 0)
			}},
		{name: "other 403 is an error, not unreachable", wantErr: errAny,
			fail: func(s *discordtest.Server) {
				s.FailNext(discordtest.RouteSendMessage, 1, http.StatusForbidden, 50001, 0)
			}},
		{name: "500 is an error", wantErr: errAny,
			fail: func(s *discordtest.Server) {
				s.FailNext(discordtest.RouteSendMessage, 1, http.StatusInternalServerError, 0, 0)
			}},
		{name: "429 is waited out and the message arrives", delivered: 1, limited: 1,
			fail: func(s *discordtest.Server) {
				s.FailNext(discordtest.RouteSendMessage, 1, http.StatusTooManyRequests, 0, 0.05)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &reach{}
			h := newHarness(t, &recorder{}, func(c *Config) { c.Reach = r })
			if tt.fail != nil {
				tt.fail(h.srv)
			}
			start := time.Now()
			err := h.b.Deliver(context.Background(), learnerA, "ignored-chat", reminder)
			switch {
			case tt.wantErr == nil && err != nil:
				t.Fatalf("deliver: %v", err)
			case tt.wantErr == errAny && err == nil:
				t.Fatal("deliver succeeded, want an error")
			case tt.wantErr == errAny && errors.Is(err, bot.ErrUnreachable):
				t.Errorf("error %v is ErrUnreachable", err)
			case tt.wantErr != nil && tt.wantErr != errAny && !errors.Is(err, tt.wantErr):
				t.Errorf("error %v, want %v", err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), h.srv.Token()) {
				t.Error("error contains the bot token")
			}
			marks := r.Marks()
			if tt.unreachable != (len(marks) == 1 && marks[0] == "discord:"+learnerA) {
				t.Errorf("marks %v, unreachable want %v", marks, tt.unreachable)
			}
			msgs := h.srv.Messages(discordtest.DMChannel(learnerA))
			if len(msgs) != tt.delivered {
				t.Fatalf("%d messages in the DM, want %d", len(msgs), tt.delivered)
			}
			if tt.delivered > 0 && (msgs[0].Content != reminder[0].Text || msgs[0].Ephemeral() || len(msgs[0].Buttons) != 1) {
				t.Errorf("delivered %+v", msgs[0])
			}
			if got := h.b.Stats().RateLimited; got != tt.limited {
				t.Errorf("Stats().RateLimited = %d, want %d", got, tt.limited)
			}
			if tt.limited > 0 && time.Since(start) < 40*time.Millisecond {
				t.Errorf("retry_after not waited out (%v)", time.Since(start))
			}
		})
	}
}

var errAny = errors.New("any error")

func TestDeliverReusesDMChannel(t *testing.T) {
	h := newHarness(t, &recorder{})
	for range 3 {
		if err := h.b.Deliver(context.Background(), learnerA, "", []bot.Reply{{Kind: bot.Send, Text: "ping"}}); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(h.srv.CallsTo(discordtest.RouteCreateDM)); n != 1 {
		t.Errorf("%d DM channel creations, want 1", n)
	}
	if n := len(h.srv.Messages(discordtest.DMChannel(learnerA))); n != 3 {
		t.Errorf("%d messages, want 3", n)
	}
}

func TestDMConversation(t *testing.T) {
	rec := &recorder{replies: func(ev bot.Event) []bot.Reply {
		return []bot.Reply{{Kind: bot.Send, Text: "you said: " + ev.Text}, {Kind: bot.Ack, Text: "no toast in DMs"}}
	}}
	h := newHarness(t, rec)
	h.dm(learnerA, "hello")
	msgs := h.srv.Messages(discordtest.DMChannel(learnerA))
	if len(msgs) != 1 || msgs[0].Content != "you said: hello" || msgs[0].Ephemeral() {
		t.Fatalf("DM shows %+v", msgs)
	}
}

func TestSlowDMShowsTyping(t *testing.T) {
	rec := &recorder{delay: 80 * time.Millisecond, replies: func(bot.Event) []bot.Reply { return []bot.Reply{{Kind: bot.Send, Text: "done"}} }}
	h := newHarness(t, rec, func(c *Config) { c.SlowAfter = 5 * time.Millisecond })
	h.dm(learnerA, "compare this")
	if n := len(h.srv.CallsTo(discordtest.RouteTyping)); n != 1 {
		t.Errorf("%d typing calls, want 1", n)
	}
	if n := len(h.srv.Messages(discordtest.DMChannel(learnerA))); n != 1 {
		t.Errorf("%d messages, want 1", n)
	}
}

func TestStepsOfOneLearnerDoNotOverlap(t *testing.T) {
	var mu = make(chan struct{}, 1)
	overlap := false
	rec := &recorder{replies: func(bot.Event) []bot.Reply { return []bot.Reply{{Kind: bot.Send, Text: "ok"}} }}
	h := newHarness(t, handlerFunc(func(ctx context.Context, ev bot.Event) ([]bot.Reply, error) {
		select {
		case mu <- struct{}{}:
		default:
			overlap = true
		}
		time.Sleep(5 * time.Millisecond)
		<-mu
		return rec.Handle(ctx, ev)
	}))
	done := make(chan struct{})
	for range 8 {
		go func() {
			h.command(learnerA, inGuild, "next", "")
			done <- struct{}{}
		}()
	}
	for range 8 {
		<-done
	}
	if overlap {
		t.Error("two steps of one learner ran at the same time")
	}
	if n := len(rec.Events()); n != 8 {
		t.Errorf("%d events handled, want 8", n)
	}
}

func TestNewValidates(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{name: "no token", cfg: Config{Handler: &recorder{}}},
		{name: "no handler", cfg: Config{Token: "t"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.cfg); err == nil {
				t.Error("New accepted an incomplete config")
			}
		})
	}
	b, err := New(Config{Token: "secret-token", Handler: &recorder{}})
	if err != nil {
		t.Fatal(err)
	}
	if b.Platform() != "discord" || b.Format() != render.DiscordMarkdown {
		t.Errorf("platform %q format %v", b.Platform(), b.Format())
	}
}

func TestChunks(t *testing.T) {
	tests := []struct {
		name string
		text string
		want int
	}{
		{name: "short", text: "hello", want: 1},
		{name: "exactly the limit", text: strings.Repeat("é", MaxContent), want: 1},
		{name: "one over, no line breaks", text: strings.Repeat("a", MaxContent+1), want: 2},
		{name: "lines", text: strings.Repeat(strings.Repeat("b", 99)+"\n", 50), want: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := chunks(tt.text)
			if len(got) != tt.want {
				t.Errorf("%d chunks, want %d", len(got), tt.want)
			}
			for _, c := range got {
				if utf8.RuneCountInString(c) > MaxContent {
					t.Errorf("chunk of %d characters", utf8.RuneCountInString(c))
				}
			}
		})
	}
}

func TestRegisterNothingKeepsCommands(t *testing.T) {
	h := newHarness(t, &recorder{}, func(c *Config) { c.Commands = []bot.Command{{Name: "Bad Name"}} })
	if err := h.b.Register(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(h.srv.CallsTo(discordtest.RouteGlobalCommands)); n != 0 {
		t.Errorf("%d overwrites with no valid command; an empty overwrite deletes them all", n)
	}
}
