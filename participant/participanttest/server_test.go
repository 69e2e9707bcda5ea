package participanttest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chatwire/connectparticipant/gen/participantops"
	"github.com/chatwire/connectparticipant/participant"
)

func TestConnectionsAccepted(t *testing.T) {
	t.Parallel()
	srv := NewServer()
	defer srv.Close()
	token := srv.NewConnection()
	if n := srv.ConnectionsAccepted(); n != 0 {
		t.Fatalf("ConnectionsAccepted = %d before any request", n)
	}
	for range 5 {
		call(t, srv, opSend, token, msg("text/plain", "kept alive"))
	}
	if n := srv.ConnectionsAccepted(); n != 1 {
		t.Errorf("5 sends through Client() took %d connections, want 1 reused", n)
	}

	noReuse := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	defer noReuse.CloseIdleConnections()
	for range 3 {
		if _, err := do(context.Background(), noReuse, srv.URL, opSend, token, msg("text/plain", "new connection each")); err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.ConnectionsAccepted(); n != 4 {
		t.Errorf("ConnectionsAccepted = %d after 3 sends without keep-alive, want 4", n)
	}
}

// stalledSend opens a connection to srv and sends the headers of a
// SendMessage whose body never comes. It returns once the handler waits for
// the body: the server answered the Expect: 100-continue, which net/http
// does on the handler's first read of the body.
func stalledSend(t *testing.T, srv *Server, token string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST /participant/message HTTP/1.1\r\nHost: fake\r\nContent-Type: application/json\r\n%s: %s\r\nContent-Length: 100\r\nExpect: 100-continue\r\n\r\n",
		participantops.BearerHeader, token)
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || !strings.Contains(line, "100 Continue") {
		t.Fatalf("no 100 Continue: %q, %v", line, err)
	}
	return conn
}

// waitClosed reads conn until the server closes it, for up to limit.
func waitClosed(t *testing.T, conn net.Conn, limit time.Duration) (time.Duration, string) {
	t.Helper()
	start := time.Now()
	_ = conn.SetReadDeadline(start.Add(limit))
	got, err := io.ReadAll(conn)
	if isTimeout(err) {
		t.Fatalf("the server kept the connection open for %v", limit)
	}
	return time.Since(start), string(got)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func TestCloseDoesNotWaitForAStalledClient(t *testing.T) {
	t.Parallel()
	srv := NewServer()
	token := srv.NewConnection()
	conn := stalledSend(t, srv, token)
	defer conn.Close()
	// An idle connection that never sent a request must not hold Close up
	// either.
	idle, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()

	start := time.Now()
	srv.Close()
	srv.Close()
	if d := time.Since(start); d > readTimeout/2 {
		t.Errorf("Close took %v with a stalled request, want about %v", d, closeGrace)
	}
	waitClosed(t, conn, time.Second)
	waitClosed(t, idle, time.Second)
	if _, err := http.Post(srv.URL+"/participant/message", "application/json", strings.NewReader("{}")); err == nil {
		t.Error("the server still answers after Close")
	}
}

func TestTimeouts(t *testing.T) {
	t.Parallel()
	const short = 200 * time.Millisecond
	srv := NewUnstartedServer()
	srv.timeouts.readHeader, srv.timeouts.read, srv.timeouts.idle = short, short, short
	srv.Start()
	defer srv.Close()
	token := srv.NewConnection()
	dial := func() net.Conn {
		conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		return conn
	}

	t.Run("a body dripped past the read timeout is cut off unanswered", func(t *testing.T) {
		conn := stalledSend(t, srv, token)
		defer conn.Close()
		if d, got := waitClosed(t, conn, 5*time.Second); got != "" {
			t.Errorf("after %v the server answered %q, want the connection cut off", d, got)
		}
		if n := len(srv.Transcript(token)); n != 1 {
			t.Errorf("the cut-off message was stored")
		}
	})
	t.Run("headers dripped past the header timeout", func(t *testing.T) {
		conn := dial()
		fmt.Fprint(conn, "POST /participant/message HTTP/1.1\r\nHost: fake\r\n")
		waitClosed(t, conn, 5*time.Second)
	})
	t.Run("an idle keep-alive connection is closed", func(t *testing.T) {
		conn := dial()
		fmt.Fprintf(conn, "POST /participant/transcript HTTP/1.1\r\nHost: fake\r\n%s: %s\r\nContent-Length: 0\r\n\r\n", participantops.BearerHeader, token)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
		waitClosed(t, conn, 5*time.Second)
	})
	t.Run("an upload gets more time than the read timeout for its bytes", func(t *testing.T) {
		s := startUpload(t, srv, token, "big", "application/octet-stream", 2<<20)
		if a := putUpload(t, srv, s, strings.Repeat("x", 2<<20)); a.status != http.StatusOK {
			t.Errorf("upload: %d %s", a.status, a.body)
		}
	})
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
	for name, f := range map[string]func(){
		"NewServer":          func() { NewServer(WithAddr(busy)).Close() },
		"NewUnstartedServer": func() { NewUnstartedServer(WithAddr(busy)).Close() },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s on a busy address did not panic", name)
				}
			}()
			f()
		}()
	}
}

func TestWithAddr(t *testing.T) {
	t.Parallel()
	srv := NewUnstartedServer(WithAddr("0.0.0.0:0"))
	srv.Start()
	defer srv.Close()
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Errorf("URL = %q, want http://127.0.0.1:PORT for a server on every interface", srv.URL)
	}
	if a := call(t, srv, opTranscript, srv.NewConnection(), nil); a.status != http.StatusOK {
		t.Errorf("status %d", a.status)
	}
}

func TestOptionsAreChecked(t *testing.T) {
	t.Parallel()
	for name, opt := range map[string]Option{
		"WithConnectionExpiry(0)":       WithConnectionExpiry(0),
		"WithWebSocketURLExpiry(-1)":    WithWebSocketURLExpiry(-time.Second),
		"WithRequestLog(-1)":            WithRequestLog(-1),
		"WithTranscriptLimit(0)":        WithTranscriptLimit(0),
		"WithAttachmentLimits(0, 1)":    WithAttachmentLimits(0, 1),
		"WithRateLimit of no operation": WithRateLimit("Send", 1, 1),
		"WithErrorMessageField(\"\")":   WithErrorMessageField(""),
	} {
		if s, err := Start(opt); err == nil {
			s.Close()
			t.Errorf("Start(%s) succeeded", name)
		} else if !strings.HasPrefix(err.Error(), "participanttest: With") {
			t.Errorf("Start(%s): %q does not name the option", name, err)
		}
	}
}

// TestHandlerCanBeMounted serves the fake from a server of one's own: the
// URLs it hands out point at that server.
func TestHandlerCanBeMounted(t *testing.T) {
	t.Parallel()
	fake := NewUnstartedServer()
	defer fake.Close()
	mine := httptest.NewServer(fake.Handler())
	defer mine.Close()
	customer := fake.NewParticipant(ParticipantOptions{})
	a, err := do(context.Background(), mine.Client(), mine.URL, opConnect, customer.ParticipantToken, map[string]any{"Type": []string{"WEBSOCKET"}})
	if err != nil || a.status != http.StatusOK {
		t.Fatalf("%v %d %s", err, a.status, a.body)
	}
	var out struct{ Websocket struct{ Url string } }
	a.decode(t, &out)
	u, _ := url.Parse(out.Websocket.Url)
	if u.Host != strings.TrimPrefix(mine.URL, "http://") {
		t.Errorf("Websocket.Url %s, want one on %s", u.Redacted(), mine.URL)
	}
}

func TestRequests(t *testing.T) {
	t.Parallel()
	srv := NewServer(WithRequestLog(3))
	defer srv.Close()
	token := srv.NewConnection()
	for i := range 5 {
		call(t, srv, opSend, token, msg("text/markdown", fmt.Sprint("message ", i), fmt.Sprint("ct-", i)))
	}
	reqs := srv.Requests()
	if len(reqs) != 3 || reqs[0].ClientToken != "ct-2" || reqs[2].ClientToken != "ct-4" {
		t.Fatalf("Requests = %+v, want the last 3", reqs)
	}
	r := reqs[2]
	if r.Operation != "SendMessage" || r.Method != http.MethodPost || r.Path != "/participant/message" || r.ContentType != "text/markdown" ||
		r.Status != http.StatusOK || r.Fault != FaultNone || !strings.Contains(string(r.Body), "message 4") {
		t.Errorf("Requests()[2] = %+v", r)
	}
	for _, r := range srv.Requests() {
		if strings.Contains(string(r.Body), token) {
			t.Error("a request holds the token")
		}
	}
	// Copies.
	reqs[2].Body[0] = 'X'
	if srv.Requests()[2].Body[0] != '{' {
		t.Error("changing a returned body changed the server's")
	}
	tr := srv.Transcript(token)
	tr[len(tr)-1].Content = "changed"
	if srv.Transcript(token)[len(tr)-1].Content == "changed" {
		t.Error("changing a returned transcript changed the server's")
	}

	none := NewServer(WithRequestLog(0))
	defer none.Close()
	call(t, none, opSend, none.NewConnection(), msg("text/plain", "x"))
	if n := len(none.Requests()); n != 0 {
		t.Errorf("WithRequestLog(0) kept %d requests", n)
	}
}

// TestEndedContactsAreEvicted: a long-running fake forgets a chat an hour
// after it ended, once its connection tokens are gone, and keeps the rest.
func TestEndedContactsAreEvicted(t *testing.T) {
	t.Parallel()
	clk := newClock(t0)
	srv := NewServer(WithClock(clk.Now), WithConnectionExpiry(time.Hour))
	defer srv.Close()
	client := newClient(t, srv)
	ended := srv.NewParticipant(ParticipantOptions{})
	endedToken := connect(t, client, ended)
	s := startUpload(t, srv, endedToken, "a", "text/plain", 2)
	putUpload(t, srv, s, "hi")
	live := srv.NewConnection()
	liveContact := srv.Transcript(live)[0].ContactID
	srv.EndChat(ended.ContactID)

	clk.Advance(time.Hour + time.Minute) // the chat ended an hour ago; its token expired but is remembered
	srv.NewConnection()                  // any use of the server sweeps
	if srv.Transcript(ended.ContactID) == nil {
		t.Fatal("the contact was evicted while it still had a connection token")
	}
	wantError(t, call(t, srv, opSend, endedToken, msg("text/plain", "x")), http.StatusForbidden, "expired")

	clk.Advance(time.Hour)                // the token expired an hour ago: forgotten, and the contact with it
	call(t, srv, opTranscript, live, nil) // refused as expired, but sweeps
	if srv.Transcript(ended.ContactID) != nil || srv.Transcript(ended.ParticipantToken) != nil {
		t.Error("the ended contact was not evicted")
	}
	if srv.Transcript(liveContact) == nil {
		t.Error("a contact whose chat goes on was evicted")
	}
	srv.mu.Lock()
	stored, attachments := srv.chat.storedBytes, len(srv.chat.attachments)
	srv.mu.Unlock()
	if stored != 0 || attachments != 0 {
		t.Errorf("the evicted contact's attachments are kept: %d bytes, %d attachments", stored, attachments)
	}
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	srv := NewServer()
	defer srv.Close()
	client := newClient(t, srv)
	const conns, perConn = 4, 25
	tokens := make([]string, conns)
	for i := range tokens {
		tokens[i] = srv.NewConnection()
	}

	var wg sync.WaitGroup
	errs := make(chan error, conns*perConn)
	for c, token := range tokens {
		for m := range perConn {
			wg.Go(func() {
				_, err := client.SendMessage(context.Background(), participant.SendMessageInput{
					ConnectionToken: participant.Secret(token), ContentType: "text/plain", Content: fmt.Sprintf("%d-%d", c, m), ClientToken: fmt.Sprint("ct-", m),
				})
				if err != nil {
					errs <- err
				}
			})
		}
	}
	// Read the records, play the agent and queue faults while the sends run.
	wg.Go(func() {
		for range 50 {
			srv.Requests()
			srv.Transcript(tokens[0])
			srv.AgentSend(srv.Transcript(tokens[1])[0].ContactID, "agent")
			srv.ConnectionsAccepted()
			srv.InjectFaults(Fault{Kind: FaultNone})
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for c, token := range tokens {
		ids := make(map[string]bool)
		for _, it := range srv.Transcript(token) {
			if it.Type == participant.ChatItemTypeMessage && it.ParticipantRole == participant.ParticipantRoleCustomer {
				ids[it.ID] = true
			}
		}
		if len(ids) != perConn {
			t.Errorf("connection %d: %d distinct messages, want %d", c, len(ids), perConn)
		}
	}
}
