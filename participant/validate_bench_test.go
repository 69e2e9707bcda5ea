package participant

import (
	"reflect"
	"strings"
	"testing"
)

func benchmarkValidate(b *testing.B, in SendMessageInput) {
	value := reflect.ValueOf(&in).Elem()
	b.SetBytes(int64(len(in.Content)))
	b.ReportAllocs()
	for b.Loop() {
		if err := sendMessage.validate(value); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidate_1KiB(b *testing.B) {
	benchmarkValidate(b, SendMessageInput{ConnectionToken: Secret(strings.Repeat("t", 300)), ContentType: ContentTypeTextPlain,
		Content: strings.Repeat("a", 1021) + "é"})
}

func BenchmarkValidate_12KiB(b *testing.B) {
	benchmarkValidate(b, SendMessageInput{ConnectionToken: Secret(strings.Repeat("t", 300)), ContentType: ContentTypeInteractiveResponse,
		Content: strings.Repeat("a", 12285) + "é"})
}

// BenchmarkValidate_12KiB_MultiByte is the slow case: no ASCII runs to skip.
// 4096 three-byte characters make 12 KiB.
func BenchmarkValidate_12KiB_MultiByte(b *testing.B) {
	benchmarkValidate(b, SendMessageInput{ConnectionToken: Secret(strings.Repeat("t", 300)), ContentType: ContentTypeJSON,
		Content: strings.Repeat("中", 4096)})
}
