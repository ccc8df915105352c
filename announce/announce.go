// Package announce holds what an announcement is: the admin's command and
// its audience, the Markdown checks done before anything is sent, and the
// records kept for the announcement and each of its recipients. The bot
// package stores and delivers them through its outbox.
package announce

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxText is the longest announcement in characters. A longer one is
// refused; one longer than a platform's message (Discord's 2,000) is split
// like any other reply.
const MaxText = 4000

// Verb is what an /announce command asks for.
type Verb int

const (
	// Help shows how to use /announce.
	Help Verb = iota
	// Draft makes a preview of a new announcement.
	Draft
	// ShowStatus shows the counts of an announcement (ID, or the latest).
	ShowStatus
	// Cancel stops the rest of an announcement (ID, or the latest).
	Cancel
)

// Command is a parsed /announce argument.
type Command struct {
	Verb     Verb
	ID       uint64
	Audience Audience
	Text     string
}

// Audience says who receives an announcement: every learner the tutor can
// write to, narrowed by each field that is set (all of them must hold).
type Audience struct {
	// Cohort is a cohort's code.
	Cohort string `json:"cohort,omitempty"`
	// Unfinished is the order of a lesson the learner has not finished.
	Unfinished int `json:"unfinished,omitempty"`
	// Lang is the learner's language ("ru").
	Lang string `json:"lang,omitempty"`
}

// String is the audience as it is written in the command ("everyone",
// "cohort abcd1234 lang ru").
func (a Audience) String() string {
	var parts []string
	if a.Cohort != "" {
		parts = append(parts, "cohort "+a.Cohort)
	}
	if a.Unfinished > 0 {
		parts = append(parts, "unfinished "+strconv.Itoa(a.Unfinished))
	}
	if a.Lang != "" {
		parts = append(parts, "lang "+a.Lang)
	}
	if len(parts) == 0 {
		return "everyone"
	}
	return strings.Join(parts, " ")
}

// Errors of Parse and ParseAudience; bot shows each as a catalog message.
var (
	ErrEmpty       = errors.New("the announcement has no text")
	ErrTooLong     = errors.New("the announcement is too long")
	ErrBadAudience = errors.New("the audience is not understood")
	ErrBadID       = errors.New("not an announcement number")
	ErrNobody      = errors.New("no learner matches the audience")
)

// keywords start an audience.
var keywords = map[string]bool{"everyone": true, "cohort": true, "unfinished": true, "lang": true, "language": true}

// Parse reads the argument of /announce:
//
//	(nothing)                          help
//	status [ID] | cancel [ID]          counts, or stop the rest
//	[AUDIENCE:] TEXT                   a draft to preview
//
// AUDIENCE is "everyone" or any of "cohort CODE", "unfinished N",
// "lang CODE", ended by a colon and a space or by a line break. Text
// whose first word is no audience keyword goes to everyone. length is the
// text's length in characters as the sender wrote it (before any cut).
func Parse(arg string, length int) (Command, error) {
	arg = strings.TrimSpace(arg)
	if arg == "" {
		return Command{Verb: Help}, nil
	}
	first, rest, _ := strings.Cut(arg, " ")
	first, after, nl := strings.Cut(first, "\n")
	if nl {
		rest = strings.TrimSpace(after + " " + rest)
	}
	switch strings.ToLower(first) {
	case "status", "cancel":
		c := Command{Verb: ShowStatus}
		if strings.ToLower(first) == "cancel" {
			c.Verb = Cancel
		}
		if rest = strings.TrimSpace(rest); rest != "" {
			rest = strings.TrimPrefix(rest, "#")
			id, err := strconv.ParseUint(rest, 10, 64)
			if err != nil || id == 0 || len(rest) > 12 {
				return Command{}, ErrBadID
			}
			c.ID = id
		}
		return c, nil
	}
	c := Command{Verb: Draft}
	text := arg
	if keywords[strings.ToLower(strings.TrimSuffix(first, ":"))] {
		head, body := splitHead(arg)
		a, err := ParseAudience(head)
		if err != nil {
			return Command{}, err
		}
		c.Audience, text = a, body
	}
	text = strings.TrimSpace(text)
	if text == "" {
		return Command{}, ErrEmpty
	}
	if length > MaxText || utf8.RuneCountInString(text) > MaxText {
		return Command{}, ErrTooLong
	}
	c.Text = text
	return c, nil
}

// splitHead cuts the audience off the text: at the first line break, or
// at the first colon followed by a space (a cohort code of a group holds
// colons but no spaces), whichever comes first.
func splitHead(s string) (head, body string) {
	cut := len(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		cut = i
	}
	if i := strings.Index(s, ": "); i >= 0 && i < cut {
		return s[:i], s[i+2:]
	}
	if cut < len(s) {
		return strings.TrimSuffix(strings.TrimSpace(s[:cut]), ":"), s[cut+1:]
	}
	return strings.TrimSuffix(s, ":"), ""
}

// ParseAudience reads an audience: "everyone" (or nothing), or any of
// "cohort CODE", "unfinished N", "lang CODE".
func ParseAudience(s string) (Audience, error) {
	var a Audience
	words := strings.Fields(strings.ToLower(s))
	if len(words) > 8 {
		return a, fmt.Errorf("%w: too many words", ErrBadAudience)
	}
	for i := 0; i < len(words); i++ {
		w := words[i]
		if w == "everyone" {
			if len(words) > 1 {
				return a, fmt.Errorf("%w: everyone goes alone", ErrBadAudience)
			}
			continue
		}
		if !keywords[w] || i+1 == len(words) {
			return a, fmt.Errorf("%w: %q", ErrBadAudience, w)
		}
		i++
		v := words[i]
		switch w {
		case "cohort":
			if a.Cohort != "" || !validCohort(v) {
				return a, fmt.Errorf("%w: cohort %q", ErrBadAudience, v)
			}
			a.Cohort = v
		case "unfinished":
			n, err := strconv.Atoi(v)
			if a.Unfinished != 0 || err != nil || n < 1 || n > 999 {
				return a, fmt.Errorf("%w: unfinished %q", ErrBadAudience, v)
			}
			a.Unfinished = n
		case "lang", "language":
			if a.Lang != "" || !validLang(v) {
				return a, fmt.Errorf("%w: lang %q", ErrBadAudience, v)
			}
			a.Lang = v
		}
	}
	return a, nil
}

// validCohort accepts a code made by /cohort new (letters and digits) or a
// group's cohort ("chat:telegram:-100123").
func validCohort(s string) bool {
	if len(s) < 4 || len(s) > 100 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == ':' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

func validLang(s string) bool {
	if len(s) < 2 || len(s) > 3 {
		return false
	}
	for _, r := range s {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	return true
}

// Status is where an announcement is.
type Status string

// Announcement statuses.
const (
	// Drafted: previewed, not confirmed.
	Drafted Status = "draft"
	// Superseded: a newer preview of the same admin replaced it.
	Superseded Status = "superseded"
	// Sending: confirmed; recipients are being delivered to.
	Sending Status = "sending"
	// Done: every recipient has an outcome.
	Done Status = "done"
	// Cancelled: stopped; the recipients who have not got it are cancelled
	// (those waiting in the outbox too).
	Cancelled Status = "cancelled"
)

// Announcement is the stored record of one announcement.
type Announcement struct {
	ID       uint64    `json:"id"`
	Text     string    `json:"text"`
	Audience Audience  `json:"audience"`
	By       string    `json:"by"`
	Created  time.Time `json:"created"`
	Status   Status    `json:"status"`
	// Recipients is the audience's size when it was confirmed (or
	// previewed).
	Recipients int `json:"recipients"`
}

// State is where one recipient's delivery is.
type State string

// Recipient states.
const (
	// Pending: not yet handed to the outbox.
	Pending State = "pending"
	// Held: in the learner's quiet hours, until Recipient.Until.
	Held State = "held"
	// Queued: in the outbox (Recipient.Out), sent from there.
	Queued State = "queued"
	// Sent: the platform accepted it.
	Sent State = "sent"
	// Failed: the platform refused it for good, or it expired.
	Failed State = "failed"
	// Unreachable: the learner blocked the tutor (403, Discord 50007).
	Unreachable State = "unreachable"
	// OptedOut: the learner turned announcements off.
	OptedOut State = "opted_out"
	// Dropped: the announcement was cancelled before it was sent.
	Dropped State = "cancelled"
)

// Final reports whether s is an outcome.
func (s State) Final() bool {
	return s != Pending && s != Held && s != Queued
}

// Recipient is the stored delivery record of one learner.
type Recipient struct {
	State State     `json:"s"`
	Until time.Time `json:"u,omitzero"`
	// Out is the outbox key while Queued.
	Out []byte `json:"o,omitempty"`
}

// Counts are an announcement's recipients by state.
type Counts map[State]int

// Total is the number of recipients.
func (c Counts) Total() int {
	n := 0
	for _, v := range c {
		n += v
	}
	return n
}
