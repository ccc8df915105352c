package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"tutorbot/announce"
	"tutorbot/locale"
	"tutorbot/remind"
	"tutorbot/render"
	"tutorbot/storage"
)

// DefaultAnnounceWindow is how many recipients of announcements are in
// the outbox at once: the rest wait in their stored queue, so a large
// audience is never all in memory.
const DefaultAnnounceWindow = 64

// AnnounceStats are the counters of announcement deliveries.
type AnnounceStats struct {
	// Sent counts recipients the platform accepted an announcement for.
	Sent int64
	// Failed counts recipients the platform refused for good (or whose
	// delivery expired) and those found unreachable.
	Failed int64
	// Held counts recipients held back until their quiet hours ended.
	Held int64
}

// announceQueue is added to a chat's key for the outbox queue of its
// announcements.
const announceQueue = "#announce"

// announcer feeds stored announcements into the outbox, a window at a
// time, and records each recipient's outcome.
type announcer struct {
	e      *Engine
	window int
	kick   chan struct{}
	once   sync.Once

	mu       sync.Mutex
	inflight int
	outcomes []outcome
	// recKick wakes the recorder, which stores outcomes.
	recKick chan struct{}
	// cursor is, per announcement, the last recipient handed on, so the
	// next look starts after it.
	cursor map[uint64]string

	sent, failed, held atomic.Int64
}

// outcome is what happened to one recipient's outbox entry.
type outcome struct {
	id    uint64
	key   string
	state announce.State
}

func newAnnouncer(e *Engine, window int) *announcer {
	if window <= 0 {
		window = DefaultAnnounceWindow
	}
	return &announcer{e: e, window: window, kick: make(chan struct{}, 1), recKick: make(chan struct{}, 1), cursor: map[uint64]string{}}
}

// start runs the feeder once a platform delivers through the outbox.
func (a *announcer) start() {
	a.once.Do(func() {
		a.e.out.wg.Add(2)
		go a.run()
		go a.recorder()
	})
	a.wake()
}

func (a *announcer) wake() {
	select {
	case a.kick <- struct{}{}:
	default:
	}
}

// delivered is called by the outbox with the outcome of an announcement's
// entry: its state is recorded with the outbox's next commit.
func (a *announcer) delivered(en *outboxEntry, state announce.State) {
	if en.Ann == 0 {
		return
	}
	switch state {
	case announce.Sent:
		a.sent.Add(1)
	default:
		a.failed.Add(1)
	}
	a.mu.Lock()
	a.outcomes = append(a.outcomes, outcome{id: en.Ann, key: en.Platform + ":" + en.UserID, state: state})
	a.inflight = max(a.inflight-1, 0)
	a.mu.Unlock()
	select {
	case a.recKick <- struct{}{}:
	default:
	}
	a.wake()
}

// dropped records that n queued entries were taken out of the outbox
// (the rest of their announcement was stopped): room to feed others.
func (a *announcer) dropped(n int) {
	if n == 0 {
		return
	}
	a.mu.Lock()
	a.inflight = max(a.inflight-n, 0)
	a.mu.Unlock()
	a.wake()
}

// recorder stores outcomes as they come, until the outbox closes.
func (a *announcer) recorder() {
	defer a.e.out.wg.Done()
	for {
		select {
		case <-a.e.out.ctx.Done():
			a.record(context.Background())
			return
		case <-a.recKick:
			a.record(a.e.out.ctx)
		}
	}
}

// run feeds announcements until the outbox closes.
func (a *announcer) run() {
	defer a.e.out.wg.Done()
	ctx := a.e.out.ctx
	a.reconcile(ctx)
	for {
		next := a.feed(ctx)
		// Held recipients are looked at again at least every second, so a
		// clock that jumps (a suspended machine, a test's clock) is noticed.
		wait := time.Minute
		if !next.IsZero() {
			wait = min(max(next.Sub(a.e.now()), 10*time.Millisecond), time.Second)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-a.kick:
		case <-t.C:
		}
		t.Stop()
	}
}

// record stores the outcomes reported since the last call.
func (a *announcer) record(ctx context.Context) {
	a.mu.Lock()
	outs := a.outcomes
	a.outcomes = nil
	a.mu.Unlock()
	if len(outs) == 0 {
		return
	}
	err := a.e.db.UpdateLater(context.WithoutCancel(ctx), ackDelay, func(tx *storage.Tx) error {
		for _, o := range outs {
			r, ok := loadRecipient(tx, o.id, o.key)
			// A send under way when the rest was stopped still arrived.
			stoppedLate := r.State == announce.Dropped && o.state == announce.Sent
			if !ok || r.State != announce.Queued && !stoppedLate {
				continue
			}
			if err := putRecipient(tx, o.id, o.key, announce.Recipient{State: o.state}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		a.e.log.Error("record announcement deliveries", "err", err)
	}
	// A finished announcement is noticed once its last outcome is stored.
	a.wake()
}

// reconcile settles, after a start, the recipients stored as queued:
// those whose outbox entry is still there are on their way again (the
// outbox resumed them); the others were delivered before the stop, or
// dropped because the learner turned unreachable.
func (a *announcer) reconcile(ctx context.Context) {
	inflight := 0
	err := a.e.db.Update(ctx, func(tx *storage.Tx) error {
		inflight = 0
		for _, id := range sendingAnnouncements(tx) {
			type fix struct {
				key string
				r   announce.Recipient
			}
			var fixes []fix
			tx.ForEachRecipient(id, "", func(key string, rec []byte) bool {
				var r announce.Recipient
				if json.Unmarshal(rec, &r) != nil || r.State != announce.Queued {
					return true
				}
				if tx.HasOutbox(r.Out) {
					inflight++
					return true
				}
				state := announce.Sent
				if st, err := decodeState(tx.Learner(key)); err == nil && st.Unreachable {
					state = announce.Unreachable
				}
				fixes = append(fixes, fix{key, announce.Recipient{State: state}})
				return true
			})
			for _, f := range fixes {
				if err := putRecipient(tx, id, f.key, f.r); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		a.e.log.Error("resume announcements", "err", err)
		return
	}
	a.mu.Lock()
	a.inflight += inflight
	a.mu.Unlock()
}

// sendingAnnouncements lists the announcements being sent, oldest first.
func sendingAnnouncements(tx *storage.Tx) []uint64 {
	var ids []uint64
	tx.ForEachAnnouncement(func(id uint64, rec []byte) error {
		var an announce.Announcement
		if json.Unmarshal(rec, &an) == nil && an.Status == announce.Sending {
			ids = append(ids, id)
		}
		return nil
	})
	return ids
}

// feed moves recipients into the outbox until the window is full, and
// returns when a held recipient is due next (zero: none).
func (a *announcer) feed(ctx context.Context) time.Time {
	var ids []uint64
	a.e.db.View(func(tx *storage.Tx) error { ids = sendingAnnouncements(tx); return nil })
	var next time.Time
	for _, id := range ids {
		for ctx.Err() == nil {
			a.mu.Lock()
			room := a.window - a.inflight
			a.mu.Unlock()
			if room < max(a.window/4, 1) {
				return next
			}
			n, more, due := a.feedOne(ctx, id, room)
			if !due.IsZero() && (next.IsZero() || due.Before(next)) {
				next = due
			}
			if n == 0 || !more {
				break
			}
		}
	}
	return next
}

// feedOne hands up to room recipients of announcement id to the outbox.
// It reports how many it looked at, whether more are waiting now, and
// when the earliest held one is due.
func (a *announcer) feedOne(ctx context.Context, id uint64, room int) (int, bool, time.Time) {
	now := a.e.now().UTC()
	// Candidates are picked in a read transaction, so the shared write
	// transaction does not scan the whole audience.
	var keys []string
	var due time.Time
	waiting := false
	a.mu.Lock()
	from := a.cursor[id]
	a.mu.Unlock()
	look := func(tx *storage.Tx, after string) {
		tx.ForEachRecipient(id, after, func(key string, rec []byte) bool {
			var r announce.Recipient
			if json.Unmarshal(rec, &r) != nil {
				return true
			}
			switch {
			case r.State == announce.Queued:
				waiting = true
			case r.State == announce.Pending, r.State == announce.Held && !r.Until.After(now):
				waiting = true
				keys = append(keys, key)
				return len(keys) < room
			case r.State == announce.Held:
				waiting = true
				if due.IsZero() || r.Until.Before(due) {
					due = r.Until
				}
			}
			return true
		})
	}
	a.e.db.View(func(tx *storage.Tx) error {
		look(tx, from)
		if len(keys) < room && from != "" {
			// The end is reached: once more from the start, for held
			// recipients whose time came and for what is still waiting.
			waiting, due = false, time.Time{}
			look(tx, "")
		}
		return nil
	})
	a.mu.Lock()
	if len(keys) == room {
		a.cursor[id] = keys[len(keys)-1]
	} else {
		delete(a.cursor, id)
	}
	a.mu.Unlock()
	if !waiting {
		a.finish(ctx, id)
		return 0, false, time.Time{}
	}
	if len(keys) == 0 {
		return 0, false, due
	}
	var items []*outItem
	var held int64
	err := a.e.db.Update(ctx, func(tx *storage.Tx) error {
		items, held = items[:0], 0
		an := loadAnnouncement(tx, id)
		if an == nil || an.Status != announce.Sending {
			return nil
		}
		for _, key := range keys {
			r, ok := loadRecipient(tx, id, key)
			if !ok || !(r.State == announce.Pending || r.State == announce.Held && !r.Until.After(now)) {
				continue
			}
			it, next, err := a.stage(tx, an, key, now)
			if err != nil {
				return err
			}
			if next.State == announce.Held {
				held++
				if due.IsZero() || next.Until.Before(due) {
					due = next.Until
				}
			}
			if err := putRecipient(tx, id, key, next); err != nil {
				return err
			}
			if it != nil {
				items = append(items, it)
			}
		}
		return nil
	})
	if err != nil {
		a.e.log.Error("queue announcement", "id", id, "err", err)
		return 0, false, due
	}
	a.held.Add(held)
	for _, it := range items {
		if m, ok := a.e.messenger(it.en.Platform); ok {
			it.replies = splitReply(Reply{Kind: Send}, a.e.rendered.fit(it.en.MD, m.Format()))
		}
	}
	a.mu.Lock()
	a.inflight += len(items)
	a.mu.Unlock()
	a.e.out.enqueue(items)
	return len(keys), len(keys) == room, due
}

// stage decides what becomes of one recipient now: an outbox entry
// (queued), held until the end of their quiet hours, or an outcome
// without a message (unreachable, opted out, gone).
func (a *announcer) stage(tx *storage.Tx, an *announce.Announcement, key string, now time.Time) (*outItem, announce.Recipient, error) {
	platform, userID, ok := strings.Cut(key, ":")
	rec := tx.Learner(key)
	if !ok || rec == nil || !a.e.viaOutbox(platform) {
		return nil, announce.Recipient{State: announce.Failed}, nil
	}
	st, err := decodeState(rec)
	if err != nil {
		return nil, announce.Recipient{State: announce.Failed}, nil
	}
	if !st.reachable(userID, "") {
		a.failed.Add(1)
		return nil, announce.Recipient{State: announce.Unreachable}, nil
	}
	set, _, _ := remind.Lookup(tx, key)
	if set.AnnouncementsOff {
		return nil, announce.Recipient{State: announce.OptedOut}, nil
	}
	if end := remind.QuietEnd(set, now); end.After(now) {
		return nil, announce.Recipient{State: announce.Held, Until: end}, nil
	}
	en := outboxEntry{Platform: platform, UserID: userID, Kind: Send, MD: an.Text, Created: now, Bulk: true, Ann: an.ID}
	b, err := json.Marshal(&en)
	if err != nil {
		return nil, announce.Recipient{}, fmt.Errorf("encode outbox entry: %w", err)
	}
	// A queue of its own beside the learner's chat: a reply to a learner
	// who is talking to the tutor never waits behind their announcement,
	// which waits for a free slot of the platform's limit.
	chat := chatKey(platform, userID, "") + announceQueue
	out, err := tx.AddOutbox(chat, b)
	if err != nil {
		return nil, announce.Recipient{}, err
	}
	return &outItem{chat: chat, key: out, en: en}, announce.Recipient{State: announce.Queued, Out: out}, nil
}

// finish marks announcement id done once every recipient has an outcome.
func (a *announcer) finish(ctx context.Context, id uint64) {
	err := a.e.db.Update(ctx, func(tx *storage.Tx) error {
		an := loadAnnouncement(tx, id)
		if an == nil || an.Status != announce.Sending {
			return nil
		}
		an.Status = announce.Done
		return putAnnouncement(tx, an)
	})
	if err != nil {
		a.e.log.Error("finish announcement", "id", id, "err", err)
		return
	}
	a.e.log.Info("announcement delivered", "id", id)
}

func loadAnnouncement(tx *storage.Tx, id uint64) *announce.Announcement {
	rec := tx.Announcement(id)
	if rec == nil {
		return nil
	}
	var an announce.Announcement
	if json.Unmarshal(rec, &an) != nil {
		return nil
	}
	return &an
}

func putAnnouncement(tx *storage.Tx, an *announce.Announcement) error {
	b, err := json.Marshal(an)
	if err != nil {
		return fmt.Errorf("encode announcement: %w", err)
	}
	return tx.PutAnnouncement(an.ID, b)
}

func loadRecipient(tx *storage.Tx, id uint64, key string) (announce.Recipient, bool) {
	var r announce.Recipient
	rec := tx.Recipient(id, key)
	return r, rec != nil && json.Unmarshal(rec, &r) == nil
}

func putRecipient(tx *storage.Tx, id uint64, key string, r announce.Recipient) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode recipient: %w", err)
	}
	return tx.PutRecipient(id, key, b)
}

// audience lists the learners of a: every learner on a platform that
// delivers through the outbox, narrowed by a's cohort, unfinished lesson
// and language.
func (e *Engine) audience(tx *storage.Tx, a announce.Audience) []string {
	course := e.course.Load()
	var keys []string
	consider := func(key string, rec []byte) {
		platform, _, _ := strings.Cut(key, ":")
		if !e.viaOutbox(platform) {
			return
		}
		if a.Lang == "" && a.Unfinished == 0 {
			keys = append(keys, key)
			return
		}
		st, err := decodeState(rec)
		if err != nil {
			return
		}
		if a.Lang != "" && st.Lang != a.Lang {
			return
		}
		if a.Unfinished > 0 {
			l, ok := course.ByOrder(a.Unfinished)
			if !ok || complete(l, st.Progress[l.ID]) {
				return
			}
		}
		keys = append(keys, key)
	}
	if a.Cohort != "" {
		tx.ForEachCohortMember(a.Cohort, func(key, _ string) error {
			if rec := tx.Learner(key); rec != nil {
				consider(key, rec)
			}
			return nil
		})
		return keys
	}
	tx.ForEachLearner(func(key string, rec []byte) error { consider(key, rec); return nil })
	return keys
}

// Announcement payload actions (an:<id>:<action>).
const (
	annSend   = "s"
	annCancel = "c"
	annStatus = "st"
)

func payAnn(id uint64, action string) string {
	return payloadVersion + ":" + kindAnnounce + ":" + strconv.FormatUint(id, 10) + ":" + action
}

// announceCmd is /announce for the course's admins: a preview of a new
// announcement, its status, or cancel.
func (t *turn) announceCmd(arg string) {
	if !t.e.cfg.Admins[t.ev.Key()] {
		t.say(t.tr.T("AnnounceAdminsOnly"))
		return
	}
	length := t.textLen - utf8.RuneCountInString(t.ev.Text) + utf8.RuneCountInString(arg)
	c, err := announce.Parse(arg, length)
	switch {
	case errors.Is(err, announce.ErrEmpty):
		t.say(t.tr.T("AnnounceEmpty") + "\n\n" + t.tr.T("AnnounceHelp"))
		return
	case errors.Is(err, announce.ErrTooLong):
		t.say(t.tr.T("AnnounceTooLong", "Length", length, "Max", announce.MaxText))
		return
	case errors.Is(err, announce.ErrBadID):
		t.say(t.tr.T("AnnounceBadID"))
		return
	case err != nil:
		t.say(t.tr.T("AnnounceBadAudience") + "\n\n" + t.tr.T("AnnounceHelp"))
		return
	}
	switch c.Verb {
	case announce.Help:
		t.say(t.tr.T("AnnounceHelp"))
	case announce.ShowStatus:
		t.announceStatus(c.ID)
	case announce.Cancel:
		t.announceCancel(c.ID)
	case announce.Draft:
		t.announceDraft(c)
	}
}

// audienceProblem checks that an audience names things that exist, and
// returns the learner-facing problem ("" when fine).
func (e *Engine) audienceProblem(tx *storage.Tx, a announce.Audience, tr *locale.Localizer) string {
	_, lessonOK := e.course.Load().ByOrder(a.Unfinished)
	switch {
	case a.Cohort != "" && tx.Cohort(a.Cohort) == nil:
		return tr.T("JoinUnknown", "Code", render.EscapeMarkdown(a.Cohort))
	case a.Unfinished > 0 && !lessonOK:
		return tr.T("AnnounceNoLesson", "N", a.Unfinished, "Lessons", e.course.Load().Len())
	case a.Lang != "" && !e.msgs.Has(a.Lang):
		return tr.T("AnnounceNoLang", "Lang", render.EscapeMarkdown(a.Lang), "Langs", strings.Join(e.msgs.Langs(), ", "))
	}
	return ""
}

// announceDraft stores a draft and shows its preview, the audience's size
// and the Send and Cancel buttons.
func (t *turn) announceDraft(c announce.Command) {
	if p := announce.Check(c.Text); p != nil {
		t.say(t.tr.T("AnnounceBadMarkdown", "Line", p.Line, "Problem", t.tr.T("AnnounceMarkdown_"+p.Kind)))
		return
	}
	if msg := t.e.audienceProblem(t.tx, c.Audience, t.tr); msg != "" {
		t.say(msg)
		return
	}
	n := len(t.e.audience(t.tx, c.Audience))
	if n == 0 {
		t.say(t.tr.T("AnnounceNobody", "Audience", render.EscapeMarkdown(t.e.audienceName(t.tr, c.Audience))))
		return
	}
	an, err := t.e.newDraft(t.tx, c, t.ev.Key(), n, t.now)
	if err != nil {
		t.e.log.Error("store announcement draft", "err", err)
		t.say(t.tr.T("ErrorReply"))
		return
	}
	t.say(t.tr.T("AnnouncePreviewHead", "ID", an.ID))
	t.say(c.Text)
	t.say(t.tr.T("AnnounceConfirm", "Learners", t.tr.N("ChartLearners", n), "Audience", render.EscapeMarkdown(t.e.audienceName(t.tr, c.Audience))), []Button{
		{Label: t.tr.T("BtnAnnounceSend"), Payload: payAnn(an.ID, annSend)},
		{Label: t.tr.T("BtnAnnounceCancel"), Payload: payAnn(an.ID, annCancel)},
	})
}

// newDraft stores a draft by admin, superseding their older drafts.
func (e *Engine) newDraft(tx *storage.Tx, c announce.Command, by string, n int, now time.Time) (*announce.Announcement, error) {
	var older []*announce.Announcement
	tx.ForEachAnnouncement(func(_ uint64, rec []byte) error {
		var an announce.Announcement
		if json.Unmarshal(rec, &an) == nil && an.Status == announce.Drafted && an.By == by {
			older = append(older, &an)
		}
		return nil
	})
	for _, an := range older {
		an.Status = announce.Superseded
		if err := putAnnouncement(tx, an); err != nil {
			return nil, err
		}
	}
	id, err := tx.NextAnnouncementID()
	if err != nil {
		return nil, err
	}
	an := &announce.Announcement{ID: id, Text: c.Text, Audience: c.Audience, By: by, Created: now, Status: announce.Drafted, Recipients: n}
	return an, putAnnouncement(tx, an)
}

// startAnnouncement confirms a draft: its recipients are stored as
// pending, for the announcer to feed. It returns the audience's size.
func (e *Engine) startAnnouncement(tx *storage.Tx, an *announce.Announcement) (int, error) {
	keys := e.audience(tx, an.Audience)
	if len(keys) == 0 {
		return 0, nil
	}
	pending, err := json.Marshal(announce.Recipient{State: announce.Pending})
	if err != nil {
		return 0, err
	}
	for _, k := range keys {
		if err := tx.PutRecipient(an.ID, k, pending); err != nil {
			return 0, err
		}
	}
	an.Status, an.Recipients = announce.Sending, len(keys)
	return len(keys), putAnnouncement(tx, an)
}

// pressAnnounce handles the Send, Cancel and Status buttons.
func (t *turn) pressAnnounce(p payload) {
	id, err := strconv.ParseUint(p.args[0], 10, 64)
	if !t.e.cfg.Admins[t.ev.Key()] {
		t.ack("")
		t.say(t.tr.T("AnnounceAdminsOnly"))
		return
	}
	if err != nil || len(p.args) != 2 {
		t.ack(t.tr.T("ButtonGone"))
		t.say(t.tr.T("BadButton"))
		return
	}
	switch p.args[1] {
	case annSend:
		t.announceSend(id)
	case annCancel:
		t.announceCancel(id)
	case annStatus:
		t.announceStatus(id)
	default:
		t.ack(t.tr.T("ButtonGone"))
		t.say(t.tr.T("BadButton"))
	}
}

// announceSend confirms draft id; a second press, or a press on a preview
// that a newer one replaced, sends nothing.
func (t *turn) announceSend(id uint64) {
	an := loadAnnouncement(t.tx, id)
	switch {
	case an == nil:
		t.say(t.tr.T("AnnounceUnknown", "ID", id))
		return
	case an.Status == announce.Superseded:
		t.ack(t.tr.T("ConfirmStaleAck"))
		t.say(t.tr.T("AnnounceSuperseded", "ID", id))
		return
	case an.Status == announce.Cancelled:
		t.say(t.tr.T("AnnounceWasCancelled", "ID", id))
		return
	case an.Status != announce.Drafted:
		t.ack(t.tr.T("ConfirmStaleAck"))
		t.say(t.tr.T("AnnounceAlreadySent", "ID", id), t.statusButtons(id))
		return
	}
	n, err := t.e.startAnnouncement(t.tx, an)
	if err != nil {
		t.e.log.Error("start announcement", "id", id, "err", err)
		t.say(t.tr.T("ErrorReply"))
		return
	}
	if n == 0 {
		t.say(t.tr.T("AnnounceNobody", "Audience", render.EscapeMarkdown(t.e.audienceName(t.tr, an.Audience))))
		return
	}
	t.e.log.Info("announcement confirmed", "id", id, "by", t.ev.Key(), "recipients", n)
	t.say(t.tr.T("AnnounceStarted", "ID", id, "Learners", t.tr.N("ChartLearners", n)), t.statusButtons(id))
	t.later(func(context.Context, *turn) { t.e.ann.wake() })
}

func (t *turn) statusButtons(id uint64) []Button {
	return []Button{
		{Label: t.tr.T("BtnAnnounceStatus"), Payload: payAnn(id, annStatus)},
		{Label: t.tr.T("BtnAnnounceStop"), Payload: payAnn(id, annCancel)},
	}
}

// latestAnnouncement is id, or when 0 the newest announcement that was
// confirmed (or, failing that, the newest).
func latestAnnouncement(tx *storage.Tx, id uint64) uint64 {
	if id != 0 {
		return id
	}
	confirmed := tx.LastAnnouncement(func(rec []byte) bool {
		var an announce.Announcement
		return json.Unmarshal(rec, &an) == nil && an.Status != announce.Drafted && an.Status != announce.Superseded
	})
	if confirmed != 0 {
		return confirmed
	}
	return tx.LastAnnouncement(func([]byte) bool { return true })
}

// announceCancel cancels a draft, or stops the rest of an announcement:
// its recipients not yet handed to the outbox are cancelled.
func (t *turn) announceCancel(id uint64) {
	id = latestAnnouncement(t.tx, id)
	an := loadAnnouncement(t.tx, id)
	switch {
	case an == nil:
		t.say(t.tr.T("AnnounceNone"))
		return
	case an.Status == announce.Drafted || an.Status == announce.Superseded:
		an.Status = announce.Cancelled
		if err := putAnnouncement(t.tx, an); err != nil {
			t.e.log.Error("cancel announcement", "err", err)
			t.say(t.tr.T("ErrorReply"))
			return
		}
		t.say(t.tr.T("AnnounceDraftCancelled", "ID", id))
		return
	case an.Status == announce.Cancelled:
		t.say(t.tr.T("AnnounceWasCancelled", "ID", id))
		return
	case an.Status == announce.Done:
		t.say(t.tr.T("AnnounceAlreadyDone", "ID", id))
		t.say(t.e.statusText(t.tx, t.tr, an))
		return
	}
	stopped, err := t.e.stopAnnouncement(t.tx, an)
	if err != nil {
		t.e.log.Error("stop announcement", "err", err)
		t.say(t.tr.T("ErrorReply"))
		return
	}
	t.later(func(context.Context, *turn) { t.e.out.dropAnnouncement(id) })
	t.e.log.Info("announcement stopped", "id", id, "by", t.ev.Key(), "cancelled", stopped)
	t.say(t.tr.T("AnnounceStopped", "ID", id, "Learners", t.tr.N("ChartLearners", stopped)))
	t.say(t.e.statusText(t.tx, t.tr, an))
}

// stopAnnouncement cancels the recipients of an that have not got it:
// those not yet handed to the outbox, and those whose entry still waits
// there (its entry is deleted; dropQueued takes it out of memory after
// the commit). It returns how many.
func (e *Engine) stopAnnouncement(tx *storage.Tx, an *announce.Announcement) (int, error) {
	var keys []string
	var outs [][]byte
	tx.ForEachRecipient(an.ID, "", func(key string, rec []byte) bool {
		var r announce.Recipient
		if json.Unmarshal(rec, &r) != nil {
			return true
		}
		switch {
		case r.State == announce.Pending || r.State == announce.Held:
			keys = append(keys, key)
		case r.State == announce.Queued && tx.HasOutbox(r.Out):
			keys = append(keys, key)
			outs = append(outs, r.Out)
		}
		return true
	})
	if err := tx.DeleteOutbox(outs...); err != nil {
		return 0, err
	}
	for _, k := range keys {
		if err := putRecipient(tx, an.ID, k, announce.Recipient{State: announce.Dropped}); err != nil {
			return 0, err
		}
	}
	an.Status = announce.Cancelled
	return len(keys), putAnnouncement(tx, an)
}

// announceStatus shows the counts of announcement id (0: the latest).
func (t *turn) announceStatus(id uint64) {
	id = latestAnnouncement(t.tx, id)
	an := loadAnnouncement(t.tx, id)
	if an == nil {
		t.say(t.tr.T("AnnounceNone"))
		return
	}
	var buttons [][]Button
	if an.Status == announce.Sending {
		buttons = append(buttons, t.statusButtons(id))
	}
	t.say(t.e.statusText(t.tx, t.tr, an), buttons...)
}

// announcementCounts returns announcement id's recipients by state.
func announcementCounts(tx *storage.Tx, id uint64) announce.Counts {
	c := announce.Counts{}
	tx.ForEachRecipient(id, "", func(_ string, rec []byte) bool {
		var r announce.Recipient
		if json.Unmarshal(rec, &r) == nil {
			c[r.State]++
		}
		return true
	})
	return c
}

// statusText is an announcement's status in the admin's language.
func (e *Engine) statusText(tx *storage.Tx, tr *locale.Localizer, an *announce.Announcement) string {
	c := announcementCounts(tx, an.ID)
	preview := []rune(strings.Join(strings.Fields(render.Strip(render.Render(an.Text, render.Plain), render.Plain)), " "))
	if len(preview) > 60 {
		preview = append(preview[:59], '…')
	}
	return tr.T("AnnounceStatus", "ID", an.ID, "State", tr.T("AnnounceState_"+string(an.Status)),
		"Text", render.EscapeMarkdown(string(preview)), "Audience", render.EscapeMarkdown(e.audienceName(tr, an.Audience)),
		"Total", an.Recipients, "Sent", c[announce.Sent], "Pending", c[announce.Pending]+c[announce.Queued], "Held", c[announce.Held],
		"Failed", c[announce.Failed], "Unreachable", c[announce.Unreachable], "OptedOut", c[announce.OptedOut], "Cancelled", c[announce.Dropped])
}

// AnnounceStats returns the counters of announcement deliveries.
func (e *Engine) AnnounceStats() AnnounceStats {
	return AnnounceStats{Sent: e.ann.sent.Load(), Failed: e.ann.failed.Load(), Held: e.ann.held.Load()}
}

// AnnouncementReport is an announcement as the shell sees it.
type AnnouncementReport struct {
	ID         uint64         `json:"id"`
	Status     string         `json:"status"`
	Audience   string         `json:"audience"`
	Recipients int            `json:"recipients"`
	Counts     map[string]int `json:"counts"`
	// Problem is why nothing was queued ("" when fine).
	Problem string `json:"problem,omitempty"`
}

// Announce makes an announcement from the shell (tutorbot announce):
// checked like /announce, and with send it is confirmed at once; without,
// it is only counted (a dry run: nothing is stored).
func (e *Engine) Announce(ctx context.Context, text, audience string, send bool) (AnnouncementReport, error) {
	tr := e.msgs.For("en")
	a, err := announce.ParseAudience(audience)
	if err != nil {
		return AnnouncementReport{Problem: "audience: " + err.Error()}, nil
	}
	c, err := announce.Parse(a.String()+"\n"+text, utf8.RuneCountInString(text))
	if err != nil {
		return AnnouncementReport{Problem: err.Error()}, nil
	}
	if p := announce.Check(c.Text); p != nil {
		return AnnouncementReport{Problem: "markdown: " + p.Error()}, nil
	}
	var rep AnnouncementReport
	err = e.db.Update(ctx, func(tx *storage.Tx) error {
		rep = AnnouncementReport{Audience: a.String()}
		if msg := e.audienceProblem(tx, a, tr); msg != "" {
			rep.Problem = render.Strip(render.Render(msg, render.Plain), render.Plain)
			return nil
		}
		n := len(e.audience(tx, a))
		rep.Recipients = n
		if n == 0 {
			rep.Problem = fmt.Sprintf("%v: %s", announce.ErrNobody, a)
			return nil
		}
		if !send {
			rep.Status = "preview"
			return nil
		}
		an, err := e.newDraft(tx, c, "shell", n, e.now().UTC())
		if err != nil {
			return err
		}
		if rep.Recipients, err = e.startAnnouncement(tx, an); err != nil {
			return err
		}
		rep.ID, rep.Status = an.ID, string(an.Status)
		return nil
	})
	if err != nil {
		return AnnouncementReport{}, fmt.Errorf("announce: %w", err)
	}
	if rep.ID != 0 {
		e.log.Info("announcement confirmed", "id", rep.ID, "by", "shell", "recipients", rep.Recipients)
		e.ann.wake()
	}
	return rep, nil
}

// AnnouncementStatus reports announcement id (0: the latest).
func (e *Engine) AnnouncementStatus(id uint64) (AnnouncementReport, bool) {
	var rep AnnouncementReport
	found := false
	e.db.View(func(tx *storage.Tx) error {
		an := loadAnnouncement(tx, latestAnnouncement(tx, id))
		if an == nil {
			return nil
		}
		found = true
		rep = AnnouncementReport{ID: an.ID, Status: string(an.Status), Audience: an.Audience.String(), Recipients: an.Recipients, Counts: map[string]int{}}
		for s, n := range announcementCounts(tx, an.ID) {
			rep.Counts[string(s)] = n
		}
		return nil
	})
	return rep, found
}

// announcementsCmd is /remind announcements on|off.
func (t *turn) announcementsCmd(arg string) {
	var off bool
	switch strings.TrimSpace(arg) {
	case "off", "stop":
		off = true
	case "on":
	default:
		t.say(t.tr.T("RemindAnnouncementsUsage"))
		return
	}
	key, ev := t.ev.Key(), t.ev
	t.later(func(ctx context.Context, t *turn) {
		if err := t.e.cfg.Reminders.SetAnnouncements(ctx, key, off, ev.Platform, ev.UserID, ev.UserID); err != nil {
			t.remindError(err)
			return
		}
		if off {
			t.say(t.tr.T("RemindAnnouncementsOff"))
		} else {
			t.say(t.tr.T("RemindAnnouncementsOn"))
		}
	})
}

// audienceName describes an audience in the admin's language ("all
// learners"; «когорта abcd1234, не закончили урок 2, язык: русский»).
func (e *Engine) audienceName(tr *locale.Localizer, a announce.Audience) string {
	var parts []string
	if a.Cohort != "" {
		parts = append(parts, tr.T("AudienceCohort", "Code", a.Cohort))
	}
	if a.Unfinished > 0 {
		parts = append(parts, tr.T("AudienceUnfinished", "N", a.Unfinished))
	}
	if a.Lang != "" {
		name := e.msgs.For(a.Lang).T("LanguageName")
		if tr.Lang() == "ru" {
			name = strings.ToLower(name) // «язык: русский», not «Русский» mid-sentence
		}
		parts = append(parts, tr.T("AudienceLang", "Lang", name))
	}
	if len(parts) == 0 {
		return tr.T("AudienceEveryone")
	}
	return strings.Join(parts, ", ")
}
