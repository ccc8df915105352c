package bot_test

import (
	"context"
	"strings"
	"testing"

	"tutorbot/bot"
	"tutorbot/lessons"
	"tutorbot/render"
)

// TestRussianJourney is a Russian-speaking learner's whole journey, as a
// golden transcript: the lesson, the quiz with one right and one wrong
// answer, practice with a template in English (the answer is still in
// Russian), the reference set, a reminder and its delivery.
func TestRussianJourney(t *testing.T) {
	h, _, rec := newFeatureHarness(t, false)
	h.lang = "ru-RU"
	course, _ := lessons.Default()
	pages := len(course.First().Pages)

	h.say("/start")
	h.press("▶ Начать урок")
	for i := 1; i < pages; i++ {
		h.press("Дальше ▶")
	}
	h.press("◀ Назад")
	h.press("Дальше ▶")
	h.press("Пройти квиз ▶")
	h.press("B") // question 1: right
	h.press("A") // question 2: wrong (the right answer is C)
	h.say("/progress")
	h.say("/practice")
	h.say("Task: answer support emails in Russian\nWhere I run it: locally\nAvailable GPU memory: RTX 3060 12 GB\nConstraints: commercial use")
	h.press("Сохранить задачу в эталонный набор")
	h.say("/history")
	h.say("/remind weekly")
	h.say("/timezone Europe/Moscow")
	set, ok, err := remindGet(h)
	if err != nil || !ok {
		t.Fatal(err)
	}
	if err := h.engine.DeliverReminder(context.Background(), "test:42", set, set.Next); err != nil {
		t.Fatal(err)
	}
	h.log.WriteString("=== reminder delivered\n" + rec.text() + "\n")
	h.say("/language en")
	h.say("/help")
	golden(t, "journey-ru.txt", h.log.String())

	log := h.log.String()
	for _, want := range []string{"Квиз — 2 вопроса", "Отвечено: 0 из 2", "Отвечено: 1 из 2", "✅ Верно.", "❌ Не совсем.", "Квиз пройден: 1 из 2", "Пора перепроверить эталонный набор (1 задача)"} {
		if !strings.Contains(log, want) {
			t.Errorf("the Russian journey never says %q", want)
		}
	}
}

// TestRussianMessagesFitEveryPlatform: every Russian reply of the journey,
// rendered for Telegram and Discord, fits the platform's limit (Telegram
// counts UTF-16 units) and is valid Telegram HTML.
func TestRussianMessagesFitEveryPlatform(t *testing.T) {
	for _, f := range []render.Format{render.TelegramHTML, render.DiscordMarkdown} {
		h, _, _ := newFeatureHarness(t, false)
		h.format, h.lang = f, "ru"
		course, _ := lessons.Default()
		var replies []string
		collect := func(rs []bot.Reply) {
			for _, r := range rs {
				replies = append(replies, r.Text)
			}
		}
		collect(h.say("/start"))
		collect(h.press("▶ Начать урок"))
		for i := 1; i < len(course.First().Pages); i++ {
			collect(h.press("Дальше ▶"))
		}
		for _, cmd := range []string{"/help", "/quiz", "/course", "/progress", "/practice", "/tasks", "/remind", "/language", "/mydata", "/forget", "/history", "/compare", "/stats", "/reset", "/language xx", "/урок"} {
			collect(h.say(cmd))
		}
		collect(h.say("Задача: ответы клиентам на русском\nГде запускаю: локально\nДоступная память GPU: 8 ГБ\nОграничения: нет"))
		for _, text := range replies {
			if n := render.Length(text, f); n > f.Limit() {
				t.Errorf("%s: %d of %d characters: %.80q", f, n, f.Limit(), text)
			}
			if f == render.TelegramHTML {
				if err := render.ValidateTelegramHTML(text); err != nil {
					t.Errorf("invalid Telegram HTML (%v): %.80q", err, text)
				}
			}
		}
		if len(replies) < 25 {
			t.Errorf("%s: only %d replies checked", f, len(replies))
		}
	}
}
