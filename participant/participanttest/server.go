package participanttest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/getkin/kin-openapi/routers"
	"github.com/google/uuid"
)

const (
	// defaultAddr is where NewServer listens unless WithAddr says otherwise:
	// loopback, on a free port.
	defaultAddr = "127.0.0.1:0"
	// maxRequestBodyBytes bounds what the fake reads of a request body. The
	// largest valid body (16384 code points, each escaped as \uXXXX\uXXXX,
	// plus the other members) is about 200 KiB.
	maxRequestBodyBytes = 1 << 20
	// closeTimeout is how long Close lets requests in flight finish before it
	// closes their connections.
	closeTimeout = 5 * time.Second
)

// Server is a fake Amazon Connect Participant Service listening on a
// loopback port, in the manner of net/http/httptest.Server. It implements
// SendMessage from the same OpenAPI contract as the client and checks every
// request against that contract.
//
// A Server is safe for concurrent use. Close it when done.
type Server struct {
	// URL is the base URL of the server, such as http://127.0.0.1:41234,
	// without a trailing slash. Give it to the client as its endpoint.
	URL string

	cfg        config
	contract   *contract
	api        http.Handler
	httpServer *http.Server
	client     *http.Client
	transport  *http.Transport

	cancelBase context.CancelFunc // ends the requests' contexts on Close
	serveDone  chan struct{}
	handlers   sync.WaitGroup
	closeOnce  sync.Once
	accepted   atomic.Int64

	netMu    sync.Mutex
	closing  bool
	newConns map[net.Conn]struct{} // accepted, no request read yet

	mu       sync.Mutex
	conns    map[string]*connection // by connection token
	requests []Request
	faults   []Fault
}

type config struct {
	addr  string
	rate  float64
	burst int
	clock func() time.Time
}

// Option configures a Server.
type Option func(*config)

// WithAddr sets the TCP address the server listens on, such as
// "127.0.0.1:8080". The default is "127.0.0.1:0", a free loopback port.
func WithAddr(addr string) Option {
	return func(c *config) { c.addr = addr }
}

// WithSendRateLimit gives every connection its own token bucket that holds
// up to burst SendMessage requests and refills at perSecond requests per
// second; a send that finds the bucket empty gets 429 ThrottlingException.
// The bucket runs on the real clock, not the one of WithClock. Rate limiting
// is off by default and when perSecond is 0 or less; a burst below 1 counts
// as 1.
func WithSendRateLimit(perSecond float64, burst int) Option {
	return func(c *config) {
		c.rate = perSecond
		c.burst = max(burst, 1)
	}
}

// WithClock sets the clock that stamps accepted messages with their
// AbsoluteTime, so that tests can expect exact times. The default is
// time.Now; nil keeps the default.
func WithClock(now func() time.Time) Option {
	return func(c *config) {
		if now != nil {
			c.clock = now
		}
	}
}

// NewServer starts a fake service on a free loopback port (or the address of
// WithAddr) and returns it. Like httptest.NewServer, it panics if it cannot
// listen; use Start to get the error instead.
func NewServer(opts ...Option) *Server {
	s, err := Start(opts...)
	if err != nil {
		panic(err)
	}
	return s
}

// Start is NewServer returning an error, rather than panicking, when the
// server cannot listen, for programs that serve the fake on a chosen
// address.
func Start(opts ...Option) (*Server, error) {
	c, err := loadContract()
	if err != nil {
		return nil, err
	}
	cfg := config{addr: defaultAddr, clock: time.Now}
	for _, opt := range opts {
		opt(&cfg)
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return nil, fmt.Errorf("participanttest: listen on %s: %w; choose another address or port", cfg.addr, err)
	}

	baseCtx, cancel := context.WithCancel(context.Background())
	s := &Server{
		URL:        "http://" + dialableAddr(ln.Addr()),
		cfg:        cfg,
		contract:   c,
		cancelBase: cancel,
		serveDone:  make(chan struct{}),
		newConns:   make(map[net.Conn]struct{}),
		conns:      make(map[string]*connection),
		transport:  &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 90 * time.Second},
	}
	s.client = &http.Client{Transport: s.transport}
	s.api = newAPIHandler(&service{s: s})
	s.httpServer = &http.Server{
		Handler:           http.HandlerFunc(s.serveHTTP),
		BaseContext:       func(net.Listener) context.Context { return baseCtx },
		ConnState:         s.trackConn,
		ReadHeaderTimeout: 10 * time.Second,
	}
	go func() {
		defer close(s.serveDone)
		_ = s.httpServer.Serve(ln) // returns http.ErrServerClosed on Close
	}()
	return s, nil
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
// waits of FaultDelay, lets the requests in flight finish (closing their
// connections after 5 seconds if they have not), and returns once no
// handler is running. It is safe to call more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.cancelBase()
		// Connections that never sent a request would hold Shutdown up;
		// close them, and any accepted from now on, as httptest does.
		s.netMu.Lock()
		s.closing = true
		for conn := range s.newConns {
			_ = conn.Close()
		}
		s.netMu.Unlock()

		ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
		defer cancel()
		if err := s.httpServer.Shutdown(ctx); err != nil {
			_ = s.httpServer.Close()
		}
		<-s.serveDone
		s.handlers.Wait() // hijacked connections are not tracked by Shutdown
		s.transport.CloseIdleConnections()
	})
}

// Client returns an HTTP client for this server. Close closes its idle
// connections.
func (s *Server) Client() *http.Client {
	return s.client
}

// ConnectionsAccepted returns how many TCP connections the server has
// accepted so far, to check that a client reuses its connections.
func (s *Server) ConnectionsAccepted() int {
	return int(s.accepted.Load())
}

func (s *Server) trackConn(conn net.Conn, state http.ConnState) {
	if state == http.StateNew {
		s.accepted.Add(1)
	}
	s.netMu.Lock()
	defer s.netMu.Unlock()
	switch {
	case state == http.StateNew && s.closing:
		_ = conn.Close()
	case state == http.StateNew:
		s.newConns[conn] = struct{}{}
	default:
		delete(s.newConns, conn)
	}
}

// requestIDKey keys the request's x-amzn-RequestId in its context.
type requestIDKey struct{}

func requestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// serveHTTP is the front of the fake: it records the request, applies the
// next queued fault, then hands the request to process.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.handlers.Add(1)
	defer s.handlers.Done()

	requestID := uuid.NewString()
	route, _, err := s.contract.router.FindRoute(r)
	if err != nil {
		writeUnknownOperation(w, requestID)
		return
	}

	body, readErr := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBodyBytes))
	i := s.recordRequest(body)
	sw := &statusWriter{ResponseWriter: w, onStatus: func(code int) {
		s.updateRequest(i, func(req *Request) { req.Status = code })
	}}

	if readErr != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(readErr, &tooLarge) {
			msg := validationMessage([]problem{{"request body", fmt.Sprintf("must be at most %d bytes", maxRequestBodyBytes)}})
			_ = validationError(requestID, msg).VisitSendMessageResponse(sw)
		}
		return // otherwise the client went away mid-body: nobody to answer
	}
	// A fault is used up only by a request that arrived whole.
	fault := s.takeFault()
	s.updateRequest(i, func(req *Request) { req.Fault = fault.Kind })

	switch fault.Kind {
	case FaultThrottle:
		if fault.RetryAfter > 0 {
			sw.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds(fault.RetryAfter)))
		}
		_ = throttled(requestID, "Rate exceeded.").VisitSendMessageResponse(sw)
		return
	case FaultInternal:
		_ = internalError(requestID, "An internal error occurred (participanttest: injected FaultInternal).").VisitSendMessageResponse(sw)
		return
	case FaultBadGateway:
		writeBadGateway(sw)
		return
	case FaultDropBeforeProcessing:
		drop(w)
		return
	case FaultDelay:
		if !sleep(r.Context(), fault.Delay) {
			return // the client gave up or the server is closing
		}
	case FaultDropAfterProcessing:
		s.process(&discardWriter{header: make(http.Header)}, r, route, body, requestID)
		drop(w)
		return
	}
	s.process(sw, r, route, body, requestID)
}

// process validates the request against the contract and, if it passes,
// serves it through the generated strict server.
func (s *Server) process(w http.ResponseWriter, r *http.Request, route *routers.Route, body []byte, requestID string) {
	r = r.WithContext(context.WithValue(r.Context(), requestIDKey{}, requestID))
	// Like the service, a request without credentials is refused as such
	// (403) before its input is looked at.
	if r.Header.Get("X-Amz-Bearer") == "" {
		_ = accessDenied(requestID, msgNoConnectionToken).VisitSendMessageResponse(w)
		return
	}
	if problems := s.contract.validateRequest(r.Context(), r, route, body); len(problems) > 0 {
		_ = validationError(requestID, validationMessage(problems)).VisitSendMessageResponse(w)
		return
	}
	setBody(r, body)
	s.api.ServeHTTP(w, r)
}

// setBody makes body the body of r, to be read again.
func setBody(r *http.Request, body []byte) {
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
}

// sleep waits for d, or until ctx ends; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// drop closes the connection of w without answering, as a network failure
// or a crashing proxy would.
func drop(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // also closes the connection unanswered
	}
	_ = conn.Close()
}

// retryAfterSeconds rounds d up to whole seconds, at least 1, for the
// Retry-After header.
func retryAfterSeconds(d time.Duration) int {
	return max(1, int((d+time.Second-1)/time.Second))
}

// statusWriter tells onStatus the status code before the response leaves,
// so that Requests shows it by the time the client has the answer.
type statusWriter struct {
	http.ResponseWriter
	onStatus func(int)
	wrote    bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.wrote = true
		w.onStatus(code)
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// discardWriter takes the answer of a request whose connection
// FaultDropAfterProcessing will close unanswered.
type discardWriter struct{ header http.Header }

func (w *discardWriter) Header() http.Header         { return w.header }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(int)             {}

// writeBadGateway answers as a proxy in front of the service would: an
// HTML page, with neither X-Amzn-ErrorType nor x-amzn-RequestId.
func writeBadGateway(w http.ResponseWriter) {
	const page = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
	w.Header().Set("Content-Type", "text/html")
	w.Header().Set("Content-Length", strconv.Itoa(len(page)))
	w.WriteHeader(http.StatusBadGateway)
	_, _ = io.WriteString(w, page)
}

// writeUnknownOperation answers a request for a path or method the contract
// does not have.
func writeUnknownOperation(w http.ResponseWriter, requestID string) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("x-amzn-RequestId", requestID)
	h.Set("X-Amzn-ErrorType", errorType("UnknownOperationException"))
	w.WriteHeader(http.StatusNotFound)
	_, _ = io.WriteString(w, `{"Message":"The fake serves only SendMessage: POST /participant/message."}`+"\n")
}
