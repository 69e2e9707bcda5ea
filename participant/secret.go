package participant

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
)

// Secret is a value that must not leak: a participant or connection token, a
// WebRTC join token, or a field the service model marks sensitive. It prints
// as <redacted> with every fmt verb, in log/slog (text and JSON) and in JSON,
// so a struct that holds one can be logged or encoded as a whole. Convert it
// to a string to use the value: string(s).
//
// A Secret prints as <empty> when it is empty, so that a missing token is
// told apart from a present one.
type Secret string

const (
	redactedText = "<redacted>"
	emptyText    = "<empty>"
)

// String returns <redacted>, or <empty> for an empty Secret.
func (s Secret) String() string {
	if s == "" {
		return emptyText
	}
	return redactedText
}

// GoString is String, so that %#v does not reveal the value either.
func (s Secret) GoString() string { return s.String() }

// Format prints String for every verb (%d, %x and %q included, which would
// otherwise print the value).
func (s Secret) Format(f fmt.State, _ rune) { io.WriteString(f, s.String()) }

// MarshalJSON encodes String as a JSON string.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// LogValue makes log/slog log String.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// PresignedURL is a URL whose query is a credential, such as the WebSocket
// URL of a connection or the upload and download URLs of an attachment. It
// prints, logs and encodes as its scheme, host and path with the query
// replaced by <redacted>; convert it to a string to use it: string(u).
type PresignedURL string

// String returns the URL without its query, fragment and user information,
// e.g. https://bucket.s3.amazonaws.com/key?<redacted>.
func (u PresignedURL) String() string {
	if u == "" {
		return emptyText
	}
	parsed, err := url.Parse(string(u))
	if err != nil || parsed.Host == "" {
		return redactedText
	}
	var b strings.Builder
	b.WriteString(parsed.Scheme)
	b.WriteString("://")
	b.WriteString(parsed.Host)
	b.WriteString(parsed.EscapedPath())
	if parsed.RawQuery != "" || parsed.ForceQuery || parsed.Fragment != "" {
		b.WriteString("?" + redactedText)
	}
	return b.String()
}

// GoString is String, so that %#v does not reveal the query either.
func (u PresignedURL) GoString() string { return u.String() }

// Format prints String for every verb.
func (u PresignedURL) Format(f fmt.State, _ rune) { io.WriteString(f, u.String()) }

// MarshalJSON encodes String as a JSON string.
func (u PresignedURL) MarshalJSON() ([]byte, error) { return json.Marshal(u.String()) }

// LogValue makes log/slog log String.
func (u PresignedURL) LogValue() slog.Value { return slog.StringValue(u.String()) }

// minRedactedLength is the shortest secret redactIn looks for. Real tokens
// are hundreds of characters long; a shorter one cannot be told from
// ordinary words, and cutting it out would mangle every message.
const minRedactedLength = 8

// redactIn replaces every occurrence of the secrets in s with <redacted>. It
// cleans what an answer may echo back, such as a server that quotes the
// caller's token in its error message.
func redactIn(s string, secrets ...string) string {
	for _, secret := range secrets {
		if len(secret) >= minRedactedLength && strings.Contains(s, secret) {
			s = strings.ReplaceAll(s, secret, redactedText)
		}
	}
	return s
}
