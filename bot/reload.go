package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"tutorbot/lessons"
	"tutorbot/render"
)

// What /reload says.
const (
	msgReloadAdminsOnly = "Sorry, reloading the lessons is for the course's admins only."
	msgReloadBuiltIn    = "This tutor teaches its built-in lessons (no LESSONS_DIR is set), so there is nothing to reload."
	msgReloaded         = "Lessons reloaded: %s in %s. New turns use them from now on."
	msgReloadRefused    = "The lessons folder has problems, so the course was **not** changed:\n\n```text\n%s\n```"
)

// ErrNoLessonsDir is returned by Engine.Reload when the course is built in.
var ErrNoLessonsDir = errors.New("no lessons folder to reload from")

// maxReloadLines bounds the lint lines /reload shows.
const maxReloadLines = 20

// Reload reads the course again through Config.LoadCourse and, when it is
// valid, makes it the course of every turn that starts from then on (turns
// in flight finish on the old one). An invalid course is refused and the
// old one stays; the error then holds the lint problems (lessons.Problems).
// Reloads run one at a time; turns never wait for one.
func (e *Engine) Reload() (*lessons.Course, error) {
	if e.cfg.LoadCourse == nil {
		return nil, ErrNoLessonsDir
	}
	e.reloadMu.Lock()
	defer e.reloadMu.Unlock()
	c, err := e.cfg.LoadCourse()
	if err != nil {
		return nil, err
	}
	if err := e.SetCourse(c); err != nil {
		return nil, err
	}
	return c, nil
}

// reloadCmd handles an admin's /reload.
func (t *turn) reloadCmd() {
	if !t.e.cfg.Admins[t.ev.Key()] {
		t.say(msgReloadAdminsOnly)
		return
	}
	if t.e.cfg.LoadCourse == nil {
		t.say(msgReloadBuiltIn)
		return
	}
	// Reading the folder is slow work: after the commit, outside the
	// shared write transaction.
	t.later(func(_ context.Context, t *turn) {
		c, err := t.e.Reload()
		if err != nil {
			t.e.log.Warn("reload lessons refused", "by", t.ev.Key(), "err", err)
			lines := strings.Split(err.Error(), "\n")
			if len(lines) > maxReloadLines {
				lines = append(lines[:maxReloadLines], fmt.Sprintf("… and %d more", len(lines)-maxReloadLines))
			}
			t.say(fmt.Sprintf(msgReloadRefused, strings.ReplaceAll(strings.Join(lines, "\n"), "```", "'''")))
			return
		}
		t.e.log.Info("lessons reloaded", "by", t.ev.Key(), "lessons", c.Len())
		t.say(fmt.Sprintf(msgReloaded, lessonCount(c.Len()), render.EscapeMarkdown(strings.Join(c.Languages(), ", "))))
	})
}
