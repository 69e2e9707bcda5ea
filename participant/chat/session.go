package chat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/chatwire/connectparticipant/participant"
)

// State is where a session stands.
type State int

// States of a session.
const (
	// StateConnecting: the first connection is being made.
	StateConnecting State = iota
	// StateConnected: the WebSocket is open and subscribed.
	StateConnected
	// StateReconnecting: the connection broke or is being refreshed.
	StateReconnecting
	// StateEnded: the chat ended, the session was closed, or reconnecting
	// failed for good (Err says which).
	StateEnded
)

// String returns the state's name, such as "connected".
func (s State) String() string {
	switch s {
	case StateConnecting:
		return "connecting"
	case StateConnected:
		return "connected"
	case StateReconnecting:
		return "reconnecting"
	case StateEnded:
		return "ended"
	}
	return fmt.Sprintf("State(%d)", int(s))
}

var (
	// ErrChatEnded is what Next returns once the chat has ended and every
	// item up to the chat-ended event was delivered.
	ErrChatEnded = errors.New("chat: the chat has ended")
	// ErrClosed is what Next returns after Close or Disconnect.
	ErrClosed = errors.New("chat: the session is closed")
)

// Defaults of the options of Connect.
const (
	// DefaultHeartbeatInterval is how often the heartbeats go out, as in the
	// official chat SDKs.
	DefaultHeartbeatInterval = 10 * time.Second
	// DefaultRefreshBefore is how long before the connection expires the
	// session refreshes it.
	DefaultRefreshBefore = time.Minute
	// DefaultBuffer is how many items the session holds for the caller.
	DefaultBuffer = 256
	// DefaultTypingInterval is the least time between two typing events, as
	// in the official chat SDKs.
	DefaultTypingInterval = 10 * time.Second
)

// Reconnect is the policy of reconnecting: the n-th attempt after a break
// waits a random time up to min(Initial·2^(n-2), Max) (the first one waits
// nothing), and after MaxAttempts failed attempts in a row the session ends
// with an error.
type Reconnect struct {
	Initial, Max time.Duration
	MaxAttempts  int
}

// DefaultReconnect is the reconnect policy of Connect: about two minutes of
// attempts.
var DefaultReconnect = Reconnect{Initial: 500 * time.Millisecond, Max: 30 * time.Second, MaxAttempts: 10}

type config struct {
	heartbeat      time.Duration
	refreshBefore  time.Duration
	buffer         int
	reconnect      Reconnect
	history        bool
	typingInterval time.Duration
	logger         *slog.Logger
	onState        func(State, error)
	httpClient     *http.Client
	now            func() time.Time
}

// Option configures a Session; pass options to Connect.
type Option func(*config)

// WithHeartbeatInterval sets how often the heartbeats go out (default 10 s);
// one unanswered by the next is a broken connection.
func WithHeartbeatInterval(d time.Duration) Option { return func(c *config) { c.heartbeat = d } }

// WithRefreshBefore sets how long before the WebSocket URL or the connection
// token expires the session refreshes them (default one minute; at most half
// of their lifetime).
func WithRefreshBefore(d time.Duration) Option { return func(c *config) { c.refreshBefore = d } }

// WithBuffer sets how many items the session holds for the caller (default
// 256). Transcript items that do not fit are fetched again with GetTranscript
// once the caller has caught up.
func WithBuffer(n int) Option { return func(c *config) { c.buffer = n } }

// WithReconnect sets the reconnect policy (default DefaultReconnect).
func WithReconnect(r Reconnect) Option { return func(c *config) { c.reconnect = r } }

// WithHistory says whether the session delivers the items sent before it
// connected (default true: every item of the chat, from its start).
func WithHistory(on bool) Option { return func(c *config) { c.history = on } }

// WithTypingInterval sets the least time between two typing events
// SendTyping sends (default 10 s).
func WithTypingInterval(d time.Duration) Option { return func(c *config) { c.typingInterval = d } }

// WithLogger logs the session's state changes and why it reconnects; never
// a token or a URL.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithStateFunc calls f on every state change, with the error that ended the
// session for StateEnded (nil after Close or the end of the chat). Calls come
// one at a time from the session's goroutine; f must not block.
func WithStateFunc(f func(State, error)) Option { return func(c *config) { c.onState = f } }

// WithHTTPClient sets the client that opens the WebSocket (default: one with
// a copy of the standard transport, http.DefaultTransport, whose
// connections let the session write its two heartbeats in one write; or
// http.DefaultClient, if the program set its Transport). Requests to the
// service go through the participant.Client given to Connect.
func WithHTTPClient(hc *http.Client) Option { return func(c *config) { c.httpClient = hc } }

// Session is a participant's live chat. Its methods are safe for concurrent
// use, except that one goroutine at a time may read items (Items or Next).
type Session struct {
	client           *participant.Client
	participantToken participant.Secret
	cfg              config

	ctx    context.Context // ends on Close
	cancel context.CancelFunc
	done   chan struct{}  // the session's goroutine has returned
	bg     sync.WaitGroup // the session's work in other goroutines: heartbeats, timers, catching up
	busy   sync.Mutex     // held while catching up and while reconnecting

	ready chan struct{} // cap 1: the queue or the state changed

	mu          sync.Mutex
	token       participant.Secret
	conn        *socket        // the open socket; nil while connecting
	orders      []refreshOrder // SendX found the token refused: wanted, a new connection
	catching    bool           // a catch-up runs
	catchAgain  bool           // ... and was asked for again meanwhile
	finished    bool           // the session's goroutine is ending: no timer or catch-up may start
	state       State
	err         error // why the session ended, if not cleanly
	queue       []participant.Item
	pendingLive []participant.Item // arrived while catching up
	gap         bool               // the transcript may hold items not delivered
	seen        idSet
	last        string // ID of the last transcript item queued
	ended       bool   // a chat-ended item was queued
	connectedAt time.Time
	lastTyping  time.Time
}

// refreshOrder asks the session's goroutine for a new connection token;
// done gets the outcome.
type refreshOrder struct {
	done chan error // cap 1
}

// Connect connects the participant of participantToken to its chat and
// returns the session, connected: CreateParticipantConnection (a WebSocket,
// a connection token, and the participant's acknowledgement), the WebSocket
// opened and subscribed. CreateParticipantConnection is retried as the
// client retries every call (a throttled or unavailable service), and
// Connect fails if the connection still cannot be made; later breaks are
// mended by reconnecting (WithReconnect). Close the session when done.
func Connect(ctx context.Context, client *participant.Client, participantToken participant.Secret, opts ...Option) (*Session, error) {
	cfg := config{
		heartbeat:      DefaultHeartbeatInterval,
		refreshBefore:  DefaultRefreshBefore,
		buffer:         DefaultBuffer,
		reconnect:      DefaultReconnect,
		history:        true,
		typingInterval: DefaultTypingInterval,
		now:            time.Now,
	}
	for _, o := range opts {
		o(&cfg)
	}
	switch {
	case client == nil:
		return nil, errors.New("chat: Connect needs a participant.Client")
	case participantToken == "":
		return nil, errors.New("chat: Connect needs the participant token (from StartChatContact or your chat backend)")
	case cfg.heartbeat <= 0 || cfg.refreshBefore < 0 || cfg.buffer < 1 || cfg.typingInterval < 0:
		return nil, errors.New("chat: the heartbeat interval and the buffer must be positive, the refresh and typing intervals not negative")
	case cfg.reconnect.Initial <= 0 || cfg.reconnect.Max < cfg.reconnect.Initial || cfg.reconnect.MaxAttempts < 1:
		return nil, errors.New("chat: WithReconnect needs 0 < Initial <= Max and MaxAttempts >= 1")
	}
	sctx, cancel := context.WithCancel(context.Background())
	s := &Session{
		client: client, participantToken: participantToken, cfg: cfg,
		ctx: sctx, cancel: cancel, done: make(chan struct{}),
		ready: make(chan struct{}, 1),
		seen:  newIDSet(seenCapacity),
		gap:   true, // frames read before the subscription is acknowledged wait for the history
	}
	s.setState(StateConnecting, nil)
	conn, err := s.connect(ctx)
	if err != nil {
		cancel()
		s.setState(StateEnded, err)
		return nil, err
	}
	s.mu.Lock()
	s.connectedAt = cfg.now()
	s.gap = true // the history, or at least where the chat stands now
	s.conn = conn
	s.mu.Unlock()
	if !cfg.history {
		if err := s.skipHistory(ctx); err != nil {
			conn.close()
			cancel()
			s.setState(StateEnded, err)
			return nil, err
		}
	}
	s.setState(StateConnected, nil)
	go s.run(conn)
	return s, nil
}

// ConnectionToken returns the current connection token, for calls the
// session does not make itself. It changes when the session refreshes the
// connection.
func (s *Session) ConnectionToken() participant.Secret {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.token
}

// State returns where the session stands.
func (s *Session) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state
}

// Err returns why the session ended, or nil while it goes on or when it
// ended cleanly (the chat ended, or Close).
func (s *Session) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Next returns the next item of the chat, waiting for one. It returns
// ErrChatEnded after the chat-ended item, ErrClosed after Close, the error
// that ended the session if reconnecting failed for good, or ctx's error.
func (s *Session) Next(ctx context.Context) (participant.Item, error) {
	for {
		s.mu.Lock()
		if len(s.queue) == 0 && s.finished && len(s.pendingLive) > 0 {
			s.flushPendingLocked() // no catch-up any more: what arrived live is all there is
		}
		if len(s.queue) > 0 {
			item := s.queue[0]
			s.queue[0] = participant.Item{}
			s.queue = s.queue[1:]
			catchUp := s.gap && len(s.queue) <= s.cfg.buffer/2 && s.claimCatchUpLocked()
			s.mu.Unlock()
			if catchUp {
				go s.catchUpLoop()
			}
			return item, nil
		}
		state, err, ended := s.state, s.err, s.ended
		s.mu.Unlock()
		switch {
		case ended:
			return participant.Item{}, ErrChatEnded
		case state == StateEnded && err != nil:
			return participant.Item{}, err
		case state == StateEnded:
			return participant.Item{}, ErrClosed
		}
		select {
		case <-s.ready:
		case <-ctx.Done():
			return participant.Item{}, ctx.Err()
		}
	}
}

// Items returns the chat's items, each once and in order, as they come:
//
//	for item, err := range session.Items(ctx) { ... }
//
// The loop ends after the chat-ended item, or after Close. An error ends it
// after it is yielded: the error that ended the session, or ctx's. Leaving
// the loop does not close the session.
func (s *Session) Items(ctx context.Context) iter.Seq2[participant.Item, error] {
	return func(yield func(participant.Item, error) bool) {
		for {
			item, err := s.Next(ctx)
			switch {
			case errors.Is(err, ErrChatEnded) || errors.Is(err, ErrClosed):
				return
			case err != nil:
				yield(participant.Item{}, err)
				return
			}
			if !yield(item, nil) {
				return
			}
		}
	}
}

// Close ends the session: it closes the WebSocket and stops the session's
// goroutine, and returns once it has. It does not leave the chat (see
// Disconnect). It is safe to call more than once.
func (s *Session) Close() error {
	s.cancel()
	<-s.done
	return nil
}

// Disconnect leaves the chat (DisconnectParticipant) and closes the session.
// A participant that is out of the chat already, because the chat ended or
// the participant left, has nothing to leave: Disconnect then closes the
// session and returns nil, so that it can be deferred without checking how
// the chat went.
func (s *Session) Disconnect(ctx context.Context) error {
	s.mu.Lock()
	ended := s.ended
	s.mu.Unlock()
	var err error
	if !ended {
		err = s.withToken(ctx, func(token participant.Secret) error {
			_, err := s.client.DisconnectParticipant(ctx, participant.DisconnectParticipantInput{ConnectionToken: token})
			return err
		})
	}
	s.Close()
	if denied := (*participant.AccessDeniedException)(nil); errors.As(err, &denied) {
		return nil // the service no longer knows the participant's connection: out already
	}
	return err
}

func (s *Session) setState(state State, err error) {
	s.mu.Lock()
	if s.state == state && state != StateConnecting {
		s.mu.Unlock()
		return
	}
	s.state = state
	if state == StateEnded {
		s.err = err
	}
	s.mu.Unlock()
	signal(s.ready)
	if l := s.cfg.logger; l != nil {
		if err != nil {
			l.Warn("chat session", "state", state.String(), "error", err.Error())
		} else {
			l.Info("chat session", "state", state.String())
		}
	}
	if s.cfg.onState != nil {
		s.cfg.onState(state, err)
	}
}

// signal wakes whoever waits on ch (a channel of capacity 1) without blocking.
func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// jitter returns the wait before reconnect attempt n (1 for the first).
func (r Reconnect) jitter(n int) time.Duration {
	if n <= 1 {
		return 0
	}
	ceil := r.Max
	if shift := n - 2; shift < 32 && r.Initial<<shift > 0 && r.Initial<<shift < r.Max {
		ceil = r.Initial << shift
	}
	return rand.N(ceil + 1)
}

// decodeItem reads the transcript item of an aws/chat frame's content, a JSON
// string holding the item's JSON.
func decodeItem(content json.RawMessage) (item participant.Item, pastSession bool, err error) {
	var text string
	if err := json.Unmarshal(content, &text); err != nil {
		return item, false, fmt.Errorf("the content of a chat frame is not a JSON string: %w", err)
	}
	var wire struct {
		participant.Item
		IsFromPastSession bool `json:"isFromPastSession"`
	}
	if err := json.Unmarshal([]byte(text), &wire); err != nil {
		return item, false, fmt.Errorf("the content of a chat frame is not a transcript item: %w", err)
	}
	return wire.Item, wire.IsFromPastSession, nil
}
