package participant_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/chatwire/connectparticipant/participant"
	"github.com/chatwire/connectparticipant/participant/participanttest"
)

// Send one message. The example runs against the fake service; against
// Amazon Connect, use participant.WithRegion("us-east-1") and the connection
// token that CreateParticipantConnection returned.
func ExampleClient_SendMessage() {
	srv := participanttest.NewServer()
	defer srv.Close()
	connectionToken := srv.NewConnection()

	client, err := participant.New(participant.WithEndpoint(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	out, err := client.SendMessage(context.Background(), participant.SendMessageInput{
		ConnectionToken: connectionToken,
		ContentType:     participant.ContentTypeTextPlain,
		Content:         "Hello, I need help with my order.",
	})
	if err != nil {
		log.Fatal(err)
	}
	sent, _ := out.Time()
	fmt.Println("message id set:", out.ID != "")
	fmt.Println("sent within a minute:", time.Since(sent) < time.Minute)
	fmt.Println("status:", out.MessageMetadata.MessageProcessingStatus)
	fmt.Println("attempts:", out.Attempts)
	fmt.Println("client token kept for a safe resend:", len(out.ClientToken) == 36)
	// Output:
	// message id set: true
	// sent within a minute: true
	// status: PROCESSING
	// attempts: 1
	// client token kept for a safe resend: true
}

// Handle throttling: the client retries throttled calls by itself; when the
// service keeps throttling past the last attempt, the error is a
// *ThrottlingException inside an *OperationError that carries the
// ClientToken to resend the same message with later.
func ExampleThrottlingException() {
	srv := participanttest.NewServer()
	defer srv.Close()
	srv.InjectFaults(participanttest.Fault{Kind: participanttest.FaultThrottle, Count: 3})

	client, err := participant.New(participant.WithEndpoint(srv.URL),
		participant.WithBackoff(time.Millisecond, 10*time.Millisecond, 100*time.Millisecond))
	if err != nil {
		log.Fatal(err)
	}
	in := participant.SendMessageInput{
		ConnectionToken: srv.NewConnection(),
		ContentType:     participant.ContentTypeTextPlain,
		Content:         "Are you there?",
	}
	_, err = client.SendMessage(context.Background(), in)

	var throttled *participant.ThrottlingException
	var opErr *participant.OperationError
	if errors.As(err, &throttled) && errors.As(err, &opErr) {
		fmt.Println("throttled:", throttled.ErrorCode(), throttled.HTTPStatusCode(), "after", opErr.Attempts, "attempts")

		// Later, resend with the same token: the service delivers it once.
		in.ClientToken = opErr.ClientToken
		out, err := client.SendMessage(context.Background(), in)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("resent with the same token:", out.ClientToken == opErr.ClientToken)
	}
	// Output:
	// throttled: ThrottlingException 429 after 3 attempts
	// resent with the same token: true
}

// Check input without sending it: an *InvalidParamsError lists every problem.
func ExampleInvalidParamsError() {
	client, err := participant.New(participant.WithRegion("us-east-1"))
	if err != nil {
		log.Fatal(err)
	}
	_, err = client.SendMessage(context.Background(), participant.SendMessageInput{
		ContentType: participant.ContentTypeTextPlain,
		Content:     strings.Repeat("é", 1025), // 1025 code points (2050 bytes); the limit is 1024
	})
	var invalid *participant.InvalidParamsError
	if errors.As(err, &invalid) {
		for _, f := range invalid.Fields {
			fmt.Println(f.Field, "-", f.Rule)
		}
	}
	// Output:
	// ConnectionToken - required
	// Content - content type limit
}
