package participanttest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/chatwire/connectparticipant/api"
	"github.com/chatwire/connectparticipant/participant"
)

// controlPrefix is where the control API is served, beside the service's
// routes.
const controlPrefix = "/_control"

// ControlURL returns the base URL of the control API (api/fake-control.yaml),
// with which tests in any language drive the fake over HTTP: the same chats,
// faults and requests as the Go methods of Server.
func (s *Server) ControlURL() string { return s.URL + controlPrefix }

// loadControlContract loads api/fake-control.yaml once per process; its
// references to participant.yaml resolve to the embedded contract.
var loadControlContract = sync.OnceValues(func() (routers.Router, error) {
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = true
	loader.ReadFromURIFunc = func(_ *openapi3.Loader, u *url.URL) ([]byte, error) {
		if strings.HasSuffix(u.Path, "participant.yaml") {
			return api.Spec, nil
		}
		return nil, fmt.Errorf("participanttest: the control API refers to %s, which is not embedded", u)
	}
	doc, err := loader.LoadFromDataWithPath(api.FakeControl, &url.URL{Path: "fake-control.yaml"})
	if err != nil {
		return nil, fmt.Errorf("participanttest: load the embedded control API spec: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("participanttest: the embedded control API spec is invalid: %w", err)
	}
	doc.Servers = nil // routed by path, below controlPrefix
	return legacy.NewRouter(doc)
})

// controlError is a refusal of the control API.
type controlError struct {
	status  int
	message string
}

// serveControl serves the control API: the request is checked against its
// spec, then done with the Server's own methods.
func (s *Server) serveControl(w http.ResponseWriter, r *http.Request) {
	reply := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		if v != nil {
			_ = json.NewEncoder(w).Encode(v)
		}
	}
	refuse := func(e controlError) { reply(e.status, map[string]string{"message": e.message}) }

	router, err := loadControlContract()
	if err != nil {
		refuse(controlError{http.StatusInternalServerError, err.Error()})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBodyBytes))
	if err != nil {
		refuse(controlError{http.StatusBadRequest, "the request body could not be read: " + err.Error()})
		return
	}
	routed := r.Clone(r.Context())
	routed.URL.Path = strings.TrimPrefix(r.URL.Path, controlPrefix)
	routed.URL.RawPath = ""
	setBody(routed, body)
	route, params, err := router.FindRoute(routed)
	if err != nil {
		refuse(controlError{http.StatusNotFound, fmt.Sprintf("the control API has no %s %s; see api/fake-control.yaml", r.Method, routed.URL.Path)})
		return
	}
	in := &openapi3filter.RequestValidationInput{Request: routed, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}}
	if err := openapi3filter.ValidateRequest(r.Context(), in); err != nil {
		refuse(controlError{http.StatusBadRequest, "the request does not match api/fake-control.yaml: " + err.Error()})
		return
	}
	status, result, cerr := s.control(route.Operation.OperationID, params["ContactId"], body)
	if cerr != nil {
		refuse(*cerr)
		return
	}
	reply(status, result)
}

// control does one operation of the control API and returns its answer.
// The Go methods it calls panic on what the API refuses; those panics
// become 400 answers.
func (s *Server) control(op, contactID string, body []byte) (status int, result any, cerr *controlError) {
	defer func() {
		if r := recover(); r != nil {
			status, result, cerr = 0, nil, &controlError{http.StatusBadRequest, strings.TrimPrefix(fmt.Sprint(r), "participanttest: ")}
		}
	}()
	if contactID != "" && !s.hasContact(contactID) {
		return 0, nil, &controlError{http.StatusNotFound, fmt.Sprintf("no contact %q; create one with POST /participants", contactID)}
	}
	decode := func(v any) {
		if len(body) > 0 {
			if err := json.Unmarshal(body, v); err != nil {
				panic("participanttest: " + err.Error())
			}
		}
	}
	switch op {
	case "CreateParticipant":
		var in struct {
			ContactId, DisplayName string
			Role                   participant.ParticipantRole
			SupportedContentTypes  []string
		}
		decode(&in)
		if in.ContactId != "" && !s.hasContact(in.ContactId) {
			return 0, nil, &controlError{http.StatusNotFound, fmt.Sprintf("no contact %q to join", in.ContactId)}
		}
		p := s.NewParticipant(ParticipantOptions{ContactID: in.ContactId, DisplayName: in.DisplayName, Role: in.Role, SupportedContentTypes: in.SupportedContentTypes})
		return http.StatusOK, map[string]string{"ParticipantToken": p.ParticipantToken, "ParticipantId": p.ParticipantID, "ContactId": p.ContactID}, nil
	case "CreateConnection":
		token := s.NewConnection()
		return http.StatusOK, map[string]string{"ConnectionToken": token, "ContactId": s.contactOf(token)}, nil
	case "AgentSendMessage":
		var in struct{ Content, ContentType string }
		decode(&in)
		if in.ContentType == "" {
			in.ContentType = participant.ContentTypeTextPlain
		}
		return http.StatusOK, s.AgentSendMessage(contactID, in.ContentType, in.Content), nil
	case "AgentSendEvent":
		var in struct{ Content, ContentType string }
		decode(&in)
		return http.StatusOK, s.AgentSendEvent(contactID, in.ContentType, in.Content), nil
	case "EndChat":
		s.EndChat(contactID)
		return http.StatusNoContent, nil, nil
	case "StartAuthentication":
		return http.StatusOK, map[string]string{"SessionId": s.StartAuthentication(contactID)}, nil
	case "GetContactTranscript":
		return http.StatusOK, map[string][]participant.Item{"Transcript": s.Transcript(contactID)}, nil
	case "AddView":
		var in struct {
			Id, Arn, Name, Template, InputSchema string
			Version                              int32
			Actions                              []string
		}
		decode(&in)
		token := s.AddView(View{ID: in.Id, ARN: in.Arn, Name: in.Name, Version: in.Version, Template: in.Template, InputSchema: in.InputSchema, Actions: in.Actions})
		return http.StatusOK, map[string]string{"ViewToken": token}, nil
	case "InjectFaults":
		var in struct{ Faults []controlFault }
		decode(&in)
		faults := make([]Fault, len(in.Faults))
		for i, f := range in.Faults {
			fault, err := f.fault()
			if err != nil {
				return 0, nil, &controlError{http.StatusBadRequest, err.Error()}
			}
			faults[i] = fault
		}
		s.InjectFaults(faults...)
		return http.StatusNoContent, nil, nil
	case "ResetFaults":
		s.ResetFaults()
		return http.StatusNoContent, nil, nil
	case "ListRequests":
		reqs := s.Requests()
		out := make([]map[string]any, len(reqs))
		for i, req := range reqs {
			r := map[string]any{"Operation": req.Operation, "Method": req.Method, "Path": req.Path, "ClientToken": req.ClientToken,
				"ContentType": req.ContentType, "Fault": controlFaultName(req.Fault), "Status": req.Status}
			if req.Body != nil {
				r["Body"] = string(req.Body)
			}
			out[i] = r
		}
		return http.StatusOK, map[string]any{"Requests": out}, nil
	}
	return 0, nil, &controlError{http.StatusNotFound, "the control API has no operation " + op}
}

// hasContact reports whether the server has a contact.
func (s *Server) hasContact(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.chat.contacts[id] != nil
}

// contactOf returns the contact of a token.
func (s *Server) contactOf(token string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if cred := s.chat.creds[token]; cred != nil {
		return cred.m.contact.id
	}
	return ""
}

// controlFault is a Fault of the control API.
type controlFault struct {
	Kind              string
	Count             int
	Operation         string
	DelayMillis       int
	RetryAfterSeconds int
	ContactId         string
}

// controlFaultKinds names the fault kinds in the control API.
var controlFaultKinds = map[string]FaultKind{
	"none": FaultNone, "throttle": FaultThrottle, "internal": FaultInternal, "bad-gateway": FaultBadGateway,
	"delay": FaultDelay, "drop-before": FaultDropBeforeProcessing, "drop-after": FaultDropAfterProcessing,
	"websocket-drop": FaultWebSocketDrop, "websocket-silence": FaultWebSocketSilence,
	"websocket-delay": FaultWebSocketDelay, "websocket-refuse": FaultWebSocketRefuse,
}

func controlFaultName(k FaultKind) string {
	for name, kind := range controlFaultKinds {
		if kind == k {
			return name
		}
	}
	return k.String()
}

func (f controlFault) fault() (Fault, error) {
	kind, ok := controlFaultKinds[f.Kind]
	if !ok {
		return Fault{}, errors.New("unknown fault kind " + f.Kind)
	}
	if err := checkOperation(f.Operation); err != nil {
		return Fault{}, err
	}
	return Fault{Kind: kind, Count: f.Count, Operation: f.Operation, ContactID: f.ContactId,
		Delay: time.Duration(f.DelayMillis) * time.Millisecond, RetryAfter: time.Duration(f.RetryAfterSeconds) * time.Second}, nil
}
