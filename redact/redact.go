// Package redact removes secrets (bot tokens, API keys) from text, errors
// and log records in every form they travel in: as they are, percent-encoded
// (a token in a URL path or query, a redirect target) and, for tokens made
// of an id and a secret ("123456:AAE…"), the secret part alone.
package redact

import (
	"cmp"
	"context"
	"log/slog"
	"net/url"
	"slices"
	"strings"
)

// Mark replaces every secret.
const Mark = "<redacted>"

// minSecret is the shortest string treated as a secret: shorter ones (a
// test token's id part, say) would redact ordinary words.
const minSecret = 6

// Secrets removes a set of secrets. The zero value and nil remove nothing.
type Secrets struct {
	forms []string
	r     *strings.Replacer
}

// New returns Secrets for the given secrets; empty ones are ignored.
func New(secrets ...string) *Secrets {
	seen := map[string]bool{}
	var forms []string
	add := func(f string) {
		if len(f) >= minSecret && !seen[f] {
			seen[f] = true
			forms = append(forms, f)
		}
	}
	for _, s := range secrets {
		parts := []string{s}
		if _, secret, ok := strings.Cut(s, ":"); ok {
			parts = append(parts, secret) // a Telegram token's secret part
		}
		for _, p := range parts {
			add(p)
			for _, e := range []string{url.QueryEscape(p), url.PathEscape(p)} {
				add(e)
				add(lowerHex(e))
				add(url.QueryEscape(e)) // escaped twice: a URL inside a URL
			}
		}
	}
	// Longer forms first, so a whole token is replaced before its part.
	slices.SortFunc(forms, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	pairs := make([]string, 0, 2*len(forms))
	for _, f := range forms {
		pairs = append(pairs, f, Mark)
	}
	return &Secrets{forms: forms, r: strings.NewReplacer(pairs...)}
}

// lowerHex writes the %XX escapes of s in lower case, as some clients do.
func lowerHex(s string) string {
	b := []byte(s)
	for i := 0; i+2 < len(b); i++ {
		if b[i] == '%' {
			b[i+1], b[i+2] = lower(b[i+1]), lower(b[i+2])
		}
	}
	return string(b)
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'F' {
		return c + 'a' - 'A'
	}
	return c
}

// String returns s with every form of every secret replaced by Mark.
func (s *Secrets) String(str string) string {
	if s == nil || len(s.forms) == 0 {
		return str
	}
	return s.r.Replace(str)
}

// Contains reports whether str holds any form of a secret.
func (s *Secrets) Contains(str string) bool {
	if s == nil {
		return false
	}
	for _, f := range s.forms {
		if strings.Contains(str, f) {
			return true
		}
	}
	return false
}

// Error returns err with the secrets removed from its message; errors.Is
// and errors.As still see the original. It returns err itself when its
// message holds no secret.
func (s *Secrets) Error(err error) error {
	if err == nil || s == nil {
		return err
	}
	msg := err.Error()
	if !s.Contains(msg) {
		return err
	}
	return &cleanError{msg: s.String(msg), err: err}
}

// cleanError is an error whose message had the secrets removed.
type cleanError struct {
	msg string
	err error
}

func (e *cleanError) Error() string { return e.msg }
func (e *cleanError) Unwrap() error { return e.err }

// Handler returns a slog.Handler that removes the secrets from every
// message, attribute key and value (errors and other values by their
// text) before passing the record to h: a last line of defence.
func Handler(h slog.Handler, s *Secrets) slog.Handler {
	if s == nil || len(s.forms) == 0 {
		return h
	}
	return handler{h: h, s: s}
}

type handler struct {
	h slog.Handler
	s *Secrets
}

func (h handler) Enabled(ctx context.Context, l slog.Level) bool { return h.h.Enabled(ctx, l) }

func (h handler) Handle(ctx context.Context, r slog.Record) error {
	nr := slog.NewRecord(r.Time, r.Level, h.s.String(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		nr.AddAttrs(h.attr(a))
		return true
	})
	return h.h.Handle(ctx, nr)
}

func (h handler) attr(a slog.Attr) slog.Attr {
	a.Key = h.s.String(a.Key)
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, h.s.String(v.String()))
	case slog.KindGroup:
		attrs := v.Group()
		out := make([]any, len(attrs))
		for i, g := range attrs {
			out[i] = h.attr(g)
		}
		return slog.Group(a.Key, out...)
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			return slog.String(a.Key, h.s.String(err.Error()))
		}
		if str := v.String(); h.s.Contains(str) {
			return slog.String(a.Key, h.s.String(str))
		}
		return slog.Attr{Key: a.Key, Value: v}
	default:
		return slog.Attr{Key: a.Key, Value: v}
	}
}

func (h handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	out := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		out[i] = h.attr(a)
	}
	return handler{h: h.h.WithAttrs(out), s: h.s}
}

func (h handler) WithGroup(name string) slog.Handler {
	return handler{h: h.h.WithGroup(h.s.String(name)), s: h.s}
}
