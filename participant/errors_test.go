package participant

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/chatwire/connectparticipant/gen/participantops"
)

// answering returns a client of a loopback server that answers every
// request with h, tried once unless opts say otherwise.
func answering(t *testing.T, h http.HandlerFunc, opts ...Option) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := New(append([]Option{WithEndpoint(srv.URL), WithMaxAttempts(1)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// answer writes an error answer: status, headers and body.
func answer(status int, header map[string]string, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

// sendFixture sends the valid fixture of op through c.
func sendFixture(t *testing.T, c *Client, op string, opts ...CallOption) error {
	t.Helper()
	fx := opFixtures[op]
	_, err := fx.call(t.Context(), c, fx.valid(), opts...)
	return err
}

func typeName(v any) string { return reflect.TypeOf(v).String() }

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
		{"header wins over the body's code and __type", 409, "ConflictException", "application/json", `{"code":"ValidationException","__type":"ThrottlingException","Message":"m"}`, "*participant.ConflictException", "ConflictException", "m"},
		{"body code wins over __type when no header", 402, "", "application/json", `{"code":"ServiceQuotaExceededException","__type":"ThrottlingException","Message":"quota"}`, "*participant.ServiceQuotaExceededException", "ServiceQuotaExceededException", "quota"},
		{"body __type when no header or code", 404, "", "application/json", `{"__type":"com.amazonaws.connectparticipant#ResourceNotFoundException","message":"gone"}`, "*participant.ResourceNotFoundException", "ResourceNotFoundException", "gone"},
		{"body keys matched ignoring case", 403, "", "application/json", `{"Code":"AccessDeniedException","MESSAGE":"no"}`, "*participant.AccessDeniedException", "AccessDeniedException", "no"},
		{"__TYPE in upper case with a URI", 400, "", "application/json", `{"__TYPE":"ValidationException:uri"}`, "*participant.ValidationException", "ValidationException", ""},
		{"error name matched ignoring case", 429, "throttlingexception", "", `{}`, "*participant.ThrottlingException", "ThrottlingException", ""},
		{"unknown name is generic and kept", 418, "TeapotException", "application/json", `{"Message":"short and stout"}`, "*participant.GenericAPIError", "TeapotException", "short and stout"},
		{"429 without a name is throttling", 429, "", "", ``, "*participant.ThrottlingException", "ThrottlingException", "the service answered 429 Too Many Requests"},
		{"500 without a name is internal", 500, "", "text/plain", `oops`, "*participant.InternalServerException", "InternalServerException", "the service answered 500 Internal Server Error with a text/plain body"},
		{"502 HTML body keeps the status and is not quoted", 502, "", "text/html", `<html><body>Bad Gateway</body></html>`, "*participant.GenericAPIError", "UnknownError", "the service answered 502 Bad Gateway with a text/html body"},
		{"403 with an empty body and no name is generic", 403, "", "", ``, "*participant.GenericAPIError", "UnknownError", "the service answered 403 Forbidden"},
		{"a code that is not a string is ignored", 400, "", "application/json", `{"code":7,"__type":"ValidationException"}`, "*participant.ValidationException", "ValidationException", ""},
		{"JSON array body keeps the status", 503, "", "application/json", `[1,2]`, "*participant.GenericAPIError", "UnknownError", "the service answered 503 Service Unavailable with a application/json body"},
		{"truncated JSON body keeps the status", 500, "", "application/json", `{"Message":"cut`, "*participant.InternalServerException", "InternalServerException", "the service answered 500 Internal Server Error with a application/json body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			header := map[string]string{"x-amzn-RequestId": "req-123"}
			if tt.header != "" {
				header["X-Amzn-ErrorType"] = tt.header
			}
			if tt.contentType != "" {
				header["Content-Type"] = tt.contentType
			}
			c := answering(t, answer(tt.status, header, tt.body))
			err := sendFixture(t, c, "SendMessage")
			apiErr, ok := errors.AsType[APIError](err)
			if !ok {
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
				t.Errorf("the error quotes the HTML body: %v", err)
			}
		})
	}
}

// TestErrorBodyFieldPrecedence holds the choice between spellings of one key
// to a fixed order. Each case runs many times: a choice that followed the
// order of a Go map would differ between runs.
func TestErrorBodyFieldPrecedence(t *testing.T) {
	t.Parallel()
	const runs = 100
	tests := []struct {
		name        string
		body        string
		wantCode    string
		wantMessage string
	}{
		{"Message, the model's spelling, wins over message", `{"__type":"ValidationException","message":"lower","Message":"model"}`, "ValidationException", "model"},
		{"message wins over MESSAGE", `{"__type":"ValidationException","MESSAGE":"upper","message":"lower"}`, "ValidationException", "lower"},
		{"code wins over Code", `{"Code":"ConflictException","code":"ValidationException"}`, "ValidationException", ""},
		{"other spellings are taken in byte order", `{"__type":"ValidationException","mESSAGE":"second","MESSAGE":"first","MeSsAgE":"third"}`, "ValidationException", "first"},
		{"a spelling whose value is not a string is passed over", `{"__type":"ValidationException","Message":7,"message":"lower"}`, "ValidationException", "lower"},
		{"an empty value is passed over", `{"__type":"ValidationException","Message":"","message":"lower"}`, "ValidationException", "lower"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := answering(t, answer(400, map[string]string{"Content-Type": "application/json"}, tt.body))
			for i := range runs {
				err := sendFixture(t, c, "SendMessage")
				apiErr, ok := errors.AsType[APIError](err)
				if !ok {
					t.Fatalf("run %d: err = %v, want an APIError", i, err)
				}
				if apiErr.ErrorCode() != tt.wantCode || apiErr.ErrorMessage() != tt.wantMessage {
					t.Fatalf("run %d: code %q message %q, want %q %q", i, apiErr.ErrorCode(), apiErr.ErrorMessage(), tt.wantCode, tt.wantMessage)
				}
			}
		})
	}
}

func TestResourceNotFoundFields(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		body     string
		wantID   string
		wantType ResourceType
	}{
		{"the model's spelling", `{"Message":"gone","ResourceId":"view-7","ResourceType":"CONTACT"}`, "view-7", ResourceTypeContact},
		{"keys in another case", `{"message":"gone","resourceId":"view-8","resourcetype":"PARTICIPANT"}`, "view-8", ResourceTypeParticipant},
		{"a type the package does not name passes through", `{"ResourceId":"v","ResourceType":"VIEW"}`, "v", "VIEW"},
		{"absent fields are empty", `{"Message":"gone"}`, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := answering(t, answer(404, map[string]string{"X-Amzn-ErrorType": "ResourceNotFoundException"}, tt.body))
			err := sendFixture(t, c, "DescribeView")
			notFound, ok := errors.AsType[*ResourceNotFoundException](err)
			if !ok {
				t.Fatalf("err = %v, want a *ResourceNotFoundException", err)
			}
			if notFound.ResourceID != tt.wantID || notFound.ResourceType != tt.wantType {
				t.Errorf("ResourceID %q ResourceType %q, want %q %q", notFound.ResourceID, notFound.ResourceType, tt.wantID, tt.wantType)
			}
		})
	}
}

func TestNewAPIErrorTypes(t *testing.T) {
	t.Parallel()
	tests := []struct{ code, want string }{
		{"AccessDeniedException", "*participant.AccessDeniedException"},
		{"ConflictException", "*participant.ConflictException"},
		{"InternalServerException", "*participant.InternalServerException"},
		{"ResourceNotFoundException", "*participant.ResourceNotFoundException"},
		{"ServiceQuotaExceededException", "*participant.ServiceQuotaExceededException"},
		{"ThrottlingException", "*participant.ThrottlingException"},
		{"ValidationException", "*participant.ValidationException"},
		{"ns#ThrottlingException:uri", "*participant.ThrottlingException"},
		{"validationexception", "*participant.ValidationException"},
		{"Other", "*participant.GenericAPIError"},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			t.Parallel()
			if got := typeName(NewAPIError(tt.code, "m", 400, "")); got != tt.want {
				t.Errorf("NewAPIError(%q) is %s, want %s", tt.code, got, tt.want)
			}
		})
	}
	// Every error the contract models has a type of its own.
	for _, e := range participantops.Errors {
		if _, generic := NewAPIError(e.Code, "", e.Status, "").(*GenericAPIError); generic {
			t.Errorf("the contract's %s has no type of its own", e.Code)
		}
	}
}

func TestErrorFault(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		err    APIError
		want   ErrorFault
		wantIs string
	}{
		{"500 is the server's fault", NewAPIError("InternalServerException", "", 500, ""), FaultServer, "server"},
		{"503 without a name is the server's fault", NewAPIError("", "", 503, ""), FaultServer, "server"},
		{"400 is the client's fault", NewAPIError("ValidationException", "", 400, ""), FaultClient, "client"},
		{"429 is the client's fault", NewAPIError("ThrottlingException", "", 429, ""), FaultClient, "client"},
		{"404 is the client's fault", NewAPIError("ResourceNotFoundException", "", 404, ""), FaultClient, "client"},
		{"a 302 answer says nothing of fault", NewAPIError("", "", 302, ""), FaultUnknown, "unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got ErrorFault = tt.err.ErrorFault()
			if got != tt.want || got.String() != tt.wantIs {
				t.Errorf("ErrorFault() = %v (%d), want %v (%d)", got, got, tt.wantIs, tt.want)
			}
		})
	}
}

func TestErrorFaultString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fault ErrorFault
		want  string
	}{
		{FaultServer, "server"},
		{FaultClient, "client"},
		{FaultUnknown, "unknown"},
		{ErrorFault(42), "unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			if got := tt.fault.String(); got != tt.want {
				t.Errorf("ErrorFault(%d).String() = %q, want %q", int(tt.fault), got, tt.want)
			}
		})
	}
}

func TestOperationErrorMessage(t *testing.T) {
	t.Parallel()
	invalid := &InvalidParamsError{Operation: "SendMessage", Fields: []InvalidParam{{Field: "Content", Rule: "required", Reason: "is required; set Content"}}}
	tests := []struct {
		name string
		err  *OperationError
		want string
	}{
		{"nothing sent, no cause", &OperationError{Operation: "SendMessage"}, "participant: SendMessage was not sent"},
		{"one attempt, no cause", &OperationError{Operation: "GetTranscript", Attempts: 1}, "participant: GetTranscript failed after 1 attempt"},
		{"several attempts, no cause", &OperationError{Operation: "SendEvent", Attempts: 3}, "participant: SendEvent failed after 3 attempts"},
		{"invalid input is not named twice", &OperationError{Operation: "SendMessage", Err: invalid},
			"participant: SendMessage was not sent: invalid input: Content: is required; set Content"},
		{"a cause after attempts", &OperationError{Operation: "SendMessage", Attempts: 2, Err: errors.New("connection reset")},
			"participant: SendMessage failed after 2 attempts: connection reset"},
		{"a cause before sending", &OperationError{Operation: "SendMessage", Err: errors.New("generating a ClientToken: no entropy")},
			"participant: SendMessage was not sent: generating a ClientToken: no entropy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
			if tt.err.Err != nil && !errors.Is(tt.err, tt.err.Err) {
				t.Errorf("errors.Is does not reach the cause through Unwrap")
			}
		})
	}
}

// TestErrorHints checks that the advice in an error fits the operation: a
// 403 names the token the operation takes, and a 429 mentions the
// ClientToken only where there is one.
func TestErrorHints(t *testing.T) {
	t.Parallel()
	bearers := map[string]bool{}
	for _, op := range participantops.Operations {
		bearers[op.Bearer().Name] = true
	}
	if len(bearers) < 2 {
		t.Fatalf("the contract has one kind of token (%v); the 403 hint cannot be told apart", bearers)
	}
	type hintCase struct {
		name      string
		op        string
		status    int
		code      string
		want, not []string
	}
	var tests []hintCase
	for _, op := range participantops.Operations {
		bearer := op.Bearer().Name
		var others []string
		for name := range bearers {
			if name != bearer {
				others = append(others, name)
			}
		}
		tests = append(tests, hintCase{
			name: "403 to " + op.Name + " names " + bearer, op: op.Name, status: 403, code: "AccessDeniedException",
			want: []string{"check that " + bearer}, not: others,
		})
		if op.IdempotencyToken() != nil {
			tests = append(tests, hintCase{
				name: "429 to " + op.Name + " retries with the same ClientToken", op: op.Name, status: 429, code: "ThrottlingException",
				want: []string{"slow down", "same ClientToken"},
			})
		} else {
			tests = append(tests, hintCase{
				name: "429 to " + op.Name + " has no ClientToken to keep", op: op.Name, status: 429, code: "ThrottlingException",
				want: []string{"slow down"}, not: []string{"ClientToken"},
			})
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := answering(t, answer(tt.status, map[string]string{"X-Amzn-ErrorType": tt.code}, `{"Message":"no"}`))
			err := sendFixture(t, c, tt.op)
			apiErr, ok := errors.AsType[APIError](err)
			if !ok || apiErr.ErrorCode() != tt.code {
				t.Fatalf("err = %v, want a %s", err, tt.code)
			}
			msg := err.Error()
			for _, s := range tt.want {
				if !strings.Contains(msg, s) {
					t.Errorf("Error() = %q, want it to say %q", msg, s)
				}
			}
			for _, s := range tt.not {
				if strings.Contains(msg, s) {
					t.Errorf("Error() = %q mentions %q, which %s does not take", msg, s, tt.op)
				}
			}
		})
	}
}

// TestErrorsNeverQuoteTheToken answers with a server that echoes the
// caller's token everywhere it can, and checks that neither the error, in
// any format, nor the client's log lines repeat it.
func TestErrorsNeverQuoteTheToken(t *testing.T) {
	t.Parallel()
	const token = "SECRET-TOKEN-9f8e7d6c5b4a"
	tests := []struct {
		name string
		op   string
		// answer writes the answer; token is what the request carried.
		answer   func(w http.ResponseWriter, token string)
		status   int
		redacted bool // the echo is kept, with the token replaced
	}{
		{"500 echoing it in X-Amzn-ErrorType, x-amzn-RequestId and Message, retried", "SendMessage", func(w http.ResponseWriter, token string) {
			w.Header().Set("X-Amzn-ErrorType", token)
			w.Header().Set("x-amzn-RequestId", "req-"+token)
			w.WriteHeader(500)
			fmt.Fprintf(w, `{"Message":"token %s is not valid"}`, token)
		}, 500, true},
		{"403 echoing the participant token", "CreateParticipantConnection", func(w http.ResponseWriter, token string) {
			w.Header().Set("X-Amzn-ErrorType", "ns#"+token)
			w.Header().Set("x-amzn-RequestId", token)
			w.WriteHeader(403)
			fmt.Fprintf(w, `{"message":"%s"}`, token)
		}, 403, true},
		{"404 echoing it as the resource", "DescribeView", func(w http.ResponseWriter, token string) {
			w.Header().Set("X-Amzn-ErrorType", "ResourceNotFoundException")
			w.WriteHeader(404)
			fmt.Fprintf(w, `{"Message":"no view for %s","ResourceId":"%s","ResourceType":"%s"}`, token, token, token)
		}, 404, true},
		{"400 echoing it in the body's code and __type", "GetTranscript", func(w http.ResponseWriter, token string) {
			w.WriteHeader(400)
			fmt.Fprintf(w, `{"code":"%s","__type":"%s","Message":"%s"}`, token, token, token)
		}, 400, true},
		{"502 echoing it in the Content-Type of an HTML body", "SendEvent", func(w http.ResponseWriter, token string) {
			w.Header().Set("Content-Type", "text/html; token="+token)
			w.WriteHeader(502)
			io.WriteString(w, "<html>"+token+"</html>")
		}, 502, true},
		{"502 echoing it in the status line's reason phrase", "SendMessage", func(w http.ResponseWriter, token string) {
			conn, buf, err := w.(http.Hijacker).Hijack()
			if err != nil {
				panic(err)
			}
			defer conn.Close()
			fmt.Fprintf(buf, "HTTP/1.1 502 %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", token)
			buf.Flush()
		}, 502, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var text, structured bytes.Buffer
			logger := slog.New(slog.NewMultiHandler(
				slog.NewTextHandler(&text, &slog.HandlerOptions{Level: slog.LevelDebug}),
				slog.NewJSONHandler(&structured, &slog.HandlerOptions{Level: slog.LevelDebug})))
			c := answering(t, func(w http.ResponseWriter, r *http.Request) { tt.answer(w, r.Header.Get(bearerHeader)) },
				WithLogger(logger), WithMaxAttempts(2), WithBackoff(time.Millisecond, time.Millisecond, time.Millisecond))
			fx := opFixtures[tt.op]
			in := reflect.New(reflect.TypeOf(fx.valid())).Elem()
			in.Set(reflect.ValueOf(fx.valid()))
			f, _ := memberField(in.Type(), opNamed(t, tt.op).Bearer().Name)
			in.Field(f.Index[0]).SetString(token)
			_, err := fx.call(t.Context(), c, in.Interface())

			apiErr, ok := errors.AsType[APIError](err)
			if !ok || apiErr.HTTPStatusCode() != tt.status {
				t.Fatalf("err = %v, want an APIError with status %d", err, tt.status)
			}
			outputs := map[string]string{
				"Error()":        err.Error(),
				"%v":             fmt.Sprintf("%v", err),
				"%+v":            fmt.Sprintf("%+v", err),
				"%#v":            fmt.Sprintf("%#v", err),
				"%#v of the API": fmt.Sprintf("%#v", apiErr),
				"ErrorCode()":    apiErr.ErrorCode(),
				"ErrorMessage()": apiErr.ErrorMessage(),
				"RequestID()":    apiErr.RequestID(),
				"text log":       text.String(),
				"JSON log":       structured.String(),
			}
			if notFound, ok := apiErr.(*ResourceNotFoundException); ok {
				outputs["ResourceID"] = notFound.ResourceID
				outputs["ResourceType"] = string(notFound.ResourceType)
			}
			var problems []string
			for what, s := range outputs {
				if strings.Contains(s, token) {
					problems = append(problems, fmt.Sprintf("%s quotes the token: %s", what, s))
				}
			}
			if text.Len() == 0 || structured.Len() == 0 {
				problems = append(problems, "nothing was logged; the log check saw nothing")
			}
			if tt.redacted && !strings.Contains(err.Error(), redactedText) {
				problems = append(problems, fmt.Sprintf("Error() = %q, want the echoed token shown as %s", err.Error(), redactedText))
			}
			for _, p := range problems {
				t.Error(p)
			}
		})
	}
}

func opNamed(t *testing.T, name string) *participantops.Operation {
	t.Helper()
	for _, op := range participantops.Operations {
		if op.Name == name {
			return op
		}
	}
	t.Fatalf("the operation table has no %s", name)
	return nil
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	clock := func() time.Time { return now }
	clamp := maxRetryAfterSeconds * time.Second
	tests := []struct {
		name string
		in   string
		want time.Duration
	}{
		{"absent", "", 0},
		{"seconds", "3", 3 * time.Second},
		{"zero seconds", "0", 0},
		{"the clamp itself", "86400", clamp},
		{"one second over the clamp", "86401", clamp},
		{"a trillion seconds, which would overflow a Duration", "1000000000000", clamp},
		{"too large for int64", "99999999999999999999", clamp},
		{"negative", "-1", 0},
		{"not an integer", "1e9", 0},
		{"fraction", "1.5", 0},
		{"garbage", "soon", 0},
		{"a date 10 seconds ahead", now.Add(10 * time.Second).Format(http.TimeFormat), 10 * time.Second},
		{"a date two days ahead", now.Add(48 * time.Hour).Format(http.TimeFormat), clamp},
		{"a date in the past", now.Add(-5 * time.Second).Format(http.TimeFormat), 0},
		{"now", now.Format(http.TimeFormat), 0},
		{"a date in RFC 850 form", now.Add(20 * time.Second).Format("Monday, 02-Jan-06 15:04:05 GMT"), 20 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := parseRetryAfter(tt.in, clock); got != tt.want {
				t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}
