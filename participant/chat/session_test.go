package chat_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/chatwire/connectparticipant/participant"
	"github.com/chatwire/connectparticipant/participant/chat"
	"github.com/chatwire/connectparticipant/participant/participanttest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fastReconnect keeps reconnect tests quick without changing what they prove.
var fastReconnect = chat.WithReconnect(chat.Reconnect{Initial: 10 * time.Millisecond, Max: 100 * time.Millisecond, MaxAttempts: 10})

// harness is a fake with one customer, and its Go client.
type harness struct {
	srv     *participanttest.Server
	client  *participant.Client
	p       participanttest.Participant
	states  *stateLog
	connect func(opts ...chat.Option) *chat.Session
}

func newHarness(t *testing.T, fakeOpts ...participanttest.Option) *harness {
	t.Helper()
	srv := participanttest.NewServer(fakeOpts...)
	t.Cleanup(srv.Close)
	client, err := participant.New(participant.WithEndpoint(srv.URL), participant.WithBackoff(time.Millisecond, time.Millisecond, 10*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{srv: srv, client: client, p: srv.NewParticipant(participanttest.ParticipantOptions{}), states: &stateLog{}}
	h.connect = func(opts ...chat.Option) *chat.Session {
		t.Helper()
		opts = append([]chat.Option{fastReconnect, chat.WithStateFunc(h.states.record)}, opts...)
		s, err := chat.Connect(context.Background(), client, participant.Secret(h.p.ParticipantToken), opts...)
		if err != nil {
			t.Fatalf("Connect: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	return h
}

// requests is how many requests of an operation the fake received.
func (h *harness) requests(operation string) int {
	n := 0
	for _, r := range h.srv.Requests() {
		if r.Operation == operation {
			n++
		}
	}
	return n
}

// stateLog records the states a session reports.
type stateLog struct {
	mu     sync.Mutex
	states []chat.State
	errs   []error
}

func (l *stateLog) record(s chat.State, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.states = append(l.states, s)
	l.errs = append(l.errs, err)
}

func (l *stateLog) count(s chat.State) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, st := range l.states {
		if st == s {
			n++
		}
	}
	return n
}

// receive reads items until it has n messages of the agent, and returns
// their contents in order; it fails on a repeated item.
func receive(t *testing.T, s *chat.Session, n int) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	seen := map[string]bool{}
	var got []string
	for len(got) < n {
		item, err := s.Next(ctx)
		if err != nil {
			t.Fatalf("after %d of %d messages: %v", len(got), n, err)
		}
		if item.ID != "" && seen[item.ID] {
			t.Fatalf("item %s (%s %q) delivered twice", item.ID, item.ContentType, item.Content)
		}
		seen[item.ID] = true
		if chat.KindOf(item) == chat.KindMessage && item.ParticipantRole == participant.ParticipantRoleAgent {
			got = append(got, item.Content)
		}
	}
	return got
}

func numbered(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("message %03d", i)
	}
	return out
}

func TestDeliversTheHistoryThenLiveItemsInOrder(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.srv.AgentSend(h.p.ContactID, "message 000") // before the session
	s := h.connect()
	for _, text := range numbered(5)[1:] {
		h.srv.AgentSend(h.p.ContactID, text)
	}
	if got := receive(t, s, 5); fmt.Sprint(got) != fmt.Sprint(numbered(5)) {
		t.Errorf("got %v", got)
	}
	if s.State() != chat.StateConnected || s.ConnectionToken() == "" {
		t.Errorf("state %v, token set %t", s.State(), s.ConnectionToken() != "")
	}
}

// TestNoItemIsLostOrRepeatedAcrossABreak is the acceptance test of the
// issue: the connection breaks while the agent sends 100 messages, and the
// session delivers all 100, in order, each once.
func TestNoItemIsLostOrRepeatedAcrossABreak(t *testing.T) {
	t.Parallel()
	for _, fault := range []participanttest.FaultKind{participanttest.FaultWebSocketDrop, participanttest.FaultWebSocketSilence} {
		t.Run(fault.String(), func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			s := h.connect(chat.WithHeartbeatInterval(100 * time.Millisecond))
			want := numbered(100)
			go func() {
				for i, text := range want {
					if i == 30 {
						h.srv.InjectFaults(participanttest.Fault{Kind: fault, ContactID: h.p.ContactID})
					}
					h.srv.AgentSend(h.p.ContactID, text)
					// The traffic's pace: a second in all, so that the break
					// (a missed heartbeat takes up to two intervals to see)
					// falls in the middle of it.
					time.Sleep(10 * time.Millisecond)
				}
			}()
			if got := receive(t, s, 100); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("got %d messages out of order or with gaps: %v", len(got), got)
			}
			if h.states.count(chat.StateReconnecting) == 0 {
				t.Error("the session never reconnected: the fault did not break the connection")
			}
		})
	}
}

// TestASlowReaderLosesNothing: items that do not fit the caller's queue are
// fetched from the transcript once the caller catches up.
func TestASlowReaderLosesNothing(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	s := h.connect(chat.WithBuffer(4))
	want := numbered(40)
	for _, text := range want {
		h.srv.AgentSend(h.p.ContactID, text)
	}
	if got := receive(t, s, 40); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v", got)
	}
}

// TestRefreshesBeforeExpiry: with a connection that lasts two seconds, a
// minute of traffic is delivered whole, each item once, and the session
// never holds two sockets.
func TestRefreshesBeforeExpiry(t *testing.T) {
	t.Parallel()
	h := newHarness(t, participanttest.WithConnectionExpiry(2*time.Second), participanttest.WithWebSocketURLExpiry(2*time.Second))
	s := h.connect()
	var most atomic.Int32
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
				if n := int32(h.srv.OpenWebSockets(h.p.ContactID)); n > most.Load() {
					most.Store(n)
				}
			}
		}
	}()
	const duration, every = 60 * time.Second, 100 * time.Millisecond
	want := numbered(int(duration / every))
	go func() {
		for _, text := range want {
			h.srv.AgentSend(h.p.ContactID, text)
			time.Sleep(every) // the pace of the traffic, not a wait for a signal
		}
	}()
	got := receive(t, s, len(want))
	close(stop)
	wg.Wait()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %d messages, want %d in order", len(got), len(want))
	}
	if n := h.states.count(chat.StateReconnecting); n < 20 {
		t.Errorf("%d refreshes in a minute of 2-second connections, want about 30", n)
	}
	if most.Load() > 1 {
		t.Errorf("%d sockets were open at once, want at most 1", most.Load())
	}
	if _, err := h.client.SendMessage(context.Background(), participant.SendMessageInput{ConnectionToken: s.ConnectionToken(), ContentType: "text/plain", Content: "fresh"}); err != nil {
		t.Errorf("the session's current connection token does not work: %v", err)
	}
}

func TestReconnectRefused(t *testing.T) {
	t.Parallel()
	t.Run("five times, then accepted", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		states := make(chan chat.State, 16)
		s := h.connect(chat.WithStateFunc(func(st chat.State, _ error) { states <- st }))
		waitState := func(want chat.State) {
			t.Helper()
			timeout := time.After(30 * time.Second)
			for {
				select {
				case st := <-states:
					if st == want {
						return
					}
				case <-timeout:
					t.Fatalf("the session never became %v", want)
				}
			}
		}
		waitState(chat.StateConnected)
		h.srv.InjectFaults(participanttest.Fault{Kind: participanttest.FaultWebSocketRefuse, Count: 5},
			participanttest.Fault{Kind: participanttest.FaultWebSocketDrop, ContactID: h.p.ContactID})
		waitState(chat.StateReconnecting)
		waitState(chat.StateConnected)
		h.srv.AgentSend(h.p.ContactID, "message 000")
		if got := receive(t, s, 1); got[0] != "message 000" {
			t.Errorf("got %v", got)
		}
		refused := 0
		for _, r := range h.srv.Requests() {
			if r.Path == "/websocket" && r.Status == 503 {
				refused++
			}
		}
		if refused != 5 {
			t.Errorf("the fake refused %d connections, want 5 before the session got through", refused)
		}
	})
	t.Run("forever", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		s := h.connect(chat.WithReconnect(chat.Reconnect{Initial: time.Millisecond, Max: 5 * time.Millisecond, MaxAttempts: 3}))
		h.srv.InjectFaults(participanttest.Fault{Kind: participanttest.FaultWebSocketRefuse, Count: 1000},
			participanttest.Fault{Kind: participanttest.FaultWebSocketDrop, ContactID: h.p.ContactID})
		var err error
		for _, err = range s.Items(context.Background()) {
			if err != nil {
				break
			}
		}
		if err == nil || !strings.Contains(err.Error(), "reconnecting failed 3 times") || !strings.Contains(err.Error(), "WebSocket") {
			t.Errorf("the session ended with %v, want a clear error saying reconnecting failed", err)
		}
		if s.State() != chat.StateEnded || s.Err() == nil {
			t.Errorf("state %v, Err %v", s.State(), s.Err())
		}
		// goleak (TestMain) holds that no goroutine is left.
	})
}

func TestTheChatEnding(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	s := h.connect()
	h.srv.AgentSend(h.p.ContactID, "bye")
	h.srv.EndChat(h.p.ContactID)
	var last participant.Item
	for item, err := range s.Items(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		last = item
	}
	if chat.KindOf(last) != chat.KindChatEnded {
		t.Errorf("the last item is %s %s, want the chat-ended event", last.Type, last.ContentType)
	}
	if _, err := s.Next(context.Background()); !errors.Is(err, chat.ErrChatEnded) {
		t.Errorf("Next after the end: %v, want ErrChatEnded", err)
	}
	if s.Err() != nil {
		t.Errorf("Err() = %v, want nil for a chat that ended", s.Err())
	}
}

func TestSendingThroughTheSession(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	s := h.connect()
	ctx := context.Background()
	if _, err := s.Send(ctx, "hello"); err != nil {
		t.Fatal(err)
	}
	agentMsg := h.srv.AgentSend(h.p.ContactID, "hi there")
	if err := s.MarkDelivered(ctx, agentMsg.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkRead(ctx, agentMsg.ID); err != nil {
		t.Fatal(err)
	}
	var receipts int
	for _, item := range h.srv.Transcript(h.p.ContactID) {
		if item.ID == agentMsg.ID && item.MessageMetadata != nil {
			receipts = len(item.MessageMetadata.Receipts)
		}
	}
	if receipts != 1 {
		t.Errorf("the agent's message has %d receipts, want the customer's", receipts)
	}

	// Typing in a tight loop sends one event per interval.
	sent := 0
	for range 200 {
		ok, err := s.SendTyping(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			sent++
		}
	}
	typing := 0
	for _, r := range h.srv.Requests() {
		if r.Operation == "SendEvent" && r.ContentType == participant.EventTypeTyping {
			typing++
		}
	}
	if sent != 1 || typing != 1 {
		t.Errorf("200 typing calls sent %d events (the fake saw %d), want 1", sent, typing)
	}

	if err := s.Disconnect(ctx); err != nil {
		t.Fatal(err)
	}
	if s.State() != chat.StateEnded {
		t.Errorf("state %v after Disconnect", s.State())
	}
	left := false
	for _, item := range h.srv.Transcript(h.p.ContactID) {
		left = left || item.ContentType == participant.EventTypeParticipantLeft
	}
	if !left {
		t.Error("Disconnect did not leave the chat")
	}
}

// TestARefusedTokenIsRefreshedOnce: when the connection token expires, any
// number of concurrent sends make one CreateParticipantConnection between
// them, and every send goes through.
func TestARefusedTokenIsRefreshedOnce(t *testing.T) {
	t.Parallel()
	clk := &fakeClock{now: time.Now()}
	h := newHarness(t, participanttest.WithClock(clk.Now), participanttest.WithConnectionExpiry(time.Hour))
	s := h.connect(chat.WithRefreshBefore(0))
	connects := func() int { return h.requests("CreateParticipantConnection") }
	before := connects()
	clk.Advance(time.Hour + time.Minute) // the fake's token expires; the session does not know
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.Send(context.Background(), fmt.Sprint("concurrent ", i))
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := connects() - before; n != 1 {
		t.Errorf("%d CreateParticipantConnection calls for 20 refused sends, want 1", n)
	}
	// Each send used one ClientToken, also when it was refused and sent
	// again after the refresh: 20 tokens, each accepted once.
	statuses := map[string][]int{}
	for _, r := range h.srv.Requests() {
		if r.Operation == "SendMessage" {
			statuses[r.ClientToken] = append(statuses[r.ClientToken], r.Status)
		}
	}
	if len(statuses) != 20 {
		t.Errorf("the sends used %d ClientTokens, want 20", len(statuses))
	}
	for token, got := range statuses {
		if !slices.Equal(got, []int{200}) && !slices.Equal(got, []int{403, 200}) {
			t.Errorf("ClientToken %s: answers %v, want 200, or 403 then 200", token, got)
		}
	}
}

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestConnectFailsClearly(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	_, err := chat.Connect(context.Background(), h.client, "not-a-participant-token")
	if !errors.As(err, new(*participant.AccessDeniedException)) {
		t.Errorf("Connect with an unknown token: %v, want AccessDeniedException", err)
	}
	if _, err := chat.Connect(context.Background(), h.client, ""); err == nil || !strings.Contains(err.Error(), "participant token") {
		t.Errorf("Connect without a token: %v", err)
	}
}

// The first connection rides out a throttled or unavailable service as any
// call of the client does, instead of failing Connect.
func TestConnectRetriesATransientFailure(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.srv.InjectFaults(participanttest.Fault{Kind: participanttest.FaultThrottle, Operation: "CreateParticipantConnection", Count: 2})
	s := h.connect()
	if s.State() != chat.StateConnected {
		t.Errorf("state %v after Connect", s.State())
	}
	if attempts := h.requests("CreateParticipantConnection"); attempts != 3 {
		t.Errorf("%d CreateParticipantConnection requests, want 2 throttled and 1 answered", attempts)
	}
}

// Disconnect after the chat ended, or after the participant was
// disconnected elsewhere, has nothing left to do and says so with nil.
func TestDisconnectWhenAlreadyOut(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		out  func(h *harness, s *chat.Session)
	}{
		{"chat ended and seen", func(h *harness, s *chat.Session) {
			h.srv.EndChat(h.p.ContactID)
			for _, err := range s.Items(context.Background()) {
				if err != nil {
					t.Fatal(err)
				}
			}
		}},
		{"left by another connection", func(h *harness, s *chat.Session) {
			if _, err := h.client.DisconnectParticipant(context.Background(), participant.DisconnectParticipantInput{ConnectionToken: s.ConnectionToken()}); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			s := h.connect()
			tc.out(h, s)
			if err := s.Disconnect(context.Background()); err != nil {
				t.Errorf("Disconnect: %v, want nil", err)
			}
			if s.State() != chat.StateEnded {
				t.Errorf("state %v after Disconnect", s.State())
			}
		})
	}
}
