package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"tutorbot/bot"
	"tutorbot/bot/console"
	"tutorbot/lessons"
	"tutorbot/storage"
)

// config is every setting of "tutorbot run".
type config struct {
	DB       string
	LogLevel slog.Level
	LogJSON  bool
}

// parseConfig reads flags, then environment variables for flags not given.
func parseConfig(args []string, stderr io.Writer, getenv func(string) string) (config, error) {
	var c config
	fl := flag.NewFlagSet("run", flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.StringVar(&c.DB, "db", envOr(getenv, "TUTORBOT_DB", "tutorbot.db"), "bbolt database file (env TUTORBOT_DB)")
	level := fl.String("log-level", envOr(getenv, "LOG_LEVEL", "info"), "log level: debug, info, warn, error (env LOG_LEVEL)")
	fl.BoolVar(&c.LogJSON, "log-json", getenv("LOG_FORMAT") == "json", "log as JSON (env LOG_FORMAT=json)")
	if err := fl.Parse(args); err != nil {
		return c, usageError{}
	}
	if fl.NArg() > 0 {
		return c, usageError{msg: fmt.Sprintf("tutorbot run: unexpected argument %q", fl.Arg(0))}
	}
	if err := c.LogLevel.UnmarshalText([]byte(*level)); err != nil {
		return c, usageError{msg: fmt.Sprintf("tutorbot run: invalid log level %q (want debug, info, warn or error)", *level)}
	}
	return c, nil
}

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

// runTutor runs the tutor until ctx ends or, in the terminal, the input ends.
func runTutor(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	cfg, err := parseConfig(args, stderr, getenv)
	if err != nil {
		return err
	}
	log := newLogger(stderr, cfg.LogLevel, cfg.LogJSON)
	course, err := lessons.Default()
	if err != nil {
		return fmt.Errorf("load lessons: %w", err)
	}
	db, err := storage.Open(cfg.DB, storage.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	engine, err := bot.NewEngine(bot.Config{DB: db, Course: course, Log: log})
	if err != nil {
		return err
	}
	return console.Run(ctx, console.Config{Handler: engine, In: stdin, Out: stdout, Name: getenv("USER"), Echo: !isTerminal(stdin)})
}

// isTerminal reports whether r is an interactive terminal.
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
