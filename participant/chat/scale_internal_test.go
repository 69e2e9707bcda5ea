package chat

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"testing"
	"time"

	"github.com/chatwire/connectparticipant/gen/participantws"
	"github.com/chatwire/connectparticipant/participant"
	"github.com/chatwire/connectparticipant/participant/participanttest"
)

// The answers told by their bytes are the frames JSON decoding gives.
func TestHeartbeatAnswersAreKnownFrames(t *testing.T) {
	for _, tc := range []struct {
		data []byte
		want participantws.WebSocketFrame
	}{
		{heartbeatAnswer, participantws.WebSocketFrame{Topic: participantws.TopicHeartbeat}},
		{pingAnswer, participantws.WebSocketFrame{Topic: participantws.TopicPing, StatusCode: pingStatusOK, StatusContent: pingStatusMsg}},
	} {
		var got participantws.WebSocketFrame
		if err := json.Unmarshal(tc.data, &got); err != nil {
			t.Fatal(err)
		}
		if got.Topic != tc.want.Topic || got.StatusCode != tc.want.StatusCode || got.StatusContent != tc.want.StatusContent {
			t.Errorf("%s decodes to %+v, want %+v", tc.data, got, tc.want)
		}
	}
}

func TestNextBeatIsOnTheGrid(t *testing.T) {
	const now = 12345*time.Second + 678901234
	for _, interval := range []time.Duration{10 * time.Second, 100 * time.Millisecond, 50} {
		due := nextBeat(now, interval)
		step := interval / beatSteps
		if d := due - now; d > interval || (step > 0 && d <= interval-step) {
			t.Errorf("interval %v: the next heartbeats are due in %v", interval, d)
		}
		if step > 0 && due%step != 0 {
			t.Errorf("interval %v: %v is not on the grid of %v", interval, due, step)
		}
	}
}

// writeCounter counts the writes that reach it.
type writeCounter struct {
	net.Conn
	writes [][]byte
}

func (w *writeCounter) Write(p []byte) (int, error) {
	w.writes = append(w.writes, bytes.Clone(p))
	return len(p), nil
}

func TestACorkedConnectionWritesOnce(t *testing.T) {
	under := &writeCounter{}
	c := &corkConn{Conn: under}
	c.cork()
	c.Write([]byte("heart"))
	c.Write([]byte("beat"))
	if len(under.writes) != 0 {
		t.Fatalf("%d writes while corked", len(under.writes))
	}
	if err := c.uncork(); err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("!"))
	if len(under.writes) != 2 || string(under.writes[0]) != "heartbeat" || string(under.writes[1]) != "!" {
		t.Errorf("writes %q, want the corked ones in one, then the next as it came", under.writes)
	}
}

// A session of the default client writes its heartbeats in one write, and
// leaves nothing due in beats once closed.
func TestASessionCorksItsHeartbeatsAndLeavesNoBeat(t *testing.T) {
	t.Parallel()
	srv := participanttest.NewServer()
	defer srv.Close()
	client, err := participant.New(participant.WithEndpoint(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	defer client.CloseIdleConnections()
	p := srv.NewParticipant(participanttest.ParticipantOptions{})
	s, err := Connect(context.Background(), client, participant.Secret(p.ParticipantToken), WithHeartbeatInterval(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	c := s.conn
	s.mu.Unlock()
	if c.cork == nil {
		t.Error("the default client's connection is not corked")
	}
	s.Close()
	beats.mu.Lock()
	due := c.due
	_, listed := beats.buckets[due][c]
	beats.mu.Unlock()
	if due != 0 || listed {
		t.Error("a closed socket still has heartbeats due")
	}
}
