package bot

import (
	"context"
	"errors"
	"strings"

	"tutorbot/lessons"
	"tutorbot/render"
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
		t.say(t.tr.T("ReloadAdminsOnly"))
		return
	}
	if t.e.cfg.LoadCourse == nil {
		t.say(t.tr.T("ReloadBuiltIn"))
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
				lines = append(lines[:maxReloadLines], t.tr.T("ReloadMore", "N", len(lines)-maxReloadLines))
			}
			t.say(t.tr.T("ReloadRefused") + "\n\n```text\n" + strings.ReplaceAll(strings.Join(lines, "\n"), "```", "'''") + "\n```")
			return
		}
		t.e.log.Info("lessons reloaded", "by", t.ev.Key(), "lessons", c.Len())
		t.say(t.tr.T("Reloaded", "Lessons", t.tr.N("Lessons", c.Len()), "Langs", render.EscapeMarkdown(strings.Join(c.Languages(), ", "))))
	})
}
