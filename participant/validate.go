package participant

import (
	"github.com/chatwire/connectparticipant/gen/participantlimits"
	"math/bits"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Content types the service documents for SendMessage.
const (
	// ContentTypeTextPlain is plain text, at most 1024 code points.
	ContentTypeTextPlain = "text/plain"
	// ContentTypeTextMarkdown is Markdown, at most 1024 code points.
	ContentTypeTextMarkdown = "text/markdown"
	// ContentTypeJSON is a JSON document, at most 12000 code points.
	ContentTypeJSON = "application/json"
	// ContentTypeInteractiveResponse is a participant's answer to an
	// interactive message (a list picker, a time picker, ...), at most 12288
	// code points.
	ContentTypeInteractiveResponse = "application/vnd.amazonaws.connect.message.interactive.response"
)

// Length bounds in Unicode code points, generated from api/participant.yaml
// into gen/participantlimits: change a limit in the spec, run go generate,
// and the client enforces it.
const (
	minConnectionTokenLength = participantlimits.SendMessageConnectionTokenMinLength
	maxConnectionTokenLength = participantlimits.SendMessageConnectionTokenMaxLength
	minContentTypeLength     = participantlimits.SendMessageContentTypeMinLength
	maxContentTypeLength     = participantlimits.SendMessageContentTypeMaxLength
	minContentLength         = participantlimits.SendMessageContentMinLength
	maxContentLength         = participantlimits.SendMessageContentMaxLength // for every content type, known or not
	minClientTokenLength     = participantlimits.SendMessageClientTokenMinLength
	maxClientTokenLength     = participantlimits.SendMessageClientTokenMaxLength
)

// ContentLimit returns the largest Content, in code points, the service
// accepts for contentType: the documented per-type limit for the four known
// types (the spec's x-content-length-by-type), and the model's overall bound
// (16384) for any other, so that new types reach the service without a
// client upgrade.
func ContentLimit(contentType string) int {
	if n, ok := participantlimits.SendMessageContentLimitByType(contentType); ok {
		return n
	}
	return maxContentLength
}

// InvalidParamsError reports every problem found in an operation's input
// before anything was sent. Nothing reaches the service when it is returned.
type InvalidParamsError struct {
	// Operation is the operation whose input was checked, e.g. "SendMessage".
	Operation string
	// Fields lists each failing member and rule, in member order.
	Fields []InvalidParam
}

// InvalidParam is one failed rule on one input member.
type InvalidParam struct {
	// Field is the member name as on the wire, e.g. "Content".
	Field string
	// Rule names the failed rule: "required", "min length", "max length",
	// "content type limit", "utf8" or "header value".
	Rule string
	// Reason says what is wrong in words; it never quotes a token or the
	// message content.
	Reason string
}

// Error lists every problem on one line, e.g.
// `participant: SendMessage: invalid input: Content: ContentType "text/plain": Content is 1030 characters, limit 1024`.
func (e *InvalidParamsError) Error() string {
	var b strings.Builder
	b.WriteString("participant: ")
	b.WriteString(e.Operation)
	b.WriteString(": invalid input: ")
	for i, f := range e.Fields {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(f.Field)
		b.WriteString(": ")
		b.WriteString(f.Reason)
	}
	return b.String()
}

// validator collects failed rules. Its zero value is ready to use and costs no
// allocation while every rule holds.
type validator struct {
	fields []InvalidParam
}

func (v *validator) add(field, rule, reason string) {
	v.fields = append(v.fields, InvalidParam{Field: field, Rule: rule, Reason: reason})
}

func (v *validator) err(op string) error {
	if len(v.fields) == 0 {
		return nil
	}
	return &InvalidParamsError{Operation: op, Fields: v.fields}
}

// stringLen checks that s is valid UTF-8 of min..max code points. It returns
// the length in code points, or -1 when s is not valid UTF-8.
func (v *validator) stringLen(field, s string, required bool, min, max int) int {
	if s == "" {
		if required {
			v.add(field, "required", "is required; set "+field)
		} else if min > 0 {
			v.add(field, "min length", "is empty; want at least "+strconv.Itoa(min)+" characters")
		}
		return 0
	}
	n := runeCount(s)
	switch {
	case n < 0:
		v.add(field, "utf8", "is not valid UTF-8; send text encoded as UTF-8")
	case n < min:
		v.add(field, "min length", "is "+strconv.Itoa(n)+" characters, want at least "+strconv.Itoa(min))
	case n > max:
		v.add(field, "max length", "is "+strconv.Itoa(n)+" characters, limit "+strconv.Itoa(max))
	}
	return n
}

// headerValue checks that a value sent in an HTTP header has no control
// characters, which net/http would refuse with a less helpful error.
func (v *validator) headerValue(field, s string) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' || c == 0x7f {
			v.add(field, "header value", "contains a control character; copy the token exactly as the service issued it")
			return
		}
	}
}

// runeCount returns the number of code points in s, or -1 if s is not valid
// UTF-8. A leading run of ASCII, the common case for chat text, is skipped
// sixteen bytes at a time; the rest is validated by utf8.ValidString and
// counted a word at a time (benchmarked against a one-pass decoder, which was
// 1.6x slower on CJK text).
func runeCount(s string) int {
	i := 0
	for i+16 <= len(s) && (load8(s, i)|load8(s, i+8))&0x8080808080808080 == 0 {
		i += 16
	}
	for i < len(s) && s[i] < utf8.RuneSelf {
		i++
	}
	if i == len(s) {
		return i
	}
	rest := s[i:]
	if !utf8.ValidString(rest) {
		return -1
	}
	return i + countValidRunes(rest)
}

// countValidRunes counts the code points of valid UTF-8: every byte that is
// not a continuation byte (10xxxxxx) starts one.
func countValidRunes(s string) int {
	const high = 0x8080808080808080
	n := 0
	i := 0
	for ; i+8 <= len(s); i += 8 {
		w := load8(s, i)
		cont := w & high &^ (w << 1 & high) // bit 7 set, bit 6 clear
		n += 8 - bits.OnesCount64(cont)
	}
	for ; i < len(s); i++ {
		if s[i]&0xC0 != 0x80 {
			n++
		}
	}
	return n
}

// load8 reads s[i:i+8] as a little-endian word.
func load8(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// validate checks every rule of the service model for SendMessage, plus the
// per-content-type limit, and reports all failures at once.
func (in *SendMessageInput) validate() error {
	var v validator
	if v.stringLen("ConnectionToken", in.ConnectionToken, true, minConnectionTokenLength, maxConnectionTokenLength) > 0 {
		v.headerValue("ConnectionToken", in.ConnectionToken)
	}
	v.stringLen("ContentType", in.ContentType, true, minContentTypeLength, maxContentTypeLength)
	if n := v.stringLen("Content", in.Content, true, minContentLength, maxContentLength); n > 0 && n <= maxContentLength {
		if limit, ok := participantlimits.SendMessageContentLimitByType(in.ContentType); ok && n > limit {
			v.add("Content", "content type limit", "ContentType "+strconv.Quote(in.ContentType)+": Content is "+
				strconv.Itoa(n)+" characters, limit "+strconv.Itoa(limit))
		}
	}
	v.stringLen("ClientToken", in.ClientToken, false, minClientTokenLength, maxClientTokenLength)
	return v.err("SendMessage")
}
