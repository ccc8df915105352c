package redact

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"strings"
	"testing"
)

const token = "424242:AAE-SECRET_part/xyz"

func TestStringEveryForm(t *testing.T) {
	s := New(token, "", "sk-or-v1-abcdef")
	secret := "AAE-SECRET_part/xyz"
	cases := map[string]string{
		"raw":              "https://api.telegram.org/bot" + token + "/sendMessage",
		"query escaped":    "bot" + url.QueryEscape(token) + "/sendMessage",
		"path escaped":     "http://h/bot" + url.PathEscape(token) + "/x",
		"lower hex":        "bot424242%3aAAE-SECRET_part%2fxyz/sendMessage",
		"secret part":      "key=" + secret,
		"secret escaped":   "k=" + url.QueryEscape(secret),
		"escaped twice":    "next=" + url.QueryEscape(url.QueryEscape(token)),
		"api key":          "Authorization: Bearer sk-or-v1-abcdef",
		"api key in query": "?key=sk-or-v1-abcdef&x=1",
	}
	for name, in := range cases {
		got := s.String(in)
		if strings.Contains(got, "SECRET") || strings.Contains(got, "abcdef") || !strings.Contains(got, Mark) {
			t.Errorf("%s: %q -> %q", name, in, got)
		}
	}
	if got := s.String("nothing secret here: 424242"); got != "nothing secret here: 424242" {
		t.Errorf("changed text without secrets: %q", got)
	}
	var none *Secrets
	if none.String("a") != "a" || none.Error(fs.ErrNotExist) != fs.ErrNotExist {
		t.Error("nil Secrets changed something")
	}
}

func TestErrorKeepsChain(t *testing.T) {
	s := New(token)
	err := s.Error(&url.Error{Op: "Post", URL: "http://h/bot" + url.PathEscape(token) + "/x", Err: fs.ErrNotExist})
	if strings.Contains(err.Error(), "SECRET") {
		t.Errorf("error holds the secret: %v", err)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Error("errors.Is lost the cause")
	}
	var ue *url.Error
	if !errors.As(err, &ue) {
		t.Error("errors.As lost the url.Error")
	}
	plain := errors.New("plain")
	if s.Error(plain) != plain {
		t.Error("an error without secrets was wrapped")
	}
}

func TestHandler(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(Handler(slog.NewTextHandler(&buf, nil), New(token)))
	log = log.With("url", "bot"+token)
	log.WithGroup("g").Info("call bot"+url.QueryEscape(token),
		"err", fmt.Errorf("wrapped: %w", errors.New(token)),
		"any", struct{ S string }{token},
		slog.Group("grp", "k", "AAE-SECRET_part/xyz"))
	if out := buf.String(); strings.Contains(out, "SECRET") || !strings.Contains(out, Mark) {
		t.Errorf("log line: %s", out)
	}
}

func FuzzString(f *testing.F) {
	f.Add("bot424242:AAE-SECRET_part/xyz/send", token)
	f.Add("%3A%2F", "a:b/c")
	f.Fuzz(func(t *testing.T, text, secret string) {
		if len(secret) < minSecret || strings.ContainsRune(secret, 0) {
			return
		}
		s := New(secret)
		out := strings.ReplaceAll(s.String(text+secret+url.QueryEscape(secret)), Mark, "\x00")
		if strings.Contains(out, secret) || strings.Count(out, "\x00") < 2 {
			t.Errorf("secret %q left in %q", secret, out)
		}
	})
}
