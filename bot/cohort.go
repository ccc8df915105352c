package bot

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"tutorbot/render"
	"tutorbot/storage"
)

// Cohort is a named group of learners whose teachers see their progress
// (/class): everyone who uses the tutor in one group or server, or the
// learners who joined with its code.
type Cohort struct {
	Code string `json:"code"`
	Name string `json:"name"`
	// Chat is "platform:group" for the cohort of a group or server; empty
	// for a cohort joined by code.
	Chat    string    `json:"chat,omitempty"`
	Created time.Time `json:"created"`
	// Expires is when its code stops admitting learners (zero: never).
	Expires time.Time `json:"expires,omitzero"`
	// By is the admin who made it.
	By string `json:"by,omitempty"`
}

// Limits of cohorts and their codes.
const (
	// CohortCodeLife is how long a code made by /cohort new admits
	// learners.
	CohortCodeLife = 90 * 24 * time.Hour
	maxCohortName  = 64
	codeLen        = 8
	maxCodeLen     = 16
	maxClassLines  = 50
	maxNameShown   = 40
	codeAlphabet   = "abcdefghjkmnpqrstuvwxyz23456789"
	deepLinkPrefix = "c-"
)

// validCode reports whether s can be a code made by /cohort new: 4 to 16
// lower-case letters and digits (a deep link allows only letters, digits,
// _ and -, at most 64 characters).
func validCode(s string) bool {
	if len(s) < 4 || len(s) > maxCodeLen {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// newCode is a random code of codeLen characters.
func newCode() string {
	b := make([]byte, codeLen)
	rand.Read(b)
	for i := range b {
		b[i] = codeAlphabet[int(b[i])%len(codeAlphabet)]
	}
	return string(b)
}

// chatCohortCode is the code of the cohort of a group or server: not
// joinable by link (it holds a colon).
func chatCohortCode(platform, group string) string { return "chat:" + platform + ":" + group }

// joinLink is the link that starts the tutor with payload on the first
// platform (by name) that has such links, or "".
func (e *Engine) joinLink(payload string) string {
	e.mu.Lock()
	names := make([]string, 0, len(e.messengers))
	for name := range e.messengers {
		names = append(names, name)
	}
	e.mu.Unlock()
	slices.Sort(names)
	for _, name := range names {
		m, _ := e.messenger(name)
		if l, ok := m.(JoinLinker); ok {
			if link := l.JoinLink(payload); link != "" {
				return link
			}
		}
	}
	return ""
}

// loadCohort reads cohort code, or nil.
func loadCohort(tx *storage.Tx, code string) *Cohort {
	rec := tx.Cohort(code)
	if rec == nil {
		return nil
	}
	var c Cohort
	if json.Unmarshal(rec, &c) != nil {
		return nil
	}
	return &c
}

func putCohort(tx *storage.Tx, c *Cohort) error {
	b, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("encode cohort: %w", err)
	}
	return tx.PutCohort(c.Code, b)
}

// shownName is the learner's display name as kept for the class list.
func shownName(ev Event) string {
	name := strings.Join(strings.Fields(ev.Name), " ")
	if utf8.RuneCountInString(name) > maxNameShown {
		name = string([]rune(name)[:maxNameShown])
	}
	return name
}

// group is the group or server of the event, or "" in a direct chat (a
// chat whose id is the learner's own is their private chat).
func (t *turn) group() string {
	switch {
	case t.ev.Direct || t.ev.Platform == "console":
		return ""
	case t.ev.Group != "":
		return t.ev.Group
	case t.ev.ChatID != t.ev.UserID:
		return t.ev.ChatID
	}
	return ""
}

// joinChatCohort puts a learner who writes in a group or server into its
// cohort, once (unless they left it), and tells them so.
func (t *turn) joinChatCohort() {
	g := t.group()
	if g == "" || t.tx == nil {
		return
	}
	code := chatCohortCode(t.ev.Platform, g)
	if !t.tx.Writable() {
		t.write = t.write || t.chatCohortStale(code)
		return
	}
	t.renameChatCohort(code)
	if slices.Contains(t.st.Cohorts, code) {
		if name, ok := t.tx.CohortMember(code, t.ev.Key()); ok && name != shownName(t.ev) && shownName(t.ev) != "" {
			if err := t.tx.PutCohortMember(code, t.ev.Key(), shownName(t.ev)); err != nil {
				t.e.log.Error("cohort member name", "err", err)
			}
		}
		return
	}
	if slices.Contains(t.st.LeftCohorts, code) {
		return
	}
	c := loadCohort(t.tx, code)
	if c == nil {
		name := cohortName(t.ev.GroupName)
		if name == "" {
			name = t.ev.Platform + " " + g
		}
		c = &Cohort{Code: code, Name: name, Chat: t.ev.Platform + ":" + g, Created: t.now}
		if err := putCohort(t.tx, c); err != nil {
			t.e.log.Error("create chat cohort", "err", err)
			return
		}
	}
	if err := t.join(c); err != nil {
		t.e.log.Error("join chat cohort", "err", err)
		return
	}
	t.say(t.tr.T("JoinedChat", "Name", render.EscapeMarkdown(c.Name), "Code", c.Code))
}

// chatCohortStale reports whether joinChatCohort has something to store
// for cohort code: a join, a new name of the learner or of the group.
func (t *turn) chatCohortStale(code string) bool {
	if name := cohortName(t.ev.GroupName); name != "" {
		if c := loadCohort(t.tx, code); c != nil && c.Name != name {
			return true
		}
	}
	if slices.Contains(t.st.Cohorts, code) {
		stored, ok := t.tx.CohortMember(code, t.ev.Key())
		return ok && stored != shownName(t.ev) && shownName(t.ev) != ""
	}
	return !slices.Contains(t.st.LeftCohorts, code)
}

// cohortName is a group's title or a server's name made fit to name a
// cohort: one line, no control characters, at most maxCohortName
// characters. It is text: every place that shows it escapes it.
func cohortName(s string) string {
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
	if utf8.RuneCountInString(s) > maxCohortName {
		s = strings.TrimSpace(string([]rune(s)[:maxCohortName-1])) + "…"
	}
	return s
}

// renameChatCohort keeps the name of the cohort of a group or server
// (code) the same as the group's title or the server's name, which
// the platform reports with each event.
func (t *turn) renameChatCohort(code string) {
	name := cohortName(t.ev.GroupName)
	if name == "" {
		return
	}
	c := loadCohort(t.tx, code)
	if c == nil || c.Name == name {
		return
	}
	c.Name = name
	if err := putCohort(t.tx, c); err != nil {
		t.e.log.Error("rename chat cohort", "err", err)
	}
}

// unsignCohorts removes the learner, who is being erased, as the author
// of the cohorts they made: the cohorts stay for their learners.
func (t *turn) unsignCohorts() {
	if t.tx == nil || !t.tx.Writable() {
		return
	}
	var mine []*Cohort
	t.tx.ForEachCohort(func(_ string, rec []byte) error {
		var c Cohort
		if json.Unmarshal(rec, &c) == nil && c.By == t.ev.Key() {
			mine = append(mine, &c)
		}
		return nil
	})
	for _, c := range mine {
		c.By = ""
		if err := putCohort(t.tx, c); err != nil {
			t.e.log.Error("unsign cohort", "err", err)
		}
	}
}

// join adds the learner to cohort c.
func (t *turn) join(c *Cohort) error {
	if err := t.tx.PutCohortMember(c.Code, t.ev.Key(), shownName(t.ev)); err != nil {
		return err
	}
	t.st.Cohorts = append(t.st.Cohorts, c.Code)
	t.st.LeftCohorts = slices.DeleteFunc(t.st.LeftCohorts, func(s string) bool { return s == c.Code })
	return nil
}

// joinCmd is /join CODE and the deep link /start c-CODE.
func (t *turn) joinCmd(arg string) {
	arg = strings.TrimSpace(arg)
	if arg == "" {
		t.say(t.tr.T("JoinUsage"))
		return
	}
	code := strings.ToLower(arg)
	if !validCode(code) {
		t.say(t.tr.T("JoinBadCode"))
		return
	}
	c := loadCohort(t.tx, code)
	switch {
	case c == nil || c.Chat != "":
		t.say(t.tr.T("JoinUnknown", "Code", code))
	case slices.Contains(t.st.Cohorts, code):
		t.say(t.tr.T("JoinedAlready", "Name", render.EscapeMarkdown(c.Name)))
	case !c.Expires.IsZero() && !t.now.Before(c.Expires):
		t.say(t.tr.T("JoinExpired", "Code", code))
	default:
		if err := t.join(c); err != nil {
			t.e.log.Error("join cohort", "err", err)
			t.say(t.tr.T("ErrorReply"))
			return
		}
		t.say(t.tr.T("Joined", "Name", render.EscapeMarkdown(c.Name), "Code", code))
	}
}

// leaveCmd is /leave CODE.
func (t *turn) leaveCmd(arg string) {
	code := strings.ToLower(strings.TrimSpace(arg))
	if code == "" || !slices.Contains(t.st.Cohorts, code) {
		if len(t.st.Cohorts) == 0 {
			t.say(t.tr.T("LeaveNone"))
			return
		}
		t.say(t.tr.T("LeaveWhich", "Codes", strings.Join(t.st.Cohorts, ", ")))
		return
	}
	if err := t.tx.DeleteCohortMember(code, t.ev.Key()); err != nil {
		t.e.log.Error("leave cohort", "err", err)
		t.say(t.tr.T("ErrorReply"))
		return
	}
	t.st.Cohorts = slices.DeleteFunc(t.st.Cohorts, func(s string) bool { return s == code })
	if strings.HasPrefix(code, "chat:") {
		// Not put back in at their next message there.
		t.st.LeftCohorts = append(t.st.LeftCohorts, code)
	}
	name := code
	if c := loadCohort(t.tx, code); c != nil {
		name = c.Name
	}
	t.say(t.tr.T("Left", "Name", render.EscapeMarkdown(name)))
}

// cohortCmd is /cohort new NAME, for admins.
func (t *turn) cohortCmd(arg string) {
	if !t.e.cfg.Admins[t.ev.Key()] {
		t.say(t.tr.T("CohortAdminsOnly"))
		return
	}
	verb, name, _ := strings.Cut(strings.TrimSpace(arg), " ")
	name = strings.Join(strings.Fields(name), " ")
	if strings.ToLower(verb) != "new" || name == "" {
		t.say(t.tr.T("CohortUsage"))
		return
	}
	if utf8.RuneCountInString(name) > maxCohortName {
		t.say(t.tr.T("CohortNameLong", "Max", maxCohortName))
		return
	}
	code := newCode()
	for loadCohort(t.tx, code) != nil {
		code = newCode()
	}
	c := &Cohort{Code: code, Name: name, Created: t.now, Expires: t.now.Add(CohortCodeLife), By: t.ev.Key()}
	if err := putCohort(t.tx, c); err != nil {
		t.e.log.Error("create cohort", "err", err)
		t.say(t.tr.T("ErrorReply"))
		return
	}
	link := t.tr.T("CohortLinkUnknown", "Payload", deepLinkPrefix+code)
	if l := t.e.joinLink(deepLinkPrefix + code); l != "" {
		link = "<" + l + ">"
	}
	t.say(t.tr.T("CohortCreated", "Name", render.EscapeMarkdown(name), "Code", code, "Link", link,
		"Expires", t.tr.Date(c.Expires)))
}

// classCmd is /class [CODE]: a cohort's learners and funnel, for the
// course's admins and the group's or server's administrators.
func (t *turn) classCmd(arg string) {
	code := strings.ToLower(strings.TrimSpace(arg))
	here := ""
	if g := t.group(); g != "" {
		here = chatCohortCode(t.ev.Platform, g)
	}
	if code == "" {
		code = here
	}
	if code == "" {
		t.say(t.tr.T("ClassNoCohort"))
		return
	}
	admin := t.e.cfg.Admins[t.ev.Key()]
	if !admin && !(t.ev.ChatAdmin && code == here) {
		t.say(t.tr.T("ClassNotAllowed"))
		return
	}
	if len(code) > 100 || !validCode(code) && !strings.HasPrefix(code, "chat:") {
		t.say(t.tr.T("JoinBadCode"))
		return
	}
	c := loadCohort(t.tx, code)
	if c == nil {
		if code == here {
			t.say(t.tr.T("ClassNoCohort"))
		} else {
			t.say(t.tr.T("JoinUnknown", "Code", code))
		}
		return
	}
	t.later(func(_ context.Context, t *turn) {
		members, err := readClass(t.e.db, c.Code)
		if err != nil {
			t.e.log.Error("class", "err", err)
			t.say(t.tr.T("ErrorReply"))
			return
		}
		t.say(t.classText(c, members))
		states := make([]*State, len(members))
		for i, m := range members {
			states[i] = m.st
		}
		if err := t.sendChart(funnelOf(t.course, t.tr, t.now, c.Name, states)); err != nil {
			t.e.log.Error("class chart", "err", err)
		}
	})
}

// member is one learner of a cohort.
type member struct {
	key, name string
	st        *State
}

// readClass reads the members of cohort code, most recently active first.
func readClass(db *storage.DB, code string) ([]member, error) {
	var out []member
	err := db.View(func(tx *storage.Tx) error {
		return tx.ForEachCohortMember(code, func(key, name string) error {
			return tx.ReadLearner(key, func(rec []byte) error {
				st, err := decodeProgress(rec)
				if err != nil {
					return nil // unreadable: quarantined at their next turn
				}
				out = append(out, member{key: key, name: name, st: st})
				return nil
			})
		})
	})
	if err != nil {
		return nil, fmt.Errorf("read cohort %q: %w", code, err)
	}
	slices.SortStableFunc(out, func(a, b member) int { return int(b.st.Active) - int(a.st.Active) })
	return out, nil
}

// classText is the class list: each learner's lesson and page, best quiz
// score and last activity, most recently active first.
func (t *turn) classText(c *Cohort, members []member) string {
	var b strings.Builder
	b.WriteString(t.tr.T("ClassHead", "Name", render.EscapeMarkdown(c.Name), "Learners", t.tr.N("ChartLearners", len(members))))
	if len(members) == 0 {
		b.WriteString("\n\n" + t.tr.T("ClassEmpty"))
		return b.String()
	}
	b.WriteString("\n")
	for i, m := range members {
		if i == maxClassLines {
			b.WriteString("\n" + t.tr.T("ReloadMore", "N", len(members)-i))
			break
		}
		name := m.name
		if name == "" {
			_, name, _ = strings.Cut(m.key, ":")
		}
		l, _ := t.course.Lesson(m.st.Lesson, t.lang())
		if l == nil {
			l = t.course.First()
		}
		active := "—"
		if m.st.Active > 0 {
			active = t.tr.DateTimeShort(time.Unix(int64(m.st.Active), 0).UTC())
		}
		p := m.st.Progress[l.ID]
		if p == nil || p.Seen == 0 {
			b.WriteString("\n" + t.tr.T("ClassLineNew", "Name", render.EscapeMarkdown(name), "Active", active))
			continue
		}
		page, best := min(p.Page+1, len(l.Pages)), t.tr.T("ClassNoScore")
		if p.Quiz.Finished {
			best = fmt.Sprintf("%d/%d", p.Quiz.Best, p.Quiz.Total)
		}
		b.WriteString("\n" + t.tr.T("ClassLine", "Name", render.EscapeMarkdown(name), "Lesson", l.Order, "Page", page, "Pages", len(l.Pages),
			"Best", best, "Active", active))
	}
	return b.String()
}
