package telegram

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"tutorbot/bot"
	"tutorbot/bot/telegram/telegramtest"
	"tutorbot/lessons"
	"tutorbot/remind"
	"tutorbot/render"
	"tutorbot/storage"
)

// TestAnnounceThroughTelegram runs at the full size, 2,000
// learners under a 30/s global limit (about 90 s, most of it waiting for
// the limit); with -short, at 200 learners and 100/s.
var (
	announceN    = flag.Int("announce.n", 2000, "learners in TestAnnounceThroughTelegram (200 with -short)")
	announceRate = flag.Int("announce.rate", 30, "global rate (and the fake's 429 limit) in TestAnnounceThroughTelegram (100 with -short)")
	benchRate    = flag.Int("announce.benchrate", 100, "global rate (and the fake's 429 limit) in BenchmarkAnnounceDispatch")
)

const adminID = 999999

// announceRig is an engine with admin adminID and n learners (chats 1..n)
// on the fake Telegram server, whose global limit is rate per second, as
// is the adapter's.
type announceRig struct {
	srv  *telegramtest.Server
	tg   *Bot
	e    *bot.Engine
	svc  *remind.Service
	skew atomic.Int64
}

func newAnnounceRig(tb testing.TB, n, rate int) *announceRig {
	tb.Helper()
	r := &announceRig{srv: telegramtest.NewServer(tb, telegramtest.WithGlobalLimit(rate))}
	db, err := storage.Open(filepath.Join(tb.TempDir(), "tutor.db"), storage.Options{NoSync: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	course, _ := lessons.Default()
	// Noon UTC: outside everyone's default quiet hours (22–8 UTC).
	noon := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	r.skew.Store(int64(noon.Sub(time.Now())))
	now := func() time.Time { return time.Now().Add(time.Duration(r.skew.Load())) }
	r.svc = &remind.Service{DB: db, Now: now}
	e, err := bot.NewEngine(bot.Config{DB: db, Course: course, Reminders: r.svc, Now: now, Log: discard, Admins: map[string]bool{fmt.Sprintf("telegram:%d", adminID): true}})
	if err != nil {
		tb.Fatal(err)
	}
	r.e = e
	cfg := fastConfig(r.srv, e)
	cfg.Reach, cfg.GlobalRate, cfg.PerChatRate, cfg.PerChatBurst = e, float64(rate), 1, 3
	r.tg, _ = start(tb, cfg)
	e.SetMessenger(r.tg)
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		e.Close(ctx)
	})
	ctx := context.Background()
	for u := 1; u <= n; u++ {
		id := fmt.Sprint(u)
		if _, err := e.Handle(ctx, bot.Event{Platform: "telegram", UserID: id, ChatID: id, Text: "/start", Format: render.TelegramHTML, Direct: true}); err != nil {
			tb.Fatal(err)
		}
	}
	return r
}

// admin handles text or a button press of the admin and returns the
// replies.
func (r *announceRig) admin(tb testing.TB, text, payload string) []bot.Reply {
	tb.Helper()
	id := fmt.Sprint(adminID)
	rs, err := r.e.Handle(context.Background(), bot.Event{Platform: "telegram", UserID: id, ChatID: id, Text: text, Payload: payload, Format: render.TelegramHTML, Direct: true})
	if err != nil {
		tb.Fatal(err)
	}
	return rs
}

// announce previews text for everyone and confirms it; it returns the
// announcement's id.
func (r *announceRig) announce(tb testing.TB, text string) uint64 {
	tb.Helper()
	preview := r.admin(tb, "/announce "+text, "")
	for _, rep := range preview {
		for _, row := range rep.Buttons {
			for _, b := range row {
				if strings.HasSuffix(b.Payload, ":s") {
					r.admin(tb, "", b.Payload)
					st, _ := r.e.AnnouncementStatus(0)
					return st.ID
				}
			}
		}
	}
	tb.Fatalf("no Send button in the preview %+v", preview)
	return 0
}

// got counts the messages chat received that contain s.
func (r *announceRig) got(chat int64, s string) int {
	n := 0
	for _, m := range r.srv.Sent(chat) {
		if m.Method == "sendMessage" && strings.Contains(m.Text, s) {
			n++
		}
	}
	return n
}

// TestAnnounceThroughTelegram: an announcement to every learner through
// the fake Bot API with a global limit: every reachable learner gets it
// once, blocked ones (403) are marked and skipped, learners in quiet
// hours get it when their quiet hours end, learners talking to the tutor
// meanwhile get their replies with p99 under 1 s, and no 429 is earned.
func TestAnnounceThroughTelegram(t *testing.T) {
	n, rate := *announceN, *announceRate
	if testing.Short() && !flagSet("announce.n") && !flagSet("announce.rate") {
		n, rate = 200, 100
	}
	r := newAnnounceRig(t, n, rate)
	var blocked, quiet []int64
	for u := int64(1); u <= int64(n); u++ {
		switch {
		case u%25 == 0:
			blocked = append(blocked, u)
			r.srv.Block(u)
		case u%40 == 7:
			// 21:00 in Tokyo: quiet until 08:00 there (23:00 UTC).
			key := fmt.Sprintf("telegram:%d", u)
			if _, err := r.svc.SetTimezone(context.Background(), key, "Asia/Tokyo"); err != nil {
				t.Fatal(err)
			}
			if _, err := r.svc.SetQuietHours(context.Background(), key, 20, 8); err != nil {
				t.Fatal(err)
			}
			quiet = append(quiet, u)
		}
	}
	const text = "Live session on Friday at 18:00"
	start := time.Now()
	id := r.announce(t, text)

	// Ten learners talk to the tutor meanwhile, one message every 1.5 s
	// each (within Telegram's per-chat limit), and time their replies.
	var lat []time.Duration
	var mu sync.Mutex
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := range 10 {
		chat := int64(1 + i*3)
		if chat%25 == 0 || chat%40 == 7 {
			chat++
		}
		wg.Go(func() {
			for k := 0; ; k++ {
				select {
				case <-stop:
					return
				default:
				}
				before := len(r.srv.Sent(chat))
				t0 := time.Now()
				r.srv.PushMessage(chat, chat, []string{"/progress", "/help", "/course"}[k%3])
				if r.srv.WaitFor(chat, 10*time.Second, func(m []telegramtest.Message) bool {
					for _, x := range m[before:] {
						if !strings.Contains(x.Text, text) {
							return true
						}
					}
					return false
				}) {
					mu.Lock()
					lat = append(lat, time.Since(t0))
					mu.Unlock()
				}
				select {
				case <-stop:
					return
				case <-time.After(1500 * time.Millisecond):
				}
			}
		})
	}
	reachable := int64(n - len(blocked) - len(quiet) + 1) // and the admin
	eventually(t, time.Duration(n/rate+30)*time.Second, func() bool {
		st, _ := r.e.AnnouncementStatus(id)
		return int64(st.Counts["sent"]) == reachable && st.Counts["unreachable"] == len(blocked) && st.Counts["held"] == len(quiet)
	}, "the announcement to reach every reachable learner")
	elapsed := time.Since(start)
	close(stop)
	wg.Wait()

	if l := r.srv.Limited(); l > 0 || r.tg.Stats().RateLimited > 0 {
		t.Errorf("%d 429 answers", l)
	}
	pace := float64(reachable) / elapsed.Seconds()
	t.Logf("%d learners: %d sent in %v (%.1f/s of %d/s configured), %d blocked, %d held", n, reachable, elapsed.Round(time.Millisecond), pace, rate, len(blocked), len(quiet))
	mu.Lock()
	slices.Sort(lat)
	if len(lat) < 10 {
		t.Fatalf("only %d replies timed", len(lat))
	}
	p99 := lat[(len(lat)*99+99)/100-1]
	t.Logf("replies to talking learners: %d, median %v, p99 %v, max %v", len(lat), lat[len(lat)/2], p99, lat[len(lat)-1])
	if p99 >= time.Second {
		t.Errorf("p99 of replies to talking learners = %v, want under 1 s", p99)
	}
	mu.Unlock()
	for u := int64(1); u <= int64(n); u++ {
		want := 1
		if slices.Contains(blocked, u) || slices.Contains(quiet, u) {
			want = 0
		}
		if got := r.got(u, text); got != want {
			t.Errorf("learner %d got the announcement %d times, want %d", u, got, want)
		}
	}
	for _, u := range blocked {
		if st, _ := r.e.AnnouncementStatus(id); st.Counts["unreachable"] != len(blocked) {
			t.Fatalf("blocked learner %d not marked: %v", u, st.Counts)
		}
	}
	// Their morning comes: 11 hours later it is 08:00 in Tokyo.
	r.skew.Add(int64(11 * time.Hour))
	eventually(t, 10*time.Second, func() bool {
		st, _ := r.e.AnnouncementStatus(id)
		return st.Status == "done"
	}, "the held learners to get it")
	for _, u := range quiet {
		if got := r.got(u, text); got != 1 {
			t.Errorf("learner %d in quiet hours got it %d times after them, want 1", u, got)
		}
	}
	if l := r.srv.Limited(); l > 0 {
		t.Errorf("%d 429 answers", l)
	}
}

// BenchmarkAnnounceDispatch measures how close announcement dispatch
// comes to the configured global rate (-announce.benchrate, 100/s by
// default; the fake's limit too) over 2,000 learners: pct-of-rate is the
// pace from the first message to the last against that rate; 429s must
// be 0.
func BenchmarkAnnounceDispatch(b *testing.B) {
	n, rate := 2000, float64(*benchRate)
	for b.Loop() {
		b.StopTimer()
		r := newAnnounceRig(b, n, int(rate))
		b.StartTimer()
		start := time.Now()
		id := r.announce(b, "Lesson 2 is open")
		eventually(b, time.Duration(float64(n)/rate+60)*time.Second, func() bool {
			st, _ := r.e.AnnouncementStatus(id)
			return st.Status == "done"
		}, "the announcement to finish")
		el := time.Since(start)
		b.ReportMetric(float64(n+1)/el.Seconds(), "msgs/s")
		// The pace of dispatch: from the first message to the last.
		var first, last time.Time
		sends := 0
		for _, c := range r.srv.Calls() {
			if c.Method == "sendMessage" && c.Status == 200 && c.At.After(start) {
				if first.IsZero() {
					first = c.At
				}
				last = c.At
				sends++
			}
		}
		pace := float64(sends-1) / last.Sub(first).Seconds()
		b.ReportMetric(100*pace/rate, "pct-of-rate")
		b.ReportMetric(float64(r.srv.Limited()), "429s")
		b.Logf("%d learners at %.0f/s: %.1f msgs/s overall, dispatch at %.1f%% of the rate, %d 429s", n, rate, float64(n+1)/el.Seconds(), 100*pace/rate, r.srv.Limited())
		if r.srv.Limited() > 0 {
			b.Errorf("%d 429 answers", r.srv.Limited())
		}
	}
}

// flagSet reports whether the test flag name was given on the command line.
func flagSet(name string) bool {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
