package telegram

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

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
	req, err := http.NewRequest(http.MethodPost, fmt.Sprintf(b.endpoint, api.Token, method), strings.NewReader(encodeForm(p)))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := api.Client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= 1<<20 {
			bufPool.Put(buf)
		}
	}()
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
		te := &tgbotapi.Error{Code: r.ErrorCode, Message: r.Description}
		if r.Parameters != nil {
			te.ResponseParameters = *r.Parameters
		}
		return &r, te
	}
	r.Result = nil // not read, as for the answers recognised by their prefix
	return &r, nil
}

// encodeForm encodes p as a form body, in key order, as url.Values.Encode
// does, without copying p into url.Values first.
func encodeForm(p tgbotapi.Params) string {
	n := 0
	for k, v := range p {
		n += len(k) + len(v) + 2
	}
	var sb strings.Builder
	sb.Grow(n + n/4)
	for i, k := range slices.Sorted(maps.Keys(p)) {
		if i > 0 {
			sb.WriteByte('&')
		}
		sb.WriteString(url.QueryEscape(k))
		sb.WriteByte('=')
		sb.WriteString(url.QueryEscape(p[k]))
	}
	return sb.String()
}
