// Package render turns the tutor's Markdown (lesson pages and every message
// the engine writes) into what each platform shows: Telegram HTML, Discord
// Markdown or plain terminal text, and splits long texts into pages at block
// boundaries within each platform's limit.
package render

import (
	"strings"
	"unicode/utf8"
)

// Format is a platform's text format.
type Format int

const (
	// Plain is terminal text without markup.
	Plain Format = iota
	// TelegramHTML is Telegram's HTML parse mode.
	TelegramHTML
	// DiscordMarkdown is Discord's Markdown dialect.
	DiscordMarkdown
)

// EscapeMarkdown makes s literal inside CommonMark: every ASCII punctuation
// character gets a backslash, so learner text or model names can be placed
// into a Markdown message without changing its structure.
func EscapeMarkdown(s string) string {
	if !utf8.ValidString(s) {
		s = string([]rune(s)) // each invalid byte becomes U+FFFD
	}
	// In valid UTF-8 an ASCII byte is never part of a longer rune, so the
	// bytes are copied with a backslash before each punctuation byte.
	n := 0
	for i := 0; i < len(s); i++ {
		if mdPunct[s[i]] {
			n++
		}
	}
	if n == 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + n)
	for i := 0; i < len(s); i++ {
		if mdPunct[s[i]] {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// mdPunct marks the ASCII punctuation characters, which CommonMark lets a
// backslash escape.
var mdPunct = func() (t [256]bool) {
	for _, c := range "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~" {
		t[c] = true
	}
	return t
}()
