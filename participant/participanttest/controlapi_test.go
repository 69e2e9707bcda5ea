package participanttest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/chatwire/connectparticipant/participant"
)

// controlCall is one request to the control API and its answer, checked
// against api/fake-control.yaml.
func controlCall(t *testing.T, srv *Server, method, path string, body any) (int, map[string]any) {
	t.Helper()
	var reader io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		reader = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, srv.ControlURL()+path, reader)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)

	// The answer must be one the control API's contract describes.
	router, err := loadControlContract()
	if err != nil {
		t.Fatal(err)
	}
	routed, _ := http.NewRequest(method, path, bytes.NewReader(nil))
	if route, params, err := router.FindRoute(routed); err == nil {
		in := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: routed, PathParams: params, Route: route},
			Status:                 resp.StatusCode, Header: resp.Header, Options: &openapi3filter.Options{IncludeResponseStatus: true}}
		in.SetBodyBytes(data)
		if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
			t.Errorf("%s %s answered %d %s, which api/fake-control.yaml does not describe: %v", method, path, resp.StatusCode, data, err)
		}
	}
	var out map[string]any
	if len(data) > 0 {
		if err := json.Unmarshal(data, &out); err != nil {
			t.Fatalf("%s %s answered %q, not a JSON object", method, path, data)
		}
	}
	return resp.StatusCode, out
}

func TestControlAPIDrivesAChat(t *testing.T) {
	t.Parallel()
	srv := NewServer()
	defer srv.Close()
	client := newClient(t, srv)

	status, p := controlCall(t, srv, "POST", "/participants", map[string]any{"DisplayName": "Ada", "SupportedContentTypes": []string{"text/plain"}})
	if status != 200 {
		t.Fatalf("POST /participants: %d %v", status, p)
	}
	contact := p["ContactId"].(string)
	conn, err := client.CreateParticipantConnection(context.Background(), participant.CreateParticipantConnectionInput{
		ParticipantToken: participant.Secret(p["ParticipantToken"].(string)), ConnectParticipant: true,
		Type: []participant.ConnectionType{participant.ConnectionTypeConnectionCredentials}})
	if err != nil {
		t.Fatalf("the control API's participant token does not connect: %v", err)
	}
	token := conn.ConnectionCredentials.ConnectionToken

	if status, item := controlCall(t, srv, "POST", "/contacts/"+contact+"/agent-messages", map[string]any{"Content": "How can I help?"}); status != 200 || item["ParticipantRole"] != "AGENT" {
		t.Errorf("agent message: %d %v", status, item)
	}
	if status, item := controlCall(t, srv, "POST", "/contacts/"+contact+"/agent-events", map[string]any{"ContentType": participant.EventTypeTyping}); status != 200 || item["ContentType"] != participant.EventTypeTyping {
		t.Errorf("agent event: %d %v", status, item)
	}
	status, auth := controlCall(t, srv, "POST", "/contacts/"+contact+"/authentications", nil)
	if status != 200 {
		t.Fatalf("authentication: %d %v", status, auth)
	}
	if _, err := client.GetAuthenticationURL(context.Background(), participant.GetAuthenticationURLInput{ConnectionToken: token,
		SessionID: auth["SessionId"].(string), RedirectURI: "https://example.com/"}); err != nil {
		t.Errorf("the control API's session is not one GetAuthenticationUrl knows: %v", err)
	}
	status, view := controlCall(t, srv, "POST", "/views", map[string]any{"Id": "confirm", "Name": "Confirm", "Version": 2, "Template": "{}", "Actions": []string{"Yes"}})
	if status != 200 {
		t.Fatalf("view: %d %v", status, view)
	}
	if out, err := client.DescribeView(context.Background(), participant.DescribeViewInput{ConnectionToken: token, ViewToken: view["ViewToken"].(string)}); err != nil || out.View.Version != 2 {
		t.Errorf("the control API's view: %+v, %v", out, err)
	}

	status, tr := controlCall(t, srv, "GET", "/contacts/"+contact+"/transcript", nil)
	items, _ := tr["Transcript"].([]any)
	if status != 200 || len(items) != len(srv.Transcript(contact)) {
		t.Errorf("transcript: %d with %d items, the server holds %d", status, len(items), len(srv.Transcript(contact)))
	}
	if status, _ := controlCall(t, srv, "POST", "/contacts/"+contact+"/end", nil); status != 204 {
		t.Errorf("end: %d", status)
	}
	_, err = client.SendMessage(context.Background(), participant.SendMessageInput{ConnectionToken: token, ContentType: "text/plain", Content: "still there?"})
	if !errors.As(err, new(*participant.AccessDeniedException)) {
		t.Errorf("after ending the chat through the control API: %v, want AccessDeniedException", err)
	}

	if status, c := controlCall(t, srv, "POST", "/connections", nil); status != 200 || c["ConnectionToken"] == "" || c["ContactId"] == "" {
		t.Errorf("connection: %d %v", status, c)
	}
}

func TestControlAPIFaultsAndRequests(t *testing.T) {
	t.Parallel()
	srv := NewServer()
	defer srv.Close()
	token := srv.NewConnection()
	client := newClient(t, srv, participant.WithMaxAttempts(1))
	send := func() error {
		_, err := client.SendMessage(context.Background(), participant.SendMessageInput{ConnectionToken: participant.Secret(token), ContentType: "text/plain", Content: "hi"})
		return err
	}

	status, _ := controlCall(t, srv, "POST", "/faults", map[string]any{"Faults": []map[string]any{
		{"Kind": "throttle", "Count": 1, "Operation": "SendMessage", "RetryAfterSeconds": 1}, {"Kind": "internal"}}})
	if status != 204 {
		t.Fatalf("faults: %d", status)
	}
	if err := send(); !errors.As(err, new(*participant.ThrottlingException)) {
		t.Errorf("first send: %v, want the queued throttle", err)
	}
	if err := send(); !errors.As(err, new(*participant.InternalServerException)) {
		t.Errorf("second send: %v, want the queued internal error", err)
	}
	controlCall(t, srv, "POST", "/faults", map[string]any{"Faults": []map[string]any{{"Kind": "throttle", "Count": 5}}})
	if status, _ := controlCall(t, srv, "DELETE", "/faults", nil); status != 204 {
		t.Errorf("reset: %d", status)
	}
	if err := send(); err != nil {
		t.Errorf("after the reset: %v", err)
	}

	status, list := controlCall(t, srv, "GET", "/requests", nil)
	reqs, _ := list["Requests"].([]any)
	if status != 200 || len(reqs) != 3 {
		t.Fatalf("requests: %d with %d, want 3", status, len(reqs))
	}
	if first := reqs[0].(map[string]any); first["Fault"] != "throttle" || first["Status"] != float64(429) || first["Operation"] != "SendMessage" {
		t.Errorf("the first request is recorded as %v", first)
	}
	b, _ := json.Marshal(list)
	if strings.Contains(string(b), token) {
		t.Error("the requests the control API lists hold the connection token")
	}
}

func TestControlAPIRefusals(t *testing.T) {
	t.Parallel()
	srv := NewServer()
	t.Cleanup(srv.Close)
	tests := []struct {
		name, method, path string
		body               any
		status             int
		message            string
	}{
		{"an unknown fault kind", "POST", "/faults", map[string]any{"Faults": []map[string]any{{"Kind": "slow"}}}, 400, "slow"},
		{"a fault for an operation the service does not have", "POST", "/faults", map[string]any{"Faults": []map[string]any{{"Kind": "throttle", "Operation": "SendPostcard"}}}, 400, "SendPostcard"},
		{"an agent message to a contact that does not exist", "POST", "/contacts/nobody/agent-messages", map[string]any{"Content": "hi"}, 404, "nobody"},
		{"joining a contact that does not exist", "POST", "/participants", map[string]any{"ContactId": "nobody"}, 404, "nobody"},
		{"an agent message without content", "POST", "/contacts/x/agent-messages", map[string]any{}, 400, "api/fake-control.yaml"},
		{"a path the control API does not have", "GET", "/nothing", nil, 404, "api/fake-control.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, out := controlCall(t, srv, tt.method, tt.path, tt.body)
			msg, _ := out["message"].(string)
			if status != tt.status || !strings.Contains(msg, tt.message) {
				t.Errorf("%d %q, want %d with a message naming %q", status, msg, tt.status, tt.message)
			}
		})
	}
}
