package participant

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/chatwire/connectparticipant/gen/participantapi"
)

// SendMessageInput is one message to send. ConnectionToken, ContentType and
// Content are required.
//
// Printing a SendMessageInput with fmt or log/slog shows neither the token
// nor the content, only their lengths.
type SendMessageInput struct {
	// ConnectionToken authenticates the participant: the
	// ConnectionCredentials.ConnectionToken that CreateParticipantConnection
	// returned (not the participant token). 1 to 1000 characters; secret.
	ConnectionToken string
	// ContentType is the MIME type of Content: one of the ContentType
	// constants, or another type the service supports (1 to 100 characters).
	ContentType string
	// Content is the message: 1 to ContentLimit(ContentType) code points of
	// valid UTF-8.
	Content string
	// ClientToken makes the send idempotent: the service delivers a message
	// once per token and connection. Leave it empty and the client fills in a
	// random UUIDv4, returned in SendMessageOutput.ClientToken; set it (up to
	// 500 characters) to resend a message safely, e.g. after a crash.
	ClientToken string
}

// String describes the input without its secrets, e.g.
// `{ContentType:text/plain Content:<12 bytes> ClientToken:… ConnectionToken:<redacted>}`.
func (in SendMessageInput) String() string {
	return "{ContentType:" + in.ContentType +
		" Content:<" + strconv.Itoa(len(in.Content)) + " bytes>" +
		" ClientToken:" + in.ClientToken +
		" ConnectionToken:" + redacted(in.ConnectionToken) + "}"
}

// GoString is String, so that %#v does not reveal the token either.
func (in SendMessageInput) GoString() string { return "participant.SendMessageInput" + in.String() }

// Format makes every fmt verb (%d and %t included, which would otherwise
// print the fields) print String, or GoString for %#v.
func (in SendMessageInput) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		io.WriteString(f, in.GoString())
		return
	}
	io.WriteString(f, in.String())
}

// MarshalJSON encodes the input without its secrets, like LogValue, so that
// logging it as JSON does not reveal the token or the content either.
func (in SendMessageInput) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		ContentType     string
		ContentBytes    int
		ClientToken     string
		ConnectionToken string
	}{in.ContentType, len(in.Content), in.ClientToken, redacted(in.ConnectionToken)})
}

// LogValue makes log/slog log the input without its secrets.
func (in SendMessageInput) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("ContentType", in.ContentType),
		slog.Int("ContentBytes", len(in.Content)),
		slog.String("ClientToken", in.ClientToken),
		slog.String("ConnectionToken", redacted(in.ConnectionToken)),
	)
}

func redacted(secret string) string {
	if secret == "" {
		return "<empty>"
	}
	return "<redacted>"
}

// MessageProcessingStatus says where the service stands with a message.
type MessageProcessingStatus string

// Values of MessageProcessingStatus.
const (
	// MessageProcessingStatusProcessing: the service is still handling the message.
	MessageProcessingStatusProcessing MessageProcessingStatus = "PROCESSING"
	// MessageProcessingStatusFailed: processing the message failed.
	MessageProcessingStatusFailed MessageProcessingStatus = "FAILED"
	// MessageProcessingStatusRejected: the service refused the message's content.
	MessageProcessingStatusRejected MessageProcessingStatus = "REJECTED"
)

// MessageMetadata is what the service says about how it processes a message.
type MessageMetadata struct {
	// MessageProcessingStatus may be empty when the service did not say.
	MessageProcessingStatus MessageProcessingStatus
}

// SendMessageOutput is the service's answer to an accepted message.
type SendMessageOutput struct {
	// ID is the identifier the service gave the message.
	ID string
	// AbsoluteTime is when the message was sent, as the service wrote it
	// (e.g. "2019-11-08T02:41:28.172Z"); Time parses it.
	AbsoluteTime string
	// MessageMetadata is nil when the service sent none.
	MessageMetadata *MessageMetadata
	// RequestID is the answer's x-amzn-RequestId.
	RequestID string
	// ClientToken is the idempotency token that was sent: the caller's, or
	// the one the client generated. Keep it to resend the same message safely.
	ClientToken string
	// Attempts is how many attempts the call took (1 without retries).
	Attempts int
}

// Time parses AbsoluteTime, an ISO 8601 timestamp.
func (o *SendMessageOutput) Time() (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, o.AbsoluteTime)
	if err != nil {
		return time.Time{}, fmt.Errorf("participant: AbsoluteTime %q is not an ISO 8601 timestamp: %w", o.AbsoluteTime, err)
	}
	return t, nil
}

// SendMessage sends one message into the chat of the participant that
// in.ConnectionToken identifies.
//
// The input is checked first; if any rule fails, SendMessage returns an
// *InvalidParamsError and sends nothing. An empty ClientToken is filled with
// a random UUIDv4, and every attempt of the call sends the same token and the
// same bytes, so a retried message is delivered once.
//
// A service error is one of the typed errors of this package (see APIError),
// wrapped in an *OperationError that says how many attempts were made:
//
//	var throttled *participant.ThrottlingException
//	if errors.As(err, &throttled) { ... }
func (c *Client) SendMessage(ctx context.Context, in SendMessageInput, opts ...CallOption) (*SendMessageOutput, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	call := &sendMessageCall{c: c, bearer: in.ConnectionToken}
	token := in.ClientToken
	if token == "" {
		u, err := uuid.NewRandom()
		if err != nil {
			return nil, fmt.Errorf("participant: SendMessage: generating a ClientToken: %w", err)
		}
		token = u.String()
	}
	call.out.ClientToken = token
	body, err := json.Marshal(participantapi.SendMessageRequest{ClientToken: &token, Content: in.Content, ContentType: in.ContentType})
	if err != nil {
		return nil, fmt.Errorf("participant: SendMessage: encoding the request: %w", err)
	}
	call.body = body

	attempts, err := c.invoke(ctx, "SendMessage", opts, call)
	if err != nil {
		var opErr *OperationError
		if errors.As(err, &opErr) {
			opErr.ClientToken = token
		}
		return nil, err
	}
	call.out.Attempts = attempts
	// The output points into call; drop the secrets that callers who keep
	// outputs would otherwise keep alive.
	call.bearer, call.body = "", nil
	return &call.out, nil
}

// sendMessageCall is the state of one SendMessage call: the bytes every
// attempt sends, and the output, allocated together.
type sendMessageCall struct {
	c      *Client
	bearer string
	body   []byte
	out    SendMessageOutput
	meta   MessageMetadata
	result sendMessageResult
}

// sendMessageResult is the 200 answer's body. It mirrors the generated
// participantapi.SendMessageResult with plain strings, which decode without
// an allocation per pointer; a test holds their JSON names equal.
type sendMessageResult struct {
	AbsoluteTime    string                   `json:"AbsoluteTime"`
	ID              string                   `json:"Id"`
	MessageMetadata *messageProcessingResult `json:"MessageMetadata"`
}

type messageProcessingResult struct {
	MessageProcessingStatus string `json:"MessageProcessingStatus"`
}

// attempt sends the request once and decodes the answer.
func (s *sendMessageCall) attempt(ctx context.Context) (attemptResult, error) {
	c := s.c
	resp, err := c.httpClient.Do(newRequest(ctx, c.sendMessageTemplate, s.bearer, s.body))
	if err != nil {
		return attemptResult{}, err
	}
	res := attemptResult{status: resp.StatusCode, requestID: resp.Header.Get("X-Amzn-Requestid")}
	bp, data, err := readBody(resp, c.maxResponseBytes, res.requestID)
	if resp.StatusCode != http.StatusOK {
		// An error answer keeps its status and headers even when its body
		// is too large or breaks off: they say what happened and whether to
		// retry; the body only adds the message.
		apiErr := decodeAPIError(resp, data)
		release(bp)
		return res, apiErr
	}
	if err != nil {
		return res, err
	}
	defer release(bp)
	s.result = sendMessageResult{}
	if err := json.Unmarshal(data, &s.result); err != nil {
		return res, fmt.Errorf("decoding the answer (HTTP %d, request ID %s): %w", res.status, res.requestID, err)
	}
	s.out.RequestID = res.requestID
	s.out.ID = s.result.ID
	s.out.AbsoluteTime = s.result.AbsoluteTime
	s.out.MessageMetadata = nil
	if m := s.result.MessageMetadata; m != nil {
		s.meta.MessageProcessingStatus = MessageProcessingStatus(m.MessageProcessingStatus)
		s.out.MessageMetadata = &s.meta
	}
	return res, nil
}

// logAttempt logs one attempt if the client has a logger.
func (c *Client) logAttempt(ctx context.Context, op string, attempt int, res attemptResult, err error, wait time.Duration) {
	if c.logger == nil {
		return
	}
	level := slog.LevelDebug
	if err != nil {
		level = slog.LevelWarn
	}
	if !c.logger.Enabled(ctx, level) {
		return
	}
	attrs := []slog.Attr{
		slog.String("operation", op),
		slog.Int("attempt", attempt),
		slog.Int("status", res.status),
	}
	if res.requestID != "" {
		attrs = append(attrs, slog.String("request_id", res.requestID))
	}
	if err != nil {
		if apiErr, ok := errors.AsType[APIError](err); ok {
			attrs = append(attrs, slog.String("error_code", apiErr.ErrorCode()))
		}
		attrs = append(attrs, slog.String("error", err.Error()))
		if wait > 0 {
			attrs = append(attrs, slog.Duration("retry_in", wait))
		}
	}
	c.logger.LogAttrs(ctx, level, "participant attempt", attrs...)
}
