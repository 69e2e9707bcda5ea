package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/chatwire/connectparticipant/participant"
	"github.com/chatwire/connectparticipant/participant/participanttest"
)

const (
	// tokenEnv names the environment variable that holds the connection token.
	tokenEnv = "PARTICIPANT_CONNECTION_TOKEN"
	// defaultTimeout bounds a whole send, retries included.
	defaultTimeout = 60 * time.Second
	// maxInputBytes bounds what is read of stdin or a token file: far more
	// than the longest valid message (16384 code points of 4 bytes).
	maxInputBytes = 1 << 20
)

const sendUsage = `Usage: participant send [flags] MESSAGE

Sends MESSAGE into a chat as the participant of the connection token, and
prints the service's answer as one JSON line on stdout:
  {"Id":"...","AbsoluteTime":"...","RequestId":"...","ClientToken":"...","MessageProcessingStatus":"..."}
MESSAGE "-" reads the message from stdin (one trailing newline is dropped).

The connection token (ConnectionCredentials.ConnectionToken) is read from the
environment variable PARTICIPANT_CONNECTION_TOKEN or from --token-file, never
from the command line, and is never printed.

Without --region or --endpoint, the message goes to a fake service started
in-process for this one send, with a token of its own; nothing leaves the
machine. Add --region and set PARTICIPANT_CONNECTION_TOKEN to send into a
real chat.

Flags:
`

const sendExitCodes = `
Exit codes: 0 sent, 1 the service refused the message, 2 invalid input or no
token (nothing was sent), 3 network failure or timeout.
`

// sendFlags are the flags of participant send.
type sendFlags struct {
	contentType string
	clientToken string
	region      string
	endpoint    string
	tokenFile   string
	timeout     time.Duration
}

// sendResult is the JSON line send prints on success.
type sendResult struct {
	ID                      string `json:"Id"`
	AbsoluteTime            string `json:"AbsoluteTime"`
	RequestID               string `json:"RequestId"`
	ClientToken             string `json:"ClientToken"`
	MessageProcessingStatus string `json:"MessageProcessingStatus"`
}

func runSend(args []string, e env) int {
	var f sendFlags
	fs := flag.NewFlagSet("participant send", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.StringVar(&f.contentType, "content-type", participant.ContentTypeTextPlain,
		"the MIME type of MESSAGE: text/plain, text/markdown, application/json,\n"+
			"application/vnd.amazonaws.connect.message.interactive.response, or another the service accepts")
	fs.StringVar(&f.clientToken, "client-token", "",
		"the idempotency token; reuse it to resend the same message safely (default: a new UUID, printed)")
	fs.StringVar(&f.region, "region", "", "the AWS Region of the Amazon Connect instance, e.g. us-east-1")
	fs.StringVar(&f.endpoint, "endpoint", "", "a base URL to send to instead of the Region's, e.g. http://127.0.0.1:8080 for participant fake")
	fs.StringVar(&f.tokenFile, "token-file", "", "read the connection token from this file instead of $"+tokenEnv)
	fs.DurationVar(&f.timeout, "timeout", defaultTimeout, "give up after this long, retries included")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), sendUsage)
		printFlags(fs)
		fmt.Fprint(fs.Output(), sendExitCodes)
	}
	if code, done := parseFlags(fs, args, e); done {
		return code
	}

	fail := func(code int, format string, a ...any) int {
		fmt.Fprintln(e.stderr, oneLine("participant send: "+fmt.Sprintf(format, a...), ""))
		return code
	}
	switch {
	case fs.NArg() == 0:
		return fail(exitInput, `no MESSAGE: give the message as the last argument, or "-" to read it from stdin`)
	case fs.NArg() > 1:
		return fail(exitInput, "expected one MESSAGE, got %d arguments; quote a message that has spaces, and put flags before it", fs.NArg())
	case f.region != "" && f.endpoint != "":
		return fail(exitInput, "use --region or --endpoint, not both")
	case f.timeout <= 0:
		return fail(exitInput, "--timeout must be positive, e.g. 30s")
	}
	content, err := readMessage(fs.Arg(0), e.stdin)
	if err != nil {
		return fail(exitInput, "%v", err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), f.timeout)
	defer cancel()

	var opts []participant.Option
	var token string
	builtInFake := f.region == "" && f.endpoint == ""
	if builtInFake {
		srv := participanttest.NewServer()
		defer srv.Close()
		token = srv.NewConnection()
		opts = append(opts, participant.WithEndpoint(srv.URL), participant.WithHTTPClient(srv.Client()))
	} else {
		token, err = readToken(f.tokenFile, e.getenv)
		if err != nil {
			return fail(exitInput, "%v", err)
		}
		if f.region != "" {
			opts = append(opts, participant.WithRegion(f.region))
		} else {
			opts = append(opts, participant.WithEndpoint(f.endpoint))
		}
	}
	client, err := participant.New(opts...)
	if err != nil {
		return failWith(e, exitInput, err, token)
	}

	out, err := client.SendMessage(ctx, participant.SendMessageInput{
		ConnectionToken: token,
		ContentType:     f.contentType,
		Content:         content,
		ClientToken:     f.clientToken,
	})
	if err != nil {
		return failWith(e, exitCodeOf(err), err, token)
	}

	res := sendResult{ID: out.ID, AbsoluteTime: out.AbsoluteTime, RequestID: out.RequestID, ClientToken: out.ClientToken}
	if out.MessageMetadata != nil {
		res.MessageProcessingStatus = string(out.MessageMetadata.MessageProcessingStatus)
	}
	line, err := json.Marshal(res)
	if err != nil {
		return failWith(e, exitService, err, token)
	}
	fmt.Fprintf(e.stdout, "%s\n", line)
	if builtInFake {
		fmt.Fprintln(e.stderr, "participant send: no --region or --endpoint, so the message went to the built-in fake service "+
			"and nothing left this machine; add --region and set "+tokenEnv+" to send into a real chat")
	}
	return exitOK
}

// parseFlags parses args into fs. It reports done with the exit code when
// the command should stop: 0 after --help, 2 after a bad flag.
func parseFlags(fs *flag.FlagSet, args []string, e env) (code int, done bool) {
	usage := fs.Usage
	fs.Usage = func() {} // a bad flag gets a one-line hint, --help the full text
	err := fs.Parse(args)
	fs.Usage = usage
	switch {
	case err == nil:
		return 0, false
	case errors.Is(err, flag.ErrHelp):
		fs.SetOutput(e.stdout)
		fs.Usage()
		return exitOK, true
	default:
		// fs has printed the error; add where to look.
		fmt.Fprintf(e.stderr, "run '%s --help' for the flags\n", fs.Name())
		return exitInput, true
	}
}

// readMessage returns the message argument, or stdin without one trailing
// newline when the argument is "-".
func readMessage(arg string, stdin io.Reader) (string, error) {
	if arg != "-" {
		return arg, nil
	}
	b, err := io.ReadAll(io.LimitReader(stdin, maxInputBytes+1))
	if err != nil {
		return "", fmt.Errorf("reading the message from stdin: %w", err)
	}
	if len(b) > maxInputBytes {
		return "", fmt.Errorf("the message on stdin is over %d bytes; a message holds at most 16384 characters", maxInputBytes)
	}
	b = bytes.TrimSuffix(b, []byte("\n"))
	b = bytes.TrimSuffix(b, []byte("\r"))
	return string(b), nil
}

// readToken returns the connection token from the file, if one is named,
// or else from the environment.
func readToken(file string, getenv func(string) string) (string, error) {
	if file != "" {
		f, err := os.Open(file)
		if err != nil {
			return "", fmt.Errorf("reading the connection token: %w", err)
		}
		defer f.Close()
		b, err := io.ReadAll(io.LimitReader(f, maxInputBytes))
		if err != nil {
			return "", fmt.Errorf("reading the connection token from %s: %w", file, err)
		}
		token := strings.TrimSpace(string(b))
		if token == "" {
			return "", fmt.Errorf("the token file %s is empty; put the connection token in it", file)
		}
		return token, nil
	}
	token := strings.TrimSpace(getenv(tokenEnv))
	if token == "" {
		return "", fmt.Errorf("no connection token: set %s or use --token-file FILE "+
			"(it is never read from the command line, where other users could see it)", tokenEnv)
	}
	return token, nil
}

// exitCodeOf classifies the error of a send: bad input, a service error, or
// a network failure or timeout.
func exitCodeOf(err error) int {
	var invalid *participant.InvalidParamsError
	var apiErr participant.APIError
	var netErr net.Error
	switch {
	case errors.As(err, &invalid):
		return exitInput
	case errors.As(err, &apiErr):
		return exitService
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return exitNetwork
	default:
		return exitService // the service answered something the client could not use
	}
}

// failWith prints err on one line of stderr, led by what kind of failure
// it is, and returns code. When the message may have been delivered, it
// says how to resend it safely.
func failWith(e env, code int, err error, token string) int {
	var apiErr participant.APIError
	var opErr *participant.OperationError
	text := strings.TrimPrefix(err.Error(), "participant: ")
	uncertain := code == exitNetwork
	var msg string
	switch {
	case code == exitInput:
		msg = text + " (nothing was sent)"
	case errors.As(err, &apiErr):
		requestID := apiErr.RequestID()
		if requestID == "" {
			requestID = "none"
		}
		msg = fmt.Sprintf("the service refused the message: %s (HTTP %d, request ID %s): %s",
			apiErr.ErrorCode(), apiErr.HTTPStatusCode(), requestID, apiErr.ErrorMessage())
		if errors.As(err, &opErr) {
			msg += fmt.Sprintf(" (%d attempt%s)", opErr.Attempts, plural(opErr.Attempts))
		}
		status := apiErr.HTTPStatusCode()
		uncertain = status >= 500 || status == http.StatusTooManyRequests
	case code == exitNetwork:
		msg = "could not reach the service (network failure or timeout): " + text
	default:
		msg = text
	}
	if uncertain && errors.As(err, &opErr) && opErr.ClientToken != "" {
		msg += "; to resend without risk of a duplicate, use --client-token " + opErr.ClientToken
	}
	fmt.Fprintln(e.stderr, oneLine("participant send: "+msg, token))
	return code
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
