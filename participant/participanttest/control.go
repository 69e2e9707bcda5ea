package participanttest

import (
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

	"github.com/chatwire/connectparticipant/participant"
)

// ParticipantOptions describes a participant for NewParticipant.
type ParticipantOptions struct {
	// ContactID is the contact to join, which the server must have; "" starts
	// a new contact.
	ContactID string
	// DisplayName is the name the chat shows; the default follows the role:
	// "Customer", "Agent", "Bot" (CUSTOM_BOT), "Supervisor" or "System".
	DisplayName string
	// Role is the participant's role, default participant.ParticipantRoleCustomer.
	Role participant.ParticipantRole
	// SupportedContentTypes lists, for a new contact, the content types of
	// the messages it accepts (as StartChatContact's
	// SupportedMessagingContentTypes does); the default is text/plain and
	// text/markdown. It is ignored when joining a contact.
	SupportedContentTypes []string
}

// Participant is a participant that NewParticipant added, as starting or
// joining a chat returns it.
type Participant struct {
	// ParticipantToken is what CreateParticipantConnection takes. It stays
	// valid while the participant is part of the contact.
	ParticipantToken string
	// ParticipantID identifies the participant in transcript items.
	ParticipantID string
	// ContactID identifies the contact.
	ContactID string
}

// NewParticipant adds a participant to a contact, new or existing, as
// StartChatContact (or an agent accepting the contact) does, and returns its
// participant token. The participant joins the chat (its participant.joined
// event is added) when it calls CreateParticipantConnection with
// ConnectParticipant. NewParticipant panics if opts.ContactID names a
// contact the server does not have.
func (s *Server) NewParticipant(opts ParticipantOptions) Participant {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepLocked(s.now())
	var c *contact
	if opts.ContactID == "" {
		c = s.newContactLocked(opts.SupportedContentTypes)
	} else {
		c = s.mustContactLocked("NewParticipant", opts.ContactID)
	}
	m := s.addMemberLocked(c, opts.Role, opts.DisplayName)
	return Participant{ParticipantToken: m.token, ParticipantID: m.id, ContactID: c.id}
}

// NewConnection is the short path to a connection token: a customer on a
// new contact, already connected (it has joined the chat), as if it had
// called CreateParticipantConnection with ConnectParticipant. It returns the
// connection token.
func (s *Server) NewConnection() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.sweepLocked(now)
	c := s.newContactLocked(nil)
	m := s.addMemberLocked(c, participant.ParticipantRoleCustomer, "")
	s.joinLocked(m)
	token, _ := s.issueConnectionLocked(m, now)
	return token
}

// EndConnection ends the chat of a connection token, as EndChat does. It
// does nothing for a token the server does not know.
func (s *Server) EndConnection(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if cred := s.chat.creds[token]; cred != nil {
		s.endChatLocked(cred.m.contact)
	}
}

// EndChat ends a contact's chat, as an agent or a contact flow does: it adds
// the chat.ended event, and every token of the contact answers 403
// AccessDeniedException from then on. The transcript is kept (see the
// package documentation for how long). It does nothing for a chat that has
// ended, or a contact the server does not have.
func (s *Server) EndChat(contactID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.chat.contacts[contactID]; c != nil {
		s.endChatLocked(c)
	}
}

// AgentSend sends a text/plain message into a contact's chat as its agent,
// and returns the transcript item. The agent joins the chat on first use
// (its participant.joined event comes first). AgentSend panics if the server
// does not have the contact, its chat has ended, or text is empty.
func (s *Server) AgentSend(contactID, text string) participant.Item {
	return s.agentSend("AgentSend", contactID, participant.ContentTypeTextPlain, text)
}

// AgentSendMessage sends a message of any content type into a contact's
// chat as its agent, as AgentSend does for plain text.
func (s *Server) AgentSendMessage(contactID, contentType, content string) participant.Item {
	return s.agentSend("AgentSendMessage", contactID, contentType, content)
}

// agentSend is AgentSend and AgentSendMessage; caller names the one called
// in a panic.
func (s *Server) agentSend(caller, contactID, contentType, content string) participant.Item {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.mustLiveContactLocked(caller, contactID)
	if content == "" || contentType == "" {
		panic("participanttest: " + caller + ": a message needs a content type and content")
	}
	it := s.newItem(c, s.agentLocked(c), participant.ChatItemTypeMessage, contentType, content)
	s.addItemLocked(c, it)
	return it
}

// AgentSendEvent sends an event into a contact's chat as its agent (who
// joins on first use) and returns its item:
//   - participant.EventTypeTyping is published but not stored, as the
//     service does with typing;
//   - participant.EventTypeMessageDelivered and EventTypeMessageRead, with
//     content {"messageId":"<Id>"}, add the agent's receipt to that message
//     and return the MESSAGEMETADATA item that publishes it;
//   - participant.EventTypeChatEnded ends the chat, as EndChat;
//   - any other type is stored as an EVENT item, with content if not empty.
//
// AgentSendEvent panics if the server does not have the contact, its chat
// has ended, or a receipt is refused (content not naming a message of the
// transcript, or more than two participants in the chat).
func (s *Server) AgentSendEvent(contactID, contentType, content string) participant.Item {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.mustLiveContactLocked("AgentSendEvent", contactID)
	agent := s.agentLocked(c)
	switch contentType {
	case participant.EventTypeTyping:
		it := s.newItem(c, agent, participant.ChatItemTypeEvent, contentType, content)
		s.publish(c.id, it)
		return it
	case participant.EventTypeMessageDelivered, participant.EventTypeMessageRead:
		it, e := s.receiptLocked(c, agent, contentType, content)
		if e != nil {
			panic("participanttest: AgentSendEvent: " + e.message)
		}
		return it
	case participant.EventTypeChatEnded:
		s.endChatLocked(c)
		it, _ := c.transcript.bySeq(c.transcript.next() - 1)
		return cloneItem(*it)
	}
	it := s.newItem(c, agent, participant.ChatItemTypeEvent, contentType, content)
	s.addItemLocked(c, it)
	return it
}

// Transcript returns a copy of a contact's transcript, oldest first: every
// item it keeps (messages, events, attachments; not typing, which is never
// stored). id is a contact ID, or a participant or connection token of one
// of its participants. An idempotent retry adds nothing. It returns nil for
// an id the server does not know.
func (s *Server) Transcript(id string) []participant.Item {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chat.contacts[id]
	if cred := s.chat.creds[id]; c == nil && cred != nil {
		c = cred.m.contact
	}
	if c == nil {
		return nil
	}
	out := make([]participant.Item, len(c.transcript.buf))
	for i := range out {
		out[i] = cloneItem(*c.transcript.at(i))
	}
	return out
}

// View is a view for AddView: a form, a confirmation or another step a
// contact flow shows the participant.
type View struct {
	// ID, ARN, Name and Version identify the view; ID must match
	// ^[a-zA-Z0-9_\-:\/$]+$ and Name start with a letter, digit or one of
	// _.:/=+-@()' when set, as the contract says.
	ID, ARN, Name string
	Version       int32
	// InputSchema is the JSON Schema of the data the view takes, and
	// Template the view's template, as JSON.
	InputSchema, Template string
	// Actions name what the participant can do in the view.
	Actions []string
}

// AddView makes a view that DescribeView answers for the returned view
// token, on every contact.
func (s *Server) AddView(v View) (viewToken string) {
	v.Actions = append([]string(nil), v.Actions...)
	s.mu.Lock()
	defer s.mu.Unlock()
	token := newToken()
	s.chat.views[token] = v
	return token
}

// StartAuthentication starts a customer authentication in a contact's chat,
// as the contact flow's Authenticate Customer block does: it adds an
// authentication.initiated event whose Content is {"SessionId":"<id>"} and
// returns the session ID, for GetAuthenticationUrl and
// CancelParticipantAuthentication. It panics if the server does not have
// the contact or its chat has ended.
func (s *Server) StartAuthentication(contactID string) (sessionID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.mustLiveContactLocked("StartAuthentication", contactID)
	sessionID = uuid.NewString()
	content, _ := json.Marshal(struct{ SessionId string }{sessionID})
	c.auth[sessionID] = false
	s.addEventLocked(c, nil, participant.EventTypeAuthenticationInitiated, string(content))
	return sessionID
}

// mustContactLocked returns the contact of id, or panics naming caller.
func (s *Server) mustContactLocked(caller, id string) *contact {
	c := s.chat.contacts[id]
	if c == nil {
		panic(fmt.Sprintf("participanttest: %s: the server has no contact %q; use the ContactID of a Participant from NewParticipant", caller, id))
	}
	return c
}

// mustLiveContactLocked is mustContactLocked for a chat that has not ended.
func (s *Server) mustLiveContactLocked(caller, id string) *contact {
	c := s.mustContactLocked(caller, id)
	if c.ended {
		panic(fmt.Sprintf("participanttest: %s: the chat of contact %q has ended", caller, id))
	}
	return c
}

// cloneItem copies it deeply, so that the copy shares nothing the server
// changes.
func cloneItem(it participant.Item) participant.Item {
	if it.Attachments != nil {
		it.Attachments = append([]participant.AttachmentItem(nil), it.Attachments...)
	}
	if it.MessageMetadata != nil {
		meta := *it.MessageMetadata
		meta.Receipts = append([]participant.Receipt(nil), meta.Receipts...)
		it.MessageMetadata = &meta
	}
	return it
}
