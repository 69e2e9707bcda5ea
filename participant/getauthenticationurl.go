package participant

import (
	"context"
)

// GetAuthenticationURL returns the sign-in URL of a customer authentication
// session. Call it within a minute of the authentication-initiated event.
func (c *Client) GetAuthenticationURL(ctx context.Context, in GetAuthenticationURLInput, opts ...CallOption) (*GetAuthenticationURLOutput, error) {
	return invoke(ctx, c, getAuthenticationURL, in, opts)
}

// GetAuthenticationURLInput names a customer authentication session. Every
// field is required.
type GetAuthenticationURLInput struct {
	// SessionID is the session an authentication-initiated event named, and
	// RedirectURI where the browser goes after signing in.
	SessionID   string `json:"SessionId"`
	RedirectURI string `json:"RedirectUri"`
	// ConnectionToken authenticates the participant.
	ConnectionToken Secret `json:"-"`
}

// GetAuthenticationURLOutput is where the customer signs in.
type GetAuthenticationURLOutput struct {
	AuthenticationURL PresignedURL `json:"AuthenticationUrl"`
	ResultMetadata
}
