package participant

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

func TestBackoffDelay(t *testing.T) {
	t.Parallel()
	b := backoff{faultBase: 100 * time.Millisecond, throttleBase: 500 * time.Millisecond, max: 2 * time.Second}
	// Full jitter: over many draws, delays fill [0, ceil], so some fall in
	// its top quarter and some in its bottom quarter. The chance that 2000
	// uniform draws miss a quarter is 0.75^2000.
	const draws = 2000
	tests := []struct {
		name string
		next int
		kind retryKind
		ceil time.Duration
	}{
		{"first fault retry waits up to the fault base", 2, retryFault, 100 * time.Millisecond},
		{"second fault retry doubles", 3, retryFault, 200 * time.Millisecond},
		{"a timeout backs off like a fault", 3, retryTimeout, 200 * time.Millisecond},
		{"first throttle retry has the larger base", 2, retryThrottle, 500 * time.Millisecond},
		{"throttle retries are capped", 6, retryThrottle, 2 * time.Second},
		{"huge attempt numbers do not overflow", 200, retryFault, 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var seenHigh, seenLow bool
			for range draws {
				d := b.delay(tt.next, tt.kind, 0)
				if d < 0 || d > tt.ceil {
					t.Fatalf("delay %v outside [0, %v]", d, tt.ceil)
				}
				seenHigh = seenHigh || d > tt.ceil*3/4
				seenLow = seenLow || d < tt.ceil/4
			}
			if !seenHigh || !seenLow {
				t.Errorf("%d delays are not spread over [0, %v] (full jitter): high quarter seen %t, low quarter seen %t", draws, tt.ceil, seenHigh, seenLow)
			}
		})
	}
}

func TestBackoffRetryAfter(t *testing.T) {
	t.Parallel()
	b := backoff{faultBase: 100 * time.Millisecond, throttleBase: 500 * time.Millisecond, max: 2 * time.Second}
	tests := []struct {
		name       string
		retryAfter time.Duration
		want       time.Duration
	}{
		{"a hint under the cap is honoured exactly", 1500 * time.Millisecond, 1500 * time.Millisecond},
		{"a hint over the cap waits the cap", time.Hour, 2 * time.Second},
		{"the longest hint parseRetryAfter gives waits the cap", maxRetryAfterSeconds * time.Second, 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if d := b.delay(2, retryThrottle, tt.retryAfter); d != tt.want {
				t.Errorf("delay with Retry-After %v = %v, want %v", tt.retryAfter, d, tt.want)
			}
		})
	}
}

// timeoutError is a net.Error that timed out.
type timeoutError struct{}

func (timeoutError) Error() string   { return "i/o timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

func TestClassify(t *testing.T) {
	t.Parallel()
	live := context.Background()
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	post := func(err error) error {
		return &url.Error{Op: "Post", URL: "https://participant.connect.us-east-1.amazonaws.com/participant/message", Err: err}
	}
	tooLargeHeaders := errors.New("net/http: server response headers exceeded 65536 bytes; aborted")
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
		{"a wrapped API error is classified by its status", live, fmt.Errorf("x: %w", NewAPIError("", "", 503, "")), retryFault},
		{"connection refused", live, &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, retryFault},
		{"connection reset", live, fmt.Errorf("read: %w", syscall.ECONNRESET), retryFault},
		{"broken pipe", live, fmt.Errorf("write: %w", syscall.EPIPE), retryFault},
		{"EOF before the answer", live, fmt.Errorf("Post: %w", io.EOF), retryFault},
		{"unexpected EOF", live, io.ErrUnexpectedEOF, retryFault},
		{"attempt timeout", live, fmt.Errorf("x: %w", context.DeadlineExceeded), retryTimeout},
		{"caller cancelled", cancelled, fmt.Errorf("x: %w", context.Canceled), noRetry},
		{"anything once the caller is done", cancelled, NewAPIError("ThrottlingException", "", 429, ""), noRetry},
		{"oversized answer", live, fmt.Errorf("x: %w", ErrResponseTooLarge), noRetry},
		{"unknown error", live, errors.New("boom"), noRetry},
		{"no such host", live, &net.DNSError{Err: "no such host", Name: "x.invalid", IsNotFound: true}, noRetry},
		{"DNS server timeout", live, &net.DNSError{Err: "timeout", Name: "x", IsTimeout: true}, retryTimeout},
		{"certificate signed by an unknown authority", live, post(x509.UnknownAuthorityError{}), noRetry},
		{"certificate for another host", live, post(x509.HostnameError{Certificate: &x509.Certificate{}, Host: "x"}), noRetry},
		{"certificate verification failed", live, post(&tls.CertificateVerificationError{Err: errors.New("expired")}), noRetry},

		{"a *url.Error wrapping a refused connection", live, post(&net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}), retryFault},
		{"a *url.Error wrapping a reset connection", live, post(&net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}), retryFault},
		{"a *url.Error wrapping EOF", live, post(io.EOF), retryFault},
		{"a *url.Error wrapping a read deadline", live, post(&net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}), retryTimeout},
		{"a *url.Error wrapping a net.Error that timed out", live, post(timeoutError{}), retryTimeout},
		{"a *url.Error wrapping the attempt's deadline", live, post(context.DeadlineExceeded), retryTimeout},
		{"a *url.Error wrapping a plain error is not retried", live, post(errors.New("unsupported protocol scheme \"ftp\"")), noRetry},
		{"a *url.Error wrapping a redirect refusal is not retried", live, post(errors.New("stopped after 10 redirects")), noRetry},
		{"a *url.Error wrapping a missing host", live, post(&net.DNSError{Err: "no such host", Name: "x.invalid", IsNotFound: true}), noRetry},
		{"headers over the limit, through classifyTransportError", live, classifyTransportError(post(tooLargeHeaders)), noRetry},
		{"a permanent error is not retried", live, &permanentError{errors.New("the download broke off")}, noRetry},
		{"a permanent error wrapping a network error is not retried", live, &permanentError{fmt.Errorf("copy: %w", io.ErrUnexpectedEOF)}, noRetry},
		{"a wrapped permanent error is not retried", live, fmt.Errorf("attempt: %w", &permanentError{syscall.ECONNRESET}), noRetry},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := classify(tt.ctx, tt.err); got != tt.want {
				t.Errorf("classify(%v) = %d, want %d (noRetry 0, fault 1, throttle 2, timeout 3)", tt.err, got, tt.want)
			}
		})
	}
}

func TestClassifyTransportError(t *testing.T) {
	t.Parallel()
	tooLarge := &url.Error{Op: "Post", URL: "https://x/", Err: errors.New("net/http: server response headers exceeded 65536 bytes; aborted")}
	refused := &url.Error{Op: "Post", URL: "https://x/", Err: syscall.ECONNREFUSED}
	tests := []struct {
		name         string
		err          error
		wantTooLarge bool
	}{
		{"headers over the limit are a response too large", tooLarge, true},
		{"other errors pass through", refused, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := classifyTransportError(tt.err)
			if errors.Is(got, ErrResponseTooLarge) != tt.wantTooLarge {
				t.Errorf("classifyTransportError(%v) = %v; wraps ErrResponseTooLarge: %t, want %t", tt.err, got, !tt.wantTooLarge, tt.wantTooLarge)
			}
			if !errors.Is(got, tt.err) {
				t.Errorf("classifyTransportError(%v) = %v, which no longer wraps the cause", tt.err, got)
			}
		})
	}
}

// TestResponseHeadersAreBounded answers with headers over
// DefaultMaxResponseHeaderBytes, on every path a request takes: the client
// reads no further, does not retry, and says the answer was too large.
func TestResponseHeadersAreBounded(t *testing.T) {
	t.Parallel()
	const padding = 100 << 10
	if padding <= DefaultMaxResponseHeaderBytes {
		t.Fatalf("the padding does not exceed DefaultMaxResponseHeaderBytes (%d)", DefaultMaxResponseHeaderBytes)
	}
	oversized := func(requests *atomic.Int32) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			requests.Add(1)
			w.Header().Set("X-Padding", strings.Repeat("p", padding))
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{}`)
		}
	}
	tests := []struct {
		name string
		// run makes the call; oversized is the handler of the host whose
		// headers are too large.
		run func(t *testing.T, oversized http.HandlerFunc) error
	}{
		{"a call to the service", func(t *testing.T, oversized http.HandlerFunc) error {
			srv := httptest.NewServer(oversized)
			t.Cleanup(srv.Close)
			c, err := New(WithEndpoint(srv.URL), WithBackoff(time.Millisecond, time.Millisecond, time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(c.CloseIdleConnections)
			_, err = c.SendMessage(t.Context(), opFixtures["SendMessage"].valid().(SendMessageInput))
			return err
		}},
		{"a download from the storage host", func(t *testing.T, oversized http.HandlerFunc) error {
			storage := httptest.NewServer(oversized)
			t.Cleanup(storage.Close)
			service := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprintf(w, `{"Url":%q,"AttachmentSizeInBytes":2}`, storage.URL+"/file?X-Amz-Signature=sig")
			}))
			t.Cleanup(service.Close)
			c, err := New(WithEndpoint(service.URL), WithBackoff(time.Millisecond, time.Millisecond, time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(c.CloseIdleConnections)
			_, err = c.DownloadAttachment(t.Context(), DownloadAttachmentInput{ConnectionToken: fixtureToken, AttachmentID: "attachment-1"}, io.Discard)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var requests atomic.Int32
			err := tt.run(t, oversized(&requests))
			var problems []string
			if !errors.Is(err, ErrResponseTooLarge) {
				problems = append(problems, fmt.Sprintf("err = %v, want it to wrap ErrResponseTooLarge", err))
			}
			if opErr, ok := errors.AsType[*OperationError](err); !ok || opErr.Attempts != 1 {
				problems = append(problems, fmt.Sprintf("err = %v, want an *OperationError after 1 attempt", err))
			}
			if n := requests.Load(); n != 1 {
				problems = append(problems, fmt.Sprintf("the host got %d requests, want 1: an answer too large is not retried", n))
			}
			for _, p := range problems {
				t.Error(p)
			}
		})
	}
}

func TestRetryBudget(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		capacity   int
		take       []int64 // taken in order
		give       int64   // then given back
		wantTaken  []bool
		wantTokens int64
	}{
		{"a full bucket pays for retries", 10, []int64{retryCost, retryCost}, 0, []bool{true, true}, 0},
		{"an empty bucket refuses and keeps what is left", 12, []int64{retryTimeoutCost, retryCost}, 0, []bool{true, false}, 2},
		{"a refused take costs nothing", 4, []int64{retryCost}, 0, []bool{false}, 4},
		{"giving back never overfills", 10, []int64{retryCost}, 1000, []bool{true}, 10},
		{"a success refills a little", 10, []int64{retryCost}, successRefill, []bool{true}, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := newRetryBudget(tt.capacity)
			for i, cost := range tt.take {
				if got := b.take(cost); got != tt.wantTaken[i] {
					t.Errorf("take #%d of %d = %t, want %t", i+1, cost, got, tt.wantTaken[i])
				}
			}
			if tt.give > 0 {
				b.give(tt.give)
			}
			if got := b.tokens.Load(); got != tt.wantTokens {
				t.Errorf("tokens = %d, want %d", got, tt.wantTokens)
			}
		})
	}
}

func TestRetryBudgetConcurrent(t *testing.T) {
	t.Parallel()
	const capacity, goroutines, tries = 100, 50, 10
	b := newRetryBudget(capacity)
	var wg sync.WaitGroup
	var taken atomic.Int32
	for range goroutines {
		wg.Go(func() {
			for range tries {
				if b.take(retryCost) {
					taken.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if got := taken.Load(); got != capacity/retryCost || b.tokens.Load() != 0 {
		t.Errorf("%d goroutines took %d retries leaving %d tokens; want exactly %d and 0", goroutines, got, b.tokens.Load(), capacity/retryCost)
	}
	for range goroutines {
		wg.Go(func() { b.give(1000) })
	}
	wg.Wait()
	if got := b.tokens.Load(); got != capacity {
		t.Errorf("concurrent gives left %d tokens, want the capacity %d", got, capacity)
	}
}
