package main

import (
	"bytes"
	"context"
	enc "encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tutorbot/storage"
)

// makeDatabase writes a real tutor database of n learners (records like
// the engine's) with two transactions, so that nearly every page is in use,
// and returns its bytes.
func makeDatabase(t *testing.T, n int) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "real.db")
	db, err := storage.Open(path, storage.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	for round := range 2 {
		err := db.Update(context.Background(), func(tx *storage.Tx) error {
			for i := range n {
				rec, _ := json.Marshal(map[string]any{"v": 1, "started": time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC), "lesson": "map-of-open-weight-models",
					"progress": map[string]any{"map-of-open-weight-models": map[string]any{"page": i % 9, "seen": 9, "round": round, "quiz": map[string]any{"best": 2}}},
					"tasks":    []map[string]any{{"id": 1, "text": strings.Repeat("summarise a contract ", 10)}}})
				if err := tx.PutLearner(fmt.Sprintf("telegram:%d", 1000+i), rec); err != nil {
					return err
				}
				if err := tx.AddDue(time.Date(2027, 1, 1, 0, 0, i, 0, time.UTC), fmt.Sprintf("telegram:%d", 1000+i)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// newestMeta returns the root and freelist page ids and the high-water
// mark of the newest meta page
// of a bbolt file (layout: 16-byte page header, then magic, version, page
// size, flags, root, sequence, freelist, high-water mark, txid).
func newestMeta(b []byte) (root, freelist, hwm uint64) {
	le := enc.LittleEndian
	var txid uint64
	for _, off := range []int{0, 4096} {
		m := b[off+16:]
		if tx := le.Uint64(m[48:]); tx >= txid {
			txid, root, freelist, hwm = tx, le.Uint64(m[16:]), le.Uint64(m[32:]), le.Uint64(m[40:])
		}
	}
	return root, freelist, hwm
}

// damaged returns the damaged variants of the database good: truncations
// at several sizes, random bytes over data and meta pages, zeroed pages.
func damaged(t *testing.T, good []byte) map[string][]byte {
	const page = 4096
	rng := rand.New(rand.NewPCG(20, 26))
	noise := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	over := func(off int, with []byte) []byte {
		b := bytes.Clone(good)
		copy(b[off:], with)
		return b
	}
	root, freelist, hwm := newestMeta(good)
	size := int(hwm) * page // the file may be longer: bbolt grows it ahead
	mid := (size / page / 2) * page
	out := map[string][]byte{}
	for _, n := range []int{100, 4096, 8192, 12288, 16384, 32768, 65536, size / 2, size - page} {
		out[fmt.Sprintf("truncated to %d bytes", n)] = good[:n]
	}
	out["random bytes over meta page 0"] = over(0, noise(page))
	out["random bytes over meta page 1"] = over(page, noise(page))
	out["random bytes over the root page"] = over(int(root)*page, noise(page))
	out["random bytes over the freelist page"] = over(int(freelist)*page, noise(page))
	out["random bytes over 16 data pages in the middle"] = over(mid, noise(16*page))
	out["random bytes over the last data pages"] = over(size-8*page, noise(8*page))
	out["zeroed meta page 0"] = over(0, make([]byte, page))
	out["zeroed meta page 1"] = over(page, make([]byte, page))
	out["zeroed both meta pages"] = over(0, make([]byte, 2*page))
	out["zeroed root page"] = over(int(root)*page, make([]byte, page))
	out["zeroed 32 data pages in the middle"] = over(mid, make([]byte, 32*page))
	return out
}

// TestDamagedDatabaseRefused starts the real binary (the terminal tutor,
// and "tutorbot check") on damaged copies of a real database: each is
// refused within 5 s with one line naming the file and a non-zero exit,
// never a crash trace or a hang.
func TestDamagedDatabaseRefused(t *testing.T) {
	bin := binary(t)
	good := makeDatabase(t, 600)
	if len(good) < 256<<10 {
		t.Fatalf("test database is only %d bytes", len(good))
	}
	dir := t.TempDir()
	goodPath := filepath.Join(dir, "good.db")
	if err := os.WriteFile(goodPath, good, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, code, _ := runBinary(t, bin, nil, "check", goodPath); code != 0 || !strings.Contains(out, "ok") {
		t.Fatalf("check of the undamaged database: exit %d, %q", code, out)
	}
	i := 0
	for name, b := range damaged(t, good) {
		i++
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, fmt.Sprintf("copy-%d.db", i))
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
			for _, args := range [][]string{{"-db", path}, {"check", path}} {
				out, code, errOut := runBinary(t, bin, []string{"/start\n/progress\n"}, args...)
				t.Logf("%s: %s", args[0], errOut)
				lines := strings.Split(strings.TrimRight(errOut, "\n"), "\n")
				if code == 0 || len(lines) != 1 || !strings.Contains(errOut, path) || strings.Contains(errOut, "goroutine") {
					t.Errorf("tutorbot %s: exit %d, want non-zero and one line naming the file; stderr:\n%s\nstdout:\n%s", strings.Join(args, " "), code, errOut, out)
				}
				if strings.Contains(errOut, "damaged") && !strings.Contains(errOut, "backup") {
					t.Errorf("tutorbot %s: no pointer to the backup: %s", strings.Join(args, " "), errOut)
				}
			}
		})
	}
}

// runBinary runs bin with args and the given stdin, killing it after 5 s,
// and returns stdout, the exit code (-1 when killed) and stderr.
func runBinary(t *testing.T, bin string, stdin []string, args ...string) (string, int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "TELEGRAM_TOKEN=", "DISCORD_TOKEN=", "TUTORBOT_DB=")
	cmd.Stdin = strings.NewReader(strings.Join(stdin, ""))
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Errorf("tutorbot %s: still running after 5 s", strings.Join(args, " "))
		return out.String(), -1, errOut.String()
	}
	code := 0
	if err != nil {
		code = cmd.ProcessState.ExitCode()
	}
	return out.String(), code, errOut.String()
}
