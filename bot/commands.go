package bot

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"tutorbot/locale"
	"tutorbot/quiz"
	"tutorbot/render"
)

// command is one chat command: its name, the catalog ids of its menu
// texts, and what it does.
type command struct {
	name string
	// desc is the message id of its description; arg, when not empty,
	// names its one free-text argument and argDesc describes it.
	desc, arg, argDesc string
	run                func(t *turn, arg string)
}

// commands lists every command in menu order.
var commands []command

func init() {
	commands = []command{
		{"start", "CmdStart", "", "", (*turn).start},
		{"course", "CmdCourse", "", "", func(t *turn, _ string) { t.courseMap() }},
		{"lesson", "CmdLesson", "lesson", "CmdLessonArg", (*turn).lessonCmd},
		{"next", "CmdNext", "", "", func(t *turn, _ string) { t.move(+1) }},
		{"back", "CmdBack", "", "", func(t *turn, _ string) { t.move(-1) }},
		{"quiz", "CmdQuiz", "", "", func(t *turn, _ string) { t.quiz() }},
		{"progress", "CmdProgress", "", "", func(t *turn, _ string) { t.progress() }},
		{"practice", "CmdPractice", "template", "CmdPracticeArg", (*turn).practiceStart},
		{"history", "CmdHistory", "", "", func(t *turn, _ string) { t.history() }},
		{"compare", "CmdCompare", "prompt", "CmdCompareArg", (*turn).compare},
		{"tasks", "CmdTasks", "action", "CmdTasksArg", (*turn).tasks},
		{"remind", "CmdRemind", "schedule", "CmdRemindArg", (*turn).remindCmd},
		{"timezone", "CmdTimezone", "zone", "CmdTimezoneArg", (*turn).timezone},
		{"language", "CmdLanguage", "language", "CmdLanguageArg", (*turn).language},
		{"reset", "CmdReset", "", "", func(t *turn, _ string) { t.reset() }},
		{"mydata", "CmdMydata", "", "", func(t *turn, _ string) { t.myData() }},
		{"forget", "CmdForget", "", "", func(t *turn, _ string) { t.forgetCmd() }},
		{"join", "CmdJoin", "code", "CmdJoinArg", (*turn).joinCmd},
		{"leave", "CmdLeave", "code", "CmdLeaveArg", (*turn).leaveCmd},
		{"class", "CmdClass", "code", "CmdClassArg", (*turn).classCmd},
		{"cohort", "CmdCohort", "name", "CmdCohortArg", (*turn).cohortCmd},
		{"announce", "CmdAnnounce", "text", "CmdAnnounceArg", (*turn).announceCmd},
		{"stats", "CmdStats", "", "", func(t *turn, _ string) { t.statsCmd() }},
		{"reload", "CmdReload", "", "", func(t *turn, _ string) { t.reloadCmd() }},
		{"help", "CmdHelp", "", "", func(t *turn, _ string) { t.help() }},
	}
}

// Commands returns the commands for platform menus, described in English
// (the default) and in every other language with a catalog.
func (e *Engine) Commands() []Command {
	out := make([]Command, len(commands))
	for i, c := range commands {
		out[i] = c.menu(e.msgs.For(locale.English))
		for _, lang := range e.msgs.Langs() {
			if lang == locale.English {
				continue
			}
			if out[i].Translations == nil {
				out[i].Translations = map[string]CommandText{}
			}
			loc := e.msgs.For(lang)
			m := c.menu(loc)
			out[i].Translations[lang] = CommandText{Name: loc.T(c.nameID()), Description: m.Description, ArgDescription: m.ArgDescription}
		}
	}
	return out
}

// nameID is the message id of the command's localized name.
func (c command) nameID() string {
	return "CmdName" + strings.ToUpper(c.name[:1]) + c.name[1:]
}

// menu is the command's menu entry in loc's language.
func (c command) menu(loc *locale.Localizer) Command {
	m := Command{Name: c.name, Description: loc.T(c.desc), Arg: c.arg}
	if c.argDesc != "" {
		m.ArgDescription = loc.T(c.argDesc)
	}
	return m
}

// splitCommand splits "/name@bot arg" into a lower-case name and its
// argument.
func splitCommand(text string) (name, arg string) {
	text = strings.TrimPrefix(text, "/")
	name, arg, _ = strings.Cut(text, " ")
	if i := strings.IndexAny(name, "\n\t"); i >= 0 {
		arg = name[i+1:] + " " + arg
		name = name[:i]
	}
	name, _, _ = strings.Cut(name, "@")
	return strings.ToLower(name), strings.TrimSpace(arg)
}

// isCommand reports whether text is the command name.
func isCommand(text, name string) bool {
	if !strings.HasPrefix(text, "/") {
		return false
	}
	n, _ := splitCommand(text[:min(len(text), 64)])
	return n == name
}

func (t *turn) command(text string) {
	name, arg := splitCommand(text)
	// A command ends whatever free text the tutor was waiting for.
	t.st.Pending = ""
	for _, c := range commands {
		if c.name == name {
			c.run(t, arg)
			return
		}
	}
	for _, c := range commands {
		// A command runs by its name in the learner's language too
		// ("/урок").
		if name == t.tr.T(c.nameID()) {
			c.run(t, arg)
			return
		}
	}
	shown := name
	if utf8.RuneCountInString(shown) > 30 {
		shown = string([]rune(shown)[:30]) + "…"
	}
	t.say(t.tr.T("UnknownCommand", "Command", render.EscapeMarkdown("/"+shown)))
}

func (t *turn) start(arg string) {
	switch strings.ToLower(arg) {
	case "quiz":
		t.quiz()
		return
	case "lesson":
		t.showPage()
		return
	}
	if code, ok := strings.CutPrefix(arg, deepLinkPrefix); ok {
		// A deep link t.me/<bot>?start=c-<code>: the welcome, then the
		// cohort.
		defer t.joinCmd(code)
	}
	l := t.lesson()
	p := t.st.progress(l.ID)
	name := t.ev.Name
	if utf8.RuneCountInString(name) > 40 {
		name = string([]rune(name)[:40])
	}
	greet := t.tr.T("Greeting")
	if name != "" {
		greet = t.tr.T("GreetingNamed", "Name", render.EscapeMarkdown(name))
	}
	md := t.tr.T("Welcome", "Greeting", greet, "Course", render.EscapeMarkdown(t.course.Title(t.lang())), "Lessons", t.tr.N("Lessons", t.course.Len()),
		"Order", l.Order, "Title", render.EscapeMarkdown(l.Title), "Subtitle", render.EscapeMarkdown(l.Subtitle))
	label := t.tr.T("BtnStartLesson")
	if p.Seen > 0 {
		md += "\n\n" + t.tr.T("WelcomeStopped", "Page", p.Page+1, "Pages", len(l.Pages))
		label = t.tr.T("BtnContinueLesson")
	}
	row := []Button{{Label: label, Payload: pay(kindLesson)}}
	if len(l.Quiz) > 0 {
		row = append(row, Button{Label: t.tr.T("BtnTakeQuiz"), Payload: payL(kindQuiz, l)})
	}
	t.say(md, append(row, t.courseButton()))
}

func (t *turn) help() {
	var b strings.Builder
	b.WriteString(t.tr.T("HelpIntro") + "\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "\n- /%s — %s", c.name, render.EscapeMarkdown(t.tr.T(c.desc)))
	}
	b.WriteString("\n\n" + t.tr.T("HelpOutro"))
	t.say(b.String())
}

func (t *turn) reset() {
	t.say(t.tr.T("ResetConfirm"), []Button{{Label: t.tr.T("BtnResetYes"), Payload: pay(kindReset, t.newConfirm())}})
}

// newConfirm numbers a new confirmation button; only the latest one works.
func (t *turn) newConfirm() int {
	t.st.NextID++
	t.st.Confirm = t.st.NextID
	return t.st.Confirm
}

// confirmed reports whether a confirmation payload is the latest one, and
// uses it up.
func (t *turn) confirmed(p payload) bool {
	n, ok := p.num(0)
	if !ok || t.st.Confirm == 0 || n != t.st.Confirm {
		t.ack(t.tr.T("ConfirmStaleAck"))
		t.say(t.tr.T("ConfirmStale"))
		return false
	}
	t.st.Confirm = 0
	return true
}

func (t *turn) doReset() {
	// Attempt numbers keep counting, so buttons from before the reset are
	// recognised as stale.
	for id, p := range t.st.Progress {
		t.st.Progress[id] = &Progress{Quiz: quiz.Record{Attempts: p.Quiz.Attempts}}
	}
	t.st.Lesson = ""
	t.st.Pending = ""
	t.say(t.tr.T("ResetDone"), []Button{{Label: t.tr.T("BtnStartLesson"), Payload: pay(kindLesson)}})
}

func (t *turn) freeText(text string) {
	if text == "" {
		t.say(t.tr.T("Empty"))
		return
	}
	switch p := t.st.Pending; {
	case p == pendingTemplate:
		t.template(text)
		return
	case p == pendingTask:
		t.st.Pending = ""
		t.addTask(text, "message")
		return
	case strings.HasPrefix(p, pendingField):
		t.fieldAnswer(strings.TrimPrefix(p, pendingField), text)
		return
	}
	if t.freeQuestion(text) {
		return
	}
	l := t.lesson()
	if a := t.st.progress(l.ID).Quiz.Attempt; a != nil {
		t.say(t.tr.T("TextInQuiz"), []Button{{Label: t.tr.T("BtnShowQuestion"), Payload: payL(kindQuiz, l)}})
		return
	}
	t.say(t.tr.T("Hint"), []Button{{Label: t.tr.T("BtnLesson"), Payload: pay(kindLesson)}, t.courseButton()})
}

// press handles a button payload.
func (t *turn) press(raw string) {
	p, err := parsePayload(raw)
	if err != nil {
		t.ack(t.tr.T("ButtonGone"))
		if err == errPayloadVersion {
			t.say(t.tr.T("OldButton"))
		} else {
			t.say(t.tr.T("BadButton"))
		}
		return
	}
	if p.kind != kindPractice {
		t.st.Pending = ""
	}
	switch p.kind {
	case kindLesson:
		t.showPage()
	case kindOpen:
		t.pressOpen(p)
	case kindCourse:
		t.courseMap()
	case kindPage:
		t.pressPage(p)
	case kindReset:
		if t.confirmed(p) {
			t.doReset()
		}
	case kindQuiz, kindAnswer, kindMissed, kindRetake:
		t.pressQuiz(p)
	case kindPractice:
		t.pressPractice(p)
	case kindTask:
		t.pressTask(p)
	case kindVote:
		t.vote(p)
	case kindRunNow:
		t.runNow()
	case kindRemind, kindSnooze:
		t.pressRemind(p)
	case kindLanguage:
		t.pressLanguage(p)
	case kindAnnounce:
		t.pressAnnounce(p)
	case kindForget:
		if t.isNew {
			t.forget = true
			t.say(t.tr.T("NothingStored"))
		} else if t.confirmed(p) {
			t.doForget()
		}
	default:
		t.ack(t.tr.T("ButtonGone"))
		t.say(t.tr.T("BadButton"))
	}
}
