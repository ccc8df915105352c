package telegram

import (
	"strings"
	"testing"
	"time"

	"tutorbot/bot/telegram/telegramtest"
	"tutorbot/render"
	"tutorbot/storage"
)

// TestLanguageFromLanguageCode: the tutor speaks the language the
// learner's Telegram reports in language_code, through the real adapter
// and the fake Bot API; a language it has no catalog for is English.
func TestLanguageFromLanguageCode(t *testing.T) {
	srv := telegramtest.NewServer(t)
	eng := newEngine(t, storage.Options{NoSync: true})
	start(t, fastConfig(srv, eng))
	for i, tc := range []struct{ code, want string }{
		{"ru", "Привет"}, {"ru-RU", "Привет"}, {"RU", "Привет"}, {"en", "Hi"}, {"uk", "Hi"}, {"", "Hi"}, {"zz<b>", "Hi"},
	} {
		user := int64(500 + i)
		srv.SetLanguage(user, tc.code)
		l := &learner{srv: srv, chat: user, user: user}
		if err := l.say("/start"); err != nil {
			t.Fatal(err)
		}
		msgs := srv.Messages(user)
		text := render.Strip(msgs[len(msgs)-1].Text, render.TelegramHTML)
		if !strings.HasPrefix(text, tc.want) {
			t.Errorf("language_code %q: welcome %.60q, want %q first", tc.code, text, tc.want)
		}
	}
	// A Russian learner's button press is answered in Russian too.
	user := int64(500)
	srv.SetLanguage(user, "ru")
	l := &learner{srv: srv, chat: user, user: user}
	ok, err := l.press(func(s string) bool { return strings.Contains(s, "Начать урок") })
	if err != nil || !ok {
		t.Fatalf("no Russian start button: %v", err)
	}
	eventually(t, 5*time.Second, func() bool {
		msgs := srv.Messages(user)
		m, _ := srv.Current(user, msgs[len(msgs)-1].MessageID)
		return strings.Contains(m.Text, "Карта open-weight моделей")
	}, "the Russian lesson was not shown")
}

// TestCommandMenuInRussian: setMyCommands is called for the default menu
// and again with language_code "ru" and Russian descriptions.
func TestCommandMenuInRussian(t *testing.T) {
	srv := telegramtest.NewServer(t)
	eng := newEngine(t, storage.Options{NoSync: true})
	cfg := fastConfig(srv, eng)
	cfg.Commands = eng.Commands()
	start(t, cfg)
	eventually(t, 5*time.Second, func() bool { return len(srv.CommandsFor("ru")) > 0 }, "no Russian command menu")
	en, ru := srv.Commands(), srv.CommandsFor("ru")
	if len(en) != len(ru) || len(en) != len(eng.Commands()) {
		t.Fatalf("menus: %d default, %d Russian, %d commands", len(en), len(ru), len(eng.Commands()))
	}
	for i := range en {
		if en[i].Command != ru[i].Command {
			t.Errorf("command %d: %q in the default menu, %q in the Russian one", i, en[i].Command, ru[i].Command)
		}
		if ru[i].Description == en[i].Description || !strings.ContainsAny(ru[i].Description, "абвгдеёжзийклмнопрстуфхцчшщъыьэюя") {
			t.Errorf("/%s: Russian description %q", ru[i].Command, ru[i].Description)
		}
	}
}
