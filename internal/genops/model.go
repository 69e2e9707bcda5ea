// Package genops generates the operation table of the contract: every
// operation of api/participant.yaml as data (method, path, where each input
// member goes on the wire, every bound, enum and known value, the idempotency
// token, the secrets, the errors), for Go (gen/participantops) and for
// TypeScript (clients/typescript/src/generated/operations.ts).
//
// The table is what lets the clients, the fake service, the command and the
// tests follow the spec with nothing written twice by hand: change a bound
// in the spec, run go generate, and every one of them enforces the new one.
package genops

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Vendor extensions the generator reads.
const (
	extContentLengthByType = "x-content-length-by-type"
	extKnownValues         = "x-known-values"
	extIdempotencyToken    = "x-idempotency-token"
	extSensitive           = "x-sensitive"
)

// Where an input member goes on the wire.
const (
	inBody   = "Body"
	inHeader = "Header"
	inPath   = "Path"
)

// member is one input or output member, read from the spec.
type member struct {
	Name                string
	In                  string // inputs only: inBody, inHeader or inPath
	Header              string // the header or path parameter's name
	Kind                string // String, Integer, Boolean, Array, Object, Map, Any
	Format              string
	Required            bool
	MinLength           int // strings: code points; arrays: items
	MaxLength           int // -1: no bound
	Minimum, Maximum    *int64
	Pattern             string
	Enum                []string
	EnumSchema          string // the component schema that defines Enum
	KnownValues         []string
	LengthByContentType map[string]int
	IdempotencyToken    bool
	Sensitive           bool
	Schema              string // the component schema of an object, if it has one
	Items               *member
	Values              *member
	Properties          []member
}

// operation is one operation of the spec.
type operation struct {
	Name         string
	Method       string
	Path         string
	Summary      string
	Tag          string
	BodyRequired bool
	HasBody      bool
	Input        []member
	Output       []member
	Errors       []string // error codes, sorted
}

// errorShape is one modelled error.
type errorShape struct {
	Code   string
	Status int
}

// enumType is one enumeration schema, with the values the contract
// documents beyond its enum (x-known-values on the schema).
type enumType struct {
	Name        string
	Description string
	Values      []string
}

// contract is everything the generator takes from the spec.
type contract struct {
	Title           string
	Version         string
	BearerHeader    string
	RequestIDHeader string
	ErrorTypeHeader string
	Operations      []operation
	Errors          []errorShape
	Enums           []enumType
	KnownValues     []string // every x-known-values entry of a property, deduplicated, in spec order
}

// read loads the spec and builds the contract from it.
func read(spec []byte) (*contract, error) {
	doc, err := openapi3.NewLoader().LoadFromData(spec)
	if err != nil {
		return nil, fmt.Errorf("loading the spec: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("validating the spec: %w", err)
	}
	c := &contract{Title: doc.Info.Title, Version: doc.Info.Version}

	paths := doc.Paths.InMatchingOrder()
	sort.Strings(paths)
	for _, path := range paths {
		item := doc.Paths.Value(path)
		for _, method := range slices.Sorted(maps.Keys(item.Operations())) {
			op, err := readOperation(c, method, path, item.Operations()[method])
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", method, path, err)
			}
			c.Operations = append(c.Operations, op)
		}
	}
	slices.SortFunc(c.Operations, func(a, b operation) int { return strings.Compare(a.Name, b.Name) })
	if c.BearerHeader == "" || c.RequestIDHeader == "" || c.ErrorTypeHeader == "" {
		return nil, fmt.Errorf("the spec names no bearer header (%q), request ID header (%q) or error type header (%q)",
			c.BearerHeader, c.RequestIDHeader, c.ErrorTypeHeader)
	}

	if doc.Components == nil {
		return nil, fmt.Errorf("the spec has no components")
	}
	for _, name := range slices.Sorted(maps.Keys(doc.Components.Responses)) {
		resp := doc.Components.Responses[name].Value
		status, ok := errorStatusOf(doc, name)
		if !ok || resp == nil {
			continue
		}
		c.Errors = append(c.Errors, errorShape{Code: name, Status: status})
	}
	for _, name := range slices.Sorted(maps.Keys(doc.Components.Schemas)) {
		s := doc.Components.Schemas[name].Value
		if s == nil || len(s.Enum) == 0 {
			continue
		}
		e := enumType{Name: name, Description: firstSentence(s.Description)}
		for _, v := range s.Enum {
			str, ok := v.(string)
			if !ok {
				return nil, fmt.Errorf("schema %s: enum value %v is not a string", name, v)
			}
			e.Values = append(e.Values, str)
		}
		extra, err := stringList(s.Extensions, extKnownValues)
		if err != nil {
			return nil, fmt.Errorf("schema %s: %w", name, err)
		}
		e.Values = append(e.Values, extra...)
		c.Enums = append(c.Enums, e)
	}
	return c, nil
}

// errorStatusOf finds the status under which operations answer the error
// response component name.
func errorStatusOf(doc *openapi3.T, name string) (int, bool) {
	want := "#/components/responses/" + name
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			for status, resp := range op.Responses.Map() {
				if resp.Ref == want {
					var n int
					if _, err := fmt.Sscanf(status, "%d", &n); err == nil {
						return n, true
					}
				}
			}
		}
	}
	return 0, false
}

func readOperation(c *contract, method, path string, op *openapi3.Operation) (operation, error) {
	if op.OperationID == "" {
		return operation{}, fmt.Errorf("no operationId")
	}
	o := operation{Name: op.OperationID, Method: method, Path: path, Summary: op.Summary}
	if len(op.Tags) > 0 {
		o.Tag = op.Tags[0]
	}
	for _, p := range op.Parameters {
		param := p.Value
		if param == nil || param.Schema == nil || param.Schema.Value == nil {
			return o, fmt.Errorf("parameter %s has no schema", p.Ref)
		}
		m, err := readSchema(c, param.Schema, param.Required)
		if err != nil {
			return o, fmt.Errorf("parameter %s: %w", param.Name, err)
		}
		m.Header = param.Name
		switch param.In {
		case openapi3.ParameterInHeader:
			m.In = inHeader
			// The member's name is the component's (ConnectionToken, ParticipantToken):
			// the header's name is the same for both.
			m.Name = refName(p.Ref)
			if m.Name == "" {
				return o, fmt.Errorf("header parameter %s must be a $ref to a component named after its member", param.Name)
			}
			if c.BearerHeader == "" {
				c.BearerHeader = param.Name
			} else if c.BearerHeader != param.Name {
				return o, fmt.Errorf("header %s: every operation's token header must be %s", param.Name, c.BearerHeader)
			}
		case openapi3.ParameterInPath:
			m.In = inPath
			m.Name = param.Name
		default:
			return o, fmt.Errorf("parameter %s: location %q is not supported", param.Name, param.In)
		}
		o.Input = append(o.Input, m)
	}
	if rb := op.RequestBody; rb != nil && rb.Value != nil {
		mt := rb.Value.Content.Get("application/json")
		if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
			return o, fmt.Errorf("the request body is not application/json")
		}
		o.HasBody, o.BodyRequired = true, rb.Value.Required
		props, err := readProperties(c, mt.Schema.Value)
		if err != nil {
			return o, fmt.Errorf("request body: %w", err)
		}
		for _, m := range props {
			m.In = inBody
			o.Input = append(o.Input, m)
		}
	}
	for status, resp := range op.Responses.Map() {
		if resp.Value == nil {
			continue
		}
		if status == "200" {
			if mt := resp.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil && mt.Schema.Value != nil {
				props, err := readProperties(c, mt.Schema.Value)
				if err != nil {
					return o, fmt.Errorf("200 response: %w", err)
				}
				o.Output = props
			}
			for name := range resp.Value.Headers {
				if c.RequestIDHeader == "" && strings.EqualFold(name, "x-amzn-RequestId") {
					c.RequestIDHeader = name
				}
			}
			continue
		}
		if name := refName(resp.Ref); name != "" {
			o.Errors = append(o.Errors, name)
		}
		for name := range resp.Value.Headers {
			if c.ErrorTypeHeader == "" && strings.EqualFold(name, "X-Amzn-ErrorType") {
				c.ErrorTypeHeader = name
			}
		}
	}
	slices.Sort(o.Errors)
	return o, nil
}

// readProperties reads an object schema's properties, in name order.
func readProperties(c *contract, s *openapi3.Schema) ([]member, error) {
	var out []member
	for _, name := range slices.Sorted(maps.Keys(s.Properties)) {
		m, err := readSchema(c, s.Properties[name], slices.Contains(s.Required, name))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		m.Name = name
		if m.LengthByContentType != nil && m.MaxLength >= 0 {
			for ct, n := range m.LengthByContentType {
				if n < 1 || n > m.MaxLength {
					return nil, fmt.Errorf("%s: %s limit %d for %s is outside 1..maxLength", name, extContentLengthByType, n, ct)
				}
			}
		}
		out = append(out, m)
	}
	return out, nil
}

// readSchema reads one value's schema.
func readSchema(c *contract, ref *openapi3.SchemaRef, required bool) (member, error) {
	s := ref.Value
	m := member{Required: required, MaxLength: -1, Format: s.Format, Pattern: s.Pattern}
	switch {
	case s.Type == nil:
		m.Kind = "Any"
	case s.Type.Is(openapi3.TypeString):
		m.Kind = "String"
	case s.Type.Is(openapi3.TypeInteger):
		m.Kind = "Integer"
	case s.Type.Is(openapi3.TypeBoolean):
		m.Kind = "Boolean"
	case s.Type.Is(openapi3.TypeArray):
		m.Kind = "Array"
	case s.Type.Is(openapi3.TypeObject) && s.AdditionalProperties.Schema != nil:
		m.Kind = "Map"
	case s.Type.Is(openapi3.TypeObject):
		m.Kind = "Object"
	default:
		return m, fmt.Errorf("type %v is not supported", s.Type.Slice())
	}
	switch m.Kind {
	case "String":
		m.MinLength = int(s.MinLength)
		if s.MaxLength != nil {
			m.MaxLength = int(*s.MaxLength)
		}
	case "Array":
		m.MinLength = int(s.MinItems)
		if s.MaxItems != nil {
			m.MaxLength = int(*s.MaxItems)
		}
		if s.Items == nil {
			return m, fmt.Errorf("an array without items")
		}
		items, err := readSchema(c, s.Items, false)
		if err != nil {
			return m, fmt.Errorf("items: %w", err)
		}
		m.Items = &items
	case "Map":
		values, err := readSchema(c, s.AdditionalProperties.Schema, false)
		if err != nil {
			return m, fmt.Errorf("values: %w", err)
		}
		m.Values = &values
	case "Object":
		m.Schema = refName(ref.Ref)
		props, err := readProperties(c, s)
		if err != nil {
			return m, err
		}
		m.Properties = props
	case "Integer":
		if s.Min != nil {
			n := int64(*s.Min)
			m.Minimum = &n
		}
		if s.Max != nil {
			n := int64(*s.Max)
			m.Maximum = &n
		}
	}
	for _, v := range s.Enum {
		m.Enum = append(m.Enum, fmt.Sprint(v))
	}
	if len(m.Enum) > 0 {
		m.EnumSchema = refName(ref.Ref)
	}
	known, err := stringList(s.Extensions, extKnownValues)
	if err != nil {
		return m, err
	}
	m.KnownValues = known
	if len(s.Enum) == 0 {
		for _, v := range known {
			if !slices.Contains(c.KnownValues, v) {
				c.KnownValues = append(c.KnownValues, v)
			}
		}
	}
	if raw, ok := s.Extensions[extContentLengthByType]; ok {
		js, _ := json.Marshal(raw)
		if err := json.Unmarshal(js, &m.LengthByContentType); err != nil {
			return m, fmt.Errorf("%s must map content types to lengths: %w", extContentLengthByType, err)
		}
	}
	if m.IdempotencyToken, err = flag(s.Extensions, extIdempotencyToken); err != nil {
		return m, err
	}
	if m.Sensitive, err = flag(s.Extensions, extSensitive); err != nil {
		return m, err
	}
	return m, nil
}

func flag(ext map[string]any, name string) (bool, error) {
	raw, ok := ext[name]
	if !ok {
		return false, nil
	}
	b, ok := raw.(bool)
	if !ok {
		return false, fmt.Errorf("%s must be true or false, not %v", name, raw)
	}
	return b, nil
}

func stringList(ext map[string]any, name string) ([]string, error) {
	raw, ok := ext[name]
	if !ok {
		return nil, nil
	}
	js, _ := json.Marshal(raw)
	var out []string
	if err := json.Unmarshal(js, &out); err != nil {
		return nil, fmt.Errorf("%s must be a list of strings: %w", name, err)
	}
	return out, nil
}

// refName is the last segment of a $ref, or "" for none.
func refName(ref string) string {
	if ref == "" {
		return ""
	}
	return ref[strings.LastIndexByte(ref, '/')+1:]
}

// firstSentence is the text up to the first period and space, on one line.
func firstSentence(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if i := strings.Index(s, ". "); i >= 0 {
		return s[:i+1]
	}
	return s
}
