package participant

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/chatwire/connectparticipant/gen/participantops"
)

// Timestamp is a time as the service writes it: ISO 8601 in UTC with
// milliseconds, such as 2019-11-08T02:41:28.172Z. Time parses it.
type Timestamp string

// Time parses the timestamp.
func (t Timestamp) Time() (time.Time, error) {
	parsed, err := time.Parse(time.RFC3339Nano, string(t))
	if err != nil {
		return time.Time{}, fmt.Errorf("participant: %q is not an ISO 8601 timestamp: %w", string(t), err)
	}
	return parsed, nil
}

// ResultMetadata is embedded in every output: what the call took.
type ResultMetadata struct {
	// RequestID is the answer's x-amzn-RequestId: quote it to AWS support.
	RequestID string `json:"-"`
	// Attempts is how many attempts the call took (1 without retries).
	Attempts int `json:"-"`
}

func (m *ResultMetadata) setResultMetadata(requestID string, attempts int) {
	m.RequestID, m.Attempts = requestID, attempts
}

// Content types of messages (SendMessage), as the contract documents them.
// ContentLimit gives each one's limit.
const (
	// ContentTypeTextPlain is plain text.
	ContentTypeTextPlain = participantops.ContentTypeTextPlain
	// ContentTypeTextMarkdown is Markdown.
	ContentTypeTextMarkdown = participantops.ContentTypeTextMarkdown
	// ContentTypeJSON is a JSON document.
	ContentTypeJSON = participantops.ContentTypeApplicationJSON
	// ContentTypeInteractive is an interactive message (a list picker, a time
	// picker, ...), which agents and flows send.
	ContentTypeInteractive = participantops.ContentTypeMessageInteractive
	// ContentTypeInteractiveResponse is a participant's answer to an
	// interactive message.
	ContentTypeInteractiveResponse = participantops.ContentTypeMessageInteractiveResponse
)

// Content types of events. SendEvent sends the first four; the others arrive
// in the transcript and on the chat WebSocket.
const (
	// EventTypeTyping says that the participant is typing.
	EventTypeTyping = participantops.ContentTypeEventTyping
	// EventTypeMessageDelivered is a receipt: a message reached the participant.
	EventTypeMessageDelivered = participantops.ContentTypeEventMessageDelivered
	// EventTypeMessageRead is a receipt: the participant read a message.
	EventTypeMessageRead = participantops.ContentTypeEventMessageRead
	// EventTypeConnectionAcknowledged acknowledged a connection; the service
	// no longer supports it; use CreateParticipantConnectionInput.ConnectParticipant.
	EventTypeConnectionAcknowledged = participantops.ContentTypeEventConnectionAcknowledged
	// EventTypeMessageMetadata carries the receipts or processing status of a message.
	EventTypeMessageMetadata = participantops.ContentTypeEventMessageMetadata
	// EventTypeParticipantJoined says that a participant joined the chat.
	EventTypeParticipantJoined = participantops.ContentTypeEventParticipantJoined
	// EventTypeParticipantLeft says that a participant left the chat.
	EventTypeParticipantLeft = participantops.ContentTypeEventParticipantLeft
	// EventTypeParticipantActive says that a participant is active again.
	EventTypeParticipantActive = participantops.ContentTypeEventParticipantActive
	// EventTypeParticipantInactive says that a participant became inactive.
	EventTypeParticipantInactive = participantops.ContentTypeEventParticipantInactive
	// EventTypeParticipantIdle says that a participant has been idle.
	EventTypeParticipantIdle = participantops.ContentTypeEventParticipantIdle
	// EventTypeParticipantReturned says that an idle participant returned.
	EventTypeParticipantReturned = participantops.ContentTypeEventParticipantReturned
	// EventTypeParticipantInvited says that a participant was invited.
	EventTypeParticipantInvited = participantops.ContentTypeEventParticipantInvited
	// EventTypeParticipantAutoDisconnection says that the service disconnected
	// an idle participant.
	EventTypeParticipantAutoDisconnection = participantops.ContentTypeEventParticipantAutodisconnection
	// EventTypeParticipantDisplayNameUpdated says that a participant's display name changed.
	EventTypeParticipantDisplayNameUpdated = participantops.ContentTypeEventParticipantDisplaynameUpdated
	// EventTypeTransferSucceeded says that the chat was transferred.
	EventTypeTransferSucceeded = participantops.ContentTypeEventTransferSucceeded
	// EventTypeTransferFailed says that a transfer of the chat failed.
	EventTypeTransferFailed = participantops.ContentTypeEventTransferFailed
	// EventTypeChatEnded says that the chat ended.
	EventTypeChatEnded = participantops.ContentTypeEventChatEnded
	// EventTypeChatRehydrated says that a persistent chat was resumed.
	EventTypeChatRehydrated = participantops.ContentTypeEventChatRehydrated
	// EventTypeAuthenticationInitiated starts a customer authentication; its
	// content names the session for GetAuthenticationURL.
	EventTypeAuthenticationInitiated = participantops.ContentTypeEventAuthenticationInitiated
	// EventTypeAuthenticationSucceeded says that the customer signed in.
	EventTypeAuthenticationSucceeded = participantops.ContentTypeEventAuthenticationSucceeded
	// EventTypeAuthenticationFailed says that the customer's sign-in failed.
	EventTypeAuthenticationFailed = participantops.ContentTypeEventAuthenticationFailed
	// EventTypeAuthenticationTimeout says that the sign-in timed out.
	EventTypeAuthenticationTimeout = participantops.ContentTypeEventAuthenticationTimeout
	// EventTypeAuthenticationExpired says that the sign-in session expired.
	EventTypeAuthenticationExpired = participantops.ContentTypeEventAuthenticationExpired
	// EventTypeAuthenticationCancelled says that the sign-in was cancelled.
	EventTypeAuthenticationCancelled = participantops.ContentTypeEventAuthenticationCancelled
)

// ReceiptContent is the Content of a receipt (EventTypeMessageDelivered or
// EventTypeMessageRead) for the message with the ID messageID:
// {"messageId":"..."}, the ID encoded as JSON whatever it holds.
func ReceiptContent(messageID string) string {
	b, _ := json.Marshal(struct {
		MessageID string `json:"messageId"`
	}{messageID}) // a string always encodes
	return string(b)
}

// ConnectionType is a kind of connection CreateParticipantConnection creates.
type ConnectionType string

// Values of ConnectionType.
const (
	ConnectionTypeWebsocket             ConnectionType = participantops.ConnectionTypeWebsocket
	ConnectionTypeConnectionCredentials ConnectionType = participantops.ConnectionTypeConnectionCredentials
	ConnectionTypeWebRTCConnection      ConnectionType = participantops.ConnectionTypeWebrtcConnection
)

// ChatItemType is the kind of a transcript item. The service may send kinds
// this package does not name; they pass through unchanged.
type ChatItemType string

// Values of ChatItemType.
const (
	ChatItemTypeTyping            ChatItemType = participantops.ChatItemTypeTyping
	ChatItemTypeParticipantJoined ChatItemType = participantops.ChatItemTypeParticipantJoined
	ChatItemTypeParticipantLeft   ChatItemType = participantops.ChatItemTypeParticipantLeft
	ChatItemTypeChatEnded         ChatItemType = participantops.ChatItemTypeChatEnded
	ChatItemTypeTransferSucceeded ChatItemType = participantops.ChatItemTypeTransferSucceeded
	ChatItemTypeTransferFailed    ChatItemType = participantops.ChatItemTypeTransferFailed
	ChatItemTypeMessage           ChatItemType = participantops.ChatItemTypeMessage
	ChatItemTypeEvent             ChatItemType = participantops.ChatItemTypeEvent
	ChatItemTypeAttachment        ChatItemType = participantops.ChatItemTypeAttachment
	ChatItemTypeConnectionAck     ChatItemType = participantops.ChatItemTypeConnectionAck
	ChatItemTypeMessageDelivered  ChatItemType = participantops.ChatItemTypeMessageDelivered
	ChatItemTypeMessageRead       ChatItemType = participantops.ChatItemTypeMessageRead
	// ChatItemTypeMessageMetadata is what the chat WebSocket sends for the
	// receipts and processing status of a message.
	ChatItemTypeMessageMetadata ChatItemType = participantops.ChatItemTypeMessagemetadata
)

// ParticipantRole is the role of a participant in the chat.
type ParticipantRole string

// Values of ParticipantRole.
const (
	ParticipantRoleAgent      ParticipantRole = participantops.ParticipantRoleAgent
	ParticipantRoleCustomer   ParticipantRole = participantops.ParticipantRoleCustomer
	ParticipantRoleSystem     ParticipantRole = participantops.ParticipantRoleSystem
	ParticipantRoleCustomBot  ParticipantRole = participantops.ParticipantRoleCustomBot
	ParticipantRoleSupervisor ParticipantRole = participantops.ParticipantRoleSupervisor
)

// ScanDirection is which way GetTranscript reads from its start position.
type ScanDirection string

// Values of ScanDirection.
const (
	ScanDirectionForward  ScanDirection = participantops.ScanDirectionForward
	ScanDirectionBackward ScanDirection = participantops.ScanDirectionBackward
)

// SortKey is the order of the items in a page of GetTranscript.
type SortKey string

// Values of SortKey.
const (
	SortKeyDescending SortKey = participantops.SortKeyDescending
	SortKeyAscending  SortKey = participantops.SortKeyAscending
)

// ArtifactStatus is where an attachment stands.
type ArtifactStatus string

// Values of ArtifactStatus.
const (
	ArtifactStatusApproved   ArtifactStatus = participantops.ArtifactStatusApproved
	ArtifactStatusRejected   ArtifactStatus = participantops.ArtifactStatusRejected
	ArtifactStatusInProgress ArtifactStatus = participantops.ArtifactStatusInProgress
)

// MessageProcessingStatus says where the service stands with a message.
type MessageProcessingStatus string

// Values of MessageProcessingStatus.
const (
	MessageProcessingStatusProcessing MessageProcessingStatus = participantops.MessageProcessingStatusProcessing
	MessageProcessingStatusFailed     MessageProcessingStatus = participantops.MessageProcessingStatusFailed
	MessageProcessingStatusRejected   MessageProcessingStatus = participantops.MessageProcessingStatusRejected
)

// ResourceType is the kind of resource a ResourceNotFoundException is about.
type ResourceType string

// Values of ResourceType.
const (
	ResourceTypeContact        ResourceType = participantops.ResourceTypeContact
	ResourceTypeContactFlow    ResourceType = participantops.ResourceTypeContactFlow
	ResourceTypeInstance       ResourceType = participantops.ResourceTypeInstance
	ResourceTypeParticipant    ResourceType = participantops.ResourceTypeParticipant
	ResourceTypeHierarchyLevel ResourceType = participantops.ResourceTypeHierarchyLevel
	ResourceTypeHierarchyGroup ResourceType = participantops.ResourceTypeHierarchyGroup
	ResourceTypeUser           ResourceType = participantops.ResourceTypeUser
	ResourceTypePhoneNumber    ResourceType = participantops.ResourceTypePhoneNumber
)

// MeetingFeatureStatus says whether a feature of a WebRTC call is available.
type MeetingFeatureStatus string

// Values of MeetingFeatureStatus.
const (
	MeetingFeatureStatusAvailable   MeetingFeatureStatus = participantops.MeetingFeatureStatusAvailable
	MeetingFeatureStatusUnavailable MeetingFeatureStatus = participantops.MeetingFeatureStatusUnavailable
)

// Item is one entry of a chat's transcript: a message, an event or an
// attachment. Its JSON encoding uses the service's member names.
type Item struct {
	// ID identifies the item in the chat.
	ID string `json:"Id,omitempty"`
	// Type is the kind of item, such as ChatItemTypeMessage.
	Type ChatItemType `json:"Type,omitempty"`
	// ContentType is the MIME type of a message's Content, or the kind of an
	// event (one of the EventType constants).
	ContentType string `json:"ContentType,omitempty"`
	// Content is the message, or the content of an event that has one.
	Content string `json:"Content,omitempty"`
	// AbsoluteTime is when the item was sent.
	AbsoluteTime Timestamp `json:"AbsoluteTime,omitempty"`
	// ParticipantID, DisplayName and ParticipantRole say who sent the item.
	ParticipantID   string          `json:"ParticipantId,omitempty"`
	DisplayName     string          `json:"DisplayName,omitempty"`
	ParticipantRole ParticipantRole `json:"ParticipantRole,omitempty"`
	// Attachments are the files of an item of type ChatItemTypeAttachment.
	Attachments []AttachmentItem `json:"Attachments,omitempty"`
	// MessageMetadata holds receipts and the processing status of a message.
	MessageMetadata *MessageMetadata `json:"MessageMetadata,omitempty"`
	// ContactID is the contact the item belongs to; RelatedContactID the one
	// it came from, in a persistent chat.
	ContactID        string `json:"ContactId,omitempty"`
	RelatedContactID string `json:"RelatedContactId,omitempty"`
}

// AttachmentItem is one file of a transcript item.
type AttachmentItem struct {
	// AttachmentID identifies the attachment, for GetAttachment.
	AttachmentID string `json:"AttachmentId,omitempty"`
	// AttachmentName is its file name, and ContentType its MIME type.
	AttachmentName string `json:"AttachmentName,omitempty"`
	ContentType    string `json:"ContentType,omitempty"`
	// Status says whether it can be downloaded (ArtifactStatusApproved).
	Status ArtifactStatus `json:"Status,omitempty"`
}

// MessageMetadata is what happened to a message after it was sent.
type MessageMetadata struct {
	// MessageID is the ID of the message the metadata is about.
	MessageID string `json:"MessageId,omitempty"`
	// Receipts say who received and read the message, and when.
	Receipts []Receipt `json:"Receipts,omitempty"`
	// MessageProcessingStatus may be empty when the service did not say.
	MessageProcessingStatus MessageProcessingStatus `json:"MessageProcessingStatus,omitempty"`
}

// Receipt says when one participant received and read a message.
type Receipt struct {
	RecipientParticipantID string    `json:"RecipientParticipantId,omitempty"`
	DeliveredTimestamp     Timestamp `json:"DeliveredTimestamp,omitempty"`
	ReadTimestamp          Timestamp `json:"ReadTimestamp,omitempty"`
}

// MessageProcessingMetadata is what SendMessage says of how the service is
// processing the message.
type MessageProcessingMetadata struct {
	// MessageProcessingStatus may be empty when the service did not say.
	MessageProcessingStatus MessageProcessingStatus `json:"MessageProcessingStatus,omitempty"`
}
