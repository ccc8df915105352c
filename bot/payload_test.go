package bot

import (
	"fmt"
	"strings"
	"testing"

	"tutorbot/render"
)

func TestPayloadRoundTrip(t *testing.T) {
	for _, s := range []string{pay(kindPage, 1, 3), pay(kindAnswer, 1, 2, 0, 3), pay(kindLesson), pay(kindRetake, 1)} {
		p, err := parsePayload(s)
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if got := payloadVersion + ":" + p.kind; !strings.HasPrefix(s, got) {
			t.Errorf("%q parsed as %+v", s, p)
		}
	}
}

func FuzzPayload(f *testing.F) {
	for _, s := range []string{"1:pg:1:3", "1:qa:1:2:0:3", "1:ls", "9:x", "", ":", "1:qa:-1:0:0:0", "1:qa:01:1:1:1", "1:pr:where:api"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := parsePayload(s)
		if err != nil {
			return
		}
		if len(s) > MaxPayload {
			t.Fatalf("accepted %d bytes", len(s))
		}
		for i := range p.args {
			if n, ok := p.num(i); ok && n < 0 {
				t.Fatalf("negative number from %q", s)
			}
		}
	})
}

func TestFitCacheIsBounded(t *testing.T) {
	var c fitCache
	for i := range maxFitCache + 50 {
		md := "text " + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + strings.Repeat("y", i)
		if got := c.fit(md, render.Plain); len(got) == 0 {
			t.Fatal("no output")
		}
	}
	if n := c.size.Load(); n > maxFitCache {
		t.Fatalf("cache holds %d entries", n)
	}
	// A full cache makes room: a text common from now on is kept, not
	// rendered again at every turn.
	for i := range maxFitCache {
		c.fit(fmt.Sprintf("Hi, learner %d!", i), render.Plain)
	}
	c.fit("**later**", render.Plain)
	if _, ok := c.m.Load(fitKey{"**later**", render.Plain}); !ok {
		t.Error("a full cache never keeps a new text")
	}
	first := c.fit("**same**", render.TelegramHTML)
	if again := c.fit("**same**", render.TelegramHTML); len(again) != 1 || again[0] != first[0] || first[0] != "<b>same</b>" {
		t.Fatalf("cached %q then %q", first, again)
	}
}
