// Command client exists to measure binary size: it sends one SendMessage
// through the participant package, the way a user's program would. Built
// beside ../floor (the same call by hand with net/http) by scripts/bench.sh,
// the difference of their sizes is what the participant package adds to a
// user's binary.
//
// Usage:
//
//	PARTICIPANT_CONNECTION_TOKEN=... client ENDPOINT
//
// ENDPOINT is the service's base URL, e.g. http://127.0.0.1:8080 for the fake
// (go run ./cmd/participant fake).
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/chatwire/connectparticipant/participant"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: PARTICIPANT_CONNECTION_TOKEN=... client ENDPOINT")
		os.Exit(2)
	}
	c, err := participant.New(participant.WithEndpoint(os.Args[1]))
	if err != nil {
		fmt.Fprintln(os.Stderr, "client:", err)
		os.Exit(2)
	}
	out, err := c.SendMessage(context.Background(), participant.SendMessageInput{
		ConnectionToken: participant.Secret(os.Getenv("PARTICIPANT_CONNECTION_TOKEN")),
		ContentType:     participant.ContentTypeTextPlain,
		Content:         "Hello",
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "client:", err)
		os.Exit(1)
	}
	fmt.Println(out.ID, out.AbsoluteTime)
}
