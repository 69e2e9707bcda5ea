package participanttest

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/chatwire/connectparticipant/participant"
)

func TestSendMessageAddsAMessageItem(t *testing.T) {
	t.Parallel()
	clk := newClock(t0)
	srv := NewUnstartedServer(WithClock(clk.Now))
	pub := watch(srv)
	srv.Start()
	defer srv.Close()
	client := newClient(t, srv)
	customer := srv.NewParticipant(ParticipantOptions{DisplayName: "Jane"})
	token := connect(t, client, customer)

	out, err := client.SendMessage(context.Background(), participant.SendMessageInput{
		ConnectionToken: participant.Secret(token), ContentType: participant.ContentTypeTextMarkdown, Content: "**Hello**",
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := uuid.Parse(out.ID); err != nil {
		t.Errorf("Id %q is not a UUID", out.ID)
	}
	if out.AbsoluteTime != "2019-11-08T02:41:28.172Z" {
		t.Errorf("AbsoluteTime = %s, want the clock in UTC with milliseconds", out.AbsoluteTime)
	}
	if out.MessageMetadata.MessageProcessingStatus != participant.MessageProcessingStatusProcessing {
		t.Errorf("MessageMetadata = %+v, want PROCESSING", out.MessageMetadata)
	}
	want := participant.Item{
		ID: out.ID, Type: participant.ChatItemTypeMessage, ContentType: participant.ContentTypeTextMarkdown, Content: "**Hello**",
		AbsoluteTime: out.AbsoluteTime, ParticipantID: customer.ParticipantID, DisplayName: "Jane",
		ParticipantRole: participant.ParticipantRoleCustomer, ContactID: customer.ContactID,
	}
	tr := srv.Transcript(token)
	if got := tr[len(tr)-1]; !equalItems(got, want) {
		t.Errorf("item = %+v\nwant   %+v", got, want)
	}
	if got := pub.all(); len(got) != 2 || !equalItems(got[1], want) {
		t.Errorf("published %v, want the joined event and the message", contentTypes(got))
	}
}

func TestMessageContentTypes(t *testing.T) {
	t.Parallel()
	srv := NewServer()
	defer srv.Close()
	client := newClient(t, srv)
	plain := srv.NewConnection() // the default types: text/plain and text/markdown
	rich := connect(t, client, srv.NewParticipant(ParticipantOptions{SupportedContentTypes: []string{
		participant.ContentTypeTextPlain, participant.ContentTypeJSON, participant.ContentTypeInteractiveResponse,
	}}))
	tests := []struct {
		name       string
		token      string
		body       map[string]string
		wantStatus int
	}{
		{"plain text on a default contact", plain, msg("text/plain", "hi"), 200},
		{"markdown on a default contact", plain, msg("text/markdown", "*hi*"), 200},
		{"a misspelt type is refused", plain, msg("text/plan", "hello there friend"), 400},
		{"JSON on a contact that was not started with it", plain, msg("application/json", `{}`), 400},
		{"markdown on a contact started without it", rich, msg("text/markdown", "*hello there friend*"), 400},
		{"valid JSON", rich, msg("application/json", `{"a":[1,2]}`), 200},
		{"invalid JSON", rich, msg("application/json", `{"a":`), 400},
		{"a valid interactive response", rich, msg(participant.ContentTypeInteractiveResponse, `{"templateIdentifier":"x","data":{}}`), 200},
		{"an interactive response that is not JSON", rich, msg(participant.ContentTypeInteractiveResponse, `yes please`), 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(srv.Transcript(tt.token))
			a := call(t, srv, opSend, tt.token, tt.body)
			if tt.wantStatus != http.StatusOK {
				wantError(t, a, tt.wantStatus, "", tt.body["Content"])
				if n := len(srv.Transcript(tt.token)); n != before {
					t.Error("a refused message was stored")
				}
				return
			}
			if a.status != http.StatusOK {
				t.Fatalf("status %d, want 200; body %s", a.status, a.body)
			}
		})
	}
}

func TestSendEvent(t *testing.T) {
	t.Parallel()
	srv := NewUnstartedServer()
	pub := watch(srv)
	srv.Start()
	defer srv.Close()
	client := newClient(t, srv)
	token := srv.NewConnection()
	ctx := context.Background()
	before := srv.Transcript(token)

	for _, eventType := range []string{participant.EventTypeTyping, participant.EventTypeConnectionAcknowledged} {
		out, err := client.SendEvent(ctx, participant.SendEventInput{ConnectionToken: participant.Secret(token), ContentType: eventType})
		if err != nil {
			t.Fatalf("%s: %v", eventType, err)
		}
		if out.ID == "" || out.AbsoluteTime == "" {
			t.Errorf("%s: answer %+v lacks Id or AbsoluteTime", eventType, out)
		}
	}
	if tr := srv.Transcript(token); len(tr) != len(before) {
		t.Errorf("typing or the acknowledgement was stored: %v", contentTypes(tr))
	}
	got := pub.all()
	if typing := got[len(got)-1]; typing.ContentType != participant.EventTypeTyping || typing.Type != participant.ChatItemTypeEvent {
		t.Errorf("last published %+v, want the typing event (the acknowledgement publishes nothing)", typing)
	}
	var page struct{ Transcript []participant.Item }
	call(t, srv, opTranscript, token, map[string]int{"MaxResults": 100}).decode(t, &page)
	for _, it := range page.Transcript {
		if it.ContentType == participant.EventTypeTyping {
			t.Error("GetTranscript returned a typing event")
		}
	}

	for _, eventType := range []string{participant.EventTypeParticipantJoined, participant.EventTypeChatEnded, "application/vnd.amazonaws.connect.event.typo"} {
		a := call(t, srv, opEvent, token, map[string]string{"ContentType": eventType})
		wantError(t, a, http.StatusBadRequest, "ContentType")
	}
}

func TestReceipts(t *testing.T) {
	t.Parallel()
	clk := newClock(t0)
	srv := NewUnstartedServer(WithClock(clk.Now))
	pub := watch(srv)
	srv.Start()
	defer srv.Close()
	client := newClient(t, srv)
	ctx := context.Background()
	customer := srv.NewParticipant(ParticipantOptions{})
	token := connect(t, client, customer)
	agentMsg := srv.AgentSend(customer.ContactID, "Your order shipped.")
	receipt := func(eventType, messageID string) error {
		_, err := client.SendEvent(ctx, participant.SendEventInput{
			ConnectionToken: participant.Secret(token), ContentType: eventType, Content: `{"messageId":"` + messageID + `"}`,
		})
		return err
	}

	if err := receipt(participant.EventTypeMessageDelivered, agentMsg.ID); err != nil {
		t.Fatal(err)
	}
	clk.Advance(2 * time.Second)
	if err := receipt(participant.EventTypeMessageRead, agentMsg.ID); err != nil {
		t.Fatal(err)
	}
	want := &participant.MessageMetadata{MessageID: agentMsg.ID, Receipts: []participant.Receipt{{
		RecipientParticipantID: customer.ParticipantID,
		DeliveredTimestamp:     "2019-11-08T02:41:28.172Z",
		ReadTimestamp:          "2019-11-08T02:41:30.172Z",
	}}}
	tr := srv.Transcript(token)
	i := slices.IndexFunc(tr, func(it participant.Item) bool { return it.ID == agentMsg.ID })
	if got := tr[i].MessageMetadata; !equalMetadata(got, want) {
		t.Errorf("MessageMetadata = %+v, want %+v", got, want)
	}
	last := pub.all()[len(pub.all())-1]
	if last.Type != participant.ChatItemTypeMessageMetadata || !equalMetadata(last.MessageMetadata, want) {
		t.Errorf("published %+v, want a MESSAGEMETADATA item with the receipts", last)
	}
	if len(srv.Transcript(token)) != len(tr) {
		t.Error("a receipt added an item to the transcript")
	}

	var apiErr participant.APIError
	if err := receipt(participant.EventTypeMessageRead, uuid.NewString()); !errors.As(err, &apiErr) || apiErr.HTTPStatusCode() != http.StatusBadRequest {
		t.Errorf("a receipt for an unknown message: %v, want 400", err)
	}
	a := call(t, srv, opEvent, token, map[string]string{"ContentType": participant.EventTypeMessageRead, "Content": "not json"})
	wantError(t, a, http.StatusBadRequest, "messageId")

	// A supervisor barges in: three active participants, no receipts.
	connect(t, client, srv.NewParticipant(ParticipantOptions{ContactID: customer.ContactID, Role: participant.ParticipantRoleSupervisor}))
	err := receipt(participant.EventTypeMessageRead, agentMsg.ID)
	if _, ok := errors.AsType[*participant.ConflictException](err); !ok {
		t.Errorf("a receipt with three active participants: %v, want a ConflictException", err)
	}
}

// equalItems compares two items, metadata and attachments included.
func equalItems(a, b participant.Item) bool {
	return equalMetadata(a.MessageMetadata, b.MessageMetadata) && slices.Equal(a.Attachments, b.Attachments) &&
		a.ID == b.ID && a.Type == b.Type && a.ContentType == b.ContentType && a.Content == b.Content &&
		a.AbsoluteTime == b.AbsoluteTime && a.ParticipantID == b.ParticipantID && a.DisplayName == b.DisplayName &&
		a.ParticipantRole == b.ParticipantRole && a.ContactID == b.ContactID && a.RelatedContactID == b.RelatedContactID
}

func equalMetadata(a, b *participant.MessageMetadata) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.MessageID == b.MessageID && a.MessageProcessingStatus == b.MessageProcessingStatus && slices.Equal(a.Receipts, b.Receipts)
}
