package correlate

import (
	"sort"
	"time"
	"unsafe"

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
// bursts held whole in memory together (the oldest bursts lose theirs
// first), so the pane's memory does not grow with the input. 8 MiB is
// some 20,000 lines, the newest forty bursts' worth at 500 each; the
// interface reads an older burst's lines again from the files when it
// opens them. Bursts whose details went to Options.Details keep their
// lines there, at no cost in memory.
const (
	maxBurstLines   = 500
	maxLineText     = 2 << 10
	maxClosedLineKB = 8 << 10
)

func (t *tracker) keepLine(l Line) {
	if len(t.lines) < maxBurstLines {
		t.lines = append(t.lines, l)
	}
}

// RecordLine is an access record as a raw line (its text copied, cut to
// 2 KiB), peer the last one tried.
func RecordLine(rec *logparse.Record, pos Pos) Line {
	peer := ""
	if n := len(rec.Attempts); n > 0 {
		peer = string(rec.Attempts[n-1].Addr)
	}
	return Line{Time: rec.Time, Source: pos.Source, Num: pos.Line, Text: logparse.CutBytes(rec.Line, maxLineText),
		Status: rec.Status, Peer: peer, Client: string(rec.Client)}
}

// EventLine is an error.log event as a raw line.
func EventLine(ev *logparse.Event, pos Pos) Line {
	return Line{Time: ev.Time, Source: pos.Source, Num: pos.Line, Text: logparse.CutText(ev.Line, maxLineText),
		Error: true, Peer: ev.Peer, Category: ev.Category.String(), Client: ev.Client}
}

func (t *tracker) keepRecord(rec *logparse.Record, pos Pos) {
	if len(t.lines) < maxBurstLines {
		t.keepLine(RecordLine(rec, pos))
	}
}

func (t *tracker) keepEvent(se *storedEvent) {
	if se.ev.Category.UpstreamFault() && len(t.lines) < maxBurstLines {
		t.keepLine(EventLine(&se.ev, se.pos))
	}
}

// linesBehind counts the raw lines behind the burst, kept or not: its bad
// responses (an error-log burst has none) and its window's upstream errors.
func (t *tracker) linesBehind(b *Burst) int {
	n := 0
	if b.Kind != KindErrorLog {
		n = b.Bad()
	}
	for c, k := range t.categories {
		if logparse.Category(c).UpstreamFault() {
			n += k
		}
	}
	return n
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

// sortedLines returns the lines in SortLines' order.
func (t *tracker) sortedLines() []Line {
	out := append([]Line(nil), t.lines...)
	SortLines(out)
	return out
}

// SortLines puts raw lines in time order, access lines before error lines
// of the same time (logs of one-second resolution interleave them
// arbitrarily), so every view of the same lines lists them alike.
func SortLines(ls []Line) {
	sort.SliceStable(ls, func(i, j int) bool {
		if !ls[i].Time.Equal(ls[j].Time) {
			return ls[i].Time.Before(ls[j].Time)
		}
		return !ls[i].Error && ls[j].Error
	})
}

// linesBytes is what ls holds: each Line and the text it copied (Source is
// the input's name and Category a constant, both shared).
func linesBytes(ls []Line) int {
	n := len(ls) * int(unsafe.Sizeof(Line{}))
	for _, l := range ls {
		n += len(l.Text) + len(l.Peer) + len(l.Client)
	}
	return n
}

// trimClosedLines drops the raw lines of the oldest closed bursts held
// whole while all of them together hold more than maxClosedLineKB. It is
// called each time bursts close, with the first new one at
// c.closed[from], so it counts only the new ones: closedLineBytes carries
// the total and linesTrimmed the bursts already passed. A burst whose
// details went to Options.Details holds no lines in memory, and keeps
// them.
func (c *Correlator) trimClosedLines(from int) {
	for i := from; i < len(c.closed); i++ {
		b := &c.closed[i]
		b.lineBytes = linesBytes(b.Lines)
		c.closedLineBytes += b.lineBytes
	}
	for ; c.linesTrimmed < len(c.closed) && c.closedLineBytes > maxClosedLineKB<<10; c.linesTrimmed++ {
		b := &c.closed[c.linesTrimmed]
		if b.details != 0 {
			continue
		}
		c.closedLineBytes -= b.lineBytes
		b.lineBytes = 0
		b.Lines = nil
		b.LinesDropped = true
	}
}
