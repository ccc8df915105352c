package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// lessonText is a valid lesson file.
func lessonText(id string, order int) string {
	return fmt.Sprintf("---\nid: %s\ntitle: Lesson %s\norder: %d\ncourse: Folder Course\n---\n\n## Only page\n\nText of lesson %s.\n", id, id, order, id)
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestLessonsDirBrokenStopsTheStart runs the binary on a broken lessons
// folder: it exits 1 with file:line lines, before touching the database.
func TestLessonsDirBrokenStopsTheStart(t *testing.T) {
	bin := binary(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "en", "01-a.md"), lessonText("a", 1))
	writeFile(t, filepath.Join(dir, "en", "02-b.md"), "# no front matter\n")
	writeFile(t, filepath.Join(dir, "en", "03-c.md"), lessonText("a", 3))
	db := filepath.Join(t.TempDir(), "tutor.db")
	for _, args := range [][]string{{"-lessons", dir, "-db", db}, {"-db", db}} {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env = append(os.Environ(), "TELEGRAM_TOKEN=", "DISCORD_TOKEN=", "LESSONS_DIR="+dir)
		cmd.Stdin = strings.NewReader("/start\n")
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		cancel()
		if code := cmd.ProcessState.ExitCode(); code != 1 {
			t.Fatalf("%v: exit code %d (err %v), want 1\nstderr: %s", args, code, err, errOut.String())
		}
		for _, want := range []string{
			filepath.Join(dir, "en", "02-b.md") + ":1: missing front matter",
			filepath.Join(dir, "en", "03-c.md") + `:2: lesson id "a" is also used by en/01-a.md`,
			"the lessons folder has problems",
		} {
			if !strings.Contains(errOut.String(), want) {
				t.Errorf("%v: stderr misses %q:\n%s", args, want, errOut.String())
			}
		}
		if out.Len() > 0 {
			t.Errorf("%v: the tutor answered: %s", args, out.String())
		}
	}
	if _, err := os.Stat(db); err == nil {
		t.Error("the database was created although the start was refused")
	}
	for _, bad := range []string{filepath.Join(dir, "missing"), filepath.Join(dir, "en", "01-a.md"), t.TempDir()} {
		cmd := exec.Command(bin, "-lessons", bad, "-db", db)
		cmd.Env = append(os.Environ(), "TELEGRAM_TOKEN=", "DISCORD_TOKEN=")
		var errOut bytes.Buffer
		cmd.Stderr = &errOut
		cmd.Run()
		if code := cmd.ProcessState.ExitCode(); code != 1 || !strings.Contains(errOut.String(), bad+":1: ") {
			t.Errorf("-lessons %s: exit %d, stderr %s", bad, code, errOut.String())
		}
	}
}

// consoleProc drives the terminal tutor as a separate process through its
// standard input and output.
type consoleProc struct {
	t     *testing.T
	cmd   *exec.Cmd
	in    io.WriteCloser
	mu    sync.Mutex
	out   strings.Builder
	logs  *syncBuffer
	lines chan struct{}
}

func startConsole(t *testing.T, bin string, env ...string) *consoleProc {
	t.Helper()
	c := &consoleProc{t: t, logs: &syncBuffer{}, lines: make(chan struct{}, 1)}
	c.cmd = exec.Command(bin, "-db", filepath.Join(t.TempDir(), "tutor.db"))
	c.cmd.Env = append(append(os.Environ(), "TELEGRAM_TOKEN=", "DISCORD_TOKEN="), env...)
	c.cmd.Stderr = c.logs
	var err error
	if c.in, err = c.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := c.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			c.mu.Lock()
			c.out.WriteString(sc.Text() + "\n")
			c.mu.Unlock()
			select {
			case c.lines <- struct{}{}:
			default:
			}
		}
	}()
	t.Cleanup(func() {
		c.cmd.Process.Kill()
		c.cmd.Wait()
		if t.Failed() {
			t.Logf("tutor output:\n%s\nlogs:\n%s", c.output(), c.logs.String())
		}
	})
	return c
}

func (c *consoleProc) output() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.out.String()
}

// ask types a line and waits until the output after it contains want.
func (c *consoleProc) ask(line, want string) string {
	c.t.Helper()
	before := len(c.output())
	if _, err := io.WriteString(c.in, line+"\n"); err != nil {
		c.t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if got := c.output()[before:]; strings.Contains(got, want) {
			return got
		}
		select {
		case <-c.lines:
		case <-time.After(50 * time.Millisecond):
		}
	}
	c.t.Fatalf("%s: no %q in the answer:\n%s", line, want, c.output()[before:])
	return ""
}

// waitLog waits until the tutor's logs contain want n times.
func (c *consoleProc) waitLog(want string, n int) {
	c.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Count(c.logs.String(), want) >= n {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	c.t.Fatalf("no %q in the logs %d time(s)", want, n)
}

// TestLessonsDirReloadOnHangup runs the terminal tutor on a lessons folder
// and sends it SIGHUP: a broken folder is refused and the old course keeps
// serving; a folder with a new lesson makes it appear in /course.
func TestLessonsDirReloadOnHangup(t *testing.T) {
	bin := binary(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "en", "01-a.md"), lessonText("a", 1))
	c := startConsole(t, bin, "LESSONS_DIR="+dir)
	c.ask("/course", "Folder Course")
	if got := c.ask("/course", "1 lesson "); strings.Contains(got, "Lesson b") {
		t.Fatalf("lesson b before it was written:\n%s", got)
	}

	writeFile(t, filepath.Join(dir, "en", "02-b.md"), lessonText("b", 2)+"\x00")
	if err := c.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	c.waitLog("lessons folder refused", 1)
	if !strings.Contains(c.logs.String(), "02-b.md:1: file contains NUL bytes") {
		t.Errorf("the refusal does not say file:line:\n%s", c.logs.String())
	}
	if got := c.ask("/course", "1 lesson "); strings.Contains(got, "Lesson b") {
		t.Fatalf("a broken folder changed the course:\n%s", got)
	}

	writeFile(t, filepath.Join(dir, "en", "02-b.md"), lessonText("b", 2))
	if err := c.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	c.waitLog("SIGHUP: lessons reloaded", 1)
	got := c.ask("/course", "2 lessons")
	if !strings.Contains(got, "2. Lesson b — not started") {
		t.Errorf("/course after the reload:\n%s", got)
	}
	c.ask("/lesson 2", "Text of lesson b.")
	if err := c.in.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Wait(); err != nil {
		t.Errorf("the tutor ended with %v", err)
	}
}

// TestHangupWithoutLessonsDir checks that SIGHUP does not stop a tutor
// that teaches its built-in lessons.
func TestHangupWithoutLessonsDir(t *testing.T) {
	c := startConsole(t, binary(t))
	c.ask("/course", "Map of Open-Weight Models")
	if err := c.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	c.waitLog("nothing reloaded", 1)
	c.ask("/course", "Map of Open-Weight Models")
}
