package bot

import (
	"bytes"
	"sync"
)

// stateCache hands a learner's decoded state from one turn to the next, so
// that a turn need not decode the record the previous turn just wrote.
// Decoding is most of the engine's work inside the shared write
// transaction, which runs on one goroutine for every learner.
//
// An entry is good only for the exact bytes it was encoded to: a turn
// takes it only when the stored record is byte for byte the same, so a
// write by anyone else (a reminder, a background job, a transaction rolled
// back) just makes it miss. Taking an entry removes it, and whoever put a
// state must not touch it again: a state has one owner at a time.
type stateCache struct {
	mu    sync.Mutex
	m     map[string]cachedState
	bytes int // sum of len(raw) over m
}

type cachedState struct {
	raw []byte
	st  *State
}

// Bounds of the cache: entries and record bytes. A decoded state takes a
// few times its record's size, so the cache stays within a few MB.
const (
	maxCachedStates     = 4096
	maxCachedStateBytes = 2 << 20
)

// take returns the state encoded to raw for key and removes it, or nil.
func (c *stateCache) take(key string, raw []byte) *State {
	if raw == nil {
		return nil
	}
	c.mu.Lock()
	e, ok := c.m[key]
	if ok {
		delete(c.m, key)
		c.bytes -= len(e.raw)
	}
	c.mu.Unlock()
	if !ok || !bytes.Equal(e.raw, raw) {
		return nil
	}
	return e.st
}

// put keeps st, encoded as raw, for key's next turn; raw must not change
// afterwards. When the cache is full an arbitrary entry makes room.
func (c *stateCache) put(key string, raw []byte, st *State) {
	if len(raw) > maxCachedStateBytes/64 {
		return // a rare, large record: not worth the room
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]cachedState{}
	}
	if old, ok := c.m[key]; ok {
		c.bytes -= len(old.raw)
		delete(c.m, key)
	}
	full := func() bool { return len(c.m) >= maxCachedStates || c.bytes+len(raw) > maxCachedStateBytes }
	if full() {
		for k, e := range c.m {
			delete(c.m, k)
			c.bytes -= len(e.raw)
			if !full() {
				break
			}
		}
	}
	c.m[key] = cachedState{raw: raw, st: st}
	c.bytes += len(raw)
}

// len reports the entries and record bytes held, for tests.
func (c *stateCache) len() (entries, size int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m), c.bytes
}
