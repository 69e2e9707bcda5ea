package participanttest

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chatwire/connectparticipant/gen/participantops"
	"github.com/chatwire/connectparticipant/participant"
)

// uploadStart is the answer of StartAttachmentUpload.
type uploadStart struct {
	AttachmentId   string
	UploadMetadata struct {
		Url, UrlExpiry   string
		HeadersToInclude map[string]string
	}
}

// startUpload reserves an attachment of size bytes over raw HTTP.
func startUpload(t *testing.T, srv *Server, token, name, contentType string, size int) uploadStart {
	t.Helper()
	a := call(t, srv, opStartUp, token, map[string]any{"ContentType": contentType, "AttachmentSizeInBytes": size, "AttachmentName": name, "ClientToken": "up-" + name})
	if a.status != http.StatusOK {
		t.Fatalf("StartAttachmentUpload: %d %s", a.status, a.body)
	}
	var s uploadStart
	a.decode(t, &s)
	return s
}

// putUpload PUTs data to the upload URL with the headers to include, after
// applying edits.
func putUpload(t *testing.T, srv *Server, s uploadStart, data string, edits ...func(*http.Request)) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPut, s.UploadMetadata.Url, strings.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	for name, value := range s.UploadMetadata.HeadersToInclude {
		req.Header.Set(name, value)
	}
	for _, edit := range edits {
		edit(req)
	}
	a, err := send(srv.Client(), req)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// storageCode is the Code of the storage host's XML error answer.
func storageCode(t *testing.T, a answer) string {
	t.Helper()
	var e struct {
		Code, Message string
	}
	if err := xml.Unmarshal(a.body, &e); err != nil || e.Code == "" || e.Message == "" {
		t.Fatalf("storage answer %d %q is not S3's <Error><Code>…</Code><Message>…</Message></Error>: %v", a.status, a.body, err)
	}
	return e.Code
}

func TestAttachmentRoundTrip(t *testing.T) {
	t.Parallel()
	srv := NewServer()
	defer srv.Close()
	client := newClient(t, srv)
	ctx := context.Background()
	customer := srv.NewParticipant(ParticipantOptions{})
	token := participant.Secret(connect(t, client, customer))
	file := bytes.Repeat([]byte("receipt "), 1000)

	up, err := client.UploadAttachment(ctx, participant.UploadAttachmentInput{
		ConnectionToken: token, AttachmentName: "receipt.txt", ContentType: "text/plain", Body: bytes.NewReader(file),
	})
	if err != nil {
		t.Fatal(err)
	}
	tr := srv.Transcript(customer.ContactID)
	last := tr[len(tr)-1]
	want := []participant.AttachmentItem{{AttachmentID: up.AttachmentID, AttachmentName: "receipt.txt", ContentType: "text/plain", Status: participant.ArtifactStatusApproved}}
	if last.Type != participant.ChatItemTypeAttachment || !equalItems(participant.Item{Attachments: last.Attachments}, participant.Item{Attachments: want}) ||
		last.ParticipantID != customer.ParticipantID || last.ContactID != customer.ContactID || last.ID == "" {
		t.Errorf("last item = %+v, want an ATTACHMENT item with %+v", last, want)
	}

	var got bytes.Buffer
	down, err := client.DownloadAttachment(ctx, participant.DownloadAttachmentInput{ConnectionToken: token, AttachmentID: up.AttachmentID}, &got)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), file) || down.AttachmentSizeInBytes != int64(len(file)) {
		t.Errorf("downloaded %d bytes (size %d), want the %d uploaded", got.Len(), down.AttachmentSizeInBytes, len(file))
	}
	for _, r := range srv.Requests() {
		if strings.HasPrefix(r.Path, storagePrefix) && r.Body != nil {
			t.Errorf("Requests kept the body of %s %s", r.Method, r.Path)
		}
	}
}

func TestStartAttachmentUpload(t *testing.T) {
	t.Parallel()
	clk := newClock(t0)
	srv := NewServer(WithClock(clk.Now), WithAttachmentLimits(10, 25))
	defer srv.Close()
	token := srv.NewConnection()

	s := startUpload(t, srv, token, "a.pdf", "application/pdf", 10)
	u, err := url.Parse(s.UploadMetadata.Url)
	if err != nil {
		t.Fatal(err)
	}
	if u.Scheme+"://"+u.Host != srv.URL || u.Path != uploadPrefix+s.AttachmentId ||
		u.Query().Get("X-Amz-Expires") != "300" || len(u.Query().Get("X-Amz-Signature")) < 32 {
		t.Errorf("Url = %s, want %s%s{id}?X-Amz-Expires=300&X-Amz-Signature=…", u, srv.URL, uploadPrefix)
	}
	if s.UploadMetadata.UrlExpiry != "2019-11-08T02:46:28.000Z" {
		t.Errorf("UrlExpiry = %s, want five minutes from now (to the second of the signature)", s.UploadMetadata.UrlExpiry)
	}
	want := map[string]string{"Content-Type": "application/pdf", attachmentIDHeader: s.AttachmentId}
	if len(s.UploadMetadata.HeadersToInclude) != len(want) || s.UploadMetadata.HeadersToInclude["Content-Type"] != want["Content-Type"] ||
		s.UploadMetadata.HeadersToInclude[attachmentIDHeader] != want[attachmentIDHeader] {
		t.Errorf("HeadersToInclude = %v, want %v", s.UploadMetadata.HeadersToInclude, want)
	}

	over := call(t, srv, opStartUp, token, map[string]any{"ContentType": "text/plain", "AttachmentSizeInBytes": 11, "AttachmentName": "big", "ClientToken": "big"})
	wantError(t, over, http.StatusBadRequest, "AttachmentSizeInBytes")
	startUpload(t, srv, token, "b.pdf", "application/pdf", 10) // 20 of 25 bytes
	quota := call(t, srv, opStartUp, token, map[string]any{"ContentType": "text/plain", "AttachmentSizeInBytes": 6, "AttachmentName": "c", "ClientToken": "c"})
	wantError(t, quota, http.StatusPaymentRequired, "")
	if quota.errorType() != codeQuotaExceeded {
		t.Errorf("X-Amzn-ErrorType %s, want %s", quota.errorType(), codeQuotaExceeded)
	}

	// A reservation never uploaded is released once its URL has expired.
	clk.Advance(uploadURLExpiry + sweepInterval)
	if a := call(t, srv, opStartUp, token, map[string]any{"ContentType": "text/plain", "AttachmentSizeInBytes": 10, "AttachmentName": "d", "ClientToken": "d"}); a.status != http.StatusOK {
		t.Errorf("after the unused reservations expired: status %d, want 200", a.status)
	}
}

// TestStorageUpload sends the storage host PUTs that break its rules.
func TestStorageUpload(t *testing.T) {
	t.Parallel()
	clk := newClock(t0)
	srv := NewServer(WithClock(clk.Now))
	defer srv.Close()
	token := srv.NewConnection()
	const data = "0123456789"

	tests := []struct {
		name       string
		edits      []func(*http.Request)
		body       string
		expire     bool
		wantStatus int
		wantCode   string
	}{
		{name: "the connection token is a leak", edits: []func(*http.Request){header(participantops.BearerHeader, token)},
			body: data, wantStatus: 400, wantCode: "TokenLeak"},
		{name: "a header to include is missing", edits: []func(*http.Request){header(attachmentIDHeader, "")},
			body: data, wantStatus: 403, wantCode: "SignatureDoesNotMatch"},
		{name: "a header to include has another value", edits: []func(*http.Request){header("Content-Type", "application/octet-stream")},
			body: data, wantStatus: 403, wantCode: "SignatureDoesNotMatch"},
		{name: "a forged signature", edits: []func(*http.Request){query("X-Amz-Signature", strings.Repeat("0", 64))},
			body: data, wantStatus: 403, wantCode: "SignatureDoesNotMatch"},
		{name: "a longer expiry than signed", edits: []func(*http.Request){query("X-Amz-Expires", "3600")},
			body: data, wantStatus: 403, wantCode: "SignatureDoesNotMatch"},
		{name: "an expired URL", expire: true, body: data, wantStatus: 403, wantCode: "AccessDenied"},
		{name: "fewer bytes than declared", body: data[:9], wantStatus: 400, wantCode: "EntityTooSmall"},
		{name: "more bytes than declared", body: data + "!", wantStatus: 400, wantCode: "EntityTooLarge"},
		{name: "no Content-Length", edits: []func(*http.Request){func(r *http.Request) { r.ContentLength = -1 }},
			body: data, wantStatus: 411, wantCode: "MissingContentLength"},
		{name: "a GET of the upload URL", edits: []func(*http.Request){func(r *http.Request) { r.Method = http.MethodGet }},
			body: data, wantStatus: 405, wantCode: "MethodNotAllowed"},
		{name: "the right request", body: data, wantStatus: 200},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startUpload(t, srv, token, "f"+strconv.Itoa(i), "text/plain", len(data))
			if tt.expire {
				clk.Advance(uploadURLExpiry + time.Second)
			}
			a := putUpload(t, srv, s, tt.body, tt.edits...)
			if a.status != tt.wantStatus {
				t.Fatalf("status %d, want %d; body %s", a.status, tt.wantStatus, a.body)
			}
			if tt.wantCode != "" {
				if code := storageCode(t, a); code != tt.wantCode {
					t.Errorf("Code %s, want %s", code, tt.wantCode)
				}
				if bytes.Contains(a.body, []byte(token)) {
					t.Error("the storage answer quotes the token")
				}
			}
			// Only the right upload can be completed.
			done := call(t, srv, opCompleteUp, token, map[string]any{"AttachmentIds": []string{s.AttachmentId}, "ClientToken": "c" + strconv.Itoa(i)})
			if got := done.status == http.StatusOK; got != (tt.wantStatus == http.StatusOK) {
				t.Errorf("CompleteAttachmentUpload after it: status %d", done.status)
			}
		})
	}
	leak := srv.Requests()
	for _, r := range leak {
		if r.Operation == "" && strings.HasPrefix(r.Path, uploadPrefix) && r.Status == 0 {
			t.Errorf("Requests has an upload without its status: %+v", r)
		}
	}
	if a := putUpload(t, srv, uploadStart{UploadMetadata: struct {
		Url, UrlExpiry   string
		HeadersToInclude map[string]string
	}{Url: srv.URL + uploadPrefix + "no-such-attachment"}}, data); a.status != http.StatusForbidden || storageCode(t, a) != "SignatureDoesNotMatch" {
		t.Errorf("an upload URL the server never signed: %d", a.status)
	}
	if !strings.Contains(string(putUpload(t, srv, startUpload(t, srv, token, "leak", "text/plain", len(data)), data, header(participantops.BearerHeader, token)).body), "must never be sent to the storage host") {
		t.Error("the TokenLeak answer does not say the connection token must never be sent to the storage host")
	}
}

// query returns an edit that sets a query parameter of the URL.
func query(name, value string) func(*http.Request) {
	return func(r *http.Request) {
		q := r.URL.Query()
		q.Set(name, value)
		r.URL.RawQuery = q.Encode()
	}
}

func TestCompleteAttachmentUpload(t *testing.T) {
	t.Parallel()
	srv := NewServer()
	defer srv.Close()
	token, other := srv.NewConnection(), srv.NewConnection()
	uploaded := startUpload(t, srv, token, "a", "text/plain", 2)
	putUpload(t, srv, uploaded, "hi")
	notUploaded := startUpload(t, srv, token, "b", "text/plain", 2)
	othersUpload := startUpload(t, srv, other, "c", "text/plain", 2)
	putUpload(t, srv, othersUpload, "hi")

	complete := func(id, clientToken string) answer {
		return call(t, srv, opCompleteUp, token, map[string]any{"AttachmentIds": []string{id}, "ClientToken": clientToken})
	}
	wantError(t, complete(notUploaded.AttachmentId, "c1"), http.StatusBadRequest, "uploaded")
	wantError(t, complete(othersUpload.AttachmentId, "c2"), http.StatusBadRequest, "AttachmentIds")
	wantError(t, complete("no-such-attachment", "c3"), http.StatusBadRequest, "AttachmentIds")
	if a := complete(uploaded.AttachmentId, "c4"); a.status != http.StatusOK {
		t.Fatalf("complete: %d %s", a.status, a.body)
	}
	a := complete(uploaded.AttachmentId, "c5")
	wantError(t, a, http.StatusConflict, "")
	if a.errorType() != codeConflict {
		t.Errorf("X-Amzn-ErrorType %s, want %s", a.errorType(), codeConflict)
	}
	if again := putUpload(t, srv, uploaded, "ho"); again.status != http.StatusForbidden {
		t.Errorf("a PUT after completion: %d, want 403", again.status)
	}
}

func TestGetAttachment(t *testing.T) {
	t.Parallel()
	clk := newClock(t0)
	srv := NewServer(WithClock(clk.Now))
	defer srv.Close()
	client := newClient(t, srv)
	customer := srv.NewParticipant(ParticipantOptions{})
	token := connect(t, client, customer)
	bot := connect(t, client, srv.NewParticipant(ParticipantOptions{ContactID: customer.ContactID, Role: participant.ParticipantRoleCustomBot}))
	stranger := srv.NewConnection()
	s := startUpload(t, srv, token, "a", "text/csv", 3)
	get := func(tok string, expiry int) answer {
		body := map[string]any{"AttachmentId": s.AttachmentId}
		if expiry > 0 {
			body["UrlExpiryInSeconds"] = expiry
		}
		return call(t, srv, opAttachment, tok, body)
	}
	wantError(t, get(token, 0), http.StatusBadRequest, "AttachmentId") // not uploaded yet
	putUpload(t, srv, s, "a,b")
	wantError(t, get(token, 0), http.StatusBadRequest, "AttachmentId") // not completed yet
	call(t, srv, opCompleteUp, token, map[string]any{"AttachmentIds": []string{s.AttachmentId}, "ClientToken": "done"})
	wantError(t, get(stranger, 0), http.StatusBadRequest, "AttachmentId")
	wantError(t, get(bot, 0), http.StatusForbidden, "CUSTOM_BOT")

	var got struct {
		Url, UrlExpiry        string
		AttachmentSizeInBytes int64
	}
	get(token, 60).decode(t, &got)
	if got.AttachmentSizeInBytes != 3 || got.UrlExpiry != "2019-11-08T02:42:28.000Z" || !strings.HasPrefix(got.Url, srv.URL+downloadPrefix+s.AttachmentId+"?") {
		t.Errorf("GetAttachment = %+v, want size 3, a URL of %s%s valid for 60 s", got, srv.URL, downloadPrefix)
	}
	var byDefault struct{ UrlExpiry string }
	get(token, 0).decode(t, &byDefault)
	if byDefault.UrlExpiry != "2019-11-08T02:46:28.000Z" {
		t.Errorf("UrlExpiry without UrlExpiryInSeconds = %s, want 300 s from now", byDefault.UrlExpiry)
	}

	download := func(u string, edits ...func(*http.Request)) answer {
		req, err := http.NewRequest(http.MethodGet, u, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, edit := range edits {
			edit(req)
		}
		a, err := send(srv.Client(), req)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	if a := download(got.Url); a.status != http.StatusOK || string(a.body) != "a,b" || a.header.Get("Content-Type") != "text/csv" {
		t.Errorf("download: %d %q %s", a.status, a.body, a.header.Get("Content-Type"))
	}
	if a := download(got.Url, header(participantops.BearerHeader, token)); a.status != http.StatusBadRequest || storageCode(t, a) != "TokenLeak" {
		t.Errorf("a download with the connection token: %d %s, want 400 TokenLeak", a.status, a.body)
	}
	if a := download(strings.Replace(got.Url, "X-Amz-Signature=", "X-Amz-Signature=0", 1)); a.status != http.StatusForbidden || storageCode(t, a) != "SignatureDoesNotMatch" {
		t.Errorf("a download with a forged signature: %d", a.status)
	}
	clk.Advance(61 * time.Second)
	if a := download(got.Url); a.status != http.StatusForbidden || storageCode(t, a) != "AccessDenied" {
		t.Errorf("a download after the URL expired: %d %s, want 403 AccessDenied", a.status, a.body)
	}

	// The client names the storage host's refusal.
	var sink bytes.Buffer
	_, err := client.DownloadAttachment(context.Background(), participant.DownloadAttachmentInput{ConnectionToken: participant.Secret(stranger), AttachmentID: s.AttachmentId}, &sink)
	if _, ok := errors.AsType[*participant.ValidationException](err); !ok {
		t.Errorf("downloading another chat's attachment: %v, want a ValidationException", err)
	}
}
