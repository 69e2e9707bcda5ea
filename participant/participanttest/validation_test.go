package participanttest

import (
	"encoding/json"
	"github.com/chatwire/connectparticipant/gen/participantlimits"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/chatwire/connectparticipant/api"
)

const interactiveType = "application/vnd.amazonaws.connect.message.interactive.response"

func TestRequestsBreakingTheContractAreRefused(t *testing.T) {
	t.Parallel()
	srv := NewServer()
	defer srv.Close()
	token := srv.NewConnection()

	const secret = "my-secret-order-number-4711"
	tests := []struct {
		name   string
		body   []byte
		edits  []func(*http.Request)
		member string // the Message must name it
	}{
		{name: "connection token header over 1000 characters", body: body("text/plain", secret),
			edits: []func(*http.Request){header("X-Amz-Bearer", strings.Repeat("t", 1001))}, member: "X-Amz-Bearer"},
		{name: "connection token header sent twice", body: body("text/plain", secret),
			edits:  []func(*http.Request){func(r *http.Request) { r.Header.Add("X-Amz-Bearer", "second") }},
			member: "X-Amz-Bearer"},
		{name: "ContentType missing", body: []byte(`{"Content":"` + secret + `"}`), member: "ContentType"},
		{name: "ContentType empty", body: body("", secret), member: "ContentType"},
		{name: "ContentType over 100 characters", body: body("text/"+strings.Repeat("x", 96), secret), member: "ContentType"},
		{name: "ContentType not a string", body: []byte(`{"ContentType":7,"Content":"` + secret + `"}`), member: "ContentType"},
		{name: "Content missing", body: []byte(`{"ContentType":"text/plain"}`), member: "Content"},
		{name: "Content empty", body: body("text/plain", ""), member: "Content"},
		{name: "Content null", body: []byte(`{"ContentType":"text/plain","Content":null}`), member: "Content"},
		{name: "Content over its maxLength for a type without its own limit",
			body: body("text/x-unlisted", strings.Repeat("a", contentMax+1)), member: "Content"},
		{name: "plain text over its limit in code points of a two-byte character",
			body: body("text/plain", strings.Repeat("é", limit("text/plain")+1)), member: strconv.Itoa(limit("text/plain"))},
		{name: "markdown over its limit in code points of emoji",
			body: body("text/markdown", strings.Repeat("😀", limit("text/markdown")+1)), member: strconv.Itoa(limit("text/markdown"))},
		{name: "JSON content over its limit in code points",
			body: body("application/json", strings.Repeat("é", limit("application/json")+1)), member: strconv.Itoa(limit("application/json"))},
		{name: "interactive response over its limit in code points",
			body: body(interactiveType, strings.Repeat("é", limit(interactiveType)+1)), member: strconv.Itoa(limit(interactiveType))},
		{name: "ClientToken over 500 characters", body: body("text/plain", secret, strings.Repeat("c", 501)), member: "ClientToken"},
		{name: "body invalid UTF-8", body: []byte("{\"ContentType\":\"text/plain\",\"Content\":\"\xff\xfe " + secret + "\"}"), member: "UTF-8"},
		{name: "body with a lone surrogate escape",
			body: []byte(`{"ContentType":"text/plain","Content":"\ud83d ` + secret + `"}`), member: "surrogate"},
		{name: "body malformed JSON", body: []byte(`{"ContentType":"text/plain","Content":"` + secret), member: "JSON"},
		{name: "body not an object", body: []byte(`["` + secret + `"]`), member: "object"},
		{name: "body empty", body: nil, member: "request body"},
		{name: "body over 1 MiB", body: body("text/plain", strings.Repeat("a", 1<<20)), member: "bytes"},
		{name: "Content-Type header not JSON", body: body("text/plain", secret),
			edits: []func(*http.Request){header("Content-Type", "text/plain")}, member: "Content-Type header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(srv.Transcript(token))
			a := post(t, srv, token, tt.body, tt.edits...)
			wantValidation(t, a, tt.member, secret, token)
			if n := len(srv.Transcript(token)); n != before {
				t.Errorf("a refused message was added to the transcript")
			}
		})
	}
}

func TestRequestsWithinTheContractAreAccepted(t *testing.T) {
	t.Parallel()
	srv := NewServer()
	defer srv.Close()
	token := srv.NewConnection()

	tests := []struct {
		name  string
		body  []byte
		edits []func(*http.Request)
	}{
		{"plain text at exactly its limit in code points of a two-byte character", body("text/plain", strings.Repeat("é", limit("text/plain"))), nil},
		{"markdown at exactly its limit in emoji, twice as many UTF-16 units", body("text/markdown", strings.Repeat("😀", limit("text/markdown"))), nil},
		{"JSON content at exactly its limit in code points", body("application/json", strings.Repeat("é", limit("application/json"))), nil},
		{"interactive response at exactly its limit in code points", body(interactiveType, strings.Repeat("é", limit(interactiveType))), nil},
		{"a type without its own limit at Content's maxLength", body("text/x-unlisted", strings.Repeat("a", contentMax)), nil},
		// 32768 UTF-16 units: guards against a validator that counts those instead of code points.
		{"a type without its own limit at Content's maxLength in emoji", body("text/x-unlisted", strings.Repeat("😀", contentMax)), nil},
		{"a surrogate pair escape counts as one code point", []byte(`{"ContentType":"text/plain","Content":"\ud83d\ude00` + strings.Repeat("a", limit("text/plain")-1) + `"}`), nil},
		{"an escaped quote and backslash", []byte(`{"ContentType":"text/plain","Content":"say \"\\u\" \\"}`), nil},
		{"ContentType at exactly 100 characters", body("text/"+strings.Repeat("x", 95), "hi"), nil},
		{"ClientToken empty", body("text/plain", "hi", ""), nil},
		{"ClientToken at exactly 500 characters", body("text/plain", "hi", strings.Repeat("c", 500)), nil},
		{"unknown members are ignored", []byte(`{"ContentType":"text/plain","Content":"hi","Extra":1}`), nil},
		{"Content-Type header with a charset", body("text/plain", "hi"),
			[]func(*http.Request){header("Content-Type", "application/json; charset=utf-8")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := post(t, srv, token, tt.body, tt.edits...)
			if a.status != http.StatusOK {
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
	token := srv.NewConnection()
	for contentType, limit := range limits {
		t.Run(contentType, func(t *testing.T) {
			if a := post(t, srv, token, body(contentType, strings.Repeat("é", limit))); a.status != http.StatusOK {
				t.Errorf("%d code points: status %d, want 200; body %s", limit, a.status, a.body)
			}
			a := post(t, srv, token, body(contentType, strings.Repeat("é", limit+1)))
			wantValidation(t, a, "Content")
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

// The limits these tests probe are generated from the spec, so that a
// constraint changed in api/ moves the tests' boundaries with it.
const contentMax = participantlimits.SendMessageContentMaxLength

func limit(contentType string) int {
	n, ok := participantlimits.SendMessageContentLimitByType(contentType)
	if !ok {
		panic("no limit of its own for " + contentType)
	}
	return n
}
