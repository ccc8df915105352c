package practice

import (
	"math"
	"regexp"
	"strconv"
	"strings"
)

// gpuCard is a known graphics card and its memory.
type gpuCard struct {
	key  string // lower-case model as people write it, spaces optional
	name string
	gib  float64
	alt  float64 // a larger memory variant, 0 if none
}

// gpuCards lists common NVIDIA, AMD and Intel cards with their memory in GB
// (vendor specifications). Where a card came in two sizes the smaller is
// listed (an explicit "16GB" in the text wins).
var gpuCards = []gpuCard{
	{"5090", "RTX 5090", 32, 0}, {"5080", "RTX 5080", 16, 0}, {"5070 ti", "RTX 5070 Ti", 16, 0}, {"5070", "RTX 5070", 12, 0},
	{"5060 ti", "RTX 5060 Ti", 8, 16}, {"5060", "RTX 5060", 8, 0},
	{"4090", "RTX 4090", 24, 0}, {"4080 super", "RTX 4080 Super", 16, 0}, {"4080", "RTX 4080", 16, 0},
	{"4070 ti super", "RTX 4070 Ti Super", 16, 0}, {"4070 ti", "RTX 4070 Ti", 12, 0}, {"4070 super", "RTX 4070 Super", 12, 0},
	{"4070", "RTX 4070", 12, 0}, {"4060 ti", "RTX 4060 Ti", 8, 16}, {"4060", "RTX 4060", 8, 0},
	{"3090 ti", "RTX 3090 Ti", 24, 0}, {"3090", "RTX 3090", 24, 0}, {"3080 ti", "RTX 3080 Ti", 12, 0}, {"3080", "RTX 3080", 10, 12},
	{"3070 ti", "RTX 3070 Ti", 8, 0}, {"3070", "RTX 3070", 8, 0}, {"3060 ti", "RTX 3060 Ti", 8, 0}, {"3060", "RTX 3060", 12, 0},
	{"3050", "RTX 3050", 8, 0}, {"2080 ti", "RTX 2080 Ti", 11, 0}, {"2080 super", "RTX 2080 Super", 8, 0}, {"2080", "RTX 2080", 8, 0},
	{"2070 super", "RTX 2070 Super", 8, 0}, {"2070", "RTX 2070", 8, 0}, {"2060 super", "RTX 2060 Super", 8, 0}, {"2060", "RTX 2060", 6, 12},
	{"1080 ti", "GTX 1080 Ti", 11, 0}, {"1080", "GTX 1080", 8, 0}, {"1070", "GTX 1070", 8, 0}, {"1660 ti", "GTX 1660 Ti", 6, 0},
	{"1660 super", "GTX 1660 Super", 6, 0}, {"1660", "GTX 1660", 6, 0}, {"1650", "GTX 1650", 4, 0},
	{"titan rtx", "Titan RTX", 24, 0}, {"rtx 6000 ada", "RTX 6000 Ada", 48, 0}, {"6000 ada", "RTX 6000 Ada", 48, 0},
	{"a6000", "RTX A6000", 48, 0}, {"a5000", "RTX A5000", 24, 0}, {"a4000", "RTX A4000", 16, 0},
	{"h200", "H200", 141, 0}, {"h100", "H100", 80, 0}, {"gh200", "GH200", 96, 0}, {"a100", "A100", 40, 80}, {"l40s", "L40S", 48, 0},
	{"l40", "L40", 48, 0}, {"a40", "A40", 48, 0}, {"a10g", "A10G", 24, 0}, {"a10", "A10", 24, 0}, {"l4", "L4", 24, 0},
	{"t4", "T4", 16, 0}, {"v100", "V100", 16, 32}, {"p100", "P100", 16, 0},
	{"mi300x", "Instinct MI300X", 192, 0}, {"mi250", "Instinct MI250", 128, 0}, {"mi210", "Instinct MI210", 64, 0},
	{"7900 xtx", "RX 7900 XTX", 24, 0}, {"7900 xt", "RX 7900 XT", 20, 0}, {"7900 gre", "RX 7900 GRE", 16, 0},
	{"7800 xt", "RX 7800 XT", 16, 0}, {"7700 xt", "RX 7700 XT", 12, 0}, {"7600 xt", "RX 7600 XT", 16, 0}, {"7600", "RX 7600", 8, 0},
	{"9070 xt", "RX 9070 XT", 16, 0}, {"9070", "RX 9070", 16, 0},
	{"6950 xt", "RX 6950 XT", 16, 0}, {"6900 xt", "RX 6900 XT", 16, 0}, {"6800 xt", "RX 6800 XT", 16, 0}, {"6800", "RX 6800", 16, 0},
	{"6700 xt", "RX 6700 XT", 12, 0}, {"6600 xt", "RX 6600 XT", 8, 0}, {"6600", "RX 6600", 8, 0},
	{"arc a770", "Arc A770", 16, 0}, {"a770", "Arc A770", 16, 0}, {"arc b580", "Arc B580", 12, 0}, {"b580", "Arc B580", 12, 0},
}

var (
	gpuRE    *regexp.Regexp
	gpuByKey = map[string]gpuCard{}
	// gpuDigits are the digit runs of the card keys ("4090", the "100"
	// of "a100"), gpuWordHeads the first words of keys without digits
	// ("titan"): see mayNameCard.
	gpuDigits    = map[string]bool{}
	gpuWordHeads []string
	countWords   = map[string]int{"two": 2, "dual": 2, "three": 3, "four": 4, "eight": 8, "два": 2, "две": 2, "двух": 2, "двумя": 2, "три": 3, "трёх": 3, "трех": 3, "тремя": 3, "четыре": 4, "четырёх": 4, "четырех": 4, "четырьмя": 4, "восемь": 8, "восьми": 8, "восемью": 8}
)

func buildGPURE() *regexp.Regexp {
	keys := make([]string, 0, len(gpuCards))
	for _, c := range gpuCards {
		gpuByKey[c.key] = c
		digits := false
		for i := 0; i < len(c.key); {
			j := i
			for j < len(c.key) && isASCIIDigit(c.key[j]) {
				j++
			}
			if j > i {
				gpuDigits[c.key[i:j]], digits = true, true
				i = j
				continue
			}
			i++
		}
		if !digits {
			head, _, _ := strings.Cut(c.key, " ")
			gpuWordHeads = append(gpuWordHeads, head)
		}
		keys = append(keys, strings.ReplaceAll(regexp.QuoteMeta(c.key), " ", `\s*`))
	}
	sortByLenDesc(keys)
	// group 1: numeric count ("2x", "2 ×", "2 RTX 4090", "4 видеокарты
	// RTX 3090"), group 2: word count ("two", "двумя"), group 3: card.
	gpuNoun := `(?:(?:видеокарт\p{L}*|карт\p{L}*|gpus?|cards?)\s+)?`
	return regexp.MustCompile(`(?i)(?:^|[^\p{L}\p{N}])(?:(\d{1,2})(?:\s*[x×]\s*|\s+` + gpuNoun + `)|(two|dual|three|four|eight|два|две|двух|двумя|три|трёх|трех|тремя|четыре|четырёх|четырех|четырьмя|восемь|восьми|восемью)\s+` + gpuNoun + `)?` +
		`(?:(?:nvidia|geforce|rtx|gtx|amd|radeon|rx|intel|tesla|instinct)\s*)*(` + strings.Join(keys, "|") + `)(?:s|'s|ы|ах|ами)?(?:[^\p{L}\p{N}]|$)`)
}

// findCard is gpuRE.FindStringSubmatchIndex(l) for lower-cased l. The
// expression is slow (every card is an alternative, tried at every
// position), so it runs only where mayNameCard finds a card possible.
func findCard(l string) []int {
	if !mayNameCard(l) {
		return nil
	}
	return gpuRE.FindStringSubmatchIndex(l)
}

// mayNameCard reports whether lower-cased l may name a card of gpuRE: a
// card's digits are a whole run of digits in l wherever gpuRE matches
// (it wants no letter or digit around a card, and a card's letters end
// its digits: "a100", "rtx4090"), so l needs one of gpuDigits as a run
// of digits, or the first word of a card without digits.
func mayNameCard(l string) bool {
	for i := 0; i < len(l); {
		j := i
		for j < len(l) && isASCIIDigit(l[j]) {
			j++
		}
		if j > i {
			if gpuDigits[l[i:j]] {
				return true
			}
			i = j
			continue
		}
		i++
	}
	for _, w := range gpuWordHeads {
		if strings.Contains(l, w) {
			return true
		}
	}
	return false
}

func isASCIIDigit(c byte) bool { return '0' <= c && c <= '9' }

var (
	// a size with a unit: "24GB", "24 GB", "1,5 ТБ", "1e309 GB", "-5 GB"
	sizeRE = regexp.MustCompile(`(?i)(-?\d+(?:[.,]\d+)?(?:e[+-]?\d+)?)\s*(tib|tb|gib|gb|gbs|gigs?|gigabytes?|g|mib|mb|тб|гб|гигабайт\p{L}*|гиг\p{L}*|мб|g)(?:[^\p{L}\p{N}]|$)`)
	// "2x24GB", "4 x 80 GB"
	multiSizeRE = regexp.MustCompile(`(?i)(\d{1,2})\s*[x×]\s*(\d+(?:[.,]\d+)?)\s*(gb|gib|g|гб)(?:[^\p{L}\p{N}]|$)`)
	bareNumRE   = regexp.MustCompile(`^-?\d+(?:[.,]\d+)?(?:e[+-]?\d+)?$`)
	appleChipRE = regexp.MustCompile(`(?i)(?:^|[^\p{L}\p{N}])m[1-5](?:\s*(?:pro|max|ultra))?(?:[^\p{L}\p{N}]|$)`)
)

var (
	noGPUWords = newWords("no gpu", "no gpus", "without gpu", "without a gpu", "cpu only", "cpu-only", "only cpu", "only a cpu", "just cpu", "just a cpu",
		"no graphics card", "no video card", "no dedicated", "integrated graphics", "integrated gpu", "igpu", "none", "no", "nothing",
		"нет", "нету", "без gpu", "без видеокарты", "нет видеокарты", "нет gpu", "только cpu", "только процессор", "только на cpu", "на процессоре", "встроенн*")
	phoneWords = newWords("phone", "phones", "smartphone", "iphone", "android", "pixel", "galaxy s*", "mobile phone", "on-device phone", "tablet", "ipad",
		"телефон*", "смартфон*", "айфон*", "андроид*", "планшет*")
	// a card-like name that is not in gpuCards: "RTX 9090", "Radeon 780M", "Quadro P2000"
	gpuLikeRE      = regexp.MustCompile(`(?i)(?:^|[^\p{L}\p{N}])((?:nvidia\s+|amd\s+|intel\s+)?(?:geforce\s+)?(?:rtx|gtx|quadro|tesla|radeon|rx|arc|titan|instinct|mi|gt)\s*[a-z]{0,2}\s*\d{2,5}[a-z]{0,2}(?:\s*(?:ti|super|xt|xtx|ada|max-q))?)(?:[^\p{L}\p{N}]|$)`)
	appleWords     = newWords("mac", "macbook", "macbook pro", "macbook air", "mac mini", "mac studio", "imac", "apple", "unified memory", "unified", "макбук", "мак")
	unlimitedWords = newWords("doesn't matter", "does not matter", "doesnt matter", "don't care", "dont care", "unlimited", "no limit", "any", "n/a", "not applicable",
		"whatever", "whatever we need", "whatever it takes", "as much as needed", "as needed", "we rent", "we'll rent", "rent what", "rented", "rent a gpu",
		"не важно", "неважно", "без ограничений", "не имеет значения", "всё равно", "все равно", "сколько нужно", "сколько понадобится", "любая", "любой", "какая угодно", "арендуем", "возьмём в аренду", "возьмем в аренду")
	ramWords = newWords("ram", "system ram", "system memory", "memory ram", "ddr4", "ddr5", "ddr*", "озу", "оперативн*", "оперативки", "оперативы")
	gpuWords = newWords("vram", "gpu", "gpus", "graphics", "video memory", "видеопамят*", "видеокарт*", "видео")
)

// appleIn returns v when it names an Apple computer or chip ("MacBook Pro
// M3 Max", "на маке"), else "".
func appleIn(v string) string {
	l := strings.ToLower(v)
	if anyWord(l, appleWords) || appleChipRE.MatchString(l) || anyWord(l, macRuWords) {
		return v
	}
	return ""
}

// parseHardware reads the GPU memory field. reason is non-empty (a
// message id) when it cannot be understood.
func parseHardware(v string) (Hardware, msg) {
	hw := Hardware{Text: v, GPUCount: 1}
	l := strings.ToLower(v)

	hw.AppleUnified = anyWord(l, appleWords) || appleChipRE.MatchString(l)
	hw.Phone = !hw.AppleUnified && anyWord(l, phoneWords)
	hasNoGPU := anyWord(l, noGPUWords)

	// Cards: remember and blank them out so "4090" is not read as a size.
	var cardGiB, cardAlt float64
	if m := findCard(l); m != nil {
		key := strings.Join(strings.Fields(l[m[6]:m[7]]), " ")
		if c, ok := lookupCard(key); ok && vendorAgrees(l[m[0]:m[6]], c.name) {
			hw.GPUName = c.name
			cardGiB, cardAlt = c.gib, c.alt
			if m[2] >= 0 {
				if n, err := strconv.Atoi(l[m[2]:m[3]]); err == nil && n >= 1 && n <= 16 {
					hw.GPUCount = n
				}
			} else if m[4] >= 0 {
				hw.GPUCount = countWords[l[m[4]:m[5]]]
			}
			from := m[6]
			for _, i := range []int{m[4], m[2]} {
				if i >= 0 {
					from = i // the count goes too: "2 x A100 80GB" is not "2x80GB"
				}
			}
			l = l[:from] + strings.Repeat(" ", m[7]-from) + l[m[7]:]
		}
	}
	// "2x24GB"
	if m := multiSizeRE.FindStringSubmatchIndex(l); m != nil {
		n, _ := strconv.Atoi(l[m[2]:m[3]])
		size, err := parseNumber(l[m[4]:m[5]])
		if err == "" && n >= 1 && n <= 16 {
			hw.GPUCount = n
			hw.GPUGiB = size * float64(n)
			l = l[:m[0]] + strings.Repeat(" ", m[1]-m[0]) + l[m[1]:]
		}
	}
	if hw.AppleUnified {
		l = appleChipRE.ReplaceAllStringFunc(l, func(s string) string { return strings.Repeat(" ", len(s)) })
	}

	// Sizes with units, classified by the words around them.
	var gpuSizes, ramSizes, plainSizes []float64
	for _, m := range sizeRE.FindAllStringSubmatchIndex(l, -1) {
		numStart := m[2]
		if numStart > 0 {
			prev := l[numStart-1]
			if (prev >= 'a' && prev <= 'z') || (prev >= '0' && prev <= '9') || prev == '.' {
				continue
			}
		}
		val, reason := parseNumber(l[m[2]:m[3]])
		if reason != "" {
			return hw, reason
		}
		val *= unitFactor(l[m[4]:m[5]])
		if val > maxMemoryGiB {
			return hw, "mem.too_much"
		}
		ctxAfter := l[m[1]:min(len(l), m[1]+24)]
		ctxBefore := l[max(0, numStart-24):numStart]
		switch {
		case anyWord(ctxAfter, ramWords) && !startsWithWord(ctxAfter, gpuWords):
			ramSizes = append(ramSizes, val)
		case anyWord(ctxAfter, gpuWords):
			gpuSizes = append(gpuSizes, val)
		case anyWord(lastWords(ctxBefore), ramWords):
			ramSizes = append(ramSizes, val)
		case anyWord(lastWords(ctxBefore), gpuWords):
			gpuSizes = append(gpuSizes, val)
		default:
			plainSizes = append(plainSizes, val)
		}
	}
	// A bare number ("24") is GB of GPU memory.
	if len(gpuSizes)+len(ramSizes)+len(plainSizes) == 0 && hw.GPUName == "" && hw.GPUGiB == 0 {
		t := strings.TrimSpace(strings.NewReplacer("vram", "", "gpu", "", "видеопамяти", "", "~", "", "≈", "").Replace(l))
		if bareNumRE.MatchString(t) {
			val, reason := parseNumber(t)
			if reason != "" {
				return hw, reason
			}
			if val > maxMemoryGiB {
				return hw, "mem.too_much"
			}
			if val == 0 {
				hasNoGPU = true
			} else {
				gpuSizes = append(gpuSizes, val)
			}
		}
	}

	if hw.GPUName == "" && len(gpuSizes)+len(plainSizes) == 0 && !hw.AppleUnified && !hw.Phone {
		if m := gpuLikeRE.FindStringSubmatch(v); m != nil && !hasNoGPU {
			hw.UnknownCard = strings.TrimSpace(m[1])
			return hw, "mem.unknown_card"
		}
	}

	switch {
	case hw.Phone:
		all := append(append(plainSizes, ramSizes...), gpuSizes...)
		if len(all) == 0 {
			return hw, "mem.phone_size"
		}
		hw.RAMGiB, hw.GPUCount, hw.GPUName, hw.NoGPU = all[0], 0, "", false
		return hw, positive(hw.RAMGiB)
	case hw.AppleUnified:
		all := append(append(plainSizes, gpuSizes...), ramSizes...)
		if len(all) == 0 {
			return hw, "mem.mac_size"
		}
		hw.UnifiedGiB = all[0]
		hw.GPUGiB = round1(MetalBudgetGiB(hw.UnifiedGiB))
		hw.GPUName = ""
		hw.NoGPU = false
		return hw, positive(hw.UnifiedGiB)
	case hw.GPUName != "":
		n := float64(hw.GPUCount)
		variant := func(v float64) bool { return v == cardGiB || (cardAlt > 0 && v == cardAlt) }
		total := func(v float64) bool {
			return hw.GPUCount > 1 && !variant(v) && (math.Abs(v-cardGiB*n) < 0.5 || (cardAlt > 0 && math.Abs(v-cardAlt*n) < 0.5))
		}
		per := cardGiB
		switch {
		case len(gpuSizes) > 0 && total(gpuSizes[0]):
			per = gpuSizes[0] / n // "2x 3090, 48 GB VRAM": the total
		case len(gpuSizes) > 0:
			per = gpuSizes[0]
		case len(plainSizes) > 0 && variant(plainSizes[0]):
			per = plainSizes[0] // the card's own size, e.g. "4060 Ti 16GB", "2 x A100 80GB"
			plainSizes = plainSizes[1:]
		case len(plainSizes) > 0 && total(plainSizes[0]):
			per = plainSizes[0] / n // "2× 3090 (48 GB)"
			plainSizes = plainSizes[1:]
		}
		hw.GPUGiB = per * n
		if len(ramSizes) > 0 {
			hw.RAMGiB = ramSizes[0]
		} else if len(plainSizes) > 0 {
			hw.RAMGiB = plainSizes[0]
		}
	case hasNoGPU && len(gpuSizes) == 0:
		hw.NoGPU = true
		hw.GPUCount = 0
		all := append(ramSizes, plainSizes...)
		if len(all) > 0 {
			hw.RAMGiB = all[0]
		}
		if hw.RAMGiB < 0 {
			return hw, "mem.ram_negative"
		}
		return hw, ""
	case hw.GPUGiB > 0: // "2x24GB"
		if len(ramSizes) > 0 {
			hw.RAMGiB = ramSizes[0]
		}
	case len(gpuSizes) > 0 || len(plainSizes) > 0:
		if len(gpuSizes) > 0 {
			hw.GPUGiB = gpuSizes[0]
			if len(plainSizes) > 0 && len(ramSizes) == 0 {
				ramSizes = plainSizes
			}
		} else {
			hw.GPUGiB = plainSizes[0]
			if len(plainSizes) > 1 && len(ramSizes) == 0 {
				ramSizes = plainSizes[1:]
			}
		}
		if len(ramSizes) > 0 {
			hw.RAMGiB = ramSizes[0]
		}
	case len(ramSizes) > 0:
		// Only RAM was given: CPU inference.
		hw.NoGPU = true
		hw.GPUCount = 0
		hw.RAMGiB = ramSizes[0]
	case anyWord(l, unlimitedWords):
		hw.Unlimited = true
		hw.GPUCount = 0
		return hw, ""
	default:
		return hw, "mem.unreadable"
	}
	if r := positive(hw.GPUGiB); r != "" {
		return hw, r
	}
	if hw.RAMGiB < 0 {
		return hw, "mem.ram_negative"
	}
	return hw, ""
}

func positive(v float64) msg {
	switch {
	case v < 0:
		return "mem.negative"
	case v == 0:
		return "mem.zero"
	case v < 0.5:
		return "mem.tiny"
	}
	return ""
}

// vendorAgrees reports whether the words before a card number fit the card:
// "RTX 9070" is not AMD's RX 9070, and "RX 4090" is not NVIDIA's.
func vendorAgrees(prefix, name string) bool {
	nvidia := anyWord(prefix, nvidiaWords)
	amd := anyWord(prefix, amdWords)
	switch {
	case nvidia && (strings.HasPrefix(name, "RX ") || strings.HasPrefix(name, "Instinct") || strings.HasPrefix(name, "Arc")):
		return false
	case amd && (strings.HasPrefix(name, "RTX") || strings.HasPrefix(name, "GTX") || strings.HasPrefix(name, "Titan")):
		return false
	}
	return true
}

func lookupCard(key string) (gpuCard, bool) {
	if c, ok := gpuByKey[key]; ok {
		return c, true
	}
	// "4070tisuper" → try with the suffixes spaced out
	for k, c := range gpuByKey {
		if strings.ReplaceAll(k, " ", "") == strings.ReplaceAll(key, " ", "") {
			return c, true
		}
	}
	return gpuCard{}, false
}

// parseNumber reads a number that may use a decimal comma; reason is set
// for values that are not finite or negative.
func parseNumber(s string) (float64, msg) {
	s = strings.Replace(s, ",", ".", 1)
	v, err := strconv.ParseFloat(s, 64)
	if err != nil && !math.IsInf(v, 0) {
		return 0, "mem.bad_number"
	}
	switch {
	case math.IsInf(v, 0) || math.IsNaN(v):
		return 0, "mem.too_much"
	case v < 0:
		return 0, "mem.negative"
	}
	return v, ""
}

func unitFactor(u string) float64 {
	switch {
	case strings.HasPrefix(u, "t"), strings.HasPrefix(u, "т"):
		return 1024
	case strings.HasPrefix(u, "m"), strings.HasPrefix(u, "м"):
		return 1.0 / 1024
	}
	return 1
}

func startsWithWord(s string, l *wordList) bool {
	return l.index(strings.TrimLeft(s, " ,;:()/-")) == 0
}

// lastWords keeps the last two words of s (the words right before a number).
func lastWords(s string) string {
	f := strings.Fields(s)
	if len(f) > 2 {
		f = f[len(f)-2:]
	}
	return strings.Join(f, " ")
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }

var needWords = []struct {
	need  Strength
	words *wordList
}{
	{StrengthCode, newWords("code", "coding", "coder", "programming", "programmer", "developer", "refactor*", "debug*", "bug", "bugs", "python", "javascript", "typescript", "golang", "go code", "rust", "java", "c++", "sql", "autocomplete", "copilot", "fim", "code review", "pull request*", "unit test*", "код*", "программ*", "разработ*", "рефактор*", "автодополн*")},
	{StrengthMath, newWords("math", "maths", "mathematics", "calculus", "algebra", "proof", "proofs", "olympiad", "equation*", "statistic*", "математ*", "уравнен*", "задачи по математике")},
	{StrengthReasoning, newWords("reasoning", "reason", "logic", "logical", "complex", "planning", "step-by-step", "think*", "рассужд*", "логик*", "сложн*", "планир*")},
	{StrengthMultilingual, newWords("translate", "translation", "translating", "translator", "multilingual", "languages", "localization", "localisation", "перевод*", "переводить", "мультиязыч*", "языках")},
	{StrengthVision, newWords("image", "images", "photo", "photos", "picture", "pictures", "screenshot*", "ocr", "scan", "scans", "scanned", "diagram*", "chart", "charts", "vision", "visual", "video", "videos", "invoice image*", "receipt*", "изображен*", "фото*", "картин*", "скриншот*", "распозна*", "скан*", "видео", "чек*", "диаграмм*")},
	{StrengthLongContext, newWords("long document*", "long context", "long-context", "long texts", "whole book*", "books", "large codebase*", "entire codebase", "entire repo*", "whole repo*", "contracts", "legal documents", "100k", "128k", "200k", "1m tokens", "длинн*", "книг*", "больши* документ*", "договор*", "вся кодовая база")},
	{StrengthAgents, newWords("agent", "agents", "agentic", "tool use", "tool calling", "function calling", "tools", "mcp", "automation", "агент*", "инструмент*", "вызов функций")},
	{StrengthSmall, newWords("tiny", "lightweight", "small model", "маленьк*", "лёгк* модел*", "mobile", "phone", "smartphone", "edge", "raspberry*", "on-device", "embedded", "laptop", "offline", "iot", "телефон*", "смартфон*", "мобильн*", "ноутбук*")},
	{StrengthAudio, newWords("speech", "audio", "voice", "transcrib*", "transcription", "podcast*", "речь", "речи", "аудио", "голос*", "транскриб*", "расшифров*")},
	{StrengthGeneral, newWords("chat", "chatbot", "assistant", "support", "summar*", "writing", "write", "emails", "email", "q&a", "questions", "rag", "knowledge base", "content", "чат*", "поддержк*", "суммар*", "ассистент*", "пис*", "вопрос*", "ответ*", "текст*")},
}

// taskNeeds maps the task (and named languages) to the strengths that matter.
func taskNeeds(task string, c Constraints) []Strength {
	l := strings.ToLower(task)
	var out []Strength
	for _, nw := range needWords {
		if anyWord(l, nw.words) {
			out = append(out, nw.need)
		}
	}
	multi := false
	for _, s := range out {
		if s == StrengthMultilingual {
			multi = true
		}
	}
	if !multi {
		langs := languages(l)
		for _, x := range c.Languages {
			langs = appendUnique(langs, x)
		}
		for _, x := range langs {
			if x != "English" {
				out = append(out, StrengthMultilingual)
				break
			}
		}
	}
	if len(out) == 0 && strings.TrimSpace(task) != "" {
		out = append(out, StrengthGeneral)
	}
	return out
}

var (
	// macRuWords are Russian forms of "Mac" and "MacBook".
	macRuWords = newWords("маке", "макбуке", "макбук*")
	// nvidiaWords and amdWords name a card's vendor.
	nvidiaWords = newWords("rtx", "gtx", "geforce", "nvidia", "quadro", "tesla")
	amdWords    = newWords("rx", "radeon", "amd", "instinct")
)
