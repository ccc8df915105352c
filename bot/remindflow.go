package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"tutorbot/storage"

	"tutorbot/remind"
	"tutorbot/render"
)

// remindCmd handles /remind: status, presets, a cron expression, quiet
// hours, off.
func (t *turn) remindCmd(arg string) {
	if t.e.cfg.Reminders == nil {
		t.say("Reminders are not switched on for this tutor.")
		return
	}
	key := t.ev.Key()
	word := strings.ToLower(strings.TrimSpace(arg))
	switch {
	case word == "":
		t.later(func(ctx context.Context, t *turn) { t.remindStatus(key, "") })
	case strings.HasPrefix(word, "course") || strings.HasPrefix(word, "nudge"):
		what, arg, ok := courseWords(word)
		if !ok {
			t.say(msgRemindHelp)
			return
		}
		t.courseMessagesCmd(what, arg)
	case word == "off" || word == "stop":
		t.later(func(ctx context.Context, t *turn) { t.remindOff(ctx, key) })
	case strings.HasPrefix(word, "quiet"):
		t.quietHours(key, strings.TrimSpace(word[len("quiet"):]))
	default:
		var sched remind.Schedule
		var err error
		switch word {
		case "weekly":
			sched = remind.WeeklyPreset()
		case "biweekly", "every two weeks", "fortnightly":
			sched = remind.BiweeklyPreset()
		case "monthly":
			sched = remind.MonthlyPreset()
		default:
			sched, err = remind.ParseSchedule(arg)
		}
		if err != nil {
			t.say(render.EscapeMarkdown(remind.Friendly(err)) + "\n\n" + msgRemindHelp)
			return
		}
		t.setReminder(sched)
	}
}

// setReminder stores a schedule after the commit and tells the next time.
func (t *turn) setReminder(sched remind.Schedule) {
	key, ev := t.ev.Key(), t.ev
	askTZ := !t.st.TZAsked
	t.st.TZAsked = true
	t.later(func(ctx context.Context, t *turn) {
		s := remind.Settings{Spec: sched.Spec, Kind: sched.Kind, Platform: ev.Platform, UserID: ev.UserID, ChatID: ev.UserID}
		if _, err := t.e.cfg.Reminders.Set(ctx, key, s); err != nil {
			t.remindError(err)
			return
		}
		note := ""
		if set, _, _ := t.e.cfg.Reminders.Get(key); askTZ && (set.TZ == "" || set.TZ == "UTC") {
			note = "Your reminders use UTC for now. Tell me your time zone with /timezone Europe/Berlin (any IANA name)."
		}
		t.remindStatus(key, note)
	})
}

func (t *turn) remindOff(ctx context.Context, key string) {
	if err := t.e.cfg.Reminders.Off(ctx, key); err != nil && !errors.Is(err, remind.ErrNoReminder) {
		t.remindError(err)
		return
	}
	off := true
	if err := t.e.cfg.Reminders.SetCourseMessages(ctx, key, &off, nil, t.ev.Platform, t.ev.UserID, t.ev.UserID); err != nil {
		t.remindError(err)
		return
	}
	t.say("Reminders are off, and so are course messages (a lesson that opens, nudges). /remind weekly switches re-testing reminders on again, /remind course on the course messages.")
}

// remindError shows a reminder error as a friendly sentence.
func (t *turn) remindError(err error) {
	var ie *remind.InputError
	if errors.As(err, &ie) {
		t.say(render.EscapeMarkdown(remind.Friendly(err)))
		return
	}
	t.e.log.Error("reminders", "err", err)
	t.say(errorReply)
}

// remindStatus shows the learner's reminder settings and the next time.
func (t *turn) remindStatus(key, note string) {
	set, ok, err := t.e.cfg.Reminders.Get(key)
	if err != nil {
		t.remindError(err)
		return
	}
	var b strings.Builder
	if !ok || !set.Active() {
		b.WriteString("**Re-testing reminders: off**\n\nPick a schedule, or send /remind with a cron expression such as `0 10 * * MON`.")
	} else {
		sched, _ := set.Schedule()
		loc, err := set.Location()
		if err != nil {
			loc = time.UTC
		}
		fmt.Fprintf(&b, "**Re-testing reminders: %s**\n\nNext: %s (%s).", render.EscapeMarkdown(sched.Describe()), set.Next.In(loc).Format("Mon 2 Jan 2006, 15:04 MST"), render.EscapeMarkdown(loc.String()))
		if from, to, on := set.Quiet(); on {
			fmt.Fprintf(&b, "\nQuiet hours: %02d:00–%02d:00 (/remind quiet 23-7 changes them, /remind quiet off removes them).", from, to)
		}
	}
	if note != "" {
		b.WriteString("\n\n" + note)
	}
	t.say(b.String(), []Button{
		{Label: "Weekly", Payload: payWord(kindRemind, "w")},
		{Label: "Every two weeks", Payload: payWord(kindRemind, "b")},
		{Label: "Monthly", Payload: payWord(kindRemind, "m")},
		{Label: "Off", Payload: payWord(kindRemind, "off")},
	})
}

// quietHours handles "/remind quiet 22-8" and "/remind quiet off".
func (t *turn) quietHours(key, arg string) {
	from, to := 0, 0
	if arg == "off" {
		from, to = 12, 12 // equal hours switch quiet hours off
	} else {
		a, b, ok := strings.Cut(arg, "-")
		var err1, err2 error
		from, err1 = strconv.Atoi(strings.TrimSpace(a))
		to, err2 = strconv.Atoi(strings.TrimSpace(b))
		if !ok || err1 != nil || err2 != nil || from < 0 || from > 23 || to < 0 || to > 23 || from == to {
			t.say("Give quiet hours as two hours of the day: /remind quiet 22-8 (no reminders from 22:00 to 08:00), or /remind quiet off.")
			return
		}
	}
	t.later(func(ctx context.Context, t *turn) {
		if _, err := t.e.cfg.Reminders.SetQuietHours(ctx, key, from, to); err != nil {
			t.remindError(err)
			return
		}
		t.remindStatus(key, "")
	})
}

// timezone handles /timezone <IANA name>.
func (t *turn) timezone(arg string) {
	if t.e.cfg.Reminders == nil {
		t.say("Reminders are not switched on for this tutor.")
		return
	}
	if arg == "" {
		t.say("Which time zone? For example /timezone Europe/Berlin or /timezone America/New_York.")
		return
	}
	loc, err := remind.LoadLocation(arg)
	if err != nil {
		t.say(render.EscapeMarkdown(remind.Friendly(err)))
		return
	}
	t.st.TZAsked = true
	key := t.ev.Key()
	t.later(func(ctx context.Context, t *turn) {
		if _, err := t.e.cfg.Reminders.SetTimezone(ctx, key, loc.String()); err != nil {
			t.remindError(err)
			return
		}
		t.remindStatus(key, fmt.Sprintf("Time zone set to %s.", render.EscapeMarkdown(loc.String())))
	})
}

// pressRemind handles the reminder buttons.
func (t *turn) pressRemind(p payload) {
	if t.e.cfg.Reminders == nil {
		t.say("Reminders are not switched on for this tutor.")
		return
	}
	key := t.ev.Key()
	switch p.kind {
	case kindSnooze:
		t.later(func(ctx context.Context, t *turn) {
			next, err := t.e.cfg.Reminders.Snooze(ctx, key, 24*time.Hour)
			if err != nil {
				t.remindError(err)
				return
			}
			set, _, _ := t.e.cfg.Reminders.Get(key)
			loc, err := set.Location()
			if err != nil {
				loc = time.UTC
			}
			t.say(fmt.Sprintf("Snoozed: I'll remind you again %s.", next.In(loc).Format("Mon 2 Jan, 15:04 MST")))
		})
		return
	}
	switch p.args[0] {
	case "w":
		t.setReminder(remind.WeeklyPreset())
	case "b":
		t.setReminder(remind.BiweeklyPreset())
	case "m":
		t.setReminder(remind.MonthlyPreset())
	case "off":
		t.later(func(ctx context.Context, t *turn) { t.remindOff(ctx, key) })
	case "noff":
		t.courseMessagesCmd("nudges", "off")
	default:
		t.say(msgBadButton)
	}
}

// DeliverReminder sends one re-testing reminder; it is the reminder
// dispatcher's Deliver function. A learner who is unreachable or erased is
// skipped (remind.ErrSkip).
func (e *Engine) DeliverReminder(ctx context.Context, key string, s remind.Settings, slot time.Time) error {
	st, err := e.state(key)
	if err != nil {
		return fmt.Errorf("deliver reminder to %s: %w", key, err)
	}
	if st == nil || !st.reachable(s.UserID, s.ChatID) {
		return remind.ErrSkip
	}
	buttons := []Button{
		{Label: "Run now", Payload: pay(kindRunNow)},
		{Label: "Snooze a day", Payload: pay(kindSnooze)},
		{Label: "Stop reminders", Payload: payWord(kindRemind, "off")},
	}
	if e.viaOutbox(s.Platform) {
		return e.storeReminder(ctx, key, s, slot, buttons)
	}
	err = e.push(ctx, s.Platform, s.UserID, s.ChatID, reminderText(st), buttons)
	if errors.Is(err, ErrUnreachable) {
		return fmt.Errorf("%w: %w", remind.ErrSkip, err)
	}
	return err
}

// reminderText is the reminder for a learner in state st.
func reminderText(st *State) string {
	n := len(st.Tasks)
	md := fmt.Sprintf("⏰ **Time to re-test your reference set (%d tasks)**\n\nModels change fast: run your own tasks again and see who's better for you now.", n)
	if n == 0 {
		md += "\n\nYour reference set is empty: /tasks add <text> adds a task."
	}
	return md
}

// storeReminder puts the reminder of slot into the outbox together with a
// note of the slot in the learner's record, in one transaction: when the
// dispatcher runs the slot again after a crash, the reminder is not stored
// twice (the outbox already holds or sent it).
func (e *Engine) storeReminder(ctx context.Context, key string, s remind.Settings, slot time.Time, buttons []Button) error {
	m, _ := e.messenger(s.Platform)
	var items []*outItem
	skip := false
	err := e.db.Update(ctx, func(tx *storage.Tx) error {
		items, skip = nil, false
		old := tx.Learner(key)
		if old == nil {
			skip = true
			return nil
		}
		st, err := decodeState(old)
		if err != nil {
			return err
		}
		if !st.reachable(s.UserID, s.ChatID) || !st.Reminded.Before(slot) {
			skip = true
			return nil
		}
		st.Reminded = slot
		t := &turn{e: e, ev: Event{Platform: s.Platform, UserID: s.UserID, ChatID: s.ChatID, Format: m.Format()}, now: e.now().UTC()}
		t.say(reminderText(st), buttons)
		if items, err = t.stage(tx, t.out, false); err != nil {
			return err
		}
		b, err := json.Marshal(st)
		if err != nil {
			return fmt.Errorf("encode learner record: %w", err)
		}
		return tx.PutLearner(key, b)
	})
	if err != nil {
		return fmt.Errorf("store reminder for %s: %w", key, err)
	}
	if skip {
		return remind.ErrSkip
	}
	for _, it := range items {
		it.replies = splitReply(it.d.Reply, it.d.text(m.Format()))
	}
	e.out.enqueue(items)
	return nil
}

const msgRemindHelp = "Try /remind weekly, /remind monthly, or a cron expression such as /remind 0 10 * * MON (at most once an hour)."
