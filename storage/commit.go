package storage

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// maxBatch bounds the functions run in one shared transaction (bbolt's
// default MaxBatchSize).
const maxBatch = 1000

// ErrClosed is returned (wrapped) by Update after Close has started.
var ErrClosed = errors.New("database closed")

// errTrySolo tells a caller that its function failed in a shared
// transaction and must be re-run on its own.
var errTrySolo = errors.New("function failed in a shared transaction; re-run it alone")

// Request states: a queued request is taken by the committer or abandoned
// by its caller (context done), whichever comes first.
const (
	queued int32 = iota
	taken
	abandoned
)

type request struct {
	ctx   context.Context
	fn    func(*bolt.Tx) error
	lazy  bool // may wait for another write (updateLater)
	state atomic.Int32
	done  chan error // buffered: the committer never blocks on an answer
}

// committer runs group commit: one goroutine takes every request queued at
// the moment, runs them in one write transaction and commits it; requests
// that arrive meanwhile wait for the next transaction. There is no timer,
// so a lone write commits at once and batches grow with the load.
type committer struct {
	db   *bolt.DB
	path string

	mu       sync.Mutex
	queue    []*request
	closed   bool
	inflight sync.WaitGroup // Update calls that passed the closed check

	wake   chan struct{} // capacity 1: "the queue may be non-empty"
	quit   chan struct{}
	exited chan struct{}

	// lazyTimer, when set, wakes the committer for writes queued by
	// updateLater that no other write has taken along yet; lazyDue is
	// set when it fired (or Flush was called), until a lazy write is
	// taken. eager counts the queued
	// writes that are not lazy: with none and lazyDue unset, the queue
	// waits.
	lazyTimer *time.Timer
	lazyDue   bool
	eager     int

	txs atomic.Int64 // shared write transactions run, for tests

	health commitHealth
}

func newCommitter(db *bolt.DB, path string) *committer {
	c := &committer{db: db, path: path, wake: make(chan struct{}, 1), quit: make(chan struct{}), exited: make(chan struct{})}
	go c.run()
	return c
}

// update queues fn, waits for its transaction to commit and returns the
// outcome; see DB.Update.
func (c *committer) update(ctx context.Context, fn func(*bolt.Tx) error) error {
	return c.enqueue(ctx, fn, 0)
}

// updateLater is update for a write that may wait up to delay for another
// write to share its commit (see DB.UpdateLater).
func (c *committer) updateLater(ctx context.Context, fn func(*bolt.Tx) error, delay time.Duration) error {
	return c.enqueue(ctx, fn, max(delay, 1))
}

// kick wakes the committer for the writes waiting in the queue.
func (c *committer) kick() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// flush has the lazy writes waiting in the queue commit now.
func (c *committer) flush() {
	c.mu.Lock()
	c.lazyDue = true
	c.mu.Unlock()
	c.kick()
}

func (c *committer) enqueue(ctx context.Context, fn func(*bolt.Tx) error, delay time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r := &request{ctx: ctx, fn: fn, lazy: delay > 0, done: make(chan error, 1)}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return fmt.Errorf("update %s: %w", c.path, ErrClosed)
	}
	c.inflight.Add(1)
	defer c.inflight.Done() // also when fn panics in the solo run below
	c.queue = append(c.queue, r)
	if r.lazy {
		if c.lazyTimer == nil {
			c.lazyTimer = time.AfterFunc(delay, c.flush)
		}
		due := c.lazyDue
		c.mu.Unlock()
		if due {
			c.kick() // Flush was called just before this write came
		}
	} else {
		c.eager++
		c.mu.Unlock()
		c.kick()
	}

	var err error
	select {
	case err = <-r.done:
	case <-ctx.Done():
		if r.state.CompareAndSwap(queued, abandoned) {
			return ctx.Err()
		}
		err = <-r.done // already in a transaction: not abandoned
	}
	if err != errTrySolo {
		return err
	}
	// Like bbolt's Batch: re-run alone, so the caller gets its own error,
	// or its own panic in its own goroutine.
	var fnErr error
	err = c.db.Update(func(tx *bolt.Tx) error { fnErr = fn(tx); return fnErr })
	if fnErr != nil {
		return fnErr
	}
	c.health.record(err)
	if err != nil {
		return fmt.Errorf("commit write to %s: %w", c.path, err)
	}
	return nil
}

// close waits for every Update in flight, then stops the committer.
func (c *committer) close() {
	c.mu.Lock()
	first := !c.closed
	c.closed = true
	c.mu.Unlock()
	c.flush() // lazy writes do not wait for their timer
	c.inflight.Wait()
	if first {
		close(c.quit)
	}
	<-c.exited
}

func (c *committer) run() {
	defer close(c.exited)
	for {
		select {
		case <-c.wake:
		case <-c.quit:
			return
		}
		for {
			// Let the goroutines that are ready to run queue their writes
			// before the batch is taken: under load the batch grows and
			// fsyncs are shared more; when nothing else is runnable this
			// returns at once, so a lone write still commits at once.
			runtime.Gosched()
			batch := c.take()
			if len(batch) == 0 {
				break
			}
			c.commit(batch)
		}
	}
}

// take removes up to maxBatch requests from the queue and returns those to
// run: abandoned ones are dropped, ones whose context is done are answered
// with its error.
func (c *committer) take() []*request {
	c.mu.Lock()
	if c.eager == 0 && !c.lazyDue {
		c.mu.Unlock()
		return nil // only lazy writes, not due yet: they wait for company
	}
	if c.lazyTimer != nil {
		// Lazy writes are taken along now; the next one arms a new timer.
		c.lazyTimer.Stop()
		c.lazyTimer = nil
	}
	var batch []*request
	if len(c.queue) <= maxBatch {
		batch, c.queue = c.queue, nil
	} else {
		batch, c.queue = c.queue[:maxBatch:maxBatch], c.queue[maxBatch:]
	}
	if slices.ContainsFunc(batch, func(r *request) bool { return r.lazy }) {
		// A Flush stays due until a lazy write it was meant for comes:
		// the outbox flushes the delete it waits for, which another
		// goroutine may queue a moment later.
		c.lazyDue = false
	}
	c.eager = 0
	for _, r := range c.queue {
		if !r.lazy {
			c.eager++
		}
	}
	if len(c.queue) > 0 {
		c.lazyDue = true // the rest of a long queue goes in the next batch
	}
	c.mu.Unlock()
	return slices.DeleteFunc(batch, func(r *request) bool {
		if !r.state.CompareAndSwap(queued, taken) {
			return true
		}
		if err := r.ctx.Err(); err != nil {
			r.done <- err
			return true
		}
		return false
	})
}

// commit runs batch in one transaction. A function that fails or panics
// rolls the transaction back, is sent back to run alone, and the rest are
// retried in a new transaction. A commit error goes to every caller.
func (c *committer) commit(batch []*request) {
	for len(batch) > 0 {
		failed := -1
		c.txs.Add(1)
		err := c.db.Update(func(tx *bolt.Tx) error {
			for i, r := range batch {
				if err := safelyCall(r.fn, tx); err != nil {
					failed = i
					return err
				}
			}
			return nil
		})
		if failed >= 0 {
			batch[failed].done <- errTrySolo
			batch = slices.Delete(batch, failed, failed+1)
			continue
		}
		c.health.record(err)
		if err != nil {
			err = fmt.Errorf("commit %d writes to %s: %w", len(batch), c.path, err)
		}
		for _, r := range batch {
			r.done <- err
		}
		return
	}
}

// safelyCall runs fn, turning a panic into an error so that one caller's
// panic never takes down the committer.
func safelyCall(fn func(*bolt.Tx) error, tx *bolt.Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return fn(tx)
}
