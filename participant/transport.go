package participant

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
)

// The per-call request path. The generated request builder of each operation
// without path labels runs once, in New, and its request is the template
// every call clones: the method, URL and headers come from the contract,
// while the per-call cost is one clone instead of three URL parses, a
// reflective header encoder and a fmt.Sprintf (see "Performance" in the
// README). An operation with path labels (DescribeView) builds its request
// once per call. A test holds each call's request equal to what the
// generated builder makes for the same input.

// bodyReader is a request body over bytes that are never modified; one
// allocation instead of bytes.NewReader plus io.NopCloser.
type bodyReader struct{ bytes.Reader }

func (*bodyReader) Close() error { return nil }

func newBodyReader(b []byte) *bodyReader {
	r := &bodyReader{}
	r.Reset(b)
	return r
}

// newRequest clones tmpl for one attempt with ctx, the bearer token and body.
func newRequest(ctx context.Context, tmpl *http.Request, bearer string, body []byte) *http.Request {
	req := tmpl.Clone(ctx)
	req.Header[bearerHeader] = []string{bearer}
	if body != nil {
		req.ContentLength = int64(len(body))
		req.Body = newBodyReader(body)
		req.GetBody = func() (io.ReadCloser, error) { return newBodyReader(body), nil }
	}
	return req
}

// Response bodies are read into pooled buffers; small ones go back to the pool.
const (
	initialBodyBuffer = 1 << 10
	maxPooledBuffer   = 64 << 10
)

var bodyPool = sync.Pool{New: func() any {
	b := make([]byte, 0, initialBodyBuffer)
	return &b
}}

// readBody reads resp's body, at most limit bytes, into a pooled buffer and
// closes the body. A larger body is an error wrapping ErrResponseTooLarge, and
// the rest of it is not read. Call release with the returned buffer once the
// data is no longer used.
func readBody(resp *http.Response, limit int64, requestID string) (*[]byte, []byte, error) {
	defer resp.Body.Close()
	if resp.ContentLength > limit {
		return nil, nil, tooLarge(resp, limit, requestID)
	}
	bp := bodyPool.Get().(*[]byte)
	buf := (*bp)[:0]
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := resp.Body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > limit {
			*bp = buf
			release(bp)
			return nil, nil, tooLarge(resp, limit, requestID)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			*bp = buf
			release(bp)
			return nil, nil, fmt.Errorf("reading the answer (HTTP %d, request ID %s): %w", resp.StatusCode, requestID, err)
		}
	}
	*bp = buf
	return bp, buf, nil
}

func tooLarge(resp *http.Response, limit int64, requestID string) error {
	return fmt.Errorf("answer (HTTP %d, request ID %s) is over %d bytes: %w", resp.StatusCode, requestID, limit, ErrResponseTooLarge)
}

func release(bp *[]byte) {
	if bp != nil && cap(*bp) <= maxPooledBuffer {
		*bp = (*bp)[:0]
		bodyPool.Put(bp)
	}
}
