package connectparticipant_test

// The Go half of the shared SendMessage vectors in api/testdata/vectors.json; the TypeScript half
// is clients/typescript/test/crosslang.test.ts. Both read every limit from api/participant.yaml at
// test time, so a constraint changed in the spec (and regenerated) changes both with nothing edited
// here.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/chatwire/connectparticipant/api"
	"github.com/chatwire/connectparticipant/participant"
	"github.com/chatwire/connectparticipant/participant/participanttest"
)

const vectorsFile = "api/testdata/vectors.json"

// generated is a vector value: a plain string, or Repeat repeated Count times, where Count is a
// number or an expression over the spec (see the $comment of vectors.json).
type generated struct {
	literal *string
	Repeat  string
	Count   json.RawMessage
}

func (g *generated) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		g.literal = &s
		return nil
	}
	var gen struct {
		Repeat *string         `json:"repeat"`
		Count  json.RawMessage `json:"count"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&gen); err != nil || gen.Repeat == nil || gen.Count == nil {
		return fmt.Errorf("want a string or {\"repeat\": S, \"count\": N}, got %s", b)
	}
	g.Repeat, g.Count = *gen.Repeat, gen.Count
	return nil
}

type wireForm struct {
	Method               string            `json:"method"`
	Path                 string            `json:"path"`
	Headers              map[string]string `json:"headers"`
	AbsentHeaders        []string          `json:"absentHeaders"`
	BodyKeys             []string          `json:"bodyKeys"`
	Body                 map[string]string `json:"body"`
	GeneratedClientToken string            `json:"generatedClientToken"`
}

type vectorFile struct {
	WireForms map[string]wireForm `json:"wireForms"`
	Vectors   []struct {
		Name    string `json:"name"`
		Request struct {
			ContentType     generated  `json:"contentType"`
			Content         generated  `json:"content"`
			ClientToken     *generated `json:"clientToken"`
			ConnectionToken *string    `json:"connectionToken"`
		} `json:"request"`
		Wire       string `json:"wire"`
		Expect     string `json:"expect"`
		LocalError string `json:"localError"`
	} `json:"vectors"`
}

// vector is one entry of vectors.json with every generator resolved against the spec.
type vector struct {
	name            string
	contentType     string
	content         string
	clientToken     string // "" when the client must generate one
	connectionToken string // "" for the token the fake issued
	wire            wireForm
	expect          string // "ok" or the service's error code
	localError      string // what this client returns instead of sending, when set
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
		t.Fatalf("encoding the spec as JSON: %v", err)
	}
	var spec map[string]any
	if err := json.Unmarshal(b, &spec); err != nil {
		t.Fatalf("decoding the spec as JSON: %v", err)
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

func pointerInt(spec map[string]any, ref string) (int, error) {
	v, err := pointer(spec, ref)
	if err != nil {
		return 0, err
	}
	f, ok := v.(float64)
	if !ok || f != float64(int(f)) {
		return 0, fmt.Errorf("%s is %v, want an integer", ref, v)
	}
	return int(f), nil
}

const contentPointer = "#/components/schemas/SendMessageRequest/properties/Content"

// contentLimit is the largest Content, in code points, the spec allows for contentType.
func contentLimit(spec map[string]any, contentType string) (int, error) {
	if byType, err := pointer(spec, contentPointer+"/x-content-length-by-type"); err == nil {
		if n, ok := byType.(map[string]any)[contentType].(float64); ok {
			return int(n), nil
		}
	}
	return pointerInt(spec, contentPointer+"/maxLength")
}

var countExpr = regexp.MustCompile(`^(.*?)(?:([+-])(\d+))?$`)

// evalCount evaluates a count: a number, or REF, REF+K or REF-K with REF "limit" or a JSON pointer.
func evalCount(spec map[string]any, raw json.RawMessage, contentType string) (int, error) {
	var n int
	if err := json.Unmarshal(raw, &n); err == nil {
		return n, nil
	}
	var expr string
	if err := json.Unmarshal(raw, &expr); err != nil {
		return 0, fmt.Errorf("count %s is neither a number nor an expression", raw)
	}
	m := countExpr.FindStringSubmatch(expr)
	var base int
	var err error
	if m[1] == "limit" {
		base, err = contentLimit(spec, contentType)
	} else {
		base, err = pointerInt(spec, m[1])
	}
	if err != nil {
		return 0, fmt.Errorf("count %q: %w", expr, err)
	}
	k := 0
	if m[3] != "" {
		k, _ = strconv.Atoi(m[3])
	}
	if m[2] == "-" {
		k = -k
	}
	return base + k, nil
}

func (g generated) resolve(spec map[string]any, contentType string) (string, error) {
	if g.literal != nil {
		return *g.literal, nil
	}
	n, err := evalCount(spec, g.Count, contentType)
	if err != nil {
		return "", err
	}
	return strings.Repeat(g.Repeat, n), nil
}

// loadVectors reads vectors.json and resolves it against spec.
func loadVectors(spec map[string]any) ([]vector, error) {
	b, err := os.ReadFile(vectorsFile)
	if err != nil {
		return nil, err
	}
	var f vectorFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", vectorsFile, err)
	}
	var out []vector
	for _, raw := range f.Vectors {
		v := vector{name: raw.Name, expect: raw.Expect, localError: raw.LocalError}
		var ok bool
		if v.wire, ok = f.WireForms[raw.Wire]; !ok {
			return nil, fmt.Errorf("%s: no wire form %q", raw.Name, raw.Wire)
		}
		// The content type comes first: a content generator's "limit" depends on it.
		if v.contentType, err = raw.Request.ContentType.resolve(spec, ""); err != nil {
			return nil, fmt.Errorf("%s: contentType: %w", raw.Name, err)
		}
		if v.content, err = raw.Request.Content.resolve(spec, v.contentType); err != nil {
			return nil, fmt.Errorf("%s: content: %w", raw.Name, err)
		}
		if raw.Request.ClientToken != nil {
			if v.clientToken, err = raw.Request.ClientToken.resolve(spec, v.contentType); err != nil {
				return nil, fmt.Errorf("%s: clientToken: %w", raw.Name, err)
			}
		}
		if raw.Request.ConnectionToken != nil {
			v.connectionToken = *raw.Request.ConnectionToken
		}
		out = append(out, v)
	}
	return out, nil
}

// sent is one request as it left the client.
type sent struct {
	method, path string
	header       http.Header
	body         []byte
}

// recorder is an http.RoundTripper that records each request before passing it on.
type recorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	reqs []sent
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		var err error
		if body, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	r.mu.Lock()
	r.reqs = append(r.reqs, sent{method: req.Method, path: req.URL.Path, header: req.Header.Clone(), body: body})
	r.mu.Unlock()
	return r.next.RoundTrip(req)
}

func (r *recorder) sent() []sent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.reqs)
}

// checkWire reports how s differs from the wire form w; values are the vector's own. Secrets and
// long contents are compared, never printed.
func checkWire(t *testing.T, s sent, w wireForm, values map[string]string) {
	t.Helper()
	subst := func(tmpl string) string {
		if name, ok := strings.CutPrefix(tmpl, "$"); ok {
			v, known := values[name]
			if !known {
				t.Fatalf("unknown placeholder %s in a wire form", tmpl)
			}
			return v
		}
		return tmpl
	}
	if s.method != w.Method || s.path != w.Path {
		t.Errorf("sent %s %s, want %s %s", s.method, s.path, w.Method, w.Path)
	}
	for name, tmpl := range w.Headers {
		if s.header.Get(name) != subst(tmpl) {
			t.Errorf("header %s differs from the wire form", name)
		}
	}
	for _, name := range w.AbsentHeaders {
		if _, ok := s.header[http.CanonicalHeaderKey(name)]; ok {
			t.Errorf("header %s must not be sent", name)
		}
	}
	var body map[string]any
	if err := json.Unmarshal(s.body, &body); err != nil {
		t.Fatalf("body is not a JSON object: %v", err)
	}
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range body {
			if !yield(k) {
				return
			}
		}
	})
	if want := slices.Sorted(slices.Values(w.BodyKeys)); !slices.Equal(keys, want) {
		t.Errorf("body keys %v, want %v", keys, want)
	}
	for key, tmpl := range w.Body {
		want := subst(tmpl)
		got, _ := body[key].(string)
		if key == "ClientToken" && want == "" {
			if !regexp.MustCompile(w.GeneratedClientToken).MatchString(got) {
				t.Errorf("generated ClientToken %q does not match %s", got, w.GeneratedClientToken)
			}
			continue
		}
		if got != want {
			t.Errorf("body %s differs from the wire form (%d vs %d bytes)", key, len(got), len(want))
		}
	}
}

// assertNoSecret fails if token appears in any way a caller may print err.
func assertNoSecret(t *testing.T, err error, token string) {
	t.Helper()
	for _, shown := range []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
		if strings.Contains(shown, token) {
			t.Fatal("the connection token appears in the error")
		}
	}
}

func TestSharedVectors(t *testing.T) {
	t.Parallel()
	vectors, err := loadVectors(specJSON(t))
	if err != nil {
		t.Fatal(err)
	}
	srv := participanttest.NewServer()
	t.Cleanup(srv.Close)
	issued := srv.NewConnection()

	for _, v := range vectors {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{next: srv.Client().Transport}
			client, err := participant.New(participant.WithEndpoint(srv.URL), participant.WithHTTPClient(&http.Client{Transport: rec}))
			if err != nil {
				t.Fatal(err)
			}
			token := issued
			if v.connectionToken != "" {
				token = v.connectionToken
			}
			out, err := client.SendMessage(context.Background(), participant.SendMessageInput{
				ConnectionToken: token,
				ContentType:     v.contentType,
				Content:         v.content,
				ClientToken:     v.clientToken,
			})

			if v.localError != "" {
				// This client checks the contract's constraints itself: nothing may be sent.
				if v.localError != "InvalidParams" {
					t.Fatalf("vector wants local error %q; the Go client knows only InvalidParams", v.localError)
				}
				var invalid *participant.InvalidParamsError
				if !errors.As(err, &invalid) {
					t.Fatalf("SendMessage: got %v, want *participant.InvalidParamsError", err)
				}
				if n := len(rec.sent()); n != 0 {
					t.Errorf("%d requests were sent; invalid input must send none", n)
				}
				assertNoSecret(t, err, token)
				return
			}

			reqs := rec.sent()
			if len(reqs) != 1 {
				t.Fatalf("%d requests were sent, want 1", len(reqs))
			}
			checkWire(t, reqs[0], v.wire, map[string]string{
				"connectionToken": token, "contentType": v.contentType, "content": v.content, "clientToken": v.clientToken,
			})

			if v.expect == "ok" {
				if err != nil {
					t.Fatalf("SendMessage: %v, want ok", err)
				}
				if out.ID == "" || out.RequestID == "" {
					t.Errorf("output has ID %q and RequestID %q, want both", out.ID, out.RequestID)
				}
				if v.clientToken != "" && out.ClientToken != v.clientToken {
					t.Errorf("output ClientToken %q, want the caller's %q", out.ClientToken, v.clientToken)
				}
				return
			}
			var apiErr participant.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("SendMessage: got %v, want a participant.APIError %s", err, v.expect)
			}
			if apiErr.ErrorCode() != v.expect {
				t.Errorf("ErrorCode() = %q, want %q", apiErr.ErrorCode(), v.expect)
			}
			// Modelled errors have their own type, named like the code (as in the TypeScript client).
			if name := reflect.TypeOf(apiErr).Elem().Name(); name != v.expect {
				t.Errorf("error type %s, want %s", name, v.expect)
			}
			assertNoSecret(t, err, token)
		})
	}
}

func TestSharedVectorsIdempotentReplay(t *testing.T) {
	t.Parallel()
	srv := participanttest.NewServer()
	t.Cleanup(srv.Close)
	client, err := participant.New(participant.WithEndpoint(srv.URL), participant.WithHTTPClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	in := participant.SendMessageInput{
		ConnectionToken: srv.NewConnection(), ContentType: participant.ContentTypeTextPlain, Content: "Sent twice, delivered once.",
	}
	first, err := client.SendMessage(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	in.ClientToken = first.ClientToken
	again, err := client.SendMessage(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != first.ID || again.AbsoluteTime != first.AbsoluteTime {
		t.Errorf("replay gave Id %s at %s, want the first result %s at %s", again.ID, again.AbsoluteTime, first.ID, first.AbsoluteTime)
	}
	if n := len(srv.Transcript(in.ConnectionToken)); n != 1 {
		t.Errorf("transcript has %d messages, want 1", n)
	}
}

// TestVectorLimitsComeFromTheSpec proves that the vectors hold no limit of their own: resolved
// against a spec whose constraints were changed, they change with it.
func TestVectorLimitsComeFromTheSpec(t *testing.T) {
	t.Parallel()
	spec := specJSON(t)
	mustSet := func(ref string, value float64) {
		t.Helper()
		cut := strings.LastIndex(ref, "/")
		parentRef, key := ref[:cut], strings.ReplaceAll(strings.ReplaceAll(ref[cut+1:], "~1", "/"), "~0", "~")
		parent, err := pointer(spec, parentRef)
		if err != nil {
			t.Fatal(err)
		}
		parent.(map[string]any)[key] = value
	}
	mustSet(contentPointer+"/x-content-length-by-type/text~1plain", 10)
	mustSet(contentPointer+"/x-content-length-by-type/application~1json", 40)
	mustSet(contentPointer+"/x-content-length-by-type/application~1vnd.amazonaws.connect.message.interactive.response", 50)
	mustSet(contentPointer+"/maxLength", 20)
	mustSet("#/components/schemas/SendMessageRequest/properties/ContentType/maxLength", 30)

	vectors, err := loadVectors(spec)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct{ contentType, content int }{
		"plain text exactly at its limit in two-byte characters is accepted":                           {10, 10},
		"plain text one code point over its limit in two-byte characters is refused":                   {10, 11},
		"an unknown content type is bounded only by Content's maxLength: at it is accepted":            {8, 20},
		"an unknown content type one code point over Content's maxLength is refused":                   {8, 21},
		"a ContentType one character over its maxLength is refused":                                    {31, -1},
		"JSON one code point over its limit is refused":                                                {16, 41},
		"an interactive response one code point over its limit is refused":                             {62, 51},
		"plain text at its limit in emoji outside the BMP is accepted (code points, not UTF-16 units)": {10, 10},
	}
	seen := 0
	for _, v := range vectors {
		w, ok := want[v.name]
		if !ok {
			continue
		}
		seen++
		if got := len([]rune(v.contentType)); got != w.contentType {
			t.Errorf("%s: ContentType is %d code points, want %d", v.name, got, w.contentType)
		}
		if got := len([]rune(v.content)); w.content >= 0 && got != w.content {
			t.Errorf("%s: Content is %d code points, want %d", v.name, got, w.content)
		}
	}
	if seen != len(want) {
		t.Errorf("found %d of the %d vectors this test expects; were some renamed?", seen, len(want))
	}
}
