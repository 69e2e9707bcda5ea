package participanttest

import (
	"fmt"
	"math"
	"sync"
	"time"
)

// FaultKind is a way for the server to misbehave on purpose, to test how a
// client copes.
type FaultKind int

const (
	// FaultNone processes the request normally. Queue it to let requests
	// through before a fault: InjectFaults(Fault{Kind: FaultNone, Count: 2},
	// Fault{Kind: FaultThrottle}) makes the third request fail.
	FaultNone FaultKind = iota
	// FaultThrottle answers 429 ThrottlingException without processing the
	// request, with a Retry-After header if Fault.RetryAfter is set.
	FaultThrottle
	// FaultInternal answers 500 InternalServerException without processing
	// the request.
	FaultInternal
	// FaultBadGateway answers 502 with an HTML page and neither
	// X-Amzn-ErrorType nor x-amzn-RequestId, as a proxy in front of the
	// service would.
	FaultBadGateway
	// FaultDelay waits Fault.Delay and then processes the request normally.
	// Like the service, the fake finishes the request even if the client
	// hangs up meanwhile: a retry with the same ClientToken then gets the
	// first result. Only Close cuts the wait short, and the request is then
	// not processed.
	FaultDelay
	// FaultDropBeforeProcessing closes the connection without processing the
	// request or answering.
	FaultDropBeforeProcessing
	// FaultDropAfterProcessing processes the request, so an accepted message
	// is in the transcript, then closes the connection without answering:
	// the case a retry with the same ClientToken exists for.
	FaultDropAfterProcessing

	// The WebSocket faults apply to the chat WebSockets, at once, rather
	// than to requests; Fault.ContactID narrows drop and silence to one
	// contact's sockets.

	// FaultWebSocketDrop closes the open WebSockets without a word, as a
	// broken network does.
	FaultWebSocketDrop
	// FaultWebSocketSilence makes the open WebSockets stop answering
	// heartbeats and deep heartbeats, as a half-dead connection does.
	FaultWebSocketSilence
	// FaultWebSocketDelay holds every frame the fake pushes for Fault.Delay,
	// until ResetFaults.
	FaultWebSocketDelay
	// FaultWebSocketRefuse refuses the next Fault.Count WebSocket
	// connections (503).
	FaultWebSocketRefuse
)

var faultNames = [...]string{
	FaultNone:                 "FaultNone",
	FaultThrottle:             "FaultThrottle",
	FaultInternal:             "FaultInternal",
	FaultBadGateway:           "FaultBadGateway",
	FaultDelay:                "FaultDelay",
	FaultDropBeforeProcessing: "FaultDropBeforeProcessing",
	FaultDropAfterProcessing:  "FaultDropAfterProcessing",
	FaultWebSocketDrop:        "FaultWebSocketDrop",
	FaultWebSocketSilence:     "FaultWebSocketSilence",
	FaultWebSocketDelay:       "FaultWebSocketDelay",
	FaultWebSocketRefuse:      "FaultWebSocketRefuse",
}

// String returns the name of the constant, such as "FaultThrottle".
func (k FaultKind) String() string {
	if k >= 0 && int(k) < len(faultNames) {
		return faultNames[k]
	}
	return fmt.Sprintf("FaultKind(%d)", int(k))
}

// Fault is a misbehaviour for InjectFaults to queue.
type Fault struct {
	// Kind is what goes wrong.
	Kind FaultKind
	// Count is how many requests in a row meet the fault; less than 1 counts
	// as 1.
	Count int
	// Delay is how long FaultDelay waits.
	Delay time.Duration
	// RetryAfter, if positive, makes FaultThrottle send a Retry-After header
	// of that many seconds, rounded up.
	RetryAfter time.Duration
	// Operation is the operationId of the requests the fault applies to,
	// such as "SendMessage"; "" applies it to every operation.
	Operation string
	// ContactID narrows FaultWebSocketDrop and FaultWebSocketSilence to the
	// WebSockets of one contact; "" applies them to all.
	ContactID string
}

// isWebSocket reports whether the fault is one of the chat WebSockets.
func (k FaultKind) isWebSocket() bool { return k >= FaultWebSocketDrop && k <= FaultWebSocketRefuse }

// InjectFaults queues faults. A request for an operation meets the first
// queued fault that applies to its operation, which it uses up one Count
// of; faults for other operations wait their turn. Only requests that
// arrived whole use faults up: a body refused as too large, or cut off,
// does not. Faults apply before the request is checked, as they would in
// front of the service; Requests shows which fault each request met.
//
// InjectFaults panics if a fault names an operation the contract does not
// have.
func (s *Server) InjectFaults(faults ...Fault) {
	for _, f := range faults {
		if err := checkOperation(f.Operation); err != nil {
			panic("participanttest: InjectFaults: " + err.Error())
		}
	}
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	for _, f := range faults {
		if f.Kind.isWebSocket() {
			s.mu.Lock()
			s.webSocketFault(f)
			s.mu.Unlock()
			continue
		}
		f.Count = max(f.Count, 1)
		s.faults.queue = append(s.faults.queue, f)
	}
}

// ResetFaults empties the queue of InjectFaults and ends the WebSocket
// faults that last (delays, refusals).
func (s *Server) ResetFaults() {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.queue = nil
	s.mu.Lock()
	s.ws.refuse, s.ws.delay = 0, 0
	s.mu.Unlock()
}

// faultQueue holds the faults of InjectFaults.
type faultQueue struct {
	mu    sync.Mutex
	queue []Fault
}

// take uses up one request's worth of the first fault that applies to op,
// or returns FaultNone.
func (q *faultQueue) take(op string) Fault {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i := range q.queue {
		f := &q.queue[i]
		if f.Operation != "" && f.Operation != op {
			continue
		}
		taken := *f
		if f.Count--; f.Count == 0 {
			q.queue = append(q.queue[:i], q.queue[i+1:]...)
		}
		return taken
	}
	return Fault{Kind: FaultNone}
}

// rateLimit is a limit of WithRateLimit.
type rateLimit struct {
	perSecond, burst float64
}

// limitFor returns the rate limit of op, if there is one.
func (c *config) limitFor(op string) (rateLimit, bool) {
	if l, ok := c.rateLimits[op]; ok {
		return l, true
	}
	l, ok := c.rateLimits[""]
	return l, ok
}

// tokenBucket is one token's rate limit for one operation.
type tokenBucket struct {
	rate, burst, tokens float64
	last                time.Time
}

func newTokenBucket(l rateLimit, now time.Time) *tokenBucket {
	return &tokenBucket{rate: l.perSecond, burst: l.burst, tokens: l.burst, last: now}
}

// take spends one token if the bucket, refilled up to now, has one.
func (b *tokenBucket) take(now time.Time) bool {
	b.tokens = math.Min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
