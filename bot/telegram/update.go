package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// update is the part of a Telegram Update the adapter reads. Decoding into
// it skips the rest without building it: a button press carries the whole
// message it sits under (a lesson page, up to 4,096 characters), and long
// polling fetches updates still in flight again, so the library's full
// Update type cost the tutor more CPU than its own engine.
type update struct {
	UpdateID      int            `json:"update_id"`
	Message       *message       `json:"message"`
	CallbackQuery *callbackQuery `json:"callback_query"`
}

type user struct {
	ID           int64  `json:"id"`
	IsBot        bool   `json:"is_bot"`
	FirstName    string `json:"first_name"`
	UserName     string `json:"username"`
	LanguageCode string `json:"language_code"`
}

type chat struct {
	ID   int64  `json:"id"`
	Type string `json:"type"`
	// Title is a group's title (it names the group's cohort).
	Title string `json:"title"`
}

type message struct {
	MessageID int    `json:"message_id"`
	From      *user  `json:"from"`
	Chat      *chat  `json:"chat"`
	Text      string `json:"text"`
	// ThreadID and IsTopic place the message in a forum topic.
	ThreadID int  `json:"message_thread_id"`
	IsTopic  bool `json:"is_topic_message"`
}

type callbackQuery struct {
	ID      string `json:"id"`
	From    *user  `json:"from"`
	Data    string `json:"data"`
	Message *struct {
		MessageID int   `json:"message_id"`
		Chat      *chat `json:"chat"`
		ThreadID  int   `json:"message_thread_id"`
		IsTopic   bool  `json:"is_topic_message"`
	} `json:"message"` // without its text: the tutor never reads it
}

// decodeUpdate parses an update posted by Telegram.
func decodeUpdate(r io.Reader) (update, error) {
	var u update
	if err := json.NewDecoder(r).Decode(&u); err != nil {
		return u, fmt.Errorf("decode update: %w", err)
	}
	if u.UpdateID <= 0 {
		return u, errors.New("decode update: no update_id")
	}
	return u, nil
}

// allowedUpdatesJSON is allowedUpdates as getUpdates takes it.
var allowedUpdatesJSON = func() string {
	b, _ := json.Marshal(allowedUpdates)
	return string(b)
}()

// bufPool holds the buffers Bot API answers are read into (getUpdates: up
// to 100 updates each; the decoded strings are copies, so a buffer is
// reused).
var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// answerBuffer takes an empty buffer from bufPool; put gives it back (an
// outsize one is not kept).
func answerBuffer() (buf *bytes.Buffer, put func()) {
	buf = bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	return buf, func() {
		if buf.Cap() <= 1<<20 {
			bufPool.Put(buf)
		}
	}
}

// getUpdates calls getUpdates and decodes the answer in one pass into
// update. Failures come back as the library's *tgbotapi.Error, as from
// every other call, and without the token.
func (b *Bot) getUpdates(ctx context.Context, offset, limit, timeout int) ([]update, error) {
	form := url.Values{"allowed_updates": {allowedUpdatesJSON}}
	if offset != 0 {
		form.Set("offset", strconv.Itoa(offset))
	}
	if limit != 0 {
		form.Set("limit", strconv.Itoa(limit))
	}
	if timeout != 0 {
		form.Set("timeout", strconv.Itoa(timeout))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, fmt.Sprintf(b.endpoint, b.cfg.Token, "getUpdates"), strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("get updates: %w", redactErr(err, b.secrets))
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := b.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("get updates: %w", redactErr(err, b.secrets))
	}
	defer resp.Body.Close()
	var r struct {
		OK          bool                         `json:"ok"`
		Result      []update                     `json:"result"`
		ErrorCode   int                          `json:"error_code"`
		Description string                       `json:"description"`
		Parameters  *tgbotapi.ResponseParameters `json:"parameters"`
	}
	buf, put := answerBuffer()
	defer put()
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return nil, fmt.Errorf("get updates: read the answer: %w", redactErr(err, b.secrets))
	}
	if err := json.Unmarshal(buf.Bytes(), &r); err != nil {
		// One update the adapter cannot read must not cost the others:
		// decode the answer again update by update.
		return b.decodeEach(buf.Bytes(), resp.StatusCode, err)
	}
	if !r.OK {
		return nil, apiError(r.ErrorCode, r.Description, r.Parameters)
	}
	return r.Result, nil
}

// decodeEach decodes a getUpdates answer that failed to decode as a whole
// one update at a time. An update that does not decode is logged (its
// kind and error, never its text) and comes back with only its id, so the
// polling loop confirms it and handles the rest; without a readable id it
// is left out (the next update's id confirms it).
func (b *Bot) decodeEach(body []byte, status int, whole error) ([]update, error) {
	var r struct {
		OK          bool                         `json:"ok"`
		Result      []json.RawMessage            `json:"result"`
		ErrorCode   int                          `json:"error_code"`
		Description string                       `json:"description"`
		Parameters  *tgbotapi.ResponseParameters `json:"parameters"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("get updates: decode the answer (HTTP %d): %w", status, whole)
	}
	if !r.OK {
		return nil, apiError(r.ErrorCode, r.Description, r.Parameters)
	}
	out := make([]update, 0, len(r.Result))
	for _, raw := range r.Result {
		u, err := decodeUpdate(bytes.NewReader(raw))
		if err == nil {
			out = append(out, u)
			continue
		}
		b.stats.errors.Add(1)
		id := updateID(raw)
		b.log.Warn("update skipped: cannot decode it", "update", id, "kind", updateKind(raw), "err", err)
		if id > 0 {
			out = append(out, update{UpdateID: id})
		}
	}
	return out, nil
}

// updateID reads only the update_id of a raw update (0 when unreadable).
func updateID(raw []byte) int {
	var v struct {
		UpdateID json.Number `json:"update_id"`
	}
	if json.Unmarshal(raw, &v) != nil {
		return 0
	}
	n, err := strconv.Atoi(string(v.UpdateID))
	if err != nil || n <= 0 {
		return 0
	}
	return n
}

// updateKind names the fields of a raw update other than its id ("message",
// "callback_query"), for a log line that must not carry the update's text.
func updateKind(raw []byte) string {
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) != nil {
		return "unreadable"
	}
	var kinds []string
	for k := range fields {
		if k != "update_id" {
			kinds = append(kinds, k)
		}
	}
	slices.Sort(kinds)
	return strings.Join(kinds, ",")
}
