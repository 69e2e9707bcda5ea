package connectparticipant_test

// End-to-end tests at the module root: the spec in api/ is loaded with
// kin-openapi, the client built on the generated transport sends to a
// loopback server, and the server checks every request the client sends
// against the spec, and every answer it gives, before the client decodes it.

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/chatwire/connectparticipant/api"
	"github.com/chatwire/connectparticipant/participant"
)

// specServer validates requests and answers against api/participant.yaml.
type specServer struct {
	t      *testing.T
	router routers.Router
	answer func(body []byte) (status int, header http.Header, resp string)

	mu       sync.Mutex
	requests int
}

func newSpecServer(t *testing.T, answer func(body []byte) (int, http.Header, string)) (*httptest.Server, *specServer) {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(api.Spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	// Route against the test server's own address.
	doc.Servers = openapi3.Servers{{URL: "http://" + srv.Listener.Addr().String()}}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	ss := &specServer{t: t, router: router, answer: answer}
	srv.Config.Handler = http.HandlerFunc(ss.serve)
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, ss
}

func (s *specServer) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests++
	s.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.URL.Scheme, r.URL.Host = "http", r.Host
	route, params, err := s.router.FindRoute(r)
	if err != nil {
		s.t.Errorf("client sent a request the spec has no route for: %v", err)
		http.Error(w, "no route", http.StatusNotFound)
		return
	}
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	if err := openapi3filter.ValidateRequest(r.Context(), in); err != nil {
		s.t.Errorf("client request does not match the spec: %v", err)
	}
	status, header, resp := s.answer(body)
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: status, Header: header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true}}
	out.SetBodyBytes([]byte(resp))
	if err := openapi3filter.ValidateResponse(r.Context(), out); err != nil {
		s.t.Errorf("test answer does not match the spec: %v", err)
	}
	for k, v := range header {
		w.Header()[k] = v
	}
	w.WriteHeader(status)
	io.WriteString(w, resp)
}

func jsonHeader(kv ...string) http.Header {
	h := http.Header{"Content-Type": {"application/json"}, "X-Amzn-Requestid": {"e2e-request-id"}}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

func TestEndToEndSendMessage(t *testing.T) {
	srv, ss := newSpecServer(t, func([]byte) (int, http.Header, string) {
		return 200, jsonHeader(), `{"Id":"m-1","AbsoluteTime":"2019-11-08T02:41:28.172Z","MessageMetadata":{"MessageProcessingStatus":"PROCESSING"}}`
	})
	client, err := participant.New(participant.WithEndpoint(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []participant.SendMessageInput{
		{ConnectionToken: "tok", ContentType: participant.ContentTypeTextPlain, Content: "Hello from Go"},
		{ConnectionToken: "tok", ContentType: participant.ContentTypeTextMarkdown, Content: strings.Repeat("é", 1024)},
		{ConnectionToken: "tok", ContentType: participant.ContentTypeJSON, Content: `{"a":1}`, ClientToken: "mine"},
		{ConnectionToken: "tok", ContentType: "application/x-future", Content: strings.Repeat("😀", 16384)},
	} {
		out, err := client.SendMessage(context.Background(), in)
		if err != nil {
			t.Fatalf("SendMessage(%s): %v", in.ContentType, err)
		}
		if out.ID != "m-1" || out.RequestID != "e2e-request-id" || out.MessageMetadata.MessageProcessingStatus != participant.MessageProcessingStatusProcessing {
			t.Errorf("output = %+v", out)
		}
		if in.ClientToken != "" && out.ClientToken != in.ClientToken {
			t.Errorf("ClientToken = %q, want the caller's %q", out.ClientToken, in.ClientToken)
		}
	}
	if ss.requests != 4 {
		t.Errorf("server saw %d requests, want 4", ss.requests)
	}
}

func TestEndToEndErrors(t *testing.T) {
	tests := []struct {
		status int
		header http.Header
		body   string
		target func(error) bool
	}{
		{400, jsonHeader("X-Amzn-ErrorType", "ValidationException"), `{"Message":"bad"}`, func(err error) bool { var e *participant.ValidationException; return errors.As(err, &e) }},
		{403, jsonHeader("X-Amzn-ErrorType", "AccessDeniedException:http://internal.amazon.com/coral/com.amazonaws.connectparticipant/"), `{"Message":"no"}`, func(err error) bool { var e *participant.AccessDeniedException; return errors.As(err, &e) }},
		{429, jsonHeader("X-Amzn-ErrorType", "ThrottlingException"), `{"Message":"slow"}`, func(err error) bool { var e *participant.ThrottlingException; return errors.As(err, &e) }},
		{500, jsonHeader("X-Amzn-ErrorType", "InternalServerException"), `{"Message":"oops"}`, func(err error) bool { var e *participant.InternalServerException; return errors.As(err, &e) }},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			srv, ss := newSpecServer(t, func([]byte) (int, http.Header, string) { return tt.status, tt.header, tt.body })
			client, err := participant.New(participant.WithEndpoint(srv.URL), participant.WithMaxAttempts(1))
			if err != nil {
				t.Fatal(err)
			}
			_, err = client.SendMessage(context.Background(), participant.SendMessageInput{ConnectionToken: "tok", ContentType: "text/plain", Content: "hi"})
			if !tt.target(err) {
				t.Errorf("err = %v (%T), want the typed error for %d", err, err, tt.status)
			}
			var apiErr participant.APIError
			if !errors.As(err, &apiErr) || apiErr.RequestID() != "e2e-request-id" || apiErr.HTTPStatusCode() != tt.status {
				t.Errorf("APIError = %v", apiErr)
			}
			if ss.requests != 1 {
				t.Errorf("%d requests with retries off", ss.requests)
			}
		})
	}
}

func TestEndToEndInvalidInputSendsNothing(t *testing.T) {
	srv, ss := newSpecServer(t, func([]byte) (int, http.Header, string) { return 200, jsonHeader(), `{}` })
	client, err := participant.New(participant.WithEndpoint(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	_, err = client.SendMessage(context.Background(), participant.SendMessageInput{
		ConnectionToken: "tok", ContentType: participant.ContentTypeTextPlain, Content: strings.Repeat("😀", 1025)})
	var ipe *participant.InvalidParamsError
	if !errors.As(err, &ipe) {
		t.Fatalf("err = %v, want *InvalidParamsError", err)
	}
	if ss.requests != 0 {
		t.Errorf("%d requests sent for invalid input", ss.requests)
	}
}
