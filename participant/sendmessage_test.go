package participant

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
)

// capture is a loopback server that records the requests it gets and answers
// with a fixed SendMessage result.
type capture struct {
	mu   sync.Mutex
	reqs []capturedRequest
}

type capturedRequest struct {
	method, path string
	header       http.Header
	body         []byte
}

func (c *capture) handler(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	c.mu.Lock()
	c.reqs = append(c.reqs, capturedRequest{r.Method, r.URL.Path, r.Header.Clone(), body})
	c.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("x-amzn-RequestId", "b7e3c1d2-0000-4000-8000-000000000001")
	io.WriteString(w, `{"Id":"msg-1","AbsoluteTime":"2019-11-08T02:41:28.172Z","MessageMetadata":{"MessageProcessingStatus":"PROCESSING"}}`)
}

func newCaptureClient(t *testing.T, opts ...Option) (*Client, *capture) {
	t.Helper()
	cp := &capture{}
	srv := httptest.NewServer(http.HandlerFunc(cp.handler))
	t.Cleanup(srv.Close)
	c, err := New(append([]Option{WithEndpoint(srv.URL)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c, cp
}

func TestSendMessageWireRequest(t *testing.T) {
	t.Parallel()
	c, cp := newCaptureClient(t)
	out, err := c.SendMessage(context.Background(), SendMessageInput{
		ConnectionToken: "conn-tok",
		ContentType:     ContentTypeTextPlain,
		Content:         "Hello <b>&</b> é😀",
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(cp.reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(cp.reqs))
	}
	r := cp.reqs[0]
	if r.method != http.MethodPost || r.path != "/participant/message" {
		t.Errorf("request line = %s %s, want POST /participant/message", r.method, r.path)
	}
	if got := r.header.Get("X-Amz-Bearer"); got != "conn-tok" {
		t.Errorf("X-Amz-Bearer = %q", got)
	}
	if got := r.header.Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type = %q", got)
	}
	if got := r.header.Get("Authorization"); got != "" {
		t.Errorf("Authorization = %q, want none (no SigV4)", got)
	}
	if got := r.header.Get("User-Agent"); !strings.HasPrefix(got, "connectparticipant-go/") {
		t.Errorf("User-Agent = %q", got)
	}
	var body map[string]any
	if err := json.Unmarshal(r.body, &body); err != nil {
		t.Fatalf("body %q: %v", r.body, err)
	}
	if len(body) != 3 || body["ContentType"] != "text/plain" || body["Content"] != "Hello <b>&</b> é😀" {
		t.Errorf("body = %v", body)
	}
	tok, _ := body["ClientToken"].(string)
	u, err := uuid.Parse(tok)
	if err != nil || u.Version() != 4 || u.Variant() != uuid.RFC4122 || len(tok) != 36 {
		t.Errorf("ClientToken %q is not a UUIDv4 string", tok)
	}
	if out.ClientToken != tok {
		t.Errorf("output ClientToken %q, sent %q", out.ClientToken, tok)
	}
	want := SendMessageOutput{
		ID: "msg-1", AbsoluteTime: "2019-11-08T02:41:28.172Z",
		MessageMetadata: &MessageMetadata{MessageProcessingStatusProcessing},
		RequestID:       "b7e3c1d2-0000-4000-8000-000000000001", ClientToken: tok, Attempts: 1,
	}
	if !reflect.DeepEqual(*out, want) {
		t.Errorf("output = %+v, want %+v", *out, want)
	}
	ts, err := out.Time()
	if err != nil || !ts.Equal(time.Date(2019, 11, 8, 2, 41, 28, 172e6, time.UTC)) {
		t.Errorf("Time() = %v, %v", ts, err)
	}
}

func TestSendMessageKeepsCallersClientToken(t *testing.T) {
	t.Parallel()
	c, cp := newCaptureClient(t)
	in := validInput()
	in.ClientToken = "my-own-token"
	out, err := c.SendMessage(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(cp.reqs[0].body, []byte(`"ClientToken":"my-own-token"`)) || out.ClientToken != "my-own-token" {
		t.Errorf("body %s, output token %q; want the caller's token sent unchanged", cp.reqs[0].body, out.ClientToken)
	}
}

func TestSendMessageFreshTokenPerCall(t *testing.T) {
	t.Parallel()
	c, _ := newCaptureClient(t)
	a, err := c.SendMessage(context.Background(), validInput())
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.SendMessage(context.Background(), validInput())
	if err != nil {
		t.Fatal(err)
	}
	if a.ClientToken == b.ClientToken {
		t.Errorf("two calls shared ClientToken %q", a.ClientToken)
	}
}

func TestEndpointPathPrefixKept(t *testing.T) {
	t.Parallel()
	cp := &capture{}
	srv := httptest.NewServer(http.HandlerFunc(cp.handler))
	defer srv.Close()
	c, err := New(WithEndpoint(srv.URL + "/prefix"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.SendMessage(context.Background(), validInput()); err != nil {
		t.Fatal(err)
	}
	if cp.reqs[0].path != "/prefix/participant/message" {
		t.Errorf("path = %q, want /prefix/participant/message", cp.reqs[0].path)
	}
}

func TestResponseBodyIsBounded(t *testing.T) {
	t.Parallel()
	var written int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		chunk := bytes.Repeat([]byte(" "), 64<<10)
		for i := 0; i < 256; i++ { // 16 MiB if the client kept reading
			n, err := w.Write(chunk)
			written += int64(n)
			if err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	c, err := New(WithEndpoint(srv.URL), WithMaxResponseBytes(1024), WithMaxAttempts(1))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.SendMessage(context.Background(), validInput())
	if !errors.Is(err, ErrResponseTooLarge) {
		t.Fatalf("err = %v, want ErrResponseTooLarge", err)
	}
	srv.Close() // waits for the handler
	if written >= 16<<20 {
		t.Errorf("server wrote all %d bytes: the client drained the oversized body", written)
	}
}

func TestDefaultAttemptTimeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	c, err := New(WithEndpoint(srv.URL), WithMaxAttempts(1), WithAttemptTimeout(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = c.SendMessage(context.Background(), validInput()) // no deadline on ctx
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want a deadline error", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}

func TestSecretsNeverPrinted(t *testing.T) {
	t.Parallel()
	const secret = "SECRET-CONNECTION-TOKEN"
	in := SendMessageInput{ConnectionToken: secret, ContentType: "text/plain", Content: "private words", ClientToken: "ct"}
	var logBuf bytes.Buffer
	slog.New(slog.NewJSONHandler(&logBuf, nil)).Info("sending", "input", in)
	outputs := map[string]string{
		"%v":     fmt.Sprintf("%v", in),
		"%+v":    fmt.Sprintf("%+v", in),
		"%#v":    fmt.Sprintf("%#v", in),
		"%s":     fmt.Sprintf("%s", in),
		"&%v":    fmt.Sprintf("%v", &in),
		"&%+v":   fmt.Sprintf("%+v", &in),
		"Sprint": fmt.Sprint(in),
		"%d":     fmt.Sprintf("%d", in),
		"%t":     fmt.Sprintf("%t", in),
		"%x":     fmt.Sprintf("%x", in),
		"%q":     fmt.Sprintf("%q", in),
		"&%d":    fmt.Sprintf("%d", &in),
		"json":   mustJSON(t, in),
		"slog":   logBuf.String(),
	}
	for verb, s := range outputs {
		if strings.Contains(s, secret) || strings.Contains(s, "private words") {
			t.Errorf("%s prints a secret: %s", verb, s)
		}
		if verb != "%x" && !strings.Contains(s, "redacted") {
			t.Errorf("%s does not say the token is redacted: %s", verb, s)
		}
	}

	// Nor in errors, whether from validation or from the service.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Amzn-ErrorType", "AccessDeniedException")
		w.WriteHeader(403)
		io.WriteString(w, `{"Message":"denied"}`)
	}))
	defer srv.Close()
	var logs bytes.Buffer
	c, err := New(WithEndpoint(srv.URL), WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.SendMessage(context.Background(), in)
	if err == nil || strings.Contains(err.Error(), secret) || strings.Contains(logs.String(), secret) {
		t.Errorf("secret leaked: err=%v logs=%s", err, logs.String())
	}
	bad := in
	bad.Content = strings.Repeat("x", 2000)
	_, err = c.SendMessage(context.Background(), bad)
	if err == nil || strings.Contains(err.Error(), secret) {
		t.Errorf("validation error leaks the token: %v", err)
	}
}

func TestNewOptions(t *testing.T) {
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	tests := []struct {
		name    string
		opts    []Option
		want    string
		wantErr string
	}{
		{"region", []Option{WithRegion("us-east-1")}, "https://participant.connect.us-east-1.amazonaws.com/", ""},
		{"china region", []Option{WithRegion("cn-north-1")}, "https://participant.connect.cn-north-1.amazonaws.com.cn/", ""},
		{"iso region", []Option{WithRegion("us-iso-east-1")}, "https://participant.connect.us-iso-east-1.c2s.ic.gov/", ""},
		{"isob region", []Option{WithRegion("us-isob-east-1")}, "https://participant.connect.us-isob-east-1.sc2s.sgov.gov/", ""},
		{"gov region", []Option{WithRegion("us-gov-west-1")}, "https://participant.connect.us-gov-west-1.amazonaws.com/", ""},
		{"region that would change the host", []Option{WithRegion("evil.com/x")}, "", "invalid region"},
		{"endpoint wins over region", []Option{WithRegion("us-east-1"), WithEndpoint("https://proxy.example.com")}, "https://proxy.example.com/", ""},
		{"http loopback", []Option{WithEndpoint("http://127.0.0.1:8080")}, "http://127.0.0.1:8080/", ""},
		{"http localhost", []Option{WithEndpoint("http://localhost:8080/base")}, "http://localhost:8080/base/", ""},
		{"http ipv6 loopback", []Option{WithEndpoint("http://[::1]:8080")}, "http://[::1]:8080/", ""},
		{"http remote host", []Option{WithEndpoint("http://example.com")}, "", "plain http is allowed only for loopback"},
		{"ftp", []Option{WithEndpoint("ftp://example.com")}, "", "scheme \"ftp\""},
		{"relative", []Option{WithEndpoint("/just/a/path")}, "", "absolute URL"},
		{"user info", []Option{WithEndpoint("https://u:p@example.com")}, "", "user information"},
		{"query", []Option{WithEndpoint("https://example.com?a=b")}, "", "query"},
		{"nothing", nil, "", "no region or endpoint"},
		{"zero attempts", []Option{WithRegion("us-east-1"), WithMaxAttempts(0)}, "", "WithMaxAttempts"},
		{"zero timeout", []Option{WithRegion("us-east-1"), WithAttemptTimeout(0)}, "", "WithAttemptTimeout"},
		{"zero body size", []Option{WithRegion("us-east-1"), WithMaxResponseBytes(0)}, "", "WithMaxResponseBytes"},
		{"zero backoff", []Option{WithRegion("us-east-1"), WithBackoff(0, 1, 1)}, "", "WithBackoff"},
		{"backoff cap over an hour", []Option{WithRegion("us-east-1"), WithBackoff(1, 1, 2*time.Hour)}, "", "over 1h0m0s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.opts...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("New() error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Endpoint() != tt.want {
				t.Errorf("Endpoint() = %q, want %q", c.Endpoint(), tt.want)
			}
		})
	}
	t.Run("region from environment", func(t *testing.T) {
		t.Setenv("AWS_REGION", "eu-west-2")
		c, err := New()
		if err != nil || c.Endpoint() != "https://participant.connect.eu-west-2.amazonaws.com/" {
			t.Errorf("New() = %v, %v", c, err)
		}
	})
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRedirectsAreNotFollowed(t *testing.T) {
	t.Parallel()
	var leaked atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked.Add(1)
		io.WriteString(w, `{"Id":"fake","AbsoluteTime":"2019-11-08T02:41:28.172Z"}`)
	}))
	defer other.Close()
	for _, status := range []int{http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, strings.Replace(other.URL, "127.0.0.1", "localhost", 1)+r.URL.Path, status)
		}))
		// Also with the caller's own client, which must not be changed.
		own := &http.Client{}
		for _, opts := range [][]Option{nil, {WithHTTPClient(own)}} {
			c, err := New(append([]Option{WithEndpoint(srv.URL), WithMaxAttempts(1)}, opts...)...)
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.SendMessage(context.Background(), validInput())
			var generic *GenericAPIError
			if !errors.As(err, &generic) || generic.HTTPStatusCode() != status {
				t.Errorf("redirect %d: err = %v, want a *GenericAPIError with the 3xx status", status, err)
			}
		}
		if own.CheckRedirect != nil {
			t.Error("New changed the caller's http.Client")
		}
		srv.Close()
	}
	if n := leaked.Load(); n != 0 {
		t.Errorf("the redirect target got %d requests (and the token)", n)
	}
}

func TestOversizedErrorAnswerKeepsItsStatus(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write(bytes.Repeat([]byte("<p>busy</p>"), 10000)) // 110 KB
			return
		}
		io.WriteString(w, `{"Id":"m-2","AbsoluteTime":"2019-11-08T02:41:28.172Z"}`)
	}))
	defer srv.Close()
	c, err := New(WithEndpoint(srv.URL), WithMaxResponseBytes(1024), WithBackoff(time.Millisecond, time.Millisecond, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.SendMessage(context.Background(), validInput())
	if err != nil || out.Attempts != 2 || out.ID != "m-2" {
		t.Fatalf("out=%+v err=%v; want the 503 with an oversized body retried like any 503", out, err)
	}
	calls.Store(0) // the next answer is the oversized 503 again
	_, err = c.SendMessage(context.Background(), validInput(), MaxAttempts(1))
	var apiErr APIError
	if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode() != 503 || errors.Is(err, ErrResponseTooLarge) {
		t.Errorf("err = %v, want an APIError with status 503", err)
	}
}

func TestNoWaitPastTheCallersDeadline(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("X-Amzn-ErrorType", "ThrottlingException")
		w.Header().Set("Retry-After", "10")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	c, err := New(WithEndpoint(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	_, err = c.SendMessage(ctx, validInput())
	if !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, new(*ThrottlingException)) {
		t.Errorf("err = %v, want the deadline and the throttling error", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("waited %v for a retry the deadline rules out", d)
	}
	if calls.Load() != 1 || c.RetryBudgetAvailable() != DefaultRetryBudget {
		t.Errorf("%d requests, budget %d: a retry that cannot happen must cost nothing", calls.Load(), c.RetryBudgetAvailable())
	}
}
