package bot

import "unicode"

// textLength counts the characters of s as a learner sees them: every
// letter, digit, sign or emoji once, whatever its size in UTF-8 bytes, and
// nothing for the code points that only modify the one before (combining
// accents, variation selectors, skin tones, emoji tags), join two emoji
// into one (the zero-width joiner) or complete a flag (the second of two
// regional indicators).
func textLength(s string) int {
	n := 0
	joined, flagHalf := false, false
	for _, r := range s {
		if r < 0x300 && !joined { // before the first combining mark
			flagHalf = false
			n++
			continue
		}
		switch {
		case r == '\u200d':
			joined = true
			continue
		case unicode.In(r, unicode.Mn, unicode.Me),
			r >= 0xFE00 && r <= 0xFE0F,   // variation selectors
			r >= 0x1F3FB && r <= 0x1F3FF, // skin tones
			r >= 0xE0020 && r <= 0xE007F: // emoji tags
			continue
		}
		regional := r >= 0x1F1E6 && r <= 0x1F1FF
		if joined || (regional && flagHalf) {
			joined, flagHalf = false, false
			continue
		}
		flagHalf = regional
		n++
	}
	return n
}
