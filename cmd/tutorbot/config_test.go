package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

const fakeToken = "123456:AAFakeTokenForTestsOnly"

func TestConfigProblems(t *testing.T) {
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	os.WriteFile(tokenFile, []byte(fakeToken+"\n"), 0o600)
	emptyFile := filepath.Join(dir, "empty")
	os.WriteFile(emptyFile, nil, 0o600)
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want []string // each a line of the error; empty: valid
	}{
		{name: "terminal defaults", want: nil},
		{name: "token from file", env: map[string]string{"TELEGRAM_TOKEN_FILE": tokenFile}},
		{name: "token and file", env: map[string]string{"TELEGRAM_TOKEN": fakeToken, "TELEGRAM_TOKEN_FILE": tokenFile}, want: []string{"set TELEGRAM_TOKEN or TELEGRAM_TOKEN_FILE, not both"}},
		{name: "missing token file", env: map[string]string{"DISCORD_TOKEN_FILE": filepath.Join(dir, "nope")}, want: []string{"DISCORD_TOKEN_FILE: cannot read"}},
		{name: "empty token file", env: map[string]string{"DISCORD_TOKEN_FILE": emptyFile}, want: []string{"DISCORD_TOKEN_FILE: " + emptyFile + " is empty"}},
		{name: "webhook without token", env: map[string]string{"TELEGRAM_WEBHOOK_URL": "https://x.example/hook", "TELEGRAM_WEBHOOK_SECRET": "s"}, want: []string{"TELEGRAM_WEBHOOK_URL is set but TELEGRAM_TOKEN is not"}},
		{name: "webhook over http and without secret", env: map[string]string{"TELEGRAM_TOKEN": fakeToken, "TELEGRAM_WEBHOOK_URL": "http://x.example/hook"}, want: []string{"must be an https:// URL", "needs TELEGRAM_WEBHOOK_SECRET"}},
		{name: "guild without discord", env: map[string]string{"DISCORD_GUILD_ID": "1"}, want: []string{"DISCORD_GUILD_ID is set but DISCORD_TOKEN is not"}},
		{name: "bad api url", env: map[string]string{"TELEGRAM_API_URL": "localhost:8081"}, want: []string{"must start with http://"}},
		{name: "bad numbers", args: []string{"-telegram-rate", "0", "-shutdown-timeout", "soon", "-log-level", "loud"}, want: []string{"invalid Telegram rate", "invalid shutdown timeout", "invalid log level"}},
		{name: "bad telegram pacing", env: map[string]string{"TELEGRAM_CHAT_RATE": "-1", "TELEGRAM_WORKERS": "0"}, want: []string{"invalid Telegram chat rate", "TELEGRAM_WORKERS must be"}},
		{name: "bad discord bulk rate", env: map[string]string{"DISCORD_BULK_RATE": "60"}, want: []string{"invalid Discord bulk rate"}},
		{name: "malformed token", env: map[string]string{"TELEGRAM_TOKEN": "abc def/ghi"}, want: []string{"does not look like a bot token"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseConfig(tc.args, io.Discard, env(tc.env))
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(tc.want) {
				t.Errorf("got %d lines, want %d:\n%v", len(lines), len(tc.want), err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error misses %q:\n%v", w, err)
				}
			}
			if strings.Contains(err.Error(), "AAFakeToken") || strings.Contains(err.Error(), "ghi") {
				t.Errorf("error shows a secret: %v", err)
			}
		})
	}
}

func TestSecretFromFileIsTrimmed(t *testing.T) {
	f := filepath.Join(t.TempDir(), "tok")
	os.WriteFile(f, []byte("  "+fakeToken+"\n"), 0o600)
	c, err := parseConfig(nil, io.Discard, env(map[string]string{"TELEGRAM_TOKEN_FILE": f}))
	if err != nil || c.TelegramToken != fakeToken {
		t.Fatalf("token %q err %v", c.TelegramToken, err)
	}
}

// TestDockerfileEssentials checks what the image promises: a static build,
// a non-root user and the data volume. (No Docker engine runs on CI's
// machine, so the image itself is not built here.)
func TestDockerfileEssentials(t *testing.T) {
	b, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	df := string(b)
	for _, want := range []string{"CGO_ENABLED=0", "USER 65532:65532", "--mount=type=cache,target=/root/.cache/go-build", "VOLUME /data", "TUTORBOT_DB=/data/tutorbot.db", "AS build", "--chown=65532:65532", "HEALTHCHECK", "tutorbot\", \"healthcheck"} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile misses %q", want)
		}
	}
	// A "# syntax=" line makes Docker fetch a frontend image first (fails
	// offline); a user name fails Kubernetes' runAsNonRoot.
	for _, bad := range []string{"# syntax", "USER nonroot"} {
		if strings.Contains(df, bad) {
			t.Errorf("Dockerfile has %q", bad)
		}
	}
}

// TestDockerBuild builds the image where a Docker engine runs. This
// machine's kind has only the Docker client, so there the test says why it
// did not run.
func TestDockerBuild(t *testing.T) {
	if err := exec.Command("docker", "info").Run(); err != nil {
		t.Skip("no Docker engine here (docker info failed); TestDockerfileEssentials checks the Dockerfile instead")
	}
	out, err := exec.Command("docker", "build", "-t", "tutorbot:test", "../..").CombinedOutput()
	if err != nil {
		t.Fatalf("docker build: %v\n%s", err, out)
	}
}
