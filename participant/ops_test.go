package participant_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/chatwire/connectparticipant/participant"
)

// TestEveryOperationOnTheWire calls each operation once against a recording
// server and checks the whole exchange: the request line, the token header,
// the body (the input's members with the model's names, and the idempotency
// token the client filled in), and the output decoded from the answer.
func TestEveryOperationOnTheWire(t *testing.T) {
	t.Parallel()
	const (
		token      = "conn-token-1"
		partToken  = "part-token-1"
		generated  = "0b7e3f1a-8c4d-4a2e-9f6b-5d1c7a3e9b20"
		callerMade = "caller-token"
	)
	meta := func(requestID string) participant.ResultMetadata {
		return participant.ResultMetadata{RequestID: requestID, Attempts: 1}
	}
	tests := []struct {
		name   string
		call   func(*participant.Client) (any, error)
		method string
		path   string // as sent, percent-encoded
		bearer string
		body   string // "" for no body
		answer string
		want   any
	}{
		{
			name: "CreateParticipantConnection",
			call: func(c *participant.Client) (any, error) {
				return c.CreateParticipantConnection(context.Background(), participant.CreateParticipantConnectionInput{
					ParticipantToken:   partToken,
					Type:               []participant.ConnectionType{participant.ConnectionTypeWebsocket, participant.ConnectionTypeConnectionCredentials},
					ConnectParticipant: true,
				})
			},
			method: "POST", path: "/participant/connection", bearer: partToken,
			body:   `{"Type":["WEBSOCKET","CONNECTION_CREDENTIALS"],"ConnectParticipant":true}`,
			answer: `{"Websocket":{"Url":"wss://ws.example/?X-Amz-Signature=s","ConnectionExpiry":"2019-11-08T03:41:28.172Z"},"ConnectionCredentials":{"ConnectionToken":"new-conn","Expiry":"2019-11-09T02:41:28.172Z"},"WebRTCConnection":{"Attendee":{"AttendeeId":"a1","JoinToken":"jt"},"Meeting":{"MeetingId":"0f6a2c9e-4b1d-4e7a-9c3f-8d5b2a1e6c04","MediaPlacement":{"AudioHostUrl":"https://audio"},"MeetingFeatures":{"Audio":{"EchoReduction":"AVAILABLE"}}}}}`,
			want: &participant.CreateParticipantConnectionOutput{
				Websocket:             participant.Websocket{URL: "wss://ws.example/?X-Amz-Signature=s", ConnectionExpiry: "2019-11-08T03:41:28.172Z"},
				ConnectionCredentials: participant.ConnectionCredentials{ConnectionToken: "new-conn", Expiry: "2019-11-09T02:41:28.172Z"},
				WebRTCConnection: participant.WebRTCConnection{
					Attendee: participant.Attendee{AttendeeID: "a1", JoinToken: "jt"},
					Meeting: &participant.WebRTCMeeting{MeetingID: "0f6a2c9e-4b1d-4e7a-9c3f-8d5b2a1e6c04",
						MediaPlacement:  &participant.WebRTCMediaPlacement{AudioHostURL: "https://audio"},
						MeetingFeatures: &participant.MeetingFeaturesConfiguration{Audio: &participant.AudioFeatures{EchoReduction: participant.MeetingFeatureStatusAvailable}}},
				},
				ResultMetadata: meta("req-ok"),
			},
		},
		{
			name: "SendMessage",
			call: func(c *participant.Client) (any, error) {
				return c.SendMessage(context.Background(), participant.SendMessageInput{ConnectionToken: token, ContentType: "text/markdown", Content: "**Hi** é😀"})
			},
			method: "POST", path: "/participant/message", bearer: token,
			body:   `{"ContentType":"text/markdown","Content":"**Hi** é😀","ClientToken":"` + generated + `"}`,
			answer: `{"Id":"m-1","AbsoluteTime":"2019-11-08T02:41:28.172Z","MessageMetadata":{"MessageProcessingStatus":"PROCESSING"}}`,
			want: &participant.SendMessageOutput{ID: "m-1", AbsoluteTime: "2019-11-08T02:41:28.172Z",
				MessageMetadata: &participant.MessageProcessingMetadata{MessageProcessingStatus: participant.MessageProcessingStatusProcessing},
				ClientToken:     generated, ResultMetadata: meta("req-ok")},
		},
		{
			name: "SendEvent with the caller's ClientToken",
			call: func(c *participant.Client) (any, error) {
				return c.SendEvent(context.Background(), participant.SendEventInput{ConnectionToken: token,
					ContentType: participant.EventTypeMessageRead, Content: `{"messageId":"m-1"}`, ClientToken: callerMade})
			},
			method: "POST", path: "/participant/event", bearer: token,
			body:   `{"ContentType":"application/vnd.amazonaws.connect.event.message.read","Content":"{\"messageId\":\"m-1\"}","ClientToken":"caller-token"}`,
			answer: `{"Id":"e-1","AbsoluteTime":"2019-11-08T02:41:29.004Z"}`,
			want:   &participant.SendEventOutput{ID: "e-1", AbsoluteTime: "2019-11-08T02:41:29.004Z", ClientToken: callerMade, ResultMetadata: meta("req-ok")},
		},
		{
			name: "GetTranscript",
			call: func(c *participant.Client) (any, error) {
				return c.GetTranscript(context.Background(), participant.GetTranscriptInput{ConnectionToken: token, MaxResults: 2,
					ScanDirection: participant.ScanDirectionForward, SortOrder: participant.SortKeyAscending,
					StartPosition: &participant.StartPosition{ID: "m-0"}})
			},
			method: "POST", path: "/participant/transcript", bearer: token,
			body:   `{"MaxResults":2,"ScanDirection":"FORWARD","SortOrder":"ASCENDING","StartPosition":{"Id":"m-0"}}`,
			answer: `{"InitialContactId":"c-1","NextToken":"nt","Transcript":[{"Id":"m-0","Type":"MESSAGE","ContentType":"text/plain","Content":"hi","AbsoluteTime":"2019-11-08T02:41:28.172Z","ParticipantId":"p-1","DisplayName":"Customer","ParticipantRole":"CUSTOMER","ContactId":"c-1","MessageMetadata":{"MessageId":"m-0","Receipts":[{"RecipientParticipantId":"p-2","ReadTimestamp":"2019-11-08T02:41:30.000Z"}]}},{"Id":"a-1","Type":"ATTACHMENT","Attachments":[{"AttachmentId":"att","AttachmentName":"r.pdf","ContentType":"application/pdf","Status":"APPROVED"}],"ParticipantRole":"SOME_NEW_ROLE"}]}`,
			want: &participant.GetTranscriptOutput{InitialContactID: "c-1", NextToken: "nt", ResultMetadata: meta("req-ok"),
				Transcript: []participant.Item{
					{ID: "m-0", Type: participant.ChatItemTypeMessage, ContentType: "text/plain", Content: "hi", AbsoluteTime: "2019-11-08T02:41:28.172Z",
						ParticipantID: "p-1", DisplayName: "Customer", ParticipantRole: participant.ParticipantRoleCustomer, ContactID: "c-1",
						MessageMetadata: &participant.MessageMetadata{MessageID: "m-0", Receipts: []participant.Receipt{{RecipientParticipantID: "p-2", ReadTimestamp: "2019-11-08T02:41:30.000Z"}}}},
					// An enum value the client does not know passes through.
					{ID: "a-1", Type: participant.ChatItemTypeAttachment, ParticipantRole: "SOME_NEW_ROLE",
						Attachments: []participant.AttachmentItem{{AttachmentID: "att", AttachmentName: "r.pdf", ContentType: "application/pdf", Status: participant.ArtifactStatusApproved}}},
				}},
		},
		{
			name: "DisconnectParticipant",
			call: func(c *participant.Client) (any, error) {
				return c.DisconnectParticipant(context.Background(), participant.DisconnectParticipantInput{ConnectionToken: token})
			},
			method: "POST", path: "/participant/disconnect", bearer: token,
			body: `{"ClientToken":"` + generated + `"}`, answer: `{}`,
			want: &participant.DisconnectParticipantOutput{ClientToken: generated, ResultMetadata: meta("req-ok")},
		},
		{
			name: "StartAttachmentUpload",
			call: func(c *participant.Client) (any, error) {
				return c.StartAttachmentUpload(context.Background(), participant.StartAttachmentUploadInput{ConnectionToken: token,
					AttachmentName: "r.pdf", ContentType: "application/pdf", AttachmentSizeInBytes: 49152})
			},
			method: "POST", path: "/participant/start-attachment-upload", bearer: token,
			body:   `{"AttachmentName":"r.pdf","ContentType":"application/pdf","AttachmentSizeInBytes":49152,"ClientToken":"` + generated + `"}`,
			answer: `{"AttachmentId":"att","UploadMetadata":{"Url":"https://bucket.example/att?X-Amz-Signature=s","UrlExpiry":"2019-11-08T02:46:28.172Z","HeadersToInclude":{"Content-Type":"application/pdf"}}}`,
			want: &participant.StartAttachmentUploadOutput{AttachmentID: "att", ClientToken: generated, ResultMetadata: meta("req-ok"),
				UploadMetadata: participant.UploadMetadata{URL: "https://bucket.example/att?X-Amz-Signature=s", URLExpiry: "2019-11-08T02:46:28.172Z",
					HeadersToInclude: map[string]string{"Content-Type": "application/pdf"}}},
		},
		{
			name: "CompleteAttachmentUpload",
			call: func(c *participant.Client) (any, error) {
				return c.CompleteAttachmentUpload(context.Background(), participant.CompleteAttachmentUploadInput{ConnectionToken: token, AttachmentIDs: []string{"att"}})
			},
			method: "POST", path: "/participant/complete-attachment-upload", bearer: token,
			body: `{"AttachmentIds":["att"],"ClientToken":"` + generated + `"}`, answer: ``,
			want: &participant.CompleteAttachmentUploadOutput{ClientToken: generated, ResultMetadata: meta("req-ok")},
		},
		{
			name: "GetAttachment",
			call: func(c *participant.Client) (any, error) {
				return c.GetAttachment(context.Background(), participant.GetAttachmentInput{ConnectionToken: token, AttachmentID: "att", URLExpiryInSeconds: 120})
			},
			method: "POST", path: "/participant/attachment", bearer: token,
			body:   `{"AttachmentId":"att","UrlExpiryInSeconds":120}`,
			answer: `{"Url":"https://bucket.example/att?sig=s","UrlExpiry":"2019-11-08T02:43:28.172Z","AttachmentSizeInBytes":49152}`,
			want: &participant.GetAttachmentOutput{URL: "https://bucket.example/att?sig=s", URLExpiry: "2019-11-08T02:43:28.172Z",
				AttachmentSizeInBytes: 49152, ResultMetadata: meta("req-ok")},
		},
		{
			name: "DescribeView with a label that needs percent-encoding",
			call: func(c *participant.Client) (any, error) {
				return c.DescribeView(context.Background(), participant.DescribeViewInput{ConnectionToken: token, ViewToken: "a/b c+d%é"})
			},
			method: "GET", path: "/participant/views/a%2Fb%20c%2Bd%25%C3%A9", bearer: token,
			answer: `{"View":{"Id":"v1","Arn":"arn:aws:connect:v1","Name":"Confirm","Version":3,"Content":{"InputSchema":"{}","Template":"{\"Head\":{}}","Actions":["Confirm","Cancel"]}}}`,
			want: &participant.DescribeViewOutput{ResultMetadata: meta("req-ok"), View: participant.View{ID: "v1", ARN: "arn:aws:connect:v1", Name: "Confirm", Version: 3,
				Content: participant.ViewContent{InputSchema: "{}", Template: `{"Head":{}}`, Actions: []participant.Secret{"Confirm", "Cancel"}}}},
		},
		{
			name: "GetAuthenticationURL",
			call: func(c *participant.Client) (any, error) {
				return c.GetAuthenticationURL(context.Background(), participant.GetAuthenticationURLInput{ConnectionToken: token,
					SessionID: "4b9e2d7a-1c5f-4e8b-a3d6-9f0c2e7b5a18", RedirectURI: "https://example.com/back"})
			},
			method: "POST", path: "/participant/authentication-url", bearer: token,
			body:   `{"SessionId":"4b9e2d7a-1c5f-4e8b-a3d6-9f0c2e7b5a18","RedirectUri":"https://example.com/back"}`,
			answer: `{"AuthenticationUrl":"https://auth.example/authorize?state=s"}`,
			want:   &participant.GetAuthenticationURLOutput{AuthenticationURL: "https://auth.example/authorize?state=s", ResultMetadata: meta("req-ok")},
		},
		{
			name: "CancelParticipantAuthentication",
			call: func(c *participant.Client) (any, error) {
				return c.CancelParticipantAuthentication(context.Background(), participant.CancelParticipantAuthenticationInput{ConnectionToken: token,
					SessionID: "4b9e2d7a-1c5f-4e8b-a3d6-9f0c2e7b5a18"})
			},
			method: "POST", path: "/participant/cancel-authentication", bearer: token,
			body: `{"SessionId":"4b9e2d7a-1c5f-4e8b-a3d6-9f0c2e7b5a18"}`, answer: `{}`,
			want: &participant.CancelParticipantAuthenticationOutput{ResultMetadata: meta("req-ok")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newScripted(t)
			srv.fallback = ok(tt.answer)
			c := srv.client(t, participant.WithIdempotencyTokenProvider(&fixedTokens{tokens: []string{generated}}))
			got, err := tt.call(c)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("output\n got %#v\nwant %#v", got, tt.want)
			}
			reqs := srv.sent()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			r := reqs[0]
			sentPath := r.Path
			if r.RawPath != "" {
				sentPath = r.RawPath
			}
			if r.Method != tt.method || sentPath != tt.path {
				t.Errorf("request line %s %s, want %s %s", r.Method, sentPath, tt.method, tt.path)
			}
			if r.Header.Get("X-Amz-Bearer") != tt.bearer {
				t.Errorf("X-Amz-Bearer is not the input's token")
			}
			if r.Header.Get("Authorization") != "" {
				t.Errorf("Authorization = %q, want none: the service takes no signature", r.Header.Get("Authorization"))
			}
			if ua := r.Header.Get("User-Agent"); !strings.HasPrefix(ua, "connectparticipant-go/") {
				t.Errorf("User-Agent = %q", ua)
			}
			if tt.body == "" {
				if len(r.Body) != 0 || r.Header.Get("Content-Type") != "" {
					t.Errorf("a request without a body sent %q with Content-Type %q", r.Body, r.Header.Get("Content-Type"))
				}
				return
			}
			if r.Header.Get("Content-Type") != "application/json" {
				t.Errorf("Content-Type = %q", r.Header.Get("Content-Type"))
			}
			var got2, want2 any
			if err := json.Unmarshal(r.Body, &got2); err != nil {
				t.Fatalf("body %s: %v", r.Body, err)
			}
			if err := json.Unmarshal([]byte(tt.body), &want2); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got2, want2) {
				t.Errorf("body\n got %s\nwant %s", r.Body, tt.body)
			}
		})
	}
}

// TestIdempotencyTokens: every operation with an idempotency token fills an
// empty one with a fresh UUIDv4 by default, sends the caller's unchanged,
// and reports the token on failure too, so the caller can resend safely.
func TestIdempotencyTokens(t *testing.T) {
	t.Parallel()
	calls := map[string]func(*participant.Client, string) (string, error){
		"SendMessage": func(c *participant.Client, tok string) (string, error) {
			out, err := c.SendMessage(context.Background(), participant.SendMessageInput{ConnectionToken: "t", ContentType: "text/plain", Content: "x", ClientToken: tok})
			return tokenOf(out, err, func() string { return out.ClientToken })
		},
		"SendEvent": func(c *participant.Client, tok string) (string, error) {
			out, err := c.SendEvent(context.Background(), participant.SendEventInput{ConnectionToken: "t", ContentType: participant.EventTypeTyping, ClientToken: tok})
			return tokenOf(out, err, func() string { return out.ClientToken })
		},
		"DisconnectParticipant": func(c *participant.Client, tok string) (string, error) {
			out, err := c.DisconnectParticipant(context.Background(), participant.DisconnectParticipantInput{ConnectionToken: "t", ClientToken: tok})
			return tokenOf(out, err, func() string { return out.ClientToken })
		},
		"StartAttachmentUpload": func(c *participant.Client, tok string) (string, error) {
			out, err := c.StartAttachmentUpload(context.Background(), participant.StartAttachmentUploadInput{ConnectionToken: "t",
				AttachmentName: "a", ContentType: "text/plain", AttachmentSizeInBytes: 1, ClientToken: tok})
			return tokenOf(out, err, func() string { return out.ClientToken })
		},
		"CompleteAttachmentUpload": func(c *participant.Client, tok string) (string, error) {
			out, err := c.CompleteAttachmentUpload(context.Background(), participant.CompleteAttachmentUploadInput{ConnectionToken: "t",
				AttachmentIDs: []string{"a"}, ClientToken: tok})
			return tokenOf(out, err, func() string { return out.ClientToken })
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := newScripted(t)
			c := srv.client(t, participant.WithMaxAttempts(1))
			a, err := call(c, "")
			if err != nil {
				t.Fatal(err)
			}
			b, err := call(c, "")
			if err != nil {
				t.Fatal(err)
			}
			for _, tok := range []string{a, b} {
				if u, err := uuid.Parse(tok); err != nil || u.Version() != 4 || len(tok) != 36 {
					t.Errorf("generated ClientToken %q is not a UUIDv4", tok)
				}
			}
			if a == b {
				t.Errorf("two calls got the same generated ClientToken %s", a)
			}
			if mine, err := call(c, "mine-1"); err != nil || mine != "mine-1" {
				t.Errorf("caller's token: got %q, %v", mine, err)
			}
			for i, r := range srv.sent() {
				var body struct{ ClientToken string }
				json.Unmarshal(r.Body, &body)
				if want := []string{a, b, "mine-1"}[i]; body.ClientToken != want {
					t.Errorf("request %d sent ClientToken %q, the output says %q", i, body.ClientToken, want)
				}
			}
			// A failed call still says which token it sent.
			srv.fallback = serviceError(500, "InternalServerException", "boom")
			_, err = call(c, "")
			var opErr *participant.OperationError
			if !errors.As(err, &opErr) || opErr.Operation != name || opErr.Attempts != 1 {
				t.Fatalf("err = %v, want an *OperationError of %s after 1 attempt", err, name)
			}
			var last struct{ ClientToken string }
			json.Unmarshal(srv.sent()[3].Body, &last)
			if opErr.ClientToken == "" || opErr.ClientToken != last.ClientToken {
				t.Errorf("OperationError.ClientToken = %q, the request sent %q", opErr.ClientToken, last.ClientToken)
			}
		})
	}
}

func tokenOf(out any, err error, token func() string) (string, error) {
	if err != nil {
		return "", err
	}
	return token(), nil
}

// TestEveryFailureIsAnOperationError: whatever goes wrong, errors.As finds
// the *OperationError with the operation's name, as AWS SDK users expect.
func TestEveryFailureIsAnOperationError(t *testing.T) {
	t.Parallel()
	srv := newScripted(t)
	srv.fallback = serviceError(http.StatusForbidden, "AccessDeniedException", "no")
	c := srv.client(t)
	for name, err := range map[string]error{
		"invalid input": func() error {
			_, err := c.GetTranscript(context.Background(), participant.GetTranscriptInput{})
			return err
		}(),
		"service error": func() error {
			_, err := c.GetTranscript(context.Background(), participant.GetTranscriptInput{ConnectionToken: "t"})
			return err
		}(),
		"cancelled context": func() error {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			_, err := c.GetTranscript(ctx, participant.GetTranscriptInput{ConnectionToken: "t"})
			return err
		}(),
	} {
		var opErr *participant.OperationError
		if !errors.As(err, &opErr) || opErr.Operation != "GetTranscript" {
			t.Errorf("%s: err = %v (%T), want an *OperationError of GetTranscript", name, err, err)
		}
	}
}

// A receipt's content is JSON naming the message, whatever its ID holds.
func TestReceiptContent(t *testing.T) {
	for _, id := range []string{"a1b2c3", `quote " and \ backslash`, "nul \x00, vtab \v, DEL \x7f", "bad UTF-8 \xff"} {
		content := participant.ReceiptContent(id)
		var got struct {
			MessageID string `json:"messageId"`
		}
		if err := json.Unmarshal([]byte(content), &got); err != nil {
			t.Errorf("ReceiptContent(%q) = %s: not JSON: %v", id, content, err)
			continue
		}
		if want := strings.ToValidUTF8(id, "\uFFFD"); got.MessageID != want {
			t.Errorf("ReceiptContent(%q) names %q", id, got.MessageID)
		}
	}
}
