package loadtest

import (
	"flag"
	"slices"
	"testing"
	"time"
)

var (
	loadN       = flag.Int("load.n", 100, "simulated learners in TestLoad and BenchmarkLoad (the full size is 1000)")
	loadThink   = flag.Duration("load.think", 0, "mean pause of each learner before an action in TestLoad's paced run (default: learners × 1 ms, an offered load of about 1,000 updates/s)")
	loadWorkers = flag.Int("load.workers", 0, "adapter workers (default LoadConfig's 64)")
	loadRounds  = flag.Int("load.rounds", 1, "saturated rounds of the tutor and the echo bot in TestLoad, in alternating order; the ratio is of the medians")
	loadStrict  = flag.Bool("load.strict", false, "fail TestLoad when a performance target is missed (tutor/echo >= 0.7 saturated, p99 < 50 ms paced)")
)

// Performance targets at 1,000 learners.
const (
	targetRatio = 0.7
	targetP99   = 50 * time.Millisecond
)

// TestLoad runs the whole journey for -load.n learners at once through the
// tutor and checks every learner's stored state; compares the throughput
// with the echo bots' on the same fake server and adapter; and runs the
// journey again at a human pace to measure the latency learners feel. Each
// run is a subtest, so its fake server and database are gone before the
// next one starts.
func TestLoad(t *testing.T) {
	n := *loadN
	run := func(name string, cfg LoadConfig) (rep Report) {
		t.Run(name, func(t *testing.T) {
			cfg.Learners, cfg.Workers = n, *loadWorkers
			rep = RunLoad(t, cfg)
			t.Log(rep)
			if rep.Errors > 0 || rep.Finished != rep.Learners {
				t.Errorf("%d errors, %d of %d learners finished", rep.Errors, rep.Finished, rep.Learners)
			}
			if !cfg.Echo && (len(rep.Mismatches) > 0 || rep.Checked != rep.Learners) {
				t.Errorf("stored state: %d mismatches, %d of %d learners checked", len(rep.Mismatches), rep.Checked, rep.Learners)
			}
		})
		return rep
	}
	// Saturated rounds: the tutor and the echo bot in turn, the order
	// swapped each round (tutor first, then echo first) so that neither
	// gains from a warm or a tired machine. One process varies ±15% from
	// run to run; the medians of several rounds are steadier.
	var tutorRates, echoRates []float64
	for r := range max(1, *loadRounds) {
		tutorFirst := r%2 == 0
		var tutor, echo Report
		if tutorFirst {
			tutor = run("saturated/tutor", LoadConfig{})
		}
		echo = run("saturated/echo", LoadConfig{Echo: true})
		if !tutorFirst {
			tutor = run("saturated/tutor", LoadConfig{})
		}
		tutorRates, echoRates = append(tutorRates, tutor.UpdatesPerSec), append(echoRates, echo.UpdatesPerSec)
		first := "echo"
		if tutorFirst {
			first = "tutor"
		}
		t.Logf("round %d (%s first): tutor/echo = %.2f", r+1, first, tutor.UpdatesPerSec/echo.UpdatesPerSec)
	}
	text := run("saturated/echo-text", LoadConfig{Echo: true, TextOnly: true})
	tutorRate, echoRate := median(tutorRates), median(echoRates)
	ratio := tutorRate / echoRate
	t.Logf("saturated throughput, median of %d rounds: tutor %.0f updates/s, echo %.0f; tutor/echo = %.2f (target >= %.1f); tutor/echo-text = %.2f",
		len(tutorRates), tutorRate, echoRate, ratio, targetRatio, tutorRate/text.UpdatesPerSec)
	if *loadStrict && ratio < targetRatio {
		t.Errorf("tutor/echo throughput %.2f, below the target of %.1f", ratio, targetRatio)
	}

	think := *loadThink
	if think <= 0 {
		think = time.Duration(n) * time.Millisecond
	}
	paced := run("paced/tutor", LoadConfig{Think: think})
	t.Logf("paced (mean think %v): tutor p99 %v (target < %v)", think, paced.P99, targetP99)
	if *loadStrict && paced.P99 >= targetP99 {
		t.Errorf("paced p99 latency %v, over the target of %v", paced.P99, targetP99)
	}
	if raceEnabled {
		return // latency under the race detector says nothing
	}
	// The same pace through the echo bot: the floor that the fake server,
	// the adapter and the simulated learners set on their own.
	floor := run("paced/echo", LoadConfig{Think: think, Echo: true})
	t.Logf("paced (mean think %v): echo p99 %v", think, floor.P99)
}

// median is the middle of xs (the mean of the middle two for an even
// count).
func median(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

var echoUpdatesPerSec float64

// BenchmarkLoad runs -load.n learners through the echo bots and the tutor
// (whole journey, no pause) and reports updates/s and handling latency;
// tutor/echo is the throughput ratio against the echo bot on the same mix
// of updates. The paced sub-benchmarks run the journey at -load.think.
func BenchmarkLoad(b *testing.B) {
	run := func(b *testing.B, cfg LoadConfig) Report {
		var rep Report
		cfg.Learners, cfg.Workers = *loadN, *loadWorkers
		for range b.N {
			rep = RunLoad(b, cfg)
			if rep.Errors > 0 || len(rep.Mismatches) > 0 {
				b.Fatal(rep)
			}
		}
		b.ReportMetric(rep.UpdatesPerSec, "updates/s")
		b.ReportMetric(float64(rep.P50.Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(rep.P99.Microseconds())/1000, "p99-ms")
		b.ReportMetric(0, "ns/op")
		return rep
	}
	b.Run("echo-text", func(b *testing.B) {
		run(b, LoadConfig{Echo: true, TextOnly: true})
	})
	b.Run("echo", func(b *testing.B) {
		echoUpdatesPerSec = run(b, LoadConfig{Echo: true}).UpdatesPerSec
	})
	b.Run("tutor", func(b *testing.B) {
		rep := run(b, LoadConfig{})
		if echoUpdatesPerSec > 0 {
			b.ReportMetric(rep.UpdatesPerSec/echoUpdatesPerSec, "tutor/echo")
		}
	})
	think := *loadThink
	if think <= 0 {
		think = time.Duration(*loadN) * time.Millisecond
	}
	b.Run("paced-echo", func(b *testing.B) { run(b, LoadConfig{Echo: true, Think: think}) })
	b.Run("paced-tutor", func(b *testing.B) { run(b, LoadConfig{Think: think}) })
}
