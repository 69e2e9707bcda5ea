// Package connectparticipant is the root of the module. The client lives in
// package participant; this file only holds the code-generation directives.
//
// Run `go generate ./...` from the module root after changing api/participant.yaml.
package connectparticipant

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config api/oapi-codegen.client.yaml api/participant.yaml
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config api/oapi-codegen.server.yaml api/participant.yaml
//go:generate go run ./internal/cmd/genlimits -spec api/participant.yaml -out gen/participantlimits/limits.gen.go
