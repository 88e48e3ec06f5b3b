package pipeline

// Batches: what travels between the pipeline's goroutines, raw lines
// from a reader and parsed records and events to the merger, pooled.

import (
	"sync"
	"time"
	"unsafe"

	"github.com/badgw/badgw/correlate"
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
	lines []rawLine
	// afterError says that the line before the batch belonged to an error
	// entry, so continuation lines at its start are that entry's.
	afterError bool
}

// endsInErrorEntry reports whether b's last line belongs to an error entry
// (an entry, or continuations under one); before says so of the line
// before b.
func endsInErrorEntry(b *rawBatch, before bool) bool {
	for i := len(b.lines) - 1; i >= 0; i-- {
		rl := b.lines[i]
		line := b.arena[rl.off : rl.off+rl.n]
		if rl.err != nil || len(line) == 0 {
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

type rawLine struct {
	off, n int
	source string
	num    int64
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
	b.arena, b.lines, b.afterError = b.arena[:0], b.lines[:0], false
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
}

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
}

// size is about what a parsed batch holds: its lines and its records.
func (b *parsedBatch) size() int {
	n := len(b.recs)*int(unsafe.Sizeof(logparse.Record{})) + len(b.events)*int(unsafe.Sizeof(logparse.Event{}))
	if b.raw != nil {
		n += cap(b.raw.arena)
	}
	return n
}
