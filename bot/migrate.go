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
			var v struct {
				Version int `json:"v"`
			}
			if json.Unmarshal(rec, &v) == nil && v.Version < stateVersion {
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
