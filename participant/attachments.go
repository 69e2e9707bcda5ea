package participant

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// UploadAttachmentInput is a file to attach to the chat.
type UploadAttachmentInput struct {
	// ConnectionToken authenticates the participant. It is sent to the
	// service only, never to the storage host the bytes go to.
	ConnectionToken Secret
	// AttachmentName is the file name the chat shows, and ContentType its
	// MIME type, such as "application/pdf".
	AttachmentName string
	ContentType    string
	// Body is the file. It is read from its start, once per attempt of the
	// upload, so it must be able to seek (an *os.File, a *bytes.Reader, ...);
	// its size is where it ends.
	Body io.ReadSeeker
	// ClientToken makes the upload idempotent: StartAttachmentUpload and
	// CompleteAttachmentUpload both send it, so running the upload again with
	// the same token attaches the file once. Empty: a random UUIDv4.
	ClientToken string
}

// UploadAttachmentOutput is an uploaded attachment.
type UploadAttachmentOutput struct {
	// AttachmentID identifies the attachment in the chat.
	AttachmentID string
	// AttachmentSizeInBytes is how many bytes were uploaded.
	AttachmentSizeInBytes int64
	// ClientToken is the idempotency token of the upload.
	ClientToken string
	// ResultMetadata is CompleteAttachmentUpload's.
	ResultMetadata
}

// UploadAttachment attaches a file to the chat in the service's three steps:
// StartAttachmentUpload reserves it, the bytes go to the pre-signed URL it
// returns with an HTTP PUT carrying exactly the headers it names (streamed
// from Body, never holding the file in memory), and CompleteAttachmentUpload
// adds it to the chat. Each step is retried like any call; the PUT is
// idempotent, and both service steps send the same ClientToken. The
// connection token is never sent to the storage host.
//
// Each attempt of the PUT may take the client's attempt timeout plus one
// second for every 64 KiB of the file.
func (c *Client) UploadAttachment(ctx context.Context, in UploadAttachmentInput, opts ...CallOption) (*UploadAttachmentOutput, error) {
	if in.Body == nil {
		return nil, &OperationError{Operation: "UploadAttachment", Err: &InvalidParamsError{Operation: "UploadAttachment",
			Fields: []InvalidParam{{Field: "Body", Rule: "required", Reason: "is required; set Body to the file"}}}}
	}
	size, err := in.Body.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, &OperationError{Operation: "UploadAttachment", Err: fmt.Errorf("finding the size of Body: %w", err)}
	}
	started, err := c.StartAttachmentUpload(ctx, StartAttachmentUploadInput{
		ConnectionToken:       in.ConnectionToken,
		AttachmentName:        in.AttachmentName,
		ContentType:           in.ContentType,
		AttachmentSizeInBytes: size,
		ClientToken:           in.ClientToken,
	}, opts...)
	if err != nil {
		return nil, err
	}
	meta := started.UploadMetadata
	if meta.URL == "" || started.AttachmentID == "" {
		return nil, &OperationError{Operation: "UploadAttachment", Attempts: started.Attempts, ClientToken: started.ClientToken,
			Err: errors.New("StartAttachmentUpload answered without an AttachmentId and an upload URL")}
	}
	put := &transfer{c: c, method: http.MethodPut, url: meta.URL, headers: meta.HeadersToInclude, body: in.Body, size: size}
	if n, maybe, err := c.retry(ctx, "UploadAttachment", append(transferOptions(c, size), opts...), put); err != nil {
		return nil, &OperationError{Operation: "UploadAttachment", Attempts: n, ClientToken: started.ClientToken, Err: err, MayHaveTakenEffect: maybe}
	}
	completed, err := c.CompleteAttachmentUpload(ctx, CompleteAttachmentUploadInput{
		ConnectionToken: in.ConnectionToken,
		AttachmentIDs:   []string{started.AttachmentID},
		ClientToken:     started.ClientToken,
	}, opts...)
	if err != nil {
		return nil, err
	}
	return &UploadAttachmentOutput{AttachmentID: started.AttachmentID, AttachmentSizeInBytes: size,
		ClientToken: completed.ClientToken, ResultMetadata: completed.ResultMetadata}, nil
}

// DownloadAttachmentInput names an attachment to download.
type DownloadAttachmentInput struct {
	// ConnectionToken authenticates the participant. It is sent to the
	// service only, never to the storage host the bytes come from.
	ConnectionToken Secret
	// AttachmentID names the attachment, as in an Item's Attachments.
	AttachmentID string
	// URLExpiryInSeconds is how long the download URL stays valid; zero
	// leaves the service's default.
	URLExpiryInSeconds int32
}

// DownloadAttachmentOutput is a downloaded attachment.
type DownloadAttachmentOutput struct {
	// AttachmentSizeInBytes is the size GetAttachment announced, and the
	// number of bytes written.
	AttachmentSizeInBytes int64
	// ResultMetadata is GetAttachment's.
	ResultMetadata
}

// DownloadAttachment writes an attachment's bytes to w: GetAttachment
// returns a pre-signed URL and the size, then an HTTP GET of the URL streams
// the bytes to w. More bytes than the announced size, or fewer, is an error:
// w then holds a partial file. The GET is retried only until its first byte
// reaches w. The connection token is never sent to the storage host.
func (c *Client) DownloadAttachment(ctx context.Context, in DownloadAttachmentInput, w io.Writer, opts ...CallOption) (*DownloadAttachmentOutput, error) {
	got, err := c.GetAttachment(ctx, GetAttachmentInput{
		ConnectionToken:    in.ConnectionToken,
		AttachmentID:       in.AttachmentID,
		URLExpiryInSeconds: in.URLExpiryInSeconds,
	}, opts...)
	if err != nil {
		return nil, err
	}
	if got.URL == "" {
		return nil, &OperationError{Operation: "DownloadAttachment", Attempts: got.Attempts, Err: errors.New("GetAttachment answered without a URL")}
	}
	get := &transfer{c: c, method: http.MethodGet, url: got.URL, size: got.AttachmentSizeInBytes, sink: w}
	if n, _, err := c.retry(ctx, "DownloadAttachment", append(transferOptions(c, got.AttachmentSizeInBytes), opts...), get); err != nil {
		return nil, &OperationError{Operation: "DownloadAttachment", Attempts: n, Err: err}
	}
	return &DownloadAttachmentOutput{AttachmentSizeInBytes: get.written, ResultMetadata: got.ResultMetadata}, nil
}

// transferRate is the slowest throughput a transfer attempt is allowed
// before its timeout cuts it off.
const transferRate = 64 << 10 // bytes per second

// transferOptions gives a transfer of size bytes the client's attempt
// timeout plus time for the bytes at transferRate.
func transferOptions(c *Client, size int64) []CallOption {
	return []CallOption{AttemptTimeout(c.attemptTimeout + time.Duration(size/transferRate)*time.Second)}
}

// transfer is one HTTP PUT or GET of an attachment's bytes to or from a
// pre-signed URL, as an attempter for Client.retry. It sends no token.
type transfer struct {
	c       *Client
	method  string
	url     PresignedURL
	headers map[string]string
	body    io.ReadSeeker // PUT
	sink    io.Writer     // GET
	size    int64
	written int64
}

func (t *transfer) attempt(ctx context.Context) (attemptResult, error) {
	var body io.Reader
	if t.body != nil {
		if _, err := t.body.Seek(0, io.SeekStart); err != nil {
			return attemptResult{}, permanent(fmt.Errorf("rewinding Body: %w", err))
		}
		body = io.LimitReader(t.body, t.size)
	}
	req, err := http.NewRequestWithContext(ctx, t.method, string(t.url), body)
	if err != nil {
		return attemptResult{}, permanent(fmt.Errorf("the %s URL %v is not usable: %w", t.method, t.url, redactURLError(err, t.url)))
	}
	if t.body != nil {
		req.ContentLength = t.size
		if t.size == 0 {
			req.Body = http.NoBody
		}
	}
	for name, value := range t.headers {
		req.Header.Set(name, value)
	}
	resp, err := t.c.httpClient.Do(req)
	if err != nil {
		return attemptResult{}, classifyTransportError(redactURLError(err, t.url))
	}
	defer resp.Body.Close()
	res := attemptResult{status: resp.StatusCode}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return res, storageError(resp, t.c.maxResponseBytes)
	}
	if t.sink == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, t.c.maxResponseBytes))
		return res, nil
	}
	if resp.ContentLength > t.size {
		return res, permanent(fmt.Errorf("the download is larger than the %d bytes GetAttachment announced (Content-Length %d)", t.size, resp.ContentLength))
	}
	n, err := io.Copy(t.sink, io.LimitReader(resp.Body, t.size+1))
	t.written = n
	switch {
	case err != nil && n == 0:
		return res, redactURLError(err, t.url) // nothing written yet: retry
	case err != nil:
		return res, permanent(fmt.Errorf("the download broke off after %d of %d bytes: %w", n, t.size, redactURLError(err, t.url)))
	case n > t.size:
		return res, permanent(fmt.Errorf("the download is larger than the %d bytes GetAttachment announced", t.size))
	case n < t.size:
		return res, permanent(fmt.Errorf("the download ended after %d of the %d bytes GetAttachment announced", n, t.size))
	}
	return res, nil
}

// storageError describes a refusal of the storage host, which answers in its
// own XML form, not the service's: a GenericAPIError with the status and the
// host's error code, never the body or the URL.
func storageError(resp *http.Response, limit int64) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, min(limit, 64<<10)))
	code := xmlElement(body, "Code")
	if code == "" {
		code = codeUnknown
	}
	return newAPIError(ErrorResponse{code: code, status: resp.StatusCode, requestID: resp.Header.Get("X-Amz-Request-Id"),
		message: "the storage host refused the transfer (" + resp.Status + ")", retryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now)})
}

// xmlElement returns the text of the first <name> element of body, if short.
func xmlElement(body []byte, name string) string {
	start := bytes.Index(body, []byte("<"+name+">"))
	if start < 0 {
		return ""
	}
	rest := body[start+len(name)+2:]
	end := bytes.Index(rest, []byte("</"+name+">"))
	if end < 0 || end > 128 {
		return ""
	}
	return string(rest[:end])
}

// redactURLError replaces the pre-signed URL in an error of net/http, which
// quotes it whole, signature included.
func redactURLError(err error, u PresignedURL) error {
	if urlErr, ok := errors.AsType[*url.Error](err); ok && urlErr.URL == string(u) {
		copied := *urlErr
		copied.URL = u.String()
		return &copied
	}
	return err
}

// permanentError is an error that no retry can mend.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

func permanent(err error) error { return &permanentError{err} }
