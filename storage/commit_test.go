package storage

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// hold blocks the committer inside a write transaction until release is
// called, so that writes started meanwhile queue up for the next one.
func hold(t *testing.T, db *DB) (release func()) {
	t.Helper()
	started, rel := make(chan struct{}), make(chan struct{})
	errc := make(chan error, 1)
	var once sync.Once
	go func() {
		errc <- db.Update(context.Background(), func(tx *Tx) error {
			once.Do(func() { close(started) })
			<-rel
			return nil
		})
	}()
	<-started
	return func() {
		close(rel)
		if err := <-errc; err != nil {
			t.Errorf("holding write: %v", err)
		}
	}
}

// waitQueued waits until at least n requests wait for the committer.
func waitQueued(t *testing.T, db *DB, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		db.c.mu.Lock()
		q := len(db.c.queue)
		db.c.mu.Unlock()
		if q >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d requests queued, want %d", q, n)
		}
		time.Sleep(50 * time.Microsecond)
	}
}

func put(key string) func(tx *Tx) error {
	return func(tx *Tx) error { return tx.PutLearner(key, []byte("v:"+key)) }
}

// missing returns the keys of keys that hold no record.
func missing(t *testing.T, db *DB, keys []string) []string {
	t.Helper()
	var out []string
	if err := db.View(func(tx *Tx) error {
		for _, k := range keys {
			if string(tx.Learner(k)) != "v:"+k {
				out = append(out, k)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// startWrites runs put(keys[i]) in one goroutine each; wait returns the
// errors in key order.
func startWrites(db *DB, keys []string) (wait func() []error) {
	errs := make([]error, len(keys))
	var wg sync.WaitGroup
	for i, k := range keys {
		wg.Go(func() { errs[i] = db.Update(context.Background(), put(k)) })
	}
	return func() []error { wg.Wait(); return errs }
}

func keyList(prefix string, n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("%s%05d", prefix, i)
	}
	return keys
}

func TestConcurrentWritesSurviveReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tutor.db")
	db := open(t, path)
	const writers, each = 64, 50
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				if err := db.Update(context.Background(), put(fmt.Sprintf("w%02d-%03d", w, i))); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if txs := db.c.txs.Load(); txs >= writers*each {
		t.Errorf("%d transactions for %d concurrent writes: no batching", txs, writers*each)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = open(t, path)
	defer db.Close()
	var keys []string
	for w := range writers {
		for i := range each {
			keys = append(keys, fmt.Sprintf("w%02d-%03d", w, i))
		}
	}
	if m := missing(t, db, keys); len(m) > 0 {
		t.Fatalf("%d writes lost after reopen, e.g. %s", len(m), m[0])
	}
}

// TestWritesQueuedDuringCommitShareOne: writes arriving while a
// transaction runs all go into the next one, 1,000 at most per transaction.
func TestWritesQueuedDuringCommitShareOne(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "tutor.db"))
	defer db.Close()
	before := db.c.txs.Load()
	release := hold(t, db)
	keys := keyList("k", 1500)
	wait := startWrites(db, keys)
	waitQueued(t, db, len(keys))
	release()
	for i, err := range wait() {
		if err != nil {
			t.Errorf("%s: %v", keys[i], err)
		}
	}
	// The holding write, then 1,000, then 500.
	if n := db.c.txs.Load() - before; n != 3 {
		t.Errorf("%d transactions, want 3", n)
	}
	if m := missing(t, db, keys); len(m) > 0 {
		t.Errorf("%d writes missing, e.g. %s", len(m), m[0])
	}
}

func TestFailingFnFailsOnlyItsCaller(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "tutor.db"))
	defer db.Close()
	errBad := errors.New("bad learner")
	var badRuns atomic.Int32
	release := hold(t, db)
	keys := keyList("good", 10)
	wait := startWrites(db, keys[:5])
	waitQueued(t, db, 5)
	badErr := make(chan error, 1)
	go func() {
		badErr <- db.Update(context.Background(), func(tx *Tx) error {
			badRuns.Add(1)
			if err := tx.PutLearner("bad", []byte("x")); err != nil {
				return err
			}
			return errBad
		})
	}()
	waitQueued(t, db, 6)
	wait2 := startWrites(db, keys[5:])
	waitQueued(t, db, 11)
	release()
	if err := <-badErr; err != errBad {
		t.Errorf("failing write got %v, want its own error", err)
	}
	for i, err := range append(wait(), wait2()...) {
		if err != nil {
			t.Errorf("%s failed with another's error: %v", keys[i], err)
		}
	}
	if n := badRuns.Load(); n != 2 {
		t.Errorf("failing fn ran %d times, want 2 (shared, then alone)", n)
	}
	if m := missing(t, db, keys); len(m) > 0 {
		t.Errorf("writes lost: %v", m)
	}
	db.View(func(tx *Tx) error {
		if tx.Learner("bad") != nil {
			t.Error("write of the failing fn was committed")
		}
		return nil
	})
}

func TestPanickingFnPanicsInItsCallerOnly(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "tutor.db"))
	defer db.Close()
	release := hold(t, db)
	keys := keyList("good", 6)
	wait := startWrites(db, keys)
	waitQueued(t, db, len(keys))
	recovered := make(chan any, 1)
	go func() {
		defer func() { recovered <- recover() }()
		db.Update(context.Background(), func(tx *Tx) error { panic("boom") })
	}()
	waitQueued(t, db, len(keys)+1)
	release()
	if p := <-recovered; p != "boom" {
		t.Errorf("caller recovered %v, want its own panic", p)
	}
	for i, err := range wait() {
		if err != nil {
			t.Errorf("%s: %v", keys[i], err)
		}
	}
	if m := missing(t, db, keys); len(m) > 0 {
		t.Errorf("writes lost: %v", m)
	}
	if err := db.Update(context.Background(), put("after")); err != nil {
		t.Errorf("write after the panic: %v", err)
	}
}

func TestCancelledContext(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "tutor.db"))
	defer db.Close()
	var runs atomic.Int32
	counted := func(tx *Tx) error { runs.Add(1); return tx.PutLearner("cancelled", []byte("x")) }

	t.Run("before", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := db.Update(ctx, counted); !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	})
	t.Run("while queued", func(t *testing.T) {
		release := hold(t, db)
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() { errc <- db.Update(ctx, counted) }()
		waitQueued(t, db, 1)
		cancel()
		// Returns while the committer is still busy.
		select {
		case err := <-errc:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("err = %v, want context.Canceled", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Update waits for the committer although its ctx is done")
		}
		release()
		if err := db.Update(context.Background(), put("next")); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("noticed by the committer", func(t *testing.T) {
		release := hold(t, db)
		ctx := &quietCtx{Context: context.Background()}
		errc := make(chan error, 1)
		go func() { errc <- db.Update(ctx, counted) }()
		waitQueued(t, db, 1)
		ctx.cancelled.Store(true)
		release()
		if err := <-errc; !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	})
	if n := runs.Load(); n != 0 {
		t.Errorf("cancelled fn ran %d times", n)
	}
	db.View(func(tx *Tx) error {
		if tx.Learner("cancelled") != nil {
			t.Error("cancelled write stored")
		}
		return nil
	})

	t.Run("in transaction", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		started, rel := make(chan struct{}), make(chan struct{})
		var once sync.Once
		errc := make(chan error, 1)
		go func() {
			errc <- db.Update(ctx, func(tx *Tx) error {
				once.Do(func() { close(started) })
				<-rel
				return tx.PutLearner("kept", []byte("v:kept"))
			})
		}()
		<-started
		cancel()
		close(rel)
		if err := <-errc; err != nil {
			t.Errorf("write cancelled inside its transaction got %v, want nil", err)
		}
		if m := missing(t, db, []string{"kept"}); len(m) > 0 {
			t.Error("write cancelled inside its transaction was abandoned")
		}
	})
}

// quietCtx reports cancellation from Err but never closes Done: the caller
// does not notice, as for an instant while a context is being cancelled,
// so the committer must.
type quietCtx struct {
	context.Context
	cancelled atomic.Bool
}

func (c *quietCtx) Err() error {
	if c.cancelled.Load() {
		return context.Canceled
	}
	return nil
}

func TestCloseWithWritesInFlight(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tutor.db")
	baseline := runtime.NumGoroutine()
	db := open(t, path)
	c := db.c
	release := hold(t, db)
	keys := keyList("k", 50)
	wait := startWrites(db, keys)
	waitQueued(t, db, len(keys))

	closed := make(chan error, 1)
	go func() { closed <- db.Close() }()
	for {
		c.mu.Lock()
		started := c.closed
		c.mu.Unlock()
		if started {
			break
		}
		time.Sleep(50 * time.Microsecond)
	}
	if err := db.Update(context.Background(), put("late")); !errors.Is(err, ErrClosed) {
		t.Errorf("write after Close got %v, want ErrClosed", err)
	}
	select {
	case <-closed:
		t.Fatal("Close returned with writes in flight")
	default:
	}
	release()
	for i, err := range wait() {
		if err != nil {
			t.Errorf("%s: %v", keys[i], err)
		}
	}
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close hangs")
	}
	select {
	case <-c.exited:
	default:
		t.Error("committer still running after Close")
	}

	db = open(t, path)
	if m := missing(t, db, keys); len(m) > 0 {
		t.Errorf("acknowledged writes lost: %v", m)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); runtime.NumGoroutine() > baseline; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines, %d before Open:\n%s", runtime.NumGoroutine(), baseline, buf[:runtime.Stack(buf, true)])
		}
	}
}

// TestCloseRacingWrites closes while writes are starting: each gets nil
// and is stored, or ErrClosed; none hangs.
func TestCloseRacingWrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tutor.db")
	for round := range 500 {
		db, err := Open(path, Options{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		keys := keyList(fmt.Sprintf("r%03d-", round), 8)
		wait := startWrites(db, keys)
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		done := make(chan []error, 1)
		go func() { done <- wait() }()
		var errs []error
		select {
		case errs = <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("round %d: a write hangs after Close", round)
		}
		db = open(t, path)
		var stored []string
		for i, err := range errs {
			switch {
			case err == nil:
				stored = append(stored, keys[i])
			case !errors.Is(err, ErrClosed):
				t.Errorf("round %d: %s: %v", round, keys[i], err)
			}
		}
		if m := missing(t, db, stored); len(m) > 0 {
			t.Errorf("round %d: acknowledged writes lost: %v", round, m)
		}
		db.Close()
	}
}

// TestCommitFailureReachesEveryCaller: a commit that fails (the file may
// not grow past MaxSize) fails every write of its batch.
func TestCommitFailureReachesEveryCaller(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "tutor.db"))
	defer db.Close()
	db.bolt.MaxSize = 256 << 10 // published to the committer by the queue's mutex
	release := hold(t, db)
	small := startWrites(db, []string{"small"})
	waitQueued(t, db, 1)
	bigErr := make(chan error, 1)
	go func() {
		bigErr <- db.Update(context.Background(), func(tx *Tx) error { return tx.PutLearner("big", make([]byte, 1<<20)) })
	}()
	waitQueued(t, db, 2)
	release()
	for _, err := range []error{small()[0], <-bigErr} {
		if !errors.Is(err, berrors.ErrMaxSizeReached) || !strings.Contains(err.Error(), "commit 2 writes to") {
			t.Errorf("err = %v, want the wrapped commit error", err)
		}
	}
	if m := missing(t, db, []string{"small"}); len(m) == 0 {
		t.Error("write of a failed commit is stored")
	}
	if err := db.Update(context.Background(), put("small")); err != nil {
		t.Errorf("write after a failed commit: %v", err)
	}
}

func TestReadOnlyHasNoCommitter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tutor.db")
	if err := open(t, path).Close(); err != nil {
		t.Fatal(err)
	}
	db, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if db.c != nil {
		t.Error("read-only database started a committer")
	}
	if err := db.Update(context.Background(), put("x")); !errors.Is(err, berrors.ErrDatabaseReadOnly) {
		t.Errorf("err = %v, want ErrDatabaseReadOnly", err)
	}
}

// batchUpdate is the previous write path, bbolt's Batch with a 2 ms
// window, kept for comparison in BenchmarkUpdate.
func batchUpdate(db *DB) func(context.Context, func(*Tx) error) error {
	db.bolt.MaxBatchDelay = 2 * time.Millisecond
	return func(ctx context.Context, fn func(*Tx) error) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return db.bolt.Batch(func(btx *bolt.Tx) error { return fn(&Tx{tx: btx}) })
	}
}

// BenchmarkUpdate compares bbolt's Batch with a 2 ms window against group
// commit, one writer at a time and with 64 writers (on this machine's
// GOMAXPROCS), with fsync. One op is one 200-byte learner write.
func BenchmarkUpdate(b *testing.B) {
	variants := []struct {
		name   string
		update func(*DB) func(context.Context, func(*Tx) error) error
	}{
		{"batch-2ms", batchUpdate},
		{"group", func(db *DB) func(context.Context, func(*Tx) error) error { return db.Update }},
	}
	rec := make([]byte, 200)
	ctx := context.Background()
	for _, v := range variants {
		b.Run(v.name, func(b *testing.B) {
			b.Run("serial", func(b *testing.B) {
				db := openBench(b)
				update := v.update(db)
				lat := make([]time.Duration, 0, b.N)
				b.ResetTimer()
				for i := range b.N {
					start := time.Now()
					if err := update(ctx, func(tx *Tx) error { return tx.PutLearner(fmt.Sprint(i), rec) }); err != nil {
						b.Fatal(err)
					}
					lat = append(lat, time.Since(start))
				}
				b.StopTimer()
				report(b, db, lat)
			})
			b.Run("parallel-64", func(b *testing.B) {
				db := openBench(b)
				update := v.update(db)
				var (
					next atomic.Int64
					mu   sync.Mutex
					all  []time.Duration
				)
				b.SetParallelism(max(1, 64/runtime.GOMAXPROCS(0)))
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					var lat []time.Duration
					for pb.Next() {
						key := fmt.Sprint(next.Add(1))
						start := time.Now()
						if err := update(ctx, func(tx *Tx) error { return tx.PutLearner(key, rec) }); err != nil {
							b.Error(err)
							return
						}
						lat = append(lat, time.Since(start))
					}
					mu.Lock()
					all = append(all, lat...)
					mu.Unlock()
				})
				b.StopTimer()
				report(b, db, all)
			})
		})
	}
}

func openBench(b *testing.B) *DB {
	db, err := Open(filepath.Join(b.TempDir(), "bench.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// report adds the p50 and p99 latency per write and, for group commit, the
// writes per transaction.
func report(b *testing.B, db *DB, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2])/1e3, "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100])/1e3, "p99-µs")
	if txs := db.c.txs.Load(); txs > 0 {
		b.ReportMetric(float64(len(lat))/float64(txs), "writes/tx")
	}
}

// TestUpdateLaterRidesAlong: a lazy write waits for the next ordinary
// write and shares its transaction; Flush commits it at once; alone it
// commits after its delay.
func TestUpdateLaterRidesAlong(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "tutor.db"))
	defer db.Close()
	before := db.c.txs.Load()
	lazy := make(chan error, 1)
	go func() { lazy <- db.UpdateLater(context.Background(), time.Hour, put("lazy")) }()
	waitQueued(t, db, 1)
	select {
	case err := <-lazy:
		t.Fatalf("lazy write committed on its own at once (err %v)", err)
	case <-time.After(50 * time.Millisecond):
	}
	if err := db.Update(context.Background(), put("eager")); err != nil {
		t.Fatal(err)
	}
	if err := <-lazy; err != nil {
		t.Fatal(err)
	}
	if n := db.c.txs.Load() - before; n != 1 {
		t.Errorf("%d transactions for a lazy and an ordinary write, want 1", n)
	}

	go func() { lazy <- db.UpdateLater(context.Background(), time.Hour, put("flushed")) }()
	waitQueued(t, db, 1)
	db.Flush()
	if err := <-lazy; err != nil {
		t.Fatal(err)
	}

	go func() { lazy <- db.UpdateLater(context.Background(), 10*time.Millisecond, put("alone")) }()
	select {
	case err := <-lazy:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a lazy write alone never committed")
	}
	if m := missing(t, db, []string{"lazy", "eager", "flushed", "alone"}); len(m) > 0 {
		t.Errorf("writes missing: %v", m)
	}

	// A Flush just before the lazy write comes still commits it at once
	// (the outbox flushes a delete another goroutine is about to queue).
	db.Flush()
	go func() { lazy <- db.UpdateLater(context.Background(), time.Hour, put("flushed before")) }()
	select {
	case err := <-lazy:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a lazy write right after Flush waited for its timer")
	}

	// Close does not wait for a lazy write's timer.
	go func() { lazy <- db.UpdateLater(context.Background(), time.Hour, put("at close")) }()
	waitQueued(t, db, 1)
	closed := make(chan error, 1)
	go func() { closed <- db.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close waited for a lazy write's timer")
	}
	if err := <-lazy; err != nil {
		t.Errorf("lazy write at close: %v", err)
	}
}
