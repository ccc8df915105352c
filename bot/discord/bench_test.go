package discord

import (
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"tutorbot/bot/discord/discordtest"
	"tutorbot/storage"
)

// callbackClock records when each interaction's callback got its answer.
type callbackClock struct {
	base http.RoundTripper
	mu   sync.Mutex
	at   map[string]time.Time
}

func (c *callbackClock) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.base.RoundTrip(req)
	if err == nil && strings.HasSuffix(req.URL.Path, "/callback") {
		parts := strings.Split(req.URL.Path, "/")
		if len(parts) >= 3 {
			c.mu.Lock()
			c.at[parts[len(parts)-3]] = time.Now()
			c.mu.Unlock()
		}
	}
	return resp, err
}

// benchClass is a class of learners, each with the lesson open in a DM,
// served by the adapter and the real engine on real bbolt.
type benchClass struct {
	b     *testing.B
	srv   *discordtest.Server
	bt    *Bot
	clock *callbackClock
	users []string
	msgs  []string

	mu  sync.Mutex
	lat []time.Duration
}

func newBenchClass(b *testing.B, learners int, opts storage.Options) *benchClass {
	e, _ := openEngine(b, opts)
	srv := discordtest.NewServer(b)
	client := srv.Client()
	clock := &callbackClock{base: client.Transport, at: map[string]time.Time{}}
	client.Transport = clock
	bt, err := New(Config{Token: srv.Token(), AppID: srv.AppID(), Handler: e, Reach: e, HTTPClient: client, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	c := &benchClass{b: b, srv: srv, bt: bt, clock: clock, users: make([]string, learners), msgs: make([]string, learners)}
	h := &harness{t: b, srv: srv, b: bt}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 50)
	for u := range learners {
		c.users[u] = strconv.Itoa(700000000 + u)
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			h.command(c.users[u], inDM(c.users[u]), "lesson", "")
			m, ok := h.lastWithButtons(c.users[u], inDM(c.users[u]))
			if !ok {
				b.Error("no lesson message")
				return
			}
			c.msgs[u] = m.ID
		})
	}
	wg.Wait()
	if b.Failed() {
		b.FailNow()
	}
	return c
}

// prepare builds learner u's next press (Next, or Back on the last page).
func (c *benchClass) prepare(u int) (id string, ic *discordgo.InteractionCreate) {
	m, _ := c.srv.Message(c.msgs[u])
	btn, ok := findButton(m, "Next")
	if !ok {
		btn, ok = findButton(m, "Back")
	}
	if !ok {
		c.b.Fatalf("learner %d: no Next or Back on %q", u, m.Content)
	}
	at := inDM(c.users[u])
	id, tok := c.srv.NewInteraction(discordtest.InteractionSpec{Kind: discordtest.KindComponent, ChannelID: at.channel, UserID: c.users[u], MessageID: c.msgs[u]})
	return id, &discordgo.InteractionCreate{Interaction: &discordgo.Interaction{
		ID: id, Token: tok, AppID: c.srv.AppID(), Type: discordgo.InteractionMessageComponent, ChannelID: at.channel,
		User:    &discordgo.User{ID: c.users[u]},
		Message: &discordgo.Message{ID: c.msgs[u], ChannelID: at.channel},
		Data:    discordgo.MessageComponentInteractionData{CustomID: btn.CustomID, ComponentType: discordgo.ButtonComponent},
	}}
}

// press delivers the interaction and records the time to its response.
func (c *benchClass) press(id string, ic *discordgo.InteractionCreate) {
	t0 := time.Now()
	c.bt.onInteraction(c.bt.s, ic)
	c.clock.mu.Lock()
	done, ok := c.clock.at[id]
	delete(c.clock.at, id)
	c.clock.mu.Unlock()
	if !ok {
		c.b.Errorf("interaction %s never answered", id)
		return
	}
	c.mu.Lock()
	c.lat = append(c.lat, done.Sub(t0))
	c.mu.Unlock()
}

func (c *benchClass) report() {
	c.b.StopTimer()
	if len(c.lat) == 0 {
		return
	}
	slices.Sort(c.lat)
	pct := func(p float64) float64 { return float64(c.lat[int(p*float64(len(c.lat)-1))].Microseconds()) / 1000 }
	c.b.ReportMetric(pct(0.50), "p50-ms")
	c.b.ReportMetric(pct(0.99), "p99-ms")
	if s := c.bt.Stats(); s.Errors != 0 || s.Deferred != 0 {
		c.b.Errorf("stats %+v", s)
	}
}

// BenchmarkInteraction: 1,000 learners read the lesson in parallel, each
// pressing Next (or Back) once every 2 s at its own phase: 500 button
// interactions per second through the adapter and the real engine with
// real bbolt. One op is one press; reported: time from the interaction's
// arrival to the answer of its callback, p50 and p99. Run with
// -benchtime 3000x (three presses per learner).
func BenchmarkInteraction(b *testing.B) {
	const (
		learners = 1000
		period   = 2 * time.Second
	)
	c := newBenchClass(b, learners, storage.Options{})
	per := (b.N + learners - 1) / learners
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for u := range min(learners, b.N) {
		wg.Go(func() {
			at := start.Add(time.Duration(u) * period / learners)
			for range per {
				id, ic := c.prepare(u)
				time.Sleep(time.Until(at))
				c.press(id, ic)
				at = at.Add(period)
			}
		})
	}
	wg.Wait()
	c.report()
}

// BenchmarkInteractionBurst: the worst case, all 1,000 learners press in
// the same instant. One op is one round of 1,000 presses.
func BenchmarkInteractionBurst(b *testing.B) {
	const learners = 1000
	c := newBenchClass(b, learners, storage.Options{})
	b.ResetTimer()
	for range b.N {
		gate := make(chan struct{})
		var wg sync.WaitGroup
		for u := range learners {
			id, ic := c.prepare(u)
			wg.Go(func() {
				<-gate
				c.press(id, ic)
			})
		}
		close(gate)
		wg.Wait()
	}
	c.report()
}
