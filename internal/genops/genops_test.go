package genops_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/chatwire/connectparticipant/api"
	"github.com/chatwire/connectparticipant/internal/genops"
)

// contains reports whether src holds want, with runs of white space folded
// (gofmt aligns columns).
func contains(src []byte, want string) bool {
	fold := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	return strings.Contains(fold(string(src)), fold(want))
}

// edit applies replacements to the contract, failing if one does not apply,
// so a test cannot pass on an edit that changed nothing.
func edit(t *testing.T, spec []byte, pairs ...string) []byte {
	t.Helper()
	for i := 0; i+1 < len(pairs); i += 2 {
		changed := bytes.Replace(spec, []byte(pairs[i]), []byte(pairs[i+1]), 1)
		if bytes.Equal(changed, spec) {
			t.Fatalf("the edit %q did not apply to the spec", pairs[i])
		}
		spec = changed
	}
	return spec
}

func TestGeneratedTableFollowsTheSpec(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		edits   []string
		wantGo  []string
		wantTS  []string
		wantErr string
	}{
		{
			name:   "the contract as it is",
			wantGo: []string{`{Name: "Content", In: InBody, Kind: String, Required: true, MinLength: 1, MaxLength: 16384, LengthByContentType: map[string]int{"application/json": 12000`, `BearerHeader = "X-Amz-Bearer"`, `Path: "/participant/views/{ViewToken}"`, `{Name: "ViewToken", In: InPath, Header: "ViewToken"`},
			wantTS: []string{`bearerHeader = "X-Amz-Bearer"`, `{ name: "ClientToken", in: "Body", kind: "String", required: true, minLength: 1, maxLength: 500, idempotencyToken: true }`},
		},
		{
			name:   "a changed length bound",
			edits:  []string{"          maxLength: 16384\n          description: |\n            The message itself.", "          maxLength: 16000\n          description: |\n            The message itself.", "            text/plain: 1024\n", "            text/plain: 900\n"},
			wantGo: []string{`MaxLength: 16000, LengthByContentType: map[string]int{"application/json": 12000, "application/vnd.amazonaws.connect.message.interactive.response": 12288, "text/markdown": 1024, "text/plain": 900}`},
			wantTS: []string{`maxLength: 16000`, `"text/plain": 900`},
		},
		{
			name:   "a changed integer range",
			edits:  []string{"          minimum: 5\n          maximum: 300\n", "          minimum: 6\n          maximum: 250\n"},
			wantGo: []string{`{Name: "UrlExpiryInSeconds", In: InBody, Kind: Integer, Format: "int32", Minimum: 6, HasMinimum: true, Maximum: 250, HasMaximum: true}`},
			wantTS: []string{`{ name: "UrlExpiryInSeconds", in: "Body", kind: "Integer", minimum: 6, maximum: 250 }`},
		},
		{
			name:   "a new known value",
			edits:  []string{"            - application/vnd.amazonaws.connect.event.typing\n            - application/vnd.amazonaws.connect.event.connection.acknowledged\n            - application/vnd.amazonaws.connect.event.message.delivered\n            - application/vnd.amazonaws.connect.event.message.read\n          example:", "            - application/vnd.amazonaws.connect.event.typing\n            - application/vnd.amazonaws.connect.event.connection.acknowledged\n            - application/vnd.amazonaws.connect.event.message.delivered\n            - application/vnd.amazonaws.connect.event.message.read\n            - application/vnd.amazonaws.connect.event.wave\n          example:"},
			wantGo: []string{`ContentTypeEventWave = "application/vnd.amazonaws.connect.event.wave"`},
			wantTS: []string{`EventWave: "application/vnd.amazonaws.connect.event.wave"`},
		},
		{
			name:    "a per-type limit over the member's maxLength",
			edits:   []string{"            application/json: 12000\n", "            application/json: 20000\n"},
			wantErr: "outside 1..maxLength",
		},
		{
			name:    "an idempotency flag that is not a boolean",
			edits:   []string{"          x-idempotency-token: true\n", "          x-idempotency-token: yes please\n"},
			wantErr: "x-idempotency-token must be true or false",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			spec := edit(t, api.Spec, tt.edits...)
			goSrc, goErr := genops.GenerateGo(spec, "participantops", "api/participant.yaml")
			tsSrc, tsErr := genops.GenerateTypeScript(spec, "api/participant.yaml")
			if tt.wantErr != "" {
				for _, err := range []error{goErr, tsErr} {
					if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
						t.Errorf("err = %v, want one containing %q", err, tt.wantErr)
					}
				}
				return
			}
			if goErr != nil || tsErr != nil {
				t.Fatal(goErr, tsErr)
			}
			for _, want := range tt.wantGo {
				if !contains(goSrc, want) {
					t.Errorf("the Go table lacks %s", want)
				}
			}
			for _, want := range tt.wantTS {
				if !contains(tsSrc, want) {
					t.Errorf("the TypeScript table lacks %s", want)
				}
			}
		})
	}
}

func TestGeneratedFramesFollowTheDocument(t *testing.T) {
	t.Parallel()
	base, err := genops.GenerateFrames(api.ChatWebSocket, "participantws", "api/chat-websocket.asyncapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"type WebSocketFrame struct", "ConnectionID string `json:\"connectionId,omitempty\"`",
		"Content json.RawMessage", `TopicChat      = "aws/chat"`, "Topics []string"} {
		if !contains(base, want) {
			t.Errorf("the frames lack %s", want)
		}
	}
	changed := edit(t, api.ChatWebSocket, "            - aws/chat\n        contentType:", "            - aws/chat\n            - aws/presence\n        contentType:",
		"        statusCode:\n          type: integer", "        statusCode:\n          type: string")
	got, err := genops.GenerateFrames(changed, "participantws", "api/chat-websocket.asyncapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`TopicPresence = "aws/presence"`, "StatusCode string"} {
		if !contains(got, want) {
			t.Errorf("after editing the document, the frames lack %s", want)
		}
	}
	if _, err := genops.GenerateFrames([]byte("openapi: 3.0.3\n"), "p", "x.yaml"); err == nil {
		t.Error("an OpenAPI document was taken for an AsyncAPI one")
	}
}
