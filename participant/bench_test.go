package participant_test

// Benchmarks of the client's own cost per call, each next to its floor: a
// minimal hand-written net/http call doing the least any SendMessage client
// must do (fresh UUIDv4 token, JSON body, one header, decode Id and
// AbsoluteTime). Compare them in one run:
//
//	go test -run '^$' -bench . -benchmem ./participant/ | go run ./internal/benchratio
//
// Both sides of each pair use the same transport or server.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	"github.com/chatwire/connectparticipant/participant"
)

const cannedAnswer = `{"AbsoluteTime":"2019-11-08T02:41:28.172Z","Id":"9b1c4a52-3f0e-4d7a-8c61-2e5f0a9d7b34","MessageMetadata":{"MessageProcessingStatus":"PROCESSING"}}`

// cannedTransport answers every request with a 200 SendMessage result, in
// memory, after reading the request body as a server would.
type cannedTransport struct{}

func (cannedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	return &http.Response{
		StatusCode:    200,
		Status:        "200 OK",
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{"Content-Type": {"application/json"}, "X-Amzn-Requestid": {"6a1f4c2e-0b9d-4e3a-8f7c-5d2b1a0e9c84"}},
		Body:          io.NopCloser(strings.NewReader(cannedAnswer)),
		ContentLength: int64(len(cannedAnswer)),
		Request:       req,
	}, nil
}

const benchContent = "Hello, I need help with my order #12345. It has not arrived yet."

// floorCall is the minimal SendMessage over net/http: what any client must
// do, with nothing else.
func floorCall(ctx context.Context, hc *http.Client, url, token string) error {
	body := []byte(`{"ClientToken":"` + uuid.NewString() + `","Content":"` + benchContent + `","ContentType":"text/plain"}`)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Amz-Bearer", token)
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var out struct{ Id, AbsoluteTime string }
	return json.NewDecoder(resp.Body).Decode(&out)
}

func benchClient(b *testing.B, opts ...participant.Option) *participant.Client {
	b.Helper()
	c, err := participant.New(opts...)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

var benchInput = participant.SendMessageInput{ConnectionToken: "QVFJREFIaGV4YW1wbGVjb25uZWN0aW9udG9rZW4", ContentType: participant.ContentTypeTextPlain, Content: benchContent}

func BenchmarkSendMessage_NoNet(b *testing.B) {
	c := benchClient(b, participant.WithEndpoint("https://participant.connect.us-east-1.amazonaws.com"),
		participant.WithHTTPClient(&http.Client{Transport: cannedTransport{}}))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.SendMessage(ctx, benchInput); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFloor_NoNet(b *testing.B) {
	hc := &http.Client{Transport: cannedTransport{}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := floorCall(ctx, hc, "https://participant.connect.us-east-1.amazonaws.com/participant/message", string(benchInput.ConnectionToken)); err != nil {
			b.Fatal(err)
		}
	}
}

// loopbackServer is a minimal HTTP server on loopback that answers like the
// service and counts the TCP connections it accepts.
func loopbackServer(b *testing.B) (*httptest.Server, *atomic.Int64) {
	b.Helper()
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amzn-Requestid", "6a1f4c2e-0b9d-4e3a-8f7c-5d2b1a0e9c84")
		io.WriteString(w, cannedAnswer)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	b.Cleanup(srv.Close)
	return srv, &conns
}

func BenchmarkSendMessage_Loopback(b *testing.B) {
	srv, _ := loopbackServer(b)
	c := benchClient(b, participant.WithEndpoint(srv.URL))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.SendMessage(ctx, benchInput); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFloor_Loopback(b *testing.B) {
	srv, _ := loopbackServer(b)
	hc := &http.Client{Transport: participant.NewTransport()}
	url := srv.URL + "/participant/message"
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := floorCall(ctx, hc, url, string(benchInput.ConnectionToken)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSendMessage_Parallel(b *testing.B) {
	srv, conns := loopbackServer(b)
	c := benchClient(b, participant.WithEndpoint(srv.URL))
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	start := conns.Load()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.SendMessage(ctx, benchInput); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(conns.Load()-start)/float64(b.N), "conns/op")
}

func BenchmarkFloor_Parallel(b *testing.B) {
	srv, conns := loopbackServer(b)
	hc := &http.Client{Transport: participant.NewTransport()}
	url := srv.URL + "/participant/message"
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	start := conns.Load()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := floorCall(ctx, hc, url, string(benchInput.ConnectionToken)); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(conns.Load()-start)/float64(b.N), "conns/op")
}

// transcriptPage is a GetTranscript answer of 100 items, as a busy chat's page.
var transcriptPage = func() string {
	var b strings.Builder
	b.WriteString(`{"InitialContactId":"0f6a2c9e-4b1d-4e7a-9c3f-8d5b2a1e6c04","NextToken":"eyJwYWdlIjoyfQ","Transcript":[`)
	for i := range 100 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"Id":"9b1c4a52-3f0e-4d7a-8c61-2e5f0a9d%04d","Type":"MESSAGE","ContentType":"text/plain","Content":"Message number %d of the chat, long enough to be a real one.","AbsoluteTime":"2019-11-08T02:41:28.172Z","ParticipantId":"8e2c5a1f-7d3b-4f9e-a6c0-2b4d8f1e3a75","DisplayName":"Customer","ParticipantRole":"CUSTOMER","ContactId":"0f6a2c9e-4b1d-4e7a-9c3f-8d5b2a1e6c04"}`, i, i)
	}
	b.WriteString(`]}`)
	return b.String()
}()

// transcriptTransport answers every request with transcriptPage, in memory.
type transcriptTransport struct{}

func (transcriptTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	return &http.Response{StatusCode: 200, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"application/json"}, "X-Amzn-Requestid": {"6a1f4c2e-0b9d-4e3a-8f7c-5d2b1a0e9c84"}},
		Body:          io.NopCloser(strings.NewReader(transcriptPage)),
		ContentLength: int64(len(transcriptPage)), Request: req}, nil
}

// floorItem is what any client must decode of a transcript item.
type floorItem struct {
	Id, Type, ContentType, Content, AbsoluteTime, ParticipantId, DisplayName, ParticipantRole, ContactId string
}

// floorTranscript is the minimal GetTranscript over net/http: JSON body, one
// header, decode the page.
func floorTranscript(ctx context.Context, hc *http.Client, url, token string) error {
	body, err := json.Marshal(struct{ MaxResults int32 }{100})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Amz-Bearer", token)
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var out struct {
		InitialContactId, NextToken string
		Transcript                  []floorItem
	}
	return json.NewDecoder(resp.Body).Decode(&out)
}

func BenchmarkGetTranscript_NoNet(b *testing.B) {
	c := benchClient(b, participant.WithEndpoint("https://participant.connect.us-east-1.amazonaws.com"),
		participant.WithHTTPClient(&http.Client{Transport: transcriptTransport{}}))
	in := participant.GetTranscriptInput{ConnectionToken: benchInput.ConnectionToken, MaxResults: 100}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if out, err := c.GetTranscript(ctx, in); err != nil || len(out.Transcript) != 100 {
			b.Fatal(err)
		}
	}
}

func BenchmarkFloorTranscript_NoNet(b *testing.B) {
	hc := &http.Client{Transport: transcriptTransport{}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := floorTranscript(ctx, hc, "https://participant.connect.us-east-1.amazonaws.com/participant/transcript", string(benchInput.ConnectionToken)); err != nil {
			b.Fatal(err)
		}
	}
}
