// Package connectparticipant is the root of the module. The client lives in
// package participant; this file only holds the code-generation directives.
//
// Run `go generate ./...` from the module root after changing api/participant.yaml.
package connectparticipant

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config api/oapi-codegen.client.yaml api/participant.yaml
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config api/oapi-codegen.server.yaml api/participant.yaml
//go:generate go run ./internal/cmd/genops -spec api/participant.yaml -go gen/participantops/ops.gen.go -ts clients/typescript/src/generated/operations.ts -asyncapi api/chat-websocket.asyncapi.yaml -frames gen/participantws/frames.gen.go
