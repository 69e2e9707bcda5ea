package participanttest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/google/uuid"

	"github.com/chatwire/connectparticipant/api"
)

const (
	messagePath     = "/participant/message"
	errorTypeSuffix = ":http://internal.amazon.com/coral/com.amazonaws.connectparticipant/"
)

// testSpec is the contract loaded on its own, apart from the package's
// loader, so that the tests check answers against the file itself.
var testSpec = sync.OnceValues(func() (routers.Router, error) {
	doc, err := openapi3.NewLoader().LoadFromData(api.Spec)
	if err != nil {
		return nil, err
	}
	doc.Servers = nil // route by path: the tests talk to loopback
	return legacy.NewRouter(doc)
})

// answer is what the fake sent back to one raw HTTP request.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// message decodes the Message of an error answer.
func (a answer) message(t *testing.T) string {
	t.Helper()
	var body struct{ Message *string }
	if err := json.Unmarshal(a.body, &body); err != nil || body.Message == nil {
		t.Fatalf("error body %q is not {\"Message\": ...}: %v", a.body, err)
	}
	return *body.Message
}

// result decodes the body of a 200 answer.
func (a answer) result(t *testing.T) sendResult {
	t.Helper()
	var r sendResult
	if err := json.Unmarshal(a.body, &r); err != nil {
		t.Fatalf("200 body %q is not a SendMessageResult: %v", a.body, err)
	}
	return r
}

type sendResult struct {
	Id              string
	AbsoluteTime    string
	MessageMetadata struct{ MessageProcessingStatus string }
}

// body builds a SendMessage request body.
func body(contentType, content string, clientToken ...string) []byte {
	m := map[string]string{"ContentType": contentType, "Content": content}
	if len(clientToken) > 0 {
		m["ClientToken"] = clientToken[0]
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return b
}

// post sends a raw SendMessage request with the connection token and
// JSON content type set, after applying edits to it. Every answer with a
// status the spec documents is checked against the spec and for its
// x-amzn-RequestId.
func post(t *testing.T, srv *Server, token string, reqBody []byte, edits ...func(*http.Request)) answer {
	t.Helper()
	a, err := tryPost(context.Background(), srv.Client(), srv.URL, token, reqBody, edits...)
	if err != nil {
		t.Fatalf("POST %s: %v", messagePath, err)
	}
	checkAnswer(t, a, token, reqBody, edits...)
	return a
}

// tryPost is post without the checks, for requests that may fail.
func tryPost(ctx context.Context, client *http.Client, baseURL, token string, reqBody []byte, edits ...func(*http.Request)) (answer, error) {
	req, err := newRequest(ctx, baseURL, token, reqBody, edits...)
	if err != nil {
		return answer{}, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{}, err
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

func newRequest(ctx context.Context, baseURL, token string, reqBody []byte, edits ...func(*http.Request)) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+messagePath, bytes.NewReader(reqBody))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("X-Amz-Bearer", token)
	}
	for _, edit := range edits {
		edit(req)
	}
	return req, nil
}

// checkAnswer holds an answer of a documented status to the spec, with
// openapi3filter.ValidateResponse, and to the service's habits: a UUID in
// x-amzn-RequestId, the error type in X-Amzn-ErrorType, and no token in
// the body.
func checkAnswer(t *testing.T, a answer, token string, reqBody []byte, edits ...func(*http.Request)) {
	t.Helper()
	errorTypes := map[int]string{
		http.StatusBadRequest:          "ValidationException",
		http.StatusForbidden:           "AccessDeniedException",
		http.StatusTooManyRequests:     "ThrottlingException",
		http.StatusInternalServerError: "InternalServerException",
	}
	wantType, isError := errorTypes[a.status]
	if a.status != http.StatusOK && !isError {
		return // not an answer of the service: 502 of a proxy, 404
	}
	if _, err := uuid.Parse(a.header.Get("x-amzn-RequestId")); err != nil {
		t.Errorf("x-amzn-RequestId %q is not a UUID: %v", a.header.Get("x-amzn-RequestId"), err)
	}
	if got := a.header.Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", got)
	}
	if isError {
		if got, want := a.header.Get("X-Amzn-ErrorType"), wantType+errorTypeSuffix; got != want {
			t.Errorf("X-Amzn-ErrorType = %q, want %q", got, want)
		}
	} else if got := a.header.Get("X-Amzn-ErrorType"); got != "" {
		t.Errorf("a 200 answer has X-Amzn-ErrorType %q", got)
	}
	if token != "" && bytes.Contains(a.body, []byte(token)) {
		t.Errorf("the answer quotes the connection token: %s", a.body)
	}

	router, err := testSpec()
	if err != nil {
		t.Fatalf("load the spec: %v", err)
	}
	req, err := newRequest(context.Background(), "http://127.0.0.1", token, reqBody, edits...)
	if err != nil {
		t.Fatal(err)
	}
	route, _, err := router.FindRoute(req)
	if err != nil {
		t.Fatalf("find the route of the request: %v", err)
	}
	err = openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, Route: route},
		Status:                 a.status,
		Header:                 a.header,
		Body:                   io.NopCloser(bytes.NewReader(a.body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true},
	})
	if err != nil {
		t.Errorf("the %d answer does not match the spec: %v\nbody: %s", a.status, err, truncate(a.body))
	}
}

func truncate(b []byte) string {
	const n = 300
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}

// header returns an edit that sets a request header; an empty value
// deletes it.
func header(name, value string) func(*http.Request) {
	return func(r *http.Request) {
		if value == "" {
			r.Header.Del(name)
			return
		}
		r.Header.Set(name, value)
	}
}

// wantValidation checks a 400 answer names the member in its Message and
// never repeats the content that was sent.
func wantValidation(t *testing.T, a answer, member string, secrets ...string) {
	t.Helper()
	if a.status != http.StatusBadRequest {
		t.Fatalf("status = %d, want 400; body %s", a.status, truncate(a.body))
	}
	msg := a.message(t)
	t.Logf("Message: %s", msg)
	if !strings.Contains(msg, member) {
		t.Errorf("Message %q does not name %q", msg, member)
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(msg, s) {
			t.Errorf("Message %q repeats what the request sent", msg)
		}
	}
}
