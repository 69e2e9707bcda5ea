package participant_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/chatwire/connectparticipant/participant"
	"github.com/chatwire/connectparticipant/participant/participanttest"
)

// fastBackoff keeps retry tests quick without changing what they prove.
var fastBackoff = participant.WithBackoff(time.Millisecond, 2*time.Millisecond, 50*time.Millisecond)

func newFake(t *testing.T, opts ...participant.Option) (*participanttest.Server, *participant.Client, string) {
	t.Helper()
	srv := participanttest.NewServer()
	t.Cleanup(srv.Close)
	client, err := participant.New(append([]participant.Option{participant.WithEndpoint(srv.URL), fastBackoff}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return srv, client, srv.NewConnection()
}

func send(t *testing.T, c *participant.Client, token, content string, opts ...participant.CallOption) (*participant.SendMessageOutput, error) {
	t.Helper()
	return c.SendMessage(context.Background(), participant.SendMessageInput{
		ConnectionToken: token, ContentType: participant.ContentTypeTextPlain, Content: content}, opts...)
}

// sameBytes checks that every request the fake saw carried the same body,
// and so the same ClientToken.
func sameBytes(t *testing.T, reqs []participanttest.Request, want int) {
	t.Helper()
	if len(reqs) != want {
		t.Fatalf("fake saw %d requests, want %d", len(reqs), want)
	}
	for i, r := range reqs {
		if !bytes.Equal(r.Body, reqs[0].Body) || r.ClientToken != reqs[0].ClientToken || r.ClientToken == "" {
			t.Errorf("attempt %d sent %s, attempt 1 sent %s", i+1, r.Body, reqs[0].Body)
		}
	}
}

func TestRetryThrottlingThenSuccess(t *testing.T) {
	t.Parallel()
	srv, client, token := newFake(t)
	srv.InjectFaults(participanttest.Fault{Kind: participanttest.FaultThrottle, Count: 2})
	out, err := send(t, client, token, "hello")
	if err != nil {
		t.Fatal(err)
	}
	if out.Attempts != 3 {
		t.Errorf("Attempts = %d, want 3", out.Attempts)
	}
	sameBytes(t, srv.Requests(), 3)
	if tr := srv.Transcript(token); len(tr) != 1 || tr[0].ClientToken != out.ClientToken {
		t.Errorf("transcript = %+v, want one message with token %s", tr, out.ClientToken)
	}
}

func TestRetryEachFaultKind(t *testing.T) {
	t.Parallel()
	for _, kind := range []participanttest.FaultKind{
		participanttest.FaultInternal,
		participanttest.FaultBadGateway,
		participanttest.FaultDropBeforeProcessing,
		participanttest.FaultDropAfterProcessing,
	} {
		t.Run(kind.String(), func(t *testing.T) {
			t.Parallel()
			srv, client, token := newFake(t)
			srv.InjectFaults(participanttest.Fault{Kind: kind})
			out, err := send(t, client, token, "exactly once")
			if err != nil {
				t.Fatal(err)
			}
			if out.Attempts != 2 {
				t.Errorf("Attempts = %d, want 2", out.Attempts)
			}
			sameBytes(t, srv.Requests(), 2)
			tr := srv.Transcript(token)
			if len(tr) != 1 || tr[0].ID != out.ID {
				t.Errorf("transcript = %+v, want exactly one message with Id %s", tr, out.ID)
			}
		})
	}
}

func TestRetryAttemptTimeout(t *testing.T) {
	t.Parallel()
	srv, client, token := newFake(t, participant.WithAttemptTimeout(100*time.Millisecond))
	srv.InjectFaults(participanttest.Fault{Kind: participanttest.FaultDelay, Delay: 2 * time.Second})
	out, err := send(t, client, token, "slow network")
	if err != nil {
		t.Fatal(err)
	}
	if out.Attempts != 2 {
		t.Errorf("Attempts = %d, want 2", out.Attempts)
	}
	sameBytes(t, srv.Requests(), 2)
	if tr := srv.Transcript(token); len(tr) != 1 {
		t.Errorf("transcript has %d messages, want 1", len(tr))
	}
}

func TestNoRetryForClientErrors(t *testing.T) {
	t.Parallel()
	t.Run("403 ended chat", func(t *testing.T) {
		t.Parallel()
		srv, client, token := newFake(t)
		srv.EndConnection(token)
		_, err := send(t, client, token, "hello")
		var denied *participant.AccessDeniedException
		if !errors.As(err, &denied) {
			t.Fatalf("err = %v, want *AccessDeniedException", err)
		}
		if n := len(srv.Requests()); n != 1 {
			t.Errorf("%d requests, want 1 (403 is not retried)", n)
		}
	})
	t.Run("400 reused token with other content", func(t *testing.T) {
		t.Parallel()
		srv, client, token := newFake(t)
		in := participant.SendMessageInput{ConnectionToken: token, ContentType: "text/plain", Content: "one", ClientToken: "fixed"}
		if _, err := client.SendMessage(context.Background(), in); err != nil {
			t.Fatal(err)
		}
		in.Content = "two"
		_, err := client.SendMessage(context.Background(), in)
		var invalid *participant.ValidationException
		if !errors.As(err, &invalid) {
			t.Fatalf("err = %v, want *ValidationException", err)
		}
		if n := len(srv.Requests()); n != 2 {
			t.Errorf("%d requests, want 2 (400 is not retried)", n)
		}
	})
}

func TestRetryGivesUpWithTypedError(t *testing.T) {
	t.Parallel()
	srv, client, token := newFake(t)
	srv.InjectFaults(participanttest.Fault{Kind: participanttest.FaultThrottle, Count: 10})
	_, err := send(t, client, token, "hello")
	var throttled *participant.ThrottlingException
	if !errors.As(err, &throttled) {
		t.Fatalf("err = %v, want a wrapped *ThrottlingException", err)
	}
	var opErr *participant.OperationError
	if !errors.As(err, &opErr) || opErr.Attempts != 3 || !strings.Contains(err.Error(), "after 3 attempts") {
		t.Errorf("err = %v, want an OperationError saying 3 attempts", err)
	}
	if opErr.ClientToken == "" || opErr.ClientToken != srv.Requests()[0].ClientToken {
		t.Errorf("OperationError.ClientToken = %q, want the token every attempt sent", opErr.ClientToken)
	}
	if throttled.RequestID() == "" {
		t.Error("the throttling error lost its request ID")
	}
	sameBytes(t, srv.Requests(), 3)

	// A per-call override disables retries.
	_, err = send(t, client, token, "hello", participant.MaxAttempts(1))
	if !errors.As(err, &opErr) || opErr.Attempts != 1 {
		t.Errorf("with MaxAttempts(1): err = %v", err)
	}
}

func TestRetryAfterIsHonouredUpToTheCap(t *testing.T) {
	t.Parallel()
	srv, client, token := newFake(t, participant.WithBackoff(time.Millisecond, time.Millisecond, 300*time.Millisecond))
	srv.InjectFaults(participanttest.Fault{Kind: participanttest.FaultThrottle, RetryAfter: time.Hour})
	start := time.Now()
	out, err := send(t, client, token, "hello")
	if err != nil {
		t.Fatal(err)
	}
	// The fake asked for an hour; the client waited its 300 ms cap instead of
	// its 1 ms backoff, and did not give up.
	if d := time.Since(start); d < 290*time.Millisecond {
		t.Errorf("retried after %v, want the Retry-After hint clamped to the 300ms cap", d)
	}
	if out.Attempts != 2 {
		t.Errorf("Attempts = %d", out.Attempts)
	}
}

func TestCancelDuringBackoff(t *testing.T) {
	t.Parallel()
	srv, client, token := newFake(t, participant.WithBackoff(10*time.Second, 10*time.Second, 20*time.Second))
	srv.InjectFaults(participanttest.Fault{Kind: participanttest.FaultThrottle, RetryAfter: 15 * time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	var cancelledAt time.Time
	go func() {
		for len(srv.Requests()) == 0 {
			time.Sleep(time.Millisecond)
		}
		time.Sleep(20 * time.Millisecond) // now in the 15 s wait
		cancelledAt = time.Now()
		cancel()
	}()
	_, err := client.SendMessage(ctx, participant.SendMessageInput{ConnectionToken: token, ContentType: "text/plain", Content: "hi"})
	returned := time.Now()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want it to wrap context.Canceled", err)
	}
	var throttled *participant.ThrottlingException
	if !errors.As(err, &throttled) {
		t.Errorf("err = %v, want the last error (throttling) wrapped too", err)
	}
	if d := returned.Sub(cancelledAt); d > time.Second {
		t.Errorf("returned %v after cancel, want a few milliseconds", d)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestRetryBudgetStopsStormAndRefills(t *testing.T) {
	t.Parallel()
	// 20 tokens: four retries at 5 each.
	srv, client, token := newFake(t, participant.WithRetryBudget(20))
	srv.InjectFaults(participanttest.Fault{Kind: participanttest.FaultInternal, Count: 1000})
	var exhausted int
	for i := 0; i < 10; i++ {
		_, err := send(t, client, token, fmt.Sprint("storm ", i))
		if errors.Is(err, participant.ErrRetryBudgetExhausted) {
			exhausted++
		}
		var internal *participant.InternalServerException
		if !errors.As(err, &internal) {
			t.Fatalf("call %d: err = %v, want the last *InternalServerException wrapped", i, err)
		}
	}
	// Without a budget: 10 calls × 3 attempts = 30 requests. With it: 10 first
	// attempts plus the 4 retries the budget paid for.
	if n := len(srv.Requests()); n != 14 {
		t.Errorf("the storm sent %d requests, want 14", n)
	}
	if exhausted < 8 || client.RetryBudgetAvailable() != 0 {
		t.Errorf("%d calls saw the budget exhausted, %d tokens left", exhausted, client.RetryBudgetAvailable())
	}

	// The service recovers: successes refill the bucket, and retries work again.
	drainFaults(t, client, token) // ends with one success
	for i := 0; i < 4; i++ {
		if _, err := send(t, client, token, fmt.Sprint("healthy ", i)); err != nil {
			t.Fatal(err)
		}
	}
	if got := client.RetryBudgetAvailable(); got != 5 {
		t.Errorf("after 5 successes the budget holds %d tokens, want 5", got)
	}
	srv.InjectFaults(participanttest.Fault{Kind: participanttest.FaultThrottle})
	out, err := send(t, client, token, "retried again")
	if err != nil || out.Attempts != 2 {
		t.Errorf("after refilling: out=%+v err=%v, want a successful retry", out, err)
	}
}

// drainFaults uses up the fake's queued faults with single attempts.
func drainFaults(t *testing.T, c *participant.Client, token string) {
	t.Helper()
	for i := 0; i < 2000; i++ {
		if _, err := send(t, c, token, fmt.Sprint("drain ", i), participant.MaxAttempts(1)); err == nil {
			return
		}
	}
	t.Fatal("faults never ran out")
}

func TestRetryLogging(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(&lockedWriter{w: &buf, mu: &mu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv, client, token := newFake(t, participant.WithLogger(logger))
	srv.InjectFaults(participanttest.Fault{Kind: participanttest.FaultThrottle})
	if _, err := send(t, client, token, "logged"); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	logs := buf.String()
	mu.Unlock()
	for _, want := range []string{"operation=SendMessage", "attempt=1", "status=429", "error_code=ThrottlingException", "retry_in=", "attempt=2", "status=200", "request_id="} {
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

// TestConcurrentSendsExactlyOnce is the load test of the retry issue: 64
// goroutines each send 50 messages through one client while the fake
// throttles and fails some requests; every message is recorded exactly once,
// connections are reused, and nothing leaks.
func TestConcurrentSendsExactlyOnce(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	const goroutines, perGoroutine = 64, 50
	srv := participanttest.NewServer()
	client, err := participant.New(participant.WithEndpoint(srv.URL), fastBackoff, participant.WithMaxAttempts(5))
	if err != nil {
		t.Fatal(err)
	}
	token := srv.NewConnection()
	srv.InjectFaults(participanttest.Fault{Kind: participanttest.FaultNone, Count: 500})
	srv.InjectFaults(participanttest.Fault{Kind: participanttest.FaultThrottle, Count: 20})
	srv.InjectFaults(participanttest.Fault{Kind: participanttest.FaultNone, Count: 500})
	srv.InjectFaults(participanttest.Fault{Kind: participanttest.FaultInternal, Count: 20})

	var wg sync.WaitGroup
	errs := make(chan error, goroutines*perGoroutine)
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perGoroutine; i++ {
				_, err := client.SendMessage(context.Background(), participant.SendMessageInput{
					ConnectionToken: token, ContentType: "text/plain", Content: fmt.Sprintf("g%d m%d", g, i)})
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	seen := map[string]int{}
	for _, m := range srv.Transcript(token) {
		seen[m.Content]++
	}
	for g := 0; g < goroutines; g++ {
		for i := 0; i < perGoroutine; i++ {
			if n := seen[fmt.Sprintf("g%d m%d", g, i)]; n != 1 {
				t.Errorf("message g%d m%d recorded %d times", g, i, n)
			}
		}
	}
	conns := srv.ConnectionsAccepted()
	t.Logf("%d requests over %d TCP connections", len(srv.Requests()), conns)
	if conns > 2*goroutines {
		t.Errorf("%d TCP connections for %d goroutines: the pool is churning", conns, goroutines)
	}
	srv.Close()
}
