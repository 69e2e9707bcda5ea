#!/usr/bin/env bash
# Runs every test of the project: the Go tests (race detector on), then the
# contract's lint, the TypeScript client's checks and the cross-language tests.
# Needs only Go and node/npm; it installs the node packages itself (npm ci).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== go test -race ./..."
go test -race -count=1 ./...

echo "== TypeScript client: npm ci && npm test (lint, types, cross-language tests)"
# The cross-language tests start the Go fake; build it once for them.
bindir=$(mktemp -d)
trap 'rm -rf "$bindir"' EXIT
go build -o "$bindir/participant" ./cmd/participant
(
	export PARTICIPANT_BIN="$bindir/participant"
	cd clients/typescript
	npm ci --no-audit --no-fund --loglevel=error
	npm test
)
