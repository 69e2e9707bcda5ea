package chat

import (
	"context"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
)

// The heartbeat and the deep heartbeat are two WebSocket messages, which
// the WebSocket library writes (and flushes) one at a time: two writes to
// the network, two packets. The sessions' default HTTP client holds the
// writes of a socket back while the session writes both, and sends them in
// one: with thousands of sessions, the heartbeats are most of what a process
// does, and a write to the network is most of a heartbeat.

// corkConn is a connection whose writes can be held back (cork) and then
// sent in one write (uncork).
type corkConn struct {
	net.Conn
	mu     sync.Mutex // held while writing
	corked bool
	buf    []byte
}

// maxCorkBuffer is the largest buffer a corkConn keeps between two corks;
// the heartbeats take about a hundred bytes.
const maxCorkBuffer = 512

func (c *corkConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.corked {
		c.buf = append(c.buf, p...)
		return len(p), nil
	}
	return c.Conn.Write(p)
}

// cork holds the writes back until uncork.
func (c *corkConn) cork() {
	c.mu.Lock()
	c.corked = true
	c.mu.Unlock()
}

// uncork sends the writes held back, in one write.
func (c *corkConn) uncork() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.corked = false
	if len(c.buf) == 0 {
		return nil
	}
	_, err := c.Conn.Write(c.buf)
	if cap(c.buf) > maxCorkBuffer {
		c.buf = nil
	} else {
		c.buf = c.buf[:0]
	}
	return err
}

// corkSlot receives the corkConn that the default client dials for one
// WebSocket; Connect passes it in the dial's context.
type corkSlot struct{ conn atomic.Pointer[corkConn] }

type corkSlotKey struct{}

// defaultWebSocketClient is the client that opens the WebSockets of the
// sessions without WithHTTPClient: the standard transport, as
// http.DefaultClient has it, whose connections are corkConns. It dials a
// connection for every WebSocket (an upgraded connection is never reused
// anyway). It is nil, and http.DefaultClient opens the WebSockets, when the
// program changed http.DefaultClient's transport or replaced the standard
// one.
var defaultWebSocketClient = sync.OnceValue(func() *http.Client {
	std, ok := http.DefaultTransport.(*http.Transport)
	if !ok || http.DefaultClient.Transport != nil {
		return nil
	}
	t := std.Clone()
	t.DisableKeepAlives = true
	dial := t.DialContext
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		slot, ok := ctx.Value(corkSlotKey{}).(*corkSlot)
		if !ok {
			return conn, nil
		}
		cc := &corkConn{Conn: conn}
		slot.conn.Store(cc)
		return cc, nil
	}
	return &http.Client{Transport: t}
})
