//go:build nofake

package main

// This build leaves the fake service out (-tags nofake): the command is a
// client only, without the fake's dependencies.

func startBuiltInFake(string) (*builtInFake, error) {
	return nil, errConfig{"this participant was built with -tags nofake, so it has no in-process fake: " +
		"give --region or --endpoint (and a token)"}
}

func runFake(args []string, e env) int {
	return fail(e, "fake", errConfig{"this participant was built with -tags nofake and cannot serve the fake; " +
		"build it without the tag, or run `go run ./cmd/participant fake`"})
}
