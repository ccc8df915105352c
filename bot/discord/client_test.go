package discord

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestDefaultClientReusesConnections sends rounds of 64 concurrent REST
// calls through the default client: it must keep the connections alive
// between rounds instead of dialling again (Go's default keeps 2 per host).
func TestDefaultClientReusesConnections(t *testing.T) {
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(2 * time.Millisecond) // calls overlap, as interactions do
		io.WriteString(w, `{}`)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()

	const concurrent, rounds = 64, 5
	c := newHTTPClient()
	for range rounds {
		var wg sync.WaitGroup
		for range concurrent {
			wg.Go(func() {
				resp, err := c.Post(srv.URL, "application/json", nil)
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			})
		}
		wg.Wait()
	}
	if n := conns.Load(); n > concurrent+concurrent/4 {
		t.Errorf("%d connections for %d rounds of %d concurrent calls, want at most %d", n, rounds, concurrent, concurrent+concurrent/4)
	} else {
		t.Logf("%d connections for %d calls", n, rounds*concurrent)
	}
}
