// Package api holds the OpenAPI contract of the Amazon Connect Participant
// Service, the source of truth from which gen/ is generated.
//
// The spec is embedded so that the fake service and the tests validate
// against exactly the file the generator read. This package has no
// dependencies; loading the spec is left to its users.
package api

import _ "embed"

// Spec is the contents of participant.yaml, the OpenAPI 3.0.3 document that
// describes the service on the wire.
//
//go:embed participant.yaml
var Spec []byte

// ChatWebSocket is the contents of chat-websocket.asyncapi.yaml, the
// AsyncAPI 2.6 document of the chat WebSocket whose URL
// CreateParticipantConnection returns.
//
//go:embed chat-websocket.asyncapi.yaml
var ChatWebSocket []byte

// FakeControl is the contents of fake-control.yaml, the OpenAPI document of
// the control API of the fake service (package participanttest, and
// participant fake). Its schemas refer to participant.yaml.
//
//go:embed fake-control.yaml
var FakeControl []byte
