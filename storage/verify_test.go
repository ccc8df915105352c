package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// fill writes n learners with distinct keys and closes the database.
func fill(t testing.TB, path string, n int) {
	t.Helper()
	db, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(context.Background(), func(tx *Tx) error {
		for i := range n {
			if err := tx.PutLearner(fmt.Sprintf("learner-%05d", i), bytes.Repeat([]byte{'x'}, 200)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyHealthyAndEmpty(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tutor.db")
	fill(t, path, 2000)
	if err := Verify(path); err != nil {
		t.Fatalf("healthy file: %v", err)
	}
	empty := filepath.Join(dir, "empty.db")
	os.WriteFile(empty, nil, 0o600)
	if err := Verify(empty); err != nil {
		t.Fatalf("empty file: %v", err)
	}
}

// TestCheckFindsKeyOrder: damage only bbolt's own check sees (keys out of
// order inside a leaf page) is refused by Open with Check, in one line.
func TestCheckFindsKeyOrder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tutor.db")
	fill(t, path, 500)
	b, _ := os.ReadFile(path)
	i := bytes.Index(b, []byte("learner-00010"))
	if i < 0 {
		t.Fatal("key not found in the file")
	}
	copy(b[i:], "learner-99999") // same length: only the order breaks
	os.WriteFile(path, b, 0o600)
	if err := Verify(path); err != nil {
		t.Fatalf("Verify should not see key order: %v", err)
	}
	db, err := Open(path, Options{Check: true})
	if err == nil {
		db.Close()
		t.Fatal("Open with Check accepted keys out of order")
	}
	if !errors.Is(err, ErrDamaged) || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), path) {
		t.Fatalf("err = %q, want one line naming the file", err)
	}
	// Without the check the file opens (the check is what finds it).
	db, err = Open(path, Options{})
	if err != nil {
		t.Fatalf("open without check: %v", err)
	}
	db.Close()
}

// TestGuardedTurnsFaultIntoError: a read past the end of a mapped file
// (SIGBUS, what bbolt meets on a truncated file) becomes an error.
func TestGuardedTurnsFaultIntoError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "short")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.Truncate(4096)
	m, err := syscall.Mmap(int(f.Fd()), 0, 4*4096, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		t.Fatalf("mmap: %v", err)
	}
	defer syscall.Munmap(m)
	var got byte
	err = guarded(path, "reading", func() error { got = m[3*4096]; return nil })
	var de *DamageError
	if !errors.As(err, &de) || !strings.Contains(err.Error(), "bbolt failed while reading") {
		t.Fatalf("err = %v (read %d)", err, got)
	}
	err = guarded(path, "opening", func() error { panic("invalid freelist page: 0, page type is leaf") })
	if !errors.As(err, &de) || !strings.Contains(err.Error(), "invalid freelist page") {
		t.Fatalf("panic: err = %v", err)
	}
}

// FuzzVerify: any bytes are verified without a panic, and a refusal is
// one line.
func FuzzVerify(f *testing.F) {
	path := filepath.Join(f.TempDir(), "seed.db")
	fill(f, path, 40)
	seed, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add(seed[:3*4096])
	f.Add([]byte("not a database"))
	f.Fuzz(func(t *testing.T, b []byte) {
		err := verify("fuzz.db", b)
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Fatalf("error has several lines: %q", err)
		}
	})
}
