package bot

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"tutorbot/practice"
	"tutorbot/quiz"
)

// stateVersion is the version of the learner record layout. Version 1
// records (one lesson, no course fields) are upgraded when read; see
// upgrade.
const stateVersion = 2

// State is everything the tutor keeps about one learner, stored as JSON
// under the learner's key. /mydata shows it as it is.
type State struct {
	Version int `json:"v"`
	// Started is when the learner first wrote.
	Started time.Time `json:"started"`
	// Lang is the language the tutor speaks with the learner ("en", "ru"):
	// taken from the platform on first contact, changed with /language.
	Lang string `json:"lang,omitempty"`
	// Lesson is the id of the learner's current lesson.
	Lesson string `json:"lesson,omitempty"`
	// Active is when the learner last wrote or pressed a button, to the
	// nearest activeStep (for nudges).
	// Unix seconds (cheaper to encode on every turn than a time).
	Active unixSeconds `json:"active,omitempty"`
	// CourseDone is when the learner was told the whole course is done.
	CourseDone time.Time `json:"course_done,omitzero"`
	// Progress per lesson id.
	Progress map[string]*Progress `json:"progress,omitempty"`
	// LangOffered is set once the tutor offered Russian to a learner
	// writing in Cyrillic, or the learner chose a language: no offer again.
	LangOffered bool `json:"lang_offered,omitempty"`
	// Unreachable is set when the platform refused a message to the
	// learner's private chat or DM; no reminder is sent until they write
	// there again.
	Unreachable bool `json:"unreachable,omitempty"`
	// Reminded is the slot of the latest reminder stored for delivery.
	Reminded time.Time `json:"reminded,omitzero"`
	// UnreachableChats are the other chats (groups, channels) where the
	// platform refused a message, until the learner writes there again.
	UnreachableChats []string `json:"unreachable_chats,omitempty"`
	// Pending names what the tutor is waiting for in the learner's next
	// free text (a practice field), or is empty.
	Pending string `json:"pending,omitempty"`
	// Tasks is the learner's reference set of tasks for re-testing.
	Tasks []Task `json:"tasks,omitempty"`
	// NextID numbers tasks and comparisons.
	NextID int `json:"next_id,omitempty"`
	// Compares keeps the latest side-by-side comparisons, newest last.
	Compares []Comparison `json:"compares,omitempty"`
	// LastPrompt is the latest /compare prompt, offered for saving.
	LastPrompt string `json:"last_prompt,omitempty"`
	// Confirm is the number carried by the latest confirmation button
	// (/reset, /forget); an older or forged confirmation does nothing.
	Confirm int `json:"confirm,omitempty"`
	// TZAsked is set once the learner was told how to set a time zone.
	TZAsked bool `json:"tz_asked,omitempty"`
	// Draft is the practice template being filled in, field by field.
	Draft *practice.Request `json:"draft,omitempty"`
	// Submissions are the learner's practice templates and the answers
	// they got, newest last.
	Submissions []Submission `json:"submissions,omitempty"`
	// LLMDay and LLMCalls count today's LLM calls (UTC day) for the daily
	// limit.
	LLMDay   string `json:"llm_day,omitempty"`
	LLMCalls int    `json:"llm_calls,omitempty"`
	// Cohorts are the codes of the cohorts the learner is in; their
	// teachers see the learner's progress (/class).
	Cohorts []string `json:"cohorts,omitempty"`
	// LeftCohorts are the group cohorts the learner left with /leave, so
	// that writing in that group does not put them back.
	LeftCohorts []string `json:"left_cohorts,omitempty"`
	// Handled is the platform's sequence number (Event.Seq) of the latest
	// event handled in each chat, by chat id, and when: a platform that
	// delivers an event again after a crash gets no second answer.
	Handled map[string]Handled `json:"handled,omitempty"`
}

// Handled is the latest event handled in a chat.
type Handled struct {
	Seq int64       `json:"s"`
	At  unixSeconds `json:"at"`
}

// redeliveryWindow is how long a platform may deliver an event again
// (Telegram keeps updates for 24 hours, and numbers them afresh, at random,
// only after a week without any).
const redeliveryWindow = 24 * time.Hour

// Submission is one filled-in practice template and the answer given.
type Submission struct {
	ID      int              `json:"id"`
	At      time.Time        `json:"at"`
	Request practice.Request `json:"request"`
	// Picks names the recommended models, top pick first.
	Picks []string `json:"picks"`
	// Answer is the Markdown the learner got.
	Answer string `json:"answer"`
	// ByLLM says whether the LLM wrote the answer.
	ByLLM bool `json:"by_llm,omitempty"`
}

// MaxSubmissions bounds the kept practice history.
const MaxSubmissions = 20

// Task is one task of the learner's reference set.
type Task struct {
	ID    int       `json:"id"`
	Text  string    `json:"text"`
	Added time.Time `json:"added"`
	// From says where it came from: "message", "compare" or "practice".
	From string `json:"from"`
	// Last holds a fingerprint of each model's answer at the last re-test,
	// by model id, to mark what changed.
	Last map[string]string `json:"last,omitempty"`
	// LastRun is when the task was last re-tested.
	LastRun time.Time `json:"last_run,omitzero"`
}

// Comparison is one prompt run on several models side by side.
type Comparison struct {
	ID      int             `json:"id"`
	Prompt  string          `json:"prompt"`
	Blind   bool            `json:"blind,omitempty"`
	At      time.Time       `json:"at"`
	Answers []CompareAnswer `json:"answers"`
	// Best is the index of the answer the learner marked best, or -1.
	Best int `json:"best"`
}

// CompareAnswer is one model's answer in a comparison.
type CompareAnswer struct {
	Model            string `json:"model"`
	Done             bool   `json:"done,omitempty"`
	Error            string `json:"error,omitempty"`
	LatencyMS        int64  `json:"latency_ms,omitempty"`
	PromptTokens     int    `json:"prompt_tokens,omitempty"`
	CompletionTokens int    `json:"completion_tokens,omitempty"`
	// Fingerprint identifies the answer's text without keeping it.
	Fingerprint string `json:"fingerprint,omitempty"`
}

// Limits of the reference set and the kept comparisons.
const (
	MaxTasks    = 20
	MaxTaskLen  = 2000
	MaxCompares = 20
)

// Progress is the learner's progress in one lesson.
type Progress struct {
	// Page is the page the learner is on (from 0).
	Page int `json:"page"`
	// Seen counts the pages reached (the highest page + 1).
	Seen int `json:"seen"`
	// Finished is set once the last page was shown.
	Finished bool `json:"finished,omitempty"`
	// Quiz is the learner's quiz record for the lesson.
	Quiz quiz.Record `json:"quiz"`
	// Done is when the lesson was first done: its last page read or its
	// quiz passed, whichever came first. Unlocking counts from it.
	Done time.Time `json:"done,omitzero"`
	// Announced is set once the learner was told the lesson is open.
	Announced bool `json:"announced,omitempty"`
	// Nudged is set once the learner got a nudge to continue the lesson.
	Nudged bool `json:"nudged,omitempty"`
}

// decodeState reads a stored record; a missing record is a new learner.
func decodeState(b []byte) (*State, error) {
	st := &State{Version: stateVersion}
	if b == nil {
		return st, nil
	}
	if err := json.Unmarshal(b, st); err != nil {
		return nil, fmt.Errorf("decode learner record: %w", err)
	}
	if st.Version < stateVersion {
		st.upgrade()
	}
	return st, nil
}

// progressView is the part of a learner record that reports of many
// learners (/class, the funnel) read: decoding only it skips the practice
// submissions, comparisons and tasks a record may hold.
type progressView struct {
	Version  int                  `json:"v"`
	Started  time.Time            `json:"started"`
	Lesson   string               `json:"lesson,omitempty"`
	Active   unixSeconds          `json:"active,omitempty"`
	Progress map[string]*Progress `json:"progress,omitempty"`
}

// decodeProgress reads a stored record's progress: a State with only
// its version, start, lesson, activity and progress set.
func decodeProgress(b []byte) (*State, error) {
	v := progressView{Version: stateVersion}
	if b != nil {
		if err := v.read(b); err != nil {
			return nil, fmt.Errorf("decode learner record: %w", err)
		}
	}
	st := &State{Version: v.Version, Started: v.Started, Lesson: v.Lesson, Active: v.Active, Progress: v.Progress}
	if st.Version < stateVersion {
		st.upgrade()
	}
	return st, nil
}

// read decodes the view from a record. A record of the current layout
// holds its fields in State's order, and the view's come first (see
// TestProgressFieldsFirst): only the record's beginning up to the first
// field after them is decoded, so a long history of practice answers and
// comparisons is not even parsed. A record of an older layout is read
// whole.
func (v *progressView) read(b []byte) error {
	if end := progressEnd(b); len(b)-end > 512 { // a short tail is cheaper to parse than to cut
		head := append(b[:end:end], '}')
		if json.Unmarshal(head, v) == nil && v.Version >= stateVersion {
			return nil
		}
		*v = progressView{Version: stateVersion}
	}
	return json.Unmarshal(b, v)
}

// progressEnd is where, in a JSON object, the first top-level member
// whose key is not one of the view's (or lang, course_done, which come
// between them) begins: the index of the comma before it, or len(b).
func progressEnd(b []byte) int {
	depth, inString, escaped := 0, false, false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		case ',':
			if depth != 1 {
				continue
			}
			rest := bytes.TrimLeft(b[i+1:], " \t\r\n")
			if len(rest) == 0 || rest[0] != '"' {
				return len(b)
			}
			key, _, ok := bytes.Cut(rest[1:], []byte{'"'})
			if !ok {
				return len(b)
			}
			switch string(key) {
			case "v", "started", "lang", "lesson", "active", "course_done", "progress":
			default:
				return i
			}
		}
	}
	return len(b)
}

// upgrade brings a record of an older layout to stateVersion. Version 1
// kept no dates per lesson: a lesson already read or passed counts as
// done since the learner started, so lessons that unlock after it are
// open to them at once.
func (s *State) upgrade() {
	if s.Version < 2 {
		for id, p := range s.Progress {
			if p == nil {
				delete(s.Progress, id)
				continue
			}
			if p.Done.IsZero() && (p.Finished || passed(p.Quiz)) {
				p.Done = s.Started
			}
		}
		if s.Lesson == "" && len(s.Progress) == 1 {
			for id := range s.Progress {
				s.Lesson = id
			}
		}
	}
	s.Version = stateVersion
}

// unixSeconds is a time as Unix seconds. It also reads an RFC 3339 string,
// as records of layout 2 written before it was a number hold.
type unixSeconds int64

// UnmarshalJSON reads a number or an RFC 3339 string.
func (u *unixSeconds) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var t time.Time
		if err := t.UnmarshalJSON(b); err != nil {
			return err
		}
		*u = unixSeconds(t.Unix())
		return nil
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return fmt.Errorf("a time in Unix seconds: %w", err)
	}
	*u = unixSeconds(n)
	return nil
}

// passed reports whether a quiz counts as passed: more than half of the
// questions right in the best finished attempt.
func passed(r quiz.Record) bool { return r.Finished && r.Total > 0 && 2*r.Best > r.Total }

// progress returns the progress record of lesson id, creating it.
func (s *State) progress(id string) *Progress {
	if s.Progress == nil {
		s.Progress = map[string]*Progress{}
	}
	p := s.Progress[id]
	if p == nil {
		p = &Progress{}
		s.Progress[id] = p
	}
	return p
}

// markUnreachable records that chatID (empty or the user id: the private
// chat) refused a message.
func (st *State) markUnreachable(userID, chatID string) {
	if chatID == "" || chatID == userID {
		st.Unreachable = true
		return
	}
	if !slices.Contains(st.UnreachableChats, chatID) {
		st.UnreachableChats = append(st.UnreachableChats, chatID)
	}
}

// handledBefore reports whether the event was handled already: the
// platform delivered it again (after a crash, before its receipt was
// confirmed).
func (st *State) handledBefore(ev Event, now time.Time) bool {
	h, ok := st.Handled[ev.ChatID]
	return ev.Seq > 0 && ok && h.Seq >= ev.Seq && now.Unix()-int64(h.At) < int64(redeliveryWindow/time.Second)
}

// markHandled records the event's sequence number in its chat.
func (st *State) markHandled(ev Event, now time.Time) {
	if ev.Seq <= 0 {
		return
	}
	if st.Handled == nil {
		st.Handled = map[string]Handled{}
	}
	st.Handled[ev.ChatID] = Handled{Seq: ev.Seq, At: unixSeconds(now.Unix())}
}

// reachedIn records that the learner wrote in the event's chat: it is
// reachable again.
func (st *State) reachedIn(ev Event) {
	if ev.Direct || ev.ChatID == "" || ev.ChatID == ev.UserID {
		st.Unreachable = false
	}
	if len(st.UnreachableChats) > 0 {
		st.UnreachableChats = slices.DeleteFunc(st.UnreachableChats, func(c string) bool { return c == ev.ChatID })
		if len(st.UnreachableChats) == 0 {
			st.UnreachableChats = nil
		}
	}
}

// reachable reports whether chatID (empty: the private chat) may be
// written to.
func (st *State) reachable(userID, chatID string) bool {
	if chatID == "" || chatID == userID {
		return !st.Unreachable
	}
	return !slices.Contains(st.UnreachableChats, chatID)
}
