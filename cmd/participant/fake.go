//go:build !nofake

package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/chatwire/connectparticipant/participant"
	"github.com/chatwire/connectparticipant/participant/participanttest"
)

// The fake service is linked into the command by default: it is what the
// command uses with no configuration at all (so the README's first command
// works without an AWS account), and what `participant fake` serves to tests
// in other languages. A build with -tags nofake leaves it, and its
// dependencies (kin-openapi among them), out.

// startBuiltInFake starts a fake service in-process, on addr (a free
// loopback port if empty), with the participant token of a new chat's
// customer, and the connection token of another, connected customer.
func startBuiltInFake(addr string) (*builtInFake, error) {
	var opts []participanttest.Option
	if addr != "" {
		opts = append(opts, participanttest.WithAddr(addr))
	}
	srv, err := participanttest.Start(opts...)
	if err != nil {
		return nil, err
	}
	p := srv.NewParticipant(participanttest.ParticipantOptions{})
	return &builtInFake{
		url:              srv.URL,
		controlURL:       srv.ControlURL(),
		participantToken: participant.Secret(p.ParticipantToken),
		connectionToken:  participant.Secret(srv.NewConnection()),
		contactID:        p.ContactID,
		agentSend:        func(text string) { srv.AgentSend(p.ContactID, text) },
		close:            srv.Close,
	}, nil
}

const defaultFakeAddr = "127.0.0.1:8080"

const fakeUsage = `Usage: participant fake [--addr ADDR]

Runs the fake Participant Service (package participanttest) until SIGINT or
SIGTERM, then shuts it down and exits 0. Tests in any language start it, send
to it, and drive it through its control API (api/fake-control.yaml).

Once it listens, it prints one JSON line on stdout and nothing after it:
  {"url":"http://127.0.0.1:8080","controlUrl":"http://127.0.0.1:8080/_control",
   "contactId":"...","participantToken":"...","connectionToken":"..."}
url is the service's base URL; controlUrl the control API's; participantToken
a participant token of a new chat's customer (for CreateParticipantConnection),
and connectionToken the connection token of another, already connected customer.
This is the one time the command prints tokens: they are the fake's, made for
the caller.
`

// fakeInfo is the line participant fake prints once it listens.
type fakeInfo struct {
	URL              string `json:"url"`
	ControlURL       string `json:"controlUrl"`
	ContactID        string `json:"contactId"`
	ParticipantToken string `json:"participantToken"`
	ConnectionToken  string `json:"connectionToken"`
}

func runFake(args []string, e env) int {
	fs := newFlags("fake", fakeUsage, e)
	addr := fs.String("addr", defaultFakeAddr, "the address to listen on; port 0 picks a free port")
	rest, code, done := parseFlags(fs, args, e)
	if done {
		return code
	}
	if len(rest) > 0 {
		return fail(e, "fake", errConfig{fmt.Sprintf("unexpected argument %q; the only flag is --addr", rest[0])})
	}
	// Catch the signals before announcing the server, so that a caller that
	// stops it as soon as it has read the line gets a clean exit.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	f, err := startBuiltInFake(*addr)
	if err != nil {
		return fail(e, "fake", errConfig{err.Error()})
	}
	defer f.close()
	info := fakeInfo{URL: f.url, ControlURL: f.controlURL, ContactID: f.contactID,
		ParticipantToken: string(f.participantToken), ConnectionToken: string(f.connectionToken)}
	if err := writeJSON(e, info); err != nil {
		return fail(e, "fake", err)
	}
	fmt.Fprintf(e.stderr, "participant fake: serving on %s (control API %s); stop with Ctrl-C or SIGTERM\n", f.url, f.controlURL)
	<-ctx.Done()
	f.close()
	fmt.Fprintln(e.stderr, "participant fake: stopped")
	return exitOK
}
