package participanttest

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/chatwire/connectparticipant/gen/participantws"
	"github.com/chatwire/connectparticipant/participant"
)

const (
	// socketQueue bounds the frames waiting to be written to one socket; a
	// client that falls this far behind is disconnected, as a service would,
	// and catches up from the transcript.
	socketQueue = 256
	// socketWriteTimeout bounds one frame's write.
	socketWriteTimeout = 5 * time.Second
	// maxClientFrameBytes bounds a frame a client sends.
	maxClientFrameBytes = 64 << 10
)

// Frames the fake answers with, encoded once.
var (
	subscribedFrame = mustFrame(participantws.WebSocketFrame{Topic: participantws.TopicSubscribe,
		Content: mustJSON(participantws.WebSocketSubscription{Status: "success", Topics: []string{participantws.TopicChat}})})
	heartbeatFrame = mustFrame(participantws.WebSocketFrame{Topic: participantws.TopicHeartbeat})
	pingFrame      = mustFrame(participantws.WebSocketFrame{Topic: participantws.TopicPing, StatusCode: http.StatusOK, StatusContent: "OK"})
)

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func mustFrame(f participantws.WebSocketFrame) []byte { return mustJSON(f) }

// chatFrame is the aws/chat frame of an item: its content is the item's JSON
// as a string.
func chatFrame(item participant.Item) []byte {
	return mustFrame(participantws.WebSocketFrame{Topic: participantws.TopicChat, ContentType: "application/json",
		Content: mustJSON(string(mustJSON(item)))})
}

// socket is one open chat WebSocket of a participant.
type socket struct {
	ws         *websocket.Conn
	contactID  string
	memberID   string
	out        chan []byte // frames to write
	subscribed atomic.Bool
	silent     atomic.Bool // stopped answering heartbeats (FaultWebSocketSilence)
	done       chan struct{}
	once       sync.Once
}

// close drops the socket at once, as a broken network would.
func (c *socket) close() {
	c.once.Do(func() {
		close(c.done)
		c.ws.CloseNow()
	})
}

// send queues a frame; a socket whose queue is full is dropped.
func (c *socket) send(frame []byte) {
	select {
	case c.out <- frame:
	case <-c.done:
	default:
		c.close()
	}
}

// webSocketState is the server's open sockets and WebSocket faults; Server.mu
// guards it.
type webSocketState struct {
	sockets map[*socket]struct{}
	// byContact holds the same sockets by contact, so that an item reaches
	// its contact's sockets without a look at every other socket: with
	// thousands of chats open, a scan of all of them per item (under
	// Server.mu) is what would bound the fake.
	byContact map[string]map[*socket]struct{}
	refuse    int           // connections still to refuse (FaultWebSocketRefuse)
	delay     time.Duration // hold on every frame (FaultWebSocketDelay)
	wg        sync.WaitGroup
}

// serveWebSocket opens the chat WebSocket of the ticket in the URL's query,
// as CreateParticipantConnection handed it out.
func (s *Server) serveWebSocket(w http.ResponseWriter, r *http.Request, requestID string) {
	sw := s.record(w, Request{Method: r.Method, Path: r.URL.Path})
	s.mu.Lock()
	ticket := s.chat.tickets[r.URL.Query().Get("token")]
	now := s.cfg.clock()
	refused := s.ws.refuse > 0
	if refused {
		s.ws.refuse--
	}
	var expiry time.Time
	// A participant may open its WebSocket before it acknowledges the
	// connection; one that left, or whose chat ended, may not.
	usable := ticket != nil && now.Before(ticket.expiry) && activeLocked(ticket.m) == nil
	if usable {
		expiry = ticket.expiry
	}
	s.mu.Unlock()
	switch {
	case refused:
		s.writeError(sw, requestID, &apiError{code: "ServiceUnavailableException", status: http.StatusServiceUnavailable,
			message: "participanttest: this WebSocket connection is refused (injected FaultWebSocketRefuse)."})
		return
	case !usable:
		s.writeError(sw, requestID, &apiError{code: "ForbiddenException", status: http.StatusForbidden,
			message: "Forbidden (participanttest: the WebSocket URL is unknown or expired, or its participant left the chat; get a new one from CreateParticipantConnection)."})
		return
	}
	ws, err := websocket.Accept(sw, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		return // Accept has answered
	}
	ws.SetReadLimit(maxClientFrameBytes)
	c := &socket{ws: ws, contactID: ticket.m.contact.id, memberID: ticket.m.id, out: make(chan []byte, socketQueue), done: make(chan struct{})}
	s.mu.Lock()
	if s.ws.sockets == nil {
		s.ws.sockets = make(map[*socket]struct{})
		s.ws.byContact = make(map[string]map[*socket]struct{})
	}
	s.ws.sockets[c] = struct{}{}
	if s.ws.byContact[c.contactID] == nil {
		s.ws.byContact[c.contactID] = make(map[*socket]struct{})
	}
	s.ws.byContact[c.contactID][c] = struct{}{}
	s.ws.wg.Add(1)
	s.mu.Unlock()
	go s.writeFrames(c)
	// The URL expires on the server's clock; the socket closes when it does.
	expire := time.AfterFunc(expiry.Sub(s.cfg.clock()), c.close)
	defer expire.Stop()
	s.readFrames(c)
	c.close()
	s.mu.Lock()
	delete(s.ws.sockets, c)
	if of := s.ws.byContact[c.contactID]; of != nil {
		delete(of, c)
		if len(of) == 0 {
			delete(s.ws.byContact, c.contactID)
		}
	}
	s.mu.Unlock()
}

// readFrames answers a socket's frames until it closes: the subscription,
// the heartbeats and the deep heartbeats.
func (s *Server) readFrames(c *socket) {
	for {
		// Closing the socket (c.close) fails the read.
		_, data, err := c.ws.Read(s.baseCtx)
		if err != nil {
			return
		}
		var frame participantws.WebSocketFrame
		if json.Unmarshal(data, &frame) != nil {
			continue
		}
		switch frame.Topic {
		case participantws.TopicSubscribe:
			c.subscribed.Store(true)
			c.send(subscribedFrame)
		case participantws.TopicHeartbeat:
			if !c.silent.Load() {
				c.send(heartbeatFrame)
			}
		case participantws.TopicPing:
			if !c.silent.Load() {
				c.send(pingFrame)
			}
		}
	}
}

// writeFrames writes a socket's queued frames, each after the delay of
// FaultWebSocketDelay, until it closes.
func (s *Server) writeFrames(c *socket) {
	defer s.ws.wg.Done()
	for {
		select {
		case <-c.done:
			return
		case <-s.baseCtx.Done():
			c.close()
			return
		case frame := <-c.out:
			s.mu.Lock()
			delay := s.ws.delay
			s.mu.Unlock()
			if delay > 0 && !sleep(s.baseCtx, delay) {
				c.close()
				return
			}
			ctx, cancel := context.WithTimeout(s.baseCtx, socketWriteTimeout)
			err := c.ws.Write(ctx, websocket.MessageText, frame)
			cancel()
			if err != nil {
				c.close()
				return
			}
		}
	}
}

// pushToSockets sends an item of a contact to every subscribed socket of
// it; a typing event goes to everyone but its sender. Server.mu is held.
func (s *Server) pushToSockets(contactID string, item participant.Item) {
	var frame []byte
	for c := range s.ws.byContact[contactID] {
		if !c.subscribed.Load() {
			continue
		}
		if item.ContentType == participant.EventTypeTyping && item.ParticipantID == c.memberID {
			continue
		}
		if frame == nil {
			frame = chatFrame(item)
		}
		c.send(frame)
	}
}

// webSocketFault applies a WebSocket fault at once. Server.mu is held.
func (s *Server) webSocketFault(f Fault) {
	switch f.Kind {
	case FaultWebSocketRefuse:
		s.ws.refuse += max(f.Count, 1)
	case FaultWebSocketDelay:
		s.ws.delay = f.Delay
	case FaultWebSocketDrop, FaultWebSocketSilence:
		sockets := s.ws.sockets
		if f.ContactID != "" {
			sockets = s.ws.byContact[f.ContactID]
		}
		for c := range sockets {
			if f.Kind == FaultWebSocketDrop {
				c.close()
			} else {
				c.silent.Store(true)
			}
		}
	}
}

// OpenWebSockets returns how many chat WebSockets are open, for tests that
// check a client never holds two.
func (s *Server) OpenWebSockets(contactID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	sockets := s.ws.sockets
	if contactID != "" {
		sockets = s.ws.byContact[contactID]
	}
	n := 0
	for c := range sockets {
		select {
		case <-c.done:
			continue // closed; its reader has not returned yet
		default:
			n++
		}
	}
	return n
}

// closeWebSockets closes every socket and waits for their writers; Close
// calls it.
func (s *Server) closeWebSockets() {
	s.mu.Lock()
	for c := range s.ws.sockets {
		c.close()
	}
	s.mu.Unlock()
	s.ws.wg.Wait()
}
