package storage

import (
	"bytes"
	"errors"
	"fmt"
)

// Cohorts: a cohort's record under its code, and a member index of code,
// a zero byte and the learner key (its value the learner's display name),
// so that a cohort's members are read without reading every learner.
var (
	bucketCohorts = []byte("cohorts")
	bucketMembers = []byte("cohort_members")
)

// Writable reports whether the transaction may write.
func (t *Tx) Writable() bool { return t.tx.Writable() }

// Cohort returns the record of cohort code, or nil.
func (t *Tx) Cohort(code string) []byte {
	b := t.tx.Bucket(bucketCohorts)
	if b == nil {
		return nil
	}
	if v := b.Get([]byte(code)); v != nil {
		return bytes.Clone(v)
	}
	return nil
}

// PutCohort stores the record of cohort code.
func (t *Tx) PutCohort(code string, rec []byte) error {
	if code == "" {
		return errors.New("put cohort: empty code")
	}
	b, err := t.tx.CreateBucketIfNotExists(bucketCohorts)
	if err == nil {
		err = b.Put([]byte(code), rec)
	}
	if err != nil {
		return fmt.Errorf("put cohort %q: %w", code, err)
	}
	return nil
}

// ForEachCohort calls fn for every cohort record in code order.
func (t *Tx) ForEachCohort(fn func(code string, rec []byte) error) error {
	b := t.tx.Bucket(bucketCohorts)
	if b == nil {
		return nil
	}
	return b.ForEach(func(k, v []byte) error { return fn(string(k), v) })
}

func memberKey(code, key string) []byte {
	k := make([]byte, 0, len(code)+1+len(key))
	k = append(k, code...)
	k = append(k, 0)
	return append(k, key...)
}

// PutCohortMember records learner key, shown as name, as a member of
// cohort code.
func (t *Tx) PutCohortMember(code, key, name string) error {
	b, err := t.tx.CreateBucketIfNotExists(bucketMembers)
	if err == nil {
		err = b.Put(memberKey(code, key), []byte(name))
	}
	if err != nil {
		return fmt.Errorf("add %q to cohort %q: %w", key, code, err)
	}
	return nil
}

// CohortMember returns the name stored for learner key in cohort code and
// whether the learner is a member.
func (t *Tx) CohortMember(code, key string) (string, bool) {
	b := t.tx.Bucket(bucketMembers)
	if b == nil {
		return "", false
	}
	v := b.Get(memberKey(code, key))
	return string(v), v != nil
}

// DeleteCohortMember removes learner key from cohort code.
func (t *Tx) DeleteCohortMember(code, key string) error {
	b := t.tx.Bucket(bucketMembers)
	if b == nil {
		return nil
	}
	if err := b.Delete(memberKey(code, key)); err != nil {
		return fmt.Errorf("remove %q from cohort %q: %w", key, code, err)
	}
	return nil
}

// ForEachCohortMember calls fn for every member of cohort code, in key
// order, with the name stored for them.
func (t *Tx) ForEachCohortMember(code string, fn func(key, name string) error) error {
	b := t.tx.Bucket(bucketMembers)
	if b == nil {
		return nil
	}
	prefix := append([]byte(code), 0)
	c := b.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if err := fn(string(k[len(prefix):]), string(v)); err != nil {
			return err
		}
	}
	return nil
}

// CohortMembers counts the members of cohort code.
func (t *Tx) CohortMembers(code string) int {
	n := 0
	t.ForEachCohortMember(code, func(string, string) error { n++; return nil })
	return n
}

// deleteMemberships removes learner key from every cohort.
func (t *Tx) deleteMemberships(key string) error {
	b := t.tx.Bucket(bucketMembers)
	if b == nil {
		return nil
	}
	suffix := append([]byte{0}, key...)
	var stale [][]byte
	c := b.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		if bytes.HasSuffix(k, suffix) {
			stale = append(stale, bytes.Clone(k))
		}
	}
	for _, k := range stale {
		if err := b.Delete(k); err != nil {
			return fmt.Errorf("remove %q from its cohorts: %w", key, err)
		}
	}
	return nil
}
