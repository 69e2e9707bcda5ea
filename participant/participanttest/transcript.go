package participanttest

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chatwire/connectparticipant/gen/participantops"
	"github.com/chatwire/connectparticipant/gen/participantserver"
	"github.com/chatwire/connectparticipant/participant"
)

// defaultPageSize is GetTranscript's MaxResults when the request has none,
// as the contract documents.
const defaultPageSize = 10

// transcriptQuery is a GetTranscript request with the service's defaults
// applied.
type transcriptQuery struct {
	forward   bool // ScanDirection FORWARD
	ascending bool // SortOrder ASCENDING
	max       int
	start     *participantserver.StartPosition
}

func newTranscriptQuery(body participantserver.GetTranscriptRequest) (transcriptQuery, *apiError) {
	q := transcriptQuery{max: int(deref(body.MaxResults)), start: body.StartPosition}
	if q.max == 0 {
		q.max = defaultPageSize
	}
	if sp := q.start; sp != nil {
		set := 0
		for _, isSet := range []bool{sp.Id != nil, sp.AbsoluteTime != nil, sp.MostRecent != nil} {
			if isSet {
				set++
			}
		}
		if set != 1 {
			return q, validationError(problem{"StartPosition", "must set exactly one of Id, AbsoluteTime and MostRecent"})
		}
	}
	// The service's defaults: BACKWARD without a StartPosition, FORWARD
	// with one; newest first.
	q.forward = q.start != nil
	if d := body.ScanDirection; d != nil {
		q.forward = *d == participantserver.FORWARD
	}
	q.ascending = deref(body.SortOrder) == participantserver.ASCENDING
	return q, nil
}

// hash identifies what a NextToken continues: the direction, the order and
// the start. MaxResults may change from page to page.
func (q transcriptQuery) hash() string {
	parts := []string{strconv.FormatBool(q.forward), strconv.FormatBool(q.ascending)}
	if sp := q.start; sp != nil {
		parts = append(parts, deref(sp.Id), deref(sp.AbsoluteTime))
		if sp.MostRecent != nil {
			parts = append(parts, strconv.Itoa(int(*sp.MostRecent)))
		}
	}
	return strconv.FormatUint(uint64(fingerprintOf(parts...)), 16)
}

// startSeq is the sequence number the query's first page starts at, in its
// direction. It may be outside the transcript: the page is then empty.
func (q transcriptQuery) startSeq(c *contact) (int64, *apiError) {
	r := &c.transcript
	last := r.next() - 1
	sp := q.start
	switch {
	case sp == nil && q.forward:
		return r.first, nil
	case sp == nil:
		return last, nil
	case sp.Id != nil:
		seq, ok := c.byID.m[*sp.Id]
		if !ok {
			return 0, validationError(problem{"StartPosition.Id", "must be the Id of an item of this chat's transcript"})
		}
		return seq, nil
	case sp.MostRecent != nil:
		return max(r.first, last-int64(*sp.MostRecent)), nil
	}
	at, err := time.Parse(time.RFC3339Nano, *sp.AbsoluteTime)
	if err != nil {
		return 0, validationError(problem{"StartPosition.AbsoluteTime", "must be an ISO 8601 time such as 2019-11-08T02:41:28.172Z"})
	}
	// FORWARD starts at the first item at or after the time, BACKWARD at
	// the last item at or before it.
	if q.forward {
		for seq := r.first; seq <= last; seq++ {
			if !itemTime(r, seq).Before(at) {
				return seq, nil
			}
		}
		return last + 1, nil
	}
	for seq := last; seq >= r.first; seq-- {
		if !itemTime(r, seq).After(at) {
			return seq, nil
		}
	}
	return r.first - 1, nil
}

// itemTime is the AbsoluteTime of the item of seq.
func itemTime(r *ring, seq int64) time.Time {
	it, _ := r.bySeq(seq)
	t, _ := it.AbsoluteTime.Time() // the fake wrote it
	return t
}

// GetTranscript answers one page of the caller's transcript.
func (svc *service) GetTranscript(ctx context.Context, req participantserver.GetTranscriptRequestObject) (participantserver.GetTranscriptResponseObject, error) {
	s := svc.s
	var body participantserver.GetTranscriptRequest
	if req.Body != nil {
		body = *req.Body
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, e := s.authorizeLocked(req.Params.XAmzBearer, participantops.GetTranscript, s.now())
	if e != nil {
		return nil, e
	}
	c := m.contact
	if id := body.ContactId; id != nil && *id != c.id {
		return nil, accessDenied(msgAccessDenied + " (participanttest: ContactId names a contact this connection is not part of.)")
	}
	q, e := newTranscriptQuery(body)
	if e != nil {
		return nil, e
	}
	var pos int64
	if body.NextToken != nil {
		pos, e = s.openPageToken(*body.NextToken, c, q.hash())
	} else {
		pos, e = q.startSeq(c)
	}
	if e != nil {
		return nil, e
	}

	step := int64(-1)
	if q.forward {
		step = 1
	}
	page := make([]participantserver.Item, 0, q.max)
	for len(page) < q.max {
		it, ok := c.transcript.bySeq(pos)
		if !ok {
			break
		}
		page = append(page, serverItem(it))
		pos += step
	}
	if q.forward != q.ascending {
		slices.Reverse(page)
	}
	result := participantserver.GetTranscriptResult{InitialContactId: &c.id, Transcript: &page}
	if _, more := c.transcript.bySeq(pos); more && len(page) > 0 {
		result.NextToken = new(s.sealPageToken(c, pos, q.hash()))
	}
	return participantserver.GetTranscript200JSONResponse{
		Body: result,
	}, nil
}

// pageToken is what a NextToken says: the contact, the sequence number of
// the next item to read, and the hash of the query it continues.
type pageToken struct {
	Contact  string `json:"c"`
	Position int64  `json:"p"`
	Query    string `json:"q"`
}

// sealPageToken makes a NextToken: the JSON of a pageToken and its HMAC
// under the server's random key, each in base64.
func (s *Server) sealPageToken(c *contact, pos int64, queryHash string) string {
	payload, _ := json.Marshal(pageToken{Contact: c.id, Position: pos, Query: queryHash})
	enc := base64.RawURLEncoding
	return enc.EncodeToString(payload) + "." + enc.EncodeToString(s.mac("page", payload))
}

// openPageToken checks a NextToken and returns its position: it must be the
// server's, for c, for the same query, and its items still kept.
func (s *Server) openPageToken(token string, c *contact, queryHash string) (int64, *apiError) {
	invalid := validationError(problem{"NextToken", "is not a NextToken this server gave for this chat; pass the NextToken of the previous page unchanged"})
	enc := base64.RawURLEncoding
	p64, m64, ok := strings.Cut(token, ".")
	payload, err1 := enc.DecodeString(p64)
	mac, err2 := enc.DecodeString(m64)
	if !ok || err1 != nil || err2 != nil || !hmac.Equal(mac, s.mac("page", payload)) {
		return 0, invalid
	}
	var pt pageToken
	if json.Unmarshal(payload, &pt) != nil || pt.Contact != c.id {
		return 0, invalid
	}
	if pt.Query != queryHash {
		return 0, validationError(problem{"NextToken", "belongs to another query; send the ScanDirection, SortOrder and StartPosition of the first page with it"})
	}
	if pt.Position < c.transcript.first {
		return 0, validationError(problem{"NextToken", "is stale: the items it continues from have left the transcript; start again without it"})
	}
	return pt.Position, nil
}

// mac is the HMAC-SHA256 of payload under the server's key, for a purpose.
func (s *Server) mac(purpose string, payload []byte) []byte {
	h := hmac.New(sha256.New, s.key)
	h.Write([]byte(purpose))
	h.Write([]byte{0})
	h.Write(payload)
	return h.Sum(nil)
}

// serverItem is it as the generated server encodes it.
func serverItem(it *participant.Item) participantserver.Item {
	out := participantserver.Item{
		Id:               nonEmpty(it.ID),
		ContentType:      nonEmpty(it.ContentType),
		Content:          nonEmpty(it.Content),
		AbsoluteTime:     nonEmpty(string(it.AbsoluteTime)),
		ParticipantId:    nonEmpty(it.ParticipantID),
		DisplayName:      nonEmpty(it.DisplayName),
		ContactId:        nonEmpty(it.ContactID),
		RelatedContactId: nonEmpty(it.RelatedContactID),
	}
	if it.Type != "" {
		out.Type = new(participantserver.ChatItemType(it.Type))
	}
	if it.ParticipantRole != "" {
		out.ParticipantRole = new(participantserver.ParticipantRole(it.ParticipantRole))
	}
	if len(it.Attachments) > 0 {
		atts := make([]participantserver.AttachmentItem, len(it.Attachments))
		for i, a := range it.Attachments {
			atts[i] = participantserver.AttachmentItem{
				AttachmentId: nonEmpty(a.AttachmentID), AttachmentName: nonEmpty(a.AttachmentName),
				ContentType: nonEmpty(a.ContentType), Status: new(participantserver.ArtifactStatus(a.Status)),
			}
		}
		out.Attachments = &atts
	}
	if meta := it.MessageMetadata; meta != nil {
		receipts := make([]participantserver.Receipt, len(meta.Receipts))
		for i, r := range meta.Receipts {
			receipts[i] = participantserver.Receipt{
				RecipientParticipantId: nonEmpty(r.RecipientParticipantID),
				DeliveredTimestamp:     nonEmpty(string(r.DeliveredTimestamp)),
				ReadTimestamp:          nonEmpty(string(r.ReadTimestamp)),
			}
		}
		out.MessageMetadata = &participantserver.MessageMetadata{MessageId: nonEmpty(meta.MessageID), Receipts: &receipts}
		if meta.MessageProcessingStatus != "" {
			out.MessageMetadata.MessageProcessingStatus = new(participantserver.MessageProcessingStatus(meta.MessageProcessingStatus))
		}
	}
	return out
}
