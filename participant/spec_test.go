package participant

import (
	"context"
	"encoding/json"
	"maps"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/chatwire/connectparticipant/api"
	"github.com/chatwire/connectparticipant/gen/participantlimits"
)

// TestConstraintTableMatchesSpec holds the limits the client enforces equal
// to the contract (they are generated from it; this catches a stale gen/ or a
// generator bug).
func TestConstraintTableMatchesSpec(t *testing.T) {
	t.Parallel()
	doc, err := openapi3.NewLoader().LoadFromData(api.Spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatal(err)
	}
	req := doc.Components.Schemas["SendMessageRequest"].Value
	prop := func(name string) *openapi3.Schema {
		p := req.Properties[name]
		if p == nil || p.Value == nil {
			t.Fatalf("SendMessageRequest has no property %q", name)
		}
		return p.Value
	}
	maxOf := func(s *openapi3.Schema) int {
		if s.MaxLength == nil {
			return -1
		}
		return int(*s.MaxLength)
	}
	bearer := doc.Components.Parameters["ConnectionToken"].Value.Schema.Value
	checks := []struct {
		name      string
		got, want int
	}{
		{"ConnectionToken min", minConnectionTokenLength, int(bearer.MinLength)},
		{"ConnectionToken max", maxConnectionTokenLength, maxOf(bearer)},
		{"ContentType min", minContentTypeLength, int(prop("ContentType").MinLength)},
		{"ContentType max", maxContentTypeLength, maxOf(prop("ContentType"))},
		{"Content min", minContentLength, int(prop("Content").MinLength)},
		{"Content max", maxContentLength, maxOf(prop("Content"))},
		{"ClientToken min", minClientTokenLength, int(prop("ClientToken").MinLength)},
		{"ClientToken max", maxClientTokenLength, maxOf(prop("ClientToken"))},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: client has %d, spec has %d", c.name, c.got, c.want)
		}
	}

	raw, ok := prop("Content").Extensions["x-content-length-by-type"]
	if !ok {
		t.Fatal("Content has no x-content-length-by-type extension")
	}
	b, _ := json.Marshal(raw)
	var spec map[string]int
	if err := json.Unmarshal(b, &spec); err != nil {
		t.Fatalf("x-content-length-by-type: %v", err)
	}
	client := map[string]int{}
	for _, ct := range participantlimits.SendMessageContentTypesWithLimits() {
		client[ct] = ContentLimit(ct)
	}
	if !maps.Equal(spec, client) {
		t.Errorf("per-type limits: client has %v, spec has %v", client, spec)
	}
	for _, ct := range []string{ContentTypeTextPlain, ContentTypeTextMarkdown, ContentTypeJSON, ContentTypeInteractiveResponse} {
		if _, ok := spec[ct]; !ok {
			t.Errorf("constant %q has no limit in the spec", ct)
		}
	}
	var known []string
	kb, _ := json.Marshal(prop("ContentType").Extensions["x-known-values"])
	if err := json.Unmarshal(kb, &known); err != nil || len(known) != len(spec) {
		t.Errorf("x-known-values %v does not list the %d typed limits", known, len(spec))
	}
	for _, ct := range known {
		if _, ok := participantlimits.SendMessageContentLimitByType(ct); !ok {
			t.Errorf("known content type %q has no limit in the client", ct)
		}
	}
}
