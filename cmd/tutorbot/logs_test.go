package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"tutorbot/bot/telegram/telegramtest"
)

// TestJSONLogLines: in the running tutor's JSON logs every attribute
// appears once per line (no second "platform"), durations are Go duration
// strings ("3s", not 3000000000) and a failed call logs its error text.
func TestJSONLogLines(t *testing.T) {
	bin := binary(t)
	srv := telegramtest.NewServer(t)
	srv.FailNext("setMyCommands", 1, 400, 0)
	cmd, exited, logs := startTutor(t, bin, srv, filepath.Join(t.TempDir(), "tutor.db"), "SHUTDOWN_TIMEOUT=3s")
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logs.String(), "set command menu") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		t.Fatal("tutor did not stop")
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	var sawMenu, sawTimeout bool
	for _, line := range lines {
		keys, values, err := topLevel(line)
		if err != nil {
			t.Errorf("not a JSON line: %v: %s", err, line)
			continue
		}
		for k, n := range keys {
			if n > 1 {
				t.Errorf("%q appears %d times: %s", k, n, line)
			}
		}
		if values["msg"] == `"set command menu"` {
			sawMenu = true
			if e := values["err"]; e == "" || e == `""` {
				t.Errorf("the failed menu call logs no error text: %s", line)
			}
			if values["platform"] != `"telegram"` {
				t.Errorf("no platform: %s", line)
			}
		}
		if v, ok := values["timeout"]; ok {
			sawTimeout = true
			if v != `"3s"` {
				t.Errorf("timeout logged as %s, want \"3s\": %s", v, line)
			}
		}
	}
	if !sawMenu || !sawTimeout {
		t.Errorf("log lines missing (menu %v, shutdown timeout %v):\n%s", sawMenu, sawTimeout, logs.String())
	}
}

// topLevel counts the keys of a JSON object and returns their raw values.
func topLevel(line string) (map[string]int, map[string]string, error) {
	dec := json.NewDecoder(strings.NewReader(line))
	if _, err := dec.Token(); err != nil {
		return nil, nil, err
	}
	keys, values := map[string]int{}, map[string]string{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, err
		}
		k, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, nil, err
		}
		keys[k]++
		values[k] = string(raw)
	}
	return keys, values, nil
}
