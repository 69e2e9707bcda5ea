package participant

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"time"

	"github.com/google/uuid"
)

// Version is the version of this client, sent in the User-Agent header.
const Version = "0.1.0"

// Defaults of the options of New.
const (
	// DefaultMaxAttempts is how many times a call is tried, the first attempt
	// included, unless WithMaxAttempts or MaxAttempts says otherwise.
	DefaultMaxAttempts = 3
	// DefaultAttemptTimeout bounds one attempt (connect, send, and read the
	// answer) when the caller's context has no earlier deadline.
	DefaultAttemptTimeout = 20 * time.Second
	// DefaultMaxResponseBytes is the largest response body the client reads.
	DefaultMaxResponseBytes = 1 << 20
	// DefaultRetryBudget is the capacity of the retry token bucket a client
	// shares among its calls (see WithRetryBudget).
	DefaultRetryBudget = 500
	// DefaultMaxResponseHeaderBytes bounds the response headers the default
	// transport reads (see NewTransport); the service's are well under 1 KiB.
	DefaultMaxResponseHeaderBytes = 64 << 10
)

// Client sends requests to the Participant Service. Create one with New and
// share it: a Client is safe for concurrent use by many goroutines, and it
// keeps a pool of connections that is reused across calls.
type Client struct {
	httpClient *http.Client
	endpoint   string
	// templates holds, for each operation without path labels, the request
	// the generated builder makes for it; every call sends a clone.
	templates        []*http.Request
	maxAttempts      int
	attemptTimeout   time.Duration
	maxResponseBytes int64
	backoff          backoff
	budget           *retryBudget // nil when disabled
	logger           *slog.Logger // nil when not logging
	tokens           IdempotencyTokenProvider
}

// IdempotencyTokenProvider makes the idempotency tokens (ClientToken) the
// client fills in when an input has none. The default makes random UUIDv4s;
// WithIdempotencyTokenProvider sets another, for deterministic tests.
type IdempotencyTokenProvider interface {
	GetIdempotencyToken() (string, error)
}

// uuidTokens is the default IdempotencyTokenProvider.
type uuidTokens struct{}

func (uuidTokens) GetIdempotencyToken() (string, error) {
	u, err := uuid.NewRandom()
	if err != nil {
		return "", err
	}
	return u.String(), nil
}

// Option configures a Client; pass options to New.
type Option func(*config)

type config struct {
	region           string
	endpoint         string
	fips, dualStack  bool
	tokens           IdempotencyTokenProvider
	httpClient       *http.Client
	maxAttempts      int
	attemptTimeout   time.Duration
	maxResponseBytes int64
	backoff          backoff
	retryBudget      int
	logger           *slog.Logger
}

// WithRegion sets the AWS Region of the Amazon Connect instance, e.g.
// "us-east-1"; the endpoint is derived from it by the service's endpoint
// rules (China regions use the amazonaws.com.cn suffix, and so on). Without
// WithRegion or WithEndpoint, New reads the AWS_REGION or AWS_DEFAULT_REGION
// environment variable.
func WithRegion(region string) Option { return func(c *config) { c.region = region } }

// WithEndpoint sets a custom base URL, such as a participanttest server's URL
// or a proxy. It takes precedence over WithRegion, and cannot be combined
// with WithFIPS or WithDualStack. It must be https, except for loopback hosts
// (localhost, 127.0.0.0/8, ::1), where http is allowed.
func WithEndpoint(url string) Option { return func(c *config) { c.endpoint = url } }

// WithFIPS sends to the Region's FIPS endpoint (default false). New fails
// for a partition without FIPS endpoints.
func WithFIPS(on bool) Option { return func(c *config) { c.fips = on } }

// WithDualStack sends to the Region's dual-stack (IPv4 and IPv6) endpoint
// (default false). New fails for a partition without dual-stack endpoints.
func WithDualStack(on bool) Option { return func(c *config) { c.dualStack = on } }

// WithIdempotencyTokenProvider sets what makes the ClientTokens the client
// fills in; the default makes random UUIDv4s. Tests use it to get
// predictable tokens.
func WithIdempotencyTokenProvider(p IdempotencyTokenProvider) Option {
	return func(c *config) { c.tokens = p }
}

// WithHTTPClient sets the HTTP client used to send requests. By default each
// Client gets its own transport tuned for many concurrent sends, with bounded
// response headers (see NewTransport); build yours on NewTransport to keep
// those. A client's Timeout, if set, also bounds every attempt. The client is
// copied, and the copy never follows redirects: the token must not be
// forwarded to another host.
func WithHTTPClient(hc *http.Client) Option { return func(c *config) { c.httpClient = hc } }

// WithMaxAttempts sets how many times a call is tried in all, default 3.
// 1 disables retries. MaxAttempts overrides it for one call.
func WithMaxAttempts(n int) Option { return func(c *config) { c.maxAttempts = n } }

// WithAttemptTimeout bounds each attempt, default 20 s. A timed-out attempt is
// retried (with the same ClientToken). The caller's context bounds the whole
// call, retries and waits included.
func WithAttemptTimeout(d time.Duration) Option { return func(c *config) { c.attemptTimeout = d } }

// WithMaxResponseBytes sets the largest response body the client reads,
// default 1 MiB. A larger answer fails with an error wrapping
// ErrResponseTooLarge, and the rest of it is not read.
func WithMaxResponseBytes(n int64) Option { return func(c *config) { c.maxResponseBytes = n } }

// WithBackoff sets the retry delays: an attempt after a server fault or a
// network error waits a random time up to faultBase·2^(n-1), one after
// throttling up to throttleBase·2^(n-1), and no wait exceeds max (a
// Retry-After header from the service is honoured up to max). The defaults
// are 100 ms, 500 ms and 20 s.
func WithBackoff(faultBase, throttleBase, max time.Duration) Option {
	return func(c *config) { c.backoff = backoff{faultBase: faultBase, throttleBase: throttleBase, max: max} }
}

// WithRetryBudget sets the capacity of the retry token bucket the Client's
// calls share, default 500. Each retry takes 5 tokens (10 after a timeout);
// each successful call puts tokens back. When the bucket is empty, calls fail
// after their first attempt instead of retrying, so a failing service does
// not get a retry storm. A capacity of 0 or less disables the budget.
func WithRetryBudget(capacity int) Option { return func(c *config) { c.retryBudget = capacity } }

// WithLogger logs every attempt (operation, attempt, HTTP status, error code,
// request ID, and the delay before the next attempt) to l: successful
// attempts at Debug, failed ones at Warn. Tokens are never logged.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// New returns a Client configured by opts. It needs a region (WithRegion, or
// the AWS_REGION environment variable) or an endpoint (WithEndpoint).
func New(opts ...Option) (*Client, error) {
	cfg := config{
		maxAttempts:      DefaultMaxAttempts,
		attemptTimeout:   DefaultAttemptTimeout,
		maxResponseBytes: DefaultMaxResponseBytes,
		backoff:          defaultBackoff,
		retryBudget:      DefaultRetryBudget,
		tokens:           uuidTokens{},
	}
	for _, o := range opts {
		o(&cfg)
	}

	region := cfg.region
	if region == "" && cfg.endpoint == "" {
		region = os.Getenv("AWS_REGION")
		if region == "" {
			region = os.Getenv("AWS_DEFAULT_REGION")
		}
		if region == "" {
			return nil, errors.New("participant: no region or endpoint: use WithRegion(\"us-east-1\") or WithEndpoint(url), or set AWS_REGION")
		}
	}
	endpoint, err := resolveEndpoint(region, cfg.endpoint, cfg.fips, cfg.dualStack)
	if err != nil {
		return nil, err
	}
	if cfg.maxAttempts < 1 {
		return nil, errors.New("participant: WithMaxAttempts needs at least 1 (1 disables retries)")
	}
	if cfg.attemptTimeout <= 0 {
		return nil, errors.New("participant: WithAttemptTimeout needs a positive duration")
	}
	if cfg.maxResponseBytes <= 0 {
		return nil, errors.New("participant: WithMaxResponseBytes needs a positive size")
	}
	if cfg.tokens == nil {
		return nil, errors.New("participant: WithIdempotencyTokenProvider needs a provider, not nil")
	}
	if err := cfg.backoff.check(); err != nil {
		return nil, err
	}
	// The service never redirects. Following a redirect would forward the
	// X-Amz-Bearer token to whatever host a 3xx names (net/http strips only
	// Authorization and Cookie) and could turn the POST into a GET that
	// "succeeds" without sending anything, so a 3xx is returned as it is
	// and becomes an error. The caller's client is copied, not changed.
	hc := &http.Client{Transport: NewTransport()}
	if cfg.httpClient != nil {
		copied := *cfg.httpClient
		hc = &copied
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c := &Client{
		httpClient:       hc,
		endpoint:         endpoint,
		templates:        make([]*http.Request, len(operations)),
		maxAttempts:      cfg.maxAttempts,
		attemptTimeout:   cfg.attemptTimeout,
		maxResponseBytes: cfg.maxResponseBytes,
		backoff:          cfg.backoff,
		logger:           cfg.logger,
		tokens:           cfg.tokens,
	}
	for i, op := range operations {
		tmpl, err := op.template(endpoint)
		if err != nil {
			return nil, fmt.Errorf("participant: building requests for %s: %w", endpoint, err)
		}
		c.templates[i] = tmpl
	}
	if cfg.retryBudget > 0 {
		c.budget = newRetryBudget(cfg.retryBudget)
	}
	return c, nil
}

// Endpoint returns the base URL the client sends to.
func (c *Client) Endpoint() string { return c.endpoint }

// CloseIdleConnections closes the idle connections of the client's
// transport, for a program that is done with the client.
func (c *Client) CloseIdleConnections() { c.httpClient.CloseIdleConnections() }

var userAgent = "connectparticipant-go/" + Version + " " + runtime.Version()

// NewTransport returns the transport a Client uses by default, tuned for a
// chat backend that sends from many goroutines: a pool of up to 256 idle
// connections per host (Go's default of 2 makes busy clients open and close
// TCP connections all the time), bounded dial and TLS times, response headers
// bounded to DefaultMaxResponseHeaderBytes (Go's default is 10 MiB), and
// HTTP/2 where the server offers it. It sets no response-header timeout: the
// attempt timeout (WithAttemptTimeout) bounds the whole attempt. Use it as
// the base of your own http.Client if you need to change something.
func NewTransport() *http.Transport {
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:                  http.ProxyFromEnvironment,
		DialContext:            dialer.DialContext,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           256,
		MaxIdleConnsPerHost:    256,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    5 * time.Second,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: DefaultMaxResponseHeaderBytes,
	}
}
