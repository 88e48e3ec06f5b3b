package pipeline

// Batches: what travels between the pipeline's goroutines, raw lines
// from a reader and parsed records and events to the merger, pooled.

import (
	"sync"
	"time"
	"unsafe"

	"github.com/badgw/badgw/correlate"
	"github.com/badgw/badgw/days"
	"github.com/badgw/badgw/input"
	"github.com/badgw/badgw/logparse"
)

// batchLines and batchBytes bound what travels together between
// goroutines, so memory in flight is bounded by bytes even when lines are
// a megabyte each; stdin batches are also cut whenever the pipe has no more
// buffered data, so a live tail is processed as it arrives. A set has
// about sixteen batches in flight (channels, workers, the reorder window),
// two sets double that: 256 lines a batch keeps the parsed records in
// flight near 8 MB, which 512 doubled for no measurable speed.
const (
	batchLines = 256
	batchBytes = 256 << 10
	// maxPooledArena keeps a batch that once held huge lines out of the pool.
	maxPooledArena = 2 * batchBytes
)

// rawBatch is a run of lines copied out of one source. Batches are
// recycled through pools once the correlator is done with them, so a run
// allocates a bounded set of buffers whatever the input size.
type rawBatch struct {
	seq   int // position in its set, so parallel parsers can be reordered
	arena []byte
	lines []packedLine
	// source is where the batch's lines come from, unless a line's extra
	// names another (tail -F headers switch it within a batch).
	source string
	// extras hold the rare fields of the lines that have any.
	extras []lineExtra
	// afterError says that the line before the batch belonged to an error
	// entry, so continuation lines at its start are that entry's.
	afterError bool
}

// endsInErrorEntry reports whether b's last line belongs to an error entry
// (an entry, or continuations under one); before says so of the line
// before b.
func endsInErrorEntry(b *rawBatch, before bool) bool {
	for i := len(b.lines) - 1; i >= 0; i-- {
		rl := b.line(i)
		line := b.arena[rl.off : rl.off+rl.n]
		if rl.extra().err != nil || len(line) == 0 {
			return false
		}
		if logparse.IsErrorLine(line) {
			return true
		}
		if !isContinuation(line) {
			return false
		}
	}
	return before
}

// packedLine is how a batch keeps a line: where it lies in the arena, its
// number, and (plus one) the index of its extra, 0 for the lines most logs
// are made of. It holds no pointer, so the garbage collector never scans
// the lines of the batches in flight.
type packedLine struct {
	off, n int32
	num    int64
	extra  int32
}

// lineExtra is what a line has beyond its place and number: another source
// than its batch's, the error that replaced it, a wrapper's time, origin
// or controller mark.
type lineExtra struct {
	source string
	err    error
	// stamp is where a wrapper's time (syslog, kubectl --timestamps) sits in
	// the arena after the line, for lines without a date of their own.
	stampOff, stampN int
	stampKind        input.StampKind
	// origin is where the pod or service a wrapper names sits in the
	// arena: the line's host when several nginx share the stream.
	originOff, originN int
	controller         bool
}

// rawLine is one line of a batch as the parser reads it; ex is nil for
// a line without extras.
type rawLine struct {
	off, n int
	num    int64
	source string
	ex     *lineExtra
}

// noExtra stands for the extras of a line that has none.
var noExtra lineExtra

// extra is the line's extras, the zero ones when it has none.
func (rl rawLine) extra() *lineExtra {
	if rl.ex == nil {
		return &noExtra
	}
	return rl.ex
}

// line returns line i of b.
func (b *rawBatch) line(i int) rawLine {
	pl := &b.lines[i]
	rl := rawLine{off: int(pl.off), n: int(pl.n), num: pl.num, source: b.source}
	if pl.extra > 0 {
		rl.ex = &b.extras[pl.extra-1]
		rl.source = rl.ex.source
	}
	return rl
}

// add appends a line whose bytes are already at arena[off:off+n]; an
// extra with only the batch's source is left out.
func (b *rawBatch) add(off, n int, num int64, ex lineExtra) {
	pl := packedLine{off: int32(off), n: int32(n), num: num}
	if len(b.lines) == 0 && len(b.extras) == 0 {
		b.source = ex.source
	}
	if ex.source != b.source || ex.err != nil || ex.stampN > 0 || ex.originN > 0 || ex.controller {
		b.extras = append(b.extras, ex)
		pl.extra = int32(len(b.extras))
	}
	b.lines = append(b.lines, pl)
}

var (
	rawPool    = sync.Pool{New: func() any { return &rawBatch{arena: make([]byte, 0, 128<<10)} }}
	parsedPool = sync.Pool{New: func() any { return &parsedBatch{} }}
)

func putRaw(b *rawBatch) {
	if cap(b.arena) <= maxPooledArena {
		rawPool.Put(b)
	}
}

func newRawBatch() *rawBatch {
	b := rawPool.Get().(*rawBatch)
	b.arena, b.lines, b.extras, b.source, b.afterError = b.arena[:0], b.lines[:0], b.extras[:0], "", false
	return b
}

// release returns a batch and its lines to the pools; nothing may point
// into them afterwards.
func (b *parsedBatch) release() {
	if b.raw != nil {
		putRaw(b.raw)
		b.raw = nil
	}
	parsedPool.Put(b)
}

// parsedBatch holds one set's parsed items in their order. Records point
// into raw's arena.
type parsedBatch struct {
	raw    *rawBatch
	seq    int
	recs   []logparse.Record
	events []logparse.Event
	items  []itemRef
	// runs sum the batch's plain records second by second
	// (correlate.PlainRun), each over items [start, end); an offline
	// run's correlator takes most records so.
	runs []plainRun
	// tally counts the batch's timed records by day, for the set's days
	// counter to add at once.
	tally days.Tally
}

// plainRun is a run of consecutive plain records of a batch, summed.
type plainRun struct {
	correlate.PlainRun
	start, end int
}

// sumPlain gathers pb's consecutive plain records of the same second into
// runs of at least minRun records; they point into pb.recs, which no
// longer grows.
func (pb *parsedBatch) sumPlain() {
	pb.runs = pb.runs[:0]
	var cur *plainRun
	end := func(i int) {
		if cur == nil {
			return
		}
		cur.end = i
		if cur.end-cur.start < minRun {
			pb.runs = pb.runs[:len(pb.runs)-1]
		}
		cur = nil
	}
	for i := range pb.items {
		it := &pb.items[i]
		it.run = 0
		if it.event || it.untimed || !correlate.Plain(&pb.recs[it.idx]) {
			end(i)
			continue
		}
		rec := &pb.recs[it.idx]
		if cur != nil && cur.Add(rec) {
			continue
		}
		end(i)
		if len(pb.runs) < cap(pb.runs) {
			pb.runs = pb.runs[:len(pb.runs)+1]
		} else {
			pb.runs = append(pb.runs, plainRun{})
		}
		cur = &pb.runs[len(pb.runs)-1]
		cur.Reset()
		cur.start = i
		cur.Add(rec)
	}
	end(len(pb.items))
	for k := range pb.runs {
		pb.items[pb.runs[k].start].run = int32(k + 1)
	}
}

// dropDisplacedRuns unmarks the runs that hold an outlier (found after
// parsing, by the set's classifier): their records go one by one.
func (pb *parsedBatch) dropDisplacedRuns() {
	for k := range pb.runs {
		r := &pb.runs[k]
		for i := r.start; i < r.end; i++ {
			if pb.items[i].outlier {
				pb.items[r.start].run = 0
				break
			}
		}
	}
}

// minRun is the fewest records a run sums: below it, summing saves
// nothing.
const minRun = 4

type itemRef struct {
	event bool
	idx   int
	pos   correlate.Pos
	// outlier marks a line out of order beyond reorderWindow (order.go),
	// untimed one without any time (pasted without nginx's date); both are
	// counted in the totals only and merged at their predecessor's time.
	outlier bool
	untimed bool
	// at is when the merger takes the item: its own time, or for an
	// outlier or an untimed line its predecessor's, so it holds nothing
	// back. Kept here, the merger reads the items alone.
	at time.Time
	// run, on the first item of a run of plain records, is its index in
	// the batch's runs plus one.
	run int32
}

// size is about what a parsed batch holds: its lines and its records.
func (b *parsedBatch) size() int {
	n := len(b.recs)*int(unsafe.Sizeof(logparse.Record{})) + len(b.events)*int(unsafe.Sizeof(logparse.Event{}))
	if b.raw != nil {
		n += cap(b.raw.arena)
	}
	return n
}
