package llmtest

import (
	"net/http"
	"strings"
	"testing"
)

func TestServerChecksRequests(t *testing.T) {
	s := NewServer(t)
	tests := []struct {
		name   string
		path   string
		auth   string
		ctype  string
		body   string
		status int
	}{
		{"ok", "/v1/chat/completions", "Bearer k", "application/json", `{"model":"m","messages":[{"role":"user","content":"hi"}]}`, 200},
		{"ok without v1", "/chat/completions", "Bearer k", "application/json", `{"model":"m","messages":[{"role":"user","content":"hi"}]}`, 200},
		{"no auth", "/v1/chat/completions", "", "application/json", `{"model":"m","messages":[{"role":"user","content":"hi"}]}`, 401},
		{"empty bearer", "/v1/chat/completions", "Bearer ", "application/json", `{"model":"m","messages":[{"role":"user","content":"hi"}]}`, 401},
		{"not json", "/v1/chat/completions", "Bearer k", "application/json", `{model`, 400},
		{"no model", "/v1/chat/completions", "Bearer k", "application/json", `{"messages":[{"role":"user","content":"hi"}]}`, 400},
		{"no messages", "/v1/chat/completions", "Bearer k", "application/json", `{"model":"m","messages":[]}`, 400},
		{"message without role", "/v1/chat/completions", "Bearer k", "application/json", `{"model":"m","messages":[{"content":"hi"}]}`, 400},
		{"wrong content type", "/v1/chat/completions", "Bearer k", "text/plain", `{"model":"m","messages":[{"role":"user","content":"hi"}]}`, 415},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, s.srv.URL+tt.path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			req.Header.Set("Content-Type", tt.ctype)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tt.status)
			}
		})
	}
	if n := len(s.CallsFor("m")); n < 2 {
		t.Errorf("recorded %d calls for m", n)
	}
	if !strings.HasSuffix(s.URL(), "/v1") {
		t.Errorf("URL() = %q, want a /v1 base", s.URL())
	}
}
