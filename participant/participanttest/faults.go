package participanttest

import (
	"fmt"
	"time"
)

// FaultKind is a way for the server to misbehave on purpose, to test how a
// client copes.
type FaultKind int

const (
	// FaultNone processes the request normally. Queue it to let requests
	// through before a fault: InjectFaults(Fault{Kind: FaultNone, Count: 2})
	// then a fault makes the third request fail.
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
	// FaultDelay waits Fault.Delay (less if the client gives up or the server
	// closes) and then processes the request normally.
	FaultDelay
	// FaultDropBeforeProcessing closes the connection without processing the
	// request or answering.
	FaultDropBeforeProcessing
	// FaultDropAfterProcessing processes the request, so an accepted message
	// is in the transcript, then closes the connection without answering:
	// the case a retry with the same ClientToken exists for.
	FaultDropAfterProcessing
)

var faultNames = [...]string{
	FaultNone:                 "FaultNone",
	FaultThrottle:             "FaultThrottle",
	FaultInternal:             "FaultInternal",
	FaultBadGateway:           "FaultBadGateway",
	FaultDelay:                "FaultDelay",
	FaultDropBeforeProcessing: "FaultDropBeforeProcessing",
	FaultDropAfterProcessing:  "FaultDropAfterProcessing",
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
}

// InjectFaults queues f: once the faults queued before it are used up, the
// next f.Count SendMessage requests, on any connection, meet it. Faults
// apply before the request is checked, as they would in front of the
// service; Requests shows which fault each request met.
func (s *Server) InjectFaults(f Fault) {
	f.Count = max(f.Count, 1)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, f)
}

// takeFault uses up one request's worth of the queue's first fault.
func (s *Server) takeFault() Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.faults) == 0 {
		return Fault{Kind: FaultNone}
	}
	f := s.faults[0]
	s.faults[0].Count--
	if s.faults[0].Count == 0 {
		s.faults = s.faults[1:]
	}
	return f
}
