package telegram

import (
	"context"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestPacerPlaces checks the bookkeeping on a made-up clock: a place is
// held from acquire to the answer and for a window after it; a request
// never sent gives its place back at once.
func TestPacerPlaces(t *testing.T) {
	p := newWindowPacer(2, time.Second)
	t0 := time.Now()
	if w, _ := p.try(t0); w != 0 {
		t.Fatalf("first request waits %v", w)
	}
	if w, _ := p.try(t0); w != 0 {
		t.Fatalf("second request waits %v", w)
	}
	w, freed := p.try(t0)
	if w >= 0 {
		t.Fatalf("third request with two in flight: wait %v, want until an answer comes", w)
	}
	p.cancel() // the second was never sent
	select {
	case <-freed:
	default:
		t.Fatal("cancel did not wake the waiter")
	}
	if w, _ := p.try(t0); w != 0 {
		t.Fatalf("after a cancel the place is not free: wait %v", w)
	}
	p.release()
	answered := p.answered[len(p.answered)-1]
	// Two places: one in flight, one answered a moment ago.
	w, _ = p.try(answered.Add(300 * time.Millisecond))
	if w < 650*time.Millisecond || w > 700*time.Millisecond {
		t.Fatalf("wait %v after an answer 300 ms ago, want the rest of the window (700 ms)", w)
	}
	if w, _ := p.try(answered.Add(time.Second)); w != 0 {
		t.Fatalf("a window after the answer the place is not free: wait %v", w)
	}
}

// TestPacerNeverOverLimit sends from many goroutines through a pacer of n
// a window, each request arriving at a random moment between leaving and
// its answer (a busy machine, a slow network), and counts the arrivals in
// every window as the Bot API would: never more than n. It also checks the
// pacer does not give away much of the rate to do so.
func TestPacerNeverOverLimit(t *testing.T) {
	const (
		n       = 10
		window  = 50 * time.Millisecond
		senders = 12
		each    = 20
	)
	p := newWindowPacer(n, window)
	var (
		mu       sync.Mutex
		arrivals []time.Time
		wg       sync.WaitGroup
	)
	start := time.Now()
	for s := range senders {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(s), 7))
			for range each {
				if err := p.acquire(context.Background()); err != nil {
					t.Error(err)
					return
				}
				// The request travels 0–10 ms, the answer 0–10 ms back.
				time.Sleep(time.Duration(rng.Int64N(int64(10 * time.Millisecond))))
				mu.Lock()
				arrivals = append(arrivals, time.Now())
				mu.Unlock()
				time.Sleep(time.Duration(rng.Int64N(int64(10 * time.Millisecond))))
				p.release()
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.SortFunc(arrivals, func(a, b time.Time) int { return a.Compare(b) })
	for i := n; i < len(arrivals); i++ {
		if d := arrivals[i].Sub(arrivals[i-n]); d < window {
			t.Fatalf("arrivals %d..%d within %v: %d requests in less than a window of %v", i-n, i, d, n+1, window)
		}
	}
	// 240 requests at 10 per 50 ms need at least 23 windows (1.15 s); the
	// answers' 0–20 ms add up to 40% more. Three times the ideal (room
	// for a busy machine) means the pacer holds places it need not.
	ideal := time.Duration(senders*each/n-1) * window
	if elapsed < ideal {
		t.Fatalf("%d requests in %v, faster than the limit allows (%v)", senders*each, elapsed, ideal)
	}
	if elapsed > 3*ideal {
		t.Errorf("%d requests took %v, more than three times the %v the limit needs", senders*each, elapsed, ideal)
	}
}

// TestPacerCancelled checks that a waiter leaves when its context ends and
// takes no place.
func TestPacerCancelled(t *testing.T) {
	p := newWindowPacer(1, time.Hour)
	if err := p.acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := p.acquire(ctx); err == nil {
		t.Fatal("a second request got a place of a pacer of one in flight")
	}
	if p.inFlight != 1 {
		t.Fatalf("%d in flight after a cancelled wait, want 1", p.inFlight)
	}
}
