package participanttest

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		fault          Fault
		wantStatus     int // 0: the connection is dropped unanswered
		wantHeader     map[string]string
		wantNoHeader   []string
		wantContentTyp string
		wantRecorded   bool // the message is in the transcript
	}{
		{name: "throttle answers 429 ThrottlingException without processing",
			fault: Fault{Kind: FaultThrottle}, wantStatus: 429, wantNoHeader: []string{"Retry-After"}},
		{name: "throttle with RetryAfter sends Retry-After in whole seconds, rounded up",
			fault: Fault{Kind: FaultThrottle, RetryAfter: 1500 * time.Millisecond}, wantStatus: 429,
			wantHeader: map[string]string{"Retry-After": "2"}},
		{name: "internal answers 500 InternalServerException without processing",
			fault: Fault{Kind: FaultInternal}, wantStatus: 500},
		{name: "bad gateway answers 502 HTML without the service's headers",
			fault: Fault{Kind: FaultBadGateway}, wantStatus: 502, wantContentTyp: "text/html",
			wantNoHeader: []string{"X-Amzn-ErrorType", "x-amzn-RequestId"}},
		{name: "delay waits and then processes",
			fault: Fault{Kind: FaultDelay, Delay: 150 * time.Millisecond}, wantStatus: 200, wantRecorded: true},
		{name: "drop before processing closes the connection and records nothing",
			fault: Fault{Kind: FaultDropBeforeProcessing}},
		{name: "drop after processing records the message, then closes the connection",
			fault: Fault{Kind: FaultDropAfterProcessing}, wantRecorded: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := NewServer()
			defer srv.Close()
			token := srv.NewConnection()
			srv.InjectFaults(tt.fault)

			req := body("text/plain", "hello", "ct-1")
			start := time.Now()
			a, err := tryPost(context.Background(), srv.Client(), srv.URL, token, req)
			elapsed := time.Since(start)
			if tt.wantStatus == 0 {
				if err == nil {
					t.Fatalf("got a %d answer, want the connection dropped", a.status)
				}
			} else {
				if err != nil {
					t.Fatalf("POST: %v", err)
				}
				checkAnswer(t, a, token, req)
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
			if tt.wantContentTyp != "" && a.header.Get("Content-Type") != tt.wantContentTyp {
				t.Errorf("Content-Type = %q, want %q", a.header.Get("Content-Type"), tt.wantContentTyp)
			}
			if tt.fault.Kind == FaultDelay && elapsed < tt.fault.Delay {
				t.Errorf("answered after %v, before the %v delay", elapsed, tt.fault.Delay)
			}
			if got := len(srv.Transcript(token)) == 1; got != tt.wantRecorded {
				t.Errorf("message recorded = %v, want %v", got, tt.wantRecorded)
			}
			reqs := srv.Requests()
			if len(reqs) != 1 || reqs[0].Fault != tt.fault.Kind || reqs[0].Status != tt.wantStatus {
				t.Errorf("Requests = %+v, want one with Fault %v and Status %d", reqs, tt.fault.Kind, tt.wantStatus)
			}

			// The fault is used up: the retry, with the same ClientToken, gets
			// the first result if there was one, and is never delivered twice.
			again := post(t, srv, token, req)
			if again.status != http.StatusOK {
				t.Fatalf("retry after the fault: status %d, want 200", again.status)
			}
			tr := srv.Transcript(token)
			if len(tr) != 1 {
				t.Fatalf("transcript has %d messages after the retry, want 1", len(tr))
			}
			if tt.wantRecorded && again.result(t).Id != tr[0].ID {
				t.Errorf("the retry got Id %s, want the first delivery's %s", again.result(t).Id, tr[0].ID)
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

	srv.InjectFaults(Fault{Kind: FaultNone, Count: 1})
	srv.InjectFaults(Fault{Kind: FaultThrottle, Count: 2})
	srv.InjectFaults(Fault{Kind: FaultInternal}) // Count 0 counts as 1

	sends := []struct {
		token string
		body  []byte
		want  int
	}{
		{token, body("text/plain", "1"), 200},
		{other, body("text/plain", "2"), 429}, // faults apply on any connection
		{token, []byte(`not json`), 429},      // and before the request is checked
		{token, body("text/plain", "4"), 500},
		{token, body("text/plain", "5"), 200},
	}
	for i, s := range sends {
		if a := post(t, srv, s.token, s.body); a.status != s.want {
			t.Errorf("send %d: status %d, want %d", i+1, a.status, s.want)
		}
	}
	var kinds []string
	for _, r := range srv.Requests() {
		kinds = append(kinds, fmt.Sprintf("%v/%d", r.Fault, r.Status))
	}
	want := "FaultNone/200 FaultThrottle/429 FaultThrottle/429 FaultInternal/500 FaultNone/200"
	if got := strings.Join(kinds, " "); got != want {
		t.Errorf("Requests faults/statuses = %s, want %s", got, want)
	}
}

func TestCloseEndsDelays(t *testing.T) {
	t.Parallel()
	srv := NewServer()
	token := srv.NewConnection()
	srv.InjectFaults(Fault{Kind: FaultDelay, Delay: time.Hour})

	done := make(chan error, 1)
	go func() {
		_, err := tryPost(context.Background(), srv.Client(), srv.URL, token, body("text/plain", "late"))
		done <- err
	}()
	waitFor(t, func() bool { return len(srv.Requests()) == 1 })
	start := time.Now()
	srv.Close()
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Close took %v with a request in a one-hour FaultDelay", d)
	}
	<-done
	if n := len(srv.Transcript(token)); n != 0 {
		t.Errorf("a request cut short by Close was processed: %d messages", n)
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

func TestSendRateLimit(t *testing.T) {
	t.Parallel()
	// A refill of one request per 1000 seconds: only the burst gets through.
	srv := NewServer(WithSendRateLimit(0.001, 2))
	defer srv.Close()
	token := srv.NewConnection()
	other := srv.NewConnection()

	for i, want := range []int{200, 200, 429, 429} {
		a := post(t, srv, token, body("text/plain", fmt.Sprint(i)))
		if a.status != want {
			t.Errorf("send %d: status %d, want %d", i+1, a.status, want)
		}
		if a.status == 429 && a.message(t) != "Rate exceeded." {
			t.Errorf("Message = %q, want the service's %q", a.message(t), "Rate exceeded.")
		}
	}
	if a := post(t, srv, other, body("text/plain", "x")); a.status != 200 {
		t.Errorf("another connection was throttled too: status %d; the limit is per connection", a.status)
	}
	if n := len(srv.Transcript(token)); n != 2 {
		t.Errorf("transcript has %d messages, want the 2 of the burst", n)
	}

	off := NewServer()
	defer off.Close()
	offToken := off.NewConnection()
	for i := range 20 {
		if a := post(t, off, offToken, body("text/plain", "x")); a.status != 200 {
			t.Fatalf("send %d without a rate limit: status %d", i+1, a.status)
		}
	}
}

func TestTokenBucketRefills(t *testing.T) {
	t.Parallel()
	t0 := time.Unix(1_700_000_000, 0)
	b := &tokenBucket{rate: 2, burst: 3, tokens: 3, last: t0}
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

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	srv := NewServer()
	defer srv.Close()
	const conns, perConn = 4, 25
	tokens := make([]string, conns)
	for i := range tokens {
		tokens[i] = srv.NewConnection()
	}

	var wg sync.WaitGroup
	errs := make(chan error, conns*perConn)
	for c, token := range tokens {
		for m := range perConn {
			wg.Go(func() {
				a, err := tryPost(context.Background(), srv.Client(), srv.URL, token, body("text/plain", fmt.Sprintf("%d-%d", c, m), fmt.Sprintf("ct-%d", m)))
				if err == nil && a.status != 200 {
					err = fmt.Errorf("status %d: %s", a.status, a.body)
				}
				if err != nil {
					errs <- err
				}
			})
		}
	}
	// Read the records and queue faults while the sends run.
	wg.Go(func() {
		for range 50 {
			srv.Requests()
			srv.Transcript(tokens[0])
			srv.ConnectionsAccepted()
			srv.InjectFaults(Fault{Kind: FaultNone})
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	for c, token := range tokens {
		tr := srv.Transcript(token)
		ids := make(map[string]bool)
		for _, m := range tr {
			ids[m.ID] = true
		}
		if len(tr) != perConn || len(ids) != perConn {
			t.Errorf("connection %d: %d messages with %d distinct Ids, want %d", c, len(tr), len(ids), perConn)
		}
	}
	if n := len(srv.Requests()); n != conns*perConn {
		t.Errorf("Requests has %d entries, want %d", n, conns*perConn)
	}
}
