package participant

import (
	"strings"
	"testing"
)

func benchmarkValidate(b *testing.B, contentType string, size int) {
	in := SendMessageInput{ConnectionToken: strings.Repeat("t", 300), ContentType: contentType, Content: strings.Repeat("a", size-2) + "é"}
	b.SetBytes(int64(len(in.Content)))
	b.ReportAllocs()
	for b.Loop() {
		if err := in.validate(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidate_1KiB(b *testing.B) { benchmarkValidate(b, ContentTypeTextPlain, 1023) }
func BenchmarkValidate_12KiB(b *testing.B) {
	benchmarkValidate(b, ContentTypeInteractiveResponse, 12287)
}
