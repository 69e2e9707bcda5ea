package participant

import (
	"context"
	"errors"
	"github.com/chatwire/connectparticipant/gen/participantlimits"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// failTransport fails the test if anything is sent.
type failTransport struct{ t *testing.T }

func (f failTransport) RoundTrip(*http.Request) (*http.Response, error) {
	f.t.Error("a request was sent for invalid input")
	return nil, errors.New("must not send")
}

func validInput() SendMessageInput {
	return SendMessageInput{ConnectionToken: "conn-token", ContentType: ContentTypeTextPlain, Content: "hi"}
}

func TestValidateBoundaries(t *testing.T) {
	t.Parallel()
	const emoji = "😀" // 4 bytes, 1 code point
	// The limits come from the spec (gen/participantlimits); api/ tests hold
	// them to the service's documented values.
	plain, markdown := ContentLimit(ContentTypeTextPlain), ContentLimit(ContentTypeTextMarkdown)
	jsonLimit, interactive := ContentLimit(ContentTypeJSON), ContentLimit(ContentTypeInteractiveResponse)
	tests := []struct {
		name   string
		mutate func(*SendMessageInput)
		fields []string // "Field/rule" expected, in order; empty means valid
	}{
		{"minimal input is valid", func(*SendMessageInput) {}, nil},
		{"plain text of 1024 emoji is valid", func(in *SendMessageInput) { in.Content = strings.Repeat(emoji, plain) }, nil},
		{"plain text of 1025 emoji is too long", func(in *SendMessageInput) { in.Content = strings.Repeat(emoji, plain+1) }, []string{"Content/content type limit"}},
		{"plain text of 1024 é is valid", func(in *SendMessageInput) { in.Content = strings.Repeat("é", plain) }, nil},
		{"plain text of 1025 é is too long", func(in *SendMessageInput) { in.Content = strings.Repeat("é", plain+1) }, []string{"Content/content type limit"}},
		{"markdown of 1025 code points is too long", func(in *SendMessageInput) {
			in.ContentType = ContentTypeTextMarkdown
			in.Content = strings.Repeat("a", markdown+1)
		}, []string{"Content/content type limit"}},
		{"json of 12000 code points is valid", func(in *SendMessageInput) {
			in.ContentType = ContentTypeJSON
			in.Content = strings.Repeat("ü", jsonLimit)
		}, nil},
		{"json of 12001 code points is too long", func(in *SendMessageInput) {
			in.ContentType = ContentTypeJSON
			in.Content = strings.Repeat("ü", jsonLimit+1)
		}, []string{"Content/content type limit"}},
		{"interactive response of 12288 is valid", func(in *SendMessageInput) {
			in.ContentType = ContentTypeInteractiveResponse
			in.Content = strings.Repeat("x", interactive)
		}, nil},
		{"interactive response of 12289 is too long", func(in *SendMessageInput) {
			in.ContentType = ContentTypeInteractiveResponse
			in.Content = strings.Repeat("x", interactive+1)
		}, []string{"Content/content type limit"}},
		{"unknown type of 16384 code points is passed on", func(in *SendMessageInput) {
			in.ContentType = "application/x-new-type"
			in.Content = strings.Repeat(emoji, maxContentLength)
		}, nil},
		{"unknown type of 16385 code points is too long", func(in *SendMessageInput) {
			in.ContentType = "application/x-new-type"
			in.Content = strings.Repeat("a", maxContentLength+1)
		}, []string{"Content/max length"}},
		{"plain text over 16384 reports the model bound once", func(in *SendMessageInput) { in.Content = strings.Repeat("a", maxContentLength+1) }, []string{"Content/max length"}},
		{"empty content is missing", func(in *SendMessageInput) { in.Content = "" }, []string{"Content/required"}},
		{"invalid UTF-8 content", func(in *SendMessageInput) { in.Content = "ab\xffcd" }, []string{"Content/utf8"}},
		{"missing connection token", func(in *SendMessageInput) { in.ConnectionToken = "" }, []string{"ConnectionToken/required"}},
		{"connection token of 1000 is valid", func(in *SendMessageInput) { in.ConnectionToken = strings.Repeat("t", maxConnectionTokenLength) }, nil},
		{"connection token of 1001 is too long", func(in *SendMessageInput) { in.ConnectionToken = strings.Repeat("t", maxConnectionTokenLength+1) }, []string{"ConnectionToken/max length"}},
		{"connection token with a newline", func(in *SendMessageInput) { in.ConnectionToken = "abc\r\nX-Evil: 1" }, []string{"ConnectionToken/header value"}},
		{"missing content type", func(in *SendMessageInput) { in.ContentType = "" }, []string{"ContentType/required"}},
		{"content type of 100 is valid", func(in *SendMessageInput) { in.ContentType = strings.Repeat("c", maxContentTypeLength) }, nil},
		{"content type of 101 is too long", func(in *SendMessageInput) { in.ContentType = strings.Repeat("c", maxContentTypeLength+1) }, []string{"ContentType/max length"}},
		{"client token of 500 is valid", func(in *SendMessageInput) { in.ClientToken = strings.Repeat("k", maxClientTokenLength) }, nil},
		{"client token of 501 is too long", func(in *SendMessageInput) { in.ClientToken = strings.Repeat("k", maxClientTokenLength+1) }, []string{"ClientToken/max length"}},
		{"client token of invalid UTF-8", func(in *SendMessageInput) { in.ClientToken = "\xc3" }, []string{"ClientToken/utf8"}},
		{"every problem is listed at once", func(in *SendMessageInput) {
			*in = SendMessageInput{ClientToken: strings.Repeat("k", maxClientTokenLength+1)}
		}, []string{"ConnectionToken/required", "ContentType/required", "Content/required", "ClientToken/max length"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := validInput()
			tt.mutate(&in)
			err := in.validate()
			if len(tt.fields) == 0 {
				if err != nil {
					t.Fatalf("validate() = %v, want nil", err)
				}
				return
			}
			var ipe *InvalidParamsError
			if !errors.As(err, &ipe) {
				t.Fatalf("validate() = %v, want *InvalidParamsError", err)
			}
			var got []string
			for _, f := range ipe.Fields {
				got = append(got, f.Field+"/"+f.Rule)
			}
			if strings.Join(got, ",") != strings.Join(tt.fields, ",") {
				t.Errorf("failures = %v, want %v", got, tt.fields)
			}
			if ipe.Operation != "SendMessage" {
				t.Errorf("Operation = %q", ipe.Operation)
			}
		})
	}
}

func TestInvalidParamsErrorMessage(t *testing.T) {
	t.Parallel()
	in := validInput()
	in.ConnectionToken = "secret-token-\n"
	in.Content = strings.Repeat("secret-content ", 100)
	err := in.validate()
	msg := err.Error()
	want := `participant: SendMessage: invalid input: ConnectionToken: contains a control character; copy the token exactly as the service issued it; Content: ContentType "text/plain": Content is 1500 characters, limit ` + strconv.Itoa(ContentLimit(ContentTypeTextPlain))
	if msg != want {
		t.Errorf("Error() =\n%s\nwant\n%s", msg, want)
	}
	if strings.Contains(msg, "secret") {
		t.Errorf("error quotes a secret or the content: %s", msg)
	}
}

func TestInvalidInputSendsNothing(t *testing.T) {
	t.Parallel()
	c, err := New(WithEndpoint("http://127.0.0.1:1"), WithHTTPClient(&http.Client{Transport: failTransport{t}}))
	if err != nil {
		t.Fatal(err)
	}
	in := validInput()
	in.Content = strings.Repeat("é", ContentLimit(ContentTypeTextPlain)+1)
	out, err := c.SendMessage(context.Background(), in)
	var ipe *InvalidParamsError
	if !errors.As(err, &ipe) || out != nil {
		t.Fatalf("SendMessage = %v, %v; want nil, *InvalidParamsError", out, err)
	}
}

func TestRuneCount(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "a", "abcdefgh", "abcdefghi", "é", "aaaaaaaé", "😀😀😀", strings.Repeat("ab€", 100), "\u007f\u0080"} {
		if got, want := runeCount(s), utf8.RuneCountInString(s); got != want {
			t.Errorf("runeCount(%q) = %d, want %d", s, got, want)
		}
	}
	for _, s := range []string{"\xff", "abcdefgh\xff", "\xed\xa0\x80" /* surrogate */, "abc\xc3", "\xf4\x90\x80\x80" /* > U+10FFFF */} {
		if got := runeCount(s); got != -1 {
			t.Errorf("runeCount(%q) = %d, want -1 (invalid UTF-8)", s, got)
		}
	}
}

func FuzzRuneCount(f *testing.F) {
	for _, s := range []string{"", "hello", "é😀", "\xff", "abcdefgh\xc3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := utf8.RuneCountInString(s)
		if !utf8.ValidString(s) {
			want = -1
		}
		if got := runeCount(s); got != want {
			t.Errorf("runeCount(%q) = %d, want %d", s, got, want)
		}
	})
}

func TestContentLimit(t *testing.T) {
	t.Parallel()
	// Each constant has a limit of its own, from the spec's
	// x-content-length-by-type (api/spec_test.go holds those to the
	// service's documented 1024, 1024, 12000 and 12288).
	for _, ct := range []string{ContentTypeTextPlain, ContentTypeTextMarkdown, ContentTypeJSON, ContentTypeInteractiveResponse} {
		want, ok := participantlimits.SendMessageContentLimitByType(ct)
		if !ok || ContentLimit(ct) != want || want >= maxContentLength {
			t.Errorf("ContentLimit(%q) = %d, want its own limit %d (found %v)", ct, ContentLimit(ct), want, ok)
		}
	}
	// Any other type gets the model's bound for every type.
	for _, ct := range []string{"image/png", "TEXT/PLAIN", "text/plain; charset=utf-8", ""} {
		if got := ContentLimit(ct); got != maxContentLength {
			t.Errorf("ContentLimit(%q) = %d, want %d", ct, got, maxContentLength)
		}
	}
}
