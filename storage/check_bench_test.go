package storage

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var checkMB = flag.Int("check.mb", 8, "size in MB of the database BenchmarkOpenCheck builds (try 100 and 1024)")

// bigDatabase writes learner records of about 2 KB until the file reaches
// mb megabytes, and returns its path.
func bigDatabase(b *testing.B, mb int) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "big.db")
	db, err := Open(path, Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	rec := make([]byte, 2000)
	for i := range rec {
		rec[i] = byte('a' + i%26)
	}
	for n := 0; ; {
		err := db.Update(context.Background(), func(tx *Tx) error {
			for range 2000 {
				n++
				if err := tx.PutLearner(fmt.Sprintf("telegram:%09d", n*7919%1000000007), rec); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		if st, _ := os.Stat(path); st.Size() >= int64(mb)<<20 {
			break
		}
	}
	if err := db.Close(); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkOpenCheck measures the checks at open on a database of
// -check.mb megabytes: Verify (the meta pages and every page in use, read
// without bbolt), bbolt's consistency check, and the whole Open with Check.
func BenchmarkOpenCheck(b *testing.B) {
	path := bigDatabase(b, *checkMB)
	st, _ := os.Stat(path)
	b.ReportMetric(float64(st.Size()>>20), "MB")
	b.Run("Verify", func(b *testing.B) {
		for b.Loop() {
			if err := Verify(path); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("bboltCheck", func(b *testing.B) {
		db, err := Open(path, Options{ReadOnly: true})
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		for b.Loop() {
			if err := db.Check(time.Hour); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("OpenWithCheck", func(b *testing.B) {
		for b.Loop() {
			db, err := Open(path, Options{Check: true, CheckTimeout: time.Hour})
			if err != nil {
				b.Fatal(err)
			}
			db.Close()
		}
	})
	b.Run("OpenSkipCheck", func(b *testing.B) {
		for b.Loop() {
			db, err := Open(path, Options{})
			if err != nil {
				b.Fatal(err)
			}
			db.Close()
		}
	})
}
