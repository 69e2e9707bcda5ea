package participanttest

import (
	"context"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/chatwire/connectparticipant/participant"
)

// BenchmarkSustainedLoad sends b.N unique messages, each with its own
// ClientToken, from 16 goroutines (each a customer of its own contact)
// through the Go client to one fake, and reports the Go heap in use after
// a GC as heap-MiB.
//
// With the default caps the heap levels off once every transcript is full
// (16 × 10000 items, so from 160000 messages on): the transcripts, their
// ClientToken indexes and the request log stop growing. Checked by running
//
//	go test -run '^$' -bench SustainedLoad -benchtime=200000x ./participant/participanttest/
//	go test -run '^$' -bench SustainedLoad -benchtime=2000000x ./participant/participanttest/
//
// and comparing heap-MiB. On a 2-CPU VM (Go 1.26): 97.6 heap-MiB (85.3
// MiB live) after 200000 messages, 102.2 (89.5 live) after 2000000: ten
// times the messages, the same heap within the sawtooth of the maps that
// rebuild themselves (shrinkingMap). Before they did, Go maps under the
// transcripts' key churn took the heap from 117 to 154 MiB over the same
// runs. live-MiB (HeapAlloc after the GC) is reported too, to tell retained
// memory from fragmentation.
func BenchmarkSustainedLoad(b *testing.B) {
	const senders = 16
	srv := NewServer()
	defer srv.Close()
	client := newClient(b, srv)
	tokens := make([]participant.Secret, senders)
	for i := range tokens {
		tokens[i] = participant.Secret(srv.NewConnection())
	}
	ctx := context.Background()

	var sent atomic.Int64
	var wg sync.WaitGroup
	b.ReportAllocs()
	b.ResetTimer()
	for g := range senders {
		wg.Go(func() {
			for {
				i := sent.Add(1)
				if i > int64(b.N) {
					return
				}
				_, err := client.SendMessage(ctx, participant.SendMessageInput{
					ConnectionToken: tokens[g],
					ContentType:     participant.ContentTypeTextPlain,
					Content:         "message number " + strconv.FormatInt(i, 10),
				})
				if err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()

	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MiB")
	b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "live-MiB")
	runtime.KeepAlive(srv)
}
