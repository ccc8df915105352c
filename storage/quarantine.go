package storage

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"
)

// bucketQuarantine keeps learner records that could not be read, so that
// nothing is lost and an operator can look at them: the learner starts
// fresh instead of meeting the same error at every turn.
var bucketQuarantine = []byte("quarantine")

// Quarantined is a learner record moved aside because it could not be read.
type Quarantined struct {
	// Key is the learner's key.
	Key string `json:"key"`
	// At is when it was moved.
	At time.Time `json:"at"`
	// Reason is why it could not be read.
	Reason string `json:"reason"`
	// Record is the stored bytes as they were.
	Record []byte `json:"record"`
}

// quarantineKey is the learner key, a zero byte and the big-endian time,
// so that one learner's records sort together, oldest first.
func quarantineKey(key string, at time.Time) []byte {
	k := append([]byte(key), 0)
	return binary.BigEndian.AppendUint64(k, uint64(at.UnixNano()))
}

// QuarantineLearner moves the learner record under key to the quarantine
// bucket with the reason it could not be read, and removes it from the
// learners.
func (t *Tx) QuarantineLearner(key, reason string, at time.Time) error {
	rec := t.Learner(key)
	if rec == nil {
		return nil
	}
	b, err := t.tx.CreateBucketIfNotExists(bucketQuarantine)
	if err != nil {
		return fmt.Errorf("quarantine learner %q: %w", key, err)
	}
	v, err := json.Marshal(Quarantined{Key: key, At: at.UTC(), Reason: reason, Record: rec})
	if err != nil {
		return fmt.Errorf("quarantine learner %q: %w", key, err)
	}
	if err := b.Put(quarantineKey(key, at), v); err != nil {
		return fmt.Errorf("quarantine learner %q: %w", key, err)
	}
	if err := t.tx.Bucket(bucketLearners).Delete([]byte(key)); err != nil {
		return fmt.Errorf("quarantine learner %q: %w", key, err)
	}
	return nil
}

// ForEachQuarantined calls fn for every quarantined record, by learner key
// and time.
func (t *Tx) ForEachQuarantined(fn func(q Quarantined) error) error {
	b := t.tx.Bucket(bucketQuarantine)
	if b == nil {
		return nil
	}
	return b.ForEach(func(k, v []byte) error {
		var q Quarantined
		if err := json.Unmarshal(v, &q); err != nil {
			i := bytes.IndexByte(k, 0)
			if i < 0 {
				i = len(k)
			}
			q = Quarantined{Key: string(k[:i]), Reason: "unreadable quarantine entry", Record: bytes.Clone(v)}
		}
		return fn(q)
	})
}

// deleteQuarantined removes every quarantined record of key (erasure).
func (t *Tx) deleteQuarantined(key string) error {
	b := t.tx.Bucket(bucketQuarantine)
	if b == nil {
		return nil
	}
	prefix := append([]byte(key), 0)
	var keys [][]byte
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		keys = append(keys, bytes.Clone(k))
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return fmt.Errorf("delete quarantined record of %q: %w", key, err)
		}
	}
	return nil
}
