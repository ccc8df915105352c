// Package telegramtest is a fake Telegram Bot API server for tests. The real
// client library talks to it over HTTP; it checks requests the way Telegram
// does (token, known method, text length, HTML, callback data, answered
// callbacks), records every call per chat, and misbehaves on demand (429,
// 403, 500, slow answers, dropped connections).
package telegramtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	_ "image/png" // sendPhoto checks the photo decodes
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf16"

	"tutorbot/render"
)

// DefaultToken is the token the server accepts unless WithToken says otherwise.
const DefaultToken = "123456:TEST-token-for-the-fake-server"

// Button is an inline keyboard button as the server received it.
type Button struct {
	Text         string `json:"text"`
	CallbackData string `json:"callback_data,omitempty"`
	URL          string `json:"url,omitempty"`
}

// Message is one successful call that concerns a chat: a message sent, a
// message edited, its keyboard changed, or a chat action.
type Message struct {
	// Method is the Bot API method ("sendMessage", "editMessageText",
	// "editMessageReplyMarkup", "sendChatAction").
	Method    string
	ChatID    int64
	MessageID int
	// Text is the text as sent (HTML source when ParseMode is "HTML").
	Text      string
	ParseMode string
	// Keyboard is the inline keyboard after the call (nil: none).
	Keyboard [][]Button
	// Action is the chat action of sendChatAction.
	Action string
	// ThreadID is the forum topic the message was sent to (0: none).
	ThreadID int
	// Document and DocumentData are the file name and content of a
	// sendDocument or sendPhoto call (Text holds its caption).
	Document     string
	DocumentData []byte
	At           time.Time
}

// Call is one request the server received, successful or not.
type Call struct {
	Method string
	ChatID int64
	Params map[string]string
	Status int
	At     time.Time
}

// Command is a bot command registered through setMyCommands.
type Command struct {
	Command     string `json:"command"`
	Description string `json:"description"`
}

type failure struct {
	status     int
	retryAfter int
	redirect   string // answer 307 with this Location (status unused)
	echoURL    bool   // answer 400 with a description that echoes the URL
}

type storedMsg struct {
	thread          int // forum topic
	text, parseMode string
	keyboard        [][]Button
	markupKey       string
}

type callbackState struct {
	chatID, userID int64
	answers        int
	text           string
}

// Server is a fake Bot API server. All methods are safe for concurrent use.
type Server struct {
	t     testing.TB
	srv   *httptest.Server
	token string
	botID int64
	name  string

	mu         sync.Mutex
	changed    chan struct{} // closed and replaced when updates are queued
	updates    []json.RawMessage
	updateIDs  []int
	nextUpdate int
	nextMsg    map[int64]int
	msgs       map[int64]map[int]*storedMsg
	sent       map[int64][]Message
	calls      []Call
	callbacks  map[string]*callbackState
	cbOrder    []string
	nextCB     int
	failures   map[string][]failure
	blocked    map[int64]bool
	members    map[[2]int64]string // chat, user -> getChatMember status
	titles     map[int64]string    // group chat -> its title
	delay      time.Duration
	delays     map[string]time.Duration // per method
	outage     int                      // status every chat method fails with (0: none)
	drop       int
	commands   []Command
	// langCommands are the menus set for a language_code.
	langCommands map[string][]Command
	// userLang is the language_code sent with each user's updates.
	userLang   map[int64]string
	webhookURL string
	webhookTok string
	pollActive int
	watchers   map[int64]chan struct{}
	// globalLimit, when positive, answers 429 to a sendMessage beyond that
	// many in the last second, as Telegram does to bulk senders.
	globalLimit int
	recentSends []time.Time
	limited     int
	conns       atomic.Int64
}

// Connections counts the TCP connections clients opened to the server: a
// client that keeps its connections alive opens few.
func (s *Server) Connections() int { return int(s.conns.Load()) }

// Option configures a Server.
type Option func(*Server)

// WithToken makes the server accept token instead of DefaultToken.
func WithToken(token string) Option { return func(s *Server) { s.token = token } }

// WithGlobalLimit makes the server refuse (429, retry_after 1) any
// sendMessage beyond perSecond in a sliding second.
func WithGlobalLimit(perSecond int) Option { return func(s *Server) { s.globalLimit = perSecond } }

// Limited counts the 429 answers given for WithGlobalLimit.
func (s *Server) Limited() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.limited
}

// overLimit records a send and reports whether it exceeds the global limit.
func (s *Server) overLimit(now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.globalLimit <= 0 {
		return false
	}
	cut := 0
	for cut < len(s.recentSends) && now.Sub(s.recentSends[cut]) >= time.Second {
		cut++
	}
	s.recentSends = s.recentSends[cut:]
	if len(s.recentSends) >= s.globalLimit {
		s.limited++
		return true
	}
	s.recentSends = append(s.recentSends, now)
	return false
}

// WithBotName sets the bot's username returned by getMe.
func WithBotName(name string) Option { return func(s *Server) { s.name = name } }

// NewServer starts a fake Bot API server that is closed when the test ends.
func NewServer(t testing.TB, opts ...Option) *Server {
	s := &Server{
		t:            t,
		token:        DefaultToken,
		botID:        123456,
		name:         "tutor_bot",
		changed:      make(chan struct{}),
		nextUpdate:   1,
		nextMsg:      map[int64]int{},
		msgs:         map[int64]map[int]*storedMsg{},
		sent:         map[int64][]Message{},
		callbacks:    map[string]*callbackState{},
		failures:     map[string][]failure{},
		blocked:      map[int64]bool{},
		members:      map[[2]int64]string{},
		userLang:     map[int64]string{},
		langCommands: map[string][]Command{},
		watchers:     map[int64]chan struct{}{},
		titles:       map[int64]string{},
	}
	for _, o := range opts {
		o(s)
	}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.srv.Start()
	t.Cleanup(s.Close)
	return s
}

// Close shuts the server down, interrupting pending long polls.
func (s *Server) Close() {
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// URL is the server's base URL (like https://api.telegram.org).
func (s *Server) URL() string { return s.srv.URL }

// Endpoint is the library's endpoint format for this server.
func (s *Server) Endpoint() string { return s.srv.URL + "/bot%s/%s" }

// Token is the token the server accepts.
func (s *Server) Token() string { return s.token }

// BotName is the bot's username.
func (s *Server) BotName() string { return s.name }

// SetChatTitle sets the title of group chatID, sent with its messages
// from now on (a group is "Group" until then).
func (s *Server) SetChatTitle(chatID int64, title string) {
	s.mu.Lock()
	s.titles[chatID] = title
	s.mu.Unlock()
}

// PushMessage queues a text message from userID in chatID (a private chat when
// they are equal, a group otherwise) and returns its update id.
func (s *Server) PushMessage(chatID, userID int64, text string) int {
	s.mu.Lock()
	s.nextMsg[chatID]++
	msg := jsonMessage{MessageID: s.nextMsg[chatID], From: user(userID), Chat: chat(chatID), Date: time.Now().Unix(), Text: text}
	msg.From.LanguageCode = s.userLang[userID]
	if title, ok := s.titles[chatID]; ok {
		msg.Chat.Title = title
	}
	s.mu.Unlock()
	if strings.HasPrefix(text, "/") {
		cmd, _, _ := strings.Cut(text, " ")
		msg.Entities = []jsonEntity{{Type: "bot_command", Offset: 0, Length: TextLength(cmd)}}
	}
	return s.push(struct {
		Message jsonMessage `json:"message"`
	}{msg})
}

// PushTopicMessage queues a text message from userID in the forum topic
// thread of the supergroup chatID.
func (s *Server) PushTopicMessage(chatID, userID int64, thread int, text string) int {
	s.mu.Lock()
	s.nextMsg[chatID]++
	msg := jsonMessage{MessageID: s.nextMsg[chatID], From: user(userID), Chat: chat(chatID), Date: time.Now().Unix(), Text: text, ThreadID: thread, IsTopic: true}
	s.mu.Unlock()
	return s.push(struct {
		Message jsonMessage `json:"message"`
	}{msg})
}

// PushUpdate queues a raw update (its update_id is assigned by the server),
// for update kinds the other helpers do not build (channel posts, edits).
func (s *Server) PushUpdate(fields map[string]any) int {
	return s.push(fields)
}

// PushCallback queues a press by userID of the button with data under the
// bot's message messageID in chatID and returns the callback query id.
func (s *Server) PushCallback(chatID, userID int64, messageID int, data string) string {
	s.mu.Lock()
	s.nextCB++
	id := "cb" + strconv.Itoa(s.nextCB)
	s.callbacks[id] = &callbackState{chatID: chatID, userID: userID}
	s.cbOrder = append(s.cbOrder, id)
	msg := jsonMessage{
		MessageID: messageID,
		From:      jsonUser{ID: s.botID, IsBot: true, FirstName: "Tutor", UserName: s.name},
		Chat:      chat(chatID),
		Date:      time.Now().Unix(),
	}
	if m := s.msgs[chatID][messageID]; m != nil {
		msg.Text = m.text
		msg.ThreadID, msg.IsTopic = m.thread, m.thread != 0
		if m.keyboard != nil {
			msg.ReplyMarkup = &jsonKeyboard{InlineKeyboard: m.keyboard}
		}
	}
	from := user(userID)
	from.LanguageCode = s.userLang[userID]
	s.mu.Unlock()
	s.push(struct {
		CallbackQuery jsonCallback `json:"callback_query"`
	}{jsonCallback{ID: id, From: from, Message: msg, ChatInstance: strconv.FormatInt(chatID, 10), Data: data}})
	return id
}

// push encodes an update without its id (outside the lock: the learners of
// a load test push at once), then numbers and queues it.
func (s *Server) push(fields any) int {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // as Telegram: "<b>" stays "<b>"
	if err := enc.Encode(fields); err != nil {
		s.t.Errorf("telegramtest: marshal update: %v", err)
		return 0
	}
	body := bytes.TrimSpace(buf.Bytes())
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.nextUpdate
	s.nextUpdate++
	raw := make([]byte, 0, len(body)+24)
	raw = append(raw, `{"update_id":`...)
	raw = strconv.AppendInt(raw, int64(id), 10)
	if len(body) > 2 { // body is an object: "{...}"
		raw = append(raw, ',')
	}
	raw = append(raw, body[1:]...)
	s.updates = append(s.updates, raw)
	s.updateIDs = append(s.updateIDs, id)
	close(s.changed)
	s.changed = make(chan struct{})
	return id
}

func user(id int64) jsonUser {
	return jsonUser{ID: id, FirstName: "User" + strconv.FormatInt(id, 10), UserName: "user" + strconv.FormatInt(id, 10)}
}

func chat(id int64) jsonChat {
	if id < 0 {
		return jsonChat{ID: id, Type: "supergroup", Title: "Group"}
	}
	return jsonChat{ID: id, Type: "private", FirstName: "User" + strconv.FormatInt(id, 10)}
}

// Changed returns a channel that is closed at the next successful call
// concerning chatID (a message sent or edited, a chat action, a callback
// from the chat answered), so tests wait without polling.
func (s *Server) Changed(chatID int64) <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.watchers[chatID]
	if ch == nil {
		ch = make(chan struct{})
		s.watchers[chatID] = ch
	}
	return ch
}

// WaitFor waits until cond holds for the chat's successful calls, or the
// timeout passes; it reports whether cond held.
func (s *Server) WaitFor(chatID int64, timeout time.Duration, cond func(sent []Message) bool) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		ch := s.Changed(chatID)
		if cond(s.Sent(chatID)) {
			return true
		}
		select {
		case <-ch:
		case <-deadline.C:
			return cond(s.Sent(chatID))
		}
	}
}

func (s *Server) notifyLocked(chatID int64) {
	if ch := s.watchers[chatID]; ch != nil {
		close(ch)
		delete(s.watchers, chatID)
	}
}

// Sent returns the successful calls concerning chatID, in order. The
// records never change once made, so the result shares them without a
// copy: read it, do not modify it.
func (s *Server) Sent(chatID int64) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	ms := s.sent[chatID]
	return ms[:len(ms):len(ms)]
}

// Messages returns only the sendMessage calls of Sent(chatID).
func (s *Server) Messages(chatID int64) []Message {
	var out []Message
	for _, m := range s.Sent(chatID) {
		if m.Method == "sendMessage" {
			out = append(out, m)
		}
	}
	return out
}

// Current returns the message's present state (text and keyboard).
func (s *Server) Current(chatID int64, messageID int) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.msgs[chatID][messageID]
	if m == nil {
		return Message{}, false
	}
	return Message{ChatID: chatID, MessageID: messageID, Text: m.text, ParseMode: m.parseMode, Keyboard: m.keyboard}, true
}

// Calls returns every request received so far, in order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// Unanswered returns the ids of callback queries delivered to the bot (pushed
// and fetched through getUpdates or not) that were never answered.
func (s *Server) Unanswered() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, id := range s.cbOrder {
		if s.callbacks[id].answers == 0 {
			out = append(out, id)
		}
	}
	return out
}

// Answers returns how often the callback query was answered and the text of
// the last answer.
func (s *Server) Answers(callbackID string) (int, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.callbacks[callbackID]
	if c == nil {
		return 0, ""
	}
	return c.answers, c.text
}

// Commands returns the commands set with setMyCommands without a
// language_code: the default menu.
func (s *Server) Commands() []Command {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Command(nil), s.commands...)
}

// CommandsFor returns the commands set with setMyCommands for users whose
// language_code is lang.
func (s *Server) CommandsFor(lang string) []Command {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Command(nil), s.langCommands[lang]...)
}

// SetLanguage makes the updates of userID carry language_code (as the
// Telegram app sets it from the user's interface language; "" for none).
func (s *Server) SetLanguage(userID int64, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.userLang[userID] = code
}

// Webhook returns the URL and secret token set with setWebhook.
func (s *Server) Webhook() (url, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.webhookURL, s.webhookTok
}

// Pending returns how many queued updates have not been confirmed.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.updates)
}

// Polling reports how many getUpdates requests are waiting right now.
func (s *Server) Polling() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pollActive
}

// FailNext makes the next n calls of method fail with status: 429 carries
// parameters.retry_after=retryAfter, 403 says the bot was blocked, other
// codes get a generic description.
func (s *Server) FailNext(method string, n int, status int, retryAfter int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.failures[method] = append(s.failures[method], failure{status: status, retryAfter: retryAfter})
	}
}

// RedirectNext makes the next n calls of method answer 307 Temporary
// Redirect to location (a client following it re-sends the call there).
func (s *Server) RedirectNext(method string, n int, location string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.failures[method] = append(s.failures[method], failure{redirect: location})
	}
}

// EchoURLNext makes the next n calls of method fail with 400 and a
// description that repeats the request's URL, token included, as some
// proxies and self-hosted servers do.
func (s *Server) EchoURLNext(method string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.failures[method] = append(s.failures[method], failure{status: 400, echoURL: true})
	}
}

// SetMethodDelay delays every answer to method by d (0: none), on top of
// SetDelay: a slow answerCallbackQuery, say.
func (s *Server) SetMethodDelay(method string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.delays == nil {
		s.delays = map[string]time.Duration{}
	}
	s.delays[method] = d
}

// SetOutage makes every call that concerns a chat (sending, editing,
// chat actions) fail with status, like a Bot API outage, until
// SetOutage(0). getUpdates keeps working, so learners keep writing.
func (s *Server) SetOutage(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.outage = status
}

// SetMemberStatus sets what getChatMember answers for userID in chatID:
// "creator", "administrator", "member", "left"…
func (s *Server) SetMemberStatus(chatID, userID int64, status string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.members[[2]int64{chatID, userID}] = status
}

// getChatMember answers a member's status in a chat: what SetMemberStatus
// set, else "member".
func (s *Server) getChatMember(chatID int64, p map[string]string) (any, *apiError) {
	user, err := strconv.ParseInt(p["user_id"], 10, 64)
	if chatID == 0 || err != nil {
		return nil, badRequest("chat_id or user_id is invalid")
	}
	s.mu.Lock()
	status := s.members[[2]int64{chatID, user}]
	s.mu.Unlock()
	if status == "" {
		status = "member"
	}
	return map[string]any{"status": status, "user": map[string]any{"id": user, "is_bot": false, "first_name": "User"}}, nil
}

// Block makes every call concerning chatID fail with 403 until Unblock.
func (s *Server) Block(chatID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blocked[chatID] = true
}

// Unblock undoes Block.
func (s *Server) Unblock(chatID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.blocked, chatID)
}

// SetDelay delays every answer by d (0: none).
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// DropConnections makes the next n requests end with a closed connection
// and no answer. The request is not processed.
func (s *Server) DropConnections(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.drop += n
}

type apiError struct {
	status      int
	description string
	retryAfter  int
}

func badRequest(format string, args ...any) *apiError {
	return &apiError{status: 400, description: "Bad Request: " + fmt.Sprintf(format, args...)}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	drop := s.drop > 0
	if drop {
		s.drop--
	}
	delay := s.delay
	s.mu.Unlock()
	if drop {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	}
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot")
	token, method, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 {
		writeError(w, &apiError{status: 404, description: "Not Found"})
		return
	}
	if token != s.token {
		writeError(w, &apiError{status: 401, description: "Unauthorized"})
		return
	}
	var upload *multipart.FileHeader
	var uploadField string
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		if err := r.ParseMultipartForm(10 << 20); err != nil {
			writeError(w, badRequest("bad form: %v", err))
			return
		}
		for _, field := range []string{"document", "photo"} {
			if fs := r.MultipartForm.File[field]; len(fs) > 0 {
				upload, uploadField = fs[0], field
			}
		}
	} else if err := r.ParseForm(); err != nil {
		writeError(w, badRequest("bad form: %v", err))
		return
	}
	s.mu.Lock()
	methodDelay := s.delays[method]
	s.mu.Unlock()
	if methodDelay > 0 {
		select {
		case <-time.After(methodDelay):
		case <-r.Context().Done():
			return
		}
	}
	s.mu.Lock()
	var trick failure
	if fs := s.failures[method]; len(fs) > 0 && (fs[0].redirect != "" || fs[0].echoURL) {
		trick = fs[0]
		s.failures[method] = fs[1:]
	}
	s.mu.Unlock()
	switch {
	case trick.redirect != "":
		http.Redirect(w, r, trick.redirect, http.StatusTemporaryRedirect)
		return
	case trick.echoURL:
		writeError(w, badRequest("cannot handle %s (%s)", r.URL.String(), url.QueryEscape(r.URL.String())))
		return
	}
	if method == "sendMessage" && s.overLimit(time.Now()) {
		writeError(w, &apiError{status: 429, description: "Too Many Requests: retry after 1", retryAfter: 1})
		return
	}
	params := map[string]string{}
	for k, v := range r.Form {
		if len(v) > 0 {
			params[k] = v[0]
		}
	}
	if upload != nil {
		f, err := upload.Open()
		if err == nil {
			data, _ := io.ReadAll(f)
			f.Close()
			params[uploadField], params[uploadField+"_name"] = string(data), upload.Filename
		}
	}
	chatID, _ := strconv.ParseInt(params["chat_id"], 10, 64)
	result, apiErr := s.dispatch(r.Context(), method, chatID, params)
	status := 200
	if apiErr != nil {
		status = apiErr.status
	}
	s.mu.Lock()
	s.calls = append(s.calls, Call{Method: method, ChatID: chatID, Params: params, Status: status, At: time.Now()})
	s.mu.Unlock()
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	var body []byte
	if ups, ok := result.([]json.RawMessage); ok {
		// Updates are stored as JSON already: no need to re-encode them.
		size := 32
		for _, u := range ups {
			size += len(u) + 1
		}
		body = make([]byte, 0, size)
		body = append(body, `{"ok":true,"result":[`...)
		for i, u := range ups {
			if i > 0 {
				body = append(body, ',')
			}
			body = append(body, u...)
		}
		body = append(body, "]}"...)
	} else {
		var err error
		if body, err = json.Marshal(okResult{OK: true, Result: result}); err != nil {
			s.t.Errorf("telegramtest: marshal result: %v", err)
			return
		}
	}
	w.Write(body)
}

type okResult struct {
	OK     bool `json:"ok"`
	Result any  `json:"result"`
}

type jsonUser struct {
	ID           int64  `json:"id"`
	IsBot        bool   `json:"is_bot"`
	FirstName    string `json:"first_name"`
	UserName     string `json:"username,omitempty"`
	LanguageCode string `json:"language_code,omitempty"`
}

type jsonChat struct {
	ID        int64  `json:"id"`
	Type      string `json:"type"`
	Title     string `json:"title,omitempty"`
	FirstName string `json:"first_name,omitempty"`
}

type jsonKeyboard struct {
	InlineKeyboard [][]Button `json:"inline_keyboard"`
}

type jsonMessage struct {
	MessageID   int           `json:"message_id"`
	From        jsonUser      `json:"from"`
	Chat        jsonChat      `json:"chat"`
	Date        int64         `json:"date"`
	Text        string        `json:"text,omitempty"`
	Entities    []jsonEntity  `json:"entities,omitempty"`
	ReplyMarkup *jsonKeyboard `json:"reply_markup,omitempty"`
	ThreadID    int           `json:"message_thread_id,omitempty"`
	IsTopic     bool          `json:"is_topic_message,omitempty"`
}

type jsonEntity struct {
	Type   string `json:"type"`
	Offset int    `json:"offset"`
	Length int    `json:"length"`
}

type jsonCallback struct {
	ID           string      `json:"id"`
	From         jsonUser    `json:"from"`
	Message      jsonMessage `json:"message"`
	ChatInstance string      `json:"chat_instance"`
	Data         string      `json:"data"`
}

func writeError(w http.ResponseWriter, e *apiError) {
	body := map[string]any{"ok": false, "error_code": e.status, "description": e.description}
	if e.retryAfter > 0 {
		body["parameters"] = map[string]any{"retry_after": e.retryAfter}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.status)
	json.NewEncoder(w).Encode(body)
}

var knownMethods = map[string]bool{
	"getMe": true, "getUpdates": true, "sendMessage": true, "editMessageText": true,
	"editMessageReplyMarkup": true, "answerCallbackQuery": true, "sendChatAction": true,
	"setMyCommands": true, "setWebhook": true, "deleteWebhook": true, "sendDocument": true,
	"sendPhoto": true, "getChatMember": true,
}

// chatMethods concern one chat and fail with 403 when it is blocked.
var chatMethods = map[string]bool{
	"sendMessage": true, "sendDocument": true, "sendPhoto": true, "editMessageText": true, "editMessageReplyMarkup": true, "sendChatAction": true,
}

func (s *Server) dispatch(ctx context.Context, method string, chatID int64, p map[string]string) (any, *apiError) {
	if !knownMethods[method] {
		return nil, &apiError{status: 404, description: "Not Found"}
	}
	s.mu.Lock()
	if fs := s.failures[method]; len(fs) > 0 {
		f := fs[0]
		s.failures[method] = fs[1:]
		s.mu.Unlock()
		return nil, injected(f)
	}
	blocked := chatMethods[method] && s.blocked[chatID]
	outage := s.outage
	s.mu.Unlock()
	if outage != 0 && chatMethods[method] {
		return nil, injected(failure{status: outage})
	}
	if blocked {
		return nil, &apiError{status: 403, description: "Forbidden: bot was blocked by the user"}
	}
	switch method {
	case "getMe":
		return map[string]any{"id": s.botID, "is_bot": true, "first_name": "Tutor", "username": s.name, "can_join_groups": true}, nil
	case "getUpdates":
		return s.getUpdates(ctx, p)
	case "sendMessage":
		return s.sendMessage(chatID, p)
	case "sendDocument":
		return s.sendFile(chatID, p, "sendDocument", "document")
	case "sendPhoto":
		return s.sendFile(chatID, p, "sendPhoto", "photo")
	case "getChatMember":
		return s.getChatMember(chatID, p)
	case "editMessageText":
		return s.editMessage(chatID, p, true)
	case "editMessageReplyMarkup":
		return s.editMessage(chatID, p, false)
	case "answerCallbackQuery":
		return s.answerCallback(p)
	case "sendChatAction":
		return s.chatAction(chatID, p)
	case "setMyCommands":
		return s.setCommands(p)
	case "setWebhook":
		return s.setWebhook(p)
	case "deleteWebhook":
		s.mu.Lock()
		s.webhookURL, s.webhookTok = "", ""
		s.mu.Unlock()
		return true, nil
	}
	return nil, &apiError{status: 404, description: "Not Found"}
}

func injected(f failure) *apiError {
	switch f.status {
	case 429:
		return &apiError{status: 429, description: fmt.Sprintf("Too Many Requests: retry after %d", f.retryAfter), retryAfter: f.retryAfter}
	case 403:
		return &apiError{status: 403, description: "Forbidden: bot was blocked by the user"}
	case 400:
		return badRequest("injected failure")
	case 401:
		return &apiError{status: 401, description: "Unauthorized"}
	case 409:
		return &apiError{status: 409, description: "Conflict: terminated by other getUpdates request"}
	default:
		return &apiError{status: f.status, description: "Internal Server Error"}
	}
}

func (s *Server) getUpdates(ctx context.Context, p map[string]string) (any, *apiError) {
	offset, _ := strconv.Atoi(p["offset"])
	limit, _ := strconv.Atoi(p["limit"])
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	timeout, _ := strconv.Atoi(p["timeout"])
	var deadline <-chan time.Time
	if timeout > 0 {
		timer := time.NewTimer(time.Duration(timeout) * time.Second)
		defer timer.Stop()
		deadline = timer.C
	}
	s.mu.Lock()
	if s.webhookURL != "" {
		s.mu.Unlock()
		return nil, &apiError{status: 409, description: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"}
	}
	s.pollActive++
	defer func() {
		s.mu.Lock()
		s.pollActive--
		s.mu.Unlock()
	}()
	for {
		// Updates below offset are confirmed: forget them.
		if offset > 0 {
			n := 0
			for n < len(s.updateIDs) && s.updateIDs[n] < offset {
				n++
			}
			s.updates, s.updateIDs = s.updates[n:], s.updateIDs[n:]
		}
		if len(s.updates) > 0 || deadline == nil {
			n := min(limit, len(s.updates))
			out := append([]json.RawMessage{}, s.updates[:n]...)
			s.mu.Unlock()
			return out, nil
		}
		changed := s.changed
		s.mu.Unlock()
		select {
		case <-changed:
		case <-deadline:
			return []json.RawMessage{}, nil
		case <-ctx.Done():
			return []json.RawMessage{}, nil
		}
		s.mu.Lock()
	}
}

func (s *Server) checkText(text, parseMode string) *apiError {
	switch parseMode {
	case "":
		n := TextLength(strings.TrimSpace(text))
		if n == 0 {
			return badRequest("message text is empty")
		}
		if n > 4096 {
			return badRequest("message is too long")
		}
	case "HTML":
		// The project's validator holds Telegram's rules: allowed tags,
		// nesting, entities, 1-4096 visible UTF-16 units.
		if err := render.ValidateTelegramHTML(text); err != nil {
			if render.Length(text, render.TelegramHTML) > 4096 {
				return badRequest("message is too long")
			}
			return badRequest("can't parse entities: %v", err)
		}
	default:
		return badRequest("unsupported parse_mode %q", parseMode)
	}
	return nil
}

// TextLength is a length as Telegram limits it: UTF-16 code units.
func TextLength(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// parseMarkup reads reply_markup: an inline keyboard, "null" or nothing.
func parseMarkup(raw string) ([][]Button, string, *apiError) {
	if raw == "" || raw == "null" {
		return nil, "", nil
	}
	var m struct {
		InlineKeyboard [][]Button `json:"inline_keyboard"`
	}
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return nil, "", badRequest("can't parse reply keyboard markup JSON object")
	}
	for _, row := range m.InlineKeyboard {
		for _, b := range row {
			if b.Text == "" {
				return nil, "", badRequest("text buttons are unallowed in the inline keyboard")
			}
			if b.URL == "" && (len(b.CallbackData) < 1 || len(b.CallbackData) > 64) {
				return nil, "", badRequest("BUTTON_DATA_INVALID")
			}
		}
	}
	if len(m.InlineKeyboard) == 0 {
		return nil, "", nil
	}
	key, _ := json.Marshal(m.InlineKeyboard)
	return m.InlineKeyboard, string(key), nil
}

func (s *Server) sendMessage(chatID int64, p map[string]string) (any, *apiError) {
	if chatID == 0 {
		return nil, badRequest("chat_id is empty")
	}
	if e := s.checkText(p["text"], p["parse_mode"]); e != nil {
		return nil, e
	}
	kb, key, e := parseMarkup(p["reply_markup"])
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextMsg[chatID]++
	id := s.nextMsg[chatID]
	if s.msgs[chatID] == nil {
		s.msgs[chatID] = map[int]*storedMsg{}
	}
	thread, _ := strconv.Atoi(p["message_thread_id"])
	s.msgs[chatID][id] = &storedMsg{thread: thread, text: p["text"], parseMode: p["parse_mode"], keyboard: kb, markupKey: key}
	s.notifyLocked(chatID)
	s.sent[chatID] = append(s.sent[chatID], Message{Method: "sendMessage", ChatID: chatID, MessageID: id, Text: p["text"], ParseMode: p["parse_mode"], Keyboard: kb, ThreadID: thread, At: time.Now()})
	return s.messageResult(chatID, id), nil
}

// sendFile takes an uploaded file (the form field "document" of
// sendDocument, "photo" of sendPhoto: a PNG or JPEG whose width and height
// add up to at most 10,000 pixels) with an optional caption of at most
// 1,024 characters.
func (s *Server) sendFile(chatID int64, p map[string]string, method, field string) (any, *apiError) {
	if chatID == 0 {
		return nil, badRequest("chat_id is empty")
	}
	name, ok := p[field+"_name"]
	if !ok || p[field] == "" {
		return nil, badRequest("there is no %s in the request", field)
	}
	if field == "photo" {
		cfg, _, err := image.DecodeConfig(strings.NewReader(p[field]))
		if err != nil || cfg.Width+cfg.Height > 10000 {
			return nil, badRequest("IMAGE_PROCESS_FAILED")
		}
	}
	if TextLength(p["caption"]) > 1024 {
		return nil, badRequest("message caption is too long")
	}
	if p["caption"] != "" {
		if e := s.checkText(p["caption"], p["parse_mode"]); e != nil {
			return nil, e
		}
	}
	kb, key, e := parseMarkup(p["reply_markup"])
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextMsg[chatID]++
	id := s.nextMsg[chatID]
	if s.msgs[chatID] == nil {
		s.msgs[chatID] = map[int]*storedMsg{}
	}
	thread, _ := strconv.Atoi(p["message_thread_id"])
	s.msgs[chatID][id] = &storedMsg{thread: thread, text: p["caption"], parseMode: p["parse_mode"], keyboard: kb, markupKey: key}
	s.notifyLocked(chatID)
	s.sent[chatID] = append(s.sent[chatID], Message{Method: method, ChatID: chatID, MessageID: id, Text: p["caption"], ParseMode: p["parse_mode"], Keyboard: kb,
		ThreadID: thread, Document: name, DocumentData: []byte(p[field]), At: time.Now()})
	return s.messageResult(chatID, id), nil
}

func (s *Server) messageResult(chatID int64, id int) jsonMessage {
	m := s.msgs[chatID][id]
	res := jsonMessage{
		MessageID: id,
		From:      jsonUser{ID: s.botID, IsBot: true, FirstName: "Tutor", UserName: s.name},
		Chat:      jsonChat{ID: chatID, Type: "private", FirstName: "User"},
		Date:      time.Now().Unix(),
		Text:      m.text,
	}
	if chatID < 0 {
		res.Chat = jsonChat{ID: chatID, Type: "supergroup", Title: "Group"}
	}
	if m.keyboard != nil {
		res.ReplyMarkup = &jsonKeyboard{InlineKeyboard: m.keyboard}
	}
	return res
}

func (s *Server) editMessage(chatID int64, p map[string]string, withText bool) (any, *apiError) {
	if p["inline_message_id"] != "" {
		return nil, badRequest("inline messages are not supported by the fake")
	}
	id, _ := strconv.Atoi(p["message_id"])
	if withText {
		if e := s.checkText(p["text"], p["parse_mode"]); e != nil {
			return nil, e
		}
	}
	kb, key, e := parseMarkup(p["reply_markup"])
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.msgs[chatID][id]
	if m == nil {
		return nil, badRequest("message to edit not found")
	}
	text, mode := m.text, m.parseMode
	if withText {
		text, mode = p["text"], p["parse_mode"]
	}
	if text == m.text && mode == m.parseMode && key == m.markupKey {
		return nil, badRequest("message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
	}
	m.text, m.parseMode, m.keyboard, m.markupKey = text, mode, kb, key
	method := "editMessageReplyMarkup"
	if withText {
		method = "editMessageText"
	}
	s.notifyLocked(chatID)
	s.sent[chatID] = append(s.sent[chatID], Message{Method: method, ChatID: chatID, MessageID: id, Text: text, ParseMode: mode, Keyboard: kb, At: time.Now()})
	return s.messageResult(chatID, id), nil
}

func (s *Server) answerCallback(p map[string]string) (any, *apiError) {
	id := p["callback_query_id"]
	if TextLength(p["text"]) > 200 {
		return nil, badRequest("MESSAGE_TOO_LONG")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.callbacks[id]
	if c == nil || c.answers > 0 {
		if c != nil {
			c.answers++ // counted, so a test sees the double answer
		}
		return nil, badRequest("query is too old and response timeout expired or query ID is invalid")
	}
	c.answers++
	c.text = p["text"]
	s.notifyLocked(c.chatID)
	return true, nil
}

var chatActions = map[string]bool{
	"typing": true, "upload_photo": true, "record_video": true, "upload_video": true, "record_voice": true,
	"upload_voice": true, "upload_document": true, "choose_sticker": true, "find_location": true,
}

func (s *Server) chatAction(chatID int64, p map[string]string) (any, *apiError) {
	if chatID == 0 {
		return nil, badRequest("chat_id is empty")
	}
	if !chatActions[p["action"]] {
		return nil, badRequest("wrong parameter action in request")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.notifyLocked(chatID)
	s.sent[chatID] = append(s.sent[chatID], Message{Method: "sendChatAction", ChatID: chatID, Action: p["action"], At: time.Now()})
	return true, nil
}

var commandName = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)

func (s *Server) setCommands(p map[string]string) (any, *apiError) {
	var cmds []Command
	if raw := p["commands"]; raw != "" && raw != "null" {
		if err := json.Unmarshal([]byte(raw), &cmds); err != nil {
			return nil, badRequest("can't parse commands JSON object")
		}
	}
	if len(cmds) > 100 {
		return nil, badRequest("too many commands")
	}
	for _, c := range cmds {
		if !commandName.MatchString(c.Command) {
			return nil, badRequest("BOT_COMMAND_INVALID")
		}
		if n := TextLength(c.Description); n < 1 || n > 256 {
			return nil, badRequest("BOT_COMMAND_DESCRIPTION_INVALID")
		}
	}
	lang := p["language_code"]
	if lang != "" && !languageCode.MatchString(lang) {
		return nil, badRequest("LANGUAGE_CODE_INVALID")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if lang != "" {
		s.langCommands[lang] = cmds
		return true, nil
	}
	s.commands = cmds
	return true, nil
}

// languageCode is a two-letter ISO 639-1 code, as setMyCommands takes it.
var languageCode = regexp.MustCompile(`^[a-z]{2}$`)

var secretToken = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

func (s *Server) setWebhook(p map[string]string) (any, *apiError) {
	u := p["url"]
	if u != "" && !strings.HasPrefix(u, "https://") {
		return nil, badRequest("bad webhook: An HTTPS URL must be provided for webhook")
	}
	if tok := p["secret_token"]; tok != "" && !secretToken.MatchString(tok) {
		return nil, badRequest("bad webhook: secret token contains unallowed characters")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.webhookURL, s.webhookTok = u, p["secret_token"]
	return true, nil
}
