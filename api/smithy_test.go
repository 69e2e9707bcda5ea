package api_test

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// The service's own Smithy model, the yardstick for api/participant.yaml. See
// smithy/README.md for where it comes from.
//
//go:embed smithy/connectparticipant-2018-09-07.smithy.json
var smithyJSON []byte

const (
	// smithyModelSHA256 pins the copy described in smithy/README.md.
	smithyModelSHA256 = "c832b8a740887cfed7be7d5b243f81d2da9edf11a8672a1951a5c802c9023541"

	// smithyPrelude is the namespace of Smithy's built-in shapes.
	smithyPrelude = "smithy.api#"

	// jsonMediaType is how restJson1 carries bodies.
	jsonMediaType = "application/json"
)

// smithyModel is the part of a Smithy JSON AST document the checker reads.
// Traits stay raw, since every trait has its own shape.
type smithyModel struct {
	Smithy string                  `json:"smithy"`
	Shapes map[string]*smithyShape `json:"shapes"`
}

type smithyShape struct {
	Type       string                     `json:"type"`
	Members    map[string]*smithyMember   `json:"members"`
	Member     *smithyMember              `json:"member"` // lists
	Key        *smithyMember              `json:"key"`    // maps
	Value      *smithyMember              `json:"value"`  // maps
	Traits     map[string]json.RawMessage `json:"traits"`
	Input      *smithyTarget              `json:"input"`
	Output     *smithyTarget              `json:"output"`
	Errors     []smithyTarget             `json:"errors"`
	Operations []smithyTarget             `json:"operations"`
	Resources  []smithyTarget             `json:"resources"`
}

type smithyMember struct {
	Target string                     `json:"target"`
	Traits map[string]json.RawMessage `json:"traits"`
}

type smithyTarget struct {
	Target string `json:"target"`
}

// smithyBounds is the body of the length and range traits; a nil field is a
// bound the trait leaves open.
type smithyBounds struct {
	Min *json.Number `json:"min"`
	Max *json.Number `json:"max"`
}

func parseSmithyModel(data []byte) (*smithyModel, error) {
	var m smithyModel
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("parse Smithy JSON AST: %w", err)
	}
	if !strings.HasPrefix(m.Smithy, "2.") {
		return nil, fmt.Errorf("Smithy IDL version %q: this checker reads 2.x", m.Smithy)
	}
	if len(m.Shapes) == 0 {
		return nil, fmt.Errorf("the model has no shapes")
	}
	return &m, nil
}

func loadSmithyModel(t *testing.T) *smithyModel {
	t.Helper()
	m, err := parseSmithyModel(smithyJSON)
	if err != nil {
		t.Fatalf("api/smithy: %v", err)
	}
	return m
}

// service returns the model's only service shape and its ID.
func (m *smithyModel) service() (string, *smithyShape, error) {
	var ids []string
	for id, s := range m.Shapes {
		if s.Type == "service" {
			ids = append(ids, id)
		}
	}
	if len(ids) != 1 {
		return "", nil, fmt.Errorf("the model has %d service shapes %v, want 1", len(ids), ids)
	}
	return ids[0], m.Shapes[ids[0]], nil
}

// operation finds an operation of the service by its name.
func (m *smithyModel) operation(name string) (*smithyShape, bool) {
	_, svc, err := m.service()
	if err != nil {
		return nil, false
	}
	for _, op := range svc.Operations {
		if shapeName(op.Target) == name {
			s, ok := m.Shapes[op.Target]
			return s, ok && s.Type == "operation"
		}
	}
	return nil, false
}

// operationNames lists the names of the service's operations, sorted: the
// operations the spec must describe.
func (m *smithyModel) operationNames() []string {
	_, svc, err := m.service()
	if err != nil {
		return nil
	}
	var names []string
	for _, op := range svc.Operations {
		names = append(names, shapeName(op.Target))
	}
	slices.Sort(names)
	return names
}

// httpBinding reads an operation's http trait; a missing code is 200.
func httpBinding(op *smithyShape) (method, uri string, code int, err error) {
	var binding struct {
		Method string `json:"method"`
		URI    string `json:"uri"`
		Code   int    `json:"code"`
	}
	if err := json.Unmarshal(op.Traits[smithyPrelude+"http"], &binding); err != nil {
		return "", "", 0, err
	}
	if binding.Code == 0 {
		binding.Code = http.StatusOK
	}
	return binding.Method, binding.URI, binding.Code, nil
}

// errorShapes returns the IDs of every shape with the error trait, sorted.
func (m *smithyModel) errorShapes() []string {
	var ids []string
	for id, s := range m.Shapes {
		if hasTrait(s.Traits, "error") {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// errorStatus is the HTTP status the service answers an error with: the
// httpError trait, or the protocol default for client and server errors.
func (m *smithyModel) errorStatus(id string) (int, error) {
	s, ok := m.Shapes[id]
	if !ok {
		return 0, fmt.Errorf("no shape %s", id)
	}
	if raw, ok := s.Traits[smithyPrelude+"httpError"]; ok {
		var status int
		if err := json.Unmarshal(raw, &status); err != nil {
			return 0, fmt.Errorf("%s: httpError trait: %w", id, err)
		}
		return status, nil
	}
	switch kind, _ := traitString(s.Traits, "error"); kind {
	case "client":
		return http.StatusBadRequest, nil
	case "server":
		return http.StatusInternalServerError, nil
	default:
		return 0, fmt.Errorf("%s: error trait %q is neither client nor server", id, kind)
	}
}

// typeOf resolves a target to its Smithy type, including prelude shapes
// such as smithy.api#String.
func (m *smithyModel) typeOf(target string) string {
	if s, ok := m.Shapes[target]; ok {
		return s.Type
	}
	if name, ok := strings.CutPrefix(target, smithyPrelude); ok {
		return strings.ToLower(strings.TrimPrefix(name, "Primitive"))
	}
	return ""
}

// enumValues lists the values a shape allows, sorted, and whether it is an
// enum at all (an IDL 2.0 enum shape or an IDL 1.0 enum trait).
func (m *smithyModel) enumValues(target string) ([]string, bool) {
	s, ok := m.Shapes[target]
	if !ok {
		return nil, false
	}
	var values []string
	switch {
	case s.Type == "enum":
		for name, member := range s.Members {
			value := name
			if v, ok := traitString(member.Traits, "enumValue"); ok {
				value = v
			}
			values = append(values, value)
		}
	case hasTrait(s.Traits, "enum"):
		var defs []struct {
			Value string `json:"value"`
		}
		if err := json.Unmarshal(s.Traits[smithyPrelude+"enum"], &defs); err != nil {
			return nil, false
		}
		for _, d := range defs {
			values = append(values, d.Value)
		}
	default:
		return nil, false
	}
	slices.Sort(values)
	return values, true
}

func shapeName(id string) string {
	_, name, _ := strings.Cut(id, "#")
	return name
}

func hasTrait(traits map[string]json.RawMessage, name string) bool {
	_, ok := traits[smithyPrelude+name]
	return ok
}

func traitString(traits map[string]json.RawMessage, name string) (string, bool) {
	raw, ok := traits[smithyPrelude+name]
	if !ok {
		return "", false
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return s, true
}

// bounds reads a length or range trait from the member, which wins, or else
// from its target.
func (m *smithyModel) bounds(member *smithyMember, trait string) (smithyBounds, bool) {
	raw, ok := member.Traits[smithyPrelude+trait]
	if !ok {
		if s, found := m.Shapes[member.Target]; found {
			raw, ok = s.Traits[smithyPrelude+trait]
		}
	}
	if !ok {
		return smithyBounds{}, false
	}
	var b smithyBounds
	if err := json.Unmarshal(raw, &b); err != nil {
		return smithyBounds{}, false
	}
	return b, true
}

// pattern reads the pattern trait from the member, which wins, or else from
// its target; "" means none.
func (m *smithyModel) pattern(member *smithyMember) string {
	if p, ok := traitString(member.Traits, "pattern"); ok {
		return p
	}
	if target, ok := m.Shapes[member.Target]; ok {
		p, _ := traitString(target.Traits, "pattern")
		return p
	}
	return ""
}

// sensitive reports whether the model marks a member's value sensitive: the
// sensitive trait on its target or, as IDL 1.0 allowed, on the member.
func (m *smithyModel) sensitive(member *smithyMember) bool {
	if hasTrait(member.Traits, "sensitive") {
		return true
	}
	target, ok := m.Shapes[member.Target]
	return ok && hasTrait(target.Traits, "sensitive")
}

// patternMeaning parses a pattern the way Go's regexp/syntax reads Perl-style
// expressions and returns a canonical form of what it matches: capture groups
// dropped (they group, they do not change which strings match), then
// simplified. Spellings that mean the same agree, such as the model's `\_`
// and the spec's `_` (JSON Schema patterns are ECMA-262 regular expressions,
// where `\_` is an invalid escape in unicode mode).
func patternMeaning(pattern string) (string, error) {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return "", err
	}
	return dropCaptures(re).Simplify().String(), nil
}

func dropCaptures(re *syntax.Regexp) *syntax.Regexp {
	for re.Op == syntax.OpCapture {
		re = re.Sub[0]
	}
	for i, sub := range re.Sub {
		re.Sub[i] = dropCaptures(sub)
	}
	return re
}

// The extensions by which the spec carries Smithy traits that OpenAPI lacks.
const (
	extIdempotencyToken = "x-idempotency-token"
	extSensitive        = "x-sensitive"
)

// openAPIType is the JSON Schema type restJson1 gives a Smithy type.
var openAPIType = map[string]string{
	"string": "string", "enum": "string", "blob": "string", "timestamp": "string",
	"boolean": "boolean",
	"byte":    "integer", "short": "integer", "integer": "integer", "long": "integer", "intEnum": "integer", "bigInteger": "integer",
	"float": "number", "double": "number", "bigDecimal": "number",
	"structure": "object", "union": "object", "map": "object", "document": "",
	"list": "array", "set": "array",
}

// openAPIFormat is the format a Smithy number type carries in the spec, so
// that generators choose a wide enough type; a type not listed has none.
var openAPIFormat = map[string]string{
	"byte": "int32", "short": "int32", "integer": "int32", "intEnum": "int32",
	"long":  "int64",
	"float": "float", "double": "double",
}

// drift collects the differences between the spec and the model. Each one
// names where it is and gives both values, so that the failure message says
// what to change.
type drift struct {
	model *smithyModel
	diffs []string
}

func (d *drift) addf(format string, args ...any) {
	d.diffs = append(d.diffs, fmt.Sprintf(format, args...))
}

// checkAgainstModel compares the OpenAPI document with the Smithy model and
// returns every difference it finds; none means the spec agrees with the
// service as far as the spec goes.
func checkAgainstModel(doc *openapi3.T, model *smithyModel) []string {
	d := &drift{model: model}
	d.checkService(doc)
	d.checkOperations(doc)
	d.checkErrors(doc)
	d.checkNamedSchemas(doc)
	return d.diffs
}

func (d *drift) checkService(doc *openapi3.T) {
	id, svc, err := d.model.service()
	if err != nil {
		d.addf("model: %v", err)
		return
	}
	if len(svc.Resources) > 0 {
		var resources []string
		for _, r := range svc.Resources {
			resources = append(resources, shapeName(r.Target))
		}
		d.addf("model: service %s binds resources %v, whose operations this checker does not read; extend smithy_test.go", id, resources)
	}
	var meta struct {
		EndpointPrefix string `json:"endpointPrefix"`
	}
	if err := json.Unmarshal(svc.Traits["aws.api#service"], &meta); err != nil || meta.EndpointPrefix == "" {
		d.addf("model: service %s has no aws.api#service endpointPrefix", id)
		return
	}
	want := "https://" + meta.EndpointPrefix + ".{region}.amazonaws.com"
	if len(doc.Servers) == 0 {
		d.addf("servers[0].url: spec has none, model's endpoint prefix %q gives %q", meta.EndpointPrefix, want)
		return
	}
	if got := doc.Servers[0].URL; got != want {
		d.addf("servers[0].url: spec %q, model's endpoint prefix %q gives %q", got, meta.EndpointPrefix, want)
	}
}

func (d *drift) checkOperations(doc *openapi3.T) {
	seen := map[string]bool{}
	if doc.Paths != nil {
		for _, path := range slices.Sorted(maps.Keys(doc.Paths.Map())) {
			item := doc.Paths.Value(path)
			for _, method := range slices.Sorted(maps.Keys(item.Operations())) {
				op := item.Operations()[method]
				seen[op.OperationID] = true
				shape, ok := d.model.operation(op.OperationID)
				if !ok {
					d.addf("%s %s: operationId %q is not an operation of the service", method, path, op.OperationID)
					continue
				}
				params := slices.Concat(item.Parameters, op.Parameters)
				d.checkOperation(op.OperationID, method, path, op, params, shape)
			}
		}
	}
	for _, name := range d.model.operationNames() {
		if seen[name] {
			continue
		}
		binding := "no http trait"
		if shape, ok := d.model.operation(name); ok {
			if method, uri, _, err := httpBinding(shape); err == nil {
				binding = method + " " + uri
			}
		}
		d.addf("operation %s (model %s): in the model, missing from the spec", name, binding)
	}
}

func (d *drift) checkOperation(name, method, path string, op *openapi3.Operation, params openapi3.Parameters, shape *smithyShape) {
	modelMethod, modelURI, code, err := httpBinding(shape)
	if err != nil {
		d.addf("%s: the model has no http trait: %v", name, err)
		return
	}
	if modelMethod != method || modelURI != path {
		d.addf("%s: HTTP binding: spec %s %s, model %s %s", name, method, path, modelMethod, modelURI)
	}

	d.checkInput(name, op, params, shape.Input)
	d.checkOutput(name, op, code, shape.Output)
	d.checkOperationErrors(name, op, code, shape.Errors)
}

// checkInput holds every input member to its place on the wire: a header,
// path or query parameter for the HTTP binding traits, else a property of
// the JSON body.
func (d *drift) checkInput(opName string, op *openapi3.Operation, params openapi3.Parameters, input *smithyTarget) {
	type location struct{ in, name string }
	byLocation := map[location]*openapi3.ParameterRef{}
	for _, p := range params {
		if p == nil || p.Value == nil {
			continue
		}
		byLocation[location{p.Value.In, p.Value.Name}] = p
	}

	body := map[string]*smithyMember{}
	where := opName + " input"
	if input != nil {
		where = shapeName(input.Target)
		shape := d.model.Shapes[input.Target]
		for _, memberName := range slices.Sorted(maps.Keys(shape.Members)) {
			member := shape.Members[memberName]
			var loc location
			if header, ok := traitString(member.Traits, "httpHeader"); ok {
				loc = location{openapi3.ParameterInHeader, header}
			} else if hasTrait(member.Traits, "httpLabel") {
				loc = location{openapi3.ParameterInPath, memberName}
			} else if query, ok := traitString(member.Traits, "httpQuery"); ok {
				loc = location{openapi3.ParameterInQuery, query}
			} else if hasTrait(member.Traits, "httpPayload") || hasTrait(member.Traits, "httpQueryParams") || hasTrait(member.Traits, "httpPrefixHeaders") {
				d.addf("%s.%s: its HTTP binding is one this checker does not read; extend smithy_test.go", where, memberName)
				continue
			} else {
				body[memberName] = member
				continue
			}
			memberWhere := fmt.Sprintf("%s.%s (%s parameter %q)", where, memberName, loc.in, loc.name)
			ref, ok := byLocation[loc]
			if !ok {
				d.addf("%s: in the model, missing from the spec", memberWhere)
				continue
			}
			delete(byLocation, loc)
			// Parameters that share a location, such as the two X-Amz-Bearer
			// tokens, differ only in which member they stand for; the
			// component's name is what tells them apart.
			if ref.Ref != "" {
				if want := "#/components/parameters/" + memberName; ref.Ref != want {
					d.addf("%s: the spec refers to %s, want %s (named like the model's member)", memberWhere, ref.Ref, want)
				}
			}
			p := ref.Value
			if want := hasTrait(member.Traits, "required"); p.Required != want {
				d.addf("%s: required: spec %t, model %t", memberWhere, p.Required, want)
			}
			var schemaExtensions map[string]any
			if p.Schema != nil && p.Schema.Value != nil {
				schemaExtensions = p.Schema.Value.Extensions
			}
			d.checkIdempotencyToken(memberWhere, member, p.Extensions, schemaExtensions)
			d.checkValue(memberWhere, p.Schema, member, map[string]bool{})
		}
	}
	for _, loc := range slices.SortedFunc(maps.Keys(byLocation), func(a, b location) int {
		return strings.Compare(a.in+a.name, b.in+b.name)
	}) {
		d.addf("%s: %s parameter %q is in the spec, not in the model", where, loc.in, loc.name)
	}

	var schema *openapi3.SchemaRef
	if op.RequestBody != nil && op.RequestBody.Value != nil {
		if mt := op.RequestBody.Value.Content.Get(jsonMediaType); mt != nil {
			schema = mt.Schema
		}
	}
	switch {
	case len(body) == 0 && schema != nil:
		d.addf("%s: the spec has a JSON request body, the model has no body members", where)
	case len(body) > 0 && schema == nil:
		d.addf("%s: the model has body members %v, the spec has no %s request body", where, slices.Sorted(maps.Keys(body)), jsonMediaType)
	case len(body) > 0:
		var required []string
		for _, name := range slices.Sorted(maps.Keys(body)) {
			if hasTrait(body[name].Traits, "required") {
				required = append(required, name)
			}
		}
		if got, want := op.RequestBody.Value.Required, len(required) > 0; got != want {
			d.addf("%s: requestBody.required: spec %t, model %t (required body members %v)", where, got, want, required)
		}
		d.checkStructure(where, schema, body, map[string]bool{input.Target: true})
	}
}

func (d *drift) checkOutput(opName string, op *openapi3.Operation, code int, output *smithyTarget) {
	status := strconv.Itoa(code)
	resp := op.Responses.Value(status)
	if resp == nil || resp.Value == nil {
		d.addf("%s: the model answers %s, the spec has no %s response", opName, status, status)
		return
	}
	if output == nil {
		return
	}
	where := shapeName(output.Target)
	shape := d.model.Shapes[output.Target]
	body := map[string]*smithyMember{}
	for memberName, member := range shape.Members {
		if header, ok := traitString(member.Traits, "httpHeader"); ok {
			if _, found := resp.Value.Headers[header]; !found {
				d.addf("%s.%s: response header %q is in the model, missing from the spec", where, memberName, header)
			}
			continue
		}
		body[memberName] = member
	}
	var schema *openapi3.SchemaRef
	if mt := resp.Value.Content.Get(jsonMediaType); mt != nil {
		schema = mt.Schema
	}
	switch {
	case len(body) == 0 && schema != nil:
		d.addf("%s: the spec has a JSON %s response body, the model's output has no body members", where, status)
	case len(body) > 0 && schema == nil:
		d.addf("%s: the model has body members %v, the spec's %s response has no %s body", where, slices.Sorted(maps.Keys(body)), status, jsonMediaType)
	case len(body) > 0:
		d.checkStructure(where, schema, body, map[string]bool{output.Target: true})
	}
}

// checkOperationErrors holds each error the operation can return to a
// response under the error's status that carries the error's schema, and
// allows no other responses.
func (d *drift) checkOperationErrors(opName string, op *openapi3.Operation, code int, errs []smithyTarget) {
	allowed := map[string]bool{strconv.Itoa(code): true}
	for _, e := range errs {
		name := shapeName(e.Target)
		status, err := d.model.errorStatus(e.Target)
		if err != nil {
			d.addf("%s: error %s: %v", opName, name, err)
			continue
		}
		key := strconv.Itoa(status)
		allowed[key] = true
		resp := op.Responses.Value(key)
		if resp == nil || resp.Value == nil {
			d.addf("%s: error %s: the model answers it with %d, the spec has no %d response", opName, name, status, status)
			continue
		}
		refs := responseSchemaRefs(resp.Value)
		if !slices.Contains(refs, "#/components/schemas/"+name) {
			d.addf("%s: error %s: the spec's %d response carries %v, want a reference to #/components/schemas/%s", opName, name, status, refs, name)
		}
	}
	for _, key := range op.Responses.Keys() {
		if !allowed[key] {
			d.addf("%s: the spec has a %s response that no error of the operation in the model uses", opName, key)
		}
	}
}

// responseSchemaRefs lists the schema references of a JSON response,
// including the branches of a oneOf (for errors that share a status).
func responseSchemaRefs(resp *openapi3.Response) []string {
	mt := resp.Content.Get(jsonMediaType)
	if mt == nil || mt.Schema == nil {
		return nil
	}
	refs := []string{mt.Schema.Ref}
	if mt.Schema.Value != nil {
		for _, branch := range mt.Schema.Value.OneOf {
			refs = append(refs, branch.Ref)
		}
	}
	return slices.DeleteFunc(refs, func(r string) bool { return r == "" })
}

// checkErrors holds every error shape of the model to a schema and a
// response component of the same name.
func (d *drift) checkErrors(doc *openapi3.T) {
	for _, id := range d.model.errorShapes() {
		name := shapeName(id)
		shape := d.model.Shapes[id]
		if doc.Components == nil {
			d.addf("%s: the spec has no components", name)
			return
		}
		if schema := doc.Components.Schemas[name]; schema == nil {
			d.addf("%s: components.schemas.%s is missing from the spec", name, name)
		} else {
			d.checkStructure(name, schema, shape.Members, map[string]bool{id: true})
		}
		resp := doc.Components.Responses[name]
		if resp == nil || resp.Value == nil {
			d.addf("%s: components.responses.%s is missing from the spec", name, name)
			continue
		}
		if resp.Value.Description == nil || strings.TrimSpace(*resp.Value.Description) == "" {
			d.addf("%s: components.responses.%s has no description", name, name)
		}
		if refs := responseSchemaRefs(resp.Value); !slices.Equal(refs, []string{"#/components/schemas/" + name}) {
			d.addf("%s: components.responses.%s carries %v, want #/components/schemas/%s", name, name, refs, name)
		}
	}
}

// checkNamedSchemas compares every component schema named like a model shape
// that is not an operation's input or output, such as the enums.
func (d *drift) checkNamedSchemas(doc *openapi3.T) {
	if doc.Components == nil {
		return
	}
	for _, name := range slices.Sorted(maps.Keys(doc.Components.Schemas)) {
		schema := doc.Components.Schemas[name]
		for id, shape := range d.model.Shapes {
			if shapeName(id) != name || hasTrait(shape.Traits, "input") || hasTrait(shape.Traits, "output") || hasTrait(shape.Traits, "error") {
				continue
			}
			where := "components.schemas." + name
			if shape.Type == "structure" {
				d.checkStructure(where, schema, shape.Members, map[string]bool{id: true})
				continue
			}
			d.checkValue(where, schema, &smithyMember{Target: id}, map[string]bool{})
		}
	}
}

// checkStructure compares an object schema with a set of members: the same
// property names, the same required ones, and each value alike.
func (d *drift) checkStructure(where string, schema *openapi3.SchemaRef, members map[string]*smithyMember, visiting map[string]bool) {
	if schema == nil || schema.Value == nil {
		d.addf("%s: the spec has no schema", where)
		return
	}
	s := schema.Value
	if !s.Type.Is("object") {
		d.addf("%s: type: spec %v, model object", where, s.Type.Slice())
	}
	for _, name := range slices.Sorted(maps.Keys(members)) {
		member := members[name]
		memberWhere := where + "." + name
		prop := s.Properties[name]
		if prop == nil {
			d.addf("%s: in the model, missing from the spec", memberWhere)
			continue
		}
		want := hasTrait(member.Traits, "required")
		if got := slices.Contains(s.Required, name); got != want {
			d.addf("%s: required: spec %t, model %t", memberWhere, got, want)
		}
		if prop.Value != nil {
			d.checkIdempotencyToken(memberWhere, member, prop.Value.Extensions)
		}
		d.checkValue(memberWhere, prop, member, visiting)
	}
	for _, name := range slices.Sorted(maps.Keys(s.Properties)) {
		if _, ok := members[name]; !ok {
			d.addf("%s.%s: in the spec, not in the model", where, name)
		}
	}
	for _, name := range s.Required {
		if _, ok := members[name]; !ok {
			d.addf("%s: required %q is not a member in the model", where, name)
		}
	}
}

// checkValue compares one value's schema with the member's target: type and
// number format, length and range bounds, pattern, enum values, sensitivity,
// and nested structures, list items and map values.
func (d *drift) checkValue(where string, schema *openapi3.SchemaRef, member *smithyMember, visiting map[string]bool) {
	if schema == nil || schema.Value == nil {
		d.addf("%s: the spec has no schema", where)
		return
	}
	s := schema.Value
	smithyType := d.model.typeOf(member.Target)
	wantType, known := openAPIType[smithyType]
	if !known {
		d.addf("%s: the model's type %q (%s) is one this checker does not read; extend smithy_test.go", where, smithyType, member.Target)
		return
	}
	if wantType != "" && !s.Type.Is(wantType) {
		d.addf("%s: type: spec %v, model %s (%s %s)", where, s.Type.Slice(), wantType, smithyType, shapeName(member.Target))
	}

	length, hasLength := d.model.bounds(member, "length")
	switch wantType {
	case "string":
		d.compareBounds(where, "minLength", "maxLength", s.MinLength, s.MaxLength, length, member.Target)
	case "array":
		d.compareBounds(where, "minItems", "maxItems", s.MinItems, s.MaxItems, length, member.Target)
	case "object":
		if smithyType == "map" {
			d.compareBounds(where, "minProperties", "maxProperties", s.MinProps, s.MaxProps, length, member.Target)
		} else if hasLength {
			d.addf("%s: the model puts a length trait on a %s", where, smithyType)
		}
	}
	if wantType == "integer" || wantType == "number" {
		if want := openAPIFormat[smithyType]; s.Format != want {
			d.addf("%s: format: spec %q, model %q (%s %s)", where, s.Format, want, smithyType, shapeName(member.Target))
		}
		valueRange, _ := d.model.bounds(member, "range")
		d.compareRange(where, "minimum", s.Min, valueRange.Min, member.Target)
		d.compareRange(where, "maximum", s.Max, valueRange.Max, member.Target)
	}

	d.comparePattern(where, s.Pattern, d.model.pattern(member), member.Target)

	// The spec may mark more values sensitive than the model does (tokens
	// and pre-signed URLs are credentials too), never fewer.
	if got := d.extensionFlag(where, s.Extensions, extSensitive); d.model.sensitive(member) && !got {
		d.addf("%s: %s: spec false, model true (%s is smithy.api#sensitive)", where, extSensitive, shapeName(member.Target))
	}

	var specEnum []string
	for _, v := range s.Enum {
		specEnum = append(specEnum, fmt.Sprint(v))
	}
	slices.Sort(specEnum)
	if modelEnum, isEnum := d.model.enumValues(member.Target); isEnum || len(specEnum) > 0 {
		if !slices.Equal(specEnum, modelEnum) {
			d.addf("%s: enum: spec %v, model %v (%s)", where, specEnum, modelEnum, shapeName(member.Target))
		}
	}

	target := d.model.Shapes[member.Target]
	switch smithyType {
	case "structure":
		if visiting[member.Target] {
			return
		}
		visiting[member.Target] = true
		defer delete(visiting, member.Target)
		d.checkStructure(where, schema, target.Members, visiting)
	case "list", "set":
		if target == nil || target.Member == nil {
			return
		}
		if s.Items == nil {
			d.addf("%s: the spec's array has no items", where)
			return
		}
		d.checkValue(where+"[]", s.Items, target.Member, visiting)
	case "map":
		if target == nil || target.Value == nil {
			return
		}
		// Only the values: OpenAPI 3.0 has no way to constrain a map's keys
		// (propertyNames came with 3.1), so the key's length goes unchecked.
		if s.AdditionalProperties.Schema == nil {
			d.addf("%s: the spec's object has no additionalProperties schema for the map's values (%s)", where, shapeName(target.Value.Target))
			return
		}
		d.checkValue(where+"{}", s.AdditionalProperties.Schema, target.Value, visiting)
	}
}

// comparePattern compares two patterns by what they match, not how they are
// spelled.
func (d *drift) comparePattern(where, spec, model, target string) {
	if spec == model {
		return
	}
	if spec == "" || model == "" {
		d.addf("%s: pattern: spec %q, model %q (%s)", where, spec, model, shapeName(target))
		return
	}
	specMeaning, err := patternMeaning(spec)
	if err != nil {
		d.addf("%s: pattern: spec %q does not parse: %v; model %q (%s)", where, spec, err, model, shapeName(target))
		return
	}
	modelMeaning, err := patternMeaning(model)
	if err != nil {
		d.addf("%s: pattern: the model's %q (%s) does not parse: %v", where, model, shapeName(target), err)
		return
	}
	if specMeaning != modelMeaning {
		d.addf("%s: pattern: spec %q, model %q (%s) match different strings: %s against %s",
			where, spec, model, shapeName(target), specMeaning, modelMeaning)
	}
}

// checkIdempotencyToken holds the x-idempotency-token extension, which may
// sit in any of the given extension sets (a parameter's or its schema's),
// to the member's idempotencyToken trait, both ways.
func (d *drift) checkIdempotencyToken(where string, member *smithyMember, extensions ...map[string]any) {
	got := false
	for _, ext := range extensions {
		if d.extensionFlag(where, ext, extIdempotencyToken) {
			got = true
		}
	}
	if want := hasTrait(member.Traits, "idempotencyToken"); got != want {
		d.addf("%s: %s: spec %t, model %t (smithy.api#idempotencyToken on the member)", where, extIdempotencyToken, got, want)
	}
}

// extensionFlag reads a boolean extension; absent means false, and anything
// but a boolean is reported.
func (d *drift) extensionFlag(where string, extensions map[string]any, name string) bool {
	v, ok := extensions[name]
	if !ok {
		return false
	}
	b, ok := v.(bool)
	if !ok {
		d.addf("%s: %s: spec %#v, want the boolean true (or no %s)", where, name, v, name)
	}
	return b
}

// compareBounds compares a Smithy length trait with the JSON Schema bounds
// that express it. An absent min is the same as 0.
func (d *drift) compareBounds(where, minName, maxName string, specMin uint64, specMax *uint64, model smithyBounds, target string) {
	var modelMin uint64
	if model.Min != nil {
		n, err := strconv.ParseUint(model.Min.String(), 10, 64)
		if err != nil {
			d.addf("%s: the model's length min %s is not a count", where, model.Min)
			return
		}
		modelMin = n
	}
	if specMin != modelMin {
		d.addf("%s: %s: spec %d, model %d (%s)", where, minName, specMin, modelMin, shapeName(target))
	}
	switch {
	case specMax == nil && model.Max == nil:
	case specMax == nil:
		d.addf("%s: %s: spec none, model %s (%s)", where, maxName, model.Max, shapeName(target))
	case model.Max == nil:
		d.addf("%s: %s: spec %d, model none (%s)", where, maxName, *specMax, shapeName(target))
	case strconv.FormatUint(*specMax, 10) != model.Max.String():
		d.addf("%s: %s: spec %d, model %s (%s)", where, maxName, *specMax, model.Max, shapeName(target))
	}
}

func (d *drift) compareRange(where, name string, spec *float64, model *json.Number, target string) {
	switch {
	case spec == nil && model == nil:
	case spec == nil:
		d.addf("%s: %s: spec none, model %s (%s)", where, name, model, shapeName(target))
	case model == nil:
		d.addf("%s: %s: spec %v, model none (%s)", where, name, *spec, shapeName(target))
	default:
		if m, err := model.Float64(); err != nil || m != *spec {
			d.addf("%s: %s: spec %v, model %s (%s)", where, name, *spec, model, shapeName(target))
		}
	}
}

func TestSmithyModelIsThePinnedRelease(t *testing.T) {
	t.Parallel()
	sum := sha256.Sum256(smithyJSON)
	if got := hex.EncodeToString(sum[:]); got != smithyModelSHA256 {
		t.Errorf("api/smithy/connectparticipant-2018-09-07.smithy.json: sha256 %s, want %s; "+
			"if you took a newer release on purpose, update smithy/README.md and smithyModelSHA256", got, smithyModelSHA256)
	}
}

func TestSpecMatchesSmithyModel(t *testing.T) {
	t.Parallel()
	for _, diff := range checkAgainstModel(loadSpec(t), loadSmithyModel(t)) {
		t.Errorf("api/participant.yaml drifted from the service model: %s", diff)
	}
}

// TestSmithyModelFacts pins the facts the checker derives from the model,
// so a checker that reads nothing cannot pass by finding nothing to compare.
func TestSmithyModelFacts(t *testing.T) {
	t.Parallel()
	model := loadSmithyModel(t)

	_, svc, err := model.service()
	if err != nil {
		t.Fatal(err)
	}
	var meta struct {
		EndpointPrefix string `json:"endpointPrefix"`
	}
	if err := json.Unmarshal(svc.Traits["aws.api#service"], &meta); err != nil {
		t.Fatalf("aws.api#service: %v", err)
	}
	if meta.EndpointPrefix != "participant.connect" {
		t.Errorf("endpointPrefix: got %q, want %q", meta.EndpointPrefix, "participant.connect")
	}

	wantStatus := map[string]int{
		"AccessDeniedException":         403,
		"ConflictException":             409,
		"InternalServerException":       500,
		"ResourceNotFoundException":     404,
		"ServiceQuotaExceededException": 402,
		"ThrottlingException":           429,
		"ValidationException":           400,
	}
	gotStatus := map[string]int{}
	for _, id := range model.errorShapes() {
		status, err := model.errorStatus(id)
		if err != nil {
			t.Fatal(err)
		}
		gotStatus[shapeName(id)] = status
	}
	if !maps.Equal(gotStatus, wantStatus) {
		t.Errorf("error statuses: got %v, want %v", gotStatus, wantStatus)
	}

	op, ok := model.operation("SendMessage")
	if !ok {
		t.Fatal("the model has no SendMessage operation")
	}
	var sendErrors []string
	for _, e := range op.Errors {
		sendErrors = append(sendErrors, shapeName(e.Target))
	}
	slices.Sort(sendErrors)
	if want := []string{"AccessDeniedException", "InternalServerException", "ThrottlingException", "ValidationException"}; !slices.Equal(sendErrors, want) {
		t.Errorf("SendMessage errors: got %v, want %v", sendErrors, want)
	}

	enums := []struct {
		shape string
		want  []string
	}{
		{"ConnectionType", []string{"CONNECTION_CREDENTIALS", "WEBRTC_CONNECTION", "WEBSOCKET"}},
		{"MessageProcessingStatus", []string{"FAILED", "PROCESSING", "REJECTED"}},
		{"ResourceType", []string{"CONTACT", "CONTACT_FLOW", "HIERARCHY_GROUP", "HIERARCHY_LEVEL", "INSTANCE", "PARTICIPANT", "PHONE_NUMBER", "USER"}},
	}
	for _, e := range enums {
		got, ok := model.enumValues("com.amazonaws.connectparticipant#" + e.shape)
		if !ok || !slices.Equal(got, e.want) {
			t.Errorf("enum %s: got %v, want %v", e.shape, got, e.want)
		}
	}

	content, ok := model.bounds(&smithyMember{Target: "com.amazonaws.connectparticipant#ChatContent"}, "length")
	if !ok || content.Min == nil || content.Max == nil || content.Min.String() != "1" || content.Max.String() != "16384" {
		t.Errorf("ChatContent length: got %+v, want 1..16384", content)
	}
	headerValue, ok := model.bounds(model.Shapes["com.amazonaws.connectparticipant#UploadMetadataSignedHeaders"].Value, "length")
	if !ok || headerValue.Min == nil || headerValue.Max == nil || headerValue.Min.String() != "1" || headerValue.Max.String() != "256" {
		t.Errorf("UploadMetadataSignedHeaders value length: got %+v, want 1..256", headerValue)
	}

	wantOperations := []string{
		"CancelParticipantAuthentication", "CompleteAttachmentUpload", "CreateParticipantConnection", "DescribeView",
		"DisconnectParticipant", "GetAttachment", "GetAuthenticationUrl", "GetTranscript", "SendEvent", "SendMessage",
		"StartAttachmentUpload",
	}
	if got := model.operationNames(); !slices.Equal(got, wantOperations) {
		t.Errorf("operations: got %v, want %v", got, wantOperations)
	}
	if len(svc.Resources) != 0 {
		t.Errorf("service resources: got %v, want none (the checker reads only the service's operations)", svc.Resources)
	}

	// Where each operation's input goes on the wire, and its traits.
	var gets, labels, idempotent, sensitiveMembers []string
	headers := map[string][]string{}
	for _, name := range model.operationNames() {
		op, _ := model.operation(name)
		if method, uri, code, err := httpBinding(op); err != nil || code != http.StatusOK {
			t.Errorf("%s: http trait %s %s %d, %v; want code 200", name, method, uri, code, err)
		} else if method != http.MethodPost {
			gets = append(gets, name+" "+method+" "+uri)
		}
		if op.Input == nil {
			t.Errorf("%s: no input", name)
			continue
		}
		input := model.Shapes[op.Input.Target]
		for memberName, member := range input.Members {
			if header, ok := traitString(member.Traits, "httpHeader"); ok {
				headers[name] = append(headers[name], header+" "+memberName)
			}
			if hasTrait(member.Traits, "httpLabel") {
				labels = append(labels, name+"."+memberName)
			}
			if hasTrait(member.Traits, "idempotencyToken") {
				idempotent = append(idempotent, name+"."+memberName)
			}
		}
	}
	for id, shape := range model.Shapes {
		for memberName, member := range shape.Members {
			if hasTrait(member.Traits, "sensitive") {
				sensitiveMembers = append(sensitiveMembers, shapeName(id)+"."+memberName)
			}
		}
	}
	slices.Sort(labels)
	slices.Sort(idempotent)
	if want := []string{"DescribeView GET /participant/views/{ViewToken}"}; !slices.Equal(gets, want) {
		t.Errorf("operations not bound to POST: got %v, want %v", gets, want)
	}
	if want := []string{"DescribeView.ViewToken"}; !slices.Equal(labels, want) {
		t.Errorf("httpLabel members: got %v, want %v", labels, want)
	}
	wantIdempotent := []string{
		"CompleteAttachmentUpload.ClientToken", "DisconnectParticipant.ClientToken", "SendEvent.ClientToken",
		"SendMessage.ClientToken", "StartAttachmentUpload.ClientToken",
	}
	if !slices.Equal(idempotent, wantIdempotent) {
		t.Errorf("idempotency tokens: got %v, want %v", idempotent, wantIdempotent)
	}
	for _, name := range wantOperations {
		want := "X-Amz-Bearer ConnectionToken"
		if name == "CreateParticipantConnection" {
			want = "X-Amz-Bearer ParticipantToken"
		}
		if !slices.Equal(headers[name], []string{want}) {
			t.Errorf("%s: httpHeader members: got %q, want only %q", name, headers[name], want)
		}
	}

	var sensitiveShapes []string
	for id, shape := range model.Shapes {
		if hasTrait(shape.Traits, "sensitive") {
			sensitiveShapes = append(sensitiveShapes, shapeName(id))
		}
	}
	slices.Sort(sensitiveShapes)
	if want := []string{"JoinToken", "ViewAction", "ViewInputSchema", "ViewName", "ViewTemplate"}; !slices.Equal(sensitiveShapes, want) {
		t.Errorf("sensitive shapes: got %v, want %v", sensitiveShapes, want)
	}
	if len(sensitiveMembers) > 0 {
		t.Errorf("members with the sensitive trait: got %v, want none", sensitiveMembers)
	}

	numbers := map[string]string{
		"MaxResults": "integer", "MostRecent": "integer", "URLExpiryInSeconds": "integer", "ViewVersion": "integer",
		"AttachmentSizeInBytes": "long",
	}
	for shape, want := range numbers {
		if got := model.typeOf("com.amazonaws.connectparticipant#" + shape); got != want {
			t.Errorf("%s: type %q, want %q", shape, got, want)
		}
	}

	// Every pattern of the model parses, and the ViewId pattern means what
	// the spec's ECMA-262-safe spelling means.
	for id, shape := range model.Shapes {
		if p, ok := traitString(shape.Traits, "pattern"); ok {
			if _, err := patternMeaning(p); err != nil {
				t.Errorf("%s: pattern %q does not parse: %v", shapeName(id), p, err)
			}
		}
	}
	viewID := model.pattern(&smithyMember{Target: "com.amazonaws.connectparticipant#ViewId"})
	modelMeaning, err1 := patternMeaning(viewID)
	specMeaning, err2 := patternMeaning(`^[a-zA-Z0-9_\-:\/$]+$`)
	if viewID != `^[a-zA-Z0-9\_\-:\/$]+$` || err1 != nil || err2 != nil || modelMeaning != specMeaning {
		t.Errorf("ViewId pattern %q means %q (%v), want the meaning of the spec's spelling, %q (%v)", viewID, modelMeaning, err1, specMeaning, err2)
	}
}

// TestDriftIsReported changes one thing at a time in a fresh copy of the spec
// (or the model) and expects the checker to name it, with both values. The
// cases marked unreported pin differences the checker must let pass.
func TestDriftIsReported(t *testing.T) {
	t.Parallel()
	schema := func(doc *openapi3.T, names ...string) *openapi3.Schema {
		s := doc.Components.Schemas[names[0]].Value
		for _, n := range names[1:] {
			s = s.Properties[n].Value
		}
		return s
	}
	sendMessage := func(doc *openapi3.T) *openapi3.Operation {
		return doc.Paths.Value("/participant/message").Post
	}
	const describeViewPath = "/participant/views/{ViewToken}"
	u64 := func(n uint64) *uint64 { return &n }
	f64 := func(n float64) *float64 { return &n }
	const viewIDSpec, viewIDModel = `^[a-zA-Z0-9_\-:\/$]+$`, `^[a-zA-Z0-9\_\-:\/$]+$`

	tests := []struct {
		name        string
		mutateSpec  func(*openapi3.T)
		mutateModel func(*smithyModel)
		want        []string // all in one reported difference
		unreported  bool     // instead, no reported difference contains all of want
	}{
		{
			name:       "Content maxLength lowered below the model's",
			mutateSpec: func(doc *openapi3.T) { schema(doc, "SendMessageRequest", "Content").MaxLength = u64(16000) },
			want:       []string{"SendMessageRequest.Content", "maxLength", "spec 16000", "model 16384"},
		},
		{
			name:       "ClientToken may no longer be empty",
			mutateSpec: func(doc *openapi3.T) { schema(doc, "SendMessageRequest", "ClientToken").MinLength = 1 },
			want:       []string{"SendMessageRequest.ClientToken", "minLength", "spec 1", "model 0"},
		},
		{
			name:       "Content maxLength removed",
			mutateSpec: func(doc *openapi3.T) { schema(doc, "SendMessageRequest", "Content").MaxLength = nil },
			want:       []string{"SendMessageRequest.Content", "maxLength", "spec none", "model 16384"},
		},
		{
			name: "Content no longer required",
			mutateSpec: func(doc *openapi3.T) {
				s := schema(doc, "SendMessageRequest")
				s.Required = slices.DeleteFunc(s.Required, func(n string) bool { return n == "Content" })
			},
			want: []string{"SendMessageRequest.Content", "required", "spec false", "model true"},
		},
		{
			name: "body property the service does not have",
			mutateSpec: func(doc *openapi3.T) {
				schema(doc, "SendMessageRequest").Properties["Priority"] = openapi3.NewSchemaRef("", openapi3.NewStringSchema())
			},
			want: []string{"SendMessageRequest.Priority", "in the spec, not in the model"},
		},
		{
			name:       "bearer header misspelled",
			mutateSpec: func(doc *openapi3.T) { doc.Components.Parameters["ConnectionToken"].Value.Name = "X-Amz-Bearer-Token" },
			want:       []string{"SendMessageRequest.ConnectionToken", `header parameter "X-Amz-Bearer"`, "missing from the spec"},
		},
		{
			name:       "bearer header optional",
			mutateSpec: func(doc *openapi3.T) { doc.Components.Parameters["ConnectionToken"].Value.Required = false },
			want:       []string{"SendMessageRequest.ConnectionToken", "required", "spec false", "model true"},
		},
		{
			name: "bearer header maxLength off by one",
			mutateSpec: func(doc *openapi3.T) {
				doc.Components.Parameters["ConnectionToken"].Value.Schema.Value.MaxLength = u64(1001)
			},
			want: []string{"SendMessageRequest.ConnectionToken", "maxLength", "spec 1001", "model 1000"},
		},
		{
			name: "path renamed",
			mutateSpec: func(doc *openapi3.T) {
				doc.Paths.Set("/participant/messages", doc.Paths.Value("/participant/message"))
				doc.Paths.Delete("/participant/message")
			},
			want: []string{"SendMessage", "HTTP binding", "spec POST /participant/messages", "model POST /participant/message"},
		},
		{
			name: "throttling answered under the wrong status",
			mutateSpec: func(doc *openapi3.T) {
				op := sendMessage(doc)
				op.Responses.Set("503", op.Responses.Value("429"))
				op.Responses.Delete("429")
			},
			want: []string{"SendMessage", "ThrottlingException", "429"},
		},
		{
			name: "error status the operation does not return",
			mutateSpec: func(doc *openapi3.T) {
				sendMessage(doc).Responses.Set("402", doc.Components.Responses["ServiceQuotaExceededException"])
			},
			want: []string{"SendMessage", "402 response"},
		},
		{
			name: "error response carries another error's schema",
			mutateSpec: func(doc *openapi3.T) {
				doc.Components.Responses["AccessDeniedException"].Value.Content.Get(jsonMediaType).Schema.Ref = "#/components/schemas/InternalServerException"
			},
			want: []string{"AccessDeniedException", "403", "#/components/schemas/AccessDeniedException"},
		},
		{
			name:       "unused error's response component removed",
			mutateSpec: func(doc *openapi3.T) { delete(doc.Components.Responses, "ServiceQuotaExceededException") },
			want:       []string{"components.responses.ServiceQuotaExceededException", "missing"},
		},
		{
			name:       "ValidationException Message loses its bound",
			mutateSpec: func(doc *openapi3.T) { schema(doc, "ValidationException", "Message").MaxLength = nil },
			want:       []string{"ValidationException.Message", "maxLength", "spec none", "model 2000"},
		},
		{
			name: "ResourceNotFoundException Message made required",
			mutateSpec: func(doc *openapi3.T) {
				s := schema(doc, "ResourceNotFoundException")
				s.Required = append(s.Required, "Message")
			},
			want: []string{"ResourceNotFoundException.Message", "required", "spec true", "model false"},
		},
		{
			name: "ResourceType lost a value",
			mutateSpec: func(doc *openapi3.T) {
				s := schema(doc, "ResourceType")
				s.Enum = slices.DeleteFunc(s.Enum, func(v any) bool { return v == "PHONE_NUMBER" })
			},
			want: []string{"ResourceType", "enum", "model [CONTACT CONTACT_FLOW HIERARCHY_GROUP HIERARCHY_LEVEL INSTANCE PARTICIPANT PHONE_NUMBER USER]"},
		},
		{
			name: "MessageProcessingStatus gained a value",
			mutateSpec: func(doc *openapi3.T) {
				s := schema(doc, "MessageProcessingStatus")
				s.Enum = append(s.Enum, "DELIVERED")
			},
			want: []string{"SendMessageResponse.MessageMetadata.MessageProcessingStatus", "enum", "DELIVERED", "model [FAILED PROCESSING REJECTED]"},
		},
		{
			name: "output member renamed",
			mutateSpec: func(doc *openapi3.T) {
				s := schema(doc, "SendMessageResult")
				s.Properties["MessageId"] = s.Properties["Id"]
				delete(s.Properties, "Id")
			},
			want: []string{"SendMessageResponse.Id", "missing from the spec"},
		},
		{
			name:       "output Id turned into a number",
			mutateSpec: func(doc *openapi3.T) { schema(doc, "SendMessageResult", "Id").Type = &openapi3.Types{"integer"} },
			want:       []string{"SendMessageResponse.Id", "type", "[integer]", "string"},
		},
		{
			name:       "server host not the service's endpoint prefix",
			mutateSpec: func(doc *openapi3.T) { doc.Servers[0].URL = "https://connect.{region}.amazonaws.com" },
			want:       []string{"servers[0].url", "https://connect.{region}.amazonaws.com", "participant.connect"},
		},
		{
			name:       "operation the service does not have",
			mutateSpec: func(doc *openapi3.T) { sendMessage(doc).OperationID = "PostMessage" },
			want:       []string{"PostMessage", "not an operation of the service"},
		},
		{
			name: "model gains an input member",
			mutateModel: func(m *smithyModel) {
				m.Shapes["com.amazonaws.connectparticipant#SendMessageRequest"].Members["Priority"] = &smithyMember{Target: "smithy.api#String"}
			},
			want: []string{"SendMessageRequest.Priority", "in the model, missing from the spec"},
		},
		{
			name: "model adds ServiceQuotaExceeded to SendMessage",
			mutateModel: func(m *smithyModel) {
				m.Shapes["com.amazonaws.connectparticipant#SendMessage"].Errors = append(
					m.Shapes["com.amazonaws.connectparticipant#SendMessage"].Errors,
					smithyTarget{Target: "com.amazonaws.connectparticipant#ServiceQuotaExceededException"})
			},
			want: []string{"SendMessage", "ServiceQuotaExceededException", "402", "no 402 response"},
		},

		// Operations and their HTTP bindings.
		{
			name:       "DescribeView missing",
			mutateSpec: func(doc *openapi3.T) { doc.Paths.Delete(describeViewPath) },
			want:       []string{"operation DescribeView", "model GET " + describeViewPath, "missing from the spec"},
		},
		{
			name: "DescribeView answered to POST",
			mutateSpec: func(doc *openapi3.T) {
				item := doc.Paths.Value(describeViewPath)
				item.Post, item.Get = item.Get, nil
			},
			want: []string{"DescribeView", "HTTP binding", "spec POST " + describeViewPath, "model GET " + describeViewPath},
		},
		{
			name:       "DescribeView path label renamed",
			mutateSpec: func(doc *openapi3.T) { doc.Components.Parameters["ViewToken"].Value.Name = "Token" },
			want:       []string{"DescribeViewRequest.ViewToken", `path parameter "ViewToken"`, "in the model, missing from the spec"},
		},
		{
			name:       "DescribeView path label optional",
			mutateSpec: func(doc *openapi3.T) { doc.Components.Parameters["ViewToken"].Value.Required = false },
			want:       []string{"DescribeViewRequest.ViewToken", "required", "spec false", "model true"},
		},
		{
			name: "CreateParticipantConnection sends the connection token",
			mutateSpec: func(doc *openapi3.T) {
				// Both components are header X-Amz-Bearer; only the name tells them apart.
				doc.Paths.Value("/participant/connection").Post.Parameters[0] = &openapi3.ParameterRef{
					Ref:   "#/components/parameters/ConnectionToken",
					Value: doc.Components.Parameters["ConnectionToken"].Value,
				}
			},
			want: []string{"CreateParticipantConnectionRequest.ParticipantToken", "#/components/parameters/ConnectionToken", "want #/components/parameters/ParticipantToken"},
		},
		{
			name:       "request body optional though it has required members",
			mutateSpec: func(doc *openapi3.T) { sendMessage(doc).RequestBody.Value.Required = false },
			want:       []string{"SendMessageRequest", "requestBody.required", "spec false", "model true", "[Content ContentType]"},
		},
		{
			name: "model binds operations through a resource",
			mutateModel: func(m *smithyModel) {
				_, svc, _ := m.service()
				svc.Resources = append(svc.Resources, smithyTarget{Target: "com.amazonaws.connectparticipant#Chat"})
			},
			want: []string{"resources [Chat]", "does not read"},
		},

		// Bounds and enums across the operations.
		{
			name:       "GetTranscript MaxResults maximum 101",
			mutateSpec: func(doc *openapi3.T) { schema(doc, "GetTranscriptRequest", "MaxResults").Max = f64(101) },
			want:       []string{"GetTranscriptRequest.MaxResults", "maximum", "spec 101", "model 100", "MaxResults"},
		},
		{
			name:       "UrlExpiryInSeconds minimum 4",
			mutateSpec: func(doc *openapi3.T) { schema(doc, "GetAttachmentRequest", "UrlExpiryInSeconds").Min = f64(4) },
			want:       []string{"GetAttachmentRequest.UrlExpiryInSeconds", "minimum", "spec 4", "model 5", "URLExpiryInSeconds"},
		},
		{
			name:       "AttachmentIds maxItems removed",
			mutateSpec: func(doc *openapi3.T) { schema(doc, "CompleteAttachmentUploadRequest", "AttachmentIds").MaxItems = nil },
			want:       []string{"CompleteAttachmentUploadRequest.AttachmentIds", "maxItems", "spec none", "model 1", "AttachmentIdList"},
		},
		{
			name:       "SessionId minLength 35",
			mutateSpec: func(doc *openapi3.T) { schema(doc, "GetAuthenticationUrlRequest", "SessionId").MinLength = 35 },
			want:       []string{"GetAuthenticationUrlRequest.SessionId", "minLength", "spec 35", "model 36"},
		},
		{
			name: "ConnectionType lost a value",
			mutateSpec: func(doc *openapi3.T) {
				s := schema(doc, "ConnectionType")
				s.Enum = slices.DeleteFunc(s.Enum, func(v any) bool { return v == "WEBRTC_CONNECTION" })
			},
			want: []string{"CreateParticipantConnectionRequest.Type[]", "enum", "spec [CONNECTION_CREDENTIALS WEBSOCKET]", "model [CONNECTION_CREDENTIALS WEBRTC_CONNECTION WEBSOCKET]"},
		},

		// Errors across the operations.
		{
			name:       "SendEvent lost its ConflictException response",
			mutateSpec: func(doc *openapi3.T) { doc.Paths.Value("/participant/event").Post.Responses.Delete("409") },
			want:       []string{"SendEvent", "ConflictException", "409", "no 409 response"},
		},
		{
			name:       "DescribeView lost its ResourceNotFoundException response",
			mutateSpec: func(doc *openapi3.T) { doc.Paths.Value(describeViewPath).Get.Responses.Delete("404") },
			want:       []string{"DescribeView", "ResourceNotFoundException", "404", "no 404 response"},
		},
		{
			name: "GetTranscript gained a 402 response",
			mutateSpec: func(doc *openapi3.T) {
				doc.Paths.Value("/participant/transcript").Post.Responses.Set("402", doc.Components.Responses["ServiceQuotaExceededException"])
			},
			want: []string{"GetTranscript", "402 response", "no error of the operation"},
		},

		// Idempotency tokens, both ways.
		{
			name: "StartAttachmentUpload ClientToken not marked",
			mutateSpec: func(doc *openapi3.T) {
				delete(schema(doc, "StartAttachmentUploadRequest", "ClientToken").Extensions, extIdempotencyToken)
			},
			want: []string{"StartAttachmentUploadRequest.ClientToken", extIdempotencyToken, "spec false", "model true"},
		},
		{
			name: "SendEvent ContentType marked",
			mutateSpec: func(doc *openapi3.T) {
				s := schema(doc, "SendEventRequest", "ContentType")
				s.Extensions = map[string]any{extIdempotencyToken: true}
			},
			want: []string{"SendEventRequest.ContentType", extIdempotencyToken, "spec true", "model false"},
		},
		{
			name: "bearer header parameter marked",
			mutateSpec: func(doc *openapi3.T) {
				p := doc.Components.Parameters["ConnectionToken"].Value
				p.Extensions = map[string]any{extIdempotencyToken: true}
			},
			want: []string{"SendMessageRequest.ConnectionToken", `header parameter "X-Amz-Bearer"`, extIdempotencyToken, "spec true", "model false"},
		},
		{
			name: "idempotency mark that is not a boolean",
			mutateSpec: func(doc *openapi3.T) {
				schema(doc, "SendMessageRequest", "ClientToken").Extensions[extIdempotencyToken] = "true"
			},
			want: []string{"SendMessageRequest.ClientToken", extIdempotencyToken, `spec "true"`, "want the boolean true"},
		},

		// Sensitivity: the model's marks must be in the spec; the spec may add some.
		{
			name:       "Attendee JoinToken not marked sensitive",
			mutateSpec: func(doc *openapi3.T) { delete(schema(doc, "Attendee", "JoinToken").Extensions, extSensitive) },
			want:       []string{"Attendee.JoinToken", extSensitive, "spec false", "model true", "JoinToken is smithy.api#sensitive"},
		},
		{
			name: "view actions not marked sensitive",
			mutateSpec: func(doc *openapi3.T) {
				delete(schema(doc, "ViewContent", "Actions").Items.Value.Extensions, extSensitive)
			},
			want: []string{"ViewContent.Actions[]", extSensitive, "spec false", "model true", "ViewAction"},
		},
		{
			name:       "view name marked sensitive with a string",
			mutateSpec: func(doc *openapi3.T) { schema(doc, "View", "Name").Extensions[extSensitive] = "yes" },
			want:       []string{"View.Name", extSensitive, `spec "yes"`, "want the boolean true"},
		},
		{
			name: "bearer token sensitive in the spec only",
			want: []string{"ConnectionToken", extSensitive},
			// The spec marks tokens and pre-signed URLs as well; that is allowed.
			unreported: true,
		},

		// Number formats.
		{
			name:       "MaxResults widened to int64",
			mutateSpec: func(doc *openapi3.T) { schema(doc, "GetTranscriptRequest", "MaxResults").Format = "int64" },
			want:       []string{"GetTranscriptRequest.MaxResults", "format", `spec "int64"`, `model "int32"`, "integer MaxResults"},
		},
		{
			name: "AttachmentSizeInBytes narrowed to int32",
			mutateSpec: func(doc *openapi3.T) {
				schema(doc, "StartAttachmentUploadRequest", "AttachmentSizeInBytes").Format = "int32"
			},
			want: []string{"StartAttachmentUploadRequest.AttachmentSizeInBytes", "format", `spec "int32"`, `model "int64"`, "long AttachmentSizeInBytes"},
		},

		// Map values.
		{
			name: "HeadersToInclude value maxLength changed",
			mutateSpec: func(doc *openapi3.T) {
				schema(doc, "UploadMetadata", "HeadersToInclude").AdditionalProperties.Schema.Value.MaxLength = u64(255)
			},
			want: []string{"UploadMetadata.HeadersToInclude{}", "maxLength", "spec 255", "model 256", "UploadMetadataSignedHeadersValue"},
		},
		{
			name: "HeadersToInclude without a value schema",
			mutateSpec: func(doc *openapi3.T) {
				schema(doc, "UploadMetadata", "HeadersToInclude").AdditionalProperties = openapi3.AdditionalProperties{}
			},
			want: []string{"UploadMetadata.HeadersToInclude", "no additionalProperties schema", "UploadMetadataSignedHeadersValue"},
		},

		// Patterns, compared by what they match.
		{
			name:       "ViewId pattern spelled without the model's needless escape",
			want:       []string{"View.Id", "pattern"},
			unreported: true,
		},
		{
			name:       "ViewId pattern spelled as the model spells it",
			mutateSpec: func(doc *openapi3.T) { schema(doc, "View", "Id").Pattern = viewIDModel },
			want:       []string{"View.Id", "pattern"},
			unreported: true,
		},
		{
			name: "ViewName pattern with a non-capturing group",
			mutateSpec: func(doc *openapi3.T) {
				s := schema(doc, "View", "Name")
				s.Pattern = strings.Replace(s.Pattern, "^(", "^(?:", 1)
			},
			want:       []string{"View.Name", "pattern"},
			unreported: true,
		},
		{
			name:       "ViewId pattern allows a dot",
			mutateSpec: func(doc *openapi3.T) { schema(doc, "View", "Id").Pattern = strings.Replace(viewIDSpec, "$]", "$.]", 1) },
			want:       []string{"View.Id", "pattern", "ViewId", "match different strings", "model " + strconv.Quote(viewIDModel)},
		},
		{
			name:       "ViewId pattern loses its anchor",
			mutateSpec: func(doc *openapi3.T) { schema(doc, "View", "Id").Pattern = strings.TrimSuffix(viewIDSpec, "$") },
			want:       []string{"View.Id", "pattern", "match different strings"},
		},
		{
			name:       "MeetingId pattern removed",
			mutateSpec: func(doc *openapi3.T) { schema(doc, "WebRTCMeeting", "MeetingId").Pattern = "" },
			want:       []string{"WebRTCMeeting.MeetingId", "pattern", `spec ""`, "GuidString"},
		},
		{
			name:       "ViewId pattern that does not parse",
			mutateSpec: func(doc *openapi3.T) { schema(doc, "View", "Id").Pattern = "^[a-z" },
			want:       []string{"View.Id", "pattern", `spec "^[a-z"`, "does not parse", "model " + strconv.Quote(viewIDModel)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, model := loadSpec(t), loadSmithyModel(t)
			if tt.mutateSpec != nil {
				tt.mutateSpec(doc)
			}
			if tt.mutateModel != nil {
				tt.mutateModel(model)
			}
			diffs := checkAgainstModel(doc, model)
			for _, diff := range diffs {
				if containsAll(diff, tt.want) {
					if tt.unreported {
						t.Errorf("reported, but the difference is allowed: %s", diff)
					}
					return
				}
			}
			if !tt.unreported {
				t.Errorf("no reported difference contains all of %q; got:\n%s", tt.want, strings.Join(diffs, "\n"))
			}
		})
	}
}

func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
