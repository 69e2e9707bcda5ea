package participanttest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chatwire/connectparticipant/participant"
)

func TestFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name            string
		fault           Fault
		wantStatus      int // 0: the connection is dropped unanswered
		wantHeader      map[string]string
		wantNoHeader    []string
		wantContentType string
		wantRecorded    bool // the message is in the transcript
	}{
		{name: "throttle answers 429 ThrottlingException without processing",
			fault: Fault{Kind: FaultThrottle}, wantStatus: 429, wantNoHeader: []string{"Retry-After"}},
		{name: "throttle with RetryAfter sends Retry-After in whole seconds, rounded up",
			fault: Fault{Kind: FaultThrottle, RetryAfter: 1500 * time.Millisecond}, wantStatus: 429,
			wantHeader: map[string]string{"Retry-After": "2"}},
		{name: "internal answers 500 InternalServerException without processing",
			fault: Fault{Kind: FaultInternal}, wantStatus: 500},
		{name: "bad gateway answers 502 HTML without the service's headers",
			fault: Fault{Kind: FaultBadGateway}, wantStatus: 502, wantContentType: "text/html",
			wantNoHeader: []string{"X-Amzn-ErrorType", "x-amzn-RequestId"}},
		{name: "delay waits and then processes",
			fault: Fault{Kind: FaultDelay, Delay: 150 * time.Millisecond}, wantStatus: 200, wantRecorded: true},
		{name: "drop before processing closes the connection and records nothing",
			fault: Fault{Kind: FaultDropBeforeProcessing}},
		{name: "drop after processing records the message, then closes the connection",
			fault: Fault{Kind: FaultDropAfterProcessing}, wantRecorded: true},
		{name: "a fault for the operation applies",
			fault: Fault{Kind: FaultInternal, Operation: "SendMessage"}, wantStatus: 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := NewServer()
			defer srv.Close()
			token := srv.NewConnection()
			stored := len(srv.Transcript(token))
			srv.InjectFaults(tt.fault)

			req := msg("text/plain", "hello", "ct-1")
			start := time.Now()
			a, err := do(context.Background(), srv.Client(), srv.URL, opSend, token, req)
			elapsed := time.Since(start)
			if tt.wantStatus == 0 {
				if err == nil {
					t.Fatalf("got a %d answer, want the connection dropped", a.status)
				}
			} else {
				if err != nil {
					t.Fatalf("POST: %v", err)
				}
				checkAnswer(t, a, opSend, token, req)
				if a.status != tt.wantStatus {
					t.Fatalf("status = %d, want %d; body %s", a.status, tt.wantStatus, a.body)
				}
			}
			for name, want := range tt.wantHeader {
				if got := a.header.Get(name); got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
			for _, name := range tt.wantNoHeader {
				if got := a.header.Get(name); got != "" {
					t.Errorf("%s = %q, want none", name, got)
				}
			}
			if tt.wantContentType != "" && a.header.Get("Content-Type") != tt.wantContentType {
				t.Errorf("Content-Type = %q, want %q", a.header.Get("Content-Type"), tt.wantContentType)
			}
			if tt.fault.Kind == FaultDelay && elapsed < tt.fault.Delay {
				t.Errorf("answered after %v, before the %v delay", elapsed, tt.fault.Delay)
			}
			if got := len(srv.Transcript(token)) == stored+1; got != tt.wantRecorded {
				t.Errorf("message recorded = %v, want %v", got, tt.wantRecorded)
			}
			reqs := srv.Requests()
			if len(reqs) != 1 || reqs[0].Fault != tt.fault.Kind || reqs[0].Status != tt.wantStatus || reqs[0].Operation != "SendMessage" {
				t.Errorf("Requests = %+v, want one SendMessage with Fault %v and Status %d", reqs, tt.fault.Kind, tt.wantStatus)
			}

			// The fault is used up: the retry, with the same ClientToken, gets
			// the first result if there was one, and is never delivered twice.
			again := call(t, srv, opSend, token, req)
			if again.status != http.StatusOK {
				t.Fatalf("retry after the fault: status %d, want 200", again.status)
			}
			tr := srv.Transcript(token)
			if len(tr) != stored+1 {
				t.Fatalf("transcript has %d items after the retry, want %d", len(tr), stored+1)
			}
			var result struct{ Id string }
			again.decode(t, &result)
			if result.Id != tr[len(tr)-1].ID {
				t.Errorf("the retry got Id %s, want the stored message's %s", result.Id, tr[len(tr)-1].ID)
			}
		})
	}
}

func TestFaultQueue(t *testing.T) {
	t.Parallel()
	srv := NewServer()
	defer srv.Close()
	token := srv.NewConnection()
	other := srv.NewConnection()

	srv.InjectFaults(
		Fault{Kind: FaultNone, Count: 1},
		Fault{Kind: FaultThrottle, Count: 2},
		Fault{Kind: FaultInternal, Operation: "GetTranscript"}, // Count 0 counts as 1
		Fault{Kind: FaultBadGateway, Operation: "SendMessage"},
	)
	sends := []struct {
		token string
		body  any
		want  int
	}{
		{token, msg("text/plain", "1"), 200},
		{other, msg("text/plain", "2"), 429}, // faults apply on any connection
		{token, []byte(`not json`), 429},     // and before the request is checked
		{token, msg("text/plain", "4"), 502}, // GetTranscript's fault waits for a GetTranscript
		{token, msg("text/plain", "5"), 200},
	}
	for i, s := range sends {
		if a, err := do(context.Background(), srv.Client(), srv.URL, opSend, s.token, s.body); err != nil || a.status != s.want {
			t.Errorf("send %d: status %d (%v), want %d", i+1, a.status, err, s.want)
		}
	}
	if a := call(t, srv, opTranscript, token, nil); a.status != http.StatusInternalServerError {
		t.Errorf("GetTranscript: status %d, want its 500", a.status)
	}
	var kinds []string
	for _, r := range srv.Requests() {
		kinds = append(kinds, fmt.Sprintf("%s:%v/%d", r.Operation, r.Fault, r.Status))
	}
	want := "SendMessage:FaultNone/200 SendMessage:FaultThrottle/429 SendMessage:FaultThrottle/429 SendMessage:FaultBadGateway/502 SendMessage:FaultNone/200 GetTranscript:FaultInternal/500"
	if got := strings.Join(kinds, " "); got != want {
		t.Errorf("Requests = %s\nwant       %s", got, want)
	}

	srv.InjectFaults(Fault{Kind: FaultInternal, Count: 5})
	srv.ResetFaults()
	if a := call(t, srv, opSend, token, msg("text/plain", "after reset")); a.status != http.StatusOK {
		t.Errorf("after ResetFaults: status %d, want 200", a.status)
	}
	defer func() {
		if recover() == nil {
			t.Error("InjectFaults with an unknown operation did not panic")
		}
	}()
	srv.InjectFaults(Fault{Kind: FaultInternal, Operation: "SendMesage"})
}

// TestOversizedBodiesDoNotUseFaults: only a request that arrived whole
// meets a fault.
func TestOversizedBodiesDoNotUseFaults(t *testing.T) {
	t.Parallel()
	srv := NewServer()
	defer srv.Close()
	token := srv.NewConnection()
	srv.InjectFaults(Fault{Kind: FaultThrottle})
	wantError(t, call(t, srv, opSend, token, msg("text/plain", strings.Repeat("a", maxRequestBodyBytes))), http.StatusBadRequest, "bytes")
	if a := call(t, srv, opSend, token, msg("text/plain", "whole")); a.status != http.StatusTooManyRequests {
		t.Errorf("the next whole request: %d, want the fault's 429", a.status)
	}
	reqs := srv.Requests()
	if reqs[0].Body != nil || reqs[0].Status != http.StatusBadRequest {
		t.Errorf("the refused oversized request was kept as %+v (body of %d bytes), want no body", reqs[0].Status, len(reqs[0].Body))
	}
}

// TestFaultDelayFinishesWhenTheClientHangsUp: the service processes a
// delayed request whose client gave up, so the retry finds the first result.
func TestFaultDelayFinishesWhenTheClientHangsUp(t *testing.T) {
	t.Parallel()
	srv := NewServer()
	defer srv.Close()
	token := srv.NewConnection()
	stored := len(srv.Transcript(token))
	srv.InjectFaults(Fault{Kind: FaultDelay, Delay: 300 * time.Millisecond})

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := do(ctx, srv.Client(), srv.URL, opSend, token, msg("text/plain", "patience", "ct")); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("the client should have given up: %v", err)
	}
	waitFor(t, func() bool { return srv.Requests()[0].Status == http.StatusOK })
	tr := srv.Transcript(token)
	if len(tr) != stored+1 {
		t.Fatalf("the abandoned request was not processed: %d items", len(tr))
	}
	var again struct{ Id string }
	call(t, srv, opSend, token, msg("text/plain", "patience", "ct")).decode(t, &again)
	if again.Id != tr[stored].ID || len(srv.Transcript(token)) != stored+1 {
		t.Errorf("the retry got Id %s, want the first result %s, and nothing new", again.Id, tr[stored].ID)
	}

	// Through the client: an attempt that times out is retried with the same
	// ClientToken, and the message is stored once.
	client := newClient(t, srv, participant.WithAttemptTimeout(50*time.Millisecond), participant.WithBackoff(time.Millisecond, time.Millisecond, time.Millisecond))
	srv.InjectFaults(Fault{Kind: FaultDelay, Delay: 200 * time.Millisecond})
	out, err := client.SendMessage(context.Background(), participant.SendMessageInput{ConnectionToken: participant.Secret(token), ContentType: "text/plain", Content: "once"})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return srv.Requests()[len(srv.Requests())-2].Status == http.StatusOK })
	n := 0
	for _, it := range srv.Transcript(token) {
		if it.Content == "once" {
			n++
			if it.ID != out.ID {
				t.Errorf("stored Id %s, the client got %s", it.ID, out.ID)
			}
		}
	}
	if n != 1 {
		t.Errorf("the message is stored %d times, want once", n)
	}
}

func TestCloseEndsDelays(t *testing.T) {
	t.Parallel()
	srv := NewServer()
	token := srv.NewConnection()
	stored := len(srv.Transcript(token))
	srv.InjectFaults(Fault{Kind: FaultDelay, Delay: time.Hour})

	done := make(chan error, 1)
	go func() {
		_, err := do(context.Background(), srv.Client(), srv.URL, opSend, token, msg("text/plain", "late"))
		done <- err
	}()
	waitFor(t, func() bool { return len(srv.Requests()) == 1 })
	start := time.Now()
	srv.Close()
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Close took %v with a request in a one-hour FaultDelay", d)
	}
	<-done
	if n := len(srv.Transcript(token)); n != stored {
		t.Errorf("a request cut short by Close was processed: %d items", n)
	}
}

func TestFaultKindString(t *testing.T) {
	t.Parallel()
	tests := map[FaultKind]string{
		FaultNone:                 "FaultNone",
		FaultThrottle:             "FaultThrottle",
		FaultInternal:             "FaultInternal",
		FaultBadGateway:           "FaultBadGateway",
		FaultDelay:                "FaultDelay",
		FaultDropBeforeProcessing: "FaultDropBeforeProcessing",
		FaultDropAfterProcessing:  "FaultDropAfterProcessing",
		FaultKind(99):             "FaultKind(99)",
	}
	for k, want := range tests {
		if got := k.String(); got != want {
			t.Errorf("FaultKind(%d).String() = %q, want %q", int(k), got, want)
		}
	}
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	// A refill of one request per 1000 seconds: only the burst gets through.
	srv := NewServer(WithRateLimit("SendMessage", 0.001, 2), WithRateLimit("", 0.001, 3))
	defer srv.Close()
	token := srv.NewConnection()
	other := srv.NewConnection()

	for i, want := range []int{200, 200, 429, 429} {
		a := call(t, srv, opSend, token, msg("text/plain", fmt.Sprint(i)))
		if a.status != want {
			t.Errorf("send %d: status %d, want %d", i+1, a.status, want)
		}
		if a.status == 429 && a.message(t) != msgRateExceeded {
			t.Errorf("Message = %q, want the service's %q", a.message(t), msgRateExceeded)
		}
	}
	if a := call(t, srv, opSend, other, msg("text/plain", "x")); a.status != 200 {
		t.Errorf("another connection was throttled too: status %d; the limit is per connection", a.status)
	}
	// Every other operation has its own bucket of 3.
	for i, want := range []int{200, 200, 200, 429} {
		if a := call(t, srv, opTranscript, token, nil); a.status != want {
			t.Errorf("GetTranscript %d: status %d, want %d", i+1, a.status, want)
		}
	}
	if a := call(t, srv, opEvent, token, map[string]string{"ContentType": participant.EventTypeTyping}); a.status != 200 {
		t.Errorf("SendEvent shares a bucket with another operation: status %d", a.status)
	}

	if _, err := Start(WithRateLimit("NoSuchOperation", 1, 1)); err == nil || !strings.Contains(err.Error(), "NoSuchOperation") {
		t.Errorf("Start with a rate limit of an unknown operation: %v", err)
	}
}

func TestTokenBucketRefills(t *testing.T) {
	t.Parallel()
	b := newTokenBucket(rateLimit{perSecond: 2, burst: 3}, t0)
	steps := []struct {
		at   time.Duration
		want bool
	}{
		{0, true}, {0, true}, {0, true}, {0, false}, // the burst, then empty
		{400 * time.Millisecond, false}, // 0.8 tokens
		{500 * time.Millisecond, true},  // 1.0 token
		{500 * time.Millisecond, false},
		{time.Hour, true}, {time.Hour, true}, {time.Hour, true}, {time.Hour, false}, // never above burst
	}
	for i, s := range steps {
		if got := b.take(t0.Add(s.at)); got != s.want {
			t.Errorf("step %d at +%v: take = %v, want %v", i, s.at, got, s.want)
		}
	}
}
