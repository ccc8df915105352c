package lessons

import (
	"fmt"
	"io/fs"
	"slices"
	"strings"
)

// Cross-language checks: a lesson is one lesson in every language it is
// written in, so its translations must agree on everything but words: the
// order, the quiz's question ids (in order), each question's option ids
// and its answer. A learner who switches language mid-quiz keeps the
// attempt, and the grading must not change with the language.

// LintWarnings returns what Lint does not count as problems in a course
// that loads: a lesson missing in a language (its learners get the default
// language's version, with a note).
func LintWarnings(fsys fs.FS) Problems {
	if c, _ := load(fsys, nil); c != nil {
		return c.Warnings
	}
	return nil
}

// crossCheck compares every translation of every lesson with the lesson in
// the reference language (the default, else the first it is written in).
// errs stop the load; warns only report.
func crossCheck(c *Course) (errs, warns Problems) {
	for _, base := range c.Lessons {
		for _, lang := range c.langs {
			if lang == base.Lang {
				continue
			}
			l := c.byLang[lang][base.ID]
			if l == nil {
				warns = append(warns, Problem{File: base.File, Line: 2, Msg: fmt.Sprintf("lesson %q has no %s version; learners reading %s get the %s one with a note", base.ID, lang, lang, base.Lang)})
				continue
			}
			errs = append(errs, sameShape(base, l)...)
		}
	}
	return errs, warns
}

// sameShape reports where translation l differs from base in anything but
// words.
func sameShape(base, l *Lesson) Problems {
	var probs Problems
	bad := func(format string, args ...any) {
		probs = append(probs, Problem{File: l.File, Line: 2, Msg: fmt.Sprintf(format, args...) + fmt.Sprintf(" (as in %s)", base.File)})
	}
	if l.Order != base.Order {
		bad("order %d differs from %d", l.Order, base.Order)
	}
	ids := func(ls *Lesson) []string {
		var out []string
		for _, q := range ls.Quiz {
			out = append(out, q.ID)
		}
		return out
	}
	if a, b := ids(l), ids(base); !slices.Equal(a, b) {
		bad("quiz questions [%s] differ from [%s]", strings.Join(a, ", "), strings.Join(b, ", "))
		return probs
	}
	for i, q := range l.Quiz {
		bq := base.Quiz[i]
		var opts, bopts []string
		for _, o := range q.Options {
			opts = append(opts, o.ID)
		}
		for _, o := range bq.Options {
			bopts = append(bopts, o.ID)
		}
		if !slices.Equal(opts, bopts) {
			bad("question %q has options [%s], not [%s]", q.ID, strings.Join(opts, ", "), strings.Join(bopts, ", "))
			continue
		}
		if q.Answer != bq.Answer {
			bad("question %q has the answer %q, not %q", q.ID, q.Answer, bq.Answer)
		}
	}
	return probs
}
