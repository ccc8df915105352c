package bot

import (
	"sync"
	"sync/atomic"

	"tutorbot/render"
)

// fitCache keeps rendered messages: most of what the tutor says (quiz
// questions, explanations, hints) is the same for every learner, and
// rendering is the engine's biggest cost after storage. It is bounded: once
// full it starts over, so texts with learners' own words (a greeting with
// their name) cannot grow it, nor keep the room from the texts common now.
type fitCache struct {
	m    sync.Map // fitKey -> []string
	size atomic.Int64
}

type fitKey struct {
	md string
	f  render.Format
}

// maxFitCache bounds the cached texts (a few MB at most).
const maxFitCache = 2048

// maxCachedText is the longest Markdown worth caching.
const maxCachedText = 4096

// fit is render.Fit with the cache in front. The returned slice is shared:
// callers must not change it.
func (c *fitCache) fit(md string, f render.Format) []string {
	if len(md) > maxCachedText {
		return render.Fit(md, f)
	}
	k := fitKey{md, f}
	if v, ok := c.m.Load(k); ok {
		return v.([]string)
	}
	parts := render.Fit(md, f)
	if c.size.Add(1) > maxFitCache {
		// Full: start over. The count is approximate under concurrent
		// use, off by at most the texts stored while this runs.
		c.m.Clear()
		c.size.Store(0)
		return parts
	}
	if _, loaded := c.m.LoadOrStore(k, parts); loaded {
		c.size.Add(-1)
	}
	return parts
}
