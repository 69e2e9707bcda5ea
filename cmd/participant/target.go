package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"github.com/chatwire/connectparticipant/participant"
)

const (
	// connectionTokenEnv and participantTokenEnv name the environment
	// variables the tokens are read from.
	connectionTokenEnv  = "PARTICIPANT_CONNECTION_TOKEN"
	participantTokenEnv = "PARTICIPANT_TOKEN"
	// defaultTimeout bounds a whole command, retries included.
	defaultTimeout = 60 * time.Second
	// maxInputBytes bounds what is read of stdin or a token file.
	maxInputBytes = 1 << 20
)

// tokenKind is which token a command authenticates with.
type tokenKind int

const (
	connectionToken  tokenKind = iota // every operation but CreateParticipantConnection
	participantToken                  // connect and chat
)

// target holds the flags every command shares: where to send, where the
// token comes from, and how long to try.
type target struct {
	kind      tokenKind
	region    string
	endpoint  string
	fake      bool
	tokenFile string
	timeout   time.Duration
}

func (t *target) addFlags(fs *flag.FlagSet, kind tokenKind) {
	t.kind = kind
	fs.StringVar(&t.region, "region", "", "the AWS Region of the Amazon Connect instance, e.g. us-east-1 (default $AWS_REGION)")
	fs.StringVar(&t.endpoint, "endpoint", "", "a `URL` to send to instead of the Region's endpoint, e.g. the url that participant fake prints")
	fs.BoolVar(&t.fake, "fake", false, "use a fake service started in-process for this command; nothing leaves the machine")
	if kind == participantToken {
		fs.StringVar(&t.tokenFile, "participant-token-file", "", "read the participant token from this file instead of $"+participantTokenEnv)
	} else {
		fs.StringVar(&t.tokenFile, "token-file", "", "read the connection token from this file instead of $"+connectionTokenEnv)
	}
	fs.DurationVar(&t.timeout, "timeout", defaultTimeout, "give up after this long, retries included")
}

func (t *target) tokenEnv() string {
	if t.kind == participantToken {
		return participantTokenEnv
	}
	return connectionTokenEnv
}

// builtInFake is the fake service a command starts in-process (see
// fake.go; a build with -tags nofake has none).
type builtInFake struct {
	url, controlURL  string
	connectionToken  participant.Secret
	participantToken participant.Secret // of the customer of contactID
	contactID        string
	// agentSend sends a message as the agent of contactID.
	agentSend func(text string)
	close     func()
}

// conn is what a command sends with: a client, its token, and the
// in-process fake when there is one.
type conn struct {
	client  *participant.Client
	token   participant.Secret
	builtIn *builtInFake // nil unless the in-process fake is used
}

func (c *conn) close() {
	if c.builtIn != nil {
		c.builtIn.close()
	}
}

// errConfig is a configuration the command refuses; nothing is sent.
type errConfig struct{ msg string }

func (e errConfig) Error() string { return e.msg }

// open resolves where to send and with which token. The rules, so that a
// message meant for a real chat never goes to a fake:
//   - --fake: the in-process fake (with neither --region nor --endpoint);
//   - --region or --endpoint (not both): there;
//   - AWS_REGION or AWS_DEFAULT_REGION set: that Region, as the library does;
//   - a token set (in the environment or a file) but no target: refused;
//   - nothing configured at all: the in-process fake, and the command says so.
func (t *target) open(e env) (*conn, error) {
	switch {
	case t.region != "" && t.endpoint != "":
		return nil, errConfig{"use --region or --endpoint, not both"}
	case t.fake && (t.region != "" || t.endpoint != ""):
		return nil, errConfig{"--fake sends to an in-process fake; drop it to use --region or --endpoint"}
	case t.timeout <= 0:
		return nil, errConfig{"--timeout must be positive, e.g. 30s"}
	}
	envRegion := e.getenv("AWS_REGION")
	if envRegion == "" {
		envRegion = e.getenv("AWS_DEFAULT_REGION")
	}
	tokenSet := t.tokenFile != "" || e.getenv(connectionTokenEnv) != "" || e.getenv(participantTokenEnv) != ""
	useFake := t.fake
	if !t.fake && t.region == "" && t.endpoint == "" && envRegion == "" {
		if tokenSet {
			return nil, errConfig{"a token is set but not where to send it: add --region REGION (or set AWS_REGION) " +
				"or --endpoint URL, or --fake to use the in-process fake on purpose"}
		}
		useFake = true
	}
	if useFake {
		f, err := startBuiltInFake("")
		if err != nil {
			return nil, err
		}
		if t.fake {
			fmt.Fprintln(e.stderr, "participant: --fake: this uses a fake service started in-process; nothing leaves this machine")
		} else {
			fmt.Fprintln(e.stderr, "participant: no --region, --endpoint or token, so this uses a fake service started in-process; "+
				"nothing leaves this machine (add --region and set a token to use a real chat)")
		}
		client, err := participant.New(participant.WithEndpoint(f.url))
		if err != nil {
			f.close()
			return nil, err
		}
		token := f.connectionToken
		if t.kind == participantToken {
			token = f.participantToken
		}
		return &conn{client: client, token: token, builtIn: f}, nil
	}
	token, err := t.readToken(e)
	if err != nil {
		return nil, err
	}
	var opt participant.Option
	switch {
	case t.endpoint != "":
		opt = participant.WithEndpoint(t.endpoint)
	case t.region != "":
		opt = participant.WithRegion(t.region)
	default:
		opt = participant.WithRegion(envRegion)
	}
	client, err := participant.New(opt)
	if err != nil {
		return nil, errConfig{strings.TrimPrefix(err.Error(), "participant: ")}
	}
	return &conn{client: client, token: token}, nil
}

// readToken returns the token from the file, if one is named, or else from
// the environment.
func (t *target) readToken(e env) (participant.Secret, error) {
	name := "connection token"
	if t.kind == participantToken {
		name = "participant token"
	}
	if t.tokenFile != "" {
		f, err := os.Open(t.tokenFile)
		if err != nil {
			return "", errConfig{fmt.Sprintf("reading the %s: %v", name, err)}
		}
		defer f.Close()
		b, err := io.ReadAll(io.LimitReader(f, maxInputBytes))
		if err != nil {
			return "", errConfig{fmt.Sprintf("reading the %s from %s: %v", name, t.tokenFile, err)}
		}
		token := strings.TrimSpace(string(b))
		if token == "" {
			return "", errConfig{fmt.Sprintf("the token file %s is empty; put the %s in it", t.tokenFile, name)}
		}
		return participant.Secret(token), nil
	}
	token := strings.TrimSpace(e.getenv(t.tokenEnv()))
	if token == "" {
		flagName := "--token-file"
		if t.kind == participantToken {
			flagName = "--participant-token-file"
		}
		return "", errConfig{fmt.Sprintf("no %s: set %s or use %s FILE "+
			"(it is never read from the command line, where other users could see it)", name, t.tokenEnv(), flagName)}
	}
	return participant.Secret(token), nil
}

// parseFlags parses args into fs and returns the arguments that are not
// flags. Flags may come before, between or after them, as in
// "participant event typing --endpoint URL"; after "--" everything is an
// argument, so a message may start with "-". It reports done with the exit
// code when the command should stop: 0 after --help, 2 after a bad flag.
func parseFlags(fs *flag.FlagSet, args []string, e env) (rest []string, code int, done bool) {
	usage := fs.Usage
	fs.Usage = func() {} // a bad flag gets a one-line hint, --help the full text
	defer func() { fs.Usage = usage }()
	for {
		err := fs.Parse(args)
		switch {
		case errors.Is(err, flag.ErrHelp):
			fs.SetOutput(e.stdout)
			usage()
			return nil, exitOK, true
		case err != nil:
			fmt.Fprintf(e.stderr, "run '%s --help' for the flags\n", fs.Name())
			return nil, exitInput, true
		}
		left := fs.Args()
		if parsed := len(args) - len(left); parsed > 0 && args[parsed-1] == "--" {
			return append(rest, left...), 0, false
		}
		if len(left) == 0 {
			return rest, 0, false
		}
		rest, args = append(rest, left[0]), left[1:]
	}
}

// newFlags makes the flag set of a command with its usage text.
func newFlags(name, text string, e env) *flag.FlagSet {
	fs := flag.NewFlagSet("participant "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), text)
		fmt.Fprintln(fs.Output(), "\nFlags:")
		printFlags(fs)
		fmt.Fprint(fs.Output(), exitCodesText)
	}
	return fs
}

const exitCodesText = `
Exit codes: 0 done; 1 the service refused; 2 invalid input or configuration
(nothing was sent); 3 the service could not be reached (nothing was sent); 4
the outcome is unknown: run the command again with the --client-token it printed.
`

// writeJSON prints v as one line of JSON on stdout.
func writeJSON(e env, v any) error {
	line, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(e.stdout, "%s\n", line)
	return err
}

// exitCodeOf classifies the error of a command.
func exitCodeOf(err error) int {
	var cfg errConfig
	var invalid *participant.InvalidParamsError
	var opErr *participant.OperationError
	var apiErr participant.APIError
	var netErr net.Error
	switch {
	case errors.As(err, &cfg), errors.As(err, &invalid):
		return exitInput
	case errors.As(err, &opErr) && opErr.MayHaveTakenEffect:
		return exitUncertain
	case errors.As(err, &apiErr):
		return exitService
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return exitNetwork
	default:
		return exitService
	}
}

// fail prints err as one line of stderr, led by the command's name and what
// kind of failure it is, and returns the exit code. The client's errors hold
// no token, so it has none to hide. When the request may
// have taken effect, it says how to send it again safely.
func fail(e env, name string, err error) int {
	code := exitCodeOf(err)
	var apiErr participant.APIError
	var opErr *participant.OperationError
	errors.As(err, &opErr)
	text := strings.TrimPrefix(err.Error(), "participant: ")
	var msg string
	switch {
	case code == exitInput:
		msg = text + " (nothing was sent)"
	case errors.As(err, &apiErr):
		requestID := apiErr.RequestID()
		if requestID == "" {
			requestID = "none"
		}
		msg = fmt.Sprintf("the service answered %s (HTTP %d, request ID %s): %s",
			apiErr.ErrorCode(), apiErr.HTTPStatusCode(), requestID, apiErr.ErrorMessage())
		if opErr != nil {
			msg += fmt.Sprintf(" (%d attempt%s)", opErr.Attempts, plural(opErr.Attempts))
		}
	case code == exitNetwork:
		msg = "could not reach the service: " + text
	default:
		msg = text
	}
	if code == exitUncertain {
		msg += "; the outcome is unknown: it may have taken effect"
		if opErr.ClientToken != "" {
			msg += "; to send it again without risk of a duplicate, add --client-token " + opErr.ClientToken
		}
	}
	fmt.Fprintln(e.stderr, printable("participant "+name+": "+msg))
	return code
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// readArg returns a command argument, or stdin without one trailing newline
// when the argument is "-".
func readArg(arg string, stdin io.Reader) (string, error) {
	if arg != "-" {
		return arg, nil
	}
	b, err := io.ReadAll(io.LimitReader(stdin, maxInputBytes+1))
	if err != nil {
		return "", fmt.Errorf("reading stdin: %w", err)
	}
	if len(b) > maxInputBytes {
		return "", errConfig{fmt.Sprintf("stdin holds over %d bytes; a message holds at most %d characters", maxInputBytes, participant.ContentLimit(""))}
	}
	s := strings.TrimSuffix(string(b), "\n")
	return strings.TrimSuffix(s, "\r"), nil
}
