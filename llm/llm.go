// Package llm is the tutor's small client for any OpenAI-compatible chat
// endpoint (OpenRouter, Ollama, vLLM, LM Studio…): one call, one answer,
// always under a deadline, with one brief retry on overload, and errors
// that never carry the API key.
package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"tutorbot/redact"
)

// DefaultTimeout bounds every call when Config.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// MaxRetryWait is the longest Retry-After the client honours: a server
// asking for a longer pause gets no retry (the caller falls back instead).
const MaxRetryWait = 3 * time.Second

// defaultRetryWait is the pause before the retry when the server gave no
// Retry-After.
const defaultRetryWait = 500 * time.Millisecond

// Sentinel errors, matched with errors.Is on the errors Complete returns.
var (
	// ErrTimeout: the deadline passed before an answer arrived.
	ErrTimeout = errors.New("timed out")
	// ErrRateLimited: the endpoint answered 429 (also after the retry).
	ErrRateLimited = errors.New("rate limited")
	// ErrUnavailable: the endpoint answered 5xx (also after the retry) or could not be reached.
	ErrUnavailable = errors.New("endpoint unavailable")
	// ErrRejected: the endpoint refused the request (4xx other than 429: bad key, unknown model…).
	ErrRejected = errors.New("request rejected")
	// ErrBadResponse: the endpoint answered something that is not a chat completion.
	ErrBadResponse = errors.New("unreadable response")
	// ErrEmptyAnswer: the completion had no text.
	ErrEmptyAnswer = errors.New("empty answer")
	// ErrCanceled: the caller's context was canceled.
	ErrCanceled = errors.New("canceled")
)

// Config configures a Client.
type Config struct {
	// BaseURL of the OpenAI-compatible API, including /v1
	// (https://openrouter.ai/api/v1, http://localhost:11434/v1). Required.
	BaseURL string
	// APIKey is sent as a bearer token; empty sends none (Ollama).
	APIKey string
	// Model is used when Complete is called with an empty model. Required.
	Model string
	// Timeout bounds each Complete call (both attempts); 0 means DefaultTimeout.
	Timeout time.Duration
	// HTTPClient is the transport; nil means a new http.Client (no timeout
	// of its own: the context deadline governs).
	HTTPClient *http.Client
}

// Answer is one completion.
type Answer struct {
	Text             string
	Model            string
	Latency          time.Duration
	PromptTokens     int
	CompletionTokens int
}

// Client calls one OpenAI-compatible endpoint. It is safe for concurrent use.
type Client struct {
	api     *openai.Client
	model   string
	timeout time.Duration
	key     string
	secrets *redact.Secrets // key in every form, for error texts
	// sleep waits d or until ctx ends; replaced in tests.
	sleep func(ctx context.Context, d time.Duration) error
	// now measures latency; replaced in tests.
	now func() time.Time
}

// New builds a Client; it fails when BaseURL or Model is missing or the
// BaseURL is not an http(s) URL.
func New(cfg Config) (*Client, error) {
	if strings.TrimSpace(cfg.BaseURL) == "" {
		return nil, errors.New("new llm client: base URL is required")
	}
	if strings.TrimSpace(cfg.Model) == "" {
		return nil, errors.New("new llm client: model is required")
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("new llm client: base URL must be an http(s) URL such as https://openrouter.ai/api/v1")
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	oc := openai.DefaultConfig(cfg.APIKey)
	oc.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	oc.HTTPClient = hintDoer{next: hc}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &Client{
		api:     openai.NewClientWithConfig(oc),
		model:   cfg.Model,
		timeout: timeout,
		key:     cfg.APIKey,
		secrets: redact.New(cfg.APIKey),
		sleep:   sleepCtx,
		now:     time.Now,
	}, nil
}

// Model is the configured default model.
func (c *Client) Model() string { return c.model }

// Complete sends one system + user message pair to model (the configured
// model when empty) and returns the answer. The call runs under the
// client's timeout (or ctx's earlier deadline); a 429 or 5xx is retried
// once after Retry-After (at most MaxRetryWait). An empty answer is an
// error. Errors are *Error values matching the sentinel errors above.
func (c *Client) Complete(ctx context.Context, model, system, prompt string) (Answer, error) {
	if model == "" {
		model = c.model
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	start := c.now()

	msgs := make([]openai.ChatCompletionMessage, 0, 2)
	if strings.TrimSpace(system) != "" {
		msgs = append(msgs, openai.ChatCompletionMessage{Role: openai.ChatMessageRoleSystem, Content: system})
	}
	msgs = append(msgs, openai.ChatCompletionMessage{Role: openai.ChatMessageRoleUser, Content: prompt})
	req := openai.ChatCompletionRequest{Model: model, Messages: msgs}

	var lastErr *Error
	for attempt := 0; attempt < 2; attempt++ {
		hint := &retryHint{}
		resp, err := c.api.CreateChatCompletion(context.WithValue(ctx, hintKey{}, hint), req)
		if err == nil {
			ans := Answer{
				Model:            resp.Model,
				Latency:          c.now().Sub(start),
				PromptTokens:     resp.Usage.PromptTokens,
				CompletionTokens: resp.Usage.CompletionTokens,
			}
			if ans.Model == "" {
				ans.Model = model
			}
			if len(resp.Choices) > 0 {
				ans.Text = strings.TrimSpace(resp.Choices[0].Message.Content)
			}
			if ans.Text == "" {
				return ans, c.newError(model, 0, ErrEmptyAnswer, "the model returned no text")
			}
			return ans, nil
		}
		lastErr = c.classify(ctx, model, err)
		if attempt > 0 || !lastErr.retryable() {
			break
		}
		wait, ok := hint.wait()
		if !ok {
			break // the server asked for a longer pause than we will wait
		}
		if dl, has := ctx.Deadline(); has && time.Until(dl) < wait {
			break
		}
		if err := c.sleep(ctx, wait); err != nil {
			lastErr = c.classify(ctx, model, err)
			break
		}
	}
	return Answer{Model: model, Latency: c.now().Sub(start)}, lastErr
}

// Error is a failed Complete call. Its text never contains the API key.
type Error struct {
	// Model is the model that was asked.
	Model string
	// StatusCode is the HTTP status, 0 when none was received.
	StatusCode int
	kind       error
	detail     string
}

// Error describes the failure for logs.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("llm complete with model ")
	b.WriteString(strconv.Quote(e.Model))
	b.WriteString(": ")
	b.WriteString(e.kind.Error())
	if e.StatusCode > 0 {
		b.WriteString(" (HTTP ")
		b.WriteString(strconv.Itoa(e.StatusCode))
		b.WriteString(")")
	}
	if e.detail != "" {
		b.WriteString(": ")
		b.WriteString(e.detail)
	}
	return b.String()
}

// Unwrap returns the sentinel kind (ErrTimeout, ErrRateLimited…).
func (e *Error) Unwrap() error { return e.kind }

func (e *Error) retryable() bool {
	return e.kind == ErrRateLimited || (e.kind == ErrUnavailable && e.StatusCode >= 500)
}

// Reason is a short learner-facing explanation of err ("timed out",
// "rate limited by the provider"…), for messages such as a /compare
// column that failed.
func Reason(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrTimeout):
		return "no answer before the deadline"
	case errors.Is(err, ErrRateLimited):
		return "rate limited by the provider (429)"
	case errors.Is(err, ErrUnavailable):
		return "the provider had a server error or could not be reached"
	case errors.Is(err, ErrRejected):
		return "the provider rejected the request (check the model name and API key)"
	case errors.Is(err, ErrBadResponse):
		return "the provider sent an unreadable response"
	case errors.Is(err, ErrEmptyAnswer):
		return "the model returned an empty answer"
	case errors.Is(err, ErrCanceled):
		return "the request was canceled"
	}
	return "the request failed"
}

const maxDetail = 200

func (c *Client) newError(model string, status int, kind error, detail string) *Error {
	detail = c.redact(detail)
	if len(detail) > maxDetail {
		cut := maxDetail
		for cut > 0 && !isRuneStart(detail[cut]) {
			cut--
		}
		detail = detail[:cut] + "…"
	}
	return &Error{Model: c.redact(model), StatusCode: status, kind: kind, detail: detail}
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// redact removes the API key (and any bearer token) from s.
func (c *Client) redact(s string) string {
	s = c.secrets.String(s)
	if i := strings.Index(strings.ToLower(s), "bearer "); i >= 0 {
		s = s[:i] + "Bearer [redacted]"
	}
	return s
}

// classify turns a go-openai error into an *Error.
func (c *Client) classify(ctx context.Context, model string, err error) *Error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		if errors.Is(ctxErr, context.DeadlineExceeded) {
			return c.newError(model, 0, ErrTimeout, "deadline "+c.timeout.String())
		}
		return c.newError(model, 0, ErrCanceled, "")
	}
	var apiErr *openai.APIError
	if errors.As(err, &apiErr) {
		return c.newError(model, apiErr.HTTPStatusCode, statusKind(apiErr.HTTPStatusCode), apiErr.Message)
	}
	var reqErr *openai.RequestError
	if errors.As(err, &reqErr) {
		return c.newError(model, reqErr.HTTPStatusCode, statusKind(reqErr.HTTPStatusCode), "non-JSON error body")
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		if errors.Is(urlErr.Err, context.DeadlineExceeded) {
			return c.newError(model, 0, ErrTimeout, "")
		}
		// url.Error's text holds the URL; keep only the operation and cause.
		return c.newError(model, 0, ErrUnavailable, urlErr.Op+": "+urlErr.Err.Error())
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	if errors.As(err, &syn) || errors.As(err, &typ) || strings.Contains(err.Error(), "invalid character") {
		return c.newError(model, http.StatusOK, ErrBadResponse, "body is not a chat completion")
	}
	return c.newError(model, 0, ErrBadResponse, err.Error())
}

func statusKind(status int) error {
	switch {
	case status == http.StatusTooManyRequests:
		return ErrRateLimited
	case status >= 500:
		return ErrUnavailable
	case status >= 400:
		return ErrRejected
	}
	return ErrBadResponse
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// retryHint carries the Retry-After of a failed response out of the HTTP
// layer, which go-openai does not expose on errors.
type retryHint struct {
	mu         sync.Mutex
	retryAfter string
	set        bool
}

type hintKey struct{}

// wait is how long to pause before the retry; ok is false when the server
// asked for more than MaxRetryWait.
func (h *retryHint) wait() (time.Duration, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.set || h.retryAfter == "" {
		return defaultRetryWait, true
	}
	d, ok := parseRetryAfter(h.retryAfter, time.Now())
	if !ok {
		return defaultRetryWait, true
	}
	if d > MaxRetryWait {
		return 0, false
	}
	return d, true
}

// parseRetryAfter reads delay-seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if secs < 0 || secs != secs || secs > 86400 {
			return 0, false
		}
		return time.Duration(secs * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

// hintDoer records Retry-After of 429/5xx responses into the request's hint.
type hintDoer struct{ next *http.Client }

// Do sends req and notes the Retry-After of an overloaded response.
func (d hintDoer) Do(req *http.Request) (*http.Response, error) {
	resp, err := d.next.Do(req)
	if err != nil {
		return resp, err
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
		if h, ok := req.Context().Value(hintKey{}).(*retryHint); ok {
			h.mu.Lock()
			h.retryAfter = resp.Header.Get("Retry-After")
			h.set = true
			h.mu.Unlock()
		}
	}
	return resp, nil
}

// compile-time check that the hint doer satisfies go-openai's transport.
var _ openai.HTTPDoer = hintDoer{}

// String formats the configuration for logs without the API key.
func (cfg Config) String() string {
	key := "none"
	if cfg.APIKey != "" {
		key = "set"
	}
	return fmt.Sprintf("llm.Config{BaseURL:%q Model:%q APIKey:%s Timeout:%s}", cfg.BaseURL, cfg.Model, key, cfg.Timeout)
}
