package participanttest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/chatwire/connectparticipant/gen/participantops"
)

const (
	// maxRequestBodyBytes bounds what the fake reads of a request body to a
	// service route. The largest valid body (16384 code points, each escaped
	// as \uXXXX\uXXXX, plus the other members) is about 200 KiB.
	maxRequestBodyBytes = 1 << 20
	// webSocketPath is the chat WebSocket's route, the fake's own.
	webSocketPath = "/websocket"
)

// CORS, as the service's API gateway answers browsers.
const (
	corsServiceMethods = "GET, POST, OPTIONS"
	corsStorageMethods = "GET, PUT, OPTIONS"
	corsMaxAge         = "86400"
)

var corsExposeHeaders = participantops.RequestIDHeader + ", " + participantops.ErrorTypeHeader

// requestInfo is what the service's operations need to know of the HTTP
// request: its x-amzn-RequestId, and the base URL the client reached the
// fake at, for the URLs the fake hands out.
type requestInfo struct {
	id      string
	baseURL string
}

type requestInfoKey struct{}

func requestInfoFrom(ctx context.Context) requestInfo {
	info, _ := ctx.Value(requestInfoKey{}).(requestInfo)
	return info
}

// baseURL is the scheme and host r was sent to.
func baseURL(r *http.Request) string {
	if r.TLS != nil {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}

// serveHTTP is the front of the fake: CORS, then the fake's own routes
// (storage, WebSocket), then the contract's operations; anything else is
// answered as the service's API gateway answers a path it does not have.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	requestID := uuid.NewString()
	if r.Header.Get("Origin") != "" {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Access-Control-Expose-Headers", corsExposeHeaders)
	}
	switch {
	case strings.HasPrefix(r.URL.Path, storagePrefix):
		s.serveStorage(w, r, requestID)
		return
	case r.URL.Path == webSocketPath:
		s.serveWebSocket(w, r, requestID)
		return
	case r.URL.Path == controlPrefix || strings.HasPrefix(r.URL.Path, controlPrefix+"/"):
		s.serveControl(w, r)
		return
	}
	if isPreflight(r) && s.contract.hasPath(r) {
		answerPreflight(w, r, corsServiceMethods)
		return
	}
	route, ok := s.contract.find(r)
	if !ok {
		sw := s.record(w, Request{Method: r.Method, Path: r.URL.Path})
		s.writeError(sw, requestID, errMissingAuthenticationToken)
		return
	}
	s.serveOperation(w, r, route, requestID)
}

// isPreflight reports whether r is a browser's CORS preflight request.
func isPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions && r.Header.Get("Origin") != "" && r.Header.Get("Access-Control-Request-Method") != ""
}

// answerPreflight allows any origin to send methods with the headers it
// asks for.
func answerPreflight(w http.ResponseWriter, r *http.Request, methods string) {
	h := w.Header()
	h.Set("Access-Control-Allow-Methods", methods)
	if requested := r.Header.Get("Access-Control-Request-Headers"); requested != "" {
		h.Set("Access-Control-Allow-Headers", requested)
	}
	h.Set("Access-Control-Max-Age", corsMaxAge)
	h.Add("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers")
	w.WriteHeader(http.StatusOK)
}

// serveOperation serves a request for an operation of the contract: it
// reads the body, records the request, applies the next fault queued for
// the operation, then processes the request.
func (s *Server) serveOperation(w http.ResponseWriter, r *http.Request, route operationRoute, requestID string) {
	op := route.op.Name
	body, readErr := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBodyBytes))
	rec := Request{Operation: op, Method: r.Method, Path: r.URL.Path}
	if readErr == nil {
		rec.Body = body
		rec.ClientToken, rec.ContentType = bodyMembers(body)
	}
	sw := s.record(w, rec)
	if readErr != nil {
		if _, tooLarge := errors.AsType[*http.MaxBytesError](readErr); tooLarge {
			s.writeError(sw, requestID, validationError(problem{"request body", fmt.Sprintf("must be at most %d bytes", maxRequestBodyBytes)}))
			return
		}
		// The client went away mid-body, or dripped it past the read
		// timeout: cut the connection off rather than answer a request
		// that never arrived.
		panic(http.ErrAbortHandler)
	}

	// A fault is used up only by a request that arrived whole.
	fault := s.faults.take(op)
	s.log.update(sw.seq, func(req *Request) { req.Fault = fault.Kind })
	ctx := context.WithValue(s.baseCtx, requestInfoKey{}, requestInfo{id: requestID, baseURL: baseURL(r)})
	switch fault.Kind {
	case FaultThrottle:
		s.writeError(sw, requestID, &apiError{code: codeThrottling, message: msgRateExceeded, retryAfter: fault.RetryAfter})
		return
	case FaultInternal:
		s.writeError(sw, requestID, apiErrorf(codeInternal, "An internal error occurred (participanttest: injected FaultInternal)."))
		return
	case FaultBadGateway:
		writeBadGateway(sw)
		return
	case FaultDropBeforeProcessing:
		drop(w)
		return
	case FaultDelay:
		// The service goes on with a request whose client hung up: the wait
		// and the processing end only when the server closes.
		if !sleep(s.baseCtx, fault.Delay) {
			return
		}
	case FaultDropAfterProcessing:
		s.process(ctx, &discardWriter{header: make(http.Header)}, r, route, body, requestID)
		drop(w)
		return
	}
	s.process(ctx, sw, r, route, body, requestID)
}

// process checks the request against the contract and, if it passes,
// serves it through the generated strict server with ctx, which the
// client's disconnect does not end.
func (s *Server) process(ctx context.Context, w http.ResponseWriter, r *http.Request, route operationRoute, body []byte, requestID string) {
	// Like the service, a request without credentials is refused as such
	// (403) before its input is looked at.
	if r.Header.Get(participantops.BearerHeader) == "" {
		s.writeError(w, requestID, accessDenied(msgNoToken))
		return
	}
	r = r.WithContext(ctx)
	if problems := s.contract.validateRequest(ctx, r, route, body); len(problems) > 0 {
		s.writeError(w, requestID, validationError(problems...))
		return
	}
	setBody(r, body)
	// Every answer carries the request ID; the generated answers are made
	// without it.
	w.Header().Set(participantops.RequestIDHeader, requestID)
	s.api.ServeHTTP(w, r)
}

// bodyMembers reads ClientToken and ContentType from a JSON body, if it has
// them, for Requests.
func bodyMembers(body []byte) (clientToken, contentType string) {
	var members struct {
		ClientToken string
		ContentType string
	}
	_ = json.Unmarshal(body, &members) // best effort: the body may be anything
	return members.ClientToken, members.ContentType
}

// record adds req to the request log and returns a writer that puts the
// answer's status in it.
func (s *Server) record(w http.ResponseWriter, req Request) *statusWriter {
	seq := s.log.add(req)
	return &statusWriter{ResponseWriter: w, seq: seq, log: &s.log}
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

// statusWriter puts the status code in the request log before the response
// leaves, so that Requests shows it by the time the client has the answer.
type statusWriter struct {
	http.ResponseWriter
	seq   int64
	log   *requestLog
	wrote bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.wrote = true
		w.log.update(w.seq, func(req *Request) { req.Status = code })
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
