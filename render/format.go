package render

import (
	"strings"
	"unicode/utf8"
)

// String names the format: "plain", "telegram" or "discord".
func (f Format) String() string {
	switch f {
	case Plain:
		return "plain"
	case TelegramHTML:
		return "telegram"
	case DiscordMarkdown:
		return "discord"
	}
	return "format(" + itoa(int(f)) + ")"
}

// Limit is the most characters one message of the format may hold, counted
// as Length counts them.
func (f Format) Limit() int {
	switch f {
	case TelegramHTML:
		return 4096
	case DiscordMarkdown:
		return 2000
	}
	return 4096
}

// Length is the length of rendered text s as the platform counts it against
// Limit: for TelegramHTML the visible text (tags removed, entities decoded)
// in UTF-16 code units; for DiscordMarkdown and Plain the runes of s.
func Length(s string, f Format) int {
	if f == TelegramHTML {
		return utf16Len(telegramVisible(s))
	}
	return utf8.RuneCountInString(s)
}

// Strip returns the text a reader sees of rendered s: markup removed,
// escapes and entities decoded. Tests and fakes use it to read messages.
func Strip(s string, f Format) string {
	switch f {
	case TelegramHTML:
		return telegramVisible(s)
	case DiscordMarkdown:
		return discordVisible(s)
	}
	return s
}

// utf16Len counts s in UTF-16 code units (runes above U+FFFF count twice).
func utf16Len(s string) int {
	n := 0
	for n < len(s) && s[n] < utf8.RuneSelf { // ASCII: one unit a byte
		n++
	}
	for _, r := range s[n:] {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// discordVisible removes the markup this package's Discord renderer writes.
func discordVisible(s string) string {
	var out strings.Builder
	lines := strings.Split(s, "\n")
	inFence := false
	for i, line := range lines {
		if i > 0 {
			out.WriteByte('\n')
		}
		for strings.HasPrefix(line, "> ") || line == ">" {
			line = strings.TrimPrefix(strings.TrimPrefix(line, ">"), " ")
		}
		if strings.HasPrefix(line, "```") {
			inFence = !inFence
			continue
		}
		if inFence {
			out.WriteString(strings.ReplaceAll(line, "\u200b", ""))
			continue
		}
		if strings.HasPrefix(line, "### ") {
			line = line[4:]
		} else if strings.HasPrefix(line, "## ") {
			line = line[3:]
		}
		discordInline(&out, line)
	}
	return strings.TrimSpace(out.String())
}

// discordInline writes the visible text of one line of Discord Markdown.
func discordInline(out *strings.Builder, line string) {
	for i := 0; i < len(line); {
		c := line[i]
		switch {
		case c == '\\' && i+1 < len(line):
			_, size := utf8.DecodeRuneInString(line[i+1:])
			out.WriteString(line[i+1 : i+1+size])
			i += 1 + size
		case c == '`':
			n := 0
			for i+n < len(line) && line[i+n] == '`' {
				n++
			}
			fence := line[i : i+n]
			end := strings.Index(line[i+n:], fence)
			if end < 0 {
				out.WriteString(fence)
				i += n
				continue
			}
			code := line[i+n : i+n+end]
			if len(code) >= 2 && code[0] == ' ' && code[len(code)-1] == ' ' {
				code = code[1 : len(code)-1]
			}
			out.WriteString(code)
			i += 2*n + end
		case c == '*':
			i++
		case c == '~' && strings.HasPrefix(line[i:], "~~"):
			i += 2
		case c == '[':
			// [text](<url>): show the text.
			j := strings.Index(line[i:], "](<")
			if j > 0 {
				k := strings.Index(line[i+j:], ">)")
				if k > 0 {
					discordInline(out, line[i+1:i+j])
					i += j + k + 2
					continue
				}
			}
			out.WriteByte(c)
			i++
		case c == '<':
			j := strings.IndexByte(line[i:], '>')
			if j > 0 && strings.Contains(line[i:i+j], ":") && !strings.ContainsAny(line[i+1:i+j], " <") {
				out.WriteString(line[i+1 : i+j])
				i += j + 1
				continue
			}
			out.WriteByte(c)
			i++
		case strings.HasPrefix(line[i:], "\u200b"):
			i += len("\u200b")
		default:
			out.WriteByte(c)
			i++
		}
	}
}
