package participanttest

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chatwire/connectparticipant/participant"
)

// page is a GetTranscript answer.
type page struct {
	InitialContactId string
	Transcript       []participant.Item
	NextToken        string
}

// contents names the items of a page: their Content, or "joined" for the
// joined event.
func (p page) contents() string {
	var out []string
	for _, it := range p.Transcript {
		if it.Content == "" {
			out = append(out, "joined")
			continue
		}
		out = append(out, it.Content)
	}
	return strings.Join(out, " ")
}

// chatOf25 is a chat of 25 items a second apart: the customer's joined
// event, then messages m1 to m24.
func chatOf25(t *testing.T, srv *Server, clk *clock) (token string, items []participant.Item) {
	t.Helper()
	token = srv.NewConnection()
	for i := 1; i <= 24; i++ {
		clk.Advance(time.Second)
		if a := call(t, srv, opSend, token, msg("text/plain", fmt.Sprintf("m%d", i))); a.status != http.StatusOK {
			t.Fatalf("send: %d %s", a.status, a.body)
		}
	}
	return token, srv.Transcript(token)
}

// span lists m<from> to m<to>, either way, for expectations.
func span(from, to int) string {
	var out []string
	for i := from; ; {
		out = append(out, fmt.Sprintf("m%d", i))
		if i == to {
			break
		}
		if from < to {
			i++
		} else {
			i--
		}
	}
	return strings.Join(out, " ")
}

func TestGetTranscriptPages(t *testing.T) {
	t.Parallel()
	clk := newClock(t0)
	srv := NewServer(WithClock(clk.Now))
	defer srv.Close()
	token, items := chatOf25(t, srv, clk)
	m5 := items[5]
	m5Time, _ := m5.AbsoluteTime.Time()
	between := m5Time.Add(500 * time.Millisecond).Format(time.RFC3339Nano)

	tests := []struct {
		name      string
		body      any
		want      string
		wantToken bool
	}{
		{"no body: the 10 newest, newest first", nil, span(24, 15), true},
		{"MaxResults 3, ascending", map[string]any{"MaxResults": 3, "SortOrder": "ASCENDING"}, span(22, 24), true},
		{"MaxResults 100 holds everything", map[string]any{"MaxResults": 100, "SortOrder": "ASCENDING"}, "joined " + span(1, 24), false},
		{"FORWARD without a start begins at the oldest", map[string]any{"ScanDirection": "FORWARD", "MaxResults": 3}, "m2 m1 joined", true},
		{"a start by Id scans FORWARD and includes the item", map[string]any{"StartPosition": map[string]string{"Id": m5.ID}, "MaxResults": 3, "SortOrder": "ASCENDING"}, span(5, 7), true},
		{"a start by Id, newest first by default", map[string]any{"StartPosition": map[string]string{"Id": m5.ID}, "MaxResults": 3}, span(7, 5), true},
		{"a start by Id scanning BACKWARD", map[string]any{"StartPosition": map[string]string{"Id": m5.ID}, "ScanDirection": "BACKWARD", "MaxResults": 3, "SortOrder": "ASCENDING"}, span(3, 5), true},
		{"BACKWARD from the oldest item ends there", map[string]any{"StartPosition": map[string]string{"Id": items[0].ID}, "ScanDirection": "BACKWARD"}, "joined", false},
		{"a start at an item's time, FORWARD", map[string]any{"StartPosition": map[string]string{"AbsoluteTime": string(m5.AbsoluteTime)}, "MaxResults": 2, "SortOrder": "ASCENDING"}, "m5 m6", true},
		{"a start between items, FORWARD: the items after", map[string]any{"StartPosition": map[string]string{"AbsoluteTime": between}, "MaxResults": 2, "SortOrder": "ASCENDING"}, "m6 m7", true},
		{"a start between items, BACKWARD: the items before", map[string]any{"StartPosition": map[string]string{"AbsoluteTime": between}, "ScanDirection": "BACKWARD", "MaxResults": 2, "SortOrder": "ASCENDING"}, "m4 m5", true},
		{"a start after every item, FORWARD: nothing", map[string]any{"StartPosition": map[string]string{"AbsoluteTime": "2030-01-01T00:00:00Z"}}, "", false},
		{"a start in another zone", map[string]any{"StartPosition": map[string]string{"AbsoluteTime": m5Time.In(time.FixedZone("X", -5*3600)).Format(time.RFC3339Nano)}, "MaxResults": 1}, "m5", true},
		{"MostRecent 2 starts two items before the newest", map[string]any{"StartPosition": map[string]int{"MostRecent": 2}, "MaxResults": 5, "SortOrder": "ASCENDING"}, span(22, 24), false},
		{"MostRecent 0 is the newest", map[string]any{"StartPosition": map[string]int{"MostRecent": 0}}, "m24", false},
		{"MostRecent 2 scanning BACKWARD", map[string]any{"StartPosition": map[string]int{"MostRecent": 2}, "ScanDirection": "BACKWARD", "MaxResults": 2}, "m22 m21", true},
		{"its own ContactId", map[string]any{"ContactId": items[0].ContactID, "MaxResults": 1}, "m24", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := call(t, srv, opTranscript, token, tt.body)
			if a.status != http.StatusOK {
				t.Fatalf("status %d; body %s", a.status, a.body)
			}
			var p page
			a.decode(t, &p)
			if got := p.contents(); got != tt.want {
				t.Errorf("page = %q, want %q", got, tt.want)
			}
			if (p.NextToken != "") != tt.wantToken {
				t.Errorf("NextToken %q, want one: %v", p.NextToken, tt.wantToken)
			}
			if p.InitialContactId != items[0].ContactID {
				t.Errorf("InitialContactId = %q, want the contact %q", p.InitialContactId, items[0].ContactID)
			}
		})
	}

	refusals := []struct {
		name       string
		body       any
		wantStatus int
		member     string
	}{
		{"an Id the transcript does not have", map[string]any{"StartPosition": map[string]string{"Id": "no-such-item"}}, 400, "StartPosition.Id"},
		{"two start members", map[string]any{"StartPosition": map[string]any{"Id": m5.ID, "MostRecent": 1}}, 400, "StartPosition"},
		{"an empty start", map[string]any{"StartPosition": map[string]any{}}, 400, "StartPosition"},
		{"a time that is not ISO 8601", map[string]any{"StartPosition": map[string]string{"AbsoluteTime": "yesterday"}}, 400, "AbsoluteTime"},
		{"another contact's ContactId", map[string]any{"ContactId": "another-contact"}, 403, "ContactId"},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, call(t, srv, opTranscript, token, tt.body), tt.wantStatus, tt.member)
		})
	}
}

func TestGetTranscriptNextToken(t *testing.T) {
	t.Parallel()
	clk := newClock(t0)
	srv := NewServer(WithClock(clk.Now))
	defer srv.Close()
	token, items := chatOf25(t, srv, clk)
	other, _ := chatOf25(t, srv, clk)

	walk := func(body map[string]any, sizes ...int) (string, []string) {
		t.Helper()
		var all []string
		var tokens []string
		for i := 0; ; i++ {
			if i < len(sizes) {
				body["MaxResults"] = sizes[i]
			}
			a := call(t, srv, opTranscript, token, body)
			if a.status != http.StatusOK {
				t.Fatalf("page %d: %d %s", i+1, a.status, a.body)
			}
			var p page
			a.decode(t, &p)
			if got := p.contents(); got != "" {
				all = append(all, got)
			}
			if p.NextToken == "" {
				return strings.Join(all, " "), tokens
			}
			if slices.Contains(tokens, p.NextToken) {
				t.Fatal("a NextToken came back twice")
			}
			tokens = append(tokens, p.NextToken)
			body["NextToken"] = p.NextToken
		}
	}
	if got, tokens := walk(map[string]any{"ScanDirection": "FORWARD", "SortOrder": "ASCENDING", "MaxResults": 4}); got != "joined "+span(1, 24) || len(tokens) != 6 {
		t.Errorf("FORWARD walk = %q in %d pages", got, len(tokens)+1)
	}
	if got, _ := walk(map[string]any{}); got != span(24, 1)+" joined" {
		t.Errorf("default walk = %q, want every item newest first", got)
	}
	if got, _ := walk(map[string]any{"StartPosition": map[string]string{"Id": items[10].ID}, "SortOrder": "ASCENDING"}, 2, 7, 100); got != span(10, 24) {
		t.Errorf("walk from m10 with changing MaxResults = %q", got)
	}

	// The client's iterator walks the same pages.
	client := newClient(t, srv)
	var viaClient []string
	for it, err := range client.TranscriptItems(context.Background(), participant.GetTranscriptInput{ConnectionToken: participant.Secret(token), MaxResults: 7}) {
		if err != nil {
			t.Fatal(err)
		}
		viaClient = append(viaClient, it.Content)
	}
	if len(viaClient) != 25 || viaClient[0] != "m24" {
		t.Errorf("TranscriptItems yielded %d items starting %v", len(viaClient), viaClient[:min(3, len(viaClient))])
	}

	var first page
	call(t, srv, opTranscript, token, map[string]any{"MaxResults": 2}).decode(t, &first)
	var othersPage page
	call(t, srv, opTranscript, other, map[string]any{"MaxResults": 2}).decode(t, &othersPage)
	forged := []byte(first.NextToken)
	forged[3] ^= 1
	refusals := []struct {
		name, token string
		body        map[string]any
		member      string
	}{
		{"another contact's NextToken", othersPage.NextToken, map[string]any{}, "NextToken"},
		{"a forged NextToken", string(forged), map[string]any{}, "NextToken"},
		{"a NextToken that is not one", "eyJwYWdlIjoyfQ", map[string]any{}, "NextToken"},
		{"a NextToken of another query", first.NextToken, map[string]any{"ScanDirection": "FORWARD"}, "another query"},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			tt.body["NextToken"] = tt.token
			wantError(t, call(t, srv, opTranscript, token, tt.body), http.StatusBadRequest, tt.member)
		})
	}
}

// TestGetTranscriptStaleNextToken: a NextToken whose items have left a
// full transcript is refused, not silently continued elsewhere.
func TestGetTranscriptStaleNextToken(t *testing.T) {
	t.Parallel()
	srv := NewServer(WithTranscriptLimit(5))
	defer srv.Close()
	token := srv.NewConnection()
	for i := range 5 {
		call(t, srv, opSend, token, msg("text/plain", fmt.Sprint(i)))
	}
	var p page
	call(t, srv, opTranscript, token, map[string]any{"MaxResults": 2}).decode(t, &p)
	if p.NextToken == "" {
		t.Fatal("no NextToken")
	}
	for i := range 5 {
		call(t, srv, opSend, token, msg("text/plain", fmt.Sprint("new ", i)))
	}
	wantError(t, call(t, srv, opTranscript, token, map[string]any{"MaxResults": 2, "NextToken": p.NextToken}), http.StatusBadRequest, "stale")
}
