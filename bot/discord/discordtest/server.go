// Package discordtest is a fake Discord REST API (and a minimal gateway) for
// tests: the real discordgo client talks to it over HTTP through a transport
// that rewrites every request for discord.com to the test server. It checks
// requests the way Discord does (token, message and component limits, the
// 3-second interaction window, one callback per interaction), records every
// call in order, and misbehaves on demand (429 with retry_after, 403/50007,
// 500).
//
// It speaks JSON only and does not import discordgo, so tests see what went
// over the wire rather than what the library meant to send.
package discordtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// Route names, used by FailNext and CallsTo.
const (
	RouteCallback       = "interaction-callback" // POST /interactions/{id}/{token}/callback
	RouteEditOriginal   = "edit-original"        // PATCH /webhooks/{app}/{token}/messages/@original
	RouteGetOriginal    = "get-original"         // GET /webhooks/{app}/{token}/messages/@original
	RouteEditFollowup   = "edit-followup"        // PATCH /webhooks/{app}/{token}/messages/{id}
	RouteFollowup       = "followup"             // POST /webhooks/{app}/{token}
	RouteCreateDM       = "create-dm"            // POST /users/@me/channels
	RouteSendMessage    = "send-message"         // POST /channels/{id}/messages
	RouteTyping         = "typing"               // POST /channels/{id}/typing
	RouteGlobalCommands = "commands-global"      // PUT /applications/{app}/commands
	RouteGuildCommands  = "commands-guild"       // PUT /applications/{app}/guilds/{guild}/commands
	RouteMe             = "me"                   // GET /users/@me
	RouteGateway        = "gateway"              // GET /gateway and /gateway/bot
	RouteGuild          = "guild"                // GET /guilds/{guild}
)

// Discord JSON error codes the fake answers with.
const (
	CodeUnknownGuild        = 10004
	CodeUnknownWebhook      = 10015
	CodeUnknownInteraction  = 10062
	CodeCannotSendToUser    = 50007
	CodeEmptyMessage        = 50006
	CodeInvalidFormBody     = 50035
	CodeAlreadyAcknowledged = 40060
)

// InteractionKind is the type of an interaction, with Discord's numbers.
type InteractionKind int

// Interaction kinds.
const (
	KindCommand     InteractionKind = 2
	KindComponent   InteractionKind = 3
	KindModalSubmit InteractionKind = 5
)

// Interaction callback types, with Discord's numbers.
const (
	CallbackMessage         = 4
	CallbackDeferredMessage = 5
	CallbackDeferredUpdate  = 6
	CallbackUpdateMessage   = 7
	CallbackModal           = 9
)

// FlagEphemeral is Discord's message flag for "only the invoking user sees it".
const FlagEphemeral = 1 << 6

// AckWindow is how long after its creation an interaction may be answered.
const AckWindow = 3 * time.Second

// Call is one recorded request.
type Call struct {
	Seq    int
	Method string
	Path   string // without the /api/v9 prefix
	Query  string
	Route  string
	Raw    []byte // the request body as sent
	Body   any    // Raw decoded as generic JSON (nil when empty)
	Status int    // the status the fake answered with
	At     time.Time
}

// Button is a button as sent in a message.
type Button struct {
	Label    string `json:"label"`
	CustomID string `json:"custom_id"`
	Style    int    `json:"style"`
}

// Message is a message as the fake holds it: its current content and
// buttons after any edits.
type Message struct {
	ID        string
	ChannelID string
	Content   string
	Flags     int
	Buttons   [][]Button
	// VisibleTo is the only user who sees an ephemeral message; empty for
	// ordinary messages.
	VisibleTo string
	// Interaction is the id of the interaction that created it, if any.
	Interaction string
	// Attachments are the files uploaded with the message.
	Attachments []Attachment
}

// Attachment is a file uploaded with a message (multipart/form-data).
type Attachment struct {
	Name string
	Data []byte
}

// Ephemeral reports whether the message carries the ephemeral flag.
func (m Message) Ephemeral() bool { return m.Flags&FlagEphemeral != 0 }

// Modal is a modal the bot opened.
type Modal struct {
	CustomID string
	Title    string
	Inputs   []TextInput
}

// TextInput is one field of a modal.
type TextInput struct {
	CustomID  string
	Label     string
	Style     int
	Value     string
	Required  bool
	MaxLength int
}

// InteractionSpec describes an interaction the test is about to deliver.
type InteractionSpec struct {
	Kind      InteractionKind
	ChannelID string
	UserID    string
	// MessageID is the message whose component was used (component
	// interactions only).
	MessageID string
}

// Interaction is the fake's record of one interaction.
type Interaction struct {
	InteractionSpec
	ID, Token string
	Issued    time.Time
	// Callbacks are the accepted callback types in order (at most one).
	Callbacks []int
	// Original is the id of the message @original refers to, if any.
	Original string
	// Followups are the ids of follow-up messages.
	Followups []string
	// Modal is the modal opened in answer, if any.
	Modal *Modal
	// Deferred is true when the callback was type 5 or 6.
	Deferred bool
	// Loading is true while a type-5 "thinking" message awaits its edit.
	Loading bool
}

// Command is a registered application command.
type Command struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Type        int             `json:"type,omitempty"`
	Options     []CommandOption `json:"options"`
	// NameLocalizations and DescriptionLocalizations map a Discord
	// locale ("ru") to the name and description users of it see.
	NameLocalizations        map[string]string `json:"name_localizations,omitempty"`
	DescriptionLocalizations map[string]string `json:"description_localizations,omitempty"`
}

// CommandOption is a command's option.
type CommandOption struct {
	Type                     int               `json:"type"`
	Name                     string            `json:"name"`
	Description              string            `json:"description"`
	Required                 bool              `json:"required"`
	DescriptionLocalizations map[string]string `json:"description_localizations,omitempty"`
}

// discordLocales are the locales Discord accepts in localization maps.
var discordLocales = map[string]bool{
	"id": true, "da": true, "de": true, "en-GB": true, "en-US": true, "es-ES": true, "es-419": true, "fr": true,
	"hr": true, "it": true, "lt": true, "hu": true, "nl": true, "no": true, "pl": true, "pt-BR": true, "ro": true,
	"fi": true, "sv-SE": true, "vi": true, "tr": true, "cs": true, "el": true, "bg": true, "ru": true, "uk": true,
	"hi": true, "th": true, "zh-CN": true, "ja": true, "zh-TW": true, "ko": true,
}

// checkLocalizations reports the first localization Discord would reject:
// an unknown locale, a name that is not a valid command name, a
// description outside 1..100 characters.
func checkLocalizations(names, descs map[string]string) string {
	for loc, n := range names {
		if !discordLocales[loc] {
			return fmt.Sprintf("name localization for unknown locale %q", loc)
		}
		if !reCommandName.MatchString(n) {
			return fmt.Sprintf("localized name %q for %s", n, loc)
		}
	}
	for loc, d := range descs {
		if !discordLocales[loc] {
			return fmt.Sprintf("description localization for unknown locale %q", loc)
		}
		if n := utf8.RuneCountInString(d); n < 1 || n > 100 {
			return fmt.Sprintf("localized description of %d characters for %s", n, loc)
		}
	}
	return ""
}

type failure struct {
	status     int
	code       int
	retryAfter float64
}

// Server is the fake Discord. All methods are safe for concurrent use.
type Server struct {
	t     testing.TB
	srv   *httptest.Server // REST
	gwSrv *httptest.Server // the gateway websocket, plain HTTP
	token string
	appID string

	mu              sync.Mutex
	upload          []Attachment // files of the request being answered
	now             func() time.Time
	seq             int
	nextID          int64
	calls           []Call
	interactions    map[string]*Interaction // by id
	byToken         map[string]*Interaction
	messages        map[string]*Message
	order           []string             // message ids in creation order
	commands        map[string][]Command // "" = global, else guild id
	fails           map[string][]failure
	violations      []string
	allowViolations bool
	gw              gateway
	guilds          map[string]string // guild id -> name
}

// NewServer starts a fake Discord for the test and closes it at cleanup. At
// cleanup it reports, as test errors, every request Discord would have
// rejected (unless AllowViolations was called).
func NewServer(t testing.TB) *Server {
	t.Helper()
	s := &Server{
		t:            t,
		token:        "test-token-not-secret",
		appID:        "100000000000000001",
		now:          time.Now,
		interactions: map[string]*Interaction{},
		byToken:      map[string]*Interaction{},
		messages:     map[string]*Message{},
		commands:     map[string][]Command{},
		fails:        map[string][]failure{},
		guilds:       map[string]string{},
		nextID:       200000000000000000,
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.gwSrv = httptest.NewServer(http.HandlerFunc(s.serveGateway))
	t.Cleanup(func() {
		s.gw.closeAll()
		s.gwSrv.Close()
		s.srv.Close()
		s.mu.Lock()
		defer s.mu.Unlock()
		if !s.allowViolations {
			for _, v := range s.violations {
				t.Errorf("discordtest: request Discord would reject: %s", v)
			}
		}
	})
	return s
}

// Token is the bot token the fake accepts (without the "Bot " prefix).
func (s *Server) Token() string { return s.token }

// AppID is the application id of the fake bot (also its user id).
func (s *Server) AppID() string { return s.appID }

// URL is the base URL of the test server.
func (s *Server) URL() string { return s.srv.URL }

// SetGuildName makes server id known under name (GET /guilds/{id});
// other servers are unknown (404, code 10004).
func (s *Server) SetGuildName(id, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.guilds[id] = name
}

// SetNow replaces the clock used for the 3-second window.
func (s *Server) SetNow(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// AllowViolations stops the fake from failing the test at cleanup for
// requests Discord would reject; tests of the fake itself use it.
func (s *Server) AllowViolations() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.allowViolations = true
}

// Violations returns the rejected requests so far, as sentences.
func (s *Server) Violations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.violations...)
}

// Client returns an HTTP client whose transport sends every request for
// discord.com (and any other host) to the test server. It keeps up to
// 1,024 idle connections, so bursts of parallel interactions reuse them.
func (s *Server) Client() *http.Client {
	base := s.srv.Client().Transport
	if t, ok := base.(*http.Transport); ok {
		t = t.Clone()
		t.MaxIdleConns = 1024
		t.MaxIdleConnsPerHost = 1024
		base = t
	}
	return &http.Client{Transport: rewrite{base: base, target: s.srv.URL}, Timeout: 10 * time.Second}
}

type rewrite struct {
	base   http.RoundTripper
	target string
}

// RoundTrip sends req to the test server instead of its host.
func (r rewrite) RoundTrip(req *http.Request) (*http.Response, error) {
	u, err := url.Parse(r.target)
	if err != nil {
		return nil, fmt.Errorf("parse test server url: %w", err)
	}
	out := req.Clone(req.Context())
	out.URL.Scheme = u.Scheme
	out.URL.Host = u.Host
	out.Host = u.Host
	return r.base.RoundTrip(out)
}

// NewInteraction registers an interaction about to be delivered to the bot
// and starts its 3-second window. It returns the interaction's id and token.
func (s *Server) NewInteraction(spec InteractionSpec) (id, token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id = s.newID()
	token = "itok-" + id
	in := &Interaction{InteractionSpec: spec, ID: id, Token: token, Issued: s.now()}
	s.interactions[id] = in
	s.byToken[token] = in
	return id, token
}

// Interaction returns a copy of the record of interaction id.
func (s *Server) Interaction(id string) (Interaction, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.interactions[id]
	if !ok {
		return Interaction{}, false
	}
	c := *in
	c.Callbacks = append([]int(nil), in.Callbacks...)
	c.Followups = append([]string(nil), in.Followups...)
	return c, true
}

// AddMessage puts a message into the fake (as if the bot had sent it
// earlier) and returns its id.
func (s *Server) AddMessage(m Message) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m.ID == "" {
		m.ID = s.newID()
	}
	s.storeMessage(&m)
	return m.ID
}

// Message returns a copy of message id.
func (s *Server) Message(id string) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.messages[id]
	if !ok {
		return Message{}, false
	}
	return copyMessage(m), true
}

// Messages returns copies of the messages in channelID, in creation order
// (every channel when channelID is empty).
func (s *Server) Messages(channelID string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, id := range s.order {
		m := s.messages[id]
		if channelID == "" || m.ChannelID == channelID {
			out = append(out, copyMessage(m))
		}
	}
	return out
}

// Calls returns every recorded call in order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// CallsTo returns the recorded calls of one route.
func (s *Server) CallsTo(route string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if c.Route == route {
			out = append(out, c)
		}
	}
	return out
}

// Commands returns the commands registered globally (guildID "") or on a
// guild.
func (s *Server) Commands(guildID string) []Command {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Command(nil), s.commands[guildID]...)
}

// FailNext makes the next n calls of route fail with status: 429 answers
// {"message":"You are being rate limited.","retry_after":retryAfter,
// "global":false} with rate-limit headers; other statuses answer
// {"message":…,"code":code}.
func (s *Server) FailNext(route string, n, status, code int, retryAfter float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.fails[route] = append(s.fails[route], failure{status: status, code: code, retryAfter: retryAfter})
	}
}

func (s *Server) newID() string {
	s.nextID++
	return strconv.FormatInt(s.nextID, 10)
}

func (s *Server) storeMessage(m *Message) {
	m.Attachments = append(m.Attachments, s.upload...)
	if _, ok := s.messages[m.ID]; !ok {
		s.order = append(s.order, m.ID)
	}
	s.messages[m.ID] = m
}

func copyMessage(m *Message) Message {
	c := *m
	c.Buttons = make([][]Button, len(m.Buttons))
	for i, row := range m.Buttons {
		c.Buttons[i] = append([]Button(nil), row...)
	}
	return c
}

// apiError is an answer in Discord's error shape.
type apiError struct {
	status  int
	code    int
	message string
}

func (s *Server) violation(format string, args ...any) *apiError {
	msg := fmt.Sprintf(format, args...)
	s.violations = append(s.violations, msg)
	return &apiError{status: http.StatusBadRequest, code: CodeInvalidFormBody, message: "Invalid Form Body: " + msg}
}

var (
	reCallback   = regexp.MustCompile(`^/interactions/([^/]+)/([^/]+)/callback$`)
	reWebhookMsg = regexp.MustCompile(`^/webhooks/([^/]+)/([^/]+)/messages/([^/]+)$`)
	reWebhook    = regexp.MustCompile(`^/webhooks/([^/]+)/([^/]+)$`)
	reChanMsgs   = regexp.MustCompile(`^/channels/([^/]+)/messages$`)
	reTyping     = regexp.MustCompile(`^/channels/([^/]+)/typing$`)
	reGlobalCmds = regexp.MustCompile(`^/applications/([^/]+)/commands$`)
	reGuildCmds  = regexp.MustCompile(`^/applications/([^/]+)/guilds/([^/]+)/commands$`)
	reGuild      = regexp.MustCompile(`^/guilds/([^/]+)$`)
)

// route names a request; "" when the fake does not serve it.
func route(method, path string) string {
	switch {
	case method == http.MethodPost && reCallback.MatchString(path):
		return RouteCallback
	case reWebhookMsg.MatchString(path):
		m := reWebhookMsg.FindStringSubmatch(path)
		switch {
		case method == http.MethodPatch && m[3] == "@original":
			return RouteEditOriginal
		case method == http.MethodGet && m[3] == "@original":
			return RouteGetOriginal
		case method == http.MethodPatch:
			return RouteEditFollowup
		}
	case method == http.MethodPost && reWebhook.MatchString(path):
		return RouteFollowup
	case method == http.MethodPost && path == "/users/@me/channels":
		return RouteCreateDM
	case method == http.MethodPost && reChanMsgs.MatchString(path):
		return RouteSendMessage
	case method == http.MethodPost && reTyping.MatchString(path):
		return RouteTyping
	case method == http.MethodPut && reGlobalCmds.MatchString(path):
		return RouteGlobalCommands
	case method == http.MethodPut && reGuildCmds.MatchString(path):
		return RouteGuildCommands
	case method == http.MethodGet && path == "/users/@me":
		return RouteMe
	case method == http.MethodGet && reGuild.MatchString(path):
		return RouteGuild
	case method == http.MethodGet && (path == "/gateway" || path == "/gateway/bot"):
		return RouteGateway
	}
	return ""
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read body", http.StatusBadRequest)
		return
	}
	path, ok := strings.CutPrefix(r.URL.Path, "/api/v9")
	if !ok {
		path = r.URL.Path
	}
	rt := route(r.Method, path)
	var upload []Attachment
	if mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err == nil && mt == "multipart/form-data" {
		// Files beside a JSON body in the "payload_json" part, as discordgo
		// sends them.
		raw, upload, err = readMultipart(raw, params["boundary"])
		if err != nil {
			http.Error(w, "bad multipart body", http.StatusBadRequest)
			return
		}
	}

	s.mu.Lock()
	s.upload = upload
	s.seq++
	call := Call{Seq: s.seq, Method: r.Method, Path: path, Query: r.URL.RawQuery, Route: rt, Raw: raw, At: s.now()}
	if len(raw) > 0 {
		var body any
		if json.Unmarshal(raw, &body) == nil {
			call.Body = body
		}
	}
	status, hdr, resp := s.answer(r, rt, path, raw)
	call.Status = status
	s.calls = append(s.calls, call)
	s.upload = nil
	s.mu.Unlock()

	for k, v := range hdr {
		w.Header()[k] = v
	}
	if resp == nil {
		w.WriteHeader(status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(resp)
}

// answer decides the response; s.mu is held.
func (s *Server) answer(r *http.Request, rt, path string, raw []byte) (int, http.Header, any) {
	if rt == "" {
		return http.StatusNotFound, nil, map[string]any{"message": "404: Not Found", "code": 0}
	}
	// Interaction endpoints are authorised by their token; everything else
	// needs the bot token.
	if rt != RouteCallback && rt != RouteFollowup && rt != RouteEditOriginal && rt != RouteGetOriginal && rt != RouteEditFollowup {
		if r.Header.Get("Authorization") != "Bot "+s.token {
			s.violations = append(s.violations, fmt.Sprintf("%s %s without a valid bot Authorization header", r.Method, path))
			return http.StatusUnauthorized, nil, map[string]any{"message": "401: Unauthorized", "code": 0}
		}
	}
	if fs := s.fails[rt]; len(fs) > 0 {
		f := fs[0]
		s.fails[rt] = fs[1:]
		return failResponse(f)
	}
	var (
		status = http.StatusOK
		resp   any
		aerr   *apiError
	)
	switch rt {
	case RouteCallback:
		m := reCallback.FindStringSubmatch(path)
		aerr = s.callback(m[1], m[2], raw)
		status = http.StatusNoContent
	case RouteFollowup:
		m := reWebhook.FindStringSubmatch(path)
		resp, aerr = s.followup(m[1], m[2], raw)
	case RouteEditOriginal, RouteEditFollowup:
		m := reWebhookMsg.FindStringSubmatch(path)
		resp, aerr = s.editWebhookMessage(m[1], m[2], m[3], raw)
	case RouteGetOriginal:
		m := reWebhookMsg.FindStringSubmatch(path)
		resp, aerr = s.getOriginal(m[1], m[2])
	case RouteCreateDM:
		var body struct {
			RecipientID string `json:"recipient_id"`
		}
		if err := json.Unmarshal(raw, &body); err != nil || body.RecipientID == "" {
			aerr = s.violation("create DM without recipient_id")
			break
		}
		resp = map[string]any{"id": DMChannel(body.RecipientID), "type": 1,
			"recipients": []any{map[string]any{"id": body.RecipientID, "username": "learner"}}}
	case RouteSendMessage:
		m := reChanMsgs.FindStringSubmatch(path)
		resp, aerr = s.sendMessage(m[1], raw)
	case RouteTyping:
		status = http.StatusNoContent
	case RouteGlobalCommands:
		m := reGlobalCmds.FindStringSubmatch(path)
		resp, aerr = s.putCommands(m[1], "", raw)
	case RouteGuildCommands:
		m := reGuildCmds.FindStringSubmatch(path)
		resp, aerr = s.putCommands(m[1], m[2], raw)
	case RouteMe:
		resp = map[string]any{"id": s.appID, "username": "tutor", "bot": true, "discriminator": "0"}
	case RouteGuild:
		id := reGuild.FindStringSubmatch(path)[1]
		name, ok := s.guilds[id]
		if !ok {
			aerr = &apiError{status: http.StatusNotFound, code: CodeUnknownGuild, message: "Unknown Guild"}
			break
		}
		resp = map[string]any{"id": id, "name": name}
	case RouteGateway:
		resp = map[string]any{"url": "ws://" + strings.TrimPrefix(s.gwSrv.URL, "http://") + gatewayPath,
			"shards": 1, "session_start_limit": map[string]any{"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}}
	}
	if aerr != nil {
		return aerr.status, nil, map[string]any{"message": aerr.message, "code": aerr.code}
	}
	if status == http.StatusNoContent {
		return status, nil, nil
	}
	return status, nil, resp
}

// DMChannel is the id of the fake's DM channel with userID.
func DMChannel(userID string) string { return "dm-" + userID }

func failResponse(f failure) (int, http.Header, any) {
	h := http.Header{}
	switch f.status {
	case http.StatusTooManyRequests:
		h.Set("Retry-After", strconv.Itoa(int(math.Ceil(f.retryAfter))))
		h.Set("X-RateLimit-Limit", "5")
		h.Set("X-RateLimit-Remaining", "0")
		h.Set("X-RateLimit-Reset-After", strconv.FormatFloat(f.retryAfter, 'f', 3, 64))
		h.Set("X-RateLimit-Bucket", "fake-bucket")
		h.Set("X-RateLimit-Scope", "user")
		return f.status, h, map[string]any{"message": "You are being rate limited.", "retry_after": f.retryAfter, "global": false}
	case http.StatusForbidden:
		msg := "Missing Access"
		if f.code == CodeCannotSendToUser {
			msg = "Cannot send messages to this user"
		}
		return f.status, h, map[string]any{"message": msg, "code": f.code}
	default:
		return f.status, h, map[string]any{"message": fmt.Sprintf("%d: %s", f.status, http.StatusText(f.status)), "code": f.code}
	}
}

// component is a message component as decoded from a request.
type component struct {
	Type        int         `json:"type"`
	Label       string      `json:"label"`
	CustomID    string      `json:"custom_id"`
	Style       int         `json:"style"`
	URL         string      `json:"url"`
	Value       string      `json:"value"`
	Required    bool        `json:"required"`
	MaxLength   int         `json:"max_length"`
	Placeholder string      `json:"placeholder"`
	Components  []component `json:"components"`
}

type messageData struct {
	Content    *string      `json:"content"`
	Components *[]component `json:"components"`
	Embeds     []any        `json:"embeds"`
	Flags      int          `json:"flags"`
	CustomID   string       `json:"custom_id"`
	Title      string       `json:"title"`
}

// checkMessage applies Discord's message limits; creating says whether an
// empty message is an error.
func (s *Server) checkMessage(d messageData, creating bool) ([][]Button, *apiError) {
	if d.Content != nil && utf8.RuneCountInString(*d.Content) > 2000 {
		return nil, s.violation("content of %d characters (limit 2000)", utf8.RuneCountInString(*d.Content))
	}
	var rows [][]Button
	if d.Components != nil {
		if len(*d.Components) > 5 {
			return nil, s.violation("%d action rows (limit 5)", len(*d.Components))
		}
		seen := map[string]bool{}
		for _, row := range *d.Components {
			if row.Type != 1 {
				return nil, s.violation("top-level component of type %d, want action row", row.Type)
			}
			if len(row.Components) < 1 || len(row.Components) > 5 {
				return nil, s.violation("action row with %d components (want 1..5)", len(row.Components))
			}
			var out []Button
			for _, b := range row.Components {
				if b.Type != 2 {
					return nil, s.violation("component of type %d in a message row, want button", b.Type)
				}
				if utf8.RuneCountInString(b.Label) > 80 {
					return nil, s.violation("button label of %d characters (limit 80)", utf8.RuneCountInString(b.Label))
				}
				if b.Style != 5 {
					n := utf8.RuneCountInString(b.CustomID)
					if n < 1 || n > 100 {
						return nil, s.violation("custom_id of %d characters (want 1..100)", n)
					}
					if seen[b.CustomID] {
						return nil, s.violation("duplicate custom_id %q in one message", b.CustomID)
					}
					seen[b.CustomID] = true
				}
				if b.Label == "" {
					return nil, s.violation("button without a label")
				}
				out = append(out, Button{Label: b.Label, CustomID: b.CustomID, Style: b.Style})
			}
			rows = append(rows, out)
		}
	}
	if creating && (d.Content == nil || *d.Content == "") && len(rows) == 0 && len(d.Embeds) == 0 {
		return nil, &apiError{status: http.StatusBadRequest, code: CodeEmptyMessage, message: "Cannot send an empty message"}
	}
	return rows, nil
}

func (s *Server) checkModal(d messageData) (*Modal, *apiError) {
	if n := utf8.RuneCountInString(d.CustomID); n < 1 || n > 100 {
		return nil, s.violation("modal custom_id of %d characters (want 1..100)", n)
	}
	if n := utf8.RuneCountInString(d.Title); n < 1 || n > 45 {
		return nil, s.violation("modal title of %d characters (want 1..45)", n)
	}
	if d.Components == nil || len(*d.Components) < 1 || len(*d.Components) > 5 {
		return nil, s.violation("modal needs 1..5 rows")
	}
	m := &Modal{CustomID: d.CustomID, Title: d.Title}
	for _, row := range *d.Components {
		if row.Type != 1 || len(row.Components) != 1 || row.Components[0].Type != 4 {
			return nil, s.violation("modal row must hold exactly one text input")
		}
		in := row.Components[0]
		if n := utf8.RuneCountInString(in.Label); n < 1 || n > 45 {
			return nil, s.violation("text input label %q of %d characters (want 1..45)", in.Label, n)
		}
		if n := utf8.RuneCountInString(in.CustomID); n < 1 || n > 100 {
			return nil, s.violation("text input custom_id of %d characters (want 1..100)", n)
		}
		if in.Style != 1 && in.Style != 2 {
			return nil, s.violation("text input style %d (want 1 or 2)", in.Style)
		}
		if in.MaxLength > 4000 || utf8.RuneCountInString(in.Value) > 4000 ||
			(in.MaxLength > 0 && utf8.RuneCountInString(in.Value) > in.MaxLength) {
			return nil, s.violation("text input %q value longer than its max_length", in.CustomID)
		}
		if utf8.RuneCountInString(in.Placeholder) > 100 {
			return nil, s.violation("text input placeholder longer than 100")
		}
		m.Inputs = append(m.Inputs, TextInput{CustomID: in.CustomID, Label: in.Label, Style: in.Style,
			Value: in.Value, Required: in.Required, MaxLength: in.MaxLength})
	}
	return m, nil
}

func (s *Server) callback(id, token string, raw []byte) *apiError {
	in, ok := s.interactions[id]
	if !ok || in.Token != token {
		return &apiError{status: http.StatusNotFound, code: CodeUnknownInteraction, message: "Unknown interaction"}
	}
	if len(in.Callbacks) > 0 {
		s.violations = append(s.violations, fmt.Sprintf("second callback for interaction %s", id))
		return &apiError{status: http.StatusBadRequest, code: CodeAlreadyAcknowledged, message: "Interaction has already been acknowledged."}
	}
	if s.now().Sub(in.Issued) > AckWindow {
		s.violations = append(s.violations, fmt.Sprintf("callback for interaction %s after %v", id, s.now().Sub(in.Issued)))
		return &apiError{status: http.StatusNotFound, code: CodeUnknownInteraction, message: "Unknown interaction"}
	}
	var body struct {
		Type int         `json:"type"`
		Data messageData `json:"data"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		return s.violation("callback body: %v", err)
	}
	isComponent := in.Kind == KindComponent
	switch body.Type {
	case CallbackMessage, CallbackDeferredMessage:
		ephemeral := body.Data.Flags&FlagEphemeral != 0
		m := &Message{ID: s.newID(), ChannelID: in.ChannelID, Flags: body.Data.Flags, Interaction: id}
		if ephemeral {
			m.VisibleTo = in.UserID
		}
		if body.Type == CallbackMessage {
			rows, aerr := s.checkMessage(body.Data, true)
			if aerr != nil {
				return aerr
			}
			m.Content = deref(body.Data.Content)
			m.Buttons = rows
		} else {
			in.Deferred = true
			in.Loading = true
		}
		s.storeMessage(m)
		in.Original = m.ID
	case CallbackDeferredUpdate, CallbackUpdateMessage:
		if !isComponent && in.Kind != KindModalSubmit {
			return s.violation("callback type %d on a non-component interaction", body.Type)
		}
		in.Original = in.MessageID
		if body.Type == CallbackDeferredUpdate {
			in.Deferred = true
			break
		}
		rows, aerr := s.checkMessage(body.Data, false)
		if aerr != nil {
			return aerr
		}
		if m, ok := s.messages[in.MessageID]; ok {
			if body.Data.Content != nil {
				m.Content = *body.Data.Content
			}
			if body.Data.Components != nil {
				m.Buttons = rows
			}
		}
	case CallbackModal:
		if in.Kind == KindModalSubmit {
			return s.violation("modal opened in answer to a modal submit")
		}
		modal, aerr := s.checkModal(body.Data)
		if aerr != nil {
			return aerr
		}
		in.Modal = modal
	default:
		return s.violation("callback type %d", body.Type)
	}
	in.Callbacks = append(in.Callbacks, body.Type)
	return nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func (s *Server) webhookInteraction(app, token string) (*Interaction, *apiError) {
	in, ok := s.byToken[token]
	if !ok || app != s.appID {
		return nil, &apiError{status: http.StatusNotFound, code: CodeUnknownWebhook, message: "Unknown Webhook"}
	}
	if len(in.Callbacks) == 0 {
		s.violations = append(s.violations, fmt.Sprintf("webhook call for interaction %s before its callback", in.ID))
		return nil, &apiError{status: http.StatusNotFound, code: CodeUnknownWebhook, message: "Unknown Webhook"}
	}
	if s.now().Sub(in.Issued) > 15*time.Minute {
		return nil, &apiError{status: http.StatusUnauthorized, code: 50027, message: "Invalid Webhook Token"}
	}
	return in, nil
}

func messageJSON(m *Message) map[string]any {
	rows := make([]any, 0, len(m.Buttons))
	for _, row := range m.Buttons {
		bs := make([]any, 0, len(row))
		for _, b := range row {
			bs = append(bs, map[string]any{"type": 2, "label": b.Label, "custom_id": b.CustomID, "style": b.Style})
		}
		rows = append(rows, map[string]any{"type": 1, "components": bs})
	}
	return map[string]any{"id": m.ID, "channel_id": m.ChannelID, "content": m.Content, "flags": m.Flags,
		"components": rows, "type": 0, "author": map[string]any{"id": "100000000000000001", "username": "tutor", "bot": true}}
}

func (s *Server) followup(app, token string, raw []byte) (any, *apiError) {
	in, aerr := s.webhookInteraction(app, token)
	if aerr != nil {
		return nil, aerr
	}
	var d messageData
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, s.violation("follow-up body: %v", err)
	}
	rows, aerr := s.checkMessage(d, true)
	if aerr != nil {
		return nil, aerr
	}
	// A follow-up to a deferred message response replaces the "thinking"
	// message, as Discord does.
	if in.Loading {
		m := s.messages[in.Original]
		m.Content, m.Buttons = deref(d.Content), rows
		in.Loading = false
		return messageJSON(m), nil
	}
	m := &Message{ID: s.newID(), ChannelID: in.ChannelID, Content: deref(d.Content), Flags: d.Flags, Buttons: rows, Interaction: in.ID}
	if d.Flags&FlagEphemeral != 0 {
		m.VisibleTo = in.UserID
	}
	s.storeMessage(m)
	in.Followups = append(in.Followups, m.ID)
	return messageJSON(m), nil
}

func (s *Server) editWebhookMessage(app, token, msgID string, raw []byte) (any, *apiError) {
	in, aerr := s.webhookInteraction(app, token)
	if aerr != nil {
		return nil, aerr
	}
	id := msgID
	if id == "@original" {
		id = in.Original
	}
	m, ok := s.messages[id]
	if !ok {
		return nil, &apiError{status: http.StatusNotFound, code: 10008, message: "Unknown Message"}
	}
	var d messageData
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, s.violation("edit body: %v", err)
	}
	rows, aerr := s.checkMessage(d, false)
	if aerr != nil {
		return nil, aerr
	}
	if d.Content != nil {
		m.Content = *d.Content
	}
	if d.Components != nil {
		m.Buttons = rows
	}
	m.Attachments = append(m.Attachments, s.upload...)
	if id == in.Original {
		in.Loading = false
	}
	return messageJSON(m), nil
}

func (s *Server) getOriginal(app, token string) (any, *apiError) {
	in, aerr := s.webhookInteraction(app, token)
	if aerr != nil {
		return nil, aerr
	}
	m, ok := s.messages[in.Original]
	if !ok {
		return nil, &apiError{status: http.StatusNotFound, code: 10008, message: "Unknown Message"}
	}
	return messageJSON(m), nil
}

func (s *Server) sendMessage(channelID string, raw []byte) (any, *apiError) {
	var d messageData
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, s.violation("message body: %v", err)
	}
	if d.Flags&FlagEphemeral != 0 {
		return nil, s.violation("ephemeral flag on a channel message")
	}
	rows, aerr := s.checkMessage(d, true)
	if aerr != nil {
		return nil, aerr
	}
	m := &Message{ID: s.newID(), ChannelID: channelID, Content: deref(d.Content), Flags: d.Flags, Buttons: rows}
	s.storeMessage(m)
	return messageJSON(m), nil
}

var reCommandName = regexp.MustCompile(`^[-_\p{Ll}\p{N}]{1,32}$`)

func (s *Server) putCommands(app, guild string, raw []byte) (any, *apiError) {
	if app != s.appID {
		return nil, &apiError{status: http.StatusForbidden, code: 50001, message: "Missing Access"}
	}
	var cmds []Command
	if err := json.Unmarshal(raw, &cmds); err != nil {
		return nil, s.violation("commands body: %v", err)
	}
	if len(cmds) > 100 {
		return nil, s.violation("%d commands (limit 100)", len(cmds))
	}
	seen := map[string]bool{}
	out := make([]any, 0, len(cmds))
	for i, c := range cmds {
		if !reCommandName.MatchString(c.Name) {
			return nil, s.violation("command name %q", c.Name)
		}
		if seen[c.Name] {
			return nil, s.violation("duplicate command %q", c.Name)
		}
		seen[c.Name] = true
		if n := utf8.RuneCountInString(c.Description); n < 1 || n > 100 {
			return nil, s.violation("command %q description of %d characters (want 1..100)", c.Name, n)
		}
		if p := checkLocalizations(c.NameLocalizations, c.DescriptionLocalizations); p != "" {
			return nil, s.violation("command %q: %s", c.Name, p)
		}
		if c.Type != 0 && c.Type != 1 {
			return nil, s.violation("command %q of type %d, want chat input", c.Name, c.Type)
		}
		if len(c.Options) > 25 {
			return nil, s.violation("command %q with %d options", c.Name, len(c.Options))
		}
		optional := false
		for _, o := range c.Options {
			if !reCommandName.MatchString(o.Name) {
				return nil, s.violation("command %q option name %q", c.Name, o.Name)
			}
			if n := utf8.RuneCountInString(o.Description); n < 1 || n > 100 {
				return nil, s.violation("command %q option %q description of %d characters", c.Name, o.Name, n)
			}
			if p := checkLocalizations(nil, o.DescriptionLocalizations); p != "" {
				return nil, s.violation("command %q option %q: %s", c.Name, o.Name, p)
			}
			if o.Type < 1 || o.Type > 11 {
				return nil, s.violation("command %q option %q of type %d", c.Name, o.Name, o.Type)
			}
			if o.Required && optional {
				return nil, s.violation("command %q: required option after an optional one", c.Name)
			}
			optional = optional || !o.Required
		}
		out = append(out, map[string]any{"id": strconv.Itoa(300000 + i), "application_id": app, "guild_id": guild,
			"name": c.Name, "description": c.Description, "type": 1, "options": c.Options, "version": "1"})
	}
	s.commands[guild] = cmds
	return out, nil
}

// readMultipart splits a multipart body into its JSON part and its files.
func readMultipart(body []byte, boundary string) ([]byte, []Attachment, error) {
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	var payload []byte
	var files []Attachment
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return payload, files, nil
		}
		if err != nil {
			return nil, nil, err
		}
		data, err := io.ReadAll(p)
		if err != nil {
			return nil, nil, err
		}
		if p.FormName() == "payload_json" {
			payload = data
			continue
		}
		files = append(files, Attachment{Name: p.FileName(), Data: data})
	}
}
