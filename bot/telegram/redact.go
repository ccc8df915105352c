package telegram

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"tutorbot/redact"
)

const redacted = redact.Mark

// redactErr returns err without the token in any form (raw, percent-encoded,
// its secret part alone). A *url.Error (whose message holds the request
// URL, or a redirect's target) keeps its type with a cleaned URL; a
// *tgbotapi.Error (whose description may echo the URL) is cleaned in place.
func redactErr(err error, s *redact.Secrets) error {
	if err == nil {
		return nil
	}
	var te *tgbotapi.Error
	if errors.As(err, &te) {
		te.Message = s.String(te.Message)
	}
	var ue *url.Error
	if errors.As(err, &ue) && err == error(ue) {
		return &url.Error{Op: ue.Op, URL: s.String(ue.URL), Err: s.Error(ue.Err)}
	}
	return s.Error(err)
}

// ctxClient is what the library sees as its HTTP client: it attaches a
// context to every request (the library's MakeRequest has none) and removes
// the token from transport errors before the library returns them.
type ctxClient struct {
	ctx     context.Context
	c       *http.Client
	secrets *redact.Secrets
}

// Do implements tgbotapi.HTTPClient.
func (c *ctxClient) Do(req *http.Request) (*http.Response, error) {
	resp, err := c.c.Do(req.WithContext(c.ctx))
	if err != nil {
		return nil, redactErr(err, c.secrets)
	}
	return resp, nil
}
