package participant

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/chatwire/connectparticipant/gen/participantops"
)

// recordingTransport records every request that reaches it and answers each
// with 200 and an empty JSON object, so that "the call reached the
// transport" is observable and nothing leaves the process.
type recordingTransport struct {
	mu   sync.Mutex
	reqs []sentRequest
}

// sentRequest is what recordingTransport saw of one request.
type sentRequest struct {
	header http.Header
	body   []byte
}

func (rt *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body.Close()
	}
	rt.mu.Lock()
	rt.reqs = append(rt.reqs, sentRequest{header: req.Header.Clone(), body: body})
	rt.mu.Unlock()
	return &http.Response{
		StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(strings.NewReader("{}")),
		ContentLength: 2,
		Request:       req,
	}, nil
}

func (rt *recordingTransport) sent() []sentRequest {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return slices.Clone(rt.reqs)
}

// newRecordingClient returns a client whose every request ends in a
// recordingTransport, tried once.
func newRecordingClient(t *testing.T) (*Client, *recordingTransport) {
	t.Helper()
	rt := &recordingTransport{}
	c, err := New(WithEndpoint("https://participant.connect.test.invalid"), WithHTTPClient(&http.Client{Transport: rt}), WithMaxAttempts(1))
	if err != nil {
		t.Fatal(err)
	}
	return c, rt
}

// opFixture is an operation as the tests drive it: a valid input, and the
// client method that sends one.
type opFixture struct {
	valid func() any
	call  func(ctx context.Context, c *Client, in any, opts ...CallOption) (any, error)
}

func fixtureOf[In, Out any](method func(*Client, context.Context, In, ...CallOption) (*Out, error), valid func() In) opFixture {
	return opFixture{
		valid: func() any { return valid() },
		call: func(ctx context.Context, c *Client, in any, opts ...CallOption) (any, error) {
			out, err := method(c, ctx, in.(In), opts...)
			if out == nil {
				return nil, err
			}
			return out, err
		},
	}
}

const (
	fixtureToken     = "conn-token-4f7d"
	fixtureSessionID = "3f1c2a9e-8b7d-4c6e-9a5f-1e2d3c4b5a69"
)

// opFixtures holds a valid input of every operation, by operation name.
// Each one sets every member that has a bound, so that the boundary test
// starts from a present value.
var opFixtures = map[string]opFixture{
	participantops.CancelParticipantAuthentication.Name: fixtureOf((*Client).CancelParticipantAuthentication, func() CancelParticipantAuthenticationInput {
		return CancelParticipantAuthenticationInput{ConnectionToken: fixtureToken, SessionID: fixtureSessionID}
	}),
	participantops.CompleteAttachmentUpload.Name: fixtureOf((*Client).CompleteAttachmentUpload, func() CompleteAttachmentUploadInput {
		return CompleteAttachmentUploadInput{ConnectionToken: fixtureToken, AttachmentIDs: []string{"attachment-1"}, ClientToken: "client-token-1"}
	}),
	participantops.CreateParticipantConnection.Name: fixtureOf((*Client).CreateParticipantConnection, func() CreateParticipantConnectionInput {
		return CreateParticipantConnectionInput{ParticipantToken: "participant-token-9c1e",
			Type: []ConnectionType{ConnectionTypeWebsocket, ConnectionTypeConnectionCredentials}, ConnectParticipant: true}
	}),
	participantops.DescribeView.Name: fixtureOf((*Client).DescribeView, func() DescribeViewInput {
		return DescribeViewInput{ViewToken: "view-token-1", ConnectionToken: fixtureToken}
	}),
	participantops.DisconnectParticipant.Name: fixtureOf((*Client).DisconnectParticipant, func() DisconnectParticipantInput {
		return DisconnectParticipantInput{ConnectionToken: fixtureToken, ClientToken: "client-token-1"}
	}),
	participantops.GetAttachment.Name: fixtureOf((*Client).GetAttachment, func() GetAttachmentInput {
		return GetAttachmentInput{ConnectionToken: fixtureToken, AttachmentID: "attachment-1", URLExpiryInSeconds: 60}
	}),
	participantops.GetAuthenticationUrl.Name: fixtureOf((*Client).GetAuthenticationURL, func() GetAuthenticationURLInput {
		return GetAuthenticationURLInput{SessionID: fixtureSessionID, RedirectURI: "https://example.com/signed-in", ConnectionToken: fixtureToken}
	}),
	participantops.GetTranscript.Name: fixtureOf((*Client).GetTranscript, func() GetTranscriptInput {
		return GetTranscriptInput{ConnectionToken: fixtureToken, ContactID: "contact-1", MaxResults: 10, NextToken: "next-1",
			ScanDirection: ScanDirectionBackward, SortOrder: SortKeyAscending,
			StartPosition: &StartPosition{ID: "item-1", AbsoluteTime: "2019-11-08T02:41:28.172Z", MostRecent: 5}}
	}),
	participantops.SendEvent.Name: fixtureOf((*Client).SendEvent, func() SendEventInput {
		return SendEventInput{ContentType: EventTypeMessageRead, Content: `{"messageId":"m-1"}`, ClientToken: "client-token-1", ConnectionToken: fixtureToken}
	}),
	participantops.SendMessage.Name: fixtureOf((*Client).SendMessage, func() SendMessageInput {
		// A content type without a limit of its own, so that Content's
		// own bounds can be reached.
		return SendMessageInput{ConnectionToken: fixtureToken, ContentType: ContentTypeInteractive, Content: "hello", ClientToken: "client-token-1"}
	}),
	participantops.StartAttachmentUpload.Name: fixtureOf((*Client).StartAttachmentUpload, func() StartAttachmentUploadInput {
		return StartAttachmentUploadInput{AttachmentName: "invoice.pdf", ContentType: "application/pdf", AttachmentSizeInBytes: 2048,
			ClientToken: "client-token-1", ConnectionToken: fixtureToken}
	}),
}

// codePoints returns n code points, alternating a two-byte and a four-byte
// character, so that a length counted in bytes is always wrong.
func codePoints(n int) string {
	var b strings.Builder
	for i := range n {
		if i%2 == 0 {
			b.WriteString("é")
		} else {
			b.WriteString("😀")
		}
	}
	return b.String()
}

// memberField finds the field of struct type t that holds member name, as
// bindStruct binds them: by JSON name, or by Go name for a field tagged "-".
func memberField(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() || f.Anonymous {
			continue
		}
		jsonName, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if jsonName == "" || jsonName == "-" {
			jsonName = f.Name
		}
		if jsonName == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// boundaryCase is one value of one member, set on a valid input.
type boundaryCase struct {
	name  string
	op    *participantops.Operation
	path  string
	set   func(in reflect.Value) // in is the addressable input
	rule  string                 // the rule it breaks; "" when valid
	value string                 // the string set, to check messages do not quote it
}

// locator returns the addressable value of a member (or of the struct that
// holds members) inside an input, allocating what it needs on the way.
type locator func(in reflect.Value) reflect.Value

type boundaryBuilder struct {
	t     *testing.T
	op    *participantops.Operation
	cases []boundaryCase
}

func (b *boundaryBuilder) add(path, label string, set func(reflect.Value), rule, value string) {
	verdict := "is valid"
	if rule != "" {
		verdict = "breaks " + rule
	}
	b.cases = append(b.cases, boundaryCase{
		name: b.op.Name + "/" + path + "/" + label + " " + verdict,
		op:   b.op, path: path, set: set, rule: rule, value: value,
	})
}

// members adds the cases of members, the fields of the struct of type st
// that loc finds.
func (b *boundaryBuilder) members(members []participantops.Member, prefix string, st reflect.Type, loc locator) {
	for i := range members {
		m := &members[i]
		path := prefix + m.Name
		f, ok := memberField(st, m.Name)
		if !ok {
			b.t.Errorf("%s: %s has no field for member %s", b.op.Name, st, path)
			continue
		}
		index := f.Index[0]
		field := func(in reflect.Value) reflect.Value { return loc(in).Field(index) }
		switch m.Kind {
		case participantops.String:
			// An empty idempotency token is filled in, not refused:
			// TestValidationRules owns that rule.
			b.lengths(path, m, false, field, m.IdempotencyToken)
		case participantops.Integer:
			b.integers(path, m, f.Type, field)
		case participantops.Array:
			b.arrays(path, m, field)
		case participantops.Object:
			if m.Required && f.Type.Kind() == reflect.Pointer {
				b.add(path, "nil", func(in reflect.Value) { field(in).SetZero() }, "required", "")
			}
			sub := func(in reflect.Value) reflect.Value {
				v := field(in)
				if v.Kind() == reflect.Pointer {
					if v.IsNil() {
						v.Set(reflect.New(v.Type().Elem()))
					}
					v = v.Elem()
				}
				return v
			}
			st := f.Type
			if st.Kind() == reflect.Pointer {
				st = st.Elem()
			}
			b.members(m.Properties, path+".", st, sub)
		default:
			if m.Required || m.MinLength > 0 || m.MaxLength > 0 || m.HasMinimum || m.HasMaximum {
				b.t.Errorf("%s: member %s of kind %v has a bound this test does not cover; extend it", b.op.Name, path, m.Kind)
			}
		}
	}
}

// bound is one length or value to try, with the names of the boundaries it is.
type bound struct {
	n      int64
	labels []string
}

func addBound(bounds []bound, n int64, label string) []bound {
	for i := range bounds {
		if bounds[i].n == n {
			bounds[i].labels = append(bounds[i].labels, label)
			return bounds
		}
	}
	return append(bounds, bound{n: n, labels: []string{label}})
}

func (bd bound) label(unit string) string {
	return fmt.Sprintf("%s (%d %s)", strings.Join(bd.labels, ", "), bd.n, unit)
}

// lengths adds the length cases of a string member. An item of an array
// cannot be absent: empty is too short. skipEmpty leaves out the empty
// value, for an idempotency token.
func (b *boundaryBuilder) lengths(path string, m *participantops.Member, item bool, field locator, skipEmpty bool) {
	var bounds []bound
	if m.MinLength > 0 {
		bounds = addBound(bounds, int64(m.MinLength-1), "min-1")
		bounds = addBound(bounds, int64(m.MinLength), "min")
	}
	if m.MaxLength != participantops.NoLimit {
		bounds = addBound(bounds, int64(m.MaxLength), "max")
		bounds = addBound(bounds, int64(m.MaxLength+1), "max+1")
	}
	if m.Required {
		bounds = addBound(bounds, 0, "empty")
	}
	for _, bd := range bounds {
		n := int(bd.n)
		if n == 0 && skipEmpty {
			continue
		}
		var rule string
		switch {
		case n == 0 && item && m.MinLength > 0:
			rule = "min length"
		case n == 0 && m.Required:
			rule = "required"
		case n == 0:
			// absent: not sent
		case n < m.MinLength:
			rule = "min length"
		case m.MaxLength != participantops.NoLimit && n > m.MaxLength:
			rule = "max length"
		}
		value := codePoints(n)
		b.add(path, bd.label("code points"), func(in reflect.Value) { field(in).SetString(value) }, rule, value)
	}
}

func (b *boundaryBuilder) integers(path string, m *participantops.Member, ft reflect.Type, field locator) {
	var bounds []bound
	if m.HasMinimum {
		bounds = addBound(bounds, m.Minimum-1, "minimum-1")
		bounds = addBound(bounds, m.Minimum, "minimum")
	}
	if m.HasMaximum {
		bounds = addBound(bounds, m.Maximum, "maximum")
		bounds = addBound(bounds, m.Maximum+1, "maximum+1")
	}
	if m.Required {
		bounds = addBound(bounds, 0, "zero")
	}
	for _, bd := range bounds {
		n := bd.n
		if reflect.New(ft).Elem().OverflowInt(n) {
			continue // the Go type cannot hold it
		}
		var rule string
		switch {
		case n == 0 && m.Required:
			rule = "required"
		case n == 0:
			// absent: not sent
		case m.HasMinimum && n < m.Minimum:
			rule = "minimum"
		case m.HasMaximum && n > m.Maximum:
			rule = "maximum"
		}
		b.add(path, bd.label("as value"), func(in reflect.Value) { field(in).SetInt(n) }, rule, "")
	}
}

func (b *boundaryBuilder) arrays(path string, m *participantops.Member, field locator) {
	var bounds []bound
	if m.MinLength > 0 {
		bounds = addBound(bounds, int64(m.MinLength-1), "min-1")
		bounds = addBound(bounds, int64(m.MinLength), "min")
	}
	if m.MaxLength != participantops.NoLimit {
		bounds = addBound(bounds, int64(m.MaxLength), "max")
		bounds = addBound(bounds, int64(m.MaxLength+1), "max+1")
	}
	if m.Required {
		bounds = addBound(bounds, 0, "empty")
	}
	for _, bd := range bounds {
		n := int(bd.n)
		var rule string
		switch {
		case n == 0 && m.Required:
			rule = "required"
		case n == 0:
			// absent: not sent
		case n < m.MinLength:
			rule = "min items"
		case m.MaxLength != participantops.NoLimit && n > m.MaxLength:
			rule = "max items"
		}
		b.add(path, bd.label("items"), func(in reflect.Value) {
			v := field(in)
			if v.Len() == 0 {
				panic("the fixture of " + b.op.Name + " must hold an item of " + path)
			}
			items := reflect.MakeSlice(v.Type(), n, n)
			for i := range n {
				items.Index(i).Set(v.Index(0))
			}
			v.Set(items)
		}, rule, "")
	}
	if m.Items == nil {
		return
	}
	first := func(in reflect.Value) reflect.Value {
		v := field(in)
		if v.Len() == 0 {
			v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		}
		return v.Index(0)
	}
	switch m.Items.Kind {
	case participantops.String:
		b.lengths(path+"[0]", m.Items, true, first, false)
	default:
		if it := m.Items; it.MinLength > 0 || it.MaxLength > 0 || it.HasMinimum || it.HasMaximum {
			b.t.Errorf("%s: items of %s (kind %v) have a bound this test does not cover; extend it", b.op.Name, path, it.Kind)
		}
	}
}

// failedRules returns the "Field/rule" pairs of an *InvalidParamsError.
func failedRules(ipe *InvalidParamsError) []string {
	var got []string
	for _, f := range ipe.Fields {
		got = append(got, f.Field+"/"+f.Rule)
	}
	return got
}

// refusalProblems checks that err is a refusal before sending, listing
// exactly the want "Field/rule" pairs (in any order), and that nothing was
// sent. It returns what was wrong.
func refusalProblems(op string, err error, sent []sentRequest, want []string) []string {
	var problems []string
	if len(sent) != 0 {
		problems = append(problems, fmt.Sprintf("%d requests reached the transport; invalid input must send nothing", len(sent)))
	}
	opErr, ok := errors.AsType[*OperationError](err)
	if !ok {
		return append(problems, fmt.Sprintf("err = %v (%T), want an *OperationError", err, err))
	}
	if opErr.Attempts != 0 || opErr.Operation != op {
		problems = append(problems, fmt.Sprintf("OperationError{Operation: %q, Attempts: %d}, want {%q, 0}", opErr.Operation, opErr.Attempts, op))
	}
	ipe, ok := errors.AsType[*InvalidParamsError](err)
	if !ok {
		return append(problems, fmt.Sprintf("err = %v, want it to wrap an *InvalidParamsError", err))
	}
	if ipe.Operation != op {
		problems = append(problems, fmt.Sprintf("InvalidParamsError.Operation = %q, want %q", ipe.Operation, op))
	}
	got := failedRules(ipe)
	slices.Sort(got)
	want = slices.Sorted(slices.Values(want))
	if !slices.Equal(got, want) {
		problems = append(problems, fmt.Sprintf("failed rules = %q, want %q", got, want))
	}
	for _, f := range ipe.Fields {
		if f.Reason == "" {
			problems = append(problems, f.Field+"/"+f.Rule+" has no Reason")
		}
	}
	return problems
}

func reportProblems(t *testing.T, problems []string) {
	t.Helper()
	for _, p := range problems {
		t.Error(p)
	}
}

// callWith sends in, a value of the operation's input type, through a
// recording client.
func callWith(t *testing.T, op string, in any) (any, error, []sentRequest) {
	t.Helper()
	c, rt := newRecordingClient(t)
	out, err := opFixtures[op].call(t.Context(), c, in)
	return out, err, rt.sent()
}

// TestValidationBoundaries tries every bound of every input member of every
// operation in the operation table at min-1, min, max and max+1 (and empty
// when required), on an otherwise valid input. The bounds come from
// participantops, so the test follows the spec when it changes.
func TestValidationBoundaries(t *testing.T) {
	t.Parallel()
	var cases []boundaryCase
	for _, op := range participantops.Operations {
		fx, ok := opFixtures[op.Name]
		if !ok {
			t.Errorf("operation %s has no fixture in opFixtures; add a valid input for it", op.Name)
			continue
		}
		b := &boundaryBuilder{t: t, op: op}
		b.add("input", "fixture", func(reflect.Value) {}, "", "")
		b.members(op.Input, "", reflect.TypeOf(fx.valid()), func(in reflect.Value) reflect.Value { return in })
		cases = append(cases, b.cases...)
		if m := op.Member("Content"); m != nil && m.LengthByContentType != nil {
			ct := reflect.ValueOf(fx.valid()).FieldByName("ContentType").String()
			if _, limited := m.LengthByContentType[ct]; limited {
				t.Errorf("the %s fixture's ContentType %q has a limit of its own; use one without, so Content's bounds can be reached", op.Name, ct)
			}
		}
	}
	if len(cases) < 3*len(participantops.Operations) {
		t.Fatalf("only %d cases for %d operations: the walk over the operation table found nothing", len(cases), len(participantops.Operations))
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fx := opFixtures[tc.op.Name]
			in := reflect.New(reflect.TypeOf(fx.valid())).Elem()
			in.Set(reflect.ValueOf(fx.valid()))
			tc.set(in)
			_, err, sent := callWith(t, tc.op.Name, in.Interface())
			if tc.rule == "" {
				if err != nil {
					t.Fatalf("err = %v, want the valid input sent", err)
				}
				if len(sent) != 1 {
					t.Errorf("%d requests reached the transport, want 1", len(sent))
				}
				return
			}
			reportProblems(t, refusalProblems(tc.op.Name, err, sent, []string{tc.path + "/" + tc.rule}))
			if tc.value != "" && strings.Contains(err.Error(), tc.value) {
				t.Errorf("the error quotes the refused value: %v", err)
			}
		})
	}
}

// edit returns a change to a fixture of type In.
func edit[In any](f func(*In)) func(any) any {
	return func(v any) any {
		in := v.(In)
		f(&in)
		return in
	}
}

// TestValidationRules checks the rules beyond plain bounds: limits by
// content type, UTF-8, values that must arrive as given in a header or a
// path, reporting every failure at once, and zero values that mean absent.
func TestValidationRules(t *testing.T) {
	t.Parallel()
	content := participantops.SendMessage.Member("Content")
	type validationCase struct {
		name string
		op   *participantops.Operation
		edit func(any) any
		// want lists the "Field/rule" failures, in any order; nil: valid.
		want []string
		// absent lists body members a valid input must not send.
		absent []string
		// filledToken: the request carries a generated ClientToken, and the
		// output returns it.
		filledToken bool
	}
	var tests []validationCase
	for _, ct := range slices.Sorted(maps.Keys(content.LengthByContentType)) {
		limit := content.LengthByContentType[ct]
		tests = append(tests,
			validationCase{
				name: fmt.Sprintf("%s content at its limit of %d code points", ct, limit), op: participantops.SendMessage,
				edit: edit(func(in *SendMessageInput) { in.ContentType, in.Content = ct, codePoints(limit) }),
			},
			validationCase{
				name: fmt.Sprintf("%s content at %d code points is over its limit", ct, limit+1), op: participantops.SendMessage,
				edit: edit(func(in *SendMessageInput) { in.ContentType, in.Content = ct, codePoints(limit+1) }),
				want: []string{"Content/content type limit"},
			},
			validationCase{
				name: fmt.Sprintf("%s content over the model bound reports the model bound once", ct), op: participantops.SendMessage,
				edit: edit(func(in *SendMessageInput) { in.ContentType, in.Content = ct, codePoints(content.MaxLength+1) }),
				want: []string{"Content/max length"},
			})
	}
	const unknownType = "application/x-chatwire-unknown"
	tests = append(tests,
		validationCase{
			name: "unknown content type at the model bound is passed on", op: participantops.SendMessage,
			edit: edit(func(in *SendMessageInput) { in.ContentType, in.Content = unknownType, codePoints(content.MaxLength) }),
		},
		validationCase{
			name: "unknown content type over the model bound", op: participantops.SendMessage,
			edit: edit(func(in *SendMessageInput) { in.ContentType, in.Content = unknownType, codePoints(content.MaxLength+1) }),
			want: []string{"Content/max length"},
		},

		validationCase{
			name: "content of invalid UTF-8", op: participantops.SendMessage,
			edit: edit(func(in *SendMessageInput) { in.Content = "ab\xffcd" }),
			want: []string{"Content/utf8"},
		},
		validationCase{
			name: "truncated multi-byte character in a client token", op: participantops.SendMessage,
			edit: edit(func(in *SendMessageInput) { in.ClientToken = "tok\xc3" }),
			want: []string{"ClientToken/utf8"},
		},
		validationCase{
			name: "surrogate half in a connection token", op: participantops.SendEvent,
			edit: edit(func(in *SendEventInput) { in.ConnectionToken = "tok\xed\xa0\x80" }),
			want: []string{"ConnectionToken/utf8"},
		},
		validationCase{
			name: "invalid UTF-8 in an array item", op: participantops.CompleteAttachmentUpload,
			edit: edit(func(in *CompleteAttachmentUploadInput) { in.AttachmentIDs = []string{"att\xff"} }),
			want: []string{"AttachmentIds[0]/utf8"},
		},
		validationCase{
			name: "invalid UTF-8 in a nested member", op: participantops.GetTranscript,
			edit: edit(func(in *GetTranscriptInput) { in.StartPosition = &StartPosition{ID: "\xfe"} }),
			want: []string{"StartPosition.Id/utf8"},
		},

		validationCase{
			name: "connection token with CR LF cannot be sent as a header", op: participantops.SendMessage,
			edit: edit(func(in *SendMessageInput) { in.ConnectionToken = "abc\r\nX-Evil: 1" }),
			want: []string{"ConnectionToken/header value"},
		},
		validationCase{
			name: "connection token with NUL", op: participantops.GetTranscript,
			edit: edit(func(in *GetTranscriptInput) { in.ConnectionToken = "abc\x00def" }),
			want: []string{"ConnectionToken/header value"},
		},
		validationCase{
			name: "connection token with DEL", op: participantops.DescribeView,
			edit: edit(func(in *DescribeViewInput) { in.ConnectionToken = "abc\x7f" }),
			want: []string{"ConnectionToken/header value"},
		},
		validationCase{
			name: "participant token with a trailing space would be trimmed", op: participantops.CreateParticipantConnection,
			edit: edit(func(in *CreateParticipantConnectionInput) { in.ParticipantToken = "participant-token " }),
			want: []string{"ParticipantToken/header value"},
		},
		validationCase{
			name: "connection token with a leading space would be trimmed", op: participantops.SendEvent,
			edit: edit(func(in *SendEventInput) { in.ConnectionToken = " conn-token" }),
			want: []string{"ConnectionToken/header value"},
		},
		validationCase{
			name: "connection token with a leading tab would be trimmed", op: participantops.DisconnectParticipant,
			edit: edit(func(in *DisconnectParticipantInput) { in.ConnectionToken = "\tconn-token" }),
			want: []string{"ConnectionToken/header value"},
		},
		validationCase{
			name: "connection token with a trailing tab would be trimmed", op: participantops.GetAttachment,
			edit: edit(func(in *GetAttachmentInput) { in.ConnectionToken = "conn-token\t" }),
			want: []string{"ConnectionToken/header value"},
		},
		validationCase{
			name: "connection token with inner space and tab arrives as given", op: participantops.SendMessage,
			edit: edit(func(in *SendMessageInput) { in.ConnectionToken = "conn token\twith gaps" }),
		},

		validationCase{
			name: "view token . is a path step", op: participantops.DescribeView,
			edit: edit(func(in *DescribeViewInput) { in.ViewToken = "." }),
			want: []string{"ViewToken/path label"},
		},
		validationCase{
			name: "view token .. is a path step", op: participantops.DescribeView,
			edit: edit(func(in *DescribeViewInput) { in.ViewToken = ".." }),
			want: []string{"ViewToken/path label"},
		},
		validationCase{
			name: "view token ... is not a path step", op: participantops.DescribeView,
			edit: edit(func(in *DescribeViewInput) { in.ViewToken = "..." }),
		},
		validationCase{
			name: "view token with a slash is escaped, not refused", op: participantops.DescribeView,
			edit: edit(func(in *DescribeViewInput) { in.ViewToken = "../views/x" }),
		},

		validationCase{
			name: "every failure of SendMessage is reported at once", op: participantops.SendMessage,
			edit: edit(func(in *SendMessageInput) {
				*in = SendMessageInput{ClientToken: codePoints(participantops.SendMessage.Member("ClientToken").MaxLength + 1)}
			}),
			want: []string{"ConnectionToken/required", "ClientToken/max length", "Content/required", "ContentType/required"},
		},
		validationCase{
			name: "every failure of GetTranscript is reported at once, nested ones included", op: participantops.GetTranscript,
			edit: edit(func(in *GetTranscriptInput) {
				in.ConnectionToken = "conn-token "
				in.MaxResults = -1
				in.StartPosition = &StartPosition{ID: "", MostRecent: -1, AbsoluteTime: "\xff"}
			}),
			want: []string{"ConnectionToken/header value", "MaxResults/minimum", "StartPosition.MostRecent/minimum", "StartPosition.AbsoluteTime/utf8"},
		},
		validationCase{
			name: "every failure of StartAttachmentUpload is reported at once", op: participantops.StartAttachmentUpload,
			edit: edit(func(in *StartAttachmentUploadInput) {
				in.ConnectionToken, in.AttachmentName, in.ContentType, in.AttachmentSizeInBytes = "", "", "", -5
			}),
			want: []string{"ConnectionToken/required", "AttachmentName/required", "ContentType/required", "AttachmentSizeInBytes/minimum"},
		},

		validationCase{
			name: "MaxResults 0 is absent", op: participantops.GetTranscript,
			edit:   edit(func(in *GetTranscriptInput) { in.MaxResults = 0 }),
			absent: []string{"MaxResults"},
		},
		validationCase{
			name: "StartPosition.MostRecent 0 is absent", op: participantops.GetTranscript,
			edit: edit(func(in *GetTranscriptInput) { in.StartPosition = &StartPosition{ID: "item-1"} }),
		},
		validationCase{
			name: "UrlExpiryInSeconds 0 is absent, though below the minimum", op: participantops.GetAttachment,
			edit:   edit(func(in *GetAttachmentInput) { in.URLExpiryInSeconds = 0 }),
			absent: []string{"UrlExpiryInSeconds"},
		},
		validationCase{
			name: "empty optional strings and a nil StartPosition are absent", op: participantops.GetTranscript,
			edit: edit(func(in *GetTranscriptInput) {
				*in = GetTranscriptInput{ConnectionToken: in.ConnectionToken}
			}),
			absent: []string{"ContactId", "MaxResults", "NextToken", "ScanDirection", "SortOrder", "StartPosition"},
		},
	)
	// An empty idempotency token is filled in, in every operation that has
	// one, whether or not the contract marks it required.
	for _, op := range participantops.Operations {
		tok := op.IdempotencyToken()
		if tok == nil {
			continue
		}
		tests = append(tests, validationCase{
			name: "empty " + tok.Name + " is filled in", op: op,
			edit: func(v any) any {
				in := reflect.New(reflect.TypeOf(v)).Elem()
				in.Set(reflect.ValueOf(v))
				f, _ := memberField(in.Type(), tok.Name)
				in.Field(f.Index[0]).SetString("")
				return in.Interface()
			},
			filledToken: true,
		})
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			reportProblems(t, validationProblems(t, tt.op, tt.edit, tt.want, tt.absent, tt.filledToken))
		})
	}
}

// validationProblems sends the fixture of op changed by change, and returns
// what was wrong with the outcome.
func validationProblems(t *testing.T, op *participantops.Operation, change func(any) any, want, absent []string, filledToken bool) []string {
	t.Helper()
	in := change(opFixtures[op.Name].valid())
	out, err, sent := callWith(t, op.Name, in)
	if want != nil {
		problems := refusalProblems(op.Name, err, sent, want)
		// Neither a token nor the content is ever quoted.
		v := reflect.ValueOf(in)
		for i := range v.NumField() {
			f := v.Type().Field(i)
			s := v.Field(i)
			if s.Kind() == reflect.String && (f.Type == reflect.TypeFor[Secret]() || f.Name == "Content") &&
				utf8.RuneCountInString(s.String()) > 3 && err != nil && strings.Contains(err.Error(), s.String()) {
				problems = append(problems, fmt.Sprintf("the error quotes %s: %v", f.Name, err))
			}
		}
		return problems
	}
	if err != nil {
		return []string{fmt.Sprintf("err = %v, want the input sent", err)}
	}
	if len(sent) != 1 {
		return []string{fmt.Sprintf("%d requests reached the transport, want 1", len(sent))}
	}
	var body map[string]json.RawMessage
	if len(sent[0].body) > 0 {
		if err := json.Unmarshal(sent[0].body, &body); err != nil {
			return []string{fmt.Sprintf("body %q is not a JSON object: %v", sent[0].body, err)}
		}
	}
	var problems []string
	for _, name := range absent {
		if v, ok := body[name]; ok {
			problems = append(problems, fmt.Sprintf("body sends %s = %s, want it left out", name, v))
		}
	}
	if filledToken {
		var sentToken string
		if err := json.Unmarshal(body["ClientToken"], &sentToken); err != nil || sentToken == "" {
			return append(problems, fmt.Sprintf("body %s carries no generated ClientToken", sent[0].body))
		}
		if got := reflect.ValueOf(out).Elem().FieldByName("ClientToken").String(); got != sentToken {
			problems = append(problems, fmt.Sprintf("output ClientToken = %q, want the one sent, %q", got, sentToken))
		}
	}
	return problems
}

func TestInvalidParamsErrorMessage(t *testing.T) {
	t.Parallel()
	in := SendMessageInput{ConnectionToken: "secret-token-\n", ContentType: ContentTypeTextPlain, Content: strings.Repeat("secret-content ", 100)}
	_, err, sent := callWith(t, participantops.SendMessage.Name, in)
	reportProblems(t, refusalProblems("SendMessage", err, sent, []string{"ConnectionToken/header value", "Content/content type limit"}))
	if err == nil {
		t.FailNow()
	}
	want := `participant: SendMessage was not sent: invalid input: ConnectionToken: contains a control character; copy the token exactly as the service issued it; ` +
		`Content: ContentType "text/plain": Content is 1500 characters, limit ` + strconv.Itoa(ContentLimit(ContentTypeTextPlain))
	if got := err.Error(); got != want {
		t.Errorf("Error() =\n%s\nwant\n%s", got, want)
	}
	for _, s := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
		if strings.Contains(s, "secret") {
			t.Errorf("the error quotes the token or the content: %s", s)
		}
	}
}

func TestContentLimit(t *testing.T) {
	t.Parallel()
	content := participantops.SendMessage.Member("Content")
	type limitCase struct {
		contentType string
		want        int
	}
	var tests []limitCase
	for ct, limit := range content.LengthByContentType {
		tests = append(tests, limitCase{ct, limit})
	}
	if len(tests) == 0 {
		t.Fatal("the spec gives no content type a limit of its own")
	}
	// Any other type gets the model's bound for every type.
	for _, ct := range []string{ContentTypeInteractive, "image/png", "TEXT/PLAIN", "text/plain; charset=utf-8", ""} {
		if _, ok := content.LengthByContentType[ct]; !ok {
			tests = append(tests, limitCase{ct, content.MaxLength})
		}
	}
	for _, tt := range tests {
		t.Run(tt.contentType, func(t *testing.T) {
			t.Parallel()
			if got := ContentLimit(tt.contentType); got != tt.want {
				t.Errorf("ContentLimit(%q) = %d, want %d", tt.contentType, got, tt.want)
			}
		})
	}
}

func TestRuneCount(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		s    string
		want int // -1: invalid UTF-8
	}{
		{"empty", "", 0},
		{"one ASCII byte", "a", 1},
		{"eight ASCII bytes, one word", "abcdefgh", 8},
		{"nine ASCII bytes", "abcdefghi", 9},
		{"two-byte character", "é", 1},
		{"ASCII run then a two-byte character", "aaaaaaaé", 8},
		{"four-byte characters", "😀😀😀", 3},
		{"sixteen ASCII bytes then multi-byte", strings.Repeat("a", 16) + "€😀", 18},
		{"three-byte characters over words", strings.Repeat("ab€", 100), 300},
		{"DEL and the first two-byte code point", "\u007f\u0080", 2},
		{"lone continuation byte", "\xff", -1},
		{"invalid byte after a word of ASCII", "abcdefgh\xff", -1},
		{"surrogate half", "\xed\xa0\x80", -1},
		{"truncated two-byte character", "abc\xc3", -1},
		{"above U+10FFFF", "\xf4\x90\x80\x80", -1},
		{"overlong encoding of /", "\xc0\xaf", -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := runeCount(tt.s); got != tt.want {
				t.Errorf("runeCount(%q) = %d, want %d", tt.s, got, tt.want)
			}
		})
	}
}

func FuzzRuneCount(f *testing.F) {
	for _, s := range []string{"", "hello", "é😀", "\xff", "abcdefgh\xc3", strings.Repeat("a", 17) + "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := utf8.RuneCountInString(s)
		if !utf8.ValidString(s) {
			want = -1
		}
		if got := runeCount(s); got != want {
			t.Errorf("runeCount(%q) = %d, want %d", s, got, want)
		}
	})
}
