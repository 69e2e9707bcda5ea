package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/chatwire/connectparticipant/participant"
	"github.com/chatwire/connectparticipant/participant/participanttest"
)

// TestWhereItSends is the rule that nothing meant for a real chat is
// silently sent to a fake: the in-process fake only with no configuration
// at all, or on request.
func TestWhereItSends(t *testing.T) {
	t.Parallel()
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("a-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		env    []string
		args   []string
		code   int
		stderr string // a part of stderr
	}{
		{"nothing configured: the in-process fake, said so", nil, []string{"send", "Hello"}, exitOK, "fake service started in-process"},
		{"--fake: the in-process fake", append(connEnv("x"), "AWS_REGION=us-east-1"), []string{"send", "--fake", "Hello"}, exitOK, "nothing leaves"},
		{"a token in the environment and no target: refused", connEnv("x"), []string{"send", "Hello"}, exitInput, "add --region"},
		{"a participant token in the environment and no target: refused", partEnv("x"), []string{"send", "Hello"}, exitInput, "add --region"},
		{"a token file and no target: refused", nil, []string{"send", "--token-file", tokenFile, "Hello"}, exitInput, "--fake to use the in-process fake on purpose"},
		{"AWS_REGION and a token: sent to that Region, which cannot be reached here", append(connEnv("x"), "AWS_REGION=us-east-1"),
			[]string{"send", "--timeout", "3s", "Hello"}, exitNetwork, "participant.connect.us-east-1.amazonaws.com"},
		{"--region and --endpoint: refused", connEnv("x"), []string{"send", "--region", "us-east-1", "--endpoint", "http://127.0.0.1:1", "Hello"}, exitInput, "not both"},
		{"--fake and --region: refused", nil, []string{"send", "--fake", "--region", "us-east-1", "Hello"}, exitInput, "--fake"},
		{"a region and no token: refused", nil, []string{"send", "--region", "us-east-1", "Hello"}, exitInput, "PARTICIPANT_CONNECTION_TOKEN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := runCmd(t, tt.env, "", tt.args...)
			r.wantExit(t, tt.code)
			if !strings.Contains(r.stderr, tt.stderr) {
				t.Errorf("stderr %q does not say %q", r.stderr, tt.stderr)
			}
			if tt.code != exitOK && r.stdout != "" {
				t.Errorf("stdout %q on a failure: nothing must look like success", r.stdout)
			}
		})
	}
	for _, args := range [][]string{{"send", "Hello"}, {"send", "Hello", "--fake"}} {
		t.Run("a build without the fake never uses one: "+strings.Join(args, " "), func(t *testing.T) {
			t.Parallel()
			r := runBin(t, binNoFake, nil, "", args...)
			r.wantExit(t, exitInput)
			if !strings.Contains(r.stderr, "nofake") || strings.Contains(r.stderr, "uses a fake") {
				t.Errorf("stderr %q, want only that the build has no fake", r.stderr)
			}
		})
	}
}

var uuidPattern = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}`)

// TestAnUnknownOutcomeSaysHowToResend: whenever the message may have been
// delivered, the command exits 4 and prints the --client-token to send it
// again with; doing so delivers it once.
func TestAnUnknownOutcomeSaysHowToResend(t *testing.T) {
	t.Parallel()
	dropThen := func(answers ...func(http.ResponseWriter)) http.HandlerFunc {
		var n atomic.Int32
		return func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			i := int(n.Add(1)) - 1
			if i < len(answers) {
				answers[i](w)
				return
			}
			w.Write([]byte(`{"Id":"m-1","AbsoluteTime":"2019-11-08T02:41:28.172Z"}`))
		}
	}
	drop := func(w http.ResponseWriter) {
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.Close()
	}
	status := func(code int, errorType string) func(http.ResponseWriter) {
		return func(w http.ResponseWriter) {
			w.Header().Set("X-Amzn-ErrorType", errorType)
			w.WriteHeader(code)
			w.Write([]byte(`{"Message":"no"}`))
		}
	}
	garbage := func(w http.ResponseWriter) { w.Write([]byte(`{"Id":`)) }
	tests := []struct {
		name    string
		handler http.HandlerFunc
		code    int
	}{
		{"a 200 whose body cannot be read", dropThen(garbage, garbage, garbage), exitUncertain},
		{"a dropped attempt, then a 403", dropThen(drop, status(403, "AccessDeniedException")), exitUncertain},
		{"a dropped attempt, then a 400", dropThen(drop, status(400, "ValidationException")), exitUncertain},
		{"a 403 alone: refused, nothing delivered", dropThen(status(403, "AccessDeniedException")), exitService},
		{"throttled on every attempt: refused", dropThen(status(429, "ThrottlingException"), status(429, "ThrottlingException"), status(429, "ThrottlingException")), exitService},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			r := runCmd(t, connEnv("conn-token-secret"), "", "send", "--endpoint", srv.URL, "Hello")
			r.wantExit(t, tt.code)
			r.wantNoSecret(t, "conn-token-secret")
			hasToken := strings.Contains(r.stderr, "--client-token ") && uuidPattern.MatchString(r.stderr)
			if (tt.code == exitUncertain) != hasToken {
				t.Errorf("stderr %q: the --client-token to resend with must be given exactly when the outcome is unknown", r.stderr)
			}
		})
	}

	t.Run("resending with the printed token delivers the message once", func(t *testing.T) {
		t.Parallel()
		srv := participanttest.NewServer()
		defer srv.Close()
		token := srv.NewConnection()
		srv.InjectFaults(participanttest.Fault{Kind: participanttest.FaultDropAfterProcessing, Count: 3})
		r := runCmd(t, connEnv(token), "", "send", "--endpoint", srv.URL, "Only once, please")
		r.wantExit(t, exitUncertain)
		clientToken := uuidPattern.FindString(r.stderr[strings.Index(r.stderr, "--client-token"):])
		r = runCmd(t, connEnv(token), "", "send", "--endpoint", srv.URL, "--client-token", clientToken, "Only once, please")
		r.wantExit(t, exitOK)
		n := 0
		for _, item := range srv.Transcript(token) {
			if item.Content == "Only once, please" {
				n++
			}
		}
		if n != 1 {
			t.Errorf("the message is in the transcript %d times, want 1", n)
		}
	})
}

// TestWhatTheServiceSaysIsMadeSafeToPrint: control characters in an answer
// (ESC and BEL: screen and title escapes) reach the terminal as escapes.
func TestWhatTheServiceSaysIsMadeSafeToPrint(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Amzn-ErrorType", "AccessDeniedException")
		w.WriteHeader(403)
		fmt.Fprint(w, `{"Message":"\u001b]0;pwned\u0007\u001b[2Jgone\nnext line"}`)
	}))
	defer srv.Close()
	r := runCmd(t, connEnv("x"), "", "send", "--endpoint", srv.URL, "Hello")
	r.wantExit(t, exitService)
	if strings.ContainsAny(r.stderr, "\x1b\x07") || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("stderr holds raw control characters or breaks lines: %q", r.stderr)
	}
	if !strings.Contains(r.stderr, `\u001b`) {
		t.Errorf("stderr %q does not show the escapes", r.stderr)
	}
}

func TestHelpExits0(t *testing.T) {
	t.Parallel()
	for _, c := range commands() {
		r := runCmd(t, nil, "", c.name, "--help")
		if r.code != exitOK || !strings.Contains(r.stdout, "Usage: participant "+c.name) {
			t.Errorf("%s --help: exit %d, stdout %q", c.name, r.code, r.stdout)
		}
	}
	if r := runCmd(t, nil, "", "help"); r.code != exitOK || !strings.Contains(r.stdout, "Exit codes") {
		t.Errorf("help: exit %d, stdout %q", r.code, r.stdout)
	}
	if r := runCmd(t, nil, "", "frobnicate"); r.code != exitInput {
		t.Errorf("an unknown command exits %d, want 2", r.code)
	}
}

// A chat item's line shows every field the service wrote, control
// characters escaped, on one line.
func TestAChatLineIsSafeToPrint(t *testing.T) {
	const hostile = "\x1b]0;pwned\a\x1b[2J\nnext"
	for _, item := range []participant.Item{
		{Type: participant.ChatItemTypeMessage, ParticipantRole: participant.ParticipantRole(hostile), Content: "hi"},
		{Type: participant.ChatItemTypeMessage, DisplayName: hostile, ParticipantRole: participant.ParticipantRoleAgent, Content: hostile},
		{Type: participant.ChatItemTypeAttachment, Attachments: []participant.AttachmentItem{{AttachmentName: hostile, AttachmentID: hostile}}},
		{Type: participant.ChatItemTypeEvent, ContentType: hostile, Content: hostile},
	} {
		line := describe(item)
		if strings.ContainsAny(line, "\x1b\x07\n") || !strings.Contains(line, `\u001b`) {
			t.Errorf("item %+v shows as %q", item, line)
		}
	}
}
