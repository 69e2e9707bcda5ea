package chat_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/chatwire/connectparticipant/participant"
	"github.com/chatwire/connectparticipant/participant/chat"
	"github.com/chatwire/connectparticipant/participant/participanttest"
)

// waitFor polls cond until it holds, and fails the test after a bound that
// only a bug reaches.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// readUntil reads the session until it has n messages of the agent or the
// session ends, and returns their contents, the last item read, and the
// error that ended the session, if it did.
func readUntil(t *testing.T, s *chat.Session, n int) (messages []string, last participant.Item, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for item, err := range s.Items(ctx) {
		if err != nil {
			return messages, last, err
		}
		last = item
		if chat.KindOf(item) == chat.KindMessage && item.ParticipantRole == participant.ParticipantRoleAgent {
			messages = append(messages, item.Content)
			if len(messages) == n {
				break
			}
		}
	}
	return messages, last, nil
}

// itemsAfter is how many items of a chat's transcript follow the item id.
func itemsAfter(srv *participanttest.Server, contactID, id string) int {
	transcript := srv.Transcript(contactID)
	for i, item := range transcript {
		if item.ID == id {
			return len(transcript) - i - 1
		}
	}
	return len(transcript)
}

// A live item that does not fit the caller's queue is kept, not left to a
// transcript that may be closed by the time the caller reads: when the chat
// ends, or the connection token expires, while a slow reader lags behind.
func TestASlowReaderGetsEveryItemWhenTheTranscriptCloses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		before func(h *harness, clk *fakeClock) // before the agent's messages
		after  func(h *harness, clk *fakeClock) // after them
		ends   bool                             // the chat ends after the messages
	}{
		{"the chat ends", func(*harness, *fakeClock) {}, func(h *harness, _ *fakeClock) { h.srv.EndChat(h.p.ContactID) }, true},
		{"the connection token expires", func(_ *harness, clk *fakeClock) { clk.Advance(2 * time.Hour) }, func(*harness, *fakeClock) {}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clk := &fakeClock{now: time.Now()}
			h := newHarness(t, participanttest.WithClock(clk.Now), participanttest.WithConnectionExpiry(time.Hour))
			s := h.connect(chat.WithBuffer(2), chat.WithRefreshBefore(0))
			first := h.srv.AgentSend(h.p.ContactID, "message 000")
			receive(t, s, 1) // caught up; the queue is empty
			tc.before(h, clk)
			want := numbered(6)[1:]
			for _, text := range want {
				h.srv.AgentSend(h.p.ContactID, text)
			}
			tc.after(h, clk)
			n := itemsAfter(h.srv, h.p.ContactID, first.ID)
			waitFor(t, "the session holds every item pushed", func() bool { return chat.Held(s) == n })

			got, _, err := readUntil(t, s, len(want))
			if !slices.Equal(got, want) || err != nil {
				t.Fatalf("delivered %q (%v), want %q", got, err, want)
			}
			if !tc.ends {
				return
			}
			rest, last, err := readUntil(t, s, 1)
			if len(rest) != 0 || chat.KindOf(last) != chat.KindChatEnded || err != nil {
				t.Errorf("after the messages: %q, then %s %s and %v; want the chat-ended event, then the end", rest, last.Type, last.ContentType, err)
			}
			if _, err := s.Next(context.Background()); !errors.Is(err, chat.ErrChatEnded) {
				t.Errorf("Next after the end: %v, want ErrChatEnded", err)
			}
		})
	}
}

// holdTranscript holds the answer of the first GetTranscript after it is
// armed until release is closed; held is closed once it holds one.
type holdTranscript struct {
	base          http.RoundTripper
	armed         atomic.Bool
	held, release chan struct{}
}

func (g *holdTranscript) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := g.base.RoundTrip(r)
	if r.URL.Path == "/participant/transcript" && g.armed.CompareAndSwap(true, false) {
		close(g.held)
		<-g.release
	}
	return resp, err
}

// A catch-up that has its page in hand when the socket breaks must not
// end the gap the break opened: what the agent sends while no socket is
// open comes from the catch-up after the reconnect.
func TestABreakDuringACatchUpLosesNothing(t *testing.T) {
	t.Parallel()
	srv := participanttest.NewServer()
	t.Cleanup(srv.Close)
	g := &holdTranscript{base: http.DefaultTransport.(*http.Transport).Clone(), held: make(chan struct{}), release: make(chan struct{})}
	client, err := participant.New(participant.WithEndpoint(srv.URL), participant.WithHTTPClient(&http.Client{Transport: g}))
	if err != nil {
		t.Fatal(err)
	}
	p := srv.NewParticipant(participanttest.ParticipantOptions{})
	s, err := chat.Connect(context.Background(), client, participant.Secret(p.ParticipantToken), fastReconnect)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	srv.AgentSend(p.ContactID, "message 000")
	receive(t, s, 1)

	g.armed.Store(true)
	srv.InjectFaults(participanttest.Fault{Kind: participanttest.FaultWebSocketDrop, ContactID: p.ContactID})
	<-g.held // a catch-up has its page, not yet merged
	// Break the socket of the reconnect too, if it was made meanwhile.
	srv.InjectFaults(participanttest.Fault{Kind: participanttest.FaultWebSocketDrop, ContactID: p.ContactID})
	waitFor(t, "no socket is open", func() bool {
		return s.State() == chat.StateReconnecting && srv.OpenWebSockets(p.ContactID) == 0
	})
	srv.AgentSend(p.ContactID, "message 001") // while no socket is open
	close(g.release)
	srv.AgentSend(p.ContactID, "message 002")
	if got, _, err := readUntil(t, s, 2); !slices.Equal(got, []string{"message 001", "message 002"}) || err != nil {
		t.Errorf("delivered %q (%v), want message 001 and 002", got, err)
	}
}

// rewriteWebSocket points the WebSocket URL that CreateParticipantConnection
// answers at another host.
type rewriteWebSocket struct {
	base     http.RoundTripper
	from, to string
}

func (r rewriteWebSocket) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.base.RoundTrip(req)
	if err != nil || req.URL.Path != "/participant/connection" {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	body = bytes.ReplaceAll(body, []byte(r.from), []byte(r.to))
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Del("Content-Length")
	return resp, nil
}

// An item pushed before the subscription is acknowledged (sent just as the
// session subscribes) waits for the history: the items before it are
// delivered first, and none is skipped.
func TestAnItemBeforeTheSubscriptionKeepsTheHistory(t *testing.T) {
	t.Parallel()
	srv := participanttest.NewServer()
	t.Cleanup(srv.Close)
	p := srv.NewParticipant(participanttest.ParticipantOptions{})
	srv.AgentSend(p.ContactID, "message 000")
	srv.AgentSend(p.ContactID, "message 001")
	early := srv.AgentSend(p.ContactID, "message 002")
	item, err := json.Marshal(early)
	if err != nil {
		t.Fatal(err)
	}
	content, err := json.Marshal(string(item))
	if err != nil {
		t.Fatal(err)
	}
	earlyFrame := []byte(`{"topic":"aws/chat","contentType":"application/json","content":` + string(content) + `}`)

	// A proxy in front of the fake's WebSocket that pushes the item before
	// it passes the subscription on.
	fakeHost := strings.TrimPrefix(srv.URL, "http://")
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		down, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer down.CloseNow()
		up, _, err := websocket.Dial(r.Context(), "ws://"+fakeHost+r.URL.RequestURI(), nil)
		if err != nil {
			return
		}
		defer up.CloseNow()
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		go func() {
			defer cancel()
			for pushed := false; ; pushed = true {
				typ, b, err := down.Read(ctx)
				if err != nil {
					return
				}
				if !pushed && down.Write(ctx, websocket.MessageText, earlyFrame) != nil {
					return
				}
				if up.Write(ctx, typ, b) != nil {
					return
				}
			}
		}()
		for {
			typ, b, err := up.Read(ctx)
			if err != nil || down.Write(ctx, typ, b) != nil {
				return
			}
		}
	}))
	t.Cleanup(proxy.Close)
	client, err := participant.New(participant.WithEndpoint(srv.URL), participant.WithHTTPClient(&http.Client{
		Transport: rewriteWebSocket{base: http.DefaultTransport, from: fakeHost, to: strings.TrimPrefix(proxy.URL, "http://")},
	}))
	if err != nil {
		t.Fatal(err)
	}
	s, err := chat.Connect(context.Background(), client, participant.Secret(p.ParticipantToken))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	want := []string{"message 000", "message 001", "message 002"}
	if got, _, err := readUntil(t, s, len(want)); !slices.Equal(got, want) || err != nil {
		t.Errorf("delivered %q (%v), want %q", got, err, want)
	}
}

// Close while the session waits to reconnect ends it cleanly, as Close
// always does.
func TestCloseWhileReconnectingIsClean(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	s := h.connect(chat.WithReconnect(chat.Reconnect{Initial: time.Minute, Max: time.Minute, MaxAttempts: 5}))
	h.srv.InjectFaults(participanttest.Fault{Kind: participanttest.FaultWebSocketRefuse, Count: 1000},
		participanttest.Fault{Kind: participanttest.FaultWebSocketDrop, ContactID: h.p.ContactID})
	waitFor(t, "a reconnect attempt was made", func() bool { return h.requests("CreateParticipantConnection") >= 2 })
	s.Close()
	if err := s.Err(); err != nil {
		t.Errorf("Err() after Close = %v, want nil", err)
	}
	if n := h.states.count(chat.StateEnded); n != 1 {
		t.Errorf("reported ended %d times", n)
	}
	h.states.mu.Lock()
	lastErr := h.states.errs[len(h.states.errs)-1]
	h.states.mu.Unlock()
	if lastErr != nil {
		t.Errorf("the ended state came with %v, want nil", lastErr)
	}
}
