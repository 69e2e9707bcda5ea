// Command genlimits writes the Go constants of the contract's length limits
// (see package internal/genlimits). generate.go runs it:
//
//	go run ./internal/cmd/genlimits -spec api/participant.yaml -out gen/participantlimits/limits.gen.go
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/chatwire/connectparticipant/internal/genlimits"
)

func main() {
	spec := flag.String("spec", "api/participant.yaml", "the OpenAPI spec to read")
	out := flag.String("out", "gen/participantlimits/limits.gen.go", "the Go file to write")
	flag.Parse()
	if err := run(*spec, *out); err != nil {
		fmt.Fprintln(os.Stderr, "genlimits:", err)
		os.Exit(1)
	}
}

func run(specPath, out string) error {
	spec, err := os.ReadFile(specPath)
	if err != nil {
		return err
	}
	src, err := genlimits.Generate(spec, filepath.Base(filepath.Dir(out)), filepath.ToSlash(specPath))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	return os.WriteFile(out, src, 0o644)
}
