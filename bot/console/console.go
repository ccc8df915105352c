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
	"unicode/utf8"

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

// MaxLine is the longest input line handed to the tutor, in bytes; longer
// lines are read to their end and refused.
const MaxLine = 1 << 20

// input is one line read, or the end of the input.
type input struct {
	line string
	// chars is the line's length in characters when it was longer than
	// MaxLine and not kept.
	chars int
	err   error
}

// readLines reads lines of any length until the input ends or done is
// closed, sending each one.
func readLines(r io.Reader, lines chan<- input, done <-chan struct{}) {
	defer close(lines)
	br := bufio.NewReaderSize(r, 64*1024)
	for {
		in := readLine(br)
		select {
		case lines <- in:
		case <-done:
			return
		}
		if in.err != nil {
			return
		}
	}
}

// readLine reads one line, keeping at most MaxLine bytes of it.
func readLine(br *bufio.Reader) input {
	var buf []byte
	chars, over, any := 0, false, false
	for {
		chunk, err := br.ReadSlice('\n')
		any = any || len(chunk) > 0
		if over {
			chars += utf8.RuneCount(chunk)
		} else if buf = append(buf, chunk...); len(buf) > MaxLine {
			over, chars, buf = true, utf8.RuneCount(buf), nil
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil && (err != io.EOF || !any) {
			return input{err: err}
		}
		if over {
			if err == nil {
				chars-- // the newline
			}
			return input{chars: chars}
		}
		return input{line: strings.TrimRight(string(buf), "\r\n")}
	}
}

// Run talks to the learner until the input ends, "/quit" is typed or ctx
// ends; it returns at once when ctx ends, even while waiting for input.
func Run(ctx context.Context, cfg Config) error {
	if cfg.UserID == "" {
		cfg.UserID = "local"
	}
	w := bufio.NewWriter(cfg.Out)
	defer w.Flush()
	fmt.Fprintln(w, locale.Say(cfg.Lang, "ConsoleIntro"))
	lines, done := make(chan input), make(chan struct{})
	defer close(done)
	go readLines(cfg.In, lines, done)
	var buttons []bot.Button
	for {
		fmt.Fprint(w, "> ")
		if err := w.Flush(); err != nil {
			return fmt.Errorf("write to terminal: %w", err)
		}
		var in input
		select {
		case <-ctx.Done():
			fmt.Fprintln(w)
			return nil
		case in = <-lines:
		}
		if in.err != nil {
			fmt.Fprintln(w)
			if in.err != io.EOF && ctx.Err() == nil {
				return fmt.Errorf("read input: %w", in.err)
			}
			return nil
		}
		if in.chars > 0 {
			if cfg.Echo {
				fmt.Fprintln(w, locale.Say(cfg.Lang, "ConsoleLongLine", "Length", in.chars))
			}
			fmt.Fprintln(w)
			fmt.Fprintln(w, locale.Say(cfg.Lang, "TooLong", "Length", in.chars, "Max", bot.MaxText))
			continue
		}
		line := strings.TrimSpace(in.line)
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
		if b := show(w, cfg.Lang, replies); b != nil {
			buttons = b
		}
	}
}

// show writes replies and returns the buttons shown, numbered from 1, or
// nil when the replies show none.
func show(w io.Writer, lang string, replies []bot.Reply) []bot.Button {
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
			fmt.Fprint(w, fileText(lang, r.File))
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

// fileText is how a file shows in a terminal: a text file follows its name;
// an image cannot be shown, so only its name and size are.
func fileText(lang string, f *bot.File) string {
	if f.Image {
		return "--- " + locale.Say(lang, "ConsoleImage", "Name", f.Name, "Size", len(f.Data)) + " ---\n"
	}
	return fmt.Sprintf("--- %s ---\n%s\n", f.Name, f.Data)
}
