package participant_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/chatwire/connectparticipant/participant"
)

const (
	startPath    = "/participant/start-attachment-upload"
	completePath = "/participant/complete-attachment-upload"
	getPath      = "/participant/attachment"
	storagePath  = "/storage/att-1"
	uploadToken  = "upload-conn-token-123"
)

// uploadServer answers StartAttachmentUpload with an upload URL on itself,
// with a signature in its query and two headers the PUT must carry.
func uploadServer(t *testing.T) *scripted {
	t.Helper()
	srv := newScripted(t)
	srv.script(startPath, ok(fmt.Sprintf(`{"AttachmentId":"att-1","UploadMetadata":{"Url":"%s%s?X-Amz-Signature=sig-abc","UrlExpiry":"2019-11-08T02:46:28.172Z","HeadersToInclude":{"Content-Type":"application/pdf","x-amz-meta-id":"att-1"}}}`, srv.URL, storagePath)))
	return srv
}

func TestUploadAttachment(t *testing.T) {
	t.Parallel()
	srv := uploadServer(t)
	file := bytes.Repeat([]byte("%PDF-1.7 "), 1000)
	// The storage host fails the first PUT: the file is sent again, whole.
	srv.script(storagePath, answer{status: 503, body: "<Error><Code>SlowDown</Code></Error>"}, answer{status: 200})
	out, err := srv.client(t, fastBackoff).UploadAttachment(context.Background(), participant.UploadAttachmentInput{
		ConnectionToken: uploadToken, AttachmentName: "receipt.pdf", ContentType: "application/pdf", Body: bytes.NewReader(file),
	})
	if err != nil {
		t.Fatal(err)
	}
	if out.AttachmentID != "att-1" || out.AttachmentSizeInBytes != int64(len(file)) || out.ClientToken == "" {
		t.Errorf("output = %+v", out)
	}
	reqs := srv.sent()
	var paths []string
	for _, r := range reqs {
		paths = append(paths, r.Method+" "+r.Path)
	}
	if want := "POST " + startPath + ",PUT " + storagePath + ",PUT " + storagePath + ",POST " + completePath; strings.Join(paths, ",") != want {
		t.Fatalf("requests %v, want %s", paths, want)
	}
	var start, complete struct {
		AttachmentSizeInBytes int64
		AttachmentIds         []string
		ClientToken           string
	}
	json.Unmarshal(reqs[0].Body, &start)
	json.Unmarshal(reqs[3].Body, &complete)
	if start.AttachmentSizeInBytes != int64(len(file)) || start.ClientToken != out.ClientToken || complete.ClientToken != out.ClientToken {
		t.Errorf("start %+v, complete %+v: want the size, and one ClientToken for both steps", start, complete)
	}
	if len(complete.AttachmentIds) != 1 || complete.AttachmentIds[0] != "att-1" {
		t.Errorf("CompleteAttachmentUpload named %v", complete.AttachmentIds)
	}
	for _, put := range reqs[1:3] {
		if !bytes.Equal(put.Body, file) {
			t.Errorf("a PUT sent %d bytes, want the whole file of %d", len(put.Body), len(file))
		}
		if put.Header.Get("Content-Type") != "application/pdf" || put.Header.Get("X-Amz-Meta-Id") != "att-1" {
			t.Errorf("PUT headers %v lack HeadersToInclude", put.Header)
		}
		if _, leaked := put.Header["X-Amz-Bearer"]; leaked {
			t.Error("the connection token was sent to the storage host")
		}
	}
}

func TestUploadAttachmentFailures(t *testing.T) {
	t.Parallel()
	t.Run("the storage host refuses: typed error, no URL signature in it", func(t *testing.T) {
		t.Parallel()
		srv := uploadServer(t)
		srv.script(storagePath, answer{status: 403, body: "<Error><Code>SignatureDoesNotMatch</Code><Message>no</Message></Error>"})
		_, err := srv.client(t, fastBackoff).UploadAttachment(context.Background(), participant.UploadAttachmentInput{
			ConnectionToken: uploadToken, AttachmentName: "a.pdf", ContentType: "application/pdf", Body: strings.NewReader("x")})
		var apiErr participant.APIError
		if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "SignatureDoesNotMatch" || apiErr.HTTPStatusCode() != 403 {
			t.Fatalf("err = %v, want an APIError SignatureDoesNotMatch (403)", err)
		}
		var opErr *participant.OperationError
		if !errors.As(err, &opErr) || opErr.Operation != "UploadAttachment" || opErr.ClientToken == "" {
			t.Errorf("err = %v, want an *OperationError of UploadAttachment with the ClientToken", err)
		}
		if len(srv.sent()) != 2 {
			t.Errorf("%d requests, want Start and one PUT: a 403 is not retried and nothing is completed", len(srv.sent()))
		}
	})
	t.Run("the storage host cannot be reached: the URL's query stays out of the error", func(t *testing.T) {
		t.Parallel()
		srv := newScripted(t)
		srv.script(startPath, ok(`{"AttachmentId":"att-1","UploadMetadata":{"Url":"http://127.0.0.1:1/storage?X-Amz-Signature=sig-abc"}}`))
		_, err := srv.client(t, fastBackoff, participant.WithMaxAttempts(1)).UploadAttachment(context.Background(), participant.UploadAttachmentInput{
			ConnectionToken: uploadToken, AttachmentName: "a.txt", ContentType: "text/plain", Body: strings.NewReader("x")})
		if err == nil || strings.Contains(err.Error(), "sig-abc") || !strings.Contains(err.Error(), "127.0.0.1:1/storage") {
			t.Errorf("err = %v, want the storage URL without its query", err)
		}
	})
	t.Run("no body", func(t *testing.T) {
		t.Parallel()
		srv := newScripted(t)
		_, err := srv.client(t).UploadAttachment(context.Background(), participant.UploadAttachmentInput{ConnectionToken: uploadToken, AttachmentName: "a", ContentType: "text/plain"})
		if !errors.As(err, new(*participant.InvalidParamsError)) || len(srv.sent()) != 0 {
			t.Errorf("err = %v after %d requests, want invalid input and nothing sent", err, len(srv.sent()))
		}
	})
}

// downloadServer answers GetAttachment with a download URL on itself that
// serves body, and announces size bytes.
func downloadServer(t *testing.T, size int, body ...answer) *scripted {
	t.Helper()
	srv := newScripted(t)
	srv.script(getPath, ok(fmt.Sprintf(`{"Url":"%s%s?X-Amz-Signature=sig-dl","UrlExpiry":"2019-11-08T02:43:28.172Z","AttachmentSizeInBytes":%d}`, srv.URL, storagePath, size)))
	srv.script(storagePath, body...)
	return srv
}

func TestDownloadAttachment(t *testing.T) {
	t.Parallel()
	file := strings.Repeat("0123456789", 500)
	tests := []struct {
		name      string
		announced int
		answers   []answer
		wantErr   string // "" for success
		wantGETs  int
	}{
		{"the whole file", len(file), []answer{{status: 200, body: file}}, "", 1},
		{"a failure before the first byte is retried", len(file), []answer{{status: 500}, {status: 200, body: file}}, "", 2},
		{"more bytes than announced", len(file) - 1, []answer{{status: 200, body: file}}, "larger than the 4999 bytes", 1},
		{"fewer bytes than announced", len(file) + 1, []answer{{status: 200, body: file}}, "ended after", 1},
		{"a body that breaks off after some bytes is not retried into the same writer", len(file), []answer{{handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", fmt.Sprint(len(file)))
			io.WriteString(w, file[:100])
			w.(http.Flusher).Flush()
			drop(w, r)
		}}, {status: 200, body: file}}, "broke off after 100", 1},
		{"the storage host refuses", len(file), []answer{{status: 403, body: "<Error><Code>AccessDenied</Code></Error>"}}, "AccessDenied", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := downloadServer(t, tt.announced, tt.answers...)
			var w bytes.Buffer
			out, err := srv.client(t, fastBackoff).DownloadAttachment(context.Background(), participant.DownloadAttachmentInput{
				ConnectionToken: uploadToken, AttachmentID: "att-1"}, &w)
			gets := 0
			for _, r := range srv.sent() {
				if r.Path == storagePath {
					gets++
					if _, leaked := r.Header["X-Amz-Bearer"]; leaked {
						t.Error("the connection token was sent to the storage host")
					}
				}
			}
			if gets != tt.wantGETs {
				t.Errorf("%d GETs of the file, want %d", gets, tt.wantGETs)
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || strings.Contains(err.Error(), "sig-dl") {
					t.Fatalf("err = %v, want one saying %q, without the URL's signature", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if w.String() != file || out.AttachmentSizeInBytes != int64(len(file)) {
				t.Errorf("wrote %d bytes, output %+v", w.Len(), out)
			}
		})
	}
}
