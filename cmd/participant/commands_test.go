package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chatwire/connectparticipant/participant"
	"github.com/chatwire/connectparticipant/participant/participanttest"
)

// TestEveryCommandAgainstTheFake runs a whole chat with the command: connect
// with a participant token, send, type, read receipts, the transcript,
// attach and download a file, a view, an authentication, and leave.
func TestEveryCommandAgainstTheFake(t *testing.T) {
	t.Parallel()
	srv := participanttest.NewServer()
	defer srv.Close()
	p := srv.NewParticipant(participanttest.ParticipantOptions{})
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "connection-token")

	// connect: the token goes to a file only the user can read.
	r := runCmd(t, partEnv(p.ParticipantToken), "", "connect", "--endpoint", srv.URL, "--token-out", tokenFile)
	r.wantExit(t, exitOK)
	r.wantNoSecret(t, p.ParticipantToken)
	if out := r.jsonLine(t); out["TokenFile"] != tokenFile || out["Expiry"] == "" || out["ConnectionToken"] != nil {
		t.Errorf("connect printed %v", out)
	}
	info, err := os.Stat(tokenFile)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("the token file: %v, mode %v; want 0600", err, info.Mode())
	}
	raw, _ := os.ReadFile(tokenFile)
	token := strings.TrimSpace(string(raw))
	target := []string{"--endpoint", srv.URL, "--token-file", tokenFile}
	run := func(args ...string) map[string]any {
		t.Helper()
		name, rest := args[0], args[1:]
		r := runCmd(t, nil, "", append(append([]string{name}, target...), rest...)...)
		r.wantExit(t, exitOK)
		r.wantNoSecret(t, token)
		if r.stdout == "" {
			return nil
		}
		return r.jsonLine(t)
	}

	sent := run("send", "--content-type", "text/markdown", "**Hello** from the command")
	if sent["Id"] == "" || !uuidPattern.MatchString(sent["ClientToken"].(string)) {
		t.Errorf("send printed %v", sent)
	}
	run("event", "typing")
	agent := srv.AgentSend(p.ContactID, "How can I help?")
	run("event", "read", agent.ID)

	page := run("transcript", "--max-results", "100")
	items, _ := page["Transcript"].([]any)
	if len(items) != len(srv.Transcript(p.ContactID)) {
		t.Errorf("transcript printed %d items, the fake holds %d", len(items), len(srv.Transcript(p.ContactID)))
	}
	r = runCmd(t, nil, "", append([]string{"transcript"}, append(target, "--all", "--max-results", "1")...)...)
	r.wantExit(t, exitOK)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != len(items) {
		t.Errorf("transcript --all printed %d lines, want %d", len(lines), len(items))
	}
	for _, line := range lines {
		var item participant.Item
		if err := json.Unmarshal([]byte(line), &item); err != nil || item.ID == "" {
			t.Errorf("transcript --all line %q is not an item: %v", line, err)
		}
	}

	file := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(file, []byte("some notes"), 0o600); err != nil {
		t.Fatal(err)
	}
	attached := run("attach", file)
	id, _ := attached["AttachmentId"].(string)
	if id == "" || attached["AttachmentSizeInBytes"] != float64(10) {
		t.Fatalf("attach printed %v", attached)
	}
	copyPath := filepath.Join(dir, "copy.txt")
	run("download", "-o", copyPath, id)
	if b, err := os.ReadFile(copyPath); err != nil || string(b) != "some notes" {
		t.Errorf("the download holds %q, %v", b, err)
	}
	r = runCmd(t, nil, "", append(append([]string{"download"}, target...), "-o", copyPath, id)...)
	if r.code != exitInput || !strings.Contains(r.stderr, "exists") {
		t.Errorf("a download over an existing file: exit %d, stderr %q; want 2", r.code, r.stderr)
	}

	viewToken := srv.AddView(participanttest.View{ID: "confirm", Name: "Confirm", Version: 1, Template: `{"Head":{}}`, Actions: []string{"Yes"}})
	if view := run("view", viewToken); view["Name"] != "Confirm" || view["Content"].(map[string]any)["Template"] != `{"Head":{}}` {
		t.Errorf("view printed %v", view)
	}
	session := srv.StartAuthentication(p.ContactID)
	if auth := run("auth-url", "--redirect-uri", "https://example.com/back", session); !strings.HasPrefix(auth["AuthenticationUrl"].(string), "https://") {
		t.Errorf("auth-url printed %v", auth)
	}
	run("auth-cancel", session)
	run("disconnect")

	r = runCmd(t, nil, "", append([]string{"send"}, append(target, "Still there?")...)...)
	r.wantExit(t, exitService)
	r.wantNoSecret(t, token)
	if !strings.Contains(r.stderr, "AccessDeniedException") {
		t.Errorf("after disconnect, send says %q", r.stderr)
	}
	if r := runCmd(t, nil, "", "version"); r.code != exitOK || r.jsonLine(t)["Version"] != participant.Version {
		t.Errorf("version: %d %q", r.code, r.stdout)
	}
}

func TestBadInputExits2AndSendsNothing(t *testing.T) {
	t.Parallel()
	srv := participanttest.NewServer()
	t.Cleanup(srv.Close)
	token := srv.NewConnection()
	endpoint := []string{"--endpoint", srv.URL}
	tests := []struct {
		name string
		env  []string
		args []string
	}{
		{"no message", connEnv(token), append([]string{"send"}, endpoint...)},
		{"two messages", connEnv(token), append(append([]string{"send"}, endpoint...), "a", "b")},
		{"over the content type's limit", connEnv(token), append(append([]string{"send"}, endpoint...), strings.Repeat("é", participant.ContentLimit("text/plain")+1))},
		{"a token with a control character is refused", connEnv(token + "\x01"), append(append([]string{"send"}, endpoint...), "hi")},
		{"an unknown event", connEnv(token), append(append([]string{"event"}, endpoint...), "waving")},
		{"a receipt without a message", connEnv(token), append(append([]string{"event"}, endpoint...), "read")},
		{"connect without saying where the token goes", partEnv("p"), append([]string{"connect"}, endpoint...)},
		{"download without -o", connEnv(token), append(append([]string{"download"}, endpoint...), "id")},
		{"attach a file that does not exist", connEnv(token), append(append([]string{"attach"}, endpoint...), "/no/such/file.pdf")},
		{"a bad flag", connEnv(token), []string{"send", "--colour", "red", "hi"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			before := len(srv.Requests())
			r := runCmd(t, tt.env, "", tt.args...)
			r.wantExit(t, exitInput)
			if r.stdout != "" || len(srv.Requests()) != before {
				t.Errorf("stdout %q, %d requests: bad input must send nothing", r.stdout, len(srv.Requests())-before)
			}
		})
	}
}

// TestFlagsMayFollowArguments: flags go before, between or after the
// arguments, and after "--" everything is an argument.
func TestFlagsMayFollowArguments(t *testing.T) {
	t.Parallel()
	const url = "URL" // stands for the fake's URL
	tests := []struct {
		name            string
		args            []string
		wantExit        int
		wantContentType string // of what was sent
		wantContent     string
	}{
		{"flags after the event kind", []string{"event", "typing", "--endpoint", url}, exitOK, participant.EventTypeTyping, ""},
		{"a flag between the message and another flag", []string{"send", "**hi**", "--content-type", "text/markdown", "--endpoint", url}, exitOK, "text/markdown", "**hi**"},
		{"after -- a message may start with a dash", []string{"send", "--endpoint", url, "--", "-5 degrees"}, exitOK, "text/plain", "-5 degrees"},
		{"after -- a flag is a second message", []string{"send", "--endpoint", url, "--", "hi", "--endpoint"}, exitInput, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := participanttest.NewServer()
			t.Cleanup(srv.Close)
			token := srv.NewConnection()
			args := slices.Clone(tt.args)
			args[slices.Index(args, url)] = srv.URL
			r := runCmd(t, connEnv(token), "", args...)
			r.wantExit(t, tt.wantExit)
			var sent []participanttest.Request
			for _, req := range srv.Requests() {
				if req.Operation == "SendMessage" || req.Operation == "SendEvent" {
					sent = append(sent, req)
				}
			}
			if tt.wantExit != exitOK {
				if len(sent) != 0 {
					t.Errorf("%d requests sent; a refused command sends nothing", len(sent))
				}
				return
			}
			if len(sent) != 1 {
				t.Fatalf("%d requests sent, want 1", len(sent))
			}
			var body struct{ Content string }
			if err := json.Unmarshal(sent[0].Body, &body); err != nil {
				t.Fatal(err)
			}
			if sent[0].ContentType != tt.wantContentType || body.Content != tt.wantContent {
				t.Errorf("sent %q %q, want %q %q", sent[0].ContentType, body.Content, tt.wantContentType, tt.wantContent)
			}
		})
	}
}

func TestFakeServesUntilSIGTERM(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(bin, "fake", "--addr", "127.0.0.1:0")
	cmd.Env = []string{}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		for sc.Scan() {
		}
		exited <- cmd.Wait()
	}()
	defer func() {
		cmd.Process.Kill()
	}()
	var line string
	select {
	case line = <-lines:
	case <-time.After(30 * time.Second):
		t.Fatalf("participant fake printed no line in 30s; stderr: %s", stderr.String())
	}
	var info struct {
		URL              string `json:"url"`
		ControlURL       string `json:"controlUrl"`
		ContactID        string `json:"contactId"`
		ParticipantToken string `json:"participantToken"`
		ConnectionToken  string `json:"connectionToken"`
	}
	dec := json.NewDecoder(strings.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&info); err != nil || !strings.HasPrefix(info.URL, "http://127.0.0.1:") || info.ControlURL != info.URL+"/_control" ||
		info.ParticipantToken == "" || info.ConnectionToken == "" || info.ContactID == "" {
		t.Fatalf("first line %q lacks url, controlUrl, contactId and the tokens: %v", line, err)
	}
	r := runCmd(t, connEnv(info.ConnectionToken), "", "send", "--endpoint", info.URL, "to the fake process")
	r.wantExit(t, exitOK)
	r = runCmd(t, partEnv(info.ParticipantToken), "", "connect", "--endpoint", info.URL, "--show-token")
	r.wantExit(t, exitOK)

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("participant fake after SIGTERM: %v (want exit 0); stderr: %s", err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("participant fake did not exit within 10s of SIGTERM")
	}
}

func TestFakeOnABusyAddressExits2(t *testing.T) {
	t.Parallel()
	srv := participanttest.NewServer()
	defer srv.Close()
	r := runCmd(t, nil, "", "fake", "--addr", strings.TrimPrefix(srv.URL, "http://"))
	if r.code != exitInput || r.stdout != "" || !strings.Contains(r.stderr, "listen") {
		t.Errorf("exit %d, stdout %q, stderr %q; want 2, nothing on stdout, and the listen error", r.code, r.stdout, r.stderr)
	}
}

// TestChatJSON is the contract of participant chat for programs: every item
// of the chat as a JSON line with the service's member names, nothing else
// on stdout, and exit 0 when the chat ends.
func TestChatJSON(t *testing.T) {
	t.Parallel()
	srv := participanttest.NewServer()
	defer srv.Close()
	p := srv.NewParticipant(participanttest.ParticipantOptions{})
	cmd := exec.Command(bin, "chat", "--json", "--endpoint", srv.URL)
	cmd.Env = partEnv(p.ParticipantToken)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	if _, err := stdin.Write([]byte("Hello from the terminal\n")); err != nil {
		t.Fatal(err)
	}
	// The command's message reaches the chat: then the agent answers and ends it.
	deadline := time.Now().Add(30 * time.Second)
	for !containsContent(srv.Transcript(p.ContactID), "Hello from the terminal") {
		if time.Now().After(deadline) {
			t.Fatalf("the typed line was not sent; stderr: %s", stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	srv.AgentSend(p.ContactID, "Hi, how can I help?")
	srv.EndChat(p.ContactID)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("participant chat: %v (want exit 0 when the chat ends); stderr: %s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("participant chat did not exit when the chat ended")
	}
	var contents, contentTypes []string
	for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		var item map[string]any
		if err := json.Unmarshal([]byte(line), &item); err != nil {
			t.Fatalf("stdout line %q is not a JSON object", line)
		}
		for k := range item {
			if !strings.Contains("Id Type ContentType Content ParticipantRole DisplayName AbsoluteTime ParticipantId ContactId MessageMetadata Attachments", k) {
				t.Errorf("member %s is not the service's", k)
			}
		}
		if c, ok := item["Content"].(string); ok {
			contents = append(contents, c)
		}
		contentTypes = append(contentTypes, item["ContentType"].(string))
	}
	if !containsString(contents, "Hello from the terminal") || !containsString(contents, "Hi, how can I help?") ||
		contentTypes[len(contentTypes)-1] != participant.EventTypeChatEnded {
		t.Errorf("printed %v / %v, want both messages and the chat-ended event last", contents, contentTypes)
	}
}

func containsContent(items []participant.Item, content string) bool {
	for _, it := range items {
		if it.Content == content {
			return true
		}
	}
	return false
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
