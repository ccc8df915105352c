package discordtest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

const api = "https://discord.com/api/v9"

func do(t *testing.T, s *Server, method, path, auth string, body any) (int, map[string]any, http.Header) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, api+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	if len(raw) > 0 && raw[0] == '{' {
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("decode %s: %v", raw, err)
		}
	}
	return resp.StatusCode, out, resp.Header
}

func msg(content string, rows ...[]any) map[string]any {
	comps := []any{}
	for _, r := range rows {
		comps = append(comps, map[string]any{"type": 1, "components": r})
	}
	return map[string]any{"content": content, "components": comps}
}

func button(id string) map[string]any {
	return map[string]any{"type": 2, "style": 1, "label": "b", "custom_id": id}
}

func TestServerChecks(t *testing.T) {
	tests := []struct {
		name       string
		do         func(t *testing.T, s *Server, auth string) (int, map[string]any, http.Header)
		status     int
		code       float64
		violations int
	}{
		{name: "rewrite reaches the fake", status: 200,
			do: func(t *testing.T, s *Server, auth string) (int, map[string]any, http.Header) {
				return do(t, s, "GET", "/users/@me", auth, nil)
			}},
		{name: "wrong token", status: 401, violations: 1,
			do: func(t *testing.T, s *Server, _ string) (int, map[string]any, http.Header) {
				return do(t, s, "GET", "/users/@me", "Bot wrong", nil)
			}},
		{name: "content over 2000", status: 400, code: CodeInvalidFormBody, violations: 1,
			do: func(t *testing.T, s *Server, auth string) (int, map[string]any, http.Header) {
				return do(t, s, "POST", "/channels/c1/messages", auth, msg(strings.Repeat("é", 2001)))
			}},
		{name: "custom_id over 100", status: 400, code: CodeInvalidFormBody, violations: 1,
			do: func(t *testing.T, s *Server, auth string) (int, map[string]any, http.Header) {
				return do(t, s, "POST", "/channels/c1/messages", auth, msg("x", []any{button(strings.Repeat("a", 101))}))
			}},
		{name: "six buttons in a row", status: 400, code: CodeInvalidFormBody, violations: 1,
			do: func(t *testing.T, s *Server, auth string) (int, map[string]any, http.Header) {
				row := []any{button("1"), button("2"), button("3"), button("4"), button("5"), button("6")}
				return do(t, s, "POST", "/channels/c1/messages", auth, msg("x", row))
			}},
		{name: "six rows", status: 400, code: CodeInvalidFormBody, violations: 1,
			do: func(t *testing.T, s *Server, auth string) (int, map[string]any, http.Header) {
				return do(t, s, "POST", "/channels/c1/messages", auth, msg("x", []any{button("1")}, []any{button("2")}, []any{button("3")},
					[]any{button("4")}, []any{button("5")}, []any{button("6")}))
			}},
		{name: "empty message", status: 400, code: CodeEmptyMessage,
			do: func(t *testing.T, s *Server, auth string) (int, map[string]any, http.Header) {
				return do(t, s, "POST", "/channels/c1/messages", auth, msg(""))
			}},
		{name: "second callback", status: 400, code: CodeAlreadyAcknowledged, violations: 1,
			do: func(t *testing.T, s *Server, auth string) (int, map[string]any, http.Header) {
				id, tok := s.NewInteraction(InteractionSpec{Kind: KindCommand, ChannelID: "c1", UserID: "u"})
				cb := map[string]any{"type": 4, "data": msg("hi")}
				if st, _, _ := do(t, s, "POST", "/interactions/"+id+"/"+tok+"/callback", auth, cb); st != 204 {
					t.Fatalf("first callback: %d", st)
				}
				return do(t, s, "POST", "/interactions/"+id+"/"+tok+"/callback", auth, cb)
			}},
		{name: "callback after 3 s", status: 404, code: CodeUnknownInteraction, violations: 1,
			do: func(t *testing.T, s *Server, auth string) (int, map[string]any, http.Header) {
				start := time.Now()
				s.SetNow(func() time.Time { return start })
				id, tok := s.NewInteraction(InteractionSpec{Kind: KindCommand})
				s.SetNow(func() time.Time { return start.Add(3*time.Second + time.Millisecond) })
				return do(t, s, "POST", "/interactions/"+id+"/"+tok+"/callback", auth, map[string]any{"type": 5})
			}},
		{name: "follow-up before the callback", status: 404, code: CodeUnknownWebhook, violations: 1,
			do: func(t *testing.T, s *Server, auth string) (int, map[string]any, http.Header) {
				_, tok := s.NewInteraction(InteractionSpec{Kind: KindCommand})
				return do(t, s, "POST", "/webhooks/"+s.AppID()+"/"+tok+"?wait=true", auth, msg("hi"))
			}},
		{name: "update on a slash command", status: 400, code: CodeInvalidFormBody, violations: 1,
			do: func(t *testing.T, s *Server, auth string) (int, map[string]any, http.Header) {
				id, tok := s.NewInteraction(InteractionSpec{Kind: KindCommand})
				return do(t, s, "POST", "/interactions/"+id+"/"+tok+"/callback", auth, map[string]any{"type": 7, "data": msg("x")})
			}},
		{name: "modal label over 45", status: 400, code: CodeInvalidFormBody, violations: 1,
			do: func(t *testing.T, s *Server, auth string) (int, map[string]any, http.Header) {
				id, tok := s.NewInteraction(InteractionSpec{Kind: KindCommand})
				in := map[string]any{"type": 4, "custom_id": "f", "style": 1, "label": strings.Repeat("l", 46)}
				data := map[string]any{"custom_id": "m", "title": "t", "components": []any{map[string]any{"type": 1, "components": []any{in}}}}
				return do(t, s, "POST", "/interactions/"+id+"/"+tok+"/callback", auth, map[string]any{"type": 9, "data": data})
			}},
		{name: "upper-case command name", status: 400, code: CodeInvalidFormBody, violations: 1,
			do: func(t *testing.T, s *Server, auth string) (int, map[string]any, http.Header) {
				return do(t, s, "PUT", "/applications/"+s.AppID()+"/commands", auth, []any{map[string]any{"name": "Lesson", "description": "d"}})
			}},
		{name: "command without description", status: 400, code: CodeInvalidFormBody, violations: 1,
			do: func(t *testing.T, s *Server, auth string) (int, map[string]any, http.Header) {
				return do(t, s, "PUT", "/applications/"+s.AppID()+"/guilds/g/commands", auth, []any{map[string]any{"name": "lesson"}})
			}},
		{name: "unknown route", status: 404,
			do: func(t *testing.T, s *Server, auth string) (int, map[string]any, http.Header) {
				return do(t, s, "DELETE", "/guilds/1", auth, nil)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewServer(t)
			s.AllowViolations()
			status, body, _ := tt.do(t, s, "Bot "+s.Token())
			if status != tt.status {
				t.Errorf("status %d, want %d (body %v)", status, tt.status, body)
			}
			if tt.code != 0 && body["code"] != tt.code {
				t.Errorf("code %v, want %v", body["code"], tt.code)
			}
			if n := len(s.Violations()); n != tt.violations {
				t.Errorf("%d violations %q, want %d", n, s.Violations(), tt.violations)
			}
		})
	}
}

func TestFailNext(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		code       int
		retryAfter float64
		wantMsg    string
	}{
		{name: "429", status: 429, retryAfter: 1.5, wantMsg: "You are being rate limited."},
		{name: "403 cannot send", status: 403, code: CodeCannotSendToUser, wantMsg: "Cannot send messages to this user"},
		{name: "500", status: 500, wantMsg: "500: Internal Server Error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewServer(t)
			s.FailNext(RouteSendMessage, 2, tt.status, tt.code, tt.retryAfter)
			auth := "Bot " + s.Token()
			for range 2 {
				status, body, hdr := do(t, s, "POST", "/channels/c/messages", auth, msg("x"))
				if status != tt.status || body["message"] != tt.wantMsg {
					t.Errorf("got %d %v", status, body)
				}
				if tt.status == 429 {
					if body["retry_after"] != tt.retryAfter || body["global"] != false {
						t.Errorf("429 body %v", body)
					}
					if hdr.Get("Retry-After") != "2" || hdr.Get("X-RateLimit-Reset-After") != "1.500" {
						t.Errorf("429 headers %v", hdr)
					}
				}
				if tt.code != 0 && body["code"] != float64(tt.code) {
					t.Errorf("code %v", body["code"])
				}
			}
			if status, _, _ := do(t, s, "POST", "/channels/c/messages", auth, msg("x")); status != 200 {
				t.Errorf("third call: %d, want success", status)
			}
			if got := len(s.Messages("c")); got != 1 {
				t.Errorf("%d messages stored, want 1", got)
			}
			if calls := s.CallsTo(RouteSendMessage); len(calls) != 3 || calls[2].Status != 200 || calls[0].Body == nil {
				t.Errorf("calls %+v", calls)
			}
		})
	}
}

func TestInteractionFlow(t *testing.T) {
	s := NewServer(t)
	auth := "Bot " + s.Token()
	pressed := s.AddMessage(Message{ChannelID: "c", Content: "page 1", Buttons: [][]Button{{{Label: "Next", CustomID: "n"}}}})
	id, tok := s.NewInteraction(InteractionSpec{Kind: KindComponent, ChannelID: "c", UserID: "u", MessageID: pressed})
	if st, _, _ := do(t, s, "POST", "/interactions/"+id+"/"+tok+"/callback", auth, map[string]any{"type": 6}); st != 204 {
		t.Fatalf("deferred update: %d", st)
	}
	if st, _, _ := do(t, s, "PATCH", "/webhooks/"+s.AppID()+"/"+tok+"/messages/@original", auth, map[string]any{"content": "page 2", "components": []any{}}); st != 200 {
		t.Fatalf("edit original: %d", st)
	}
	st, body, _ := do(t, s, "POST", "/webhooks/"+s.AppID()+"/"+tok+"?wait=true", auth, map[string]any{"content": "note", "flags": FlagEphemeral})
	if st != 200 || body["id"] == "" {
		t.Fatalf("follow-up: %d %v", st, body)
	}
	m, _ := s.Message(pressed)
	if m.Content != "page 2" || len(m.Buttons) != 0 {
		t.Errorf("pressed message %+v", m)
	}
	in, _ := s.Interaction(id)
	if len(in.Followups) != 1 {
		t.Fatalf("follow-ups %v", in.Followups)
	}
	f, _ := s.Message(in.Followups[0])
	if f.VisibleTo != "u" || !f.Ephemeral() {
		t.Errorf("follow-up %+v, want ephemeral to u", f)
	}
	if len(s.Violations()) != 0 {
		t.Errorf("violations %v", s.Violations())
	}
}
