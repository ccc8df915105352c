package telegram

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// post makes the Bot API call method with params p through api's client
// (its context and token redaction), as the library's MakeRequest does,
// but reads of the answer only what the adapter uses. A success is known
// by the answer's first bytes, and its result is not decoded: for a sent
// or edited message Telegram returns the whole message, which the adapter
// never reads. Anything else is decoded into the library's
// *tgbotapi.Error, as MakeRequest would, so the callers' handling of 429,
// 403 and 400 is the same for both.
func (b *Bot) post(api *tgbotapi.BotAPI, method string, p tgbotapi.Params) (*tgbotapi.APIResponse, error) {
	req, err := http.NewRequest(http.MethodPost, fmt.Sprintf(b.endpoint, api.Token, method), bytes.NewReader(encodeForm(p)))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := api.Client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	buf, put := answerBuffer()
	defer put()
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return nil, err
	}
	return parseAnswer(buf.Bytes())
}

// okPrefix starts every successful Bot API answer: the server writes "ok"
// first, without spaces.
var okPrefix = []byte(`{"ok":true,`)

// parseAnswer reads a Bot API answer: a success (its result left out) or
// the error it describes. An answer that starts differently, a success
// included, is decoded in full.
func parseAnswer(body []byte) (*tgbotapi.APIResponse, error) {
	if bytes.HasPrefix(body, okPrefix) {
		return &tgbotapi.APIResponse{Ok: true}, nil
	}
	var r tgbotapi.APIResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("read the Bot API answer: %w", err)
	}
	if !r.Ok {
		return &r, apiError(r.ErrorCode, r.Description, r.Parameters)
	}
	r.Result = nil // not read, as for the answers recognised by their prefix
	return &r, nil
}

// apiError is a failed Bot API answer as the library's *tgbotapi.Error,
// which every caller's handling of 429, 403 and 400 reads.
func apiError(code int, description string, params *tgbotapi.ResponseParameters) *tgbotapi.Error {
	te := &tgbotapi.Error{Code: code, Message: description}
	if params != nil {
		te.ResponseParameters = *params
	}
	return te
}

// encodeForm encodes p as a form body, in key order, byte for byte as
// url.Values.Encode does, into one allocation: a lesson page is most of a
// request, and escaping it through url.QueryEscape copied it twice more.
func encodeForm(p tgbotapi.Params) []byte {
	keys := make([]string, 0, len(p))
	n := len(p) * 2
	for k, v := range p {
		keys = append(keys, k)
		n += escapedLen(k) + escapedLen(v)
	}
	slices.Sort(keys)
	b := make([]byte, 0, n)
	for i, k := range keys {
		if i > 0 {
			b = append(b, '&')
		}
		b = appendQueryEscape(b, k)
		b = append(b, '=')
		b = appendQueryEscape(b, p[k])
	}
	return b
}

// unreserved marks the bytes a query component keeps as they are (RFC
// 3986's unreserved set, which url.QueryEscape leaves alone).
var unreserved = func() (t [256]bool) {
	for c := range 256 {
		t[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~'
	}
	return t
}()

// escapedLen is len(url.QueryEscape(s)).
func escapedLen(s string) int {
	n := len(s)
	for i := 0; i < len(s); i++ {
		if c := s[i]; !unreserved[c] && c != ' ' {
			n += 2
		}
	}
	return n
}

// appendQueryEscape appends url.QueryEscape(s) to b, the runs of bytes
// that stay as they are in one copy each.
func appendQueryEscape(b []byte, s string) []byte {
	const hex = "0123456789ABCDEF"
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved[c] {
			continue
		}
		b = append(b, s[start:i]...)
		start = i + 1
		if c == ' ' {
			b = append(b, '+')
		} else {
			b = append(b, '%', hex[c>>4], hex[c&15])
		}
	}
	return append(b, s[start:]...)
}
