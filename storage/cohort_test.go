package storage

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
)

// TestDeleteLearnerLeavesNoCohortTrace: erasing a learner removes every
// membership of theirs, read straight from the bbolt bucket, and only
// theirs (x:11 and x:1's name as another learner's display name stay).
func TestDeleteLearnerLeavesNoCohortTrace(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "tutor.db"))
	defer db.Close()
	ctx := context.Background()
	err := db.Update(ctx, func(tx *Tx) error {
		for _, code := range []string{"abcd2345", "chat:telegram:-100", "chat:discord:900"} {
			if err := tx.PutCohort(code, []byte(`{}`)); err != nil {
				return err
			}
			for _, key := range []string{"x:1", "x:11", "x:2"} {
				if err := tx.PutCohortMember(code, key, "name of "+key); err != nil {
					return err
				}
			}
		}
		return tx.PutLearner("x:1", []byte("{}"))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(ctx, func(tx *Tx) error { return tx.DeleteLearner("x:1") }); err != nil {
		t.Fatal(err)
	}
	left := 0
	db.View(func(tx *Tx) error {
		return tx.tx.Bucket(bucketMembers).ForEach(func(k, v []byte) error {
			left++
			if bytes.HasSuffix(k, []byte("\x00x:1")) || bytes.Equal(v, []byte("name of x:1")) {
				t.Errorf("membership left: %q = %q", k, v)
			}
			return nil
		})
	})
	if left != 6 {
		t.Errorf("%d memberships left, want the other learners' 6", left)
	}
}
