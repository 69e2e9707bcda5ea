package genlimits_test

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/chatwire/connectparticipant/internal/genlimits"
)

// testdata/spec.yaml is a frozen copy of api/participant.yaml, so that these
// tests of the generator do not move when the contract does.
func TestGenerateFollowsTheSpec(t *testing.T) {
	t.Parallel()
	spec, err := os.ReadFile("testdata/spec.yaml")
	if err != nil {
		t.Fatal(err)
	}
	base, err := genlimits.Generate(spec, "participantlimits", "api/participant.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"SendMessageConnectionTokenMaxLength = 1000",
		"SendMessageContentMaxLength = 16384",
		"SendMessageContentTypeMaxLength = 100",
		"SendMessageClientTokenMaxLength = 500",
		`case "text/plain":` + "\n\t\treturn 1024, true",
		"DO NOT EDIT",
	} {
		if !strings.Contains(string(base), want) {
			t.Errorf("generated code lacks %q", want)
		}
	}

	// A changed constraint in the spec changes the generated limits.
	changed := bytes.Replace(spec, []byte("          maxLength: 16384\n"), []byte("          maxLength: 16000\n"), 1)
	changed = bytes.Replace(changed, []byte("            text/plain: 1024\n"), []byte("            text/plain: 900\n"), 1)
	if bytes.Equal(changed, spec) {
		t.Fatal("the test's edits did not apply to the spec")
	}
	got, err := genlimits.Generate(changed, "participantlimits", "api/participant.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"SendMessageContentMaxLength = 16000", `case "text/plain":` + "\n\t\treturn 900, true"} {
		if !strings.Contains(string(got), want) {
			t.Errorf("after editing the spec, generated code lacks %q", want)
		}
	}

	// A per-type limit above the member's maxLength is refused.
	bad := bytes.Replace(spec, []byte("            application/json: 12000\n"), []byte("            application/json: 20000\n"), 1)
	if _, err := genlimits.Generate(bad, "participantlimits", "api/participant.yaml"); err == nil || !strings.Contains(err.Error(), "outside 1..maxLength") {
		t.Errorf("limit over maxLength: err = %v", err)
	}
}
