package bot

import (
	"sync/atomic"
	"time"
)

// Connection tracks whether an adapter's connection to its platform is up
// (the Discord gateway, Telegram's long polling), for health checks. The
// zero value is up.
type Connection struct {
	downSince atomic.Int64 // Unix nanoseconds; 0 while up
}

// Up records that the connection works.
func (c *Connection) Up() { c.downSince.Store(0) }

// Down records that the connection failed at t; an outage that already
// started keeps its start.
func (c *Connection) Down(t time.Time) { c.downSince.CompareAndSwap(0, t.UnixNano()) }

// DownSince returns when the current outage started, or the zero time
// while the connection is up.
func (c *Connection) DownSince() time.Time {
	if ns := c.downSince.Load(); ns != 0 {
		return time.Unix(0, ns)
	}
	return time.Time{}
}
