package telegram

import (
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"tutorbot/bot"
)

// allowedUpdates are the update kinds the tutor asks Telegram for.
var allowedUpdates = []string{"message", "callback_query"}

// Run sets the command menu, then receives updates (long polling, or the
// webhook when configured) and handles them until ctx ends. It returns nil
// on cancellation, and an error when Telegram rejects the token or the
// webhook cannot be set. Run must not be called again while it runs.
func (b *Bot) Run(ctx context.Context) error {
	b.setCommands(ctx)
	if b.cfg.Webhook != nil {
		return b.runWebhook(ctx)
	}
	return b.runPolling(ctx)
}

var commandName = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)

func (b *Bot) setCommands(ctx context.Context) {
	var cmds []tgbotapi.BotCommand
	for _, c := range b.cfg.Commands {
		if !commandName.MatchString(c.Name) || strings.TrimSpace(c.Description) == "" {
			b.log.Warn("command left out of the menu", "command", c.Name)
			continue
		}
		cmds = append(cmds, tgbotapi.BotCommand{Command: c.Name, Description: truncate(c.Description, 256)})
	}
	if len(cmds) == 0 {
		return
	}
	if _, err := b.call(ctx, 0, tgbotapi.NewSetMyCommands(cmds...), answerOpts); err != nil && ctx.Err() == nil {
		b.log.Warn("set command menu", "err", err)
	}
	// The same menu described in each other language, for users whose
	// Telegram speaks it.
	for _, lang := range translated(b.cfg.Commands) {
		var loc []tgbotapi.BotCommand
		for _, c := range cmds {
			desc := c.Description
			for _, bc := range b.cfg.Commands {
				if bc.Name == c.Command && strings.TrimSpace(bc.Translations[lang].Description) != "" {
					desc = truncate(bc.Translations[lang].Description, 256)
				}
			}
			loc = append(loc, tgbotapi.BotCommand{Command: c.Command, Description: desc})
		}
		cfg := tgbotapi.NewSetMyCommands(loc...)
		cfg.LanguageCode = lang
		if _, err := b.call(ctx, 0, cfg, answerOpts); err != nil && ctx.Err() == nil {
			b.log.Warn("set command menu", "lang", lang, "err", err)
		}
	}
}

// translated lists the languages the commands are described in besides
// the default, in a stable order.
func translated(cmds []bot.Command) []string {
	var langs []string
	for _, c := range cmds {
		for lang := range c.Translations {
			if !slices.Contains(langs, lang) {
				langs = append(langs, lang)
			}
		}
	}
	slices.Sort(langs)
	return langs
}

// runPolling is the long-polling loop. The offset passed to getUpdates
// (which confirms every update below it) only moves past an update once it
// is handled; updates fetched again while still in flight are recognised by
// id and not handled twice.
func (b *Bot) runPolling(ctx context.Context) error {
	if _, err := b.call(ctx, 0, tgbotapi.DeleteWebhookConfig{}, answerOpts); err != nil && ctx.Err() == nil {
		b.log.Warn("delete webhook before polling", "err", err)
	}
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	doneCh := make(chan int, 1024)
	p := newPipeline(pctx, b.cfg.Workers, b.handleUpdate)

	var (
		inflight  []int // ids handed to the pipeline, ascending, not yet confirmed
		done      = map[int]bool{}
		maxSeen   = 0
		offset    = 0
		confirmed = 0 // offset of the last successful getUpdates
		failures  = 0
	)
	advance := func() {
		for {
			select {
			case id := <-doneCh:
				done[id] = true
				continue
			default:
			}
			break
		}
		for len(inflight) > 0 && done[inflight[0]] {
			delete(done, inflight[0])
			inflight = inflight[1:]
		}
		if len(inflight) > 0 {
			offset = inflight[0]
		} else if maxSeen > 0 {
			offset = maxSeen + 1
		}
	}
	timeout := int(b.cfg.PollTimeout / time.Second)
	var runErr error
	for ctx.Err() == nil {
		advance()
		polled := time.Now()
		updates, err := b.getUpdates(ctx, offset, 100, timeout)
		if ctx.Err() != nil {
			break
		}
		if err != nil {
			var te *tgbotapi.Error
			switch {
			case errors.As(err, &te) && te.Code == 429:
				b.conn.Up() // the server answered
				b.stats.limited.Add(1)
				_ = sleep(ctx, time.Duration(max(te.RetryAfter, 1))*time.Second)
				continue
			case errors.As(err, &te) && (te.Code == 401 || te.Code == 404):
				runErr = fmt.Errorf("telegram: get updates: token rejected: %w", err)
			default:
				b.conn.Down(time.Now())
				failures++
				wait := backoff(failures-1, 500*time.Millisecond, 30*time.Second)
				b.log.Warn("get updates failed", "err", err, "retry_in", wait.Round(time.Millisecond))
				_ = sleep(ctx, wait)
				continue
			}
			break
		}
		failures = 0
		b.conn.Up()
		confirmed = offset
		fresh := 0
		for _, u := range updates {
			if u.UpdateID <= maxSeen {
				continue // fetched again while in flight
			}
			maxSeen = u.UpdateID
			inflight = append(inflight, u.UpdateID)
			fresh++
			id := u.UpdateID
			chat := chatOf(u)
			if chat == 0 {
				done[id] = true // nothing for the tutor (edits, channel posts…)
				b.stats.updates.Add(1)
				continue
			}
			p.submit(chat, job{upd: u, done: func() {
				select {
				case doneCh <- id:
				case <-pctx.Done():
				}
			}})
		}
		b.log.Debug("polled", "offset", offset, "updates", len(updates), "new", fresh, "in_flight", len(inflight), "took", time.Since(polled))
		if len(updates) > 0 {
			advance()
		}
		if len(updates) > 0 && len(inflight) > 0 {
			// While updates are in flight the offset holds them, so
			// Telegram answers at once with them again. Ask again once
			// some are handled (their completions come in bursts: gather
			// a burst), or after a moment, since new updates for other
			// chats may be waiting behind them.
			b.awaitProgress(ctx, doneCh, done)
		}
	}
	cancel()
	b.waitWorkers(p, time.Second)
	b.waitAnswers(time.Second)
	// Confirm what was handled, so a restart does not handle it again.
	advance()
	if offset > confirmed && runErr == nil {
		cctx, ccancel := context.WithTimeout(context.WithoutCancel(ctx), 500*time.Millisecond)
		if _, err := b.getUpdates(cctx, offset, 1, 0); err != nil {
			b.log.Debug("confirm handled updates", "err", err)
		}
		ccancel()
	}
	return runErr
}

// awaitProgress waits until an update in flight is handled (then a little
// longer to gather others finishing at the same time) or pollPause passes.
func (b *Bot) awaitProgress(ctx context.Context, doneCh <-chan int, done map[int]bool) {
	t := time.NewTimer(pollPause)
	defer t.Stop()
	select {
	case id := <-doneCh:
		done[id] = true
	case <-t.C:
		return
	case <-ctx.Done():
		return
	}
	t.Reset(2 * time.Millisecond)
	for {
		select {
		case id := <-doneCh:
			done[id] = true
		case <-t.C:
			return
		case <-ctx.Done():
			return
		}
	}
}

// pollPause is the longest wait between two getUpdates calls while updates
// are in flight.
const pollPause = 50 * time.Millisecond

// waitWorkers waits for the pipeline's workers to stop, at most d.
func (b *Bot) waitWorkers(p *pipeline, d time.Duration) {
	stopped := make(chan struct{})
	go func() {
		p.wait()
		close(stopped)
	}()
	select {
	case <-stopped:
	case <-time.After(d):
		b.log.Warn("handlers still running at shutdown")
	}
}

// runWebhook sets the webhook and serves it until ctx ends.
func (b *Bot) runWebhook(ctx context.Context) error {
	w := b.cfg.Webhook
	// The pipeline comes first: Telegram may post an update as soon as
	// setWebhook succeeds, before its answer is even read here.
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	p := newPipeline(pctx, b.cfg.Workers, b.handleUpdate)
	b.runMu.Lock()
	b.pipe = p
	b.runMu.Unlock()
	defer func() {
		b.runMu.Lock()
		b.pipe = nil
		b.runMu.Unlock()
	}()
	params := tgbotapi.Params{"url": w.URL, "secret_token": w.SecretToken, "allowed_updates": allowedUpdatesJSON}
	if _, err := b.with(ctx).MakeRequest("setWebhook", params); err != nil {
		cancel()
		b.waitWorkers(p, time.Second)
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("telegram: set webhook: %w", redactErr(err, b.secrets))
	}
	if w.Listen == "" {
		<-ctx.Done()
	} else {
		srv := &http.Server{Addr: w.Listen, Handler: b.WebhookHandler(), ReadHeaderTimeout: 10 * time.Second}
		errc := make(chan error, 1)
		go func() { errc <- srv.ListenAndServe() }()
		select {
		case err := <-errc:
			return fmt.Errorf("telegram: serve webhook on %s: %w", w.Listen, err)
		case <-ctx.Done():
		}
		sctx, scancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		_ = srv.Shutdown(sctx)
		scancel()
	}
	cancel()
	b.waitWorkers(p, time.Second)
	b.waitAnswers(time.Second)
	return nil
}

// waitAnswers waits for callback answers in flight, at most d.
func (b *Bot) waitAnswers(d time.Duration) {
	done := make(chan struct{})
	go func() {
		b.answers.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(d):
		b.log.Warn("callback answers still running at shutdown")
	}
}

// SecretHeader is the header in which Telegram sends the webhook's secret.
const SecretHeader = "X-Telegram-Bot-Api-Secret-Token"

// WebhookHandler receives updates posted by Telegram while Run runs in
// webhook mode. It refuses requests without the secret token, and answers
// once the update is handled (Telegram re-sends it on failure; a re-sent
// update is recognised by id and not handled twice).
func (b *Bot) WebhookHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		secret := ""
		if b.cfg.Webhook != nil {
			secret = b.cfg.Webhook.SecretToken
		}
		got := r.Header.Get(SecretHeader)
		if secret == "" || subtle.ConstantTimeCompare([]byte(got), []byte(secret)) != 1 {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		if err != nil {
			http.Error(w, "bad update", http.StatusBadRequest)
			return
		}
		u, err := decodeUpdate(bytes.NewReader(body))
		if err != nil {
			// Skipped, and confirmed with 200: Telegram would otherwise
			// post the same bad update again and again.
			b.stats.errors.Add(1)
			b.log.Warn("update skipped: cannot decode it", "update", updateID(body), "kind", updateKind(body), "err", err)
			return
		}
		b.runMu.Lock()
		p := b.pipe
		b.runMu.Unlock()
		if p == nil {
			http.Error(w, "not running", http.StatusServiceUnavailable)
			return
		}
		chat := chatOf(u)
		if chat == 0 || !b.hooks.add(u.UpdateID) {
			return // nothing for the tutor, or a re-sent update
		}
		done := make(chan struct{})
		if !p.submit(chat, job{upd: u, done: func() { close(done) }}) {
			b.hooks.remove(u.UpdateID)
			http.Error(w, "shutting down", http.StatusServiceUnavailable)
			return
		}
		select {
		case <-done:
		case <-r.Context().Done():
		}
	})
}

// recentIDs remembers the last n update ids seen by the webhook.
type recentIDs struct {
	mu   sync.Mutex
	set  map[int]bool
	ring []int
	next int
}

func newRecentIDs(n int) *recentIDs {
	return &recentIDs{set: make(map[int]bool, n), ring: make([]int, n)}
}

// add records id and reports whether it is new.
func (r *recentIDs) add(id int) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.set[id] {
		return false
	}
	if old := r.ring[r.next]; old != 0 {
		delete(r.set, old)
	}
	r.ring[r.next] = id
	r.next = (r.next + 1) % len(r.ring)
	r.set[id] = true
	return true
}

func (r *recentIDs) remove(id int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.set, id)
}
