package chat

import (
	"context"
	"errors"
	"time"

	"github.com/chatwire/connectparticipant/participant"
)

const (
	// seenCapacity bounds how many item IDs the session remembers to
	// de-duplicate by: far more than a chat holds.
	seenCapacity = 1 << 16
	// pageSize is the page of GetTranscript the session catches up with.
	pageSize = 100
	// maxPendingLive bounds the live items held while catching up; more are
	// dropped, and transcript items among them fetched again.
	maxPendingLive = 1024
)

// idSet remembers the last capacity IDs added. It grows as IDs come, so
// that an idle session holds next to nothing for it.
type idSet struct {
	ids      map[string]struct{} // nil until the first ID
	order    []string            // ring of the IDs, oldest at next once full
	next     int
	capacity int
}

func newIDSet(capacity int) idSet { return idSet{capacity: capacity} }

func (s *idSet) has(id string) bool {
	_, ok := s.ids[id]
	return ok
}

func (s *idSet) add(id string) {
	if s.ids == nil {
		s.ids = make(map[string]struct{})
	}
	if len(s.order) < s.capacity {
		s.order = append(s.order, id)
	} else {
		delete(s.ids, s.order[s.next])
		s.order[s.next] = id
		s.next = (s.next + 1) % len(s.order)
	}
	s.ids[id] = struct{}{}
}

// inTranscript reports whether an item is part of the transcript, which
// GetTranscript returns: typing events and receipts are not.
func inTranscript(item participant.Item) bool {
	return item.Type != participant.ChatItemTypeMessageMetadata && item.Type != participant.ChatItemTypeTyping &&
		item.ContentType != participant.EventTypeTyping
}

// endsChat reports whether an item is the end of this chat: a chat-ended
// event that is neither from a past contact of a persistent chat nor older
// than the session.
func (s *Session) endsChat(item participant.Item, pastSession bool) bool {
	if item.ContentType != participant.EventTypeChatEnded || pastSession {
		return false
	}
	t, err := item.AbsoluteTime.Time()
	return err != nil || !t.Before(s.connectedAt.Add(-clockSkew))
}

// clockSkew is how far the service's clock may be behind ours.
const clockSkew = 5 * time.Minute

// offer hands an item to the caller's queue, once. A live item (from the
// WebSocket) that arrives while the session is catching up waits until the
// catch-up is done, so items stay in order.
func (s *Session) offer(item participant.Item, pastSession, live bool) {
	s.mu.Lock()
	if item.ID != "" && s.seen.has(item.ID) {
		s.mu.Unlock()
		return
	}
	if live && !s.gap && len(s.queue) >= s.cfg.buffer && inTranscript(item) {
		s.gap = true // keep it: the transcript may be closed by the time the reader catches up
	}
	if live && s.gap {
		if len(s.pendingLive) < maxPendingLive {
			s.pendingLive = append(s.pendingLive, item)
		}
		s.mu.Unlock()
		return
	}
	s.enqueueLocked(item, pastSession)
	ended := s.ended
	s.mu.Unlock()
	if ended {
		s.breakFor(reasonEnded) // the session's goroutine sees the end
	}
}

// enqueueLocked queues an item for the caller, or, when the queue is full,
// leaves it to be fetched again from the transcript.
func (s *Session) enqueueLocked(item participant.Item, pastSession bool) bool {
	if s.ended {
		return false
	}
	if len(s.queue) >= s.cfg.buffer {
		if inTranscript(item) {
			s.gap = true
		}
		return false
	}
	s.queue = append(s.queue, item)
	if item.ID != "" {
		s.seen.add(item.ID)
	}
	if inTranscript(item) && item.ID != "" {
		s.last = item.ID
	}
	if s.endsChat(item, pastSession) {
		s.ended = true // the caller breaks the socket, out of the lock
	}
	signal(s.ready)
	return true
}

// startCatchUp starts catching up, unless there is nothing to catch up on
// or a catch-up runs.
func (s *Session) startCatchUp() {
	s.mu.Lock()
	start := s.gap && !s.ended && len(s.queue) < s.cfg.buffer && s.claimCatchUpLocked()
	s.mu.Unlock()
	if start {
		go s.catchUpLoop()
	}
}

// claimCatchUpLocked reports whether the caller is to start a catch-up
// (catchUpLoop); if one runs, it goes round once more instead.
func (s *Session) claimCatchUpLocked() bool {
	if s.catching {
		s.catchAgain = true
		return false
	}
	if !s.enterLocked() {
		return false
	}
	s.catching = true
	return true
}

// catchUpLoop is the goroutine of a catch-up, while it lasts: never two at
// once, and never while the session reconnects.
func (s *Session) catchUpLoop() {
	defer s.bg.Done()
	for {
		s.busy.Lock()
		s.catchUp()
		s.busy.Unlock()
		s.mu.Lock()
		again := s.catchAgain && s.ctx.Err() == nil
		s.catchAgain = false
		s.catching = again
		ended := s.ended
		s.mu.Unlock()
		if ended {
			s.breakFor(reasonEnded) // the session's goroutine sees the end
		}
		if !again {
			return
		}
	}
}

// catchUp fetches from the transcript what the caller has not had, from the
// last item queued on, while there is room in the queue; then the live items
// that arrived meanwhile follow.
func (s *Session) catchUp() {
	for {
		s.mu.Lock()
		if !s.gap || s.ended || len(s.queue) >= s.cfg.buffer {
			s.mu.Unlock()
			return
		}
		last := s.last
		s.mu.Unlock()

		var items []participant.Item
		var err error
		if last == "" {
			items, err = s.history(s.ctx)
		} else {
			items, err = s.after(s.ctx, last)
		}
		var denied *participant.AccessDeniedException
		if errors.As(err, &denied) {
			// The transcript is closed to the participant (the chat ended,
			// or it left): what arrived live is all there is.
			s.mu.Lock()
			s.flushPendingLocked()
			s.mu.Unlock()
			return
		}
		if err != nil {
			if s.ctx.Err() == nil {
				s.logf("chat session: catching up failed; trying again on the next heartbeat", "error", err.Error())
			}
			return
		}
		s.mu.Lock()
		complete := true
		for _, item := range items {
			if item.ID != "" && s.seen.has(item.ID) {
				continue
			}
			if !s.enqueueLocked(item, false) {
				complete = false
				break
			}
		}
		// A full page from an item may be followed by more; a partial one
		// reached the end of the transcript.
		if complete && (last == "" || len(items) < pageSize) {
			s.flushPendingLocked()
		}
		progressed := s.last != last
		s.mu.Unlock()
		if !progressed {
			return
		}
	}
}

// flushPendingLocked ends a catch-up: the live items that arrived meanwhile
// follow what it fetched.
func (s *Session) flushPendingLocked() {
	s.gap = false
	for i, item := range s.pendingLive {
		if item.ID != "" && s.seen.has(item.ID) {
			continue
		}
		if !s.enqueueLocked(item, false) && !s.ended {
			s.pendingLive = s.pendingLive[i:] // what does not fit waits for the next flush
			s.gap = true
			return
		}
	}
	s.pendingLive = nil
}

// after returns the transcript from the item id on, oldest first. An id the
// service does not find gives the whole history instead.
func (s *Session) after(ctx context.Context, id string) ([]participant.Item, error) {
	out, err := s.client.GetTranscript(ctx, participant.GetTranscriptInput{
		ConnectionToken: s.ConnectionToken(),
		MaxResults:      pageSize,
		ScanDirection:   participant.ScanDirectionForward,
		SortOrder:       participant.SortKeyAscending,
		StartPosition:   &participant.StartPosition{ID: id},
	})
	var invalid *participant.ValidationException
	if errors.As(err, &invalid) {
		return s.history(ctx)
	}
	if err != nil {
		return nil, err
	}
	return out.Transcript, nil
}

// history returns the whole transcript, oldest first.
func (s *Session) history(ctx context.Context) ([]participant.Item, error) {
	var items []participant.Item
	in := participant.GetTranscriptInput{ConnectionToken: s.ConnectionToken(), MaxResults: pageSize,
		ScanDirection: participant.ScanDirectionBackward, SortOrder: participant.SortKeyDescending}
	for item, err := range s.client.TranscriptItems(ctx, in) {
		if err != nil {
			return nil, err
		}
		items = append(items, item)
	}
	for i, j := 0, len(items)-1; i < j; i, j = i+1, j-1 {
		items[i], items[j] = items[j], items[i]
	}
	return items, nil
}

// skipHistory marks every item sent so far as delivered, so that the
// session starts with what comes next.
func (s *Session) skipHistory(ctx context.Context) error {
	items, err := s.history(ctx)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, item := range items {
		if item.ID != "" {
			s.seen.add(item.ID)
			s.last = item.ID
		}
	}
	if s.last != "" {
		s.flushPendingLocked()
	}
	return nil
}
