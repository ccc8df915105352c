package telegram

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

func TestParseAnswer(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		code       int    // 0: a success
		desc       string // the error's description
		retry      int
	}{
		{name: "message", body: `{"ok":true,"result":{"message_id":7,"chat":{"id":1,"type":"private"},"text":"<b>x</b>"}}`},
		{name: "true", body: `{"ok":true,"result":true}`},
		{name: "spaced success", body: "{ \"ok\" : true , \"result\" : true }\n"},
		{name: "no result", body: `{"ok":true}`},
		{name: "ok last", body: `{"result":true,"ok":true}`},
		{name: "blocked", body: `{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}`, code: 403, desc: "Forbidden: bot was blocked by the user"},
		{name: "limit", body: `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 3","parameters":{"retry_after":3}}`, code: 429, desc: "Too Many Requests: retry after 3", retry: 3},
		{name: "not modified", body: `{"ok":false,"error_code":400,"description":"Bad Request: message is not modified"}`, code: 400, desc: "Bad Request: message is not modified"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := parseAnswer([]byte(tc.body))
			if tc.code == 0 {
				if err != nil || r == nil || !r.Ok {
					t.Fatalf("parseAnswer = %+v, %v; want a success", r, err)
				}
				if r.Result != nil {
					t.Errorf("result %s kept; the adapter never reads it", r.Result)
				}
				return
			}
			var te *tgbotapi.Error
			if !errors.As(err, &te) {
				t.Fatalf("parseAnswer error = %v, want a *tgbotapi.Error", err)
			}
			if te.Code != tc.code || te.Message != tc.desc || te.RetryAfter != tc.retry {
				t.Errorf("error = code %d %q retry %d, want %d %q %d", te.Code, te.Message, te.RetryAfter, tc.code, tc.desc, tc.retry)
			}
		})
	}
	// A proxy's error page is not an answer: an error, not a success, and
	// not a *tgbotapi.Error (it is retried as a network failure).
	for _, body := range []string{"<html>502 Bad Gateway</html>", "", `{"ok":tru`} {
		r, err := parseAnswer([]byte(body))
		var te *tgbotapi.Error
		if err == nil || errors.As(err, &te) {
			t.Errorf("parseAnswer(%q) = %+v, %v; want a decoding error", body, r, err)
		}
	}
}

// FuzzParseAnswer checks parseAnswer on any bytes: an answer that starts
// as Telegram's successes do is a success; any other gives what decoding
// the whole answer gives, a failure as the library's *tgbotapi.Error.
func FuzzParseAnswer(f *testing.F) {
	for _, s := range []string{`{"ok":true,"result":true}`, `{"ok":false,"error_code":429,"parameters":{"retry_after":1}}`, `{"ok":true}`, `{"ok":false}`, `{"ok":true,`, "null"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := parseAnswer(body)
		if bytes.HasPrefix(body, okPrefix) {
			if err != nil || !r.Ok {
				t.Fatalf("parseAnswer(%q) = %+v, %v; want a success", body, r, err)
			}
			return
		}
		var whole tgbotapi.APIResponse
		if json.Unmarshal(body, &whole) != nil {
			if err == nil {
				t.Fatalf("parseAnswer(%q) = %+v, a success of an answer that does not decode", body, r)
			}
			return
		}
		if whole.Ok != (err == nil) {
			t.Fatalf("parseAnswer(%q) = %+v, %v; the whole answer says ok=%v", body, r, err, whole.Ok)
		}
		var te *tgbotapi.Error
		if !whole.Ok && (!errors.As(err, &te) || te.Code != whole.ErrorCode || te.Message != whole.Description) {
			t.Fatalf("parseAnswer(%q) error %v, want code %d %q", body, err, whole.ErrorCode, whole.Description)
		}
	})
}

// TestEncodeForm holds encodeForm to the encoding the library uses
// (url.Values.Encode), with text that needs escaping.
func TestEncodeForm(t *testing.T) {
	p := tgbotapi.Params{
		"chat_id":      "-100123",
		"text":         "<b>Урок 1</b> & «карта» 100% = a+b?\n#1",
		"reply_markup": `{"inline_keyboard":[[{"text":"Дальше ▶","callback_data":"1:pg:1:1"}]]}`,
		"parse_mode":   "HTML",
		"a b":          "",
	}
	want := url.Values{}
	for k, v := range p {
		want.Set(k, v)
	}
	if got := string(encodeForm(p)); got != want.Encode() {
		t.Errorf("encodeForm = %q\nwant         %q", got, want.Encode())
	}
	if got := encodeForm(tgbotapi.Params{}); len(got) != 0 {
		t.Errorf("encodeForm(empty) = %q", got)
	}
}

// FuzzEncodeForm holds encodeForm's escaping to url.Values.Encode for any
// key and value.
func FuzzEncodeForm(f *testing.F) {
	f.Add("text", "<b>Урок</b> 1 & 2+3=5% ~ok_-.")
	f.Add("", "")
	f.Add("a b", "\x00\xff")
	f.Fuzz(func(t *testing.T, k, v string) {
		p := tgbotapi.Params{k: v, "chat_id": "42"}
		want := url.Values{}
		for k, v := range p {
			want.Set(k, v)
		}
		if got := string(encodeForm(p)); got != want.Encode() {
			t.Fatalf("encodeForm = %q, want %q", got, want.Encode())
		}
	})
}

// BenchmarkEncodeForm compares encodeForm with the library's way (copy to
// url.Values, then Encode) on a lesson page's parameters.
func BenchmarkEncodeForm(b *testing.B) {
	p := tgbotapi.Params{
		"chat_id": "100042", "parse_mode": "HTML", "disable_web_page_preview": "true",
		"reply_markup": `{"inline_keyboard":[[{"text":"◀ Back","callback_data":"1:pg:1:0"},{"text":"Next ▶","callback_data":"1:pg:1:2"}]]}`,
		"text":         strings.Repeat("<b>Open weights</b> mean you can download the model & run it yourself: ", 8),
	}
	b.Run("values", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			v := url.Values{}
			for k, s := range p {
				v.Set(k, s)
			}
			_ = v.Encode()
		}
	})
	b.Run("encodeForm", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = encodeForm(p)
		}
	})
}
