package chat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/chatwire/connectparticipant/gen/participantws"
	"github.com/chatwire/connectparticipant/participant"
)

// Frames the session sends, encoded once.
var (
	subscribeFrame = mustFrame(participantws.WebSocketFrame{Topic: participantws.TopicSubscribe,
		Content: mustJSON(participantws.WebSocketSubscription{Topics: []string{participantws.TopicChat}})})
	heartbeatFrame = mustFrame(participantws.WebSocketFrame{Topic: participantws.TopicHeartbeat})
	pingFrame      = mustFrame(participantws.WebSocketFrame{Topic: participantws.TopicPing})
	// The answers to them, as the service encodes them: these are told by
	// their bytes, without JSON decoding, a good part of what reading them
	// would cost otherwise. Other encodings of the same answers are decoded.
	heartbeatAnswer = heartbeatFrame
	pingAnswer      = mustFrame(participantws.WebSocketFrame{Topic: participantws.TopicPing, StatusCode: pingStatusOK, StatusContent: pingStatusMsg})
)

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func mustFrame(f participantws.WebSocketFrame) []byte { return mustJSON(f) }

const (
	// subscribeTimeout bounds the wait for the subscription's acknowledgement.
	subscribeTimeout = 5 * time.Second
	// writeTimeout bounds a write (of one frame, or of the two heartbeats).
	writeTimeout = 5 * time.Second
	// maxFrameBytes bounds one frame the session reads: an item is at most
	// 16384 code points of content plus its other members.
	maxFrameBytes = 256 << 10
	// pingOK is the answer of a healthy deep heartbeat.
	pingStatusOK  = 200
	pingStatusMsg = "OK"
)

// socket is one open WebSocket. The session's goroutine reads it; the
// heartbeats are written by beats, which breaks the socket (closes it,
// saying why) when one goes unanswered, and the socket's refresh timer
// breaks it when the connection is due for a refresh.
//
// Its reads and writes take no context: the socket closes when the session
// ends (unwatch undoes that) or when a write takes longer than writeTimeout
// (writeTimer), and closing it ends a read or write under way. Contexts per
// read or write would cost a timer and an AfterFunc registration each, for
// every heartbeat of every session.
type socket struct {
	ws         *websocket.Conn
	subscribed bool                   // the subscription was acknowledged; the reader's own
	heartbeat  atomic.Bool            // a heartbeat awaits its answer
	ping       atomic.Bool            // a deep heartbeat awaits its answer
	expires    time.Time              // when the URL or the token expires, whichever first
	reason     atomic.Pointer[string] // why the socket was broken on purpose, if it was
	closed     atomic.Bool
	unwatch    func() bool // stops closing the socket when the session ends
	cork       *corkConn   // its connection, if the default client dialed it
	// The timers are made with the socket, stopped, and set by whoever
	// uses it; close stops them, and whoever sets one after close stops it
	// again (closed tells).
	writeTimer *time.Timer // closes the socket when armed by a write and not stopped in time
	refresh    *time.Timer // the refresh of the connection
	session    *Session
	due        time.Duration // when the next heartbeats are due, on the clock of beats; 0 if not
}

func (c *socket) close() {
	c.closed.Store(true)
	c.unwatch()
	c.writeTimer.Stop()
	beats.remove(c)
	c.refresh.Stop()
	c.ws.CloseNow()
}

// stoppedTimer returns a timer that calls f once set.
func stoppedTimer(f func()) *time.Timer {
	t := time.AfterFunc(time.Hour, f)
	t.Stop()
	return t
}

// breakWith closes the socket, saying why, unless it was broken already.
func (c *socket) breakWith(reason string) {
	c.reason.CompareAndSwap(nil, &reason)
	c.close()
}

// why is the reason the socket was broken with, or "".
func (c *socket) why() string {
	if r := c.reason.Load(); r != nil {
		return *r
	}
	return ""
}

// Reasons for breaking a socket on purpose.
const (
	reasonSubscribeTimeout = "subscription not acknowledged"
	reasonContext          = "context done"
	reasonMissedHeartbeat  = "missed heartbeat"
	reasonRefresh          = "refresh"
	reasonTokenRefused     = "token refused"
	reasonEnded            = "ended"
	reasonClosed           = "closed"
)

// connect makes a connection: CreateParticipantConnection (with the call
// options: reconnecting has its own policy, the first connection the
// client's retries), then the WebSocket opened and subscribed. The new
// connection token is the session's from then on. The caller reads the
// socket from then on.
func (s *Session) connect(ctx context.Context, opts ...participant.CallOption) (*socket, error) {
	out, err := s.client.CreateParticipantConnection(ctx, participant.CreateParticipantConnectionInput{
		ParticipantToken:   s.participantToken,
		Type:               []participant.ConnectionType{participant.ConnectionTypeWebsocket, participant.ConnectionTypeConnectionCredentials},
		ConnectParticipant: true,
	}, opts...)
	if err != nil {
		return nil, err
	}
	if out.Websocket.URL == "" || out.ConnectionCredentials.ConnectionToken == "" {
		return nil, errors.New("chat: CreateParticipantConnection answered without a WebSocket URL and a connection token")
	}
	hc, dialCtx, slot := s.cfg.httpClient, ctx, (*corkSlot)(nil)
	if hc == nil {
		if hc = defaultWebSocketClient(); hc != nil {
			slot = new(corkSlot)
			dialCtx = context.WithValue(ctx, corkSlotKey{}, slot)
		}
	}
	ws, _, err := websocket.Dial(dialCtx, string(out.Websocket.URL), &websocket.DialOptions{HTTPClient: hc})
	if err != nil {
		return nil, fmt.Errorf("chat: opening the WebSocket %v: %w", out.Websocket.URL, redactDialError(err, out.Websocket.URL))
	}
	ws.SetReadLimit(maxFrameBytes)
	c := &socket{ws: ws, session: s}
	if slot != nil {
		c.cork = slot.conn.Load()
	}
	c.writeTimer = stoppedTimer(c.close)
	c.refresh = stoppedTimer(func() {
		if s.enter() {
			defer s.bg.Done()
			c.breakWith(reasonRefresh)
		}
	})
	c.unwatch = context.AfterFunc(s.ctx, func() { c.breakWith(reasonClosed) })
	c.expires = earliest(s.cfg.now(), out.Websocket.ConnectionExpiry, out.ConnectionCredentials.Expiry)
	s.mu.Lock()
	s.token = out.ConnectionCredentials.ConnectionToken
	s.mu.Unlock()
	if err := s.write(c, subscribeFrame); err != nil {
		c.close()
		return nil, fmt.Errorf("chat: subscribing: %w", err)
	}
	// Read until the subscription is acknowledged, handling what comes
	// before it as always.
	timer := time.AfterFunc(subscribeTimeout, func() { c.breakWith(reasonSubscribeTimeout) })
	defer timer.Stop()
	stop := context.AfterFunc(ctx, func() { c.breakWith(reasonContext) })
	defer stop()
	for !c.subscribed {
		if err := s.readFrame(c); err != nil {
			c.close()
			switch c.why() {
			case reasonSubscribeTimeout:
				return nil, errors.New("chat: the subscription was not acknowledged in time")
			case reasonContext:
				return nil, ctx.Err()
			case reasonClosed:
				return nil, ErrClosed
			}
			return nil, fmt.Errorf("chat: the WebSocket closed before the subscription was acknowledged: %w", err)
		}
	}
	return c, nil
}

// earliest is the earlier of two expiry timestamps, or a day from now when
// neither parses.
func earliest(now time.Time, stamps ...participant.Timestamp) time.Time {
	at := now.Add(24 * time.Hour)
	for _, stamp := range stamps {
		if t, err := stamp.Time(); err == nil && t.Before(at) {
			at = t
		}
	}
	return at
}

// redactDialError keeps the WebSocket URL's query, a credential, out of an
// error that quotes the URL.
func redactDialError(err error, url participant.PresignedURL) error {
	return errors.New(strings.ReplaceAll(err.Error(), string(url), url.String()))
}

// write writes frames to the socket, within writeTimeout in all, or closes
// it. One goroutine at a time writes: connect's, then the heartbeats'.
func (s *Session) write(c *socket, frames ...[]byte) error {
	c.writeTimer.Reset(writeTimeout)
	defer c.writeTimer.Stop()
	corked := c.cork != nil && len(frames) > 1
	if corked {
		c.cork.cork() // the frames go out in one write
	}
	var err error
	for _, frame := range frames {
		if err = c.ws.Write(context.Background(), websocket.MessageText, frame); err != nil {
			break
		}
	}
	if corked {
		if uerr := c.cork.uncork(); err == nil {
			err = uerr
		}
	}
	return err
}

// readBuffers hold the frames being read, between the sockets of all the
// sessions: most frames are small, and a socket waiting for one holds none.
var readBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBuffer is the largest read buffer put back into readBuffers.
const maxPooledBuffer = 64 << 10

// readFrame reads the next frame of the socket and acts on it: it notes the
// answers to the heartbeats and the subscription, and offers the chat's
// items. It returns the error that ends the socket.
func (s *Session) readFrame(c *socket) error {
	_, r, err := c.ws.Reader(context.Background())
	if err != nil {
		return err
	}
	buf := readBuffers.Get().(*bytes.Buffer) // only now: a socket waiting for a frame holds none
	buf.Reset()
	_, err = buf.ReadFrom(r)
	var frame participantws.WebSocketFrame
	data := buf.Bytes()
	switch {
	case err != nil:
	case bytes.Equal(data, heartbeatAnswer):
		frame.Topic = participantws.TopicHeartbeat
	case bytes.Equal(data, pingAnswer):
		frame = participantws.WebSocketFrame{Topic: participantws.TopicPing, StatusCode: pingStatusOK, StatusContent: pingStatusMsg}
	case json.Unmarshal(data, &frame) != nil:
		frame = participantws.WebSocketFrame{} // not a frame of the protocol; the heartbeats tell if the socket is healthy
	}
	if buf.Cap() <= maxPooledBuffer {
		readBuffers.Put(buf) // frame holds copies of what it needs
	}
	if err != nil {
		return err
	}
	switch frame.Topic {
	case participantws.TopicHeartbeat:
		c.heartbeat.Store(false)
	case participantws.TopicPing:
		if frame.StatusCode == pingStatusOK && frame.StatusContent == pingStatusMsg {
			c.ping.Store(false)
		}
	case participantws.TopicSubscribe:
		var sub participantws.WebSocketSubscription
		if json.Unmarshal(frame.Content, &sub) == nil && sub.Status == "success" {
			c.subscribed = true
		}
	case participantws.TopicChat:
		item, past, err := decodeItem(frame.Content)
		if err != nil {
			s.logf("chat session: skipped a chat frame", "error", err.Error())
			return nil
		}
		s.offer(item, past, true)
	case "":
		if frame.Message != "" {
			s.logf("chat session: the service reported an error", "message", frame.Message, "request_id", frame.RequestID)
		}
	}
	return nil
}

func (s *Session) logf(msg string, args ...any) {
	if s.cfg.logger != nil {
		s.cfg.logger.Warn(msg, args...)
	}
}

// run is the session's goroutine: it reads the socket until it breaks, and
// then reconnects, until the chat ends, the session is closed, or
// reconnecting fails for good. The heartbeats go out from beats, the
// refresh is a timer, and catching up is a goroutine of its own while it
// lasts (see use), so that an idle session is this goroutine waiting for a
// frame, and a timer.
func (s *Session) run(c *socket) {
	defer close(s.done)
	defer s.bg.Wait() // the goroutines of the timers and of catching up
	defer s.cancel()
	for reconnected := false; ; reconnected = true {
		s.use(c, reconnected)
		var err error
		for err == nil {
			err = s.readFrame(c)
		}
		c.close()
		s.mu.Lock()
		s.conn = nil
		ended := s.ended
		s.mu.Unlock()
		var reason string
		switch {
		case s.ctx.Err() != nil:
			reason = reasonClosed
		case ended:
			reason = reasonEnded
		case c.why() != "":
			reason = c.why()
		default:
			reason = "broken: " + errText(err)
		}
		switch reason {
		case reasonClosed:
			s.finish(ErrClosed)
			s.setState(StateEnded, nil)
			return
		case reasonEnded:
			s.finish(ErrChatEnded)
			s.setState(StateEnded, nil)
			return
		}
		if l := s.cfg.logger; l != nil {
			l.Info("chat session: reconnecting", "reason", reason)
		}
		s.setState(StateReconnecting, nil)
		s.busy.Lock() // no catching up while reconnecting: the token changes
		s.mu.Lock()
		s.gap = true // after busy: a catch-up in flight must not clear it
		s.mu.Unlock()
		next, err := s.reconnect()
		s.busy.Unlock()
		if errors.Is(err, ErrClosed) {
			s.finish(ErrClosed)
			s.setState(StateEnded, nil)
			return
		}
		if err != nil {
			s.mu.Lock()
			s.flushPendingLocked() // the transcript is closed: what arrived live is all there is
			ended := s.ended
			s.mu.Unlock()
			if ended {
				s.finish(ErrChatEnded)
				s.setState(StateEnded, nil)
				return
			}
			s.finish(err)
			s.setState(StateEnded, err)
			return
		}
		c = next
		s.setState(StateConnected, nil)
	}
}

// use makes c the session's socket: after a reconnect, the orders for a new
// connection token are answered; the heartbeats go out, and the next are
// due an interval later; the refresh is set, and the session catches up.
func (s *Session) use(c *socket, reconnected bool) {
	s.mu.Lock()
	var orders []refreshOrder
	if reconnected {
		orders = s.orders
		s.orders = nil
	}
	s.conn = c
	ended := s.ended
	s.mu.Unlock()
	for _, order := range orders {
		order.done <- nil
	}
	if ended {
		c.breakWith(reasonEnded)
		return
	}
	s.sendHeartbeats(c)
	beats.add(c, nextBeat(beats.now(), s.cfg.heartbeat))
	c.refresh.Reset(s.refreshDelay(c.expires))
	if c.closed.Load() { // closed meanwhile: the timer may have been stopped before it was set
		c.refresh.Stop()
	}
	s.startCatchUp()
}

// beat is the heartbeats of a socket falling due (see beats): the last
// ones must have been answered, and the next go out. One unanswered breaks
// the socket.
func (s *Session) beat(c *socket) {
	if !s.enter() {
		return
	}
	defer s.bg.Done()
	if c.closed.Load() {
		return
	}
	if c.heartbeat.Load() || c.ping.Load() {
		c.breakWith(reasonMissedHeartbeat)
		return
	}
	s.sendHeartbeats(c)
	s.startCatchUp() // retries a catch-up that failed; nothing to do otherwise
	// The next are due once these are written, so that no two writers ever
	// meet.
	beats.add(c, nextBeat(beats.now(), s.cfg.heartbeat))
}

// beatSteps is how many instants of each heartbeat interval the heartbeats
// of a process are due at: the next heartbeats of a socket are due an
// interval from now, less up to a hundredth of one, on a grid shared by all
// the sessions, so that a process with thousands of sessions wakes up about
// a hundred times an interval to send heartbeats, many at a time (see
// beats), instead of once for each session.
const beatSteps = 100

// nextBeat is when the next heartbeats of a socket are due, on a clock
// shared by the sessions (that of beats).
func nextBeat(now, interval time.Duration) time.Duration {
	step := interval / beatSteps
	if step <= 0 {
		return now + interval
	}
	return (now + interval).Truncate(step)
}

// enter lets beats, a timer or a catch-up do the session's work, unless the
// session is finishing; bg.Done must follow a true.
func (s *Session) enter() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.enterLocked()
}

func (s *Session) enterLocked() bool {
	if s.finished {
		return false
	}
	s.bg.Add(1)
	return true
}

// finish ends the session's work: no heartbeat, timer or catch-up starts
// from then on, and the orders for a new connection token get err.
func (s *Session) finish(err error) {
	s.mu.Lock()
	s.finished = true
	orders := s.orders
	s.orders = nil
	s.mu.Unlock()
	for _, order := range orders {
		order.done <- err
	}
}

// breakFor breaks the session's socket, if one is open, for a reason.
func (s *Session) breakFor(reason string) {
	s.mu.Lock()
	c := s.conn
	s.mu.Unlock()
	if c != nil {
		c.breakWith(reason)
	}
}

func errText(err error) string {
	if err == nil {
		return "closed"
	}
	return err.Error()
}

func (s *Session) sendHeartbeats(c *socket) {
	c.heartbeat.Store(true)
	c.ping.Store(true)
	if s.write(c, heartbeatFrame, pingFrame) != nil {
		c.close() // the reader sees it and the session reconnects
	}
}

// refreshDelay is how long until the connection is refreshed: refreshBefore
// ahead of expiry, but not before half of what is left.
func (s *Session) refreshDelay(expires time.Time) time.Duration {
	left := expires.Sub(s.cfg.now())
	return max(left-s.cfg.refreshBefore, left/2, 0)
}

// reconnect makes a new connection within the reconnect policy. An access
// denied means the participant has left or the chat has ended: that ends the
// session at once.
func (s *Session) reconnect() (*socket, error) {
	var last error
	for n := 1; n <= s.cfg.reconnect.MaxAttempts; n++ {
		if wait := s.cfg.reconnect.jitter(n); wait > 0 {
			timer := time.NewTimer(wait)
			select {
			case <-s.ctx.Done():
				timer.Stop()
				return nil, ErrClosed
			case <-timer.C:
			}
		}
		c, err := s.connect(s.ctx, participant.MaxAttempts(1))
		if err == nil {
			return c, nil
		}
		if s.ctx.Err() != nil {
			return nil, ErrClosed
		}
		var denied *participant.AccessDeniedException
		if errors.As(err, &denied) {
			return nil, fmt.Errorf("chat: the participant can no longer connect (the chat may have ended): %w", err)
		}
		last = err
		s.logf("chat session: reconnect attempt failed", "attempt", n, "error", err.Error())
	}
	return nil, fmt.Errorf("chat: reconnecting failed %d times in a row; last error: %w", s.cfg.reconnect.MaxAttempts, last)
}
