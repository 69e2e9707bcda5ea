package participanttest

import (
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chatwire/connectparticipant/participant"
)

// Timeouts of the HTTP server. They are constants, not options: a fake has
// no reason to differ from them, and tests of the package shorten them
// through Server.timeouts before Start.
const (
	// readHeaderTimeout bounds reading a request's headers.
	readHeaderTimeout = 10 * time.Second
	// readTimeout bounds reading a whole request, body included; a body
	// dripped for longer is cut off. An attachment upload gets more time
	// for its bytes (see storageReadDeadline).
	readTimeout = 10 * time.Second
	// idleTimeout closes a keep-alive connection idle for this long.
	idleTimeout = 30 * time.Second
	// closeGrace is how long Close lets requests in flight finish before it
	// closes their connections.
	closeGrace = 500 * time.Millisecond
)

// timeouts are the HTTP server's timeouts; see the constants.
type timeouts struct {
	readHeader, read, idle, closeGrace time.Duration
}

// Server is a fake Amazon Connect Participant Service, in the manner of
// net/http/httptest.Server: it serves every operation of the contract over
// HTTP on a loopback port, keeps the state of the chats (contacts, their
// participants, transcripts, attachments, views and authentication
// sessions), and lets a test play the agent's side and inject faults.
//
// A Server is safe for concurrent use. Close it when done.
type Server struct {
	// URL is the base URL of the server, such as http://127.0.0.1:41234,
	// without a trailing slash, once it is started. Give it to the client
	// as its endpoint.
	URL string

	cfg      config
	contract *contract
	ts       *httptest.Server
	handler  http.Handler // the front: CORS, routes, faults, the contract
	api      http.Handler // the generated strict server
	timeouts timeouts     // tests of the package may shorten them before Start
	key      []byte       // signs NextTokens and storage URLs; random per server

	baseCtx    context.Context // ends on Close: the context of processing
	cancelBase context.CancelFunc
	closeOnce  sync.Once
	accepted   atomic.Int64

	log    requestLog
	faults faultQueue

	mu   sync.Mutex // guards chat and ws
	chat chatState
	ws   webSocketState
	// published, if set (by tests of the package, before the server
	// serves), sees every item publish publishes, with mu held.
	published func(contactID string, item participant.Item)
}

// NewServer starts a fake service on a free loopback port (or the address of
// WithAddr) and returns it. Like httptest.NewServer, it panics if it cannot
// listen or an option is invalid; Start returns the error instead.
func NewServer(opts ...Option) *Server {
	s := NewUnstartedServer(opts...)
	s.Start()
	return s
}

// NewUnstartedServer returns a fake service that listens but does not serve
// yet, like httptest.NewUnstartedServer: call its Start method. It panics if
// it cannot listen or an option is invalid.
func NewUnstartedServer(opts ...Option) *Server {
	s, err := newServer(opts)
	if err != nil {
		panic(err)
	}
	return s
}

// Start starts a fake service as NewServer does, but returns an error,
// rather than panicking, when it cannot listen (the address is taken, say)
// or an option is invalid: for programs that serve the fake on a chosen
// address, such as participant fake --addr.
func Start(opts ...Option) (*Server, error) {
	s, err := newServer(opts)
	if err != nil {
		return nil, err
	}
	s.Start()
	return s, nil
}

func newServer(opts []Option) (*Server, error) {
	c, err := loadContract()
	if err != nil {
		return nil, err
	}
	cfg := defaultConfig()
	for _, opt := range opts {
		opt(&cfg)
	}
	if cfg.err != nil {
		return nil, cfg.err
	}
	var ln net.Listener
	if cfg.addr != "" {
		if ln, err = net.Listen("tcp", cfg.addr); err != nil {
			return nil, fmt.Errorf("participanttest: listen on %s: %w; choose another address or port", cfg.addr, err)
		}
	}

	baseCtx, cancel := context.WithCancel(context.Background())
	s := &Server{
		cfg:        cfg,
		contract:   c,
		timeouts:   timeouts{readHeader: readHeaderTimeout, read: readTimeout, idle: idleTimeout, closeGrace: closeGrace},
		key:        make([]byte, 32),
		baseCtx:    baseCtx,
		cancelBase: cancel,
		log:        newRequestLog(cfg.requestLog),
		chat:       newChatState(),
	}
	_, _ = rand.Read(s.key) // never fails
	s.api = newAPIHandler(s)
	s.handler = http.HandlerFunc(s.serveHTTP)
	s.ts = httptest.NewUnstartedServer(s.handler)
	if ln != nil {
		_ = s.ts.Listener.Close()
		s.ts.Listener = ln
	}
	return s, nil
}

// Start starts serving a server from NewUnstartedServer. It panics if the
// server was started before.
func (s *Server) Start() {
	cfg := s.ts.Config
	cfg.ReadHeaderTimeout = s.timeouts.readHeader
	cfg.ReadTimeout = s.timeouts.read
	cfg.IdleTimeout = s.timeouts.idle
	cfg.BaseContext = func(net.Listener) context.Context { return s.baseCtx }
	cfg.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			s.accepted.Add(1)
		}
	}
	s.ts.Start()
	s.URL = "http://" + dialableAddr(s.ts.Listener.Addr())
}

// dialableAddr is addr with an unspecified IP ("0.0.0.0", "::") replaced
// by 127.0.0.1, so that the URL built from it can be dialled.
func dialableAddr(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		return addr.String()
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(tcp.Port))
}

// Close shuts the server down: it stops accepting connections, ends the
// waits of FaultDelay (the requests they hold are not processed), lets the
// requests in flight finish for half a second, then closes every client
// connection, stalled ones included, and returns once no handler runs. It
// is safe to call more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.cancelBase()
		s.closeWebSockets()
		done := make(chan struct{})
		go func() {
			defer close(done)
			s.ts.Close() // waits for the handlers
		}()
		grace := time.NewTimer(s.timeouts.closeGrace)
		defer grace.Stop()
		select {
		case <-done:
		case <-grace.C:
			// A client that stalls mid-request holds its handler until the
			// read timeout; Close does not wait for it.
			s.ts.CloseClientConnections()
			<-done
		}
	})
}

// Client returns an HTTP client for this server, once it is started; Close
// closes its idle connections.
func (s *Server) Client() *http.Client {
	return s.ts.Client()
}

// Handler returns the fake's HTTP handler, to mount on a server of one's
// own. The URLs the fake hands out (WebSocket, uploads, downloads) are built
// from each request's Host.
func (s *Server) Handler() http.Handler {
	return s.handler
}

// ConnectionsAccepted returns how many TCP connections the server has
// accepted so far, to check that a client reuses its connections.
func (s *Server) ConnectionsAccepted() int {
	return int(s.accepted.Load())
}
