package participanttest_test

import (
	"context"
	"fmt"
	"log"

	"github.com/chatwire/connectparticipant/participant"
	"github.com/chatwire/connectparticipant/participant/participanttest"
)

// A test starts a fake, issues itself a connection token and points the
// client at the fake; the transcript shows what the client delivered.
func Example() {
	srv := participanttest.NewServer()
	defer srv.Close()
	token := srv.NewConnection()

	client, err := participant.New(participant.WithEndpoint(srv.URL), participant.WithHTTPClient(srv.Client()))
	if err != nil {
		log.Fatal(err)
	}
	_, err = client.SendMessage(context.Background(), participant.SendMessageInput{
		ConnectionToken: token,
		ContentType:     participant.ContentTypeTextPlain,
		Content:         "Hello from Go",
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, m := range srv.Transcript(token) {
		fmt.Println(m.ContentType, m.Content)
	}
	// Output: text/plain Hello from Go
}

// InjectFaults makes the next requests fail; Requests shows what the client
// did about it.
func ExampleServer_InjectFaults() {
	srv := participanttest.NewServer()
	defer srv.Close()
	token := srv.NewConnection()
	srv.InjectFaults(participanttest.Fault{Kind: participanttest.FaultThrottle, Count: 1})

	client, err := participant.New(participant.WithEndpoint(srv.URL), participant.WithHTTPClient(srv.Client()))
	if err != nil {
		log.Fatal(err)
	}
	_, err = client.SendMessage(context.Background(), participant.SendMessageInput{
		ConnectionToken: token,
		ContentType:     participant.ContentTypeTextPlain,
		Content:         "Hello again",
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range srv.Requests() {
		fmt.Println(r.Fault, r.Status)
	}
	fmt.Println(len(srv.Transcript(token)), "message delivered")
	// Output:
	// FaultThrottle 429
	// FaultNone 200
	// 1 message delivered
}
