package participant

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chatwire/connectparticipant/gen/participantops"
)

// OperationError is the error of every call that fails: it names the
// operation, says how many attempts were made (0 when the input was refused
// before anything was sent), carries the ClientToken of operations that have
// one, and wraps the cause, so errors.As finds an *InvalidParamsError, a
// *ThrottlingException or any other typed error inside it.
type OperationError struct {
	// Operation is the operation's name, e.g. "SendMessage".
	Operation string
	// Attempts is how many attempts were made; 0 means nothing was sent.
	Attempts int
	// ClientToken is the idempotency token every attempt sent, for the
	// operations that have one. The request may or may not have reached the
	// service: send it again with this token and the service acts on it at
	// most once.
	ClientToken string
	// Err is the cause: the last attempt's error, or why nothing was sent.
	Err error
	// MayHaveTakenEffect says that an attempt may have reached the service
	// and been acted on although the call failed: a connection broke or
	// timed out after the request could have been sent, the service failed
	// (5xx), or it answered with a body that could not be read. The outcome
	// is then unknown: send the same input again with ClientToken, and the
	// service acts on it at most once. A refusal (such as a 400, 403 or 429)
	// did not take effect.
	MayHaveTakenEffect bool
}

// Error says which operation failed, after how many attempts, and why.
func (e *OperationError) Error() string {
	var s string
	if e.Attempts == 0 {
		s = "participant: " + e.Operation + " was not sent"
	} else {
		s = "participant: " + e.Operation + " failed after " + strconv.Itoa(e.Attempts) + " attempt"
		if e.Attempts != 1 {
			s += "s"
		}
	}
	if e.Err == nil {
		return s
	}
	// An *InvalidParamsError already names the package and the operation.
	return s + ": " + strings.TrimPrefix(e.Err.Error(), "participant: "+e.Operation+": ")
}

// Unwrap returns the cause.
func (e *OperationError) Unwrap() error { return e.Err }

// ErrorFault says whose fault an error is, as in the AWS SDKs.
type ErrorFault int

// Values of ErrorFault.
const (
	// FaultUnknown: the answer does not say.
	FaultUnknown ErrorFault = iota
	// FaultServer: the service failed (5xx).
	FaultServer
	// FaultClient: the request was wrong or not allowed (4xx).
	FaultClient
)

// String returns "server", "client" or "unknown".
func (f ErrorFault) String() string {
	switch f {
	case FaultServer:
		return "server"
	case FaultClient:
		return "client"
	}
	return "unknown"
}

// Canonical forms of the contract's response headers, for http.Header lookups.
var (
	requestIDHeader = http.CanonicalHeaderKey(participantops.RequestIDHeader)
	errorTypeHeader = http.CanonicalHeaderKey(participantops.ErrorTypeHeader)
	bearerHeader    = http.CanonicalHeaderKey(participantops.BearerHeader)
)

// APIError is implemented by every error the service answers with: the seven
// modelled exceptions and GenericAPIError. Use errors.As to reach it, or a
// concrete type such as *ThrottlingException to branch on one error.
type APIError interface {
	error
	// ErrorCode is the service's name for the error, e.g. "ThrottlingException".
	ErrorCode() string
	// ErrorMessage is the service's human-readable message, possibly empty.
	ErrorMessage() string
	// HTTPStatusCode is the status of the answer, e.g. 429.
	HTTPStatusCode() int
	// RequestID is the x-amzn-RequestId of the answer: quote it to AWS support.
	RequestID() string
	// ErrorFault is FaultServer for 5xx answers and FaultClient for 4xx, as
	// in the AWS SDKs.
	ErrorFault() ErrorFault
}

// ErrorResponse holds what the service said in an error answer. It is embedded
// in every error type of this package and provides their APIError methods.
type ErrorResponse struct {
	code       string
	message    string
	status     int
	requestID  string
	retryAfter time.Duration
	hint       string // what to do, for the operation that got the answer
}

// ErrorCode returns the service's name for the error.
func (e *ErrorResponse) ErrorCode() string { return e.code }

// ErrorMessage returns the service's message, possibly empty.
func (e *ErrorResponse) ErrorMessage() string { return e.message }

// HTTPStatusCode returns the HTTP status of the answer.
func (e *ErrorResponse) HTTPStatusCode() int { return e.status }

// RequestID returns the x-amzn-RequestId header of the answer.
func (e *ErrorResponse) RequestID() string { return e.requestID }

// ErrorFault says whose fault the error is, as the AWS SDKs do: FaultServer
// for 5xx answers, FaultClient for 4xx, FaultUnknown otherwise.
func (e *ErrorResponse) ErrorFault() ErrorFault {
	switch {
	case e.status >= 500:
		return FaultServer
	case e.status >= 400:
		return FaultClient
	}
	return FaultUnknown
}

// RetryAfter returns the wait the service asked for in a Retry-After header,
// or 0 when it sent none.
func (e *ErrorResponse) RetryAfter() time.Duration { return e.retryAfter }

// Error says what the service answered, with the request ID to quote, e.g.
// `ThrottlingException (HTTP 429, request ID 6a1f…): Rate exceeded.`.
func (e *ErrorResponse) Error() string {
	var b strings.Builder
	b.WriteString(e.code)
	b.WriteString(" (HTTP ")
	b.WriteString(strconv.Itoa(e.status))
	if e.requestID != "" {
		b.WriteString(", request ID ")
		b.WriteString(e.requestID)
	}
	b.WriteString(")")
	if e.message != "" {
		b.WriteString(": ")
		b.WriteString(e.message)
	}
	if e.hint != "" {
		b.WriteString(" (")
		b.WriteString(e.hint)
		b.WriteString(")")
	}
	return b.String()
}

// errorHint says what to do about an answer with status to op.
func errorHint(op *participantops.Operation, status int) string {
	switch status {
	case http.StatusForbidden:
		if bearer := op.Bearer(); bearer != nil && bearer.Name == "ParticipantToken" {
			return "check that ParticipantToken is the participant token that starting the chat returned, " +
				"not a connection token, and that the participant is still part of the chat"
		}
		return "check that ConnectionToken is the connection token from CreateParticipantConnection, " +
			"not the participant token, that it has not expired, and that the chat has not ended"
	case http.StatusTooManyRequests:
		if op.IdempotencyToken() != nil {
			return "slow down and retry with the same ClientToken"
		}
		return "slow down and retry"
	}
	return ""
}

// AccessDeniedException (HTTP 403): the token is unknown or expired, a
// participant token was sent where a connection token belongs, or the chat
// has ended.
type AccessDeniedException struct{ ErrorResponse }

// ConflictException (HTTP 409): the request conflicts with the current state
// of a resource of the chat.
type ConflictException struct{ ErrorResponse }

// InternalServerException (HTTP 500): the service failed; retrying later may
// succeed.
type InternalServerException struct{ ErrorResponse }

// ResourceNotFoundException (HTTP 404): a resource named in the request does
// not exist, such as the view of DescribeView.
type ResourceNotFoundException struct {
	ErrorResponse
	// ResourceID identifies the resource, when the service says.
	ResourceID string
	// ResourceType is the kind of resource, when the service says.
	ResourceType ResourceType
}

// ServiceQuotaExceededException (HTTP 402): the request would go over a
// service quota.
type ServiceQuotaExceededException struct{ ErrorResponse }

// ThrottlingException (HTTP 429): too many requests; retry later with the
// same ClientToken.
type ThrottlingException struct{ ErrorResponse }

// ValidationException (HTTP 400): the service refused the input; fix it
// before sending again.
type ValidationException struct{ ErrorResponse }

// GenericAPIError is any error answer that is not one of the modelled
// exceptions, such as a proxy's 502 with an HTML body. Its ErrorCode is the
// code the service sent, or "UnknownError" when there was none.
type GenericAPIError struct{ ErrorResponse }

// Error codes of the modelled exceptions.
const (
	codeAccessDenied         = "AccessDeniedException"
	codeConflict             = "ConflictException"
	codeInternalServer       = "InternalServerException"
	codeResourceNotFound     = "ResourceNotFoundException"
	codeServiceQuotaExceeded = "ServiceQuotaExceededException"
	codeThrottling           = "ThrottlingException"
	codeValidation           = "ValidationException"
	codeUnknown              = "UnknownError"
)

// modelledErrors maps each modelled exception's code to its type.
var modelledErrors = [...]struct {
	code string
	wrap func(ErrorResponse) APIError
}{
	{codeAccessDenied, func(r ErrorResponse) APIError { return &AccessDeniedException{r} }},
	{codeConflict, func(r ErrorResponse) APIError { return &ConflictException{r} }},
	{codeInternalServer, func(r ErrorResponse) APIError { return &InternalServerException{r} }},
	{codeResourceNotFound, func(r ErrorResponse) APIError { return &ResourceNotFoundException{ErrorResponse: r} }},
	{codeServiceQuotaExceeded, func(r ErrorResponse) APIError { return &ServiceQuotaExceededException{r} }},
	{codeThrottling, func(r ErrorResponse) APIError { return &ThrottlingException{r} }},
	{codeValidation, func(r ErrorResponse) APIError { return &ValidationException{r} }},
}

// NewAPIError returns the typed error for code, as the client would return it
// for an answer with that code, status and request ID. The code is resolved
// like the X-Amzn-ErrorType header (case is ignored, and a "namespace#" prefix
// or ":uri" suffix is dropped). It is meant for fakes and mocks of Client.
func NewAPIError(code, message string, status int, requestID string) APIError {
	return newAPIError(ErrorResponse{code: sanitizeErrorCode(code), message: message, status: status, requestID: requestID})
}

func newAPIError(r ErrorResponse) APIError {
	if r.code == "" {
		switch r.status {
		case http.StatusTooManyRequests:
			r.code = codeThrottling
		case http.StatusInternalServerError:
			r.code = codeInternalServer
		}
	}
	for _, m := range modelledErrors {
		if strings.EqualFold(r.code, m.code) {
			r.code = m.code
			return m.wrap(r)
		}
	}
	if r.code == "" {
		r.code = codeUnknown
	}
	return &GenericAPIError{r}
}

// decodeAPIError turns an error answer to op into a typed error, resolving
// the error's name as AWS restJson1 clients do: the X-Amzn-ErrorType header
// first, then the body's "code", then its "__type". A body that is empty, HTML
// or otherwise not a JSON object never hides the HTTP status. The call's
// secret (its bearer token) is cut out of what the answer says, in case it
// echoes it; requestID is the answer's request ID, already cut.
func decodeAPIError(resp *http.Response, body []byte, op *participantops.Operation, requestID, secret string) APIError {
	r := ErrorResponse{
		status:     resp.StatusCode,
		requestID:  requestID,
		retryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now),
		hint:       errorHint(op, resp.StatusCode),
	}
	code := resp.Header.Get(errorTypeHeader)
	fields := errorBodyFields(body)
	if code == "" {
		code = fields.code
	}
	if code == "" {
		code = fields.typ
	}
	r.code = sanitizeErrorCode(code)
	r.message = redactIn(fields.message, secret)
	if !fields.json && r.message == "" {
		r.message = redactIn(nonJSONMessage(resp), secret)
	}
	apiErr := newAPIError(r)
	// The code is matched first: only one that names no modelled error is
	// kept as the service sent it, and so may need cleaning.
	if generic, ok := apiErr.(*GenericAPIError); ok {
		generic.code = redactIn(generic.code, secret)
	}
	if notFound, ok := apiErr.(*ResourceNotFoundException); ok {
		notFound.ResourceID = redactIn(fields.resourceID, secret)
		notFound.ResourceType = ResourceType(redactIn(fields.resourceType, secret))
	}
	return apiErr
}

// sanitizeErrorCode keeps what is before the first ':' (dropping a URI) and
// then what is after the first '#' (dropping a namespace), e.g.
// "aws.connect#ThrottlingException:http://internal..." → "ThrottlingException".
func sanitizeErrorCode(code string) string {
	code = strings.TrimSpace(code)
	if i := strings.IndexByte(code, ':'); i >= 0 {
		code = code[:i]
	}
	if i := strings.IndexByte(code, '#'); i >= 0 {
		code = code[i+1:]
	}
	return code
}

type errorFields struct {
	json                     bool
	code, typ, message       string
	resourceID, resourceType string
}

// errorBodyFields reads the top-level members of a JSON error body that say
// what the error is. Keys are matched without regard to case, as the AWS
// SDKs do; when a body has several spellings of one key (the service has
// been seen answering both "Message" and "message"), the model's spelling
// wins, then the lower-case one, then the others in byte order, so the
// answer never depends on the order of a map. Values that are not strings
// are ignored.
func errorBodyFields(body []byte) errorFields {
	var f errorFields
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return f
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return f
	}
	f.json = true
	f.code = pickField(m, "code")
	f.typ = pickField(m, "__type")
	f.message = pickField(m, "Message")
	f.resourceID = pickField(m, "ResourceId")
	f.resourceType = pickField(m, "ResourceType")
	return f
}

// pickField returns the string value of the key of m that equals name
// without regard to case, preferring name as given, then its lower-case
// form, then the other spellings in byte order.
func pickField(m map[string]json.RawMessage, name string) string {
	var keys []string
	for k := range m {
		if strings.EqualFold(k, name) {
			keys = append(keys, k)
		}
	}
	rank := func(k string) int {
		switch k {
		case name:
			return 0
		case strings.ToLower(name):
			return 1
		}
		return 2
	}
	slices.SortFunc(keys, func(a, b string) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		return strings.Compare(a, b)
	})
	for _, k := range keys {
		var s string
		if json.Unmarshal(m[k], &s) == nil && s != "" {
			return s
		}
	}
	return ""
}

// nonJSONMessage describes an answer whose body is not JSON without quoting
// it: a proxy's HTML page says nothing useful and may be large.
func nonJSONMessage(resp *http.Response) string {
	msg := "the service answered " + resp.Status
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		msg += " with a " + ct + " body"
	}
	return msg
}

// maxRetryAfterSeconds bounds a Retry-After value before it is converted, so
// that a huge number cannot overflow a time.Duration. It is far above any
// backoff cap: a longer hint means "wait the cap" like any hint over the cap.
const maxRetryAfterSeconds = 86400

// parseRetryAfter reads a Retry-After header: a number of seconds, or an
// HTTP date. It returns 0 for a missing, malformed or past value. A value
// beyond maxRetryAfterSeconds, even one too large to parse as a number, is
// clamped to it: a long hint always means "wait as long as allowed".
func parseRetryAfter(v string, now func() time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if allDigits(v) {
		secs, err := strconv.ParseInt(v, 10, 64)
		if err != nil || secs > maxRetryAfterSeconds {
			secs = maxRetryAfterSeconds // a number too large for int64 is large
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now()); d > 0 {
			return min(d, maxRetryAfterSeconds*time.Second)
		}
	}
	return 0
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ErrResponseTooLarge is returned (wrapped) when an answer's body is larger
// than the client's limit (see WithMaxResponseBytes); the rest of the body is
// not read.
var ErrResponseTooLarge = errors.New("response body too large")
