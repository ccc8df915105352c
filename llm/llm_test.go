package llm

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"tutorbot/llm/llmtest"
)

const testKey = "sk-test-SECRET-0123456789abcdef"

func newTestClient(t *testing.T, srv *llmtest.Server, timeout time.Duration) (*Client, *[]time.Duration) {
	t.Helper()
	c, err := New(Config{BaseURL: srv.URL(), APIKey: testKey, Model: "default-model", Timeout: timeout})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	var mu sync.Mutex
	slept := &[]time.Duration{}
	c.sleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		*slept = append(*slept, d)
		mu.Unlock()
		return nil
	}
	return c, slept
}

func TestNewValidates(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"ok", Config{BaseURL: "http://localhost:11434/v1", Model: "qwen3:8b"}, true},
		{"no base URL", Config{Model: "m"}, false},
		{"no model", Config{BaseURL: "https://openrouter.ai/api/v1"}, false},
		{"not a URL", Config{BaseURL: "openrouter", Model: "m"}, false},
		{"ftp", Config{BaseURL: "ftp://x/v1", Model: "m"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if (err == nil) != tt.ok {
				t.Fatalf("New(%+v) err = %v, want ok=%v", tt.cfg, err, tt.ok)
			}
		})
	}
}

func TestComplete(t *testing.T) {
	tests := []struct {
		name       string
		setup      func(s *llmtest.Server)
		timeout    time.Duration
		wantErr    error
		wantText   string
		wantCalls  int
		wantSleeps []time.Duration
	}{
		{
			name:      "success",
			setup:     func(s *llmtest.Server) { s.SetReply("m", "Use Qwen2.5-7B.") },
			wantText:  "Use Qwen2.5-7B.",
			wantCalls: 1,
		},
		{
			name: "429 once then success honours Retry-After",
			setup: func(s *llmtest.Server) {
				s.SetReply("m", "ok")
				s.Misbehave("m", llmtest.RateLimit, 1)
				s.SetRetryAfter("m", "2")
			},
			wantText:   "ok",
			wantCalls:  2,
			wantSleeps: []time.Duration{2 * time.Second},
		},
		{
			name:      "429 with long Retry-After is not retried",
			setup:     func(s *llmtest.Server) { s.Misbehave("m", llmtest.RateLimit, 1); s.SetRetryAfter("m", "41") },
			wantErr:   ErrRateLimited,
			wantCalls: 1,
		},
		{
			name:       "429 twice gives up",
			setup:      func(s *llmtest.Server) { s.Misbehave("m", llmtest.RateLimit, 0); s.SetRetryAfter("m", "") },
			wantErr:    ErrRateLimited,
			wantCalls:  2,
			wantSleeps: []time.Duration{defaultRetryWait},
		},
		{
			name:       "500 once then success",
			setup:      func(s *llmtest.Server) { s.SetReply("m", "fine"); s.Misbehave("m", llmtest.ServerError, 1) },
			wantText:   "fine",
			wantCalls:  2,
			wantSleeps: []time.Duration{defaultRetryWait},
		},
		{
			name:      "500 always",
			setup:     func(s *llmtest.Server) { s.Misbehave("m", llmtest.ServerError, 0) },
			wantErr:   ErrUnavailable,
			wantCalls: 2,
		},
		{
			name:      "hang past the deadline",
			setup:     func(s *llmtest.Server) { s.Misbehave("m", llmtest.Hang, 0) },
			timeout:   150 * time.Millisecond,
			wantErr:   ErrTimeout,
			wantCalls: 1,
		},
		{
			name:      "slow answer past the deadline",
			setup:     func(s *llmtest.Server) { s.SetDelay("m", 5*time.Second) },
			timeout:   100 * time.Millisecond,
			wantErr:   ErrTimeout,
			wantCalls: 1,
		},
		{
			name:      "empty answer",
			setup:     func(s *llmtest.Server) { s.Misbehave("m", llmtest.Empty, 0) },
			wantErr:   ErrEmptyAnswer,
			wantCalls: 1,
		},
		{
			name:      "no choices",
			setup:     func(s *llmtest.Server) { s.Misbehave("m", llmtest.NoChoices, 0) },
			wantErr:   ErrEmptyAnswer,
			wantCalls: 1,
		},
		{
			name:      "garbage JSON",
			setup:     func(s *llmtest.Server) { s.Misbehave("m", llmtest.Garbage, 0) },
			wantErr:   ErrBadResponse,
			wantCalls: 1,
		},
		{
			name:      "wrong key rejected",
			setup:     func(s *llmtest.Server) { s.RequireKey("another-key") },
			wantErr:   ErrRejected,
			wantCalls: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := llmtest.NewServer(t)
			tt.setup(srv)
			c, slept := newTestClient(t, srv, tt.timeout)
			start := time.Now()
			ans, err := c.Complete(context.Background(), "m", "You are a tutor.", "Which model?")
			if elapsed := time.Since(start); elapsed > 3*time.Second {
				t.Errorf("call took %v", elapsed)
			}
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), testKey) {
					t.Fatalf("error leaks the API key: %v", err)
				}
				if Reason(err) == "" || Reason(err) == "the request failed" {
					t.Errorf("Reason(%v) = %q, want a specific reason", err, Reason(err))
				}
			} else {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				if ans.Text != tt.wantText {
					t.Errorf("text = %q, want %q", ans.Text, tt.wantText)
				}
				if ans.Model != "m" || ans.PromptTokens == 0 || ans.CompletionTokens == 0 {
					t.Errorf("answer = %+v, want model and token counts", ans)
				}
			}
			if got := len(srv.Calls()); got != tt.wantCalls {
				t.Errorf("calls = %d, want %d", got, tt.wantCalls)
			}
			if tt.wantSleeps != nil {
				if len(*slept) != len(tt.wantSleeps) {
					t.Fatalf("sleeps = %v, want %v", *slept, tt.wantSleeps)
				}
				for i := range tt.wantSleeps {
					if (*slept)[i] != tt.wantSleeps[i] {
						t.Errorf("sleep[%d] = %v, want %v", i, (*slept)[i], tt.wantSleeps[i])
					}
				}
			}
		})
	}
}

func TestCompleteSendsMessagesAndAuth(t *testing.T) {
	srv := llmtest.NewServer(t)
	srv.RequireKey(testKey)
	c, _ := newTestClient(t, srv, 0)
	if _, err := c.Complete(context.Background(), "", "sys", "hello"); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	calls := srv.Calls()
	if len(calls) != 1 {
		t.Fatalf("calls = %d", len(calls))
	}
	got := calls[0]
	if got.Model != "default-model" {
		t.Errorf("model = %q, want the configured default", got.Model)
	}
	if len(got.Messages) != 2 || got.Messages[0].Role != "system" || got.Messages[1].Content != "hello" {
		t.Errorf("messages = %+v", got.Messages)
	}
	if got.Auth != "Bearer "+testKey {
		t.Errorf("auth header = %q", got.Auth)
	}
}

func TestErrorNeverContainsKey(t *testing.T) {
	c, err := New(Config{BaseURL: "http://127.0.0.1:1/v1", APIKey: testKey, Model: "m", Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		err  *Error
	}{
		{"detail echoes key", c.newError("m", 401, ErrRejected, "invalid key "+testKey+" provided")},
		{"detail echoes bearer", c.newError("m", 401, ErrRejected, "header was Bearer abc.def")},
		{"model holds key", c.newError(testKey, 0, ErrUnavailable, "")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.err.Error()
			if strings.Contains(s, testKey) || strings.Contains(s, "abc.def") {
				t.Fatalf("error leaks a secret: %s", s)
			}
		})
	}
	// A real connection failure: the error must not carry the URL's secrets either.
	_, cerr := c.Complete(context.Background(), "m", "", "hi")
	if cerr == nil || strings.Contains(cerr.Error(), testKey) {
		t.Fatalf("connection error = %v", cerr)
	}
	if !errors.Is(cerr, ErrUnavailable) {
		t.Errorf("connection refused: err = %v, want ErrUnavailable", cerr)
	}
	if s := (Config{BaseURL: "x", APIKey: testKey}).String(); strings.Contains(s, testKey) {
		t.Errorf("Config.String leaks key: %s", s)
	}
}

func TestCallerCancel(t *testing.T) {
	srv := llmtest.NewServer(t)
	srv.Misbehave("m", llmtest.Hang, 0)
	c, _ := newTestClient(t, srv, 0)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	_, err := c.Complete(ctx, "m", "", "hi")
	if !errors.Is(err, ErrCanceled) {
		t.Fatalf("err = %v, want ErrCanceled", err)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"2", 2 * time.Second, true},
		{"0.5", 500 * time.Millisecond, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{now.Add(3 * time.Second).Format(http.TimeFormat), 3 * time.Second, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := parseRetryAfter(tt.in, now)
			if ok != tt.ok || got != tt.want {
				t.Fatalf("parseRetryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}
