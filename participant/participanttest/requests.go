package participanttest

import "sync"

// Request is a request as the server received it. It never holds a token:
// tokens travel in the X-Amz-Bearer header, which is not kept, and the query
// of the fake's own routes is not kept either.
type Request struct {
	// Operation is the request's operationId, such as "SendMessage", or ""
	// for a request that is not one of the contract's operations: a path
	// or method the service does not have, an attachment upload or download,
	// or the chat WebSocket.
	Operation string
	// Method and Path are the HTTP method and the URL path.
	Method, Path string
	// ClientToken and ContentType are the members of the JSON body, if it
	// could be read as JSON and has them.
	ClientToken, ContentType string
	// Body is the raw body of a request for an operation. It is nil for a
	// body the server refused as too large, and for the fake's own routes.
	Body []byte
	// Fault is the injected fault the request met, or FaultNone.
	Fault FaultKind
	// Status is the HTTP status code the server answered with, or 0 if it
	// sent no answer: the connection was dropped by a fault, or the request
	// is still being served.
	Status int
}

// requestLog keeps the latest requests in a ring.
type requestLog struct {
	mu   sync.Mutex
	ring []Request // request seq in slot seq % len(ring), for the latest len(ring)
	next int64     // the sequence number of the next request
}

func newRequestLog(n int) requestLog {
	return requestLog{ring: make([]Request, n)}
}

// add keeps req, dropping the oldest request if the log is full, and
// returns req's sequence number.
func (l *requestLog) add(req Request) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	seq := l.next
	l.next++
	if len(l.ring) > 0 {
		i := seq % int64(len(l.ring))
		l.ring[i] = req
	}
	return seq
}

// update changes the request of sequence number seq, if it is still kept.
func (l *requestLog) update(seq int64, change func(*Request)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if seq < l.next && seq >= l.next-int64(len(l.ring)) { // still kept
		change(&l.ring[seq%int64(len(l.ring))])
	}
}

// Requests returns a copy of the latest requests the server received (up to
// WithRequestLog of them, 1000 by default), oldest first, including those
// that were invalid, refused or faulted. CORS preflight requests are not
// kept.
func (s *Server) Requests() []Request {
	l := &s.log
	l.mu.Lock()
	defer l.mu.Unlock()
	n := int64(len(l.ring))
	first := max(0, l.next-n)
	out := make([]Request, 0, l.next-first)
	for seq := first; seq < l.next; seq++ {
		req := l.ring[seq%n]
		if req.Body != nil {
			req.Body = append([]byte(nil), req.Body...)
		}
		out = append(out, req)
	}
	return out
}
