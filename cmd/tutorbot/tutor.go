package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"tutorbot/bot"
	"tutorbot/bot/console"
	"tutorbot/bot/discord"
	"tutorbot/bot/telegram"
	"tutorbot/llm"
	"tutorbot/ops"
	"tutorbot/redact"
	"tutorbot/remind"
	"tutorbot/storage"

	"github.com/prometheus/client_golang/prometheus"
)

// config is every setting of "tutorbot run".
type config struct {
	DB              string
	LessonsDir      string
	LogLevel        slog.Level
	LogJSON         bool
	TelegramToken   string
	TelegramAPIURL  string
	TelegramRate    float64
	DiscordBulk     float64
	TelegramChat    float64
	TelegramWorkers int
	WebhookURL      string
	WebhookListen   string
	WebhookSecret   string
	DiscordToken    string
	DiscordGuildID  string
	ShutdownTimeout time.Duration
	OutboxMaxAge    time.Duration
	LLMBaseURL      string
	LLMKey          string
	LLMModel        string
	CompareModels   []string
	LLMDailyLimit   int
	HTTPListen      string
	Admins          map[string]bool
	SkipCheck       bool
	CheckTimeout    time.Duration
	ReminderGap     time.Duration
	NudgeAfter      time.Duration
	CommitWindow    time.Duration
	DownAfter       time.Duration
}

// secret reads a secret from NAME or from the file named by NAME_FILE.
func secret(getenv func(string) string, name string) (string, error) {
	v, file := getenv(name), getenv(name+"_FILE")
	switch {
	case v != "" && file != "":
		return "", fmt.Errorf("set %s or %s_FILE, not both", name, name)
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("%s_FILE: cannot read %s", name, file)
		}
		s := strings.TrimSpace(string(b))
		if s == "" {
			return "", fmt.Errorf("%s_FILE: %s is empty", name, file)
		}
		return s, nil
	}
	return strings.TrimSpace(v), nil
}

// parseConfig reads flags, then environment variables for flags not given.
// Every problem is reported, one line each.
func parseConfig(args []string, stderr io.Writer, getenv func(string) string) (config, error) {
	var c config
	fl := flag.NewFlagSet("run", flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.StringVar(&c.DB, "db", envOr(getenv, "TUTORBOT_DB", "tutorbot.db"), "bbolt database file (env TUTORBOT_DB)")
	fl.StringVar(&c.LessonsDir, "lessons", getenv("LESSONS_DIR"), "folder of lesson files (<lang>/*.md) that replaces the built-in course; SIGHUP or an admin's /reload re-reads it (env LESSONS_DIR)")
	level := fl.String("log-level", envOr(getenv, "LOG_LEVEL", "info"), "log level: debug, info, warn, error (env LOG_LEVEL)")
	fl.BoolVar(&c.LogJSON, "log-json", getenv("LOG_FORMAT") == "json", "log as JSON (env LOG_FORMAT=json)")
	fl.StringVar(&c.TelegramAPIURL, "telegram-api-url", getenv("TELEGRAM_API_URL"), "base URL of a self-hosted Bot API server, e.g. http://localhost:8081 (env TELEGRAM_API_URL; default the official server)")
	rate := fl.String("telegram-rate", envOr(getenv, "TELEGRAM_GLOBAL_RATE", "30"), "messages per second to Telegram overall (env TELEGRAM_GLOBAL_RATE)")
	chatRate := fl.String("telegram-chat-rate", envOr(getenv, "TELEGRAM_CHAT_RATE", "1"), "messages per second to one Telegram chat (env TELEGRAM_CHAT_RATE)")
	fl.IntVar(&c.TelegramWorkers, "telegram-workers", atoiOr(getenv("TELEGRAM_WORKERS"), 16), "Telegram chats handled at once (env TELEGRAM_WORKERS)")
	fl.StringVar(&c.WebhookURL, "telegram-webhook-url", getenv("TELEGRAM_WEBHOOK_URL"), "public HTTPS URL for Telegram webhook mode instead of long polling (env TELEGRAM_WEBHOOK_URL)")
	fl.StringVar(&c.WebhookListen, "telegram-webhook-listen", envOr(getenv, "TELEGRAM_WEBHOOK_LISTEN", ":8443"), "local address of the webhook listener (env TELEGRAM_WEBHOOK_LISTEN)")
	discordBulk := fl.String("discord-bulk-rate", envOr(getenv, "DISCORD_BULK_RATE", strconv.Itoa(discord.DefaultBulkRate)), "announcements per second to Discord, out of its global 50 (env DISCORD_BULK_RATE)")
	fl.StringVar(&c.DiscordGuildID, "discord-guild-id", getenv("DISCORD_GUILD_ID"), "register Discord commands on this server only (env DISCORD_GUILD_ID; default global)")
	fl.StringVar(&c.LLMBaseURL, "openai-base-url", getenv("OPENAI_BASE_URL"), "OpenAI-compatible endpoint for practice write-ups and /compare, e.g. https://openrouter.ai/api/v1 or http://localhost:11434/v1 (env OPENAI_BASE_URL)")
	fl.StringVar(&c.LLMModel, "llm-model", getenv("TUTOR_LLM_MODEL"), "model that writes practice recommendations (env TUTOR_LLM_MODEL)")
	compare := fl.String("compare-models", getenv("COMPARE_MODELS"), "comma-separated models /compare asks (env COMPARE_MODELS; default a DeepSeek, a Qwen and a Mistral model on OpenRouter)")
	limit := fl.Int("llm-daily-limit", atoiOr(getenv("LLM_DAILY_LIMIT"), 30), "LLM calls per learner per day (env LLM_DAILY_LIMIT)")
	fl.StringVar(&c.HTTPListen, "http", getenv("HTTP_LISTEN"), "address for /healthz and /metrics, e.g. :9090 (env HTTP_LISTEN; off when empty)")
	admins := fl.String("admins", getenv("ADMIN_IDS"), "learners allowed to see /stats, as platform:id, comma-separated, e.g. telegram:12345,discord:67890 (env ADMIN_IDS)")
	fl.BoolVar(&c.SkipCheck, "skip-check", false, "skip bbolt's consistency check of the whole database at start (the quick checks against the meta pages still run)")
	fl.DurationVar(&c.CheckTimeout, "check-timeout", storage.DefaultCheckTimeout, "longest the consistency check at start may take")
	nudge := fl.String("nudge-after", getenv("NUDGE_AFTER"), "send a learner who stopped in the middle of a lesson one nudge per lesson after this long, e.g. 72h (env NUDGE_AFTER; off when empty)")
	commitWindow := fl.String("health-commit-window", envOr(getenv, "HEALTH_COMMIT_WINDOW", ops.DefaultCommitWindow.String()), "/healthz fails this long after a commit failed (env HEALTH_COMMIT_WINDOW)")
	downAfter := fl.String("health-down-after", envOr(getenv, "HEALTH_DOWN_AFTER", ops.DefaultDownAfter.String()), "/healthz fails when a platform connection is down this long (env HEALTH_DOWN_AFTER)")
	gap := fl.String("reminder-min-gap", envOr(getenv, "REMINDER_MIN_GAP", "1h"), "shortest time between two reminders to one learner, at least 1h; schedules firing more often are refused (env REMINDER_MIN_GAP)")
	outboxAge := fl.String("outbox-max-age", envOr(getenv, "OUTBOX_MAX_AGE", "24h"), "how long a reply the platform did not accept is retried before it is dropped (env OUTBOX_MAX_AGE)")
	shutdown := fl.String("shutdown-timeout", envOr(getenv, "SHUTDOWN_TIMEOUT", "10s"), "how long in-flight work may finish after SIGINT/SIGTERM (env SHUTDOWN_TIMEOUT)")
	fl.Usage = func() {
		fmt.Fprintf(stderr, "Usage: tutorbot run [flags]\n\nSecrets come from the environment only, or from a file named by NAME_FILE:\n"+
			"  TELEGRAM_TOKEN   turns Telegram on\n  DISCORD_TOKEN    turns Discord on\n  TELEGRAM_WEBHOOK_SECRET  secret token checked on webhook requests\n  OPENAI_API_KEY   key for OPENAI_BASE_URL (not needed for Ollama)\n"+
			"Without any token the terminal tutor runs.\n\nFlags:\n")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return c, errHelp
		}
		return c, usageError{}
	}
	var probs []string
	if fl.NArg() > 0 {
		probs = append(probs, fmt.Sprintf("unexpected argument %q", fl.Arg(0)))
	}
	if err := c.LogLevel.UnmarshalText([]byte(*level)); err != nil {
		probs = append(probs, fmt.Sprintf("invalid log level %q (want debug, info, warn or error)", *level))
	}
	var err error
	if c.ShutdownTimeout, err = time.ParseDuration(*shutdown); err != nil || c.ShutdownTimeout <= 0 {
		probs = append(probs, fmt.Sprintf("invalid shutdown timeout %q (want a duration like 10s)", *shutdown))
	}
	if c.OutboxMaxAge, err = time.ParseDuration(*outboxAge); err != nil || c.OutboxMaxAge < time.Minute {
		probs = append(probs, fmt.Sprintf("invalid outbox max age %q (want a duration of at least 1m, like 24h)", *outboxAge))
	}
	if *nudge != "" {
		if c.NudgeAfter, err = time.ParseDuration(*nudge); err != nil || c.NudgeAfter < time.Hour || c.NudgeAfter > 90*24*time.Hour {
			probs = append(probs, fmt.Sprintf("invalid NUDGE_AFTER %q (want a duration from 1h to 2160h, e.g. 72h)", *nudge))
		}
	}
	if c.CommitWindow, err = time.ParseDuration(*commitWindow); err != nil || c.CommitWindow <= 0 {
		probs = append(probs, fmt.Sprintf("invalid health commit window %q (want a duration like 1m)", *commitWindow))
	}
	if c.DownAfter, err = time.ParseDuration(*downAfter); err != nil || c.DownAfter <= 0 {
		probs = append(probs, fmt.Sprintf("invalid health down-after %q (want a duration like 2m)", *downAfter))
	}
	if c.ReminderGap, err = time.ParseDuration(*gap); err != nil || c.ReminderGap < remind.MinInterval || c.ReminderGap > 30*24*time.Hour {
		probs = append(probs, fmt.Sprintf("invalid reminder gap %q (want a duration from 1h to 720h)", *gap))
	}
	if _, err := fmt.Sscanf(*rate, "%g", &c.TelegramRate); err != nil || c.TelegramRate <= 0 || c.TelegramRate > 1000 {
		probs = append(probs, fmt.Sprintf("invalid Telegram rate %q (want messages per second, 0 < rate <= 1000)", *rate))
	}
	if _, err := fmt.Sscanf(*discordBulk, "%g", &c.DiscordBulk); err != nil || c.DiscordBulk <= 0 || c.DiscordBulk > 50 {
		probs = append(probs, fmt.Sprintf("invalid Discord bulk rate %q (want announcements per second, 0 < rate <= 50: Discord's global limit)", *discordBulk))
	}
	if _, err := fmt.Sscanf(*chatRate, "%g", &c.TelegramChat); err != nil || c.TelegramChat <= 0 || c.TelegramChat > 1000 {
		probs = append(probs, fmt.Sprintf("invalid Telegram chat rate %q (want messages per second, 0 < rate <= 1000)", *chatRate))
	}
	if c.TelegramWorkers < 1 || c.TelegramWorkers > 4096 {
		probs = append(probs, "TELEGRAM_WORKERS must be between 1 and 4096")
	}
	if c.TelegramToken, err = secret(getenv, "TELEGRAM_TOKEN"); err != nil {
		probs = append(probs, err.Error())
	}
	if c.DiscordToken, err = secret(getenv, "DISCORD_TOKEN"); err != nil {
		probs = append(probs, err.Error())
	}
	if c.WebhookSecret, err = secret(getenv, "TELEGRAM_WEBHOOK_SECRET"); err != nil {
		probs = append(probs, err.Error())
	}
	if c.LLMKey, err = secret(getenv, "OPENAI_API_KEY"); err != nil {
		probs = append(probs, err.Error())
	}
	if c.LLMBaseURL != "" {
		if !strings.HasPrefix(c.LLMBaseURL, "http://") && !strings.HasPrefix(c.LLMBaseURL, "https://") {
			probs = append(probs, fmt.Sprintf("OPENAI_BASE_URL %q must start with http:// or https://", c.LLMBaseURL))
		}
		if c.LLMModel == "" {
			probs = append(probs, "OPENAI_BASE_URL is set but TUTOR_LLM_MODEL is not")
		}
	} else if c.LLMModel != "" || c.LLMKey != "" || *compare != "" {
		probs = append(probs, "TUTOR_LLM_MODEL, OPENAI_API_KEY or COMPARE_MODELS is set but OPENAI_BASE_URL is not")
	}
	for _, m := range strings.Split(*compare, ",") {
		if m = strings.TrimSpace(m); m != "" {
			c.CompareModels = append(c.CompareModels, m)
		}
	}
	if *compare != "" && len(c.CompareModels) < 2 {
		probs = append(probs, "COMPARE_MODELS needs at least two models, comma-separated")
	}
	if c.LLMDailyLimit = *limit; c.LLMDailyLimit < 1 {
		probs = append(probs, "LLM_DAILY_LIMIT must be at least 1")
	}
	c.Admins = map[string]bool{}
	for _, a := range strings.Split(*admins, ",") {
		if a = strings.TrimSpace(a); a == "" {
			continue
		}
		if p, id, ok := strings.Cut(a, ":"); !ok || id == "" || (p != "telegram" && p != "discord" && p != "console") {
			probs = append(probs, fmt.Sprintf("ADMIN_IDS entry %q must look like telegram:12345 or discord:67890", a))
			continue
		}
		c.Admins[a] = true
	}
	if c.HTTPListen != "" {
		if _, _, err := net.SplitHostPort(c.HTTPListen); err != nil {
			probs = append(probs, fmt.Sprintf("HTTP_LISTEN %q is not a host:port address", c.HTTPListen))
		}
	}
	if c.TelegramToken != "" && strings.ContainsAny(c.TelegramToken, " /\n") {
		probs = append(probs, "TELEGRAM_TOKEN does not look like a bot token (it has spaces or slashes)")
	}
	if c.TelegramAPIURL != "" && !strings.HasPrefix(c.TelegramAPIURL, "http://") && !strings.HasPrefix(c.TelegramAPIURL, "https://") {
		probs = append(probs, fmt.Sprintf("TELEGRAM_API_URL %q must start with http:// or https://", c.TelegramAPIURL))
	}
	if c.WebhookURL != "" {
		if c.TelegramToken == "" {
			probs = append(probs, "TELEGRAM_WEBHOOK_URL is set but TELEGRAM_TOKEN is not")
		}
		if !strings.HasPrefix(c.WebhookURL, "https://") {
			probs = append(probs, "TELEGRAM_WEBHOOK_URL must be an https:// URL (Telegram refuses others)")
		}
		if c.WebhookSecret == "" {
			probs = append(probs, "TELEGRAM_WEBHOOK_URL needs TELEGRAM_WEBHOOK_SECRET so forged updates are refused")
		}
	}
	if c.DiscordGuildID != "" && c.DiscordToken == "" {
		probs = append(probs, "DISCORD_GUILD_ID is set but DISCORD_TOKEN is not")
	}
	if len(probs) > 0 {
		return c, usageError{msg: "tutorbot run: " + strings.Join(probs, "\ntutorbot run: ")}
	}
	return c, nil
}

func atoiOr(s string, def int) int {
	if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil {
		return n
	}
	if s != "" {
		return -1 // reported as invalid
	}
	return def
}

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

// errNoPlatform is "tutorbot run" without a platform token: in a container
// an exit 0 would be restarted forever, so it fails instead.
var errNoPlatform = errors.New("no platform configured: set TELEGRAM_TOKEN or DISCORD_TOKEN")

// runTutor runs the tutor until ctx ends or, in the terminal, the input
// ends. needPlatform ("tutorbot run") refuses to fall back to the terminal.
func runTutor(ctx context.Context, args []string, needPlatform bool, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	cfg, err := parseConfig(args, stderr, getenv)
	if err != nil {
		return err
	}
	platforms := cfg.TelegramToken != "" || cfg.DiscordToken != ""
	if needPlatform && !platforms {
		return errNoPlatform
	}
	log := newLogger(stderr, cfg.LogLevel, cfg.LogJSON || (platforms && !isTerminal(stderr)))
	// Every secret, in every form, is removed from every log line.
	log = slog.New(redact.Handler(log.Handler(), redact.New(cfg.TelegramToken, cfg.DiscordToken, cfg.LLMKey, cfg.WebhookSecret)))
	loadCourse, reloadCourse := courseLoader(cfg.LessonsDir)
	course, err := loadCourseAtStart(loadCourse, stderr)
	if err != nil {
		return err
	}
	db, err := storage.Open(cfg.DB, storage.Options{Check: !cfg.SkipCheck, CheckTimeout: cfg.CheckTimeout})
	if err != nil {
		return err
	}
	defer db.Close()
	if n, err := bot.Migrate(ctx, db); err != nil {
		return err
	} else if n > 0 {
		log.Info("learner records migrated to the current layout", "records", n)
	}
	metrics := ops.NewMetrics()
	reminders := &remind.Service{DB: db, Log: log.With("part", "reminders"), MinGap: cfg.ReminderGap}
	ecfg := bot.Config{DB: db, Course: course, LoadCourse: reloadCourse, Log: log, Reminders: reminders, NudgeAfter: cfg.NudgeAfter, Admins: cfg.Admins, CompareModels: cfg.CompareModels, LLMDailyLimit: cfg.LLMDailyLimit, OutboxMaxAge: cfg.OutboxMaxAge}
	if cfg.LLMBaseURL != "" {
		client, err := llm.New(llm.Config{BaseURL: cfg.LLMBaseURL, APIKey: cfg.LLMKey, Model: cfg.LLMModel})
		if err != nil {
			return fmt.Errorf("configure LLM: %w", err)
		}
		ecfg.LLM = metrics.Completer(client)
	}
	engine, err := bot.NewEngine(ecfg)
	if err != nil {
		return err
	}
	if getenv("TUTORBOT_TEST_HOLD_OUTBOX") == "1" {
		// Test hook of the crash tests: replies are committed to the
		// outbox but not sent, so a kill lands between commit and send.
		engine.HoldOutbox(true)
		log.Warn("outbox held: replies are stored, not sent (TUTORBOT_TEST_HOLD_OUTBOX)")
	}
	defer func() {
		// Comparisons and re-test runs in flight get the shutdown bound.
		sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
		defer cancel()
		if err := engine.Close(sctx); err != nil {
			log.Warn("background work cut short", "err", err)
		}
	}()
	reloadOnHangup(ctx, engine, log)
	dispatcher := &remind.Dispatcher{Service: reminders, Deliver: engine.DeliverReminder, DeliverCourse: engine.DeliverCourse, IsPermanent: func(err error) bool { return errors.Is(err, bot.ErrUnreachable) }}
	metrics.Count("tutorbot_reminders_due_total", "Due reminders seen by the dispatcher.", nil, func() int64 { return dispatcher.Stats().DueSeen })
	metrics.Count("tutorbot_reminders_sent_total", "Reminders delivered.", nil, func() int64 { return dispatcher.Stats().Sent })
	metrics.Count("tutorbot_course_looks_total", "Course message looks handled (lessons that opened, nudges).", nil, func() int64 { return dispatcher.Stats().CourseLooks })
	metrics.Count("tutorbot_reminders_deferred_total", "Reminders held back until the minimum gap after the learner's last one.", nil, func() int64 { return dispatcher.Stats().Deferred })
	metrics.Count("tutorbot_reminders_failed_total", "Reminder deliveries that failed and will be retried.", nil, func() int64 { return dispatcher.Stats().Failed })
	if !platforms {
		return runConsole(ctx, cfg, engine, dispatcher, stdin, stdout, getenv)
	}
	return runPlatforms(ctx, cfg, db, engine, dispatcher, metrics, log)
}

// runConsole runs the terminal tutor, with reminders printed in the terminal.
func runConsole(ctx context.Context, cfg config, engine *bot.Engine, d *remind.Dispatcher, stdin io.Reader, stdout io.Writer, getenv func(string) string) error {
	out := console.NewOutput(stdout)
	engine.SetMessenger(out)
	dctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); d.Run(dctx) }()
	err := console.Run(ctx, console.Config{Handler: engine, In: stdin, Out: out, Name: getenv("USER"), Echo: !isTerminal(stdin), Lang: console.Lang(getenv)})
	stop()
	<-done
	return err
}

// runPlatforms runs every configured platform, the reminder dispatcher and
// the HTTP endpoints until ctx ends, then gives in-flight work
// cfg.ShutdownTimeout to finish.
func runPlatforms(ctx context.Context, cfg config, db *storage.DB, engine *bot.Engine, d *remind.Dispatcher, metrics *ops.Metrics, log *slog.Logger) error {
	// Work in flight keeps its own context for the shutdown bound, so a
	// signal stops new updates without cutting a half-sent reply.
	runCtx, cancel := context.WithCancel(context.Background())
	defer cancel()
	handler := metrics.Handler(engine)
	checks := map[string]ops.Check{"database": db.Writable, "commits": ops.CommitCheck(db.CommitHealth, cfg.CommitWindow, time.Now)}
	ready := map[string]ops.Check{}
	metrics.Count("tutorbot_outbox_delivered_total", "Replies the platform accepted from the outbox.", nil, func() int64 { return engine.OutboxStats().Delivered })
	metrics.Count("tutorbot_outbox_retries_total", "Failed deliveries from the outbox that are retried.", nil, func() int64 { return engine.OutboxStats().Retried })
	metrics.Count("tutorbot_outbox_expired_total", "Replies dropped undelivered after OUTBOX_MAX_AGE.", nil, func() int64 { return engine.OutboxStats().Expired })
	metrics.Count("tutorbot_outbox_rejected_total", "Replies the platform refused for good (dropped).", nil, func() int64 { return engine.OutboxStats().Rejected })
	metrics.Count("tutorbot_outbox_cancelled_total", "Replies dropped because their chat turned unreachable or a newer edit replaced them.", nil, func() int64 { return engine.OutboxStats().Cancelled })
	metrics.Count("tutorbot_announcements_sent_total", "Announcement messages the platform accepted.", nil, func() int64 { return engine.AnnounceStats().Sent })
	metrics.Count("tutorbot_announcements_failed_total", "Announcement messages refused for good, expired, or to unreachable learners.", nil, func() int64 { return engine.AnnounceStats().Failed })
	metrics.Count("tutorbot_announcements_held_total", "Announcement messages held back until the learner's quiet hours ended.", nil, func() int64 { return engine.AnnounceStats().Held })
	metrics.Count("tutorbot_commit_failures_total", "Write transactions that failed to commit (disk full, I/O error).", nil, func() int64 { return db.CommitHealth().Failures })
	var runners []func(context.Context) error
	if cfg.TelegramToken != "" {
		tcfg := telegram.Config{Token: cfg.TelegramToken, APIURL: cfg.TelegramAPIURL, Handler: handler, Reach: engine, Commands: engine.Commands(), GlobalRate: cfg.TelegramRate, PerChatRate: cfg.TelegramChat, Workers: cfg.TelegramWorkers, Log: log}
		if cfg.WebhookURL != "" {
			tcfg.Webhook = &telegram.WebhookConfig{URL: cfg.WebhookURL, Listen: cfg.WebhookListen, SecretToken: cfg.WebhookSecret}
		}
		tg, err := telegram.New(ctx, tcfg)
		if err != nil {
			return fmt.Errorf("start telegram: %w", err)
		}
		engine.SetMessenger(tg)
		checks["telegram"] = ops.ConnectionCheck(tg.Connection(), cfg.DownAfter, time.Now)
		ready["telegram"] = ops.ConnectedCheck(tg.Connection())
		label := prometheus.Labels{"platform": "telegram"}
		metrics.Count("tutorbot_messages_sent_total", "Messages sent to learners.", label, func() int64 { return tg.Stats().MessagesSent })
		metrics.Count("tutorbot_rate_limited_total", "429 answers from the platform.", label, func() int64 { return tg.Stats().RateLimited })
		runners = append(runners, tg.Run)
		log.Info("telegram connected", "bot", tg.Username())
	}
	if cfg.DiscordToken != "" {
		prefill := func(_ context.Context, userID string) [4]string { return engine.LastPractice("discord", userID) }
		dc, err := discord.New(discord.Config{Token: cfg.DiscordToken, GuildID: cfg.DiscordGuildID, Handler: handler, Reach: engine, Outbox: engine, Commands: engine.Commands(), Prefill: prefill, BulkRate: cfg.DiscordBulk, Log: log})
		if err != nil {
			return fmt.Errorf("start discord: %w", err)
		}
		engine.SetMessenger(dc)
		checks["discord"] = ops.ConnectionCheck(dc.Connection(), cfg.DownAfter, time.Now)
		ready["discord"] = ops.ConnectedCheck(dc.Connection())
		label := prometheus.Labels{"platform": "discord"}
		metrics.Count("tutorbot_messages_sent_total", "Messages sent to learners.", label, func() int64 { return dc.Stats().MessagesSent })
		metrics.Count("tutorbot_rate_limited_total", "429 answers from the platform.", label, func() int64 { return dc.Stats().RateLimited })
		runners = append(runners, dc.Run)
	}
	runners = append(runners, d.Run)
	if cfg.HTTPListen != "" {
		srv := &ops.Server{Addr: cfg.HTTPListen, Metrics: metrics, Checks: checks, Ready: ready, Backup: db.Backup, Announce: announceHandler(engine), Log: log}
		runners = append(runners, srv.Run)
	}
	errs := make(chan error, len(runners))
	var wg sync.WaitGroup
	for _, r := range runners {
		wg.Go(func() { errs <- r(runCtx) })
	}
	var first error
	select {
	case <-ctx.Done():
		log.Info("shutting down", "timeout", cfg.ShutdownTimeout)
	case first = <-errs:
		log.Error("stopped", "err", first)
	}
	cancel()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(cfg.ShutdownTimeout):
		log.Warn("shutdown timeout: some work did not finish")
	}
	return first
}

// isTerminal reports whether r is an interactive terminal.
func isTerminal(r any) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
