package participant

import (
	"context"
)

// SendMessage sends one message into the chat of the participant that
// in.ConnectionToken identifies. Every attempt of the call sends the same
// ClientToken and the same bytes, so a retried message is delivered once.
func (c *Client) SendMessage(ctx context.Context, in SendMessageInput, opts ...CallOption) (*SendMessageOutput, error) {
	return invoke(ctx, c, sendMessage, in, opts)
}

// SendMessageInput is one message to send. ConnectionToken, ContentType and
// Content are required. Its JSON encoding keeps every field but the token,
// so an input can be stored and sent again after a crash with its
// ClientToken.
type SendMessageInput struct {
	// ConnectionToken authenticates the participant: the
	// ConnectionCredentials.ConnectionToken that CreateParticipantConnection
	// returned (not the participant token).
	ConnectionToken Secret `json:"-"`
	// ContentType is the MIME type of Content: one of the ContentType
	// constants, or another type the contact supports.
	ContentType string `json:"ContentType"`
	// Content is the message: valid UTF-8 of at most ContentLimit(ContentType)
	// code points.
	Content string `json:"Content"`
	// ClientToken makes the send idempotent: the service delivers a message
	// once per token and connection. Leave it empty and the client fills in
	// a random UUIDv4, returned in SendMessageOutput.ClientToken; set it to
	// resend a message safely, e.g. after a crash.
	ClientToken string `json:"ClientToken,omitempty"`
}

// SendMessageOutput is the service's answer to an accepted message.
type SendMessageOutput struct {
	// ID is the identifier the service gave the message.
	ID string `json:"Id"`
	// AbsoluteTime is when the message was sent.
	AbsoluteTime Timestamp `json:"AbsoluteTime"`
	// MessageMetadata is nil when the service sent none.
	MessageMetadata *MessageProcessingMetadata `json:"MessageMetadata"`
	// ClientToken is the idempotency token that was sent: the caller's, or
	// the one the client generated. Keep it to resend the same message safely.
	ClientToken string `json:"-"`
	ResultMetadata
}
