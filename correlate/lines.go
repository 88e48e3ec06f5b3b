package correlate

import (
	"sort"
	"time"

	"github.com/badgw/badgw/logparse"
)

// Line is one raw line behind a burst: a bad response from the access log
// or an upstream error from the error log, for the interface's raw-lines
// pane.
type Line struct {
	Time   time.Time
	Source string
	Num    int64
	Text   string
	// Error is set for an error.log line; Status for an access line.
	Error    bool
	Status   int
	Peer     string
	Category string
	Client   string
}

// Bounds on the raw lines kept: per burst, per line, and for all closed
// bursts together (the oldest bursts lose theirs first), so the pane's
// memory does not grow with the input.
const (
	maxBurstLines   = 500
	maxLineText     = 2 << 10
	maxClosedLineKB = 32 << 10
)

func (t *tracker) keepLine(l Line) {
	if len(t.lines) < maxBurstLines {
		t.lines = append(t.lines, l)
	}
}

func (t *tracker) keepRecord(rec *logparse.Record, pos Pos) {
	if len(t.lines) >= maxBurstLines {
		return
	}
	peer := ""
	if n := len(rec.Attempts); n > 0 {
		peer = string(rec.Attempts[n-1].Addr)
	}
	t.keepLine(Line{Time: rec.Time, Source: pos.Source, Num: pos.Line, Text: logparse.CutBytes(rec.Line, maxLineText),
		Status: rec.Status, Peer: peer, Client: string(rec.Client)})
}

func (t *tracker) keepEvent(se *storedEvent) {
	ev := &se.ev
	if !ev.Category.UpstreamFault() {
		return
	}
	t.keepLine(Line{Time: ev.Time, Source: se.pos.Source, Num: se.pos.Line, Text: logparse.CutText(ev.Line, maxLineText),
		Error: true, Peer: ev.Peer, Category: ev.Category.String(), Client: ev.Client})
}

// narrowLines keeps the access lines of [from, to] and drops the error
// lines, which collectEvents gathers again for the narrowed window.
func (t *tracker) narrowLines(from, to time.Time) {
	kept := t.lines[:0]
	for _, l := range t.lines {
		if !l.Error && !l.Time.Before(from) && !l.Time.After(to) {
			kept = append(kept, l)
		}
	}
	t.lines = kept
}

// sortedLines returns the lines in time order, access lines first within a
// second (a 502 is logged when the request ends, its error line before).
func (t *tracker) sortedLines() []Line {
	out := append([]Line(nil), t.lines...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out
}

func linesBytes(ls []Line) int {
	n := 0
	for _, l := range ls {
		n += len(l.Text) + len(l.Source) + len(l.Peer) + len(l.Client) + 64
	}
	return n
}

// trimClosedLines drops the raw lines of the oldest closed bursts while
// all of them together hold more than maxClosedLineKB. It is called each
// time bursts close, so it counts only the new ones: closedLineBytes
// carries the total and linesTrimmed the bursts already emptied.
func (c *Correlator) trimClosedLines(added []Burst) {
	for i := range added {
		c.closedLineBytes += linesBytes(added[i].Lines)
	}
	for ; c.linesTrimmed < len(c.closed) && c.closedLineBytes > maxClosedLineKB<<10; c.linesTrimmed++ {
		b := &c.closed[c.linesTrimmed]
		c.closedLineBytes -= linesBytes(b.Lines)
		b.Lines = nil
		b.LinesDropped = true
	}
}
