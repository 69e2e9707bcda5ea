package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

// bin is the command, built once for all tests; binNoFake is the same built
// with -tags nofake.
var bin, binNoFake string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "participant-cmd-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin, binNoFake = filepath.Join(dir, "participant"), filepath.Join(dir, "participant-nofake")
	for _, build := range [][]string{{"build", "-o", bin, "."}, {"build", "-tags", "nofake", "-o", binNoFake, "."}} {
		if out, err := exec.Command("go", build...).CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "go %v: %v\n%s", build, err, out)
			os.RemoveAll(dir)
			os.Exit(1)
		}
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

// runCmd runs the command with only the environment given (no AWS_REGION or
// token leaks in from the machine) and stdin.
func runCmd(t *testing.T, envVars []string, stdin string, args ...string) result {
	t.Helper()
	return runBin(t, bin, envVars, stdin, args...)
}

func runBin(t *testing.T, path string, envVars []string, stdin string, args ...string) result {
	t.Helper()
	cmd := exec.Command(path, args...)
	cmd.Env = append([]string{}, envVars...)
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

// wantNoSecret fails if a secret shows in the command's output.
func (r result) wantNoSecret(t *testing.T, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && (strings.Contains(r.stdout, s) || strings.Contains(r.stderr, s)) {
			t.Errorf("a secret was printed:\nstdout: %s\nstderr: %s", r.stdout, r.stderr)
		}
	}
}

// wantExit fails unless the command exited with code.
func (r result) wantExit(t *testing.T, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, code, r.stdout, r.stderr)
	}
}

// jsonLine decodes stdout, which must be exactly one JSON line.
func (r result) jsonLine(t *testing.T) map[string]any {
	t.Helper()
	if strings.Count(r.stdout, "\n") != 1 || !strings.HasSuffix(r.stdout, "\n") {
		t.Fatalf("stdout is not one line: %q", r.stdout)
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("stdout %q is not a JSON object: %v", r.stdout, err)
	}
	return out
}

func connEnv(token string) []string { return []string{connectionTokenEnv + "=" + token} }
func partEnv(token string) []string { return []string{participantTokenEnv + "=" + token} }
