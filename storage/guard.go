package storage

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// DefaultCheckTimeout bounds the consistency check at open (Options.Check).
const DefaultCheckTimeout = 2 * time.Minute

// guarded runs fn, turning a bbolt panic or a memory fault (a SIGBUS from
// a page of a mapped file that is not there) into a *DamageError for path.
// Faults become panics only in this goroutine, and only while fn runs.
func guarded(path, doing string, fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if p := recover(); p != nil {
			err = &DamageError{Path: path, Problem: fmt.Sprintf("bbolt failed while %s: %v", doing, p)}
		}
	}()
	return fn()
}

// openBolt opens the file with bbolt, guarded, and explains a refusal:
// a file bbolt cannot open or faults on is verified without bbolt so that
// the error names what is wrong.
func openBolt(path string, o *bolt.Options) (*bolt.DB, error) {
	var b *bolt.DB
	err := guarded(path, "opening", func() error {
		var err error
		b, err = bolt.Open(path, 0o600, o)
		return err
	})
	if err == nil {
		return b, nil
	}
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("database %s is %w", path, ErrInUse)
	}
	if verr := Verify(path); verr != nil && (errors.Is(verr, ErrDamaged) || errors.Is(verr, ErrNotDatabase)) {
		return nil, verr
	}
	var de *DamageError
	if errors.As(err, &de) {
		return nil, err
	}
	return nil, fmt.Errorf("open database %s: %w", path, err)
}

// Check runs bbolt's consistency check over the whole file within timeout
// (DefaultCheckTimeout when 0) and returns the problems found as one
// *DamageError, or nil. A check that does not finish in time is an error
// too: the start must not hang on a file it cannot finish reading.
func (db *DB) Check(timeout time.Duration) error {
	if timeout <= 0 {
		timeout = DefaultCheckTimeout
	}
	type result struct {
		errs []error
		err  error
	}
	done := make(chan result, 1)
	go func() {
		var r result
		r.err = guarded(db.path, "checking", func() error {
			return db.bolt.View(func(tx *bolt.Tx) error {
				for e := range tx.Check() {
					r.errs = append(r.errs, e)
				}
				return nil
			})
		})
		done <- r
	}()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	select {
	case r := <-done:
		if r.err != nil {
			return r.err
		}
		if len(r.errs) == 0 {
			return nil
		}
		problem := r.errs[0].Error()
		if len(r.errs) > 1 {
			problem = fmt.Sprintf("%s (and %d more problems)", problem, len(r.errs)-1)
		}
		return &DamageError{Path: db.path, Problem: "consistency check: " + problem}
	case <-ctx.Done():
		return fmt.Errorf("check database %s: the consistency check did not finish within %v; give it longer (-check-timeout) or skip it (-skip-check)", db.path, timeout)
	}
}
