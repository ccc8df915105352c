package loadtest

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"tutorbot/bot"
	"tutorbot/bot/telegram/telegramtest"
	"tutorbot/lessons"
	"tutorbot/remind"
	"tutorbot/storage"
)

var (
	crashRuns     = flag.Int("crash.runs", 2, "SIGKILL runs of TestCrash (the full run is 20)")
	crashLearners = flag.Int("crash.learners", 60, "learners under load in each crash run")
	crashSeed     = flag.Int64("crash.seed", 0, "seed of the kill moments (0: from the clock; logged)")
	crashThink    = flag.Duration("crash.think", 300*time.Millisecond, "mean pause of a learner before each action in TestCrash")
)

// crashWait bounds the wait for one reply before a learner tries again.
const crashWait = 5 * time.Second

// buildTutor builds cmd/tutorbot into a temporary directory.
func buildTutor(t *testing.T) string {
	t.Helper()
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goTool); err != nil {
		if goTool, err = exec.LookPath("go"); err != nil {
			t.Fatalf("find the go tool to build the tutor: %v", err)
		}
	}
	bin := filepath.Join(t.TempDir(), "tutorbot")
	cmd := exec.Command(goTool, "build", "-o", bin, "tutorbot/cmd/tutorbot")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build the tutor: %v\n%s", err, out)
	}
	return bin
}

// tutorProc is the tutor running as a separate process.
type tutorProc struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// startTutor starts the tutor binary with env, its output appended to
// logPath. It is killed and waited for when the test ends.
func startTutor(t *testing.T, bin string, env []string, logPath string) *tutorProc {
	t.Helper()
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatalf("open tutor log: %v", err)
	}
	cmd := exec.Command(bin, "run")
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		f.Close()
		t.Fatalf("start the tutor: %v", err)
	}
	p := &tutorProc{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	t.Cleanup(p.kill)
	return p
}

// kill sends SIGKILL (unless the process has ended) and waits for the end.
func (p *tutorProc) kill() {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Kill()
	<-p.done
}

// stop asks the tutor to shut down (SIGTERM) and waits; after timeout it
// kills it and says so.
func (p *tutorProc) stop(timeout time.Duration) error {
	select {
	case <-p.done:
		return fmt.Errorf("the tutor had already stopped: %v", p.err)
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		if p.err != nil {
			return fmt.Errorf("the tutor stopped with %v", p.err)
		}
		return nil
	case <-time.After(timeout):
		p.kill()
		return fmt.Errorf("the tutor did not stop within %v of SIGTERM", timeout)
	}
}

// alive reports whether the process still runs.
func (p *tutorProc) alive() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// crashResult counts one crash run.
type crashResult struct {
	killAt       time.Duration
	acknowledged int // replies checked at the kill and at the end
	violations   []string
	reminders    int // reminder messages received
	duplicated   int // learners who got a reminder twice
	missing      int // learners who got no reminder
	retries      int
	unfinished   int
	unsent       int // replies committed but not yet sent at the kill
	duplicates   int // messages seen twice in a row
	resent       int // of those, copies no learner's retry explains
}

// TestCrash runs the tutor binary as a separate process under load,
// SIGKILLs it at a random moment, checks the database as the crash left it,
// restarts the tutor on the same file, lets the load finish and checks
// again: every reply a learner received is reflected in their stored state,
// no record is corrupted, the file opens, every learner got their due
// reminder once or, after a crash between sending and committing it,
// twice.
func TestCrash(t *testing.T) {
	bin := buildTutor(t)
	seed := *crashSeed
	if seed == 0 {
		seed = time.Now().UnixNano()
	}
	t.Logf("seed %d (repeat with -crash.seed=%d); %d runs of %d learners", seed, seed, *crashRuns, *crashLearners)
	results := make([]crashResult, *crashRuns)
	t.Run("runs", func(t *testing.T) {
		for run := range *crashRuns {
			t.Run(fmt.Sprintf("run%02d", run+1), func(t *testing.T) {
				t.Parallel()
				results[run] = crashRun(t, bin, seed+int64(run), *crashLearners)
			})
		}
	})
	var total crashResult
	for i, r := range results {
		t.Logf("run %02d: killed at %v; %d acknowledged replies checked, %d violations; %d reminders sent, %d learners got one twice, %d none; %d retries, %d learners unfinished",
			i+1, r.killAt.Round(time.Millisecond), r.acknowledged, len(r.violations), r.reminders, r.duplicated, r.missing, r.retries, r.unfinished)
		total.acknowledged += r.acknowledged
		total.violations = append(total.violations, r.violations...)
		total.reminders += r.reminders
		total.duplicated += r.duplicated
		total.missing += r.missing
		total.duplicates += r.duplicates
		total.resent += r.resent
		total.unsent += r.unsent
	}
	t.Logf("all %d runs: %d acknowledged replies checked, %d violations, %d replies unsent at the kills, %d messages seen twice (%d resent); %d reminders sent, %d duplicated, %d lost",
		len(results), total.acknowledged, len(total.violations), total.unsent, total.duplicates, total.resent, total.reminders, total.duplicated, total.missing)
}

// seedLearners stores a started learner and a reminder that is already due
// for each id, as a tutor that was down for a while would find them.
func seedLearners(ctx context.Context, path string, ids []int64) error {
	db, err := storage.Open(path, storage.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	now := time.Now()
	// A daily slot 90 minutes ago: due at once, and next due tomorrow.
	slot := now.Add(-90 * time.Minute).UTC()
	spec := fmt.Sprintf("%d %d * * *", slot.Minute(), slot.Hour())
	svc := &remind.Service{DB: db, Now: func() time.Time { return now.Add(-2 * time.Hour) }}
	st, err := json.Marshal(bot.State{Version: 1, Started: now.Add(-3 * time.Hour).UTC()})
	if err != nil {
		return err
	}
	if err := db.Update(ctx, func(tx *storage.Tx) error {
		for _, id := range ids {
			if err := tx.PutLearner(Key(id), st); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return fmt.Errorf("seed learners: %w", err)
	}
	for _, id := range ids {
		uid := strconv.FormatInt(id, 10)
		next, err := svc.Set(ctx, Key(id), remind.Settings{Spec: spec, Kind: remind.Cron, QuietOff: true, Platform: "telegram", UserID: uid, ChatID: uid})
		if err != nil {
			return fmt.Errorf("seed reminder: %w", err)
		}
		if !next.Before(now) {
			return fmt.Errorf("seeded reminder is due at %v, not in the past", next)
		}
	}
	return nil
}

// checkDB opens the database file as a restarted tutor would, and checks
// every learner's stored state against the messages each received.
func checkDB(path string, srv *telegramtest.Server, ids []int64, lesson *lessons.Lesson) (acknowledged int, violations []string, err error) {
	db, err := storage.Open(path, storage.Options{LockTimeout: 5 * time.Second})
	if err != nil {
		return 0, nil, fmt.Errorf("open the database: %w", err)
	}
	defer db.Close()
	if err := db.Check(0); err != nil {
		return 0, nil, fmt.Errorf("bbolt consistency check: %w", err)
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = Key(id)
	}
	stored, err := ReadStored(db, keys)
	if err != nil {
		return 0, nil, err
	}
	for i, id := range ids {
		c := ReadClaims(srv.Sent(id))
		acknowledged += c.Acknowledged
		s := stored[keys[i]]
		if s.State == nil && len(s.Problems) == 0 {
			violations = append(violations, fmt.Sprintf("learner %d: record missing", id))
		}
		for _, p := range append(CheckInvariants(s, lesson), CheckReflected(c, s, lesson)...) {
			violations = append(violations, fmt.Sprintf("learner %d: %s", id, p))
		}
	}
	return acknowledged, violations, nil
}

// crashRun is one run: seed, start, load, kill, check, restart, finish,
// check.
func crashRun(t *testing.T, bin string, seed int64, n int) crashResult {
	var res crashResult
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	course, err := lessons.Default()
	if err != nil {
		t.Fatalf("load course: %v", err)
	}
	lesson := course.First()
	srv := telegramtest.NewServer(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "tutor.db")
	logPath := filepath.Join(dir, "tutor.log")
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = 500_000 + int64(i)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := seedLearners(ctx, path, ids); err != nil {
		t.Fatal(err)
	}
	env := []string{
		"TELEGRAM_TOKEN=" + srv.Token(), "TELEGRAM_API_URL=" + srv.URL(), "TUTORBOT_DB=" + path,
		"TELEGRAM_GLOBAL_RATE=1000", "TELEGRAM_CHAT_RATE=50", "TELEGRAM_WORKERS=64", "SHUTDOWN_TIMEOUT=5s", "HOME=" + dir, "PATH=" + os.Getenv("PATH"),
	}
	defer func() {
		if t.Failed() {
			if b, err := os.ReadFile(logPath); err == nil {
				lines := strings.Split(strings.TrimSpace(string(b)), "\n")
				t.Logf("last lines of the tutor's log:\n%s", strings.Join(lines[max(0, len(lines)-20):], "\n"))
			}
		}
	}()

	// The journey takes about (updates × think) plus the per-chat rate;
	// the kill falls anywhere in it. A third of the runs instead kill
	// while the due reminders go out at start-up: right after the k-th
	// reminder reached the fake server, k random.
	span := time.Duration(JourneyUpdates(lesson)) * *crashThink
	res.killAt = 200*time.Millisecond + time.Duration(rng.Int64N(int64(span)))
	killAfterReminders := 0
	if rng.IntN(3) == 0 {
		killAfterReminders = 1 + rng.IntN(n)
		t.Logf("seed %d: %d learners, SIGKILL right after reminder %d of %d", seed, n, killAfterReminders, n)
	} else {
		t.Logf("seed %d: %d learners, SIGKILL after %v", seed, n, res.killAt.Round(time.Millisecond))
	}

	proc := startTutor(t, bin, env, logPath)
	learners := make([]*learner, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, id := range ids {
		l := newLearner(srv, id, lesson, uint64(seed))
		l.think, l.wait, l.retry, l.maxFails = *crashThink, crashWait, true, 12
		l.reminderWait = 30 * time.Second
		learners[i] = l
		wg.Go(func() { errs[i] = l.journey(ctx) })
	}

	start := time.Now()
	if killAfterReminders > 0 {
		reminders := func() int {
			k := 0
			for _, id := range ids {
				for _, m := range srv.Messages(id) {
					if strings.Contains(m.Text, ReminderMark) {
						k++
					}
				}
			}
			return k
		}
		for reminders() < killAfterReminders && ctx.Err() == nil && time.Since(start) < 30*time.Second {
			time.Sleep(time.Millisecond)
		}
	} else {
		select {
		case <-time.After(res.killAt):
		case <-ctx.Done():
		}
	}
	res.killAt = time.Since(start)
	if !proc.alive() {
		t.Fatalf("the tutor ended before the kill: %v", proc.err)
	}
	proc.kill()
	// Requests the process sent before it died may still be in the fake
	// server's hands: let them land, then everything received counts.
	time.Sleep(200 * time.Millisecond)
	ack, viol, err := checkDB(path, srv, ids, lesson)
	if err != nil {
		t.Errorf("after SIGKILL: %v", err)
	}
	res.acknowledged += ack
	for _, v := range viol {
		res.violations = append(res.violations, "after SIGKILL: "+v)
	}
	if res.unsent, err = outboxLeft(path); err != nil {
		t.Errorf("after SIGKILL: %v", err)
	}
	proc = startTutor(t, bin, env, logPath)

	wg.Wait()
	for i, err := range errs {
		res.retries += learners[i].retries
		if err != nil {
			res.unfinished++
			t.Errorf("%v; the learner's last messages:%s", err, learners[i].transcript(25))
		}
	}
	if err := proc.stop(10 * time.Second); err != nil {
		t.Errorf("stop: %v", err)
	}
	ack, viol, err = checkDB(path, srv, ids, lesson)
	if err != nil {
		t.Errorf("at the end: %v", err)
	}
	// The other direction: every reply committed (before the kill too)
	// was delivered, so the outbox is empty after a graceful stop.
	if left, err := outboxLeft(path); err != nil || left > 0 {
		res.violations = append(res.violations, fmt.Sprintf("at the end: %d committed replies never delivered (%v)", left, err))
	}
	res.acknowledged += ack
	for _, v := range viol {
		res.violations = append(res.violations, "at the end: "+v)
	}
	stored, err := storedLearners(path, ids)
	if err != nil {
		t.Errorf("at the end: %v", err)
	}
	for i, id := range ids {
		c := ReadClaims(srv.Sent(id))
		// The other direction, reply by reply: whatever the stored state
		// says the learner was told, the learner was shown.
		if s := stored[Key(id)]; s != nil {
			for _, p := range CheckSeen(c, s, lesson) {
				res.violations = append(res.violations, fmt.Sprintf("at the end: learner %d: %s", id, p))
			}
		}
		res.duplicates += c.Duplicates
		// A message seen twice is either the outbox sending it again
		// after the kill (at most one per learner), or the answer to a
		// step the learner repeated because the first answer was late:
		// a retry pushed before the second copy arrived explains one.
		unexplained := resent(c.DuplicateAt, learners[i].retriedAt, crashWait)
		res.resent += unexplained
		if unexplained > 1 {
			t.Errorf("learner %d got %d messages twice that no retry explains (%d twice in all): %.80q", id, unexplained, c.Duplicates, c.DuplicateTexts)
		}
		res.reminders += c.Reminders
		switch {
		case c.Reminders == 0:
			res.missing++
			t.Errorf("learner %d got no reminder", id)
		case c.Reminders == 2:
			res.duplicated++
		case c.Reminders > 2:
			res.duplicated++
			t.Errorf("learner %d got %d reminders", id, c.Reminders)
		}
	}
	for i, v := range res.violations {
		if i == 20 {
			t.Errorf("… %d more violations", len(res.violations)-20)
			break
		}
		t.Error(v)
	}
	t.Logf("%d acknowledged replies checked, %d violations; %d replies unsent at the kill, all delivered after the restart, %d seen twice (%d resent, the rest answers to retries); %d reminders, %d duplicated, %d missing; %d retries",
		res.acknowledged, len(res.violations), res.unsent, res.duplicates, res.resent, res.reminders, res.duplicated, res.missing, res.retries)
	return res
}

// resent counts the pairs of copies (times the first and second copy
// arrived) that no retry explains: a retry pushed before the second copy
// arrived, and at most wait before the first (the learner retries when
// no answer came within wait), explains one pair.
func resent(pairs [][2]time.Time, retries []time.Time, wait time.Duration) int {
	used := make([]bool, len(retries))
	n := 0
	for _, p := range pairs {
		explained := false
		for j, r := range retries {
			if !used[j] && r.Before(p[1]) && r.After(p[0].Add(-wait)) {
				used[j], explained = true, true
				break
			}
		}
		if !explained {
			n++
		}
	}
	return n
}

// storedLearners reads the learners' records from the database at path
// (no process may hold it).
func storedLearners(path string, ids []int64) (map[string]*Stored, error) {
	db, err := storage.Open(path, storage.Options{ReadOnly: true, LockTimeout: 5 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("open the database: %w", err)
	}
	defer db.Close()
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = Key(id)
	}
	return ReadStored(db, keys)
}

// outboxLeft counts the replies committed but not delivered in the
// database at path (no process may hold it).
func outboxLeft(path string) (int, error) {
	db, err := storage.Open(path, storage.Options{ReadOnly: true, LockTimeout: 5 * time.Second})
	if err != nil {
		return 0, fmt.Errorf("open the database: %w", err)
	}
	defer db.Close()
	n := 0
	err = db.View(func(tx *storage.Tx) error { n = tx.CountOutbox(); return nil })
	return n, err
}
