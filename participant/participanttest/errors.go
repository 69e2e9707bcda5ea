package participanttest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/chatwire/connectparticipant/gen/participantops"
)

// errorTypeNamespace follows the error name in X-Amzn-ErrorType, as the
// real service sends it.
const errorTypeNamespace = ":http://internal.amazon.com/coral/com.amazonaws.connectparticipant/"

// Codes of the modelled errors the fake answers with. Their statuses come
// from participantops.Errors.
const (
	codeAccessDenied  = "AccessDeniedException"
	codeConflict      = "ConflictException"
	codeInternal      = "InternalServerException"
	codeNotFound      = "ResourceNotFoundException"
	codeQuotaExceeded = "ServiceQuotaExceededException"
	codeThrottling    = "ThrottlingException"
	codeValidation    = "ValidationException"
)

// Messages of the errors the service itself decides on. They never quote a
// token or the content of a request.
const (
	msgAccessDenied = "You do not have sufficient access to perform this action."
	msgNoToken      = msgAccessDenied + " (participanttest: the request has no token; send it in the " + participantops.BearerHeader + " header.)"
	msgRateExceeded = "Rate exceeded."
)

// apiError is an error answer of the service. Every error answer the fake
// sends, of every operation, is one, written by Server.writeError.
type apiError struct {
	code    string
	status  int // from participantops.Errors for a modelled code
	message string
	// resourceID and resourceType are the members of a
	// ResourceNotFoundException.
	resourceID, resourceType string
	// retryAfter, if positive, is sent as a Retry-After header.
	retryAfter time.Duration
	// gateway marks an answer of the API gateway in front of the service:
	// its X-Amzn-ErrorType has no namespace and its body says "message".
	gateway bool
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

// apiErrorf makes an error of a modelled code.
func apiErrorf(code, format string, args ...any) *apiError {
	return &apiError{code: code, message: fmt.Sprintf(format, args...)}
}

func accessDenied(msg string) *apiError { return &apiError{code: codeAccessDenied, message: msg} }

// validationError phrases problems as the service's ValidationException.
func validationError(problems ...problem) *apiError {
	return &apiError{code: codeValidation, message: validationMessage(problems)}
}

// errMissingAuthenticationToken is how the service's API gateway answers a
// path or method the service does not have.
var errMissingAuthenticationToken = &apiError{
	code: "MissingAuthenticationTokenException", status: http.StatusForbidden,
	message: "Missing Authentication Token", gateway: true,
}

// statusOf is the HTTP status of a modelled error code.
func statusOf(code string) int {
	for _, e := range participantops.Errors {
		if e.Code == code {
			return e.Status
		}
	}
	return http.StatusInternalServerError
}

// writeError writes an error answer in the service's restJson1 form: the
// status, X-Amzn-ErrorType, x-amzn-RequestId, and a JSON body with the
// message under the key of WithErrorMessageField. It is the only writer of
// error answers.
func (s *Server) writeError(w http.ResponseWriter, requestID string, e *apiError) {
	status := e.status
	if status == 0 {
		status = statusOf(e.code)
	}
	errorType, field := e.code+errorTypeNamespace, s.cfg.messageField
	if e.gateway {
		errorType, field = e.code, messageFieldLower
	}
	body := map[string]string{field: e.message}
	if e.resourceID != "" {
		body["ResourceId"] = e.resourceID
	}
	if e.resourceType != "" {
		body["ResourceType"] = e.resourceType
	}
	b, _ := json.Marshal(body) // a map of strings always encodes
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)+1))
	h.Set(participantops.RequestIDHeader, requestID)
	h.Set(participantops.ErrorTypeHeader, errorType)
	if e.retryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(retryAfterSeconds(e.retryAfter)))
	}
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
