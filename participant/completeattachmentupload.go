package participant

import (
	"context"
)

// CompleteAttachmentUpload confirms that an attachment's bytes were
// uploaded; the attachment then appears in the chat.
func (c *Client) CompleteAttachmentUpload(ctx context.Context, in CompleteAttachmentUploadInput, opts ...CallOption) (*CompleteAttachmentUploadOutput, error) {
	return invoke(ctx, c, completeAttachmentUpload, in, opts)
}

// CompleteAttachmentUploadInput confirms an upload.
type CompleteAttachmentUploadInput struct {
	// AttachmentIDs holds exactly one AttachmentID from StartAttachmentUpload.
	AttachmentIDs []string `json:"AttachmentIds"`
	// ConnectionToken authenticates the participant. Required.
	ConnectionToken Secret `json:"-"`
	// ClientToken makes the call idempotent; the client fills in a random
	// UUIDv4 when it is empty.
	ClientToken string `json:"ClientToken"`
}

// CompleteAttachmentUploadOutput says the attachment is part of the chat.
type CompleteAttachmentUploadOutput struct {
	// ClientToken is the idempotency token that was sent.
	ClientToken string `json:"-"`
	ResultMetadata
}
