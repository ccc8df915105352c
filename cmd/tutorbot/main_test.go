package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// syncBuffer is a bytes.Buffer safe for a writing process and a reading test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// binary builds tutorbot once per test run.
func binary(t testing.TB) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "tutorbot-bin")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "tutorbot")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = err
			t.Logf("%s", out)
		}
	})
	if binErr != nil {
		t.Fatalf("build tutorbot: %v", binErr)
	}
	return binPath
}

// TestTerminalTutorPiped runs the real binary with piped input, twice on the
// same database: progress survives the restart.
func TestTerminalTutorPiped(t *testing.T) {
	bin := binary(t)
	db := filepath.Join(t.TempDir(), "tutor.db")
	runWith := func(input string) string {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, "-db", db)
		cmd.Env = append(os.Environ(), "TELEGRAM_TOKEN=", "DISCORD_TOKEN=")
		cmd.Stdin = strings.NewReader(input)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		if err := cmd.Run(); err != nil {
			t.Fatalf("tutorbot: %v\nstderr: %s", err, errOut.String())
		}
		return out.String()
	}
	out := runWith("/start\n/lesson\n1\n")
	for _, want := range []string{
		"> /start", "I'm your tutor", "[1] ▶ Start the lesson  [2] Take the quiz",
		"> /lesson", "Why open weights", "— page 1/9 —", "[1] Next ▶",
		"> 1", "The main families", "— page 2/9 —", "[1] Next ▶  [2] ◀ Back",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output misses %q:\n%s", want, out)
		}
	}
	out = runWith("/lesson\n")
	if !strings.Contains(out, "The main families") || !strings.Contains(out, "— page 2/9 —") {
		t.Errorf("after restart /lesson did not resume at page 2:\n%s", out)
	}
	out = runWith("/quiz\n2\n")
	if !strings.Contains(out, "Your answer: B. ✅ Right") || !strings.Contains(out, "Answered: 1 of 2") {
		t.Errorf("quiz in the terminal:\n%s", out)
	}
}

func TestLintCommand(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"lint"}, nil, &out, &errOut, func(string) string { return "" })
	if code != 0 || !strings.Contains(out.String(), "ok") {
		t.Fatalf("lint of the built-in course: code %d\n%s%s", code, out.String(), errOut.String())
	}
	out.Reset()
	code = run(context.Background(), []string{"lint", "../../lessons/testdata/badquiz"}, nil, &out, &errOut, func(string) string { return "" })
	if code != 1 || !strings.Contains(out.String(), `01-bad.md:8: quiz: question "q1": answer "z" is not one of its options`) {
		t.Fatalf("lint of a bad lesson: code %d\n%s", code, out.String())
	}
}

func TestUnknownFlagAndSubcommand(t *testing.T) {
	for _, args := range [][]string{{"-no-such-flag"}, {"frobnicate"}, {"run", "extra"}, {"-log-level", "loud"}} {
		var out, errOut bytes.Buffer
		code := run(context.Background(), args, strings.NewReader(""), &out, &errOut, func(string) string { return "" })
		if code != 2 || errOut.Len() == 0 {
			t.Errorf("%v: code %d, stderr %q", args, code, errOut.String())
		}
	}
}

func TestDatabaseInUse(t *testing.T) {
	bin := binary(t)
	db := filepath.Join(t.TempDir(), "tutor.db")
	// The first process holds the database while it waits for input.
	first := exec.Command(bin, "-db", db)
	stdin, err := first.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var firstOut syncBuffer
	first.Stdout = &firstOut
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); first.Wait() }()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(firstOut.String(), ">") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	start := time.Now()
	out, err := exec.Command(bin, "-db", db).CombinedOutput()
	if err == nil {
		t.Fatal("second process started on a held database")
	}
	if !strings.Contains(string(out), "is in use by another process") {
		t.Errorf("second process said %q", out)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("second process took %v to fail", d)
	}
}

// BenchmarkStartup measures the terminal tutor from process start to the
// first prompt (then end of input), as a learner running the binary sees it:
// in an English terminal and in a Russian one (both message catalogs and
// both lesson versions are loaded either way).
func BenchmarkStartup(b *testing.B) {
	bin := binary(b)
	for _, tc := range []struct{ lang, intro string }{{"en_US.UTF-8", "type /start"}, {"ru_RU.UTF-8", "начать"}} {
		b.Run(tc.lang[:2], func(b *testing.B) {
			db := filepath.Join(b.TempDir(), "tutor.db")
			for b.Loop() {
				cmd := exec.Command(bin, "-db", db)
				cmd.Env = append(os.Environ(), "LANG="+tc.lang, "LC_ALL=", "LC_MESSAGES=")
				cmd.Stdin = strings.NewReader("")
				out, err := cmd.Output()
				if err != nil || !strings.Contains(string(out), "> ") || !strings.Contains(string(out), tc.intro) {
					b.Fatalf("tutorbot: %v %q", err, out)
				}
			}
		})
	}
}

// TestHelpDocumentsEverySetting: "tutorbot -h" exits 0 and names every
// environment variable the README's configuration table lists.
func TestHelpDocumentsEverySetting(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"-h"}, nil, &out, &errOut, func(string) string { return "" }); code != 0 {
		t.Fatalf("code %d", code)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	help := errOut.String()
	for _, name := range regexp.MustCompile("`([A-Z][A-Z_]+)`").FindAllStringSubmatch(string(readme), -1) {
		env := strings.TrimSuffix(name[1], "_FILE")
		if env == "CGO_ENABLED" || env == "FILE" || env == "NAME" || env == "HEALTHCHECK" || env == "USER" { // not settings: a build flag, placeholders, Dockerfile instructions
			continue
		}
		if !strings.Contains(help, env) {
			t.Errorf("tutorbot -h does not mention %s", env)
		}
	}
}
