package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"tutorbot/storage"
)

// migrateBatch is how many learner records one migration transaction
// rewrites.
const migrateBatch = 500

// Migrate rewrites every learner record of an older layout in the current
// one (see State.upgrade), in batches, and returns how many it rewrote.
// Records are also upgraded whenever they are read, so a tutor that runs
// while Migrate works stays correct; Migrate makes the file current at
// start, so tools that read it directly see one layout.
func Migrate(ctx context.Context, db *storage.DB) (int, error) {
	var old []string
	if err := db.View(func(tx *storage.Tx) error {
		return tx.ForEachLearner(func(key string, rec []byte) error {
			if v, ok := recordVersion(rec); ok && v < stateVersion {
				old = append(old, key)
			}
			return nil
		})
	}); err != nil {
		return 0, fmt.Errorf("migrate learner records: %w", err)
	}
	n := 0
	for len(old) > 0 {
		batch := old[:min(migrateBatch, len(old))]
		old = old[len(batch):]
		done := 0
		err := db.Update(ctx, func(tx *storage.Tx) error {
			done = 0
			for _, key := range batch {
				rec := tx.Learner(key)
				if rec == nil {
					continue // erased meanwhile
				}
				st, err := decodeState(rec)
				if err != nil {
					continue // left as it is; reading it reports the error
				}
				next, err := json.Marshal(st)
				if err != nil {
					return fmt.Errorf("encode learner record: %w", err)
				}
				if bytes.Equal(rec, next) {
					continue
				}
				if err := tx.PutLearner(key, next); err != nil {
					return err
				}
				done++
			}
			return nil
		})
		if err != nil {
			return n, fmt.Errorf("migrate learner records: %w", err)
		}
		n += done
	}
	return n, nil
}

// versionPrefix is how every record the tutor writes begins: State's
// first field is its layout version.
var versionPrefix = []byte(`{"v":`)

// recordVersion is the layout version of a learner record, read from its
// first bytes when it starts as the tutor writes it, so that a start does
// not decode every record of a large file; other records are decoded.
// ok is false for a record that is not JSON.
func recordVersion(rec []byte) (v int, ok bool) {
	if rest, found := bytes.CutPrefix(rec, versionPrefix); found {
		n, digits := 0, 0
		for _, c := range rest {
			if c < '0' || c > '9' || digits == 6 {
				break
			}
			n, digits = n*10+int(c-'0'), digits+1
		}
		if digits > 0 && digits < len(rest) && (rest[digits] == ',' || rest[digits] == '}') {
			return n, true
		}
	}
	var x struct {
		Version int `json:"v"`
	}
	if json.Unmarshal(rec, &x) != nil {
		return 0, false
	}
	return x.Version, true
}
