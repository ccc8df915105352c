package discordtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// gatewayPath is where the fake gateway listens for websockets.
const gatewayPath = "/fake-gateway/"

// Identify is what a client sent in its Identify (op 2) payload.
type Identify struct {
	Token   string `json:"token"`
	Intents int    `json:"intents"`
}

// gateway is a minimal Discord gateway: Hello, Identify, Ready, heartbeat
// acks and dispatches pushed by the test.
type gateway struct {
	mu         sync.Mutex
	conns      []*gwConn
	identifies []Identify
	closes     int
	ready      chan struct{}
}

type gwConn struct {
	mu  sync.Mutex
	ws  *websocket.Conn
	seq int64
}

func (c *gwConn) write(v any) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second)); err != nil {
		return fmt.Errorf("set write deadline: %w", err)
	}
	return c.ws.WriteJSON(v)
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

func (s *Server) serveGateway(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != gatewayPath {
		http.NotFound(w, r)
		return
	}
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &gwConn{ws: ws}
	defer ws.Close()
	if c.write(map[string]any{"op": 10, "d": map[string]any{"heartbeat_interval": 45000}}) != nil {
		return
	}
	for {
		_, msg, err := ws.ReadMessage()
		if err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				s.gw.mu.Lock()
				s.gw.closes++
				s.gw.mu.Unlock()
			}
			s.gw.remove(c)
			return
		}
		var p struct {
			Op int             `json:"op"`
			D  json.RawMessage `json:"d"`
		}
		if json.Unmarshal(msg, &p) != nil {
			continue
		}
		switch p.Op {
		case 1: // heartbeat
			_ = c.write(map[string]any{"op": 11})
		case 2: // identify
			var id Identify
			_ = json.Unmarshal(p.D, &id)
			good := id.Token == "Bot "+s.token
			s.gw.mu.Lock()
			s.gw.identifies = append(s.gw.identifies, Identify{Intents: id.Intents, Token: "(redacted)"})
			s.gw.mu.Unlock()
			if !good {
				_ = ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4004, "Authentication failed."))
				return
			}
			c.mu.Lock()
			c.seq++
			seq := c.seq
			c.mu.Unlock()
			ready := map[string]any{"op": 0, "t": "READY", "s": seq, "d": map[string]any{
				"v": 10, "session_id": "fake-session", "resume_gateway_url": "ws://unused",
				"user":   map[string]any{"id": s.appID, "username": "tutor", "bot": true, "discriminator": "0"},
				"guilds": []any{}, "private_channels": []any{},
				"application": map[string]any{"id": s.appID, "flags": 0},
			}}
			if c.write(ready) != nil {
				return
			}
			s.gw.mu.Lock()
			s.gw.conns = append(s.gw.conns, c)
			if s.gw.ready == nil {
				s.gw.ready = make(chan struct{})
			}
			select {
			case <-s.gw.ready:
			default:
				close(s.gw.ready)
			}
			s.gw.mu.Unlock()
		}
	}
}

func (g *gateway) remove(c *gwConn) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for i, x := range g.conns {
		if x == c {
			g.conns = append(g.conns[:i], g.conns[i+1:]...)
			return
		}
	}
}

func (g *gateway) closeAll() {
	g.mu.Lock()
	conns := append([]*gwConn(nil), g.conns...)
	g.mu.Unlock()
	for _, c := range conns {
		_ = c.ws.Close()
	}
}

// WaitReady blocks until a client has identified on the fake gateway or
// the timeout passes.
func (s *Server) WaitReady(timeout time.Duration) error {
	s.gw.mu.Lock()
	if s.gw.ready == nil {
		s.gw.ready = make(chan struct{})
	}
	ch := s.gw.ready
	s.gw.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-time.After(timeout):
		return errors.New("no client identified on the fake gateway")
	}
}

// Identifies returns what clients sent when they identified (tokens
// redacted).
func (s *Server) Identifies() []Identify {
	s.gw.mu.Lock()
	defer s.gw.mu.Unlock()
	return append([]Identify(nil), s.gw.identifies...)
}

// GatewayCloses counts clients that closed their gateway connection with a
// close frame.
func (s *Server) GatewayCloses() int {
	s.gw.mu.Lock()
	defer s.gw.mu.Unlock()
	return s.gw.closes
}

// Dispatch sends a gateway event (op 0) such as "INTERACTION_CREATE" or
// "MESSAGE_CREATE" with data to every connected client.
func (s *Server) Dispatch(event string, data any) error {
	s.gw.mu.Lock()
	conns := append([]*gwConn(nil), s.gw.conns...)
	s.gw.mu.Unlock()
	if len(conns) == 0 {
		return errors.New("no client connected to the fake gateway")
	}
	for _, c := range conns {
		c.mu.Lock()
		c.seq++
		seq := c.seq
		c.mu.Unlock()
		if err := c.write(map[string]any{"op": 0, "t": event, "s": seq, "d": data}); err != nil {
			return fmt.Errorf("dispatch %s: %w", event, err)
		}
	}
	return nil
}
