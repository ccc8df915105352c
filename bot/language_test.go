package bot_test

import (
	"encoding/json"
	"strings"
	"testing"
	"testing/fstest"

	"tutorbot/bot"
	"tutorbot/render"
)

// storedLang is the language in the learner's stored record.
func storedLang(t *testing.T, h *harness) string {
	t.Helper()
	var st bot.State
	if err := json.Unmarshal([]byte(record(t, h.db, "test:"+h.user)), &st); err != nil {
		t.Fatal(err)
	}
	return st.Lang
}

func TestLanguageFromPlatformOnFirstContact(t *testing.T) {
	for code, want := range map[string]string{
		"ru": "ru", "ru-RU": "ru", "RU": "ru", "ru_RU.UTF-8": "ru",
		"en": "en", "en-US": "en", "uk": "en", "": "en", "x\x00<b>": "en", strings.Repeat("ru", 3000): "en",
	} {
		h := newHarness(t, render.Plain)
		h.lang = code
		text := h.say("/start")[0].Text
		if got := storedLang(t, h); got != want {
			t.Errorf("language_code %.20q: stored %q, want %q", code, got, want)
		}
		greeting := map[string]string{"ru": "Привет", "en": "Hi"}[want]
		if !strings.HasPrefix(text, greeting) {
			t.Errorf("language_code %.20q: welcome %.60q, want it to start with %q", code, text, greeting)
		}
	}
}

func TestLanguageIsKeptAcrossTurnsAndRestarts(t *testing.T) {
	h := newHarness(t, render.Plain)
	h.lang = "ru"
	h.say("/start")
	h.lang = "en" // the platform reports another language later: the choice stays
	if text := h.say("/help")[0].Text; !strings.Contains(text, "Что я умею") {
		t.Errorf("help after a later English language_code: %.80q", text)
	}
	h.reopen()
	if text := h.say("/help")[0].Text; !strings.Contains(text, "Что я умею") {
		t.Errorf("help after a restart: %.80q", text)
	}
	h.say("/language en")
	h.reopen()
	if got := storedLang(t, h); got != "en" {
		t.Errorf("after /language en and a restart: %q", got)
	}
}

func TestLanguageCommandAndButtons(t *testing.T) {
	h := newHarness(t, render.Plain)
	h.say("/start")
	replies := h.say("/language")
	var labels []string
	for _, row := range replies[0].Buttons {
		for _, b := range row {
			labels = append(labels, b.Label)
		}
	}
	if strings.Join(labels, ",") != "English,Русский" {
		t.Fatalf("language buttons = %v", labels)
	}
	if text := h.press("Русский")[0].Text; !strings.Contains(text, "по-русски") {
		t.Errorf("after pressing Русский: %q", text)
	}
	if got := storedLang(t, h); got != "ru" {
		t.Errorf("stored %q after pressing Русский", got)
	}
	for arg, want := range map[string]string{"en": "en", "RU": "ru", "english": "en", "Русский": "ru", "ru-RU": "ru"} {
		h.say("/language " + arg)
		if got := storedLang(t, h); got != want {
			t.Errorf("/language %s: stored %q, want %q", arg, got, want)
		}
	}
}

// TestLanguageBadInput: an unknown language, a huge argument or a forged
// button gets a friendly answer in the learner's language and changes
// nothing.
func TestLanguageBadInput(t *testing.T) {
	h := newHarness(t, render.TelegramHTML)
	h.lang = "ru"
	h.say("/start")
	before := record(t, h.db, "test:"+h.user)
	for _, in := range []string{"/language xx", "/language uk", "/language " + strings.Repeat("я", 10000), "/language <b>ru</b>", "/language ru ru"} {
		replies := h.say(in)
		if len(replies) == 0 || !strings.Contains(replies[0].Text, "пока не знаю") {
			t.Errorf("%.30q: %+v", in, replies)
			continue
		}
		if n := len([]rune(replies[0].Text)); n > 400 {
			t.Errorf("%.30q: answer of %d characters quotes too much", in, n)
		}
		if after := record(t, h.db, "test:"+h.user); !sameButActive(before, after) {
			t.Errorf("%.30q changed the record:\n%s\n%s", in, before, after)
		}
	}
	for _, p := range []string{"1:lg:xx", "1:lg:" + strings.Repeat("r", 30), "1:lg", "1:lg:ru:en"} {
		replies := h.pressPayload(p)
		if len(replies) == 0 {
			t.Errorf("payload %q: no answer", p)
		}
		if got := storedLang(t, h); got != "ru" {
			t.Errorf("payload %q switched the language to %q", p, got)
		}
	}
}

// TestLanguageSwitchMidQuizKeepsTheAttempt: switching language between
// two answers goes on with the same attempt, now in the new language.
func TestLanguageSwitchMidQuizKeepsTheAttempt(t *testing.T) {
	h := newHarness(t, render.Plain)
	h.say("/start")
	h.say("/quiz")
	h.press("B") // question 1
	stale := h.last
	h.say("/language ru")
	h.last = stale // the English question's buttons, still on screen
	replies := h.press("C")
	text := replies[len(replies)-1].Text
	if !strings.Contains(text, "Квиз пройден: 2 из 2") {
		t.Errorf("the answer after switching did not finish the same attempt in Russian:\n%s", text)
	}
	var st bot.State
	if err := json.Unmarshal([]byte(record(t, h.db, "test:"+h.user)), &st); err != nil {
		t.Fatal(err)
	}
	for _, p := range st.Progress {
		if p.Quiz.Attempts != 1 || !p.Quiz.Finished || p.Quiz.Best != 2 {
			t.Errorf("quiz record after the switch: %+v", p.Quiz)
		}
	}
}

// TestUntranslatedLessonInEnglishWithANote: a Russian learner gets a lesson
// that has no Russian version in English, with a one-line note in Russian,
// and a translated lesson in Russian without it.
func TestUntranslatedLessonInEnglishWithANote(t *testing.T) {
	c := mustLoad(t, fstest.MapFS{
		"en/a.md": {Data: lessonWith("a", 1, 2)},
		"en/b.md": {Data: lessonWith("b", 2, 2)},
		"ru/a.md": {Data: []byte(strings.Replace(string(lessonWith("a", 1, 2)), "title: Lesson a", "title: Урок а", 1))},
	})
	h := newCourseHarness(t, c)
	h.lang = "ru"
	text := replyText(h.say("/lesson 1"))
	if strings.Contains(text, "не переведён") || !strings.Contains(text, "Урок а") {
		t.Errorf("translated lesson: %q", text)
	}
	text = replyText(h.say("/lesson 2"))
	if !strings.Contains(text, "Этот урок ещё не переведён на ваш язык") || !strings.Contains(text, "Lesson b") {
		t.Errorf("untranslated lesson: %q", text)
	}
}

// TestLLMWriteUpAskedInTheLearnersLanguage: a Russian learner's template
// in English still asks the LLM (through the fake OpenAI-compatible
// server) for a Russian answer, and an English learner's Russian template
// for an English one.
func TestLLMWriteUpAskedInTheLearnersLanguage(t *testing.T) {
	for _, tc := range []struct{ lang, template, want string }{
		{"ru", "Task: review Go code\nWhere I run it: locally\nAvailable GPU memory: 24 GB\nConstraints: none", "Language of the answer: Russian"},
		{"en", "Задача: ревью кода на Go\nГде запускаю: локально\nДоступная память GPU: 24 ГБ\nОграничения: нет", "Language of the answer: English"},
	} {
		h, srv, _ := newFeatureHarness(t, true)
		h.lang = tc.lang
		srv.SetReply("writer", "Qwen2.5-Coder-32B-Instruct at Q4_K_M.")
		h.say("/practice " + tc.template)
		calls := srv.CallsFor("writer")
		if len(calls) == 0 {
			t.Fatalf("%s: the LLM was not asked", tc.lang)
		}
		var prompt strings.Builder
		for _, m := range calls[len(calls)-1].Messages {
			prompt.WriteString(m.Content)
		}
		if !strings.Contains(prompt.String(), tc.want) {
			t.Errorf("%s learner: the prompt does not say %q:\n%s", tc.lang, tc.want, prompt.String())
		}
	}
}

// offered reports whether replies hold the offer to switch to Russian.
func offered(replies []bot.Reply) bool {
	for _, r := range replies {
		if strings.Contains(r.Text, "Переключиться на русский?") {
			return len(r.Buttons) == 1 && len(r.Buttons[0]) == 1 && r.Buttons[0][0].Label == "Русский"
		}
	}
	return false
}

// TestRussianOfferedOnce: a learner whose platform reports English but who
// writes Russian is offered Russian once, after the answer; the button
// switches; nobody else is offered it.
func TestRussianOfferedOnce(t *testing.T) {
	h := newHarness(t, render.Plain)
	h.lang = "en"
	if offered(h.say("/start")) || offered(h.say("What is Qwen good at?")) {
		t.Error("offer to a learner writing English")
	}
	replies := h.say("чем хорош Qwen?")
	if !offered(replies) || !strings.Contains(replies[0].Text, "Qwen (Alibaba)") {
		t.Fatalf("a Russian question in an English session: want the answer, then the offer; got %+v", replies)
	}
	offer := replies[len(replies)-1].Buttons[0][0].Payload
	if offered(h.say("а чем хорош DeepSeek?")) {
		t.Error("offered twice")
	}
	if storedLang(t, h) != "en" {
		t.Error("the offer alone changed the language")
	}
	h.pressPayload(offer)
	if got := storedLang(t, h); got != "ru" {
		t.Errorf("after pressing Русский: %q", got)
	}

	// A learner who chose English with /language is not asked again.
	h2 := newHarness(t, render.Plain)
	h2.lang = "en"
	h2.say("/language en")
	if offered(h2.say("привет, как дела у курса?")) {
		t.Error("offer after the learner chose English")
	}
	// A Russian session, or a few Cyrillic letters among English: no offer.
	h3 := newHarness(t, render.Plain)
	h3.lang = "ru"
	if offered(h3.say("привет")) {
		t.Error("offer in a Russian session")
	}
	h4 := newHarness(t, render.Plain)
	h4.lang = "en"
	if offered(h4.say("Is Qwen good for my task? (ок)")) {
		t.Error("offer for two Cyrillic letters among English")
	}
	// In a group the offer would be noise for everyone else.
	replies, err := h4.engine.Handle(t.Context(), bot.Event{Platform: "test", UserID: "g1", ChatID: "-100", Group: "-100", Text: "чем хорош Qwen?", Format: render.Plain, Lang: "en"})
	if err != nil || offered(replies) {
		t.Errorf("offer in a group chat: %v", err)
	}
}
