package remind

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/robfig/cron/v3"

	"tutorbot/storage"
)

// benchNow is "now" in the benchmarks.
var benchNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// fillDue builds a due index of n entries, the first 1,000 due at benchNow,
// the rest later, in large NoSync transactions.
func fillDue(b *testing.B, n int) *storage.DB {
	b.Helper()
	db, err := storage.Open(filepath.Join(b.TempDir(), "due.db"), storage.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	const chunk = 100_000
	for start := 0; start < n; start += chunk {
		err := db.Update(context.Background(), func(tx *storage.Tx) error {
			for i := start; i < min(start+chunk, n); i++ {
				at := benchNow.Add(-time.Duration(1000-i) * time.Second) // i < 1000: due
				if i >= 1000 {
					at = benchNow.Add(time.Hour + time.Duration(i)*time.Second)
				}
				if err := tx.AddDue(at, "telegram:"+strconv.Itoa(100_000_000+i)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return db
}

// BenchmarkDueCollect: collecting the 1,000 due reminders costs about the
// same with 1,000 or 1,000,000 in the index (the read stops at the first
// entry not due). The "ratio" sub-benchmark alternates the two collects and
// reports the median of the per-pair ratios, which a noisy machine disturbs
// less than two separate figures.
func BenchmarkDueCollect(b *testing.B) {
	dbs := map[int]*storage.DB{}
	for _, n := range []int{1_000, 1_000_000} {
		dbs[n] = fillDue(b, n)
	}
	debug.FreeOSMemory()
	for _, n := range []int{1_000, 1_000_000} {
		db := dbs[n]
		b.Run(fmt.Sprintf("index=%d", n), func(b *testing.B) {
			for b.Loop() {
				collectDue(b, db)
			}
			reportMemory(b)
			if fi, err := os.Stat(db.Path()); err == nil {
				b.ReportMetric(float64(fi.Size())/(1<<20), "MB-file")
			}
		})
	}
	b.Run("ratio", func(b *testing.B) {
		var ratios []float64
		for b.Loop() {
			for range 200 {
				t0 := time.Now()
				collectDue(b, dbs[1_000])
				t1 := time.Now()
				collectDue(b, dbs[1_000_000])
				ratios = append(ratios, float64(time.Since(t1))/float64(t1.Sub(t0)))
			}
		}
		slices.Sort(ratios)
		b.ReportMetric(ratios[len(ratios)/2], "ratio-1M/1k")
	})
}

// collectDue reads the 1,000 due entries as the dispatcher does.
func collectDue(b *testing.B, db *storage.DB) {
	var due []storage.Due
	if err := db.View(func(tx *storage.Tx) error {
		due = tx.DueBefore(benchNow, DefaultBatch)
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	if len(due) != 1000 {
		b.Fatalf("collected %d due entries, want 1000", len(due))
	}
}

// BenchmarkLoad100k compares holding 100,000 learners' schedules as
// robfig/cron entries with putting them into the due index: time to load
// and memory. "cron" adds to a Cron that is not running (linear); "cron-
// running" adds to a started Cron, which re-sorts all entries at every add
// (quadratic: compare 10k with 20k); "due-index" parses each schedule,
// computes its next slot and commits settings and due entry, 10,000 per
// transaction, with fsync.
func BenchmarkLoad100k(b *testing.B) {
	const n = 100_000
	specs := make([]string, n)
	for i := range specs {
		specs[i] = fmt.Sprintf("%d %d * * %d", i%60, (i/60)%24, i%7)
	}
	job := func() {}

	b.Run("cron/100k", func(b *testing.B) {
		var c *cron.Cron
		for b.Loop() {
			base := heapInUse()
			c = cron.New()
			for _, spec := range specs {
				if _, err := c.AddFunc(spec, job); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(heapInUse()-base)/(1<<20), "MB-heap")
		}
		if len(c.Entries()) != n {
			b.Fatalf("%d entries", len(c.Entries()))
		}
	})
	for _, m := range []int{10_000, 20_000} {
		b.Run(fmt.Sprintf("cron-running/%dk", m/1000), func(b *testing.B) {
			for b.Loop() {
				c := cron.New()
				c.Start()
				for _, spec := range specs[:m] {
					if _, err := c.AddFunc(spec, job); err != nil {
						b.Fatal(err)
					}
				}
				if got := len(c.Entries()); got != m { // waits for the run loop
					b.Fatalf("%d entries", got)
				}
				<-c.Stop().Done()
			}
		})
	}
	b.Run("due-index/100k", func(b *testing.B) {
		var path string
		for b.Loop() {
			path = filepath.Join(b.TempDir(), "load.db")
			db, err := storage.Open(path, storage.Options{})
			if err != nil {
				b.Fatal(err)
			}
			base := heapInUse()
			const chunk = 10_000
			for start := 0; start < n; start += chunk {
				err := db.Update(context.Background(), func(tx *storage.Tx) error {
					for i := start; i < start+chunk; i++ {
						s := Settings{Spec: specs[i], TZ: "Europe/Berlin", Platform: "telegram", UserID: strconv.Itoa(i), ChatID: strconv.Itoa(i)}
						next, err := NextSlot(s, benchNow)
						if err != nil {
							return err
						}
						s.Next, s.Slot = next, next
						key := "telegram:" + strconv.Itoa(i)
						if err := put(tx, key, Settings{}, s); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(heapInUse()-base)/(1<<20), "MB-heap")
			var count int
			_ = db.View(func(tx *storage.Tx) error { count = tx.CountDue(); return nil })
			if count != n {
				b.Fatalf("%d due entries", count)
			}
			if err := db.Close(); err != nil {
				b.Fatal(err)
			}
			// What a restart costs with the index: open and one collect.
			t0 := time.Now()
			db, err = storage.Open(path, storage.Options{})
			if err != nil {
				b.Fatal(err)
			}
			_ = db.View(func(tx *storage.Tx) error { tx.DueBefore(benchNow.Add(time.Hour), DefaultBatch); return nil })
			b.ReportMetric(float64(time.Since(t0).Microseconds())/1000, "ms-restart")
			if err := db.Close(); err != nil {
				b.Fatal(err)
			}
		}
		if fi, err := os.Stat(path); err == nil {
			b.ReportMetric(float64(fi.Size())/(1<<20), "MB-file")
		}
	})
}

// heapInUse returns the live heap after a collection.
func heapInUse() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

// reportMemory reports the live heap and the resident set (Linux).
func reportMemory(b *testing.B) {
	b.ReportMetric(float64(heapInUse())/(1<<20), "MB-heap")
	if rss, ok := procStatus("VmRSS"); ok {
		b.ReportMetric(float64(rss)/1024, "MB-rss")
	}
	if hwm, ok := procStatus("VmHWM"); ok {
		b.ReportMetric(float64(hwm)/1024, "MB-rss-peak")
	}
}

// procStatus reads a kB field of /proc/self/status.
func procStatus(field string) (int64, bool) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != field {
			continue
		}
		v, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		return v, err == nil
	}
	return 0, false
}
