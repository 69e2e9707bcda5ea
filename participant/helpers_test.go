package participant_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/chatwire/connectparticipant/participant"
)

// recorded is one request as a test server received it.
type recorded struct {
	Method, Path, RawPath string
	Header                http.Header
	Body                  []byte
}

// scripted is a loopback server that records every request and answers each
// with the next answer scripted for its path, or with the default answer.
type scripted struct {
	*httptest.Server
	mu       sync.Mutex
	requests []recorded
	answers  map[string][]answer
	fallback answer
}

// answer is what a scripted server sends back. A handler, when set, writes
// the answer itself (to drop the connection, stall, ...).
type answer struct {
	status  int
	header  http.Header
	body    string
	handler http.HandlerFunc
}

func ok(body string) answer {
	return answer{status: 200, header: http.Header{"Content-Type": {"application/json"}, "X-Amzn-Requestid": {"req-ok"}}, body: body}
}

func serviceError(status int, code, message string) answer {
	return answer{status: status, body: `{"Message":"` + message + `"}`, header: http.Header{
		"Content-Type": {"application/json"}, "X-Amzn-Errortype": {code}, "X-Amzn-Requestid": {"req-err"}}}
}

func newScripted(t testing.TB) *scripted {
	t.Helper()
	s := &scripted{answers: map[string][]answer{}, fallback: ok(`{}`)}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// script queues answers for path, used in order before the fallback.
func (s *scripted) script(path string, answers ...answer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answers[path] = append(s.answers[path], answers...)
}

func (s *scripted) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.requests = append(s.requests, recorded{r.Method, r.URL.Path, r.URL.RawPath, r.Header.Clone(), body})
	a := s.fallback
	if queue := s.answers[r.URL.Path]; len(queue) > 0 {
		a, s.answers[r.URL.Path] = queue[0], queue[1:]
	}
	s.mu.Unlock()
	if a.handler != nil {
		a.handler(w, r)
		return
	}
	for k, v := range a.header {
		w.Header()[k] = v
	}
	w.WriteHeader(a.status)
	io.WriteString(w, a.body)
}

func (s *scripted) sent() []recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]recorded(nil), s.requests...)
}

// client returns a client of s with the given options.
func (s *scripted) client(t testing.TB, opts ...participant.Option) *participant.Client {
	t.Helper()
	c, err := participant.New(append([]participant.Option{participant.WithEndpoint(s.URL)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// fixedTokens is an IdempotencyTokenProvider that hands out the tokens given.
type fixedTokens struct {
	mu     sync.Mutex
	tokens []string
}

func (f *fixedTokens) GetIdempotencyToken() (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.tokens[0]
	f.tokens = f.tokens[1:]
	return t, nil
}
