package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"tutorbot/bot"
	"tutorbot/lessons"
	"tutorbot/llm"
	"tutorbot/llm/llmtest"
	"tutorbot/remind"
	"tutorbot/render"
	"tutorbot/storage"
)

// recorder is a Messenger that keeps what the engine pushes later.
type recorder struct {
	mu   sync.Mutex
	msgs []bot.Reply
	fail error
}

func (r *recorder) Platform() string      { return "test" }
func (r *recorder) Format() render.Format { return render.Plain }
func (r *recorder) Deliver(_ context.Context, userID, chatID string, replies []bot.Reply) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	r.msgs = append(r.msgs, replies...)
	return nil
}

func (r *recorder) text() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return replyText(r.msgs)
}

// newFeatureHarness wires every optional part: reminders, an LLM behind a
// fake OpenAI-compatible server, admins.
func newFeatureHarness(t *testing.T, withLLM bool) (*harness, *llmtest.Server, *recorder) {
	t.Helper()
	h := &harness{t: t, path: filepath.Join(t.TempDir(), "tutor.db"), user: "42", format: render.Plain}
	db, err := storage.Open(h.path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	course, _ := lessons.Default()
	cfg := bot.Config{DB: db, Course: course, Now: clock, Reminders: &remind.Service{DB: db, Now: clock},
		Admins: map[string]bool{"test:1": true}, CompareTimeout: 2 * time.Second}
	var srv *llmtest.Server
	if withLLM {
		srv = llmtest.NewServer(t)
		c, err := llm.New(llm.Config{BaseURL: srv.URL(), APIKey: "sk-test", Model: "writer", Timeout: 2 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		cfg.LLM = c
		cfg.CompareModels = []string{"deepseek/deepseek-chat", "qwen/qwen-2.5-72b-instruct", "mistralai/mistral-small"}
	}
	e, err := bot.NewEngine(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	e.SetMessenger(rec)
	h.db, h.engine = db, e
	return h, srv, rec
}

func TestPracticeTemplateFlow(t *testing.T) {
	h, _, _ := newFeatureHarness(t, false)
	h.say("/practice")
	// Only the task and where: the tutor asks for memory, then constraints.
	h.say("Task: review Python pull requests\nWhere I run it: locally")
	got := replyText(h.say("RTX 4090"))
	if !strings.Contains(got, "constraints") {
		t.Fatalf("did not ask for constraints: %s", got)
	}
	got = replyText(h.press("Commercial use"))
	if !strings.Contains(got, "test") || len(got) < 200 {
		t.Fatalf("no recommendation: %s", got)
	}
	golden(t, "practice.txt", h.log.String())
	h.press("Save this task to my reference set")
	if got := replyText(h.say("/tasks")); !strings.Contains(got, "review Python pull requests") {
		t.Errorf("task not saved: %s", got)
	}
	if got := replyText(h.say("/history")); !strings.Contains(got, "review Python pull requests") || !strings.Contains(got, "top pick") {
		t.Errorf("history: %s", got)
	}
}

func TestPracticeGuidedMode(t *testing.T) {
	h, _, _ := newFeatureHarness(t, false)
	h.say("/practice")
	h.press("One question at a time")
	h.say("summarise Russian legal documents")
	h.press("API")
	got := replyText(h.press("None"))
	if !strings.Contains(got, "API") {
		t.Fatalf("API recommendation expected: %s", got)
	}
}

func TestPracticeBadInput(t *testing.T) {
	for _, tc := range []struct{ name, text, want string }{
		{"empty template", "/practice <…>", "couldn't find"},
		{"negative memory", "/practice Task: chat bot\nWhere I run it: locally\nAvailable GPU memory: -5 GB\nConstraints: none", "GPU memory"},
		{"huge memory", "/practice Task: chat bot\nWhere I run it: locally\nAvailable GPU memory: 1e309 GB\nConstraints: none", "GPU memory"},
		{"vague memory", "/practice Task: chat bot\nWhere I run it: locally\nAvailable GPU memory: a lot of GPU\nConstraints: none", "GPU memory"},
		{"20 KB", "/practice Task: " + strings.Repeat("word ", 4000), ""},
		{"russian", "/practice Задача: чат-бот поддержки\nГде запускаю: локально\nДоступная память GPU: 12 GB\nОграничения: нет", "Qwen"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, _, _ := newFeatureHarness(t, false)
			rs := h.say(tc.text)
			got := replyText(rs)
			if len(rs) == 0 || !strings.Contains(strings.ToLower(got), strings.ToLower(tc.want)) {
				t.Errorf("reply %q does not contain %q", excerptT(got), tc.want)
			}
		})
	}
}

func excerptT(s string) string {
	if len(s) > 600 {
		return s[:600] + "…"
	}
	return s
}

func TestPracticeLLMWriteUp(t *testing.T) {
	h, srv, _ := newFeatureHarness(t, true)
	srv.SetReply("writer", "For your task I recommend Qwen2.5-Coder-32B-Instruct at Q4_K_M; Llama 3.1 8B and Mistral NeMo 12B are alternatives. Test on your own tasks.")
	got := replyText(h.say("/practice Task: review Go code\nWhere I run it: locally\nAvailable GPU memory: 24 GB\nConstraints: none"))
	if !strings.Contains(got, "For your task I recommend") {
		t.Errorf("LLM write-up not used: %s", excerptT(got))
	}
	srv.Misbehave("writer", llmtest.ServerError, 5)
	got = replyText(h.say("/practice Task: review Go code\nWhere I run it: locally\nAvailable GPU memory: 24 GB\nConstraints: none"))
	if strings.Contains(got, "For your task I recommend") || !strings.Contains(got, "GiB") {
		t.Errorf("fallback answer expected: %s", excerptT(got))
	}
}

func TestTasksLimits(t *testing.T) {
	h, _, _ := newFeatureHarness(t, false)
	for i := 1; i <= bot.MaxTasks; i++ {
		h.say(fmt.Sprintf("/tasks add task number %d", i))
	}
	before := h.stored(h.user)
	if got := replyText(h.say("/tasks add one too many")); !strings.Contains(got, "full") {
		t.Errorf("21st task: %s", got)
	}
	if string(before) != string(h.stored(h.user)) {
		t.Error("21st task changed state")
	}
	h.say("/tasks remove 1")
	if got := replyText(h.say("/tasks add " + strings.Repeat("x", 50_000))); !strings.Contains(got, "too long") && !strings.Contains(got, "can be up to") {
		t.Errorf("50 KB task: %s", got)
	}
	got := replyText(h.say("/tasks"))
	if strings.Contains(got, "task number 1\n") || !strings.Contains(got, "(19 of 20)") {
		t.Errorf("list after remove: %s", got)
	}
}

func TestCompareWithoutEndpoint(t *testing.T) {
	h, _, _ := newFeatureHarness(t, false)
	if got := replyText(h.say("/compare")); !strings.Contains(got, "Give me a prompt") {
		t.Errorf("empty prompt: %s", got)
	}
	got := replyText(h.say("/compare write a haiku about GPUs"))
	if !strings.Contains(got, "openrouter") || !strings.Contains(got, "Ollama") {
		t.Errorf("no endpoint: %s", got)
	}
	h.press("Save the prompt to my reference set")
	if got := replyText(h.say("/tasks")); !strings.Contains(got, "haiku about GPUs") {
		t.Errorf("prompt not saved: %s", got)
	}
}

func TestCompareThreeModels(t *testing.T) {
	h, srv, rec := newFeatureHarness(t, true)
	srv.SetReply("deepseek/deepseek-chat", "DeepSeek says hi")
	srv.Misbehave("qwen/qwen-2.5-72b-instruct", llmtest.ServerError, 5)
	srv.Misbehave("mistralai/mistral-small", llmtest.Hang, 5)
	h.say("/compare blind say hi")
	if err := h.engine.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := rec.text()
	for _, want := range []string{"DeepSeek says hi", "failed: the provider had a server error", "failed: no answer before the deadline", "Which answer was best"} {
		if !strings.Contains(got, want) {
			t.Errorf("pushed messages miss %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "deepseek/deepseek-chat") {
		t.Error("blind mode shows a model name before the vote")
	}
	// Vote for answer A (DeepSeek).
	var vote string
	for _, r := range rec.msgs {
		for _, row := range r.Buttons {
			for _, b := range row {
				if b.Label == "Best: A" {
					vote = b.Payload
				}
			}
		}
	}
	got = replyText(h.pressPayload(vote))
	if !strings.Contains(got, "deepseek/deepseek-chat was best") || !strings.Contains(got, "Revealed") {
		t.Errorf("vote: %s", got)
	}
	var st struct {
		Compares []bot.Comparison `json:"compares"`
	}
	json.Unmarshal(h.stored(h.user), &st)
	if len(st.Compares) != 1 || st.Compares[0].Best != 0 || !st.Compares[0].Answers[0].Done || st.Compares[0].Answers[0].CompletionTokens == 0 ||
		st.Compares[0].Answers[1].Error == "" || st.Compares[0].Answers[2].Error == "" {
		t.Errorf("stored comparison: %+v", st.Compares)
	}
}

func TestRemindersAndDelivery(t *testing.T) {
	h, _, rec := newFeatureHarness(t, false)
	got := replyText(h.say("/remind weekly"))
	if !strings.Contains(got, "Next: Mon 30 Nov 2026, 10:00 UTC") || !strings.Contains(got, "/timezone") {
		t.Fatalf("weekly: %s", got)
	}
	got = replyText(h.say("/timezone Europe/Berlin"))
	if !strings.Contains(got, "Next: Mon 30 Nov 2026, 10:00 CET") {
		t.Fatalf("timezone: %s", got)
	}
	for _, bad := range []struct{ in, want string }{
		{"/remind CRON_TZ=UTC", ""}, {"/remind 0 0 30 2 *", "never"}, {"/remind * * * * *", "hour"},
		{"/remind nonsense", ""}, {"/timezone Mars/Olympus", ""},
	} {
		before := h.stored(h.user)
		rs := h.say(bad.in)
		if len(rs) == 0 || !strings.Contains(strings.ToLower(replyText(rs)), bad.want) {
			t.Errorf("%s: %s", bad.in, replyText(rs))
		}
		if string(before) != string(h.stored(h.user)) {
			t.Errorf("%s changed state", bad.in)
		}
	}
	h.say("/tasks add summarise a contract")
	set, ok, err := remindGet(h)
	if err != nil || !ok {
		t.Fatal(err)
	}
	if err := h.engine.DeliverReminder(context.Background(), "test:42", set, set.Next); err != nil {
		t.Fatal(err)
	}
	if got := rec.text(); !strings.Contains(got, "Time to re-test your reference set (1 task)") {
		t.Errorf("reminder: %s", got)
	}
	if err := h.engine.MarkUnreachable(context.Background(), "test", "42", ""); err != nil {
		t.Fatal(err)
	}
	if err := h.engine.DeliverReminder(context.Background(), "test:42", set, set.Next); err == nil {
		t.Error("reminder delivered to an unreachable learner")
	}
	h.say("/remind off")
	if set, _, _ := remindGet(h); set.Active() {
		t.Error("reminder still active after /remind off")
	}
}

func remindGet(h *harness) (remind.Settings, bool, error) {
	return (&remind.Service{DB: h.db, Now: clock}).Get("test:42")
}

func TestMyDataAndForget(t *testing.T) {
	h, _, _ := newFeatureHarness(t, false)
	h.say("/lesson")
	h.say("/remind monthly")
	h.say("/tasks add keep me")
	for range 20 {
		h.say("/tasks add " + strings.Repeat("a long task that needs a big model ", 20))
	}
	rs := h.say("/mydata")
	if len(rs) != 1 || rs[0].File == nil {
		t.Fatalf("mydata: want one message with a file, got %d replies: %s", len(rs), excerptT(replyText(rs)))
	}
	f := rs[0].File
	var doc map[string]any
	if err := json.Unmarshal(f.Data, &doc); err != nil || !strings.HasSuffix(f.Name, ".json") {
		t.Fatalf("mydata file %q is not JSON: %v", f.Name, err)
	}
	if got := string(f.Data); !strings.Contains(got, `"key": "test:42"`) || !strings.Contains(got, "keep me") || !strings.Contains(got, `"reminder"`) {
		t.Fatalf("mydata: %s", excerptT(got))
	}
	if caption := rs[0].Text; !strings.Contains(caption, fmt.Sprint(len(f.Data))) || len(caption) > 1024 {
		t.Errorf("caption %q: want a one-line summary with the size", caption)
	}
	h.say("/forget")
	erase := h.last[0].Payload
	h.press("Yes, erase everything")
	h.db.View(func(tx *storage.Tx) error {
		if tx.Learner("test:42") != nil || tx.Reminder("test:42") != nil || tx.CountDue() != 0 {
			t.Error("something of the learner is left")
		}
		return nil
	})
	// Pressing the button again finds nothing and stores nothing.
	if got := replyText(h.pressPayload(erase)); !strings.Contains(got, "nothing stored") {
		t.Errorf("second forget: %s", got)
	}
	if h.stored("42") != nil {
		t.Error("second forget created a record")
	}
}

func TestStatsForAdminsOnly(t *testing.T) {
	h, _, _ := newFeatureHarness(t, false)
	if got := replyText(h.say("/stats")); !strings.Contains(got, "admins only") {
		t.Errorf("non-admin: %s", got)
	}
	// Learner 42 answers A, A; learner 43 answers B, C (both right).
	h.say("/quiz")
	h.press("A")
	h.press("A")
	h.user = "43"
	h.say("/lesson")
	h.say("/quiz")
	h.press("B")
	h.press("C")
	h.user = "1"
	got := replyText(h.say("/stats"))
	for _, want := range []string{"Learners: 3", "Took the quiz: 2", "Average best score: 1.00 of 2", "Best scores: 0/2: 1, 1/2: 0, 2/2: 1", "Started the lesson: 1"} {
		if !strings.Contains(got, want) {
			t.Errorf("stats miss %q:\n%s", want, got)
		}
	}
	course, _ := lessons.Default()
	s, err := bot.ComputeStats(h.db, course)
	if err != nil {
		t.Fatal(err)
	}
	q1 := s.Questions[0].Options
	if q1[0].Chosen != 1 || q1[1].Chosen != 1 || q1[2].Chosen != 0 {
		t.Errorf("question 1 option counts: %+v", q1)
	}
}

// TestOldConfirmationDoesNothing: only the latest confirmation button of
// /reset works; an older one (or a forged one) changes nothing.
func TestOldConfirmationDoesNothing(t *testing.T) {
	h, _, _ := newFeatureHarness(t, false)
	h.say("/lesson")
	h.say("/next")
	h.say("/reset")
	old := h.last[0].Payload
	h.say("/reset")
	before := h.stored(h.user)
	if got := replyText(h.pressPayload(old)); !strings.Contains(got, "out of date") {
		t.Errorf("old confirmation: %s", got)
	}
	if got := replyText(h.pressPayload("1:rs:99")); !strings.Contains(got, "out of date") {
		t.Errorf("forged confirmation: %s", got)
	}
	if string(before) != string(h.stored(h.user)) {
		t.Error("an old confirmation changed state")
	}
	if got := replyText(h.press("Yes, start over")); !strings.Contains(got, "back at the start") {
		t.Errorf("latest confirmation: %s", got)
	}
}

// TestRunNowMarksChanges re-tests the reference set twice: the first run
// shows every answer as new, the second marks the model whose answer
// changed and repeats the learner's earlier verdict.
func TestRunNowMarksChanges(t *testing.T) {
	h, srv, rec := newFeatureHarness(t, true)
	for _, m := range []string{"deepseek/deepseek-chat", "qwen/qwen-2.5-72b-instruct", "mistralai/mistral-small"} {
		srv.SetReply(m, "answer of "+m)
	}
	h.say("/tasks add write a haiku")
	h.say("/compare write a haiku")
	h.engine.Close(context.Background())
	var vote string
	for _, r := range rec.msgs {
		for _, row := range r.Buttons {
			for _, b := range row {
				if strings.HasPrefix(b.Label, "Best: qwen") {
					vote = b.Payload
				}
			}
		}
	}
	h.pressPayload(vote)
	rec.msgs = nil
	h.pressPayload("1:rn")
	h.engine.Close(context.Background())
	first := rec.text()
	if strings.Count(first, "first run") != 3 || !strings.Contains(first, "Your verdict on 26 Nov: qwen/qwen-2.5-72b-instruct was best") {
		t.Fatalf("first re-test:\n%s", first)
	}
	rec.msgs = nil
	srv.SetReply("deepseek/deepseek-chat", "a different answer")
	h.pressPayload("1:rn")
	h.engine.Close(context.Background())
	second := rec.text()
	if !strings.Contains(second, "deepseek/deepseek-chat: ") || !strings.Contains(second, "changed") || strings.Count(second, "same as last run") != 2 {
		t.Fatalf("second re-test:\n%s", second)
	}
}

// TestRemindWordsAndZones: the schedule words and time zones learners type
// in English and Russian: presets, daily, off, Russian cities, offsets.
func TestRemindWordsAndZones(t *testing.T) {
	h, _, _ := newFeatureHarness(t, false)
	for _, c := range []struct{ in, want string }{
		{"/remind every day", "daily at 10:00"},
		{"/remind раз в неделю", "weekly, Mondays at 10:00"},
		{"/remind каждые две недели", "every two weeks, Mondays at 10:00"},
		{"/remind ежемесячно", "monthly, on the 1st at 10:00"},
		{"/timezone Москва", "Europe/Moscow"},
		{"/timezone г. Новосибирск", "Asia/Novosibirsk"},
		{"/timezone UTC+3", "UTC+03:00"},
		{"/timezone GMT-5", "UTC-05:00"},
		{"/remind стоп", "Reminders are off"},
	} {
		if got := replyText(h.say(c.in)); !strings.Contains(got, c.want) {
			t.Errorf("%s: want %q in\n%s", c.in, c.want, got)
		}
	}
	set, _, err := remindGet(h)
	if err != nil || set.TZ != "UTC-05:00" {
		t.Errorf("stored zone %q, %v; want UTC-05:00", set.TZ, err)
	}
}
