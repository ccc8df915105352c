// Package render turns the tutor's Markdown (lesson pages and every message
// the engine writes) into what each platform shows: Telegram HTML, Discord
// Markdown or plain terminal text, and splits long texts into pages at block
// boundaries within each platform's limit.
package render

import "strings"

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
	var b strings.Builder
	b.Grow(len(s) + 8)
	for _, r := range s {
		if r < 128 && strings.ContainsRune("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
