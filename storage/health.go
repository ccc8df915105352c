package storage

import (
	"sync"
	"time"
)

// CommitHealth is what the commits through Update did lately, for health
// checks and metrics.
type CommitHealth struct {
	// Commits and Failures count committed and failed write transactions.
	Commits, Failures int64
	// LastFailure is when a commit last failed (zero if never), and
	// LastError what it said (disk full, I/O error).
	LastFailure time.Time
	LastError   string
	// LastSuccess is when a commit last succeeded.
	LastSuccess time.Time
}

// commitHealth records commit outcomes.
type commitHealth struct {
	mu sync.Mutex
	h  CommitHealth
}

func (c *commitHealth) record(err error) {
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		c.h.Failures++
		c.h.LastFailure, c.h.LastError = now, err.Error()
		return
	}
	c.h.Commits++
	c.h.LastSuccess = now
}

// CommitHealth returns what the commits did so far (zero when read-only).
func (db *DB) CommitHealth() CommitHealth {
	if db.c == nil {
		return CommitHealth{}
	}
	db.c.health.mu.Lock()
	defer db.c.health.mu.Unlock()
	return db.c.health.h
}
