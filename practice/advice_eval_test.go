package practice_test

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"tutorbot/practice"
)

// adviceDir holds the evaluation set: filled-in templates with what an
// expert would accept (see its README.md for the format).
const adviceDir = "../testdata/advice"

// The set must not shrink below what issue 18 asks for.
const (
	minAdviceCases   = 70
	minAdviceCasesRU = 25
)

// TestAdviceEval runs every case of the evaluation set through the parser
// and the rule engine and checks each expectation. A failure names the case
// file, the rule and the picks the engine made.
func TestAdviceEval(t *testing.T) {
	cat, err := practice.LoadCatalog()
	if err != nil {
		t.Fatalf("load catalog: %v", err)
	}
	cases, err := loadAdviceCases(adviceDir, cat)
	if err != nil {
		t.Fatal(err)
	}
	ran, ru, failedCases := 0, 0, 0
	byRule := map[string]int{}
	for _, c := range cases {
		var fails []adviceFailure
		t.Run(c.name, func(t *testing.T) {
			ran++
			if c.lang == "ru" {
				ru++
			}
			res := practice.Recommend(cat, practice.ParseTemplate(c.text))
			fails = c.check(res, cat)
			if len(fails) > 0 {
				var b strings.Builder
				for _, f := range fails {
					fmt.Fprintf(&b, "\n\trule %s: %s", f.rule, f.detail)
				}
				t.Errorf("%s (%s):%s\n\tgot: %s", c.file, c.title, b.String(), describeResult(res))
			}
		})
		if len(fails) > 0 {
			failedCases++
			seen := map[string]bool{}
			for _, f := range fails {
				if !seen[f.rule] {
					seen[f.rule] = true
					byRule[ruleName(f.rule)]++
				}
			}
		}
	}
	summary := fmt.Sprintf("advice eval: %d cases run (%d en, %d ru), %d failed", ran, ran-ru, ru, failedCases)
	if failedCases > 0 {
		rules := make([]string, 0, len(byRule))
		for r := range byRule {
			rules = append(rules, r)
		}
		sort.Slice(rules, func(i, j int) bool {
			if byRule[rules[i]] != byRule[rules[j]] {
				return byRule[rules[i]] > byRule[rules[j]]
			}
			return rules[i] < rules[j]
		})
		var b strings.Builder
		for _, r := range rules {
			fmt.Fprintf(&b, "\n\t%-26s failed in %d cases", r, byRule[r])
		}
		summary += b.String()
	}
	t.Log(summary)
}

// TestAdviceSetSize keeps the evaluation set from shrinking below what
// issue 18 asks for.
func TestAdviceSetSize(t *testing.T) {
	cat, err := practice.LoadCatalog()
	if err != nil {
		t.Fatalf("load catalog: %v", err)
	}
	cases, err := loadAdviceCases(adviceDir, cat)
	if err != nil {
		t.Fatal(err)
	}
	ru := 0
	for _, c := range cases {
		if c.lang == "ru" {
			ru++
		}
	}
	if len(cases) < minAdviceCases || ru < minAdviceCasesRU {
		t.Errorf("the evaluation set has %d cases (%d Russian); want at least %d (%d Russian)", len(cases), ru, minAdviceCases, minAdviceCasesRU)
	}
}

// ruleName groups memory.<id> rules under one name in the summary.
func ruleName(rule string) string {
	if strings.HasPrefix(rule, "memory.") {
		return "memory.<id>"
	}
	return rule
}

func describeResult(res practice.Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "mode=%s budget=%s/%s GiB (gpu/ram)", res.Mode, num(res.Budget.GPUGiB), num(res.Budget.RAMGiB))
	if res.NothingFits {
		b.WriteString(" nothing_fits")
	}
	if len(res.Questions) > 0 {
		qs := make([]string, len(res.Questions))
		for i, q := range res.Questions {
			qs[i] = q.Field.String()
		}
		fmt.Fprintf(&b, " questions=[%s]", strings.Join(qs, ","))
	}
	if len(res.Picks) == 0 {
		b.WriteString(" picks=none")
	}
	for i, p := range res.Picks {
		fmt.Fprintf(&b, "\n\t  %d. %s (%s; %s; ctx %d)", i+1, p.Model.ID, p.Model.Family, p.Model.License, p.Model.Context)
		if p.Fits == practice.FitAPI {
			b.WriteString(" api")
		} else {
			fmt.Fprintf(&b, " %s %s GiB at %d tokens, fits=%s", p.Quant, num(p.MemoryGiB), p.Memory.CtxTokens, p.Fits)
		}
		if p.MonthlyUSD > 0 {
			fmt.Fprintf(&b, " $%s/month", num(p.MonthlyUSD))
		}
	}
	return b.String()
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// adviceCase is one parsed case file.
type adviceCase struct {
	file  string // path, for messages
	name  string // file name without .txt
	lang  string // "en" or "ru", from the name's prefix
	title string
	facts []string
	text  string // the request as the learner sends it
	rules []adviceRule
}

// adviceRule is one expectation line.
type adviceRule struct {
	key string // as written: "every.not_family", "memory.qwen2.5-72b@Q4_K_M"
	val string
	// parsed forms, depending on key
	list []string
	rng  numRange
	id   string // memory.<id>
	q    string // memory.<id>@<quant>
}

type numRange struct{ lo, hi float64 }

func (r numRange) has(v float64) bool { return v >= r.lo && v <= r.hi }

func (r numRange) String() string {
	switch {
	case math.IsInf(r.lo, -1):
		return "<=" + num(r.hi)
	case math.IsInf(r.hi, 1):
		return ">=" + num(r.lo)
	case r.lo == r.hi:
		return num(r.lo)
	}
	return num(r.lo) + "-" + num(r.hi)
}

type adviceFailure struct{ rule, detail string }

// The value kinds of the rule keys.
const (
	kindRange = iota
	kindNumber
	kindList
	kindYesNo
	kindText
	kindWord
)

var ruleKinds = map[string]int{
	"picks":                     kindRange,
	"mode":                      kindWord,
	"nothing_fits":              kindYesNo,
	"ask":                       kindList,
	"ask.lang":                  kindWord,
	"budget.gpu_gib":            kindRange,
	"budget.ram_gib":            kindRange,
	"every.not_family":          kindList,
	"every.family_in":           kindList,
	"every.not_id":              kindList,
	"every.id_in":               kindList,
	"every.not_license":         kindList,
	"every.min_context":         kindNumber,
	"every.sized_context":       kindRange,
	"every.max_memory_gib":      kindNumber,
	"every.max_fill":            kindNumber,
	"every.modality":            kindList,
	"every.fits":                kindList,
	"every.max_active_params_b": kindNumber,
	"top.id_in":                 kindList,
	"top.family_in":             kindList,
	"memory.":                   kindRange, // memory.<id> and memory.<id>@<quant>
	"text.contains":             kindText,
	"text.not_contains":         kindText,
	"text.one_unit_per_line":    kindYesNo,
	"json.not_contains":         kindText,
	"monthly_usd":               kindRange,
}

// repeatable keys may appear more than once (each line is its own rule).
var repeatable = map[string]bool{"text.contains": true, "text.not_contains": true, "json.not_contains": true}

// Memory sizes in decimal and binary units, for text.one_unit_per_line.
var (
	decimalSizeRE = regexp.MustCompile(`\d\s*(?:GB|ГБ)\b`)
	binarySizeRE  = regexp.MustCompile(`\d\s*(?:GiB|ГиБ)\b`)
)

// answerKeys only make sense when the tutor recommends (not with ask).
var answerKeys = []string{"picks", "nothing_fits", "monthly_usd", "every.", "top.", "memory.", "budget."}

// loadAdviceCases reads every *.txt case in dir; any format error fails.
func loadAdviceCases(dir string, cat *practice.Catalog) ([]adviceCase, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", dir, err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no case files in %s", dir)
	}
	sort.Strings(files)
	var cases []adviceCase
	var errs []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("read case: %w", err)
		}
		c, err := parseAdviceCase(filepath.Base(f), string(b), cat)
		if err != nil {
			errs = append(errs, f+": "+err.Error())
			continue
		}
		c.file = f
		cases = append(cases, c)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("bad case files:\n%s", strings.Join(errs, "\n"))
	}
	return cases, nil
}

const expectMarker = "--- expect"

// parseAdviceCase parses one case file (base is its file name). It is
// strict: unknown keys, repeated keys, bad numbers, and names that match
// nothing in the catalog are errors, so a typo cannot pass silently.
func parseAdviceCase(base, src string, cat *practice.Catalog) (adviceCase, error) {
	c := adviceCase{name: strings.TrimSuffix(base, ".txt")}
	switch {
	case strings.HasPrefix(base, "en-"):
		c.lang = "en"
	case strings.HasPrefix(base, "ru-"):
		c.lang = "ru"
	default:
		return c, fmt.Errorf("file name must start with en- or ru-")
	}
	src = strings.ReplaceAll(src, "\r\n", "\n")
	lines := strings.Split(src, "\n")

	// Header.
	i := 0
	for ; i < len(lines) && strings.HasPrefix(lines[i], "#"); i++ {
		k, v, ok := strings.Cut(strings.TrimPrefix(lines[i], "#"), ":")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || v == "" {
			return c, fmt.Errorf("line %d: header must be \"# key: value\"", i+1)
		}
		switch k {
		case "case":
			if c.title != "" {
				return c, fmt.Errorf("line %d: a second \"# case\"", i+1)
			}
			c.title = v
		case "fact":
			c.facts = append(c.facts, v)
		case "note":
		default:
			return c, fmt.Errorf("line %d: unknown header %q (case, fact, note)", i+1, k)
		}
	}
	if c.title == "" {
		return c, fmt.Errorf("no \"# case:\" header")
	}
	if len(c.facts) == 0 {
		return c, fmt.Errorf("no \"# fact:\" header: every case rests on a fact with its source")
	}

	// Request text, up to the marker.
	start := i
	for ; i < len(lines) && lines[i] != expectMarker; i++ {
	}
	if i == len(lines) {
		return c, fmt.Errorf("no %q line", expectMarker)
	}
	c.text = strings.TrimRight(strings.Join(lines[start:i], "\n"), "\n")

	// Expectations.
	seen := map[string]bool{}
	for n := i + 1; n < len(lines); n++ {
		line := strings.TrimSpace(lines[n])
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || v == "" {
			return c, fmt.Errorf("line %d: expectation must be \"key: value\"", n+1)
		}
		r, err := parseAdviceRule(k, v, cat)
		if err != nil {
			return c, fmt.Errorf("line %d: %v", n+1, err)
		}
		if seen[k] && !repeatable[k] {
			return c, fmt.Errorf("line %d: %q given twice", n+1, k)
		}
		seen[k] = true
		c.rules = append(c.rules, r)
	}
	if len(c.rules) == 0 {
		return c, fmt.Errorf("no expectations after %q", expectMarker)
	}
	if seen["ask"] {
		for k := range seen {
			for _, p := range answerKeys {
				if strings.HasPrefix(k, p) {
					return c, fmt.Errorf("%q makes no sense with \"ask\" (a question means no picks)", k)
				}
			}
		}
	} else {
		if !seen["picks"] {
			return c, fmt.Errorf("a case that expects an answer needs \"picks\"")
		}
		if seen["ask.lang"] {
			return c, fmt.Errorf("\"ask.lang\" needs \"ask\"")
		}
	}
	return c, nil
}

func parseAdviceRule(k, v string, cat *practice.Catalog) (adviceRule, error) {
	r := adviceRule{key: k, val: v}
	kind, ok := ruleKinds[k]
	if strings.HasPrefix(k, "memory.") {
		id, q, _ := strings.Cut(strings.TrimPrefix(k, "memory."), "@")
		if _, found := cat.ByID(id); !found {
			return r, fmt.Errorf("%s: no model %q in the catalog", k, id)
		}
		if q != "" && practice.Quant(q).BitsPerWeight() == 0 {
			return r, fmt.Errorf("%s: unknown quantization %q", k, q)
		}
		r.id, r.q, kind, ok = id, q, kindRange, true
	}
	if !ok {
		return r, fmt.Errorf("unknown key %q", k)
	}
	var err error
	switch kind {
	case kindRange:
		r.rng, err = parseNumRange(v)
	case kindNumber:
		var x float64
		x, err = strconv.ParseFloat(v, 64)
		r.rng = numRange{x, x}
	case kindYesNo:
		if v != "yes" && v != "no" {
			err = fmt.Errorf("%s: want yes or no, got %q", k, v)
		}
	case kindWord:
		r.list = []string{v}
	case kindList:
		for _, x := range strings.Split(v, ",") {
			if x = strings.TrimSpace(x); x != "" {
				r.list = append(r.list, x)
			}
		}
		if len(r.list) == 0 {
			err = fmt.Errorf("%s: empty list", k)
		}
	}
	if err != nil {
		return r, err
	}
	return r, validateNames(r, cat)
}

// validateNames checks that every name a rule uses exists, so that a rule
// cannot hold vacuously because of a typo or a renamed catalog entry.
func validateNames(r adviceRule, cat *practice.Catalog) error {
	families := map[string]bool{}
	for _, m := range cat.Models {
		families[m.Family] = true
	}
	switch r.key {
	case "mode":
		switch practice.Where(r.val) {
		case practice.WhereLocal, practice.WhereAPI, practice.WhereCloud:
		default:
			return fmt.Errorf("mode: want local, api or cloud, got %q", r.val)
		}
	case "ask.lang":
		if r.val != "en" && r.val != "ru" {
			return fmt.Errorf("ask.lang: want en or ru, got %q", r.val)
		}
	case "ask":
		for _, f := range r.list {
			var fl practice.Field
			if err := fl.UnmarshalText([]byte(f)); err != nil {
				return fmt.Errorf("ask: %v", err)
			}
		}
	case "every.not_family", "every.family_in", "top.family_in":
		for _, f := range r.list {
			if !families[f] {
				return fmt.Errorf("%s: no family %q in the catalog", r.key, f)
			}
		}
	case "every.not_id", "every.id_in", "top.id_in":
		for _, id := range r.list {
			if _, ok := cat.ByID(id); !ok {
				return fmt.Errorf("%s: no model %q in the catalog", r.key, id)
			}
		}
	case "every.not_license":
		for _, l := range r.list {
			found := false
			for _, m := range cat.Models {
				if containsFold(m.License, l) {
					found = true
					break
				}
			}
			if !found {
				return fmt.Errorf("%s: %q matches no license in the catalog", r.key, l)
			}
		}
	case "every.modality":
		for _, m := range r.list {
			switch m {
			case "text", "image", "audio", "video":
			default:
				return fmt.Errorf("%s: unknown modality %q", r.key, m)
			}
		}
	case "every.fits":
		for _, f := range r.list {
			switch practice.FitStatus(f) {
			case practice.FitYes, practice.FitOffload, practice.FitNo, practice.FitAPI:
			default:
				return fmt.Errorf("%s: unknown fit status %q", r.key, f)
			}
		}
	case "every.max_fill":
		if r.rng.lo <= 0 || r.rng.lo > 1 {
			return fmt.Errorf("%s: want a share between 0 and 1", r.key)
		}
	case "picks":
		if r.rng.lo < 0 || (r.rng.hi > 3 && !math.IsInf(r.rng.hi, 1)) {
			return fmt.Errorf("picks: the tutor names 0 to 3 models")
		}
	}
	return nil
}

// parseNumRange reads "3", "1-3", "42.5-48", ">=120000" or "<=0.92".
func parseNumRange(v string) (numRange, error) {
	bad := fmt.Errorf("bad range %q (want N, LO-HI, >=LO or <=HI)", v)
	switch {
	case strings.HasPrefix(v, ">="):
		x, err := strconv.ParseFloat(strings.TrimSpace(v[2:]), 64)
		if err != nil {
			return numRange{}, bad
		}
		return numRange{x, math.Inf(1)}, nil
	case strings.HasPrefix(v, "<="):
		x, err := strconv.ParseFloat(strings.TrimSpace(v[2:]), 64)
		if err != nil {
			return numRange{}, bad
		}
		return numRange{math.Inf(-1), x}, nil
	}
	if lo, hi, ok := strings.Cut(v, "-"); ok {
		a, err1 := strconv.ParseFloat(strings.TrimSpace(lo), 64)
		b, err2 := strconv.ParseFloat(strings.TrimSpace(hi), 64)
		if err1 != nil || err2 != nil || a > b {
			return numRange{}, bad
		}
		return numRange{a, b}, nil
	}
	x, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return numRange{}, bad
	}
	return numRange{x, x}, nil
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

func inList(s string, list []string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// roundingGiB forgives Pick.MemoryGiB's rounding to 0.1 GiB in the memory
// limits, so that a pick exactly at a limit does not fail on rounding.
const roundingGiB = 0.05

// local reports whether a pick runs on memory the learner has (not an API).
func local(p practice.Pick) bool { return p.Fits != practice.FitAPI }

// budgetGiB is the memory the picks were fitted into: the GPU (or the Mac's
// GPU share), else RAM for CPU-only.
func budgetGiB(b practice.Budget) float64 {
	if b.GPUGiB > 0 {
		return b.GPUGiB
	}
	return b.RAMGiB
}

func hasCyrillic(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Cyrillic, r) {
			return true
		}
	}
	return false
}

// check applies every rule, plus the defaults: no questions unless "ask",
// and not "nothing fits" unless "nothing_fits: yes".
func (c adviceCase) check(res practice.Result, cat *practice.Catalog) []adviceFailure {
	var out []adviceFailure
	fail := func(rule, format string, args ...any) {
		out = append(out, adviceFailure{rule, fmt.Sprintf(format, args...)})
	}
	has := map[string]bool{}
	for _, r := range c.rules {
		has[r.key] = true
	}
	if !has["ask"] && len(res.Questions) > 0 {
		qs := make([]string, len(res.Questions))
		for i, q := range res.Questions {
			qs[i] = q.Field.String()
		}
		fail("ask", "the tutor asked about %s, but this request is complete enough to answer", strings.Join(qs, ", "))
	}
	if !has["ask"] && !has["nothing_fits"] && res.NothingFits {
		fail("nothing_fits", "the tutor says nothing fits, but models fit this request")
	}
	var text string
	textOnce := func() string {
		if text == "" {
			text = strings.ToLower(res.Markdown())
		}
		return text
	}

	for _, r := range c.rules {
		switch r.key {
		case "picks":
			if !r.rng.has(float64(len(res.Picks))) {
				fail(r.key, "got %d picks, want %s", len(res.Picks), r.rng)
			}
		case "mode":
			if string(res.Mode) != r.val {
				fail(r.key, "mode is %q, want %q", res.Mode, r.val)
			}
		case "nothing_fits":
			if res.NothingFits != (r.val == "yes") {
				fail(r.key, "NothingFits is %v, want %s", res.NothingFits, r.val)
			}
		case "ask":
			asked := map[string]bool{}
			for _, q := range res.Questions {
				asked[q.Field.String()] = true
			}
			for _, f := range r.list {
				if !asked[f] {
					fail(r.key, "no question about %q", f)
				}
			}
			if len(res.Picks) > 0 {
				fail(r.key, "got %d picks while questions are open; want none until they are answered", len(res.Picks))
			}
		case "ask.lang":
			for _, q := range res.Questions {
				if strings.TrimSpace(q.Text) == "" {
					fail(r.key, "the question about %s has no text", q.Field)
				} else if hasCyrillic(q.Text) != (r.val == "ru") {
					fail(r.key, "the question about %s is not in %s: %q", q.Field, r.val, q.Text)
				}
			}
		case "budget.gpu_gib":
			if !r.rng.has(res.Budget.GPUGiB) {
				fail(r.key, "GPU budget is %s GiB, want %s", num(res.Budget.GPUGiB), r.rng)
			}
		case "budget.ram_gib":
			if !r.rng.has(res.Budget.RAMGiB) {
				fail(r.key, "RAM budget is %s GiB, want %s", num(res.Budget.RAMGiB), r.rng)
			}
		case "monthly_usd":
			if len(res.Picks) == 0 {
				fail(r.key, "no top pick to price")
			} else if !r.rng.has(res.Picks[0].MonthlyUSD) {
				fail(r.key, "top pick %s costs $%s a month, want %s", res.Picks[0].Model.ID, num(res.Picks[0].MonthlyUSD), r.rng)
			}
		case "top.id_in":
			if len(res.Picks) > 0 && !inList(res.Picks[0].Model.ID, r.list) {
				fail(r.key, "top pick %s is not one of %s", res.Picks[0].Model.ID, r.val)
			}
		case "top.family_in":
			if len(res.Picks) > 0 && !inList(res.Picks[0].Model.Family, r.list) {
				fail(r.key, "top pick %s (%s) is not from %s", res.Picks[0].Model.ID, res.Picks[0].Model.Family, r.val)
			}
		case "text.contains":
			if !strings.Contains(textOnce(), strings.ToLower(r.val)) {
				fail(r.key, "the answer does not mention %q", r.val)
			}
		case "text.not_contains":
			if strings.Contains(textOnce(), strings.ToLower(r.val)) {
				fail(r.key, "the answer contains %q", r.val)
			}
		case "text.one_unit_per_line":
			for _, line := range strings.Split(res.Markdown(), "\n") {
				if r.val == "yes" && decimalSizeRE.MatchString(line) && binarySizeRE.MatchString(line) {
					fail(r.key, "GB and GiB mixed in one line: %q", line)
				}
			}
		case "json.not_contains":
			b, err := res.JSON()
			if err != nil {
				fail(r.key, "JSON: %v", err)
			} else if strings.Contains(strings.ToLower(string(b)), strings.ToLower(r.val)) {
				fail(r.key, "the JSON answer contains %q", r.val)
			}
		case "every.max_fill":
			if budgetGiB(res.Budget) <= 0 {
				fail(r.key, "no memory budget to compare the picks with")
			}
		}
		if strings.HasPrefix(r.key, "every.") || strings.HasPrefix(r.key, "memory.") {
			for _, p := range res.Picks {
				if d := checkPick(r, p, res); d != "" {
					fail(r.key, "%s %s", p.Model.ID, d)
				}
			}
		}
	}
	return out
}

// checkPick applies one every.* or memory.* rule to one pick; "" means it holds.
func checkPick(r adviceRule, p practice.Pick, res practice.Result) string {
	m := p.Model
	switch r.key {
	case "every.not_family":
		if inList(m.Family, r.list) {
			return "is from the excluded family " + m.Family
		}
	case "every.family_in":
		if !inList(m.Family, r.list) {
			return "is from " + m.Family + ", want one of " + r.val
		}
	case "every.not_id":
		if inList(m.ID, r.list) {
			return "must not be named for this case"
		}
	case "every.id_in":
		if !inList(m.ID, r.list) {
			return "is not one of the acceptable models " + r.val
		}
	case "every.not_license":
		for _, l := range r.list {
			if containsFold(m.License, l) {
				return fmt.Sprintf("has the license %q, which this case excludes (%s)", m.License, l)
			}
		}
	case "every.min_context":
		if float64(m.Context) < r.rng.lo {
			return fmt.Sprintf("has a context of %d tokens, want at least %s", m.Context, num(r.rng.lo))
		}
	case "every.sized_context":
		if local(p) && !r.rng.has(float64(p.Memory.CtxTokens)) {
			return fmt.Sprintf("is sized for %d tokens of context, want %s", p.Memory.CtxTokens, r.rng)
		}
	case "every.max_memory_gib":
		if local(p) && p.MemoryGiB-roundingGiB > r.rng.lo {
			return fmt.Sprintf("needs %s GiB, want at most %s", num(p.MemoryGiB), num(r.rng.lo))
		}
	case "every.max_fill":
		if b := budgetGiB(res.Budget); local(p) && b > 0 && p.MemoryGiB-roundingGiB > r.rng.lo*b {
			return fmt.Sprintf("fills %.0f%% of %s GiB (%s GiB at %s), want at most %.0f%%", 100*p.MemoryGiB/b, num(b), num(p.MemoryGiB), p.Quant, 100*r.rng.lo)
		}
	case "every.modality":
		for _, mod := range r.list {
			if !m.HasModality(mod) {
				return "does not take " + mod + " input"
			}
		}
	case "every.fits":
		if !inList(string(p.Fits), r.list) {
			return fmt.Sprintf("fits=%s, want %s", p.Fits, r.val)
		}
	case "every.max_active_params_b":
		if m.ActiveB > r.rng.lo {
			return fmt.Sprintf("has %sB active parameters, want at most %s", num(m.ActiveB), num(r.rng.lo))
		}
	default: // memory.<id>[@quant]
		if m.ID == r.id && local(p) && (r.q == "" || string(p.Quant) == r.q) && !r.rng.has(p.MemoryGiB) {
			return fmt.Sprintf("needs %s GiB at %s, want %s", num(p.MemoryGiB), p.Quant, r.rng)
		}
	}
	return ""
}

// TestAdviceCaseParser checks that the case-file parser rejects what would
// let a case pass silently.
func TestAdviceCaseParser(t *testing.T) {
	cat, err := practice.LoadCatalog()
	if err != nil {
		t.Fatalf("load catalog: %v", err)
	}
	const head = "# case: x\n# fact: y — z\nTask: review Go code\n--- expect\n"
	good := head + "picks: 1-3\nevery.not_family: Llama\nmemory.qwen2.5-72b@Q4_K_M: 44-50\ntext.contains: a\ntext.contains: b\n"
	c, err := parseAdviceCase("en-ok.txt", good, cat)
	if err != nil {
		t.Fatalf("good case rejected: %v", err)
	}
	if c.text != "Task: review Go code" || len(c.rules) != 5 || c.rules[2].id != "qwen2.5-72b" || c.rules[2].q != "Q4_K_M" {
		t.Errorf("parsed %+v", c)
	}
	bad := map[string]struct{ name, src string }{
		"prefix":          {"ok.txt", good},
		"no fact":         {"en-x.txt", "# case: x\nTask: t\n--- expect\npicks: 1\n"},
		"unknown header":  {"en-x.txt", "# case: x\n# fakt: y\nTask: t\n--- expect\npicks: 1\n"},
		"no marker":       {"en-x.txt", "# case: x\n# fact: y\nTask: t\npicks: 1\n"},
		"no rules":        {"en-x.txt", head},
		"unknown key":     {"en-x.txt", head + "picks: 1\nevery.not_famly: Llama\n"},
		"repeated key":    {"en-x.txt", head + "picks: 1\npicks: 2\n"},
		"bad range":       {"en-x.txt", head + "picks: 3-1\n"},
		"bad number":      {"en-x.txt", head + "picks: 1\nevery.min_context: 128K\n"},
		"unknown id":      {"en-x.txt", head + "picks: 1\nevery.not_id: llama-9-1t\n"},
		"unknown family":  {"en-x.txt", head + "picks: 1\nevery.not_family: Grok\n"},
		"vacuous license": {"en-x.txt", head + "picks: 1\nevery.not_license: Qwen Licence\n"},
		"unknown memory":  {"en-x.txt", head + "picks: 1\nmemory.qwen-72b: 1-2\n"},
		"unknown quant":   {"en-x.txt", head + "picks: 1\nmemory.qwen2.5-72b@Q4: 1-2\n"},
		"ask with picks":  {"en-x.txt", head + "ask: task\npicks: 0\n"},
		"ask bad field":   {"en-x.txt", head + "ask: gpu\n"},
		"no picks":        {"en-x.txt", head + "every.not_family: Llama\n"},
		"bad fill":        {"en-x.txt", head + "picks: 1\nevery.max_fill: 92\n"},
		"bad mode":        {"en-x.txt", head + "picks: 1\nmode: locally\n"},
		"empty value":     {"en-x.txt", head + "picks:\n"},
	}
	for name, b := range bad {
		if _, err := parseAdviceCase(b.name, b.src, cat); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestAdviceRulesCanFail checks that each kind of rule reports a miss.
func TestAdviceRulesCanFail(t *testing.T) {
	cat, err := practice.LoadCatalog()
	if err != nil {
		t.Fatalf("load catalog: %v", err)
	}
	llama, _ := cat.ByID("llama-3.1-8b")
	res := practice.Result{
		Mode:   practice.WhereLocal,
		Budget: practice.Budget{GPUGiB: 10},
		Picks: []practice.Pick{{Model: llama, Quant: practice.Q80, MemoryGiB: 9.8, Fits: practice.FitYes,
			Memory: practice.Memory{CtxTokens: 8192}, RunsWhere: "your GPU (10 GB)"}},
	}
	src := "# case: x\n# fact: y\nTask: t\n--- expect\n" + strings.Join([]string{
		"picks: 2-3", "mode: api", "nothing_fits: yes", "budget.gpu_gib: 20-22", "budget.ram_gib: 1-2",
		"every.not_family: Llama", "every.family_in: Qwen", "every.not_id: llama-3.1-8b", "every.id_in: qwen3-8b",
		"every.not_license: Llama 3.1", "every.min_context: 200000", "every.sized_context: >=120000",
		"every.max_memory_gib: 8", "every.max_fill: 0.92", "every.modality: image", "every.fits: api",
		"every.max_active_params_b: 4", "top.id_in: qwen3-8b", "top.family_in: Phi", "memory.llama-3.1-8b: 1-2",
		"text.contains: no such words", "text.not_contains: top pick", "monthly_usd: 1-10",
		"text.one_unit_per_line: yes", "json.not_contains: llama-3.1-8b",
	}, "\n") + "\n"
	c, err := parseAdviceCase("en-all.txt", src, cat)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	failed := map[string]bool{}
	for _, f := range c.check(res, cat) {
		failed[f.rule] = true
	}
	for _, r := range c.rules {
		if !failed[r.key] {
			t.Errorf("rule %s held on a result that breaks it", r.key)
		}
	}
	ask, err := parseAdviceCase("en-ask.txt", "# case: x\n# fact: y\n\n--- expect\nask: task\nask.lang: ru\n", cat)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	res.Questions = []practice.Question{{Field: practice.MemoryField, Text: "How much GPU memory?"}}
	failed = map[string]bool{}
	for _, f := range ask.check(res, cat) {
		failed[f.rule] = true
	}
	if !failed["ask"] || !failed["ask.lang"] {
		t.Errorf("ask rules held on a result with picks and an English memory question: %v", failed)
	}
}

// TestAdviceCasesSatisfiable checks the evaluation set itself: for every
// case that expects an answer, enough catalog models pass its per-model
// rules (and fit its memory rules, by the current estimate at the case's
// context) that an engine could meet it. A case no catalog could meet
// would blame the engine for the set's mistake.
func TestAdviceCasesSatisfiable(t *testing.T) {
	cat, err := practice.LoadCatalog()
	if err != nil {
		t.Fatalf("load catalog: %v", err)
	}
	cases, err := loadAdviceCases(adviceDir, cat)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		rules := map[string]adviceRule{}
		for _, r := range c.rules {
			rules[r.key] = r
		}
		if _, ok := rules["ask"]; ok {
			continue
		}
		need := int(rules["picks"].rng.lo)
		limit := math.Inf(1)
		if r, ok := rules["every.max_memory_gib"]; ok {
			limit = r.rng.lo
		}
		if f, ok := rules["every.max_fill"]; ok {
			budget := 0.0 // the GPU budget, else RAM, as budgetGiB reads the result
			for _, k := range []string{"budget.gpu_gib", "budget.ram_gib"} {
				if b, ok := rules[k]; ok && budget == 0 {
					budget = b.rng.hi
				}
			}
			if budget > 0 && !math.IsInf(budget, 1) {
				limit = math.Min(limit, f.rng.lo*budget)
			}
		}
		ctx := practice.DefaultContext
		if r, ok := rules["every.sized_context"]; ok && !math.IsInf(r.rng.lo, -1) {
			ctx = int(r.rng.lo)
		}
		var ok []string
		for _, m := range cat.Models {
			p := practice.Pick{Model: m, Fits: practice.FitAPI}
			passes := true
			for _, r := range c.rules {
				switch r.key {
				case "every.not_family", "every.family_in", "every.not_id", "every.id_in", "every.not_license",
					"every.min_context", "every.modality", "every.max_active_params_b":
					if checkPick(r, p, practice.Result{}) != "" {
						passes = false
					}
				}
			}
			if passes && !math.IsInf(limit, 1) {
				fits := false
				for _, q := range practice.Ladder {
					if practice.Estimate(m, q, ctx).TotalGiB <= limit {
						fits = true
						break
					}
				}
				passes = fits
			}
			if passes {
				ok = append(ok, m.ID)
			}
		}
		if len(ok) < max(need, 1) {
			t.Errorf("%s: only %d catalog models (%s) can meet its rules, it wants %d picks", c.file, len(ok), strings.Join(ok, ", "), need)
			continue
		}
		for _, k := range []string{"top.id_in", "top.family_in"} {
			r, has := rules[k]
			if !has {
				continue
			}
			hit := false
			for _, id := range ok {
				m, _ := cat.ByID(id)
				if (k == "top.id_in" && inList(id, r.list)) || (k == "top.family_in" && inList(m.Family, r.list)) {
					hit = true
				}
			}
			if !hit {
				t.Errorf("%s: no model in %s meets the case's other rules (candidates: %s)", c.file, k, strings.Join(ok, ", "))
			}
		}
		if testing.Verbose() {
			t.Logf("%s: %d candidates", c.name, len(ok))
		}
	}
}
