package bot

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"tutorbot/render"
)

// tasks handles /tasks, /tasks add <text> and /tasks remove <n>.
func (t *turn) tasks(arg string) {
	verb, rest, _ := strings.Cut(arg, " ")
	switch strings.ToLower(verb) {
	case "":
		t.listTasks()
	case "add":
		rest = strings.TrimSpace(rest)
		if rest == "" {
			t.st.Pending = pendingTask
			t.say("Send me the task as your next message (up to 2,000 characters).")
			return
		}
		t.addTask(rest, "message")
	case "remove", "rm", "delete":
		n, err := strconv.Atoi(strings.TrimSpace(rest))
		if err != nil {
			t.say("Which one? /tasks remove 2 removes task 2 of /tasks.")
			return
		}
		t.removeTask(n)
	default:
		t.say("I know /tasks, /tasks add <text> and /tasks remove <number>.")
	}
}

func (t *turn) listTasks() {
	if len(t.st.Tasks) == 0 {
		t.say(msgNoTasks)
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "**Your reference set** (%d of %d)\n", len(t.st.Tasks), MaxTasks)
	var row []Button
	var rows [][]Button
	for i, task := range t.st.Tasks {
		fmt.Fprintf(&b, "\n%d\\. %s", i+1, render.EscapeMarkdown(excerpt(task.Text, 200)))
		row = append(row, Button{Label: fmt.Sprintf("✕ %d", i+1), Payload: payWord(kindTask, "rm", strconv.Itoa(task.ID))})
		if len(row) == 5 {
			rows, row = append(rows, row), nil
		}
	}
	if len(row) > 0 {
		rows = append(rows, row)
	}
	b.WriteString("\n\n/tasks add <text> adds one; the buttons remove one.")
	t.say(b.String(), rows...)
}

// addTask adds text to the reference set, within the limits.
func (t *turn) addTask(text, from string) {
	text = strings.TrimSpace(text)
	switch n := utf8.RuneCountInString(text); {
	case n == 0:
		t.say("That task is empty. /tasks add <text> adds one.")
		return
	case n > MaxTaskLen:
		t.say(fmt.Sprintf("That task is %d characters; a task can be up to %d. Shorten it and add it again.", n, MaxTaskLen))
		return
	}
	if len(t.st.Tasks) >= MaxTasks {
		t.say(fmt.Sprintf("Your reference set is full (%d tasks). Remove one with /tasks first.", MaxTasks))
		return
	}
	for _, task := range t.st.Tasks {
		if task.Text == text {
			t.say("That task is already in your reference set. /tasks lists them.")
			return
		}
	}
	t.st.NextID++
	t.st.Tasks = append(t.st.Tasks, Task{ID: t.st.NextID, Text: text, Added: t.now, From: from})
	t.say(fmt.Sprintf("Added to your reference set (%d of %d). /tasks lists them; /remind sets re-testing reminders.", len(t.st.Tasks), MaxTasks))
}

// removeTask removes the n-th task (from 1).
func (t *turn) removeTask(n int) {
	if n < 1 || n > len(t.st.Tasks) {
		t.say(fmt.Sprintf("There is no task %d. /tasks lists them.", n))
		return
	}
	t.st.Tasks = append(t.st.Tasks[:n-1], t.st.Tasks[n:]...)
	t.say(fmt.Sprintf("Removed task %d. %d left.", n, len(t.st.Tasks)))
}

// pressTask handles the reference-set buttons.
func (t *turn) pressTask(p payload) {
	switch {
	case p.args[0] == "lp" && len(p.args) == 1:
		if t.st.LastPrompt == "" {
			t.ack("Nothing to save.")
			return
		}
		t.addTask(t.st.LastPrompt, "compare")
		return
	case len(p.args) != 2:
		t.say(msgBadButton)
		return
	}
	id, ok := p.num(1)
	if !ok {
		t.say(msgBadButton)
		return
	}
	switch p.args[0] {
	case "rm":
		for i, task := range t.st.Tasks {
			if task.ID == id {
				t.removeTask(i + 1)
				return
			}
		}
		t.ack("That task was already removed.")
	case "cp":
		for _, c := range t.st.Compares {
			if c.ID == id {
				t.addTask(c.Prompt, "compare")
				return
			}
		}
		t.ack("That comparison is no longer kept.")
	case "pr":
		for _, s := range t.st.Submissions {
			if s.ID == id {
				t.addTask(s.Request.Task, "practice")
				return
			}
		}
		t.ack("That recommendation is no longer kept.")
	default:
		t.say(msgBadButton)
	}
}
