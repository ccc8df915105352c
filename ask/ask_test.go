package ask

import (
	"bufio"
	"os"
	"strings"
	"sync"
	"testing"

	"tutorbot/lessons"
	"tutorbot/locale"
	"tutorbot/practice"
	"tutorbot/quiz"
	"tutorbot/render"
)

var (
	tutorOnce sync.Once
	tutor     *Tutor
	tutorErr  error
)

func shipped(t testing.TB) *Tutor {
	t.Helper()
	tutorOnce.Do(func() {
		course, err := lessons.Default()
		if err != nil {
			tutorErr = err
			return
		}
		cat, err := practice.LoadCatalog()
		if err != nil {
			tutorErr = err
			return
		}
		loc, err := locale.Default()
		if err != nil {
			tutorErr = err
			return
		}
		tutor, tutorErr = New(course, cat, loc)
	})
	if tutorErr != nil {
		t.Fatal(tutorErr)
	}
	return tutor
}

type labelled struct {
	line             int
	lang, q, expects string
}

func questionSet(t *testing.T) []labelled {
	t.Helper()
	f, err := os.Open("testdata/questions.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []labelled
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.HasPrefix(line, "lang\t") || strings.TrimSpace(line) == "" {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) != 3 {
			t.Fatalf("questions.tsv:%d: want 3 columns, got %d", n, len(cols))
		}
		out = append(out, labelled{n, cols[0], cols[1], cols[2]})
	}
	return out
}

// TestRetrievalAccuracy answers every question of the set and counts the
// answers that name the expected page, catalog model or family, or decline;
// it fails below 90% top-1.
func TestRetrievalAccuracy(t *testing.T) {
	tu := shipped(t)
	set := questionSet(t)
	if len(set) < 60 {
		t.Fatalf("the question set has %d questions, want at least 60", len(set))
	}
	langs := map[string]int{}
	good := 0
	for _, c := range set {
		langs[c.lang]++
		a := tu.Answer(Question{Text: c.q, Lang: c.lang})
		got := describe(a)
		if matches(c.expects, got) {
			good++
		} else {
			t.Logf("questions.tsv:%d %q: want %s, got %s (coverage %.2f)", c.line, c.q, c.expects, got, a.Coverage)
		}
	}
	if langs["en"] == 0 || langs["ru"] == 0 {
		t.Errorf("the set must hold English and Russian questions: %v", langs)
	}
	acc := float64(good) / float64(len(set))
	t.Logf("top-1 accuracy %d/%d = %.1f%%", good, len(set), acc*100)
	if acc < 0.90 {
		t.Errorf("top-1 accuracy %.1f%%, want at least 90%%", acc*100)
	}
}

func describe(a Answer) string {
	switch a.Kind {
	case Course:
		return a.Place.LessonID + ":" + itoa(a.Place.Page)
	case Catalog:
		cq := a.Catalog
		switch {
		case len(cq.Models) > 0:
			s := "model=" + cq.Models[0].ID
			if cq.HasHardware {
				budget, _ := practice.LocalBudget(cq.Request.Hardware)
				ctx := cq.Request.ContextTokens
				if ctx <= 0 {
					ctx = practice.DefaultContext
				}
				s += " fit=" + string(practice.BestFitWith(cq.Models[0], budget, ctx, practice.Options{}).Status)
			}
			return s
		case cq.Unknown != "":
			return "unknown-model"
		case cq.Family != "":
			return "family=" + cq.Family
		}
		return "catalog"
	}
	return string(a.Kind)
}

func matches(want, got string) bool { return want == got }

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	s := ""
	for n > 0 {
		s = string(rune('0'+n%10)) + s
		n /= 10
	}
	return s
}

// TestCatalogFigures checks that catalog answers carry exactly the
// recommender's figures: memory at every quantization of the ladder with
// the stated context, the fit on the named hardware, the license terms.
func TestCatalogFigures(t *testing.T) {
	tu := shipped(t)
	cat, _ := practice.LoadCatalog()
	cases := []struct {
		lang, q, model string
		ctx            int
		budget         practice.Budget
		fit            practice.FitStatus
		quant          practice.Quant
	}{
		{"en", "Can I run Qwen2.5-32B on a 24 GB card?", "qwen2.5-32b", practice.DefaultContext, practice.Budget{GPUGiB: 24, GPUCount: 1}, practice.FitYes, practice.Q4KM},
		{"en", "How much memory does Llama 3.1 70B need at Q4_K_M?", "llama-3.1-70b", practice.DefaultContext, practice.Budget{}, "", practice.Q4KM},
		{"ru", "Сколько памяти нужно Qwen2.5-72B в Q4?", "qwen2.5-72b", practice.DefaultContext, practice.Budget{}, "", practice.Q4KM},
		{"en", "Memory for Phi-3-mini at 32k context?", "phi-3-mini", 32768, practice.Budget{}, "", ""},
		{"en", "Will Qwen2.5-72B fit on my RTX 4090?", "qwen2.5-72b", practice.DefaultContext, practice.Budget{GPUGiB: 24, GPUCount: 1}, "", ""},
	}
	for _, c := range cases {
		a := tu.Answer(Question{Text: c.q, Lang: c.lang})
		a.Markdown = render.Render(a.Markdown, render.Plain)
		if a.Kind != Catalog || len(a.Catalog.Models) == 0 || a.Catalog.Models[0].ID != c.model {
			t.Errorf("%q: want a catalog answer about %s, got %s", c.q, c.model, describe(a))
			continue
		}
		m, _ := cat.ByID(c.model)
		for _, q := range practice.Ladder {
			e := practice.Estimate(m, q, c.ctx)
			line := q2line(q, e.TotalGiB, c.lang, q == c.quant)
			if !strings.Contains(a.Markdown, line) {
				t.Errorf("%q: answer lacks the recommender's %s figure %q:\n%s", c.q, q, line, a.Markdown)
			}
		}
		if c.budget.GPUGiB > 0 {
			f := practice.BestFitWith(m, c.budget, c.ctx, practice.Options{})
			if c.fit != "" && f.Status != c.fit {
				t.Errorf("%q: the recommender says %s, the test expects %s", c.q, f.Status, c.fit)
			}
			if !strings.Contains(a.Markdown, string(f.Quant)) || !strings.Contains(a.Markdown, num(f.Memory.TotalGiB, c.lang)+" GB") {
				t.Errorf("%q: answer lacks the fit %s %s GB:\n%s", c.q, f.Quant, num(f.Memory.TotalGiB, c.lang), a.Markdown)
			}
		}
		lic := cat.Policy().MainLicense(&m)
		if !strings.Contains(a.Markdown, lic.TermsIn(c.lang)) {
			t.Errorf("%q: answer lacks the license terms %q:\n%s", c.q, lic.TermsIn(c.lang), a.Markdown)
		}
	}
}

func q2line(q practice.Quant, gib float64, lang string, asked bool) string {
	s := string(q) + ": " + num(gib, lang) + " GB"
	return "• " + s
}

func TestFamilyLicense(t *testing.T) {
	tu := shipped(t)
	cat, _ := practice.LoadCatalog()
	a := tu.Answer(Question{Text: "Is Llama free for commercial use?", Lang: "en"})
	a.Markdown = render.Render(a.Markdown, render.Plain)
	if a.Kind != Catalog {
		t.Fatalf("kind %s", a.Kind)
	}
	seen := 0
	for _, m := range cat.Models {
		if m.Family != "Llama" {
			continue
		}
		lic := cat.Policy().MainLicense(&m)
		if !strings.Contains(a.Markdown, lic.TermsIn("en")) {
			t.Errorf("answer lacks %s's license %q:\n%s", m.Name, lic.TermsIn("en"), a.Markdown)
		}
		seen++
	}
	if seen == 0 {
		t.Fatal("no Llama in the catalog")
	}
}

// TestQuizIntegrity: while a quiz question is open, asking for its answer
// gets a pointer to the page and not the correct option's text; after the
// learner answered (no open question), the full answer.
func TestQuizIntegrity(t *testing.T) {
	tu := shipped(t)
	course, _ := lessons.Default()
	for _, lang := range []string{"en", "ru"} {
		l, _ := course.Lesson("map-of-open-weight-models", lang)
		qq, ok := quiz.Find(l.Quiz, "deepseek-known-for")
		if !ok {
			t.Fatal("no deepseek-known-for question")
		}
		correct, _ := qq.Option(qq.Answer)
		ask := map[string]string{"en": "What is DeepSeek known for?", "ru": "Чем известен DeepSeek?"}[lang]
		a := tu.Answer(Question{Text: ask, Lang: lang, Quiz: &OpenQuiz{LessonID: l.ID, Question: qq}})
		if a.Kind != Hint {
			t.Fatalf("%s: open question: kind %s, want hint:\n%s", lang, a.Kind, a.Markdown)
		}
		if a.Place == nil || a.Place.Page != 2 {
			t.Errorf("%s: the hint should point to page 2, got %+v", lang, a.Place)
		}
		low := strings.ToLower(a.Markdown)
		for _, w := range []string{correct.Text, plain(correct.Explain)} {
			if strings.Contains(low, strings.ToLower(w)) {
				t.Errorf("%s: the hint gives the answer away (%q):\n%s", lang, w, a.Markdown)
			}
		}
		// An unrelated question during the quiz is answered normally.
		other := map[string]string{"en": "Should I trust benchmarks?", "ru": "Можно ли доверять бенчмаркам?"}[lang]
		if b := tu.Answer(Question{Text: other, Lang: lang, Quiz: &OpenQuiz{LessonID: l.ID, Question: qq}}); b.Kind != Course {
			t.Errorf("%s: an unrelated question during the quiz: kind %s", lang, b.Kind)
		}
		// After answering: the full answer.
		b := tu.Answer(Question{Text: ask, Lang: lang})
		if b.Kind != Course || !strings.Contains(render.Render(b.Markdown, render.Plain), plain(correct.Explain)) {
			t.Errorf("%s: after the quiz the answer should be full:\n%s", lang, b.Markdown)
		}
	}
}

// TestBadInput: odd questions get a clear answer, never a panic or an
// invented figure.
func TestBadInput(t *testing.T) {
	tu := shipped(t)
	cases := []struct {
		q    string
		kind Kind
	}{
		{strings.Repeat("why open weights ", 6000), ""},
		{"😀😀🎉", Unknown},
		{"?!.,;:", Unknown},
		{"", Unknown},
		{"'; DROP TABLE learners; --", Unknown},
		{"<b>hi</b><script>alert(1)</script>", Unknown},
		{"Can I run Qwen9-900B?", Catalog},
		{"Can Llama 3.1 8B run on -5 GB?", Catalog},
		{"Can Llama 3.1 8B run on 10^9 TB?", Catalog},
		{"Qu'est-ce que la quantification du modèle?", Unknown},
		{string([]byte{0xff, 0xfe, 'a', 'b'}), ""},
	}
	for _, c := range cases {
		a := tu.Answer(Question{Text: c.q, Lang: "en"})
		if c.kind != "" && a.Kind != c.kind {
			t.Errorf("%.40q: kind %s, want %s:\n%s", c.q, a.Kind, c.kind, a.Markdown)
		}
		if strings.TrimSpace(a.Markdown) == "" {
			t.Errorf("%.40q: empty answer", c.q)
		}
		if strings.Contains(a.Markdown, "Ask") && strings.Contains(a.Markdown, "{{") {
			t.Errorf("%.40q: a message id or template leaked: %s", c.q, a.Markdown)
		}
	}
	a := tu.Answer(Question{Text: "Can I run Qwen9-900B?", Lang: "en"})
	if !strings.Contains(a.Markdown, "Qwen9") || strings.Contains(a.Markdown, " GB") {
		t.Errorf("an unknown model must be named as unknown, with no figures:\n%s", a.Markdown)
	}
	a = tu.Answer(Question{Text: "Can Llama 3.1 8B run on -5 GB?", Lang: "en"})
	if a.Catalog == nil || a.Catalog.HasHardware {
		t.Errorf("-5 GB must not count as hardware:\n%s", a.Markdown)
	}
}

func FuzzAnswer(f *testing.F) {
	for _, s := range []string{"Can I run Qwen2.5-32B on a 24 GB card?", "Сколько памяти нужно Qwen2.5-72B в Q4?", "What is DeepSeek known for?", "Qwen9-900B on -5 GB", "10^9 TB", "😀", ""} {
		f.Add(s, "en")
	}
	tu := shipped(f)
	course, _ := lessons.Default()
	qq := course.First().Quiz[1]
	f.Fuzz(func(t *testing.T, q, lang string) {
		a := tu.Answer(Question{Text: q, Lang: lang})
		if a.Markdown == "" {
			t.Fatalf("empty answer to %q", q)
		}
		if a.Kind == Course && a.Place == nil {
			t.Fatalf("a course answer without its place: %q", q)
		}
		tu.Answer(Question{Text: q, Lang: lang, Quiz: &OpenQuiz{LessonID: course.First().ID, Question: qq}})
	})
}

func FuzzCatalogQuestion(f *testing.F) {
	for _, s := range []string{"Can I run Qwen2.5-32B on a 24 GB card?", "Llama 70B license", "qwen 2x rtx 3090 q5", "Mixtral 8x22B 4-bit 128k context", "phi-3 on phone 6gb"} {
		f.Add(s)
	}
	tu := shipped(f)
	f.Fuzz(func(t *testing.T, q string) {
		cq, ok := tu.ci.parse(q, "en")
		if len(cq.Models) > 3 {
			t.Fatalf("%d models from %q", len(cq.Models), q)
		}
		if ok && len(cq.Models) == 0 && cq.Unknown == "" && cq.Family == "" && !cq.HasHardware && cq.BadHardware == "" {
			t.Fatalf("a catalog question with nothing to answer: %q", q)
		}
	})
}

// TestNoIsNotHardware: a bare "нет" / "no" reads as "no GPU" to the
// template parser; as a message it is small talk, never a catalog answer
// about a CPU with 0 GB of RAM.
func TestNoIsNotHardware(t *testing.T) {
	tu := shipped(t)
	for _, c := range []struct{ text, lang string }{{"нет", "ru"}, {"no", "en"}, {"нет.", "ru"}} {
		if a := tu.Answer(Question{Text: c.text, Lang: c.lang}); a.Kind != SmallTalk {
			t.Errorf("%q: %s answer %q, want small talk", c.text, a.Kind, a.Markdown)
		}
	}
	if a := tu.Answer(Question{Text: "what can I run on CPU only with 16 GB RAM?", Lang: "en"}); a.Kind != Catalog || !a.Catalog.HasHardware {
		t.Errorf("a CPU question with its RAM: %s answer %q, want a catalog answer about the hardware", a.Kind, a.Markdown)
	}
}

// TestHardwareOnlyInRussian: a question naming only hardware asks for the
// task, in Russian that reads right for every kind of hardware («на
// телефоне с 8 GB», not «для телефоне»).
func TestHardwareOnlyInRussian(t *testing.T) {
	tu := shipped(t)
	a := tu.Answer(Question{Text: "Что запустится на телефоне с 8 ГБ памяти?", Lang: "ru"})
	if a.Kind != Catalog || !strings.Contains(a.Markdown, "пойдут на телефоне с 8 GB") {
		t.Errorf("%s answer %q", a.Kind, a.Markdown)
	}
}
