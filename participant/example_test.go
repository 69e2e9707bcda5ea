package participant_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"strings"

	"github.com/chatwire/connectparticipant/participant"
)

// A whole chat as a customer: connect with the participant token that
// starting the chat returned (your chat backend calls StartChatContact),
// send, say you are typing, read the transcript, attach a file, leave.
// (The runnable version, against the fake service, is in package
// participanttest.)
func Example() {
	ctx := context.Background()
	client, err := participant.New(participant.WithRegion("us-east-1"))
	if err != nil {
		log.Fatal(err)
	}
	conn, err := client.CreateParticipantConnection(ctx, participant.CreateParticipantConnectionInput{
		ParticipantToken:   participant.Secret(os.Getenv("PARTICIPANT_TOKEN")),
		Type:               []participant.ConnectionType{participant.ConnectionTypeConnectionCredentials},
		ConnectParticipant: true,
	})
	if err != nil {
		log.Fatal(err)
	}
	token := conn.ConnectionCredentials.ConnectionToken

	if _, err := client.SendEvent(ctx, participant.SendEventInput{ConnectionToken: token, ContentType: participant.EventTypeTyping}); err != nil {
		log.Fatal(err)
	}
	if _, err := client.SendMessage(ctx, participant.SendMessageInput{
		ConnectionToken: token,
		ContentType:     participant.ContentTypeTextPlain,
		Content:         "Hello, I need help with my order.",
	}); err != nil {
		log.Fatal(err)
	}
	for item, err := range client.TranscriptItems(ctx, participant.GetTranscriptInput{ConnectionToken: token}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(item.ParticipantRole, item.DisplayName, item.Content)
	}
	file, err := os.Open("receipt.pdf")
	if err != nil {
		log.Fatal(err)
	}
	defer file.Close()
	if _, err := client.UploadAttachment(ctx, participant.UploadAttachmentInput{
		ConnectionToken: token, AttachmentName: "receipt.pdf", ContentType: "application/pdf", Body: file,
	}); err != nil {
		log.Fatal(err)
	}
	if _, err := client.DisconnectParticipant(ctx, participant.DisconnectParticipantInput{ConnectionToken: token}); err != nil {
		log.Fatal(err)
	}
}

// Send one message with the connection token of a participant.
func ExampleClient_SendMessage() {
	client, err := participant.New(participant.WithRegion("us-east-1"))
	if err != nil {
		log.Fatal(err)
	}
	out, err := client.SendMessage(context.Background(), participant.SendMessageInput{
		ConnectionToken: participant.Secret(os.Getenv("PARTICIPANT_CONNECTION_TOKEN")),
		ContentType:     participant.ContentTypeTextPlain,
		Content:         "Hello, I need help with my order.",
	})
	var throttled *participant.ThrottlingException
	var opErr *participant.OperationError
	switch {
	case errors.As(err, &throttled) && errors.As(err, &opErr):
		// Still throttled after every attempt: resend later with
		// opErr.ClientToken, and the service delivers the message once.
		log.Printf("throttled; resend later with ClientToken %s", opErr.ClientToken)
	case err != nil:
		log.Fatal(err)
	default:
		fmt.Println(out.ID, out.AbsoluteTime, out.RequestID)
	}
}

// Download an attachment of the transcript into a file.
func ExampleClient_DownloadAttachment() {
	client, err := participant.New(participant.WithRegion("us-east-1"))
	if err != nil {
		log.Fatal(err)
	}
	file, err := os.Create("downloaded.pdf")
	if err != nil {
		log.Fatal(err)
	}
	defer file.Close()
	_, err = client.DownloadAttachment(context.Background(), participant.DownloadAttachmentInput{
		ConnectionToken: participant.Secret(os.Getenv("PARTICIPANT_CONNECTION_TOKEN")),
		AttachmentID:    "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d", // from an Item's Attachments
	}, file)
	if err != nil {
		log.Fatal(err)
	}
}

// Check input without sending it: an *InvalidParamsError lists every problem.
func ExampleInvalidParamsError() {
	client, err := participant.New(participant.WithRegion("us-east-1"))
	if err != nil {
		log.Fatal(err)
	}
	_, err = client.SendMessage(context.Background(), participant.SendMessageInput{
		ContentType: participant.ContentTypeTextPlain,
		Content:     strings.Repeat("é", participant.ContentLimit(participant.ContentTypeTextPlain)+1), // code points, not bytes
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

// A token is a Secret: printing, logging or encoding anything that holds one
// shows <redacted>.
func ExampleSecret() {
	in := participant.SendMessageInput{ConnectionToken: "AQIDAHhexampleconnectiontoken", ContentType: "text/plain", Content: "Hi"}
	fmt.Printf("%+v\n", in)
	url := participant.PresignedURL("https://bucket.s3.amazonaws.com/attachments/a1?X-Amz-Signature=abc")
	fmt.Println(url)
	// Output:
	// {ConnectionToken:<redacted> ContentType:text/plain Content:Hi ClientToken:}
	// https://bucket.s3.amazonaws.com/attachments/a1?<redacted>
}
