package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/chatwire/connectparticipant/participant/participanttest"
)

// defaultFakeAddr is where participant fake listens unless told otherwise.
const defaultFakeAddr = "127.0.0.1:8080"

const fakeUsage = `Usage: participant fake [--addr ADDR]

Runs the fake Participant Service (package participanttest) until SIGINT or
SIGTERM, then shuts it down and exits 0. Tests in any language can start it
and send to it.

Once it listens, it prints one JSON line on stdout and nothing after it:
  {"url":"http://127.0.0.1:8080","connectionToken":"..."}
url is the base URL to send to (POST {url}/participant/message), and
connectionToken a connection token the fake issued for one simulated
participant. This is the one time the command prints a token: it is the
fake's, made for the caller.

Flags:
`

// fakeInfo is the line participant fake prints once it listens.
type fakeInfo struct {
	URL             string `json:"url"`
	ConnectionToken string `json:"connectionToken"`
}

func runFake(args []string, e env) int {
	fs := flag.NewFlagSet("participant fake", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	addr := fs.String("addr", defaultFakeAddr, "the address to listen on; port 0 picks a free port")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), fakeUsage)
		printFlags(fs)
	}
	if code, done := parseFlags(fs, args, e); done {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "participant fake: unexpected argument %q; the only flag is --addr\n", fs.Arg(0))
		return exitInput
	}

	// Catch the signals before announcing the server, so that a caller
	// that stops it as soon as it has read the line gets a clean exit.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	srv, err := participanttest.Start(participanttest.WithAddr(*addr))
	if err != nil {
		fmt.Fprintf(e.stderr, "participant fake: %v\n", err)
		return exitInput
	}
	defer srv.Close()

	line, err := json.Marshal(fakeInfo{URL: srv.URL, ConnectionToken: srv.NewConnection()})
	if err != nil {
		fmt.Fprintf(e.stderr, "participant fake: %v\n", err)
		return exitService
	}
	// Stdout is not buffered: the line is out as soon as it is written.
	if _, err := fmt.Fprintf(e.stdout, "%s\n", line); err != nil {
		fmt.Fprintf(e.stderr, "participant fake: writing the address line: %v\n", err)
		return exitService
	}
	fmt.Fprintf(e.stderr, "participant fake: serving on %s; stop with Ctrl-C or SIGTERM\n", srv.URL)

	<-ctx.Done()
	srv.Close()
	fmt.Fprintln(e.stderr, "participant fake: stopped")
	return exitOK
}
