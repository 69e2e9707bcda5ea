package participant

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// CallOption changes one call; pass it after the input, e.g.
// client.SendMessage(ctx, in, participant.MaxAttempts(1)).
type CallOption func(*callConfig)

type callConfig struct {
	maxAttempts    int
	attemptTimeout time.Duration
}

// MaxAttempts overrides the client's WithMaxAttempts for one call. 1 disables
// retries; values below 1 are treated as 1.
func MaxAttempts(n int) CallOption {
	return func(c *callConfig) { c.maxAttempts = max(n, 1) }
}

// AttemptTimeout overrides the client's WithAttemptTimeout for one call.
// Values of 0 or less keep the client's.
func AttemptTimeout(d time.Duration) CallOption {
	return func(c *callConfig) {
		if d > 0 {
			c.attemptTimeout = d
		}
	}
}

// ErrRetryBudgetExhausted is wrapped in the error of a call that was not
// retried because the client's retry budget was empty (see WithRetryBudget).
var ErrRetryBudgetExhausted = errors.New("retry budget exhausted: the service has been failing; not retrying")

// retryKind classifies a failed attempt.
type retryKind int

const (
	noRetry       retryKind = iota
	retryFault              // 5xx or a network error
	retryThrottle           // 429 or ThrottlingException
	retryTimeout            // the attempt's own timeout expired
)

// classify decides whether a failed attempt may be retried. parent is the
// caller's context: once it is done, nothing is retried.
func classify(parent context.Context, err error) retryKind {
	if parent.Err() != nil {
		return noRetry
	}
	var apiErr APIError
	if errors.As(err, &apiErr) {
		switch apiErr.(type) {
		case *ThrottlingException:
			return retryThrottle
		case *InternalServerException:
			return retryFault
		}
		switch apiErr.HTTPStatusCode() {
		case http.StatusTooManyRequests:
			return retryThrottle
		case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return retryFault
		}
		return noRetry
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return retryTimeout // the attempt's timeout, since parent is not done
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, ErrResponseTooLarge) {
		return noRetry
	}
	if _, ok := errors.AsType[*permanentError](err); ok {
		return noRetry
	}
	// A certificate problem will not go away by trying again.
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	if errors.As(err, &certErr) || errors.As(err, &unknownAuth) || errors.As(err, &hostErr) {
		return noRetry
	}
	// A host name that does not exist will not exist on the next attempt.
	if dnsErr, ok := errors.AsType[*net.DNSError](err); ok && dnsErr.IsNotFound {
		return noRetry
	}
	// *url.Error, which wraps every error of http.Client.Do, is a net.Error
	// itself; look at what it wraps.
	if urlErr, ok := errors.AsType[*url.Error](err); ok {
		err = urlErr.Err
	}
	var netErr net.Error
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.EPIPE) || errors.As(err, &netErr) {
		if netErr != nil && netErr.Timeout() {
			return retryTimeout
		}
		return retryFault
	}
	return noRetry
}

// classifyTransportError marks an answer whose headers were over the
// transport's limit (see NewTransport) as too large, which is not retried:
// net/http reports it with an error of its own that has no type.
func classifyTransportError(err error) error {
	if strings.Contains(err.Error(), "server response headers exceeded") {
		return fmt.Errorf("%w: %w", ErrResponseTooLarge, err)
	}
	return err
}

// backoff computes the wait before a retry: exponential with full jitter.
type backoff struct {
	faultBase, throttleBase, max time.Duration
}

var defaultBackoff = backoff{faultBase: 100 * time.Millisecond, throttleBase: 500 * time.Millisecond, max: 20 * time.Second}

// maxBackoffCap bounds WithBackoff's max: a longer wait between attempts is
// better done by the caller, and the bound keeps the jitter arithmetic far
// from overflow.
const maxBackoffCap = time.Hour

func (b backoff) check() error {
	if b.faultBase <= 0 || b.throttleBase <= 0 || b.max <= 0 {
		return errors.New("participant: WithBackoff needs positive durations")
	}
	if b.max > maxBackoffCap {
		return fmt.Errorf("participant: WithBackoff max %v is over %v; retry later from your own code instead", b.max, maxBackoffCap)
	}
	return nil
}

// delay returns how long to wait before attempt number next (2 for the first
// retry). A Retry-After hint from the service wins, clamped to the cap: a
// long hint makes the client wait the cap, never give up.
func (b backoff) delay(next int, kind retryKind, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		return min(retryAfter, b.max)
	}
	base := b.faultBase
	if kind == retryThrottle {
		base = b.throttleBase
	}
	ceil := b.max
	if shift := next - 2; shift < 32 && base<<shift > 0 && base<<shift < b.max {
		ceil = base << shift
	}
	return rand.N(ceil + 1)
}

// sleep waits for d or until ctx is done, whichever comes first.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Costs of the retry budget, as in the AWS SDKs' standard retry mode.
const (
	retryCost        = 5
	retryTimeoutCost = 10
	successRefill    = 1
)

// retryBudget is a token bucket shared by a client's calls. Retries take
// tokens; successes put them back. While the service is healthy no call
// retries, the bucket stays full and the hot path is one atomic load, so
// heavy concurrency alone can never starve it.
type retryBudget struct {
	capacity int64
	tokens   atomic.Int64
}

func newRetryBudget(capacity int) *retryBudget {
	b := &retryBudget{capacity: int64(capacity)}
	b.tokens.Store(int64(capacity))
	return b
}

// take removes cost tokens if there are that many.
func (b *retryBudget) take(cost int64) bool {
	for {
		n := b.tokens.Load()
		if n < cost {
			return false
		}
		if b.tokens.CompareAndSwap(n, n-cost) {
			return true
		}
	}
}

// give puts n tokens back, up to the capacity.
func (b *retryBudget) give(n int64) {
	for {
		cur := b.tokens.Load()
		if cur >= b.capacity {
			return
		}
		if b.tokens.CompareAndSwap(cur, min(cur+n, b.capacity)) {
			return
		}
	}
}

// RetryBudgetAvailable returns the tokens left in the client's retry budget, or -1 when
// the budget is disabled. It is meant for metrics and tests.
func (c *Client) RetryBudgetAvailable() int {
	if c.budget == nil {
		return -1
	}
	return int(c.budget.tokens.Load())
}

// attemptResult is what an attempt learnt of the answer, for logging: the
// HTTP status and request ID, zero when there was no answer.
type attemptResult struct {
	status    int
	requestID string
}

// attempter runs one attempt of a call with the attempt's own context.
type attempter interface {
	attempt(ctx context.Context) (attemptResult, error)
}

// mayHaveTakenEffect reports whether a failed attempt may still have reached
// the service and been acted on: its connection broke or timed out after the
// request could have been sent, the service failed (5xx), or it answered 200
// with a body that could not be read. A refusal (4xx) and a connection that
// was never made did not.
func mayHaveTakenEffect(res attemptResult, err error) bool {
	if res.status == http.StatusOK || res.status >= 500 {
		return true
	}
	if res.status != 0 {
		return false
	}
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	return !errors.Is(err, syscall.ECONNREFUSED) && !errors.As(err, &dnsErr) && !errors.As(err, &certErr) &&
		!errors.Is(err, ErrResponseTooLarge)
}

// retry runs call's attempts until one succeeds, one fails for good, or the
// call runs out of attempts or budget. It returns the number of attempts made
// and, on failure, the error that ended the call (invoke wraps it) and
// whether any attempt may have taken effect.
func (c *Client) retry(ctx context.Context, op string, opts []CallOption, call attempter) (attempts int, maybe bool, err error) {
	cc := callConfig{maxAttempts: c.maxAttempts, attemptTimeout: c.attemptTimeout}
	if len(opts) > 0 {
		p := new(cc) // the options get a copy: cc itself stays off the heap
		for _, o := range opts {
			o(p)
		}
		cc = *p
	}
	var lastCost int64 // budget tokens the latest retry took
	for n := 1; ; n++ {
		res, err := c.attemptWithTimeout(ctx, call, cc.attemptTimeout)
		if err != nil && mayHaveTakenEffect(res, err) {
			maybe = true
		}
		if err == nil {
			if c.budget != nil {
				// As in the AWS SDKs' standard mode: a retry that succeeds
				// returns its cost, a first attempt that succeeds adds one.
				if lastCost > 0 {
					c.budget.give(lastCost)
				} else {
					c.budget.give(successRefill)
				}
			}
			c.logAttempt(ctx, op, n, res, nil, 0)
			return n, false, nil
		}
		kind := classify(ctx, err)
		if kind == noRetry || n >= cc.maxAttempts {
			c.logAttempt(ctx, op, n, res, err, 0)
			if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
				// The caller's context ended the call: errors.Is(err,
				// context.Canceled) must hold.
				err = fmt.Errorf("%w: %w", cerr, err)
			}
			return n, maybe, err
		}
		var retryAfter time.Duration
		if ra, ok := errors.AsType[interface {
			error
			RetryAfter() time.Duration
		}](err); ok {
			retryAfter = ra.RetryAfter()
		}
		wait := c.backoff.delay(n+1, kind, retryAfter)
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			c.logAttempt(ctx, op, n, res, err, 0)
			return n, maybe, fmt.Errorf("%w: the next attempt would start after the caller's deadline (last error: %w)", context.DeadlineExceeded, err)
		}
		if c.budget != nil {
			lastCost = retryCost
			if kind == retryTimeout {
				lastCost = retryTimeoutCost
			}
			if !c.budget.take(lastCost) {
				c.logAttempt(ctx, op, n, res, err, 0)
				return n, maybe, fmt.Errorf("%w; last error: %w", ErrRetryBudgetExhausted, err)
			}
		}
		c.logAttempt(ctx, op, n, res, err, wait)
		if serr := sleep(ctx, wait); serr != nil {
			return n, maybe, fmt.Errorf("waiting to retry: %w (last error: %w)", serr, err)
		}
	}
}

// attemptWithTimeout runs one attempt bounded by timeout. When the caller's
// deadline comes sooner anyway, the caller's context is used as it is, which
// saves a timer per attempt.
func (c *Client) attemptWithTimeout(ctx context.Context, call attempter, timeout time.Duration) (attemptResult, error) {
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) <= timeout {
		return call.attempt(ctx)
	}
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return call.attempt(actx)
}
