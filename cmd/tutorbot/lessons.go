package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"sync/atomic"
	"syscall"

	"tutorbot/bot"
	"tutorbot/lessons"
)

// errLessons means the lessons folder did not load; its problems were
// printed as file:line: problem lines.
var errLessons = errors.New("the lessons folder has problems")

// courseLoader returns the function that reads the course: the lessons
// folder dir, or the built-in course when dir is empty (then reload is nil).
func courseLoader(dir string) (load, reload func() (*lessons.Course, error)) {
	if dir == "" {
		return lessons.Default, nil
	}
	// The last course read, so a reload parses only the files that changed.
	var last atomic.Pointer[lessons.Course]
	load = func() (*lessons.Course, error) {
		st, err := os.Stat(dir)
		if err != nil {
			return nil, lessons.Problems{{File: dir, Line: 1, Msg: fmt.Sprintf("cannot read the lessons folder: %v", errors.Unwrap(err))}}
		}
		if !st.IsDir() {
			return nil, lessons.Problems{{File: dir, Line: 1, Msg: "LESSONS_DIR is not a folder"}}
		}
		c, err := lessons.Reload(os.DirFS(dir), last.Load())
		if err == nil {
			last.Store(c)
		}
		var probs lessons.Problems
		if errors.As(err, &probs) {
			// Name files as the operator knows them.
			for i := range probs {
				probs[i].File = filepath.Join(dir, filepath.FromSlash(probs[i].File))
			}
			return nil, probs
		}
		return c, err
	}
	return load, load
}

// loadCourseAtStart loads the course and prints every problem as a
// file:line: problem line on stderr.
func loadCourseAtStart(load func() (*lessons.Course, error), stderr io.Writer) (*lessons.Course, error) {
	c, err := load()
	var probs lessons.Problems
	if errors.As(err, &probs) {
		for _, p := range probs {
			fmt.Fprintln(stderr, p.String())
		}
		return nil, fmt.Errorf("%w (%d problem(s)); fix them or run tutorbot lint on the folder", errLessons, len(probs))
	}
	if err != nil {
		return nil, fmt.Errorf("load lessons: %w", err)
	}
	return c, nil
}

// reloadOnHangup reloads the course on every SIGHUP until ctx ends. An
// invalid folder is logged with its problems and the course stays.
func reloadOnHangup(ctx context.Context, engine *bot.Engine, log *slog.Logger) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		defer signal.Stop(hup)
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				c, err := engine.Reload()
				switch {
				case errors.Is(err, bot.ErrNoLessonsDir):
					log.Warn("SIGHUP: the lessons are built in (no LESSONS_DIR); nothing reloaded")
				case err != nil:
					log.Error("SIGHUP: lessons folder refused; the course is unchanged", "problems", err.Error())
				default:
					log.Info("SIGHUP: lessons reloaded", "lessons", c.Len(), "languages", c.Languages())
				}
			}
		}
	}()
}
