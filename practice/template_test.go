package practice

import (
	"math"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// want is what a parsed template must contain; zero values are not checked
// unless the check* flags say so.
type want struct {
	task        string // substring of Task
	where       Where
	gpu         float64 // GPUGiB (±0.05)
	ram         float64
	noGPU       bool
	apple       bool
	unlimited   bool
	gpuName     string
	commercial  bool
	privacy     bool
	none        bool
	latency     bool
	permissive  bool
	langs       []string
	avoid       []string
	origins     []string
	needs       []Strength
	missing     []Field // exactly these, in order
	issues      []Field // fields with an issue
	lang        string
	contextToks int
}

func TestParseTemplate(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want want
	}{
		{
			name: "lesson one-liner filled inside brackets",
			in:   "Help me choose an open-weight model. Task: <code review for Python> Where I run it (locally / API / cloud): <locally> Available GPU memory: <24GB> Constraints: <commercial use> Give a recommendation from DeepSeek / Qwen / Mistral / Llama / Gemma with reasoning.",
			want: want{task: "code review for Python", where: WhereLocal, gpu: 24, commercial: true, needs: []Strength{StrengthCode}, missing: []Field{}},
		},
		{
			name: "lesson one-liner without brackets",
			in:   "Help me choose an open-weight model. Task: summarise support tickets Where I run it (locally / API / cloud): API Available GPU memory: doesn't matter Constraints: none Give a recommendation from DeepSeek / Qwen / Mistral / Llama / Gemma with reasoning.",
			want: want{task: "summarise support tickets", where: WhereAPI, unlimited: true, none: true, missing: []Field{}},
		},
		{
			name: "unfilled template",
			in:   Template,
			want: want{missing: []Field{TaskField, WhereField, MemoryField, ConstraintsField}},
		},
		{
			name: "multi-line with bullets",
			in:   "Help me choose an open-weight model.\n- Task: chatbot for our online shop\n- Where I run it (locally / API / cloud): locally\n- Available GPU memory: 24 GB VRAM\n- Constraints: commercial use, answers in German",
			want: want{task: "chatbot for our online shop", where: WhereLocal, gpu: 24, commercial: true, langs: []string{"German"}, missing: []Field{}},
		},
		{
			name: "fields in another order",
			in:   "Constraints: privacy, nothing leaves the office\nAvailable GPU memory: RTX 4090\nTask: extract fields from contracts\nWhere I run it: on-prem server",
			want: want{task: "extract fields from contracts", where: WhereLocal, gpu: 24, gpuName: "RTX 4090", privacy: true, missing: []Field{}},
		},
		{
			name: "markdown bold labels",
			in:   "**Task:** write SQL queries from questions\n**Where I run it:** cloud\n**Available GPU memory:** 80GB\n**Constraints:** fast responses",
			want: want{task: "write SQL queries", where: WhereCloud, gpu: 80, latency: true, needs: []Strength{StrengthCode, StrengthGeneral}, missing: []Field{}},
		},
		{
			name: "cpu only with RAM",
			in:   "Task: answer questions about my notes\nWhere: locally\nAvailable GPU memory: CPU only, 16 GB RAM\nConstraints: none",
			want: want{where: WhereLocal, noGPU: true, ram: 16, none: true, missing: []Field{}},
		},
		{
			name: "no GPU phrase",
			in:   "Task: summarize articles; Where I run it: my laptop; Available GPU memory: no GPU, 8GB RAM; Constraints: doesn't matter",
			want: want{task: "summarize articles", where: WhereLocal, noGPU: true, ram: 8, none: true, missing: []Field{}},
		},
		{
			name: "mac unified memory",
			in:   "Task: coding assistant\nWhere I run it: locally\nAvailable GPU memory: Mac M2 with 32 GB\nConstraints: personal use",
			want: want{where: WhereLocal, apple: true, gpu: 21.3, needs: []Strength{StrengthCode, StrengthGeneral}, missing: []Field{}},
		},
		{
			name: "macbook pro m3 max",
			in:   "Task: chat\nWhere: local\nGPU: MacBook Pro M3 Max 64GB unified memory\nConstraints: -",
			want: want{apple: true, gpu: 48, none: true, missing: []Field{}},
		},
		{
			name: "russian template one line",
			in:   "Помоги выбрать open-weight модель. Задача: <перевод документов с английского на русский> Где запускаю (локально / API / облако): <локально> Доступная память GPU: <RTX 3060> Ограничения: <коммерческое использование> Дай рекомендацию из DeepSeek / Qwen / Mistral / Llama / Gemma с обоснованием.",
			want: want{task: "перевод документов", where: WhereLocal, gpu: 12, gpuName: "RTX 3060", commercial: true, needs: []Strength{StrengthMultilingual}, missing: []Field{}, lang: "ru"},
		},
		{
			name: "russian multi-line cloud",
			in:   "Задача: чат-бот поддержки клиентов\nГде запускаю: в облаке\nДоступная память GPU: 48 ГБ\nОграничения: нет",
			want: want{task: "чат-бот поддержки", where: WhereCloud, gpu: 48, commercial: true, needs: []Strength{StrengthGeneral}, missing: []Field{}, lang: "ru"},
		},
		{
			name: "russian no gpu",
			in:   "Задача: распознавание текста на фото чеков\nГде запускаю: локально\nДоступная память GPU: нет видеокарты, 32 ГБ оперативной памяти\nОграничения: приватность, данные не должны уходить наружу",
			want: want{where: WhereLocal, noGPU: true, ram: 32, privacy: true, needs: []Strength{StrengthVision}, missing: []Field{}, lang: "ru"},
		},
		{
			name: "russian api",
			in:   "Задача: решать задачи по математике\nГде запускаю (локально / API / облако): API\nОграничения: дешево",
			want: want{where: WhereAPI, needs: []Strength{StrengthMath}, missing: []Field{}, lang: "ru"},
		},
		{
			name: "other wordings of the labels",
			in:   "Goal: summarize Russian legal contracts for our law firm\nWhere it runs: on-prem\nGPU memory: 1x RTX 4090 24GB\nConditions: commercial use",
			want: want{task: "summarize Russian legal contracts", where: WhereLocal, gpu: 24, gpuName: "RTX 4090", commercial: true, missing: []Field{}},
		},
		{
			name: "other wordings of the labels, russian",
			in:   "Цель: ответы на вопросы сотрудников по базе знаний\nГде будет работать: на наших серверах\nВидеокарта: RTX 3090\nУсловия: только для внутреннего использования",
			want: want{task: "ответы на вопросы сотрудников", where: WhereLocal, gpu: 24, gpuName: "RTX 3090", commercial: true, missing: []Field{}, lang: "ru"},
		},
		{
			name: "a mac named where it runs",
			in:   "Task: code completion for Python\nWhere I run it: on my MacBook Pro M3 Max\nAvailable GPU memory: 36 GB\nConstraints: none",
			want: want{where: WhereLocal, apple: true, gpu: 24, none: true, needs: []Strength{StrengthCode}, missing: []Field{}},
		},
		{
			name: "a mac named where it runs, russian",
			in:   "Задача: автодополнение кода на Python\nГде запускаю: на MacBook Pro M3 Max\nПамять: 36 ГБ\nОграничения: нет",
			want: want{where: WhereLocal, apple: true, gpu: 24, none: true, needs: []Strength{StrengthCode}, missing: []Field{}, lang: "ru"},
		},
		{
			name: "cloud memory left to what is rented",
			in:   "Task: summarize scanned invoices\nWhere I run it: cloud\nGPU memory: whatever we rent\nConstraints: commercial",
			want: want{task: "summarize scanned invoices", where: WhereCloud, unlimited: true, commercial: true, missing: []Field{}},
		},
		{
			name: "cloud memory left to what is rented, russian",
			in:   "Задача: сводки по сканам счетов\nГде запускаю: в облаке\nДоступная память GPU: сколько нужно, арендуем\nОграничения: коммерческое использование",
			want: want{task: "сводки по сканам счетов", where: WhereCloud, unlimited: true, commercial: true, missing: []Field{}, lang: "ru"},
		},
		{
			name: "only one field",
			in:   "Task: write marketing emails",
			want: want{task: "write marketing emails", missing: []Field{WhereField, MemoryField, ConstraintsField}},
		},
		{
			name: "empty",
			in:   "",
			want: want{missing: []Field{TaskField, WhereField, MemoryField, ConstraintsField}},
		},
		{
			name: "whitespace only",
			in:   " \n\t\n ",
			want: want{missing: []Field{TaskField, WhereField, MemoryField, ConstraintsField}},
		},
		{
			name: "negative memory",
			in:   "Task: chat\nWhere: locally\nAvailable GPU memory: -5 GB\nConstraints: none",
			want: want{issues: []Field{MemoryField}, missing: []Field{MemoryField}},
		},
		{
			name: "overflowing memory",
			in:   "Task: chat\nWhere: locally\nAvailable GPU memory: 1e309 GB\nConstraints: none",
			want: want{issues: []Field{MemoryField}, missing: []Field{MemoryField}},
		},
		{
			name: "absurd memory",
			in:   "Task: chat\nWhere: locally\nAvailable GPU memory: 50000 GB\nConstraints: none",
			want: want{issues: []Field{MemoryField}, missing: []Field{MemoryField}},
		},
		{
			name: "vague memory",
			in:   "Task: chat\nWhere: locally\nAvailable GPU memory: a lot of GPU\nConstraints: none",
			want: want{issues: []Field{MemoryField}, missing: []Field{MemoryField}},
		},
		{
			name: "where left as the options",
			in:   "Task: chat\nWhere I run it (locally / API / cloud): locally / API / cloud\nAvailable GPU memory: 12GB\nConstraints: none",
			want: want{issues: []Field{WhereField}, missing: []Field{WhereField}},
		},
		{
			name: "api needs no memory",
			in:   "Task: reasoning over legal questions\nWhere I run it: through OpenRouter API\nConstraints: commercial",
			want: want{where: WhereAPI, commercial: true, needs: []Strength{StrengthReasoning}, missing: []Field{}},
		},
		{
			name: "two GPUs",
			in:   "Task: serve a chat model for the team\nWhere: our own server\nGPU: 2x RTX 3090, 128 GB RAM\nConstraints: commercial",
			want: want{where: WhereLocal, gpu: 48, ram: 128, gpuName: "RTX 3090", commercial: true, missing: []Field{}},
		},
		{
			name: "card with memory variant",
			in:   "Task: autocomplete in my IDE\nWhere: locally\nGPU: RTX 4060 Ti 16GB\nConstraints: low latency",
			want: want{gpu: 16, gpuName: "RTX 4060 Ti", latency: true, needs: []Strength{StrengthCode}, missing: []Field{}},
		},
		{
			name: "amd card and RAM",
			in:   "Task: roleplay chat\nWhere: home PC\nAvailable GPU memory: Radeon RX 7900 XTX, 64GB RAM\nConstraints: none",
			want: want{where: WhereLocal, gpu: 24, ram: 64, gpuName: "RX 7900 XTX", missing: []Field{}},
		},
		{
			name: "bare number",
			in:   "Task: chat\nWhere: locally\nAvailable GPU memory: 8\nConstraints: none",
			want: want{gpu: 8, missing: []Field{}},
		},
		{
			name: "vram word after number",
			in:   "task: classify support emails\nwhere: locally\ngpu memory: 12 gb vram + 32gb ram\nconstraints: apache or mit license only",
			want: want{gpu: 12, ram: 32, permissive: true, missing: []Field{}},
		},
		{
			name: "separate RAM label",
			in:   "Task: chat\nWhere: locally\nGPU: none\nRAM: 16 GB\nConstraints: none",
			want: want{noGPU: true, ram: 16, missing: []Field{}},
		},
		{
			name: "vision task",
			in:   "Task: read scanned invoices and screenshots\nWhere: cloud\nConstraints: commercial",
			want: want{where: WhereCloud, needs: []Strength{StrengthVision}, commercial: true, missing: []Field{}},
		},
		{
			name: "avoid chinese models",
			in:   "Task: chat for a bank\nWhere: locally\nGPU: A100 80GB\nConstraints: commercial, no Chinese models, GDPR",
			want: want{gpu: 80, gpuName: "A100", commercial: true, privacy: true, origins: []string{"China"}, missing: []Field{}},
		},
		{
			name: "long context with size",
			in:   "Task: answer questions over long documents, 32k context\nWhere: locally\nGPU: 24GB\nConstraints: none",
			want: want{needs: []Strength{StrengthLongContext, StrengthGeneral}, contextToks: 32768, missing: []Field{}},
		},
		{
			name: "non-commercial is not commercial",
			in:   "Task: hobby project chatbot\nWhere: locally\nGPU: 6GB\nConstraints: non-commercial, just for me",
			want: want{gpu: 6, commercial: false, missing: []Field{}},
		},
		{
			name: "placeholders with ascii dots",
			in:   "Task: <...> Where I run it (locally / API / cloud): <...> Available GPU memory: <...> Constraints: <...>",
			want: want{missing: []Field{TaskField, WhereField, MemoryField, ConstraintsField}},
		},
		{
			name: "free text without labels",
			in:   "I need a coding model for my RTX 3080 at home, for commercial use",
			want: want{where: WhereLocal, gpu: 10, gpuName: "RTX 3080", commercial: true, needs: []Strength{StrengthCode}, missing: []Field{}},
		},
		{
			name: "windows line endings and tabs",
			in:   "Task:\tspeech transcription summaries\r\nWhere I run it:\tcloud\r\nAvailable GPU memory:\t\r\nConstraints:\tnone\r\n",
			want: want{where: WhereCloud, needs: []Strength{StrengthAudio, StrengthGeneral}, none: true, missing: []Field{}},
		},
		{
			name: "mb units",
			in:   "Task: tiny chat bot\nWhere: locally on a raspberry pi\nGPU: no gpu, 8192 MB RAM\nConstraints: none",
			want: want{noGPU: true, ram: 8, needs: []Strength{StrengthSmall, StrengthGeneral}, missing: []Field{}},
		},
		{
			name: "where doesn't matter",
			in:   "Task: chat\nWhere I run it: doesn't matter\nAvailable GPU memory: doesn't matter\nConstraints: none",
			want: want{where: WhereUnknown, unlimited: true, missing: []Field{}},
		},
		{
			name: "repeated label stays in value",
			in:   "Task: chat\nWhere: locally\nGPU memory: 16 GB\nConstraints: memory: keep it low, must be fast",
			want: want{gpu: 16, latency: true, missing: []Field{}},
		},
		{
			name: "short task",
			in:   "Task: ok\nWhere: API\nConstraints: none",
			want: want{issues: []Field{TaskField}, missing: []Field{TaskField}},
		},
	}
	if len(tests) < 30 {
		t.Fatalf("only %d cases", len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ParseTemplate(tt.in)
			w := tt.want
			if w.task != "" && !strings.Contains(r.Task, w.task) {
				t.Errorf("Task = %q, want it to contain %q", r.Task, w.task)
			}
			if w.where != "" && r.Where != w.where {
				t.Errorf("Where = %q, want %q", r.Where, w.where)
			}
			h := r.Hardware
			if w.gpu != 0 && math.Abs(h.GPUGiB-w.gpu) > 0.05 {
				t.Errorf("GPUGiB = %v, want %v (hardware %+v)", h.GPUGiB, w.gpu, h)
			}
			if w.ram != 0 && math.Abs(h.RAMGiB-w.ram) > 0.05 {
				t.Errorf("RAMGiB = %v, want %v", h.RAMGiB, w.ram)
			}
			if h.NoGPU != w.noGPU {
				t.Errorf("NoGPU = %v, want %v", h.NoGPU, w.noGPU)
			}
			if h.AppleUnified != w.apple {
				t.Errorf("AppleUnified = %v, want %v", h.AppleUnified, w.apple)
			}
			if h.Unlimited != w.unlimited {
				t.Errorf("Unlimited = %v, want %v", h.Unlimited, w.unlimited)
			}
			if w.gpuName != "" && h.GPUName != w.gpuName {
				t.Errorf("GPUName = %q, want %q", h.GPUName, w.gpuName)
			}
			c := r.Constraints
			if c.Commercial != w.commercial {
				t.Errorf("Commercial = %v, want %v", c.Commercial, w.commercial)
			}
			if w.privacy && !c.PrivacyLocalOnly {
				t.Errorf("PrivacyLocalOnly = false, want true")
			}
			if w.none && !c.None {
				t.Errorf("None = false, want true (%+v)", c)
			}
			if w.latency && !c.LowLatency {
				t.Errorf("LowLatency = false, want true")
			}
			if w.permissive && !c.PermissiveOnly {
				t.Errorf("PermissiveOnly = false, want true")
			}
			for _, l := range w.langs {
				if !slices.Contains(c.Languages, l) {
					t.Errorf("Languages = %v, want %s", c.Languages, l)
				}
			}
			for _, o := range w.origins {
				if !slices.Contains(c.ExcludeOrigins, o) {
					t.Errorf("ExcludeOrigins = %v, want %s", c.ExcludeOrigins, o)
				}
			}
			for _, f := range w.avoid {
				if !slices.Contains(c.AvoidFamilies, f) {
					t.Errorf("AvoidFamilies = %v, want %s", c.AvoidFamilies, f)
				}
			}
			for _, n := range w.needs {
				if !slices.Contains(r.Needs, n) {
					t.Errorf("Needs = %v, want %s", r.Needs, n)
				}
			}
			if w.missing != nil {
				got := r.Missing()
				if len(got) != len(w.missing) || (len(got) > 0 && !slices.Equal(got, w.missing)) {
					t.Errorf("Missing = %v, want %v (issues %v)", got, w.missing, r.Issues)
				}
			}
			for _, f := range w.issues {
				if r.Issue(f) == "" {
					t.Errorf("no issue for %s; issues = %v", f, r.Issues)
				}
			}
			if w.issues == nil && len(r.Issues) > 0 {
				t.Errorf("unexpected issues %v", r.Issues)
			}
			if w.lang != "" && r.Lang != w.lang {
				t.Errorf("Lang = %q, want %q", r.Lang, w.lang)
			}
			if w.contextToks != 0 && r.ContextTokens != w.contextToks {
				t.Errorf("ContextTokens = %d, want %d", r.ContextTokens, w.contextToks)
			}
		})
	}
}

func TestParseTemplateHugeInput(t *testing.T) {
	long := strings.Repeat("very long task description ", 800) // ~21 KB
	r := ParseTemplate("Task: " + long + "\nWhere: locally\nGPU: 12GB\nConstraints: " + strings.Repeat("x", 30000))
	if n := utf8.RuneCountInString(r.Task); n > MaxFieldRunes+1 {
		t.Errorf("task has %d runes, want <= %d", n, MaxFieldRunes+1)
	}
	if n := utf8.RuneCountInString(r.Constraints.Text); n > MaxFieldRunes+1 {
		t.Errorf("constraints have %d runes", n)
	}
	if r.Where != WhereLocal || r.Hardware.GPUGiB != 12 {
		t.Errorf("fields after the long task were lost: where=%q gpu=%v", r.Where, r.Hardware.GPUGiB)
	}
	// 100 KB of Cyrillic: capped, still valid UTF-8.
	r = ParseTemplate("Задача: " + strings.Repeat("я", 60000))
	if !utf8.ValidString(r.Task) || utf8.RuneCountInString(r.Task) > MaxFieldRunes+1 {
		t.Errorf("bad cap on Cyrillic task: %d runes, valid=%v", utf8.RuneCountInString(r.Task), utf8.ValidString(r.Task))
	}
}

func TestRequestSet(t *testing.T) {
	r := ParseTemplate("Task: write unit tests for Go code")
	if got := r.Missing(); !slices.Equal(got, []Field{WhereField, MemoryField, ConstraintsField}) {
		t.Fatalf("Missing = %v", got)
	}
	steps := []struct {
		field   Field
		answer  string
		wantErr bool
		missing []Field
	}{
		{WhereField, "somewhere", true, []Field{WhereField, MemoryField, ConstraintsField}},
		{WhereField, "locally", false, []Field{MemoryField, ConstraintsField}},
		{MemoryField, "a lot", true, []Field{MemoryField, ConstraintsField}},
		{MemoryField, "-3 GB", true, []Field{MemoryField, ConstraintsField}},
		{MemoryField, "RTX 3060", false, []Field{ConstraintsField}},
		{ConstraintsField, "", true, []Field{ConstraintsField}},
		{ConstraintsField, "commercial use", false, nil},
		{TaskField, "<…>", true, nil},
	}
	for i, s := range steps {
		err := r.Set(s.field, s.answer)
		if (err != nil) != s.wantErr {
			t.Fatalf("step %d Set(%s, %q) err = %v, wantErr %v", i, s.field, s.answer, err, s.wantErr)
		}
		if err != nil && (err.Error() == "" || strings.Contains(err.Error(), "%")) {
			t.Errorf("step %d: unfriendly error %q", i, err)
		}
		if got := r.Missing(); !slices.Equal(got, s.missing) {
			t.Fatalf("step %d: Missing = %v, want %v", i, got, s.missing)
		}
	}
	if r.Task != "write unit tests for Go code" || r.Hardware.GPUGiB != 12 || !r.Constraints.Commercial || r.Where != WhereLocal {
		t.Errorf("request after guided answers = %+v", r)
	}
	if !r.Complete() {
		t.Error("Complete() = false after all answers")
	}
	// Switching to API drops the memory question.
	r2 := Request{}
	if err := r2.Set(WhereField, "api"); err != nil {
		t.Fatal(err)
	}
	if slices.Contains(r2.Missing(), MemoryField) {
		t.Errorf("Missing = %v: memory asked for API use", r2.Missing())
	}
}

func TestFieldQuestionsAndChoices(t *testing.T) {
	for _, f := range Fields {
		if f.Question() == "" || f.QuestionIn("ru") == "" || f.Question() == f.QuestionIn("ru") {
			t.Errorf("%s: missing question", f)
		}
		var back Field
		b, _ := f.MarshalText()
		if err := back.UnmarshalText(b); err != nil || back != f {
			t.Errorf("%s: text round trip = %v, %v", f, back, err)
		}
	}
	ch := WhereField.Choices()
	if len(ch) != 3 {
		t.Fatalf("where choices = %v", ch)
	}
	for _, c := range ch {
		w, _, reason := parseWhere(c.Answer)
		if reason != "" || w == WhereUnknown {
			t.Errorf("choice %q does not parse: %q", c.Answer, reason)
		}
		if len(c.Answer) > 40 {
			t.Errorf("choice answer %q too long for a button payload", c.Answer)
		}
	}
	for _, c := range MemoryField.Choices() {
		r := Request{}
		if err := r.Set(MemoryField, c.Answer); err != nil {
			t.Errorf("memory choice %q: %v", c.Answer, err)
		}
	}
}

func FuzzParseTemplate(f *testing.F) {
	for _, s := range []string{
		Template, TemplateRU, "",
		"Task: code\nWhere: locally\nGPU: 24GB\nConstraints: commercial",
		"Available GPU memory: 1e309 GB", "GPU: -5 GB", "GPU: 2x RTX 3090, 64GB RAM",
		"Задача: перевод\nГде запускаю: локально\nДоступная память GPU: нет, 16 ГБ ОЗУ\nОграничения: нет",
		"GPU: Mac M4 Max 128GB", "Task: <…> Where: <", "Constraints: no Chinese models, 128k context",
		"\xff\xfeTask:\x00", "where: : : : gpu: 3090 4090 5090",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := ParseTemplate(s)
		if r.Hardware.GPUGiB < 0 || math.IsNaN(r.Hardware.GPUGiB) || math.IsInf(r.Hardware.GPUGiB, 0) || r.Hardware.GPUGiB > 64*maxMemoryGiB {
			t.Fatalf("bad GPU figure %v for %q", r.Hardware.GPUGiB, s)
		}
		if r.Hardware.RAMGiB < 0 || math.IsNaN(r.Hardware.RAMGiB) {
			t.Fatalf("bad RAM figure %v", r.Hardware.RAMGiB)
		}
		for _, v := range []string{r.Task, r.Constraints.Text, r.Hardware.Text} {
			if utf8.RuneCountInString(v) > 2*MaxFieldRunes+20 {
				t.Fatalf("field not capped: %d runes", utf8.RuneCountInString(v))
			}
		}
		for _, f := range r.Missing() {
			if f.Question() == "" {
				t.Fatalf("missing field %v has no question", f)
			}
		}
		for _, is := range r.Issues {
			if is.Reason == "" {
				t.Fatalf("issue without a reason: %+v", is)
			}
		}
	})
}

func BenchmarkParseTemplate(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		ParseTemplate("Help me choose an open-weight model. Task: <code review for Python> Where I run it (locally / API / cloud): <locally> Available GPU memory: <RTX 3090, 64 GB RAM> Constraints: <commercial use, fast> Give a recommendation from DeepSeek / Qwen / Mistral / Llama / Gemma with reasoning.")
	}
}

func BenchmarkParseTemplate50KB(b *testing.B) {
	s := "Task: " + strings.Repeat("very long task description ", 800) + "\nWhere: locally\nGPU: 12GB\nConstraints: " + strings.Repeat("x", 30000)
	b.ReportAllocs()
	for b.Loop() {
		ParseTemplate(s)
	}
}

// TestHardwareInWhereField: a learner who names the machine where they
// run the model ("Where I run it: Mac M2 with 16 GB") is not asked for its
// memory again; an unreadable memory field ("see above", "-") takes it
// from there too. A place without a size names no hardware.
func TestHardwareInWhereField(t *testing.T) {
	cases := []struct {
		text    string
		gib     float64 // GPUGiB wanted; 0: memory still missing
		apple   bool
		missing bool
	}{
		{"Task: summarize customer emails\nWhere I run it: Mac M2 with 16 GB\nConstraints: none", 10.7, true, false},
		{"Task: summarize customer emails\nWhere I run it: Mac M2 with 16 GB\nGPU memory: -\nConstraints: none", 10.7, true, false},
		{"Task: summarize customer emails\nWhere I run it: my laptop, RTX 4060 8GB\nGPU memory: see above\nConstraints: none", 8, false, false},
		{"Задача: пересказ писем клиентов\nГде запускаю: ноутбук с RTX 4060 на 8 ГБ\nОграничения: нет", 8, false, false},
		{"Task: summarize customer emails\nWhere I run it: locally\nConstraints: none", 0, false, true},
		{"Task: summarize customer emails\nWhere I run it: on our servers\nGPU memory: see above\nConstraints: none", 0, false, true},
		// The memory field wins when it reads.
		{"Task: summarize customer emails\nWhere I run it: laptop with RTX 4060 8GB\nGPU memory: 24 GB\nConstraints: none", 24, false, false},
	}
	for _, c := range cases {
		r := ParseTemplate(c.text)
		missing := slices.Contains(r.Missing(), MemoryField)
		if missing != c.missing || !c.missing && (math.Abs(r.Hardware.GPUGiB-c.gib) > 0.05 || r.Hardware.AppleUnified != c.apple) {
			t.Errorf("%q: hardware %+v, missing %v; want %.1f GiB (apple %v), missing %v", c.text, r.Hardware, r.Missing(), c.gib, c.apple, c.missing)
		}
	}
}

// TestCardCounts: how many cards a learner has, however it is written: a
// bare number, a Russian numeral in any case, a word for "cards" between.
func TestCardCounts(t *testing.T) {
	for in, want := range map[string]struct {
		n   int
		gib float64
	}{
		"2 RTX 4090":                      {2, 48},
		"2 x RTX 4090":                    {2, 48},
		"2 GPUs RTX 3090":                 {2, 48},
		"4 видеокарты RTX 3090":           {4, 96},
		"сервер с двумя RTX 4090":         {2, 48},
		"на трёх RTX 3090":                {3, 72},
		"из восьми A100":                  {8, 320},
		"1 RTX 4090":                      {1, 24},
		"RTX 4090 24 GB":                  {1, 24},
		"my 2019 laptop with an RTX 2060": {1, 6},
		"32 GB RAM and an RTX 4090":       {1, 24},
	} {
		hw, reason := parseHardware(in)
		if reason != "" || hw.GPUCount != want.n || math.Abs(hw.GPUGiB-want.gib) > 0.05 {
			t.Errorf("%q: %d cards, %.1f GiB (%q); want %d, %.1f", in, hw.GPUCount, hw.GPUGiB, reason, want.n, want.gib)
		}
	}
}

// TestWhereServer: a server or data centre nobody calls rented or an API
// is the learner's own; a word for the cloud or an API still wins.
func TestWhereServer(t *testing.T) {
	for in, want := range map[string]Where{
		"сервер с двумя RTX 4090": WhereLocal,
		"в своём дата-центре":     WhereLocal,
		"a server in the office":  WhereLocal,
		"servers at AWS":          WhereCloud,
		"арендованный сервер":     WhereCloud,
		"API server":              WhereAPI,
	} {
		if w, _, reason := parseWhere(in); w != want || reason != "" {
			t.Errorf("parseWhere(%q) = %v, %q; want %v", in, w, reason, want)
		}
	}
}
