// Command participant sends chat messages through the Amazon Connect
// Participant Service, and runs a fake of that service for tests.
//
// Usage:
//
//	participant send [flags] MESSAGE    send one message ("-" reads it from stdin)
//	participant fake [--addr ADDR]      serve the fake service until SIGINT or SIGTERM
//	participant help [COMMAND]          show help
//
// Without --region or --endpoint, send starts the fake in-process and sends
// there, so that
//
//	go run ./cmd/participant send "Hello from Go"
//
// works on a fresh machine with no AWS account. The connection token comes
// from the PARTICIPANT_CONNECTION_TOKEN environment variable or the file of
// --token-file, never from the command line, and is never printed.
//
// Exit codes: 0 success, 1 the service refused the request, 2 invalid input,
// usage or a missing token (nothing was sent), 3 a network failure or
// timeout.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// Exit codes, documented in the usage text.
const (
	exitOK      = 0
	exitService = 1 // the service answered with an error
	exitInput   = 2 // invalid input, usage or configuration; nothing was sent
	exitNetwork = 3 // the service could not be reached, or the call timed out
)

// env is what the command reads of its environment, so tests can give it
// their own.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

func main() {
	os.Exit(run(os.Args[1:], env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}))
}

const usage = `participant sends chat messages through the Amazon Connect Participant Service.

Usage:
  participant send [flags] MESSAGE    send one message; MESSAGE "-" reads it from stdin
  participant fake [--addr ADDR]      run the fake service for tests until SIGINT or SIGTERM
  participant help [COMMAND]          show the help of a command

Without --region or --endpoint, send uses a fake service started in-process:
  participant send "Hello from Go"

Exit codes: 0 success, 1 the service refused the request, 2 invalid input or no
token (nothing was sent), 3 network failure or timeout.
`

// run executes the command line args and returns the exit code.
func run(args []string, e env) int {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, usage)
		return exitInput
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "send":
		return runSend(rest, e)
	case "fake":
		return runFake(rest, e)
	case "help", "-h", "-help", "--help":
		return runHelp(rest, e)
	default:
		fmt.Fprintf(e.stderr, "participant: unknown command %q; run 'participant help' for the commands\n", cmd)
		return exitInput
	}
}

func runHelp(args []string, e env) int {
	if len(args) == 0 {
		fmt.Fprint(e.stdout, usage)
		return exitOK
	}
	switch args[0] {
	case "send", "fake":
		return run([]string{args[0], "--help"}, e)
	default:
		fmt.Fprintf(e.stderr, "participant: no help for unknown command %q; the commands are send and fake\n", args[0])
		return exitInput
	}
}

// oneLine makes s fit on one line of stderr, without the secret.
func oneLine(s, secret string) string {
	if secret != "" {
		s = strings.ReplaceAll(s, secret, "<redacted>")
	}
	return strings.Join(strings.Fields(s), " ")
}

// printFlags lists the flags of fs in the --name form the usage texts use
// (both - and -- work).
func printFlags(fs *flag.FlagSet) {
	w := fs.Output()
	fs.VisitAll(func(f *flag.Flag) {
		kind, usage := flag.UnquoteUsage(f)
		fmt.Fprintf(w, "  --%s", f.Name)
		if kind != "" {
			fmt.Fprintf(w, " %s", kind)
		}
		fmt.Fprintf(w, "\n        %s", strings.ReplaceAll(usage, "\n", "\n        "))
		if f.DefValue != "" {
			fmt.Fprintf(w, " (default %s)", f.DefValue)
		}
		fmt.Fprintln(w)
	})
}
