package bot

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestProgressFieldsFirst: decodeProgress reads a record only up to the
// first field after the view's, which is right only while State keeps
// the view's fields (and lang, course_done) first, as json.Marshal writes
// them in State's order.
func TestProgressFieldsFirst(t *testing.T) {
	var head []string
	st := reflect.TypeFor[State]()
	for i := range st.NumField() {
		name, _, _ := strings.Cut(st.Field(i).Tag.Get("json"), ",")
		head = append(head, name)
		if name == "progress" {
			break
		}
	}
	if got := strings.Join(head, " "); got != "v started lang lesson active course_done progress" {
		t.Fatalf("State begins with %s: update progressEnd's keys", got)
	}
}

// TestDecodeProgressSameAsState: decodeProgress gives the same version,
// start, lesson, activity and progress as decodeState, for records of the
// current and the older layout, whatever lesson ids and texts they hold.
func TestDecodeProgressSameAsState(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	full := &State{Version: stateVersion, Started: now, Lang: "ru", Lesson: "tasks", Active: unixSeconds(now.Unix()),
		Progress: map[string]*Progress{
			"tasks":       {Page: 2, Seen: 3},                 // a lesson id that is also a key of State
			`a,"pending"`: {Page: 1, Seen: 1, Finished: true}, // and one with quotes and a comma
		},
		Tasks:       []Task{{ID: 1, Text: `say "hi", then {stop}`, Added: now}},
		Pending:     "task",
		Submissions: []Submission{{ID: 1, At: now, Answer: strings.Repeat("x", 1000)}},
		Cohorts:     []string{"abcd2345"},
	}
	full.Progress["tasks"].Quiz.Finished, full.Progress["tasks"].Quiz.Best = true, 1
	current, _ := json.Marshal(full)
	records := map[string]string{
		"current":        string(current),
		"no progress":    `{"v":2,"started":"2026-11-26T12:00:00Z","pending":"task","tasks":[{"id":1}]}`,
		"empty":          `{}`,
		"version 1":      `{"v":1,"started":"2026-11-26T12:00:00Z","tasks":[],"progress":{"map":{"page":3,"seen":4,"finished":true}}}`,
		"no version":     `{"started":"2026-11-26T12:00:00Z","progress":{"map":{"page":1,"seen":2}},"pending":"x"}`,
		"spaces":         `{ "v" : 2 , "progress" : { "map" : { "seen" : 2 } } , "tasks" : [ ] }`,
		"active as time": `{"v":2,"active":"2026-11-26T12:00:00Z","progress":{}}`,
	}
	for name, rec := range records {
		want, err := decodeState([]byte(rec))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := decodeProgress([]byte(rec))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		w := progressView{want.Version, want.Started, want.Lesson, want.Active, want.Progress}
		g := progressView{got.Version, got.Started, got.Lesson, got.Active, got.Progress}
		if !reflect.DeepEqual(w, g) {
			t.Errorf("%s:\n got %+v\nwant %+v", name, g, w)
		}
	}
	for _, bad := range []string{`[1]`, `{"v":2,"progress":`, `not json`} {
		if _, err := decodeProgress([]byte(bad)); err == nil {
			t.Errorf("%q decoded", bad)
		}
	}
}

// FuzzDecodeProgress: decodeProgress never panics, and on any record the
// tutor writes (a decoded record written again) it reads the same
// progress as the whole record's decode.
func FuzzDecodeProgress(f *testing.F) {
	f.Add(`{"v":2,"started":"2026-11-26T12:00:00Z","lesson":"map","progress":{"map":{"page":1,"seen":2}},"pending":"x","tasks":[{"id":1,"text":"` + strings.Repeat("t", 600) + `"}]}`)
	f.Add(`{"v":1,"progress":{"tasks":{"seen":1}},"tasks":[]}`)
	f.Add(`{"progress":{"a,\"pending\"":{"seen":3}},"last_prompt":"` + strings.Repeat("p", 600) + `"}`)
	f.Fuzz(func(t *testing.T, rec string) {
		decodeProgress([]byte(rec))
		st, err := decodeState([]byte(rec))
		if err != nil {
			return
		}
		again, err := json.Marshal(st)
		if err != nil {
			return
		}
		got, err := decodeProgress(again)
		if err != nil {
			t.Fatalf("%s: %v", again, err)
		}
		want, _ := decodeState(again)
		w := progressView{want.Version, want.Started, want.Lesson, want.Active, want.Progress}
		g := progressView{got.Version, got.Started, got.Lesson, got.Active, got.Progress}
		if !reflect.DeepEqual(w, g) {
			t.Fatalf("%s:\n got %+v\nwant %+v", again, g, w)
		}
	})
}
