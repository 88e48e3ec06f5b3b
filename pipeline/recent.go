package pipeline

import "github.com/badgw/badgw/correlate"

// The lines behind a moment that is not a burst: the interface's raw-lines
// pane on the timeline's cursor. A live run cannot read stdin again, so
// the run keeps its last bad lines (5xx answers and upstream errors) in a
// ring; an older moment of a file is read again (window.go).

// maxRecent bounds the ring: at most 2,000 lines of 2 KiB.
const maxRecent = 2000

type recentLines struct {
	buf     []correlate.Line
	next    int
	dropped bool // the ring has overwritten lines: it no longer holds all
}

func (r *recentLines) add(l correlate.Line) {
	if len(r.buf) < maxRecent {
		r.buf = append(r.buf, l)
		return
	}
	r.buf[r.next] = l
	r.next = (r.next + 1) % maxRecent
	r.dropped = true
}

// lines returns the ring's lines, oldest first.
func (r *recentLines) lines() []correlate.Line {
	out := make([]correlate.Line, 0, len(r.buf))
	out = append(out, r.buf[r.next:]...)
	return append(out, r.buf[:r.next]...)
}
