package loadtest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tutorbot/bot"
	"tutorbot/lessons"
	"tutorbot/remind"
	"tutorbot/render"
	"tutorbot/storage"
)

// FuzzBadInput sends arbitrary text and button payloads to the engine, one
// learner after another in the same database: no error, no panic, a reply,
// Telegram HTML always valid. The corpus's text and payload inputs seed it;
// a crasher it finds belongs in testdata/badinput.
func FuzzBadInput(f *testing.F) {
	corpus, err := LoadCorpus(os.DirFS(corpusDir), ".")
	if err != nil {
		f.Fatal(err)
	}
	for _, in := range corpus {
		if in.As == "lesson" || in.Expand || len(in.Body) > 4096 {
			continue
		}
		if in.As == "payload" {
			f.Add("", string(in.Body))
		} else {
			f.Add(string(in.Body), "")
		}
	}
	course, err := lessons.Default()
	if err != nil {
		f.Fatal(err)
	}
	db, err := storage.Open(filepath.Join(f.TempDir(), "tutor.db"), storage.Options{NoSync: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { db.Close() })
	engine, err := bot.NewEngine(bot.Config{DB: db, Course: course, Reminders: &remind.Service{DB: db}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text, payload string) {
		for _, ev := range []bot.Event{
			{Platform: "telegram", UserID: "1", ChatID: "1", Text: text, Format: render.TelegramHTML},
			{Platform: "telegram", UserID: "1", ChatID: "1", Payload: payload, Format: render.TelegramHTML},
		} {
			if ev.Payload == "" && ev.Text == "" {
				continue
			}
			rs, err := engine.Handle(context.Background(), ev)
			if err != nil {
				t.Fatalf("handle %+v: %v", ev, err)
			}
			said := false
			for _, r := range rs {
				if r.Kind == bot.Send || r.Kind == bot.Edit {
					if err := checkTelegramText(r.Text); err != nil {
						t.Fatalf("reply to %+v: %v", ev, err)
					}
				}
				said = said || strings.TrimSpace(r.Text) != ""
			}
			if !said {
				t.Fatalf("no reply to %+v", ev)
			}
		}
	})
}

// FuzzParseInput reads arbitrary corpus files: an error or an input, never
// a panic, and an input's body never over MaxInput.
func FuzzParseInput(f *testing.F) {
	entries, err := os.ReadDir(corpusDir)
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		if b, err := os.ReadFile(filepath.Join(corpusDir, e.Name())); err == nil && len(b) < 4096 {
			f.Add(b)
		}
	}
	f.Add([]byte("# as: text\n# expand: yes\n{repeat:99999999999:x}"))
	f.Add([]byte("# as: payload\n# quoted: yes\n\"\\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := ParseInput("f.txt", data)
		if err != nil {
			return
		}
		if len(in.Body) > MaxInput+len(data) {
			t.Fatalf("body of %d bytes", len(in.Body))
		}
		if in.As != "text" && in.As != "payload" && in.As != "lesson" {
			t.Fatalf("as %q", in.As)
		}
		in.Resolve(func(string, string) (string, bool) { return "1:ls", true }, "1:ls")
	})
}
