package telegram

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"tutorbot/bot"
	"tutorbot/bot/telegram/telegramtest"
	"tutorbot/render"
	"tutorbot/storage"
)

// echoBot is the baseline: the same adapter, polling loop and Bot API calls
// (answer the press, turn the pressed message in place to a new text with a
// Next button),
// without the tutor's work (storage, state, rendering). Each echo is
// numbered: Telegram refuses an edit that changes nothing.
type echoBot struct{ n atomic.Int64 }

func (e *echoBot) Handle(_ context.Context, ev bot.Event) ([]bot.Reply, error) {
	text := ev.Text
	if ev.Payload != "" {
		text = ev.Payload
	}
	return []bot.Reply{{
		Kind:       bot.Send,
		Text:       fmt.Sprintf("Echo %d: <code>%s</code>", e.n.Add(1), strings.ReplaceAll(text, "<", "&lt;")),
		Buttons:    [][]bot.Button{{{Label: "Next ▶", Payload: "1:pg:1:1"}}},
		Supersedes: ev.Payload != "",
	}}, nil
}

// benchLearners is how many learners press Next at once.
const benchLearners = 1000

// benchWorkers bounds the chats handled at once. The tutor's handler waits
// for bbolt's group commit (fsync): more workers share each commit.
const benchWorkers = 256

// pressesPerLearner is how many times each learner presses Next per b.N.
const pressesPerLearner = 3

var echoUpdatesPerSec float64

// BenchmarkThroughput measures updates per second and handling latency (a
// press pushed to the fake server until the answer message arrives) of the
// tutor (real engine, real bbolt with fsync) and of a bare echo bot, both
// through the real library and the same polling loop, 1,000 learners
// pressing Next at once. Rate limits are raised: at Telegram's 1 msg/s per
// chat they alone would set the pace.
func BenchmarkThroughput(b *testing.B) {
	b.Run("Echo", func(b *testing.B) {
		echoUpdatesPerSec = runThroughput(b, func(testing.TB) bot.Handler { return &echoBot{} }, "/start")
	})
	b.Run("Tutor", func(b *testing.B) {
		ups := runThroughput(b, func(tb testing.TB) bot.Handler { return newEngine(tb, storage.Options{}) }, "/start", "1:ls")
		if echoUpdatesPerSec > 0 {
			b.ReportMetric(ups/echoUpdatesPerSec, "tutor/echo")
		}
	})
	// The tutor for Russian learners (language_code "ru": the Russian
	// lesson and catalog), to compare with Tutor in the same run.
	b.Run("TutorRussian", func(b *testing.B) {
		benchLang = "ru"
		defer func() { benchLang = "" }()
		ups := runThroughput(b, func(tb testing.TB) bot.Handler { return newEngine(tb, storage.Options{}) }, "/start", "1:ls")
		if echoUpdatesPerSec > 0 {
			b.ReportMetric(ups/echoUpdatesPerSec, "tutor/echo")
		}
	})
	// The same without fsync: separates the tutor's own work from the
	// disk's commit latency, which varies most between machines.
	b.Run("TutorNoSync", func(b *testing.B) {
		ups := runThroughput(b, func(tb testing.TB) bot.Handler { return newEngine(tb, storage.Options{NoSync: true}) }, "/start", "1:ls")
		if echoUpdatesPerSec > 0 {
			b.ReportMetric(ups/echoUpdatesPerSec, "tutor/echo")
		}
	})
}

// runThroughput runs one sub-benchmark: each learner first sends setup
// (commands, or button payloads pressed on the latest message), then presses
// Next pressesPerLearner times per iteration.
// benchLang is the language_code the benchmark's learners send.
var benchLang string

func runThroughput(b *testing.B, handler func(testing.TB) bot.Handler, setup ...string) float64 {
	srv := telegramtest.NewServer(b)
	for i := range benchLearners {
		srv.SetLanguage(int64(10_000+i), benchLang)
	}
	cfg := fastConfig(srv, handler(b))
	cfg.Workers = benchWorkers
	cfg.GlobalRate = 1e6
	start(b, cfg)

	var wg sync.WaitGroup
	fail := make(chan error, benchLearners)
	for i := range benchLearners {
		chat := int64(10_000 + i)
		wg.Go(func() {
			for _, s := range setup {
				before := countShown(srv.Sent(chat))
				if strings.HasPrefix(s, "/") {
					srv.PushMessage(chat, chat, s)
				} else {
					msgs := srv.Messages(chat)
					srv.PushCallback(chat, chat, msgs[len(msgs)-1].MessageID, s)
				}
				if !srv.WaitFor(chat, 60*time.Second, func(m []telegramtest.Message) bool { return countShown(m) > before }) {
					fail <- fmt.Errorf("chat %d: no answer to %q", chat, s)
					return
				}
			}
		})
	}
	wg.Wait()
	select {
	case err := <-fail:
		b.Fatal(err)
	default:
	}

	var mu sync.Mutex
	var lat []time.Duration
	b.ResetTimer()
	cpu0 := cpuTime()
	begin := time.Now()
	for range b.N {
		for i := range benchLearners {
			chat := int64(10_000 + i)
			wg.Go(func() {
				var mine []time.Duration
				for range pressesPerLearner {
					d, err := pressNext(srv, chat)
					if err != nil {
						fail <- err
						return
					}
					mine = append(mine, d)
				}
				mu.Lock()
				lat = append(lat, mine...)
				mu.Unlock()
			})
		}
		wg.Wait()
	}
	elapsed := time.Since(begin)
	cpu := cpuTime() - cpu0
	b.StopTimer()
	select {
	case err := <-fail:
		b.Fatal(err)
	default:
	}
	polls := 0
	for _, c := range srv.Calls() {
		if c.Method == "getUpdates" {
			polls++
		}
	}
	b.Logf("%d getUpdates calls for %d updates", polls, len(lat))
	slices.Sort(lat)
	ups := float64(len(lat)) / elapsed.Seconds()
	b.ReportMetric(ups, "updates/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	if cpu > 0 {
		// CPU time of the whole process (bot, fake server and learners)
		// per update: steadier than updates/s on a shared machine.
		b.ReportMetric(float64(cpu.Microseconds())/float64(len(lat)), "cpu-µs/update")
	}
	return ups
}

// pressNext presses the Next (or, on the last page, Back) button under the
// chat's latest message and returns how long the answer took.
func pressNext(srv *telegramtest.Server, chat int64) (time.Duration, error) {
	msgs := srv.Messages(chat)
	last, _ := srv.Current(chat, msgs[len(msgs)-1].MessageID)
	before := countShown(srv.Sent(chat))
	payload := ""
	for _, row := range last.Keyboard {
		for _, btn := range row {
			if payload == "" && (strings.HasPrefix(btn.Text, "Next") || strings.Contains(btn.Text, "Back") ||
				strings.HasPrefix(btn.Text, "Дальше") || strings.Contains(btn.Text, "Назад")) {
				payload = btn.CallbackData
			}
		}
	}
	if payload == "" {
		return 0, fmt.Errorf("chat %d: no Next button under %q", chat, render.Strip(last.Text, render.TelegramHTML))
	}
	t0 := time.Now()
	srv.PushCallback(chat, chat, last.MessageID, payload)
	if !srv.WaitFor(chat, 60*time.Second, func(m []telegramtest.Message) bool { return countShown(m) > before }) {
		return 0, fmt.Errorf("chat %d: no answer to Next", chat)
	}
	return time.Since(t0), nil
}
