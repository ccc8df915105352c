package practice

import (
	"strings"
	"unicode/utf8"
)

// wordList is a list of words and phrases to look for in lower-cased
// text, each read as hasWord reads it (a trailing '*' matches any ending;
// "закрыт* контур*" is a phrase of stems). It is prepared once, so that a
// text is scanned once for all of its words instead of once per word: the
// recommender looks for a few hundred words in every template.
type wordList struct {
	// words are the words as given.
	words []string
	// pats are the plain words and stems, ordered by first byte; those
	// starting with byte b are pats[first[b]:first[b+1]].
	pats  []wordPat
	first [257]uint16
	// phrases are the phrases of stems, matched by phraseIndex.
	phrases [][]string
}

type wordPat struct {
	w    string // without the trailing '*'
	stem bool
}

// newWords prepares a word list. Words must not be empty.
func newWords(ws ...string) *wordList {
	l := &wordList{words: ws}
	var byByte [256][]wordPat
	for _, w := range ws {
		p := wordPat{w: w}
		if strings.HasSuffix(w, "*") {
			p = wordPat{w: w[:len(w)-1], stem: true}
		}
		switch {
		case p.w == "":
			panic("practice: empty word in a word list")
		case strings.Contains(p.w, "* "):
			l.phrases = append(l.phrases, strings.Fields(w))
		default:
			byByte[p.w[0]] = append(byByte[p.w[0]], p)
		}
	}
	for b := range byByte {
		l.first[b] = uint16(len(l.pats))
		l.pats = append(l.pats, byByte[b]...)
	}
	l.first[256] = uint16(len(l.pats))
	return l
}

// index is the smallest wordIndex(s, w) over the list's words, or -1.
func (l *wordList) index(s string) int {
	best := -1
	for _, p := range l.phrases {
		if i := phraseIndex(s, p); i >= 0 && (best < 0 || i < best) {
			best = i
		}
	}
	afterWord := false // the rune before i is a letter or digit
	for i := 0; i < len(s) && (best < 0 || i < best); {
		c := s[i]
		if !afterWord {
			for _, p := range l.pats[l.first[c]:l.first[int(c)+1]] {
				if !strings.HasPrefix(s[i:], p.w) {
					continue
				}
				end := i + len(p.w)
				if p.stem || end == len(s) {
					return i
				}
				if after, _ := utf8.DecodeRuneInString(s[end:]); !isWordRune(after) {
					return i
				}
			}
		}
		r, size := rune(c), 1
		if c >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		afterWord = isWordRune(r)
		i += size
	}
	return best
}
