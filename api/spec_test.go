package api_test

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/chatwire/connectparticipant/api"
)

// loadSpec parses the embedded contract the way the fake service and the
// generator see it. Each call returns a fresh document, so a test may mutate
// what it gets.
func loadSpec(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(api.Spec)
	if err != nil {
		t.Fatalf("api/participant.yaml does not load: %v", err)
	}
	return doc
}

func TestSpecIsValidOpenAPI303(t *testing.T) {
	t.Parallel()
	doc := loadSpec(t)
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("api/participant.yaml is not a valid OpenAPI document: %v", err)
	}
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi: got %q, want %q (oapi-codegen and the TypeScript generator target 3.0.3)", doc.OpenAPI, "3.0.3")
	}
}

func TestSpecServerIsTheRegionalEndpoint(t *testing.T) {
	t.Parallel()
	const wantURL = "https://participant.connect.{region}.amazonaws.com"
	doc := loadSpec(t)
	if len(doc.Servers) == 0 {
		t.Fatalf("servers: none, want %q first", wantURL)
	}
	server := doc.Servers[0]
	if server.URL != wantURL {
		t.Errorf("servers[0].url: got %q, want %q", server.URL, wantURL)
	}
	region, ok := server.Variables["region"]
	if !ok {
		t.Fatalf("servers[0].variables: no %q variable; the URL template needs it", "region")
	}
	if region.Default == "" {
		t.Errorf("servers[0].variables.region.default is empty; OpenAPI requires a default")
	}
	if got := slices.Sorted(maps.Keys(server.Variables)); !slices.Equal(got, []string{"region"}) {
		t.Errorf("servers[0].variables: got %v, want only [region]", got)
	}
}

// TestSpecContentLengthByType holds the per-content-type limits, which the
// model keeps only in its documentation, to the values AWS documents for
// SendMessage.
func TestSpecContentLengthByType(t *testing.T) {
	t.Parallel()
	const extension = "x-content-length-by-type"
	want := map[string]uint64{
		"text/plain":       1024,
		"text/markdown":    1024,
		"application/json": 12000,
		"application/vnd.amazonaws.connect.message.interactive.response": 12288,
	}

	doc := loadSpec(t)
	request := doc.Components.Schemas["SendMessageRequest"]
	if request == nil || request.Value == nil {
		t.Fatal("components.schemas.SendMessageRequest is missing")
	}
	content := request.Value.Properties["Content"]
	if content == nil || content.Value == nil {
		t.Fatal("SendMessageRequest has no Content property")
	}
	raw, ok := content.Value.Extensions[extension]
	if !ok {
		t.Fatalf("SendMessageRequest.Content has no %s extension", extension)
	}
	// A round trip through JSON into unsigned integers rejects fractions,
	// negatives and strings as well as reading the numbers.
	encoded, err := json.Marshal(raw)
	if err != nil {
		t.Fatalf("%s: %v", extension, err)
	}
	var got map[string]uint64
	if err := json.Unmarshal(encoded, &got); err != nil {
		t.Fatalf("%s must map content types to whole numbers: %v (got %s)", extension, err, encoded)
	}
	if !maps.Equal(got, want) {
		t.Errorf("%s: got %v, want %v", extension, got, want)
	}
	if content.Value.MaxLength == nil {
		t.Fatal("SendMessageRequest.Content has no maxLength")
	}
	maxLength := *content.Value.MaxLength
	for _, contentType := range slices.Sorted(maps.Keys(got)) {
		if limit := got[contentType]; limit > maxLength || limit < content.Value.MinLength {
			t.Errorf("%s[%s] = %d lies outside Content's bounds %d..%d", extension, contentType, limit, content.Value.MinLength, maxLength)
		}
	}
}
