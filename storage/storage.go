// Package storage keeps all of the tutor's state in one bbolt file: learner
// records, the reminder due index and metadata. It is the only importer of
// bbolt; callers see learner records as opaque bytes.
//
// Writes go through DB.Update, which commits concurrent callers together
// (group commit without a timer): a lone write commits at once, and writes
// that arrive while a commit syncs share the next one.
package storage

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// SchemaVersion is the layout version written into new files. Open refuses
// files written by a newer version.
const SchemaVersion = 1

var (
	bucketMeta     = []byte("meta")
	bucketLearners = []byte("learners")
	bucketDue      = []byte("due")
	bucketRemind   = []byte("reminders")
	keySchema      = []byte("schema")
)

// ErrInUse is returned by Open when another process holds the file.
var ErrInUse = errors.New("in use by another process")

// Options tunes Open. The zero value is fine.
type Options struct {
	// LockTimeout bounds the wait for another process's lock (default 1 s).
	LockTimeout time.Duration
	// NoSync turns fsync off; only for throw-away databases in benchmarks
	// that compare against a baseline.
	NoSync bool
	// ReadOnly opens the file for reading only (stats, backup of a file
	// that no process holds).
	ReadOnly bool
	// Check runs bbolt's consistency check over the whole file at open,
	// bounded by CheckTimeout (default DefaultCheckTimeout). The checks
	// against the meta pages (Verify) always run.
	Check        bool
	CheckTimeout time.Duration
}

// DB is an open tutor database.
type DB struct {
	bolt *bolt.DB
	path string
	c    *committer // nil when read-only
}

// Open opens or creates the database file at path with mode 0600. Before
// anything is read through bbolt, the file is verified against its meta
// pages (Verify); bbolt's panics and memory faults while opening and on the
// first read come back as a *DamageError, so a damaged file is refused
// with one line instead of a crash or a hang.
func Open(path string, opts Options) (*DB, error) {
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = time.Second
	}
	b, err := openBolt(path, &bolt.Options{Timeout: opts.LockTimeout, NoSync: opts.NoSync, ReadOnly: opts.ReadOnly, NoFreelistSync: false})
	if err != nil {
		return nil, err
	}
	// The file is locked now: nobody writes it while it is verified.
	if err := Verify(path); err != nil {
		b.Close()
		return nil, err
	}
	db := &DB{bolt: b, path: path}
	if opts.Check {
		if err := db.Check(opts.CheckTimeout); err != nil {
			b.Close()
			return nil, err
		}
	}
	if opts.ReadOnly {
		if err := guarded(path, "reading", db.checkSchema); err != nil {
			b.Close()
			return nil, err
		}
		return db, nil
	}
	if err := guarded(path, "reading", func() error {
		return b.Update(func(tx *bolt.Tx) error {
			for _, name := range [][]byte{bucketMeta, bucketLearners, bucketDue, bucketRemind, bucketOutbox} {
				if _, err := tx.CreateBucketIfNotExists(name); err != nil {
					return err
				}
			}
			meta := tx.Bucket(bucketMeta)
			if v := meta.Get(keySchema); v != nil {
				if n := binary.BigEndian.Uint64(v); n > SchemaVersion {
					return fmt.Errorf("schema version %d is newer than this tutorbot (%d)", n, SchemaVersion)
				}
				return nil
			}
			return meta.Put(keySchema, binary.BigEndian.AppendUint64(nil, SchemaVersion))
		})
	}); err != nil {
		b.Close()
		return nil, fmt.Errorf("prepare database %s: %w", path, err)
	}
	db.c = newCommitter(b, path)
	return db, nil
}

func (db *DB) checkSchema() error {
	return db.bolt.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if meta == nil || meta.Get(keySchema) == nil {
			return fmt.Errorf("open database %s: no tutorbot schema", db.path)
		}
		return nil
	})
}

// Path is the file the database lives in.
func (db *DB) Path() string { return db.path }

// Close waits for the writes in flight to commit, stops the committer and
// closes the file. Update calls that start after Close get ErrClosed.
func (db *DB) Close() error {
	if db.c != nil {
		db.c.close()
	}
	if err := db.bolt.Close(); err != nil {
		return fmt.Errorf("close database %s: %w", db.path, err)
	}
	return nil
}

// Update runs fn in a write transaction shared with concurrent callers
// (group commit): every write waiting when the previous commit ends goes
// into the next transaction, up to 1,000 of them, with no timer, so a lone
// write commits at once. fn may run more than once, so it must be
// idempotent and must keep side effects for after Update returns. A nil
// error means the change is durable (fsynced unless Options.NoSync).
//
// If fn returns an error or panics, the shared transaction is rolled back,
// fn is run again alone and its error (or panic) comes back to this caller
// only; the other writes are retried without it. If the commit itself
// fails, every caller in the batch gets that error. If ctx is done before
// fn runs, Update returns ctx.Err() and fn is not run; once fn is in a
// transaction, Update waits for its outcome.
func (db *DB) Update(ctx context.Context, fn func(tx *Tx) error) error {
	if db.c == nil {
		return fmt.Errorf("update %s: %w", db.path, berrors.ErrDatabaseReadOnly)
	}
	return db.c.update(ctx, func(btx *bolt.Tx) error { return fn(&Tx{tx: btx}) })
}

// UpdateLater is Update for a write that need not be durable at once (the
// delete of a delivered outbox entry, say): it waits for the next write to
// share that write's commit, or for delay, or for Flush, whichever comes
// first, so it seldom costs a commit and an fsync of its own. It returns,
// like Update, once the write is committed.
func (db *DB) UpdateLater(ctx context.Context, delay time.Duration, fn func(tx *Tx) error) error {
	if db.c == nil {
		return fmt.Errorf("update %s: %w", db.path, berrors.ErrDatabaseReadOnly)
	}
	return db.c.updateLater(ctx, func(btx *bolt.Tx) error { return fn(&Tx{tx: btx}) }, delay)
}

// Flush commits the writes UpdateLater holds back now.
func (db *DB) Flush() {
	if db.c != nil {
		db.c.flush()
	}
}

// View runs fn in a read transaction.
func (db *DB) View(fn func(tx *Tx) error) error {
	return db.bolt.View(func(btx *bolt.Tx) error { return fn(&Tx{tx: btx}) })
}

// Backup writes a consistent copy of the whole database to w while other
// goroutines keep writing.
func (db *DB) Backup(w io.Writer) (int64, error) {
	var n int64
	err := db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("back up %s: %w", db.path, err)
	}
	return n, nil
}

// Writable reports whether a write transaction commits (for health checks).
func (db *DB) Writable(ctx context.Context) error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put([]byte("health"), binary.BigEndian.AppendUint64(nil, uint64(time.Now().UnixNano())))
	})
}

// Tx is a transaction handed to Update and View callbacks. Byte slices it
// returns are copies and stay valid after the transaction.
type Tx struct {
	tx *bolt.Tx
}

// Learner returns the record stored under key, or nil if there is none.
func (t *Tx) Learner(key string) []byte {
	v := t.tx.Bucket(bucketLearners).Get([]byte(key))
	if v == nil {
		return nil
	}
	return bytes.Clone(v)
}

// LearnerView is Learner without the copy, for a caller that is done with
// the record before its transaction ends (it decodes it and compares it
// with the record it stores): the record must not be changed or kept.
func (t *Tx) LearnerView(key string) []byte {
	return t.tx.Bucket(bucketLearners).Get([]byte(key))
}

// ReadLearner calls fn with the record under key (nil when there is
// none) without copying it: fn must not keep or change it. For reports
// that read many learners in one read transaction.
func (t *Tx) ReadLearner(key string, fn func(rec []byte) error) error {
	return fn(t.tx.Bucket(bucketLearners).Get([]byte(key)))
}

// PutLearner stores the record under key.
func (t *Tx) PutLearner(key string, rec []byte) error {
	if key == "" {
		return errors.New("put learner: empty key")
	}
	if err := t.tx.Bucket(bucketLearners).Put([]byte(key), rec); err != nil {
		return fmt.Errorf("put learner %q: %w", key, err)
	}
	return nil
}

// DeleteLearner removes the record under key, its quarantined records,
// its cohort memberships and every due entry of it.
func (t *Tx) DeleteLearner(key string) error {
	if err := t.tx.Bucket(bucketLearners).Delete([]byte(key)); err != nil {
		return fmt.Errorf("delete learner %q: %w", key, err)
	}
	if err := t.tx.Bucket(bucketRemind).Delete([]byte(key)); err != nil {
		return fmt.Errorf("delete reminder of %q: %w", key, err)
	}
	if err := t.deleteQuarantined(key); err != nil {
		return err
	}
	if err := t.deleteMemberships(key); err != nil {
		return err
	}
	if err := t.deleteRecipients(key); err != nil {
		return err
	}
	var stale [][]byte
	c := t.tx.Bucket(bucketDue).Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		if len(k) > 8 && string(k[8:]) == key {
			stale = append(stale, bytes.Clone(k))
		}
	}
	for _, k := range stale {
		if err := t.tx.Bucket(bucketDue).Delete(k); err != nil {
			return fmt.Errorf("delete due entry of %q: %w", key, err)
		}
	}
	return nil
}

// ForEachLearner calls fn for every learner record in key order. The slices
// are valid only during the call.
func (t *Tx) ForEachLearner(fn func(key string, rec []byte) error) error {
	return t.tx.Bucket(bucketLearners).ForEach(func(k, v []byte) error { return fn(string(k), v) })
}

// DueKey is the due-index key for a reminder of key at time at: the
// big-endian Unix time in nanoseconds, then the learner key, so keys sort in
// time order.
func DueKey(at time.Time, key string) []byte {
	b := binary.BigEndian.AppendUint64(make([]byte, 0, 8+len(key)), uint64(at.UnixNano()))
	return append(b, key...)
}

// Due is one entry of the due index.
type Due struct {
	At  time.Time
	Key string
}

// AddDue puts a reminder of key at time at into the due index.
func (t *Tx) AddDue(at time.Time, key string) error {
	if err := t.tx.Bucket(bucketDue).Put(DueKey(at, key), nil); err != nil {
		return fmt.Errorf("add due entry of %q: %w", key, err)
	}
	return nil
}

// RemoveDue removes the reminder of key at time at from the due index.
func (t *Tx) RemoveDue(at time.Time, key string) error {
	if err := t.tx.Bucket(bucketDue).Delete(DueKey(at, key)); err != nil {
		return fmt.Errorf("remove due entry of %q: %w", key, err)
	}
	return nil
}

// DueBefore returns at most limit entries due at or before t, oldest first.
// It reads only the entries it returns.
func (t *Tx) DueBefore(before time.Time, limit int) []Due {
	var out []Due
	end := uint64(before.UnixNano())
	c := t.tx.Bucket(bucketDue).Cursor()
	for k, _ := c.First(); k != nil && len(out) < limit; k, _ = c.Next() {
		if len(k) < 8 {
			continue
		}
		ns := binary.BigEndian.Uint64(k[:8])
		if ns > end {
			break
		}
		out = append(out, Due{At: time.Unix(0, int64(ns)).UTC(), Key: string(k[8:])})
	}
	return out
}

// CountDue returns the number of entries in the due index.
func (t *Tx) CountDue() int {
	return t.tx.Bucket(bucketDue).Stats().KeyN
}

// Reminder returns the reminder settings stored for key, or nil.
func (t *Tx) Reminder(key string) []byte {
	v := t.tx.Bucket(bucketRemind).Get([]byte(key))
	if v == nil {
		return nil
	}
	return bytes.Clone(v)
}

// PutReminder stores the reminder settings of key.
func (t *Tx) PutReminder(key string, rec []byte) error {
	if key == "" {
		return errors.New("put reminder: empty key")
	}
	if err := t.tx.Bucket(bucketRemind).Put([]byte(key), rec); err != nil {
		return fmt.Errorf("put reminder of %q: %w", key, err)
	}
	return nil
}

// DeleteReminder removes the reminder settings of key (not its due entries).
func (t *Tx) DeleteReminder(key string) error {
	if err := t.tx.Bucket(bucketRemind).Delete([]byte(key)); err != nil {
		return fmt.Errorf("delete reminder of %q: %w", key, err)
	}
	return nil
}

// ForEachReminder calls fn for every stored reminder setting.
func (t *Tx) ForEachReminder(fn func(key string, rec []byte) error) error {
	return t.tx.Bucket(bucketRemind).ForEach(func(k, v []byte) error { return fn(string(k), v) })
}
