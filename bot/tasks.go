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
			t.say(t.tr.T("TaskSendNext"))
			return
		}
		t.addTask(rest, "message")
	case "remove", "rm", "delete":
		n, err := strconv.Atoi(strings.TrimSpace(rest))
		if err != nil {
			t.say(t.tr.T("TaskWhich"))
			return
		}
		t.removeTask(n)
	default:
		t.say(t.tr.T("TasksUsage"))
	}
}

func (t *turn) listTasks() {
	if len(t.st.Tasks) == 0 {
		t.say(t.tr.T("NoTasks"))
		return
	}
	var b strings.Builder
	b.WriteString(t.tr.T("TasksHeader", "N", len(t.st.Tasks), "Max", MaxTasks) + "\n")
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
	b.WriteString("\n\n" + t.tr.T("TasksFooter"))
	t.say(b.String(), rows...)
}

// addTask adds text to the reference set, within the limits.
func (t *turn) addTask(text, from string) {
	text = strings.TrimSpace(text)
	switch n := utf8.RuneCountInString(text); {
	case n == 0:
		t.say(t.tr.T("TaskEmpty"))
		return
	case n > MaxTaskLen:
		t.say(t.tr.T("TaskTooLong", "Length", n, "Max", MaxTaskLen))
		return
	}
	if len(t.st.Tasks) >= MaxTasks {
		t.say(t.tr.T("TasksFull", "Max", MaxTasks))
		return
	}
	for _, task := range t.st.Tasks {
		if task.Text == text {
			t.say(t.tr.T("TaskDuplicate"))
			return
		}
	}
	t.st.NextID++
	t.st.Tasks = append(t.st.Tasks, Task{ID: t.st.NextID, Text: text, Added: t.now, From: from})
	t.say(t.tr.T("TaskAdded", "N", len(t.st.Tasks), "Max", MaxTasks))
}

// removeTask removes the n-th task (from 1).
func (t *turn) removeTask(n int) {
	if n < 1 || n > len(t.st.Tasks) {
		t.say(t.tr.T("TaskNone", "N", n))
		return
	}
	t.st.Tasks = append(t.st.Tasks[:n-1], t.st.Tasks[n:]...)
	t.say(t.tr.N("TaskRemoved", len(t.st.Tasks), "N", n))
}

// pressTask handles the reference-set buttons.
func (t *turn) pressTask(p payload) {
	switch {
	case p.args[0] == "lp" && len(p.args) == 1:
		if t.st.LastPrompt == "" {
			t.ack(t.tr.T("NothingToSave"))
			return
		}
		t.addTask(t.st.LastPrompt, "compare")
		return
	case len(p.args) != 2:
		t.say(t.tr.T("BadButton"))
		return
	}
	id, ok := p.num(1)
	if !ok {
		t.say(t.tr.T("BadButton"))
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
		t.ack(t.tr.T("TaskGone"))
	case "cp":
		for _, c := range t.st.Compares {
			if c.ID == id {
				t.addTask(c.Prompt, "compare")
				return
			}
		}
		t.ack(t.tr.T("ComparisonGone"))
	case "pr":
		for _, s := range t.st.Submissions {
			if s.ID == id {
				t.addTask(s.Request.Task, "practice")
				return
			}
		}
		t.ack(t.tr.T("RecommendationGone"))
	default:
		t.say(t.tr.T("BadButton"))
	}
}
