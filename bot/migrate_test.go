package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"tutorbot/storage"
)

// unmarshalVersion is how Migrate read a record's version before
// recordVersion: the reference it must agree with.
func unmarshalVersion(rec []byte) (int, bool) {
	var x struct {
		Version int `json:"v"`
	}
	if json.Unmarshal(rec, &x) != nil {
		return 0, false
	}
	return x.Version, true
}

func TestRecordVersion(t *testing.T) {
	current, err := json.Marshal(&State{Version: stateVersion, Lang: "ru", Lesson: "map"})
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range []string{
		string(current),
		`{"v":2}`,
		`{"v":1,"lesson":"x"}`,
		`{"v":12,"lesson":"x"}`,
		`{"v": 2, "lesson":"x"}`,
		`{"lesson":"x","v":1}`,
		`{"lesson":"x"}`,
		`{"v":1234567890123}`,
		`{"v":-1,"lesson":"x"}`,
		`{"v":2x}`,
		`{"v":`,
		`{"v":1`,
		`not json`,
		``,
	} {
		gotV, gotOK := recordVersion([]byte(rec))
		wantV, wantOK := unmarshalVersion([]byte(rec))
		if gotV != wantV || gotOK != wantOK {
			t.Errorf("recordVersion(%q) = %d, %v; json.Unmarshal says %d, %v", rec, gotV, gotOK, wantV, wantOK)
		}
	}
}

// FuzzRecordVersion: on valid JSON, recordVersion agrees with decoding
// the record, except where "v" appears more than once (the tutor never
// writes that; json.Unmarshal takes the last one). On invalid JSON they
// may differ harmlessly: Migrate's decode of such a record fails and
// leaves it as it is, either way.
func FuzzRecordVersion(f *testing.F) {
	f.Add([]byte(`{"v":2,"lesson":"x"}`))
	f.Add([]byte(`{"v":1}`))
	f.Add([]byte(`{"v":99999999}`))
	f.Fuzz(func(t *testing.T, rec []byte) {
		if !json.Valid(rec) || bytes.Count(rec, []byte(`"v"`)) > 1 {
			return
		}
		gotV, gotOK := recordVersion(rec)
		wantV, wantOK := unmarshalVersion(rec)
		if gotV != wantV || gotOK != wantOK {
			t.Fatalf("recordVersion(%q) = %d, %v; json.Unmarshal says %d, %v", rec, gotV, gotOK, wantV, wantOK)
		}
	})
}

// BenchmarkMigrateScan is the start-up scan of a file where every record
// is current, the common case: by the record's first bytes against
// decoding each record.
func BenchmarkMigrateScan(b *testing.B) {
	db, err := storage.Open(filepath.Join(b.TempDir(), "tutor.db"), storage.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	const learners = 10000
	st := &State{Version: stateVersion, Started: time.Now(), Lang: "en", Lesson: "map", Progress: map[string]*Progress{"map": {}}}
	for i := range 10 {
		st.Tasks = append(st.Tasks, Task{ID: i, Text: fmt.Sprintf("a reference task number %d with some words in it", i)})
	}
	rec, err := json.Marshal(st)
	if err != nil {
		b.Fatal(err)
	}
	if err := db.Update(context.Background(), func(tx *storage.Tx) error {
		for i := range learners {
			if err := tx.PutLearner(fmt.Sprintf("telegram:%d", i), rec); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	for _, v := range []struct {
		name    string
		version func([]byte) (int, bool)
	}{{"prefix", recordVersion}, {"unmarshal", unmarshalVersion}} {
		b.Run(v.name, func(b *testing.B) {
			b.SetBytes(int64(len(rec)) * learners)
			for b.Loop() {
				old := 0
				if err := db.View(func(tx *storage.Tx) error {
					return tx.ForEachLearner(func(_ string, rec []byte) error {
						if n, ok := v.version(rec); ok && n < stateVersion {
							old++
						}
						return nil
					})
				}); err != nil || old != 0 {
					b.Fatalf("%d old records, err %v", old, err)
				}
			}
		})
	}
}
