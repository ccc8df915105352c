package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"

	"tutorbot/lessons"
)

var errLintFailed = errors.New("lint found problems")

// runLint checks a lessons folder and prints file:line: problem lines.
func runLint(args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("lint", flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.Usage = func() { fmt.Fprintln(stderr, "Usage: tutorbot lint [dir]   (default: the built-in course)") }
	if err := fl.Parse(args); err != nil {
		return usageError{}
	}
	if fl.NArg() > 1 {
		return usageError{msg: "tutorbot lint: give at most one folder"}
	}
	var fsys fs.FS = lessons.Content()
	name := "built-in course"
	if fl.NArg() == 1 {
		dir := fl.Arg(0)
		st, err := os.Stat(dir)
		if err != nil || !st.IsDir() {
			return fmt.Errorf("lint: %s is not a folder", dir)
		}
		fsys, name = os.DirFS(dir), dir
	}
	probs, warns := lessons.Lint(fsys), lessons.LintWarnings(fsys)
	for _, p := range probs {
		fmt.Fprintln(stdout, p.String())
	}
	for _, w := range warns {
		fmt.Fprintln(stdout, "warning: "+w.String())
	}
	if len(probs) > 0 {
		fmt.Fprintf(stderr, "%d problem(s) in %s\n", len(probs), name)
		return errLintFailed
	}
	fmt.Fprintf(stdout, "%s: ok\n", name)
	return nil
}
