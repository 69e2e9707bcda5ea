package participanttest

import (
	"fmt"
	"time"

	"github.com/chatwire/connectparticipant/gen/participantops"
)

// Defaults of the options.
const (
	// defaultConnectionExpiry is how long a connection token lasts unless
	// WithConnectionExpiry says otherwise: a day, as the service's do.
	defaultConnectionExpiry = 24 * time.Hour
	// defaultWebSocketURLExpiry is how long a WebSocket URL lasts unless
	// WithWebSocketURLExpiry says otherwise.
	defaultWebSocketURLExpiry = time.Hour
	// defaultRequestLog is how many requests Requests keeps unless
	// WithRequestLog says otherwise.
	defaultRequestLog = 1000
	// defaultTranscriptLimit is how many items a contact's transcript keeps
	// unless WithTranscriptLimit says otherwise.
	defaultTranscriptLimit = 10000
	// defaultMaxAttachmentSize is the largest attachment StartAttachmentUpload
	// accepts unless WithAttachmentLimits says otherwise: 20 MB, as the
	// service's default quota.
	defaultMaxAttachmentSize = 20 * 1024 * 1024
	// defaultMaxStoredAttachmentBytes is how many attachment bytes the server
	// keeps in all unless WithAttachmentLimits says otherwise.
	defaultMaxStoredAttachmentBytes = 256 << 20
)

// Keys an error body may give its message under (WithErrorMessageField).
const (
	messageFieldModel = "Message" // the service model's spelling, the default
	messageFieldLower = "message" // the spelling the service has also been seen to use
)

// config is what the options set.
type config struct {
	addr               string
	clock              func() time.Time
	rateLimits         map[string]rateLimit // by operation; "" for every operation
	connectionExpiry   time.Duration
	webSocketURLExpiry time.Duration
	messageField       string
	requestLog         int
	transcriptLimit    int
	maxAttachmentSize  int64
	maxStoredBytes     int64
	err                error // the first option that could not be applied
}

func defaultConfig() config {
	return config{
		clock:              time.Now,
		rateLimits:         make(map[string]rateLimit),
		connectionExpiry:   defaultConnectionExpiry,
		webSocketURLExpiry: defaultWebSocketURLExpiry,
		messageField:       messageFieldModel,
		requestLog:         defaultRequestLog,
		transcriptLimit:    defaultTranscriptLimit,
		maxAttachmentSize:  defaultMaxAttachmentSize,
		maxStoredBytes:     defaultMaxStoredAttachmentBytes,
	}
}

// fail records the first option error; NewServer panics with it and Start
// returns it.
func (c *config) fail(format string, args ...any) {
	if c.err == nil {
		c.err = fmt.Errorf("participanttest: "+format, args...)
	}
}

// Option configures a Server; pass options to NewServer, NewUnstartedServer
// or Start. An option given a value it cannot use makes NewServer and
// NewUnstartedServer panic and Start return an error that says why.
type Option func(*config)

// WithAddr sets the TCP address the server listens on, such as
// "127.0.0.1:8080" (port 0 picks a free port). The default is a free
// loopback port, as with httptest.
func WithAddr(addr string) Option {
	return func(c *config) { c.addr = addr }
}

// WithClock sets the clock that stamps items with their AbsoluteTime and
// decides when tokens and URLs expire, so that tests can expect exact times
// and expire a token by moving the clock instead of waiting. The default is
// time.Now; nil keeps the default. Rate limits (WithRateLimit) and
// FaultDelay run on the real clock.
func WithClock(now func() time.Time) Option {
	return func(c *config) {
		if now != nil {
			c.clock = now
		}
	}
}

// WithRateLimit gives each token its own bucket for operation (an
// operationId of the contract, such as "SendMessage"; "" sets the limit of
// every operation that has none of its own): it holds up to burst requests
// and refills at perSecond requests per second, and a request that finds it
// empty gets 429 ThrottlingException. The bucket is per token: the
// participant token for CreateParticipantConnection, the connection token
// for the other operations. It runs on the real clock, not the one of
// WithClock. Rate limiting is off by default; perSecond of 0 or less turns
// it off for operation; a burst below 1 counts as 1.
func WithRateLimit(operation string, perSecond float64, burst int) Option {
	return func(c *config) {
		if err := checkOperation(operation); err != nil {
			c.fail("WithRateLimit: %v", err)
			return
		}
		if perSecond <= 0 {
			delete(c.rateLimits, operation)
			return
		}
		c.rateLimits[operation] = rateLimit{perSecond: perSecond, burst: float64(max(burst, 1))}
	}
}

// WithConnectionExpiry sets how long a connection token lasts after
// CreateParticipantConnection issued it, default 24 hours; an expired token
// answers 403 AccessDeniedException. The expiry is returned as
// ConnectionCredentials.Expiry and measured on the clock of WithClock.
func WithConnectionExpiry(d time.Duration) Option {
	return func(c *config) {
		if d <= 0 {
			c.fail("WithConnectionExpiry needs a positive duration, not %v", d)
			return
		}
		c.connectionExpiry = d
	}
}

// WithWebSocketURLExpiry sets how long a WebSocket URL lasts, default 1
// hour; it is returned as Websocket.ConnectionExpiry.
func WithWebSocketURLExpiry(d time.Duration) Option {
	return func(c *config) {
		if d <= 0 {
			c.fail("WithWebSocketURLExpiry needs a positive duration, not %v", d)
			return
		}
		c.webSocketURLExpiry = d
	}
}

// WithErrorMessageField sets the key under which error bodies give their
// message: "Message" (the default, the service model's spelling) or
// "message" (which the service has also been seen to send), to test that a
// client reads both.
func WithErrorMessageField(name string) Option {
	return func(c *config) {
		if name != messageFieldModel && name != messageFieldLower {
			c.fail("WithErrorMessageField takes %q or %q, not %q", messageFieldModel, messageFieldLower, name)
			return
		}
		c.messageField = name
	}
}

// WithRequestLog sets how many of the latest requests Requests keeps,
// default 1000; 0 keeps none.
func WithRequestLog(n int) Option {
	return func(c *config) {
		if n < 0 {
			c.fail("WithRequestLog needs 0 or more requests, not %d", n)
			return
		}
		c.requestLog = n
	}
}

// WithTranscriptLimit sets how many items each contact's transcript keeps,
// default 10000. Adding an item to a full transcript drops the oldest, and
// with it the ClientTokens of the requests that made it: a retry of such a
// request is then a new request.
func WithTranscriptLimit(n int) Option {
	return func(c *config) {
		if n < 1 {
			c.fail("WithTranscriptLimit needs at least 1 item, not %d", n)
			return
		}
		c.transcriptLimit = n
	}
}

// WithAttachmentLimits sets the largest attachment StartAttachmentUpload
// accepts (default 20 MB, 20*1024*1024 bytes; larger ones get 400
// ValidationException) and how many attachment bytes the server keeps in all
// (default 256 MiB; an upload that would go over it gets 402
// ServiceQuotaExceededException). An attachment counts from
// StartAttachmentUpload on, by its declared size.
func WithAttachmentLimits(maxSize, maxStoredBytes int64) Option {
	return func(c *config) {
		if maxSize < 1 || maxStoredBytes < 1 {
			c.fail("WithAttachmentLimits needs positive sizes, not %d and %d", maxSize, maxStoredBytes)
			return
		}
		c.maxAttachmentSize, c.maxStoredBytes = maxSize, maxStoredBytes
	}
}

// operationByName returns the contract's operation called name, or nil.
func operationByName(name string) *participantops.Operation {
	for _, op := range participantops.Operations {
		if op.Name == name {
			return op
		}
	}
	return nil
}

// checkOperation says what is wrong with name as the operation of a fault
// or a rate limit: "" (every operation) or an operation of the contract.
func checkOperation(name string) error {
	if name != "" && operationByName(name) == nil {
		return fmt.Errorf("%q is not an operation of the contract; use an operationId such as %q, or \"\" for every operation",
			name, participantops.SendMessage.Name)
	}
	return nil
}
