package loadtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"tutorbot/bot"
	"tutorbot/bot/telegram/telegramtest"
	"tutorbot/lessons"
	"tutorbot/quiz"
	"tutorbot/remind"
	"tutorbot/storage"
)

// Claims are what the tutor told one learner, read from the messages the
// learner received. Every claim must be reflected in the learner's stored
// state: whatever a learner saw survives a crash.
type Claims struct {
	// Pages is the page count shown ("page 3/9"), MaxPage the highest page
	// shown and LastPage the page shown last (from 1; 0: none).
	Pages, MaxPage, LastPage int
	// Verdicts maps question number (from 1) to the letter of the answer
	// the tutor confirmed ("Your answer: B.").
	Verdicts map[int]string
	// Right counts the answers confirmed as right.
	Right int
	// Scores are the finished quiz attempts' scores, in order.
	Scores []int
	// Attempts counts quiz attempts the tutor announced.
	Attempts int
	// Practice counts practice recommendations received; PracticeText is
	// the visible text of the last one.
	Practice     int
	PracticeText string
	// Remind is set once the weekly reminder was confirmed.
	Remind bool
	// Reminders counts re-testing reminders received.
	Reminders int
	// Acknowledged counts the messages that made a claim.
	Acknowledged int
	// Duplicates counts messages sent twice in a row (text and buttons),
	// which the outbox may do once after a crash (at-least-once delivery);
	// the second copy claims nothing.
	Duplicates int
	// DuplicateTexts are the start of each message sent twice.
	DuplicateTexts []string
	// DuplicateAt are the times the first and the second copy of each
	// message sent twice reached the server.
	DuplicateAt [][2]time.Time
	// AttemptsSeen and PracticeSeen count quiz announcements and
	// recommendations like Attempts and Practice, copies included: what
	// the learner saw, for CheckSeen.
	AttemptsSeen, PracticeSeen int
}

// ReadClaims reads the claims made in a learner's messages (the fake
// server's record of one chat).
func ReadClaims(ms []telegramtest.Message) Claims {
	c := Claims{Verdicts: map[int]string{}}
	var last *telegramtest.Message
	for i, m := range ms {
		if m.Method != "sendMessage" && m.Method != "editMessageText" {
			continue
		}
		if m.Method == "sendMessage" {
			if last != nil && last.Text == m.Text && reflect.DeepEqual(last.Keyboard, m.Keyboard) {
				text := visible(m)
				c.Duplicates++
				c.DuplicateTexts = append(c.DuplicateTexts, strings.Join(strings.Fields(text), " "))
				c.DuplicateAt = append(c.DuplicateAt, [2]time.Time{last.At, m.At})
				if strings.HasPrefix(text, "Quiz — ") {
					c.AttemptsSeen++
				}
				if _, ok := findButton(m.Keyboard, labelSaveTask); ok {
					c.PracticeSeen++
				}
				continue
			}
			last = &ms[i]
		}
		text := visible(m)
		claimed := false
		if p, n := pageOf(text); p > 0 {
			c.Pages, c.LastPage, c.MaxPage = n, p, max(c.MaxPage, p)
			claimed = true
		}
		if strings.HasPrefix(text, "Quiz — ") {
			c.Attempts++
			c.AttemptsSeen++
			claimed = true
		}
		if a := reAnswer.FindStringSubmatch(text); a != nil {
			if q := reQuestion.FindStringSubmatch(text); q != nil {
				k, _ := strconv.Atoi(q[1])
				c.Verdicts[k] = a[1]
				if strings.Contains(text, "✅ Right") {
					c.Right++
				}
				claimed = true
			}
		}
		if f := reFinished.FindStringSubmatch(text); f != nil {
			s, _ := strconv.Atoi(f[1])
			c.Scores = append(c.Scores, s)
			claimed = true
		}
		if _, ok := findButton(m.Keyboard, labelSaveTask); ok && m.Method == "sendMessage" {
			c.Practice++
			c.PracticeSeen++
			c.PracticeText = text
			claimed = true
		}
		if isRemind(msg{Message: m, text: text}) {
			c.Remind = true
			claimed = true
		}
		if isReminder(msg{Message: m, text: text}) {
			c.Reminders++
			claimed = true
		}
		if claimed {
			c.Acknowledged++
		}
	}
	return c
}

// Stored is one learner's stored records.
type Stored struct {
	// Raw is the learner record (nil: none).
	Raw []byte
	// State is Raw decoded (nil when Raw is nil or does not decode).
	State *bot.State
	// Reminder is the reminder settings and whether there are any.
	Reminder    remind.Settings
	HasReminder bool
	// Due reports whether the due index holds Reminder.Next for the key.
	Due bool
	// Problems are decoding errors of the records.
	Problems []string
}

// ReadStored reads the records of the learners keyed by keys from db, and
// checks each one decodes strictly.
func ReadStored(db *storage.DB, keys []string) (map[string]*Stored, error) {
	out := make(map[string]*Stored, len(keys))
	err := db.View(func(tx *storage.Tx) error {
		due := map[string][]time.Time{}
		for _, d := range tx.DueBefore(time.Now().AddDate(100, 0, 0), 1<<30) {
			due[d.Key] = append(due[d.Key], d.At)
		}
		for _, key := range keys {
			s := &Stored{}
			if raw := tx.Learner(key); raw != nil {
				s.Raw = bytes.Clone(raw)
				dec := json.NewDecoder(bytes.NewReader(raw))
				dec.DisallowUnknownFields()
				var st bot.State
				if err := dec.Decode(&st); err != nil {
					s.Problems = append(s.Problems, fmt.Sprintf("learner record does not decode: %v", err))
				} else {
					s.State = &st
				}
			}
			if raw := tx.Reminder(key); raw != nil {
				s.HasReminder = true
				if err := json.Unmarshal(raw, &s.Reminder); err != nil {
					s.Problems = append(s.Problems, fmt.Sprintf("reminder record does not decode: %v", err))
				}
			}
			for _, at := range due[key] {
				if at.Equal(s.Reminder.Next) {
					s.Due = true
				}
			}
			if !s.Reminder.Next.IsZero() && !s.Due {
				s.Problems = append(s.Problems, fmt.Sprintf("reminder due at %v is missing from the due index", s.Reminder.Next))
			}
			if n := len(due[key]); n > 1 {
				s.Problems = append(s.Problems, fmt.Sprintf("%d due entries for one learner", n))
			}
			out[key] = s
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read stored learners: %w", err)
	}
	return out, nil
}

// CheckInvariants reports what is wrong with a stored learner whatever the
// learner did: records that do not decode, progress out of range, quiz
// records that contradict themselves, reminders out of the due index.
func CheckInvariants(s *Stored, l *lessons.Lesson) []string {
	probs := slices.Clone(s.Problems)
	st := s.State
	if st == nil {
		return probs
	}
	bad := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }
	if st.Version != 2 {
		bad("version %d", st.Version)
	}
	if st.Started.IsZero() {
		bad("no start time")
	}
	for id, p := range st.Progress {
		if p == nil {
			bad("progress of %q is null", id)
			continue
		}
		if id != l.ID {
			bad("progress of unknown lesson %q", id)
			continue
		}
		n := len(l.Pages)
		if p.Page < 0 || p.Page >= n || p.Seen < 0 || p.Seen > n {
			bad("page %d, seen %d out of range (%d pages)", p.Page, p.Seen, n)
		}
		if p.Seen > 0 && p.Page >= p.Seen {
			bad("on page %d but only %d seen", p.Page+1, p.Seen)
		}
		if p.Finished != (p.Seen == n) {
			bad("finished=%v with %d of %d pages seen", p.Finished, p.Seen, n)
		}
		q := p.Quiz
		if q.Best > q.Total || q.Last > q.Total || q.Best < q.Last && q.Finished {
			bad("quiz scores best %d last %d of %d", q.Best, q.Last, q.Total)
		}
		if len(q.History) > q.Attempts {
			bad("%d finished attempts of %d started", len(q.History), q.Attempts)
		}
		if q.Finished != (len(q.History) > 0) {
			bad("quiz finished=%v with %d finished attempts", q.Finished, len(q.History))
		}
		if a := q.Attempt; a != nil {
			if a.N != q.Attempts {
				bad("attempt in progress is number %d of %d", a.N, q.Attempts)
			}
			probs = append(probs, checkChosen(a.Chosen, l)...)
		}
		for _, r := range q.History {
			if r.Score > r.Total || r.N > q.Attempts {
				bad("finished attempt %d: %d of %d", r.N, r.Score, r.Total)
			}
			probs = append(probs, checkChosen(r.Chosen, l)...)
		}
	}
	ids := map[int]bool{}
	for _, sub := range st.Submissions {
		if ids[sub.ID] || sub.ID > st.NextID || sub.ID <= 0 {
			bad("submission id %d (next id %d) repeated or out of range", sub.ID, st.NextID)
		}
		ids[sub.ID] = true
	}
	if st.Pending == "" && st.Draft != nil {
		bad("a practice draft without a pending question")
	}
	return probs
}

func checkChosen(chosen map[string]string, l *lessons.Lesson) []string {
	var probs []string
	for _, qid := range slices.Sorted(maps.Keys(chosen)) {
		q, ok := questionByID(l, qid)
		if !ok {
			probs = append(probs, fmt.Sprintf("answer to unknown question %q", qid))
			continue
		}
		if _, ok := q.Option(chosen[qid]); !ok {
			probs = append(probs, fmt.Sprintf("question %q: unknown option %q", qid, chosen[qid]))
		}
	}
	return probs
}

func questionByID(l *lessons.Lesson, id string) (quiz.Question, bool) {
	for _, q := range l.Quiz {
		if q.ID == id {
			return q, true
		}
	}
	return quiz.Question{}, false
}

// optionID is the id of the option shown with letter under question k
// (from 1) of lesson l.
func optionID(l *lessons.Lesson, k int, letter string) (qid, oid string, ok bool) {
	if k < 1 || k > len(l.Quiz) || len(letter) != 1 {
		return "", "", false
	}
	q := l.Quiz[k-1]
	i := int(letter[0] - 'A')
	if i < 0 || i >= len(q.Options) {
		return "", "", false
	}
	return q.ID, q.Options[i].ID, true
}

// CheckReflected reports the claims that the stored state does not
// reflect: a page shown but not reached, a confirmed answer not stored, a
// finished quiz, a recommendation or a reminder missing. It allows more
// than was claimed (an update handled again after a crash).
func CheckReflected(c Claims, s *Stored, l *lessons.Lesson) []string {
	var probs []string
	bad := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }
	st := s.State
	if c.Acknowledged == 0 {
		return nil
	}
	if st == nil {
		return []string{fmt.Sprintf("%d acknowledged replies but no stored state", c.Acknowledged)}
	}
	p := st.Progress[l.ID]
	if c.MaxPage > 0 || len(c.Verdicts) > 0 || c.Attempts > 0 {
		if p == nil {
			return []string{"replies about the lesson but no progress stored"}
		}
	}
	if c.MaxPage > 0 && p.Seen < c.MaxPage {
		bad("page %d shown, stored only %d pages seen", c.MaxPage, p.Seen)
	}
	if c.Attempts > 0 && p.Quiz.Attempts < c.Attempts {
		bad("%d quiz attempts announced, %d stored", c.Attempts, p.Quiz.Attempts)
	}
	for _, k := range slices.Sorted(maps.Keys(c.Verdicts)) {
		qid, oid, ok := optionID(l, k, c.Verdicts[k])
		if !ok {
			bad("verdict for question %d answer %s does not exist", k, c.Verdicts[k])
			continue
		}
		found := p.Quiz.Attempt != nil && p.Quiz.Attempt.Chosen[qid] == oid
		for _, r := range p.Quiz.History {
			found = found || r.Chosen[qid] == oid
		}
		if !found {
			bad("answer %s to question %d (%s=%s) confirmed but not stored", c.Verdicts[k], k, qid, oid)
		}
	}
	for _, score := range c.Scores {
		found := false
		for _, r := range p.Quiz.History {
			found = found || r.Score == score
		}
		if !found {
			bad("quiz finished with %d shown, no stored attempt with that score", score)
		}
	}
	if c.Practice > 0 {
		found := false
		for _, sub := range st.Submissions {
			found = found || sub.Request.Task == PracticeTask
		}
		if !found || len(st.Submissions) < 1 {
			bad("practice answered but no submission of %q stored (%d stored)", PracticeTask, len(st.Submissions))
		}
	}
	if c.Remind {
		weekly := remind.WeeklyPreset()
		if !s.HasReminder || s.Reminder.Spec != weekly.Spec || s.Reminder.Kind != weekly.Kind || s.Reminder.Next.IsZero() {
			bad("weekly reminder confirmed, stored %+v", s.Reminder)
		}
	}
	return probs
}

// CheckSeen reports what the stored state holds that the learner was never
// shown: the other direction of CheckReflected, for when every committed
// reply must have been delivered (after a graceful stop): pages stored as
// seen beyond the highest shown, quiz attempts or finished scores never
// announced, stored answers never confirmed, a stored recommendation or
// weekly reminder never sent.
func CheckSeen(c Claims, s *Stored, l *lessons.Lesson) []string {
	st := s.State
	if st == nil {
		return nil
	}
	var probs []string
	bad := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }
	if p := st.Progress[l.ID]; p != nil {
		if p.Seen > c.MaxPage {
			bad("%d pages stored as seen, highest shown %d", p.Seen, c.MaxPage)
		}
		if p.Quiz.Attempts > c.AttemptsSeen {
			bad("%d quiz attempts stored, %d announced", p.Quiz.Attempts, c.AttemptsSeen)
		}
		chosen := []map[string]string{}
		if p.Quiz.Attempt != nil {
			chosen = append(chosen, p.Quiz.Attempt.Chosen)
		}
		for _, r := range p.Quiz.History {
			chosen = append(chosen, r.Chosen)
			if !slices.Contains(c.Scores, r.Score) {
				bad("finished attempt %d with %d stored, that score never shown (shown %v)", r.N, r.Score, c.Scores)
			}
		}
		for _, ch := range chosen {
			for k := 1; k <= len(l.Quiz); k++ {
				q := l.Quiz[k-1]
				oid, ok := ch[q.ID]
				if !ok {
					continue
				}
				if _, want, _ := optionID(l, k, c.Verdicts[k]); want != oid {
					bad("answer %s to question %d stored, never confirmed (confirmed %q)", oid, k, c.Verdicts[k])
				}
			}
		}
	}
	if len(st.Submissions) > 0 && c.PracticeSeen == 0 {
		bad("%d practice submissions stored, no recommendation received", len(st.Submissions))
	}
	weekly := remind.WeeklyPreset()
	if s.HasReminder && s.Reminder.Spec == weekly.Spec && s.Reminder.Kind == weekly.Kind && !c.Remind {
		bad("weekly reminder stored, never confirmed")
	}
	return probs
}

// CheckExact reports where the stored state differs from what a learner
// who ran the journey once, without retries, must have: the last page
// reached, one finished quiz attempt with the confirmed answers and their
// score, one practice submission, the weekly reminder.
func CheckExact(c Claims, s *Stored, l *lessons.Lesson, userID string) []string {
	probs := CheckReflected(c, s, l)
	st := s.State
	if st == nil {
		return append(probs, "no stored state")
	}
	bad := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }
	n := len(l.Pages)
	if c.MaxPage != n || c.LastPage != n {
		bad("the learner saw page %d last, highest %d, of %d", c.LastPage, c.MaxPage, n)
	}
	if st.Lesson != l.ID {
		bad("current lesson %q, want %q", st.Lesson, l.ID)
	}
	p := st.Progress[l.ID]
	if p == nil {
		return append(probs, "no progress stored")
	}
	if p.Page != c.LastPage-1 || p.Seen != c.MaxPage || !p.Finished {
		bad("stored page %d, seen %d, finished %v; shown last %d, highest %d", p.Page+1, p.Seen, p.Finished, c.LastPage, c.MaxPage)
	}
	q := p.Quiz
	if q.Attempt != nil || !q.Finished || q.Attempts != 1 || c.Attempts != 1 || len(q.History) != 1 || len(c.Scores) != 1 {
		bad("quiz: attempt in progress %v, finished %v, %d attempts (%d announced), %d finished (%d shown)", q.Attempt != nil, q.Finished, q.Attempts, c.Attempts, len(q.History), len(c.Scores))
	} else {
		r := q.History[0]
		want := map[string]string{}
		for k, letter := range c.Verdicts {
			if qid, oid, ok := optionID(l, k, letter); ok {
				want[qid] = oid
			}
		}
		if !maps.Equal(r.Chosen, want) || len(want) != len(l.Quiz) {
			bad("stored answers %v, confirmed %v", r.Chosen, want)
		}
		if r.Score != c.Scores[0] || r.Score != c.Right || q.Last != c.Right || q.Best != c.Right || q.Total != len(l.Quiz) {
			bad("stored score %d (last %d, best %d of %d), shown %v, right answers confirmed %d", r.Score, q.Last, q.Best, q.Total, c.Scores, c.Right)
		}
	}
	if len(st.Submissions) != 1 || c.Practice != 1 {
		bad("%d submissions stored, %d recommendations received", len(st.Submissions), c.Practice)
	} else {
		sub := st.Submissions[0]
		if len(sub.Picks) == 0 || !strings.Contains(c.PracticeText, sub.Picks[0]) {
			bad("stored top pick %v not in the recommendation received", sub.Picks)
		}
	}
	if st.Pending != "" || st.Draft != nil {
		bad("still waiting for %q", st.Pending)
	}
	if !c.Remind {
		bad("no reminder confirmation received")
	} else if s.Reminder.Platform != "telegram" || s.Reminder.UserID != userID || !s.Reminder.Next.After(time.Now()) {
		bad("reminder goes to %s:%s at %v", s.Reminder.Platform, s.Reminder.UserID, s.Reminder.Next)
	}
	return probs
}
