package ask

import (
	_ "embed"
	"strings"
)

// SmallTalk is the kind of an answer to a short message that is not a
// question ("thanks", "ок", "привет"): a friendly line, not a search.
const SmallTalk Kind = "smalltalk"

//go:embed smalltalk.txt
var smallTalkData string

// smallTalk maps a whole normalized message to its kind ("thanks", "ok",
// "hello"), read from smalltalk.txt.
var smallTalk = func() map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(smallTalkData, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		kind, phrases, ok := strings.Cut(line, ":")
		if !ok {
			panic("ask: smalltalk.txt: a line without a kind: " + line)
		}
		for _, p := range strings.Split(phrases, ",") {
			if p = Normalize(p); p != "" {
				m[p] = strings.TrimSpace(kind)
			}
		}
	}
	return m
}()

// smallTalkKind is the small-talk kind of text ("thanks", "ok", "hello"),
// or "" when text is anything else.
func smallTalkKind(text string) string {
	n := Normalize(text)
	if len(n) > 40 {
		return ""
	}
	return smallTalk[n]
}
