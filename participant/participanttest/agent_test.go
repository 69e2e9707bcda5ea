package participanttest

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/chatwire/connectparticipant/participant"
)

func TestAgentSide(t *testing.T) {
	t.Parallel()
	clk := newClock(t0)
	srv := NewUnstartedServer(WithClock(clk.Now))
	pub := watch(srv)
	srv.Start()
	defer srv.Close()
	customer := srv.NewParticipant(ParticipantOptions{})
	token := connect(t, newClient(t, srv), customer)
	var sent struct{ Id string }
	call(t, srv, opSend, token, msg("text/plain", "Where is my order?")).decode(t, &sent)

	reply := srv.AgentSend(customer.ContactID, "It shipped today.")
	srv.AgentSend(customer.ContactID, "Anything else?")
	typing := srv.AgentSendEvent(customer.ContactID, participant.EventTypeTyping, "")
	read := srv.AgentSendEvent(customer.ContactID, participant.EventTypeMessageRead, `{"messageId":"`+sent.Id+`"}`)
	idle := srv.AgentSendEvent(customer.ContactID, participant.EventTypeParticipantIdle, "")

	tr := srv.Transcript(customer.ContactID)
	var got []string
	for _, it := range tr {
		got = append(got, string(it.ParticipantRole)+":"+strings.TrimPrefix(it.ContentType, "application/vnd.amazonaws.connect.event."))
	}
	want := "CUSTOMER:participant.joined CUSTOMER:text/plain AGENT:participant.joined AGENT:text/plain AGENT:text/plain AGENT:participant.idle"
	if strings.Join(got, " ") != want {
		t.Errorf("transcript = %s\nwant         %s", strings.Join(got, " "), want)
	}
	agentID := tr[2].ParticipantID
	if reply.Type != participant.ChatItemTypeMessage || reply.DisplayName != "Agent" || reply.ParticipantID != agentID ||
		reply.Content != "It shipped today." || reply.ContactID != customer.ContactID || !equalItems(reply, tr[3]) {
		t.Errorf("AgentSend returned %+v, want the stored message %+v", reply, tr[3])
	}
	if typing.ContentType != participant.EventTypeTyping || typing.ID == "" || slices.ContainsFunc(tr, func(it participant.Item) bool { return it.ID == typing.ID }) {
		t.Errorf("typing %+v: want an item that is not stored", typing)
	}
	if receipts := tr[1].MessageMetadata; receipts == nil || len(receipts.Receipts) != 1 || receipts.Receipts[0].RecipientParticipantID != agentID ||
		read.Type != participant.ChatItemTypeMessageMetadata {
		t.Errorf("the agent's read receipt: metadata %+v, item %+v", tr[1].MessageMetadata, read)
	}
	if idle.ID != tr[5].ID {
		t.Errorf("AgentSendEvent returned %+v, want the stored event", idle)
	}
	published := pub.all()
	if len(published) != len(tr)+2 || !slices.ContainsFunc(published, func(it participant.Item) bool { return it.ID == typing.ID }) ||
		!slices.ContainsFunc(published, func(it participant.Item) bool { return it.ID == read.ID }) {
		t.Errorf("published %v, want every stored item, the typing and the receipt", contentTypes(published))
	}

	srv.EndChat(customer.ContactID)
	srv.EndChat(customer.ContactID) // once is enough
	tr = srv.Transcript(customer.ContactID)
	if last := tr[len(tr)-1]; last.ContentType != participant.EventTypeChatEnded || last.Type != participant.ChatItemTypeEvent ||
		tr[len(tr)-2].ContentType == participant.EventTypeChatEnded {
		t.Errorf("after EndChat twice the transcript ends with %v", contentTypes(tr[len(tr)-2:]))
	}
	if a := call(t, srv, opSend, token, msg("text/plain", "hello?")); a.status != http.StatusForbidden {
		t.Errorf("a send after EndChat: %d, want 403", a.status)
	}
	for name, f := range map[string]func(){
		"AgentSend on an ended chat":      func() { srv.AgentSend(customer.ContactID, "late") },
		"AgentSend on an unknown contact": func() { srv.AgentSend("no-such-contact", "hi") },
		"AgentSendEvent with a bad receipt": func() {
			srv.AgentSendEvent(srv.NewParticipant(ParticipantOptions{}).ContactID, participant.EventTypeMessageRead, "{}")
		},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s did not panic", name)
				}
			}()
			f()
		}()
	}
}

func TestEndConnectionEndsTheChat(t *testing.T) {
	t.Parallel()
	srv := NewServer()
	defer srv.Close()
	token := srv.NewConnection()
	srv.EndConnection(token)
	srv.EndConnection("unknown") // does nothing
	tr := srv.Transcript(token)
	if len(tr) != 2 || tr[1].ContentType != participant.EventTypeChatEnded {
		t.Errorf("transcript = %v, want joined then chat.ended", contentTypes(tr))
	}
	wantError(t, call(t, srv, opSend, token, msg("text/plain", "hi")), http.StatusForbidden, "ended")
	if srv.Transcript("unknown") != nil {
		t.Error("Transcript of an unknown id is not nil")
	}
}
