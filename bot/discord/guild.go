package discord

import (
	"context"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
)

// How long a server's name is trusted before it is asked again (a
// renamed server renames its cohort within this time), how long a failed
// lookup waits before the next try, and how long a lookup may take.
const (
	guildNameTTL       = time.Hour
	guildRetryAfter    = time.Minute
	guildLookupTimeout = 2 * time.Second
)

// guildNames caches the names of the servers the tutor is used in:
// interactions carry only a server's id, and its cohort is named after it.
type guildNames struct {
	mu sync.Mutex
	m  map[string]guildName
}

type guildName struct {
	name string
	next time.Time // when to ask again
}

// guildName is the name of server id, from the cache or asked from
// Discord (GET /guilds/{id}); the last known name, or "", when Discord does
// not answer.
func (b *Bot) guildName(ctx context.Context, id string) string {
	if id == "" {
		return ""
	}
	now := time.Now()
	b.guilds.mu.Lock()
	g, ok := b.guilds.m[id]
	b.guilds.mu.Unlock()
	if ok && now.Before(g.next) {
		return g.name
	}
	ctx, cancel := context.WithTimeout(ctx, guildLookupTimeout)
	defer cancel()
	g.next = now.Add(guildRetryAfter)
	if guild, err := b.s.Guild(id, discordgo.WithContext(ctx)); err != nil {
		b.log.Info("server name", "guild", id, "err", err)
	} else {
		g.name, g.next = guild.Name, now.Add(guildNameTTL)
	}
	b.guilds.mu.Lock()
	if b.guilds.m == nil {
		b.guilds.m = map[string]guildName{}
	}
	b.guilds.m[id] = g
	b.guilds.mu.Unlock()
	return g.name
}
