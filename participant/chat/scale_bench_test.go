//go:build linux

package chat_test

// Benchmarks of the chat session at scale, against `participant fake`
// running as a separate process (built from ./cmd/participant), so that
// the figures are the client's alone: the fake's memory and CPU are not in
// them. Run each alone, on an otherwise quiet machine: the CPU figure is
// the process's CPU time, which other load inflates.
//
//	go test -run '^$' -bench IdleSessions10k -benchtime=1x -count=1 -timeout 30m ./participant/chat/
//	go test -run '^$' -bench DeliveryLatency1k -benchtime=1x -count=1 -timeout 30m ./participant/chat/
//
// Sizes and windows can be changed after -args, for a quicker look, e.g.
// -args -chat.idle.sessions=1000 -chat.idle.window=10s. Both benchmarks are
// skipped under -short. They need about sessions+2000 file descriptors in
// each process, and raise RLIMIT_NOFILE (which the fake inherits).

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/chatwire/connectparticipant/participant"
	"github.com/chatwire/connectparticipant/participant/chat"
)

var (
	idleSessions  = flag.Int("chat.idle.sessions", 10000, "BenchmarkIdleSessions10k: how many sessions")
	idleSettle    = flag.Duration("chat.idle.settle", 2*chat.DefaultHeartbeatInterval, "BenchmarkIdleSessions10k: the wait after all are connected, before the CPU window")
	idleWindow    = flag.Duration("chat.idle.window", 30*time.Second, "BenchmarkIdleSessions10k: the window over which CPU time is measured")
	busySessions  = flag.Int("chat.busy.sessions", 1000, "BenchmarkDeliveryLatency1k: how many sessions")
	busyMessages  = flag.Int("chat.busy.messages", 30, "BenchmarkDeliveryLatency1k: messages each session receives per iteration")
	busyInterval  = flag.Duration("chat.busy.interval", time.Second, "BenchmarkDeliveryLatency1k: the time between two messages to one session")
	idleProfile   = flag.String("chat.idle.cpuprofile", "", "BenchmarkIdleSessions10k: write a CPU profile of the window alone to this file")
	idleHeapProf  = flag.String("chat.idle.memprofile", "", "BenchmarkIdleSessions10k: write a heap profile, taken while the sessions are open, to this file")
	connectWorker = flag.Int("chat.connect.workers", 32, "how many sessions connect at once while setting up")
)

// BenchmarkIdleSessions10k connects 10,000 sessions (each the customer of
// its own chat) to one fake process and leaves them idle: nothing but the
// heartbeats every 10 s. It reports
//
//   - B/session: the growth of the Go heap and stacks in use (HeapInuse +
//     StackInuse after a GC, measured after the CPU window), divided by the
//     sessions: every goroutine, buffer, socket and pooled HTTP connection
//     the sessions hold, the client's shared pool included;
//   - rss-B/session: the growth of the resident set (/proc/self/statm) after
//     debug.FreeOSMemory, divided by the sessions;
//   - %core: the process's CPU time (user + system, getrusage) over the
//     window (30 s by default, after 20 s of settling), as a percentage of
//     one core: the cost of the heartbeats of all the sessions, each
//     written and its answers read, and µs/heartbeat, the same per
//     session and interval;
//   - goroutines/session, connect-s (the time to connect them all), and
//     reconnects (any is an error: an idle session must stay connected).
//
// The sessions use ws:// on loopback; over wss:// each also holds what
// crypto/tls keeps for a connection.
func BenchmarkIdleSessions10k(b *testing.B) {
	n := *idleSessions
	client, tokens := idleFixture(b, n)
	var reconnects, ended atomic.Int64
	why := &reasonLog{}
	opts := []chat.Option{chat.WithLogger(slog.New(why)), chat.WithStateFunc(func(s chat.State, _ error) {
		switch s {
		case chat.StateReconnecting:
			reconnects.Add(1)
		case chat.StateEnded:
			ended.Add(1)
		}
	})}

	for b.Loop() {
		goroutines0 := runtime.NumGoroutine()
		mem0 := memInUse()
		start := time.Now()
		sessions, retries := connectAll(b, client, tokens, opts)
		connectTime := time.Since(start)
		b.Cleanup(func() { closeAll(sessions) }) // if the iteration fails; Close is idempotent

		// Settle: every session has had its first heartbeats answered, and
		// the heartbeats of the connect burst are spread as they will stay.
		time.Sleep(*idleSettle)
		reconnectsBefore := reconnects.Load()
		stopProfile := startCPUProfile(b, *idleProfile)
		var ms0, ms1 runtime.MemStats
		runtime.ReadMemStats(&ms0)
		user0, sys0 := cpuTime(b)
		wall0 := time.Now()
		time.Sleep(*idleWindow) // the measurement window, not a wait for a signal
		user1, sys1 := cpuTime(b)
		wall1 := time.Now()
		runtime.ReadMemStats(&ms1)
		stopProfile()
		cpu, window := time.Duration(user1-user0+sys1-sys0), wall1.Sub(wall0)
		// Every session sends its heartbeats once an interval.
		rounds := float64(n) * float64(window) / float64(chat.DefaultHeartbeatInterval)
		mem1 := memInUse()
		goroutines1 := runtime.NumGoroutine()
		writeHeapProfile(b, *idleHeapProf)

		for _, s := range sessions {
			if st := s.State(); st != chat.StateConnected {
				b.Fatalf("a session is %v after the window (err %v); an idle session must stay connected; reconnects: %v", st, s.Err(), why)
			}
		}
		if r := reconnects.Load(); r != 0 || ended.Load() != 0 {
			b.Errorf("%d reconnects (%d in the window), %d sessions ended: idle sessions must stay connected; reconnects: %v", r, r-reconnectsBefore, ended.Load(), why)
		}
		perSession := func(a, b int64) float64 { return float64(b-a) / float64(n) }
		b.ReportMetric(perSession(mem0.heap+mem0.stacks, mem1.heap+mem1.stacks), "B/session")
		if mem0.rss > 0 && mem1.rss > 0 {
			b.ReportMetric(perSession(mem0.rss, mem1.rss), "rss-B/session")
		}
		b.ReportMetric(100*float64(cpu)/float64(window), "%core")
		b.ReportMetric(float64(cpu)/float64(time.Microsecond)/rounds, "µs/heartbeat")
		b.ReportMetric(float64(goroutines1-goroutines0)/float64(n), "goroutines/session")
		b.ReportMetric(connectTime.Seconds(), "connect-s")
		b.ReportMetric(float64(retries), "connect-retries")
		b.ReportMetric(float64(reconnects.Load()), "reconnects")
		b.ReportMetric(float64(n), "sessions")
		b.Logf("%d sessions, connected in %v; per session: heap %.0f B, stacks %.0f B, RSS %.0f B",
			n, connectTime.Round(time.Millisecond), perSession(mem0.heap, mem1.heap), perSession(mem0.stacks, mem1.stacks), perSession(mem0.rss, mem1.rss))
		b.Logf("CPU %v (user %v, system %v) over %v: %.0f heartbeats (each a heartbeat and a deep heartbeat, answered); %.2f allocations, %.0f B allocated and %.1f µs of CPU each; %d GCs",
			cpu.Round(time.Millisecond), time.Duration(user1-user0).Round(time.Millisecond), time.Duration(sys1-sys0).Round(time.Millisecond),
			window.Round(time.Millisecond), rounds, float64(ms1.Mallocs-ms0.Mallocs)/rounds, float64(ms1.TotalAlloc-ms0.TotalAlloc)/rounds,
			float64(cpu)/float64(time.Microsecond)/rounds, ms1.NumGC-ms0.NumGC)
		closeAll(sessions)
	}
}

// BenchmarkIdleFloor10k is the floor of BenchmarkIdleSessions10k: the
// least any client with a goroutine per WebSocket must do to keep 10,000
// of them alive against the same fake process. Each is opened by hand
// (CreateParticipantConnection, the upgrade written and read by hand, the
// subscription), then one goroutine per socket reads whatever comes and
// discards it, and one goroutine for all writes the heartbeat and the deep
// heartbeat of each socket every 10 s, in one write of frames masked
// beforehand, the sockets spread over a hundred instants of the interval
// as the sessions' are. Nothing is decoded, checked, or timed out. Its
// %core, next to the sessions', tells what the machine makes of the
// network traffic alone.
func BenchmarkIdleFloor10k(b *testing.B) {
	n := *idleSessions
	client, tokens := idleFixture(b, n)
	for b.Loop() {
		conns := floorConnectAll(b, client, tokens)
		var wg sync.WaitGroup
		b.Cleanup(func() { // if the iteration fails
			for _, c := range conns {
				c.Close()
			}
			wg.Wait()
		})
		for _, c := range conns {
			wg.Go(func() {
				var buf [512]byte
				for {
					if _, err := c.Read(buf[:]); err != nil {
						return
					}
				}
			})
		}
		stop := make(chan struct{})
		wg.Go(func() { // the heartbeats of conns[i] go out at step i%beatSteps
			const beatSteps = 100
			frames := append(floorFrame(`{"topic":"aws/heartbeat"}`), floorFrame(`{"topic":"aws/ping"}`)...)
			ticker := time.NewTicker(chat.DefaultHeartbeatInterval / beatSteps)
			defer ticker.Stop()
			for step := 0; ; step = (step + 1) % beatSteps {
				select {
				case <-stop:
					return
				case <-ticker.C:
				}
				for i := step; i < len(conns); i += beatSteps {
					conns[i].Write(frames)
				}
			}
		})
		time.Sleep(*idleSettle)
		user0, sys0 := cpuTime(b)
		wall0 := time.Now()
		time.Sleep(*idleWindow) // the measurement window, not a wait for a signal
		user1, sys1 := cpuTime(b)
		wall1 := time.Now()
		cpu, window := time.Duration(user1-user0+sys1-sys0), wall1.Sub(wall0)
		rounds := float64(n) * float64(window) / float64(chat.DefaultHeartbeatInterval)
		close(stop)
		for _, c := range conns {
			c.Close()
		}
		wg.Wait()
		b.ReportMetric(100*float64(cpu)/float64(window), "%core")
		b.ReportMetric(float64(cpu)/float64(time.Microsecond)/rounds, "µs/heartbeat")
		b.ReportMetric(float64(n), "sockets")
		b.Logf("CPU %v (user %v, system %v) over %v: %.0f heartbeats, %.1f µs of CPU each",
			cpu.Round(time.Millisecond), time.Duration(user1-user0).Round(time.Millisecond), time.Duration(sys1-sys0).Round(time.Millisecond),
			window.Round(time.Millisecond), rounds, float64(cpu)/float64(time.Microsecond)/rounds)
	}
}

// idleFixture starts the fake process of an idle benchmark and returns a
// client of it and the participant tokens of n customers, each of a chat of
// its own.
func idleFixture(b *testing.B, n int) (*participant.Client, []participant.Secret) {
	b.Helper()
	if testing.Short() {
		b.Skip("opens thousands of WebSockets to a fake process; skipped under -short")
	}
	raiseFileLimit(b, n)
	f := startFakeProcess(b)
	return f.newClient(b), f.newParticipants(b, n)
}

// floorFrame is a client's text frame of payload (under 126 bytes), masked
// with a fixed key.
func floorFrame(payload string) []byte {
	key := [4]byte{0x12, 0x34, 0x56, 0x78}
	frame := append([]byte{0x81, 0x80 | byte(len(payload))}, key[:]...)
	for i := range len(payload) {
		frame = append(frame, payload[i]^key[i%4])
	}
	return frame
}

// floorConnectAll opens a subscribed WebSocket by hand for every token, a
// few at a time.
func floorConnectAll(b *testing.B, client *participant.Client, tokens []participant.Secret) []net.Conn {
	b.Helper()
	conns, err := eachAtOnce(len(tokens), func(ctx context.Context, i int) (net.Conn, error) {
		return floorConnect(ctx, client, tokens[i])
	})
	if err != nil {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
		b.Fatalf("opening %d WebSockets: %v", len(tokens), err)
	}
	return conns
}

// eachAtOnce calls open for 0..n-1, *connectWorker at a time, until one
// fails, and returns what they opened and the first failure.
func eachAtOnce[T any](n int, open func(ctx context.Context, i int) (T, error)) ([]T, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	opened := make([]T, n)
	var next atomic.Int64
	var failed atomic.Pointer[error]
	var wg sync.WaitGroup
	for range *connectWorker {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n && failed.Load() == nil; i = int(next.Add(1) - 1) {
				v, err := open(ctx, i)
				if err != nil {
					err = fmt.Errorf("%d: %w", i, err)
					failed.CompareAndSwap(nil, &err)
					return
				}
				opened[i] = v
			}
		})
	}
	wg.Wait()
	if err := failed.Load(); err != nil {
		return opened, *err
	}
	return opened, nil
}

// floorConnect opens a WebSocket by hand and subscribes it.
func floorConnect(ctx context.Context, client *participant.Client, token participant.Secret) (net.Conn, error) {
	out, err := client.CreateParticipantConnection(ctx, participant.CreateParticipantConnectionInput{
		ParticipantToken: token, Type: []participant.ConnectionType{participant.ConnectionTypeWebsocket, participant.ConnectionTypeConnectionCredentials},
		ConnectParticipant: true,
	})
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(string(out.Websocket.URL))
	if err != nil {
		return nil, err
	}
	c, err := (&net.Dialer{}).DialContext(ctx, "tcp", u.Host)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(time.Minute))
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", u.RequestURI(), u.Host)
	var got []byte
	buf := make([]byte, 1024)
	for !bytes.Contains(got, []byte("\r\n\r\n")) {
		k, err := c.Read(buf)
		if err != nil {
			c.Close()
			return nil, err
		}
		got = append(got, buf[:k]...)
	}
	if !bytes.HasPrefix(got, []byte("HTTP/1.1 101")) {
		c.Close()
		return nil, fmt.Errorf("the upgrade was answered %q", got)
	}
	c.Write(floorFrame(`{"topic":"aws/subscribe","content":{"topics":["aws/chat"]}}`))
	for got = got[:0]; !bytes.Contains(got, []byte("success")); {
		k, err := c.Read(buf)
		if err != nil {
			c.Close()
			return nil, err
		}
		got = append(got, buf[:k]...)
	}
	c.SetDeadline(time.Time{})
	return c, nil
}

// BenchmarkDeliveryLatency1k connects 1,000 sessions, each the customer of
// its own chat, and has the agent of every chat send a message to it every
// second (-chat.busy.interval), the chats' sends spread evenly over the
// second, so all the sessions receive traffic at once (1,000 messages a
// second in all), 30 messages each per iteration. The latency of a message
// runs from just before the agent's send (POST
// /contacts/{ContactId}/agent-messages to the fake's control API) to the
// moment the session's Next returns it to the reader, a goroutine per
// session ranging over Items. It reports p50-ms, p99-ms and max-ms of all
// the messages, and msgs/s, the rate at which they were delivered.
func BenchmarkDeliveryLatency1k(b *testing.B) {
	if testing.Short() {
		b.Skip("connects a thousand sessions to a fake process; skipped under -short")
	}
	n := *busySessions
	raiseFileLimit(b, 2*n) // a sender's connection to the fake beside each socket
	f := startFakeProcess(b)
	client := f.newClient(b)
	parts := f.newParticipantsWithContacts(b, n)
	tokens := make([]participant.Secret, n)
	for i, p := range parts {
		tokens[i] = p.token
	}
	var reconnects atomic.Int64
	why := &reasonLog{}
	opts := []chat.Option{chat.WithLogger(slog.New(why)), chat.WithStateFunc(func(s chat.State, _ error) {
		if s == chat.StateReconnecting {
			reconnects.Add(1)
		}
	})}
	sessions, retries := connectAll(b, client, tokens, opts)
	b.Cleanup(func() { closeAll(sessions) })
	sender := &http.Client{Transport: &http.Transport{MaxIdleConns: n, MaxIdleConnsPerHost: n, IdleConnTimeout: time.Minute}}
	b.Cleanup(sender.CloseIdleConnections)

	var latencies []time.Duration
	var elapsed time.Duration
	for b.Loop() {
		lat, took := deliveryRound(b, f, sender, sessions, parts, *busyMessages, *busyInterval)
		latencies = append(latencies, lat...)
		elapsed += took
	}
	slices.Sort(latencies)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(percentile(latencies, 0.50)), "p50-ms")
	b.ReportMetric(ms(percentile(latencies, 0.99)), "p99-ms")
	b.ReportMetric(ms(latencies[len(latencies)-1]), "max-ms")
	b.ReportMetric(float64(len(latencies))/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(reconnects.Load()), "reconnects")
	b.ReportMetric(float64(retries), "connect-retries")
	b.ReportMetric(float64(n), "sessions")
	if r := reconnects.Load(); r != 0 {
		b.Errorf("%d reconnects: the sessions must stay connected under this load; reconnects: %v", r, why)
	}
	b.Logf("%d messages to %d sessions in %v: p50 %v, p90 %v, p99 %v, p99.9 %v, max %v", len(latencies), n,
		elapsed.Round(time.Millisecond), percentile(latencies, 0.5), percentile(latencies, 0.9),
		percentile(latencies, 0.99), percentile(latencies, 0.999), latencies[len(latencies)-1])
}

// deliveryRound sends messages messages to every session, one every
// interval, and returns the latency of each and how long the round took.
func deliveryRound(b *testing.B, f *fakeProcess, sender *http.Client, sessions []*chat.Session, parts []fakeParticipant, messages int, interval time.Duration) ([]time.Duration, time.Duration) {
	n := len(sessions)
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(messages)*interval+2*time.Minute)
	defer cancel()
	base := time.Now()
	// sentAt[i*messages+m] is when message m to session i was sent, as
	// time since base; the reader of session i takes it when the message
	// arrives.
	sentAt := make([]atomic.Int64, n*messages)
	latencies := make([]time.Duration, n*messages)
	var received atomic.Int64
	errs := make(chan error, 2*n)
	var wg sync.WaitGroup
	for i, s := range sessions {
		wg.Go(func() { // the session's reader
			got := 0
			for item, err := range s.Items(ctx) {
				if err != nil {
					errs <- fmt.Errorf("session %d, after %d messages: %w", i, got, err)
					return
				}
				if chat.KindOf(item) != chat.KindMessage || item.ParticipantRole != participant.ParticipantRoleAgent {
					continue
				}
				at := time.Since(base)
				m, err := strconv.Atoi(strings.TrimPrefix(item.Content, "m"))
				if err != nil || m < 0 || m >= messages {
					errs <- fmt.Errorf("session %d received a message it was not sent: %q", i, item.Content)
					return
				}
				if m != got {
					errs <- fmt.Errorf("session %d received message %d after %d others: out of order or lost", i, m, got)
					return
				}
				latencies[i*messages+m] = at - time.Duration(sentAt[i*messages+m].Load())
				got++
				received.Add(1)
				if got == messages {
					return
				}
			}
			errs <- fmt.Errorf("session %d ended after %d messages", i, got)
		})
	}
	start := time.Now()
	for i := range sessions {
		wg.Go(func() { // the agent of session i's chat
			phase := interval * time.Duration(i) / time.Duration(n)
			timer := time.NewTimer(phase)
			defer timer.Stop()
			for m := range messages {
				// The pace of the agent's sends: its schedule, not a signal.
				select {
				case <-timer.C:
				case <-ctx.Done():
					return
				}
				timer.Reset(time.Until(start.Add(phase + time.Duration(m+1)*interval)))
				sentAt[i*messages+m].Store(int64(time.Since(base)))
				if err := f.control(ctx, sender, "/contacts/"+parts[i].contactID+"/agent-messages", map[string]string{"Content": "m" + strconv.Itoa(m)}, nil); err != nil {
					errs <- fmt.Errorf("the agent of session %d, message %d: %w", i, m, err)
					return
				}
			}
		})
	}
	wg.Wait()
	took := time.Since(start)
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	if got, want := received.Load(), int64(n*messages); got != want {
		b.Fatalf("%d messages received of %d", got, want)
	}
	return latencies, took
}

// percentile returns the p-quantile (0 < p <= 1) of sorted durations, by
// the nearest rank.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(p*float64(len(sorted))+0.999999) - 1
	return sorted[min(max(rank, 0), len(sorted)-1)]
}

// fakeProcess is `participant fake` running as a child process.
type fakeProcess struct {
	URL        string `json:"url"`
	ControlURL string `json:"controlUrl"`
}

// participantBinary builds the participant command into a temporary
// directory and returns its path; the go command's build cache makes it
// quick after the first time. PARTICIPANT_BIN, if set, names a binary to
// use instead, as for the TypeScript client's tests.
func participantBinary(b *testing.B) string {
	b.Helper()
	if bin := os.Getenv("PARTICIPANT_BIN"); bin != "" {
		return bin
	}
	goCmd := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goCmd); err != nil {
		if goCmd, err = exec.LookPath("go"); err != nil {
			b.Skip("no go command to build the participant command with")
		}
	}
	bin := filepath.Join(b.TempDir(), "participant")
	cmd := exec.Command(goCmd, "build", "-o", bin, "github.com/chatwire/connectparticipant/cmd/participant")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("go build ./cmd/participant: %v\n%s", err, out)
	}
	return bin
}

// startFakeProcess starts `participant fake --addr 127.0.0.1:0` and reads
// the line it prints; the fake is stopped (SIGTERM) when the benchmark ends.
func startFakeProcess(b *testing.B) *fakeProcess {
	b.Helper()
	cmd := exec.Command(participantBinary(b), "fake", "--addr", "127.0.0.1:0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	type lineOrErr struct {
		line []byte
		err  error
	}
	lines := make(chan lineOrErr, 1)
	waited := make(chan error, 1)
	go func() {
		br := bufio.NewReader(stdout)
		line, err := br.ReadBytes('\n')
		lines <- lineOrErr{line, err}
		io.Copy(io.Discard, br) // nothing comes after the line; Wait needs the reads done
		waited <- cmd.Wait()
	}()
	stop := func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-waited:
			if err != nil {
				b.Errorf("participant fake: %v\n%s", err, stderr.String())
			}
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-waited
			b.Errorf("participant fake did not stop within 30 s of SIGTERM\n%s", stderr.String())
		}
	}
	var got lineOrErr
	select {
	case got = <-lines:
	case <-time.After(time.Minute):
		got.err = errors.New("no line within a minute")
	}
	f := &fakeProcess{}
	if got.err == nil {
		got.err = json.Unmarshal(got.line, f)
	}
	if got.err != nil {
		stop()
		b.Fatalf("participant fake: reading its line: %v\n%s", got.err, stderr.String())
	}
	b.Cleanup(stop)
	return f
}

// newClient returns the participant.Client the sessions share, and closes
// its idle connections when the benchmark ends.
func (f *fakeProcess) newClient(b *testing.B) *participant.Client {
	client, err := participant.New(participant.WithEndpoint(f.URL))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(client.CloseIdleConnections)
	return client
}

// control sends a request to the fake's control API and decodes its JSON
// answer into out (if not nil).
func (f *fakeProcess) control(ctx context.Context, hc *http.Client, path string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.ControlURL+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("POST %s: %s: %s", path, resp.Status, answer)
	}
	if out != nil {
		return json.Unmarshal(answer, out)
	}
	return nil
}

// fakeParticipant is a customer of a chat of its own.
type fakeParticipant struct {
	token     participant.Secret
	contactID string
}

// newParticipantsWithContacts adds n customers, each to a new chat, through
// the control API.
func (f *fakeProcess) newParticipantsWithContacts(b *testing.B, n int) []fakeParticipant {
	b.Helper()
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	defer hc.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	out := make([]fakeParticipant, n)
	var next atomic.Int64
	var failed atomic.Pointer[error]
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n && failed.Load() == nil; i = int(next.Add(1) - 1) {
				var p struct{ ParticipantToken, ContactId string }
				if err := f.control(ctx, hc, "/participants", struct{}{}, &p); err != nil {
					failed.CompareAndSwap(nil, &err)
					return
				}
				out[i] = fakeParticipant{participant.Secret(p.ParticipantToken), p.ContactId}
			}
		})
	}
	wg.Wait()
	if err := failed.Load(); err != nil {
		b.Fatalf("creating participants: %v", *err)
	}
	return out
}

// newParticipants is newParticipantsWithContacts for the tokens alone.
func (f *fakeProcess) newParticipants(b *testing.B, n int) []participant.Secret {
	parts := f.newParticipantsWithContacts(b, n)
	tokens := make([]participant.Secret, n)
	for i, p := range parts {
		tokens[i] = p.token
	}
	return tokens
}

// connectAll connects a session for every token, a few at a time. A
// Connect that fails is tried again, twice at most, as an application would
// (on a busy machine the fake may take longer than the session waits for
// the subscription); the retries are counted in retries.
func connectAll(b *testing.B, client *participant.Client, tokens []participant.Secret, opts []chat.Option) (sessions []*chat.Session, retries int) {
	b.Helper()
	var retried atomic.Int64
	sessions, err := eachAtOnce(len(tokens), func(ctx context.Context, i int) (*chat.Session, error) {
		s, err := chat.Connect(ctx, client, tokens[i], opts...)
		for try := 1; err != nil && try <= 2 && ctx.Err() == nil; try++ {
			retried.Add(1)
			s, err = chat.Connect(ctx, client, tokens[i], opts...)
		}
		return s, err
	})
	if err != nil {
		closeAll(sessions)
		b.Fatalf("connecting %d sessions: %v", len(tokens), err)
	}
	return sessions, int(retried.Load())
}

// closeAll closes the sessions, a few at a time.
func closeAll(sessions []*chat.Session) {
	var wg sync.WaitGroup
	var next atomic.Int64
	for range 16 {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(sessions); i = int(next.Add(1) - 1) {
				if s := sessions[i]; s != nil {
					s.Close()
				}
			}
		})
	}
	wg.Wait()
}

// raiseFileLimit raises RLIMIT_NOFILE so that this process, and the fake
// it starts (which inherits the limit), can each hold a socket per session
// and more; it skips the benchmark if the limit cannot be raised so far.
func raiseFileLimit(b *testing.B, sessions int) {
	b.Helper()
	need := uint64(sessions) + 2048
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		b.Fatal(err)
	}
	// Calling Setrlimit also stops os/exec from giving the child the soft
	// limit the process started with.
	want := syscall.Rlimit{Cur: max(need, lim.Cur), Max: max(need, lim.Max)}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want); err != nil {
		want = syscall.Rlimit{Cur: lim.Max, Max: lim.Max} // as far as an unprivileged process may
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want); err != nil {
			b.Fatal(err)
		}
	}
	if want.Cur < need {
		b.Skipf("%d sessions need %d file descriptors per process; RLIMIT_NOFILE is %d", sessions, need, want.Cur)
	}
	// Every session's socket takes an ephemeral port of this host.
	if data, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		var lo, hi int
		if _, err := fmt.Sscan(string(data), &lo, &hi); err == nil && hi-lo+1 < sessions+1024 {
			b.Skipf("%d sessions need as many ephemeral ports; the range is %d-%d", sessions, lo, hi)
		}
	}
}

// memory is what the process holds.
type memory struct {
	heap, stacks int64 // HeapInuse, StackInuse
	rss          int64 // the resident set; 0 where /proc/self/statm is missing
}

// memInUse returns what the process holds after a GC and returning freed
// memory to the OS.
func memInUse() memory {
	runtime.GC()
	debug.FreeOSMemory() // a second GC (the first shrinks the stacks it can), and the freed pages returned
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m := memory{heap: int64(ms.HeapInuse), stacks: int64(ms.StackInuse)}
	if data, err := os.ReadFile("/proc/self/statm"); err == nil {
		var size, resident int64
		if _, err := fmt.Sscan(string(data), &size, &resident); err == nil {
			m.rss = resident * int64(os.Getpagesize())
		}
	}
	return m
}

// cpuTime returns the CPU time of the whole process so far, in
// nanoseconds: user and system.
func cpuTime(b *testing.B) (user, sys int64) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return ru.Utime.Nano(), ru.Stime.Nano()
}

// lockedBuffer is a bytes.Buffer safe for a writer and a reader.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// reasonLog is a slog.Handler that counts why sessions reconnected (the
// session logs it at Info, with the reason), and the warnings, by message.
type reasonLog struct {
	mu     sync.Mutex
	counts map[string]int
}

func (l *reasonLog) Enabled(_ context.Context, level slog.Level) bool { return level >= slog.LevelInfo }

func (l *reasonLog) Handle(_ context.Context, r slog.Record) error {
	key := ""
	switch {
	case r.Message == "chat session: reconnecting":
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "reason" {
				key = "reconnecting: " + a.Value.String()
			}
			return true
		})
	case r.Level >= slog.LevelWarn && r.Message != "chat session":
		key = r.Message
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "error" {
				key += ": " + a.Value.String()
			}
			return true
		})
	default:
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.counts == nil {
		l.counts = make(map[string]int)
	}
	l.counts[key]++
	return nil
}

func (l *reasonLog) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *reasonLog) WithGroup(string) slog.Handler      { return l }

func (l *reasonLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.counts) == 0 {
		return "none"
	}
	return fmt.Sprint(l.counts)
}

// startCPUProfile profiles the CPU into file, if not "", until the
// function it returns is called.
func startCPUProfile(b *testing.B, file string) (stop func()) {
	if file == "" {
		return func() {}
	}
	out, err := os.Create(file)
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(out); err != nil {
		b.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		if err := out.Close(); err != nil {
			b.Error(err)
		}
	}
}

// writeHeapProfile writes a heap profile into file, if not "".
func writeHeapProfile(b *testing.B, file string) {
	if file == "" {
		return
	}
	out, err := os.Create(file)
	if err != nil {
		b.Fatal(err)
	}
	defer out.Close()
	if err := pprof.Lookup("heap").WriteTo(out, 0); err != nil {
		b.Fatal(err)
	}
}
