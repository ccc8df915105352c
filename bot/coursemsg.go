package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"tutorbot/lessons"
	"tutorbot/remind"
	"tutorbot/render"
	"tutorbot/storage"
)

// timedUnlock reports whether a lesson opens at a time that needs a
// message: a date, or a delay after the previous lesson.
func timedUnlock(l *lessons.Lesson) bool {
	return !l.Rule.Date.IsZero() || (l.Rule.AfterPrevious && l.Rule.Delay > 0)
}

// courseEvents holds what nextCourseEvent needs.
type courseEvents struct {
	course     *lessons.Course
	st         *State
	now        time.Time
	loc        *time.Location
	nudgeAfter time.Duration
	set        remind.Settings
}

// unlockAt returns when lesson l opens for the learner with a message,
// and whether that is known and still to be announced.
func (c courseEvents) unlockAt(l *lessons.Lesson) (time.Time, bool) {
	if !timedUnlock(l) {
		return time.Time{}, false
	}
	if p := c.st.Progress[l.ID]; p != nil && (p.Announced || p.Seen > 0 || p.Quiz.Attempts > 0) {
		return time.Time{}, false
	}
	var prevDone time.Time
	if prev := c.course.Previous(l.ID); prev != nil {
		if p := c.st.Progress[prev.ID]; p != nil {
			prevDone = p.Done
		}
	}
	at, known := l.Rule.At(prevDone, c.loc)
	return at, known
}

// nudgeAt returns when the learner's nudge for their current lesson is
// due, and whether one is to come at all.
func (c courseEvents) nudgeAt() (*lessons.Lesson, time.Time, bool) {
	if c.nudgeAfter <= 0 || c.set.NudgesOff || c.st.Active == 0 {
		return nil, time.Time{}, false
	}
	l, _ := c.course.Lesson(c.st.Lesson, "")
	if l == nil {
		return nil, time.Time{}, false
	}
	p := c.st.Progress[l.ID]
	if p == nil || p.Seen == 0 || p.Nudged || complete(l, p) {
		return nil, time.Time{}, false
	}
	return l, time.Unix(int64(c.st.Active), 0).UTC().Add(c.nudgeAfter), true
}

// next is the learner's next course event after now (zero: none).
func (c courseEvents) next() time.Time {
	if c.st.Lesson == "" || c.set.CourseOff {
		return time.Time{}
	}
	var best time.Time
	consider := func(at time.Time) {
		if at.After(c.now) && (best.IsZero() || at.Before(best)) {
			best = at
		}
	}
	for _, l := range c.course.Lessons {
		if at, ok := c.unlockAt(l); ok {
			consider(at)
		}
	}
	if _, at, ok := c.nudgeAt(); ok {
		if !at.After(c.now) {
			at = c.now.Add(time.Second)
		}
		consider(at)
	}
	return best
}

// scheduleCourse keeps the learner's next course look in the due index, in
// the turn's own transaction. It does nothing for courses without timed
// unlocks when nudges are off.
func (t *turn) scheduleCourse() error {
	rem := t.e.cfg.Reminders
	if rem == nil || t.tx == nil || t.forget || (t.e.cfg.NudgeAfter <= 0 && !t.course.TimedUnlocks()) {
		return nil
	}
	key := t.ev.Key()
	set, _, err := remind.Lookup(t.tx, key)
	if err != nil {
		return nil // an unreadable reminder record: /remind reports it
	}
	loc, err := set.Location()
	if err != nil {
		loc = time.UTC
	}
	ev := courseEvents{course: t.course, st: t.st, now: t.now, loc: loc, nudgeAfter: t.e.cfg.NudgeAfter, set: set}
	at := ev.next()
	if at.IsZero() {
		return nil
	}
	_, err = remind.ScheduleCourseIn(t.tx, key, at, t.ev.Platform, t.ev.UserID, t.ev.UserID)
	return err
}

// DeliverCourse sends a learner's course messages that are due (lessons
// that opened, a nudge) and returns when to look again; it is the reminder
// dispatcher's DeliverCourse function. The messages are marked as sent in
// the learner's record in the same transaction that puts them in the
// outbox, so each is delivered once, also across a crash. Course messages
// switched off are not sent (an opened lesson is still marked as told).
// An unreachable or erased learner gets nothing (remind.ErrSkip).
func (e *Engine) DeliverCourse(ctx context.Context, key string, s remind.Settings, at time.Time) (time.Time, error) {
	m, ok := e.messenger(s.Platform)
	if !ok {
		return time.Time{}, fmt.Errorf("deliver course messages to %s: no messenger for %s", key, s.Platform)
	}
	_, outbox := m.(Sender)
	course := e.Course()
	loc, err := s.Location()
	if err != nil {
		loc = time.UTC
	}
	var (
		t     *turn
		items []*outItem
		next  time.Time
		skip  bool
	)
	err = e.db.Update(ctx, func(tx *storage.Tx) error {
		t, items, next, skip = nil, nil, time.Time{}, false
		old := tx.Learner(key)
		if old == nil {
			skip = true
			return nil
		}
		st, err := decodeState(old)
		if err != nil {
			return err
		}
		if !st.reachable(s.UserID, s.ChatID) {
			skip = true
			return nil
		}
		now := e.now().UTC()
		ev := courseEvents{course: course, st: st, now: now, loc: loc, nudgeAfter: e.cfg.NudgeAfter, set: s}
		t = &turn{e: e, course: course, ev: Event{Platform: s.Platform, UserID: s.UserID, ChatID: s.ChatID, Format: m.Format()}, st: st, now: now, tr: e.msgs.For(st.Lang)}
		changed := false
		for _, l := range course.Lessons {
			// Only lessons that opened while the learner was in the course.
			when, ok := ev.unlockAt(l)
			if !ok || when.After(now) || !when.After(st.Started) {
				continue
			}
			st.progress(l.ID).Announced = true
			changed = true
			if !s.CourseOff {
				l, _ := course.Lesson(l.ID, st.Lang)
				t.say(t.tr.T("Unlocked", "Order", l.Order, "Title", render.EscapeMarkdown(l.Title)), []Button{{Label: t.tr.T("BtnOpenLesson"), Payload: payL(kindOpen, l)}, t.courseButton()})
			}
		}
		if l, when, ok := ev.nudgeAt(); ok && !when.After(now) && !s.CourseOff {
			p := st.progress(l.ID)
			p.Nudged = true
			changed = true
			l, _ := course.Lesson(l.ID, st.Lang)
			t.say(t.tr.T("Nudge", "Page", min(p.Page, len(l.Pages)-1)+1, "Pages", len(l.Pages), "Order", l.Order, "Title", render.EscapeMarkdown(l.Title)), []Button{{Label: t.tr.T("BtnContinue"), Payload: payL(kindOpen, l)}, {Label: t.tr.T("BtnNoNudges"), Payload: payWord(kindRemind, "noff")}})
		}
		next = ev.next()
		if !changed {
			return nil
		}
		if outbox {
			if items, err = t.stage(tx, t.out, false); err != nil {
				return err
			}
		}
		b, err := json.Marshal(st)
		if err != nil {
			return fmt.Errorf("encode learner record: %w", err)
		}
		return tx.PutLearner(key, b)
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("deliver course messages to %s: %w", key, err)
	}
	if skip {
		return time.Time{}, remind.ErrSkip
	}
	if outbox {
		for _, it := range items {
			it.replies = splitReply(it.d.Reply, it.d.text(m.Format()))
		}
		e.out.enqueue(items)
		return next, nil
	}
	// A messenger without an outbox (the terminal): sent after the commit,
	// so a crash in between loses these messages rather than repeating.
	if replies := t.replies(); len(replies) > 0 {
		if err := m.Deliver(ctx, s.UserID, s.ChatID, replies); err != nil {
			if errors.Is(err, ErrUnreachable) {
				if merr := e.MarkUnreachable(ctx, s.Platform, s.UserID, s.ChatID); merr != nil {
					e.log.Error("mark unreachable", "err", merr)
				}
				return time.Time{}, fmt.Errorf("%w: %w", remind.ErrSkip, err)
			}
			return time.Time{}, fmt.Errorf("deliver course messages to %s: %w", key, err)
		}
	}
	return next, nil
}

// courseMessagesCmd handles "/remind course on|off" and "/remind nudges on|off".
func (t *turn) courseMessagesCmd(what, arg string) {
	on := arg == "on"
	if arg != "on" && arg != "off" {
		t.say(t.tr.T("RemindHelp"))
		return
	}
	off := !on
	var courseOff, nudgesOff *bool
	var md string
	switch {
	case what == "course" && on && t.e.cfg.NudgeAfter > 0:
		courseOff, md = &off, t.tr.T("CourseMessagesOnNudges")
	case what == "course" && on:
		courseOff, md = &off, t.tr.T("CourseMessagesOn")
	case what == "course":
		courseOff, md = &off, t.tr.T("CourseMessagesOff")
	case on:
		nudgesOff, md = &off, t.tr.T("NudgesOn")
	default:
		nudgesOff, md = &off, t.tr.T("NudgesOff")
	}
	ev := t.ev
	t.later(func(ctx context.Context, t *turn) {
		if err := t.e.cfg.Reminders.SetCourseMessages(ctx, ev.Key(), courseOff, nudgesOff, ev.Platform, ev.UserID, ev.UserID); err != nil {
			t.remindError(err)
			return
		}
		t.say(md)
	})
}

// courseWords are the first words of /remind that name course messages.
func courseWords(word string) (what, arg string, ok bool) {
	for _, w := range []string{"course", "nudges", "nudge"} {
		if rest, found := strings.CutPrefix(word, w); found && (rest == "" || rest[0] == ' ') {
			if w == "nudge" {
				w = "nudges"
			}
			return w, strings.TrimSpace(rest), true
		}
	}
	return "", "", false
}
