package bot

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"tutorbot/quiz"
	"tutorbot/render"
)

// command is one chat command: its menu entry and what it does.
type command struct {
	Command
	run func(t *turn, arg string)
}

// commands lists every command in menu order.
var commands []command

func init() {
	commands = []command{
		{Command{Name: "start", Description: "Welcome and what the tutor offers"}, (*turn).start},
		{Command{Name: "course", Description: "The course map: every lesson and where you are"}, func(t *turn, _ string) { t.courseMap() }},
		{Command{Name: "lesson", Description: "Open the lesson where you stopped, or lesson N", Arg: "lesson", ArgDescription: "a lesson number or id (optional)"}, (*turn).lessonCmd},
		{Command{Name: "next", Description: "Next page of the lesson"}, func(t *turn, _ string) { t.move(+1) }},
		{Command{Name: "back", Description: "Previous page of the lesson"}, func(t *turn, _ string) { t.move(-1) }},
		{Command{Name: "quiz", Description: "Take the lesson's quiz"}, func(t *turn, _ string) { t.quiz() }},
		{Command{Name: "progress", Description: "Your progress in every lesson and the course"}, func(t *turn, _ string) { t.progress() }},
		{Command{Name: "practice", Description: "Get an open-weight model recommendation for your task", Arg: "template", ArgDescription: "the filled-in template (optional)"}, (*turn).practiceStart},
		{Command{Name: "history", Description: "Your past model recommendations"}, func(t *turn, _ string) { t.history() }},
		{Command{Name: "compare", Description: "Run one prompt on DeepSeek, Qwen and Mistral side by side", Arg: "prompt", ArgDescription: "the prompt; start with blind to hide model names"}, (*turn).compare},
		{Command{Name: "tasks", Description: "Your reference set of tasks for re-testing", Arg: "action", ArgDescription: "add <text> or remove <number>"}, (*turn).tasks},
		{Command{Name: "remind", Description: "Re-testing reminders on your schedule", Arg: "schedule", ArgDescription: "weekly, biweekly, monthly, a cron expression, quiet 22-8, or off"}, (*turn).remindCmd},
		{Command{Name: "timezone", Description: "Your time zone for reminders", Arg: "zone", ArgDescription: "an IANA name such as Europe/Berlin"}, (*turn).timezone},
		{Command{Name: "reset", Description: "Start the lesson and quiz over"}, func(t *turn, _ string) { t.reset() }},
		{Command{Name: "mydata", Description: "Everything the tutor stores about you"}, func(t *turn, _ string) { t.myData() }},
		{Command{Name: "forget", Description: "Erase everything the tutor stores about you"}, func(t *turn, _ string) { t.forgetCmd() }},
		{Command{Name: "stats", Description: "Course statistics (admins only)"}, func(t *turn, _ string) { t.statsCmd() }},
		{Command{Name: "reload", Description: "Re-read the lessons folder (admins only)"}, func(t *turn, _ string) { t.reloadCmd() }},
		{Command{Name: "help", Description: "What the tutor can do"}, func(t *turn, _ string) { t.help() }},
	}
}

// Commands returns the commands for platform menus.
func (e *Engine) Commands() []Command {
	out := make([]Command, len(commands))
	for i, c := range commands {
		out[i] = c.Command
	}
	return out
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

func (t *turn) command(text string) {
	name, arg := splitCommand(text)
	// A command ends whatever free text the tutor was waiting for.
	t.st.Pending = ""
	for _, c := range commands {
		if c.Name == name {
			c.run(t, arg)
			return
		}
	}
	shown := name
	if utf8.RuneCountInString(shown) > 30 {
		shown = string([]rune(shown)[:30]) + "…"
	}
	t.say(fmt.Sprintf(msgUnknownCommand, render.EscapeMarkdown("/"+shown)))
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
	l := t.lesson()
	p := t.st.progress(l.ID)
	name := t.ev.Name
	if utf8.RuneCountInString(name) > 40 {
		name = string([]rune(name)[:40])
	}
	greet := "Hi!"
	if name != "" {
		greet = "Hi, " + render.EscapeMarkdown(name) + "!"
	}
	md := fmt.Sprintf(msgWelcome, greet, render.EscapeMarkdown(t.course.Title(t.lang())), lessonCount(t.course.Len()), l.Order, render.EscapeMarkdown(l.Title), render.EscapeMarkdown(l.Subtitle))
	label := "▶ Start the lesson"
	if p.Seen > 0 {
		md += fmt.Sprintf("\n\nYou stopped at page %d of %d.", p.Page+1, len(l.Pages))
		label = "▶ Continue the lesson"
	}
	row := []Button{{Label: label, Payload: pay(kindLesson)}}
	if len(l.Quiz) > 0 {
		row = append(row, Button{Label: "Take the quiz", Payload: payL(kindQuiz, l)})
	}
	t.say(md, append(row, Button{Label: labelCourse, Payload: pay(kindCourse)}))
}

func (t *turn) help() {
	var b strings.Builder
	b.WriteString(msgHelpIntro)
	for _, c := range commands {
		fmt.Fprintf(&b, "\n- /%s — %s", c.Name, render.EscapeMarkdown(c.Description))
	}
	b.WriteString("\n\n" + msgHelpOutro)
	t.say(b.String())
}

func (t *turn) reset() {
	t.say(msgResetConfirm, []Button{{Label: "Yes, start over", Payload: pay(kindReset, t.newConfirm())}})
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
		t.ack("That confirmation is out of date.")
		t.say("That confirmation button is out of date, so nothing was changed. Run the command again if you still want it.")
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
	t.say(msgResetDone, []Button{{Label: "▶ Start the lesson", Payload: pay(kindLesson)}})
}

func (t *turn) freeText(text string) {
	if text == "" {
		t.say(msgEmpty)
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
	l := t.lesson()
	if a := t.st.progress(l.ID).Quiz.Attempt; a != nil {
		t.say(msgTextInQuiz, []Button{{Label: "Show the question", Payload: payL(kindQuiz, l)}})
		return
	}
	t.say(msgHint, []Button{{Label: "▶ Lesson", Payload: pay(kindLesson)}, {Label: labelCourse, Payload: pay(kindCourse)}})
}

// press handles a button payload.
func (t *turn) press(raw string) {
	p, err := parsePayload(raw)
	if err != nil {
		t.ack("This button no longer works.")
		if err == errPayloadVersion {
			t.say(msgOldButton)
		} else {
			t.say(msgBadButton)
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
	case kindForget:
		if t.isNew {
			t.forget = true
			t.say("There is nothing stored about you.")
		} else if t.confirmed(p) {
			t.doForget()
		}
	default:
		t.ack("This button no longer works.")
		t.say(msgBadButton)
	}
}
