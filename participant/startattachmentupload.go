package participant

import (
	"context"
)

// StartAttachmentUpload reserves an attachment and returns where to upload
// its bytes.
func (c *Client) StartAttachmentUpload(ctx context.Context, in StartAttachmentUploadInput, opts ...CallOption) (*StartAttachmentUploadOutput, error) {
	return invoke(ctx, c, startAttachmentUpload, in, opts)
}

// StartAttachmentUploadInput reserves an attachment. Every field but
// ClientToken is required. UploadAttachment does the whole upload.
type StartAttachmentUploadInput struct {
	// AttachmentName is the file name the chat shows, ContentType its MIME
	// type, and AttachmentSizeInBytes its size.
	AttachmentName        string `json:"AttachmentName"`
	ContentType           string `json:"ContentType"`
	AttachmentSizeInBytes int64  `json:"AttachmentSizeInBytes"`
	// ClientToken makes the call idempotent; the client fills in a random
	// UUIDv4 when it is empty.
	ClientToken string `json:"ClientToken"`
	// ConnectionToken authenticates the participant.
	ConnectionToken Secret `json:"-"`
}

// StartAttachmentUploadOutput says where to upload the bytes.
type StartAttachmentUploadOutput struct {
	// AttachmentID identifies the attachment for CompleteAttachmentUpload.
	AttachmentID string `json:"AttachmentId"`
	// UploadMetadata says how to upload the bytes. It is a value, not a
	// pointer, because its URL is a credential: so every fmt verb prints it
	// redacted.
	UploadMetadata UploadMetadata `json:"UploadMetadata"`
	// ClientToken is the idempotency token that was sent.
	ClientToken string `json:"-"`
	ResultMetadata
}

// UploadMetadata is how to upload the bytes of an attachment: an HTTP PUT
// to URL, before URLExpiry, with exactly HeadersToInclude.
type UploadMetadata struct {
	URL              PresignedURL      `json:"Url"`
	URLExpiry        Timestamp         `json:"UrlExpiry"`
	HeadersToInclude map[string]string `json:"HeadersToInclude"`
}
