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
		if r == '\u200d' {
			joined = true
			continue
		}
		if isModifier(r) {
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

// bmpModifiers marks the modifying code points of the Basic Multilingual
// Plane (combining marks, variation selectors), one bit each, so that a
// long text is counted without a table search per character.
var bmpModifiers = func() *[1 << 16 / 64]uint64 {
	var m [1 << 16 / 64]uint64
	set := func(r rune) { m[r>>6] |= 1 << (r & 63) }
	for _, t := range []*unicode.RangeTable{unicode.Mn, unicode.Me} {
		for _, rg := range t.R16 {
			for r := rune(rg.Lo); r <= rune(rg.Hi); r += rune(rg.Stride) {
				set(r)
			}
		}
	}
	for r := rune(0xFE00); r <= 0xFE0F; r++ { // variation selectors
		set(r)
	}
	return &m
}()

// isModifier reports whether r only modifies the character before it.
func isModifier(r rune) bool {
	if r < 1<<16 {
		return bmpModifiers[r>>6]&(1<<(r&63)) != 0
	}
	return r >= 0x1F3FB && r <= 0x1F3FF || // skin tones
		r >= 0xE0020 && r <= 0xE007F || // emoji tags
		r >= 0xE0100 && r <= 0xE01EF || // variation selectors supplement
		unicode.In(r, unicode.Mn, unicode.Me)
}
