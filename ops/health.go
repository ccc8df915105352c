package ops

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"tutorbot/storage"
)

// Default thresholds of the health checks.
const (
	// DefaultCommitWindow is how long /healthz fails after a commit failed.
	DefaultCommitWindow = time.Minute
	// DefaultDownAfter is how long a platform connection may be down before
	// /healthz fails.
	DefaultDownAfter = 2 * time.Minute
)

// CommitCheck fails while a commit failed within window (disk full, I/O
// error): learners' writes were lost even if a probe write would pass.
func CommitCheck(health func() storage.CommitHealth, window time.Duration, now func() time.Time) Check {
	return func(context.Context) error {
		h := health()
		if h.LastFailure.IsZero() {
			return nil
		}
		if ago := now().Sub(h.LastFailure); ago < window {
			return fmt.Errorf("a commit failed %v ago (%d failed so far): %s", ago.Round(time.Second), h.Failures, h.LastError)
		}
		return nil
	}
}

// Link is a platform connection: when its current outage started, or the
// zero time while it is up (bot.Connection).
type Link interface {
	DownSince() time.Time
}

// ConnectionCheck fails while the connection has been down longer than
// after.
func ConnectionCheck(l Link, after time.Duration, now func() time.Time) Check {
	return func(context.Context) error {
		since := l.DownSince()
		if since.IsZero() {
			return nil
		}
		if d := now().Sub(since); d >= after {
			return fmt.Errorf("disconnected for %v (limit %v)", d.Round(time.Second), after)
		}
		return nil
	}
}

// ConnectedCheck (for /readyz) fails while the connection is down.
func ConnectedCheck(l Link) Check {
	return func(context.Context) error {
		if !l.DownSince().IsZero() {
			return fmt.Errorf("not connected")
		}
		return nil
	}
}

// evaluate runs checks in name order and returns the failures, one
// "name: reason" line each.
func evaluate(ctx context.Context, checks map[string]Check) []string {
	names := make([]string, 0, len(checks))
	for name := range checks {
		names = append(names, name)
	}
	slices.Sort(names)
	var bad []string
	for _, name := range names {
		if err := checks[name](ctx); err != nil {
			bad = append(bad, name+": "+strings.Join(strings.Fields(err.Error()), " "))
		}
	}
	return bad
}

// probes registers the gauges of /healthz and /readyz once.
type probes struct{ once sync.Once }

func (s *Server) registerProbes() {
	s.probes.once.Do(func() {
		if s.Metrics == nil {
			return
		}
		gauge := func(name, help string, checks map[string]Check) {
			s.Metrics.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, func() float64 {
				ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
				defer cancel()
				if len(evaluate(ctx, checks)) > 0 {
					return 0
				}
				return 1
			}))
			for cname, c := range checks {
				s.Metrics.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name + "_check", Help: help + " One check.", ConstLabels: prometheus.Labels{"check": cname}}, func() float64 {
					ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
					defer cancel()
					if c(ctx) != nil {
						return 0
					}
					return 1
				}))
			}
		}
		gauge("tutorbot_healthy", "1 when /healthz answers 200.", s.Checks)
		gauge("tutorbot_ready", "1 when /readyz answers 200.", s.Ready)
	})
}
