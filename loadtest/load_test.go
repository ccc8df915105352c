package loadtest

import (
	"flag"
	"testing"
	"time"
)

var (
	loadN       = flag.Int("load.n", 100, "simulated learners in TestLoad and BenchmarkLoad (the full size is 1000)")
	loadThink   = flag.Duration("load.think", 0, "mean pause of each learner before an action in TestLoad's paced run (default: learners × 1 ms, an offered load of about 1,000 updates/s)")
	loadWorkers = flag.Int("load.workers", 0, "adapter workers (default LoadConfig's 64)")
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
// journey again at a human pace to measure the latency learners feel.
func TestLoad(t *testing.T) {
	n := *loadN
	tutor := RunLoad(t, LoadConfig{Learners: n, Workers: *loadWorkers})
	t.Log(tutor)
	if tutor.Errors > 0 || tutor.Finished != tutor.Learners {
		t.Errorf("%d errors, %d of %d learners finished", tutor.Errors, tutor.Finished, tutor.Learners)
	}
	if len(tutor.Mismatches) > 0 || tutor.Checked != tutor.Learners {
		t.Errorf("stored state: %d mismatches, %d of %d learners checked", len(tutor.Mismatches), tutor.Checked, tutor.Learners)
	}
	for _, cfg := range []LoadConfig{{Echo: true}, {Echo: true, Buttons: true}} {
		cfg.Learners, cfg.Workers = n, *loadWorkers
		echo := RunLoad(t, cfg)
		t.Log(echo)
		if echo.Errors > 0 || echo.Finished != echo.Learners {
			t.Errorf("%s: %d errors, %d of %d learners finished", echo.Name, echo.Errors, echo.Finished, echo.Learners)
		}
		ratio := tutor.UpdatesPerSec / echo.UpdatesPerSec
		t.Logf("saturated throughput tutor/%s = %.2f (target >= %.1f against the echo bot)", echo.Name, ratio, targetRatio)
		if *loadStrict && !cfg.Buttons && ratio < targetRatio {
			t.Errorf("tutor/echo throughput %.2f, below the target of %.1f", ratio, targetRatio)
		}
	}

	think := *loadThink
	if think <= 0 {
		think = time.Duration(n) * time.Millisecond
	}
	paced := RunLoad(t, LoadConfig{Learners: n, Workers: *loadWorkers, Think: think})
	t.Logf("paced (mean think %v): %v", think, paced)
	if paced.Errors > 0 || len(paced.Mismatches) > 0 {
		t.Errorf("paced run: %d errors, %d mismatches", paced.Errors, len(paced.Mismatches))
	}
	if *loadStrict && paced.P99 >= targetP99 {
		t.Errorf("paced p99 latency %v, over the target of %v", paced.P99, targetP99)
	}
	if raceEnabled {
		return // latency under the race detector says nothing
	}
	// The same pace through the echo bot: the floor that the fake server,
	// the adapter and the simulated learners set on their own.
	floor := RunLoad(t, LoadConfig{Learners: n, Workers: *loadWorkers, Think: think, Echo: true, Buttons: true})
	t.Logf("paced (mean think %v): %v", think, floor)
	if floor.Errors > 0 {
		t.Errorf("paced echo run: %d errors", floor.Errors)
	}
}

var echoUpdatesPerSec float64

// BenchmarkLoad runs -load.n learners through the echo bot and the tutor
// (whole journey, no pause) and reports updates/s and handling latency;
// tutor/echo is the throughput ratio against the text echo bot.
func BenchmarkLoad(b *testing.B) {
	run := func(b *testing.B, cfg LoadConfig) Report {
		var rep Report
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
	b.Run("echo", func(b *testing.B) {
		echoUpdatesPerSec = run(b, LoadConfig{Learners: *loadN, Echo: true, Workers: *loadWorkers}).UpdatesPerSec
	})
	b.Run("echo-buttons", func(b *testing.B) {
		run(b, LoadConfig{Learners: *loadN, Echo: true, Buttons: true, Workers: *loadWorkers})
	})
	b.Run("tutor", func(b *testing.B) {
		rep := run(b, LoadConfig{Learners: *loadN, Workers: *loadWorkers})
		if echoUpdatesPerSec > 0 {
			b.ReportMetric(rep.UpdatesPerSec/echoUpdatesPerSec, "tutor/echo")
		}
	})
}
