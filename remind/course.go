package remind

import (
	"context"
	"errors"
	"fmt"
	"time"

	"tutorbot/storage"
)

// Course messages (a lesson that opens, a nudge to go on with a lesson)
// share the learner's Settings record, for its address, time zone and quiet
// hours, and the due index, under their own time Settings.Course. The
// engine keeps that time at or before the learner's next course event;
// when it comes, the dispatcher calls DeliverCourse, which sends whatever
// is due and returns when to look again.

// courseGap keeps a course entry apart from the reminder's own entry in the
// due index (both are keyed by time and learner).
const courseGap = time.Millisecond

// ScheduleCourseIn makes sure a course look is due for key at or before at
// (moved out of the learner's quiet hours), inside a transaction the caller
// holds. It writes only when nothing earlier is due, and reports whether it
// wrote. platform, userID and chatID fill in a missing delivery address.
func ScheduleCourseIn(tx *storage.Tx, key string, at time.Time, platform, userID, chatID string) (bool, error) {
	old, _, err := get(tx, key)
	if err != nil {
		return false, err
	}
	if q, err := quietInstant(old, at); err == nil {
		at = q
	}
	if !old.Course.IsZero() && !old.Course.After(at) {
		return false, nil
	}
	set := old
	set.Platform = firstOf(set.Platform, platform)
	set.UserID = firstOf(set.UserID, userID)
	set.ChatID = firstOf(set.ChatID, chatID)
	set.Course = at.UTC()
	return true, put(tx, key, old, set)
}

// SetCourseMessages switches a learner's course messages (lessons that
// open and nudges) and nudges alone on or off; nil leaves a switch as it
// is. platform, userID and chatID fill in a missing delivery address.
func (s *Service) SetCourseMessages(ctx context.Context, key string, courseOff, nudgesOff *bool, platform, userID, chatID string) error {
	err := s.DB.Update(ctx, func(tx *storage.Tx) error {
		old, _, err := get(tx, key)
		if err != nil {
			return err
		}
		set := old
		if courseOff != nil {
			set.CourseOff = *courseOff
		}
		if nudgesOff != nil {
			set.NudgesOff = *nudgesOff
		}
		set.Platform = firstOf(set.Platform, platform)
		set.UserID = firstOf(set.UserID, userID)
		set.ChatID = firstOf(set.ChatID, chatID)
		return put(tx, key, old, set)
	})
	if err != nil {
		return fmt.Errorf("set course messages of %q: %w", key, err)
	}
	return nil
}

// processCourse handles a due course entry: DeliverCourse sends what is
// due, then the next look is stored (none after a permanent failure; a
// retry after a transient one). A crash between the two repeats the
// messages once; a crash before delivers them after the restart.
func (d *Dispatcher) processCourse(ctx context.Context, key string, set Settings, at time.Time) bool {
	svc := d.Service
	log := svc.log().With("key", key, "course_at", at)
	if ctx.Err() != nil {
		return false
	}
	var next time.Time
	var derr error
	keep := context.WithoutCancel(ctx)
	if d.DeliverCourse != nil {
		dctx, cancel := context.WithTimeout(keep, orDefault(d.DeliverTimeout, DefaultDeliverTimeout))
		next, derr = d.DeliverCourse(dctx, key, set, at)
		cancel()
	}
	now := svc.now()
	switch {
	case derr == nil:
		d.stats.courseLooks.Add(1)
	case errors.Is(derr, ErrSkip) || (d.IsPermanent != nil && d.IsPermanent(derr)):
		d.stats.skipped.Add(1)
		log.Info("course message not deliverable; dropped", "err", derr)
		next = time.Time{}
	default:
		d.stats.failed.Add(1)
		next = now.Add(orDefault(d.RetryMin, DefaultRetryMin))
		log.Warn("course message delivery failed; will retry", "err", derr, "retry_at", next)
	}
	err := svc.DB.Update(keep, func(tx *storage.Tx) error {
		old, ok, err := get(tx, key)
		if err != nil || !ok || !old.Course.Equal(at) {
			// Erased, or the engine moved the look meanwhile: keep theirs.
			return err
		}
		set := old
		set.Course = time.Time{}
		if !next.IsZero() {
			if !next.After(now) {
				next = now.Add(time.Second)
			}
			if q, err := quietInstant(set, next); err == nil {
				next = q
			}
			set.Course = next.UTC()
		}
		return put(tx, key, old, set)
	})
	if err != nil {
		d.stats.errors.Add(1)
		log.Error("commit course look", "err", err)
		return false
	}
	return true
}

// SetAnnouncements switches the course's announcements to the learner off
// or on. platform, userID and chatID fill in a missing delivery address.
func (s *Service) SetAnnouncements(ctx context.Context, key string, off bool, platform, userID, chatID string) error {
	err := s.DB.Update(ctx, func(tx *storage.Tx) error {
		old, _, err := get(tx, key)
		if err != nil {
			return err
		}
		set := old
		set.AnnouncementsOff = off
		set.Platform = firstOf(set.Platform, platform)
		set.UserID = firstOf(set.UserID, userID)
		set.ChatID = firstOf(set.ChatID, chatID)
		return put(tx, key, old, set)
	})
	if err != nil {
		return fmt.Errorf("set announcements of %q: %w", key, err)
	}
	return nil
}
