package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"tutorbot/bot"
	"tutorbot/lessons"
	"tutorbot/practice"
	"tutorbot/render"
	"tutorbot/storage"
)

// runStats prints course statistics from the database.
func runStats(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fl := flag.NewFlagSet("stats", flag.ContinueOnError)
	fl.SetOutput(stderr)
	dbPath := fl.String("db", envOr(getenv, "TUTORBOT_DB", "tutorbot.db"), "bbolt database file (env TUTORBOT_DB)")
	from := fl.String("from", fromDefault(getenv), "while the tutor runs: its HTTP address, e.g. http://127.0.0.1:9090 (default from HTTP_LISTEN)")
	asCSV := fl.Bool("csv", false, "print metric,value rows for a spreadsheet")
	lessonsDir := fl.String("lessons", getenv("LESSONS_DIR"), "the lessons folder the tutor serves (env LESSONS_DIR; default the built-in lessons)")
	pngFile := fl.String("png", "", "also draw the funnel chart (PNG) into this file")
	if err := fl.Parse(args); err != nil || fl.NArg() > 0 {
		return usageError{msg: "usage: tutorbot stats [-db FILE] [-from URL] [-lessons DIR] [-csv] [-png FILE]"}
	}
	db, cleanup, err := openForReading(ctx, *dbPath, *from)
	if err != nil {
		return err
	}
	defer cleanup()
	load, _ := courseLoader(*lessonsDir)
	course, err := loadCourseAtStart(load, stderr)
	if err != nil {
		return err
	}
	s, err := bot.ComputeStats(db, course)
	if err != nil {
		return err
	}
	if *pngFile != "" {
		if err := writeChart(db, course, *pngFile); err != nil {
			return err
		}
	}
	if *asCSV {
		return s.CSV(stdout)
	}
	_, err = fmt.Fprintln(stdout, render.Render(s.Markdown(), render.Plain))
	return err
}

// writeChart draws the course funnel into the PNG file path.
func writeChart(db *storage.DB, course *lessons.Course, path string) error {
	f, err := bot.ComputeFunnel(db, course, nil, time.Now(), "", nil)
	if err != nil {
		return err
	}
	b, err := f.Bytes()
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("write chart: %w", err)
	}
	return nil
}

// runBackup writes a consistent copy of the database to a file.
func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fl := flag.NewFlagSet("backup", flag.ContinueOnError)
	fl.SetOutput(stderr)
	dbPath := fl.String("db", envOr(getenv, "TUTORBOT_DB", "tutorbot.db"), "bbolt database file (env TUTORBOT_DB)")
	from := fl.String("from", fromDefault(getenv), "while the tutor runs: its HTTP address, e.g. http://127.0.0.1:9090 (default from HTTP_LISTEN)")
	if err := fl.Parse(args); err != nil || fl.NArg() != 1 {
		return usageError{msg: "usage: tutorbot backup [-db FILE] [-from URL] BACKUP_FILE"}
	}
	dest := fl.Arg(0)
	tmp, err := os.CreateTemp(filepath.Dir(dest), ".tutorbot-backup-*")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer os.Remove(tmp.Name())
	w := bufio.NewWriter(tmp)
	n, err := backupTo(ctx, w, *dbPath, *from)
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o600)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), dest)
	}
	if err != nil {
		return fmt.Errorf("backup to %s: %w", dest, err)
	}
	fmt.Fprintf(stdout, "backup: %d bytes written to %s\n", n, dest)
	return nil
}

// backupTo copies the database at path, or, when another process holds it,
// asks that process over HTTP.
func backupTo(ctx context.Context, w io.Writer, path, from string) (int64, error) {
	db, err := storage.Open(path, storage.Options{ReadOnly: true, LockTimeout: 500 * time.Millisecond})
	if err == nil {
		defer db.Close()
		return db.Backup(w)
	}
	if !errors.Is(err, storage.ErrInUse) || from == "" {
		if errors.Is(err, storage.ErrInUse) {
			return 0, fmt.Errorf("%w; the running tutor serves backups when it has an HTTP address: tutorbot backup -from http://127.0.0.1:9090 FILE", err)
		}
		return 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, from+"/backup", nil)
	if err != nil {
		return 0, fmt.Errorf("backup from %s: %w", from, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("backup from %s: %w", from, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("backup from %s: %s", from, resp.Status)
	}
	return io.Copy(w, resp.Body)
}

// openForReading opens the database read-only, or a fresh backup of it
// when the running tutor holds it.
func openForReading(ctx context.Context, path, from string) (*storage.DB, func(), error) {
	if _, err := os.Stat(path); err != nil {
		return nil, nil, fmt.Errorf("open database %s: %w", path, err)
	}
	db, err := storage.Open(path, storage.Options{ReadOnly: true, LockTimeout: 500 * time.Millisecond})
	if err == nil {
		return db, func() { db.Close() }, nil
	}
	if !errors.Is(err, storage.ErrInUse) {
		return nil, nil, err
	}
	tmp, terr := os.CreateTemp("", "tutorbot-stats-*.db")
	if terr != nil {
		return nil, nil, terr
	}
	cleanup := func() { os.Remove(tmp.Name()) }
	_, berr := backupTo(ctx, tmp, path, from)
	tmp.Close()
	if berr != nil {
		cleanup()
		return nil, nil, berr
	}
	db, err = storage.Open(tmp.Name(), storage.Options{ReadOnly: true})
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	return db, func() { db.Close(); cleanup() }, nil
}

func fromDefault(getenv func(string) string) string {
	addr := getenv("HTTP_LISTEN")
	if addr == "" {
		return ""
	}
	if addr[0] == ':' {
		addr = "127.0.0.1" + addr
	}
	return "http://" + addr
}

// runRecommend reads a filled-in template from stdin and prints the
// recommendation a learner would get (or its JSON).
func runRecommend(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("recommend", flag.ContinueOnError)
	fl.SetOutput(stderr)
	asJSON := fl.Bool("json", false, "print the structured result")
	lang := fl.String("lang", "", "answer in this language (en or ru); default: the template's language")
	if err := fl.Parse(args); err != nil || fl.NArg() > 0 || (*lang != "" && *lang != "en" && *lang != "ru") {
		return usageError{msg: "usage: tutorbot recommend [-json] [-lang en|ru] < filled-template.txt"}
	}
	in, err := io.ReadAll(io.LimitReader(stdin, 64<<10))
	if err != nil {
		return fmt.Errorf("read template: %w", err)
	}
	cat, err := practice.LoadCatalog()
	if err != nil {
		return err
	}
	req := practice.ParseTemplateIn(string(in), *lang)
	res := practice.Recommend(cat, req)
	if *asJSON {
		b, err := res.JSON()
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(stdout, string(b))
		return err
	}
	_, err = fmt.Fprintln(stdout, render.Render(res.Markdown(), render.Plain))
	return err
}

// runHealthcheck asks the running tutor's /healthz (the Docker HEALTHCHECK).
// Without HTTP_LISTEN there is no listener to ask and it reports healthy.
func runHealthcheck(ctx context.Context, stdout io.Writer, getenv func(string) string) error {
	from := fromDefault(getenv)
	if from == "" {
		fmt.Fprintln(stdout, "healthcheck: HTTP_LISTEN is not set; nothing to check")
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, from+"/healthz", nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s: %s", resp.Status, body)
	}
	fmt.Fprint(stdout, string(body))
	return nil
}

// runCheck runs the start-up checks on a database file offline: the checks
// against its meta pages and bbolt's consistency check.
func runCheck(args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fl := flag.NewFlagSet("check", flag.ContinueOnError)
	fl.SetOutput(stderr)
	timeout := fl.Duration("timeout", storage.DefaultCheckTimeout, "longest the consistency check may take")
	if err := fl.Parse(args); err != nil || fl.NArg() > 1 {
		return usageError{msg: "usage: tutorbot check [-timeout 2m] [FILE]   (default FILE: $TUTORBOT_DB or tutorbot.db)"}
	}
	path := envOr(getenv, "TUTORBOT_DB", "tutorbot.db")
	if fl.NArg() == 1 {
		path = fl.Arg(0)
	}
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("check database %s: %w", path, err)
	}
	start := time.Now()
	db, err := storage.Open(path, storage.Options{ReadOnly: true, LockTimeout: 500 * time.Millisecond, Check: true, CheckTimeout: *timeout})
	if errors.Is(err, storage.ErrInUse) {
		return fmt.Errorf("%w; check a copy from the running tutor instead: tutorbot backup COPY && tutorbot check COPY", err)
	}
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintf(stdout, "%s: ok (checked in %v)\n", path, time.Since(start).Round(time.Millisecond))
	return nil
}
