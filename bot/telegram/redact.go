package telegram

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
)

const redacted = "<redacted>"

// secretError carries an error whose message had the token removed; Unwrap
// keeps errors.Is and errors.As working on the original.
type secretError struct {
	msg string
	err error
}

func (e *secretError) Error() string { return e.msg }
func (e *secretError) Unwrap() error { return e.err }

// redactErr returns err with every occurrence of token removed from its
// message. A *url.Error (whose message holds the request URL with the token)
// keeps its type with a cleaned URL.
func redactErr(err error, token string) error {
	if err == nil || token == "" {
		return err
	}
	var ue *url.Error
	if errors.As(err, &ue) && err == error(ue) {
		inner := ue.Err
		if inner != nil && strings.Contains(inner.Error(), token) {
			inner = &secretError{msg: strings.ReplaceAll(inner.Error(), token, redacted), err: ue.Err}
		}
		return &url.Error{Op: ue.Op, URL: strings.ReplaceAll(ue.URL, token, redacted), Err: inner}
	}
	if msg := err.Error(); strings.Contains(msg, token) {
		return &secretError{msg: strings.ReplaceAll(msg, token, redacted), err: err}
	}
	return err
}

// ctxClient is what the library sees as its HTTP client: it attaches a
// context to every request (the library's MakeRequest has none) and removes
// the token from transport errors before the library returns them.
type ctxClient struct {
	ctx   context.Context
	c     *http.Client
	token string
}

// Do implements tgbotapi.HTTPClient.
func (c *ctxClient) Do(req *http.Request) (*http.Response, error) {
	resp, err := c.c.Do(req.WithContext(c.ctx))
	if err != nil {
		return nil, redactErr(err, c.token)
	}
	return resp, nil
}

// redactHandler is a slog.Handler that removes the token from every message
// and attribute before passing the record on: a last line of defence.
type redactHandler struct {
	h     slog.Handler
	token string
}

func (h redactHandler) Enabled(ctx context.Context, l slog.Level) bool { return h.h.Enabled(ctx, l) }

func (h redactHandler) Handle(ctx context.Context, r slog.Record) error {
	nr := slog.NewRecord(r.Time, r.Level, strings.ReplaceAll(r.Message, h.token, redacted), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		nr.AddAttrs(h.attr(a))
		return true
	})
	return h.h.Handle(ctx, nr)
}

func (h redactHandler) attr(a slog.Attr) slog.Attr {
	a.Key = strings.ReplaceAll(a.Key, h.token, redacted)
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, strings.ReplaceAll(v.String(), h.token, redacted))
	case slog.KindGroup:
		attrs := v.Group()
		out := make([]any, len(attrs))
		for i, g := range attrs {
			out[i] = h.attr(g)
		}
		return slog.Group(a.Key, out...)
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			return slog.String(a.Key, strings.ReplaceAll(err.Error(), h.token, redacted))
		}
		s := v.String()
		if strings.Contains(s, h.token) {
			return slog.String(a.Key, strings.ReplaceAll(s, h.token, redacted))
		}
		return slog.Attr{Key: a.Key, Value: v}
	default:
		return slog.Attr{Key: a.Key, Value: v}
	}
}

func (h redactHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	out := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		out[i] = h.attr(a)
	}
	return redactHandler{h: h.h.WithAttrs(out), token: h.token}
}

func (h redactHandler) WithGroup(name string) slog.Handler {
	return redactHandler{h: h.h.WithGroup(name), token: h.token}
}
