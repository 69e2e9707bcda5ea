package api_test

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"
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

// specExtensions are the extensions the spec's info.description documents
// for schemas and parameters. The model checker reads the first two; the
// spec may use x-sensitive beyond the model, and a misspelt mark there
// would go unseen but for this list.
var specExtensions = []string{"x-content-length-by-type", "x-idempotency-token", "x-known-values", "x-sensitive"}

// unknownExtensions lists, by where they are, the x- extensions of schemas
// and parameters that are not in specExtensions.
func unknownExtensions(doc *openapi3.T) []string {
	var found []string
	seen := map[*openapi3.Schema]bool{}
	check := func(where string, ext map[string]any) {
		for _, name := range slices.Sorted(maps.Keys(ext)) {
			if !slices.Contains(specExtensions, name) {
				found = append(found, where+": "+name)
			}
		}
	}
	var walk func(where string, ref *openapi3.SchemaRef)
	walk = func(where string, ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		s := ref.Value
		seen[s] = true
		check(where, s.Extensions)
		for _, name := range slices.Sorted(maps.Keys(s.Properties)) {
			walk(where+"."+name, s.Properties[name])
		}
		walk(where+"[]", s.Items)
		walk(where+"{}", s.AdditionalProperties.Schema)
		for _, branches := range []openapi3.SchemaRefs{s.AllOf, s.AnyOf, s.OneOf} {
			for _, branch := range branches {
				walk(where+"|", branch)
			}
		}
		walk(where+"!", s.Not)
	}
	for _, name := range slices.Sorted(maps.Keys(doc.Components.Schemas)) {
		walk("components.schemas."+name, doc.Components.Schemas[name])
	}
	for _, name := range slices.Sorted(maps.Keys(doc.Components.Parameters)) {
		if p := doc.Components.Parameters[name].Value; p != nil {
			check("components.parameters."+name, p.Extensions)
			walk("components.parameters."+name+".schema", p.Schema)
		}
	}
	for _, path := range doc.Paths.InMatchingOrder() {
		for method, op := range doc.Paths.Value(path).Operations() {
			where := method + " " + path
			for _, p := range op.Parameters {
				if p.Value != nil {
					check(where+" parameter "+p.Value.Name, p.Value.Extensions)
					walk(where+" parameter "+p.Value.Name, p.Value.Schema)
				}
			}
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				for mediaType, mt := range op.RequestBody.Value.Content {
					walk(where+" request "+mediaType, mt.Schema)
				}
			}
			for status, resp := range op.Responses.Map() {
				if resp.Value != nil {
					for mediaType, mt := range resp.Value.Content {
						walk(where+" "+status+" "+mediaType, mt.Schema)
					}
				}
			}
		}
	}
	return found
}

// TestSpecExtensionsAreKnown keeps the spec to the extensions it documents,
// so that a misspelt x-sensitive or x-idempotency-token cannot pass for
// none.
func TestSpecExtensionsAreKnown(t *testing.T) {
	t.Parallel()
	for _, found := range unknownExtensions(loadSpec(t)) {
		t.Errorf("api/participant.yaml: unknown extension at %s; use one of %v", found, specExtensions)
	}

	// The walk must see a misspelling nested in a component.
	doc := loadSpec(t)
	joinToken := doc.Components.Schemas["Attendee"].Value.Properties["JoinToken"].Value
	joinToken.Extensions["x-sensitve"] = true
	if found := unknownExtensions(doc); !slices.ContainsFunc(found, func(s string) bool {
		return strings.Contains(s, "Attendee.JoinToken") && strings.Contains(s, "x-sensitve")
	}) {
		t.Errorf("a misspelt x-sensitive on Attendee.JoinToken went unseen; found %v", found)
	}
}
