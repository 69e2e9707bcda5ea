package chat

import (
	"slices"
	"sync"
	"time"
)

// beats holds the heartbeats due of all the sockets of the process. Their
// due times lie on a grid (see nextBeat), so that many fall due at once:
// one timer, for the earliest, wakes one goroutine that sends the
// heartbeats due, socket after socket, instead of a timer and a goroutine
// for each socket. With thousands of idle sessions, waking up for the
// heartbeats is a good part of what the process does.
//
// A heartbeat's write does not wait on the network: a socket's send buffer
// holds far more heartbeats than go unanswered before the socket is
// broken. Should one wait all the same, the socket's write timeout
// (writeTimeout) bounds it.
var beats = &beatWheel{buckets: make(map[time.Duration]map[*socket]struct{}), epoch: time.Now()}

// beatWheel is the heartbeats due, by when: times are on the monotonic
// clock, as durations since epoch.
type beatWheel struct {
	mu       sync.Mutex
	buckets  map[time.Duration]map[*socket]struct{} // by due time
	instants []time.Duration                        // the keys of buckets, earliest first
	timer    *time.Timer                            // set for instants[0] while there is one
	epoch    time.Time
}

// now is the time on the wheel's clock.
func (w *beatWheel) now() time.Duration { return time.Since(w.epoch) }

// add makes the next heartbeats of a socket due at a time (see nextBeat),
// unless the socket is closed.
func (w *beatWheel) add(c *socket, due time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if c.closed.Load() { // close removes it after it marked it closed
		return
	}
	w.removeLocked(c)
	b := w.buckets[due]
	if b == nil {
		b = make(map[*socket]struct{})
		w.buckets[due] = b
		i, _ := slices.BinarySearch(w.instants, due)
		w.instants = slices.Insert(w.instants, i, due)
		if i == 0 {
			w.armLocked(due)
		}
	}
	b[c] = struct{}{}
	c.due = due
}

// remove drops the heartbeats due of a socket.
func (w *beatWheel) remove(c *socket) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.removeLocked(c)
}

func (w *beatWheel) removeLocked(c *socket) {
	if c.due == 0 {
		return
	}
	due := c.due
	c.due = 0
	b := w.buckets[due]
	delete(b, c)
	if len(b) > 0 {
		return
	}
	delete(w.buckets, due)
	if i, found := slices.BinarySearch(w.instants, due); found {
		w.instants = slices.Delete(w.instants, i, i+1)
	}
	if len(w.instants) == 0 {
		w.timer.Stop() // nothing left to wake up for
	}
}

// armLocked sets the timer for due.
func (w *beatWheel) armLocked(due time.Duration) {
	d := due - w.now()
	if w.timer == nil {
		w.timer = time.AfterFunc(d, w.fire)
		return
	}
	w.timer.Reset(d)
}

// fire sends the heartbeats due, and sets the timer for the next.
func (w *beatWheel) fire() {
	now := w.now()
	var due []*socket
	w.mu.Lock()
	for len(w.instants) > 0 && w.instants[0] <= now {
		for c := range w.buckets[w.instants[0]] {
			c.due = 0
			due = append(due, c)
		}
		delete(w.buckets, w.instants[0])
		w.instants = w.instants[1:]
	}
	if len(w.instants) > 0 {
		w.armLocked(w.instants[0])
	}
	w.mu.Unlock()
	for _, c := range due {
		c.session.beat(c)
	}
}
