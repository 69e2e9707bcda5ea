package participant

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestBackoffDelay(t *testing.T) {
	t.Parallel()
	b := backoff{faultBase: 100 * time.Millisecond, throttleBase: 500 * time.Millisecond, max: 2 * time.Second}
	tests := []struct {
		name       string
		next       int
		kind       retryKind
		retryAfter time.Duration
		ceil       time.Duration
	}{
		{"first fault retry", 2, retryFault, 0, 100 * time.Millisecond},
		{"second fault retry doubles", 3, retryFault, 0, 200 * time.Millisecond},
		{"first throttle retry has the larger base", 2, retryThrottle, 0, 500 * time.Millisecond},
		{"throttle retry capped", 6, retryThrottle, 0, 2 * time.Second},
		{"huge attempt numbers do not overflow", 200, retryFault, 0, 2 * time.Second},
	}
	for _, tt := range tests {
		var seenHigh, seenLow bool
		for i := 0; i < 2000; i++ {
			d := b.delay(tt.next, tt.kind, tt.retryAfter)
			if d < 0 || d > tt.ceil {
				t.Fatalf("%s: delay %v outside [0, %v]", tt.name, d, tt.ceil)
			}
			seenHigh = seenHigh || d > tt.ceil*3/4
			seenLow = seenLow || d < tt.ceil/4
		}
		if !seenHigh || !seenLow {
			t.Errorf("%s: delays are not spread over [0, %v] (full jitter)", tt.name, tt.ceil)
		}
	}
	if d := b.delay(2, retryThrottle, 1500*time.Millisecond); d != 1500*time.Millisecond {
		t.Errorf("Retry-After 1.5s gave %v, want it honoured exactly", d)
	}
	if d := b.delay(2, retryThrottle, time.Hour); d != 2*time.Second {
		t.Errorf("Retry-After 1h gave %v, want the 2s cap", d)
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	live := context.Background()
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		err  error
		want retryKind
	}{
		{"throttling", live, NewAPIError("ThrottlingException", "", 429, ""), retryThrottle},
		{"throttling code on a 400", live, NewAPIError("ThrottlingException", "", 400, ""), retryThrottle},
		{"bare 429", live, NewAPIError("", "", 429, ""), retryThrottle},
		{"internal", live, NewAPIError("InternalServerException", "", 500, ""), retryFault},
		{"502", live, NewAPIError("", "", 502, ""), retryFault},
		{"503", live, NewAPIError("", "", 503, ""), retryFault},
		{"504", live, NewAPIError("", "", 504, ""), retryFault},
		{"501 is not retried", live, NewAPIError("", "", 501, ""), noRetry},
		{"access denied", live, NewAPIError("AccessDeniedException", "", 403, ""), noRetry},
		{"validation", live, NewAPIError("ValidationException", "", 400, ""), noRetry},
		{"conflict", live, NewAPIError("ConflictException", "", 409, ""), noRetry},
		{"connection refused", live, &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, retryFault},
		{"connection reset", live, fmt.Errorf("read: %w", syscall.ECONNRESET), retryFault},
		{"EOF before the answer", live, fmt.Errorf("Post: %w", io.EOF), retryFault},
		{"unexpected EOF", live, io.ErrUnexpectedEOF, retryFault},
		{"attempt timeout", live, fmt.Errorf("x: %w", context.DeadlineExceeded), retryTimeout},
		{"caller cancelled", cancelled, fmt.Errorf("x: %w", context.Canceled), noRetry},
		{"anything once the caller is done", cancelled, NewAPIError("ThrottlingException", "", 429, ""), noRetry},
		{"oversized answer", live, fmt.Errorf("x: %w", ErrResponseTooLarge), noRetry},
		{"unknown error", live, errors.New("boom"), noRetry},
		{"no such host", live, &net.DNSError{Err: "no such host", Name: "x.invalid", IsNotFound: true}, noRetry},
		{"DNS server timeout", live, &net.DNSError{Err: "timeout", Name: "x", IsTimeout: true}, retryTimeout},
	}
	for _, tt := range tests {
		if got := classify(tt.ctx, tt.err); got != tt.want {
			t.Errorf("%s: classify = %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestRetryBudgetConcurrent(t *testing.T) {
	t.Parallel()
	b := newRetryBudget(100)
	var wg sync.WaitGroup
	var mu sync.Mutex
	taken := 0
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 10; j++ {
				if b.take(5) {
					mu.Lock()
					taken++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if taken != 20 || b.tokens.Load() != 0 {
		t.Errorf("took %d retries leaving %d tokens; want exactly 20 and 0", taken, b.tokens.Load())
	}
	b.give(1000)
	if b.tokens.Load() != 100 {
		t.Errorf("give overfilled the bucket: %d", b.tokens.Load())
	}
}
