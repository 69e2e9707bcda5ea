// Package participanttest provides a fake Amazon Connect Participant Service
// for tests, in the manner of net/http/httptest.
//
// The fake is built from the same OpenAPI contract as the client
// (api/participant.yaml): it serves the generated strict server of
// gen/participantserver, checks every request against the spec with
// kin-openapi, and enforces the per-content-type lengths the spec records in
// x-content-length-by-type, counting code points as the service does. It
// answers in the service's restJson1 form: X-Amzn-ErrorType and
// x-amzn-RequestId headers and a JSON body with a Message.
//
// A test needs three lines:
//
//	srv := participanttest.NewServer()
//	defer srv.Close()
//	token := srv.NewConnection()
//
// then points the client at srv.URL with the connection token, and checks
// srv.Transcript(token) or srv.Requests(). InjectFaults makes the next
// requests fail in the ways a real network and service do.
//
// A request is handled in this order: the next injected fault, if any; a
// missing X-Amz-Bearer header (403 AccessDeniedException); the contract (400
// ValidationException); the connection token (403
// AccessDeniedException for one the server did not issue or whose chat
// EndConnection ended); the rate limit of WithSendRateLimit (429
// ThrottlingException); then idempotency by ClientToken.
package participanttest
