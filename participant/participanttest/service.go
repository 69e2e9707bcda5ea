package participanttest

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/chatwire/connectparticipant/gen/participantserver"
)

const (
	// absoluteTimeLayout is how the service writes AbsoluteTime: UTC with
	// milliseconds, as in 2019-11-08T02:41:28.172Z.
	absoluteTimeLayout = "2006-01-02T15:04:05.000Z"
	// errorTypeNamespace follows the error name in X-Amzn-ErrorType, as the
	// real service sends it.
	errorTypeNamespace = ":http://internal.amazon.com/coral/com.amazonaws.connectparticipant/"
)

// Messages of the errors the service itself decides on. They never quote the
// request.
const (
	msgUnknownConnection = "You do not have sufficient access to perform this action. " +
		"(participanttest: this connection token was not issued by this server; get one from Server.NewConnection.)"
	msgNoConnectionToken = "You do not have sufficient access to perform this action. " +
		"(participanttest: the request has no connection token; send it in the X-Amz-Bearer header.)"
	msgEndedConnection = "You do not have sufficient access to perform this action. " +
		"(participanttest: the chat of this connection has ended.)"
	msgRateExceeded      = "Rate exceeded."
	msgClientTokenReused = "1 validation error detected: ClientToken was already used on this connection " +
		"for a different message. Use a new ClientToken for a new message, and the same one only to retry the same message."
)

// Message is a message the server accepted on a connection.
type Message struct {
	// ID is the Id the server answered with.
	ID string
	// AbsoluteTime is the AbsoluteTime the server answered with, such as
	// 2019-11-08T02:41:28.172Z.
	AbsoluteTime string
	// ContentType is the ContentType of the request.
	ContentType string
	// Content is the Content of the request.
	Content string
	// ClientToken is the ClientToken of the request, or "" if it had none.
	ClientToken string
}

// Request is a SendMessage request as the server received it. It never holds
// the connection token.
type Request struct {
	// ClientToken is the request's ClientToken, if its body could be read
	// as JSON.
	ClientToken string
	// ContentType is the request's ContentType (the member of the body, not
	// the HTTP header), if its body could be read as JSON.
	ContentType string
	// Body is the raw request body.
	Body []byte
	// Fault is the injected fault the request met, or FaultNone.
	Fault FaultKind
	// Status is the HTTP status code the server answered with, or 0 if it
	// sent no answer: the connection was dropped by a fault, or the client
	// gave up first.
	Status int
}

// connection is one simulated participant.
type connection struct {
	ended      bool
	transcript []Message
	// byClientToken indexes transcript by ClientToken, for idempotent retries.
	byClientToken map[string]int
	bucket        *tokenBucket // nil when rate limiting is off
}

// NewConnection issues a fresh random connection token, as creating a
// participant connection does, for one simulated participant.
func (s *Server) NewConnection() string {
	token := rand.Text() + rand.Text() // two 26-character base32 strings, 260 bits
	conn := &connection{byClientToken: make(map[string]int)}
	if s.cfg.rate > 0 {
		conn.bucket = &tokenBucket{rate: s.cfg.rate, burst: float64(s.cfg.burst), tokens: float64(s.cfg.burst), last: time.Now()}
	}
	s.mu.Lock()
	s.conns[token] = conn
	s.mu.Unlock()
	return token
}

// EndConnection ends the chat of the connection token: from now on, sends
// with it get 403 AccessDeniedException. Its transcript is kept.
func (s *Server) EndConnection(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if conn := s.conns[token]; conn != nil {
		conn.ended = true
	}
}

// Transcript returns a copy of the messages the server accepted on the
// connection, in the order it accepted them. An idempotent retry adds
// nothing. It returns nil for a token the server did not issue.
func (s *Server) Transcript(token string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	conn := s.conns[token]
	if conn == nil {
		return nil
	}
	return append([]Message(nil), conn.transcript...)
}

// Requests returns a copy of every SendMessage request the server received,
// in the order they arrived, including those that were invalid, refused or
// faulted.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, req := range s.requests {
		req.Body = append([]byte(nil), req.Body...)
		out[i] = req
	}
	return out
}

// recordRequest adds a request to Requests and returns its index.
func (s *Server) recordRequest(body []byte) int {
	var members struct {
		ClientToken string
		ContentType string
	}
	_ = json.Unmarshal(body, &members) // best effort: the body may be anything
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, Request{
		ClientToken: members.ClientToken,
		ContentType: members.ContentType,
		Body:        append([]byte(nil), body...),
	})
	return len(s.requests) - 1
}

func (s *Server) updateRequest(i int, update func(*Request)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	update(&s.requests[i])
}

// service is the fake's implementation of the generated strict server. It
// sees only requests that passed the contract.
type service struct{ s *Server }

var _ participantserver.StrictServerInterface = (*service)(nil)

// SendMessage accepts a message on a live connection, or answers a retry
// with the first result.
func (svc *service) SendMessage(ctx context.Context, req participantserver.SendMessageRequestObject) (participantserver.SendMessageResponseObject, error) {
	s := svc.s
	requestID := requestIDFrom(ctx)
	body := req.Body
	clientToken := ""
	if body.ClientToken != nil {
		clientToken = *body.ClientToken
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	conn := s.conns[req.Params.XAmzBearer]
	switch {
	case conn == nil:
		return accessDenied(requestID, msgUnknownConnection), nil
	case conn.ended:
		return accessDenied(requestID, msgEndedConnection), nil
	case conn.bucket != nil && !conn.bucket.take(time.Now()):
		return throttled(requestID, msgRateExceeded), nil
	}

	if clientToken != "" {
		if i, seen := conn.byClientToken[clientToken]; seen {
			first := conn.transcript[i]
			if first.ContentType != body.ContentType || first.Content != body.Content {
				return validationError(requestID, msgClientTokenReused), nil
			}
			return accepted(requestID, first), nil
		}
	}
	msg := Message{
		ID:           uuid.NewString(),
		AbsoluteTime: s.cfg.clock().UTC().Format(absoluteTimeLayout),
		ContentType:  body.ContentType,
		Content:      body.Content,
		ClientToken:  clientToken,
	}
	conn.transcript = append(conn.transcript, msg)
	if clientToken != "" {
		conn.byClientToken[clientToken] = len(conn.transcript) - 1
	}
	return accepted(requestID, msg), nil
}

// newAPIHandler serves svc through the generated strict server. The
// contract check in front of it leaves the generated code little to refuse
// (a header sent twice); what it refuses is answered in the service's form.
func newAPIHandler(svc *service) http.Handler {
	strict := participantserver.NewStrictHandlerWithOptions(svc, nil, participantserver.StrictHTTPServerOptions{
		RequestErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, _ error) {
			msg := validationMessage([]problem{{"request body", "must be a JSON object that matches SendMessageRequest"}})
			_ = validationError(requestIDFrom(r.Context()), msg).VisitSendMessageResponse(w)
		},
		ResponseErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, _ error) {
			_ = internalError(requestIDFrom(r.Context()), "An internal error occurred (participanttest: failed to write the answer).").VisitSendMessageResponse(w)
		},
	})
	return participantserver.HandlerWithOptions(strict, participantserver.StdHTTPServerOptions{
		ErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			msg := validationMessage([]problem{describeBindingError(err)})
			_ = validationError(requestIDFrom(r.Context()), msg).VisitSendMessageResponse(w)
		},
	})
}

// describeBindingError phrases an error of the generated parameter binding
// without its text, which may quote the header.
func describeBindingError(err error) problem {
	var tooMany *participantserver.TooManyValuesForParamError
	var missing *participantserver.RequiredHeaderError
	var invalid *participantserver.InvalidParamFormatError
	switch {
	case errors.As(err, &tooMany):
		return problem{tooMany.ParamName + " header", "must be sent once"}
	case errors.As(err, &missing):
		return problem{missing.ParamName + " header", "is required"}
	case errors.As(err, &invalid):
		return problem{invalid.ParamName + " header", "is not a valid string"}
	default:
		return problem{"request", "does not match the spec"}
	}
}

// errorType is the X-Amzn-ErrorType header value of the error name.
func errorType(name string) string { return name + errorTypeNamespace }

func accepted(requestID string, msg Message) participantserver.SendMessage200JSONResponse {
	status := participantserver.PROCESSING
	return participantserver.SendMessage200JSONResponse{
		Body: participantserver.SendMessageResult{
			Id:              &msg.ID,
			AbsoluteTime:    &msg.AbsoluteTime,
			MessageMetadata: &participantserver.MessageProcessingMetadata{MessageProcessingStatus: &status},
		},
		Headers: participantserver.SendMessage200ResponseHeaders{XAmznRequestId: &requestID},
	}
}

func validationError(requestID, msg string) participantserver.SendMessage400JSONResponse {
	kind := errorType("ValidationException")
	return participantserver.SendMessage400JSONResponse{ValidationExceptionJSONResponse: participantserver.ValidationExceptionJSONResponse{
		Body:    participantserver.ValidationException{Message: msg},
		Headers: participantserver.ValidationExceptionResponseHeaders{XAmznErrorType: &kind, XAmznRequestId: &requestID},
	}}
}

func accessDenied(requestID, msg string) participantserver.SendMessage403JSONResponse {
	kind := errorType("AccessDeniedException")
	return participantserver.SendMessage403JSONResponse{AccessDeniedExceptionJSONResponse: participantserver.AccessDeniedExceptionJSONResponse{
		Body:    participantserver.AccessDeniedException{Message: msg},
		Headers: participantserver.AccessDeniedExceptionResponseHeaders{XAmznErrorType: &kind, XAmznRequestId: &requestID},
	}}
}

func throttled(requestID, msg string) participantserver.SendMessage429JSONResponse {
	kind := errorType("ThrottlingException")
	return participantserver.SendMessage429JSONResponse{ThrottlingExceptionJSONResponse: participantserver.ThrottlingExceptionJSONResponse{
		Body:    participantserver.ThrottlingException{Message: msg},
		Headers: participantserver.ThrottlingExceptionResponseHeaders{XAmznErrorType: &kind, XAmznRequestId: &requestID},
	}}
}

func internalError(requestID, msg string) participantserver.SendMessage500JSONResponse {
	kind := errorType("InternalServerException")
	return participantserver.SendMessage500JSONResponse{InternalServerExceptionJSONResponse: participantserver.InternalServerExceptionJSONResponse{
		Body:    participantserver.InternalServerException{Message: msg},
		Headers: participantserver.InternalServerExceptionResponseHeaders{XAmznErrorType: &kind, XAmznRequestId: &requestID},
	}}
}

// tokenBucket is the per-connection rate limit of WithSendRateLimit.
type tokenBucket struct {
	rate, burst, tokens float64
	last                time.Time
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
