package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"tutorbot/storage"
)

// TestTerminalSIGTERMWhileWaiting: the terminal tutor waiting for input
// ends within a second of SIGTERM (and of SIGINT), with exit status 0 and
// the database closed: another process can open it at once.
func TestTerminalSIGTERMWhileWaiting(t *testing.T) {
	bin := binary(t)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "tutor.db")
			cmd := exec.Command(bin, "-db", db)
			cmd.Env = append(os.Environ(), "TELEGRAM_TOKEN=", "DISCORD_TOKEN=")
			stdin, err := cmd.StdinPipe() // kept open: the tutor waits
			if err != nil {
				t.Fatal(err)
			}
			defer stdin.Close()
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			// Wait for the first prompt.
			prompt := make(chan struct{})
			go func() {
				r := bufio.NewReader(stdout)
				for {
					b, err := r.ReadByte()
					if err != nil {
						return
					}
					if b == '>' {
						close(prompt)
						break
					}
				}
				for {
					if _, err := r.ReadByte(); err != nil {
						return
					}
				}
			}()
			select {
			case <-prompt:
			case <-time.After(10 * time.Second):
				t.Fatal("no prompt within 10 s")
			}
			start := time.Now()
			cmd.Process.Signal(sig)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("exit: %v", err)
				}
				if d := time.Since(start); d > time.Second {
					t.Errorf("exited %v after %v, want within 1 s", d, sig)
				}
			case <-time.After(time.Second):
				t.Fatalf("still running 1 s after %v", sig)
			}
			other, err := storage.Open(db, storage.Options{LockTimeout: 100 * time.Millisecond})
			if err != nil {
				t.Fatalf("database after exit: %v", err)
			}
			other.Close()
		})
	}
}

// TestTerminalLongLine: a 2 MB line is refused politely and the next
// command is answered, in the real binary.
func TestTerminalLongLine(t *testing.T) {
	bin := binary(t)
	cmd := exec.Command(bin, "-db", filepath.Join(t.TempDir(), "tutor.db"))
	cmd.Env = append(os.Environ(), "TELEGRAM_TOKEN=", "DISCORD_TOKEN=")
	cmd.Stdin = strings.NewReader(strings.Repeat("long line ", 200<<10) + "\n/progress\n")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("tutorbot: %v\n%s", err, errOut.String())
	}
	o := out.String()
	if !strings.Contains(o, "too long for me (2048000 characters") || !strings.Contains(o, "not started") {
		t.Errorf("output:\n%.2000s", o)
	}
}

// TestRunWithoutPlatform: "tutorbot run" with no token fails with one line
// (a container must not exit 0 and be restarted forever), while tutorbot
// without a subcommand stays the terminal tutor.
func TestRunWithoutPlatform(t *testing.T) {
	db := filepath.Join(t.TempDir(), "tutor.db")
	env := func(k string) string {
		if k == "TUTORBOT_DB" {
			return db
		}
		return ""
	}
	var out, errOut bytes.Buffer
	code := run(t.Context(), []string{"run"}, strings.NewReader("/start\n"), &out, &errOut, env)
	if code == 0 || errOut.String() != "tutorbot: no platform configured: set TELEGRAM_TOKEN or DISCORD_TOKEN\n" {
		t.Errorf("tutorbot run: exit %d, stderr %q", code, errOut.String())
	}
	out.Reset()
	errOut.Reset()
	if code := run(t.Context(), nil, strings.NewReader("/start\n"), &out, &errOut, env); code != 0 || !strings.Contains(out.String(), "I'm your tutor") {
		t.Errorf("tutorbot: exit %d, stdout %.200q, stderr %q", code, out.String(), errOut.String())
	}
}

var startupMB = flag.Int("startup.mb", 8, "size in MB of the database BenchmarkStartupChecked starts on (the README figure: 100)")

// BenchmarkStartupChecked measures the terminal tutor from process start to
// the first prompt (then end of input) on a database of -startup.mb
// megabytes: with the checks at start, and with -skip-check.
func BenchmarkStartupChecked(b *testing.B) {
	bin := binary(b)
	path := filepath.Join(b.TempDir(), "big.db")
	db, err := storage.Open(path, storage.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	rec := []byte(`{"v":1,"started":"2026-01-01T00:00:00Z","lesson":"map-of-open-weight-models","progress":{"map-of-open-weight-models":{"page":3,"seen":4,"quiz":{"best":1}}},"tasks":[{"id":1,"text":"` + strings.Repeat("summarise a contract ", 90) + `"}]}`)
	for n := 0; ; {
		err := db.Update(context.Background(), func(tx *storage.Tx) error {
			for range 2000 {
				n++
				if err := tx.PutLearner(fmt.Sprintf("telegram:%d", n), rec); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		if st, _ := os.Stat(path); st.Size() >= int64(*startupMB)<<20 {
			break
		}
	}
	db.Close()
	for _, skip := range []bool{false, true} {
		b.Run(fmt.Sprintf("skip-check=%v", skip), func(b *testing.B) {
			args := []string{"-db", path}
			if skip {
				args = append(args, "-skip-check")
			}
			for b.Loop() {
				cmd := exec.Command(bin, args...)
				cmd.Env = append(os.Environ(), "TELEGRAM_TOKEN=", "DISCORD_TOKEN=")
				cmd.Stdin = strings.NewReader("")
				out, err := cmd.Output()
				if err != nil || !strings.Contains(string(out), "> ") {
					b.Fatalf("tutorbot: %v %q", err, out)
				}
			}
		})
	}
}
