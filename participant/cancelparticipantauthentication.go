package participant

import (
	"context"
)

// CancelParticipantAuthentication cancels a customer authentication: the
// contact flow takes the branch for a customer who opted out.
func (c *Client) CancelParticipantAuthentication(ctx context.Context, in CancelParticipantAuthenticationInput, opts ...CallOption) (*CancelParticipantAuthenticationOutput, error) {
	return invoke(ctx, c, cancelParticipantAuthentication, in, opts)
}

// CancelParticipantAuthenticationInput names the authentication session to
// cancel. Both fields are required.
type CancelParticipantAuthenticationInput struct {
	ConnectionToken Secret `json:"-"`
	SessionID       string `json:"SessionId"`
}

// CancelParticipantAuthenticationOutput says the session is cancelled.
type CancelParticipantAuthenticationOutput struct {
	ResultMetadata
}
