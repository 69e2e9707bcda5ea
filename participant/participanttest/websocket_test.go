package participanttest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/chatwire/connectparticipant/gen/participantws"
	"github.com/chatwire/connectparticipant/participant"
)

// wsPeer is a raw WebSocket client of the fake, speaking the protocol by hand.
type wsPeer struct {
	t  *testing.T
	ws *websocket.Conn
}

// openWebSocket connects a new customer of a new contact (or p) and opens
// its WebSocket without subscribing.
func openWebSocket(t *testing.T, srv *Server, p Participant) (*wsPeer, participant.Secret) {
	t.Helper()
	out, err := newClient(t, srv).CreateParticipantConnection(context.Background(), participant.CreateParticipantConnectionInput{
		ParticipantToken: participant.Secret(p.ParticipantToken), ConnectParticipant: true,
		Type: []participant.ConnectionType{participant.ConnectionTypeWebsocket, participant.ConnectionTypeConnectionCredentials}})
	if err != nil {
		t.Fatal(err)
	}
	ws, _, err := websocket.Dial(context.Background(), string(out.Websocket.URL), nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	peer := &wsPeer{t: t, ws: ws}
	t.Cleanup(func() { ws.CloseNow() })
	return peer, out.ConnectionCredentials.ConnectionToken
}

func (p *wsPeer) send(frame string) {
	p.t.Helper()
	if err := p.ws.Write(context.Background(), websocket.MessageText, []byte(frame)); err != nil {
		p.t.Fatalf("write: %v", err)
	}
}

// next reads the next frame, or fails after a while.
func (p *wsPeer) next() participantws.WebSocketFrame {
	p.t.Helper()
	frame, err := p.read(5 * time.Second)
	if err != nil {
		p.t.Fatalf("read: %v", err)
	}
	return frame
}

func (p *wsPeer) read(within time.Duration) (participantws.WebSocketFrame, error) {
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	_, data, err := p.ws.Read(ctx)
	if err != nil {
		return participantws.WebSocketFrame{}, err
	}
	var frame participantws.WebSocketFrame
	if err := json.Unmarshal(data, &frame); err != nil {
		p.t.Fatalf("frame %s is not JSON: %v", data, err)
	}
	return frame, nil
}

// nextItem reads frames up to the next aws/chat one and returns its item.
func (p *wsPeer) nextItem() participant.Item {
	p.t.Helper()
	for {
		frame := p.next()
		if frame.Topic != participantws.TopicChat {
			continue
		}
		if frame.ContentType != "application/json" {
			p.t.Errorf("chat frame contentType %q, want application/json", frame.ContentType)
		}
		var text string
		var item participant.Item
		if err := json.Unmarshal(frame.Content, &text); err != nil {
			p.t.Fatalf("the content of a chat frame is not a JSON string: %s", frame.Content)
		}
		if err := json.Unmarshal([]byte(text), &item); err != nil {
			p.t.Fatalf("the content of a chat frame is not an item: %s", text)
		}
		return item
	}
}

func (p *wsPeer) subscribe() {
	p.t.Helper()
	p.send(`{"topic":"aws/subscribe","content":{"topics":["aws/chat"]}}`)
	ack := p.next()
	var sub participantws.WebSocketSubscription
	if ack.Topic != participantws.TopicSubscribe || json.Unmarshal(ack.Content, &sub) != nil || sub.Status != "success" {
		p.t.Fatalf("subscription answered %+v, want aws/subscribe with status success", ack)
	}
}

func TestWebSocketProtocol(t *testing.T) {
	t.Parallel()
	srv := NewServer()
	defer srv.Close()
	customer := srv.NewParticipant(ParticipantOptions{})
	peer, token := openWebSocket(t, srv, customer)

	// Nothing is pushed before the subscription.
	srv.AgentSend(customer.ContactID, "before subscribing")
	peer.subscribe()

	peer.send(`{"topic":"aws/heartbeat"}`)
	if f := peer.next(); f.Topic != participantws.TopicHeartbeat {
		t.Errorf("heartbeat answered %+v", f)
	}
	peer.send(`{"topic":"aws/ping"}`)
	if f := peer.next(); f.Topic != participantws.TopicPing || f.StatusCode != 200 || f.StatusContent != "OK" {
		t.Errorf("deep heartbeat answered %+v, want statusCode 200 and statusContent OK", f)
	}

	// Every item of the contact arrives, the participant's own messages too,
	// in order; its own typing does not come back.
	client := newClient(t, srv)
	if _, err := client.SendEvent(context.Background(), participant.SendEventInput{ConnectionToken: token, ContentType: participant.EventTypeTyping}); err != nil {
		t.Fatal(err)
	}
	sent, err := client.SendMessage(context.Background(), participant.SendMessageInput{ConnectionToken: token, ContentType: "text/plain", Content: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	srv.AgentSendEvent(customer.ContactID, participant.EventTypeTyping, "")
	reply := srv.AgentSend(customer.ContactID, "hello")
	if _, err := client.SendEvent(context.Background(), participant.SendEventInput{ConnectionToken: token,
		ContentType: participant.EventTypeMessageRead, Content: `{"messageId":"` + reply.ID + `"}`}); err != nil {
		t.Fatal(err)
	}
	srv.EndChat(customer.ContactID)
	want := []struct {
		id, contentType string
		typ             participant.ChatItemType
	}{
		{sent.ID, "text/plain", participant.ChatItemTypeMessage},
		{"", participant.EventTypeTyping, participant.ChatItemTypeEvent}, // the agent's; it joined before the subscription
		{reply.ID, "text/plain", participant.ChatItemTypeMessage},
		{"", participant.EventTypeMessageMetadata, participant.ChatItemTypeMessageMetadata},
		{"", participant.EventTypeChatEnded, participant.ChatItemTypeEvent},
	}
	for i, w := range want {
		item := peer.nextItem()
		if (w.id != "" && item.ID != w.id) || item.ContentType != w.contentType || item.Type != w.typ {
			t.Errorf("item %d: %s %s %s, want %s %s %s", i, item.ID, item.Type, item.ContentType, w.id, w.typ, w.contentType)
		}
		if w.typ == participant.ChatItemTypeMessageMetadata && (item.MessageMetadata == nil || item.MessageMetadata.MessageID != reply.ID ||
			len(item.MessageMetadata.Receipts) != 1 || item.MessageMetadata.Receipts[0].ReadTimestamp == "") {
			t.Errorf("the receipt item is %+v, want the read receipt of the agent's message", item.MessageMetadata)
		}
	}
}

func TestWebSocketRefusals(t *testing.T) {
	t.Parallel()
	clk := newClock(t0)
	srv := NewServer(WithClock(clk.Now), WithWebSocketURLExpiry(time.Minute))
	defer srv.Close()
	dial := func(url string) int {
		_, resp, err := websocket.Dial(context.Background(), url, nil)
		if err == nil {
			t.Fatal("the WebSocket opened; want it refused")
		}
		return resp.StatusCode
	}
	out, err := newClient(t, srv).CreateParticipantConnection(context.Background(), participant.CreateParticipantConnectionInput{
		ParticipantToken: participant.Secret(srv.NewParticipant(ParticipantOptions{}).ParticipantToken), Type: []participant.ConnectionType{participant.ConnectionTypeWebsocket}})
	if err != nil {
		t.Fatal(err)
	}
	url := string(out.Websocket.URL)
	if code := dial(strings.Replace(url, "token=", "token=x", 1)); code != http.StatusForbidden {
		t.Errorf("an unknown URL answered %d, want 403", code)
	}
	srv.InjectFaults(Fault{Kind: FaultWebSocketRefuse, Count: 2})
	for i := range 2 {
		if code := dial(url); code != http.StatusServiceUnavailable {
			t.Errorf("refused connection %d answered %d, want 503", i+1, code)
		}
	}
	ws, _, err := websocket.Dial(context.Background(), url, nil)
	if err != nil {
		t.Fatalf("after the refusals were used up: %v", err)
	}
	ws.CloseNow()
	clk.Advance(time.Minute)
	if code := dial(url); code != http.StatusForbidden {
		t.Errorf("an expired URL answered %d, want 403", code)
	}
}

func TestWebSocketFaults(t *testing.T) {
	t.Parallel()
	t.Run("drop", func(t *testing.T) {
		t.Parallel()
		srv := NewServer()
		defer srv.Close()
		p := srv.NewParticipant(ParticipantOptions{})
		peer, _ := openWebSocket(t, srv, p)
		peer.subscribe()
		srv.InjectFaults(Fault{Kind: FaultWebSocketDrop, ContactID: p.ContactID})
		if _, err := peer.read(5 * time.Second); err == nil || errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("read after the drop: %v, want the socket closed", err)
		}
		if n := srv.OpenWebSockets(p.ContactID); n != 0 {
			t.Errorf("%d sockets still open", n)
		}
	})
	t.Run("silence", func(t *testing.T) {
		t.Parallel()
		srv := NewServer()
		defer srv.Close()
		p := srv.NewParticipant(ParticipantOptions{})
		peer, _ := openWebSocket(t, srv, p)
		peer.subscribe()
		srv.InjectFaults(Fault{Kind: FaultWebSocketSilence})
		peer.send(`{"topic":"aws/heartbeat"}`)
		peer.send(`{"topic":"aws/ping"}`)
		item := srv.AgentSend(p.ContactID, "still pushed") // a marker after the heartbeats
		for {
			f := peer.next()
			if f.Topic == participantws.TopicHeartbeat || f.Topic == participantws.TopicPing {
				t.Fatalf("a silenced socket answered %+v", f)
			}
			if strings.Contains(string(f.Content), item.ID) {
				break
			}
		}
	})
	t.Run("delay", func(t *testing.T) {
		t.Parallel()
		srv := NewServer()
		defer srv.Close()
		p := srv.NewParticipant(ParticipantOptions{})
		peer, _ := openWebSocket(t, srv, p)
		peer.subscribe()
		srv.InjectFaults(Fault{Kind: FaultWebSocketDelay, Delay: 300 * time.Millisecond})
		start := time.Now()
		srv.AgentSend(p.ContactID, "late") // the agent's joined event comes first, also held
		for peer.nextItem().Content != "late" {
		}
		if d := time.Since(start); d < 600*time.Millisecond {
			t.Errorf("two frames came after %v, want 300ms each", d)
		}
		srv.ResetFaults()
		peer.send(`{"topic":"aws/heartbeat"}`)
		if _, err := peer.read(250 * time.Millisecond); err != nil {
			t.Errorf("after ResetFaults the answer was still held: %v", err)
		}
	})
}

func TestWebSocketClosesWhenItsURLExpires(t *testing.T) {
	t.Parallel()
	srv := NewServer(WithWebSocketURLExpiry(300 * time.Millisecond))
	defer srv.Close()
	p := srv.NewParticipant(ParticipantOptions{})
	peer, _ := openWebSocket(t, srv, p)
	peer.subscribe()
	if _, err := peer.read(5 * time.Second); err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("read: %v, want the socket closed when its URL expired", err)
	}
}
