package participanttest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/chatwire/connectparticipant/gen/participantops"
	"github.com/chatwire/connectparticipant/participant"
)

// rawRequest sends method path with headers and an optional body.
func rawRequest(t *testing.T, srv *Server, method, path string, body string, headers map[string]string) answer {
	t.Helper()
	var r *strings.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	var req *http.Request
	var err error
	if r != nil {
		req, err = http.NewRequest(method, srv.URL+path, r)
	} else {
		req, err = http.NewRequest(method, srv.URL+path, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	for name, value := range headers {
		req.Header.Set(name, value)
	}
	a, err := send(srv.Client(), req)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestErrorMessageField(t *testing.T) {
	t.Parallel()
	for _, field := range []string{"Message", "message"} {
		t.Run(field, func(t *testing.T) {
			t.Parallel()
			srv := NewServer(WithErrorMessageField(field))
			defer srv.Close()
			token := srv.NewConnection()
			srv.InjectFaults(Fault{Kind: FaultThrottle, Operation: "GetTranscript"})
			answers := map[string]answer{
				"a 400 of the contract":     call0(t, srv, opSend, token, msg("text/plain", "")),
				"a 400 of the service":      call0(t, srv, opSend, token, msg("text/plan", "hi")),
				"a 403 without a token":     call0(t, srv, opSend, "", msg("text/plain", "hi")),
				"a 403 of an unknown token": call0(t, srv, opSend, "unknown", msg("text/plain", "hi")),
				"a 404 of DescribeView":     call0(t, srv, opView, token, labels{"ViewToken": "none"}),
				"a 429 of a fault":          call0(t, srv, opTranscript, token, nil),
			}
			for name, a := range answers {
				var body map[string]any
				if err := json.Unmarshal(a.body, &body); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				other := map[string]string{"Message": "message", "message": "Message"}[field]
				if _, ok := body[field].(string); !ok || body[other] != nil {
					t.Errorf("%s: body %s, want the message under %q only", name, a.body, field)
				}
			}
			// The client reads either.
			_, err := newClient(t, srv).SendMessage(context.Background(), participant.SendMessageInput{ConnectionToken: "unknown", ContentType: "text/plain", Content: "hi"})
			var apiErr participant.APIError
			if !errors.As(err, &apiErr) || !strings.Contains(apiErr.ErrorMessage(), "sufficient access") {
				t.Errorf("the client read %v", err)
			}
		})
	}
	if _, err := Start(WithErrorMessageField("msg")); err == nil {
		t.Error("Start with WithErrorMessageField(\"msg\") succeeded")
	}
}

// call0 is call without the check against the spec, whose error bodies
// require "Message".
func call0(t *testing.T, srv *Server, op *participantops.Operation, token string, body any) answer {
	t.Helper()
	a, err := do(context.Background(), srv.Client(), srv.URL, op, token, body)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestUnknownRoutesAnswerLikeTheGateway(t *testing.T) {
	t.Parallel()
	srv := NewServer()
	defer srv.Close()
	token := srv.NewConnection()
	tests := []struct{ name, method, path string }{
		{"a path the service does not have", http.MethodPost, "/participant/messages"},
		{"a trailing slash", http.MethodPost, "/participant/message/"},
		{"another method", http.MethodGet, "/participant/message"},
		{"a POST to a GET operation", http.MethodPost, "/participant/views/v"},
		{"an empty path label", http.MethodGet, "/participant/views/"},
		{"a label with a slash", http.MethodGet, "/participant/views/a/b"},
		{"a double slash", http.MethodPost, "//participant/message"},
		{"the root", http.MethodGet, "/"},
		{"OPTIONS without a preflight", http.MethodOptions, "/participant/message"},
		{"the storage host's root", http.MethodGet, "/_storage"},
		{"under the WebSocket", http.MethodGet, "/websocket/x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := rawRequest(t, srv, tt.method, tt.path, `{"ContentType":"text/plain","Content":"hi"}`,
				map[string]string{participantops.BearerHeader: token, "Content-Type": "application/json"})
			if a.status != http.StatusForbidden || a.header.Get(participantops.ErrorTypeHeader) != "MissingAuthenticationTokenException" ||
				string(a.body) != `{"message":"Missing Authentication Token"}`+"\n" || a.header.Get("Content-Type") != "application/json" {
				t.Errorf("%d %s %q, want 403 MissingAuthenticationTokenException {\"message\":\"Missing Authentication Token\"}",
					a.status, a.header.Get(participantops.ErrorTypeHeader), a.body)
			}
			if _, err := uuid.Parse(a.header.Get(participantops.RequestIDHeader)); err != nil {
				t.Errorf("x-amzn-RequestId %q", a.header.Get(participantops.RequestIDHeader))
			}
		})
	}
	for _, r := range srv.Requests() {
		if r.Operation != "" {
			t.Errorf("a request to an unknown route was taken for %s", r.Operation)
		}
	}
	if n := len(srv.Transcript(token)); n != 1 {
		t.Errorf("unknown routes changed the transcript: %d items", n)
	}
}

func TestCORS(t *testing.T) {
	t.Parallel()
	srv := NewServer()
	defer srv.Close()
	token := srv.NewConnection()
	const origin = "https://chat.example.com"

	for _, path := range []string{"/participant/message", "/participant/transcript", "/participant/views/some-view", uploadPrefix + "x"} {
		t.Run("preflight "+path, func(t *testing.T) {
			a := rawRequest(t, srv, http.MethodOptions, path, "", map[string]string{
				"Origin": origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x-amz-bearer, content-type, x-amz-user-agent",
			})
			h := a.header
			if a.status != http.StatusOK || h.Get("Access-Control-Allow-Origin") != "*" || h.Get("Access-Control-Max-Age") == "" ||
				h.Get("Access-Control-Allow-Headers") != "x-amz-bearer, content-type, x-amz-user-agent" {
				t.Errorf("%d %v", a.status, h)
			}
			for _, method := range []string{"GET", "OPTIONS"} {
				if !strings.Contains(h.Get("Access-Control-Allow-Methods"), method) {
					t.Errorf("Access-Control-Allow-Methods %q lacks %s", h.Get("Access-Control-Allow-Methods"), method)
				}
			}
		})
	}
	if a := rawRequest(t, srv, http.MethodOptions, "/participant/message", "", map[string]string{"Origin": origin, "Access-Control-Request-Method": "POST"}); !strings.Contains(a.header.Get("Access-Control-Allow-Methods"), "POST") {
		t.Errorf("a service route's preflight allows %q, want POST among them", a.header.Get("Access-Control-Allow-Methods"))
	}

	withOrigin := func(r *http.Request) { r.Header.Set("Origin", origin) }
	answers := map[string]answer{
		"a 200":           call(t, srv, opSend, token, msg("text/plain", "hi"), withOrigin),
		"a 400":           call(t, srv, opSend, token, msg("text/plain", ""), withOrigin),
		"a 403":           call(t, srv, opSend, "", msg("text/plain", "hi"), withOrigin),
		"an unknown path": rawRequest(t, srv, http.MethodGet, "/nowhere", "", map[string]string{"Origin": origin}),
	}
	for name, a := range answers {
		if a.header.Get("Access-Control-Allow-Origin") != "*" || a.header.Get("Access-Control-Expose-Headers") != "x-amzn-RequestId, X-Amzn-ErrorType" {
			t.Errorf("%s: Allow-Origin %q, Expose-Headers %q", name, a.header.Get("Access-Control-Allow-Origin"), a.header.Get("Access-Control-Expose-Headers"))
		}
	}
	if a := call(t, srv, opSend, token, msg("text/plain", "no origin")); a.header.Get("Access-Control-Allow-Origin") != "" {
		t.Error("an answer to a request without Origin has CORS headers")
	}
}
