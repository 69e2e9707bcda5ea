package participant

import (
	"context"
)

// SendEvent sends an event from the participant. A receipt is refused with
// a *ConflictException while the chat has more than two active participants.
func (c *Client) SendEvent(ctx context.Context, in SendEventInput, opts ...CallOption) (*SendEventOutput, error) {
	return invoke(ctx, c, sendEvent, in, opts)
}

// SendEventInput is an event to send: typing, or a receipt for a message.
type SendEventInput struct {
	// ContentType is the kind of event: EventTypeTyping,
	// EventTypeMessageDelivered or EventTypeMessageRead. Required.
	ContentType string `json:"ContentType"`
	// Content is the event's content, if its kind has one: a receipt names
	// its message as JSON, {"messageId":"<ID of the message>"}
	// (ReceiptContent).
	Content string `json:"Content,omitempty"`
	// ClientToken makes the send idempotent; the client fills in a random
	// UUIDv4 when it is empty.
	ClientToken string `json:"ClientToken,omitempty"`
	// ConnectionToken authenticates the participant. Required.
	ConnectionToken Secret `json:"-"`
}

// SendEventOutput is the service's answer to an accepted event.
type SendEventOutput struct {
	// ID is the identifier the service gave the event, and AbsoluteTime when
	// it was sent.
	ID           string    `json:"Id"`
	AbsoluteTime Timestamp `json:"AbsoluteTime"`
	// ClientToken is the idempotency token that was sent.
	ClientToken string `json:"-"`
	ResultMetadata
}
