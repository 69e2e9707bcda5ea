package participanttest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/chatwire/connectparticipant/gen/participantops"
	"github.com/chatwire/connectparticipant/gen/participantserver"
	"github.com/chatwire/connectparticipant/participant"
)

// eventTypesFromParticipants are the event types SendEvent accepts: the
// known values the contract lists for its ContentType.
var eventTypesFromParticipants = participantops.SendEvent.Member("ContentType").KnownValues

// service is the fake's implementation of the generated strict server. It
// sees only requests that passed the contract. Each operation holds s.mu
// throughout: the chat state changes atomically, in the order requests are
// served. Errors are returned as *apiError, which the strict server's
// error handler hands to Server.writeError.
type service struct{ s *Server }

var _ participantserver.StrictServerInterface = (*service)(nil)

// newAPIHandler serves s's operations through the generated strict server.
// The contract check in front of it leaves the generated code little to
// refuse (a header sent twice); what it refuses is answered in the
// service's form, by the one error writer.
func newAPIHandler(s *Server) http.Handler {
	strict := participantserver.NewStrictHandlerWithOptions(&service{s: s}, nil, participantserver.StrictHTTPServerOptions{
		RequestErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, _ error) {
			s.writeError(w, requestInfoFrom(r.Context()).id, validationError(problem{"request body", "must be a JSON object that matches the operation's request"}))
		},
		ResponseErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			e, ok := errors.AsType[*apiError](err)
			if !ok {
				if sw, written := w.(*statusWriter); written && sw.wrote {
					return // the answer broke off while being written: nothing more to say
				}
				e = apiErrorf(codeInternal, "An internal error occurred (participanttest: failed to write the answer).")
			}
			s.writeError(w, requestInfoFrom(r.Context()).id, e)
		},
	})
	return participantserver.HandlerWithOptions(strict, participantserver.StdHTTPServerOptions{
		ErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			s.writeError(w, requestInfoFrom(r.Context()).id, validationError(describeBindingError(err)))
		},
	})
}

// describeBindingError phrases an error of the generated parameter binding
// without its text, which may quote the header.
func describeBindingError(err error) problem {
	var tooMany *participantserver.TooManyValuesForParamError
	var missing *participantserver.RequiredHeaderError
	var invalid *participantserver.InvalidParamFormatError
	switch {
	case errors.As(err, &tooMany):
		return problem{tooMany.ParamName + " header", "must be sent once"}
	case errors.As(err, &missing):
		return problem{missing.ParamName + " header", "is required"}
	case errors.As(err, &invalid):
		return problem{invalid.ParamName, "is not a valid string"}
	default:
		return problem{"request", "does not match the spec"}
	}
}

// credentialLocked returns what token stands for, if it is a live token of
// the kind op takes: one the server issued, of the right kind, not expired.
func (s *Server) credentialLocked(token string, op *participantops.Operation, now time.Time) (*credential, *apiError) {
	kind := connectionCred // every operation but one takes a connection token
	if op == participantops.CreateParticipantConnection {
		kind = participantCred
	}
	s.sweepLocked(now)
	cred := s.chat.creds[token]
	switch {
	case cred == nil:
		return nil, accessDenied(msgAccessDenied + " (participanttest: the server did not issue this token, or has forgotten it.)")
	case cred.kind != kind && kind == participantCred:
		return nil, accessDenied(msgAccessDenied + " (participanttest: this is a connection token; CreateParticipantConnection takes the participant token.)")
	case cred.kind != kind:
		return nil, accessDenied(msgAccessDenied + " (participanttest: this is a participant token; exchange it for a connection token with CreateParticipantConnection.)")
	case kind == connectionCred && !now.Before(cred.expiry):
		return nil, accessDenied(msgAccessDenied + " (participanttest: this connection token has expired; get a new one with CreateParticipantConnection.)")
	}
	return cred, nil
}

// activeLocked refuses the token of a participant that is no longer part of
// its chat.
func activeLocked(m *member) *apiError {
	switch {
	case m.contact.ended:
		return accessDenied(msgAccessDenied + " (participanttest: the chat of this token has ended.)")
	case m.left:
		return accessDenied(msgAccessDenied + " (participanttest: the participant of this token has left the chat.)")
	}
	return nil
}

// throttleLocked applies the rate limit of op to the token of cred.
func (s *Server) throttleLocked(cred *credential, op *participantops.Operation) *apiError {
	limit, ok := s.cfg.limitFor(op.Name)
	if !ok {
		return nil
	}
	now := time.Now() // rate limits run on the real clock
	b := cred.buckets[op.Name]
	if b == nil {
		if cred.buckets == nil {
			cred.buckets = make(map[string]*tokenBucket)
		}
		b = newTokenBucket(limit, now)
		cred.buckets[op.Name] = b
	}
	if !b.take(now) {
		return apiErrorf(codeThrottling, msgRateExceeded)
	}
	return nil
}

// authorizeLocked returns the participant of a live token of the kind op
// takes, in a chat it is still part of, within op's rate limit.
func (s *Server) authorizeLocked(token string, op *participantops.Operation, now time.Time) (*member, *apiError) {
	cred, e := s.credentialLocked(token, op, now)
	if e == nil {
		e = activeLocked(cred.m)
	}
	if e == nil {
		e = s.throttleLocked(cred, op)
	}
	if e != nil {
		return nil, e
	}
	return cred.m, nil
}

// remember keeps the first result of a request of m with a ClientToken.
func (s *Server) remember(m *member, key idemKey, e idemEntry) {
	m.contact.idem.remember(key, e, s.cfg.transcriptLimit)
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// CreateParticipantConnection exchanges a participant token for a
// connection token and, when asked, a WebSocket URL; ConnectParticipant
// makes the participant join the chat.
func (svc *service) CreateParticipantConnection(ctx context.Context, req participantserver.CreateParticipantConnectionRequestObject) (participantserver.CreateParticipantConnectionResponseObject, error) {
	s, info := svc.s, requestInfoFrom(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	m, e := s.authorizeLocked(req.Params.XAmzBearer, participantops.CreateParticipantConnection, now)
	if e != nil {
		return nil, e
	}
	var body participantserver.CreateParticipantConnectionRequest
	if req.Body != nil {
		body = *req.Body
	}
	var result participantserver.CreateParticipantConnectionResult
	for _, t := range deref(body.Type) {
		switch {
		case t == participantserver.WEBSOCKET && result.Websocket == nil:
			ticket, expiry := newToken(), now.Add(s.cfg.webSocketURLExpiry)
			s.chat.tickets[ticket] = &wsTicket{m: m, expiry: expiry}
			u := webSocketURL(info.baseURL, ticket)
			result.Websocket = &participantserver.Websocket{Url: &u, ConnectionExpiry: new(stamp(expiry))}
		case t == participantserver.CONNECTIONCREDENTIALS && result.ConnectionCredentials == nil:
			token, expiry := s.issueConnectionLocked(m, now)
			result.ConnectionCredentials = &participantserver.ConnectionCredentials{ConnectionToken: &token, Expiry: new(stamp(expiry))}
		}
		// WEBRTC_CONNECTION: a chat without a call has none to return.
	}
	if deref(body.ConnectParticipant) {
		s.joinLocked(m)
	}
	return participantserver.CreateParticipantConnection200JSONResponse{
		Body: result,
	}, nil
}

// webSocketURL is the URL of the chat WebSocket for ticket, on the host the
// client reached the fake at.
func webSocketURL(base, ticket string) string {
	u, _ := url.Parse(base) // built by baseURL
	if u.Scheme == "https" {
		u.Scheme = "wss"
	} else {
		u.Scheme = "ws"
	}
	u.Path = webSocketPath
	u.RawQuery = url.Values{"token": {ticket}}.Encode()
	return u.String()
}

// DisconnectParticipant makes the participant leave the chat.
func (svc *service) DisconnectParticipant(ctx context.Context, req participantserver.DisconnectParticipantRequestObject) (participantserver.DisconnectParticipantResponseObject, error) {
	s := svc.s
	op := participantops.DisconnectParticipant
	ok := participantserver.DisconnectParticipant200Response{}
	s.mu.Lock()
	defer s.mu.Unlock()
	cred, e := s.credentialLocked(req.Params.XAmzBearer, op, s.now())
	if e != nil {
		return nil, e
	}
	m := cred.m
	var key idemKey
	if req.Body != nil {
		key = idemKey{m, op, deref(req.Body.ClientToken)}
	}
	// A retry finds the participant gone: it gets the first answer.
	_, replay, e := m.contact.idem.lookup(key, fingerprintOf())
	if e != nil {
		return nil, e
	}
	if replay {
		return ok, nil
	}
	if e := activeLocked(cred.m); e != nil {
		return nil, e
	}
	if e := s.throttleLocked(cred, op); e != nil {
		return nil, e
	}
	seq := s.leaveLocked(m)
	s.remember(m, key, idemEntry{fp: fingerprintOf(), seq: seq})
	return ok, nil
}

// SendMessage adds a message to the transcript, or answers a retry with the
// first result.
func (svc *service) SendMessage(ctx context.Context, req participantserver.SendMessageRequestObject) (participantserver.SendMessageResponseObject, error) {
	s := svc.s
	op := participantops.SendMessage
	body := req.Body
	s.mu.Lock()
	defer s.mu.Unlock()
	m, e := s.authorizeLocked(req.Params.XAmzBearer, op, s.now())
	if e != nil {
		return nil, e
	}
	c := m.contact
	key, fp := idemKey{m, op, deref(body.ClientToken)}, fingerprintOf(body.ContentType, body.Content)
	first, replay, e := c.idem.lookup(key, fp)
	if e != nil {
		return nil, e
	}
	if it, kept := c.transcript.bySeq(first.seq); replay && kept {
		return messageAccepted(it), nil
	}
	if e := checkMessageContent(c, body.ContentType, body.Content); e != nil {
		return nil, e
	}
	// The contact's own copy of the content type: one string for every
	// message of the type.
	contentType := c.supported[slices.Index(c.supported, body.ContentType)]
	it := s.newItem(c, m, participant.ChatItemTypeMessage, contentType, body.Content)
	seq := s.addItemLocked(c, it)
	s.remember(m, key, idemEntry{fp: fp, seq: seq})
	return messageAccepted(&it), nil
}

func messageAccepted(it *participant.Item) participantserver.SendMessage200JSONResponse {
	return participantserver.SendMessage200JSONResponse{
		Body: participantserver.SendMessageResult{
			Id:              &it.ID,
			AbsoluteTime:    new(string(it.AbsoluteTime)),
			MessageMetadata: &participantserver.MessageProcessingMetadata{MessageProcessingStatus: new(participantserver.MessageProcessingStatusPROCESSING)},
		},
	}
}

// checkMessageContent holds a message to what its contact accepts: a
// content type it supports, and JSON for the JSON types.
func checkMessageContent(c *contact, contentType, content string) *apiError {
	if !c.supports(contentType) {
		return validationError(problem{"ContentType", "must be one of the content types this contact supports (" +
			strings.Join(c.supported, ", ") + "); a contact accepts only the types it was started with"})
	}
	switch contentType {
	case participant.ContentTypeJSON, participant.ContentTypeInteractiveResponse:
		if !json.Valid([]byte(content)) {
			return validationError(problem{"Content", "must be valid JSON for ContentType " + contentType})
		}
	}
	return nil
}

// SendEvent handles an event of a participant: typing is published, a
// receipt updates its message, a connection acknowledgement is accepted.
func (svc *service) SendEvent(ctx context.Context, req participantserver.SendEventRequestObject) (participantserver.SendEventResponseObject, error) {
	s := svc.s
	op := participantops.SendEvent
	body := req.Body
	content := deref(body.Content)
	s.mu.Lock()
	defer s.mu.Unlock()
	m, e := s.authorizeLocked(req.Params.XAmzBearer, op, s.now())
	if e != nil {
		return nil, e
	}
	c := m.contact
	key, fp := idemKey{m, op, deref(body.ClientToken)}, fingerprintOf(body.ContentType, content)
	first, replay, e := c.idem.lookup(key, fp)
	if e != nil {
		return nil, e
	}
	if replay {
		return participantserver.SendEvent200JSONResponse{Body: first.result.(participantserver.SendEventResult)}, nil
	}
	if !slices.Contains(eventTypesFromParticipants, body.ContentType) {
		return nil, validationError(problem{"ContentType", "must be an event type participants send: " + strings.Join(eventTypesFromParticipants, ", ")})
	}
	var it participant.Item
	switch body.ContentType {
	case participant.EventTypeMessageDelivered, participant.EventTypeMessageRead:
		if it, e = s.receiptLocked(c, m, body.ContentType, content); e != nil {
			return nil, e
		}
	case participant.EventTypeTyping:
		it = s.newItem(c, m, participant.ChatItemTypeEvent, body.ContentType, content)
		s.publish(c.id, it) // typing is never stored
	default: // the deprecated connection.acknowledged: accepted, nothing else
		it = s.newItem(c, m, participant.ChatItemTypeEvent, body.ContentType, content)
	}
	result := participantserver.SendEventResult{Id: &it.ID, AbsoluteTime: new(string(it.AbsoluteTime))}
	s.remember(m, key, idemEntry{fp: fp, seq: c.transcript.next(), result: result})
	return participantserver.SendEvent200JSONResponse{Body: result}, nil
}

// receiptLocked records m's receipt (delivered or read) for the message
// that content names, and publishes the message's new metadata, which it
// returns as a MESSAGEMETADATA item.
func (s *Server) receiptLocked(c *contact, m *member, eventType, content string) (participant.Item, *apiError) {
	var named struct {
		MessageID string `json:"messageId"`
	}
	if json.Unmarshal([]byte(content), &named) != nil || named.MessageID == "" {
		return participant.Item{}, validationError(problem{"Content", `must name the message of a receipt as JSON: {"messageId":"<Id of the message>"}`})
	}
	if n := c.activeMembers(); n > 2 {
		return participant.Item{}, apiErrorf(codeConflict,
			"Receipts are not allowed while the chat has more than two active participants (participanttest: it has %d).", n)
	}
	seq, found := c.byID.m[named.MessageID]
	msg, kept := c.transcript.bySeq(seq)
	if !found || !kept || (msg.Type != participant.ChatItemTypeMessage && msg.Type != participant.ChatItemTypeAttachment) {
		return participant.Item{}, validationError(problem{"Content", "must name a message of this chat's transcript by its Id"})
	}
	now := participant.Timestamp(stamp(s.now()))
	if msg.MessageMetadata == nil {
		msg.MessageMetadata = &participant.MessageMetadata{MessageID: msg.ID}
	}
	meta := msg.MessageMetadata
	i := slices.IndexFunc(meta.Receipts, func(r participant.Receipt) bool { return r.RecipientParticipantID == m.id })
	if i < 0 {
		meta.Receipts = append(meta.Receipts, participant.Receipt{RecipientParticipantID: m.id})
		i = len(meta.Receipts) - 1
	}
	if eventType == participant.EventTypeMessageDelivered {
		meta.Receipts[i].DeliveredTimestamp = now
	} else {
		meta.Receipts[i].ReadTimestamp = now
	}
	it := s.newItem(c, nil, participant.ChatItemTypeMessageMetadata, participant.EventTypeMessageMetadata, "")
	it.ParticipantRole = ""
	it.MessageMetadata = cloneItem(*msg).MessageMetadata
	s.publish(c.id, it)
	return it, nil
}

// DescribeView answers a view that AddView made.
func (svc *service) DescribeView(ctx context.Context, req participantserver.DescribeViewRequestObject) (participantserver.DescribeViewResponseObject, error) {
	s := svc.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, e := s.authorizeLocked(req.Params.XAmzBearer, participantops.DescribeView, s.now()); e != nil {
		return nil, e
	}
	v, ok := s.chat.views[req.ViewToken]
	if !ok {
		return nil, &apiError{code: codeNotFound, message: "The requested view was not found (participanttest: AddView makes views).",
			resourceID: req.ViewToken, resourceType: string(participantserver.CONTACTFLOW)}
	}
	view := participantserver.View{
		Id: nonEmpty(v.ID), Arn: nonEmpty(v.ARN), Name: nonEmpty(v.Name), Version: &v.Version,
		Content: &participantserver.ViewContent{InputSchema: nonEmpty(v.InputSchema), Template: nonEmpty(v.Template)},
	}
	if v.Actions != nil {
		view.Content.Actions = new(append([]string(nil), v.Actions...))
	}
	return participantserver.DescribeView200JSONResponse{
		Body: participantserver.DescribeViewResult{View: &view},
	}, nil
}

// nonEmpty points at s, or is nil for "".
func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// authURLBase is where the fake's customer authentications sign in: a host
// under .invalid, which never resolves.
const authURLBase = "https://auth.participanttest.invalid/oauth2/authorize"

// GetAuthenticationUrl answers the sign-in URL of an authentication session
// of the caller's chat.
func (svc *service) GetAuthenticationUrl(ctx context.Context, req participantserver.GetAuthenticationUrlRequestObject) (participantserver.GetAuthenticationUrlResponseObject, error) {
	s := svc.s
	s.mu.Lock()
	defer s.mu.Unlock()
	m, e := s.authorizeLocked(req.Params.XAmzBearer, participantops.GetAuthenticationUrl, s.now())
	if e != nil {
		return nil, e
	}
	if e := openSession(m.contact, req.Body.SessionId); e != nil {
		return nil, e
	}
	u := authURLBase + "?" + url.Values{"state": {req.Body.SessionId}, "redirect_uri": {req.Body.RedirectUri}}.Encode()
	if limit := outputMember(participantops.GetAuthenticationUrl, "AuthenticationUrl").MaxLength; utf8.RuneCountInString(u) > limit {
		return nil, validationError(problem{"RedirectUri", "makes an AuthenticationUrl longer than its limit once escaped; use a shorter one"})
	}
	return participantserver.GetAuthenticationUrl200JSONResponse{
		Body: participantserver.GetAuthenticationUrlResult{AuthenticationUrl: &u},
	}, nil
}

// outputMember returns the output member of op called name; the contract
// has it.
func outputMember(op *participantops.Operation, name string) participantops.Member {
	for _, m := range op.Output {
		if m.Name == name {
			return m
		}
	}
	panic("participanttest: " + op.Name + " has no output member " + name + "; run go generate")
}

// openSession refuses a session that c did not start, or that was cancelled.
func openSession(c *contact, sessionID string) *apiError {
	cancelled, ok := c.auth[sessionID]
	switch {
	case !ok:
		return validationError(problem{"SessionId", "must name an authentication session of this chat (participanttest: StartAuthentication starts one)"})
	case cancelled:
		return validationError(problem{"SessionId", "names an authentication session that was cancelled"})
	}
	return nil
}

// CancelParticipantAuthentication cancels an authentication session of the
// caller's chat.
func (svc *service) CancelParticipantAuthentication(ctx context.Context, req participantserver.CancelParticipantAuthenticationRequestObject) (participantserver.CancelParticipantAuthenticationResponseObject, error) {
	s := svc.s
	s.mu.Lock()
	defer s.mu.Unlock()
	m, e := s.authorizeLocked(req.Params.XAmzBearer, participantops.CancelParticipantAuthentication, s.now())
	if e != nil {
		return nil, e
	}
	c := m.contact
	if e := openSession(c, req.Body.SessionId); e != nil {
		return nil, e
	}
	c.auth[req.Body.SessionId] = true
	s.addEventLocked(c, m, participant.EventTypeAuthenticationCancelled, "")
	return participantserver.CancelParticipantAuthentication200Response{}, nil
}
