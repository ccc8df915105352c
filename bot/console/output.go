package console

import (
	"context"
	"fmt"
	"io"
	"sync"

	"tutorbot/bot"
	"tutorbot/render"
)

// Output is the terminal: a writer safe for the conversation and for
// messages that arrive later (comparisons, reminders), and the terminal's
// bot.Messenger.
type Output struct {
	mu sync.Mutex
	w  io.Writer
	// Lang is the language of the few words the terminal adds itself
	// (English when empty).
	Lang string
}

var _ bot.Messenger = (*Output)(nil)

// NewOutput wraps w.
func NewOutput(w io.Writer) *Output { return &Output{w: w} }

// Write writes p under the terminal's lock.
func (o *Output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.w.Write(p)
}

// Platform is "console".
func (o *Output) Platform() string { return "console" }

// Format is plain text.
func (o *Output) Format() render.Format { return render.Plain }

// Deliver prints replies that arrive outside the conversation's turn.
// Their buttons are shown but cannot be pressed by number; the matching
// commands do the same.
func (o *Output) Deliver(_ context.Context, _, _ string, replies []bot.Reply) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, r := range replies {
		if r.Kind == bot.Send || r.Kind == bot.Edit {
			if _, err := fmt.Fprintf(o.w, "\n%s\n", r.Text); err != nil {
				return fmt.Errorf("print to terminal: %w", err)
			}
			if r.File != nil {
				if _, err := fmt.Fprint(o.w, fileText(o.Lang, r.File)); err != nil {
					return fmt.Errorf("print to terminal: %w", err)
				}
			}
		}
	}
	return nil
}
