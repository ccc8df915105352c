package remind

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"tutorbot/storage"
)

// ErrSkip is returned (possibly wrapped) by a Deliver func when the reminder
// must not be retried, e.g. the learner blocked the bot: the slot counts as
// done and the schedule moves on.
var ErrSkip = errors.New("reminder skipped")

// Dispatcher defaults.
const (
	DefaultTick           = time.Second
	DefaultBatch          = 1000
	DefaultWorkers        = 8
	DefaultGrace          = 24 * time.Hour
	DefaultDeliverTimeout = time.Minute
	DefaultRetryMin       = time.Minute
	DefaultRetryMax       = time.Hour
)

// Dispatcher delivers due reminders. For each due entry it re-reads the
// settings, drops stale entries, skips slots later than Grace, calls Deliver,
// and only then commits the next slot: a crash between the two sends one
// reminder twice, never loses one; a graceful stop finishes the deliveries
// in flight and their commits, so a restart repeats nothing.
//
// Run and RunOnce must not be called concurrently on one Dispatcher (they
// serialise on a mutex).
type Dispatcher struct {
	// Service gives the database, the clock and the logger.
	Service *Service
	// Deliver sends one reminder (it does the platform's rate limiting).
	// slot is the due time (Settings.Next). nil, or an error for which
	// IsPermanent holds, moves the schedule on; any other error keeps the
	// reminder for a retry after a backoff.
	Deliver func(ctx context.Context, key string, s Settings, slot time.Time) error
	// IsPermanent reports errors that must not be retried (the learner is
	// unreachable, say). errors.Is(err, ErrSkip) always counts. Optional.
	IsPermanent func(error) bool
	// DeliverCourse sends the learner's course messages due at at (see
	// ScheduleCourseIn) and returns when to look again (zero: no more).
	// Optional: without it, course entries are dropped.
	DeliverCourse func(ctx context.Context, key string, s Settings, at time.Time) (next time.Time, err error)
	// Tick is the pause between looks at the due index (default 1 s).
	Tick time.Duration
	// After waits (default time.After); tests pass a fake clock's.
	After func(d time.Duration) <-chan time.Time
	// Batch is the most due entries read per look (default 1000).
	Batch int
	// Workers bounds concurrent deliveries (default 8); one learner never
	// has two at once.
	Workers int
	// Grace is how late a slot may be and still be sent (default 24 h); a
	// later one (the bot was down) is skipped to its next slot.
	Grace time.Duration
	// DeliverTimeout bounds one Deliver call (default 1 min).
	DeliverTimeout time.Duration
	// RetryMin and RetryMax bound the backoff after failed deliveries
	// (defaults 1 min and 1 h; doubling per attempt).
	RetryMin, RetryMax time.Duration

	mu    sync.Mutex
	stats counters
}

// Stats are the dispatcher's counters since it was made.
type Stats struct {
	// DueSeen counts due entries read from the index.
	DueSeen int64
	// Sent counts successful deliveries.
	Sent int64
	// SkippedLate counts slots skipped by the grace rule.
	SkippedLate int64
	// Skipped counts slots given up because Deliver returned a permanent
	// error (ErrSkip or IsPermanent).
	Skipped int64
	// Failed counts failed deliveries that will be retried.
	Failed int64
	// Stale counts due entries dropped because their settings changed.
	Stale int64
	// Deferred counts reminders held back because the learner's last one
	// was less than the minimum gap ago.
	Deferred int64
	// Errors counts storage errors (logged).
	Errors int64
	// CourseLooks counts course entries handled (DeliverCourse succeeded).
	CourseLooks int64
}

type counters struct {
	dueSeen, sent, skippedLate, skipped, failed, stale, deferred, errors, courseLooks atomic.Int64
}

// Stats returns a snapshot of the counters, for metrics.
func (d *Dispatcher) Stats() Stats {
	c := &d.stats
	return Stats{
		DueSeen: c.dueSeen.Load(), Sent: c.sent.Load(), SkippedLate: c.skippedLate.Load(),
		Skipped: c.skipped.Load(), Failed: c.failed.Load(), Stale: c.stale.Load(), Deferred: c.deferred.Load(), Errors: c.errors.Load(), CourseLooks: c.courseLooks.Load(),
	}
}

func orDefault[T int | time.Duration](v, def T) T {
	if v > 0 {
		return v
	}
	return def
}

// Run delivers due reminders until ctx ends, then finishes the deliveries
// in flight and returns nil.
func (d *Dispatcher) Run(ctx context.Context) error {
	if d.Service == nil || d.Service.DB == nil || d.Deliver == nil {
		return errors.New("run reminder dispatcher: Service, Service.DB and Deliver are required")
	}
	after := d.After
	if after == nil {
		after = time.After
	}
	tick := orDefault(d.Tick, DefaultTick)
	for {
		n, progress, _ := d.runOnce(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if n >= orDefault(d.Batch, DefaultBatch) && progress {
			continue // more may be due right now
		}
		select {
		case <-ctx.Done():
			return nil
		case <-after(tick):
		}
	}
}

// RunOnce delivers what is due now (at most Batch entries) and returns how
// many reminders were sent. It waits for its deliveries to finish.
func (d *Dispatcher) RunOnce(ctx context.Context) (sent int, err error) {
	if d.Service == nil || d.Service.DB == nil || d.Deliver == nil {
		return 0, errors.New("run reminder dispatcher: Service, Service.DB and Deliver are required")
	}
	before := d.stats.sent.Load()
	_, _, err = d.runOnce(ctx)
	return int(d.stats.sent.Load() - before), err
}

// runOnce returns how many due entries it read and whether any of them was
// settled (sent, skipped, rescheduled or dropped).
func (d *Dispatcher) runOnce(ctx context.Context) (int, bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return 0, false, err
	}
	svc := d.Service
	now := svc.now()
	var due []storage.Due
	if err := svc.DB.View(func(tx *storage.Tx) error {
		due = tx.DueBefore(now, orDefault(d.Batch, DefaultBatch))
		return nil
	}); err != nil {
		d.stats.errors.Add(1)
		svc.log().Error("read due reminders", "err", err)
		return 0, false, err
	}
	d.stats.dueSeen.Add(int64(len(due)))
	// One goroutine per learner, so a learner never has two deliveries at
	// once, even with a stale second entry.
	var keys []string
	byKey := make(map[string][]time.Time, len(due))
	for _, e := range due {
		if _, seen := byKey[e.Key]; !seen {
			keys = append(keys, e.Key)
		}
		byKey[e.Key] = append(byKey[e.Key], e.At)
	}
	var (
		wg       sync.WaitGroup
		progress atomic.Bool
		sem      = make(chan struct{}, orDefault(d.Workers, DefaultWorkers))
	)
loop:
	for _, key := range keys {
		select {
		case <-ctx.Done():
			break loop
		case sem <- struct{}{}:
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			for _, at := range byKey[key] {
				if ctx.Err() != nil {
					return
				}
				if d.process(ctx, key, at) {
					progress.Store(true)
				}
			}
		}()
	}
	wg.Wait()
	return len(due), progress.Load(), nil
}

type outcome int

const (
	delivered outcome = iota
	skippedLate
	skippedPermanent
)

// process handles one due entry and reports whether it was settled.
func (d *Dispatcher) process(ctx context.Context, key string, at time.Time) bool {
	svc := d.Service
	log := svc.log().With("key", key, "slot", at)
	set, ok, err := svc.Get(key)
	if err == nil && ok && !set.Course.IsZero() && set.Course.Equal(at) {
		return d.processCourse(ctx, key, set, at)
	}
	if err != nil || !ok || !set.Active() || !set.Next.Equal(at) {
		if err != nil {
			log.Error("unreadable reminder settings; dropping the due entry", "err", err)
		}
		if err := d.dropStale(ctx, key, at); err != nil {
			d.stats.errors.Add(1)
			log.Error("drop stale due entry", "err", err)
			return false
		}
		d.stats.stale.Add(1)
		return true
	}
	now := svc.now()
	slot := set.Slot
	if slot.IsZero() {
		slot = at
	}
	if now.Sub(slot) > orDefault(d.Grace, DefaultGrace) {
		if err := d.advance(ctx, key, at, now, skippedLate); err != nil {
			d.stats.errors.Add(1)
			log.Error("skip late reminder", "err", err)
			return false
		}
		d.stats.skippedLate.Add(1)
		log.Info("reminder too late; skipped to its next slot", "late", now.Sub(slot))
		return true
	}
	if gapOver := svc.gapOver(set); now.Before(gapOver) {
		// Whatever moved this reminder close to the last one (a new
		// schedule, a zone change, DST, a snooze), it waits for the gap.
		if err := d.deferTo(ctx, key, at, gapOver); err != nil {
			d.stats.errors.Add(1)
			log.Error("defer reminder to the end of the gap", "err", err)
			return false
		}
		d.stats.deferred.Add(1)
		return true
	}
	if ctx.Err() != nil {
		return false // stopping: do not start a delivery
	}
	// From here on the delivery and its commit run to the end even if ctx
	// is cancelled: a graceful stop must not leave a sent, uncommitted slot.
	keep := context.WithoutCancel(ctx)
	dctx, cancel := context.WithTimeout(keep, orDefault(d.DeliverTimeout, DefaultDeliverTimeout))
	derr := d.Deliver(dctx, key, set, at)
	cancel()
	now = svc.now()
	switch {
	case derr == nil:
		if err := d.advance(keep, key, at, now, delivered); err != nil {
			// Sent but not committed: it will be sent again (at most once
			// more per failure of the store).
			d.stats.errors.Add(1)
			log.Error("commit delivered reminder", "err", err)
		}
		d.stats.sent.Add(1)
		return true
	case errors.Is(derr, ErrSkip) || (d.IsPermanent != nil && d.IsPermanent(derr)):
		if err := d.advance(keep, key, at, now, skippedPermanent); err != nil {
			d.stats.errors.Add(1)
			log.Error("commit skipped reminder", "err", err)
			return false
		}
		d.stats.skipped.Add(1)
		log.Info("reminder not deliverable; slot skipped", "err", derr)
		return true
	default:
		d.stats.failed.Add(1)
		retryAt, err := d.retry(keep, key, at, now)
		if err != nil {
			d.stats.errors.Add(1)
			log.Error("reschedule failed reminder", "err", err, "deliver_err", derr)
			return false
		}
		log.Warn("reminder delivery failed; will retry", "err", derr, "retry_at", retryAt)
		return true
	}
}

// dropStale removes the due entry of key at at unless it became current.
func (d *Dispatcher) dropStale(ctx context.Context, key string, at time.Time) error {
	return d.Service.DB.Update(ctx, func(tx *storage.Tx) error {
		set, ok, err := get(tx, key)
		if err == nil && ok && (set.Active() && set.Next.Equal(at) || set.Course.Equal(at)) {
			return nil
		}
		return tx.RemoveDue(at, key)
	})
}

// deferTo moves the due entry of key at at to the instant t (out of quiet
// hours), keeping its slot, unless the settings moved on meanwhile.
func (d *Dispatcher) deferTo(ctx context.Context, key string, at, t time.Time) error {
	return d.Service.DB.Update(ctx, func(tx *storage.Tx) error {
		old, ok, err := get(tx, key)
		if err != nil {
			return err
		}
		if !ok || !old.Active() || !old.Next.Equal(at) {
			return nil
		}
		set := old
		if set.Slot.IsZero() {
			set.Slot = at
		}
		if set.Next, err = quietInstant(set, t); err != nil {
			return err
		}
		return put(tx, key, old, set)
	})
}

// advance settles the slot at of key and stores its next slot after now.
// It does nothing if the settings moved on meanwhile (the learner changed
// them during the delivery).
func (d *Dispatcher) advance(ctx context.Context, key string, at, now time.Time, how outcome) error {
	after := now
	if at.After(after) {
		after = at
	}
	return d.Service.DB.Update(ctx, func(tx *storage.Tx) error {
		old, ok, err := get(tx, key)
		if err != nil {
			return err
		}
		if !ok || !old.Active() || !old.Next.Equal(at) {
			return nil
		}
		set := old
		set.Snoozed, set.Attempts = false, 0
		if how == delivered {
			set.LastSent = now
		}
		next, err := d.Service.nextSlot(set, after, now)
		if err != nil {
			// The schedule cannot be computed any more (it was valid
			// when set): switch the reminder off rather than spin.
			set.Spec, set.Kind, set.Next, set.Slot = "", "", time.Time{}, time.Time{}
			return put(tx, key, old, set)
		}
		set.Next, set.Slot = next, next
		return put(tx, key, old, set)
	})
}

// retry moves the due entry of a failed delivery to after a backoff, or to
// the next slot if the retry would fall beyond the grace period.
func (d *Dispatcher) retry(ctx context.Context, key string, at, now time.Time) (time.Time, error) {
	var retryAt time.Time
	err := d.Service.DB.Update(ctx, func(tx *storage.Tx) error {
		old, ok, err := get(tx, key)
		if err != nil {
			return err
		}
		if !ok || !old.Active() || !old.Next.Equal(at) {
			return nil
		}
		set := old
		set.Attempts++
		slot := set.Slot
		if slot.IsZero() {
			slot = at
		}
		retryAt, err = quietInstant(set, now.Add(d.backoff(set.Attempts)))
		if err != nil {
			return err
		}
		if retryAt.Sub(slot) > orDefault(d.Grace, DefaultGrace) {
			retryAt, err = NextSlot(set, now)
			if err != nil {
				return err
			}
			set.Slot, set.Attempts, set.Snoozed = retryAt, 0, false
		}
		set.Next = retryAt
		return put(tx, key, old, set)
	})
	return retryAt, err
}

// backoff is the wait before retry number attempts (1, 2, …): RetryMin,
// doubling, at most RetryMax.
func (d *Dispatcher) backoff(attempts int) time.Duration {
	wait := orDefault(d.RetryMin, DefaultRetryMin)
	maxWait := orDefault(d.RetryMax, DefaultRetryMax)
	for i := 1; i < attempts && wait < maxWait; i++ {
		wait *= 2
	}
	return min(wait, maxWait)
}
