package telegram

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"tutorbot/bot"
)

// TestErrorWithoutDescription: a Bot API error answer without a
// description (as some proxies give) logs the status, never err="".
func TestErrorWithoutDescription(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/getMe"):
			w.Write([]byte(`{"ok":true,"result":{"id":1,"is_bot":true,"first_name":"t","username":"tutor_bot"}}`))
		case strings.HasSuffix(r.URL.Path, "/setMyCommands"):
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"ok":false,"error_code":400}`))
		default:
			w.Write([]byte(`{"ok":true,"result":[]}`))
		}
	}))
	defer srv.Close()
	var mu sync.Mutex
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(writerFunc(func(p []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return buf.Write(p) }), nil))
	_, cancel := start(t, Config{Token: "1:abc", APIURL: srv.URL, Handler: newFakeTutor(1), Commands: []bot.Command{{Name: "lesson", Description: "the lesson"}}, Log: log})
	eventually(t, 5*time.Second, func() bool { mu.Lock(); defer mu.Unlock(); return strings.Contains(buf.String(), "set command menu") }, "no log line about the menu")
	cancel()
	mu.Lock()
	defer mu.Unlock()
	for _, line := range strings.Split(buf.String(), "\n") {
		if !strings.Contains(line, "set command menu") {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
		if e, _ := rec["err"].(string); !strings.Contains(e, "400") {
			t.Errorf("err = %q, want the status", e)
		}
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
