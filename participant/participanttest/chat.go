package participanttest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"maps"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/chatwire/connectparticipant/gen/participantops"
	"github.com/chatwire/connectparticipant/participant"
)

const (
	// absoluteTimeLayout is how the service writes times: UTC with
	// milliseconds, as in 2019-11-08T02:41:28.172Z.
	absoluteTimeLayout = "2006-01-02T15:04:05.000Z"
	// sweepInterval is how often, on the server's clock, the server drops
	// expired tokens and evicts ended contacts.
	sweepInterval = time.Minute
	// retention is how long, on the server's clock, the server keeps what
	// no longer works: a connection token after it expired (so that it is
	// refused as expired rather than unknown), a contact after its chat
	// ended once it has no connection token left.
	retention = time.Hour
)

// defaultContentTypes are the message content types a new contact accepts
// unless ParticipantOptions.SupportedContentTypes says otherwise.
var defaultContentTypes = []string{participant.ContentTypeTextPlain, participant.ContentTypeTextMarkdown}

// chatState is every chat the server holds. Server.mu guards it.
type chatState struct {
	contacts    map[string]*contact    // by contact ID
	creds       map[string]*credential // by participant or connection token
	tickets     map[string]*wsTicket   // by the token of a WebSocket URL
	views       map[string]View        // by view token
	attachments map[string]*attachment // by attachment ID
	storedBytes int64                  // the declared sizes of the attachments kept
	lastSweep   time.Time
}

func newChatState() chatState {
	return chatState{
		contacts:    make(map[string]*contact),
		creds:       make(map[string]*credential),
		tickets:     make(map[string]*wsTicket),
		views:       make(map[string]View),
		attachments: make(map[string]*attachment),
	}
}

// credKind tells participant tokens from connection tokens.
type credKind uint8

const (
	participantCred credKind = iota + 1
	connectionCred
)

// credential is what a token stands for.
type credential struct {
	kind    credKind
	m       *member
	expiry  time.Time               // of a connection token
	buckets map[string]*tokenBucket // rate limits by operation, made on first use
}

// wsTicket is what the token of a WebSocket URL stands for: whose socket it
// opens, and until when.
type wsTicket struct {
	m      *member
	expiry time.Time
}

// member is a participant of a contact.
type member struct {
	id, displayName string
	role            participant.ParticipantRole
	contact         *contact
	token           string   // the participant token
	connections     []string // the connection tokens issued, until they expire
	joined, left    bool
}

// active reports whether the participant is in the chat: it joined and has
// not left.
func (m *member) active() bool { return m.joined && !m.left }

// contact is one chat.
type contact struct {
	id         string
	supported  []string // the message content types it accepts
	members    []*member
	agent      *member // the agent of AgentSend, once it joined
	transcript ring
	byID       shrinkingMap[string, int64] // item ID → sequence number
	idem       idemIndex
	ended      bool
	endedAt    time.Time
	auth       map[string]bool // authentication session → cancelled
}

// supports reports whether the contact accepts messages of contentType.
func (c *contact) supports(contentType string) bool { return slices.Contains(c.supported, contentType) }

// activeMembers counts the participants in the chat.
func (c *contact) activeMembers() int {
	n := 0
	for _, m := range c.members {
		if m.active() {
			n++
		}
	}
	return n
}

// attachment is a file of a chat, from StartAttachmentUpload on.
type attachment struct {
	id, name, contentType string
	size                  int64
	contact               *contact
	by                    *member
	uploadExpiry          time.Time
	data                  []byte // nil until uploaded
	completed             bool
}

// signedHeaders are the headers an upload of a must carry, exactly: its
// StartAttachmentUpload answer hands them out as HeadersToInclude.
func (a *attachment) signedHeaders() map[string]string {
	return map[string]string{"Content-Type": a.contentType, attachmentIDHeader: a.id}
}

// newToken makes a token: 52 characters of base32, 260 random bits.
func newToken() string { return rand.Text() + rand.Text() }

// now is the server's clock in UTC.
func (s *Server) now() time.Time { return s.cfg.clock().UTC() }

// stamp formats t as the service writes times.
func stamp(t time.Time) string { return t.UTC().Format(absoluteTimeLayout) }

// newContactLocked starts a contact that accepts messages of supported.
func (s *Server) newContactLocked(supported []string) *contact {
	if len(supported) == 0 {
		supported = defaultContentTypes
	}
	c := &contact{
		id:        uuid.NewString(),
		supported: append([]string(nil), supported...),
		auth:      make(map[string]bool),
	}
	s.chat.contacts[c.id] = c
	return c
}

// addMemberLocked adds a participant to c and issues its participant token.
func (s *Server) addMemberLocked(c *contact, role participant.ParticipantRole, displayName string) *member {
	if role == "" {
		role = participant.ParticipantRoleCustomer
	}
	if displayName == "" {
		displayName = defaultDisplayName(role)
	}
	m := &member{id: uuid.NewString(), displayName: displayName, role: role, contact: c, token: newToken()}
	c.members = append(c.members, m)
	s.chat.creds[m.token] = &credential{kind: participantCred, m: m}
	return m
}

// defaultDisplayName is the name a participant of role shows by default.
func defaultDisplayName(role participant.ParticipantRole) string {
	switch role {
	case participant.ParticipantRoleCustomer:
		return "Customer"
	case participant.ParticipantRoleAgent:
		return "Agent"
	case participant.ParticipantRoleCustomBot:
		return "Bot"
	case participant.ParticipantRoleSupervisor:
		return "Supervisor"
	case participant.ParticipantRoleSystem:
		return "System"
	}
	return string(role)
}

// issueConnectionLocked issues a connection token for m.
func (s *Server) issueConnectionLocked(m *member, now time.Time) (string, time.Time) {
	token, expiry := newToken(), now.Add(s.cfg.connectionExpiry)
	s.chat.creds[token] = &credential{kind: connectionCred, m: m, expiry: expiry}
	m.connections = append(m.connections, token)
	return token, expiry
}

// newItem makes an item sent by m (nil: the system) in c, stamped now.
func (s *Server) newItem(c *contact, m *member, typ participant.ChatItemType, contentType, content string) participant.Item {
	it := participant.Item{
		ID:           uuid.NewString(),
		Type:         typ,
		ContentType:  contentType,
		Content:      content,
		AbsoluteTime: participant.Timestamp(stamp(s.now())),
		ContactID:    c.id,
	}
	if m != nil {
		it.ParticipantID, it.DisplayName, it.ParticipantRole = m.id, m.displayName, m.role
	} else {
		it.ParticipantRole = participant.ParticipantRoleSystem
	}
	return it
}

// addItemLocked appends it to c's transcript, dropping the oldest item (and
// the ClientTokens tied to it) when the transcript is full, and publishes it.
// It returns the item's sequence number.
func (s *Server) addItemLocked(c *contact, it participant.Item) int64 {
	if old, dropped := c.transcript.push(it, s.cfg.transcriptLimit); dropped {
		c.byID.delete(old.ID)
	}
	seq := c.transcript.next() - 1
	c.byID.set(it.ID, seq)
	c.idem.trim(c.transcript.first, s.cfg.transcriptLimit)
	s.publish(c.id, it)
	return seq
}

// addEventLocked adds an event of eventType sent by m (nil: the system).
func (s *Server) addEventLocked(c *contact, m *member, eventType, content string) int64 {
	return s.addItemLocked(c, s.newItem(c, m, participant.ChatItemTypeEvent, eventType, content))
}

// publish hands an item to whoever follows the contact's chat live: every
// item added to a transcript, every typing event and every receipt update
// (an item of Type MESSAGEMETADATA) goes through it, in order, with s.mu
// held, to the contact's chat WebSockets (and to Server.published, for the
// tests of the package). It must not block.
func (s *Server) publish(contactID string, item participant.Item) {
	s.pushToSockets(contactID, item)
	if s.published != nil {
		s.published(contactID, cloneItem(item))
	}
}

// joinLocked adds the participant.joined event the first time m joins.
func (s *Server) joinLocked(m *member) {
	if m.joined {
		return
	}
	m.joined = true
	s.addEventLocked(m.contact, m, participant.EventTypeParticipantJoined, "")
}

// leaveLocked makes m leave its chat.
func (s *Server) leaveLocked(m *member) int64 {
	m.left = true
	return s.addEventLocked(m.contact, m, participant.EventTypeParticipantLeft, "")
}

// endChatLocked ends c's chat: every token of it answers 403 from now on.
func (s *Server) endChatLocked(c *contact) {
	if c.ended {
		return
	}
	s.addEventLocked(c, nil, participant.EventTypeChatEnded, "")
	c.ended, c.endedAt = true, s.now()
}

// agentLocked returns c's agent, adding it (and its joined event) first.
func (s *Server) agentLocked(c *contact) *member {
	if c.agent == nil {
		c.agent = s.addMemberLocked(c, participant.ParticipantRoleAgent, "")
		s.joinLocked(c.agent)
	}
	return c.agent
}

// sweepLocked forgets the connection tokens that expired at least
// retention ago, expired WebSocket URLs and attachment reservations whose
// upload URL expired unused, and evicts the contacts that ended at least
// retention ago and have no connection token left. It runs at most once per
// sweepInterval of the server's clock.
func (s *Server) sweepLocked(now time.Time) {
	if now.Sub(s.chat.lastSweep) < sweepInterval {
		return
	}
	s.chat.lastSweep = now
	for token, cred := range s.chat.creds {
		if cred.kind == connectionCred && !now.Before(cred.expiry.Add(retention)) {
			delete(s.chat.creds, token)
			cred.m.dropConnection(token)
		}
	}
	for token, t := range s.chat.tickets {
		if !now.Before(t.expiry) {
			delete(s.chat.tickets, token)
		}
	}
	for id, a := range s.chat.attachments {
		if a.data == nil && !now.Before(a.uploadExpiry) {
			delete(s.chat.attachments, id)
			s.chat.storedBytes -= a.size
		}
	}
	for _, c := range s.chat.contacts {
		if c.ended && now.Sub(c.endedAt) >= retention && !c.hasConnections() {
			s.evictLocked(c)
		}
	}
}

// dropConnection forgets an expired connection token of m.
func (m *member) dropConnection(token string) {
	if i := slices.Index(m.connections, token); i >= 0 {
		m.connections = slices.Delete(m.connections, i, i+1)
	}
}

// hasConnections reports whether a participant of c holds a connection
// token the server has not forgotten.
func (c *contact) hasConnections() bool {
	for _, m := range c.members {
		if len(m.connections) > 0 {
			return true
		}
	}
	return false
}

// evictLocked forgets c and everything of it.
func (s *Server) evictLocked(c *contact) {
	for _, m := range c.members {
		delete(s.chat.creds, m.token)
	}
	for token, t := range s.chat.tickets {
		if t.m.contact == c {
			delete(s.chat.tickets, token)
		}
	}
	for id, a := range s.chat.attachments {
		if a.contact == c {
			delete(s.chat.attachments, id)
			s.chat.storedBytes -= a.size
		}
	}
	delete(s.chat.contacts, c.id)
}

// ring is a transcript: the latest items, oldest first, each with a
// sequence number that counts every item the contact ever had.
type ring struct {
	buf   []participant.Item // the items kept; once full, the oldest at head()
	first int64              // sequence number of the oldest item kept
}

// next is the sequence number the next item gets.
func (r *ring) next() int64 { return r.first + int64(len(r.buf)) }

// head is the index in buf of the oldest item: 0 until the ring is full,
// then one further on for every item dropped.
func (r *ring) head() int { return int(r.first % int64(max(len(r.buf), 1))) }

// at returns the i-th oldest item kept.
func (r *ring) at(i int) *participant.Item { return &r.buf[(r.head()+i)%len(r.buf)] }

// bySeq returns the item of sequence number seq, if it is kept.
func (r *ring) bySeq(seq int64) (*participant.Item, bool) {
	if seq < r.first || seq >= r.next() {
		return nil, false
	}
	return r.at(int(seq - r.first)), true
}

// push appends it, dropping and returning the oldest item if the ring
// already holds limit items.
func (r *ring) push(it participant.Item, limit int) (old participant.Item, dropped bool) {
	if len(r.buf) < limit {
		if len(r.buf) == cap(r.buf) {
			// Grow as append would, but never past limit: a full ring
			// holds no spare room.
			grown := make([]participant.Item, len(r.buf), min(max(2*cap(r.buf), 16), limit))
			copy(grown, r.buf)
			r.buf = grown
		}
		r.buf = append(r.buf, it) // nothing dropped yet: head is 0
		return participant.Item{}, false
	}
	h := r.head()
	old = r.buf[h]
	r.buf[h] = it
	r.first++
	return old, true
}

// idemKey names a request by its ClientToken: a ClientToken is the
// participant's, per operation.
type idemKey struct {
	m     *member
	op    *participantops.Operation
	token string
}

// fingerprint identifies the members of a request other than its
// ClientToken, to tell a retry from another request with the same token.
type fingerprint uint64

// fingerprintOf hashes parts, each prefixed by its length.
func fingerprintOf(parts ...string) fingerprint {
	h := sha256.New()
	for _, p := range parts {
		h.Write(binary.LittleEndian.AppendUint64(nil, uint64(len(p))))
		h.Write([]byte(p))
	}
	return fingerprint(binary.LittleEndian.Uint64(h.Sum(nil)))
}

// idemEntry is the first result of a request with a ClientToken.
type idemEntry struct {
	fp fingerprint
	// seq is the sequence number of the item the request added, or of the
	// next item at the time for a request that added none: the entry is
	// dropped with that item.
	seq int64
	// result is the first answer of a request that added no item; the
	// answer to one that did is read from its item.
	result any
}

// idemIndex holds a contact's idempotency entries, oldest first.
type idemIndex struct {
	m     shrinkingMap[idemKey, idemEntry]
	order []idemKey
	head  int
}

// lookup finds the entry of key. It returns a ValidationException when the
// token was used for a request other than the one of fp.
func (x *idemIndex) lookup(key idemKey, fp fingerprint) (idemEntry, bool, *apiError) {
	if key.token == "" {
		return idemEntry{}, false, nil
	}
	e, ok := x.m.m[key]
	if !ok {
		return idemEntry{}, false, nil
	}
	if e.fp != fp {
		return idemEntry{}, false, validationError(problem{"ClientToken", "was already used by this participant for a different " + key.op.Name +
			" request; use a new ClientToken for a new request, and the same one only to retry the same request"})
	}
	return e, true, nil
}

// remember keeps e for key, within limit entries.
func (x *idemIndex) remember(key idemKey, e idemEntry, limit int) {
	if key.token == "" {
		return
	}
	x.m.set(key, e)
	x.order = append(x.order, key)
	x.trim(-1, limit)
}

// trim drops the entries tied to items before first, and the oldest
// entries beyond limit.
func (x *idemIndex) trim(first int64, limit int) {
	for x.head < len(x.order) {
		key := x.order[x.head]
		e, ok := x.m.m[key]
		if ok && e.seq >= first && len(x.order)-x.head <= limit {
			break
		}
		if ok {
			x.m.delete(key)
		}
		x.order[x.head] = idemKey{}
		x.head++
	}
	if x.head > 64 && x.head > len(x.order)/2 {
		x.order = append(x.order[:0], x.order[x.head:]...)
		x.head = 0
	}
}

// shrinkingMap is a map that rebuilds itself once it has deleted more keys
// than it holds. A Go map never shrinks, and one whose keys keep changing,
// as a transcript's do, grows well past its live entries: its deleted slots
// are reclaimed only when it grows.
type shrinkingMap[K comparable, V any] struct {
	m       map[K]V
	deletes int
}

func (s *shrinkingMap[K, V]) set(k K, v V) {
	if s.m == nil {
		s.m = make(map[K]V)
	}
	s.m[k] = v
}

func (s *shrinkingMap[K, V]) delete(k K) {
	delete(s.m, k)
	if s.deletes++; s.deletes > len(s.m)+1024 {
		// Not maps.Clone, which keeps the room of the map it copies.
		fresh := make(map[K]V, len(s.m))
		maps.Copy(fresh, s.m)
		s.m, s.deletes = fresh, 0
	}
}
