package storage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// bucketOutbox holds replies committed but not yet accepted by their
// platform: key big-endian sequence ‖ chat, so entries sort in the order
// they were written (each chat's too), new ones go to the end of the tree
// and delivered ones leave from its start: a commit touches few pages.
var bucketOutbox = []byte("outbox")

// outboxKey is the key of entry seq of chat.
func outboxKey(chat string, seq uint64) []byte {
	k := binary.BigEndian.AppendUint64(make([]byte, 0, 8+len(chat)), seq)
	return append(k, chat...)
}

// OutboxChat returns the chat an outbox key belongs to.
func OutboxChat(key []byte) string {
	if len(key) <= 8 {
		return ""
	}
	return string(key[8:])
}

// outbox is the outbox bucket (Open creates it).
func (t *Tx) outbox() (*bolt.Bucket, error) {
	b := t.tx.Bucket(bucketOutbox)
	if b == nil {
		return nil, errors.New("open outbox: no outbox bucket")
	}
	return b, nil
}

// AddOutbox appends an entry for chat (a platform-qualified chat id) and
// returns its key.
func (t *Tx) AddOutbox(chat string, entry []byte) ([]byte, error) {
	if chat == "" {
		return nil, errors.New("add outbox entry: bad chat")
	}
	b, err := t.outbox()
	if err != nil {
		return nil, err
	}
	seq, err := b.NextSequence()
	if err != nil {
		return nil, fmt.Errorf("add outbox entry for %q: %w", chat, err)
	}
	key := outboxKey(chat, seq)
	if err := b.Put(key, entry); err != nil {
		return nil, fmt.Errorf("add outbox entry for %q: %w", chat, err)
	}
	return key, nil
}

// PutOutbox replaces an existing entry (its retry state); a key that is
// gone (delivered, cancelled) stays gone.
func (t *Tx) PutOutbox(key, entry []byte) error {
	b, err := t.outbox()
	if err != nil {
		return err
	}
	if b.Get(key) == nil {
		return nil
	}
	if err := b.Put(key, entry); err != nil {
		return fmt.Errorf("update outbox entry: %w", err)
	}
	return nil
}

// DeleteOutbox removes the entries under keys (missing ones are fine).
func (t *Tx) DeleteOutbox(keys ...[]byte) error {
	b, err := t.outbox()
	if err != nil {
		return err
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return fmt.Errorf("delete outbox entry: %w", err)
		}
	}
	return nil
}

// DeleteOutboxChat removes every entry of chat and returns how many.
func (t *Tx) DeleteOutboxChat(chat string) (int, error) {
	b, err := t.outbox()
	if err != nil {
		return 0, err
	}
	var keys [][]byte
	c := b.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		if len(k) > 8 && string(k[8:]) == chat {
			keys = append(keys, bytes.Clone(k))
		}
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return 0, fmt.Errorf("delete outbox entries of %q: %w", chat, err)
		}
	}
	return len(keys), nil
}

// ForEachOutbox calls fn for every entry in the order written. The slices
// are valid only during the call.
func (t *Tx) ForEachOutbox(fn func(key, entry []byte) error) error {
	b := t.tx.Bucket(bucketOutbox)
	if b == nil {
		return nil
	}
	return b.ForEach(fn)
}

// CountOutbox returns the number of entries waiting.
func (t *Tx) CountOutbox() int {
	b := t.tx.Bucket(bucketOutbox)
	if b == nil {
		return 0
	}
	return b.Stats().KeyN
}
