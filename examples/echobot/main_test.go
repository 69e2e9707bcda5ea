package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/chatwire/connectparticipant/participant"
	"github.com/chatwire/connectparticipant/participant/participanttest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// logBuffer is the bot's stderr. Every write signals wrote, so a test waits
// for what the bot does by checking the fake again after each line the bot
// logs (it logs after each reply), rather than by sleeping.
type logBuffer struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	wrote chan struct{} // capacity 1
}

func newLogBuffer() *logBuffer { return &logBuffer{wrote: make(chan struct{}, 1)} }

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	l.buf.Write(p)
	l.mu.Unlock()
	select {
	case l.wrote <- struct{}{}:
	default:
	}
	return len(p), nil
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// bot is run in a goroutine against a fake.
type bot struct {
	stderr *logBuffer
	done   chan error // run's result
	cancel context.CancelFunc
}

func startBot(t *testing.T, args []string, env map[string]string) *bot {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	b := &bot{stderr: newLogBuffer(), done: make(chan error, 1), cancel: cancel}
	go func() { b.done <- run(ctx, args, func(k string) string { return env[k] }, b.stderr) }()
	t.Cleanup(func() {
		cancel()
		<-b.done
	})
	return b
}

// waitUntil waits until cond holds, checking it after each line the bot
// logs; it fails the test if the bot returns first or 5 s pass.
func (b *bot) waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(5 * time.Second)
	defer deadline.Stop()
	for !cond() {
		select {
		case <-b.stderr.wrote:
		case err := <-b.done:
			t.Fatalf("waiting for %s: run returned %v; stderr:\n%s", what, err, b.stderr)
		case <-deadline.C:
			t.Fatalf("waiting for %s: timed out; stderr:\n%s", what, b.stderr)
		}
	}
}

// result waits for run to return.
func (b *bot) result(t *testing.T) error {
	t.Helper()
	select {
	case err := <-b.done:
		b.done <- err // for the cleanup
		return err
	case <-time.After(5 * time.Second):
		t.Fatalf("run did not return; stderr:\n%s", b.stderr)
		return nil
	}
}

// messages returns the contents of the messages of role in the transcript.
func messages(items []participant.Item, role participant.ParticipantRole) []string {
	var out []string
	for _, it := range items {
		if it.Type == participant.ChatItemTypeMessage && it.ParticipantRole == role {
			out = append(out, it.Content)
		}
	}
	return out
}

func TestAnswersEveryAgentMessageAndExitsWhenTheChatEnds(t *testing.T) {
	t.Parallel()
	srv := participanttest.NewServer()
	t.Cleanup(srv.Close)
	customer := srv.NewParticipant(participanttest.ParticipantOptions{})
	b := startBot(t, []string{"--endpoint", srv.URL}, map[string]string{"PARTICIPANT_TOKEN": customer.ParticipantToken})

	sent := []string{"Hello", "How are you?", "Bye"}
	for _, text := range sent {
		srv.AgentSend(customer.ContactID, text)
	}
	want := []string{"You said: Hello", "You said: How are you?", "You said: Bye"}
	b.waitUntil(t, "three replies", func() bool {
		return len(messages(srv.Transcript(customer.ContactID), participant.ParticipantRoleCustomer)) >= len(want)
	})
	srv.EndChat(customer.ContactID)
	if err := b.result(t); err != nil {
		t.Fatalf("run after the chat ended: %v", err)
	}

	transcript := srv.Transcript(customer.ContactID)
	if got := messages(transcript, participant.ParticipantRoleCustomer); !slices.Equal(got, want) {
		t.Errorf("replies %q, want %q", got, want)
	}
	for _, it := range transcript {
		if it.Type != participant.ChatItemTypeMessage || it.ParticipantRole != participant.ParticipantRoleAgent {
			continue
		}
		read := it.MessageMetadata != nil && slices.ContainsFunc(it.MessageMetadata.Receipts, func(r participant.Receipt) bool {
			return r.RecipientParticipantID == customer.ParticipantID && r.ReadTimestamp != ""
		})
		if !read {
			t.Errorf("agent message %q has no read receipt of the bot: %+v", it.Content, it.MessageMetadata)
		}
	}
	// Typing goes out before the first reply (then at most every 10 s).
	var ops []string
	for _, r := range srv.Requests() {
		if r.Operation == "SendMessage" || (r.Operation == "SendEvent" && r.ContentType == participant.EventTypeTyping) {
			ops = append(ops, r.Operation)
		}
	}
	if len(ops) == 0 || ops[0] != "SendEvent" {
		t.Errorf("typing did not come before the first reply: %v", ops)
	}
	logged := b.stderr.String()
	if strings.Contains(logged, customer.ParticipantToken) {
		t.Error("the token was logged")
	}
	if strings.Contains(logged, "level=WARN") {
		t.Errorf("warnings were logged:\n%s", logged)
	}
}

func TestSignalLeavesTheChat(t *testing.T) {
	t.Parallel()
	srv := participanttest.NewServer()
	t.Cleanup(srv.Close)
	customer := srv.NewParticipant(participanttest.ParticipantOptions{})
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte(customer.ParticipantToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	b := startBot(t, []string{"--endpoint", srv.URL, "--participant-token-file", tokenFile}, nil)

	srv.AgentSend(customer.ContactID, "ping")
	b.waitUntil(t, "the reply", func() bool {
		return len(messages(srv.Transcript(customer.ContactID), participant.ParticipantRoleCustomer)) == 1
	})
	b.cancel() // as SIGINT does
	if err := b.result(t); err != nil {
		t.Fatalf("run after the signal: %v", err)
	}
	left := slices.ContainsFunc(srv.Transcript(customer.ContactID), func(it participant.Item) bool {
		return it.ContentType == participant.EventTypeParticipantLeft && it.ParticipantID == customer.ParticipantID
	})
	if !left {
		t.Error("the bot did not leave the chat")
	}
}

func TestRefusesBadConfigurations(t *testing.T) {
	t.Parallel()
	srv := participanttest.NewServer()
	t.Cleanup(srv.Close)
	customer := srv.NewParticipant(participanttest.ParticipantOptions{})
	token := customer.ParticipantToken
	dir := t.TempDir()
	tokenFile, emptyFile := filepath.Join(dir, "token"), filepath.Join(dir, "empty")
	if err := os.WriteFile(tokenFile, []byte(token), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(emptyFile, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// A port nothing listens on.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedURL := "http://" + ln.Addr().String()
	ln.Close()

	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string
	}{
		{"no token", []string{"--endpoint", srv.URL}, nil, "no participant token"},
		{"token as a flag", []string{"--endpoint", srv.URL, "--participant-token", token}, nil, "flag provided but not defined"},
		{"token in both", []string{"--endpoint", srv.URL, "--participant-token-file", tokenFile},
			map[string]string{"PARTICIPANT_TOKEN": token}, "both set"},
		{"missing token file", []string{"--endpoint", srv.URL, "--participant-token-file", filepath.Join(dir, "nope")}, nil, "no such file"},
		{"empty token file", []string{"--endpoint", srv.URL, "--participant-token-file", emptyFile}, nil, "is empty"},
		{"no target", nil, map[string]string{"PARTICIPANT_TOKEN": token}, "no service to connect to"},
		{"region and endpoint", []string{"--region", "us-east-1", "--endpoint", srv.URL},
			map[string]string{"PARTICIPANT_TOKEN": token}, "not both"},
		{"plain http to a remote host", []string{"--endpoint", "http://example.com"},
			map[string]string{"PARTICIPANT_TOKEN": token}, "https"},
		{"an argument", []string{"--endpoint", srv.URL, "hello"}, map[string]string{"PARTICIPANT_TOKEN": token}, "unexpected argument"},
		{"unreachable endpoint", []string{"--endpoint", closedURL},
			map[string]string{"PARTICIPANT_TOKEN": token}, "connecting to the chat"},
		{"unknown token", []string{"--endpoint", srv.URL},
			map[string]string{"PARTICIPANT_TOKEN": "not-a-token-of-the-fake"}, "AccessDeniedException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stderr := newLogBuffer()
			err := run(context.Background(), tt.args, func(k string) string { return tt.env[k] }, stderr)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("run = %v, want an error with %q", err, tt.wantErr)
			}
			if out := err.Error() + stderr.String(); strings.Contains(out, token) {
				t.Errorf("the token was printed: %s", out)
			}
		})
	}
	// Nothing reached the fake but the connection attempt of the unknown
	// token, which the fake refused.
	for _, r := range srv.Requests() {
		if r.Operation != "CreateParticipantConnection" || r.Status != 403 {
			t.Errorf("the fake received %s %s (status %d)", r.Method, r.Path, r.Status)
		}
	}
	if got := srv.Transcript(customer.ContactID); len(got) != 0 {
		t.Errorf("the chat has items: %+v", got)
	}
}
