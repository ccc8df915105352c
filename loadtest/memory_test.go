package loadtest

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"tutorbot/bot"
	"tutorbot/lessons"
	"tutorbot/remind"
	"tutorbot/render"
	"tutorbot/storage"
)

var (
	memLearners = flag.Int("memory.learners", 0, "learners stored for TestMemory (default 10,000; 2,000 under the race detector, where the figure is not checked)")
	memSample   = flag.Int("memory.sample", 1_000, "stored learners whose events TestMemory handles")
)

// memoryTarget is the resident memory allowed with 10,000 stored learners.
const memoryTarget = 100 << 20

// memChildEnv marks the process that TestMemory starts to measure in.
const memChildEnv = "LOADTEST_MEMORY_CHILD"

// memFigures are what the measuring process reports.
type memFigures struct {
	Learners   int     `json:"learners"`
	Sample     int     `json:"sample"`
	Events     int     `json:"events"`
	DBBytes    int64   `json:"db_bytes"`
	RecordSize int     `json:"record_bytes"`
	RSS        int64   `json:"rss"`
	PeakRSS    int64   `json:"peak_rss"`
	RSSAnon    int64   `json:"rss_anon"`
	RSSFile    int64   `json:"rss_file"`
	HeapInuse  int64   `json:"heap_inuse"`
	HeapSys    int64   `json:"heap_sys"`
	GoSys      int64   `json:"go_sys"`
	Seconds    float64 `json:"seconds"`
}

// procStatus reads a "kB" field of /proc/self/status in bytes.
func procStatus(field string) (int64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, fmt.Errorf("read process status: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != field {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("read %s: %w", field, err)
		}
		return kb << 10, nil
	}
	return 0, fmt.Errorf("no %s in /proc/self/status", field)
}

// TestMemory stores 10,000 learners with realistic state in a bbolt file,
// restarts the tutor on it, handles events for a sample of them and reports
// the process's resident memory and Go heap. It measures in a fresh process
// (this test binary started again), so that other tests' garbage does not
// count; the target (under 100 MB) is checked without the race detector.
func TestMemory(t *testing.T) {
	if os.Getenv(memChildEnv) != "" {
		measureMemory(t)
		return
	}
	if *memLearners <= 0 {
		*memLearners = 10_000
		if raceEnabled {
			*memLearners = 2_000
		}
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestMemory$", "-test.count=1",
		"-memory.learners="+strconv.Itoa(*memLearners), "-memory.sample="+strconv.Itoa(*memSample))
	cmd.Env = append(os.Environ(), memChildEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("measuring process: %v\n%s", err, out)
	}
	var fig memFigures
	found := false
	for _, line := range strings.Split(string(out), "\n") {
		if i := strings.Index(line, "MEMORY "); i >= 0 {
			if err := json.Unmarshal([]byte(line[i+len("MEMORY "):]), &fig); err != nil {
				t.Fatalf("read figures: %v", err)
			}
			found = true
		}
	}
	if !found {
		t.Fatalf("the measuring process reported nothing:\n%s", out)
	}
	mb := func(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/(1<<20)) }
	t.Logf("%d learners stored (%s file, %d-byte records), %d events for %d of them in %.1fs: RSS %s (peak %s; anonymous %s, file-backed %s), Go heap in use %s, heap from OS %s, Go total from OS %s (race detector: %v)",
		fig.Learners, mb(fig.DBBytes), fig.RecordSize, fig.Events, fig.Sample, fig.Seconds, mb(fig.RSS), mb(fig.PeakRSS), mb(fig.RSSAnon), mb(fig.RSSFile), mb(fig.HeapInuse), mb(fig.HeapSys), mb(fig.GoSys), raceEnabled)
	if fig.Learners != *memLearners || fig.Events < fig.Sample {
		t.Errorf("%d learners stored, %d events handled; want %d and at least %d", fig.Learners, fig.Events, *memLearners, fig.Sample)
	}
	if !raceEnabled && fig.PeakRSS > memoryTarget {
		t.Errorf("peak RSS %s, over the target of %s", mb(fig.PeakRSS), mb(memoryTarget))
	}
}

// templateJourney runs the journey for one learner straight through the
// engine, pressing the buttons it got, and adds a task to the reference set.
func templateJourney(ctx context.Context, e *bot.Engine, uid string, choice int) error {
	var buttons []bot.Button
	do := func(text, payload string) error {
		rs, err := e.Handle(ctx, bot.Event{Platform: "telegram", UserID: uid, ChatID: uid, Name: "Learner", Text: text, Payload: payload, Format: render.TelegramHTML})
		if err != nil {
			return err
		}
		for _, r := range rs {
			for _, row := range r.Buttons {
				buttons = append(buttons, row...)
			}
		}
		return nil
	}
	press := func(match func(bot.Button) bool) error {
		for i := len(buttons) - 1; i >= 0; i-- {
			if match(buttons[i]) {
				return do("", buttons[i].Payload)
			}
		}
		return fmt.Errorf("learner %s: no such button among %v", uid, buttons)
	}
	label := func(s string) func(bot.Button) bool {
		return func(b bot.Button) bool { return strings.Contains(b.Label, s) }
	}
	steps := []func() error{
		func() error { return do("/start", "") },
		func() error { return press(label("the lesson")) },
	}
	for range 8 {
		steps = append(steps, func() error { return press(label("Next")) })
	}
	steps = append(steps,
		func() error { return press(label("Take the quiz")) },
		func() error { return press(func(b bot.Button) bool { return b.Label == string(rune('A'+choice%4)) }) },
		func() error {
			return press(func(b bot.Button) bool { return b.Label == string(rune('A'+(choice/4)%4)) })
		},
		func() error { return do(PracticeText, "") },
		func() error { return do(RemindText, "") },
		func() error { return do("/timezone Europe/Berlin", "") },
		func() error {
			return do("/tasks add Write a polite reply to a customer who got the wrong size of shoes, in German", "")
		},
	)
	for _, s := range steps {
		if err := s(); err != nil {
			return err
		}
	}
	return nil
}

// measureMemory is the measuring process's work.
func measureMemory(t *testing.T) {
	begin := time.Now()
	ctx := context.Background()
	course, err := lessons.Default()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "tutor.db")
	db, err := storage.Open(path, storage.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	svc := &remind.Service{DB: db}
	e, err := bot.NewEngine(bot.Config{DB: db, Course: course, Reminders: svc})
	if err != nil {
		t.Fatal(err)
	}
	// Sixteen learners run the journey through the engine; their records
	// (and reminder settings) are the templates of the 10,000.
	const templates = 16
	var recs, rems [][]byte
	for i := range templates {
		uid := strconv.Itoa(i + 1)
		if err := templateJourney(ctx, e, uid, i); err != nil {
			t.Fatal(err)
		}
		db.View(func(tx *storage.Tx) error {
			recs = append(recs, append([]byte(nil), tx.Learner(Key(int64(i+1)))...))
			rems = append(rems, append([]byte(nil), tx.Reminder(Key(int64(i+1)))...))
			return nil
		})
	}
	var set remind.Settings
	if err := json.Unmarshal(rems[0], &set); err != nil || set.Next.IsZero() {
		t.Fatalf("template reminder %s: %v", rems[0], err)
	}
	// Store the rest as records, with reminders due at spread-out times.
	n := *memLearners
	for lo := templates; lo < n; lo += 1000 {
		err := db.Update(ctx, func(tx *storage.Tx) error {
			for i := lo; i < min(lo+1000, n); i++ {
				id := int64(i + 1)
				key := Key(id)
				if err := tx.PutLearner(key, recs[i%templates]); err != nil {
					return err
				}
				s := set
				s.UserID, s.ChatID = strconv.FormatInt(id, 10), strconv.FormatInt(id, 10)
				s.Next = set.Next.Add(time.Duration(i) * time.Second)
				s.Slot = s.Next
				b, err := json.Marshal(s)
				if err != nil {
					return err
				}
				if err := tx.PutReminder(key, b); err != nil {
					return err
				}
				if err := tx.AddDue(s.Next, key); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	e.Close(ctx)
	db.Close()

	// A tutor restarts on the file: fresh process state but the file. The
	// peak is measured from here (writing 5 to clear_refs resets it).
	runtime.GC()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		t.Logf("cannot reset the peak RSS, it includes storing the learners: %v", err)
	}
	db, err = storage.Open(path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc = &remind.Service{DB: db}
	e, err = bot.NewEngine(bot.Config{DB: db, Course: course, Reminders: svc})
	if err != nil {
		t.Fatal(err)
	}
	// Events for a sample, 16 at a time: resume the lesson, press Next,
	// look at progress, history and the reminder, read one's data.
	sample := min(*memSample, n)
	events := 0
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	errs := make(chan error, sample)
	for i := range sample {
		id := int64(1 + i*(n/sample))
		uid := strconv.FormatInt(id, 10)
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			for _, ev := range []bot.Event{
				{Text: "/lesson"}, {Payload: "1:pg:1:3"}, {Text: "/progress"}, {Text: "/history"}, {Text: "/remind"}, {Text: "/mydata"},
			} {
				ev.Platform, ev.UserID, ev.ChatID, ev.Format = "telegram", uid, uid, render.TelegramHTML
				if _, err := e.Handle(ctx, ev); err != nil {
					errs <- err
					return
				}
				mu.Lock()
				events++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	rss, err := procStatus("VmRSS")
	if err != nil {
		t.Fatal(err)
	}
	peak, err := procStatus("VmHWM")
	if err != nil {
		t.Fatal(err)
	}
	anon, err := procStatus("RssAnon")
	if err != nil {
		t.Fatal(err)
	}
	file, err := procStatus("RssFile")
	if err != nil {
		t.Fatal(err)
	}
	// Counted after measuring: the scan reads the whole file.
	stored := 0
	db.View(func(tx *storage.Tx) error {
		return tx.ForEachLearner(func(string, []byte) error { stored++; return nil })
	})
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	fig := memFigures{Learners: stored, Sample: sample, Events: events, DBBytes: fi.Size(), RecordSize: len(recs[0]),
		RSS: rss, PeakRSS: peak, RSSAnon: anon, RSSFile: file, HeapInuse: int64(ms.HeapInuse), HeapSys: int64(ms.HeapSys), GoSys: int64(ms.Sys),
		Seconds: time.Since(begin).Seconds()}
	b, _ := json.Marshal(fig)
	fmt.Printf("MEMORY %s\n", b)
}
