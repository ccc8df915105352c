package ask

import (
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"tutorbot/practice"
)

// MaxQuestion is how much of a question is read at all.
const MaxQuestion = 4 << 10

// CatalogQuestion is what a free-text question asks of the model catalog.
type CatalogQuestion struct {
	// Models are the catalog models the question names (at most 3).
	Models []practice.Model
	// Family is a family named without a model the catalog can tell
	// ("Is Llama free for commercial use?").
	Family string
	// Unknown is a model-like name the catalog does not have ("Qwen9-900B").
	Unknown string
	// Quant is a quantization the question names ("Q4_K_M", "Q4"), or "".
	Quant practice.Quant
	// Request is the question read by the template parser: the hardware,
	// the context and its issues.
	Request practice.Request
	// HasHardware: the question names memory, a card, a Mac, a phone or CPU.
	HasHardware bool
	// BadHardware is why the memory named could not be used ("-5 GB").
	BadHardware string
	// License and Memory: what the question asks about.
	License, Memory bool
}

// Catalog answers catalog questions with the recommender's own figures.
type catalogIndex struct {
	cat     *practice.Catalog
	aliases []alias
}

type alias struct {
	key string
	id  string
}

// families maps the words learners use for a family to its catalog name.
var familyWords = map[string]string{
	"deepseek": "DeepSeek", "дипсик": "DeepSeek", "дипсика": "DeepSeek", "дипсике": "DeepSeek",
	"qwen": "Qwen", "qwq": "Qwen", "квен": "Qwen",
	"mistral": "Mistral", "mixtral": "Mistral", "codestral": "Mistral", "pixtral": "Mistral", "magistral": "Mistral", "ministral": "Mistral", "мистраль": "Mistral",
	"llama": "Llama", "лама": "Llama", "ламу": "Llama", "ламы": "Llama", "ллама": "Llama",
	"gemma": "Gemma", "джемма": "Gemma",
	"phi": "Phi",
}

var (
	wordRE = regexp.MustCompile(`[\p{L}]+`)
	// modelLikeRE is a family word followed by a version or size: a model name.
	modelLikeRE = regexp.MustCompile(`(?i)\b(deepseek|qwen|qwq|mistral|mixtral|llama|gemma|phi)[\s\-_]*(\d[\w.\-]*(?:\s*\d+(?:\.\d+)?\s*b\b)?)`)
	sizeRE      = regexp.MustCompile(`(?i)\b(\d+(?:\.\d+)?)\s*[bб]\b`)
	quantRE     = regexp.MustCompile(`(?i)\bq([2-8])(?:_k(?:_[msl])?|_0)?\b|\b([2-8])[\s-]?(?:bit|бит)`)

	licenseWords = []string{"license", "licence", "licenses", "licences", "licensed", "licensing", "commercial", "commercially", "free", "allowed", "allow", "terms", "legal", "sell",
		"лиценз", "коммерч", "бесплатн", "разреш", "можно ли использовать", "продава"}
	memoryWords = []string{"memory", "vram", "ram", "gb", "gib", "tb", "fit", "fits", "run", "running", "need", "needs", "requirement", "requirements", "how much", "quant", "card", "gpu",
		"памят", "гб", "влез", "помест", "запуст", "хватит", "нужно", "видеокарт", "карт", "требован"}
)

func newCatalogIndex(cat *practice.Catalog) *catalogIndex {
	ci := &catalogIndex{cat: cat}
	for _, m := range cat.Models {
		keys := []string{squash(m.ID), squash(stripParens(m.Name))}
		if tag := m.OllamaTag; tag != "" {
			keys = append(keys, squash(tag))
		}
		seen := map[string]bool{}
		for _, k := range keys {
			if len(k) >= 4 && !seen[k] {
				seen[k] = true
				ci.aliases = append(ci.aliases, alias{key: k, id: m.ID})
			}
		}
	}
	// Longest first, so "qwen2.5-coder-32b" wins over "qwen2.5-32b".
	sort.SliceStable(ci.aliases, func(i, j int) bool { return len(ci.aliases[i].key) > len(ci.aliases[j].key) })
	return ci
}

// squash keeps letters, digits and dots, in lower case: "Llama 3.1 70B" and
// "llama-3.1-70b" both become "llama3.170b".
func squash(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func stripParens(s string) string {
	if i := strings.IndexByte(s, '('); i > 0 {
		return s[:i]
	}
	return s
}

// hasWord reports whether l (lower case) holds one of words: whole words,
// or word beginnings for Russian stems and phrases.
func hasWord(l string, words []string) bool {
	for _, w := range words {
		i := strings.Index(l, w)
		for i >= 0 {
			before := i == 0 || !isWordByte(l, i-1)
			after := i+len(w) >= len(l) || !isWordByte(l, i+len(w)) || !isASCII(w)
			if before && after {
				return true
			}
			next := strings.Index(l[i+1:], w)
			if next < 0 {
				break
			}
			i += 1 + next
		}
	}
	return false
}

func isWordByte(s string, i int) bool {
	c := s[i]
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= 0x80
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// ParseCatalogQuestion reads what text asks of the catalog: the models it
// names, a family, a quantization, the hardware and context (through the
// template parser), and whether it asks about the license or memory. ok is
// false when the question is not about the catalog. It never panics.
func (ci *catalogIndex) parse(text, lang string) (q CatalogQuestion, ok bool) {
	if len(text) > MaxQuestion {
		text = text[:MaxQuestion]
	}
	l := strings.ToLower(text)
	sq := squash(text)
	for _, a := range ci.aliases {
		if len(q.Models) == 3 {
			break
		}
		if strings.Contains(sq, a.key) {
			if m, found := ci.cat.ByID(a.id); found && !hasModel(q.Models, a.id) {
				q.Models = append(q.Models, m)
				sq = strings.Replace(sq, a.key, "|", 1)
			}
		}
	}
	for _, w := range wordRE.FindAllString(l, 64) {
		if f, found := familyWords[w]; found {
			q.Family = f
			break
		}
	}
	if len(q.Models) == 0 {
		if m := modelLikeRE.FindStringSubmatch(text); m != nil {
			fam := familyWords[strings.ToLower(m[1])]
			if s := sizeRE.FindStringSubmatch(m[0]); s != nil {
				size, _ := strconv.ParseFloat(s[1], 64)
				if best, found := ci.bySize(fam, size); found {
					q.Models = append(q.Models, best)
				} else {
					q.Unknown = strings.TrimSpace(m[0])
				}
			}
		}
	}
	if m := quantRE.FindStringSubmatch(l); m != nil {
		q.Quant = quantFor(m[1] + m[2])
	}
	q.Request = practice.ParseTemplateIn(text, lang)
	hw := q.Request.Hardware
	// CPU only counts with a RAM figure: a bare "no" / "нет" reads as
	// "no GPU" to the template parser, but it is not a question about one.
	q.HasHardware = hw.GPUGiB > 0 || hw.NoGPU && hw.RAMGiB > 0 || hw.AppleUnified || hw.Phone
	q.BadHardware = q.Request.Issue(practice.MemoryField)
	q.License = hasWord(l, licenseWords)
	q.Memory = hasWord(l, memoryWords) || q.Quant != "" || q.HasHardware
	switch {
	case len(q.Models) > 0, q.Unknown != "":
		return q, true
	case q.Family != "" && (q.License || q.Memory):
		return q, true
	case (q.HasHardware || q.BadHardware != "") && q.Memory:
		return q, true
	}
	return q, false
}

func hasModel(ms []practice.Model, id string) bool {
	for _, m := range ms {
		if m.ID == id {
			return true
		}
	}
	return false
}

// bySize finds the newest model of family fam with size billion
// parameters ("Llama 70B": Llama 3.3 70B).
func (ci *catalogIndex) bySize(fam string, size float64) (practice.Model, bool) {
	var best practice.Model
	found := false
	for _, m := range ci.cat.Models {
		if m.Family != fam || math.Abs(m.TotalB-size) > 0.06*size+0.05 {
			continue
		}
		if !found || m.Released > best.Released {
			best, found = m, true
		}
	}
	return best, found
}

func quantFor(bits string) practice.Quant {
	switch bits {
	case "2":
		return practice.Q2K
	case "3":
		return practice.Q3KM
	case "4":
		return practice.Q4KM
	case "5":
		return practice.Q5KM
	case "6":
		return practice.Q6K
	case "8":
		return practice.Q80
	}
	return ""
}
