// Package participant is a client for the Amazon Connect Participant Service,
// the API a chat participant (a customer, or a bot speaking as one) uses to
// send messages into an Amazon Connect chat.
//
// A Client is built once and shared; it is safe for concurrent use:
//
//	client, err := participant.New(participant.WithRegion("us-east-1"))
//	if err != nil {
//		return err
//	}
//	out, err := client.SendMessage(ctx, participant.SendMessageInput{
//		ConnectionToken: connectionToken, // from CreateParticipantConnection
//		ContentType:     participant.ContentTypeTextPlain,
//		Content:         "Hello!",
//	})
//
// What the client does for you on every call:
//
//   - Validation before anything is sent: every length bound of the service
//     model and the per-content-type limits, counted in Unicode code points.
//     Bad input returns an *InvalidParamsError listing every problem.
//   - Idempotency: an empty ClientToken is filled with a random UUIDv4 and the
//     same token is sent on every retry, so a retried message is delivered
//     once. The token used is returned in SendMessageOutput.ClientToken.
//   - Retries with exponential backoff and full jitter for throttling, server
//     faults and network errors, within a retry budget shared by the client
//     (see WithMaxAttempts and WithRetryBudget).
//   - Typed errors: every modelled service error is a type usable with
//     errors.As (for example *ThrottlingException), and all of them implement
//     APIError.
//   - Secrets stay secret: the connection token never appears in an error, a
//     log line or the fmt output of SendMessageInput.
//   - Bounded reads: a response body larger than the limit (1 MiB by default)
//     is an error, and the rest of it is not read.
//
// The package participanttest provides a fake of the service, validated
// against the same OpenAPI contract, for use in tests.
package participant
