package participant

import (
	"context"
)

// DisconnectParticipant makes the participant leave the chat; its
// connection token stops working.
func (c *Client) DisconnectParticipant(ctx context.Context, in DisconnectParticipantInput, opts ...CallOption) (*DisconnectParticipantOutput, error) {
	return invoke(ctx, c, disconnectParticipant, in, opts)
}

// DisconnectParticipantInput says who leaves the chat.
type DisconnectParticipantInput struct {
	// ConnectionToken authenticates the participant. Required.
	ConnectionToken Secret `json:"-"`
	// ClientToken makes the call idempotent; the client fills in a random
	// UUIDv4 when it is empty.
	ClientToken string `json:"ClientToken,omitempty"`
}

// DisconnectParticipantOutput says the participant has left.
type DisconnectParticipantOutput struct {
	// ClientToken is the idempotency token that was sent.
	ClientToken string `json:"-"`
	ResultMetadata
}
