package participant_test

// Fuzz targets for what the client makes of the service's answers: a 200's
// body, and an error answer's status, headers and body. They drive the
// public API through a transport that answers from the fuzzer's input, so
// they hold the client to its documented behaviour without restating how it
// decodes:
//
//   - a call never panics, and returns an output or an error, never both and
//     never neither;
//   - every answer other than 200 is an error that errors.As finds as an
//     *OperationError and as an APIError of the documented types, whose
//     ErrorCode names its type, with the answer's HTTP status;
//   - a 200 whose body cannot be read or decoded is an error that says the
//     request may have taken effect, and is not an APIError;
//   - no error ever quotes the token the call sent, however the answer
//     echoes it (the client redacts every echo of a token of 8 bytes or
//     more: see OperationError and ErrorResponse).
//
// Run one for a while with, e.g.,
//
//	go test -run '^$' -fuzz FuzzDecodeError -fuzztime 60s ./participant/
//
// The seeds run with every `go test`.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/chatwire/connectparticipant/gen/participantops"
	"github.com/chatwire/connectparticipant/participant"
)

const (
	// fuzzToken is the token calls send when the fuzzer's is not one the
	// client accepts: a connection token as the service issues them.
	fuzzToken = "QVFJREFIaGV4YW1wbGVjb25uZWN0aW9udG9rZW4"
	// fuzzPlaceholder, anywhere in an answer, stands for the token the call
	// sent, so that the fuzzer can make answers that echo it.
	fuzzPlaceholder = "$T"
	// fuzzClientToken is what the client's idempotency token provider hands out.
	fuzzClientToken = "00000000-0000-4000-8000-0000000f0a22"
	// fuzzMaxBody is the client's WithMaxResponseBytes, small so that the
	// fuzzer reaches answers over it.
	fuzzMaxBody = 1024
	// fuzzMinSecret is the shortest token the client promises to redact.
	fuzzMinSecret = 8
)

// fuzzAnswer is the answer the fuzz transport gives: "$T" in any of its
// strings stands for the call's token.
type fuzzAnswer struct {
	status      int
	reason      string // the status line's reason phrase
	header      http.Header
	body        []byte
	knownLength bool // send a Content-Length
}

// with returns a copy of a with the placeholder, and any literal occurrence
// of was (the token of another run), replaced by token.
func (a *fuzzAnswer) with(token, was string) *fuzzAnswer {
	sub := func(s string) string {
		if was != "" {
			s = strings.ReplaceAll(s, was, token)
		}
		return strings.ReplaceAll(s, fuzzPlaceholder, token)
	}
	out := &fuzzAnswer{status: a.status, reason: sub(a.reason), header: http.Header{}, body: []byte(sub(string(a.body))), knownLength: a.knownLength}
	for k, vs := range a.header {
		for _, v := range vs {
			out.header.Add(k, sub(v))
		}
	}
	return out
}

type fuzzAnswerKey struct{}

// fuzzTransport answers every request with the *fuzzAnswer of its context.
type fuzzTransport struct{}

func (fuzzTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	a := req.Context().Value(fuzzAnswerKey{}).(*fuzzAnswer)
	length := int64(-1)
	if a.knownLength {
		length = int64(len(a.body))
	}
	return &http.Response{
		StatusCode: a.status, Status: strconv.Itoa(a.status) + " " + a.reason,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: a.header, Body: io.NopCloser(bytes.NewReader(a.body)), ContentLength: length,
		Request: req,
	}, nil
}

// fuzzOp is one operation, called with a valid input that carries a token.
type fuzzOp struct {
	spec *participantops.Operation
	// call reports whether it got an output, and the error.
	call func(ctx context.Context, c *participant.Client, token string) (bool, error)
}

func fuzzOpOf[In, Out any](spec *participantops.Operation, method func(*participant.Client, context.Context, In, ...participant.CallOption) (*Out, error), input func(token participant.Secret) In) fuzzOp {
	return fuzzOp{spec: spec, call: func(ctx context.Context, c *participant.Client, token string) (bool, error) {
		out, err := method(c, ctx, input(participant.Secret(token)))
		if out != nil {
			// The idempotency token that was sent is the output's, whatever
			// the body says.
			if f := reflect.ValueOf(out).Elem().FieldByName("ClientToken"); f.IsValid() && f.String() != fuzzClientToken {
				return true, fmt.Errorf("output ClientToken %q, want the one sent, %q", f.String(), fuzzClientToken)
			}
		}
		return out != nil, err
	}}
}

// fuzzOps holds every operation, in the order of participantops.Operations.
var fuzzOps = []fuzzOp{
	fuzzOpOf(participantops.CancelParticipantAuthentication, (*participant.Client).CancelParticipantAuthentication, func(tok participant.Secret) participant.CancelParticipantAuthenticationInput {
		return participant.CancelParticipantAuthenticationInput{ConnectionToken: tok, SessionID: "7c1e0f4a-5b2d-4e8f-9a3c-1d6b8e2f4a70"}
	}),
	fuzzOpOf(participantops.CompleteAttachmentUpload, (*participant.Client).CompleteAttachmentUpload, func(tok participant.Secret) participant.CompleteAttachmentUploadInput {
		return participant.CompleteAttachmentUploadInput{ConnectionToken: tok, AttachmentIDs: []string{"a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"}}
	}),
	fuzzOpOf(participantops.CreateParticipantConnection, (*participant.Client).CreateParticipantConnection, func(tok participant.Secret) participant.CreateParticipantConnectionInput {
		return participant.CreateParticipantConnectionInput{ParticipantToken: tok, Type: []participant.ConnectionType{participant.ConnectionTypeWebsocket, participant.ConnectionTypeConnectionCredentials}}
	}),
	fuzzOpOf(participantops.DescribeView, (*participant.Client).DescribeView, func(tok participant.Secret) participant.DescribeViewInput {
		return participant.DescribeViewInput{ConnectionToken: tok, ViewToken: "example-view-token"}
	}),
	fuzzOpOf(participantops.DisconnectParticipant, (*participant.Client).DisconnectParticipant, func(tok participant.Secret) participant.DisconnectParticipantInput {
		return participant.DisconnectParticipantInput{ConnectionToken: tok}
	}),
	fuzzOpOf(participantops.GetAttachment, (*participant.Client).GetAttachment, func(tok participant.Secret) participant.GetAttachmentInput {
		return participant.GetAttachmentInput{ConnectionToken: tok, AttachmentID: "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"}
	}),
	fuzzOpOf(participantops.GetAuthenticationUrl, (*participant.Client).GetAuthenticationURL, func(tok participant.Secret) participant.GetAuthenticationURLInput {
		return participant.GetAuthenticationURLInput{ConnectionToken: tok, SessionID: "7c1e0f4a-5b2d-4e8f-9a3c-1d6b8e2f4a70", RedirectURI: "https://example.com/done"}
	}),
	fuzzOpOf(participantops.GetTranscript, (*participant.Client).GetTranscript, func(tok participant.Secret) participant.GetTranscriptInput {
		return participant.GetTranscriptInput{ConnectionToken: tok, MaxResults: 20}
	}),
	fuzzOpOf(participantops.SendEvent, (*participant.Client).SendEvent, func(tok participant.Secret) participant.SendEventInput {
		return participant.SendEventInput{ConnectionToken: tok, ContentType: participant.EventTypeTyping}
	}),
	fuzzOpOf(participantops.SendMessage, (*participant.Client).SendMessage, func(tok participant.Secret) participant.SendMessageInput {
		return participant.SendMessageInput{ConnectionToken: tok, ContentType: participant.ContentTypeTextPlain, Content: "Hello"}
	}),
	fuzzOpOf(participantops.StartAttachmentUpload, (*participant.Client).StartAttachmentUpload, func(tok participant.Secret) participant.StartAttachmentUploadInput {
		return participant.StartAttachmentUploadInput{ConnectionToken: tok, AttachmentName: "receipt.pdf", ContentType: "application/pdf", AttachmentSizeInBytes: 49152}
	}),
}

// fuzzClient returns the client every fuzz iteration uses: one attempt,
// answered by fuzzTransport.
func fuzzClient(f *testing.F) *participant.Client {
	f.Helper()
	if len(fuzzOps) != len(participantops.Operations) {
		f.Fatalf("fuzzOps has %d operations, the contract %d", len(fuzzOps), len(participantops.Operations))
	}
	for i, op := range participantops.Operations {
		if fuzzOps[i].spec != op {
			f.Fatalf("fuzzOps[%d] is %s, want %s", i, fuzzOps[i].spec.Name, op.Name)
		}
	}
	c, err := participant.New(participant.WithEndpoint("https://participant.connect.us-east-1.amazonaws.com"),
		participant.WithHTTPClient(&http.Client{Transport: fuzzTransport{}}),
		participant.WithMaxAttempts(1), participant.WithMaxResponseBytes(fuzzMaxBody),
		participant.WithIdempotencyTokenProvider(fuzzTokens{}))
	if err != nil {
		f.Fatal(err)
	}
	return c
}

type fuzzTokens struct{}

func (fuzzTokens) GetIdempotencyToken() (string, error) { return fuzzClientToken, nil }

// fuzzExchange is one call of op answered by a.
type fuzzExchange struct {
	c     *participant.Client
	op    fuzzOp
	a     *fuzzAnswer
	token string
}

// run makes the call. A token the client refuses is replaced by fuzzToken.
func (x *fuzzExchange) run(t *testing.T) (bool, error) {
	t.Helper()
	got, err := x.runWith(x.token, "")
	if _, refused := errors.AsType[*participant.InvalidParamsError](err); refused && x.token != fuzzToken {
		x.token = fuzzToken
		got, err = x.runWith(x.token, "")
	}
	if got == (err != nil) {
		t.Fatalf("%s: output %v with error %v: want exactly one of them", x.op.spec.Name, got, err)
	}
	return got, err
}

func (x *fuzzExchange) runWith(token, was string) (bool, error) {
	ctx := context.WithValue(context.Background(), fuzzAnswerKey{}, x.a.with(token, was))
	return x.op.call(ctx, x.c, token)
}

// checkNoLeak fails when err quotes the call's token because the answer
// echoed it: in Error(), or in what an APIError says of the answer. A token
// the client's own words hold ("participant", say) is not an echo: it is
// told apart by running the same exchange with another token in its place,
// whose error must then hold it in the same place.
func (x *fuzzExchange) checkNoLeak(t *testing.T, err error) {
	t.Helper()
	if len(x.token) < fuzzMinSecret {
		return // too short to tell from ordinary words: not redacted
	}
	var control map[string]string
	for what, s := range errorSurface(err) {
		if !strings.Contains(s, x.token) {
			continue
		}
		if control == nil {
			other := ""
			for _, c := range "~^|!" {
				if !strings.ContainsRune(x.token, c) {
					other = strings.Repeat(string(c), utf8.RuneCountInString(x.token))
					break
				}
			}
			_, err2 := x.runWith(other, x.token)
			control = errorSurface(err2)
		}
		if !strings.Contains(control[what], x.token) {
			t.Fatalf("%s: %s quotes the call's token %q: %s", x.op.spec.Name, what, x.token, s)
		}
	}
}

// errorSurface returns what an error says: its Error(), and what an APIError
// in it says of the answer.
func errorSurface(err error) map[string]string {
	if err == nil {
		return map[string]string{}
	}
	m := map[string]string{"Error()": err.Error()}
	if apiErr, ok := errors.AsType[participant.APIError](err); ok {
		m["ErrorCode()"] = apiErr.ErrorCode()
		m["ErrorMessage()"] = apiErr.ErrorMessage()
		m["RequestID()"] = apiErr.RequestID()
	}
	if notFound, ok := errors.AsType[*participant.ResourceNotFoundException](err); ok {
		m["ResourceID"] = notFound.ResourceID
		m["ResourceType"] = string(notFound.ResourceType)
	}
	return m
}

// checkOperationError checks the *OperationError every failed call returns.
func (x *fuzzExchange) checkOperationError(t *testing.T, err error) *participant.OperationError {
	t.Helper()
	opErr, ok := errors.AsType[*participant.OperationError](err)
	if !ok {
		t.Fatalf("%s: error %T %v is not an *OperationError", x.op.spec.Name, err, err)
	}
	if opErr.Operation != x.op.spec.Name || opErr.Attempts != 1 {
		t.Fatalf("%s: OperationError names %s after %d attempts, want %s after 1", x.op.spec.Name, opErr.Operation, opErr.Attempts, x.op.spec.Name)
	}
	if x.op.spec.IdempotencyToken() != nil && opErr.ClientToken != fuzzClientToken {
		t.Fatalf("%s: OperationError.ClientToken %q, want the one sent, %q", x.op.spec.Name, opErr.ClientToken, fuzzClientToken)
	}
	if !strings.Contains(err.Error(), x.op.spec.Name) {
		t.Fatalf("%s: error %q does not name the operation", x.op.spec.Name, err)
	}
	return opErr
}

// modelledErrorCodes holds the codes of the contract's modelled errors.
var modelledErrorCodes = func() map[string]bool {
	m := map[string]bool{}
	for _, e := range participantops.Errors {
		m[e.Code] = true
	}
	return m
}()

// fuzzExamples are 200 bodies of the spec's examples and of what the
// service sends, each for its operation.
var fuzzExamples = []struct {
	op   *participantops.Operation
	body string
}{
	{participantops.CreateParticipantConnection, `{"Websocket":{"Url":"wss://example.transport.connect.us-east-1.amazonaws.com/?X-Amz-Signature=example","ConnectionExpiry":"2019-11-08T03:41:28.172Z"},"ConnectionCredentials":{"ConnectionToken":"QVFJREFIaGV4YW1wbGVjb25uZWN0aW9udG9rZW4","Expiry":"2019-11-09T02:41:28.172Z"}}`},
	{participantops.CreateParticipantConnection, `{"WebRTCConnection":{"Attendee":{"AttendeeId":"a1","JoinToken":"jt"},"Meeting":{"MeetingId":"0f6a2c9e-4b1d-4e7a-9c3f-8d5b2a1e6c04","MediaPlacement":{"AudioHostUrl":"https://audio","SignalingUrl":"wss://s"},"MeetingFeatures":{"Audio":{"EchoReduction":"AVAILABLE"}}}}}`},
	{participantops.SendMessage, `{"Id":"9b1c4a52-3f0e-4d7a-8c61-2e5f0a9d7b34","AbsoluteTime":"2019-11-08T02:41:28.172Z","MessageMetadata":{"MessageProcessingStatus":"PROCESSING"}}`},
	{participantops.SendEvent, `{"Id":"3c8f2a61-9e4b-4d7c-a0f5-6b2e8d1c4a93","AbsoluteTime":"2019-11-08T02:41:29.004Z"}`},
	{participantops.GetTranscript, `{"InitialContactId":"0f6a2c9e-4b1d-4e7a-9c3f-8d5b2a1e6c04","Transcript":[{"Id":"1d7b3e9a-5c2f-4a8d-b6e1-0c9f4a2d7b58","Type":"EVENT","ContentType":"application/vnd.amazonaws.connect.event.participant.joined","AbsoluteTime":"2019-11-08T02:41:20.100Z","ParticipantId":"8e2c5a1f-7d3b-4f9e-a6c0-2b4d8f1e3a75","DisplayName":"Customer","ParticipantRole":"CUSTOMER"},{"Id":"9b1c4a52-3f0e-4d7a-8c61-2e5f0a9d7b34","Type":"MESSAGE","ContentType":"text/plain","Content":"Hello, I need help with my order.","AbsoluteTime":"2019-11-08T02:41:28.172Z","ParticipantId":"8e2c5a1f-7d3b-4f9e-a6c0-2b4d8f1e3a75","DisplayName":"Customer","ParticipantRole":"CUSTOMER"}],"NextToken":"eyJwYWdlIjoyfQ"}`},
	{participantops.GetTranscript, `{"Transcript":[{"Type":"ATTACHMENT","Attachments":[{"AttachmentId":"a1","AttachmentName":"r.pdf","ContentType":"application/pdf","Status":"APPROVED"}]},{"Type":"MESSAGEMETADATA","MessageMetadata":{"MessageId":"m","Receipts":[{"RecipientParticipantId":"p","DeliveredTimestamp":"2019-11-08T02:41:28.172Z","ReadTimestamp":"2019-11-08T02:41:29.172Z"}]}}]}`},
	{participantops.StartAttachmentUpload, `{"AttachmentId":"a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d","UploadMetadata":{"Url":"https://example-bucket.s3.amazonaws.com/attachments/a1b2c3d4?X-Amz-Signature=example","UrlExpiry":"2019-11-08T02:46:28.172Z","HeadersToInclude":{"x-amz-meta-attachment-id":"a1b2c3d4","Content-Type":"application/pdf"}}}`},
	{participantops.GetAttachment, `{"Url":"https://example-bucket.s3.amazonaws.com/attachments/a1b2c3d4?X-Amz-Signature=example","UrlExpiry":"2019-11-08T02:43:28.172Z","AttachmentSizeInBytes":49152}`},
	{participantops.GetAuthenticationUrl, `{"AuthenticationUrl":"https://example.auth.us-east-1.amazoncognito.com/oauth2/authorize?session=s"}`},
	{participantops.DescribeView, `{"View":{"Id":"example-view-id","Arn":"arn:aws:connect:us-east-1:123456789012:instance/example/view/example-view-id","Name":"Confirm order","Version":3,"Content":{"InputSchema":"{}","Template":"{}","Actions":["Confirm","Cancel"]}}}`},
}

// fuzzOddBodies are other 200 bodies, each sent to the next operation in
// turn.
var fuzzOddBodies = []string{
	`{}`, ``, `null`, `[]`, `"x"`, `{"Id":null}`, `{"Id":1}`, `{"id":"lower case key"}`, `{"Id":"a","Id":"b"}`, `<html>`, `{"Id":"\u00e9\ud83d\ude00"}`,
	`{"View":{"Version":2147483648}}`, `{"AttachmentSizeInBytes":1e3}`, `{"Transcript":[null,{"Attachments":null}]}`, `{"UploadMetadata":{"HeadersToInclude":{"a":1}}}`,
	`{"ClientToken":"from-the-body"}`, `{"Id":"x"} trailing`,
	// Echoes of the token.
	`{"Id":"$T"}`, `{"View":{"Version":$T}}`, `{"AttachmentSizeInBytes":$T}`, `{"$T":1}`, `{"Transcript":[{"$T":{}}]}`, `$T`,
}

func FuzzDecodeSuccess(f *testing.F) {
	for i, ex := range fuzzExamples {
		f.Add(uint8(slices.Index(participantops.Operations, ex.op)), []byte(ex.body), i%2 == 0, "req-"+strconv.Itoa(i), "")
	}
	for i, s := range fuzzOddBodies {
		f.Add(uint8(i), []byte(s), i%2 == 0, "", "")
	}
	// Bodies over the limit, with and without a Content-Length.
	f.Add(uint8(7), bytes.Repeat([]byte(" "), fuzzMaxBody+1), true, "", "")
	f.Add(uint8(9), []byte(`{"Id":"`+strings.Repeat("x", fuzzMaxBody)+`"}`), false, "", "")
	// Tokens the client must not quote: digits, which a number echoes (the
	// decode error of a 200 used to quote them, as encoding/json does).
	f.Add(uint8(3), []byte(`{"View":{"Version":$T}}`), true, "$T", "12345678901234567890")
	f.Add(uint8(5), []byte(`{"AttachmentSizeInBytes":$T.5}`), true, "", "123456789")

	c := fuzzClient(f)
	f.Fuzz(func(t *testing.T, op uint8, body []byte, knownLength bool, requestID, token string) {
		x := &fuzzExchange{c: c, op: fuzzOps[int(op)%len(fuzzOps)], token: token, a: &fuzzAnswer{
			status: http.StatusOK, reason: "OK", body: body, knownLength: knownLength,
			header: http.Header{"Content-Type": {"application/json"}, "X-Amzn-Requestid": {requestID}},
		}}
		got, err := x.run(t)
		name := x.op.spec.Name
		sent := x.a.with(x.token, "")
		if got {
			if len(sent.body) > fuzzMaxBody {
				t.Fatalf("%s: a body of %d bytes was read, over the limit of %d", name, len(sent.body), fuzzMaxBody)
			}
			if len(x.op.spec.Output) > 0 && !json.Valid(sent.body) {
				t.Fatalf("%s: decoded a body that is not JSON: %q", name, sent.body)
			}
			return
		}
		opErr := x.checkOperationError(t, err)
		if !opErr.MayHaveTakenEffect {
			t.Fatalf("%s: a 200 whose body could not be decoded must say it may have taken effect: %v", name, err)
		}
		if apiErr, ok := errors.AsType[participant.APIError](err); ok {
			t.Fatalf("%s: a 200 answer became an APIError: %v", name, apiErr)
		}
		if len(sent.body) > fuzzMaxBody && !errors.Is(err, participant.ErrResponseTooLarge) {
			t.Fatalf("%s: a body of %d bytes, over the limit, failed with %v, not ErrResponseTooLarge", name, len(sent.body), err)
		}
		x.checkNoLeak(t, err)
	})
}

func FuzzDecodeError(f *testing.F) {
	type seed struct {
		status                                                 int
		errType, requestID, contentType, retryAfter, reason, b string
	}
	seeds := []seed{
		// The spec's error answers.
		{400, "ValidationException", "r1", "application/json", "", "Bad Request", `{"Message":"1 validation error detected"}`},
		{403, "AccessDeniedException", "r2", "application/json", "", "Forbidden", `{"Message":"You do not have sufficient access to perform this action."}`},
		{409, "ConflictException", "r3", "application/json", "", "Conflict", `{"Message":"The request conflicts with the current state of the resource."}`},
		{500, "InternalServerException", "r4", "application/json", "", "Internal Server Error", `{"Message":"An internal error occurred."}`},
		{404, "ResourceNotFoundException", "r5", "application/json", "", "Not Found", `{"Message":"View not found","ResourceId":"v1","ResourceType":"CONTACT"}`},
		{402, "ServiceQuotaExceededException", "r6", "application/json", "", "Payment Required", `{"Message":"quota"}`},
		{429, "ThrottlingException", "r7", "application/json", "2", "Too Many Requests", `{"Message":"Rate exceeded"}`},
		// The forms the error's name comes in.
		{403, "AccessDeniedException:http://internal.amazon.com/coral/com.amazonaws.connectparticipant/", "", "", "", "Forbidden", `{"message":"x"}`},
		{403, "ns#AccessDeniedException:http://uri", "", "", "", "", `{"message":"x"}`},
		{404, "", "", "application/json", "", "", `{"__type":"a#ResourceNotFoundException","code":7}`},
		{400, "", "", "application/json", "", "", `{"code":"validationexception","Message":"m","message":"n"}`},
		{502, "", "", "", "", "Bad Gateway", `{"code":"","__type":"::##"}`},
		{409, ":", "", "", "", "", `{"Code":"ConflictException","Message":null}`},
		// No error name, and bodies that are not JSON.
		{429, "", "", "", "Wed, 21 Oct 2015 07:28:00 GMT", "", ``},
		{500, "", "", "text/html", "", "", `<html>oops</html>`},
		{503, "", "", "text/plain", "99999999999999999999", "Service Unavailable", `upstream connect error`},
		{418, "Teapot", "", "", "", "I'm a teapot", `[]`},
		{301, "", "", "", "", "Moved Permanently", ``},
		{204, "", "", "", "", "No Content", ``},
		{999, "", "", "", "", "", `null`},
		{413, "", "", "application/json", "", "", `{"Message":"` + strings.Repeat("x", fuzzMaxBody) + `"}`},
		// Echoes of the token.
		{500, "$T", "req-$T", "application/json", "", "", `{"Message":"token $T is not valid"}`},
		{403, "ns#$T", "$T", "", "", "", `{"message":"$T"}`},
		{404, "ResourceNotFoundException", "", "", "", "", `{"Message":"no view for $T","ResourceId":"$T","ResourceType":"$T"}`},
		{400, "", "", "", "", "", `{"code":"$T","__type":"$T","Message":"$T"}`},
		{502, "", "", "text/html; token=$T", "", "", `<html>$T</html>`},
		{502, "", "", "", "", "$T", ``},
	}
	for i, s := range seeds {
		f.Add(uint8(i), s.status, s.errType, s.requestID, s.contentType, s.retryAfter, s.reason, []byte(s.b), i%2 == 0, "")
	}
	// Tokens of the forms the client must not quote.
	f.Add(uint8(9), 400, "", "", "", "", "", []byte(`{"Message":"$T"}`), true, "QVFJREFI+/=")
	f.Add(uint8(3), 404, "ResourceNotFoundException", "", "", "", "", []byte(`{"ResourceId":"x$Tx"}`), true, "12345678")

	c := fuzzClient(f)
	f.Fuzz(func(t *testing.T, op uint8, status int, errType, requestID, contentType, retryAfter, reason string, body []byte, knownLength bool, token string) {
		if status < 100 || status > 999 || status == http.StatusOK {
			return
		}
		h := http.Header{}
		for k, v := range map[string]string{"X-Amzn-Errortype": errType, "X-Amzn-Requestid": requestID, "Content-Type": contentType, "Retry-After": retryAfter} {
			if v != "" {
				h.Set(k, v)
			}
		}
		x := &fuzzExchange{c: c, op: fuzzOps[int(op)%len(fuzzOps)], token: token, a: &fuzzAnswer{
			status: status, reason: reason, header: h, body: body, knownLength: knownLength}}
		got, err := x.run(t)
		name := x.op.spec.Name
		if got {
			t.Fatalf("%s: an answer with status %d gave an output", name, status)
		}
		opErr := x.checkOperationError(t, err)
		switch {
		case status >= 500 && !opErr.MayHaveTakenEffect:
			t.Fatalf("%s: a %d must say the request may have taken effect", name, status)
		case status >= 400 && status < 500 && opErr.MayHaveTakenEffect:
			t.Fatalf("%s: a %d is a refusal, which did not take effect", name, status)
		}

		apiErr, ok := errors.AsType[participant.APIError](err)
		if !ok {
			t.Fatalf("%s: an answer with status %d failed with %T %v, not an APIError", name, status, err, err)
		}
		if apiErr.HTTPStatusCode() != status {
			t.Fatalf("%s: APIError status %d, want %d", name, apiErr.HTTPStatusCode(), status)
		}
		code := apiErr.ErrorCode()
		if code == "" {
			t.Fatalf("%s: APIError %v has no ErrorCode", name, apiErr)
		}
		// The type is the modelled error the code names, or GenericAPIError.
		typ := reflect.TypeOf(apiErr)
		if typ.Kind() != reflect.Pointer || typ.Elem().PkgPath() != reflect.TypeFor[participant.OperationError]().PkgPath() {
			t.Fatalf("%s: APIError of type %v, not one of package participant", name, typ)
		}
		want := "GenericAPIError"
		if modelledErrorCodes[code] {
			want = code
		}
		if typ.Elem().Name() != want {
			t.Fatalf("%s: APIError of type %v with ErrorCode %q, want a *participant.%s", name, typ, code, want)
		}
		for m := range modelledErrorCodes {
			if want == "GenericAPIError" && strings.EqualFold(m, code) {
				t.Fatalf("%s: a GenericAPIError's ErrorCode %q is the modelled %s", name, code, m)
			}
		}
		wantFault := participant.FaultUnknown
		switch {
		case status >= 500:
			wantFault = participant.FaultServer
		case status >= 400:
			wantFault = participant.FaultClient
		}
		if apiErr.ErrorFault() != wantFault {
			t.Fatalf("%s: ErrorFault %v for status %d, want %v", name, apiErr.ErrorFault(), status, wantFault)
		}
		if ra, ok := apiErr.(interface{ RetryAfter() time.Duration }); ok && ra.RetryAfter() < 0 {
			t.Fatalf("%s: RetryAfter %v", name, ra.RetryAfter())
		}
		if !strings.Contains(err.Error(), strconv.Itoa(status)) {
			t.Fatalf("%s: error %q does not give the status %d", name, err, status)
		}
		x.checkNoLeak(t, err)
	})
}
