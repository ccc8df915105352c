package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"tutorbot/announce"
	"tutorbot/render"
	"tutorbot/storage"
)

// Sender is a Messenger whose platform delivers through the engine's
// outbox: every reply is written to the database in the same transaction
// as the state it shows, and stays there until Send returns nil.
type Sender interface {
	Messenger
	// Send delivers the messages of one outbox entry. It returns an error
	// wrapping ErrUnreachable when the platform refuses the chat (the
	// chat's entries and jobs are then cancelled), one wrapping
	// ErrRejected when the platform refuses these messages for good (they
	// are dropped), and one with a RetryAfter() time.Duration method when
	// the platform asks to wait; anything else is retried with backoff.
	Send(ctx context.Context, to Address, replies []Reply) error
}

// Address is where an outbox entry goes.
type Address struct {
	UserID   string
	ChatID   string
	ThreadID string
	// MessageID, when set, is the message whose button caused the turn:
	// the entry's first Edit or Supersedes reply takes its place.
	MessageID string
	// Bulk marks a message nobody is waiting for (an announcement): the
	// platform's shared rate limit serves other messages first.
	Bulk bool
	// ReplyHandle is the event's Event.ReplyHandle, handed back to its
	// adapter.
	ReplyHandle string
}

// ErrRejected is wrapped by a Sender's error when the platform refuses a
// message for good (a 400): retrying cannot help.
var ErrRejected = errors.New("rejected by the platform")

// DefaultOutboxMaxAge is how long an undelivered reply is retried.
const DefaultOutboxMaxAge = 24 * time.Hour

// outboxEntry is one reply as stored in the outbox: its source (Markdown
// or a lesson page), rendered when sent, so a restart renders it again.
type outboxEntry struct {
	Platform   string     `json:"p"`
	UserID     string     `json:"u"`
	ChatID     string     `json:"c,omitempty"`
	ThreadID   string     `json:"t,omitempty"`
	MessageID  string     `json:"m,omitempty"`
	Handle     string     `json:"rh,omitempty"`
	Kind       Kind       `json:"k,omitempty"`
	MD         string     `json:"md,omitempty"`
	Lesson     string     `json:"l,omitempty"`
	Lang       string     `json:"lg,omitempty"`
	Page       int        `json:"pg,omitempty"`
	Header     bool       `json:"hd,omitempty"`
	Buttons    [][]Button `json:"b,omitempty"`
	Supersedes bool       `json:"s,omitempty"`
	Private    bool       `json:"pv,omitempty"`
	File       *File      `json:"f,omitempty"`
	Created    time.Time  `json:"at"`
	Attempts   int        `json:"n,omitempty"`
	NotBefore  time.Time  `json:"nb,omitzero"`
	// Bulk marks an announcement: sent after replies to learners who are
	// talking to the tutor. Ann is its announcement's id.
	Bulk bool   `json:"bk,omitempty"`
	Ann  uint64 `json:"an,omitempty"`
}

func (en *outboxEntry) address() Address {
	return Address{UserID: en.UserID, ChatID: en.ChatID, ThreadID: en.ThreadID, MessageID: en.MessageID, Bulk: en.Bulk, ReplyHandle: en.Handle}
}

// chatKey names the chat of an entry or event: platform and chat id (the
// user id where there is no chat id).
func chatKey(platform, userID, chatID string) string {
	if chatID == "" {
		chatID = userID
	}
	return platform + ":" + chatID
}

// outItem is an entry waiting in memory, with its replies when they were
// rendered already.
type outItem struct {
	acked   <-chan struct{} // closed once its delete is committed
	chat    string
	key     []byte // nil: not stored (a reply that shows nothing committed)
	en      outboxEntry
	replies []Reply
	d       draft // the draft it was staged from, rendered after the commit
}

// OutboxStats are the outbox's counters.
type OutboxStats struct {
	// Delivered counts entries the platform accepted.
	Delivered int64
	// Retried counts failed attempts that were retried.
	Retried int64
	// Expired counts entries dropped after the maximum age.
	Expired int64
	// Rejected counts entries the platform refused for good.
	Rejected int64
	// Cancelled counts entries dropped because their chat turned
	// unreachable, or superseded by a newer edit of the same message.
	Cancelled int64
	// Waiting is the number of entries in memory not yet delivered.
	Waiting int64
}

// outbox delivers committed replies per chat, in order, one goroutine per
// chat with entries, so a chat waiting for its rate limit or a retry holds
// nobody else.
type outbox struct {
	e      *Engine
	ctx    context.Context
	cancel context.CancelFunc
	maxAge time.Duration
	// retryBase is the first retry wait (see Config.OutboxRetryBase).
	retryBase time.Duration

	mu     sync.Mutex
	chats  map[string]*chatQueue
	acks   [][]byte
	acked  chan struct{} // closed when acks are deleted
	acking bool
	wg     sync.WaitGroup
	idle   *sync.Cond // signalled when a chat queue empties

	delivered, retried, expired, rejected, cancelled, waiting atomic.Int64
	// hold, for tests, stops sending while set (entries stay stored).
	hold atomic.Bool
}

type chatQueue struct {
	items []*outItem
	// heard counts the learner's messages in the chat while it had a
	// queue: a refusal of a send issued before the latest one is stale.
	heard uint64
}

func newOutbox(e *Engine, maxAge time.Duration) *outbox {
	o := &outbox{e: e, chats: map[string]*chatQueue{}, maxAge: maxAge, retryBase: 500 * time.Millisecond}
	o.ctx, o.cancel = context.WithCancel(context.Background())
	o.idle = sync.NewCond(&o.mu)
	return o
}

// enqueue appends items to their chats' queues and starts a sender for
// every chat that had none.
func (o *outbox) enqueue(items []*outItem) {
	if len(items) == 0 {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, it := range items {
		chat := it.chat
		q := o.chats[chat]
		if q == nil {
			q = &chatQueue{}
			o.chats[chat] = q
			o.wg.Add(1)
			go o.drain(chat, q)
		}
		q.items = append(q.items, it)
		o.waiting.Add(1)
	}
}

// heardFrom records that the learner wrote in chat: the chat is reachable
// again, whatever a send issued before says.
func (o *outbox) heardFrom(chat string) {
	o.mu.Lock()
	if q := o.chats[chat]; q != nil {
		q.heard++
	}
	o.mu.Unlock()
}

// heardCount is the chat's count of the learner's messages (see heardFrom).
func (o *outbox) heardCount(chat string) uint64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	if q := o.chats[chat]; q != nil {
		return q.heard
	}
	return 0
}

// cancelChat drops the chat's waiting entries from memory (the caller
// deletes them from the database).
func (o *outbox) cancelChat(chat string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if q := o.chats[chat]; q != nil {
		for _, it := range q.items {
			o.e.ann.delivered(&it.en, announce.Unreachable)
		}
		o.cancelled.Add(int64(len(q.items)))
		o.waiting.Add(-int64(len(q.items)))
		q.items = nil
	}
}

// dropAnnouncement drops the waiting entries of announcement id from
// memory (stopAnnouncement deleted them from the database). An entry
// being sent right now still arrives.
func (o *outbox) dropAnnouncement(id uint64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := 0
	for _, q := range o.chats {
		kept := q.items[:0]
		for _, it := range q.items {
			if it.en.Ann == id {
				n++
				continue
			}
			kept = append(kept, it)
		}
		clear(q.items[len(kept):])
		q.items = kept
	}
	o.cancelled.Add(int64(n))
	o.waiting.Add(-int64(n))
	o.e.ann.dropped(n)
}

// drain sends the chat's entries in order until its queue is empty.
//
// A new message is sent only once the delete of the chat's previous
// delivered message is committed: a crash can then leave at most one
// delivered message stored, so a restart sends at most one message twice.
// Edits in place do not wait and are not waited for: sending one again
// shows the same text.
func (o *outbox) drain(chat string, q *chatQueue) {
	defer o.wg.Done()
	var prev <-chan struct{} = closed
	for {
		o.mu.Lock()
		if len(q.items) == 0 || o.ctx.Err() != nil {
			delete(o.chats, chat)
			o.idle.Broadcast()
			o.mu.Unlock()
			return
		}
		it := q.items[0]
		if superseded(it, q.items[1:]) {
			q.items = q.items[1:]
			o.waiting.Add(-1)
			o.cancelled.Add(1)
			o.mu.Unlock()
			o.ack(it.key)
			continue
		}
		o.mu.Unlock()

		inPlace := it.en.MessageID != ""
		if !inPlace {
			select {
			case <-prev:
			default:
				// The delete waits to share a commit: have it commit now.
				o.e.db.Flush()
				select {
				case <-prev:
				case <-o.ctx.Done():
					continue
				}
			}
		}
		done := o.deliver(chat, it)
		if !inPlace && it.acked != nil {
			prev = it.acked
		}
		o.mu.Lock()
		if done && len(q.items) > 0 && q.items[0] == it {
			q.items = q.items[1:]
			o.waiting.Add(-1)
		}
		o.mu.Unlock()
	}
}

// superseded reports whether a later entry takes the place of the same
// message as it: then it would only be overwritten.
func superseded(it *outItem, later []*outItem) bool {
	if it.en.MessageID == "" {
		return false
	}
	for _, l := range later {
		if l.en.MessageID == it.en.MessageID {
			return true
		}
	}
	return false
}

// deliver tries it until it is delivered or dropped (true), or the outbox
// stops or the chat is cancelled (false: it stays stored or is gone).
func (o *outbox) deliver(chat string, it *outItem) bool {
	for {
		if o.ctx.Err() != nil {
			return false
		}
		for o.hold.Load() {
			if sleepCtx(o.ctx, 10*time.Millisecond) != nil {
				return false
			}
		}
		now := o.e.now()
		if o.maxAge > 0 && now.Sub(it.en.Created) > o.maxAge {
			o.expired.Add(1)
			o.e.ann.delivered(&it.en, announce.Failed)
			o.e.log.Warn("outbox entry expired undelivered", "chat", chat, "attempts", it.en.Attempts)
			o.ack(it.key)
			return true
		}
		if wait := it.en.NotBefore.Sub(now); wait > 0 {
			if sleepCtx(o.ctx, wait) != nil {
				return false
			}
		}
		m, ok := o.e.messenger(it.en.Platform)
		s, isSender := m.(Sender)
		if !ok || !isSender {
			// The platform is not running in this process: the entry stays
			// stored for a process that runs it.
			return true
		}
		if o.chatGone(chat, it) {
			return false // cancelled meanwhile (its chat turned unreachable)
		}
		if it.replies == nil {
			it.replies = o.e.renderEntry(&it.en, s.Format())
		}
		heard := o.heardCount(chat)
		err := s.Send(o.ctx, it.en.address(), it.replies)
		switch {
		case err == nil:
			o.delivered.Add(1)
			o.e.ann.delivered(&it.en, announce.Sent)
			it.acked = o.ack(it.key)
			return true
		case o.ctx.Err() != nil:
			return false
		case errors.Is(err, ErrUnreachable) && o.heardCount(chat) != heard:
			// The learner wrote in the chat while this send was under
			// way: the refusal is older than the chat's reachability, so
			// it cancels nothing and the entry is retried below.
			o.e.log.Info("refusal older than the learner's latest message; chat stays reachable", "chat", chat)
		case errors.Is(err, ErrUnreachable):
			if merr := o.e.MarkUnreachable(context.WithoutCancel(o.ctx), it.en.Platform, it.en.UserID, it.en.ChatID); merr != nil {
				o.e.log.Error("mark chat unreachable", "chat", chat, "err", merr)
			}
			o.cancelChat(chat)
			return false
		case errors.Is(err, ErrRejected):
			o.rejected.Add(1)
			o.e.ann.delivered(&it.en, announce.Failed)
			o.e.log.Error("outbox entry rejected, dropped", "chat", chat, "err", err)
			o.ack(it.key)
			return true
		}
		o.retried.Add(1)
		it.en.Attempts++
		wait := backoffWait(it.en.Attempts, o.retryBase)
		var ra interface{ RetryAfter() time.Duration }
		if errors.As(err, &ra) && ra.RetryAfter() > 0 {
			wait = ra.RetryAfter()
		}
		it.en.NotBefore = o.e.now().Add(wait)
		o.e.log.Warn("delivery failed, retrying", "chat", chat, "attempt", it.en.Attempts, "retry_in", wait.Round(time.Millisecond), "err", err)
		if o.chatGone(chat, it) {
			return false
		}
		if o.supersededNow(chat, it) {
			o.cancelled.Add(1)
			o.ack(it.key)
			return true
		}
		o.persist(it)
	}
}

// chatGone reports whether it was cancelled while being sent.
func (o *outbox) chatGone(chat string, it *outItem) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	q := o.chats[chat]
	return q == nil || len(q.items) == 0 || q.items[0] != it
}

// supersededNow reports whether it, the head of its chat's queue, is
// taken over by an entry queued since.
func (o *outbox) supersededNow(chat string, it *outItem) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	q := o.chats[chat]
	return q != nil && len(q.items) > 0 && q.items[0] == it && superseded(it, q.items[1:])
}

// persist stores the entry's retry state, so a restart honours it.
func (o *outbox) persist(it *outItem) {
	if it.key == nil {
		return
	}
	b, err := json.Marshal(&it.en)
	if err == nil {
		err = o.e.db.Update(context.WithoutCancel(o.ctx), func(tx *storage.Tx) error { return tx.PutOutbox(it.key, b) })
	}
	if err != nil {
		o.e.log.Warn("store outbox retry state", "err", err)
	}
}

// ack deletes a delivered entry. Deletes are gathered: one goroutine
// deletes every key acknowledged meanwhile in one write. The channel is
// closed once the delete is committed (or failed).
func (o *outbox) ack(key []byte) <-chan struct{} {
	if key == nil {
		return closed
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.acks = append(o.acks, key)
	if o.acked == nil {
		o.acked = make(chan struct{})
	}
	done := o.acked
	if !o.acking {
		o.acking = true
		o.wg.Add(1)
		go o.flush()
	}
	return done
}

// ackDelay is how long the deletes of delivered entries may wait for
// another write to share its commit.
const ackDelay = 20 * time.Millisecond

// closed is a closed channel: an acknowledgement with nothing to wait for.
var closed = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

func (o *outbox) flush() {
	defer o.wg.Done()
	for {
		o.mu.Lock()
		keys, done := o.acks, o.acked
		o.acks, o.acked = nil, nil
		if len(keys) == 0 {
			o.acking = false
			o.idle.Broadcast()
			o.mu.Unlock()
			return
		}
		o.mu.Unlock()
		// The deletes need not be durable at once (a crash before they
		// commit resends the chat's last message, at most one): they ride
		// along with the next commit instead of paying for one.
		err := o.e.db.UpdateLater(context.Background(), ackDelay, func(tx *storage.Tx) error { return tx.DeleteOutbox(keys...) })
		if err != nil {
			// Left stored: sent once more after a restart (at least once).
			o.e.log.Warn("delete delivered outbox entries", "entries", len(keys), "err", err)
		}
		close(done)
	}
}

// waitIdle waits until every queue is empty and every delivery deleted, or
// ctx ends.
func (o *outbox) waitIdle(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() {
		o.mu.Lock()
		o.idle.Broadcast()
		o.mu.Unlock()
	})
	defer stop()
	o.mu.Lock()
	defer o.mu.Unlock()
	for len(o.chats) > 0 || o.acking {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		o.idle.Wait()
	}
	return nil
}

// close stops the senders; what is not delivered stays stored.
func (o *outbox) close() {
	o.cancel()
	o.wg.Wait()
}

func (o *outbox) stats() OutboxStats {
	return OutboxStats{
		Delivered: o.delivered.Load(), Retried: o.retried.Load(), Expired: o.expired.Load(),
		Rejected: o.rejected.Load(), Cancelled: o.cancelled.Load(), Waiting: o.waiting.Load(),
	}
}

// backoffWait is the wait before retry number n (1-based): exponential
// from base to 600 times base, with jitter in its upper half.
func backoffWait(n int, base time.Duration) time.Duration {
	d := base << min(n-1, 20)
	if limit := 600 * base; d > limit || d <= 0 {
		d = limit
	}
	return d/2 + rand.N(d/2+1)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// resume loads the stored entries of platform and starts sending them:
// replies committed before a crash or restart.
func (o *outbox) resume(platform string) error {
	var items []*outItem
	err := o.e.db.View(func(tx *storage.Tx) error {
		return tx.ForEachOutbox(func(k, v []byte) error {
			var en outboxEntry
			if err := json.Unmarshal(v, &en); err != nil {
				o.e.log.Error("unreadable outbox entry, skipped", "err", err)
				return nil
			}
			if en.Platform == platform {
				items = append(items, &outItem{chat: storage.OutboxChat(k), key: append([]byte(nil), k...), en: en})
			}
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("resume outbox of %s: %w", platform, err)
	}
	if len(items) > 0 {
		o.e.log.Info("resuming undelivered replies", "platform", platform, "entries", len(items))
	}
	o.enqueue(items)
	return nil
}

// renderEntry renders an entry's source for format f: a long text becomes
// several messages; only the first can take a message's place, only the
// last carries the buttons and the file.
func (e *Engine) renderEntry(en *outboxEntry, f render.Format) []Reply {
	var parts []string
	switch {
	case en.Lesson != "":
		l, _ := e.course.Load().Lesson(en.Lesson, en.Lang)
		if l == nil || len(l.Pages) == 0 {
			return nil
		}
		parts = []string{e.pageText(e.msgs.For(en.Lang), l, min(en.Page, len(l.Pages)-1), f, en.Header)}
	default:
		parts = e.rendered.fit(en.MD, f)
	}
	base := Reply{Kind: en.Kind, Buttons: en.Buttons, Supersedes: en.Supersedes, Private: en.Private, File: en.File}
	return splitReply(base, parts)
}

// splitReply makes one reply per part: only the first keeps the kind,
// the place-taking and the file, only the last the buttons.
func splitReply(r Reply, parts []string) []Reply {
	out := make([]Reply, 0, len(parts))
	for i, p := range parts {
		x := r
		x.Text = p
		if i > 0 {
			x.Kind, x.Supersedes, x.File = Send, false, nil
		}
		if i < len(parts)-1 {
			x.Buttons = nil
		}
		out = append(out, x)
	}
	return out
}
