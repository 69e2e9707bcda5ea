package participant

import "github.com/chatwire/connectparticipant/gen/participantops"

// The operations of the service: each is its entry in the generated table
// and its Go input and output types (declared in the file named after it).
// Declaring one binds its types to the contract; invoke does the rest.
var (
	cancelParticipantAuthentication = newOperation[CancelParticipantAuthenticationInput, CancelParticipantAuthenticationOutput](participantops.CancelParticipantAuthentication)
	completeAttachmentUpload        = newOperation[CompleteAttachmentUploadInput, CompleteAttachmentUploadOutput](participantops.CompleteAttachmentUpload)
	createParticipantConnection     = newOperation[CreateParticipantConnectionInput, CreateParticipantConnectionOutput](participantops.CreateParticipantConnection)
	describeView                    = newOperation[DescribeViewInput, DescribeViewOutput](participantops.DescribeView)
	disconnectParticipant           = newOperation[DisconnectParticipantInput, DisconnectParticipantOutput](participantops.DisconnectParticipant)
	getAttachment                   = newOperation[GetAttachmentInput, GetAttachmentOutput](participantops.GetAttachment)
	getAuthenticationURL            = newOperation[GetAuthenticationURLInput, GetAuthenticationURLOutput](participantops.GetAuthenticationUrl)
	getTranscript                   = newOperation[GetTranscriptInput, GetTranscriptOutput](participantops.GetTranscript)
	sendEvent                       = newOperation[SendEventInput, SendEventOutput](participantops.SendEvent)
	sendMessage                     = newOperation[SendMessageInput, SendMessageOutput](participantops.SendMessage)
	startAttachmentUpload           = newOperation[StartAttachmentUploadInput, StartAttachmentUploadOutput](participantops.StartAttachmentUpload)
)
