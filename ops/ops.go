// Package ops is what an operator watches: Prometheus metrics of the tutor
// (updates, latency, messages, rate limits, reminders, LLM calls) and the
// health (/healthz), readiness (/readyz) and metrics HTTP endpoints.
package ops

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"tutorbot/bot"
	"tutorbot/llm"
)

// Metrics holds the tutor's collectors in their own registry.
type Metrics struct {
	Registry *prometheus.Registry
	updates  *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	errors   *prometheus.CounterVec
	llmCalls *prometheus.CounterVec
	llmLat   prometheus.Histogram
}

// NewMetrics registers the tutor's collectors and the Go runtime's.
func NewMetrics() *Metrics {
	m := &Metrics{Registry: prometheus.NewRegistry()}
	m.updates = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tutorbot_updates_total", Help: "Events handled, by platform and kind (command, text, button)."}, []string{"platform", "kind"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "tutorbot_handle_seconds", Help: "Time to handle one event, commit included.", Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10, 30}}, []string{"platform"})
	m.errors = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tutorbot_handle_errors_total", Help: "Events whose handling failed, by platform."}, []string{"platform"})
	m.llmCalls = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tutorbot_llm_calls_total", Help: "LLM calls, by result (ok or the error kind)."}, []string{"result"})
	m.llmLat = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "tutorbot_llm_seconds", Help: "LLM call latency.", Buckets: prometheus.ExponentialBuckets(0.1, 2, 10)})
	m.Registry.MustRegister(m.updates, m.latency, m.errors, m.llmCalls, m.llmLat,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Count registers a counter whose value is read from f at each scrape (an
// adapter's or the dispatcher's own counters).
func (m *Metrics) Count(name, help string, labels prometheus.Labels, f func() int64) {
	m.Registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help, ConstLabels: labels}, func() float64 { return float64(f()) }))
}

// Handler wraps a bot.Handler so every event is counted and timed.
func (m *Metrics) Handler(h bot.Handler) bot.Handler { return handler{m: m, next: h} }

type handler struct {
	m    *Metrics
	next bot.Handler
}

func (h handler) Handle(ctx context.Context, ev bot.Event) ([]bot.Reply, error) {
	kind := "text"
	switch {
	case ev.IsButton():
		kind = "button"
	case strings.HasPrefix(ev.Text, "/"):
		kind = "command"
	}
	start := time.Now()
	out, err := h.next.Handle(ctx, ev)
	h.m.latency.WithLabelValues(ev.Platform).Observe(time.Since(start).Seconds())
	h.m.updates.WithLabelValues(ev.Platform, kind).Inc()
	if err != nil {
		h.m.errors.WithLabelValues(ev.Platform).Inc()
	}
	return out, err
}

// Completer wraps an LLM client so every call is counted and timed.
func (m *Metrics) Completer(c bot.Completer) bot.Completer { return completer{m: m, next: c} }

type completer struct {
	m    *Metrics
	next bot.Completer
}

func (c completer) Complete(ctx context.Context, model, system, prompt string) (llm.Answer, error) {
	start := time.Now()
	a, err := c.next.Complete(ctx, model, system, prompt)
	c.m.llmLat.Observe(time.Since(start).Seconds())
	result := "ok"
	if err != nil {
		result = llmResult(err)
	}
	c.m.llmCalls.WithLabelValues(result).Inc()
	return a, err
}

func llmResult(err error) string {
	for _, k := range []struct {
		err  error
		name string
	}{{llm.ErrTimeout, "timeout"}, {llm.ErrRateLimited, "rate_limited"}, {llm.ErrUnavailable, "unavailable"}, {llm.ErrRejected, "rejected"}, {llm.ErrBadResponse, "bad_response"}, {llm.ErrEmptyAnswer, "empty"}, {llm.ErrCanceled, "canceled"}} {
		if errors.Is(err, k.err) {
			return k.name
		}
	}
	return "error"
}

// Check is one health check: nil when healthy.
type Check func(ctx context.Context) error

// Server serves /healthz, /readyz and /metrics.
type Server struct {
	Addr    string
	Metrics *Metrics
	// Checks run on /healthz, by name: is the tutor working (commits
	// succeed, platforms connected)? A failure answers 503 with the reasons.
	Checks map[string]Check
	// Ready run on /readyz, by name: has the tutor finished starting
	// (platforms connected)?
	Ready map[string]Check
	// Backup, when set, serves GET /backup (a consistent copy of the
	// database) to clients on the loopback interface only.
	Backup func(w io.Writer) (int64, error)
	// Announce, when set, serves /announce (tutorbot announce: make an
	// announcement, or see its delivery) to clients on the loopback
	// interface only.
	Announce http.Handler
	Log      *slog.Logger

	probes probes
}

// Handler returns the HTTP handler of the endpoints. The gauges
// tutorbot_healthy and tutorbot_ready (and one per check) report the same
// checks to /metrics.
func (s *Server) Handler() http.Handler {
	s.registerProbes()
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.Metrics.Registry, promhttp.HandlerOpts{}))
	probe := func(checks map[string]Check) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
			defer cancel()
			bad := evaluate(ctx, checks)
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			if len(bad) > 0 {
				w.WriteHeader(http.StatusServiceUnavailable)
				fmt.Fprintln(w, strings.Join(bad, "\n"))
				return
			}
			fmt.Fprintln(w, "ok")
		}
	}
	mux.HandleFunc("GET /healthz", probe(s.Checks))
	mux.HandleFunc("GET /readyz", probe(s.Ready))
	if s.Announce != nil {
		mux.HandleFunc("/announce", func(w http.ResponseWriter, r *http.Request) {
			if !loopback(r) {
				http.Error(w, "announcements are made on the loopback interface only", http.StatusForbidden)
				return
			}
			s.Announce.ServeHTTP(w, r)
		})
	}
	if s.Backup != nil {
		mux.HandleFunc("GET /backup", func(w http.ResponseWriter, r *http.Request) {
			if !loopback(r) {
				http.Error(w, "backups are served on the loopback interface only", http.StatusForbidden)
				return
			}
			w.Header().Set("Content-Type", "application/octet-stream")
			if _, err := s.Backup(w); err != nil && s.Log != nil {
				s.Log.Error("backup over HTTP", "err", err)
			}
		})
	}
	return mux
}

// loopback reports whether r comes from the loopback interface.
func loopback(r *http.Request) bool {
	host, _, _ := net.SplitHostPort(r.RemoteAddr)
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Run serves until ctx ends, then shuts down within 5 s.
func (s *Server) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.Addr, err)
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 5 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	case err := <-errc:
		return fmt.Errorf("serve HTTP on %s: %w", s.Addr, err)
	}
}
