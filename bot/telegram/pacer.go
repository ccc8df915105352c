package telegram

import (
	"context"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// pacer keeps the Bot API's global limit as Telegram counts it: at most n
// requests arriving within any window (n = the configured rate, window one
// second). The tutor cannot see when a request arrives, only when it left
// and when its answer came back; it arrived somewhere in between. So a
// request may leave only while fewer than n earlier requests could still
// arrive within the window after it leaves: those in flight, and those
// answered less than a window ago. Then any n+1 arrivals span more than a
// window however late a busy machine or a slow network delivers each one,
// and the rate reached is n per (window + the time an answer takes), not a
// fixed fraction of the limit kept in reserve.
//
// A token bucket at the rate (burst 1) in front spreads the requests over
// the window, so a queue of announcements does not leave in one burst and
// make a reply wait for the next window.
type pacer struct {
	n      int
	window time.Duration
	smooth *rate.Limiter

	mu       sync.Mutex
	inFlight int
	answered []time.Time // answers, oldest first; those before head left the window
	head     int
	freed    chan struct{} // closed at the next release, if handed out
	handed   bool
}

// newPacer returns a pacer for perSecond requests a second. Below one a
// second, it allows one request per 1/perSecond seconds.
func newPacer(perSecond float64) *pacer {
	n := max(1, int(math.Floor(perSecond)))
	return newWindowPacer(n, time.Duration(float64(n)/perSecond*float64(time.Second)))
}

// newWindowPacer returns a pacer for n requests per window.
func newWindowPacer(n int, window time.Duration) *pacer {
	return &pacer{
		n:      n,
		window: window,
		smooth: rate.NewLimiter(rate.Limit(float64(n)/window.Seconds()), 1),
		freed:  make(chan struct{}),
	}
}

// acquire waits until a request may leave, or ctx ends. The caller must
// call release once the request's answer (or its failure) came back.
func (p *pacer) acquire(ctx context.Context) error {
	if err := p.smooth.Wait(ctx); err != nil {
		return err
	}
	for {
		wait, freed := p.try(time.Now())
		if wait == 0 {
			return nil
		}
		if err := waitFor(ctx, wait, freed); err != nil {
			return err
		}
	}
}

// waitFor waits d (forever if negative) or until freed is closed or ctx
// ends.
func waitFor(ctx context.Context, d time.Duration, freed <-chan struct{}) error {
	var timer <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timer = t.C
	}
	select {
	case <-timer:
	case <-freed:
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

// try takes a place for a request leaving at now if there is one (wait 0).
// Otherwise it returns how long until the oldest answer leaves the window
// (negative: only an answer in flight can free a place) and a channel
// closed when an answer comes back.
func (p *pacer) try(now time.Time) (time.Duration, <-chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.head < len(p.answered) && now.Sub(p.answered[p.head]) >= p.window {
		p.head++
	}
	if p.head > 0 && p.head >= len(p.answered)/2 {
		p.answered = p.answered[:copy(p.answered, p.answered[p.head:])]
		p.head = 0
	}
	recent := len(p.answered) - p.head
	if p.inFlight+recent < p.n {
		p.inFlight++
		return 0, nil
	}
	wait := time.Duration(-1)
	if recent > 0 {
		wait = max(time.Nanosecond, p.window-now.Sub(p.answered[p.head]))
	}
	p.handed = true
	return wait, p.freed
}

// release records that a request acquired earlier was answered (or
// failed): its place frees a window later.
func (p *pacer) release() {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	p.inFlight--
	p.answered = append(p.answered, now)
	p.wakeLocked()
}

// cancel gives back a place acquired for a request that was never sent.
func (p *pacer) cancel() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.inFlight--
	p.wakeLocked()
}

// wakeLocked wakes the requests waiting for an answer (see try).
func (p *pacer) wakeLocked() {
	if p.handed {
		close(p.freed)
		p.freed, p.handed = make(chan struct{}), false
	}
}
