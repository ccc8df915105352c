package telegram

import (
	"bytes"
	"image/png"
	"testing"
	"time"

	"tutorbot/bot"
	"tutorbot/bot/telegram/telegramtest"
	"tutorbot/storage"
)

// TestStatsChartAsPhoto: an admin's /stats brings the text and the funnel
// chart as a photo (sendPhoto with a PNG the fake decodes).
func TestStatsChartAsPhoto(t *testing.T) {
	e := newEngineWith(t, storage.Options{NoSync: true}, bot.Config{Admins: map[string]bool{"telegram:71": true}})
	srv := telegramtest.NewServer(t)
	start(t, fastConfig(srv, e))
	srv.PushMessage(71, 71, "/stats")
	if !srv.WaitFor(71, 5*time.Second, func(sent []telegramtest.Message) bool {
		for _, m := range sent {
			if m.Method == "sendPhoto" {
				return true
			}
		}
		return false
	}) {
		t.Fatalf("no photo: %+v", srv.Sent(71))
	}
	for _, m := range srv.Sent(71) {
		if m.Method != "sendPhoto" {
			continue
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(m.DocumentData))
		if err != nil || cfg.Width != 1080 || m.Document != "funnel.png" {
			t.Errorf("photo %q: %v %+v", m.Document, err, cfg)
		}
	}
}
