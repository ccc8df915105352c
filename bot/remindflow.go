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
		t.say(t.tr.T("RemindersOff"))
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
			t.say(t.tr.T("RemindHelp"))
			return
		}
		t.courseMessagesCmd(what, arg)
	case strings.HasPrefix(word, "announcement"):
		_, arg, _ := strings.Cut(word, " ")
		t.announcementsCmd(arg)
	case scheduleWords[word] == "off":
		t.later(func(ctx context.Context, t *turn) { t.remindOff(ctx, key) })
	case strings.HasPrefix(word, "quiet"):
		t.quietHours(key, strings.TrimSpace(word[len("quiet"):]))
	default:
		var sched remind.Schedule
		var err error
		switch scheduleWords[word] {
		case "weekly":
			sched = remind.WeeklyPreset()
		case "biweekly":
			sched = remind.BiweeklyPreset()
		case "monthly":
			sched = remind.MonthlyPreset()
		case "daily":
			sched, err = remind.ParseSchedule(dailySpec)
		default:
			sched, err = remind.ParseSchedule(arg)
		}
		if err != nil {
			t.say(t.remindProblem(err) + "\n\n" + t.tr.T("RemindHelp"))
			return
		}
		t.setReminder(sched)
	}
}

// dailySpec is what "/remind daily" sets: every day at ten, the hour of
// the other presets.
const dailySpec = "0 10 * * *"

// scheduleWords are the words /remind takes for its presets and for off,
// in English and Russian, as learners type them.
var scheduleWords = map[string]string{
	"weekly": "weekly", "every week": "weekly", "once a week": "weekly",
	"еженедельно": "weekly", "каждую неделю": "weekly", "раз в неделю": "weekly",
	"biweekly": "biweekly", "every two weeks": "biweekly", "fortnightly": "biweekly",
	"раз в две недели": "biweekly", "каждые две недели": "biweekly",
	"monthly": "monthly", "every month": "monthly", "once a month": "monthly",
	"ежемесячно": "monthly", "каждый месяц": "monthly", "раз в месяц": "monthly",
	"daily": "daily", "every day": "daily", "once a day": "daily",
	"ежедневно": "daily", "каждый день": "daily", "раз в день": "daily",
	"off": "off", "stop": "off", "выкл": "off", "выключить": "off", "отключить": "off", "стоп": "off", "не надо": "off",
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
			note = t.tr.T("RemindUTCNote")
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
	t.say(t.tr.T("RemindOffDone"))
}

// remindError shows a reminder error as a friendly sentence.
func (t *turn) remindError(err error) {
	var ie *remind.InputError
	if errors.As(err, &ie) {
		t.say(t.remindProblem(err))
		return
	}
	t.e.log.Error("reminders", "err", err)
	t.say(t.tr.T("ErrorReply"))
}

// remindProblem is a bad schedule, time zone or snooze explained in the
// learner's language (Markdown): the catalog's sentence for its kind.
// (remind.Friendly's own English sentences are for the operator's tools.)
func (t *turn) remindProblem(err error) string {
	if errors.Is(err, remind.ErrBelowGap) {
		return t.tr.N("RemindProblemBelowGap", int(max(t.e.cfg.Reminders.MinGap, remind.MinInterval)/time.Hour))
	}
	for _, k := range remindProblems {
		if errors.Is(err, k.kind) {
			return t.tr.T(k.id)
		}
	}
	return t.tr.T("RemindProblem")
}

// remindProblems maps remind's kinds of bad input to catalog messages.
var remindProblems = []struct {
	kind error
	id   string
}{
	{remind.ErrEmptySchedule, "RemindProblemEmpty"},
	{remind.ErrScheduleTooLong, "RemindProblemTooLong"},
	{remind.ErrZonePrefix, "RemindProblemZonePrefix"},
	{remind.ErrSyntax, "RemindProblemSyntax"},
	{remind.ErrNeverFires, "RemindProblemNever"},
	{remind.ErrTooOften, "RemindProblemTooOften"},
	{remind.ErrTooRare, "RemindProblemTooRare"},
	{remind.ErrBadKind, "RemindProblemKind"},
	{remind.ErrBadZone, "RemindProblemZone"},
	{remind.ErrBadQuietHours, "RemindQuietBad"},
	{remind.ErrBadSnooze, "RemindProblemSnooze"},
	{remind.ErrNoReminder, "RemindProblemNone"},
}

// describe names a schedule in the learner's language.
func (t *turn) describe(s remind.Schedule) string {
	preset := map[remind.Kind]remind.Schedule{remind.Weekly: remind.WeeklyPreset(), remind.Biweekly: remind.BiweeklyPreset(), remind.Monthly: remind.MonthlyPreset()}
	id := map[remind.Kind]string{remind.Weekly: "ScheduleWeekly", remind.Biweekly: "ScheduleBiweekly", remind.Monthly: "ScheduleMonthly"}[s.Kind]
	switch {
	case id == "" && s.Spec == dailySpec:
		return t.tr.T("ScheduleDaily")
	case id == "":
		return render.EscapeMarkdown(s.Spec)
	case s.Spec == preset[s.Kind].Spec:
		return t.tr.T(id)
	default:
		return t.tr.T(id+"Cron", "Spec", render.EscapeMarkdown(s.Spec))
	}
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
		b.WriteString(t.tr.T("RemindStatusOff"))
	} else {
		sched, _ := set.Schedule()
		loc, err := set.Location()
		if err != nil {
			loc = time.UTC
		}
		b.WriteString(t.tr.T("RemindStatusOn", "Schedule", t.describe(sched), "Next", t.tr.DateTime(set.Next.In(loc)), "Zone", render.EscapeMarkdown(loc.String())))
		if from, to, on := set.Quiet(); on {
			b.WriteString("\n" + t.tr.T("RemindQuiet", "From", fmt.Sprintf("%02d", from), "To", fmt.Sprintf("%02d", to)))
		}
	}
	if ok && set.AnnouncementsOff {
		b.WriteString("\n" + t.tr.T("RemindAnnouncementsStatusOff"))
	}
	if note != "" {
		b.WriteString("\n\n" + note)
	}
	t.say(b.String(), []Button{
		{Label: t.tr.T("BtnWeekly"), Payload: payWord(kindRemind, "w")},
		{Label: t.tr.T("BtnBiweekly"), Payload: payWord(kindRemind, "b")},
		{Label: t.tr.T("BtnMonthly"), Payload: payWord(kindRemind, "m")},
		{Label: t.tr.T("BtnOff"), Payload: payWord(kindRemind, "off")},
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
			t.say(t.tr.T("RemindQuietBad"))
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
		t.say(t.tr.T("RemindersOff"))
		return
	}
	if arg == "" {
		t.say(t.tr.T("TimezoneWhich"))
		return
	}
	loc, err := remind.LoadLocation(arg)
	if err != nil {
		t.say(t.remindProblem(err))
		return
	}
	t.st.TZAsked = true
	key := t.ev.Key()
	t.later(func(ctx context.Context, t *turn) {
		if _, err := t.e.cfg.Reminders.SetTimezone(ctx, key, loc.String()); err != nil {
			t.remindError(err)
			return
		}
		t.remindStatus(key, t.tr.T("TimezoneSet", "Zone", render.EscapeMarkdown(loc.String())))
	})
}

// pressRemind handles the reminder buttons.
func (t *turn) pressRemind(p payload) {
	if t.e.cfg.Reminders == nil {
		t.say(t.tr.T("RemindersOff"))
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
			t.say(t.tr.T("Snoozed", "When", t.tr.DateTimeShort(next.In(loc))))
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
		t.say(t.tr.T("BadButton"))
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
	loc := e.msgs.For(st.Lang)
	buttons := []Button{
		{Label: loc.T("BtnRunNow"), Payload: pay(kindRunNow)},
		{Label: loc.T("BtnSnooze"), Payload: pay(kindSnooze)},
		{Label: loc.T("BtnStopReminders"), Payload: payWord(kindRemind, "off")},
	}
	if e.viaOutbox(s.Platform) {
		return e.storeReminder(ctx, key, s, slot, buttons)
	}
	err = e.push(ctx, s.Platform, s.UserID, s.ChatID, e.reminderText(st), buttons)
	if errors.Is(err, ErrUnreachable) {
		return fmt.Errorf("%w: %w", remind.ErrSkip, err)
	}
	return err
}

// reminderText is the reminder for a learner in state st, in their
// language.
func (e *Engine) reminderText(st *State) string {
	loc := e.msgs.For(st.Lang)
	md := loc.N("Reminder", len(st.Tasks))
	if len(st.Tasks) == 0 {
		md += "\n\n" + loc.T("ReminderEmpty")
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
		t.say(e.reminderText(st), buttons)
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
