package participanttest_test

import (
	"context"
	"fmt"
	"log"

	"github.com/chatwire/connectparticipant/participant"
	"github.com/chatwire/connectparticipant/participant/participanttest"
)

// The common path: a customer connects with the participant token that
// starting the chat gave it, sends a message, the agent answers, and the
// customer reads the transcript.
func Example() {
	srv := participanttest.NewServer()
	defer srv.Close()
	customer := srv.NewParticipant(participanttest.ParticipantOptions{DisplayName: "Jane"})

	ctx := context.Background()
	client, err := participant.New(participant.WithEndpoint(srv.URL), participant.WithHTTPClient(srv.Client()))
	if err != nil {
		log.Fatal(err)
	}
	conn, err := client.CreateParticipantConnection(ctx, participant.CreateParticipantConnectionInput{
		ParticipantToken:   participant.Secret(customer.ParticipantToken),
		Type:               []participant.ConnectionType{participant.ConnectionTypeConnectionCredentials},
		ConnectParticipant: true,
	})
	if err != nil {
		log.Fatal(err)
	}
	token := conn.ConnectionCredentials.ConnectionToken
	if _, err := client.SendMessage(ctx, participant.SendMessageInput{
		ConnectionToken: token, ContentType: participant.ContentTypeTextPlain, Content: "Where is my order?",
	}); err != nil {
		log.Fatal(err)
	}

	srv.AgentSend(customer.ContactID, "It shipped today.")

	page, err := client.GetTranscript(ctx, participant.GetTranscriptInput{ConnectionToken: token, SortOrder: participant.SortKeyAscending})
	if err != nil {
		log.Fatal(err)
	}
	for _, item := range page.Transcript {
		switch item.Type {
		case participant.ChatItemTypeMessage:
			fmt.Printf("%s: %s\n", item.DisplayName, item.Content)
		case participant.ChatItemTypeEvent:
			fmt.Printf("%s: (%s)\n", item.DisplayName, item.ContentType)
		}
	}
	// Output:
	// Jane: (application/vnd.amazonaws.connect.event.participant.joined)
	// Jane: Where is my order?
	// Agent: (application/vnd.amazonaws.connect.event.participant.joined)
	// Agent: It shipped today.
}

// NewConnection is the short path to a connection token; Transcript shows
// what the service stored.
func ExampleServer_NewConnection() {
	srv := participanttest.NewServer()
	defer srv.Close()
	token := srv.NewConnection()

	client, err := participant.New(participant.WithEndpoint(srv.URL), participant.WithHTTPClient(srv.Client()))
	if err != nil {
		log.Fatal(err)
	}
	if _, err := client.SendMessage(context.Background(), participant.SendMessageInput{
		ConnectionToken: participant.Secret(token), ContentType: participant.ContentTypeTextPlain, Content: "Hello from Go",
	}); err != nil {
		log.Fatal(err)
	}
	for _, item := range srv.Transcript(token) {
		line := string(item.Type) + " " + item.ContentType
		if item.Content != "" {
			line += " " + item.Content
		}
		fmt.Println(line)
	}
	// Output:
	// EVENT application/vnd.amazonaws.connect.event.participant.joined
	// MESSAGE text/plain Hello from Go
}

// InjectFaults makes the next requests of an operation fail; Requests shows
// what the client did about it.
func ExampleServer_InjectFaults() {
	srv := participanttest.NewServer()
	defer srv.Close()
	token := srv.NewConnection()
	srv.InjectFaults(participanttest.Fault{Kind: participanttest.FaultThrottle, Operation: "SendMessage"})

	client, err := participant.New(participant.WithEndpoint(srv.URL), participant.WithHTTPClient(srv.Client()))
	if err != nil {
		log.Fatal(err)
	}
	if _, err := client.SendMessage(context.Background(), participant.SendMessageInput{
		ConnectionToken: participant.Secret(token), ContentType: participant.ContentTypeTextPlain, Content: "Hello again",
	}); err != nil {
		log.Fatal(err)
	}
	for _, r := range srv.Requests() {
		fmt.Println(r.Operation, r.Fault, r.Status)
	}
	// Output:
	// SendMessage FaultThrottle 429
	// SendMessage FaultNone 200
}
