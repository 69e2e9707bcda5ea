// Echobot is an example chat bot: it joins an Amazon Connect chat with a
// participant token and answers each message of the agent with "You said:
// <text>", after marking it read and showing that it is typing. It exits 0
// when the chat ends or when SIGINT or SIGTERM makes it leave the chat, and
// 1, with the error on stderr, otherwise. It logs what it does to stderr.
//
// The participant token comes from $PARTICIPANT_TOKEN or the file of
// --participant-token-file (never a flag value; it is never printed); the
// service is that of --region (default $AWS_REGION) or the URL of --endpoint.
//
// To try it, start this module's fake service; it prints a JSON line with
// its url, controlUrl, a contactId and that contact's participantToken:
//
//	go run ./cmd/participant fake --addr 127.0.0.1:8080
//
// Run the bot with the token in a second terminal, and play the agent with
// the fake's control API in a third (send, read the transcript with the
// bot's reply and read receipt, end the chat):
//
//	PARTICIPANT_TOKEN=<participantToken> go run ./examples/echobot --endpoint http://127.0.0.1:8080
//	C=http://127.0.0.1:8080/_control/contacts/<contactId>
//	curl -X POST $C/agent-messages -H 'Content-Type: application/json' -d '{"Content":"Hello"}'
//	curl $C/transcript
//	curl -X POST $C/end
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/chatwire/connectparticipant/participant"
	"github.com/chatwire/connectparticipant/participant/chat"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stderr)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "echobot:", err)
		os.Exit(1)
	}
}

// run runs the bot until the chat ends (nil), ctx ends (it leaves the chat;
// nil), or something fails (the error; flag.ErrHelp after --help).
func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	fs := flag.NewFlagSet("echobot", flag.ContinueOnError)
	fs.SetOutput(stderr)
	region := fs.String("region", "", "the AWS Region of the Amazon Connect instance (default $AWS_REGION)")
	endpoint := fs.String("endpoint", "", "the `URL` of the service instead, e.g. the url that participant fake prints")
	tokenFile := fs.String("participant-token-file", "", "read the participant token from this `file` instead of $PARTICIPANT_TOKEN")
	if err := fs.Parse(args); err != nil {
		return err
	} else if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q: the bot takes flags only", fs.Arg(0))
	}

	token, err := readToken(getenv("PARTICIPANT_TOKEN"), *tokenFile)
	if err != nil {
		return err
	}
	regionName := cmp.Or(*region, getenv("AWS_REGION"), getenv("AWS_DEFAULT_REGION")) // as the client and the CLI read it
	target := participant.WithRegion(regionName)
	switch {
	case *region != "" && *endpoint != "":
		return errors.New("use --region or --endpoint, not both")
	case *endpoint != "":
		target = participant.WithEndpoint(*endpoint)
	case regionName == "":
		return errors.New("no service to connect to: use --region REGION (or set AWS_REGION) or --endpoint URL")
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	client, err := participant.New(target, participant.WithLogger(log))
	if err != nil {
		return err
	}
	defer client.CloseIdleConnections()

	log.Info("connecting", "endpoint", client.Endpoint())
	session, err := chat.Connect(ctx, client, token, chat.WithLogger(log))
	if err != nil {
		if ctx.Err() != nil {
			log.Info("interrupted before connecting")
			return nil
		}
		return fmt.Errorf("connecting to the chat: %w", err)
	}
	defer session.Close()

	interrupted := false
	for item, err := range session.Items(ctx) {
		if err != nil {
			if interrupted = ctx.Err() != nil; interrupted {
				break // SIGINT or SIGTERM: leave the chat below
			}
			return fmt.Errorf("the chat session ended: %w", err)
		}
		if chat.KindOf(item) != chat.KindMessage || item.ParticipantRole != participant.ParticipantRoleAgent {
			continue
		}
		log.Info("agent message", "id", item.ID)
		// A reply that fails is logged, not fatal: when the chat has just
		// ended, the loop ends with the chat-ended item that follows.
		if err := session.MarkRead(ctx, item.ID); err != nil {
			log.Warn("could not mark the message read", "id", item.ID, "error", err)
		}
		if _, err := session.SendTyping(ctx); err != nil {
			log.Warn("could not send typing", "error", err)
		}
		if _, err := session.Send(ctx, "You said: "+item.Content); err != nil {
			log.Warn("could not reply", "to", item.ID, "error", err)
			continue
		}
		log.Info("replied", "to", item.ID)
	}
	if !interrupted {
		log.Info("the chat ended")
		return nil
	}
	leaveCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := session.Disconnect(leaveCtx); err != nil {
		return fmt.Errorf("leaving the chat: %w", err)
	}
	log.Info("left the chat")
	return nil
}

// readToken returns the participant token of the environment or of file,
// whichever is set.
func readToken(fromEnv, file string) (participant.Secret, error) {
	token := strings.TrimSpace(fromEnv)
	switch {
	case token != "" && file != "":
		return "", errors.New("PARTICIPANT_TOKEN and --participant-token-file are both set: use one")
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("reading the participant token: %w", err)
		}
		if token = strings.TrimSpace(string(b)); token == "" {
			return "", fmt.Errorf("the participant token file %s is empty", file)
		}
	case token == "":
		return "", errors.New("no participant token: set PARTICIPANT_TOKEN or use --participant-token-file FILE")
	}
	return participant.Secret(token), nil
}
