package telegramtest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

type apiResp struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

func post(t *testing.T, s *Server, token, method string, form url.Values) apiResp {
	t.Helper()
	resp, err := http.PostForm(s.URL()+"/bot"+token+"/"+method, form)
	if err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	defer resp.Body.Close()
	var r apiResp
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatalf("%s: decode: %v", method, err)
	}
	if !r.OK && r.ErrorCode != resp.StatusCode {
		t.Errorf("%s: error_code %d but HTTP status %d", method, r.ErrorCode, resp.StatusCode)
	}
	return r
}

func form(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

func TestChecks(t *testing.T) {
	s := NewServer(t)
	tok := s.Token()
	first := post(t, s, tok, "sendMessage", form("chat_id", "7", "text", "<b>hi</b>", "parse_mode", "HTML",
		"reply_markup", `{"inline_keyboard":[[{"text":"Next","callback_data":"1:pg:1:1"}]]}`))
	if !first.OK {
		t.Fatalf("first message refused: %s", first.Description)
	}
	long := strings.Repeat("x", 4097)
	cases := []struct {
		name   string
		token  string
		method string
		form   url.Values
		code   int
		desc   string
	}{
		{"wrong token", "1:wrong", "getMe", nil, 401, "Unauthorized"},
		{"unknown method", tok, "sendSticker", nil, 404, "Not Found"},
		{"empty text", tok, "sendMessage", form("chat_id", "7", "text", ""), 400, "empty"},
		{"too long", tok, "sendMessage", form("chat_id", "7", "text", long), 400, "too long"},
		{"too long html", tok, "sendMessage", form("chat_id", "7", "text", "<b>"+long+"</b>", "parse_mode", "HTML"), 400, "too long"},
		{"unknown tag", tok, "sendMessage", form("chat_id", "7", "text", "<div>x</div>", "parse_mode", "HTML"), 400, "parse entities"},
		{"unclosed tag", tok, "sendMessage", form("chat_id", "7", "text", "<b>x", "parse_mode", "HTML"), 400, "parse entities"},
		{"bare ampersand", tok, "sendMessage", form("chat_id", "7", "text", "a & b", "parse_mode", "HTML"), 400, "parse entities"},
		{"long callback data", tok, "sendMessage", form("chat_id", "7", "text", "x",
			"reply_markup", `{"inline_keyboard":[[{"text":"a","callback_data":"`+strings.Repeat("d", 65)+`"}]]}`), 400, "BUTTON_DATA_INVALID"},
		{"edit missing message", tok, "editMessageText", form("chat_id", "7", "message_id", "99", "text", "x"), 400, "not found"},
		{"not modified", tok, "editMessageText", form("chat_id", "7", "message_id", "1", "text", "<b>hi</b>", "parse_mode", "HTML",
			"reply_markup", `{"inline_keyboard":[[{"text":"Next","callback_data":"1:pg:1:1"}]]}`), 400, "message is not modified"},
		{"unknown callback", tok, "answerCallbackQuery", form("callback_query_id", "nope"), 400, "query is too old"},
		{"bad command", tok, "setMyCommands", form("commands", `[{"command":"Next!","description":"x"}]`), 400, "BOT_COMMAND_INVALID"},
		{"bad action", tok, "sendChatAction", form("chat_id", "7", "action", "dancing"), 400, "action"},
		{"null markup accepted", tok, "sendMessage", form("chat_id", "7", "text", "x", "reply_markup", "null"), 0, ""},
		{"markup removed", tok, "editMessageReplyMarkup", form("chat_id", "7", "message_id", "1"), 0, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := post(t, s, c.token, c.method, c.form)
			if c.code == 0 {
				if !r.OK {
					t.Fatalf("refused: %s", r.Description)
				}
				return
			}
			if r.OK || r.ErrorCode != c.code || !strings.Contains(r.Description, c.desc) {
				t.Fatalf("got ok=%v %d %q, want %d containing %q", r.OK, r.ErrorCode, r.Description, c.code, c.desc)
			}
		})
	}
	if m, ok := s.Current(7, 1); !ok || m.Keyboard != nil {
		t.Errorf("message 1 after removing its keyboard: %+v, %v", m, ok)
	}
}

func TestUpdatesOffsetAndTimeout(t *testing.T) {
	s := NewServer(t)
	tok := s.Token()
	id1 := s.PushMessage(5, 5, "/start")
	id2 := s.PushMessage(5, 5, "hello")
	get := func(offset, timeout string) []map[string]any {
		r := post(t, s, tok, "getUpdates", form("offset", offset, "timeout", timeout))
		var ups []map[string]any
		if err := json.Unmarshal(r.Result, &ups); err != nil {
			t.Fatal(err)
		}
		return ups
	}
	if ups := get("", "0"); len(ups) != 2 {
		t.Fatalf("got %d updates, want 2", len(ups))
	}
	// Not confirmed yet: delivered again.
	if ups := get("", "0"); len(ups) != 2 {
		t.Fatalf("got %d updates again, want 2", len(ups))
	}
	if ups := get(strconv.Itoa(id1+1), "0"); len(ups) != 1 || int(ups[0]["update_id"].(float64)) != id2 {
		t.Fatalf("offset %d: got %v", id1+1, ups)
	}
	if s.Pending() != 1 {
		t.Fatalf("pending %d, want 1", s.Pending())
	}
	// Long poll: waits for the timeout when nothing comes.
	start := time.Now()
	if ups := get(strconv.Itoa(id2+1), "1"); len(ups) != 0 {
		t.Fatalf("got %v, want nothing", ups)
	}
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Fatalf("long poll returned after %v, want about 1 s", d)
	}
	// Long poll: returns as soon as an update is queued.
	go func() {
		time.Sleep(100 * time.Millisecond)
		s.PushMessage(5, 5, "late")
	}()
	start = time.Now()
	if ups := get(strconv.Itoa(id2+1), "5"); len(ups) != 1 {
		t.Fatalf("got %v, want the late update", ups)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("long poll took %v", d)
	}
}

func TestMisbehaviour(t *testing.T) {
	s := NewServer(t)
	tok := s.Token()
	s.FailNext("sendMessage", 1, 429, 3)
	r := post(t, s, tok, "sendMessage", form("chat_id", "1", "text", "x"))
	if r.ErrorCode != 429 || r.Parameters.RetryAfter != 3 {
		t.Fatalf("got %+v, want 429 with retry_after 3", r)
	}
	if r := post(t, s, tok, "sendMessage", form("chat_id", "1", "text", "x")); !r.OK {
		t.Fatalf("second call refused: %s", r.Description)
	}
	s.FailNext("sendMessage", 1, 500, 0)
	if r := post(t, s, tok, "sendMessage", form("chat_id", "1", "text", "x")); r.ErrorCode != 500 {
		t.Fatalf("got %+v, want 500", r)
	}
	s.Block(2)
	if r := post(t, s, tok, "sendMessage", form("chat_id", "2", "text", "x")); r.ErrorCode != 403 || !strings.Contains(r.Description, "blocked") {
		t.Fatalf("got %+v, want 403", r)
	}
	s.Unblock(2)
	if r := post(t, s, tok, "sendMessage", form("chat_id", "2", "text", "x")); !r.OK {
		t.Fatalf("after unblock: %s", r.Description)
	}
	s.DropConnections(1)
	if _, err := http.PostForm(s.URL()+"/bot"+tok+"/getMe", nil); err == nil {
		t.Fatal("dropped connection gave an answer")
	}
	s.SetDelay(300 * time.Millisecond)
	start := time.Now()
	post(t, s, tok, "getMe", nil)
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Fatalf("delayed answer came after %v", d)
	}
	s.SetDelay(0)

	cb := s.PushCallback(1, 1, 1, "1:pg:1:1")
	if got := s.Unanswered(); len(got) != 1 || got[0] != cb {
		t.Fatalf("unanswered %v, want [%s]", got, cb)
	}
	if r := post(t, s, tok, "answerCallbackQuery", form("callback_query_id", cb, "text", "ok")); !r.OK {
		t.Fatalf("answer: %s", r.Description)
	}
	if r := post(t, s, tok, "answerCallbackQuery", form("callback_query_id", cb)); r.OK {
		t.Fatal("second answer accepted")
	}
	if n, text := s.Answers(cb); n != 2 || text != "ok" {
		t.Fatalf("answers %d %q, want 2 (one refused) and text ok", n, text)
	}
	if got := s.Unanswered(); len(got) != 0 {
		t.Fatalf("unanswered %v", got)
	}
}

func TestWebhookConflict(t *testing.T) {
	s := NewServer(t)
	tok := s.Token()
	if r := post(t, s, tok, "setWebhook", form("url", "http://insecure")); r.OK {
		t.Fatal("plain http webhook accepted")
	}
	if r := post(t, s, tok, "setWebhook", form("url", "https://x.test/hook", "secret_token", "abc_1")); !r.OK {
		t.Fatalf("setWebhook: %s", r.Description)
	}
	if u, sec := s.Webhook(); u != "https://x.test/hook" || sec != "abc_1" {
		t.Fatalf("webhook %q %q", u, sec)
	}
	if r := post(t, s, tok, "getUpdates", nil); r.ErrorCode != 409 {
		t.Fatalf("getUpdates with webhook: %+v, want 409", r)
	}
	post(t, s, tok, "deleteWebhook", nil)
	if r := post(t, s, tok, "getUpdates", nil); !r.OK {
		t.Fatalf("getUpdates after deleteWebhook: %s", r.Description)
	}
}

func TestLongPollEndsWithRequest(t *testing.T) {
	s := NewServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", s.URL()+"/bot"+s.Token()+"/getUpdates?timeout=30", nil)
	start := time.Now()
	_, err := http.DefaultClient.Do(req)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v, want deadline exceeded", err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for s.Polling() != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if s.Polling() != 0 || time.Since(start) > 2*time.Second {
		t.Fatalf("long poll still waiting after the client left")
	}
}

func FuzzParseMarkup(f *testing.F) {
	for _, s := range []string{"", "null", `{"inline_keyboard":[[{"text":"a","callback_data":"1:ls"}]]}`,
		`{"inline_keyboard":[[{"text":"","callback_data":"x"}]]}`, `{"inline_keyboard":[]}`, `{`, `[]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		kb, key, e := parseMarkup(raw)
		if e != nil {
			if e.status != 400 {
				t.Errorf("status %d for %q", e.status, raw)
			}
			return
		}
		if (kb == nil) != (key == "") {
			t.Errorf("keyboard %v with key %q", kb, key)
		}
		for _, row := range kb {
			for _, b := range row {
				if b.Text == "" || b.URL == "" && (len(b.CallbackData) < 1 || len(b.CallbackData) > 64) {
					t.Errorf("accepted bad button %+v", b)
				}
			}
		}
	})
}
