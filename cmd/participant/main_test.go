package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.uber.org/goleak"

	"github.com/chatwire/connectparticipant/participant"
	"github.com/chatwire/connectparticipant/participant/participanttest"
)

// bin is the command, built once for all tests.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "participant-cmd-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = filepath.Join(dir, "participant")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	if code == 0 {
		// The tests run fakes in-process; none may outlive its test.
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}

// result is what one run of the command did.
type result struct {
	code           int
	stdout, stderr string
}

// runCmd runs the command with only the environment given (no AWS_REGION
// or token leaks in from the machine) and stdin.
func runCmd(t *testing.T, envVars []string, stdin string, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = envVars
	if cmd.Env == nil {
		cmd.Env = []string{}
	}
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if exitErr, ok := err.(*exec.ExitError); ok {
		code = exitErr.ExitCode()
	} else if err != nil {
		t.Fatalf("run %v: %v", args, err)
	}
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// wantNoToken fails if the token shows in the command's output.
func (r result) wantNoToken(t *testing.T, token string) {
	t.Helper()
	if token != "" && (strings.Contains(r.stdout, token) || strings.Contains(r.stderr, token)) {
		t.Errorf("the connection token was printed:\nstdout: %s\nstderr: %s", r.stdout, r.stderr)
	}
}

// sendOutput decodes the JSON line of a successful send, requiring exactly
// the documented members.
func sendOutput(t *testing.T, stdout string) map[string]string {
	t.Helper()
	if strings.Count(stdout, "\n") != 1 || !strings.HasSuffix(stdout, "\n") {
		t.Fatalf("stdout is not one line: %q", stdout)
	}
	var out map[string]string
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("stdout %q is not a JSON object of strings: %v", stdout, err)
	}
	want := []string{"AbsoluteTime", "ClientToken", "Id", "MessageProcessingStatus", "RequestId"}
	if len(out) != len(want) {
		t.Errorf("stdout has members %v, want exactly %v", out, want)
	}
	for _, k := range want {
		if out[k] == "" {
			t.Errorf("stdout lacks %s: %s", k, stdout)
		}
	}
	return out
}

func tokenEnvVar(token string) []string { return []string{tokenEnv + "=" + token} }

func TestSendWithoutRegionUsesTheBuiltInFake(t *testing.T) {
	t.Parallel()
	r := runCmd(t, nil, "", "send", "Hello from Go")
	if r.code != exitOK {
		t.Fatalf("exit %d, want 0; stderr: %s", r.code, r.stderr)
	}
	out := sendOutput(t, r.stdout)
	for _, k := range []string{"Id", "RequestId", "ClientToken"} {
		if _, err := uuid.Parse(out[k]); err != nil {
			t.Errorf("%s %q is not a UUID", k, out[k])
		}
	}
	if _, err := time.Parse("2006-01-02T15:04:05.000Z", out["AbsoluteTime"]); err != nil {
		t.Errorf("AbsoluteTime %q: %v", out["AbsoluteTime"], err)
	}
	if out["MessageProcessingStatus"] != "PROCESSING" {
		t.Errorf("MessageProcessingStatus = %q, want PROCESSING", out["MessageProcessingStatus"])
	}
	if !strings.Contains(r.stderr, "built-in fake") {
		t.Errorf("stderr does not say the built-in fake was used: %q", r.stderr)
	}
}

func TestSendToAnEndpoint(t *testing.T) {
	t.Parallel()
	srv := participanttest.NewServer()
	defer srv.Close()
	token := srv.NewConnection()
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name        string
		env         []string
		stdin       string
		args        []string
		wantType    string
		wantContent string
		wantCT      string // the ClientToken sent, if the test chose it
	}{
		{name: "token from the environment, message from the argument", env: tokenEnvVar(token),
			args: []string{"send", "--endpoint", srv.URL, "hello"}, wantType: "text/plain", wantContent: "hello"},
		{name: "message from stdin without its trailing newline", env: tokenEnvVar(token), stdin: "from stdin\n",
			args: []string{"send", "--endpoint", srv.URL, "-"}, wantType: "text/plain", wantContent: "from stdin"},
		{name: "token from a file, content type and client token from flags",
			args: []string{"send", "--endpoint", srv.URL, "--token-file", tokenFile, "--content-type", "text/markdown",
				"--client-token", "ct-cli-1", "**bold**"},
			wantType: "text/markdown", wantContent: "**bold**", wantCT: "ct-cli-1"},
		{name: "a message that starts with a dash after --", env: tokenEnvVar(token),
			args: []string{"send", "--endpoint", srv.URL, "--", "-dash"}, wantType: "text/plain", wantContent: "-dash"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(srv.Transcript(token))
			r := runCmd(t, tt.env, tt.stdin, tt.args...)
			r.wantNoToken(t, token)
			if r.code != exitOK {
				t.Fatalf("exit %d, want 0; stderr: %s", r.code, r.stderr)
			}
			out := sendOutput(t, r.stdout)
			tr := srv.Transcript(token)
			if len(tr) != before+1 {
				t.Fatalf("transcript grew by %d, want 1", len(tr)-before)
			}
			got := tr[len(tr)-1]
			if got.ContentType != tt.wantType || got.Content != tt.wantContent || got.ID != out["Id"] {
				t.Errorf("delivered %+v, want ContentType %q, Content %q, Id %s", got, tt.wantType, tt.wantContent, out["Id"])
			}
			if tt.wantCT != "" && (got.ClientToken != tt.wantCT || out["ClientToken"] != tt.wantCT) {
				t.Errorf("ClientToken sent %q, printed %q, want %q", got.ClientToken, out["ClientToken"], tt.wantCT)
			}
			if r.stderr != "" {
				t.Errorf("stderr is not empty on a real endpoint: %q", r.stderr)
			}
		})
	}
}

func TestBadInputExits2AndSendsNothing(t *testing.T) {
	t.Parallel()
	srv := participanttest.NewServer()
	defer srv.Close()
	token := srv.NewConnection()
	emptyFile := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(emptyFile, nil, 0o600); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name   string
		env    []string
		stdin  string
		args   []string
		stderr string // a word the one line on stderr must hold
	}{
		{"plain text one code point over its limit", tokenEnvVar(token), "",
			[]string{"send", "--endpoint", srv.URL, strings.Repeat("é", plainLimit+1)}, strconv.Itoa(plainLimit)},
		{"plain text one code point over its limit on stdin", tokenEnvVar(token), strings.Repeat("😀", plainLimit+1),
			[]string{"send", "--endpoint", srv.URL, "-"}, strconv.Itoa(plainLimit)},
		{"invalid UTF-8 on stdin", tokenEnvVar(token), "bad \xff\xfe bytes",
			[]string{"send", "--endpoint", srv.URL, "-"}, "UTF-8"},
		{"an empty message", tokenEnvVar(token), "", []string{"send", "--endpoint", srv.URL, ""}, "Content"},
		{"a content type over 100 characters", tokenEnvVar(token), "",
			[]string{"send", "--endpoint", srv.URL, "--content-type", strings.Repeat("x", 101), "hi"}, "ContentType"},
		{"no token with --endpoint", nil, "", []string{"send", "--endpoint", srv.URL, "hi"}, tokenEnv},
		{"an empty token file", nil, "", []string{"send", "--endpoint", srv.URL, "--token-file", emptyFile, "hi"}, "empty"},
		{"a token file that does not exist", nil, "",
			[]string{"send", "--endpoint", srv.URL, "--token-file", emptyFile + ".missing", "hi"}, "token"},
		{"no MESSAGE", tokenEnvVar(token), "", []string{"send", "--endpoint", srv.URL}, "MESSAGE"},
		{"two MESSAGEs", tokenEnvVar(token), "", []string{"send", "--endpoint", srv.URL, "a", "b"}, "one MESSAGE"},
		{"both --region and --endpoint", tokenEnvVar(token), "",
			[]string{"send", "--region", "us-east-1", "--endpoint", srv.URL, "hi"}, "not both"},
		{"an endpoint that is not a URL", tokenEnvVar(token), "", []string{"send", "--endpoint", "::nope", "hi"}, "endpoint"},
		{"a zero timeout", tokenEnvVar(token), "", []string{"send", "--endpoint", srv.URL, "--timeout", "0s", "hi"}, "timeout"},
		{"an unknown flag", tokenEnvVar(token), "", []string{"send", "--bogus", "hi"}, "--help"},
		{"an unknown command", nil, "", []string{"receive"}, "unknown command"},
		{"no command", nil, "", nil, "Usage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCmd(t, tt.env, tt.stdin, tt.args...)
			r.wantNoToken(t, token)
			if r.code != exitInput {
				t.Errorf("exit %d, want 2; stderr: %s", r.code, r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("stdout = %q, want nothing", r.stdout)
			}
			if !strings.Contains(r.stderr, tt.stderr) {
				t.Errorf("stderr %q does not mention %q", r.stderr, tt.stderr)
			}
		})
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("the fake received %d requests; bad input must send nothing", n)
	}
}

var requestIDPattern = regexp.MustCompile(`request ID [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

func TestServiceErrorExits1(t *testing.T) {
	t.Parallel()
	srv := participanttest.NewServer()
	defer srv.Close()
	token := srv.NewConnection()
	srv.EndConnection(token)

	r := runCmd(t, tokenEnvVar(token), "", "send", "--endpoint", srv.URL, "anyone there?")
	r.wantNoToken(t, token)
	if r.code != exitService {
		t.Fatalf("exit %d, want 1; stderr: %s", r.code, r.stderr)
	}
	if strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("stderr is not one line: %q", r.stderr)
	}
	if !strings.Contains(r.stderr, "AccessDeniedException") || !requestIDPattern.MatchString(r.stderr) {
		t.Errorf("stderr %q lacks the error code or the request ID", r.stderr)
	}
	if r.stdout != "" {
		t.Errorf("stdout = %q, want nothing", r.stdout)
	}
}

func TestNetworkFailureExits3(t *testing.T) {
	t.Parallel()
	// A port nothing listens on: take a free one and let it go.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := "http://" + ln.Addr().String()
	ln.Close()

	slow := participanttest.NewServer()
	defer slow.Close()
	slowToken := slow.NewConnection()
	slow.InjectFaults(participanttest.Fault{Kind: participanttest.FaultDelay, Delay: time.Minute, Count: 10})

	tests := []struct {
		name  string
		token string
		args  []string
	}{
		{"an endpoint on a closed port", "a-token-nobody-checks", []string{"send", "--endpoint", closedPort, "hi"}},
		{"a service slower than --timeout", slowToken, []string{"send", "--endpoint", slow.URL, "--timeout", "300ms", "hi"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := runCmd(t, tokenEnvVar(tt.token), "", tt.args...)
			r.wantNoToken(t, tt.token)
			if r.code != exitNetwork {
				t.Fatalf("exit %d, want 3; stderr: %s", r.code, r.stderr)
			}
			if strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "--client-token") {
				t.Errorf("stderr should be one line with the ClientToken to resend with: %q", r.stderr)
			}
		})
	}
}

func TestHelpExits0(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--help"}, "participant send"},
		{[]string{"help"}, "participant fake"},
		{[]string{"help", "send"}, "--token-file"},
		{[]string{"send", "--help"}, "--client-token"},
		{[]string{"send", "-h"}, "--content-type"},
		{[]string{"fake", "--help"}, "--addr"},
		{[]string{"help", "fake"}, "connectionToken"},
	}
	for _, tt := range tests {
		r := runCmd(t, nil, "", tt.args...)
		if r.code != exitOK || !strings.Contains(r.stdout, tt.want) {
			t.Errorf("%v: exit %d, stdout %q; want 0 and help mentioning %q", tt.args, r.code, r.stdout, tt.want)
		}
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
	stopped := false
	defer func() {
		if !stopped {
			cmd.Process.Kill()
			<-exited
		}
	}()

	lines := make(chan string, 1)
	var rest bytes.Buffer
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		for sc.Scan() {
			rest.WriteString(sc.Text())
		}
		exited <- cmd.Wait()
	}()

	var line string
	select {
	case line = <-lines:
	case <-time.After(30 * time.Second):
		t.Fatalf("participant fake printed no line in 30s; stderr: %s", stderr.String())
	}
	var info struct {
		URL             string `json:"url"`
		ConnectionToken string `json:"connectionToken"`
	}
	dec := json.NewDecoder(strings.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&info); err != nil || !strings.HasPrefix(info.URL, "http://127.0.0.1:") || info.ConnectionToken == "" {
		t.Fatalf("first line %q is not {\"url\": \"http://127.0.0.1:PORT\", \"connectionToken\": ...}: %v", line, err)
	}

	r := runCmd(t, tokenEnvVar(info.ConnectionToken), "", "send", "--endpoint", info.URL, "to the fake process")
	r.wantNoToken(t, info.ConnectionToken)
	if r.code != exitOK {
		t.Fatalf("send to the fake process: exit %d; stderr %s", r.code, r.stderr)
	}
	sendOutput(t, r.stdout)

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		stopped = true
		if err != nil {
			t.Errorf("participant fake after SIGTERM: %v (want exit 0); stderr: %s", err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("participant fake did not exit within 10s of SIGTERM")
	}
	if rest.Len() != 0 {
		t.Errorf("participant fake printed more than one line on stdout: %q", rest.String())
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

// plainLimit is text/plain's limit, from the spec.
var plainLimit = participant.ContentLimit(participant.ContentTypeTextPlain)
