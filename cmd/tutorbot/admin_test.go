package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tutorbot/bot"
	"tutorbot/lessons"
	"tutorbot/ops"
	"tutorbot/render"
	"tutorbot/storage"
)

// seed runs a few learners through the engine on a database file.
func seed(t *testing.T, path string) {
	t.Helper()
	db, err := storage.Open(path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	course, _ := lessons.Default()
	e, err := bot.NewEngine(bot.Config{DB: db, Course: course})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	say := func(user, text, payload string) {
		if _, err := e.Handle(ctx, bot.Event{Platform: "telegram", UserID: user, ChatID: user, Text: text, Payload: payload, Format: render.Plain}); err != nil {
			t.Fatal(err)
		}
	}
	say("1", "/lesson", "")
	say("1", "/quiz", "")
	say("1", "", "1:qa:1:1:0:1") // right
	say("1", "", "1:qa:1:1:1:0") // wrong
	say("2", "/start", "")
}

func TestStatsAndBackupCommands(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tutor.db")
	seed(t, path)
	noenv := func(string) string { return "" }
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"stats", "-db", path, "-csv"}, nil, &out, &errOut, noenv); code != 0 {
		t.Fatalf("stats: %d %s", code, errOut.String())
	}
	csv := out.String()
	for _, want := range []string{"learners,2", "started_lesson,1", "took_quiz,1", "best_score_1,1", "chosen_why-open-weights_b,1", "chosen_deepseek-known-for_a,1", "reached_page_1,1", "reached_page_2,0"} {
		if !strings.Contains(csv, want+"\n") {
			t.Errorf("stats CSV misses %q:\n%s", want, csv)
		}
	}
	out.Reset()
	backup := filepath.Join(dir, "backup.db")
	if code := run(context.Background(), []string{"backup", "-db", path, backup}, nil, &out, &errOut, noenv); code != 0 {
		t.Fatalf("backup: %d %s", code, errOut.String())
	}
	out.Reset()
	if code := run(context.Background(), []string{"stats", "-db", backup}, nil, &out, &errOut, noenv); code != 0 || !strings.Contains(out.String(), "Learners: 2") {
		t.Fatalf("stats of the backup: %d %s", code, out.String())
	}
}

func TestBackupOfHeldDatabaseNeedsHTTP(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tutor.db")
	db, err := storage.Open(path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"backup", "-db", path, filepath.Join(dir, "b.db")}, nil, &out, &errOut, func(string) string { return "" })
	if code != 1 || !strings.Contains(errOut.String(), "-from http://127.0.0.1:9090") {
		t.Fatalf("code %d: %s", code, errOut.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "b.db")); err == nil {
		t.Error("a partial backup file was left")
	}
}

func TestRecommendCommand(t *testing.T) {
	in := "Task: chat assistant in German\nWhere I run it: locally\nAvailable GPU memory: 8 GB\nConstraints: commercial use"
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"recommend", "-json"}, strings.NewReader(in), &out, &errOut, func(string) string { return "" }); code != 0 {
		t.Fatalf("recommend: %d %s", code, errOut.String())
	}
	var res struct {
		Picks []struct {
			ModelID   string  `json:"model_id"`
			MemoryGiB float64 `json:"memory_gib"`
			Fits      string  `json:"fits"`
		} `json:"picks"`
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("JSON: %v\n%s", err, out.String())
	}
	if len(res.Picks) == 0 || res.Picks[0].MemoryGiB > 8 || res.Picks[0].Fits != "yes" {
		t.Errorf("picks: %+v", res.Picks)
	}
	out.Reset()
	if code := run(context.Background(), []string{"recommend"}, strings.NewReader(in), &out, &errOut, func(string) string { return "" }); code != 0 || !strings.Contains(out.String(), "Top pick") {
		t.Errorf("plain recommend: %s", out.String())
	}
}

func TestCorruptDatabaseLeftUntouched(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tutor.db")
	junk := bytes.Repeat([]byte("not bbolt "), 1000)
	os.WriteFile(path, junk, 0o600)
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"-db", path}, strings.NewReader(""), &out, &errOut, func(string) string { return "" })
	if code != 1 || !strings.Contains(errOut.String(), "not a tutorbot database") {
		t.Fatalf("code %d: %s", code, errOut.String())
	}
	if b, _ := os.ReadFile(path); !bytes.Equal(b, junk) {
		t.Fatal("corrupt file was changed")
	}
}

func TestReadOnlyFolder(t *testing.T) {
	if os.Getuid() == 0 {
		// root ignores directory permissions: use a path below a file instead.
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "file"), nil, 0o600)
		var out, errOut bytes.Buffer
		code := run(context.Background(), []string{"-db", filepath.Join(dir, "file", "tutor.db")}, strings.NewReader(""), &out, &errOut, func(string) string { return "" })
		if code != 1 || !strings.Contains(errOut.String(), "open database") {
			t.Fatalf("code %d: %s", code, errOut.String())
		}
		return
	}
	dir := t.TempDir()
	os.Chmod(dir, 0o500)
	defer os.Chmod(dir, 0o700)
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"-db", filepath.Join(dir, "tutor.db")}, strings.NewReader(""), &out, &errOut, func(string) string { return "" })
	if code != 1 || !strings.Contains(errOut.String(), "open database") {
		t.Fatalf("code %d: %s", code, errOut.String())
	}
}

func TestHealthcheckCommand(t *testing.T) {
	healthy := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		if !healthy {
			http.Error(w, "database: not writable", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ok\n")
	}))
	defer srv.Close()
	listen := strings.TrimPrefix(srv.URL, "http://")
	for _, tc := range []struct {
		name    string
		env     map[string]string
		healthy bool
		code    int
	}{
		{"no listener", nil, true, 0},
		{"healthy", map[string]string{"HTTP_LISTEN": listen}, true, 0},
		{"unhealthy", map[string]string{"HTTP_LISTEN": listen}, false, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			healthy = tc.healthy
			var out, errOut bytes.Buffer
			if code := run(context.Background(), []string{"healthcheck"}, nil, &out, &errOut, env(tc.env)); code != tc.code {
				t.Errorf("code %d, want %d: %s %s", code, tc.code, out.String(), errOut.String())
			}
		})
	}
}

// TestBackupFromRunningTutor: while a tutor holds the file, backup and stats
// fetch a consistent copy over its loopback HTTP endpoint.
func TestBackupFromRunningTutor(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tutor.db")
	seed(t, path)
	db, err := storage.Open(path, storage.Options{}) // the "running tutor"
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	srv := httptest.NewServer((&ops.Server{Metrics: ops.NewMetrics(), Backup: db.Backup}).Handler())
	defer srv.Close()
	var out, errOut bytes.Buffer
	backup := filepath.Join(dir, "copy.db")
	if code := run(context.Background(), []string{"backup", "-db", path, "-from", srv.URL, backup}, nil, &out, &errOut, func(string) string { return "" }); code != 0 {
		t.Fatalf("backup: %d %s", code, errOut.String())
	}
	c, err := storage.Open(backup, storage.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("open backup: %v", err)
	}
	defer c.Close()
	c.View(func(tx *storage.Tx) error {
		if tx.Learner("telegram:1") == nil || tx.Learner("telegram:2") == nil {
			t.Error("backup misses a learner")
		}
		return nil
	})
	out.Reset()
	if code := run(context.Background(), []string{"stats", "-db", path, "-from", srv.URL}, nil, &out, &errOut, func(string) string { return "" }); code != 0 || !strings.Contains(out.String(), "Learners: 2") {
		t.Fatalf("stats of a held database: %d %s %s", code, out.String(), errOut.String())
	}
}

// TestStatsPNG: tutorbot stats -png draws the funnel into a PNG file.
func TestStatsPNG(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tutor.db")
	seed(t, path)
	chartFile := filepath.Join(dir, "funnel.png")
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"stats", "-db", path, "-png", chartFile}, nil, &out, &errOut, func(string) string { return "" }); code != 0 {
		t.Fatalf("stats -png: %d %s", code, errOut.String())
	}
	f, err := os.Open(chartFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		t.Fatalf("chart does not decode: %v", err)
	}
	if cfg.Width != 1080 || cfg.Height < 600 {
		t.Errorf("chart is %dx%d", cfg.Width, cfg.Height)
	}
}
