package participant_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/chatwire/connectparticipant/participant"
)

const transcriptPath = "/participant/transcript"

// page is a GetTranscript answer of items with the given IDs.
func page(next string, ids ...string) answer {
	items := make([]participant.Item, len(ids))
	for i, id := range ids {
		items[i] = participant.Item{ID: id, Type: participant.ChatItemTypeMessage}
	}
	b, _ := json.Marshal(participant.GetTranscriptOutput{Transcript: items, NextToken: next})
	return ok(string(b))
}

func TestTranscriptItemsWalksEveryPage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		pages     []answer
		want      []string
		wantCalls int
		wantErr   bool
	}{
		{"one page", []answer{page("", "a", "b")}, []string{"a", "b"}, 1, false},
		{"three pages", []answer{page("t1", "a", "b"), page("t2", "c"), page("", "d")}, []string{"a", "b", "c", "d"}, 3, false},
		{"an empty last page", []answer{page("t1", "a"), page("")}, []string{"a"}, 2, false},
		{"a repeated NextToken ends the walk", []answer{page("t1", "a"), page("t1", "b"), page("t1", "c")}, []string{"a", "b"}, 2, false},
		{"an error ends the walk after it is yielded", []answer{page("t1", "a"), serviceError(403, "AccessDeniedException", "ended")}, []string{"a"}, 2, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newScripted(t)
			srv.script(transcriptPath, tt.pages...)
			c := srv.client(t, fastBackoff)
			var got []string
			var gotErr error
			for item, err := range c.TranscriptItems(context.Background(), participant.GetTranscriptInput{ConnectionToken: "tok", MaxResults: 2}) {
				if err != nil {
					gotErr = err
					continue
				}
				got = append(got, item.ID)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) || (gotErr != nil) != tt.wantErr {
				t.Errorf("got %v, err %v; want %v, error %t", got, gotErr, tt.want, tt.wantErr)
			}
			if tt.wantErr && !errors.As(gotErr, new(*participant.AccessDeniedException)) {
				t.Errorf("err = %v, want the typed error", gotErr)
			}
			reqs := srv.sent()
			if len(reqs) != tt.wantCalls {
				t.Fatalf("%d calls, want %d", len(reqs), tt.wantCalls)
			}
			for i, r := range reqs {
				var body participant.GetTranscriptInput
				json.Unmarshal(r.Body, &body)
				wantToken := ""
				if i > 0 {
					wantToken = fmt.Sprintf("t%d", i)
				}
				if body.MaxResults != 2 || body.NextToken != wantToken {
					t.Errorf("call %d sent %s, want MaxResults 2 and NextToken %q", i+1, r.Body, wantToken)
				}
			}
		})
	}
}

func TestTranscriptItemsStopsWhenTheCallerStops(t *testing.T) {
	t.Parallel()
	srv := newScripted(t)
	srv.script(transcriptPath, page("t1", "a", "b"), page("", "c"))
	for item := range srv.client(t).TranscriptItems(context.Background(), participant.GetTranscriptInput{ConnectionToken: "tok"}) {
		if item.ID == "a" {
			break
		}
	}
	if n := len(srv.sent()); n != 1 {
		t.Errorf("%d calls after the caller stopped at the first item, want 1", n)
	}
}
