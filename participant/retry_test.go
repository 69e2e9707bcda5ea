package participant_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chatwire/connectparticipant/participant"
)

// fastBackoff keeps retry tests quick without changing what they prove.
var fastBackoff = participant.WithBackoff(time.Millisecond, 2*time.Millisecond, 50*time.Millisecond)

const messagePath = "/participant/message"

var accepted = ok(`{"Id":"m-1","AbsoluteTime":"2019-11-08T02:41:28.172Z"}`)

func sendHello(c *participant.Client, opts ...participant.CallOption) (*participant.SendMessageOutput, error) {
	return c.SendMessage(context.Background(), participant.SendMessageInput{
		ConnectionToken: "conn-token", ContentType: participant.ContentTypeTextPlain, Content: "hello"}, opts...)
}

// drop closes the connection without answering, as a failing network or a
// crashing proxy would.
func drop(w http.ResponseWriter, _ *http.Request) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	conn.Close()
}

// sameBytes checks that every request carried the same body, and so the same
// ClientToken.
func sameBytes(t *testing.T, reqs []recorded, want int) {
	t.Helper()
	if len(reqs) != want {
		t.Fatalf("server saw %d requests, want %d", len(reqs), want)
	}
	for i, r := range reqs {
		if !bytes.Equal(r.Body, reqs[0].Body) || !bytes.Contains(r.Body, []byte(`"ClientToken":"`)) {
			t.Errorf("attempt %d sent %s, attempt 1 sent %s", i+1, r.Body, reqs[0].Body)
		}
	}
}

func TestRetriedFailuresSendTheSameBytes(t *testing.T) {
	t.Parallel()
	throttled := serviceError(429, "ThrottlingException", "Rate exceeded.")
	badGateway := answer{status: 502, header: http.Header{"Content-Type": {"text/html"}}, body: "<html>502 Bad Gateway</html>"}
	tests := []struct {
		name     string
		failures []answer
	}{
		{"two throttles", []answer{throttled, throttled}},
		{"500 InternalServerException", []answer{serviceError(500, "InternalServerException", "boom")}},
		{"502 from a proxy, with HTML", []answer{badGateway}},
		{"503 without a body", []answer{{status: 503}}},
		{"connection dropped", []answer{{handler: drop}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newScripted(t)
			srv.script(messagePath, append(tt.failures, accepted)...)
			out, err := sendHello(srv.client(t, fastBackoff))
			if err != nil {
				t.Fatal(err)
			}
			if want := len(tt.failures) + 1; out.Attempts != want {
				t.Errorf("Attempts = %d, want %d", out.Attempts, want)
			}
			sameBytes(t, srv.sent(), len(tt.failures)+1)
		})
	}
}

func TestAttemptTimeoutIsRetried(t *testing.T) {
	t.Parallel()
	srv := newScripted(t)
	stall := answer{handler: func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }}
	srv.script(messagePath, stall, accepted)
	out, err := sendHello(srv.client(t, fastBackoff, participant.WithAttemptTimeout(100*time.Millisecond)))
	if err != nil {
		t.Fatal(err)
	}
	if out.Attempts != 2 {
		t.Errorf("Attempts = %d, want 2", out.Attempts)
	}
	sameBytes(t, srv.sent(), 2)
}

// TestAttemptTimeoutIsNotCappedByTheTransport: an answer that takes longer
// than the old transport's 15 s response-header timeout still arrives when
// the attempt timeout allows it.
func TestAttemptTimeoutIsNotCappedByTheTransport(t *testing.T) {
	t.Parallel()
	srv := newScripted(t)
	srv.script(messagePath, answer{handler: func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(16 * time.Second):
			w.Write([]byte(`{"Id":"late"}`))
		case <-r.Context().Done():
		}
	}})
	out, err := sendHello(srv.client(t, participant.WithMaxAttempts(1), participant.WithAttemptTimeout(30*time.Second)))
	if err != nil || out.ID != "late" {
		t.Fatalf("out=%+v err=%v, want the late answer", out, err)
	}
}

func TestClientErrorsAreNotRetried(t *testing.T) {
	t.Parallel()
	for _, a := range []answer{
		serviceError(400, "ValidationException", "bad"),
		serviceError(403, "AccessDeniedException", "no"),
		serviceError(409, "ConflictException", "busy"),
		serviceError(404, "ResourceNotFoundException", "gone"),
		{status: 301, header: http.Header{"Location": {"https://elsewhere.example/"}}},
	} {
		t.Run(fmt.Sprint(a.status), func(t *testing.T) {
			t.Parallel()
			srv := newScripted(t)
			srv.script(messagePath, a)
			_, err := sendHello(srv.client(t, fastBackoff))
			var apiErr participant.APIError
			if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode() != a.status {
				t.Fatalf("err = %v, want an APIError with status %d", err, a.status)
			}
			if n := len(srv.sent()); n != 1 {
				t.Errorf("%d requests, want 1: a %d is not retried", n, a.status)
			}
		})
	}
}

func TestRetryGivesUpWithTheTypedError(t *testing.T) {
	t.Parallel()
	srv := newScripted(t)
	srv.fallback = serviceError(429, "ThrottlingException", "Rate exceeded.")
	c := srv.client(t, fastBackoff)
	_, err := sendHello(c)
	var throttled *participant.ThrottlingException
	if !errors.As(err, &throttled) || throttled.RequestID() != "req-err" {
		t.Fatalf("err = %v, want a wrapped *ThrottlingException with its request ID", err)
	}
	var opErr *participant.OperationError
	if !errors.As(err, &opErr) || opErr.Attempts != 3 || !strings.Contains(err.Error(), "after 3 attempts") {
		t.Errorf("err = %v, want an OperationError saying 3 attempts", err)
	}
	sameBytes(t, srv.sent(), 3)
	if !bytes.Contains(srv.sent()[0].Body, []byte(opErr.ClientToken)) {
		t.Errorf("OperationError.ClientToken %q is not the token the attempts sent", opErr.ClientToken)
	}

	// A per-call override disables retries.
	_, err = sendHello(c, participant.MaxAttempts(1))
	if !errors.As(err, &opErr) || opErr.Attempts != 1 || len(srv.sent()) != 4 {
		t.Errorf("with MaxAttempts(1): err = %v after %d requests", err, len(srv.sent()))
	}
}

func TestRetryAfterIsHonouredUpToTheCap(t *testing.T) {
	t.Parallel()
	srv := newScripted(t)
	throttled := serviceError(429, "ThrottlingException", "slow down")
	throttled.header.Set("Retry-After", "3600")
	srv.script(messagePath, throttled, accepted)
	start := time.Now()
	out, err := sendHello(srv.client(t, participant.WithBackoff(time.Millisecond, time.Millisecond, 300*time.Millisecond)))
	if err != nil {
		t.Fatal(err)
	}
	// The server asked for an hour; the client waited its 300 ms cap instead
	// of its 1 ms backoff, and did not give up.
	if d := time.Since(start); d < 290*time.Millisecond || out.Attempts != 2 {
		t.Errorf("retried after %v in %d attempts, want the Retry-After hint clamped to the 300ms cap", d, out.Attempts)
	}
}

// waitLogged is a slog handler that signals when an attempt is logged with
// a retry_in: the client is about to wait before its next attempt.
type waitLogged struct{ waiting chan struct{} }

func (h *waitLogged) Enabled(context.Context, slog.Level) bool { return true }
func (h *waitLogged) Handle(_ context.Context, r slog.Record) error {
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "retry_in" {
			close(h.waiting)
			return false
		}
		return true
	})
	return nil
}
func (h *waitLogged) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *waitLogged) WithGroup(string) slog.Handler      { return h }

func TestCancelDuringBackoffReturnsAtOnce(t *testing.T) {
	t.Parallel()
	srv := newScripted(t)
	throttled := serviceError(429, "ThrottlingException", "slow down")
	throttled.header.Set("Retry-After", "15")
	srv.script(messagePath, throttled)
	h := &waitLogged{waiting: make(chan struct{})}
	c := srv.client(t, participant.WithBackoff(10*time.Second, 10*time.Second, 20*time.Second), participant.WithLogger(slog.New(h)))
	ctx, cancel := context.WithCancel(context.Background())
	var cancelledAt time.Time
	go func() {
		<-h.waiting // the client is now in its 15 s wait
		cancelledAt = time.Now()
		cancel()
	}()
	_, err := c.SendMessage(ctx, participant.SendMessageInput{ConnectionToken: "t", ContentType: "text/plain", Content: "hi"})
	returned := time.Now()
	if !errors.Is(err, context.Canceled) || !errors.As(err, new(*participant.ThrottlingException)) {
		t.Fatalf("err = %v, want it to wrap context.Canceled and the last error", err)
	}
	if d := returned.Sub(cancelledAt); d > time.Second {
		t.Errorf("returned %v after the cancel, want a few milliseconds", d)
	}
	if n := len(srv.sent()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestNoWaitPastTheCallersDeadline(t *testing.T) {
	t.Parallel()
	srv := newScripted(t)
	throttled := serviceError(429, "ThrottlingException", "slow down")
	throttled.header.Set("Retry-After", "10")
	srv.fallback = throttled
	c := srv.client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	_, err := c.SendMessage(ctx, participant.SendMessageInput{ConnectionToken: "t", ContentType: "text/plain", Content: "hi"})
	if !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, new(*participant.ThrottlingException)) {
		t.Errorf("err = %v, want the deadline and the throttling error", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("waited %v for a retry the deadline rules out", d)
	}
	if len(srv.sent()) != 1 || c.RetryBudgetAvailable() != participant.DefaultRetryBudget {
		t.Errorf("%d requests, budget %d: a retry that cannot happen must cost nothing", len(srv.sent()), c.RetryBudgetAvailable())
	}
}

func TestRetryBudgetStopsAStormAndRefills(t *testing.T) {
	t.Parallel()
	srv := newScripted(t)
	srv.fallback = serviceError(500, "InternalServerException", "down")
	// 20 tokens: four retries at 5 each.
	c := srv.client(t, fastBackoff, participant.WithRetryBudget(20))
	exhausted := 0
	for i := range 10 {
		_, err := sendHello(c)
		if errors.Is(err, participant.ErrRetryBudgetExhausted) {
			exhausted++
		}
		if !errors.As(err, new(*participant.InternalServerException)) {
			t.Fatalf("call %d: err = %v, want the last *InternalServerException wrapped", i, err)
		}
	}
	// Without a budget: 10 calls × 3 attempts = 30 requests. With it: 10 first
	// attempts plus the 4 retries the budget paid for.
	if n := len(srv.sent()); n != 14 || exhausted < 8 || c.RetryBudgetAvailable() != 0 {
		t.Errorf("the storm sent %d requests (want 14), %d calls saw the budget exhausted, %d tokens left", n, exhausted, c.RetryBudgetAvailable())
	}

	// The service recovers: successes refill the bucket, retries work again.
	srv.fallback = accepted
	for range 5 {
		if _, err := sendHello(c); err != nil {
			t.Fatal(err)
		}
	}
	if got := c.RetryBudgetAvailable(); got != 5 {
		t.Errorf("after 5 successes the budget holds %d tokens, want 5", got)
	}
	srv.script(messagePath, serviceError(429, "ThrottlingException", "slow"), accepted)
	if out, err := sendHello(c); err != nil || out.Attempts != 2 {
		t.Errorf("after refilling: out=%+v err=%v, want a successful retry", out, err)
	}
}

func TestEveryAttemptIsLogged(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(&lockedWriter{w: &buf, mu: &mu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := newScripted(t)
	srv.script(messagePath, serviceError(429, "ThrottlingException", "slow"), accepted)
	const token = "log-secret-token"
	_, err := srv.client(t, fastBackoff, participant.WithLogger(logger)).SendMessage(context.Background(),
		participant.SendMessageInput{ConnectionToken: token, ContentType: "text/plain", Content: "logged"})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	logs := buf.String()
	mu.Unlock()
	for _, want := range []string{"level=WARN", "operation=SendMessage", "attempt=1", "status=429", "error_code=ThrottlingException",
		"retry_in=", "level=DEBUG", "attempt=2", "status=200", "request_id=req-ok"} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}
	if strings.Contains(logs, token) {
		t.Errorf("logs contain the connection token:\n%s", logs)
	}
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// TestMayHaveTakenEffect: a failed call says whether the service may have
// acted on it anyway, so a caller knows to resend with the same ClientToken
// rather than count it as refused.
func TestMayHaveTakenEffect(t *testing.T) {
	t.Parallel()
	denied := serviceError(403, "AccessDeniedException", "no")
	tests := []struct {
		name    string
		answers []answer
		want    bool
	}{
		{"refused at once", []answer{denied}, false},
		{"throttled on every attempt", []answer{serviceError(429, "ThrottlingException", "slow"), serviceError(429, "ThrottlingException", "slow"), serviceError(429, "ThrottlingException", "slow")}, false},
		{"a dropped connection, then refused", []answer{{handler: drop}, denied}, true},
		{"a server error, then refused", []answer{{status: 500}, serviceError(400, "ValidationException", "bad")}, true},
		{"an answer that cannot be read", []answer{ok(`{"Id":`)}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newScripted(t)
			srv.script(messagePath, tt.answers...)
			_, err := sendHello(srv.client(t, fastBackoff))
			var opErr *participant.OperationError
			if !errors.As(err, &opErr) {
				t.Fatalf("err = %v, want an *OperationError", err)
			}
			if opErr.MayHaveTakenEffect != tt.want || opErr.ClientToken == "" {
				t.Errorf("MayHaveTakenEffect = %t with ClientToken %q, want %t and the token", opErr.MayHaveTakenEffect, opErr.ClientToken, tt.want)
			}
		})
	}
}
