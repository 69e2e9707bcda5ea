package participant

import (
	"context"
)

// GetTranscript returns one page of the chat's transcript. TranscriptItems
// walks every page.
func (c *Client) GetTranscript(ctx context.Context, in GetTranscriptInput, opts ...CallOption) (*GetTranscriptOutput, error) {
	return invoke(ctx, c, getTranscript, in, opts)
}

// GetTranscriptInput asks for one page of the chat's transcript. Only
// ConnectionToken is required; zero values are left out, so the service's
// defaults apply (10 items, newest first).
type GetTranscriptInput struct {
	// ConnectionToken authenticates the participant.
	ConnectionToken Secret `json:"-"`
	// ContactID names a contact of a persistent chat; empty: the contact of
	// the connection.
	ContactID string `json:"ContactId,omitempty"`
	// MaxResults is the most items in the page.
	MaxResults int32 `json:"MaxResults,omitempty"`
	// NextToken is the previous page's NextToken, to get the page after it.
	NextToken string `json:"NextToken,omitempty"`
	// ScanDirection and SortOrder say which way to read and in which order
	// to return the items.
	ScanDirection ScanDirection `json:"ScanDirection,omitempty"`
	SortOrder     SortKey       `json:"SortOrder,omitempty"`
	// StartPosition says where the page starts.
	StartPosition *StartPosition `json:"StartPosition,omitempty"`
}

// StartPosition is where a page of the transcript starts: set one field.
type StartPosition struct {
	// ID starts at the item with this ID.
	ID string `json:"Id,omitempty"`
	// AbsoluteTime starts at this time.
	AbsoluteTime Timestamp `json:"AbsoluteTime,omitempty"`
	// MostRecent starts this many items before the most recent one.
	MostRecent int32 `json:"MostRecent,omitempty"`
}

// GetTranscriptOutput is one page of the transcript.
type GetTranscriptOutput struct {
	// InitialContactID is the first contact of the chat.
	InitialContactID string `json:"InitialContactId"`
	// Transcript holds the page's items, in the requested order.
	Transcript []Item `json:"Transcript"`
	// NextToken gets the next page; empty on the last page.
	NextToken string `json:"NextToken"`
	ResultMetadata
}
