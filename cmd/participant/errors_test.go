package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"syscall"
	"testing"

	"github.com/chatwire/connectparticipant/participant"
)

func TestExitCodeOf(t *testing.T) {
	t.Parallel()
	apiErr := participant.NewAPIError("ThrottlingException", "Rate exceeded.", 429, "rid")
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"invalid input is 2", &participant.InvalidParamsError{Operation: "SendMessage"}, exitInput},
		{"a service error after retries is 1", &participant.OperationError{Operation: "SendMessage", Attempts: 3, Err: apiErr}, exitService},
		{"a service error with the budget exhausted is 1",
			&participant.OperationError{Err: fmt.Errorf("%w; last error: %w", participant.ErrRetryBudgetExhausted, apiErr)}, exitService},
		{"a refused connection is 3",
			&participant.OperationError{Err: &url.Error{Op: "Post", URL: "http://127.0.0.1:1", Err: syscall.ECONNREFUSED}}, exitNetwork},
		{"a timeout is 3", &participant.OperationError{Err: fmt.Errorf("%w: attempt", context.DeadlineExceeded)}, exitNetwork},
		{"an answer the client cannot read is 1", &participant.OperationError{Err: participant.ErrResponseTooLarge}, exitService},
	}
	for _, tt := range tests {
		if got := exitCodeOf(tt.err); got != tt.want {
			t.Errorf("%s: exitCodeOf(%v) = %d, want %d", tt.name, tt.err, got, tt.want)
		}
	}
}

func TestFailWithPrintsOneLineWithoutTheToken(t *testing.T) {
	t.Parallel()
	const token = "AQIDAHhSECRETtoken"
	err := &participant.OperationError{Operation: "SendMessage", Attempts: 1, ClientToken: "ct-1",
		Err: errors.New("a transport that quoted the token " + token + "\nover two lines")}
	var stderr strings.Builder
	code := failWith(env{stderr: &stderr}, exitNetwork, err, token)
	if code != exitNetwork {
		t.Errorf("code = %d, want %d", code, exitNetwork)
	}
	line := stderr.String()
	if strings.Contains(line, token) || strings.Count(line, "\n") != 1 {
		t.Errorf("stderr %q should be one line without the token", line)
	}
	if !strings.Contains(line, "<redacted>") || !strings.Contains(line, "--client-token ct-1") {
		t.Errorf("stderr %q should mark the redaction and give the ClientToken to resend with", line)
	}
}
