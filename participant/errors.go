package participant

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
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
	// ErrorFault is "server" for 5xx answers and "client" otherwise, as in
	// the AWS SDKs.
	ErrorFault() string
}

// ErrorResponse holds what the service said in an error answer. It is embedded
// in every error type of this package and provides their APIError methods.
type ErrorResponse struct {
	code       string
	message    string
	status     int
	requestID  string
	retryAfter time.Duration
}

// ErrorCode returns the service's name for the error.
func (e *ErrorResponse) ErrorCode() string { return e.code }

// ErrorMessage returns the service's message, possibly empty.
func (e *ErrorResponse) ErrorMessage() string { return e.message }

// HTTPStatusCode returns the HTTP status of the answer.
func (e *ErrorResponse) HTTPStatusCode() int { return e.status }

// RequestID returns the x-amzn-RequestId header of the answer.
func (e *ErrorResponse) RequestID() string { return e.requestID }

// ErrorFault says whose fault the error is, as the AWS SDKs do: "server" for
// 5xx answers, "client" otherwise.
func (e *ErrorResponse) ErrorFault() string {
	if e.status >= 500 {
		return "server"
	}
	return "client"
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
	if hint := errorHint(e.status); hint != "" {
		b.WriteString(" (")
		b.WriteString(hint)
		b.WriteString(")")
	}
	return b.String()
}

func errorHint(status int) string {
	switch status {
	case http.StatusForbidden:
		return "check that ConnectionToken is the connection token from CreateParticipantConnection, not the participant token, and that the chat has not ended"
	case http.StatusTooManyRequests:
		return "slow down and retry with the same ClientToken"
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
// not exist.
type ResourceNotFoundException struct{ ErrorResponse }

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
	{codeResourceNotFound, func(r ErrorResponse) APIError { return &ResourceNotFoundException{r} }},
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

// decodeAPIError turns an error answer into a typed error, resolving the
// error's name as AWS restJson1 clients do: the X-Amzn-ErrorType header
// first, then the body's "code", then its "__type". A body that is empty, HTML
// or otherwise not a JSON object never hides the HTTP status.
func decodeAPIError(resp *http.Response, body []byte) APIError {
	r := ErrorResponse{
		status:     resp.StatusCode,
		requestID:  resp.Header.Get("X-Amzn-Requestid"),
		retryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now),
	}
	code := resp.Header.Get("X-Amzn-Errortype")
	fields := errorBodyFields(body)
	if code == "" {
		code = fields.code
	}
	if code == "" {
		code = fields.typ
	}
	r.code = sanitizeErrorCode(code)
	r.message = fields.message
	if !fields.json && r.message == "" {
		r.message = nonJSONMessage(resp)
	}
	return newAPIError(r)
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
	json               bool
	code, typ, message string
}

// errorBodyFields reads the top-level "code", "__type" and "message" members
// of a JSON error body, matching keys without regard to case. Values that are
// not strings are ignored.
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
	for k, raw := range m {
		var dst *string
		switch {
		case strings.EqualFold(k, "code"):
			dst = &f.code
		case strings.EqualFold(k, "__type"):
			dst = &f.typ
		case strings.EqualFold(k, "message"):
			dst = &f.message
		default:
			continue
		}
		var s string
		if json.Unmarshal(raw, &s) == nil && *dst == "" {
			*dst = s
		}
	}
	return f
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
// that a huge number cannot overflow a time.Duration. Waits are clamped much
// lower by the retry policy anyway.
const maxRetryAfterSeconds = 86400

// parseRetryAfter reads a Retry-After header: a number of seconds, or an
// HTTP date. It returns 0 for a missing, malformed or past value.
func parseRetryAfter(v string, now func() time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil {
		if secs <= 0 || secs > maxRetryAfterSeconds {
			return 0
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now()); d > 0 {
			return d
		}
	}
	return 0
}

// ErrResponseTooLarge is returned (wrapped) when an answer's body is larger
// than the client's limit (see WithMaxResponseBytes); the rest of the body is
// not read.
var ErrResponseTooLarge = errors.New("response body too large")
