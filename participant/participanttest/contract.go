package participanttest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/chatwire/connectparticipant/api"
	"github.com/chatwire/connectparticipant/gen/participantops"
	"github.com/chatwire/connectparticipant/participant"
)

// contract is the spec, loaded and validated once per process, with what the
// fake derives from it.
type contract struct {
	// routes holds each operation's route in the spec, by operationId, for
	// openapi3filter.
	routes map[string]*routers.Route
}

// operationRoute is the operation a request is for.
type operationRoute struct {
	op     *participantops.Operation
	route  *routers.Route
	params map[string]string // the path labels, unescaped
}

// loadContract loads api.Spec once per process: every Server shares it.
var loadContract = sync.OnceValues(func() (*contract, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(api.Spec)
	if err != nil {
		return nil, fmt.Errorf("participanttest: load the embedded OpenAPI spec: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("participanttest: the embedded OpenAPI spec is invalid: %w", err)
	}
	c := &contract{routes: make(map[string]*routers.Route)}
	for _, op := range participantops.Operations {
		item := doc.Paths.Value(op.Path)
		if item == nil || item.GetOperation(op.Method) == nil {
			return nil, fmt.Errorf("participanttest: the OpenAPI spec has no %s %s for %s; run go generate", op.Method, op.Path, op.Name)
		}
		c.routes[op.Name] = &routers.Route{Spec: doc, Path: op.Path, PathItem: item, Method: op.Method, Operation: item.GetOperation(op.Method)}
	}
	return c, nil
})

// find returns the operation of r: its method and its path exactly, as the
// generated server routes them (a trailing slash or an empty label is
// another path).
func (c *contract) find(r *http.Request) (operationRoute, bool) {
	for _, op := range participantops.Operations {
		if op.Method != r.Method {
			continue
		}
		if params, ok := matchPath(op.Path, r.URL.EscapedPath()); ok {
			return operationRoute{op: op, route: c.routes[op.Name], params: params}, true
		}
	}
	return operationRoute{}, false
}

// hasPath reports whether r's path is one of the contract's, whatever its
// method: the routes a CORS preflight may ask about.
func (c *contract) hasPath(r *http.Request) bool {
	for _, op := range participantops.Operations {
		if _, ok := matchPath(op.Path, r.URL.EscapedPath()); ok {
			return true
		}
	}
	return false
}

// matchPath matches an escaped path to a path template such as
// /participant/views/{ViewToken}, and returns the labels' values.
func matchPath(template, path string) (map[string]string, bool) {
	want, got := strings.Split(template, "/"), strings.Split(path, "/")
	if len(want) != len(got) {
		return nil, false
	}
	var params map[string]string
	for i, segment := range want {
		name, isLabel := strings.CutPrefix(segment, "{")
		if !isLabel {
			if segment != got[i] {
				return nil, false
			}
			continue
		}
		value, err := url.PathUnescape(got[i])
		if err != nil || value == "" {
			return nil, false
		}
		if params == nil {
			params = make(map[string]string)
		}
		params[strings.TrimSuffix(name, "}")] = value
	}
	return params, true
}

// problem is one broken rule of a request, phrased so that it never repeats
// the value that broke it.
type problem struct {
	member string // what is wrong: "Content", "X-Amz-Bearer header", "request body"
	rule   string // what it must be: "must be at most 1024 code points (it has 1025)"
}

func (p problem) String() string { return p.member + " " + p.rule }

// validationMessage joins problems into the Message of a ValidationException.
// The contract limits that Message to 2000 characters.
func validationMessage(problems []problem) string {
	const maxMessage = 2000
	parts := make([]string, len(problems))
	for i, p := range problems {
		parts[i] = p.String()
	}
	noun := "errors"
	if len(problems) == 1 {
		noun = "error"
	}
	msg := fmt.Sprintf("%d validation %s detected: %s. Fix the request before sending it again.",
		len(problems), noun, strings.Join(parts, "; "))
	if len(msg) > maxMessage {
		msg = strings.ToValidUTF8(msg[:maxMessage-3], "") + "..."
	}
	return msg
}

// validateRequest checks r, whose body has already been read into body,
// against the contract: first that the body is well-formed UTF-8 JSON text,
// then the spec with kin-openapi, then the per-content-type limits of
// SendMessage. It returns nil when the request may go on to the service.
func (c *contract) validateRequest(ctx context.Context, r *http.Request, or operationRoute, body []byte) []problem {
	if !utf8.Valid(body) {
		return []problem{{"request body", "must be valid UTF-8"}}
	}
	if hasLoneSurrogateEscape(body) {
		return []problem{{"request body", `must not contain a lone UTF-16 surrogate escape such as "\ud800"; strings must be Unicode scalar values`}}
	}

	setBody(r, body)
	err := openapi3filter.ValidateRequest(ctx, &openapi3filter.RequestValidationInput{
		Request:    r,
		PathParams: or.params,
		Route:      or.route,
		Options: &openapi3filter.Options{
			MultiError:              true,
			SkipSettingDefaults:     true,
			SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.DisableSchemaErrorDetails()},
		},
	})
	if problems := describeValidationError(err); len(problems) > 0 {
		return problems
	}

	if or.op != participantops.SendMessage {
		return nil
	}
	var req struct {
		ContentType string
		Content     string
	}
	if err := json.Unmarshal(body, &req); err != nil {
		// The spec check above has already accepted the body as JSON.
		return []problem{{"request body", "must be a JSON object"}}
	}
	// The spec holds Content to the overall bound; this adds the bound of
	// its content type, if it has one.
	if limit, n := participant.ContentLimit(req.ContentType), utf8.RuneCountInString(req.Content); n > limit {
		return []problem{{"Content", fmt.Sprintf("must be at most %d code points for ContentType %s (it has %d)", limit, req.ContentType, n)}}
	}
	return nil
}

// describeValidationError turns what openapi3filter.ValidateRequest returns
// into problems. It never uses the errors' texts, which may quote the
// request.
func describeValidationError(err error) []problem {
	var problems []problem
	for _, e := range flatten(err) {
		switch e := e.(type) {
		case *openapi3filter.RequestError:
			problems = append(problems, describeRequestError(e)...)
		case *openapi3filter.SecurityRequirementsError:
			problems = append(problems, problem{"request", "does not meet the spec's security requirements"})
		default:
			problems = append(problems, problem{"request", "does not match the spec"})
		}
	}
	return problems
}

// flatten lists the errors inside nested openapi3.MultiErrors.
func flatten(err error) []error {
	if err == nil {
		return nil
	}
	multi, ok := err.(openapi3.MultiError)
	if !ok {
		return []error{err}
	}
	var out []error
	for _, e := range multi {
		out = append(out, flatten(e)...)
	}
	return out
}

// describeRequestError names the part of the request a RequestError is
// about and what rule it broke.
func describeRequestError(e *openapi3filter.RequestError) []problem {
	var member string
	switch {
	case e.Parameter != nil && e.Parameter.Name == participantops.BearerHeader:
		member = participantops.BearerHeader + " header (the token)"
	case e.Parameter != nil:
		member = e.Parameter.Name + " " + e.Parameter.In
	case strings.HasPrefix(e.Reason, "header Content-Type has unexpected value"):
		return []problem{{"Content-Type header", "must be application/json"}}
	case e.Reason == "failed to decode request body":
		return []problem{{"request body", "must be well-formed JSON"}}
	default:
		member = "request body"
	}
	causes := flatten(e.Err)
	if len(causes) == 0 {
		return []problem{{member, "does not match the spec"}}
	}
	var problems []problem
	for _, cause := range causes {
		var schemaErr *openapi3.SchemaError
		switch {
		case errors.As(cause, &schemaErr):
			problems = append(problems, describeSchemaError(member, schemaErr))
		case errors.Is(cause, openapi3filter.ErrInvalidRequired):
			problems = append(problems, problem{member, "is required"})
		case errors.Is(cause, openapi3filter.ErrInvalidEmptyValue):
			problems = append(problems, problem{member, "must not be empty"})
		default:
			problems = append(problems, problem{member, "does not match the spec"})
		}
	}
	return problems
}

// describeSchemaError phrases one schema violation.
func describeSchemaError(member string, e *openapi3.SchemaError) problem {
	if path := e.JSONPointer(); len(path) > 0 {
		member = strings.Join(path, ".")
	}
	s := e.Schema
	switch e.SchemaField {
	case "required":
		return problem{member, "is required"}
	case "maxLength":
		if value, ok := e.Value.(string); ok && s != nil && s.MaxLength != nil {
			return problem{member, fmt.Sprintf("must be at most %d code points (it has %d)", *s.MaxLength, utf8.RuneCountInString(value))}
		}
	case "minLength":
		if s != nil {
			if s.MinLength == 1 {
				return problem{member, "must not be empty"}
			}
			return problem{member, fmt.Sprintf("must be at least %d code points", s.MinLength)}
		}
	case "type":
		if s != nil && s.Type != nil {
			return problem{member, "must be of JSON type " + strings.Join(s.Type.Slice(), " or ")}
		}
	case "nullable":
		return problem{member, "must not be null"}
	case "enum":
		return problem{member, "must be one of the values the spec lists"}
	}
	if e.Reason == "Value is not nullable" {
		return problem{member, "must not be null"}
	}
	return problem{member, fmt.Sprintf("does not satisfy the spec's %q rule", e.SchemaField)}
}

// hasLoneSurrogateEscape reports whether a JSON text holds a \u escape of a
// UTF-16 surrogate that is not half of a pair. encoding/json turns such an
// escape into U+FFFD silently; the service counts Unicode scalar values, and
// a lone surrogate is not one.
func hasLoneSurrogateEscape(body []byte) bool {
	inString := false
	for i := 0; i < len(body); i++ {
		b := body[i]
		if !inString {
			if b == '"' {
				inString = true
			}
			continue
		}
		switch b {
		case '"':
			inString = false
		case '\\':
			if i+1 >= len(body) {
				return false
			}
			if body[i+1] != 'u' {
				i++ // skip the escaped character, which may be a quote
				continue
			}
			r, ok := hex4(body, i+2)
			if !ok {
				return false // malformed; the JSON parser will say so
			}
			i += 5
			switch {
			case r >= 0xDC00 && r <= 0xDFFF:
				return true
			case r >= 0xD800 && r <= 0xDBFF:
				if i+6 >= len(body) || body[i+1] != '\\' || body[i+2] != 'u' {
					return true
				}
				low, ok := hex4(body, i+3)
				if !ok || low < 0xDC00 || low > 0xDFFF {
					return true
				}
				i += 6
			}
		}
	}
	return false
}

// hex4 parses the four hex digits at body[at:at+4].
func hex4(body []byte, at int) (rune, bool) {
	if at+4 > len(body) {
		return 0, false
	}
	var r rune
	for _, c := range body[at : at+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c-'a') + 10
		case c >= 'A' && c <= 'F':
			r |= rune(c-'A') + 10
		default:
			return 0, false
		}
	}
	return r, true
}
