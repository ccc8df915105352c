package storage

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// Announcements: each announcement's record under its id (big-endian), and
// one record per recipient under id ‖ learner key, so that one
// announcement's recipients are read in order with a cursor and nothing
// else is read.
var (
	bucketAnnouncements = []byte("announcements")
	bucketRecipients    = []byte("announce_recipients")
)

func idKey(id uint64) []byte { return binary.BigEndian.AppendUint64(nil, id) }

// NextAnnouncementID returns a new announcement id (from 1).
func (t *Tx) NextAnnouncementID() (uint64, error) {
	b, err := t.tx.CreateBucketIfNotExists(bucketAnnouncements)
	if err != nil {
		return 0, fmt.Errorf("number announcement: %w", err)
	}
	id, err := b.NextSequence()
	if err != nil {
		return 0, fmt.Errorf("number announcement: %w", err)
	}
	return id, nil
}

// Announcement returns the record of announcement id, or nil.
func (t *Tx) Announcement(id uint64) []byte {
	b := t.tx.Bucket(bucketAnnouncements)
	if b == nil {
		return nil
	}
	if v := b.Get(idKey(id)); v != nil {
		return bytes.Clone(v)
	}
	return nil
}

// PutAnnouncement stores the record of announcement id.
func (t *Tx) PutAnnouncement(id uint64, rec []byte) error {
	b, err := t.tx.CreateBucketIfNotExists(bucketAnnouncements)
	if err == nil {
		err = b.Put(idKey(id), rec)
	}
	if err != nil {
		return fmt.Errorf("put announcement %d: %w", id, err)
	}
	return nil
}

// LastAnnouncement returns the id of the newest announcement whose record
// ok accepts, or 0.
func (t *Tx) LastAnnouncement(ok func(rec []byte) bool) uint64 {
	b := t.tx.Bucket(bucketAnnouncements)
	if b == nil {
		return 0
	}
	c := b.Cursor()
	for k, v := c.Last(); k != nil; k, v = c.Prev() {
		if len(k) == 8 && ok(v) {
			return binary.BigEndian.Uint64(k)
		}
	}
	return 0
}

// ForEachAnnouncement calls fn for every announcement record, oldest first.
func (t *Tx) ForEachAnnouncement(fn func(id uint64, rec []byte) error) error {
	b := t.tx.Bucket(bucketAnnouncements)
	if b == nil {
		return nil
	}
	return b.ForEach(func(k, v []byte) error {
		if len(k) != 8 {
			return nil
		}
		return fn(binary.BigEndian.Uint64(k), v)
	})
}

func recipientKey(id uint64, key string) []byte {
	return append(idKey(id), key...)
}

// PutRecipient stores the delivery record of learner key for announcement
// id.
func (t *Tx) PutRecipient(id uint64, key string, rec []byte) error {
	b, err := t.tx.CreateBucketIfNotExists(bucketRecipients)
	if err == nil {
		err = b.Put(recipientKey(id, key), rec)
	}
	if err != nil {
		return fmt.Errorf("put recipient %q of announcement %d: %w", key, id, err)
	}
	return nil
}

// Recipient returns the delivery record of learner key for announcement
// id, or nil.
func (t *Tx) Recipient(id uint64, key string) []byte {
	b := t.tx.Bucket(bucketRecipients)
	if b == nil {
		return nil
	}
	if v := b.Get(recipientKey(id, key)); v != nil {
		return bytes.Clone(v)
	}
	return nil
}

// ForEachRecipient calls fn for every recipient of announcement id in key
// order, starting after the learner key after ("" from the first); fn
// returns false to stop. The slices are valid only during the call.
func (t *Tx) ForEachRecipient(id uint64, after string, fn func(key string, rec []byte) bool) {
	b := t.tx.Bucket(bucketRecipients)
	if b == nil {
		return
	}
	prefix := idKey(id)
	c := b.Cursor()
	k, v := c.Seek(recipientKey(id, after))
	if after != "" && k != nil && string(k[8:]) == after {
		k, v = c.Next()
	}
	for ; k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if !fn(string(k[8:]), v) {
			return
		}
	}
}

// HasOutbox reports whether the outbox still holds the entry under key.
func (t *Tx) HasOutbox(key []byte) bool {
	b := t.tx.Bucket(bucketOutbox)
	return b != nil && b.Get(key) != nil
}

// deleteRecipients removes learner key from every announcement's
// recipients (the learner erased their data).
func (t *Tx) deleteRecipients(key string) error {
	b := t.tx.Bucket(bucketRecipients)
	if b == nil {
		return nil
	}
	var stale [][]byte
	c := b.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		if len(k) > 8 && string(k[8:]) == key {
			stale = append(stale, bytes.Clone(k))
		}
	}
	for _, k := range stale {
		if err := b.Delete(k); err != nil {
			return fmt.Errorf("remove %q from announcements: %w", key, err)
		}
	}
	return nil
}
