package practice

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"tutorbot/llm"
	"tutorbot/llm/llmtest"
	"tutorbot/render"
)

const writeUpModel = "test/writer"

func writeUpFixture(t *testing.T) (Request, Result) {
	t.Helper()
	req := ParseTemplate("Task: code review for Python\nWhere: locally\nGPU: 24GB\nConstraints: commercial use")
	return req, Recommend(mustCatalog(t), req)
}

func TestAnswerWithFallback(t *testing.T) {
	req, res := writeUpFixture(t)
	top := res.Picks[0].Model.Name
	good := "**Top pick: " + top + "** fits your 24 GB GPU at " + string(res.Picks[0].Quant) + ". Test it on your own tasks first."

	tests := []struct {
		name     string
		setup    func(s *llmtest.Server)
		timeout  time.Duration
		wantLLM  bool
		wantNote string // substring of the note when falling back
	}{
		{"success", func(s *llmtest.Server) { s.SetReply(writeUpModel, good) }, 0, true, ""},
		{"429 then success", func(s *llmtest.Server) {
			s.SetReply(writeUpModel, good)
			s.Misbehave(writeUpModel, llmtest.RateLimit, 1)
			s.SetRetryAfter(writeUpModel, "0")
		}, 0, true, ""},
		{"429 with a long Retry-After", func(s *llmtest.Server) {
			s.Misbehave(writeUpModel, llmtest.RateLimit, 0)
			s.SetRetryAfter(writeUpModel, "60")
		}, 0, false, "rate limited"},
		{"500", func(s *llmtest.Server) { s.Misbehave(writeUpModel, llmtest.ServerError, 0) }, 2 * time.Second, false, "server error"},
		{"hang past the deadline", func(s *llmtest.Server) { s.Misbehave(writeUpModel, llmtest.Hang, 0) }, 200 * time.Millisecond, false, "deadline"},
		{"empty answer", func(s *llmtest.Server) { s.Misbehave(writeUpModel, llmtest.Empty, 0) }, 0, false, "empty"},
		{"garbage JSON", func(s *llmtest.Server) { s.Misbehave(writeUpModel, llmtest.Garbage, 0) }, 0, false, "unreadable"},
		{"refusal", func(s *llmtest.Server) { s.Misbehave(writeUpModel, llmtest.Refusal, 0) }, 0, false, "declined"},
		{"ungrounded answer", func(s *llmtest.Server) { s.SetReply(writeUpModel, "Use GPT-5, it is the best.") }, 0, false, "shortlist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := llmtest.NewServer(t)
			tt.setup(srv)
			c, err := llm.New(llm.Config{BaseURL: srv.URL(), APIKey: "sk-test", Model: writeUpModel, Timeout: tt.timeout})
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			md, used, note := AnswerWithFallback(context.Background(), c, req, res)
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
			if used != tt.wantLLM {
				t.Fatalf("usedLLM = %v, want %v (note %q)", used, tt.wantLLM, note)
			}
			if strings.TrimSpace(md) == "" {
				t.Fatal("no answer for the learner")
			}
			if !strings.Contains(md, top) && !strings.Contains(md, render.EscapeMarkdown(top)) {
				t.Errorf("answer does not name the top pick %q:\n%s", top, md)
			}
			if !strings.Contains(md, "own task") {
				t.Errorf("answer lacks the test-on-your-own-tasks reminder")
			}
			if tt.wantLLM {
				if note != "" || md != good {
					t.Errorf("LLM answer altered: note=%q md=%q", note, md)
				}
			} else {
				if !strings.Contains(note, tt.wantNote) || strings.Count(note, "\n") > 0 {
					t.Errorf("note = %q, want one line containing %q", note, tt.wantNote)
				}
				if !strings.HasPrefix(md, "_"+note+"_") || !strings.Contains(md, res.Markdown()) {
					t.Errorf("fallback is not note + rule-based answer:\n%s", md)
				}
			}
			if len(srv.Calls()) == 0 {
				t.Error("the LLM was never called")
			}
		})
	}
}

func TestWriteUpPromptIsGrounded(t *testing.T) {
	req, res := writeUpFixture(t)
	srv := llmtest.NewServer(t)
	srv.SetReply(writeUpModel, "I'd pick "+res.Picks[0].Model.Name+".")
	c, err := llm.New(llm.Config{BaseURL: srv.URL(), APIKey: "k", Model: writeUpModel})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := WriteUp(context.Background(), c, req, res); err != nil {
		t.Fatalf("WriteUp: %v", err)
	}
	calls := srv.Calls()
	if len(calls) != 1 || len(calls[0].Messages) != 2 {
		t.Fatalf("calls = %+v", calls)
	}
	sys, prompt := calls[0].Messages[0].Content, calls[0].Messages[1].Content
	if !strings.Contains(sys, "ONLY") || !strings.Contains(sys, "3000") {
		t.Errorf("system prompt does not ask for a grounded short answer: %q", sys)
	}
	for _, want := range []string{req.Task, "24GB", "commercial use"} {
		if !strings.Contains(prompt, want) {
			t.Errorf("prompt lacks the template's %q", want)
		}
	}
	for _, p := range res.Picks {
		for _, want := range []string{p.Model.Name, string(p.Quant), p.Model.License} {
			if !strings.Contains(prompt, want) {
				t.Errorf("prompt lacks shortlist figure %q", want)
			}
		}
	}
}

func TestAnswerWithFallbackNoClient(t *testing.T) {
	req, res := writeUpFixture(t)
	md, used, note := AnswerWithFallback(context.Background(), nil, req, res)
	if used || note != "" || md != res.Markdown() {
		t.Errorf("nil client: used=%v note=%q", used, note)
	}
}

// failing is a Completer that always fails, for WriteUp's own checks.
type failing struct{ err error }

func (f failing) Complete(context.Context, string, string, string) (llm.Answer, error) {
	return llm.Answer{}, f.err
}

type fixed string

func (f fixed) Complete(context.Context, string, string, string) (llm.Answer, error) {
	return llm.Answer{Text: string(f)}, nil
}

func TestWriteUpErrors(t *testing.T) {
	req, res := writeUpFixture(t)
	top := res.Picks[0].Model.Name
	tests := []struct {
		name string
		c    Completer
		res  Result
		want error
	}{
		{"client error wrapped", failing{llm.ErrTimeout}, res, llm.ErrTimeout},
		{"blank", fixed("  \n "), res, llm.ErrEmptyAnswer},
		{"refusal", fixed("I'm sorry, but I can't help with that."), res, ErrRefusal},
		{"russian refusal", fixed("Извините, но я не могу помочь."), res, ErrRefusal},
		{"ungrounded", fixed("Just use whatever is popular."), res, ErrUngrounded},
		{"no shortlist", fixed(top), Result{}, ErrNoShortlist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := WriteUp(context.Background(), tt.c, req, tt.res)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
	long := top + "\n\n" + strings.Repeat("A paragraph about the model and its memory figures. ", 40) + "\n\n" + strings.Repeat("More text. ", 300)
	text, err := WriteUp(context.Background(), fixed(long), req, res)
	if err != nil || len(text) > maxWriteUp+10 {
		t.Errorf("long answer: len=%d err=%v", len(text), err)
	}
}

// TestWriteUpNamesNoExcludedModel: a write-up that recommends a model the
// rules left out for this case (here Llama, above its 700M-user line) is
// refused, so the learner gets the rule-based answer instead.
func TestWriteUpNamesNoExcludedModel(t *testing.T) {
	cat := mustCatalog(t)
	req := ParseTemplate("Task: chat assistant in our social app with 900 million monthly users\nWhere I run it: locally\nAvailable GPU memory: 2 x A100 80GB\nConstraints: commercial")
	res := Recommend(cat, req)
	if len(res.Picks) == 0 {
		t.Fatal("no picks")
	}
	for _, p := range res.Picks {
		if p.Model.Family == "Llama" {
			t.Fatalf("Llama picked above its user line: %s", p.Model.ID)
		}
	}
	top := res.Picks[0].Model.Name
	_, err := WriteUp(context.Background(), fixed("**"+top+"** is good, but honestly Llama 3.3 70B would be my real choice."), req, res)
	if !errors.Is(err, ErrUngrounded) {
		t.Errorf("a write-up naming an excluded model: err = %v, want ErrUngrounded", err)
	}
	if _, err := WriteUp(context.Background(), fixed("**"+top+"**: Llama was left out because of its 700M-user clause."), req, res); err != nil {
		t.Errorf("saying why a family was left out is allowed: %v", err)
	}
	prompt := writeUpPrompt(req, res)
	for _, want := range []string{"Left out", "700M", "Language of the answer: English"} {
		if !strings.Contains(prompt, want) {
			t.Errorf("prompt lacks %q", want)
		}
	}
}

// TestAnswerWithFallbackInRussian: a Russian learner gets the fallback note
// and the closing reminder in Russian, whatever the write-up did.
func TestAnswerWithFallbackInRussian(t *testing.T) {
	cat := mustCatalog(t)
	req := ParseTemplate("Задача: чат-бот поддержки клиентов\nГде запускаю: локально\nДоступная память GPU: 24 ГБ\nОграничения: нет")
	res := Recommend(cat, req)
	md, used, note := AnswerWithFallback(context.Background(), failing{llm.ErrTimeout}, req, res)
	if used || !strings.Contains(note, "недоступен") || !strings.Contains(md, "недоступен") {
		t.Errorf("fallback note not in Russian: %q", note)
	}
	top := res.Picks[0].Model.Name
	md, used, _ = AnswerWithFallback(context.Background(), fixed("**"+top+"** подходит лучше всего."), req, res)
	if !used || !strings.Contains(md, "своих задач") || strings.Contains(md, "benchmarks") {
		t.Errorf("Russian write-up without the Russian reminder:\n%s", md)
	}
}
