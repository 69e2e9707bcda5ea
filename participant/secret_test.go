package participant_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"log/slog"
	"maps"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/chatwire/connectparticipant/participant"
)

// Every secret of the fixtures below contains secretMark, and nothing else
// does, so an output that contains it leaks one.
const (
	secretMark          = "SECRET"
	connTokenSecret     = "conn-SECRET-7c1f"
	partTokenSecret     = "part-SECRET-92ab"
	joinTokenSecret     = "join-SECRET-4d0e"
	viewNameSecret      = "name-SECRET-5a5a"
	viewSchemaSecret    = "schema-SECRET-0b1c"
	viewTemplSecret     = "template-SECRET-77e2"
	viewActionSecret    = "action-SECRET-3f3f"
	presignedKept       = "https://bucket.s3.amazonaws.com/uploads/chat/invoice.pdf"
	presignedQuery      = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA-SECRET-CRED&X-Amz-Signature=SIG-SECRET-e3b0"
	presignedSecret     = presignedKept + "?" + presignedQuery
	websocketKept       = "wss://connection.us-east-1.amazonaws.com/connect"
	websocketSecret     = websocketKept + "?AuthToken=ws-SECRET-aa11"
	authURLKept         = "https://auth.example.com/oauth2/authorize"
	authURLSecret       = authURLKept + "?state=state-SECRET-1234&code_challenge=cc-SECRET"
	redactedMarker      = "<redacted>"
	redactedJSONEscaped = `\u003credacted\u003e`
)

// allSecrets lists every secret value of the fixtures, to look for their
// hex forms too.
var allSecrets = []string{connTokenSecret, partTokenSecret, joinTokenSecret, viewNameSecret, viewSchemaSecret,
	viewTemplSecret, viewActionSecret, presignedSecret, websocketSecret, authURLSecret}

func fullConnection() participant.CreateParticipantConnectionOutput {
	return participant.CreateParticipantConnectionOutput{
		Websocket:             participant.Websocket{URL: websocketSecret, ConnectionExpiry: "2026-01-02T03:04:05.000Z"},
		ConnectionCredentials: participant.ConnectionCredentials{ConnectionToken: connTokenSecret, Expiry: "2026-01-02T03:04:05.000Z"},
		WebRTCConnection: participant.WebRTCConnection{
			Attendee: participant.Attendee{AttendeeID: "attendee-1", JoinToken: joinTokenSecret},
			Meeting:  &participant.WebRTCMeeting{MeetingID: "meeting-1", MediaPlacement: &participant.WebRTCMediaPlacement{AudioHostURL: "https://audio.example.com"}},
		},
		ResultMetadata: participant.ResultMetadata{RequestID: "req-1", Attempts: 1},
	}
}

func fullView() participant.View {
	return participant.View{ID: "view-1", ARN: "arn:aws:connect:us-east-1:111122223333:instance/i/view/v", Name: viewNameSecret, Version: 3,
		Content: participant.ViewContent{InputSchema: viewSchemaSecret, Template: viewTemplSecret, Actions: []participant.Secret{viewActionSecret}}}
}

// secretHolders is a value of every type of the package that holds a
// Secret or a PresignedURL, with every secret set. kept lists what must
// still be shown where the value is shown.
var secretHolders = []struct {
	value any
	kept  []string
}{
	{participant.Secret(connTokenSecret), nil},
	{participant.PresignedURL(presignedSecret), []string{presignedKept}},
	{participant.SendMessageInput{ConnectionToken: connTokenSecret, ContentType: participant.ContentTypeTextPlain, Content: "hello", ClientToken: "client-token-1"}, nil},
	{participant.SendEventInput{ConnectionToken: connTokenSecret, ContentType: participant.EventTypeTyping, ClientToken: "client-token-1"}, nil},
	{participant.GetTranscriptInput{ConnectionToken: connTokenSecret, MaxResults: 10}, nil},
	{participant.DisconnectParticipantInput{ConnectionToken: connTokenSecret, ClientToken: "client-token-1"}, nil},
	{participant.StartAttachmentUploadInput{ConnectionToken: connTokenSecret, AttachmentName: "a.pdf", ContentType: "application/pdf", AttachmentSizeInBytes: 10}, nil},
	{participant.CompleteAttachmentUploadInput{ConnectionToken: connTokenSecret, AttachmentIDs: []string{"att-1"}}, nil},
	{participant.GetAttachmentInput{ConnectionToken: connTokenSecret, AttachmentID: "att-1"}, nil},
	{participant.DescribeViewInput{ConnectionToken: connTokenSecret, ViewToken: "view-token"}, nil},
	{participant.GetAuthenticationURLInput{ConnectionToken: connTokenSecret, SessionID: "s-1", RedirectURI: "https://example.com/back"}, nil},
	{participant.CancelParticipantAuthenticationInput{ConnectionToken: connTokenSecret, SessionID: "s-1"}, nil},
	{participant.CreateParticipantConnectionInput{ParticipantToken: partTokenSecret, Type: []participant.ConnectionType{participant.ConnectionTypeWebsocket}}, nil},
	{participant.UploadAttachmentInput{ConnectionToken: connTokenSecret, AttachmentName: "a.pdf", ContentType: "application/pdf", Body: strings.NewReader("%PDF")}, nil},
	{participant.DownloadAttachmentInput{ConnectionToken: connTokenSecret, AttachmentID: "att-1"}, nil},
	{fullConnection(), []string{websocketKept}},
	{fullConnection().Websocket, []string{websocketKept}},
	{fullConnection().ConnectionCredentials, nil},
	{fullConnection().WebRTCConnection, nil},
	{fullConnection().WebRTCConnection.Attendee, nil},
	{participant.DescribeViewOutput{View: fullView()}, nil},
	{fullView(), nil},
	{fullView().Content, nil},
	{participant.StartAttachmentUploadOutput{AttachmentID: "att-1", ClientToken: "client-token-1",
		UploadMetadata: participant.UploadMetadata{URL: presignedSecret, URLExpiry: "2026-01-02T03:04:05.000Z", HeadersToInclude: map[string]string{"Content-Type": "application/pdf"}}},
		[]string{presignedKept}},
	{participant.UploadMetadata{URL: presignedSecret, HeadersToInclude: map[string]string{"Content-Type": "application/pdf"}}, []string{presignedKept}},
	{participant.GetAttachmentOutput{URL: presignedSecret, URLExpiry: "2026-01-02T03:04:05.000Z", AttachmentSizeInBytes: 10}, []string{presignedKept}},
	{participant.GetAuthenticationURLOutput{AuthenticationURL: authURLSecret}, []string{authURLKept}},
}

var (
	secretType       = reflect.TypeFor[participant.Secret]()
	presignedURLType = reflect.TypeFor[participant.PresignedURL]()
)

// secretShown says whether fmt (which prints a pointer inside a value as an
// address) and encoding/json (which follows pointers and leaves out fields
// tagged "-") show a secret of a value of type t at all, and so must say
// it is redacted.
func secretShown(t reflect.Type) (byFmt, byJSON bool) {
	var walk func(t reflect.Type, behindPointer, skippedByJSON bool, seen map[reflect.Type]bool)
	walk = func(t reflect.Type, behindPointer, skippedByJSON bool, seen map[reflect.Type]bool) {
		if t == secretType || t == presignedURLType {
			byFmt = byFmt || !behindPointer
			byJSON = byJSON || !skippedByJSON
			return
		}
		switch t.Kind() {
		case reflect.Pointer:
			walk(t.Elem(), true, skippedByJSON, seen)
		case reflect.Slice, reflect.Array:
			walk(t.Elem(), behindPointer, skippedByJSON, seen)
		case reflect.Struct:
			if seen[t] {
				return
			}
			seen[t] = true
			for i := range t.NumField() {
				f := t.Field(i)
				walk(f.Type, behindPointer, skippedByJSON || f.Tag.Get("json") == "-" || !f.IsExported(), seen)
			}
		}
	}
	walk(t, false, false, map[reflect.Type]bool{})
	return byFmt, byJSON
}

// TestSecretsNeverShown prints, logs and encodes a value of every type that
// holds a secret, every way a program might, and checks that no secret, nor
// a pre-signed URL's query, comes out.
func TestSecretsNeverShown(t *testing.T) {
	t.Parallel()
	verbs := []string{"%v", "%+v", "%#v", "%s", "%d", "%t", "%x", "%X", "%q"}
	for _, h := range secretHolders {
		typ := reflect.TypeOf(h.value)
		t.Run(typ.Name(), func(t *testing.T) {
			t.Parallel()
			ptr := reflect.New(typ)
			ptr.Elem().Set(reflect.ValueOf(h.value))
			pointer := ptr.Interface()
			byFmt, byJSON := secretShown(typ)
			if !byFmt && !byJSON {
				t.Fatalf("%s shows no secret either way: the fixture or secretShown is wrong", typ)
			}

			type output struct {
				how    string
				s      string
				shown  bool // the output shows the secret's place
				isJSON bool
			}
			var outputs []output
			for _, verb := range verbs {
				outputs = append(outputs,
					output{verb + " of the value", fmt.Sprintf(verb, h.value), byFmt, false},
					output{verb + " of a pointer", fmt.Sprintf(verb, pointer), byFmt, false})
			}
			outputs = append(outputs,
				output{"Sprint of the value", fmt.Sprint(h.value), byFmt, false},
				output{"Sprint of a pointer", fmt.Sprint(pointer), byFmt, false},
				output{"Sprintln", fmt.Sprintln(h.value), byFmt, false})
			for _, v := range []any{h.value, pointer} {
				var text, structured bytes.Buffer
				slog.New(slog.NewTextHandler(&text, nil)).Info("holding", slog.Any("v", v))
				slog.New(slog.NewJSONHandler(&structured, nil)).Info("holding", slog.Any("v", v))
				outputs = append(outputs,
					output{fmt.Sprintf("slog text of %T", v), text.String(), byFmt || typ == secretType || typ == presignedURLType, false},
					output{fmt.Sprintf("slog JSON of %T", v), structured.String(), byJSON, true})
				encoded, err := json.Marshal(v)
				if err != nil {
					t.Fatalf("json.Marshal(%T): %v", v, err)
				}
				outputs = append(outputs, output{fmt.Sprintf("json.Marshal of %T", v), string(encoded), byJSON, true})
			}

			for _, o := range outputs {
				leaked := strings.Contains(o.s, secretMark) || strings.Contains(o.s, "X-Amz-Signature")
				for _, secret := range allSecrets {
					hx := hex.EncodeToString([]byte(secret))
					leaked = leaked || strings.Contains(o.s, hx) || strings.Contains(o.s, strings.ToUpper(hx))
				}
				if leaked {
					t.Errorf("%s shows a secret: %s", o.how, o.s)
				}
				if !o.shown {
					continue
				}
				if !strings.Contains(o.s, redactedMarker) && !(o.isJSON && strings.Contains(o.s, redactedJSONEscaped)) {
					t.Errorf("%s does not say %s: %s", o.how, redactedMarker, o.s)
				}
				for _, k := range h.kept {
					if !strings.Contains(o.s, k) {
						t.Errorf("%s drops %q, which is not secret: %s", o.how, k, o.s)
					}
				}
			}
		})
	}
}

// TestSecretHoldersCovered finds, in the package's source, every exported
// struct type that holds a Secret or a PresignedURL (directly or through
// another such type) and checks that TestSecretsNeverShown tries it.
func TestSecretHoldersCovered(t *testing.T) {
	t.Parallel()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	// fields maps each exported struct type to the named types its fields use.
	fields := map[string][]string{}
	for _, e := range entries {
		if name := e.Name(); !e.IsDir() && strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go") {
			file, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(file, func(n ast.Node) bool {
				spec, ok := n.(*ast.TypeSpec)
				if !ok || !spec.Name.IsExported() {
					return true
				}
				st, ok := spec.Type.(*ast.StructType)
				if !ok {
					return true
				}
				for _, f := range st.Fields.List {
					ast.Inspect(f.Type, func(n ast.Node) bool {
						if id, ok := n.(*ast.Ident); ok {
							fields[spec.Name.Name] = append(fields[spec.Name.Name], id.Name)
						}
						return true
					})
				}
				return true
			})
		}
	}
	if len(fields) < 10 {
		t.Fatalf("found only %d exported struct types in the package source", len(fields))
	}
	holds := map[string]bool{"Secret": true, "PresignedURL": true}
	for changed := true; changed; {
		changed = false
		for name, used := range fields {
			if !holds[name] && slices.ContainsFunc(used, func(u string) bool { return holds[u] }) {
				holds[name], changed = true, true
			}
		}
	}
	tried := map[string]bool{}
	for _, h := range secretHolders {
		tried[reflect.TypeOf(h.value).Name()] = true
	}
	for _, name := range slices.Sorted(maps.Keys(holds)) {
		if !tried[name] {
			t.Errorf("%s holds a secret but TestSecretsNeverShown does not try it; add it to secretHolders", name)
		}
	}
}

func TestPresignedURLString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, url, want string
	}{
		{"query replaced, scheme, host and path kept", presignedSecret, presignedKept + "?" + redactedMarker},
		{"a WebSocket URL", websocketSecret, websocketKept + "?" + redactedMarker},
		{"a URL without a query is shown whole", presignedKept, presignedKept},
		{"user information is dropped", "https://AKIA:pw-SECRET@bucket.example.com/key?X-Amz-Signature=s", "https://bucket.example.com/key?" + redactedMarker},
		{"a fragment is redacted like a query", "https://bucket.example.com/key#frag-SECRET", "https://bucket.example.com/key?" + redactedMarker},
		{"an empty query is still marked", "https://bucket.example.com/key?", "https://bucket.example.com/key?" + redactedMarker},
		{"an escaped path stays escaped", "https://bucket.example.com/a%20b/c%2Fd?sig=x", "https://bucket.example.com/a%20b/c%2Fd?" + redactedMarker},
		{"a port is kept", "https://bucket.example.com:8443/key?sig=x", "https://bucket.example.com:8443/key?" + redactedMarker},
		{"not a URL at all", "SECRET not a url\x7f", redactedMarker},
		{"no host", "/key?X-Amz-Signature=SECRET", redactedMarker},
		{"empty", "", "<empty>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u := participant.PresignedURL(tt.url)
			if got := u.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
			if got := string(u); got != tt.url {
				t.Errorf("string(u) = %q, want the URL itself, %q", got, tt.url)
			}
		})
	}
}

func TestSecretValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, value, want string
	}{
		{"a token", connTokenSecret, redactedMarker},
		{"an empty token is told apart", "", "<empty>"},
		{"white space is a value too", " ", redactedMarker},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := participant.Secret(tt.value)
			if got := s.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
			if got := fmt.Sprintf("%v|%#v|%q", s, s, s); got != tt.want+"|"+tt.want+"|"+tt.want {
				t.Errorf("fmt = %q, want %q with every verb", got, tt.want)
			}
			if got := string(s); got != tt.value {
				t.Errorf("string(s) = %q, want the value %q", got, tt.value)
			}
		})
	}
}

// TestInputJSONRoundTrip encodes an input with every field set and decodes
// it again: every field but the token survives, so an input can be stored
// and sent again later with its ClientToken.
func TestInputJSONRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		value any
		// members must appear in the encoding under these names.
		members []string
	}{
		{participant.SendMessageInput{ConnectionToken: connTokenSecret, ContentType: participant.ContentTypeTextMarkdown, Content: "**hello** é😀 <b>&</b>", ClientToken: "client-token-1"},
			[]string{"ContentType", "Content", "ClientToken"}},
		{participant.SendEventInput{ConnectionToken: connTokenSecret, ContentType: participant.EventTypeMessageRead, Content: `{"messageId":"m-1"}`, ClientToken: "client-token-2"},
			[]string{"ContentType", "Content", "ClientToken"}},
		{participant.GetTranscriptInput{ConnectionToken: connTokenSecret, ContactID: "contact-1", MaxResults: 15, NextToken: "next-1",
			ScanDirection: participant.ScanDirectionForward, SortOrder: participant.SortKeyAscending,
			StartPosition: &participant.StartPosition{ID: "item-1", AbsoluteTime: "2019-11-08T02:41:28.172Z", MostRecent: 4}},
			[]string{"ContactId", "MaxResults", "NextToken", "ScanDirection", "SortOrder", "StartPosition"}},
		{participant.DisconnectParticipantInput{ConnectionToken: connTokenSecret, ClientToken: "client-token-3"}, []string{"ClientToken"}},
		{participant.StartAttachmentUploadInput{ConnectionToken: connTokenSecret, AttachmentName: "a.pdf", ContentType: "application/pdf", AttachmentSizeInBytes: 99, ClientToken: "client-token-4"},
			[]string{"AttachmentName", "ContentType", "AttachmentSizeInBytes", "ClientToken"}},
		{participant.CompleteAttachmentUploadInput{ConnectionToken: connTokenSecret, AttachmentIDs: []string{"att-1"}, ClientToken: "client-token-5"},
			[]string{"AttachmentIds", "ClientToken"}},
		{participant.GetAttachmentInput{ConnectionToken: connTokenSecret, AttachmentID: "att-1", URLExpiryInSeconds: 60}, []string{"AttachmentId", "UrlExpiryInSeconds"}},
		{participant.DescribeViewInput{ConnectionToken: connTokenSecret, ViewToken: "view-token"}, []string{"ViewToken"}},
		{participant.GetAuthenticationURLInput{ConnectionToken: connTokenSecret, SessionID: "s-1", RedirectURI: "https://example.com/back"}, []string{"SessionId", "RedirectUri"}},
		{participant.CancelParticipantAuthenticationInput{ConnectionToken: connTokenSecret, SessionID: "s-1"}, []string{"SessionId"}},
		{participant.CreateParticipantConnectionInput{ParticipantToken: partTokenSecret, ConnectParticipant: true,
			Type: []participant.ConnectionType{participant.ConnectionTypeWebsocket, participant.ConnectionTypeConnectionCredentials}},
			[]string{"Type", "ConnectParticipant"}},
	}
	for _, tt := range tests {
		typ := reflect.TypeOf(tt.value)
		t.Run(typ.Name(), func(t *testing.T) {
			t.Parallel()
			// Without the token, the input must come back whole; so the
			// fixture sets every other field.
			want := reflect.New(typ).Elem()
			want.Set(reflect.ValueOf(tt.value))
			for i := range typ.NumField() {
				switch {
				case typ.Field(i).Type == secretType:
					want.Field(i).SetZero()
				case want.Field(i).IsZero():
					t.Fatalf("the fixture leaves %s.%s unset; set every field", typ.Name(), typ.Field(i).Name)
				}
			}
			encoded, err := json.Marshal(tt.value)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(encoded), secretMark) {
				t.Errorf("the encoding holds the token: %s", encoded)
			}
			var members map[string]json.RawMessage
			if err := json.Unmarshal(encoded, &members); err != nil {
				t.Fatalf("%s is not a JSON object: %v", encoded, err)
			}
			for _, m := range tt.members {
				if _, ok := members[m]; !ok {
					t.Errorf("the encoding %s has no %s", encoded, m)
				}
			}
			decoded := reflect.New(typ)
			if err := json.Unmarshal(encoded, decoded.Interface()); err != nil {
				t.Fatalf("decoding %s: %v", encoded, err)
			}
			if !reflect.DeepEqual(decoded.Elem().Interface(), want.Interface()) {
				t.Errorf("round trip gave\n%+v\nwant\n%+v", decoded.Elem().Interface(), want.Interface())
			}
		})
	}
}
