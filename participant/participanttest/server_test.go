package participanttest

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
)

// fixedClock returns times one second apart from start, one per call.
func fixedClock(start time.Time) func() time.Time {
	var mu sync.Mutex
	next := start
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t := next
		next = next.Add(time.Second)
		return t
	}
}

func TestSendMessageAcceptsAndRecords(t *testing.T) {
	t.Parallel()
	// A clock in another zone: AbsoluteTime must still be UTC.
	start := time.Date(2019, 11, 8, 3, 41, 28, 172_999_000, time.FixedZone("CET", 3600))
	srv := NewServer(WithClock(fixedClock(start)))
	defer srv.Close()
	token := srv.NewConnection()

	a := post(t, srv, token, body("text/plain", "Hello, I need help with my order.", "ct-1"))
	if a.status != http.StatusOK {
		t.Fatalf("status = %d, want 200; body %s", a.status, a.body)
	}
	got := a.result(t)
	if _, err := uuid.Parse(got.Id); err != nil {
		t.Errorf("Id %q is not a UUID: %v", got.Id, err)
	}
	if want := "2019-11-08T02:41:28.172Z"; got.AbsoluteTime != want {
		t.Errorf("AbsoluteTime = %q, want %q (UTC, milliseconds)", got.AbsoluteTime, want)
	}
	if got.MessageMetadata.MessageProcessingStatus != "PROCESSING" {
		t.Errorf("MessageProcessingStatus = %q, want PROCESSING", got.MessageMetadata.MessageProcessingStatus)
	}

	wantMsg := Message{ID: got.Id, AbsoluteTime: got.AbsoluteTime, ContentType: "text/plain", Content: "Hello, I need help with my order.", ClientToken: "ct-1"}
	if tr := srv.Transcript(token); len(tr) != 1 || tr[0] != wantMsg {
		t.Errorf("Transcript = %+v, want [%+v]", tr, wantMsg)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("Requests has %d entries, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Status != 200 || r.Fault != FaultNone || r.ClientToken != "ct-1" || r.ContentType != "text/plain" {
		t.Errorf("Requests()[0] = %+v, want status 200, no fault, ClientToken ct-1, ContentType text/plain", r)
	}
	if strings.Contains(string(r.Body), token) {
		t.Error("Requests()[0].Body holds the connection token")
	}
}

func TestRecordsAreCopies(t *testing.T) {
	t.Parallel()
	srv := NewServer()
	defer srv.Close()
	token := srv.NewConnection()
	post(t, srv, token, body("text/plain", "original"))

	srv.Transcript(token)[0].Content = "changed"
	srv.Requests()[0].Body[0] = 'X'
	if got := srv.Transcript(token)[0].Content; got != "original" {
		t.Errorf("changing a returned transcript changed the server's: Content = %q", got)
	}
	if got := srv.Requests()[0].Body[0]; got != '{' {
		t.Errorf("changing a returned request body changed the server's: first byte %q", got)
	}
	if srv.Transcript("not-issued") != nil {
		t.Error("Transcript of a token the server did not issue is not nil")
	}
}

func TestAccessDenied(t *testing.T) {
	t.Parallel()
	srv := NewServer()
	defer srv.Close()
	live := srv.NewConnection()
	ended := srv.NewConnection()
	if live == ended {
		t.Fatal("NewConnection issued the same token twice")
	}
	post(t, srv, ended, body("text/plain", "before the end"))
	srv.EndConnection(ended)

	tests := []struct {
		name, token, wantInMessage string
		edits                      []func(*http.Request)
	}{
		{"an empty X-Amz-Bearer header is refused", "", "no connection token",
			[]func(*http.Request){func(r *http.Request) { r.Header["X-Amz-Bearer"] = []string{""} }}},
		{"a token the server never issued is refused", "AQIDAHh-made-up-token", "not issued by this server", nil},
		{"a token whose chat has ended is refused", ended, "has ended", nil},
		{"a token of exactly 1000 characters is checked, not refused as too long", strings.Repeat("t", 1000), "not issued by this server", nil},
		{"a request without the X-Amz-Bearer header is refused", "", "no connection token", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := post(t, srv, tt.token, body("text/plain", "hello"), tt.edits...)
			if a.status != http.StatusForbidden {
				t.Fatalf("status = %d, want 403; body %s", a.status, a.body)
			}
			if msg := a.message(t); !strings.Contains(msg, tt.wantInMessage) || tt.token != "" && strings.Contains(msg, tt.token) {
				t.Errorf("Message %q should say %q and not quote the token", msg, tt.wantInMessage)
			}
		})
	}
	if n := len(srv.Transcript(ended)); n != 1 {
		t.Errorf("the ended connection's transcript has %d messages, want the 1 sent before the end", n)
	}
	if a := post(t, srv, live, body("text/plain", "still here")); a.status != http.StatusOK {
		t.Errorf("ending one connection affected another: status %d", a.status)
	}
}

func TestIdempotency(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		first, retry []byte
		otherConn    bool // send the retry on another connection
		wantStatus   int
		wantSameID   bool
		wantMessages int // in the first connection's transcript
	}{
		{"a retry with the same ClientToken and message gets the first result",
			body("text/plain", "hi", "ct"), body("text/plain", "hi", "ct"), false, 200, true, 1},
		{"the same ClientToken with other Content is refused",
			body("text/plain", "hi", "ct"), body("text/plain", "bye", "ct"), false, 400, false, 1},
		{"the same ClientToken with another ContentType is refused",
			body("text/plain", "hi", "ct"), body("text/markdown", "hi", "ct"), false, 400, false, 1},
		{"the same ClientToken on another connection is a new message",
			body("text/plain", "hi", "ct"), body("text/plain", "hi", "ct"), true, 200, false, 1},
		{"an empty ClientToken always makes a new message",
			body("text/plain", "hi", ""), body("text/plain", "hi", ""), false, 200, false, 2},
		{"no ClientToken always makes a new message",
			body("text/plain", "hi"), body("text/plain", "hi"), false, 200, false, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := NewServer(WithClock(fixedClock(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC))))
			defer srv.Close()
			token := srv.NewConnection()
			first := post(t, srv, token, tt.first).result(t)
			retryToken := token
			if tt.otherConn {
				retryToken = srv.NewConnection()
			}
			a := post(t, srv, retryToken, tt.retry)
			if a.status != tt.wantStatus {
				t.Fatalf("retry status = %d, want %d; body %s", a.status, tt.wantStatus, a.body)
			}
			if a.status == 400 {
				wantValidation(t, a, "ClientToken", "bye")
			}
			if a.status == 200 {
				again := a.result(t)
				if same := again == first; same != tt.wantSameID {
					t.Errorf("retry result %+v, first %+v: same = %v, want %v", again, first, same, tt.wantSameID)
				}
			}
			if n := len(srv.Transcript(token)); n != tt.wantMessages {
				t.Errorf("transcript has %d messages, want %d", n, tt.wantMessages)
			}
			if n := len(srv.Requests()); n != 2 {
				t.Errorf("Requests has %d entries, want both requests", n)
			}
		})
	}
}

func TestUnknownOperationsAreNotFound(t *testing.T) {
	t.Parallel()
	srv := NewServer()
	defer srv.Close()
	token := srv.NewConnection()
	tests := []struct{ name, method, path string }{
		{"another path", http.MethodPost, "/participant/event"},
		{"another method", http.MethodGet, messagePath},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, srv.URL+tt.path, strings.NewReader(`{}`))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("X-Amz-Bearer", token)
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusNotFound || !strings.HasPrefix(resp.Header.Get("X-Amzn-ErrorType"), "UnknownOperationException") {
				t.Errorf("status %d, X-Amzn-ErrorType %q; want 404 UnknownOperationException", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"))
			}
		})
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("Requests recorded %d requests that were not SendMessage", n)
	}
}

func TestConnectionsAccepted(t *testing.T) {
	t.Parallel()
	srv := NewServer()
	defer srv.Close()
	token := srv.NewConnection()
	if n := srv.ConnectionsAccepted(); n != 0 {
		t.Fatalf("ConnectionsAccepted = %d before any request", n)
	}
	for range 5 {
		post(t, srv, token, body("text/plain", "kept alive"))
	}
	if n := srv.ConnectionsAccepted(); n != 1 {
		t.Errorf("5 sends through Client() took %d connections, want 1 reused", n)
	}

	noReuse := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	defer noReuse.CloseIdleConnections()
	for range 3 {
		if _, err := tryPost(context.Background(), noReuse, srv.URL, token, body("text/plain", "new connection each")); err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.ConnectionsAccepted(); n != 4 {
		t.Errorf("ConnectionsAccepted = %d after 3 sends without keep-alive, want 4", n)
	}
}

func TestCloseIsPromptAndRepeatable(t *testing.T) {
	t.Parallel()
	srv := NewServer()
	// A connection that never sends a request must not hold Close up.
	idle, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	waitFor(t, func() bool { return srv.ConnectionsAccepted() == 1 })

	start := time.Now()
	srv.Close()
	srv.Close()
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Close took %v with an idle connection open", d)
	}
	if _, err := idle.Read(make([]byte, 1)); !errors.Is(err, io.EOF) && !isConnReset(err) {
		t.Errorf("the idle connection is still open after Close: read error %v", err)
	}
	if _, err := http.Post(srv.URL+messagePath, "application/json", strings.NewReader("{}")); err == nil {
		t.Error("the server still answers after Close")
	}
}

func TestStartReportsListenErrors(t *testing.T) {
	t.Parallel()
	srv := NewServer()
	defer srv.Close()
	busy := strings.TrimPrefix(srv.URL, "http://")

	if s, err := Start(WithAddr(busy)); err == nil {
		s.Close()
		t.Fatalf("Start on the busy address %s succeeded", busy)
	} else if !strings.Contains(err.Error(), busy) {
		t.Errorf("error %q does not name the address", err)
	}
	defer func() {
		if recover() == nil {
			t.Error("NewServer on a busy address did not panic")
		}
	}()
	NewServer(WithAddr(busy)).Close()
}

func TestURLIsDialable(t *testing.T) {
	t.Parallel()
	srv := NewServer(WithAddr("127.0.0.1:0"))
	defer srv.Close()
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Errorf("URL = %q, want http://127.0.0.1:PORT", srv.URL)
	}
	if got := dialableAddr(&net.TCPAddr{IP: net.IPv6unspecified, Port: 8080}); got != "127.0.0.1:8080" {
		t.Errorf("dialableAddr([::]:8080) = %q, want 127.0.0.1:8080", got)
	}
}

// waitFor polls cond for up to 5 seconds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func isConnReset(err error) bool {
	return err != nil && strings.Contains(err.Error(), "connection reset")
}
