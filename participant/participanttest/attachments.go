package participanttest

import (
	"context"
	"crypto/hmac"
	"crypto/md5"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/chatwire/connectparticipant/gen/participantops"
	"github.com/chatwire/connectparticipant/gen/participantserver"
	"github.com/chatwire/connectparticipant/participant"
)

// The fake's storage host: the routes that pre-signed upload and download
// URLs point to, answering as S3 does.
const (
	storagePrefix  = "/_storage/"
	uploadPrefix   = storagePrefix + "upload/"
	downloadPrefix = storagePrefix + "download/"
	// uploadURLExpiry is how long an upload URL lasts, as the service's do.
	uploadURLExpiry = 5 * time.Minute
	// defaultDownloadURLExpiry is GetAttachment's UrlExpiryInSeconds when
	// the request has none.
	defaultDownloadURLExpiry = 300 * time.Second
	// attachmentIDHeader is the metadata header an upload must carry.
	attachmentIDHeader = "x-amz-meta-attachment-id"
	// storageDateLayout is how pre-signed URLs write X-Amz-Date.
	storageDateLayout = "20060102T150405Z"
	// storageTransferRate is the slowest upload the storage host waits for
	// beyond the read timeout, as the client allows for transfers.
	storageTransferRate = 64 << 10 // bytes per second
)

// StartAttachmentUpload reserves an attachment and answers a pre-signed
// upload URL on the fake's storage host.
func (svc *service) StartAttachmentUpload(ctx context.Context, req participantserver.StartAttachmentUploadRequestObject) (participantserver.StartAttachmentUploadResponseObject, error) {
	s, info := svc.s, requestInfoFrom(ctx)
	op := participantops.StartAttachmentUpload
	body := req.Body
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	m, e := s.authorizeLocked(req.Params.XAmzBearer, op, now)
	if e != nil {
		return nil, e
	}
	c := m.contact
	key := idemKey{m, op, body.ClientToken}
	fp := fingerprintOf(body.ContentType, strconv.FormatInt(body.AttachmentSizeInBytes, 10), body.AttachmentName)
	first, replay, e := c.idem.lookup(key, fp)
	if e != nil {
		return nil, e
	}
	if replay {
		return participantserver.StartAttachmentUpload200JSONResponse{Body: first.result.(participantserver.StartAttachmentUploadResult)}, nil
	}
	if body.AttachmentSizeInBytes > s.cfg.maxAttachmentSize {
		return nil, validationError(problem{"AttachmentSizeInBytes", fmt.Sprintf("must be at most %d bytes (it is %d)", s.cfg.maxAttachmentSize, body.AttachmentSizeInBytes)})
	}
	if s.chat.storedBytes+body.AttachmentSizeInBytes > s.cfg.maxStoredBytes {
		return nil, apiErrorf(codeQuotaExceeded, "The attachments of this instance exceed their quota (participanttest: WithAttachmentLimits keeps at most %d bytes).", s.cfg.maxStoredBytes)
	}
	a := &attachment{
		id: uuid.NewString(), name: body.AttachmentName, contentType: body.ContentType, size: body.AttachmentSizeInBytes,
		contact: c, by: m, uploadExpiry: now.Add(uploadURLExpiry),
	}
	s.chat.attachments[a.id] = a
	s.chat.storedBytes += a.size

	u, expiry := s.presign(info.baseURL, http.MethodPut, a.id, now, uploadURLExpiry)
	result := participantserver.StartAttachmentUploadResult{
		AttachmentId: &a.id,
		UploadMetadata: &participantserver.UploadMetadata{
			Url: &u, UrlExpiry: new(stamp(expiry)),
			HeadersToInclude: new(a.signedHeaders()),
		},
	}
	s.remember(m, key, idemEntry{fp: fp, seq: c.transcript.next(), result: result})
	return participantserver.StartAttachmentUpload200JSONResponse{Body: result}, nil
}

// CompleteAttachmentUpload adds an uploaded attachment to the transcript.
func (svc *service) CompleteAttachmentUpload(ctx context.Context, req participantserver.CompleteAttachmentUploadRequestObject) (participantserver.CompleteAttachmentUploadResponseObject, error) {
	s := svc.s
	op := participantops.CompleteAttachmentUpload
	ok := participantserver.CompleteAttachmentUpload200Response{}
	id := req.Body.AttachmentIds[0] // the contract asks for exactly one
	s.mu.Lock()
	defer s.mu.Unlock()
	m, e := s.authorizeLocked(req.Params.XAmzBearer, op, s.now())
	if e != nil {
		return nil, e
	}
	c := m.contact
	key, fp := idemKey{m, op, req.Body.ClientToken}, fingerprintOf(id)
	_, replay, e := c.idem.lookup(key, fp)
	switch {
	case e != nil:
		return nil, e
	case replay:
		return ok, nil
	}
	a := s.chat.attachments[id]
	switch {
	case a == nil || a.contact != c:
		return nil, validationError(problem{"AttachmentIds", "must name an attachment that StartAttachmentUpload started in this chat"})
	case a.completed:
		return nil, apiErrorf(codeConflict, "The upload of this attachment has already been completed.")
	case a.data == nil:
		return nil, validationError(problem{"AttachmentIds", "names an attachment whose bytes were not uploaded; PUT them to UploadMetadata.Url first"})
	}
	a.completed = true
	it := s.newItem(c, m, participant.ChatItemTypeAttachment, "", "")
	it.Attachments = []participant.AttachmentItem{{
		AttachmentID: a.id, AttachmentName: a.name, ContentType: a.contentType, Status: participant.ArtifactStatusApproved,
	}}
	seq := s.addItemLocked(c, it)
	s.remember(m, key, idemEntry{fp: fp, seq: seq})
	return ok, nil
}

// GetAttachment answers a pre-signed download URL of a completed
// attachment of the caller's chat.
func (svc *service) GetAttachment(ctx context.Context, req participantserver.GetAttachmentRequestObject) (participantserver.GetAttachmentResponseObject, error) {
	s, info := svc.s, requestInfoFrom(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	m, e := s.authorizeLocked(req.Params.XAmzBearer, participantops.GetAttachment, now)
	if e != nil {
		return nil, e
	}
	a := s.chat.attachments[req.Body.AttachmentId]
	if a == nil || a.contact != m.contact || !a.completed {
		return nil, validationError(problem{"AttachmentId", "must name a completed attachment of this chat"})
	}
	if m.role == participant.ParticipantRoleCustomBot && a.by.role == participant.ParticipantRoleCustomer {
		return nil, accessDenied(msgAccessDenied + " (participanttest: a CUSTOM_BOT participant may not read the attachments of customers.)")
	}
	ttl := defaultDownloadURLExpiry
	if n := req.Body.UrlExpiryInSeconds; n != nil {
		ttl = time.Duration(*n) * time.Second
	}
	u, expiry := s.presign(info.baseURL, http.MethodGet, a.id, now, ttl)
	return participantserver.GetAttachment200JSONResponse{
		Body: participantserver.GetAttachmentResult{Url: &u, UrlExpiry: new(stamp(expiry)), AttachmentSizeInBytes: a.size},
	}, nil
}

// presign makes a URL of the storage host for method on attachment id,
// valid for ttl from now (to the second), and returns it with its expiry.
// The signature is an HMAC under the server's key, so the storage host
// checks it without keeping anything.
func (s *Server) presign(base, method, id string, now time.Time, ttl time.Duration) (string, time.Time) {
	date := now.Truncate(time.Second)
	seconds := strconv.Itoa(int(ttl / time.Second))
	dateText := date.Format(storageDateLayout)
	q := url.Values{
		"X-Amz-Date":      {dateText},
		"X-Amz-Expires":   {seconds},
		"X-Amz-Signature": {s.storageSignature(method, id, dateText, seconds)},
	}
	prefix := downloadPrefix
	if method == http.MethodPut {
		prefix = uploadPrefix
	}
	return base + prefix + url.PathEscape(id) + "?" + q.Encode(), date.Add(ttl.Truncate(time.Second))
}

// storageSignature is the signature of a storage URL.
func (s *Server) storageSignature(method, id, date, expires string) string {
	return hex.EncodeToString(s.mac("storage", []byte(method+"\n"+id+"\n"+date+"\n"+expires)))
}

// storageError is an error answer of the storage host, in S3's XML form.
type storageError struct {
	status        int
	code, message string
}

// serveStorage is the fake's storage host: PUT to an upload URL, GET from a
// download URL, each checked as S3 checks a pre-signed URL. A request that
// carries the connection token is refused: the token must never leave for
// the storage host.
func (s *Server) serveStorage(w http.ResponseWriter, r *http.Request, requestID string) {
	if isPreflight(r) {
		answerPreflight(w, r, corsStorageMethods)
		return
	}
	sw := s.record(w, Request{Method: r.Method, Path: r.URL.Path})
	if e := s.storage(sw, r); e != nil {
		writeStorageError(sw, requestID, e)
	}
}

func (s *Server) storage(w http.ResponseWriter, r *http.Request) *storageError {
	var id string
	switch {
	case r.Method == http.MethodPut && strings.HasPrefix(r.URL.Path, uploadPrefix):
		id = strings.TrimPrefix(r.URL.Path, uploadPrefix)
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, downloadPrefix):
		id = strings.TrimPrefix(r.URL.Path, downloadPrefix)
	default:
		return &storageError{http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource."}
	}
	if r.Header.Get(participantops.BearerHeader) != "" {
		return &storageError{http.StatusBadRequest, "TokenLeak", "The request carries an " + participantops.BearerHeader +
			" header: the connection token must never be sent to the storage host (participanttest refused the leak)."}
	}
	q := r.URL.Query()
	date, expires, signature := q.Get("X-Amz-Date"), q.Get("X-Amz-Expires"), q.Get("X-Amz-Signature")
	want := s.storageSignature(r.Method, id, date, expires)
	if signature == "" || !hmac.Equal([]byte(signature), []byte(want)) {
		return &storageError{http.StatusForbidden, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided."}
	}
	signed, _ := time.Parse(storageDateLayout, date)
	ttl, _ := strconv.Atoi(expires)
	now := s.now()
	if now.After(signed.Add(time.Duration(ttl) * time.Second)) {
		return &storageError{http.StatusForbidden, "AccessDenied", "Request has expired"}
	}

	s.mu.Lock()
	a := s.chat.attachments[id]
	var size int64
	var headers map[string]string
	var data []byte
	if a != nil {
		size, data = a.size, a.data
		headers = a.signedHeaders()
	}
	completed := a != nil && a.completed
	s.mu.Unlock()
	if a == nil {
		return &storageError{http.StatusNotFound, "NoSuchKey", "The specified key does not exist."}
	}

	if r.Method == http.MethodGet {
		w.Header().Set("Content-Type", headers["Content-Type"])
		w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(data)
		return nil
	}
	if completed {
		return &storageError{http.StatusForbidden, "AccessDenied", "The attachment is complete; its bytes can no longer change."}
	}
	for name, value := range headers {
		if r.Header.Get(name) != value {
			return &storageError{http.StatusForbidden, "SignatureDoesNotMatch", "The request must carry the " + name + " header exactly as HeadersToInclude gives it: it is signed."}
		}
	}
	switch {
	case r.ContentLength < 0:
		return &storageError{http.StatusLengthRequired, "MissingContentLength", "You must provide the Content-Length HTTP header."}
	case r.ContentLength > size:
		return &storageError{http.StatusBadRequest, "EntityTooLarge", fmt.Sprintf("Your proposed upload exceeds the %d bytes StartAttachmentUpload declared.", size)}
	case r.ContentLength < size:
		return &storageError{http.StatusBadRequest, "EntityTooSmall", fmt.Sprintf("Your proposed upload is smaller than the %d bytes StartAttachmentUpload declared.", size)}
	}
	// An upload gets time for its bytes beyond the read timeout.
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(s.timeouts.read + time.Duration(size/storageTransferRate)*time.Second))
	body := make([]byte, size)
	if _, err := io.ReadFull(r.Body, body); err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return &storageError{http.StatusBadRequest, "RequestTimeout", "Your socket connection to the server was not read from or written to within the timeout period."}
		}
		return &storageError{http.StatusBadRequest, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header."}
	}
	s.mu.Lock()
	if !a.completed {
		a.data = body
	}
	s.mu.Unlock()
	sum := md5.Sum(body)
	w.Header().Set("ETag", `"`+hex.EncodeToString(sum[:])+`"`)
	w.WriteHeader(http.StatusOK)
	return nil
}

// writeStorageError answers as S3 does: XML with a Code and a Message.
func writeStorageError(w http.ResponseWriter, requestID string, e *storageError) {
	var b strings.Builder
	b.WriteString(xml.Header)
	b.WriteString("<Error><Code>")
	_ = xml.EscapeText(&b, []byte(e.code))
	b.WriteString("</Code><Message>")
	_ = xml.EscapeText(&b, []byte(e.message))
	b.WriteString("</Message><RequestId>")
	_ = xml.EscapeText(&b, []byte(requestID))
	b.WriteString("</RequestId></Error>")
	h := w.Header()
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(b.Len()))
	h.Set("X-Amz-Request-Id", requestID)
	w.WriteHeader(e.status)
	_, _ = io.WriteString(w, b.String())
}
