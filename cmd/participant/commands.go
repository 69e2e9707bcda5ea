package main

import (
	"context"
	"flag"
	"fmt"
	"mime"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/chatwire/connectparticipant/participant"
)

// spec is what a command is: its name, usage text, the token it takes, how
// many arguments, its own flags, and what it does once connected. Every
// command runs through runCommand.
type spec struct {
	name, usage string
	kind        tokenKind
	minArgs     int
	maxArgs     int
	flags       func(fs *flag.FlagSet)
	check       func(args []string) error // before anything is sent
	do          func(ctx context.Context, c *conn, args []string) (any, error)
}

// runCommand parses the command's flags, checks its arguments, opens the
// target, runs the command within --timeout, and prints its result as one
// JSON line, or the failure on stderr.
func runCommand(s spec, args []string, e env) int {
	var t target
	fs := newFlags(s.name, s.usage, e)
	t.addFlags(fs, s.kind)
	if s.flags != nil {
		s.flags(fs)
	}
	rest, code, done := parseFlags(fs, args, e)
	if done {
		return code
	}
	switch {
	case len(rest) < s.minArgs || len(rest) > s.maxArgs:
		return fail(e, s.name, errConfig{fmt.Sprintf("want %s, got %d arguments (run 'participant %s --help')",
			argCount(s.minArgs, s.maxArgs), len(rest), s.name)})
	case s.check != nil:
		if err := s.check(rest); err != nil {
			return fail(e, s.name, err)
		}
	}
	c, err := t.open(e)
	if err != nil {
		return fail(e, s.name, err)
	}
	defer c.close()
	ctx, cancel := context.WithTimeout(context.Background(), t.timeout)
	defer cancel()
	out, err := s.do(ctx, c, rest)
	if err != nil {
		return fail(e, s.name, err)
	}
	if out != nil {
		if err := writeJSON(e, out); err != nil {
			return fail(e, s.name, err)
		}
	}
	return exitOK
}

func argCount(min, max int) string {
	switch {
	case min == max && min == 0:
		return "no arguments"
	case min == max && min == 1:
		return "one argument"
	case min == max:
		return fmt.Sprintf("%d arguments", min)
	}
	return fmt.Sprintf("%d to %d arguments", min, max)
}

func runConnect(args []string, e env) int {
	var tokenOut string
	var show bool
	return runCommand(spec{
		name: "connect", kind: participantToken,
		usage: `Usage: participant connect (--token-out FILE | --show-token) [flags]

Exchanges the participant token (StartChatContact's ParticipantToken, from your
chat backend) for a connection token, acknowledging the participant's
connection, and prints the connection's expiry as a JSON line:
  {"TokenFile":"...","Expiry":"...","WebsocketExpiry":"..."}
The participant token is read from $PARTICIPANT_TOKEN or --participant-token-file.
The connection token is written to the --token-out file, readable by you only
(mode 0600), for the other commands' --token-file; only --show-token prints it.
`,
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&tokenOut, "token-out", "", "write the connection token to this file (mode 0600)")
			fs.BoolVar(&show, "show-token", false, "print the connection token in the JSON line (it is a secret)")
		},
		check: func([]string) error {
			if tokenOut == "" && !show {
				return errConfig{"say where the connection token goes: --token-out FILE (mode 0600), or --show-token to print it"}
			}
			return nil
		},
		do: func(ctx context.Context, c *conn, _ []string) (any, error) {
			out, err := c.client.CreateParticipantConnection(ctx, participant.CreateParticipantConnectionInput{
				ParticipantToken:   c.token,
				Type:               []participant.ConnectionType{participant.ConnectionTypeConnectionCredentials, participant.ConnectionTypeWebsocket},
				ConnectParticipant: true,
			})
			if err != nil {
				return nil, err
			}
			token := string(out.ConnectionCredentials.ConnectionToken)
			result := struct {
				TokenFile       string `json:",omitempty"`
				ConnectionToken string `json:",omitempty"`
				Expiry          participant.Timestamp
				WebsocketExpiry participant.Timestamp
				RequestID       string `json:"RequestId"`
			}{Expiry: out.ConnectionCredentials.Expiry, WebsocketExpiry: out.Websocket.ConnectionExpiry, RequestID: out.RequestID}
			if tokenOut != "" {
				if err := os.WriteFile(tokenOut, []byte(token+"\n"), 0o600); err != nil {
					return nil, fmt.Errorf("writing the connection token: %w", err)
				}
				result.TokenFile = tokenOut
			}
			if show {
				result.ConnectionToken = token
			}
			return result, nil
		},
	}, args, e)
}

// sentResult is the JSON line of a command that sends a message or an event.
type sentResult struct {
	ID                      string                `json:"Id"`
	AbsoluteTime            participant.Timestamp `json:"AbsoluteTime"`
	RequestID               string                `json:"RequestId"`
	ClientToken             string                `json:"ClientToken"`
	MessageProcessingStatus string                `json:"MessageProcessingStatus,omitempty"`
}

func runSend(args []string, e env) int {
	var contentType, clientToken string
	return runCommand(spec{
		name: "send", kind: connectionToken, minArgs: 1, maxArgs: 1,
		usage: `Usage: participant send [flags] MESSAGE

Sends MESSAGE into the chat as the participant of the connection token, and
prints the service's answer as one JSON line:
  {"Id":"...","AbsoluteTime":"...","RequestId":"...","ClientToken":"...","MessageProcessingStatus":"..."}
MESSAGE "-" reads the message from stdin (one trailing newline is dropped).
`,
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&contentType, "content-type", participant.ContentTypeTextPlain,
				"the MIME type of MESSAGE, such as text/markdown or application/json")
			fs.StringVar(&clientToken, "client-token", "", "the idempotency token; the same one sends a message once (default: a new UUID, printed)")
		},
		do: func(ctx context.Context, c *conn, args []string) (any, error) {
			content, err := readArg(args[0], e.stdin)
			if err != nil {
				return nil, err
			}
			out, err := c.client.SendMessage(ctx, participant.SendMessageInput{
				ConnectionToken: c.token, ContentType: contentType, Content: content, ClientToken: clientToken})
			if err != nil {
				return nil, err
			}
			res := sentResult{ID: out.ID, AbsoluteTime: out.AbsoluteTime, RequestID: out.RequestID, ClientToken: out.ClientToken}
			if out.MessageMetadata != nil {
				res.MessageProcessingStatus = string(out.MessageMetadata.MessageProcessingStatus)
			}
			return res, nil
		},
	}, args, e)
}

func runEvent(args []string, e env) int {
	var clientToken string
	kinds := map[string]string{
		"typing":    participant.EventTypeTyping,
		"delivered": participant.EventTypeMessageDelivered,
		"read":      participant.EventTypeMessageRead,
	}
	return runCommand(spec{
		name: "event", kind: connectionToken, minArgs: 1, maxArgs: 2,
		usage: `Usage: participant event [flags] typing
       participant event [flags] delivered|read MESSAGE-ID

Sends an event: that the participant is typing, or a receipt for the message
with MESSAGE-ID. Prints the service's answer as one JSON line.
`,
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&clientToken, "client-token", "", "the idempotency token (default: a new UUID, printed)")
		},
		check: func(args []string) error {
			if _, ok := kinds[args[0]]; !ok {
				return errConfig{fmt.Sprintf("unknown event %q; use typing, delivered or read", args[0])}
			}
			if (args[0] == "typing") != (len(args) == 1) {
				return errConfig{"typing takes no MESSAGE-ID; delivered and read take the ID of the message"}
			}
			return nil
		},
		do: func(ctx context.Context, c *conn, args []string) (any, error) {
			in := participant.SendEventInput{ConnectionToken: c.token, ContentType: kinds[args[0]], ClientToken: clientToken}
			if len(args) == 2 {
				in.Content = participant.ReceiptContent(args[1])
			}
			out, err := c.client.SendEvent(ctx, in)
			if err != nil {
				return nil, err
			}
			return sentResult{ID: out.ID, AbsoluteTime: out.AbsoluteTime, RequestID: out.RequestID, ClientToken: out.ClientToken}, nil
		},
	}, args, e)
}

func runTranscript(args []string, e env) int {
	var in participant.GetTranscriptInput
	var all bool
	var maxResults int
	var scan, sortOrder, startID, startTime string
	var mostRecent int
	return runCommand(spec{
		name: "transcript", kind: connectionToken,
		usage: `Usage: participant transcript [flags]

Prints one page of the chat's transcript as a JSON line with the service's
member names ({"InitialContactId":...,"Transcript":[...],"NextToken":...});
with --all, every item of every page, one JSON line each.
`,
		flags: func(fs *flag.FlagSet) {
			fs.BoolVar(&all, "all", false, "walk every page and print each item as a JSON line")
			fs.IntVar(&maxResults, "max-results", 0, "the most items in a page (default: the service's, 10)")
			fs.StringVar(&in.NextToken, "next-token", "", "the NextToken of the previous page")
			fs.StringVar(&scan, "scan-direction", "", "FORWARD or BACKWARD")
			fs.StringVar(&sortOrder, "sort-order", "", "ASCENDING or DESCENDING")
			fs.StringVar(&startID, "start-id", "", "start at the item with this Id")
			fs.StringVar(&startTime, "start-time", "", "start at this time, e.g. 2019-11-08T02:41:28.172Z")
			fs.IntVar(&mostRecent, "most-recent", 0, "start this many items before the most recent one")
			fs.StringVar(&in.ContactID, "contact-id", "", "the contact of a persistent chat (default: the connection's)")
		},
		do: func(ctx context.Context, c *conn, _ []string) (any, error) {
			in.ConnectionToken = c.token
			in.MaxResults = int32(maxResults)
			in.ScanDirection, in.SortOrder = participant.ScanDirection(scan), participant.SortKey(sortOrder)
			if startID != "" || startTime != "" || mostRecent != 0 {
				in.StartPosition = &participant.StartPosition{ID: startID, AbsoluteTime: participant.Timestamp(startTime), MostRecent: int32(mostRecent)}
			}
			if !all {
				out, err := c.client.GetTranscript(ctx, in)
				if err != nil {
					return nil, err
				}
				return struct {
					InitialContactID string             `json:"InitialContactId,omitempty"`
					Transcript       []participant.Item `json:"Transcript"`
					NextToken        string             `json:"NextToken,omitempty"`
				}{out.InitialContactID, out.Transcript, out.NextToken}, nil
			}
			for item, err := range c.client.TranscriptItems(ctx, in) {
				if err != nil {
					return nil, err
				}
				if err := writeJSON(e, item); err != nil {
					return nil, err
				}
			}
			return nil, nil
		},
	}, args, e)
}

func runAttach(args []string, e env) int {
	var contentType, name, clientToken string
	return runCommand(spec{
		name: "attach", kind: connectionToken, minArgs: 1, maxArgs: 1,
		usage: `Usage: participant attach [flags] FILE

Attaches FILE to the chat (StartAttachmentUpload, the upload, then
CompleteAttachmentUpload) and prints the attachment's Id as a JSON line.
`,
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&contentType, "content-type", "", "the file's MIME type (default: from its extension)")
			fs.StringVar(&name, "name", "", "the name the chat shows (default: the file's)")
			fs.StringVar(&clientToken, "client-token", "", "the idempotency token; the same one attaches the file once (default: a new UUID, printed)")
		},
		do: func(ctx context.Context, c *conn, args []string) (any, error) {
			file, err := os.Open(args[0])
			if err != nil {
				return nil, errConfig{err.Error()}
			}
			defer file.Close()
			if name == "" {
				name = filepath.Base(args[0])
			}
			if contentType == "" {
				contentType = mime.TypeByExtension(filepath.Ext(args[0]))
				if i := strings.IndexByte(contentType, ';'); i >= 0 {
					contentType = contentType[:i]
				}
				if contentType == "" {
					return nil, errConfig{"cannot tell the file's type from its name; give --content-type"}
				}
			}
			out, err := c.client.UploadAttachment(ctx, participant.UploadAttachmentInput{
				ConnectionToken: c.token, AttachmentName: name, ContentType: contentType, Body: file, ClientToken: clientToken})
			if err != nil {
				return nil, err
			}
			return struct {
				AttachmentID          string `json:"AttachmentId"`
				AttachmentSizeInBytes int64
				ClientToken           string
				RequestID             string `json:"RequestId"`
			}{out.AttachmentID, out.AttachmentSizeInBytes, out.ClientToken, out.RequestID}, nil
		},
	}, args, e)
}

func runDownload(args []string, e env) int {
	var output string
	return runCommand(spec{
		name: "download", kind: connectionToken, minArgs: 1, maxArgs: 1,
		usage: `Usage: participant download [flags] -o FILE ATTACHMENT-ID

Downloads the attachment ATTACHMENT-ID (an AttachmentId of the transcript)
into FILE, which must not exist yet, and prints its size as a JSON line.
`,
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&output, "o", "", "the file to write; it must not exist")
		},
		check: func([]string) error {
			if output == "" {
				return errConfig{"say where the file goes: -o FILE"}
			}
			return nil
		},
		do: func(ctx context.Context, c *conn, args []string) (any, error) {
			file, err := os.OpenFile(output, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
			if err != nil {
				return nil, errConfig{err.Error()}
			}
			out, err := c.client.DownloadAttachment(ctx, participant.DownloadAttachmentInput{ConnectionToken: c.token, AttachmentID: args[0]}, file)
			if cerr := file.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				os.Remove(output)
				return nil, err
			}
			return struct {
				File                  string
				AttachmentSizeInBytes int64
			}{output, out.AttachmentSizeInBytes}, nil
		},
	}, args, e)
}

func runView(args []string, e env) int {
	return runCommand(spec{
		name: "view", kind: connectionToken, minArgs: 1, maxArgs: 1,
		usage: `Usage: participant view [flags] VIEW-TOKEN

Prints the view VIEW-TOKEN names as a JSON line, its sensitive template and
content included (that is what you asked for).
`,
		do: func(ctx context.Context, c *conn, args []string) (any, error) {
			out, err := c.client.DescribeView(ctx, participant.DescribeViewInput{ConnectionToken: c.token, ViewToken: args[0]})
			if err != nil {
				return nil, err
			}
			actions := make([]string, len(out.View.Content.Actions))
			for i, a := range out.View.Content.Actions {
				actions[i] = string(a)
			}
			type content struct {
				InputSchema, Template string
				Actions               []string
			}
			return struct {
				ID      string `json:"Id"`
				ARN     string `json:"Arn"`
				Name    string
				Version int32
				Content content
			}{out.View.ID, out.View.ARN, string(out.View.Name), out.View.Version,
				content{string(out.View.Content.InputSchema), string(out.View.Content.Template), actions}}, nil
		},
	}, args, e)
}

func runAuthURL(args []string, e env) int {
	var redirect string
	return runCommand(spec{
		name: "auth-url", kind: connectionToken, minArgs: 1, maxArgs: 1,
		usage: `Usage: participant auth-url [flags] --redirect-uri URI SESSION-ID

Prints the sign-in URL of the customer authentication SESSION-ID (named by the
chat's authentication-initiated event) as a JSON line.
`,
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&redirect, "redirect-uri", "", "where the browser goes after signing in")
		},
		check: func([]string) error {
			if redirect == "" {
				return errConfig{"give --redirect-uri URI"}
			}
			return nil
		},
		do: func(ctx context.Context, c *conn, args []string) (any, error) {
			out, err := c.client.GetAuthenticationURL(ctx, participant.GetAuthenticationURLInput{ConnectionToken: c.token, SessionID: args[0], RedirectURI: redirect})
			if err != nil {
				return nil, err
			}
			return struct {
				AuthenticationURL string `json:"AuthenticationUrl"`
			}{string(out.AuthenticationURL)}, nil
		},
	}, args, e)
}

// requestResult is the JSON line of a command whose answer has no members.
type requestResult struct {
	RequestID   string `json:"RequestId"`
	ClientToken string `json:",omitempty"`
}

func runAuthCancel(args []string, e env) int {
	return runCommand(spec{
		name: "auth-cancel", kind: connectionToken, minArgs: 1, maxArgs: 1,
		usage: `Usage: participant auth-cancel [flags] SESSION-ID

Cancels the customer authentication SESSION-ID.
`,
		do: func(ctx context.Context, c *conn, args []string) (any, error) {
			out, err := c.client.CancelParticipantAuthentication(ctx, participant.CancelParticipantAuthenticationInput{ConnectionToken: c.token, SessionID: args[0]})
			if err != nil {
				return nil, err
			}
			return requestResult{RequestID: out.RequestID}, nil
		},
	}, args, e)
}

func runDisconnect(args []string, e env) int {
	var clientToken string
	return runCommand(spec{
		name: "disconnect", kind: connectionToken,
		usage: `Usage: participant disconnect [flags]

Leaves the chat; the connection token stops working.
`,
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&clientToken, "client-token", "", "the idempotency token (default: a new UUID, printed)")
		},
		do: func(ctx context.Context, c *conn, _ []string) (any, error) {
			out, err := c.client.DisconnectParticipant(ctx, participant.DisconnectParticipantInput{ConnectionToken: c.token, ClientToken: clientToken})
			if err != nil {
				return nil, err
			}
			return requestResult{RequestID: out.RequestID, ClientToken: out.ClientToken}, nil
		},
	}, args, e)
}

func runVersion(args []string, e env) int {
	fs := newFlags("version", "Usage: participant version\n\nPrints the version of the command as a JSON line.\n", e)
	rest, code, done := parseFlags(fs, args, e)
	if done {
		return code
	}
	if len(rest) > 0 {
		return fail(e, "version", errConfig{"version takes no arguments"})
	}
	if err := writeJSON(e, struct{ Version, Go string }{participant.Version, runtime.Version()}); err != nil {
		return fail(e, "version", err)
	}
	return exitOK
}
