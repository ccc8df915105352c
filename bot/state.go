package bot

import (
	"encoding/json"
	"fmt"
	"time"

	"tutorbot/quiz"
)

// stateVersion is the version of the learner record layout.
const stateVersion = 1

// State is everything the tutor keeps about one learner, stored as JSON
// under the learner's key. /mydata shows it as it is.
type State struct {
	Version int `json:"v"`
	// Started is when the learner first wrote.
	Started time.Time `json:"started"`
	// Lesson is the id of the learner's current lesson.
	Lesson string `json:"lesson,omitempty"`
	// Progress per lesson id.
	Progress map[string]*Progress `json:"progress,omitempty"`
	// Unreachable is set when the platform refused a message to the
	// learner; nothing is sent to them until they write again.
	Unreachable bool `json:"unreachable,omitempty"`
	// Pending names what the tutor is waiting for in the learner's next
	// free text (a practice field), or is empty.
	Pending string `json:"pending,omitempty"`
}

// Progress is the learner's progress in one lesson.
type Progress struct {
	// Page is the page the learner is on (from 0).
	Page int `json:"page"`
	// Seen counts the pages reached (the highest page + 1).
	Seen int `json:"seen"`
	// Finished is set once the last page was shown.
	Finished bool `json:"finished,omitempty"`
	// Quiz is the learner's quiz record for the lesson.
	Quiz quiz.Record `json:"quiz"`
}

// decodeState reads a stored record; a missing record is a new learner.
func decodeState(b []byte) (*State, error) {
	st := &State{Version: stateVersion}
	if b == nil {
		return st, nil
	}
	if err := json.Unmarshal(b, st); err != nil {
		return nil, fmt.Errorf("decode learner record: %w", err)
	}
	return st, nil
}

// progress returns the progress record of lesson id, creating it.
func (s *State) progress(id string) *Progress {
	if s.Progress == nil {
		s.Progress = map[string]*Progress{}
	}
	p := s.Progress[id]
	if p == nil {
		p = &Progress{}
		s.Progress[id] = p
	}
	return p
}
