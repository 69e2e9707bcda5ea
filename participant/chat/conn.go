package chat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
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
	// writeTimeout bounds one frame's write.
	writeTimeout = 5 * time.Second
	// maxFrameBytes bounds one frame the session reads: an item is at most
	// 16384 code points of content plus its other members.
	maxFrameBytes = 256 << 10
	// pingOK is the answer of a healthy deep heartbeat.
	pingStatusOK  = 200
	pingStatusMsg = "OK"
)

// socket is one open WebSocket and what its reader learnt.
type socket struct {
	ws         *websocket.Conn
	subscribed chan struct{} // closed on the subscription's acknowledgement
	broken     chan struct{} // closed when the reader stops
	err        error         // why, once broken is closed
	heartbeat  atomic.Bool   // a heartbeat awaits its answer
	ping       atomic.Bool   // a deep heartbeat awaits its answer
	expires    time.Time     // when the URL or the token expires, whichever first
}

func (c *socket) close() { c.ws.CloseNow() }

// connect makes a connection: CreateParticipantConnection, then the
// WebSocket opened and subscribed. The new connection token is the
// session's from then on.
func (s *Session) connect(ctx context.Context) (*socket, error) {
	out, err := s.client.CreateParticipantConnection(ctx, participant.CreateParticipantConnectionInput{
		ParticipantToken:   s.participantToken,
		Type:               []participant.ConnectionType{participant.ConnectionTypeWebsocket, participant.ConnectionTypeConnectionCredentials},
		ConnectParticipant: true,
	}, participant.MaxAttempts(1))
	if err != nil {
		return nil, err
	}
	if out.Websocket.URL == "" || out.ConnectionCredentials.ConnectionToken == "" {
		return nil, errors.New("chat: CreateParticipantConnection answered without a WebSocket URL and a connection token")
	}
	ws, _, err := websocket.Dial(ctx, string(out.Websocket.URL), &websocket.DialOptions{HTTPClient: s.cfg.httpClient})
	if err != nil {
		return nil, fmt.Errorf("chat: opening the WebSocket %v: %w", out.Websocket.URL, redactDialError(err, out.Websocket.URL))
	}
	ws.SetReadLimit(maxFrameBytes)
	c := &socket{ws: ws, subscribed: make(chan struct{}), broken: make(chan struct{})}
	c.expires = earliest(s.cfg.now(), out.Websocket.ConnectionExpiry, out.ConnectionCredentials.Expiry)
	s.mu.Lock()
	s.token = out.ConnectionCredentials.ConnectionToken
	s.mu.Unlock()
	go s.read(c)
	if err := s.write(c, subscribeFrame); err != nil {
		c.close()
		<-c.broken
		return nil, fmt.Errorf("chat: subscribing: %w", err)
	}
	timer := time.NewTimer(subscribeTimeout)
	defer timer.Stop()
	select {
	case <-c.subscribed:
		return c, nil
	case <-c.broken:
		return nil, fmt.Errorf("chat: the WebSocket closed before the subscription was acknowledged: %w", c.err)
	case <-timer.C:
		err = errors.New("chat: the subscription was not acknowledged in time")
	case <-ctx.Done():
		err = ctx.Err()
	}
	c.close()
	<-c.broken
	return nil, err
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

func (s *Session) write(c *socket, frame []byte) error {
	ctx, cancel := context.WithTimeout(s.ctx, writeTimeout)
	defer cancel()
	return c.ws.Write(ctx, websocket.MessageText, frame)
}

// read is the reader of one socket: it answers the heartbeat checks and
// offers the chat's items, until the socket fails or is closed.
func (s *Session) read(c *socket) {
	defer close(c.broken)
	for {
		_, data, err := c.ws.Read(s.ctx)
		if err != nil {
			c.err = err
			return
		}
		var frame participantws.WebSocketFrame
		if err := json.Unmarshal(data, &frame); err != nil {
			continue // not a frame of the protocol; the heartbeats tell if the socket is healthy
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
				select {
				case <-c.subscribed:
				default:
					close(c.subscribed)
				}
			}
		case participantws.TopicChat:
			item, past, err := decodeItem(frame.Content)
			if err != nil {
				s.logf("chat session: skipped a chat frame", "error", err.Error())
				continue
			}
			s.offer(item, past, true)
		case "":
			if frame.Message != "" {
				s.logf("chat session: the service reported an error", "message", frame.Message, "request_id", frame.RequestID)
			}
		}
	}
}

func (s *Session) logf(msg string, args ...any) {
	if s.cfg.logger != nil {
		s.cfg.logger.Warn(msg, args...)
	}
}

// run is the session's goroutine: it watches the socket, sends the
// heartbeats, catches up, refreshes and reconnects, until the chat ends, the
// session is closed, or reconnecting fails for good.
func (s *Session) run(c *socket) {
	defer close(s.done)
	defer s.cancel()
	s.setState(StateConnected, nil)
	for {
		s.catchUp()
		reason, order := s.watch(c)
		c.close()
		<-c.broken
		switch reason {
		case "closed":
			s.failOrder(order, ErrClosed)
			s.setState(StateEnded, nil)
			return
		case "ended":
			s.failOrder(order, ErrChatEnded)
			s.setState(StateEnded, nil)
			return
		}
		if l := s.cfg.logger; l != nil {
			l.Info("chat session: reconnecting", "reason", reason)
		}
		s.setState(StateReconnecting, nil)
		s.mu.Lock()
		s.gap = true // items sent while no socket is open come from the transcript
		s.mu.Unlock()
		next, err := s.reconnect()
		s.answerOrder(order, err)
		if err != nil {
			s.setState(StateEnded, err)
			return
		}
		c = next
		s.setState(StateConnected, nil)
	}
}

func (s *Session) answerOrder(order *refreshOrder, err error) {
	if order != nil {
		order.done <- err
	}
}

func (s *Session) failOrder(order *refreshOrder, err error) { s.answerOrder(order, err) }

// watch waits until the socket must be replaced, and says why: "closed",
// "ended", "broken: ...", "missed heartbeat", "refresh", or "token refused"
// (with the order that asked for it).
func (s *Session) watch(c *socket) (string, *refreshOrder) {
	ticker := time.NewTicker(s.cfg.heartbeat)
	defer ticker.Stop()
	refresh := time.NewTimer(s.refreshDelay(c.expires))
	defer refresh.Stop()
	s.sendHeartbeats(c)
	for {
		s.mu.Lock()
		ended := s.ended
		s.mu.Unlock()
		if ended {
			return "ended", nil
		}
		select {
		case <-s.ctx.Done():
			return "closed", nil
		case <-c.broken:
			return "broken: " + errText(c.err), nil
		case <-ticker.C:
			if c.heartbeat.Load() || c.ping.Load() {
				return "missed heartbeat", nil
			}
			s.sendHeartbeats(c)
			s.catchUp() // retries a catch-up that failed; nothing to do otherwise
		case <-refresh.C:
			return "refresh", nil
		case order := <-s.refresh:
			if s.ConnectionToken() != order.old {
				order.done <- nil // refreshed meanwhile
				continue
			}
			return "token refused", &order
		case <-s.wake:
			s.catchUp()
		}
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
	if s.write(c, heartbeatFrame) != nil || s.write(c, pingFrame) != nil {
		c.close() // the reader sees it and the loop reconnects
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
		c, err := s.connect(s.ctx)
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
