package participanttest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/google/uuid"

	"github.com/chatwire/connectparticipant/api"
	"github.com/chatwire/connectparticipant/gen/participantops"
	"github.com/chatwire/connectparticipant/participant"
)

// Short names of the operations, for tables.
var (
	opConnect    = participantops.CreateParticipantConnection
	opDisconnect = participantops.DisconnectParticipant
	opSend       = participantops.SendMessage
	opEvent      = participantops.SendEvent
	opTranscript = participantops.GetTranscript
	opStartUp    = participantops.StartAttachmentUpload
	opCompleteUp = participantops.CompleteAttachmentUpload
	opAttachment = participantops.GetAttachment
	opView       = participantops.DescribeView
	opAuthURL    = participantops.GetAuthenticationUrl
	opCancelAuth = participantops.CancelParticipantAuthentication
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

// decode decodes the JSON body of an answer into v.
func (a answer) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(a.body, v); err != nil {
		t.Fatalf("body %q does not decode into %T: %v", a.body, v, err)
	}
}

// errorType is the name in the answer's X-Amzn-ErrorType.
func (a answer) errorType() string {
	name, _, _ := strings.Cut(a.header.Get(participantops.ErrorTypeHeader), ":")
	return name
}

// labels are the path labels of a request, for call's body of DescribeView.
type labels map[string]string

// newRequest builds a raw request for op to baseURL with token as
// X-Amz-Bearer (none if empty) and body: raw bytes, labels for the path,
// nil for none, or a value to encode as JSON.
func newRequest(ctx context.Context, baseURL string, op *participantops.Operation, token string, body any, edits ...func(*http.Request)) (*http.Request, error) {
	lbl, _ := body.(labels)
	req, err := op.NewRequest(baseURL, lbl)
	if err != nil {
		return nil, err
	}
	req = req.WithContext(ctx)
	var raw []byte
	switch b := body.(type) {
	case nil, labels:
	case []byte:
		raw = b
	case string:
		raw = []byte(b)
	default:
		if raw, err = json.Marshal(b); err != nil {
			return nil, err
		}
	}
	if raw != nil {
		req.Body = io.NopCloser(bytes.NewReader(raw))
		req.ContentLength = int64(len(raw))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(raw)), nil }
	}
	if token != "" {
		req.Header.Set(participantops.BearerHeader, token)
	}
	for _, edit := range edits {
		edit(req)
	}
	return req, nil
}

// do sends a raw request for op without checking the answer.
func do(ctx context.Context, client *http.Client, baseURL string, op *participantops.Operation, token string, body any, edits ...func(*http.Request)) (answer, error) {
	req, err := newRequest(ctx, baseURL, op, token, body, edits...)
	if err != nil {
		return answer{}, err
	}
	return send(client, req)
}

// send sends req and reads the answer.
func send(client *http.Client, req *http.Request) (answer, error) {
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

// call sends a raw request for op and checks the answer against the spec
// and the service's habits (see checkAnswer).
func call(t *testing.T, srv *Server, op *participantops.Operation, token string, body any, edits ...func(*http.Request)) answer {
	t.Helper()
	a, err := do(context.Background(), srv.Client(), srv.URL, op, token, body, edits...)
	if err != nil {
		t.Fatalf("%s: %v", op.Name, err)
	}
	checkAnswer(t, a, op, token, body, edits...)
	return a
}

// checkAnswer holds an answer of a documented status to the spec, with
// openapi3filter.ValidateResponse, and to the service's habits: a UUID in
// x-amzn-RequestId, the error type in X-Amzn-ErrorType, and no token in
// the body.
func checkAnswer(t *testing.T, a answer, op *participantops.Operation, token string, body any, edits ...func(*http.Request)) {
	t.Helper()
	statusOfError := map[int]string{}
	for _, e := range participantops.Errors {
		statusOfError[e.Status] = e.Code
	}
	wantType, isError := statusOfError[a.status]
	if a.status != http.StatusOK && !isError {
		return // not an answer of the service: a proxy's 502
	}
	if _, err := uuid.Parse(a.header.Get(participantops.RequestIDHeader)); err != nil {
		t.Errorf("x-amzn-RequestId %q is not a UUID: %v", a.header.Get(participantops.RequestIDHeader), err)
	}
	if isError {
		if got, want := a.header.Get(participantops.ErrorTypeHeader), wantType+errorTypeNamespace; got != want {
			t.Errorf("X-Amzn-ErrorType = %q, want %q", got, want)
		}
		if !slices.Contains(op.Errors, wantType) {
			t.Errorf("%s answered %s, which the contract does not list for it", op.Name, wantType)
		}
	} else if got := a.header.Get(participantops.ErrorTypeHeader); got != "" {
		t.Errorf("a 200 answer has X-Amzn-ErrorType %q", got)
	}
	if token != "" && bytes.Contains(a.body, []byte(token)) {
		t.Errorf("the answer quotes the token: %s", a.body)
	}

	router, err := testSpec()
	if err != nil {
		t.Fatalf("load the spec: %v", err)
	}
	req, err := newRequest(context.Background(), "http://127.0.0.1", op, token, body, edits...)
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
		t.Errorf("the %d answer of %s does not match the spec: %v\nbody: %s", a.status, op.Name, err, truncate(a.body))
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

// wantError checks an error answer's status and error type, and that its
// Message names member (if given) and repeats none of secrets.
func wantError(t *testing.T, a answer, status int, member string, secrets ...string) {
	t.Helper()
	if a.status != status {
		t.Fatalf("status = %d, want %d; body %s", a.status, status, truncate(a.body))
	}
	msg := a.message(t)
	if member != "" && !strings.Contains(msg, member) {
		t.Errorf("Message %q does not name %q", msg, member)
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(msg, s) {
			t.Errorf("Message %q repeats what the request sent", msg)
		}
	}
}

// msg builds a SendMessage request body.
func msg(contentType, content string, clientToken ...string) map[string]string {
	m := map[string]string{"ContentType": contentType, "Content": content}
	if len(clientToken) > 0 {
		m["ClientToken"] = clientToken[0]
	}
	return m
}

// newClient is a Go client of srv.
func newClient(t testing.TB, srv *Server, opts ...participant.Option) *participant.Client {
	t.Helper()
	c, err := participant.New(append([]participant.Option{participant.WithEndpoint(srv.URL), participant.WithHTTPClient(srv.Client())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// connect exchanges a participant token for a connection token through the
// client, acknowledging the connection.
func connect(t *testing.T, client *participant.Client, p Participant) string {
	t.Helper()
	out, err := client.CreateParticipantConnection(context.Background(), participant.CreateParticipantConnectionInput{
		ParticipantToken:   participant.Secret(p.ParticipantToken),
		Type:               []participant.ConnectionType{participant.ConnectionTypeConnectionCredentials},
		ConnectParticipant: true,
	})
	if err != nil {
		t.Fatalf("CreateParticipantConnection: %v", err)
	}
	return string(out.ConnectionCredentials.ConnectionToken)
}

// clock is a clock for WithClock that moves only when told to.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock(start time.Time) *clock { return &clock{now: start} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// t0 is the start of the tests' clocks: a time in another zone, with more
// than milliseconds, to check that the fake writes UTC milliseconds.
var t0 = time.Date(2019, 11, 8, 3, 41, 28, 172_999_000, time.FixedZone("CET", 3600))

// publications records what a server publishes.
type publications struct {
	mu    sync.Mutex
	items []participant.Item
}

// watch makes srv, which must not serve yet, report its publications.
func watch(srv *Server) *publications {
	p := &publications{}
	srv.published = func(_ string, it participant.Item) {
		p.mu.Lock()
		defer p.mu.Unlock()
		p.items = append(p.items, it)
	}
	return p
}

func (p *publications) all() []participant.Item {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.items)
}

// contentTypes lists the ContentTypes of items, for comparisons.
func contentTypes(items []participant.Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.ContentType
	}
	return out
}

// waitFor polls cond for up to 5 seconds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
