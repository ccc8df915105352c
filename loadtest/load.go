package loadtest

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"tutorbot/bot"
	"tutorbot/bot/telegram"
	"tutorbot/bot/telegram/telegramtest"
	"tutorbot/lessons"
	"tutorbot/remind"
	"tutorbot/storage"
)

// DefaultLearners is how many learners RunLoad simulates by default.
const DefaultLearners = 1000

// LoadConfig configures RunLoad. The zero value runs 1,000 learners
// through the tutor as fast as they can.
type LoadConfig struct {
	// Learners is the number of simulated learners (default 1,000).
	Learners int
	// Echo runs the echo bot (EchoBot) instead of the tutor: the baseline.
	// Its learners send the tutor journey's mix of updates (JourneyShape):
	// a chat message where the tutor's learners type, a press of the button
	// under the latest echo where they press one. The echo bot answers each
	// press (answerCallbackQuery) and sends one message: what any bot must
	// do for these updates, without the tutor's work.
	Echo bool
	// TextOnly, with Echo, makes every update a chat message: one Bot API
	// call per update, the lightest load the fake server and adapter carry.
	TextOnly bool
	// Think is each learner's mean pause before an action (0: none, so the
	// tutor is saturated and the figures measure its capacity).
	Think time.Duration
	// Workers bounds the chats the adapter handles at once (default 64).
	Workers int
	// Wait bounds the wait for one reply (default 30 s).
	Wait time.Duration
	// Seed picks the learners' quiz answers (default 1).
	Seed uint64
	// FirstID is the first learner's Telegram user and chat id (default
	// 100000); learner i has FirstID+i.
	FirstID int64
	// Log receives the adapter's and engine's log lines (default:
	// discarded).
	Log *slog.Logger
}

// Report is the outcome of a load run.
type Report struct {
	// Name says what ran ("tutor" or "echo").
	Name string
	// Learners is the number of simulated learners, Finished how many of
	// them ran their whole journey.
	Learners, Finished int
	// Updates counts the updates pushed to the fake server.
	Updates int
	// Elapsed is the wall time from the first update to the last reply.
	Elapsed time.Duration
	// UpdatesPerSec is Updates / Elapsed.
	UpdatesPerSec float64
	// P50, P99 and Max are handling latencies: from pushing an update to
	// the fake server until the reply it waited for arrived there.
	P50, P99, Max time.Duration
	// MessagesSent counts messages sent and edited by the adapter.
	MessagesSent int64
	// Errors counts learners that could not finish, adapter errors and
	// button presses left unanswered; ErrorSamples shows a few.
	Errors       int
	ErrorSamples []string
	// Checked counts learners whose stored state was checked, Mismatches
	// lists where stored state differs from the replies seen (tutor only).
	Checked    int
	Mismatches []string
}

// String formats the report on a few lines, for t.Log.
func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d learners (%d finished), %d updates in %v: %.0f updates/s; latency p50 %v, p99 %v, max %v; %d messages sent; %d errors",
		r.Name, r.Learners, r.Finished, r.Updates, r.Elapsed.Round(time.Millisecond), r.UpdatesPerSec,
		r.P50.Round(10*time.Microsecond), r.P99.Round(10*time.Microsecond), r.Max.Round(10*time.Microsecond), r.MessagesSent, r.Errors)
	if r.Name == "tutor" {
		fmt.Fprintf(&b, "; state of %d learners checked, %d mismatches", r.Checked, len(r.Mismatches))
	}
	for _, e := range r.ErrorSamples {
		fmt.Fprintf(&b, "\n  error: %s", e)
	}
	for i, m := range r.Mismatches {
		if i == 10 {
			fmt.Fprintf(&b, "\n  … %d more mismatches", len(r.Mismatches)-10)
			break
		}
		fmt.Fprintf(&b, "\n  mismatch: %s", m)
	}
	return b.String()
}

// htmlEscaper escapes text for Telegram's HTML parse mode. It is built once:
// a replacer built per message cost the baseline 6 KB of garbage a reply.
var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// EchoBot is the baseline handler: it answers every event with one new
// message echoing it, with a Next button to press, without storage or
// state. The adapter answers the press itself, as for the tutor.
type EchoBot struct{}

// Handle implements bot.Handler.
func (EchoBot) Handle(_ context.Context, ev bot.Event) ([]bot.Reply, error) {
	text := ev.Text
	if ev.Payload != "" {
		text = ev.Payload
	}
	text = htmlEscaper.Replace(text)
	return []bot.Reply{{Kind: bot.Send, Text: "Echo: " + text, Buttons: [][]bot.Button{{{Label: "Next ▶", Payload: "1:pg:1:1"}}}}}, nil
}

// percentile returns the p-th percentile (0-100) of sorted durations.
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, len(sorted)*p/100)]
}

// Key is the storage key of the Telegram learner with id.
func Key(id int64) string { return telegram.Platform + ":" + strconv.FormatInt(id, 10) }

// RunLoad runs cfg.Learners simulated learners at once through the fake
// Telegram server, the real Telegram adapter and the tutor (real engine,
// real bbolt file in tb.TempDir()), or the echo bot. After the load it
// stops the tutor, opens the database file again and checks every
// learner's stored state against the replies the learner saw. It fails tb
// only when the run cannot be set up; the report says how the run went.
func RunLoad(tb testing.TB, cfg LoadConfig) Report {
	tb.Helper()
	if cfg.Learners <= 0 {
		cfg.Learners = DefaultLearners
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 64
	}
	if cfg.Wait <= 0 {
		cfg.Wait = 30 * time.Second
	}
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	if cfg.FirstID <= 0 {
		cfg.FirstID = 100_000
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	course, err := lessons.Default()
	if err != nil {
		tb.Fatalf("load course: %v", err)
	}
	lesson := course.First()
	srv := telegramtest.NewServer(tb)
	path := filepath.Join(tb.TempDir(), "tutor.db")

	rep := Report{Name: "tutor", Learners: cfg.Learners}
	var (
		handler bot.Handler
		engine  *bot.Engine
		db      *storage.DB
	)
	switch {
	case cfg.Echo && cfg.TextOnly:
		rep.Name = "echo-text"
		handler = EchoBot{}
	case cfg.Echo:
		rep.Name = "echo"
		handler = EchoBot{}
	default:
		db, err = storage.Open(path, storage.Options{})
		if err != nil {
			tb.Fatalf("open database: %v", err)
		}
		engine, err = bot.NewEngine(bot.Config{DB: db, Course: course, Log: cfg.Log, Reminders: &remind.Service{DB: db, Log: cfg.Log}})
		if err != nil {
			db.Close()
			tb.Fatalf("new engine: %v", err)
		}
		handler = engine
	}
	ctx, cancel := context.WithCancel(context.Background())
	tcfg := telegram.Config{
		Token: srv.Token(), APIURL: srv.URL(), Handler: handler,
		Workers: cfg.Workers, PerChatRate: 1e6, PerChatBurst: 1000, GroupRate: 1e6, GlobalRate: 1e6,
		PollTimeout: 10 * time.Second, Log: cfg.Log,
	}
	if engine != nil {
		tcfg.Reach, tcfg.Commands = engine, engine.Commands()
	}
	tg, err := telegram.New(ctx, tcfg)
	if err != nil {
		cancel()
		if db != nil {
			db.Close()
		}
		tb.Fatalf("new telegram bot: %v", err)
	}
	if engine != nil {
		engine.SetMessenger(tg)
	}
	runErr := make(chan error, 1)
	go func() { runErr <- tg.Run(ctx) }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-runErr:
			if err != nil {
				rep.Errors++
				rep.ErrorSamples = append(rep.ErrorSamples, fmt.Sprintf("telegram run: %v", err))
			}
		case <-time.After(10 * time.Second):
			rep.Errors++
			rep.ErrorSamples = append(rep.ErrorSamples, "telegram run did not stop within 10 s")
		}
		if engine != nil {
			cctx, ccancel := context.WithTimeout(context.Background(), 5*time.Second)
			engine.Close(cctx)
			ccancel()
			db.Close()
		}
	}
	tb.Cleanup(stop)

	learners := make([]*learner, cfg.Learners)
	for i := range learners {
		l := newLearner(srv, cfg.FirstID+int64(i), lesson, cfg.Seed)
		l.think, l.wait = cfg.Think, cfg.Wait
		learners[i] = l
	}
	errs := make([]error, len(learners))
	var wg sync.WaitGroup
	runtime.GC() // no garbage of an earlier run is collected during this one
	begin := time.Now()
	for i, l := range learners {
		wg.Go(func() {
			if cfg.Echo {
				shape := JourneyShape(lesson)
				if cfg.TextOnly {
					shape = make([]bool, len(shape))
				}
				errs[i] = l.echoJourney(ctx, shape)
			} else {
				errs[i] = l.journey(ctx)
			}
		})
	}
	wg.Wait()
	rep.Elapsed = time.Since(begin)
	var lat []time.Duration
	for i, l := range learners {
		rep.Updates += l.pushed
		lat = append(lat, l.lat...)
		if errs[i] == nil {
			rep.Finished++
			continue
		}
		rep.Errors++
		if len(rep.ErrorSamples) < 5 {
			rep.ErrorSamples = append(rep.ErrorSamples, errs[i].Error())
		}
	}
	slices.Sort(lat)
	rep.P50, rep.P99 = percentile(lat, 50), percentile(lat, 99)
	if len(lat) > 0 {
		rep.Max = lat[len(lat)-1]
	}
	if rep.Elapsed > 0 {
		rep.UpdatesPerSec = float64(rep.Updates) / rep.Elapsed.Seconds()
	}
	// Let the last answers to button presses land before counting.
	time.Sleep(20 * time.Millisecond)
	st := tg.Stats()
	rep.MessagesSent = st.MessagesSent
	if st.Errors > 0 {
		rep.Errors += int(st.Errors)
		rep.ErrorSamples = append(rep.ErrorSamples, fmt.Sprintf("adapter counted %d errors", st.Errors))
	}
	if un := srv.Unanswered(); len(un) > 0 {
		rep.Errors += len(un)
		rep.ErrorSamples = append(rep.ErrorSamples, fmt.Sprintf("%d button presses never answered", len(un)))
	}
	stop()
	if cfg.Echo {
		return rep
	}

	// The tutor is stopped: read its file as a restarted tutor would.
	db2, err := storage.Open(path, storage.Options{ReadOnly: true})
	if err != nil {
		rep.Mismatches = append(rep.Mismatches, fmt.Sprintf("open the database after the run: %v", err))
		return rep
	}
	defer db2.Close()
	keys := make([]string, len(learners))
	for i, l := range learners {
		keys[i] = Key(l.id)
	}
	stored, err := ReadStored(db2, keys)
	if err != nil {
		rep.Mismatches = append(rep.Mismatches, err.Error())
		return rep
	}
	for i, l := range learners {
		s := stored[keys[i]]
		c := ReadClaims(srv.Sent(l.id))
		probs := CheckInvariants(s, lesson)
		probs = append(probs, CheckExact(c, s, lesson, strconv.FormatInt(l.id, 10))...)
		for _, p := range probs {
			rep.Mismatches = append(rep.Mismatches, fmt.Sprintf("learner %d: %s", l.id, p))
		}
		rep.Checked++
	}
	return rep
}
