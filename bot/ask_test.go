package bot_test

import (
	"strings"
	"testing"
)

// TestAskTranscripts: free-text questions in English and Russian, as
// golden transcripts: a lesson question and its "Open page" button, a
// catalog question, an off-topic question, and questions during the quiz
// (one asking for the open question's answer gets a hint, the question
// stays open and is answered; after it, the full answer).
func TestAskTranscripts(t *testing.T) {
	for _, tc := range []struct {
		lang, file                                      string
		lesson, openPage, catalog, offTopic, quizAnswer string
		startQuiz, right, show                          string
	}{
		{"en", "ask.txt", "Should I trust benchmarks?", "Open page 3", "Can I run Qwen2.5-32B on a 24 GB card?", "What's the weather in Paris?", "What is DeepSeek known for?", "/quiz", "B", "Show the question"},
		{"ru-RU", "ask-ru.txt", "Можно ли доверять бенчмаркам?", "Открыть страницу 3", "Сколько памяти нужно Qwen2.5-72B в Q4?", "Какая погода в Москве?", "Чем известен DeepSeek?", "/quiz", "B", "Показать вопрос"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			h, _, _ := newFeatureHarness(t, false)
			h.lang = tc.lang
			h.say("/start")
			h.say(tc.lesson)
			h.press(tc.openPage)
			h.say(tc.catalog)
			h.say(tc.offTopic)
			h.say(tc.startQuiz)
			h.press(tc.right)
			h.say(tc.quizAnswer) // question 2 is open: a hint, not the answer
			h.press(tc.show)
			h.press("C")         // the open question is still open and takes the answer
			h.say(tc.quizAnswer) // after the quiz: the full answer
			golden(t, tc.file, h.log.String())

			log := h.log.String()
			at := strings.Index(log, ">>> "+tc.quizAnswer)
			if at < 0 {
				t.Fatal("the question during the quiz is not in the transcript")
			}
			reply := log[at+4:]
			reply = reply[:strings.Index(reply, "\n>>> ")]
			for _, w := range []string{"math", "математ", "reasoning", "рассужд"} {
				if strings.Contains(strings.ToLower(reply), w) {
					t.Errorf("the hint during the quiz gives the answer away (%q):\n%s", w, reply)
				}
			}
		})
	}
}
