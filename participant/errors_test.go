package participant

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestErrorResolution(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		status      int
		header      string // X-Amzn-ErrorType
		contentType string
		body        string
		wantType    string
		wantCode    string
		wantMessage string
	}{
		{"header names the error", 403, "AccessDeniedException", "application/json", `{"Message":"denied"}`, "*participant.AccessDeniedException", "AccessDeniedException", "denied"},
		{"header with a URI suffix", 400, "ValidationException:http://internal.amazon.com/coral/com.amazonaws.connectparticipant/", "application/json", `{"Message":"bad"}`, "*participant.ValidationException", "ValidationException", "bad"},
		{"header with a namespace prefix", 429, "com.amazonaws.connectparticipant#ThrottlingException", "application/json", `{"message":"slow"}`, "*participant.ThrottlingException", "ThrottlingException", "slow"},
		{"header with namespace and URI", 500, "aws.connect#InternalServerException:http://x/y", "", `{}`, "*participant.InternalServerException", "InternalServerException", ""},
		{"header wins over body", 409, "ConflictException", "application/json", `{"code":"ValidationException","__type":"ThrottlingException","Message":"m"}`, "*participant.ConflictException", "ConflictException", "m"},
		{"body code when no header", 402, "", "application/json", `{"code":"ServiceQuotaExceededException","__type":"ThrottlingException","Message":"quota"}`, "*participant.ServiceQuotaExceededException", "ServiceQuotaExceededException", "quota"},
		{"body __type when no header or code", 404, "", "application/json", `{"__type":"com.amazonaws.connectparticipant#ResourceNotFoundException","message":"gone"}`, "*participant.ResourceNotFoundException", "ResourceNotFoundException", "gone"},
		{"body keys matched ignoring case", 403, "", "application/json", `{"Code":"AccessDeniedException","MESSAGE":"no"}`, "*participant.AccessDeniedException", "AccessDeniedException", "no"},
		{"__TYPE in upper case", 400, "", "application/json", `{"__TYPE":"ValidationException:uri"}`, "*participant.ValidationException", "ValidationException", ""},
		{"error name matched ignoring case", 429, "throttlingexception", "", `{}`, "*participant.ThrottlingException", "ThrottlingException", ""},
		{"unknown name is generic", 418, "TeapotException", "application/json", `{"Message":"short and stout"}`, "*participant.GenericAPIError", "TeapotException", "short and stout"},
		{"429 without a type is throttling", 429, "", "", ``, "*participant.ThrottlingException", "ThrottlingException", "the service answered 429 Too Many Requests"},
		{"500 without a type is internal", 500, "", "text/plain", `oops`, "*participant.InternalServerException", "InternalServerException", "the service answered 500 Internal Server Error with a text/plain body"},
		{"502 HTML body keeps the status", 502, "", "text/html", `<html><body>Bad Gateway</body></html>`, "*participant.GenericAPIError", "UnknownError", "the service answered 502 Bad Gateway with a text/html body"},
		{"empty body 403 without type is generic", 403, "", "", ``, "*participant.GenericAPIError", "UnknownError", "the service answered 403 Forbidden"},
		{"non-string code is ignored", 400, "", "application/json", `{"code":7,"__type":"ValidationException"}`, "*participant.ValidationException", "ValidationException", ""},
		{"JSON array body keeps the status", 503, "", "application/json", `[1,2]`, "*participant.GenericAPIError", "UnknownError", "the service answered 503 Service Unavailable with a application/json body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.header != "" {
					w.Header().Set("X-Amzn-ErrorType", tt.header)
				}
				if tt.contentType != "" {
					w.Header().Set("Content-Type", tt.contentType)
				}
				w.Header().Set("x-amzn-RequestId", "req-123")
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			c, err := New(WithEndpoint(srv.URL), WithMaxAttempts(1))
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.SendMessage(context.Background(), validInput())
			var apiErr APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("err = %v, want an APIError", err)
			}
			if got := typeName(apiErr); got != tt.wantType {
				t.Errorf("type = %s, want %s", got, tt.wantType)
			}
			if apiErr.ErrorCode() != tt.wantCode || apiErr.ErrorMessage() != tt.wantMessage ||
				apiErr.HTTPStatusCode() != tt.status || apiErr.RequestID() != "req-123" {
				t.Errorf("got code %q message %q status %d request %q; want %q %q %d req-123",
					apiErr.ErrorCode(), apiErr.ErrorMessage(), apiErr.HTTPStatusCode(), apiErr.RequestID(),
					tt.wantCode, tt.wantMessage, tt.status)
			}
			if strings.Contains(err.Error(), "<html>") {
				t.Errorf("error quotes the HTML body: %v", err)
			}
		})
	}
}

func typeName(err error) string {
	switch err.(type) {
	case *AccessDeniedException:
		return "*participant.AccessDeniedException"
	case *ConflictException:
		return "*participant.ConflictException"
	case *InternalServerException:
		return "*participant.InternalServerException"
	case *ResourceNotFoundException:
		return "*participant.ResourceNotFoundException"
	case *ServiceQuotaExceededException:
		return "*participant.ServiceQuotaExceededException"
	case *ThrottlingException:
		return "*participant.ThrottlingException"
	case *ValidationException:
		return "*participant.ValidationException"
	case *GenericAPIError:
		return "*participant.GenericAPIError"
	}
	return "unknown"
}

func TestAccessDeniedHint(t *testing.T) {
	t.Parallel()
	err := NewAPIError("AccessDeniedException", "You do not have sufficient access to perform this action.", 403, "r-1")
	msg := err.Error()
	for _, want := range []string{"AccessDeniedException", "HTTP 403", "request ID r-1", "not the participant token", "chat has not ended"} {
		if !strings.Contains(msg, want) {
			t.Errorf("Error() = %q, missing %q", msg, want)
		}
	}
}

func TestNewAPIErrorTypes(t *testing.T) {
	t.Parallel()
	for code, want := range map[string]string{
		"AccessDeniedException":         "*participant.AccessDeniedException",
		"ConflictException":             "*participant.ConflictException",
		"InternalServerException":       "*participant.InternalServerException",
		"ResourceNotFoundException":     "*participant.ResourceNotFoundException",
		"ServiceQuotaExceededException": "*participant.ServiceQuotaExceededException",
		"ThrottlingException":           "*participant.ThrottlingException",
		"ValidationException":           "*participant.ValidationException",
		"ns#ThrottlingException:uri":    "*participant.ThrottlingException",
		"Other":                         "*participant.GenericAPIError",
	} {
		if got := typeName(NewAPIError(code, "m", 400, "")); got != want {
			t.Errorf("NewAPIError(%q) is %s, want %s", code, got, want)
		}
	}
}

func TestErrorFault(t *testing.T) {
	t.Parallel()
	var e *InternalServerException
	if !errors.As(NewAPIError("InternalServerException", "", 500, ""), &e) || e.ErrorFault() != "server" {
		t.Error("500 should be a server fault")
	}
	var v *ValidationException
	if !errors.As(NewAPIError("ValidationException", "", 400, ""), &v) || v.ErrorFault() != "client" {
		t.Error("400 should be a client fault")
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	clock := func() time.Time { return now }
	tests := map[string]time.Duration{
		"":                              0,
		"3":                             3 * time.Second,
		"0":                             0,
		"-1":                            0,
		"1e9":                           0,
		"99999999999999999999":          0,
		"NaN":                           0,
		"Fri, 02 Jan 2026 03:04:15 GMT": 10 * time.Second,
		"Fri, 02 Jan 2026 03:04:00 GMT": 0,
		"soon":                          0,
	}
	for in, want := range tests {
		if got := parseRetryAfter(in, clock); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}
