// Command tutorbot runs the course tutor: in the terminal when no platform
// token is set, otherwise on the configured chat platforms. Subcommands
// check lesson files and inspect the database.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"tutorbot/storage"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first signal, a second one ends the process at once.
		<-ctx.Done()
		stop()
	}()
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// run is main without the process: it returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	// Without a subcommand the terminal tutor runs when no platform is
	// configured; "run" itself is for servers and wants a platform.
	sub, explicit := "run", false
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		sub, args, explicit = args[0], args[1:], true
	}
	var err error
	switch sub {
	case "run":
		err = runTutor(ctx, args, explicit, stdin, stdout, stderr, getenv)
	case "lint":
		err = runLint(args, stdout, stderr)
	case "stats":
		err = runStats(ctx, args, stdout, stderr, getenv)
	case "backup":
		err = runBackup(ctx, args, stdout, stderr, getenv)
	case "announce":
		err = runAnnounce(ctx, args, stdout, stderr, getenv)
	case "recommend":
		err = runRecommend(args, stdin, stdout, stderr)
	case "check":
		err = runCheck(args, stdout, stderr, getenv)
	case "healthcheck":
		err = runHealthcheck(ctx, stdout, getenv)
	case "help":
		usage(stdout)
		return 0
	default:
		fmt.Fprintf(stderr, "tutorbot: unknown subcommand %q\n", sub)
		usage(stderr)
		return 2
	}
	var ue usageError
	switch {
	case err == nil, errors.Is(err, errHelp):
		return 0
	case errors.As(err, &ue):
		if ue.msg != "" {
			fmt.Fprintln(stderr, ue.msg)
		}
		return 2
	case errors.Is(err, errLintFailed):
		return 1
	case errors.Is(err, storage.ErrDamaged):
		fmt.Fprintf(stderr, "tutorbot: %v; restore it from a backup (README, \"Operating\": tutorbot backup and Restore)\n", err)
		return 1
	default:
		fmt.Fprintf(stderr, "tutorbot: %v\n", err)
		return 1
	}
}

// errHelp means -h printed the usage: not a failure.
var errHelp = errors.New("help shown")

// usageError is a command-line mistake: its message is printed as is and
// the exit code is 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usage(w io.Writer) {
	fmt.Fprint(w, `Usage:
  tutorbot [flags]            the terminal tutor, or the platforms when a token is set
  tutorbot run [flags]        run the tutor on the configured platforms (a token is required)
  tutorbot lint [dir]         check lesson files (default: the built-in course)
  tutorbot stats [-csv] [-png FILE]  course statistics from the database (and the funnel chart)
  tutorbot backup FILE        a consistent copy of the database, also while the tutor runs
  tutorbot announce -file msg.md [-audience "cohort CODE"] [-yes]  an announcement to learners, sent by the running tutor
  tutorbot announce -status [ID]  how an announcement's delivery stands
  tutorbot check [FILE]       check a database file for damage (the checks run at every start)
  tutorbot recommend [-json] [-lang ru]  the practice answer for a filled-in template read from stdin
  tutorbot healthcheck        ask the running tutor's /healthz (for Docker's HEALTHCHECK)
  tutorbot help               this text

Run "tutorbot run -h" for every setting.
`)
}

// newLogger builds the one logger of the process.
func newLogger(w io.Writer, level slog.Level, json bool) *slog.Logger {
	// Durations read as Go writes them ("10s"), not as nanoseconds.
	opts := &slog.HandlerOptions{Level: level, ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Value.Kind() == slog.KindDuration {
			a.Value = slog.StringValue(a.Value.Duration().String())
		}
		return a
	}}
	if json {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
