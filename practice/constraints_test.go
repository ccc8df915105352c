package practice

import (
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf8"
)

func TestConstraintsWordings(t *testing.T) {
	type want struct {
		users      int64
		commercial bool
		nonComm    bool
		production bool
		evaluation bool
		origins    []string
		only       []string
		families   []string
		domains    []Domain
		residency  string
		eu         bool
		langs      []string
		notLangs   []string
		budget     float64
	}
	tests := []struct {
		in   string
		want want
	}{
		{"900 million monthly active users", want{users: 900_000_000}},
		{"MAU: 120M", want{users: 120_000_000}},
		{"около 150 млн пользователей в месяц", want{users: 150_000_000}},
		{"1.2 billion users", want{users: 1_200_000_000}},
		{"50 000 пользователей", want{users: 50_000}},
		{"20k tickets", want{}},
		{"a paid SaaS plugin", want{commercial: true}},
		{"chatbot for our bank's website", want{commercial: true}},
		{"для сайта нашего банка", want{commercial: true}},
		{"personal project, non-commercial", want{nonComm: true}},
		{"для себя, некоммерческое", want{nonComm: true}},
		{"internal tool our staff use every day", want{commercial: true, production: true}},
		{"just evaluating models for a prototype", want{evaluation: true}},
		{"no Chinese models", want{origins: []string{"China"}, notLangs: []string{"Chinese"}}},
		{"our policy forbids models developed in China", want{origins: []string{"China"}}},
		{"Chinese models are not allowed", want{origins: []string{"China"}}},
		{"nothing chinese please", want{origins: []string{"China"}}},
		{"без китайских моделей", want{origins: []string{"China"}}},
		{"политика запрещает модели, разработанные в Китае", want{origins: []string{"China"}}},
		{"китайские не предлагай", want{origins: []string{"China"}}},
		{"answer in Chinese", want{langs: []string{"Chinese"}}},
		{"not only English but also Chinese", want{langs: []string{"Chinese", "English"}}},
		{"European-developed models only", want{only: []string{"Europe"}}},
		{"only European models", want{only: []string{"Europe"}}},
		{"no Meta models", want{families: []string{"Llama"}}},
		{"ничего от Alibaba и DeepSeek", want{families: []string{"Qwen", "DeepSeek"}}},
		{"no Llama, Gemma or Phi", want{families: []string{"Llama", "Gemma", "Phi"}}},
		{"it will be used by a defense contractor for military logistics", want{domains: []Domain{DomainMilitary}}},
		{"для министерства обороны", want{domains: []Domain{DomainMilitary}}},
		{"наведение боевых дронов", want{domains: []Domain{DomainMilitary}}},
		{"работает в закрытом контуре банка", want{commercial: true}},
		{"automatically approve or reject loan applications", want{domains: []Domain{DomainAutomatedDecisions}}},
		{"ranks rental applicants and auto-declines the bottom half", want{domains: []Domain{DomainAutomatedDecisions}}},
		{"автоматически одобрять кредиты", want{domains: []Domain{DomainAutomatedDecisions}}},
		{"help patients understand their medication leaflets", want{}},
		{"an NSFW companion chatbot", want{domains: []Domain{DomainSexual}}},
		{"data must stay in the EU", want{residency: "EU", eu: true}},
		{"EU data residency", want{residency: "EU", eu: true}},
		{"данные должны храниться в ЕС", want{residency: "EU", eu: true}},
		{"по 152-ФЗ данные только в России", want{residency: "RU"}},
		{"we are a German company", want{eu: true}},
		{"budget $200/month", want{budget: 200}},
		{"бюджет 50 долларов в месяц", want{budget: 50}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var c Constraints
			scanConstraints(&c, strings.ToLower(tt.in))
			w := tt.want
			if c.Users != w.users {
				t.Errorf("Users = %d, want %d", c.Users, w.users)
			}
			if w.commercial && !c.Commercial || w.nonComm != c.NonCommercial {
				t.Errorf("Commercial %v NonCommercial %v, want %v %v", c.Commercial, c.NonCommercial, w.commercial, w.nonComm)
			}
			if w.production && !c.Production || w.evaluation != c.Evaluation {
				t.Errorf("Production %v Evaluation %v, want %v %v", c.Production, c.Evaluation, w.production, w.evaluation)
			}
			if !sameSet(c.ExcludeOrigins, w.origins) || !sameSet(c.OnlyOrigins, w.only) || !sameSet(c.AvoidFamilies, w.families) {
				t.Errorf("origins %v only %v families %v, want %v %v %v", c.ExcludeOrigins, c.OnlyOrigins, c.AvoidFamilies, w.origins, w.only, w.families)
			}
			if len(c.Domains) != len(w.domains) || (len(w.domains) > 0 && !slices.Equal(c.Domains, w.domains)) {
				t.Errorf("Domains = %v, want %v", c.Domains, w.domains)
			}
			if c.Residency != w.residency || (w.eu && !c.EU) {
				t.Errorf("Residency %q EU %v, want %q %v", c.Residency, c.EU, w.residency, w.eu)
			}
			for _, l := range w.langs {
				if !slices.Contains(c.Languages, l) {
					t.Errorf("Languages = %v, want %s", c.Languages, l)
				}
			}
			// An exclusion is not a language need.
			req := Request{Task: tt.in}
			req.derive()
			for _, l := range w.notLangs {
				if slices.Contains(req.Constraints.Languages, l) || slices.Contains(req.Needs, StrengthMultilingual) {
					t.Errorf("%q read as a need for %s: languages %v needs %v", tt.in, l, req.Constraints.Languages, req.Needs)
				}
			}
			if c.BudgetUSD != w.budget {
				t.Errorf("BudgetUSD = %v, want %v", c.BudgetUSD, w.budget)
			}
		})
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	sort.Strings(a)
	sort.Strings(b)
	return slices.Equal(a, b)
}

// TestVolumeInConstraints: a volume written among the constraints counts
// like one in the task, and a budget is money, not items.
func TestVolumeInConstraints(t *testing.T) {
	tests := []struct {
		text  string
		items float64
	}{
		{"Task: chatbot for an online shop\nWhere I run it: API\nConstraints: budget $50 a month, about 3000 dialogs a day", 90000},
		{"Задача: чат-бот для интернет-магазина\nГде запускаю: API\nОграничения: бюджет 50 долларов в месяц, около 3000 диалогов в день", 90000},
		{"Task: chatbot for an online shop\nWhere I run it: API\nConstraints: budget $50 a month", 0},
		{"Task: classify 2M tickets a month\nWhere I run it: API\nConstraints: 5000 requests a day", 2e6},
	}
	for _, tt := range tests {
		r := ParseTemplate(tt.text)
		if r.ItemsPerMonth != tt.items {
			t.Errorf("%q: items a month = %v, want %v", tt.text, r.ItemsPerMonth, tt.items)
		}
	}
}

func TestTaskFacts(t *testing.T) {
	tests := []struct {
		task     string
		ctx      int
		fineTune string // method, "-" for none
		examples int
		items    float64
		tokens   int
		bulk     bool
	}{
		{"summarise 300-page contracts", 300 * TokensPerPage, "-", 0, 0, 0, false},
		{"анализ договоров по 300 страниц", 300 * TokensPerPage, "-", 0, 0, 0, false},
		{"answer questions over the whole codebase", wholeCodebaseContext, "-", 0, 0, 0, false},
		{"chat with a 128K context", 128 * 1024, "-", 0, 0, 0, false},
		{"fine-tune on our 20k tickets", 0, "", 20000, 0, 0, false},
		{"QLoRA on 100k instruction examples", 0, "qlora", 100000, 0, 0, false},
		{"дообучить модель на 5 тыс. диалогов", 0, "", 5000, 0, 0, false},
		{"classify 5 million support tickets a month, about 300 tokens each", 0, "-", 0, 5e6, 300, true},
		{"надо каждый месяц прогонять ~10 млн сообщений (токенов по 40) и ставить метку спам", 0, "-", 0, 1e7, 40, true},
		{"10k requests per day", 0, "-", 0, 300000, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.task, func(t *testing.T) {
			r := Request{Task: tt.task}
			r.derive()
			if r.ContextTokens != tt.ctx {
				t.Errorf("ContextTokens = %d, want %d", r.ContextTokens, tt.ctx)
			}
			switch {
			case tt.fineTune == "-" && r.FineTune != nil:
				t.Errorf("FineTune = %+v, want none", r.FineTune)
			case tt.fineTune != "-" && r.FineTune == nil:
				t.Errorf("FineTune = nil, want method %q", tt.fineTune)
			case r.FineTune != nil && (r.FineTune.Method != tt.fineTune || r.FineTune.Examples != tt.examples):
				t.Errorf("FineTune = %+v, want %q with %d examples", r.FineTune, tt.fineTune, tt.examples)
			}
			if r.ItemsPerMonth != tt.items || r.TokensPerItem != tt.tokens || r.Bulk != tt.bulk {
				t.Errorf("items %v tokens %d bulk %v, want %v %d %v", r.ItemsPerMonth, r.TokensPerItem, r.Bulk, tt.items, tt.tokens, tt.bulk)
			}
		})
	}
}

func TestHardwareBudgets(t *testing.T) {
	tests := []struct {
		in      string
		gpu     float64
		count   int
		name    string
		unified float64
		phone   bool
		ram     float64
		reason  msg
	}{
		{"2 x A100 80GB", 160, 2, "A100", 0, false, 0, ""},
		{"8 x A100 80GB", 640, 8, "A100", 0, false, 0, ""},
		{"A100 40GB", 40, 1, "A100", 0, false, 0, ""},
		{"two 3090s", 48, 2, "RTX 3090", 0, false, 0, ""},
		{"2× 3090 (48 GB)", 48, 2, "RTX 3090", 0, false, 0, ""},
		{"dual 4090", 48, 2, "RTX 4090", 0, false, 0, ""},
		{"две RTX 3090", 48, 2, "RTX 3090", 0, false, 0, ""},
		{"Mac M2 with 32 GB", 21.3, 1, "", 32, false, 0, ""},
		{"MacBook Pro M3 Max 128GB", 96, 1, "", 128, false, 0, ""},
		{"phone with 6 GB", 0, 0, "", 0, true, 6, ""},
		{"смартфон, 8 ГБ", 0, 0, "", 0, true, 8, ""},
		{"RTX 9999", 0, 1, "", 0, false, 0, "mem.unknown_card"},
		{"RTX 9070", 0, 1, "", 0, false, 0, "mem.unknown_card"},
		{"RX 9070", 16, 1, "RX 9070", 0, false, 0, ""},
		{"no GPU, 32 GB RAM", 0, 0, "", 0, false, 32, ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			hw, reason := parseHardware(tt.in)
			if reason != tt.reason {
				t.Fatalf("reason %q, want %q", reason, tt.reason)
			}
			if hw.GPUGiB != tt.gpu || hw.GPUCount != tt.count || hw.GPUName != tt.name || hw.UnifiedGiB != tt.unified || hw.Phone != tt.phone || hw.RAMGiB != tt.ram {
				t.Errorf("got gpu %v×%d %q unified %v phone %v ram %v; want %v×%d %q %v %v %v",
					hw.GPUGiB, hw.GPUCount, hw.GPUName, hw.UnifiedGiB, hw.Phone, hw.RAMGiB, tt.gpu, tt.count, tt.name, tt.unified, tt.phone, tt.ram)
			}
		})
	}
}

func TestQuestionsInsteadOfGuesses(t *testing.T) {
	cat := mustCatalog(t)
	tests := []struct {
		in     string
		fields []Field
		lang   string
	}{
		{"", []Field{TaskField, WhereField}, "en"},
		{"Task: <…>\nWhere I run it: <…>\nAvailable GPU memory: <…>\nConstraints: <…>", []Field{TaskField, WhereField}, "en"},
		{"Task: asdf qwerty\nWhere I run it: locally\nAvailable GPU memory: 24 GB", []Field{TaskField}, "en"},
		{"Task: chat assistant\nWhere I run it: locally", []Field{MemoryField}, "en"},
		{"Task: chat assistant\nWhere I run it: locally\nAvailable GPU memory: RTX 9999", []Field{MemoryField}, "en"},
		{"Задача: фывапролд\nГде запускаю: локально\nДоступная память GPU: 12 ГБ", []Field{TaskField}, "ru"},
		{"Задача: чат-бот поддержки\nГде запускаю: локально", []Field{MemoryField}, "ru"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			res := Recommend(cat, ParseTemplate(tt.in))
			if len(res.Picks) != 0 {
				t.Errorf("named %d models before knowing enough", len(res.Picks))
			}
			var got []Field
			for _, q := range res.Questions {
				got = append(got, q.Field)
				if q.Text == "" {
					t.Errorf("empty question for %s", q.Field)
				}
				if tt.lang == "ru" && !regexp.MustCompile(`\p{Cyrillic}`).MatchString(q.Text) {
					t.Errorf("question not in Russian: %q", q.Text)
				}
			}
			if !slices.Equal(got, tt.fields) {
				t.Errorf("asked %v, want %v", got, tt.fields)
			}
			if md := res.Markdown(); !strings.Contains(md, "1\\. ") || strings.Contains(md, "**") {
				t.Errorf("the answer does not ask: %q", md)
			}
		})
	}
	// A complete request asks nothing.
	res := Recommend(cat, ParseTemplate("Task: review Python code\nWhere I run it: locally\nAvailable GPU memory: RTX 4090\nConstraints: none"))
	if len(res.Questions) != 0 || len(res.Picks) == 0 {
		t.Errorf("complete request: questions %v, %d picks", res.Questions, len(res.Picks))
	}
}

func TestPolicyCoversCatalog(t *testing.T) {
	cat := mustCatalog(t)
	pol := cat.Policy()
	for i := range cat.Models {
		m := &cat.Models[i]
		if len(pol.LicensesOf(m)) == 0 {
			t.Errorf("%s: license %q has no policy entry", m.ID, m.License)
		}
		if pol.Family(m.Family) == nil {
			t.Errorf("%s: family %s has no origin", m.ID, m.Family)
		}
	}
	// The Llama distills carry Llama's license and lineage.
	m, _ := cat.ByID("deepseek-r1-distill-llama-70b")
	if l := pol.MainLicense(&m); l == nil || !strings.HasPrefix(l.ID, "llama") {
		t.Errorf("R1-Distill-Llama-70B binds %v, want a Llama license", l)
	}
	if fams := pol.FamiliesOf(&m); !slices.Contains(fams, "Llama") {
		t.Errorf("R1-Distill-Llama-70B families %v, want Llama among them", fams)
	}
	// Broken policy data is refused, naming what is wrong.
	for _, bad := range []string{
		"licenses:\n  - id: x\n    name: X\n    commercial: maybe\n    terms: {en: a, ru: b}\n    source: s\nfamilies: []\n",
		"licenses:\n  - id: x\n    name: X\n    commercial: yes\n    terms: {en: a}\n    source: s\n",
		"licenses:\n  - id: x\n    name: X\n    commercial: yes\n    forbidden: [gambling]\n    terms: {en: a, ru: b}\n    source: s\n",
		"unknown_key: 1\n",
	} {
		if _, err := ParsePolicy([]byte(bad)); err == nil {
			t.Errorf("ParsePolicy accepted:\n%s", bad)
		}
	}
}

// verbRE finds fmt verbs, with or without an argument index.
var verbRE = regexp.MustCompile(`%(?:\[\d+\])?[-+# 0]*\d*(?:\.\d+)?[a-zA-Z%]`)

func TestMessages(t *testing.T) {
	cats, err := messageCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	verbs := func(s string) []string {
		var out []string
		for _, loc := range verbRE.FindAllStringIndex(s, -1) {
			if loc[0] > 0 && s[loc[0]-1] >= '0' && s[loc[0]-1] <= '9' {
				continue // "0.9% perplexity" is a percentage, not a verb
			}
			out = append(out, s[loc[1]-1:loc[1]])
		}
		sort.Strings(out)
		return out
	}
	if len(cats) < 2 || len(cats["en"]) < 100 {
		t.Fatalf("catalogs: %d languages, %d English messages", len(cats), len(cats["en"]))
	}
	for lang, cat := range cats {
		for id, en := range cats["en"] {
			text, ok := cat[id]
			if !ok || text == "" {
				t.Errorf("%s: %s is missing", lang, id)
				continue
			}
			if got, want := verbs(text), verbs(en); !slices.Equal(got, want) {
				t.Errorf("%s: %s takes %v, English %v", lang, id, got, want)
			}
		}
		for id := range cat {
			if _, ok := cats["en"][id]; !ok {
				t.Errorf("%s: %s is not in the English catalog", lang, id)
			}
		}
	}
	for id, text := range cats["ru"] {
		if strings.HasPrefix(string(id), "q.") && !regexp.MustCompile(`\p{Cyrillic}`).MatchString(text) {
			t.Errorf("ru: %s is not Russian: %q", id, text)
		}
	}
	// Every message the code asks for exists: an unknown id would come back as itself.
	for _, id := range []msg{"q.task", "why.allowed", "out.users", "note.left_out", "cloud.80", "country.China", "unit.M", "ft.full"} {
		if tr("ru", id) == string(id) {
			t.Errorf("%s: no such message", id)
		}
	}
	// A catalog without English, or broken TOML, is refused.
	if _, err := loadMessages(fstest.MapFS{"messages/ru.toml": {Data: []byte(`"a" = "b"`)}}); err == nil {
		t.Error("catalogs without English were accepted")
	}
	if _, err := loadMessages(fstest.MapFS{"messages/en.toml": {Data: []byte(`"a" = `)}}); err == nil {
		t.Error("broken TOML was accepted")
	}
}

func TestAdviceWording(t *testing.T) {
	cat := mustCatalog(t)
	inputs := []string{
		"Task: long documents\nWhere I run it: locally\nAvailable GPU memory: 2 x A100 80GB\nConstraints: commercial",
		"Task: 10M-token log analysis\nWhere I run it: cloud\nConstraints: commercial",
		"Task: chat\nWhere I run it: locally\nAvailable GPU memory: Mac M2 32 GB\nConstraints: none",
		"Задача: чат-бот поддержки\nГде запускаю: локально\nДоступная память GPU: 2x3090\nОграничения: коммерческое",
	}
	for _, in := range inputs {
		res := Recommend(cat, ParseTemplate(in))
		md := res.Markdown()
		for _, line := range strings.Split(md, "\n") {
			if strings.Contains(line, "GiB") && regexp.MustCompile(`\d\s*GB\b`).MatchString(line) {
				t.Errorf("GB and GiB mixed in one line: %q", line)
			}
		}
		for _, bad := range []string{"License: License", "Qwen License: Qwen License", "9765K", "(17Bx16E) (Llama)"} {
			if strings.Contains(md, bad) {
				t.Errorf("%q in:\n%s", bad, md)
			}
		}
		if n := utf8.RuneCountInString(md); n > 3500 {
			t.Errorf("answer is %d characters", n)
		}
	}
}

func FuzzParseHardware(f *testing.F) {
	for _, s := range []string{"2 x A100 80GB", "two 3090s", "Mac M2 with 32 GB", "phone with 6 GB", "RTX 9999", "no GPU, 16 GB RAM",
		"1e309 GB", "-5 GB", "две RTX 3090 по 24 ГБ", "8×H100", "\x00", "RTX 4090 " + strings.Repeat("9", 400)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		hw, reason := parseHardware(s)
		if reason != "" {
			if cats, _ := messageCatalogs(); cats["en"][reason] == "" {
				t.Fatalf("reason %q is not a message", reason)
			}
			if hardwareIssue("ru", hw, reason) == "" {
				t.Fatal("empty issue text")
			}
			return
		}
		for _, v := range []float64{hw.GPUGiB, hw.RAMGiB, hw.UnifiedGiB} {
			if v < 0 || v != v || v > maxMemoryGiB*16 {
				t.Fatalf("memory out of range: %+v", hw)
			}
		}
		if hw.GPUCount < 0 || hw.GPUCount > 16 {
			t.Fatalf("GPU count %d", hw.GPUCount)
		}
	})
}

func FuzzScanConstraints(f *testing.F) {
	for _, s := range []string{"no Chinese models", "900M MAU", "без китайских моделей, 152-ФЗ", "ничего от Alibaba и DeepSeek",
		"automatically approve loans", "$1e308/month", "fine-tune on 99999999999999999999k tickets", "300-page contracts",
		"classify 10 млн сообщений в месяц", strings.Repeat("no ", 500) + "china"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var c Constraints
		scanConstraints(&c, strings.ToLower(s))
		if c.Users < 0 || c.BudgetUSD < 0 || c.BudgetUSD != c.BudgetUSD {
			t.Fatalf("negative or NaN figure: %+v", c)
		}
		r := Request{Task: s}
		r.derive()
		if r.ContextTokens < 0 || r.ItemsPerMonth < 0 || r.TokensPerItem < 0 || (r.FineTune != nil && r.FineTune.Examples < 0) {
			t.Fatalf("negative task figure: %+v", r)
		}
	})
}

// TestSetMacThenMemory: answered one at a time, a Mac named where it runs
// makes the memory given next (or before) its unified memory.
func TestSetMacThenMemory(t *testing.T) {
	for _, order := range [][2]Field{{WhereField, MemoryField}, {MemoryField, WhereField}} {
		var r Request
		answers := map[Field]string{WhereField: "on my Mac mini M4", MemoryField: "32 GB"}
		for _, f := range order {
			if err := r.Set(f, answers[f]); err != nil {
				t.Fatalf("Set(%v): %v", f, err)
			}
		}
		if r.Where != WhereLocal || !r.Hardware.AppleUnified || r.Hardware.GPUGiB > 22 || r.Hardware.GPUGiB < 21 {
			t.Errorf("order %v: where %v, apple %v, GPU budget %.1f GiB; want local, unified memory, about 21.3 GiB (2/3 of 32)",
				order, r.Where, r.Hardware.AppleUnified, r.Hardware.GPUGiB)
		}
	}
}

func TestFillMergesLabelledFields(t *testing.T) {
	r := ParseTemplate("Task: review Python code")
	if !r.Fill("Where I run it: locally\nAvailable GPU memory: RTX 4090") {
		t.Fatal("labelled fields were not taken")
	}
	if r.Task != "review Python code" || r.Where != WhereLocal || r.Hardware.GPUName != "RTX 4090" {
		t.Errorf("after Fill: task %q where %q gpu %q", r.Task, r.Where, r.Hardware.GPUName)
	}
	if got := r.Missing(); len(got) != 1 || got[0] != ConstraintsField {
		t.Errorf("missing %v, want only constraints", got)
	}
	before := r
	if r.Fill("just some words") || r.Task != before.Task {
		t.Error("text without labels changed the request")
	}
	if !r.Fill("Available GPU memory: RTX 9999") || r.Issue(MemoryField) == "" {
		t.Errorf("an unknown card pasted as a field is not asked about: %+v", r.Issues)
	}
}

// TestDataNotSentIsNotAnOriginRule: "client data must not go to China" is
// a rule for where data flows, not an exclusion of Chinese models; "no
// Chinese models" is.
func TestDataNotSentIsNotAnOriginRule(t *testing.T) {
	tests := []struct {
		text           string
		dataNotIn, out []string
	}{
		{"client data must not be sent to China", []string{"China"}, nil},
		{"данные клиентов не должны уходить в Китай", []string{"China"}, nil},
		{"our data must not be transferred to the USA", []string{"United States"}, nil},
		{"no Chinese models", nil, []string{"China"}},
		{"без китайских моделей", nil, []string{"China"}},
		// A data rule in an earlier clause does not turn a later origin
		// exclusion into one.
		{"data must stay in the EU, commercial use, no Chinese vendors", nil, []string{"China"}},
		{"данные должны оставаться в ЕС; без китайских моделей", nil, []string{"China"}},
		{"our data is sensitive. No Chinese models", nil, []string{"China"}},
		{"no Chinese models, and data must not be sent to the USA", []string{"United States"}, []string{"China"}},
	}
	for _, tt := range tests {
		c := parseConstraints(tt.text)
		if !slices.Equal(c.DataNotIn, tt.dataNotIn) || !slices.Equal(c.ExcludeOrigins, tt.out) {
			t.Errorf("%q: data not in %v, excluded origins %v; want %v and %v", tt.text, c.DataNotIn, c.ExcludeOrigins, tt.dataNotIn, tt.out)
		}
	}
	cat, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	// Self-hosted, Chinese weights are fine and the answer says why.
	local := Recommend(cat, ParseTemplate("Task: contract assistant for lawyers\nWhere I run it: on our servers\nGPU memory: 2x RTX 4090\nConstraints: client data must not be sent to China"))
	for _, lo := range local.LeftOut {
		if strings.Contains(lo, "Qwen") && strings.Contains(lo, "origin") || strings.Contains(lo, "DeepSeek") && strings.Contains(lo, "origin") {
			t.Errorf("self-hosted, left out by origin: %q", lo)
		}
	}
	if !slices.ContainsFunc(local.Notes, func(n string) bool { return strings.Contains(n, "Chinese models are fine") }) {
		t.Errorf("no note on where the data stays: %q", local.Notes)
	}
	// Through an API, DeepSeek's own API (data kept in China) is left out.
	api := Recommend(cat, ParseTemplate("Task: contract assistant for lawyers\nWhere I run it: API\nConstraints: client data must not be sent to China"))
	for _, p := range api.Picks {
		if p.Model.Family == "DeepSeek" {
			t.Errorf("%s picked through an API although its own API keeps data in China", p.Model.ID)
		}
	}
}
