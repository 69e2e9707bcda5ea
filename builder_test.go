package connectparticipant_test

// The participant client builds its requests from gen/participantops, not
// from oapi-codegen's request builders (so that its users do not link
// oapi-codegen's runtime). This test holds the two to the same wire format:
// every request the client sends must be what gen/participantapi's builder
// makes for the same input.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/chatwire/connectparticipant/api"
	"github.com/chatwire/connectparticipant/gen/participantapi"
	"github.com/chatwire/connectparticipant/gen/participantops"
	"github.com/chatwire/connectparticipant/participant"
)

// wireRecorder is the client's transport: it keeps the request the client
// sent and answers it with the spec's example of a 200 for the operation.
type wireRecorder struct {
	mu      sync.Mutex
	answers map[string]string // by operation name
	answer  string            // for the request in flight
	last    *http.Request
	body    []byte
}

func (w *wireRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := takeBody(req)
	if err != nil {
		return nil, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.last, w.body = req.Clone(context.Background()), body
	return &http.Response{
		StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"application/json"}, "X-Amzn-Requestid": {"builder-test"}},
		Body:          io.NopCloser(strings.NewReader(w.answer)),
		ContentLength: int64(len(w.answer)),
		Request:       req,
	}, nil
}

// sentFor runs call with the answer of op, and returns what the client sent.
func (w *wireRecorder) sentFor(op string, call func() error) (*http.Request, []byte, error) {
	w.mu.Lock()
	w.answer, w.last, w.body = w.answers[op], nil, nil
	w.mu.Unlock()
	err := call()
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.last, w.body, err
}

// exampleAnswers returns, for each operation of the spec, the body of its
// 200 answer: the first of the spec's examples in name order, or {} for an
// answer the spec gives no example of.
func exampleAnswers(t *testing.T) map[string]string {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(api.Spec)
	if err != nil {
		t.Fatal(err)
	}
	answers := map[string]string{}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			answers[op.OperationID] = "{}"
			ok := op.Responses.Value("200")
			if ok == nil || ok.Value == nil {
				continue
			}
			mt := ok.Value.Content.Get("application/json")
			if mt == nil {
				continue
			}
			var example any
			if names := slices.Sorted(maps.Keys(mt.Examples)); len(names) > 0 {
				example = mt.Examples[names[0]].Value.Value
			} else if mt.Example != nil {
				example = mt.Example
			} else {
				continue
			}
			b, err := json.Marshal(example)
			if err != nil {
				t.Fatal(err)
			}
			answers[op.OperationID] = string(b)
		}
	}
	return answers
}

// TestRequestsMatchOapiCodegenBuilders sends every operation through the
// participant client, with a transport that records the request, and builds
// the same request with gen/participantapi's NewXxxRequest from the typed
// header parameters and body. The two must agree on the method, the URL
// (scheme, host, path and query), every header but User-Agent (which only
// the client sets), and the JSON body, compared after decoding.
//
// The server given to oapi-codegen's builder is the client's Endpoint(),
// which always ends in "/": the builder resolves "./participant/..." against
// the server URL, so for a server with a base path and no trailing slash
// ("https://proxy.example.com/connect/v1") it drops the last segment ("v1")
// and sends to /connect/participant/...; participantops.NewRequest keeps
// the whole base path either way.
//
// The one difference in the requests themselves is the percent-encoding of
// a path label (DescribeView's ViewToken), documented on the rows it
// concerns (see pathDiffers).
func TestRequestsMatchOapiCodegenBuilders(t *testing.T) {
	const (
		// A connection token as the service issues them (base64, with "+",
		// "/" and "="), and a participant token.
		connToken = "QVFJREFIaGV4YW1wbGU+Y29ubmVjdGlvbi90b2tlbj8/Pw=="
		partToken = "QVFJREFIaGV4YW1wbGVwYXJ0aWNpcGFudHRva2Vu"
		// A token with a space, a tab and non-ASCII bytes inside: header
		// values are sent as they are by both builders.
		oddToken = "odd token\twith é/+=;,\"quotes\""
		// What the deterministic token provider hands out.
		generated = "00000000-0000-4000-8000-00000000c0de"
		callers   = "caller-chosen-token-1"
		sessionID = "7c1e0f4a-5b2d-4e8f-9a3c-1d6b8e2f4a70"
		attachID  = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
	)
	bearer := func(s string) participant.Secret { return participant.Secret(s) }

	// The percent-encoding of a path label. participantops follows
	// restJson1 (as the AWS SDKs do): every byte outside RFC 3986's
	// unreserved set is encoded. oapi-codegen's runtime.StyleParamWithOptions
	// uses url.PathEscape, which leaves "$", "&", "+", ":", "=" and "@" as
	// they are (RFC 3986 allows them in a path segment). Both name the same
	// decoded path, but the bytes on the wire differ, and the restJson1 form
	// is the one to keep: it is what the AWS SDKs send for the service, and
	// a server that decodes paths like form data (S3 does) reads a raw "+"
	// as a space. The dot segments "." and ".." are another difference
	// no row can show: oapi-codegen resolves them away (".." would send to
	// /participant/), while the client refuses them before sending (see the
	// "path label" rule of package participant).
	const subDelims = "url.PathEscape leaves $ & + : = @ unencoded; restJson1 encodes them, so servers cannot read + as a space"

	tests := []struct {
		name string
		op   *participantops.Operation
		// call makes the call through the participant client.
		call func(context.Context, *participant.Client) error
		// build makes the same request with oapi-codegen's builder.
		build func(server string) (*http.Request, error)
		// pathDiffers, when set, says why the percent-encoded paths differ
		// (the decoded paths must still be equal); otherwise they must be
		// byte for byte the same.
		pathDiffers string
	}{
		{
			name: "CancelParticipantAuthentication",
			op:   participantops.CancelParticipantAuthentication,
			call: func(ctx context.Context, c *participant.Client) error {
				_, err := c.CancelParticipantAuthentication(ctx, participant.CancelParticipantAuthenticationInput{ConnectionToken: connToken, SessionID: sessionID})
				return err
			},
			build: func(s string) (*http.Request, error) {
				return participantapi.NewCancelParticipantAuthenticationRequest(s, &participantapi.CancelParticipantAuthenticationParams{XAmzBearer: connToken},
					participantapi.CancelParticipantAuthenticationJSONRequestBody{SessionId: sessionID})
			},
		},
		{
			name: "CompleteAttachmentUpload with a generated ClientToken",
			op:   participantops.CompleteAttachmentUpload,
			call: func(ctx context.Context, c *participant.Client) error {
				_, err := c.CompleteAttachmentUpload(ctx, participant.CompleteAttachmentUploadInput{ConnectionToken: connToken, AttachmentIDs: []string{attachID}})
				return err
			},
			build: func(s string) (*http.Request, error) {
				return participantapi.NewCompleteAttachmentUploadRequest(s, &participantapi.CompleteAttachmentUploadParams{XAmzBearer: connToken},
					participantapi.CompleteAttachmentUploadJSONRequestBody{AttachmentIds: []string{attachID}, ClientToken: generated})
			},
		},
		{
			name: "CompleteAttachmentUpload with the caller's ClientToken",
			op:   participantops.CompleteAttachmentUpload,
			call: func(ctx context.Context, c *participant.Client) error {
				_, err := c.CompleteAttachmentUpload(ctx, participant.CompleteAttachmentUploadInput{ConnectionToken: connToken, AttachmentIDs: []string{attachID}, ClientToken: callers})
				return err
			},
			build: func(s string) (*http.Request, error) {
				return participantapi.NewCompleteAttachmentUploadRequest(s, &participantapi.CompleteAttachmentUploadParams{XAmzBearer: connToken},
					participantapi.CompleteAttachmentUploadJSONRequestBody{AttachmentIds: []string{attachID}, ClientToken: callers})
			},
		},
		{
			name: "CreateParticipantConnection with every member",
			op:   participantops.CreateParticipantConnection,
			call: func(ctx context.Context, c *participant.Client) error {
				_, err := c.CreateParticipantConnection(ctx, participant.CreateParticipantConnectionInput{ParticipantToken: partToken,
					Type:               []participant.ConnectionType{participant.ConnectionTypeWebsocket, participant.ConnectionTypeConnectionCredentials, participant.ConnectionTypeWebRTCConnection},
					ConnectParticipant: true})
				return err
			},
			build: func(s string) (*http.Request, error) {
				return participantapi.NewCreateParticipantConnectionRequest(s, &participantapi.CreateParticipantConnectionParams{XAmzBearer: partToken},
					participantapi.CreateParticipantConnectionJSONRequestBody{
						Type:               &[]participantapi.ConnectionType{"WEBSOCKET", "CONNECTION_CREDENTIALS", "WEBRTC_CONNECTION"},
						ConnectParticipant: new(true)})
			},
		},
		{
			name: "CreateParticipantConnection with no members (an empty body)",
			op:   participantops.CreateParticipantConnection,
			call: func(ctx context.Context, c *participant.Client) error {
				_, err := c.CreateParticipantConnection(ctx, participant.CreateParticipantConnectionInput{ParticipantToken: partToken})
				return err
			},
			build: func(s string) (*http.Request, error) {
				return participantapi.NewCreateParticipantConnectionRequest(s, &participantapi.CreateParticipantConnectionParams{XAmzBearer: partToken},
					participantapi.CreateParticipantConnectionJSONRequestBody{})
			},
		},
		{
			name: "DescribeView with a plain label",
			op:   participantops.DescribeView,
			call: func(ctx context.Context, c *participant.Client) error {
				_, err := c.DescribeView(ctx, participant.DescribeViewInput{ConnectionToken: connToken, ViewToken: "example-view-token_1.2~3"})
				return err
			},
			build: func(s string) (*http.Request, error) {
				return participantapi.NewDescribeViewRequest(s, "example-view-token_1.2~3", &participantapi.DescribeViewParams{XAmzBearer: connToken})
			},
		},
		{
			name: "DescribeView with a label both builders percent-encode the same",
			op:   participantops.DescribeView,
			call: func(ctx context.Context, c *participant.Client) error {
				_, err := c.DescribeView(ctx, participant.DescribeViewInput{ConnectionToken: connToken, ViewToken: "a/b?c#d[e]f!g'h(i)j*k,l;m n%o\"p<q>r\\s^t`u{v|w}x/../y/./z...%2F%25é😀"})
				return err
			},
			build: func(s string) (*http.Request, error) {
				return participantapi.NewDescribeViewRequest(s, "a/b?c#d[e]f!g'h(i)j*k,l;m n%o\"p<q>r\\s^t`u{v|w}x/../y/./z...%2F%25é😀", &participantapi.DescribeViewParams{XAmzBearer: connToken})
			},
		},
		{
			name: "DescribeView with the sub-delimiters url.PathEscape keeps",
			op:   participantops.DescribeView,
			call: func(ctx context.Context, c *participant.Client) error {
				_, err := c.DescribeView(ctx, participant.DescribeViewInput{ConnectionToken: connToken, ViewToken: "a$b&c+d:e=f@g"})
				return err
			},
			build: func(s string) (*http.Request, error) {
				return participantapi.NewDescribeViewRequest(s, "a$b&c+d:e=f@g", &participantapi.DescribeViewParams{XAmzBearer: connToken})
			},
			pathDiffers: subDelims,
		},
		{
			name: "DescribeView with a base64 view token",
			op:   participantops.DescribeView,
			call: func(ctx context.Context, c *participant.Client) error {
				_, err := c.DescribeView(ctx, participant.DescribeViewInput{ConnectionToken: connToken, ViewToken: "ZXhhbXBsZS+2aWV3/dG9rZW4="})
				return err
			},
			build: func(s string) (*http.Request, error) {
				return participantapi.NewDescribeViewRequest(s, "ZXhhbXBsZS+2aWV3/dG9rZW4=", &participantapi.DescribeViewParams{XAmzBearer: connToken})
			},
			pathDiffers: subDelims,
		},
		{
			name: "DisconnectParticipant with a generated ClientToken",
			op:   participantops.DisconnectParticipant,
			call: func(ctx context.Context, c *participant.Client) error {
				_, err := c.DisconnectParticipant(ctx, participant.DisconnectParticipantInput{ConnectionToken: connToken})
				return err
			},
			build: func(s string) (*http.Request, error) {
				return participantapi.NewDisconnectParticipantRequest(s, &participantapi.DisconnectParticipantParams{XAmzBearer: connToken},
					participantapi.DisconnectParticipantJSONRequestBody{ClientToken: new(generated)})
			},
		},
		{
			name: "DisconnectParticipant with the caller's ClientToken",
			op:   participantops.DisconnectParticipant,
			call: func(ctx context.Context, c *participant.Client) error {
				_, err := c.DisconnectParticipant(ctx, participant.DisconnectParticipantInput{ConnectionToken: connToken, ClientToken: callers})
				return err
			},
			build: func(s string) (*http.Request, error) {
				return participantapi.NewDisconnectParticipantRequest(s, &participantapi.DisconnectParticipantParams{XAmzBearer: connToken},
					participantapi.DisconnectParticipantJSONRequestBody{ClientToken: new(callers)})
			},
		},
		{
			name: "GetAttachment with an expiry",
			op:   participantops.GetAttachment,
			call: func(ctx context.Context, c *participant.Client) error {
				_, err := c.GetAttachment(ctx, participant.GetAttachmentInput{ConnectionToken: connToken, AttachmentID: attachID, URLExpiryInSeconds: 120})
				return err
			},
			build: func(s string) (*http.Request, error) {
				return participantapi.NewGetAttachmentRequest(s, &participantapi.GetAttachmentParams{XAmzBearer: connToken},
					participantapi.GetAttachmentJSONRequestBody{AttachmentId: attachID, UrlExpiryInSeconds: new(int32(120))})
			},
		},
		{
			name: "GetAttachment without an expiry",
			op:   participantops.GetAttachment,
			call: func(ctx context.Context, c *participant.Client) error {
				_, err := c.GetAttachment(ctx, participant.GetAttachmentInput{ConnectionToken: connToken, AttachmentID: attachID})
				return err
			},
			build: func(s string) (*http.Request, error) {
				return participantapi.NewGetAttachmentRequest(s, &participantapi.GetAttachmentParams{XAmzBearer: connToken},
					participantapi.GetAttachmentJSONRequestBody{AttachmentId: attachID})
			},
		},
		{
			name: "GetAuthenticationUrl with an unusual token",
			op:   participantops.GetAuthenticationUrl,
			call: func(ctx context.Context, c *participant.Client) error {
				_, err := c.GetAuthenticationURL(ctx, participant.GetAuthenticationURLInput{ConnectionToken: bearer(oddToken), SessionID: sessionID, RedirectURI: "https://example.com/signed-in?a=1&b=<2>"})
				return err
			},
			build: func(s string) (*http.Request, error) {
				return participantapi.NewGetAuthenticationUrlRequest(s, &participantapi.GetAuthenticationUrlParams{XAmzBearer: oddToken},
					participantapi.GetAuthenticationUrlJSONRequestBody{SessionId: sessionID, RedirectUri: "https://example.com/signed-in?a=1&b=<2>"})
			},
		},
		{
			name: "GetTranscript with every member",
			op:   participantops.GetTranscript,
			call: func(ctx context.Context, c *participant.Client) error {
				_, err := c.GetTranscript(ctx, participant.GetTranscriptInput{ConnectionToken: connToken, ContactID: sessionID, MaxResults: 100,
					NextToken: "eyJwYWdlIjoyfQ==", ScanDirection: participant.ScanDirectionForward, SortOrder: participant.SortKeyAscending,
					StartPosition: &participant.StartPosition{ID: attachID}})
				return err
			},
			build: func(s string) (*http.Request, error) {
				return participantapi.NewGetTranscriptRequest(s, &participantapi.GetTranscriptParams{XAmzBearer: connToken},
					participantapi.GetTranscriptJSONRequestBody{ContactId: new(sessionID), MaxResults: new(int32(100)),
						NextToken: new("eyJwYWdlIjoyfQ=="), ScanDirection: new(participantapi.ScanDirection("FORWARD")),
						SortOrder: new(participantapi.SortKey("ASCENDING")), StartPosition: &participantapi.StartPosition{Id: new(attachID)}})
			},
		},
		{
			name: "GetTranscript from the most recent items",
			op:   participantops.GetTranscript,
			call: func(ctx context.Context, c *participant.Client) error {
				_, err := c.GetTranscript(ctx, participant.GetTranscriptInput{ConnectionToken: connToken, StartPosition: &participant.StartPosition{MostRecent: 5}})
				return err
			},
			build: func(s string) (*http.Request, error) {
				return participantapi.NewGetTranscriptRequest(s, &participantapi.GetTranscriptParams{XAmzBearer: connToken},
					participantapi.GetTranscriptJSONRequestBody{StartPosition: &participantapi.StartPosition{MostRecent: new(int32(5))}})
			},
		},
		{
			name: "GetTranscript with no members (an empty body)",
			op:   participantops.GetTranscript,
			call: func(ctx context.Context, c *participant.Client) error {
				_, err := c.GetTranscript(ctx, participant.GetTranscriptInput{ConnectionToken: connToken})
				return err
			},
			build: func(s string) (*http.Request, error) {
				return participantapi.NewGetTranscriptRequest(s, &participantapi.GetTranscriptParams{XAmzBearer: connToken}, participantapi.GetTranscriptJSONRequestBody{})
			},
		},
		{
			name: "SendEvent, a receipt with a generated ClientToken",
			op:   participantops.SendEvent,
			call: func(ctx context.Context, c *participant.Client) error {
				_, err := c.SendEvent(ctx, participant.SendEventInput{ConnectionToken: connToken, ContentType: participant.EventTypeMessageRead,
					Content: `{"messageId":"9b1c4a52-3f0e-4d7a-8c61-2e5f0a9d7b34"}`})
				return err
			},
			build: func(s string) (*http.Request, error) {
				return participantapi.NewSendEventRequest(s, &participantapi.SendEventParams{XAmzBearer: connToken},
					participantapi.SendEventJSONRequestBody{ContentType: "application/vnd.amazonaws.connect.event.message.read",
						Content: new(`{"messageId":"9b1c4a52-3f0e-4d7a-8c61-2e5f0a9d7b34"}`), ClientToken: new(generated)})
			},
		},
		{
			name: "SendEvent, typing with the caller's ClientToken",
			op:   participantops.SendEvent,
			call: func(ctx context.Context, c *participant.Client) error {
				_, err := c.SendEvent(ctx, participant.SendEventInput{ConnectionToken: connToken, ContentType: participant.EventTypeTyping, ClientToken: callers})
				return err
			},
			build: func(s string) (*http.Request, error) {
				return participantapi.NewSendEventRequest(s, &participantapi.SendEventParams{XAmzBearer: connToken},
					participantapi.SendEventJSONRequestBody{ContentType: "application/vnd.amazonaws.connect.event.typing", ClientToken: new(callers)})
			},
		},
		{
			name: "SendMessage with text JSON escapes",
			op:   participantops.SendMessage,
			call: func(ctx context.Context, c *participant.Client) error {
				_, err := c.SendMessage(ctx, participant.SendMessageInput{ConnectionToken: connToken, ContentType: participant.ContentTypeTextMarkdown,
					Content: "**Hi** <b>&amp;</b> \"quoted\" \\ é😀\u2028\t\n"})
				return err
			},
			build: func(s string) (*http.Request, error) {
				return participantapi.NewSendMessageRequest(s, &participantapi.SendMessageParams{XAmzBearer: connToken},
					participantapi.SendMessageJSONRequestBody{ContentType: "text/markdown", Content: "**Hi** <b>&amp;</b> \"quoted\" \\ é😀\u2028\t\n", ClientToken: new(generated)})
			},
		},
		{
			name: "SendMessage with the caller's ClientToken",
			op:   participantops.SendMessage,
			call: func(ctx context.Context, c *participant.Client) error {
				_, err := c.SendMessage(ctx, participant.SendMessageInput{ConnectionToken: connToken, ContentType: participant.ContentTypeJSON, Content: `{"a":[1,2.5,null]}`, ClientToken: callers})
				return err
			},
			build: func(s string) (*http.Request, error) {
				return participantapi.NewSendMessageRequest(s, &participantapi.SendMessageParams{XAmzBearer: connToken},
					participantapi.SendMessageJSONRequestBody{ContentType: "application/json", Content: `{"a":[1,2.5,null]}`, ClientToken: new(callers)})
			},
		},
		{
			name: "StartAttachmentUpload with a generated ClientToken",
			op:   participantops.StartAttachmentUpload,
			call: func(ctx context.Context, c *participant.Client) error {
				_, err := c.StartAttachmentUpload(ctx, participant.StartAttachmentUploadInput{ConnectionToken: connToken, AttachmentName: "receipt (1).pdf",
					ContentType: "application/pdf", AttachmentSizeInBytes: 20971520})
				return err
			},
			build: func(s string) (*http.Request, error) {
				return participantapi.NewStartAttachmentUploadRequest(s, &participantapi.StartAttachmentUploadParams{XAmzBearer: connToken},
					participantapi.StartAttachmentUploadJSONRequestBody{AttachmentName: "receipt (1).pdf", ContentType: "application/pdf",
						AttachmentSizeInBytes: 20971520, ClientToken: generated})
			},
		},
	}

	// Every operation of the contract has a row.
	covered := map[string]bool{}
	for _, tt := range tests {
		covered[tt.op.Name] = true
	}
	for _, op := range participantops.Operations {
		if !covered[op.Name] {
			t.Errorf("no row sends %s", op.Name)
		}
	}

	rec := &wireRecorder{answers: exampleAnswers(t)}
	hc := &http.Client{Transport: rec}
	// Each row is sent to a regional endpoint and to one with a base path.
	clients := map[string]*participant.Client{}
	for name, endpoint := range map[string]participant.Option{
		"regional":  participant.WithRegion("us-east-1"),
		"base path": participant.WithEndpoint("https://proxy.example.com/connect/v1"),
	} {
		c, err := participant.New(endpoint, participant.WithHTTPClient(hc), participant.WithMaxAttempts(1),
			participant.WithIdempotencyTokenProvider(constantToken(generated)))
		if err != nil {
			t.Fatal(err)
		}
		clients[name] = c
	}

	for _, endpoint := range slices.Sorted(maps.Keys(clients)) {
		c := clients[endpoint]
		for _, tt := range tests {
			t.Run(endpoint+"/"+tt.name, func(t *testing.T) {
				got, gotBody, err := rec.sentFor(tt.op.Name, func() error { return tt.call(t.Context(), c) })
				if err != nil {
					t.Fatalf("the call failed: %v", err)
				}
				if got == nil {
					t.Fatal("the client sent nothing")
				}
				want, err := tt.build(c.Endpoint())
				if err != nil {
					t.Fatalf("oapi-codegen's builder: %v", err)
				}
				var wantBody []byte
				if want.Body != nil {
					if wantBody, err = io.ReadAll(want.Body); err != nil {
						t.Fatal(err)
					}
				}

				if got.Method != want.Method || got.Method != tt.op.Method {
					t.Errorf("method %s, oapi-codegen %s, contract %s", got.Method, want.Method, tt.op.Method)
				}
				if got.URL.Scheme != want.URL.Scheme || got.URL.Host != want.URL.Host {
					t.Errorf("sent to %s://%s, oapi-codegen to %s://%s", got.URL.Scheme, got.URL.Host, want.URL.Scheme, want.URL.Host)
				}
				if got.URL.Path != want.URL.Path {
					t.Errorf("decoded path %q, oapi-codegen %q", got.URL.Path, want.URL.Path)
				}
				gotPath, wantPath := got.URL.EscapedPath(), want.URL.EscapedPath()
				switch {
				case tt.pathDiffers == "" && gotPath != wantPath:
					t.Errorf("path on the wire %q, oapi-codegen %q", gotPath, wantPath)
				case tt.pathDiffers != "" && gotPath == wantPath:
					t.Errorf("path on the wire %q is oapi-codegen's: the documented difference (%s) is gone; drop pathDiffers", gotPath, tt.pathDiffers)
				case tt.pathDiffers != "":
					t.Logf("path on the wire %q, oapi-codegen %q: %s", gotPath, wantPath, tt.pathDiffers)
				}
				if got.URL.RawQuery != want.URL.RawQuery || got.URL.ForceQuery != want.URL.ForceQuery || got.URL.Fragment != want.URL.Fragment {
					t.Errorf("query %q, oapi-codegen %q", got.URL.RequestURI(), want.URL.RequestURI())
				}

				// Headers: the client adds its User-Agent; everything else,
				// X-Amz-Bearer and Content-Type included, must be the same.
				gotHeader := got.Header.Clone()
				if ua := gotHeader.Get("User-Agent"); !strings.HasPrefix(ua, "connectparticipant-go/") {
					t.Errorf("User-Agent %q", ua)
				}
				gotHeader.Del("User-Agent")
				if !reflect.DeepEqual(gotHeader, want.Header) {
					t.Errorf("headers\n%v\noapi-codegen's\n%v", gotHeader, want.Header)
				}
				if tt.op.HasBody != (got.Header.Get("Content-Type") == "application/json") {
					t.Errorf("Content-Type %q for an operation with body %v", got.Header.Get("Content-Type"), tt.op.HasBody)
				}

				if int(got.ContentLength) != len(gotBody) {
					t.Errorf("Content-Length %d for a body of %d bytes", got.ContentLength, len(gotBody))
				}
				if tt.op.HasBody != (len(gotBody) > 0) || len(gotBody) > 0 != (len(wantBody) > 0) {
					t.Fatalf("body %q, oapi-codegen's %q, operation with body %v", gotBody, wantBody, tt.op.HasBody)
				}
				if len(gotBody) > 0 {
					g, w := decodeBody(t, gotBody), decodeBody(t, wantBody)
					if !reflect.DeepEqual(g, w) {
						t.Errorf("body %s\noapi-codegen's %s", gotBody, wantBody)
					}
				}
			})
		}
	}
}

// decodeBody decodes a JSON body, keeping numbers exact.
func decodeBody(t *testing.T, b []byte) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("body %q: %v", b, err)
	}
	if dec.More() {
		t.Fatalf("body %q: more than one JSON value", b)
	}
	return m
}

// constantToken is an IdempotencyTokenProvider that always hands out itself.
type constantToken string

func (c constantToken) GetIdempotencyToken() (string, error) { return string(c), nil }
