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

// BenchmarkValidate_12KiB_MultiByte is the slow case: no ASCII runs to skip.
// 4096 three-byte characters make 12 KiB.
func BenchmarkValidate_12KiB_MultiByte(b *testing.B) {
	in := SendMessageInput{ConnectionToken: strings.Repeat("t", 300), ContentType: ContentTypeJSON, Content: strings.Repeat("中", 4096)}
	b.SetBytes(int64(len(in.Content)))
	b.ReportAllocs()
	for b.Loop() {
		if err := in.validate(); err != nil {
			b.Fatal(err)
		}
	}
}
