package participanttest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/chatwire/connectparticipant/api"
	"github.com/chatwire/connectparticipant/gen/participantops"
	"github.com/chatwire/connectparticipant/participant"
)

// TestEveryOperationAnswersWithinTheContract walks a chat through all
// eleven operations over raw HTTP and holds every answer to the spec.
func TestEveryOperationAnswersWithinTheContract(t *testing.T) {
	t.Parallel()
	srv := NewServer()
	defer srv.Close()
	customer := srv.NewParticipant(ParticipantOptions{})
	served := map[string]bool{}
	ok := func(op *participantops.Operation, token string, body any) answer {
		t.Helper()
		a := call(t, srv, op, token, body)
		if a.status != http.StatusOK {
			t.Fatalf("%s: status %d, want 200; body %s", op.Name, a.status, a.body)
		}
		served[op.Name] = true
		return a
	}

	var conn struct {
		ConnectionCredentials struct{ ConnectionToken string }
		Websocket             struct{ Url string }
	}
	ok(opConnect, customer.ParticipantToken, map[string]any{"Type": []string{"WEBSOCKET", "CONNECTION_CREDENTIALS"}, "ConnectParticipant": true}).decode(t, &conn)
	token := conn.ConnectionCredentials.ConnectionToken

	var sent struct{ Id string }
	ok(opSend, token, msg("text/plain", "Hello")).decode(t, &sent)
	ok(opEvent, token, map[string]string{"ContentType": participant.EventTypeTyping})
	srv.AgentSend(customer.ContactID, "Hi")
	ok(opEvent, token, map[string]string{"ContentType": participant.EventTypeMessageRead, "Content": `{"messageId":"` + sent.Id + `"}`})
	ok(opTranscript, token, map[string]any{"MaxResults": 100, "SortOrder": "ASCENDING"})

	var started struct {
		AttachmentId   string
		UploadMetadata struct {
			Url              string
			HeadersToInclude map[string]string
		}
	}
	ok(opStartUp, token, map[string]any{"ContentType": "text/csv", "AttachmentSizeInBytes": 3, "AttachmentName": "a.csv", "ClientToken": "ct-up"}).decode(t, &started)
	put, err := http.NewRequest(http.MethodPut, started.UploadMetadata.Url, strings.NewReader("a,b"))
	if err != nil {
		t.Fatal(err)
	}
	for name, value := range started.UploadMetadata.HeadersToInclude {
		put.Header.Set(name, value)
	}
	if a, err := send(srv.Client(), put); err != nil || a.status != http.StatusOK {
		t.Fatalf("upload: %v, %d %s", err, a.status, a.body)
	}
	ok(opCompleteUp, token, map[string]any{"AttachmentIds": []string{started.AttachmentId}, "ClientToken": "ct-complete"})
	ok(opAttachment, token, map[string]any{"AttachmentId": started.AttachmentId})

	viewToken := srv.AddView(View{ID: "view-1", Name: "Confirm", Version: 1, Template: `{}`, Actions: []string{"Confirm"}})
	ok(opView, token, labels{"ViewToken": viewToken})
	session := srv.StartAuthentication(customer.ContactID)
	ok(opAuthURL, token, map[string]string{"SessionId": session, "RedirectUri": "https://example.com/back"})
	ok(opCancelAuth, token, map[string]string{"SessionId": session})
	ok(opDisconnect, token, map[string]string{"ClientToken": "ct-bye"})

	for _, op := range participantops.Operations {
		if !served[op.Name] {
			t.Errorf("%s was not served", op.Name)
		}
	}
}

// TestNoTokenIsRefusedBeforeTheInput sends every operation a request
// without X-Amz-Bearer whose body also breaks the contract: the answer is
// 403, not 400, as the service refuses missing credentials first.
func TestNoTokenIsRefusedBeforeTheInput(t *testing.T) {
	t.Parallel()
	srv := NewServer()
	defer srv.Close()
	for _, op := range participantops.Operations {
		t.Run(op.Name, func(t *testing.T) {
			var body any = []byte(`{"not":"valid`)
			if !op.HasBody {
				body = labels{"ViewToken": "v"}
			}
			a := call(t, srv, op, "", body)
			wantError(t, a, http.StatusForbidden, "no token")
		})
	}
}

func TestRequestsBreakingTheContractAreRefused(t *testing.T) {
	t.Parallel()
	srv := NewServer()
	defer srv.Close()
	token := srv.NewConnection()

	const secret = "my-secret-order-number-4711"
	contentMax := opSend.Member("Content").MaxLength
	tests := []struct {
		name   string
		op     *participantops.Operation
		body   any
		edits  []func(*http.Request)
		member string // the Message must name it
	}{
		{name: "token header over 1000 characters", op: opSend, body: msg("text/plain", secret),
			edits: []func(*http.Request){header(participantops.BearerHeader, strings.Repeat("t", 1001))}, member: participantops.BearerHeader},
		{name: "token header sent twice", op: opSend, body: msg("text/plain", secret),
			edits:  []func(*http.Request){func(r *http.Request) { r.Header.Add(participantops.BearerHeader, "second") }},
			member: participantops.BearerHeader},
		{name: "ContentType missing", op: opSend, body: []byte(`{"Content":"` + secret + `"}`), member: "ContentType"},
		{name: "ContentType empty", op: opSend, body: msg("", secret), member: "ContentType"},
		{name: "ContentType over 100 characters", op: opSend, body: msg("text/"+strings.Repeat("x", 96), secret), member: "ContentType"},
		{name: "ContentType not a string", op: opSend, body: []byte(`{"ContentType":7,"Content":"` + secret + `"}`), member: "ContentType"},
		{name: "Content missing", op: opSend, body: []byte(`{"ContentType":"text/plain"}`), member: "Content"},
		{name: "Content empty", op: opSend, body: msg("text/plain", ""), member: "Content"},
		{name: "Content null", op: opSend, body: []byte(`{"ContentType":"text/plain","Content":null}`), member: "Content"},
		{name: "Content over its maxLength", op: opSend, body: msg("text/x-unlisted", strings.Repeat("a", contentMax+1)), member: "Content"},
		{name: "plain text over its limit in code points of a two-byte character", op: opSend,
			body: msg("text/plain", strings.Repeat("é", limit("text/plain")+1)), member: strconv.Itoa(limit("text/plain"))},
		{name: "markdown over its limit in code points of emoji", op: opSend,
			body: msg("text/markdown", strings.Repeat("😀", limit("text/markdown")+1)), member: strconv.Itoa(limit("text/markdown"))},
		{name: "ClientToken over 500 characters", op: opSend, body: msg("text/plain", secret, strings.Repeat("c", 501)), member: "ClientToken"},
		{name: "body invalid UTF-8", op: opSend, body: []byte("{\"ContentType\":\"text/plain\",\"Content\":\"\xff\xfe " + secret + "\"}"), member: "UTF-8"},
		{name: "body with a lone surrogate escape", op: opSend,
			body: []byte(`{"ContentType":"text/plain","Content":"\ud83d ` + secret + `"}`), member: "surrogate"},
		{name: "body malformed JSON", op: opSend, body: []byte(`{"ContentType":"text/plain","Content":"` + secret), member: "JSON"},
		{name: "body not an object", op: opSend, body: []byte(`["` + secret + `"]`), member: "object"},
		{name: "body empty where required", op: opSend, body: nil, member: "request body"},
		{name: "body over 1 MiB", op: opSend, body: msg("text/plain", strings.Repeat("a", maxRequestBodyBytes)), member: "bytes"},
		{name: "Content-Type header not JSON", op: opSend, body: msg("text/plain", secret),
			edits: []func(*http.Request){header("Content-Type", "text/plain")}, member: "Content-Type header"},
		{name: "event ContentType missing", op: opEvent, body: map[string]string{"Content": secret}, member: "ContentType"},
		{name: "MaxResults over 100", op: opTranscript, body: map[string]int{"MaxResults": 101}, member: "MaxResults"},
		{name: "ScanDirection not in the enum", op: opTranscript, body: map[string]string{"ScanDirection": "SIDEWAYS"}, member: "ScanDirection"},
		{name: "connection Type not in the enum", op: opConnect, body: map[string]any{"Type": []string{"PIGEON"}}, member: "Type"},
		{name: "attachment size below 1", op: opStartUp, body: map[string]any{"ContentType": "text/csv", "AttachmentSizeInBytes": 0, "AttachmentName": "a", "ClientToken": "c"}, member: "AttachmentSizeInBytes"},
		{name: "two attachment IDs", op: opCompleteUp, body: map[string]any{"AttachmentIds": []string{"a", "b"}, "ClientToken": "c"}, member: "AttachmentIds"},
		{name: "download URL expiry below 5 seconds", op: opAttachment, body: map[string]any{"AttachmentId": "a", "UrlExpiryInSeconds": 4}, member: "UrlExpiryInSeconds"},
		{name: "SessionId not 36 characters", op: opCancelAuth, body: map[string]string{"SessionId": "short"}, member: "SessionId"},
		{name: "RedirectUri missing", op: opAuthURL, body: map[string]string{"SessionId": strings.Repeat("s", 36)}, member: "RedirectUri"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(srv.Transcript(token))
			a := call(t, srv, tt.op, token, tt.body, tt.edits...)
			wantError(t, a, http.StatusBadRequest, tt.member, secret, token)
			if n := len(srv.Transcript(token)); n != before {
				t.Errorf("a refused request changed the transcript")
			}
		})
	}
}

func TestRequestsWithinTheContractAreAccepted(t *testing.T) {
	t.Parallel()
	srv := NewServer()
	defer srv.Close()
	everyType := append(append([]string(nil), opSend.Member("ContentType").KnownValues...), "text/x-unlisted")
	customer := srv.NewParticipant(ParticipantOptions{SupportedContentTypes: everyType})
	token := connect(t, newClient(t, srv), customer)
	contentMax := opSend.Member("Content").MaxLength

	tests := []struct {
		name  string
		body  any
		edits []func(*http.Request)
	}{
		{"plain text at exactly its limit in code points of a two-byte character", msg("text/plain", strings.Repeat("é", limit("text/plain"))), nil},
		{"markdown at exactly its limit in emoji, twice as many UTF-16 units", msg("text/markdown", strings.Repeat("😀", limit("text/markdown"))), nil},
		{"a type without its own limit at Content's maxLength", msg("text/x-unlisted", strings.Repeat("a", contentMax)), nil},
		// 32768 UTF-16 units: guards against a validator that counts those instead of code points.
		{"a type without its own limit at Content's maxLength in emoji", msg("text/x-unlisted", strings.Repeat("😀", contentMax)), nil},
		{"a surrogate pair escape counts as one code point", []byte(`{"ContentType":"text/plain","Content":"\ud83d\ude00` + strings.Repeat("a", limit("text/plain")-1) + `"}`), nil},
		{"an escaped quote and backslash", []byte(`{"ContentType":"text/plain","Content":"say \"\\u\" \\"}`), nil},
		{"ClientToken empty", msg("text/plain", "hi", ""), nil},
		{"ClientToken at exactly 500 characters", msg("text/plain", "hi", strings.Repeat("c", 500)), nil},
		{"unknown members are ignored", []byte(`{"ContentType":"text/plain","Content":"hi","Extra":1}`), nil},
		{"Content-Type header with a charset", msg("text/plain", "hi"),
			[]func(*http.Request){header("Content-Type", "application/json; charset=utf-8")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if a := call(t, srv, opSend, token, tt.body, tt.edits...); a.status != http.StatusOK {
				t.Errorf("status = %d, want 200; body %s", a.status, truncate(a.body))
			}
		})
	}
}

// TestPerTypeLimitsComeFromTheSpec reads x-content-length-by-type from the
// spec itself and holds the fake to every entry, at the limit and one past.
func TestPerTypeLimitsComeFromTheSpec(t *testing.T) {
	t.Parallel()
	doc, err := openapi3.NewLoader().LoadFromData(api.Spec)
	if err != nil {
		t.Fatal(err)
	}
	ext := doc.Components.Schemas["SendMessageRequest"].Value.Properties["Content"].Value.Extensions["x-content-length-by-type"]
	raw, _ := json.Marshal(ext)
	var limits map[string]int
	if err := json.Unmarshal(raw, &limits); err != nil || len(limits) == 0 {
		t.Fatalf("the spec's x-content-length-by-type %s is not a map of limits: %v", raw, err)
	}

	srv := NewServer()
	defer srv.Close()
	var types []string
	for contentType := range limits {
		types = append(types, contentType)
	}
	token := connect(t, newClient(t, srv), srv.NewParticipant(ParticipantOptions{SupportedContentTypes: types}))
	for contentType, limit := range limits {
		t.Run(contentType, func(t *testing.T) {
			// A JSON string of limit code points: valid JSON for the JSON types.
			atLimit := `"` + strings.Repeat("é", limit-2) + `"`
			if a := call(t, srv, opSend, token, msg(contentType, atLimit)); a.status != http.StatusOK {
				t.Errorf("%d code points: status %d, want 200; body %s", limit, a.status, a.body)
			}
			a := call(t, srv, opSend, token, msg(contentType, `"`+strings.Repeat("é", limit-1)+`"`))
			wantError(t, a, http.StatusBadRequest, "Content")
		})
	}
}

func TestHasLoneSurrogateEscape(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, json string
		want       bool
	}{
		{"no escapes", `{"a":"b"}`, false},
		{"a pair", `{"a":"\ud83d\ude00"}`, false},
		{"a pair in upper case", `{"a":"\uD83D\uDE00"}`, false},
		{"a BMP escape", `{"a":"\u00e9"}`, false},
		{"a lone high surrogate", `{"a":"\ud83d"}`, true},
		{"a high surrogate followed by text", `{"a":"\ud83dxxxxxx"}`, true},
		{"a lone low surrogate", `{"a":"\ude00"}`, true},
		{"two high surrogates", `{"a":"\ud83d\ud83d"}`, true},
		{"an escaped backslash before u", `{"a":"\\ud83d"}`, false},
		{"an escaped quote does not end the string", `{"a":"\"\ud83d"}`, true},
		{"a surrogate-looking key is still checked", `{"\udc00":1}`, true},
		{"truncated escape left to the parser", `{"a":"\ud8`, false},
	}
	for _, tt := range tests {
		if got := hasLoneSurrogateEscape([]byte(tt.json)); got != tt.want {
			t.Errorf("%s: hasLoneSurrogateEscape(%s) = %v, want %v", tt.name, tt.json, got, tt.want)
		}
	}
}

func TestValidationMessageFitsTheContract(t *testing.T) {
	t.Parallel()
	many := make([]problem, 200)
	for i := range many {
		many[i] = problem{"Content", "must be at most 1024 code points (it has 99999)"}
	}
	if msg := validationMessage(many); len(msg) > 2000 {
		t.Errorf("Message is %d bytes, the contract allows 2000", len(msg))
	}
	if msg := validationMessage(many[:1]); !strings.HasPrefix(msg, "1 validation error detected: ") {
		t.Errorf("Message %q lacks the service's count prefix", msg)
	}
}

// TestEveryErrorHasItsStatusFromTheTable holds the fake's error codes to the
// generated table of modelled errors.
func TestEveryErrorHasItsStatusFromTheTable(t *testing.T) {
	t.Parallel()
	for _, code := range []string{codeAccessDenied, codeConflict, codeInternal, codeNotFound, codeQuotaExceeded, codeThrottling, codeValidation} {
		found := false
		for _, e := range participantops.Errors {
			if e.Code == code {
				found = true
				if statusOf(code) != e.Status {
					t.Errorf("statusOf(%s) = %d, the table says %d", code, statusOf(code), e.Status)
				}
			}
		}
		if !found {
			t.Errorf("%s is not a modelled error of the contract", code)
		}
	}
}

// limit is the per-type limit of SendMessage's Content for contentType.
func limit(contentType string) int {
	n, ok := opSend.Member("Content").LengthByContentType[contentType]
	if !ok {
		panic("no limit of its own for " + contentType)
	}
	return n
}
