package storage

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestRecipientsSurviveReopenAndForget: announcements and their
// recipients are stored in order, read from a cursor, kept across a
// reopen, and a learner's erasure removes them from every announcement.
func TestRecipientsSurviveReopenAndForget(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tutor.db")
	db := open(t, path)
	ctx := context.Background()
	var ids []uint64
	err := db.Update(ctx, func(tx *Tx) error {
		ids = ids[:0]
		for a := range 2 {
			id, err := tx.NextAnnouncementID()
			if err != nil {
				return err
			}
			ids = append(ids, id)
			if err := tx.PutAnnouncement(id, []byte(fmt.Sprintf(`{"n":%d}`, a))); err != nil {
				return err
			}
			for u := range 5 {
				key := fmt.Sprintf("telegram:%d", u)
				if err := tx.PutLearner(key, []byte(`{}`)); err != nil {
					return err
				}
				if err := tx.PutRecipient(id, key, []byte("pending")); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if ids[0] != 1 || ids[1] != 2 {
		t.Fatalf("ids = %v, want 1, 2", ids)
	}
	db.Close()
	db = open(t, path)
	defer db.Close()
	walk := func(id uint64, after string) string {
		var keys []string
		db.View(func(tx *Tx) error {
			tx.ForEachRecipient(id, after, func(key string, rec []byte) bool {
				keys = append(keys, key+"="+string(rec))
				return len(keys) < 3
			})
			return nil
		})
		return strings.Join(keys, " ")
	}
	if got := walk(2, ""); got != "telegram:0=pending telegram:1=pending telegram:2=pending" {
		t.Errorf("first page = %q", got)
	}
	if got := walk(2, "telegram:2"); got != "telegram:3=pending telegram:4=pending" {
		t.Errorf("page after telegram:2 = %q", got)
	}
	db.View(func(tx *Tx) error {
		if got := string(tx.Announcement(1)); got != `{"n":0}` {
			t.Errorf("announcement 1 = %q", got)
		}
		if last := tx.LastAnnouncement(func(rec []byte) bool { return strings.Contains(string(rec), `"n":0`) }); last != 1 {
			t.Errorf("LastAnnouncement = %d, want 1", last)
		}
		return nil
	})
	if err := db.Update(ctx, func(tx *Tx) error { return tx.DeleteLearner("telegram:3") }); err != nil {
		t.Fatal(err)
	}
	db.View(func(tx *Tx) error {
		for _, id := range ids {
			if tx.Recipient(id, "telegram:3") != nil {
				t.Errorf("announcement %d still holds the erased learner", id)
			}
			if tx.Recipient(id, "telegram:4") == nil {
				t.Errorf("announcement %d lost another learner", id)
			}
		}
		return nil
	})
}
