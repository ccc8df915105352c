package main

import (
	"bufio"
	"bytes"
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
