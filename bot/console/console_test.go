package console

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"tutorbot/bot"
)

// script is a handler that shows two buttons and echoes what it gets.
type script struct{ got []bot.Event }

func (s *script) Handle(_ context.Context, ev bot.Event) ([]bot.Reply, error) {
	s.got = append(s.got, ev)
	return []bot.Reply{
		{Kind: bot.Ack, Text: "noted"},
		{Kind: bot.Send, Text: "you said " + ev.Text + ev.Payload, Buttons: [][]bot.Button{{{Label: "Next ▶", Payload: "p-next"}, {Label: "◀ Back", Payload: "p-back"}}}},
	}, nil
}

func TestNumbersPressButtons(t *testing.T) {
	h := &script{}
	var out bytes.Buffer
	err := Run(context.Background(), Config{Handler: h, In: strings.NewReader("/start\n2\n9\nhello\n/quit\n/never"), Out: &out, Echo: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(h.got) != 3 || h.got[0].Text != "/start" || h.got[1].Payload != "p-back" || h.got[2].Text != "hello" {
		t.Fatalf("events: %+v", h.got)
	}
	if h.got[0].Platform != "console" || h.got[0].UserID != "local" {
		t.Errorf("event identity: %+v", h.got[0])
	}
	o := out.String()
	for _, want := range []string{"> /start", "[1] Next ▶  [2] ◀ Back", "(noted)", "you said p-back", "(choose a number from 1 to 2, or type a command)"} {
		if !strings.Contains(o, want) {
			t.Errorf("output misses %q:\n%s", want, o)
		}
	}
	if strings.Contains(o, "/never") {
		t.Error("read past /quit")
	}
}

func TestNumberWithoutButtonsIsText(t *testing.T) {
	h := &script{}
	Run(context.Background(), Config{Handler: h, In: strings.NewReader("7\n"), Out: &bytes.Buffer{}})
	if len(h.got) != 1 || h.got[0].Text != "7" {
		t.Fatalf("events: %+v", h.got)
	}
}

func TestOutputDeliver(t *testing.T) {
	var buf bytes.Buffer
	o := NewOutput(&buf)
	if err := o.Deliver(context.Background(), "local", "local", []bot.Reply{{Kind: bot.Send, Text: "reminder!"}, {Kind: bot.Ack, Text: "hidden"}}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "reminder!") || strings.Contains(buf.String(), "hidden") {
		t.Errorf("delivered: %q", buf.String())
	}
}

// TestLongLines: a 2 MB line is read to its end and refused politely with
// its length, and the session goes on: the next command is answered.
func TestLongLines(t *testing.T) {
	h := &script{}
	var out bytes.Buffer
	in := strings.Repeat("я", 1<<20) + "\n/progress\n" + strings.Repeat("x", 100000) + "\n/help"
	if err := Run(context.Background(), Config{Handler: h, In: strings.NewReader(in), Out: &out}); err != nil {
		t.Fatalf("run: %v", err)
	}
	if len(h.got) != 3 || h.got[0].Text != "/progress" || len(h.got[1].Text) != 100000 || h.got[2].Text != "/help" {
		t.Fatalf("events: %d: %.200v", len(h.got), h.got)
	}
	if !strings.Contains(out.String(), "That message is too long for me (1048576 characters; I read up to 20000)") {
		t.Errorf("no polite refusal with the length:\n%.300s", out.String())
	}
}

// blockingReader never returns, like a terminal nobody types in.
type blockingReader struct{ ch chan struct{} }

func (b blockingReader) Read([]byte) (int, error) { <-b.ch; return 0, io.EOF }

// TestCancelWhileWaiting: the session ends as soon as ctx ends, even while
// it waits for a line.
func TestCancelWhileWaiting(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r := blockingReader{ch: make(chan struct{})}
	defer close(r.ch)
	done := make(chan error, 1)
	go func() { done <- Run(ctx, Config{Handler: &script{}, In: r, Out: io.Discard}) }()
	time.Sleep(20 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(time.Second):
		t.Fatal("Run still waits for input after ctx ended")
	}
}

// FuzzReadLines: any input is read to its end in lines of at most MaxLine
// bytes, without a panic, and short lines come back as they were.
func FuzzReadLines(f *testing.F) {
	f.Add([]byte("/start\n1\r\n/quit"))
	f.Add([]byte("\n\n\xff\xfe\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		lines, done := make(chan input), make(chan struct{})
		defer close(done)
		go readLines(bytes.NewReader(in), lines, done)
		var got []string
		for l := range lines {
			if l.err != nil {
				break
			}
			if len(l.line) > MaxLine {
				t.Fatalf("line of %d bytes", len(l.line))
			}
			got = append(got, l.line)
		}
		if !bytes.Contains(in, []byte("\r")) && len(in) < MaxLine {
			want := strings.Split(strings.TrimSuffix(string(in), "\n"), "\n")
			if len(in) == 0 {
				want = nil
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") || len(got) != len(want) {
				t.Fatalf("lines %q, want %q", got, want)
			}
		}
	})
}
