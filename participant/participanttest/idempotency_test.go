package participanttest

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/chatwire/connectparticipant/gen/participantops"
	"github.com/chatwire/connectparticipant/participant"
)

// TestIdempotency sends each operation that takes a ClientToken twice with
// the same token: the same request again gets the first result and stores
// nothing new; another request with the token is refused.
func TestIdempotency(t *testing.T) {
	t.Parallel()
	upload := func(t *testing.T, srv *Server, token, name string) string {
		t.Helper()
		started := startUpload(t, srv, token, name, "text/plain", 2)
		if a := putUpload(t, srv, started, "hi"); a.status != http.StatusOK {
			t.Fatalf("upload: %d %s", a.status, a.body)
		}
		return started.AttachmentId
	}
	tests := []struct {
		name string
		op   *participantops.Operation
		// requests returns the first request, its retry and another request
		// with the same ClientToken (nil: an operation whose request has
		// nothing but the token).
		requests func(t *testing.T, srv *Server, token string) (first, retry, other any)
	}{
		{"SendMessage", opSend, func(*testing.T, *Server, string) (any, any, any) {
			return msg("text/plain", "hi", "ct"), msg("text/plain", "hi", "ct"), msg("text/plain", "bye", "ct")
		}},
		{"SendEvent", opEvent, func(*testing.T, *Server, string) (any, any, any) {
			typing := map[string]string{"ContentType": participant.EventTypeTyping, "ClientToken": "ct"}
			return typing, typing, map[string]string{"ContentType": participant.EventTypeConnectionAcknowledged, "ClientToken": "ct"}
		}},
		{"StartAttachmentUpload", opStartUp, func(*testing.T, *Server, string) (any, any, any) {
			req := map[string]any{"ContentType": "text/plain", "AttachmentSizeInBytes": 2, "AttachmentName": "a.txt", "ClientToken": "ct"}
			return req, req, map[string]any{"ContentType": "text/plain", "AttachmentSizeInBytes": 3, "AttachmentName": "a.txt", "ClientToken": "ct"}
		}},
		{"CompleteAttachmentUpload", opCompleteUp, func(t *testing.T, srv *Server, token string) (any, any, any) {
			first := map[string]any{"AttachmentIds": []string{upload(t, srv, token, "a")}, "ClientToken": "ct"}
			return first, first, map[string]any{"AttachmentIds": []string{upload(t, srv, token, "b")}, "ClientToken": "ct"}
		}},
		{"DisconnectParticipant", opDisconnect, func(*testing.T, *Server, string) (any, any, any) {
			return map[string]string{"ClientToken": "ct"}, map[string]string{"ClientToken": "ct"}, nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := NewServer()
			defer srv.Close()
			token := srv.NewConnection()
			first, retry, other := tt.requests(t, srv, token)

			a := call(t, srv, tt.op, token, first)
			if a.status != http.StatusOK {
				t.Fatalf("first request: status %d; body %s", a.status, a.body)
			}
			stored := srv.Transcript(token)
			again := call(t, srv, tt.op, token, retry)
			if again.status != http.StatusOK || !bytes.Equal(again.body, a.body) {
				t.Errorf("retry: status %d, body %s; want the first result %s", again.status, again.body, a.body)
			}
			if n := len(srv.Transcript(token)); n != len(stored) {
				t.Errorf("the retry stored %d more items", n-len(stored))
			}
			if other != nil {
				wantError(t, call(t, srv, tt.op, token, other), http.StatusBadRequest, "ClientToken", "bye")
			}
		})
	}
}

func TestClientTokensBelongToTheirParticipant(t *testing.T) {
	t.Parallel()
	srv := NewServer()
	defer srv.Close()
	client := newClient(t, srv)
	customer := srv.NewParticipant(ParticipantOptions{})
	first, second := connect(t, client, customer), connect(t, client, customer)
	bot := connect(t, client, srv.NewParticipant(ParticipantOptions{ContactID: customer.ContactID, Role: participant.ParticipantRoleCustomBot}))

	var a, b, c struct{ Id string }
	call(t, srv, opSend, first, msg("text/plain", "hi", "ct")).decode(t, &a)
	call(t, srv, opSend, second, msg("text/plain", "hi", "ct")).decode(t, &b)
	call(t, srv, opSend, bot, msg("text/plain", "hi", "ct")).decode(t, &c)
	if a.Id != b.Id {
		t.Errorf("a retry on another connection of the same participant got Id %s, want the first %s", b.Id, a.Id)
	}
	if c.Id == a.Id {
		t.Error("another participant's message with the same ClientToken got the first one's Id")
	}
	var none, none2 struct{ Id string }
	call(t, srv, opSend, first, msg("text/plain", "hi")).decode(t, &none)
	call(t, srv, opSend, first, msg("text/plain", "hi")).decode(t, &none2)
	if none.Id == none2.Id {
		t.Error("two messages without a ClientToken got the same Id")
	}
}

// TestClientTokensLeaveWithTheirItems: a transcript that drops its oldest
// item forgets the ClientToken that made it, so the index stays bounded.
func TestClientTokensLeaveWithTheirItems(t *testing.T) {
	t.Parallel()
	srv := NewServer(WithTranscriptLimit(3))
	defer srv.Close()
	token := srv.NewConnection() // its joined event is the first item
	var first, kept struct{ Id string }
	call(t, srv, opSend, token, msg("text/plain", "one", "ct-1")).decode(t, &first)
	call(t, srv, opSend, token, msg("text/plain", "two", "ct-2")).decode(t, &kept)
	call(t, srv, opSend, token, msg("text/plain", "three", "ct-3")) // drops the joined event
	call(t, srv, opSend, token, msg("text/plain", "four", "ct-4"))  // drops "one"

	var retried struct{ Id string }
	call(t, srv, opSend, token, msg("text/plain", "two", "ct-2")).decode(t, &retried)
	if retried.Id != kept.Id {
		t.Errorf("the retry of a kept message got Id %s, want %s", retried.Id, kept.Id)
	}
	var again struct{ Id string }
	call(t, srv, opSend, token, msg("text/plain", "one", "ct-1")).decode(t, &again)
	if again.Id == first.Id {
		t.Error("a ClientToken outlived its item")
	}
	var contents []string
	for _, it := range srv.Transcript(token) {
		contents = append(contents, it.Content)
	}
	if got := strings.Join(contents, " "); got != "three four one" {
		t.Errorf("transcript = %q, want the 3 latest: three four one", got)
	}

	// Events that store nothing are bounded by the limit too.
	srv.mu.Lock()
	c := srv.chat.creds[token].m.contact
	srv.mu.Unlock()
	for i := range 20 {
		call(t, srv, opEvent, token, map[string]string{"ContentType": participant.EventTypeTyping, "ClientToken": "typing-" + string(rune('a'+i))})
	}
	srv.mu.Lock()
	n := len(c.idem.m.m)
	srv.mu.Unlock()
	if n > 3 {
		t.Errorf("the ClientToken index holds %d entries, want at most the transcript limit 3", n)
	}
}
