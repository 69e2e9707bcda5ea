package chat

// Held is how many items the session holds for the caller: queued, and
// waiting behind a catch-up. Tests wait on it to know that what the fake
// pushed has reached the session before the caller reads.
func Held(s *Session) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue) + len(s.pendingLive)
}
