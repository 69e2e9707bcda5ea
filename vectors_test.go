package connectparticipant_test

// The Go half of the shared vectors in api/testdata/vectors.json; the TypeScript half is
// clients/typescript/test/crosslang.test.ts. Both read every limit from api/participant.yaml at
// test time (through the operation table generated from it, and JSON pointers into it), so a
// constraint changed in the spec (and regenerated) changes both with nothing edited here.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/chatwire/connectparticipant/api"
	"github.com/chatwire/connectparticipant/gen/participantops"
	"github.com/chatwire/connectparticipant/participant"
	"github.com/chatwire/connectparticipant/participant/participanttest"
)

const vectorsFile = "api/testdata/vectors.json"

// unknownToken is a token the fake never issued.
const unknownToken = "QVFJREFIaGV4YW1wbGVjb25uZWN0aW9udG9rZW4"

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// rawVector is one entry of vectors.json.
type rawVector struct {
	Name      string         `json:"name"`
	Operation string         `json:"operation"`
	Setup     vectorSetup    `json:"setup"`
	Input     map[string]any `json:"input"`
	Expect    string         `json:"expect"`
	Local     string         `json:"localError"`
}

type vectorSetup struct {
	SupportedContentTypes []any          `json:"supportedContentTypes"`
	Token                 string         `json:"token"`
	Message               bool           `json:"message"`
	ExtraParticipants     int            `json:"extraParticipants"`
	Attachment            string         `json:"attachment"`
	View                  bool           `json:"view"`
	Authentication        bool           `json:"authentication"`
	Fault                 map[string]any `json:"fault"`
}

// specJSON returns api/participant.yaml as generic JSON values, so that vectors can point into it.
func specJSON(t *testing.T) map[string]any {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(api.Spec)
	if err != nil {
		t.Fatalf("loading api/participant.yaml: %v", err)
	}
	b, err := doc.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var spec map[string]any
	if err := json.Unmarshal(b, &spec); err != nil {
		t.Fatal(err)
	}
	return spec
}

// pointer follows a local JSON pointer ("#/a/b") through spec, following a $ref met on the way.
func pointer(spec map[string]any, ref string) (any, error) {
	rest, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil, fmt.Errorf("%q is not a local JSON pointer", ref)
	}
	var node any = spec
	for _, raw := range strings.Split(rest, "/") {
		key := strings.ReplaceAll(strings.ReplaceAll(raw, "~1", "/"), "~0", "~")
		m, ok := node.(map[string]any)
		if r, isRef := m["$ref"].(string); ok && isRef {
			if _, has := m[key]; !has {
				target, err := pointer(spec, r)
				if err != nil {
					return nil, err
				}
				m, ok = target.(map[string]any)
			}
		}
		v, has := m[key]
		if !ok || !has {
			return nil, fmt.Errorf("%s: no %q in the spec", ref, key)
		}
		node = v
	}
	return node, nil
}

var countExpr = regexp.MustCompile(`^(.*?)(?:([+-])(\d+))?$`)

// resolver resolves a vector's generators against the spec and the operation table.
type resolver struct {
	spec         map[string]any
	placeholders map[string]string
	contentType  string // the vector's ContentType, for "limit"
}

// count evaluates a count expression for member m.
func (r *resolver) count(raw any, m *participantops.Member) (int, error) {
	switch v := raw.(type) {
	case float64:
		return int(v), nil
	case string:
		parts := countExpr.FindStringSubmatch(v)
		ref := parts[1]
		var base int
		switch {
		case ref == "limit":
			content := participantops.SendMessage.Member("Content")
			base = content.MaxLength
			if n, ok := content.LengthByContentType[r.contentType]; ok {
				base = n
			}
		case strings.HasPrefix(ref, "#/"):
			node, err := pointer(r.spec, ref)
			if err != nil {
				return 0, err
			}
			f, ok := node.(float64)
			if !ok {
				return 0, fmt.Errorf("%s is %v, want a number", ref, node)
			}
			base = int(f)
		case m == nil:
			return 0, fmt.Errorf("count %q names a bound, but the value is not a member of the operation", v)
		default:
			bounds := map[string]int64{"maxLength": int64(m.MaxLength), "minLength": int64(m.MinLength),
				"maxItems": int64(m.MaxLength), "minItems": int64(m.MinLength), "maximum": m.Maximum, "minimum": m.Minimum}
			b, ok := bounds[ref]
			if !ok {
				return 0, fmt.Errorf("unknown bound %q", ref)
			}
			base = int(b)
		}
		k := 0
		if parts[3] != "" {
			k, _ = strconv.Atoi(parts[3])
		}
		if parts[2] == "-" {
			k = -k
		}
		return base + k, nil
	}
	return 0, fmt.Errorf("count %v is neither a number nor an expression", raw)
}

// value resolves one value of the input for member m (nil for a value not in the table).
func (r *resolver) value(raw any, m *participantops.Member) (any, error) {
	switch v := raw.(type) {
	case string:
		for name, value := range r.placeholders {
			v = strings.ReplaceAll(v, name, value)
		}
		return v, nil
	case []any:
		out := make([]any, len(v))
		for i, item := range v {
			var items *participantops.Member
			if m != nil {
				items = m.Items
			}
			resolved, err := r.value(item, items)
			if err != nil {
				return nil, err
			}
			out[i] = resolved
		}
		return out, nil
	case map[string]any:
		if repeat, ok := v["repeat"].(string); ok {
			n, err := r.count(v["count"], m)
			return strings.Repeat(repeat, max(n, 0)), err
		}
		if item, ok := v["items"]; ok {
			n, err := r.count(v["count"], m)
			if err != nil {
				return nil, err
			}
			resolved, err := r.value(item, nil)
			out := make([]any, max(n, 0))
			for i := range out {
				out[i] = resolved
			}
			return out, err
		}
		if num, ok := v["number"]; ok {
			n, err := r.count(num, m)
			return float64(n), err
		}
		out := map[string]any{}
		for name, prop := range v {
			var pm *participantops.Member
			if m != nil {
				pm = m.Property(name)
			}
			resolved, err := r.value(prop, pm)
			if err != nil {
				return nil, err
			}
			out[name] = resolved
		}
		return out, nil
	}
	return raw, nil
}

// loadVectors reads vectors.json.
func loadVectors(t *testing.T) []rawVector {
	t.Helper()
	b, err := os.ReadFile(vectorsFile)
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Comment []string    `json:"$comment"`
		Vectors []rawVector `json:"vectors"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("%s: %v", vectorsFile, err)
	}
	return f.Vectors
}

// resolveInput resolves a vector's input for operation op.
func resolveInput(r *resolver, op *participantops.Operation, input map[string]any) (map[string]any, error) {
	if ct, ok := input["ContentType"]; ok {
		resolved, err := r.value(ct, op.Member("ContentType"))
		if err != nil {
			return nil, err
		}
		r.contentType, _ = resolved.(string)
	}
	out := map[string]any{}
	for name, raw := range input {
		m := op.Member(name)
		if m == nil {
			return nil, fmt.Errorf("%s has no member %s", op.Name, name)
		}
		resolved, err := r.value(raw, m)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out[name] = resolved
	}
	return out, nil
}

// sent is one request as it left the client.
type sent struct {
	method, path string
	header       http.Header
	body         []byte
}

// recorder is an http.RoundTripper that records each request to the service before passing it on.
type recorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	reqs []sent
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := takeBody(req)
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(req.URL.Path, "/participant/") {
		r.mu.Lock()
		r.reqs = append(r.reqs, sent{method: req.Method, path: req.URL.EscapedPath(), header: req.Header.Clone(), body: body})
		r.mu.Unlock()
	}
	return r.next.RoundTrip(req)
}

// takeBody reads the body of req, and puts an equal one back for whoever
// sends it on.
func takeBody(req *http.Request) ([]byte, error) {
	if req.Body == nil {
		return nil, nil
	}
	body, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, err
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	return body, nil
}

func (r *recorder) sent() []sent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.reqs)
}

// checkWire reports how s differs from the wire form of op for the vector's input and token,
// derived from the operation table. Secrets and long values are compared, never printed.
func checkWire(t *testing.T, s sent, op *participantops.Operation, input map[string]any, token string) {
	t.Helper()
	labels := map[string]string{}
	body := map[string]any{}
	for name, value := range input {
		m := op.Member(name)
		if m.In == participantops.InPath {
			labels[m.Header], _ = value.(string)
			continue
		}
		body[name] = value
	}
	want, err := op.NewRequest("http://fake/", labels)
	if err != nil {
		t.Fatal(err)
	}
	if s.method != op.Method || s.path != want.URL.EscapedPath() {
		t.Errorf("sent %s %s, want %s %s", s.method, s.path, op.Method, want.URL.EscapedPath())
	}
	if s.header.Get(participantops.BearerHeader) != token {
		t.Errorf("%s is not the vector's token", participantops.BearerHeader)
	}
	if s.header.Get("Authorization") != "" {
		t.Error("an Authorization header was sent; the service takes no signature")
	}
	if !op.HasBody {
		if len(s.body) != 0 {
			t.Errorf("a body was sent to %s, which has none", op.Name)
		}
		return
	}
	if s.header.Get("Content-Type") != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", s.header.Get("Content-Type"))
	}
	var got map[string]any
	if err := json.Unmarshal(s.body, &got); err != nil {
		t.Fatalf("the body is not a JSON object: %v", err)
	}
	if tok := op.IdempotencyToken(); tok != nil {
		if _, given := body[tok.Name]; !given {
			generated, _ := got[tok.Name].(string)
			if !uuidV4.MatchString(generated) {
				t.Errorf("generated %s %q is not a UUIDv4", tok.Name, generated)
			}
			body[tok.Name] = generated
		}
	}
	if !reflect.DeepEqual(got, body) {
		t.Errorf("the body differs from the vector's input (%d vs %d members, keys %v vs %v)",
			len(got), len(body), slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(body)))
	}
}

// call calls the operation op of client with the wire-named input and the token, through the
// Go method of the same name: the Go inputs take the model's member names as their JSON names.
func call(ctx context.Context, client *participant.Client, op *participantops.Operation, input map[string]any, token string) (any, error) {
	method, ok := reflect.TypeFor[*participant.Client]().MethodByName(goMethodName(op.Name))
	if !ok {
		return nil, fmt.Errorf("no Client method for %s", op.Name)
	}
	in := reflect.New(method.Type.In(2))
	raw, err := json.Marshal(input)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(raw, in.Interface()); err != nil {
		return nil, fmt.Errorf("the input does not fit %s: %w", in.Elem().Type(), err)
	}
	in.Elem().FieldByName(op.Bearer().Name).SetString(token)
	out := method.Func.Call([]reflect.Value{reflect.ValueOf(client), reflect.ValueOf(ctx), in.Elem()})
	err, _ = out[1].Interface().(error)
	return out[0].Interface(), err
}

// goMethodName is the name of the Client method of an operation (Go initialisms).
func goMethodName(op string) string { return strings.ReplaceAll(op, "Url", "URL") }

// setUp does what a vector's setup asks of the fake, with client (without faults or
// recording), and returns the token to use and the placeholders.
func setUp(t *testing.T, ctx context.Context, srv *participanttest.Server, client *participant.Client, r *resolver, op *participantops.Operation, s vectorSetup) string {
	t.Helper()
	var types []string
	for _, raw := range s.SupportedContentTypes {
		resolved, err := r.value(raw, nil)
		if err != nil {
			t.Fatal(err)
		}
		types = append(types, resolved.(string))
	}
	p := srv.NewParticipant(participanttest.ParticipantOptions{SupportedContentTypes: types})
	conn, err := client.CreateParticipantConnection(ctx, participant.CreateParticipantConnectionInput{
		ParticipantToken: participant.Secret(p.ParticipantToken), Type: []participant.ConnectionType{participant.ConnectionTypeConnectionCredentials}, ConnectParticipant: true})
	if err != nil {
		t.Fatalf("setup: connecting: %v", err)
	}
	connToken := conn.ConnectionCredentials.ConnectionToken
	if s.Message {
		out, err := client.SendMessage(ctx, participant.SendMessageInput{ConnectionToken: connToken, ContentType: "text/plain", Content: "A message to point at."})
		if err != nil {
			t.Fatalf("setup: sending a message: %v", err)
		}
		r.placeholders["$messageId"] = out.ID
	}
	for range s.ExtraParticipants {
		extra := srv.NewParticipant(participanttest.ParticipantOptions{ContactID: p.ContactID, Role: participant.ParticipantRoleSupervisor})
		if _, err := client.CreateParticipantConnection(ctx, participant.CreateParticipantConnectionInput{
			ParticipantToken: participant.Secret(extra.ParticipantToken), Type: []participant.ConnectionType{participant.ConnectionTypeConnectionCredentials}, ConnectParticipant: true}); err != nil {
			t.Fatalf("setup: connecting another participant: %v", err)
		}
	}
	switch s.Attachment {
	case "completed":
		out, err := client.UploadAttachment(ctx, participant.UploadAttachmentInput{ConnectionToken: connToken, AttachmentName: "note.txt",
			ContentType: "text/plain", Body: strings.NewReader("attached")})
		if err != nil {
			t.Fatalf("setup: attaching: %v", err)
		}
		r.placeholders["$attachmentId"] = out.AttachmentID
	case "uploaded":
		r.placeholders["$attachmentId"] = uploadWithoutCompleting(t, ctx, client, connToken)
	}
	if s.View {
		r.placeholders["$viewToken"] = srv.AddView(participanttest.View{ID: "confirm", Name: "Confirm", Version: 1, Template: "{}", InputSchema: "{}", Actions: []string{"Confirm"}})
	}
	if s.Authentication {
		r.placeholders["$sessionId"] = srv.StartAuthentication(p.ContactID)
	}
	token := string(connToken)
	if op.Bearer().Name == "ParticipantToken" {
		token = p.ParticipantToken
	}
	switch s.Token {
	case "", "issued":
	case "unknown":
		token = unknownToken
	case "ended":
		srv.EndChat(p.ContactID)
	case "connection":
		token = string(connToken)
	default:
		t.Fatalf("unknown setup token %q", s.Token)
	}
	if s.Fault != nil {
		// The vector's fault is the control API's, as the TypeScript runner
		// sends it.
		body, err := json.Marshal(map[string]any{"Faults": []any{s.Fault}})
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.Post(srv.ControlURL()+"/faults", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatalf("setup: injecting the fault: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			t.Fatalf("setup: the control API refused the fault %s: HTTP %d", body, resp.StatusCode)
		}
	}
	return token
}

// uploadWithoutCompleting starts an upload and sends the bytes, leaving it for
// CompleteAttachmentUpload.
func uploadWithoutCompleting(t *testing.T, ctx context.Context, client *participant.Client, token participant.Secret) string {
	t.Helper()
	const body = "attached"
	started, err := client.StartAttachmentUpload(ctx, participant.StartAttachmentUploadInput{ConnectionToken: token,
		AttachmentName: "note.txt", ContentType: "text/plain", AttachmentSizeInBytes: int64(len(body))})
	if err != nil {
		t.Fatalf("setup: starting an upload: %v", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, string(started.UploadMetadata.URL), strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range started.UploadMetadata.HeadersToInclude {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("setup: uploading: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("setup: the upload answered %s", resp.Status)
	}
	return started.AttachmentID
}

// assertNoSecret fails if token appears in any way a caller may print err.
func assertNoSecret(t *testing.T, err error, token string) {
	t.Helper()
	for _, shown := range []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
		if strings.Contains(shown, token) {
			t.Fatal("the token appears in the error")
		}
	}
}

func TestSharedVectors(t *testing.T) {
	t.Parallel()
	spec := specJSON(t)
	vectors := loadVectors(t)
	covered := map[string]bool{}
	for _, v := range vectors {
		covered[v.Operation] = true
	}
	for _, op := range participantops.Operations {
		if !covered[op.Name] {
			t.Errorf("no vector for %s", op.Name)
		}
	}
	for _, v := range vectors {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			op := operationNamed(v.Operation)
			if op == nil {
				t.Fatalf("no operation %q", v.Operation)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			srv := participanttest.NewServer()
			t.Cleanup(srv.Close)
			setupClient, err := participant.New(participant.WithEndpoint(srv.URL))
			if err != nil {
				t.Fatal(err)
			}
			r := &resolver{spec: spec, placeholders: map[string]string{}}
			token := setUp(t, ctx, srv, setupClient, r, op, v.Setup)
			input, err := resolveInput(r, op, v.Input)
			if err != nil {
				t.Fatal(err)
			}
			rec := &recorder{next: http.DefaultTransport}
			client, err := participant.New(participant.WithEndpoint(srv.URL), participant.WithHTTPClient(&http.Client{Transport: rec}),
				participant.WithBackoff(time.Millisecond, time.Millisecond, 10*time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			_, err = call(ctx, client, op, input, token)

			if v.Local != "" {
				// This client checks the contract's constraints itself: nothing may be sent.
				if v.Local != "InvalidParams" {
					t.Fatalf("vector wants local error %q; the Go client knows only InvalidParams", v.Local)
				}
				if !errors.As(err, new(*participant.InvalidParamsError)) {
					t.Fatalf("got %v, want *participant.InvalidParamsError", err)
				}
				if n := len(rec.sent()); n != 0 {
					t.Errorf("%d requests were sent; invalid input must send none", n)
				}
				assertNoSecret(t, err, token)
				return
			}
			reqs := rec.sent()
			if len(reqs) == 0 {
				t.Fatalf("nothing was sent: %v", err)
			}
			for _, s := range reqs {
				checkWire(t, s, op, input, token)
			}
			if v.Expect == "ok" {
				if err != nil {
					t.Fatalf("got %v, want ok", err)
				}
				return
			}
			var apiErr participant.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("got %v, want a participant.APIError %s", err, v.Expect)
			}
			if apiErr.ErrorCode() != v.Expect {
				t.Errorf("ErrorCode() = %q, want %q", apiErr.ErrorCode(), v.Expect)
			}
			// Modelled errors have their own type, named like the code (as in the TypeScript client).
			if name := reflect.TypeOf(apiErr).Elem().Name(); name != v.Expect {
				t.Errorf("error type %s, want %s", name, v.Expect)
			}
			assertNoSecret(t, err, token)
		})
	}
}

func operationNamed(name string) *participantops.Operation {
	for _, op := range participantops.Operations {
		if op.Name == name {
			return op
		}
	}
	return nil
}

// TestVectorLimitsComeFromTheSpec proves that the vectors hold no limit of their own: resolved
// against a spec whose constraints were changed, the values change with it.
func TestVectorLimitsComeFromTheSpec(t *testing.T) {
	t.Parallel()
	spec := specJSON(t)
	const contentType = "#/components/schemas/SendMessageRequest/properties/ContentType/maxLength"
	parent, err := pointer(spec, strings.TrimSuffix(contentType, "/maxLength"))
	if err != nil {
		t.Fatal(err)
	}
	parent.(map[string]any)["maxLength"] = float64(30)
	r := &resolver{spec: spec, placeholders: map[string]string{}}
	got, err := r.value(map[string]any{"repeat": "t", "count": contentType + "+1"}, nil)
	if err != nil || len(got.(string)) != 31 {
		t.Errorf("a pointer count gave %d characters, want 31 from the changed spec", len(got.(string)))
	}
	// Member bounds come from the generated operation table, held equal to the spec by api/'s tests.
	session := participantops.GetAuthenticationUrl.Member("SessionId")
	got, err = r.value(map[string]any{"repeat": "s", "count": "minLength-1"}, session)
	if err != nil || len(got.(string)) != session.MinLength-1 {
		t.Errorf("minLength-1 gave %v, %v; want %d characters", got, err, session.MinLength-1)
	}
	r.contentType = "text/plain"
	got, err = r.value(map[string]any{"repeat": "é", "count": "limit+1"}, nil)
	if want := participantops.SendMessage.Member("Content").LengthByContentType["text/plain"] + 1; err != nil || len([]rune(got.(string))) != want {
		t.Errorf("limit+1 gave %d code points, want %d", len([]rune(got.(string))), want)
	}
}
