// Package llmtest is a fake OpenAI-compatible chat-completions server for
// tests: the real go-openai client (through package llm) talks to it over
// HTTP, it checks requests the way the real service does, answers a
// configurable reply per model and misbehaves on demand (429, 500, hangs,
// empty answers, garbage JSON, refusals).
package llmtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Behavior is what the server does with a request for one model.
type Behavior int

const (
	// Answer replies normally with the model's configured text.
	Answer Behavior = iota
	// RateLimit replies 429 with a Retry-After header and an OpenAI error body.
	RateLimit
	// ServerError replies 500 with an OpenAI error body.
	ServerError
	// Hang holds the request until the client gives up (its context ends)
	// or the server is closed.
	Hang
	// Empty replies 200 with an empty assistant message.
	Empty
	// NoChoices replies 200 with an empty choices array.
	NoChoices
	// Garbage replies 200 with a body that is not JSON.
	Garbage
	// Refusal replies 200 with a refusal text instead of an answer.
	Refusal
)

// String names the behavior for test output.
func (b Behavior) String() string {
	switch b {
	case Answer:
		return "answer"
	case RateLimit:
		return "429"
	case ServerError:
		return "500"
	case Hang:
		return "hang"
	case Empty:
		return "empty"
	case NoChoices:
		return "no-choices"
	case Garbage:
		return "garbage"
	case Refusal:
		return "refusal"
	}
	return fmt.Sprintf("behavior(%d)", int(b))
}

// RefusalText is the reply sent for the Refusal behavior.
const RefusalText = "I'm sorry, but I can't help with that request."

// DefaultReply is the text answered for a model without a configured reply.
const DefaultReply = "This is a fake answer from the test server."

// Message is one chat message as the server received it.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Call is one request the server received (valid or not).
type Call struct {
	Model    string
	Messages []Message
	// Auth is the Authorization header as received.
	Auth string
	// Status is the HTTP status the server answered.
	Status int
}

type modelPlan struct {
	reply      string
	behavior   Behavior
	times      int // how many more calls misbehave; <0 means always
	retryAfter string
	delay      time.Duration
}

// Server is a running fake. Configure it before or between calls; it is
// safe for concurrent use.
type Server struct {
	srv  *httptest.Server
	done chan struct{}

	mu          sync.Mutex
	plans       map[string]*modelPlan
	calls       []Call
	requireAuth bool
	wantKey     string
}

// NewServer starts a fake server and closes it when the test ends.
func NewServer(t testing.TB) *Server {
	t.Helper()
	s := &Server{
		done:        make(chan struct{}),
		plans:       make(map[string]*modelPlan),
		requireAuth: true,
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/chat/completions", s.handle)
	mux.HandleFunc("/chat/completions", s.handle)
	s.srv = httptest.NewServer(mux)
	t.Cleanup(func() {
		close(s.done) // release hanging handlers before Close waits for them
		s.srv.Close()
	})
	return s
}

// URL is the base URL to put in llm.Config.BaseURL; it ends in /v1.
func (s *Server) URL() string { return s.srv.URL + "/v1" }

// RequireKey makes the server answer 401 unless the bearer token equals key.
func (s *Server) RequireKey(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.wantKey = key
}

// AllowNoAuth makes a missing Authorization header acceptable, as Ollama does.
func (s *Server) AllowNoAuth() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requireAuth = false
}

func (s *Server) plan(model string) *modelPlan {
	p, ok := s.plans[model]
	if !ok {
		p = &modelPlan{reply: DefaultReply, retryAfter: "1"}
		s.plans[model] = p
	}
	return p
}

// SetReply sets the text answered for model.
func (s *Server) SetReply(model, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.plan(model).reply = text
}

// Misbehave makes the next n calls for model behave as b (n <= 0: every
// call). After those, the model answers normally again.
func (s *Server) Misbehave(model string, b Behavior, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.plan(model)
	p.behavior = b
	if n <= 0 {
		p.times = -1
	} else {
		p.times = n
	}
}

// SetRetryAfter sets the Retry-After header value sent with 429 for model
// (default "1").
func (s *Server) SetRetryAfter(model, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.plan(model).retryAfter = value
}

// SetDelay makes every answer for model wait d first (or until the client
// gives up).
func (s *Server) SetDelay(model string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.plan(model).delay = d
}

// Calls returns a copy of every call received so far, in order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Call, len(s.calls))
	copy(out, s.calls)
	return out
}

// CallsFor returns the calls received for model.
func (s *Server) CallsFor(model string) []Call {
	var out []Call
	for _, c := range s.Calls() {
		if c.Model == model {
			out = append(out, c)
		}
	}
	return out
}

type chatRequest struct {
	Model    string    `json:"model"`
	Messages []Message `json:"messages"`
}

func (s *Server) record(c Call) {
	s.mu.Lock()
	s.calls = append(s.calls, c)
	s.mu.Unlock()
}

func writeError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"error": map[string]any{"message": msg, "type": typ, "code": status},
	})
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	call := Call{Auth: r.Header.Get("Authorization")}
	if r.Method != http.MethodPost {
		call.Status = http.StatusMethodNotAllowed
		s.record(call)
		writeError(w, call.Status, "invalid_request_error", "method not allowed")
		return
	}
	s.mu.Lock()
	requireAuth, wantKey := s.requireAuth, s.wantKey
	s.mu.Unlock()
	token, hasBearer := strings.CutPrefix(call.Auth, "Bearer ")
	if (requireAuth && (!hasBearer || strings.TrimSpace(token) == "")) || (wantKey != "" && token != wantKey) {
		call.Status = http.StatusUnauthorized
		s.record(call)
		writeError(w, call.Status, "authentication_error", "missing or invalid API key")
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		call.Status = http.StatusUnsupportedMediaType
		s.record(call)
		writeError(w, call.Status, "invalid_request_error", "content type must be application/json")
		return
	}
	var req chatRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<20)).Decode(&req); err != nil {
		call.Status = http.StatusBadRequest
		s.record(call)
		writeError(w, call.Status, "invalid_request_error", "body is not valid JSON")
		return
	}
	call.Model, call.Messages = req.Model, req.Messages
	if req.Model == "" || len(req.Messages) == 0 {
		call.Status = http.StatusBadRequest
		s.record(call)
		writeError(w, call.Status, "invalid_request_error", "model and a non-empty messages array are required")
		return
	}
	for _, m := range req.Messages {
		if m.Role == "" {
			call.Status = http.StatusBadRequest
			s.record(call)
			writeError(w, call.Status, "invalid_request_error", "every message needs a role")
			return
		}
	}

	s.mu.Lock()
	p := s.plan(req.Model)
	behavior := Answer
	if p.times != 0 {
		behavior = p.behavior
		if p.times > 0 {
			p.times--
		}
	}
	reply, retryAfter, delay := p.reply, p.retryAfter, p.delay
	s.mu.Unlock()

	call.Status = http.StatusOK
	switch behavior {
	case RateLimit:
		call.Status = http.StatusTooManyRequests
	case ServerError:
		call.Status = http.StatusInternalServerError
	}
	s.record(call)

	if delay > 0 && behavior != Hang {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		case <-s.done:
			return
		}
	}

	switch behavior {
	case RateLimit:
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		writeError(w, http.StatusTooManyRequests, "rate_limit_error", "rate limit exceeded, slow down")
		return
	case ServerError:
		writeError(w, http.StatusInternalServerError, "server_error", "the upstream model crashed")
		return
	case Hang:
		select {
		case <-r.Context().Done():
		case <-s.done:
		}
		return
	case Garbage:
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte("<html><body>502 Bad Gateway</body></html>{not json"))
		return
	case Empty:
		reply = ""
	case Refusal:
		reply = RefusalText
	}

	choices := []map[string]any{{
		"index":         0,
		"message":       map[string]any{"role": "assistant", "content": reply},
		"finish_reason": "stop",
	}}
	if behavior == NoChoices {
		choices = []map[string]any{}
	}
	promptTokens := 0
	for _, m := range req.Messages {
		promptTokens += len(strings.Fields(m.Content))
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"id":      "chatcmpl-fake",
		"object":  "chat.completion",
		"created": 1700000000,
		"model":   req.Model,
		"choices": choices,
		"usage": map[string]any{
			"prompt_tokens":     promptTokens,
			"completion_tokens": len(strings.Fields(reply)),
			"total_tokens":      promptTokens + len(strings.Fields(reply)),
		},
	})
}
