package participant

import (
	"context"
)

// CreateParticipantConnection connects the participant of in.ParticipantToken
// to its chat. Call it again with the same participant token before the
// connection token or the WebSocket URL expires.
func (c *Client) CreateParticipantConnection(ctx context.Context, in CreateParticipantConnectionInput, opts ...CallOption) (*CreateParticipantConnectionOutput, error) {
	return invoke(ctx, c, createParticipantConnection, in, opts)
}

// CreateParticipantConnectionInput exchanges a participant token for a
// connection.
type CreateParticipantConnectionInput struct {
	// ParticipantToken is the token that starting the chat returned (for
	// example StartChatContact's ParticipantToken). Required.
	ParticipantToken Secret `json:"-"`
	// Type lists the kinds of connection to create; a chat client asks for
	// ConnectionTypeWebsocket and ConnectionTypeConnectionCredentials.
	Type []ConnectionType `json:"Type,omitempty"`
	// ConnectParticipant also tells the chat that the participant connected.
	ConnectParticipant bool `json:"ConnectParticipant,omitempty"`
}

// CreateParticipantConnectionOutput is the participant's connection. Each
// part is empty unless its Type was asked for. (The parts are values, not
// pointers, because they hold secrets: so every fmt verb, %s and %q
// included, prints them redacted.)
type CreateParticipantConnectionOutput struct {
	// Websocket is where the service pushes the chat's messages and events.
	Websocket Websocket `json:"Websocket"`
	// ConnectionCredentials holds the token for every other operation.
	ConnectionCredentials ConnectionCredentials `json:"ConnectionCredentials"`
	// WebRTCConnection is what joining the contact's call takes.
	WebRTCConnection WebRTCConnection `json:"WebRTCConnection"`
	ResultMetadata
}

// Websocket is the chat's WebSocket.
type Websocket struct {
	// URL is the pre-signed URL of the WebSocket, and ConnectionExpiry when
	// it stops working.
	URL              PresignedURL `json:"Url"`
	ConnectionExpiry Timestamp    `json:"ConnectionExpiry"`
}

// ConnectionCredentials is the connection token and when it expires.
type ConnectionCredentials struct {
	ConnectionToken Secret    `json:"ConnectionToken"`
	Expiry          Timestamp `json:"Expiry"`
}

// WebRTCConnection is what a participant needs to join the contact's call.
type WebRTCConnection struct {
	Attendee Attendee       `json:"Attendee"`
	Meeting  *WebRTCMeeting `json:"Meeting"`
}

// Attendee is the participant as an attendee of the call.
type Attendee struct {
	AttendeeID string `json:"AttendeeId"`
	JoinToken  Secret `json:"JoinToken"`
}

// WebRTCMeeting is the call to join.
type WebRTCMeeting struct {
	MeetingID       string                        `json:"MeetingId"`
	MediaPlacement  *WebRTCMediaPlacement         `json:"MediaPlacement"`
	MeetingFeatures *MeetingFeaturesConfiguration `json:"MeetingFeatures"`
}

// WebRTCMediaPlacement holds the URLs of the call's media services.
type WebRTCMediaPlacement struct {
	AudioHostURL      string `json:"AudioHostUrl"`
	AudioFallbackURL  string `json:"AudioFallbackUrl"`
	SignalingURL      string `json:"SignalingUrl"`
	EventIngestionURL string `json:"EventIngestionUrl"`
}

// MeetingFeaturesConfiguration says which features the call has.
type MeetingFeaturesConfiguration struct {
	Audio *AudioFeatures `json:"Audio"`
}

// AudioFeatures says which audio features the call has.
type AudioFeatures struct {
	EchoReduction MeetingFeatureStatus `json:"EchoReduction"`
}
