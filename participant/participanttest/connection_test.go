package participanttest

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chatwire/connectparticipant/participant"
)

func TestCreateParticipantConnection(t *testing.T) {
	t.Parallel()
	clk := newClock(t0)
	srv := NewServer(WithClock(clk.Now), WithConnectionExpiry(2*time.Hour), WithWebSocketURLExpiry(10*time.Minute))
	defer srv.Close()
	client := newClient(t, srv)
	ctx := context.Background()
	customer := srv.NewParticipant(ParticipantOptions{})
	connectWith := func(in participant.CreateParticipantConnectionInput) *participant.CreateParticipantConnectionOutput {
		t.Helper()
		in.ParticipantToken = participant.Secret(customer.ParticipantToken)
		out, err := client.CreateParticipantConnection(ctx, in)
		if err != nil {
			t.Fatalf("CreateParticipantConnection: %v", err)
		}
		return out
	}

	first := connectWith(participant.CreateParticipantConnectionInput{
		Type: []participant.ConnectionType{participant.ConnectionTypeWebsocket, participant.ConnectionTypeConnectionCredentials},
	})
	if got, want := first.ConnectionCredentials.Expiry, participant.Timestamp("2019-11-08T04:41:28.172Z"); got != want {
		t.Errorf("ConnectionCredentials.Expiry = %s, want %s: now (UTC, milliseconds) + WithConnectionExpiry", got, want)
	}
	if got, want := first.Websocket.ConnectionExpiry, participant.Timestamp("2019-11-08T02:51:28.172Z"); got != want {
		t.Errorf("Websocket.ConnectionExpiry = %s, want %s: now + WithWebSocketURLExpiry", got, want)
	}
	u, err := url.Parse(string(first.Websocket.URL))
	if err != nil {
		t.Fatal(err)
	}
	if u.Scheme != "ws" || u.Host != strings.TrimPrefix(srv.URL, "http://") || u.Path != webSocketPath || len(u.Query().Get("token")) < 32 {
		t.Errorf("Websocket.URL = %v, want ws://<server>/websocket?token=<random>", first.Websocket.URL)
	}
	if tr := srv.Transcript(customer.ContactID); len(tr) != 0 {
		t.Errorf("connecting without ConnectParticipant added %v", contentTypes(tr))
	}

	// Only what Type asks for.
	var credsOnly map[string]any
	call(t, srv, opConnect, customer.ParticipantToken, map[string]any{"Type": []string{"CONNECTION_CREDENTIALS"}}).decode(t, &credsOnly)
	if _, ws := credsOnly["Websocket"]; ws || credsOnly["ConnectionCredentials"] == nil {
		t.Errorf("Type CONNECTION_CREDENTIALS answered %v", credsOnly)
	}
	var nothing map[string]any
	call(t, srv, opConnect, customer.ParticipantToken, nil).decode(t, &nothing)
	if len(nothing) != 0 {
		t.Errorf("a request without Type answered %v, want nothing", nothing)
	}

	// Acknowledging adds the joined event once.
	for range 2 {
		connectWith(participant.CreateParticipantConnectionInput{Type: []participant.ConnectionType{participant.ConnectionTypeConnectionCredentials}, ConnectParticipant: true})
	}
	tr := srv.Transcript(customer.ContactID)
	if len(tr) != 1 || tr[0].ContentType != participant.EventTypeParticipantJoined || tr[0].Type != participant.ChatItemTypeEvent ||
		tr[0].ParticipantID != customer.ParticipantID || tr[0].DisplayName != "Customer" || tr[0].ParticipantRole != participant.ParticipantRoleCustomer ||
		tr[0].Content != "" || tr[0].ContactID != customer.ContactID {
		t.Errorf("transcript after two acknowledged connections = %+v, want one participant.joined event of the customer", tr)
	}

	// Every connection token is new, and the old ones stay valid.
	seen := map[string]bool{}
	for range 5 {
		token := connect(t, client, customer)
		if seen[token] {
			t.Fatal("CreateParticipantConnection issued a connection token twice")
		}
		seen[token] = true
	}
	for token := range seen {
		if a := call(t, srv, opSend, token, msg("text/plain", "still valid")); a.status != http.StatusOK {
			t.Errorf("an older connection token stopped working: %d", a.status)
		}
	}
}

func TestTokensAreRefused(t *testing.T) {
	t.Parallel()
	clk := newClock(t0)
	srv := NewServer(WithClock(clk.Now))
	defer srv.Close()
	client := newClient(t, srv)

	customer := srv.NewParticipant(ParticipantOptions{})
	live := connect(t, client, customer)
	expiring := connect(t, client, customer)
	clk.Advance(defaultConnectionExpiry - time.Second)
	fresh := connect(t, client, customer) // issued a second before the first ones expire
	clk.Advance(time.Second)

	ended := srv.NewParticipant(ParticipantOptions{})
	endedConn := connect(t, client, ended)
	srv.EndChat(ended.ContactID)

	left := srv.NewParticipant(ParticipantOptions{})
	leftConn := connect(t, client, left)
	if _, err := client.DisconnectParticipant(context.Background(), participant.DisconnectParticipantInput{ConnectionToken: participant.Secret(leftConn)}); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name          string
		connect       bool // CreateParticipantConnection; else SendMessage
		token         string
		wantStatus    int
		wantInMessage string
	}{
		{"a connection token issued a day ago has expired", false, live, 403, "expired"},
		{"every connection token of the participant expires on its own", false, expiring, 403, "expired"},
		{"a connection token within its day works", false, fresh, 200, ""},
		{"the participant token outlives its connection tokens", true, customer.ParticipantToken, 200, ""},
		{"a connection token where the participant token belongs", true, fresh, 403, "connection token"},
		{"a participant token where a connection token belongs", false, customer.ParticipantToken, 403, "participant token"},
		{"a token the server never issued", false, "AQIDAHh-made-up-token", 403, "did not issue"},
		{"a token of exactly 1000 characters is checked, not refused as too long", false, strings.Repeat("t", 1000), 403, "did not issue"},
		{"a connection token of an ended chat", false, endedConn, 403, "ended"},
		{"a participant token of an ended chat", true, ended.ParticipantToken, 403, "ended"},
		{"a connection token of a participant who left", false, leftConn, 403, "left"},
		{"a participant token of a participant who left", true, left.ParticipantToken, 403, "left"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var a answer
			if tt.connect {
				a = call(t, srv, opConnect, tt.token, map[string]any{"Type": []string{"CONNECTION_CREDENTIALS"}})
			} else {
				a = call(t, srv, opSend, tt.token, msg("text/plain", "hello"))
			}
			if tt.wantStatus == http.StatusOK {
				if a.status != http.StatusOK {
					t.Fatalf("status = %d, want 200; body %s", a.status, a.body)
				}
				return
			}
			wantError(t, a, tt.wantStatus, tt.wantInMessage, tt.token)
		})
	}

	// The typed error through the client.
	_, err := client.SendMessage(context.Background(), participant.SendMessageInput{ConnectionToken: participant.Secret(live), ContentType: "text/plain", Content: "x"})
	if _, ok := errors.AsType[*participant.AccessDeniedException](err); !ok {
		t.Errorf("the client got %v, want an AccessDeniedException", err)
	}
}

func TestDisconnectParticipant(t *testing.T) {
	t.Parallel()
	srv := NewServer()
	defer srv.Close()
	client := newClient(t, srv)
	ctx := context.Background()
	customer := srv.NewParticipant(ParticipantOptions{})
	token := connect(t, client, customer)
	other := connect(t, client, customer)
	srv.AgentSend(customer.ContactID, "hello")

	out, err := client.DisconnectParticipant(ctx, participant.DisconnectParticipantInput{ConnectionToken: participant.Secret(token), ClientToken: "bye"})
	if err != nil {
		t.Fatal(err)
	}
	tr := srv.Transcript(customer.ContactID)
	last := tr[len(tr)-1]
	if last.ContentType != participant.EventTypeParticipantLeft || last.ParticipantID != customer.ParticipantID || last.Type != participant.ChatItemTypeEvent {
		t.Errorf("last item = %+v, want the customer's participant.left event", last)
	}
	// A retry with the same ClientToken gets the first answer and adds nothing.
	if _, err := client.DisconnectParticipant(ctx, participant.DisconnectParticipantInput{ConnectionToken: participant.Secret(token), ClientToken: out.ClientToken}); err != nil {
		t.Errorf("retrying the disconnect with its ClientToken: %v", err)
	}
	if n := len(srv.Transcript(customer.ContactID)); n != len(tr) {
		t.Errorf("the retry added %d items", n-len(tr))
	}
	// Every token of the participant is refused; the agent's chat goes on.
	for name, tok := range map[string]string{"the connection token": token, "another connection token": other} {
		if a := call(t, srv, opSend, tok, msg("text/plain", "still here?")); a.status != http.StatusForbidden {
			t.Errorf("%s after disconnecting: status %d, want 403", name, a.status)
		}
	}
	if a := call(t, srv, opConnect, customer.ParticipantToken, map[string]any{"Type": []string{"CONNECTION_CREDENTIALS"}}); a.status != http.StatusForbidden {
		t.Errorf("the participant token after disconnecting: status %d, want 403", a.status)
	}
	if a := call(t, srv, opDisconnect, token, map[string]string{"ClientToken": "another"}); a.status != http.StatusForbidden {
		t.Errorf("disconnecting again with a new ClientToken: status %d, want 403", a.status)
	}
	srv.AgentSend(customer.ContactID, "anyone?")
}

func TestNewParticipantJoinsAContact(t *testing.T) {
	t.Parallel()
	srv := NewServer()
	defer srv.Close()
	client := newClient(t, srv)
	customer := srv.NewParticipant(ParticipantOptions{DisplayName: "Jane"})
	bot := srv.NewParticipant(ParticipantOptions{ContactID: customer.ContactID, Role: participant.ParticipantRoleCustomBot})
	if bot.ContactID != customer.ContactID || bot.ParticipantID == customer.ParticipantID || bot.ParticipantToken == customer.ParticipantToken {
		t.Fatalf("NewParticipant on a contact = %+v, customer %+v", bot, customer)
	}
	connect(t, client, customer)
	connect(t, client, bot)
	var got []string
	for _, it := range srv.Transcript(customer.ContactID) {
		got = append(got, it.DisplayName+"/"+string(it.ParticipantRole))
	}
	if want := "Jane/CUSTOMER Bot/CUSTOM_BOT"; strings.Join(got, " ") != want {
		t.Errorf("joined: %v, want %s", got, want)
	}
	defer func() {
		if recover() == nil {
			t.Error("NewParticipant on an unknown contact did not panic")
		}
	}()
	srv.NewParticipant(ParticipantOptions{ContactID: "no-such-contact"})
}
