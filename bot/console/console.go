// Package console is the terminal tutor: it prints the tutor's replies as
// plain text, shows buttons as numbered choices and reads commands, free
// text or a button's number, one line at a time. It is the default adapter
// when no platform token is configured and works with piped input.
package console

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"tutorbot/bot"
	"tutorbot/locale"
	"tutorbot/render"
)

// Config sets up a terminal session.
type Config struct {
	// Handler runs the conversation. Required.
	Handler bot.Handler
	// In is read line by line; Out receives the conversation.
	In  io.Reader
	Out io.Writer
	// UserID identifies the local learner (default "local").
	UserID string
	// Name greets the learner.
	Name string
	// Echo prints each input line after the prompt, so that piped input
	// reads like a conversation.
	Echo bool
	// Lang is the terminal's language as the environment gives it
	// (LC_ALL, else LANG: "ru_RU.UTF-8"); see Lang.
	Lang string
}

// Lang is the terminal's language from the environment the way the C
// library picks it: LC_ALL, then LC_MESSAGES, then LANG.
func Lang(getenv func(string) string) string {
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if s := getenv(v); s != "" {
			return s
		}
	}
	return ""
}

// MaxLine is the longest input line read; longer lines are cut.
const MaxLine = 1 << 20

// Run talks to the learner until the input ends, "/quit" is typed or ctx
// ends.
func Run(ctx context.Context, cfg Config) error {
	if cfg.UserID == "" {
		cfg.UserID = "local"
	}
	w := bufio.NewWriter(cfg.Out)
	defer w.Flush()
	fmt.Fprintln(w, locale.Say(cfg.Lang, "ConsoleIntro"))
	sc := bufio.NewScanner(cfg.In)
	sc.Buffer(make([]byte, 64*1024), MaxLine)
	var buttons []bot.Button
	for {
		fmt.Fprint(w, "> ")
		if err := w.Flush(); err != nil {
			return fmt.Errorf("write to terminal: %w", err)
		}
		if ctx.Err() != nil || !sc.Scan() {
			fmt.Fprintln(w)
			if err := sc.Err(); err != nil && ctx.Err() == nil {
				return fmt.Errorf("read input: %w", err)
			}
			return nil
		}
		line := strings.TrimSpace(sc.Text())
		if cfg.Echo {
			fmt.Fprintln(w, line)
		}
		if line == "" {
			continue
		}
		if line == "/quit" || line == "/exit" {
			return nil
		}
		ev := bot.Event{Platform: "console", UserID: cfg.UserID, ChatID: cfg.UserID, Name: cfg.Name, Format: render.Plain, Lang: cfg.Lang}
		if n, err := strconv.Atoi(line); err == nil && len(buttons) > 0 {
			if n < 1 || n > len(buttons) {
				fmt.Fprintln(w, locale.Say(cfg.Lang, "ChooseNumber", "Max", len(buttons)))
				continue
			}
			ev.Payload = buttons[n-1].Payload
		} else {
			ev.Text = line
		}
		replies, err := cfg.Handler.Handle(ctx, ev)
		if err != nil && len(replies) == 0 {
			fmt.Fprintln(w, locale.Say(cfg.Lang, "ErrorShort"))
		}
		if b := show(w, replies); b != nil {
			buttons = b
		}
	}
}

// show writes replies and returns the buttons shown, numbered from 1, or
// nil when the replies show none.
func show(w io.Writer, replies []bot.Reply) []bot.Button {
	var shown []bot.Button
	for _, r := range replies {
		switch r.Kind {
		case bot.Typing:
			continue
		case bot.Ack:
			if r.Text != "" {
				fmt.Fprintf(w, "(%s)\n", r.Text)
			}
			continue
		}
		fmt.Fprintln(w)
		fmt.Fprintln(w, r.Text)
		if r.File != nil {
			// A terminal has no attachments: the file follows its caption.
			fmt.Fprintf(w, "--- %s ---\n%s\n", r.File.Name, r.File.Data)
		}
		var labels []string
		for _, row := range r.Buttons {
			for _, b := range row {
				shown = append(shown, b)
				labels = append(labels, fmt.Sprintf("[%d] %s", len(shown), b.Label))
			}
		}
		if len(labels) > 0 {
			fmt.Fprintln(w, strings.Join(labels, "  "))
		}
	}
	if len(shown) > 0 {
		fmt.Fprintln(w)
	}
	return shown
}
