package chat

import "github.com/chatwire/connectparticipant/participant"

// Kind says what an item of the chat is, for a switch.
type Kind int

// Kinds of items.
const (
	// KindOther is any item the session does not name.
	KindOther Kind = iota
	// KindMessage is a message (Type MESSAGE).
	KindMessage
	// KindAttachment is a file (Type ATTACHMENT).
	KindAttachment
	// KindTyping says that a participant is typing.
	KindTyping
	// KindReceipt carries receipts or the processing status of a message
	// (Type MESSAGEMETADATA, or a delivered or read event).
	KindReceipt
	// KindJoined and KindLeft say that a participant joined or left.
	KindJoined
	KindLeft
	// KindChatEnded says that the chat ended; it is the last item delivered.
	KindChatEnded
	// KindTransfer says that a transfer of the chat succeeded or failed.
	KindTransfer
	// KindIdle says that a participant became idle, returned, or was
	// disconnected for being idle.
	KindIdle
	// KindAuthentication is a step of a customer authentication.
	KindAuthentication
)

var kindByContentType = map[string]Kind{
	participant.EventTypeTyping:                       KindTyping,
	participant.EventTypeMessageDelivered:             KindReceipt,
	participant.EventTypeMessageRead:                  KindReceipt,
	participant.EventTypeMessageMetadata:              KindReceipt,
	participant.EventTypeParticipantJoined:            KindJoined,
	participant.EventTypeParticipantLeft:              KindLeft,
	participant.EventTypeChatEnded:                    KindChatEnded,
	participant.EventTypeTransferSucceeded:            KindTransfer,
	participant.EventTypeTransferFailed:               KindTransfer,
	participant.EventTypeParticipantIdle:              KindIdle,
	participant.EventTypeParticipantReturned:          KindIdle,
	participant.EventTypeParticipantAutoDisconnection: KindIdle,
	participant.EventTypeAuthenticationInitiated:      KindAuthentication,
	participant.EventTypeAuthenticationSucceeded:      KindAuthentication,
	participant.EventTypeAuthenticationFailed:         KindAuthentication,
	participant.EventTypeAuthenticationTimeout:        KindAuthentication,
	participant.EventTypeAuthenticationExpired:        KindAuthentication,
	participant.EventTypeAuthenticationCancelled:      KindAuthentication,
}

// KindOf says what an item is.
func KindOf(item participant.Item) Kind {
	switch item.Type {
	case participant.ChatItemTypeMessage:
		return KindMessage
	case participant.ChatItemTypeAttachment:
		return KindAttachment
	case participant.ChatItemTypeMessageMetadata:
		return KindReceipt
	case participant.ChatItemTypeTyping:
		return KindTyping
	}
	return kindByContentType[item.ContentType]
}
