// Command participant takes part in Amazon Connect chats through the
// Participant Service: every operation of the service as a subcommand, an
// interactive chat, and a fake of the service for tests in any language.
//
// Usage:
//
//	participant connect                  exchange a participant token for a connection token
//	participant send MESSAGE             send a message ("-" reads it from stdin)
//	participant event typing|delivered|read [MESSAGE-ID]
//	participant transcript [--all]       read the transcript
//	participant attach FILE              attach a file to the chat
//	participant download ID -o FILE      download an attachment
//	participant view VIEW-TOKEN          read a view
//	participant auth-url SESSION-ID --redirect-uri URI
//	participant auth-cancel SESSION-ID
//	participant disconnect               leave the chat
//	participant chat                     chat interactively, or print the chat as JSON lines
//	participant fake                     serve the fake service until SIGINT or SIGTERM
//	participant version
//
// Where to send: --region (or AWS_REGION), --endpoint, or --fake for a fake
// service started in-process. With no configuration at all (no region, no
// endpoint and no token), the command uses the in-process fake and says so;
// with a token but no target it refuses, so that nothing meant for a real
// chat is silently sent to a fake.
//
// Tokens come from the environment (PARTICIPANT_CONNECTION_TOKEN,
// PARTICIPANT_TOKEN) or a file (--token-file, --participant-token-file),
// never from the command line, and are never printed.
//
// Exit codes: 0 done; 1 the service refused; 2 invalid input, usage or
// configuration (nothing was sent); 3 the service could not be reached
// (nothing was sent); 4 the outcome is unknown: the request may have taken
// effect, so send it again with the --client-token printed on stderr.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Exit codes, documented in the usage text.
const (
	exitOK        = 0
	exitService   = 1 // the service refused the request
	exitInput     = 2 // invalid input, usage or configuration; nothing was sent
	exitNetwork   = 3 // the service could not be reached; nothing was sent
	exitUncertain = 4 // the request may have taken effect; resend with the client token
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

const usage = `participant takes part in Amazon Connect chats through the Participant Service.

Usage:
  participant connect                  exchange a participant token for a connection token
  participant send MESSAGE             send a message ("-" reads it from stdin)
  participant event typing|delivered|read [MESSAGE-ID]
  participant transcript [--all]       read the transcript (--all: every item, one JSON line each)
  participant attach FILE              attach a file to the chat
  participant download ID -o FILE      download an attachment
  participant view VIEW-TOKEN          read a view
  participant auth-url SESSION-ID --redirect-uri URI
  participant auth-cancel SESSION-ID   cancel a customer authentication
  participant disconnect               leave the chat
  participant chat                     chat interactively (--json: print the chat as JSON lines)
  participant fake                     serve the fake service for tests until SIGINT or SIGTERM
  participant version                  print the version
  participant help [COMMAND]           show the help of a command

Where to send: --region REGION (or AWS_REGION), --endpoint URL, or --fake for a
fake service started in-process. With no region, endpoint or token at all, the
in-process fake is used, and the command says so:
  participant send "Hello from Go"

Tokens come from PARTICIPANT_CONNECTION_TOKEN (or --token-file) and, for connect
and chat, PARTICIPANT_TOKEN (or --participant-token-file); never from the command
line, and they are never printed.
` + exitCodesText

// command is one subcommand.
type command struct {
	name string
	run  func(args []string, e env) int
}

func commands() []command {
	return []command{
		{"connect", runConnect},
		{"send", runSend},
		{"event", runEvent},
		{"transcript", runTranscript},
		{"attach", runAttach},
		{"download", runDownload},
		{"view", runView},
		{"auth-url", runAuthURL},
		{"auth-cancel", runAuthCancel},
		{"disconnect", runDisconnect},
		{"chat", runChat},
		{"fake", runFake},
		{"version", runVersion},
	}
}

// run executes the command line args and returns the exit code.
func run(args []string, e env) int {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, usage)
		return exitInput
	}
	name, rest := args[0], args[1:]
	switch name {
	case "help", "-h", "-help", "--help":
		return runHelp(rest, e)
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(rest, e)
		}
	}
	fmt.Fprintf(e.stderr, "participant: unknown command %q; run 'participant help' for the commands\n", name)
	return exitInput
}

func runHelp(args []string, e env) int {
	if len(args) == 0 {
		fmt.Fprint(e.stdout, usage)
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run([]string{"--help"}, e)
		}
	}
	fmt.Fprintf(e.stderr, "participant: no help for unknown command %q; run 'participant help' for the commands\n", args[0])
	return exitInput
}

// printable makes s safe to print on a terminal and fit on one line: control
// characters (ESC and BEL included, which would move the cursor, retitle the
// window or ring the bell) are shown as escapes, and white space runs are
// folded.
func printable(s string) string {
	var b strings.Builder
	space := false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == ' ' || r == '\t' || r == '\n' || r == '\r':
			if !space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = true
			i += size
			continue
		case unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Bidi_Control, r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
		space = false
		i += size
	}
	return strings.TrimRight(b.String(), " ")
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
		if f.DefValue != "" && f.DefValue != "false" {
			fmt.Fprintf(w, " (default %s)", f.DefValue)
		}
		fmt.Fprintln(w)
	})
}
