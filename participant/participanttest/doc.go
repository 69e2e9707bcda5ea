// Package participanttest provides a fake Amazon Connect Participant Service
// for tests, in the manner of net/http/httptest.
//
// The fake serves all eleven operations of the contract the client is built
// from (api/participant.yaml) through the generated strict server of
// gen/participantserver, and checks every request against the spec with
// kin-openapi, the per-content-type lengths of x-content-length-by-type
// included. It keeps the state of real chats: contacts with their
// participants, participant and connection tokens that expire, transcripts
// with receipts, attachments on a storage host of its own, views and
// customer authentications. It answers in the service's restJson1 form:
// X-Amzn-ErrorType and x-amzn-RequestId headers and a JSON body with a
// Message that never quotes a token or the content of a request.
//
// # The common path
//
// A customer connects with its participant token, sends, the agent answers,
// and the transcript shows it all:
//
//	srv := participanttest.NewServer()
//	defer srv.Close()
//	customer := srv.NewParticipant(participanttest.ParticipantOptions{})
//	client, _ := participant.New(participant.WithEndpoint(srv.URL))
//	conn, _ := client.CreateParticipantConnection(ctx, participant.CreateParticipantConnectionInput{
//		ParticipantToken:   participant.Secret(customer.ParticipantToken),
//		Type:               []participant.ConnectionType{participant.ConnectionTypeConnectionCredentials},
//		ConnectParticipant: true,
//	})
//	// client.SendMessage with conn.ConnectionCredentials.ConnectionToken ...
//	srv.AgentSend(customer.ContactID, "How can I help?")
//	items := srv.Transcript(customer.ContactID)
//
// NewConnection is the short path: a customer on a new contact, already
// connected, and its connection token.
//
// # Chats
//
// A contact accepts the message content types it was started with
// (ParticipantOptions.SupportedContentTypes, by default text/plain and
// text/markdown). A participant token lasts as long as its participant is
// part of the contact; each CreateParticipantConnection issues a new
// connection token, valid until it expires (WithConnectionExpiry, measured
// on the clock of WithClock). DisconnectParticipant ends the participant,
// EndChat (or EndConnection) the whole chat: their tokens then answer 403
// AccessDeniedException. Typing is published but never stored; receipts
// update the MessageMetadata of their message. Every item added to a
// transcript, every typing event and every receipt update goes through one
// place, which pushes it to the chat WebSockets of the contact.
//
// # The chat WebSocket
//
// The WebSocket URL that CreateParticipantConnection returns is served by
// the fake, with the protocol of the real service
// (api/chat-websocket.asyncapi.yaml): the subscription to the chat topic,
// heartbeats and deep heartbeats, and every item of the contact pushed to
// each of its subscribed participants. The URL expires
// (WithWebSocketURLExpiry). Faults of the FaultWebSocket kinds drop the
// socket, leave heartbeats unanswered, delay frames or refuse reconnects, so
// that a client's recovery can be tested; OpenWebSockets counts the open
// sockets of a contact.
//
// # The control API
//
// ControlURL serves the same controls over HTTP (api/fake-control.yaml), for
// tests in any language run against participant fake: new participants and
// connections, the agent's messages and events, ending a chat, transcripts,
// views, authentications, faults and the received requests.
//
// Attachments go to the fake's own storage host under /_storage/, which
// checks pre-signed URLs, their expiry and the signed headers as S3 does,
// and refuses any request carrying an X-Amz-Bearer header: the connection
// token must never reach the storage host.
//
// # Order of checks
//
// A request to an operation is handled in this order: the next injected
// fault for its operation, if any (InjectFaults); a missing X-Amz-Bearer
// header (403 AccessDeniedException); the contract (400 ValidationException);
// the token (403 AccessDeniedException for one the server did not issue, of
// the wrong kind, expired, or of a participant no longer in its chat); the
// rate limit of WithRateLimit (429 ThrottlingException); idempotency by
// ClientToken (the first result again, or 400 for the same token with a
// different request); then the operation itself. A path or method the
// service does not have is answered as its API gateway does: 403
// MissingAuthenticationTokenException.
//
// # Memory
//
// A long-running fake (participant fake) stays bounded: Requests keeps the
// latest requests only (WithRequestLog); each transcript keeps its latest
// items (WithTranscriptLimit), and the ClientTokens of dropped items are
// forgotten with them; attachment bytes are capped (WithAttachmentLimits),
// and reservations never uploaded are dropped once their upload URL
// expires. A connection token is forgotten an hour after it expired (on the
// server's clock), and a contact whose chat ended an hour ago and which has
// no connection token left is evicted with everything of it: its tokens are
// then unknown, and Transcript returns nil for it. With the default
// connection expiry, an ended chat is thus kept for at most 25 hours.
package participanttest
