package ops

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"tutorbot/bot"
	"tutorbot/llm"
)

type echo struct{ err error }

func (e echo) Handle(ctx context.Context, ev bot.Event) ([]bot.Reply, error) {
	return []bot.Reply{{Text: ev.Text}}, e.err
}

type answer struct{ err error }

func (a answer) Complete(ctx context.Context, model, system, prompt string) (llm.Answer, error) {
	return llm.Answer{Text: "x"}, a.err
}

// scrape fetches /metrics and parses it with Prometheus' own text parser.
func scrape(t *testing.T, h http.Handler) map[string]float64 {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("/metrics: %d", rec.Code)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	out := map[string]float64{}
	for name, f := range families {
		for _, m := range f.GetMetric() {
			key := name
			for _, l := range m.GetLabel() {
				key += "," + l.GetName() + "=" + l.GetValue()
			}
			switch {
			case m.GetCounter() != nil:
				out[key] = m.GetCounter().GetValue()
			case m.GetHistogram() != nil:
				out[key+",count"] = float64(m.GetHistogram().GetSampleCount())
			case m.GetGauge() != nil:
				out[key] = m.GetGauge().GetValue()
			}
		}
	}
	return out
}

func TestMetricsMoveWithTraffic(t *testing.T) {
	m := NewMetrics()
	var sent int64
	m.Count("tutorbot_messages_sent_total", "sent", map[string]string{"platform": "telegram"}, func() int64 { return sent })
	srv := &Server{Metrics: m}
	h := srv.Handler()
	before := scrape(t, h)
	handler := m.Handler(echo{})
	ctx := context.Background()
	handler.Handle(ctx, bot.Event{Platform: "telegram", Text: "/start"})
	handler.Handle(ctx, bot.Event{Platform: "telegram", Payload: "1:ls"})
	handler.Handle(ctx, bot.Event{Platform: "discord", Text: "hello"})
	m.Handler(echo{err: errors.New("boom")}).Handle(ctx, bot.Event{Platform: "discord", Text: "x"})
	c := m.Completer(answer{})
	c.Complete(ctx, "m", "", "p")
	m.Completer(answer{err: llm.ErrTimeout}).Complete(ctx, "m", "", "p")
	sent = 7
	after := scrape(t, h)
	for key, want := range map[string]float64{
		"tutorbot_updates_total,kind=command,platform=telegram": 1,
		"tutorbot_updates_total,kind=button,platform=telegram":  1,
		"tutorbot_updates_total,kind=text,platform=discord":     2,
		"tutorbot_handle_errors_total,platform=discord":         1,
		"tutorbot_handle_seconds,platform=telegram,count":       2,
		"tutorbot_llm_calls_total,result=ok":                    1,
		"tutorbot_llm_calls_total,result=timeout":               1,
		"tutorbot_messages_sent_total,platform=telegram":        7,
	} {
		if got := after[key] - before[key]; got != want {
			t.Errorf("%s moved by %v, want %v", key, got, want)
		}
	}
}

func TestHealthz(t *testing.T) {
	ok := func(context.Context) error { return nil }
	bad := func(context.Context) error { return errors.New("not writable") }
	for _, tc := range []struct {
		name   string
		checks map[string]Check
		code   int
	}{
		{"healthy", map[string]Check{"database": ok}, 200},
		{"database down", map[string]Check{"database": bad, "telegram": ok}, 503},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			(&Server{Metrics: NewMetrics(), Checks: tc.checks}).Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
			if rec.Code != tc.code {
				t.Errorf("code %d, want %d: %s", rec.Code, tc.code, rec.Body)
			}
		})
	}
}

func TestBackupOnlyOnLoopback(t *testing.T) {
	srv := &Server{Metrics: NewMetrics(), Backup: func(w io.Writer) (int64, error) {
		n, err := io.WriteString(w, "BOLT")
		return int64(n), err
	}}
	for _, tc := range []struct {
		remote string
		code   int
	}{{"127.0.0.1:5555", 200}, {"[::1]:5555", 200}, {"203.0.113.9:5555", 403}} {
		req := httptest.NewRequest("GET", "/backup", nil)
		req.RemoteAddr = tc.remote
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, req)
		if rec.Code != tc.code || (tc.code == 200 && !strings.Contains(rec.Body.String(), "BOLT")) {
			t.Errorf("%s: %d %q", tc.remote, rec.Code, rec.Body)
		}
	}
}
