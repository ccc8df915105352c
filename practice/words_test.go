package practice

import (
	"strings"
	"testing"
)

// allWordLists are the package's word lists, for the tests that hold the
// one-pass scan of wordList to the word-by-word reading of wordIndex.
func allWordLists() []*wordList {
	lists := []*wordList{commercialPos, productionWords, evaluationWords, privacyWords, dataFlowWords, latencyWords, permissiveWords,
		costWords, euWords, militaryWords, decisionWords, automatedWords, rightsDomainWords, sexualWords, fineTuneWords, bulkWords,
		wholeCodeWords, noGPUWords, phoneWords, appleWords, unlimitedWords, ramWords, gpuWords, whereLocalWords, whereAPIWords,
		whereCloudWords, dontCareWords, noneLeadWords, nonProductionWords, verdictWords, qloraWords, fullTuneWords, loraWords,
		macRuWords, nvidiaWords, amdWords}
	for _, lw := range languageWords {
		lists = append(lists, lw.words)
	}
	for _, nw := range needWords {
		lists = append(lists, nw.words)
	}
	return lists
}

// slowIndex is what wordList.index must return: the first place any of
// the words is found, each looked for on its own.
func slowIndex(s string, words []string) int {
	best := -1
	for _, w := range words {
		if i := wordIndex(s, w); i >= 0 && (best < 0 || i < best) {
			best = i
		}
	}
	return best
}

func checkWordLists(t *testing.T, s string) {
	t.Helper()
	for _, l := range allWordLists() {
		if got, want := l.index(s), slowIndex(s, l.words); got != want {
			t.Fatalf("index(%q) in the list starting %q = %d, word by word %d", s, l.words[0], got, want)
		}
	}
}

func TestWordListMatchesWordIndex(t *testing.T) {
	texts := []string{"", " ", "a", "локально", "мой ноутбук", "на своём железе в закрытом контуре",
		"Help me choose: code review for python, locally, rtx 3090 with 64 gb ram, commercial use, fast",
		"задача: перевод документов; где: локально; нет gpu, 16 гб озу; коммерческое использование",
		"no constraints", "none at all", "non-production", "not in production yet", "macbook pro m3 max", "на маке",
		"a 4-bit lora of llama", "full fine-tuning on all weights", "gpu8gb", "vram:24", "эстония и латвия", "ddr5-6000",
		"\xd0", "ноут\xd0", "\xb8ноутбук", "rtx\xff4090", "sql-запросы", "c++ and go code", "18+ content", "e.u. customers"}
	// Every word of every list: alone, inside a word, as a prefix and a
	// suffix of one, cut short, and between punctuation.
	for _, l := range allWordLists() {
		for _, w := range l.words {
			b := strings.ReplaceAll(strings.TrimSuffix(w, "*"), "* ", " ")
			texts = append(texts, b, "x"+b, b+"s", "ы"+b+"ы", "("+b+")", b[:len(b)-1], "foo "+b+", bar "+b, b+b)
		}
	}
	for _, s := range texts {
		checkWordLists(t, s)
	}
}

func FuzzWordList(f *testing.F) {
	for _, s := range []string{"locally on my laptop", "на своём железе", "rtx 4090, 24gb vram", "no gpu; 32 gb ram", "\xd0ноут"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkWordLists(t, strings.ToLower(s))
		checkWordLists(t, s)
	})
}

func TestNewWordsRefusesAnEmptyWord(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("newWords accepted an empty word")
		}
	}()
	newWords("a", "")
}
