// Package chat holds a live Amazon Connect chat for a participant: it
// connects with the participant token, keeps the chat WebSocket open, and
// delivers every item of the chat's transcript exactly once and in order,
// across network drops, missed heartbeats and connection refreshes.
//
//	client, _ := participant.New(participant.WithRegion("us-east-1"))
//	session, err := chat.Connect(ctx, client, participantToken)
//	if err != nil {
//		return err
//	}
//	defer session.Close()
//	for item, err := range session.Items(ctx) {
//		if err != nil {
//			return err // the session could not go on, e.g. reconnecting failed for good
//		}
//		if chat.KindOf(item) == chat.KindMessage && item.ParticipantRole == participant.ParticipantRoleAgent {
//			session.Send(ctx, "Thanks, "+item.DisplayName)
//		}
//	}
//	// The loop ends when the chat ends or the session is closed.
//
// # Delivery
//
// Items are handed out by a pull-style iterator (Items, or Next): the
// session queues at most WithBuffer items for the caller, so a slow reader
// costs bounded memory, and the WebSocket is always read, so heartbeats never
// starve. What does not fit, and everything sent while no WebSocket was open
// (a drop, a refresh, a reconnect), is fetched with GetTranscript from the
// last item delivered and merged in order; items are de-duplicated by Id.
// Typing events and receipts (MESSAGEMETADATA items) are not part of the
// transcript: they are delivered when they arrive, and ones that arrive
// while the queue is full or the connection is down are not recovered.
//
// # Connection
//
// The session follows the protocol of the official chat SDKs (described in
// api/chat-websocket.asyncapi.yaml): it subscribes to the chat topic, sends
// a heartbeat and a deep heartbeat every 10 seconds, and treats an
// unanswered one as a broken connection. It reconnects with jittered
// exponential backoff within a bound (WithReconnect), and refreshes the
// connection (URL and connection token) a minute before either expires. One
// goroutine reads the WebSocket and reconnects, so a reconnect never opens a
// second socket and CreateParticipantConnection is never called twice at
// once; catching up from the transcript never runs beside a reconnect.
//
// # Scale
//
// An idle session is that one goroutine, waiting for a frame, and about
// 21 KB in all (Go heap and stack, a WebSocket over ws://; crypto/tls adds
// its own for wss://). The heartbeats of all the sessions of a process fall
// due together, on a grid of a hundredth of the interval, and go out from
// one goroutine, the two of a session in one write to the network (unless
// WithHTTPClient sets the client that opens the WebSocket). Their cost is
// mostly the system's: on a 2-vCPU VM, 10,000 idle sessions took 6 to 7 %
// of a core for their heartbeats, 1.15 to 1.6 times what a minimal
// hand-written WebSocket client took there. scale_bench_test.go measures
// these figures.
package chat
