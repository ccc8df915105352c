package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func open(t *testing.T, path string) *DB {
	t.Helper()
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return db
}

func TestLearnerSurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tutor.db")
	db := open(t, path)
	ctx := context.Background()
	if err := db.Update(ctx, func(tx *Tx) error { return tx.PutLearner("telegram:1", []byte(`{"page":3}`)) }); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = open(t, path)
	defer db.Close()
	var got []byte
	if err := db.View(func(tx *Tx) error { got = tx.Learner("telegram:1"); return nil }); err != nil {
		t.Fatal(err)
	}
	if string(got) != `{"page":3}` {
		t.Fatalf("after reopen got %q", got)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := st.Mode().Perm(); perm != 0o600 {
		t.Errorf("file mode %v, want 0600", perm)
	}
}

// LearnerView reads the record Learner reads, in a write transaction
// before and after the record changes in it and in a read transaction.
func TestLearnerView(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "tutor.db"))
	defer db.Close()
	ctx := context.Background()
	err := db.Update(ctx, func(tx *Tx) error {
		if v := tx.LearnerView("telegram:1"); v != nil {
			return fmt.Errorf("missing record read as %q", v)
		}
		if err := tx.PutLearner("telegram:1", []byte(`{"page":1}`)); err != nil {
			return err
		}
		before := tx.LearnerView("telegram:1")
		if err := tx.PutLearner("telegram:1", []byte(`{"page":2}`)); err != nil {
			return err
		}
		if string(before) != `{"page":1}` || string(tx.LearnerView("telegram:1")) != `{"page":2}` {
			return fmt.Errorf("read %q, then %q", before, tx.LearnerView("telegram:1"))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.View(func(tx *Tx) error {
		if v, c := tx.LearnerView("telegram:1"), tx.Learner("telegram:1"); !bytes.Equal(v, c) || string(v) != `{"page":2}` {
			return fmt.Errorf("view %q, copy %q", v, c)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func TestSecondOpenFailsFast(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tutor.db")
	db := open(t, path)
	defer db.Close()
	start := time.Now()
	_, err := Open(path, Options{LockTimeout: 300 * time.Millisecond})
	if err == nil {
		t.Fatal("second open succeeded")
	}
	if !errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), "database "+path+" is in use by another process") {
		t.Errorf("error = %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("second open took %v", d)
	}
}

func TestCorruptFileLeftUntouched(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notes.txt")
	orig := []byte(strings.Repeat("this is not a database\n", 400))
	if err := os.WriteFile(path, orig, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Open(path, Options{})
	if err == nil || !strings.Contains(err.Error(), "not a tutorbot database") {
		t.Fatalf("err = %v", err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(after, orig) {
		t.Fatal("file was modified")
	}
}

func TestOpenMissingFolder(t *testing.T) {
	_, err := Open(filepath.Join(t.TempDir(), "no", "such", "tutor.db"), Options{})
	if err == nil || !strings.Contains(err.Error(), "open database") {
		t.Fatalf("err = %v", err)
	}
}

func TestDueIndexOrderAndLimit(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "tutor.db"))
	defer db.Close()
	base := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	ctx := context.Background()
	err := db.Update(ctx, func(tx *Tx) error {
		for i, k := range []string{"c", "a", "b", "d"} {
			if err := tx.AddDue(base.Add(time.Duration(3-i)*time.Hour), k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var due []Due
	db.View(func(tx *Tx) error { due = tx.DueBefore(base.Add(2*time.Hour), 10); return nil })
	var keys []string
	for _, d := range due {
		keys = append(keys, d.Key)
	}
	// d at +0h, b at +1h, a at +2h; c at +3h is not due yet.
	if strings.Join(keys, ",") != "d,b,a" {
		t.Fatalf("due = %v", keys)
	}
	db.View(func(tx *Tx) error { due = tx.DueBefore(base.Add(10*time.Hour), 2); return nil })
	if len(due) != 2 || due[0].Key != "d" || !due[0].At.Equal(base) {
		t.Fatalf("limited due = %+v", due)
	}
}

func TestDeleteLearnerRemovesEverything(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "tutor.db"))
	defer db.Close()
	ctx := context.Background()
	now := time.Now()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(db.Update(ctx, func(tx *Tx) error {
		must(tx.PutLearner("x:1", []byte("{}")))
		must(tx.PutLearner("x:2", []byte("{}")))
		must(tx.PutReminder("x:1", []byte("{}")))
		must(tx.AddDue(now, "x:1"))
		must(tx.AddDue(now.Add(time.Hour), "x:1"))
		return tx.AddDue(now, "x:2")
	}))
	must(db.Update(ctx, func(tx *Tx) error { return tx.DeleteLearner("x:1") }))
	db.View(func(tx *Tx) error {
		if tx.Learner("x:1") != nil || tx.Reminder("x:1") != nil {
			t.Error("record left behind")
		}
		if tx.Learner("x:2") == nil {
			t.Error("other learner deleted")
		}
		for _, d := range tx.DueBefore(now.Add(2*time.Hour), 10) {
			if d.Key == "x:1" {
				t.Errorf("due entry left: %+v", d)
			}
		}
		if n := tx.CountDue(); n != 1 {
			t.Errorf("due entries = %d, want 1", n)
		}
		return nil
	})
}

func TestBackupIsConsistentCopy(t *testing.T) {
	dir := t.TempDir()
	db := open(t, filepath.Join(dir, "tutor.db"))
	defer db.Close()
	ctx := context.Background()
	if err := db.Update(ctx, func(tx *Tx) error { return tx.PutLearner("k", []byte("v")) }); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := db.Backup(&buf); err != nil {
		t.Fatal(err)
	}
	copyPath := filepath.Join(dir, "copy.db")
	if err := os.WriteFile(copyPath, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	c := open(t, copyPath)
	defer c.Close()
	c.View(func(tx *Tx) error {
		if string(tx.Learner("k")) != "v" {
			t.Error("backup misses a record")
		}
		return nil
	})
}

// TestBackupUnderWriteLoad takes a backup while writers keep committing:
// the copy opens and holds every record committed before it started.
func TestBackupUnderWriteLoad(t *testing.T) {
	dir := t.TempDir()
	db := open(t, filepath.Join(dir, "tutor.db"))
	defer db.Close()
	ctx := context.Background()
	put := func(i int) error {
		return db.Update(ctx, func(tx *Tx) error { return tx.PutLearner(fmt.Sprintf("k%05d", i), []byte("v")) })
	}
	for i := range 200 {
		if err := put(i); err != nil {
			t.Fatal(err)
		}
	}
	stop := make(chan struct{})
	// busy is closed once the writers have committed some writes, so the
	// backup runs while they write.
	busy := make(chan struct{})
	var written atomic.Int64
	var once sync.Once
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := 1000 * (w + 1); ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if err := put(i); err != nil {
					t.Error(err)
					once.Do(func() { close(busy) })
					return
				}
				if written.Add(1) >= 20 {
					once.Do(func() { close(busy) })
				}
			}
		})
	}
	<-busy
	var buf bytes.Buffer
	if _, err := db.Backup(&buf); err != nil {
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()
	copyPath := filepath.Join(dir, "copy.db")
	if err := os.WriteFile(copyPath, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	c := open(t, copyPath)
	defer c.Close()
	c.View(func(tx *Tx) error {
		for i := range 200 {
			if tx.Learner(fmt.Sprintf("k%05d", i)) == nil {
				t.Errorf("backup misses k%05d", i)
			}
		}
		return nil
	})
}

func TestCheckHealthyFile(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "tutor.db"))
	defer db.Close()
	db.Update(context.Background(), func(tx *Tx) error { return tx.PutLearner("a", []byte("b")) })
	if err := db.Check(0); err != nil {
		t.Fatalf("check: %v", err)
	}
}
