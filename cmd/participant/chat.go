package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/chatwire/connectparticipant/participant"
	"github.com/chatwire/connectparticipant/participant/chat"
)

const chatUsage = `Usage: participant chat [flags]

Takes part in the chat of the participant token ($PARTICIPANT_TOKEN or
--participant-token-file): connects, prints every message and event of the
chat as it comes (the history first), and sends each line typed on stdin as a
message. Ctrl-C, or the end of stdin, leaves the chat (DisconnectParticipant).
It exits 0 when the chat ends.

With --json, every item of the chat is printed as one JSON object per line,
with the service's member names (Id, Type, ContentType, Content,
ParticipantRole, DisplayName, AbsoluteTime, ...), and nothing else goes to
stdout; the end of stdin does not leave the chat.

With no --region, --endpoint or token, it chats with a fake started
in-process, whose agent answers every message.
`

func runChat(args []string, e env) int {
	var t target
	fs := newFlags("chat", chatUsage, e)
	t.addFlags(fs, participantToken)
	asJSON := fs.Bool("json", false, "print each item of the chat as a JSON line, and nothing else")
	history := fs.Bool("history", true, "print the messages and events sent before connecting")
	rest, code, done := parseFlags(fs, args, e)
	if done {
		return code
	}
	if len(rest) > 0 {
		return fail(e, "chat", errConfig{"chat takes no arguments; type messages on stdin"})
	}
	c, err := t.open(e)
	if err != nil {
		return fail(e, "chat", err)
	}
	defer c.close()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	connectCtx, cancel := context.WithTimeout(ctx, t.timeout)
	session, err := chat.Connect(connectCtx, c.client, c.token, chat.WithHistory(*history))
	cancel()
	if err != nil {
		return fail(e, "chat", err)
	}
	defer session.Close()
	if c.builtIn != nil {
		c.builtIn.agentSend("Hello! I am the built-in fake's agent: I answer every message. Ctrl-C leaves.")
	}

	// Lines typed on stdin are sent as they come; the end of stdin leaves
	// the chat, unless the output is JSON for a program.
	leave := make(chan struct{})
	go func() {
		scanner := bufio.NewScanner(e.stdin)
		scanner.Buffer(make([]byte, 64<<10), maxInputBytes)
		for scanner.Scan() {
			line := strings.TrimRight(scanner.Text(), "\r")
			if line == "" {
				continue
			}
			sendCtx, cancel := context.WithTimeout(ctx, t.timeout)
			if _, err := session.Send(sendCtx, line); err != nil && ctx.Err() == nil {
				fmt.Fprintln(e.stderr, printable("participant chat: not sent: "+err.Error()))
			}
			cancel()
		}
		if !*asJSON {
			close(leave)
		}
	}()
	go func() {
		select {
		case <-leave:
			stop()
		case <-ctx.Done():
		}
	}()

	for item, err := range session.Items(ctx) {
		if err != nil {
			if ctx.Err() != nil {
				break // Ctrl-C or the end of stdin: leave below
			}
			return fail(e, "chat", err)
		}
		if *asJSON {
			if err := writeJSON(e, item); err != nil {
				return fail(e, "chat", err)
			}
		} else {
			fmt.Fprintln(e.stdout, describe(item))
		}
		if c.builtIn != nil && chat.KindOf(item) == chat.KindMessage && item.ParticipantRole == participant.ParticipantRoleCustomer {
			c.builtIn.agentSend("You said: " + item.Content)
		}
	}
	if ctx.Err() == nil {
		return exitOK // the chat ended
	}
	leaveCtx, cancel := context.WithTimeout(context.Background(), t.timeout)
	defer cancel()
	if err := session.Disconnect(leaveCtx); err != nil && !errors.Is(err, chat.ErrClosed) {
		return fail(e, "chat", err)
	}
	if !*asJSON {
		fmt.Fprintln(e.stderr, "participant chat: left the chat")
	}
	return exitOK
}

// describe is the line the terminal shows for an item: who sent what, with
// everything the service sent made safe to print.
func describe(item participant.Item) string { return printable(said(item)) }

// said is who sent what, as the service wrote it.
func said(item participant.Item) string {
	who := item.DisplayName
	if who == "" {
		who = strings.ToLower(string(item.ParticipantRole))
	}
	if item.ParticipantRole != "" {
		who += " (" + string(item.ParticipantRole) + ")"
	}
	when := ""
	if t, err := item.AbsoluteTime.Time(); err == nil {
		when = t.Local().Format("15:04:05") + " "
	}
	switch chat.KindOf(item) {
	case chat.KindMessage:
		return when + who + ": " + item.Content
	case chat.KindAttachment:
		var names []string
		for _, a := range item.Attachments {
			names = append(names, a.AttachmentName+" ("+a.AttachmentID+")")
		}
		return when + who + " attached " + strings.Join(names, ", ")
	case chat.KindTyping:
		return when + who + " is typing..."
	case chat.KindJoined:
		return when + who + " joined"
	case chat.KindLeft:
		return when + who + " left"
	case chat.KindChatEnded:
		return when + "the chat ended"
	case chat.KindReceipt:
		return when + "receipt for a message"
	}
	return when + who + ": " + item.ContentType + " " + item.Content
}
