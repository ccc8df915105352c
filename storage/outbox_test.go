package storage

import (
	"context"
	"path/filepath"
	"testing"
)

func TestOutbox(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var keys [][]byte
	err = db.Update(ctx, func(tx *Tx) error {
		keys = keys[:0]
		for _, c := range []string{"telegram:2", "telegram:1", "telegram:2", "telegram:20", "telegram:2"} {
			k, err := tx.AddOutbox(c, []byte(c))
			if err != nil {
				return err
			}
			keys = append(keys, k)
		}
		_, err := tx.AddOutbox("", nil)
		if err == nil {
			t.Error("an entry without a chat was accepted")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if OutboxChat(keys[3]) != "telegram:20" {
		t.Errorf("chat of %q is %q", keys[3], OutboxChat(keys[3]))
	}
	list := func() (out []string) {
		db.View(func(tx *Tx) error {
			return tx.ForEachOutbox(func(k, v []byte) error {
				out = append(out, OutboxChat(k)+"="+string(v))
				return nil
			})
		})
		return out
	}
	want := "[telegram:2=telegram:2 telegram:1=telegram:1 telegram:2=telegram:2 telegram:20=telegram:20 telegram:2=telegram:2]"
	if got := list(); len(got) != 5 || fmtList(got) != want {
		t.Errorf("entries %v, want %s", got, want)
	}
	// Reopen: entries survive; delete one, a chat, and update a gone key.
	db.Close()
	if db, err = Open(path, Options{}); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(ctx, func(tx *Tx) error {
		if err := tx.DeleteOutbox(keys[1]); err != nil {
			return err
		}
		n, err := tx.DeleteOutboxChat("telegram:2")
		if n != 3 {
			t.Errorf("deleted %d entries of telegram:2, want 3 (telegram:20 is another chat)", n)
		}
		if err != nil {
			return err
		}
		if err := tx.PutOutbox(keys[0], []byte("again")); err != nil {
			return err
		}
		return tx.PutOutbox(keys[3], []byte("retry"))
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmtList(list()); got != "[telegram:20=retry]" {
		t.Errorf("left %s, want only telegram:20, updated", got)
	}
	db.View(func(tx *Tx) error {
		if n := tx.CountOutbox(); n != 1 {
			t.Errorf("count %d", n)
		}
		return nil
	})
	if err := db.Check(0); err != nil {
		t.Error(err)
	}
}

func fmtList(s []string) string {
	out := "["
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out + "]"
}
