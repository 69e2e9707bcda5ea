// Command genops writes the operation table of the contract (see package
// internal/genops) for Go and for TypeScript. generate.go runs it:
//
//	go run ./internal/cmd/genops -spec api/participant.yaml -go gen/participantops/ops.gen.go -ts clients/typescript/src/generated/operations.ts \
//		-asyncapi api/chat-websocket.asyncapi.yaml -frames gen/participantws/frames.gen.go
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/chatwire/connectparticipant/internal/genops"
)

func main() {
	spec := flag.String("spec", "api/participant.yaml", "the OpenAPI spec to read")
	goOut := flag.String("go", "gen/participantops/ops.gen.go", "the Go file to write")
	tsOut := flag.String("ts", "clients/typescript/src/generated/operations.ts", "the TypeScript file to write")
	asyncAPI := flag.String("asyncapi", "api/chat-websocket.asyncapi.yaml", "the AsyncAPI document of the chat WebSocket to read")
	framesOut := flag.String("frames", "gen/participantws/frames.gen.go", "the Go file of the WebSocket frames to write")
	flag.Parse()
	if err := run(*spec, *goOut, *tsOut, *asyncAPI, *framesOut); err != nil {
		fmt.Fprintln(os.Stderr, "genops:", err)
		os.Exit(1)
	}
}

func run(specPath, goOut, tsOut, asyncAPIPath, framesOut string) error {
	spec, err := os.ReadFile(specPath)
	if err != nil {
		return err
	}
	source := filepath.ToSlash(specPath)
	goSrc, err := genops.GenerateGo(spec, filepath.Base(filepath.Dir(goOut)), source)
	if err != nil {
		return err
	}
	tsSrc, err := genops.GenerateTypeScript(spec, source)
	if err != nil {
		return err
	}
	asyncAPI, err := os.ReadFile(asyncAPIPath)
	if err != nil {
		return err
	}
	framesSrc, err := genops.GenerateFrames(asyncAPI, filepath.Base(filepath.Dir(framesOut)), filepath.ToSlash(asyncAPIPath))
	if err != nil {
		return err
	}
	for path, src := range map[string][]byte{goOut: goSrc, tsOut: tsSrc, framesOut: framesSrc} {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, src, 0o644); err != nil {
			return err
		}
	}
	return nil
}
