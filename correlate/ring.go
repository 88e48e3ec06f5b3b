package correlate

import (
	"time"

	"github.com/badgw/badgw/logparse"
)

// storedEvent is an error.log event kept for joining and explanation.
type storedEvent struct {
	ev     logparse.Event
	pos    Pos
	seq    uint64 // its place in the order of pushes, for the index
	links  joinLinks
	joined bool     // joined exactly to an access record
	burst  *tracker // the burst it was counted for, if any
}

// eventRing keeps the most recent error events, oldest overwritten first,
// so memory is bounded however long the input. Events arrive in time order
// (Run merges sources by time), which lets scans stop early. Its buffer
// starts small and doubles up to size, so an error log of a few lines a
// second holds a few thousand slots, not size.
type eventRing struct {
	buf      []storedEvent
	next     int // index of the slot written next
	n        int // events held
	bytes    int // text held by those events
	size     int // the most events held
	maxBytes int
	// firstSeq is the seq of the oldest event held; the next push gets
	// firstSeq+n.
	firstSeq uint64
	index    joinIndex
}

// newEventRing holds at most size events and about maxBytes of their text:
// error lines are attacker-controlled, so a count alone does not bound memory.
func newEventRing(size, maxBytes int) eventRing {
	return eventRing{buf: make([]storedEvent, min(size, initialRingSlots)), size: size, maxBytes: maxBytes, index: newJoinIndex()}
}

const initialRingSlots = 1024

func textBytes(e *storedEvent) int { return len(e.ev.Line) + len(e.ev.Message) + len(e.ev.Request) }

func (r *eventRing) push(e storedEvent) {
	if r.n == len(r.buf) {
		if len(r.buf) < r.size {
			r.grow()
		} else {
			r.dropOldest()
		}
	}
	e.seq = r.firstSeq + uint64(r.n)
	r.buf[r.next] = e
	r.index.add(&r.buf[r.next])
	r.next = (r.next + 1) % len(r.buf)
	r.n++
	r.bytes += textBytes(&e)
	for r.bytes > r.maxBytes && r.n > 1 {
		r.dropOldest()
	}
}

// grow doubles the buffer (up to size), keeping the events in order.
func (r *eventRing) grow() {
	buf := make([]storedEvent, min(2*len(r.buf), r.size))
	first := (r.next - r.n + len(r.buf)) % len(r.buf)
	for i := 0; i < r.n; i++ {
		buf[i] = r.buf[(first+i)%len(r.buf)]
	}
	r.buf, r.next = buf, r.n%len(buf)
}

// dropBefore drops the oldest events while they are older than t.
func (r *eventRing) dropBefore(t time.Time) {
	for r.n > 0 && r.oldest().ev.Time.Before(t) {
		r.dropOldest()
	}
}

// oldest returns the event held longest; the ring must not be empty.
func (r *eventRing) oldest() *storedEvent {
	return &r.buf[(r.next-r.n+len(r.buf))%len(r.buf)]
}

// newest returns the event pushed last; the ring must not be empty.
func (r *eventRing) newest() *storedEvent {
	return &r.buf[(r.next-1+len(r.buf))%len(r.buf)]
}

func (r *eventRing) dropOldest() {
	idx := (r.next - r.n + len(r.buf)) % len(r.buf)
	r.bytes -= textBytes(&r.buf[idx])
	r.index.remove(&r.buf[idx])
	r.buf[idx] = storedEvent{}
	r.n--
	r.firstSeq++
}

// at returns the event pushed as seq, nil when it is no longer held.
func (r *eventRing) at(seq uint64) *storedEvent {
	if seq < r.firstSeq || seq >= r.firstSeq+uint64(r.n) {
		return nil
	}
	oldest := (r.next - r.n + len(r.buf)) % len(r.buf)
	return &r.buf[(oldest+int(seq-r.firstSeq))%len(r.buf)]
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
