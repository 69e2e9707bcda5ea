package participant

import (
	"context"
)

// GetAttachment returns a URL to download a completed attachment from.
func (c *Client) GetAttachment(ctx context.Context, in GetAttachmentInput, opts ...CallOption) (*GetAttachmentOutput, error) {
	return invoke(ctx, c, getAttachment, in, opts)
}

// GetAttachmentInput asks for a download URL. DownloadAttachment does the
// whole download.
type GetAttachmentInput struct {
	// ConnectionToken authenticates the participant, and AttachmentID names
	// the attachment. Both are required.
	ConnectionToken Secret `json:"-"`
	AttachmentID    string `json:"AttachmentId"`
	// URLExpiryInSeconds is how long the URL stays valid; zero leaves the
	// service's default.
	URLExpiryInSeconds int32 `json:"UrlExpiryInSeconds,omitempty"`
}

// GetAttachmentOutput is where to download an attachment.
type GetAttachmentOutput struct {
	// URL is where to GET the bytes, before URLExpiry.
	URL       PresignedURL `json:"Url"`
	URLExpiry Timestamp    `json:"UrlExpiry"`
	// AttachmentSizeInBytes is the attachment's size.
	AttachmentSizeInBytes int64 `json:"AttachmentSizeInBytes"`
	ResultMetadata
}
