package correlate

import (
	"time"

	"github.com/badgw/badgw/logparse"
)

// storedEvent is an error.log event kept for joining and explanation.
type storedEvent struct {
	ev     logparse.Event
	pos    Pos
	joined bool     // joined exactly to an access record
	burst  *tracker // the burst it was counted for, if any
}

// eventRing keeps the most recent error events, oldest overwritten first,
// so memory is bounded however long the input. Events arrive in time order
// (Run merges sources by time), which lets scans stop early.
type eventRing struct {
	buf  []storedEvent
	next int // index of the slot written next
	n    int // events held
}

func newEventRing(size int) eventRing {
	return eventRing{buf: make([]storedEvent, size)}
}

func (r *eventRing) push(e storedEvent) {
	r.buf[r.next] = e
	r.next = (r.next + 1) % len(r.buf)
	if r.n < len(r.buf) {
		r.n++
	}
}

// scanBack calls fn for events from the newest back to the first one older
// than since, or until fn returns false.
func (r *eventRing) scanBack(since time.Time, fn func(*storedEvent) bool) {
	for i := 0; i < r.n; i++ {
		idx := (r.next - 1 - i + len(r.buf)) % len(r.buf)
		e := &r.buf[idx]
		if e.ev.Time.Before(since) {
			return
		}
		if !fn(e) {
			return
		}
	}
}
