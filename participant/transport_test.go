package participant

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/chatwire/connectparticipant/gen/participantapi"
)

// Every call's request must be the one the generated builder makes for the
// same input: the template is an optimisation, not another definition.
func TestRequestMatchesGeneratedBuilder(t *testing.T) {
	t.Parallel()
	for _, endpoint := range []string{"https://participant.connect.us-east-1.amazonaws.com", "http://127.0.0.1:8080/base"} {
		c, err := New(WithEndpoint(endpoint))
		if err != nil {
			t.Fatal(err)
		}
		body := []byte(`{"ClientToken":"tok","Content":"hello","ContentType":"text/plain"}`)
		got := newRequest(context.Background(), c.sendMessageTemplate, "bearer-1", body)
		want, err := participantapi.NewSendMessageRequestWithBody(c.Endpoint(),
			&participantapi.SendMessageParams{XAmzBearer: "bearer-1"}, "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if got.Method != want.Method || got.URL.String() != want.URL.String() || got.Host != want.Host {
			t.Errorf("request line %s %s, generated %s %s", got.Method, got.URL, want.Method, want.URL)
		}
		gotHeader := got.Header.Clone()
		if !strings.HasPrefix(gotHeader.Get("User-Agent"), "connectparticipant-go/") {
			t.Errorf("User-Agent = %q", gotHeader.Get("User-Agent"))
		}
		gotHeader.Del("User-Agent")
		if !reflect.DeepEqual(gotHeader, want.Header) {
			t.Errorf("headers %v, generated %v", gotHeader, want.Header)
		}
		if got.ContentLength != want.ContentLength {
			t.Errorf("ContentLength %d, generated %d", got.ContentLength, want.ContentLength)
		}
		for i := 0; i < 2; i++ { // the body, and again through GetBody as a retry or redirect would
			r := got.Body
			if i == 1 {
				r, _ = got.GetBody()
			}
			b, _ := io.ReadAll(r)
			if !bytes.Equal(b, body) {
				t.Errorf("body read %d = %s, want %s", i, b, body)
			}
		}
		if c.sendMessageTemplate.Header.Get(bearerHeader) != "template" {
			t.Error("a call changed the shared template")
		}
	}
}

// sendMessageResult must decode the same JSON names as the generated type.
func TestResultMirrorsGeneratedType(t *testing.T) {
	t.Parallel()
	names := func(typ reflect.Type) []string {
		var out []string
		for i := 0; i < typ.NumField(); i++ {
			tag := strings.Split(typ.Field(i).Tag.Get("json"), ",")[0]
			out = append(out, tag)
		}
		return out
	}
	pairs := [][2]reflect.Type{
		{reflect.TypeOf(sendMessageResult{}), reflect.TypeOf(participantapi.SendMessageResult{})},
		{reflect.TypeOf(messageProcessingResult{}), reflect.TypeOf(participantapi.MessageProcessingMetadata{})},
	}
	for _, p := range pairs {
		if got, want := names(p[0]), names(p[1]); !reflect.DeepEqual(got, want) {
			t.Errorf("%s decodes %v, generated %s has %v", p[0], got, p[1], want)
		}
	}
}

func TestReadBody(t *testing.T) {
	t.Parallel()
	mk := func(body string, contentLength int64) *http.Response {
		return &http.Response{StatusCode: 200, ContentLength: contentLength, Body: io.NopCloser(strings.NewReader(body))}
	}
	big := strings.Repeat("x", 5000)
	for _, tt := range []struct {
		name    string
		resp    *http.Response
		limit   int64
		want    string
		tooLong bool
	}{
		{"empty", mk("", 0), 10, "", false},
		{"exactly the limit", mk("0123456789", -1), 10, "0123456789", false},
		{"one over the limit", mk("0123456789a", -1), 10, "", true},
		{"declared length over the limit", mk("short", 100), 10, "", true},
		{"larger than the first buffer", mk(big, -1), 10000, big, false},
	} {
		bp, data, err := readBody(tt.resp, tt.limit, "rid")
		if tt.tooLong {
			if err == nil || !strings.Contains(err.Error(), "request ID rid") {
				t.Errorf("%s: err = %v, want too large", tt.name, err)
			}
			continue
		}
		if err != nil || string(data) != tt.want {
			t.Errorf("%s: got %q, %v", tt.name, data, err)
		}
		release(bp)
	}
}

// FuzzDecodeSuccess feeds arbitrary 200 bodies to the client: it must never
// panic, must fail exactly when the body is not a JSON object the generated
// type accepts, and must then agree with the generated type field by field.
func FuzzDecodeSuccess(f *testing.F) {
	for _, s := range []string{
		`{"Id":"m","AbsoluteTime":"2019-11-08T02:41:28.172Z","MessageMetadata":{"MessageProcessingStatus":"PROCESSING"}}`,
		`{}`, `{"Id":null}`, `{"Id":1}`, `[]`, `null`, ``, `{"MessageMetadata":null}`, `{"Id":"\u00e9\ud83d\ude00"}`,
		`{"id":"lower case key"}`, `<html>`, `{"Id":"a","Id":"b"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var gen participantapi.SendMessageResult
		genErr := json.Unmarshal(body, &gen)
		call := &sendMessageCall{c: &Client{maxResponseBytes: 1 << 20}}
		resp := &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(body)), ContentLength: -1}
		call.c.httpClient = &http.Client{Transport: roundTripFunc(func(*http.Request) (*http.Response, error) { return resp, nil })}
		call.c.sendMessageTemplate, _ = http.NewRequest("POST", "http://127.0.0.1/participant/message", nil)
		_, err := call.attempt(context.Background())
		if (err != nil) != (genErr != nil) {
			t.Fatalf("client err %v, generated type err %v", err, genErr)
		}
		if err != nil {
			return
		}
		deref := func(s *string) string {
			if s == nil {
				return ""
			}
			return *s
		}
		if call.out.ID != deref(gen.Id) || call.out.AbsoluteTime != deref(gen.AbsoluteTime) {
			t.Errorf("decoded %+v, generated type %+v", call.out, gen)
		}
		if (call.out.MessageMetadata == nil) != (gen.MessageMetadata == nil) {
			t.Errorf("MessageMetadata presence differs: %+v vs %+v", call.out.MessageMetadata, gen.MessageMetadata)
		}
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// FuzzDecodeError feeds arbitrary error answers to the resolver: it must
// never panic, must always keep the HTTP status, and must return one of the
// typed errors with a code.
func FuzzDecodeError(f *testing.F) {
	f.Add(400, "ValidationException", `{"Message":"bad"}`)
	f.Add(429, "", ``)
	f.Add(500, "", `<html>oops</html>`)
	f.Add(403, "ns#AccessDeniedException:http://uri", `{"message":"x"}`)
	f.Add(404, "", `{"__type":"a#ResourceNotFoundException","code":7}`)
	f.Add(502, "", `{"code":"","__type":"::##"}`)
	f.Add(409, ":", `{"Code":"ConflictException","Message":null}`)
	f.Fuzz(func(t *testing.T, status int, errType, body string) {
		if status < 100 || status > 999 {
			return
		}
		resp := &http.Response{StatusCode: status, Status: http.StatusText(status), Header: http.Header{}}
		if errType != "" {
			resp.Header.Set("X-Amzn-ErrorType", errType)
		}
		err := decodeAPIError(resp, []byte(body))
		if err == nil || err.HTTPStatusCode() != status || err.ErrorCode() == "" {
			t.Fatalf("decodeAPIError(%d, %q, %q) = %#v", status, errType, body, err)
		}
		_ = err.Error()
	})
}
