// Package pipeline is the only place with goroutines: it reads every input
// set, decides the access format and the error log's zone from the first
// lines, parses batches in parallel, merges the sets by time and feeds one
// correlate.Correlator, publishing snapshots as it goes.
package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/badgw/badgw/correlate"
	"github.com/badgw/badgw/days"
	"github.com/badgw/badgw/input"
	"github.com/badgw/badgw/logparse"
)

// RunConfig wires the pipeline.
type RunConfig struct {
	Sets []input.Set
	// Stdin is read for the path "-"; os.Stdin when nil.
	Stdin io.Reader
	// Format parses access lines; nil means detect it from the first lines
	// among Candidates (the presets when empty).
	Format     *logparse.Format
	Candidates []*logparse.Format
	// Zone reads error.log times, which carry none; nil means the offset of
	// the access log's times, else the local zone.
	Zone    *time.Location
	Options correlate.Options
	// Every is how often Publish receives a snapshot while input flows;
	// zero publishes only at the end.
	Every   time.Duration
	Publish func(Snapshot)
	// OnBurst is called as each burst closes, in the correlator's goroutine.
	OnBurst func(correlate.Burst)
}

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

// sampleLines is how many lines of each file set decide the format, and
// sampleBytes bounds what they may hold when the lines are huge.
const (
	sampleLines = 1000
	sampleBytes = 4 * batchBytes
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
	controller       bool
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

// setReader reads one rotation set, file after file, into raw batches.
type setReader struct {
	set    input.Set
	stats  *IngestStats
	out    chan *rawBatch
	follow bool // stdin: flush whenever the pipe would block
	stdin  io.Reader
	seq    int
}

// prefetchChunk and prefetchDepth bound what each file decompressed ahead
// holds: 4 MiB.
const (
	prefetchChunk = 1 << 20
	prefetchDepth = 4
)

// prefetchFiles is how many files of a rotation set are decompressed ahead
// of the one being read: half the cores, the parsers have the rest.
func prefetchFiles() int { return max(1, runtime.GOMAXPROCS(0)/2) }

// source is an opened file: a stream, decompressed ahead or not.
type source interface {
	io.Reader
	Consumed() int64
	Close() error
}

// openedFile is a file opened ahead of its turn.
type openedFile struct {
	st  *input.Stream
	src source
	err error
}

// openAhead opens path and, when it is compressed, starts decompressing
// it in the background.
func openAhead(path string) *openedFile {
	st, err := input.Open(path)
	if err != nil {
		return &openedFile{err: err}
	}
	if st.Compression == input.Plain {
		return &openedFile{st: st, src: st}
	}
	return &openedFile{st: st, src: input.Prefetch(st, prefetchChunk, prefetchDepth)}
}

func (s *setReader) run(ctx context.Context) {
	defer close(s.out)
	ahead := map[int]*openedFile{}
	defer func() {
		for _, f := range ahead {
			if f.src != nil {
				f.src.Close()
			}
		}
	}()
	paths := s.set.Paths
	if s.set.Unread != nil {
		s.stats.fileError(s.stats.file(paths[0]), s.set.Unread)
		return
	}
	for i, path := range paths {
		if ctx.Err() != nil {
			return
		}
		if path != "-" {
			for j := i + 1; j <= i+prefetchFiles() && j < len(paths); j++ {
				if ahead[j] == nil && paths[j] != "-" {
					ahead[j] = openAhead(paths[j])
				}
			}
		}
		f := ahead[i]
		delete(ahead, i)
		s.readFile(ctx, path, f)
	}
}

func (s *setReader) readFile(ctx context.Context, path string, f *openedFile) {
	fi := s.stats.file(path)
	if f == nil {
		var st *input.Stream
		var err error
		if path == "-" {
			st, err = input.NewStream("-", s.stdin, -1)
		} else {
			st, err = input.Open(path)
		}
		f = &openedFile{st: st, src: st, err: err}
	}
	if f.err != nil {
		s.stats.fileError(fi, f.err)
		return
	}
	st := f.src
	defer st.Close()
	s.stats.opened(fi, f.st)
	r := input.NewReader(st, path)
	b := newRawBatch()
	flush := func() bool {
		if len(b.lines) == 0 {
			return true
		}
		s.stats.progress(fi, st.Consumed())
		b.seq = s.seq
		s.seq++
		select {
		case s.out <- b:
		case <-ctx.Done():
			return false
		}
		b = newRawBatch()
		return true
	}
	afterError := false // the last line sent belongs to an error entry
	for r.Next() {
		l := r.Line()
		full := len(b.lines) >= batchLines || len(b.arena) >= batchBytes
		// A traceback stays in its entry's batch unless it is huge, so the
		// parser can attach it; past that its lines are only counted.
		if full && !(len(l.Bytes) > 0 && isContinuation(l.Bytes) && len(b.arena) < 4*batchBytes) {
			b.afterError, afterError = afterError, endsInErrorEntry(b, afterError)
			if !flush() {
				return
			}
		}
		b.lines = append(b.lines, rawLine{off: len(b.arena), n: len(l.Bytes), source: l.Source, num: l.Num, err: l.Err,
			stampKind: l.StampKind, controller: l.Controller})
		b.arena = append(b.arena, l.Bytes...)
		if l.Stamp != nil {
			rl := &b.lines[len(b.lines)-1]
			rl.stampOff, rl.stampN = len(b.arena), len(l.Stamp)
			b.arena = append(b.arena, l.Stamp...)
		}
		if s.follow && r.Buffered() == 0 {
			b.afterError, afterError = afterError, endsInErrorEntry(b, afterError)
			if !flush() {
				return
			}
		}
	}
	b.afterError = afterError
	flush()
	putRaw(b)
	s.stats.progress(fi, st.Consumed())
	if err := r.Err(); err != nil {
		s.stats.fileError(fi, err)
	}
}

// parser turns one set's raw batches into parsed batches.
type parser struct {
	format *logparse.Format
	// errorLog marks a set that is an error log by most of its lines: a
	// line of it that is neither an entry nor an access line is foreign.
	errorLog bool
	access   *logparse.Parser
	zone     *time.Location
	stats    *IngestStats
}

func (p *parser) parse(rb *rawBatch) *parsedBatch {
	pb := parsedPool.Get().(*parsedBatch)
	pb.raw, pb.seq, pb.recs, pb.events, pb.items = rb, rb.seq, pb.recs[:0], pb.events[:0], pb.items[:0]
	var last *logparse.Event
	// orphan: continuations of an entry in the previous batch (only a
	// traceback over 4 batches' bytes is split), counted but not attached.
	orphan := rb.afterError
	counts := map[string]*lineCounts{}
	var c *lineCounts
	src := ""
	for _, rl := range rb.lines {
		// A batch nearly always holds one source: look it up only when it
		// changes (tail -F headers switch it).
		if c == nil || rl.source != src {
			src = rl.source
			if c = counts[src]; c == nil {
				c = &lineCounts{}
				counts[src] = c
			}
		}
		c.lines++
		if rl.err != nil {
			c.tooLong++
			p.stats.sample(rl.source, rl.num, rl.err.Error(), nil)
			last, orphan = nil, false
			continue
		}
		line := rb.arena[rl.off : rl.off+rl.n]
		if len(bytes.TrimSpace(line)) == 0 {
			c.blank++
			continue
		}
		if rl.controller {
			c.controller++
			last, orphan = nil, false
			continue
		}
		pos := correlate.Pos{Source: rl.source, Line: rl.num}
		if logparse.IsErrorLine(line) {
			if len(pb.events) == cap(pb.events) {
				pb.events = append(pb.events, logparse.Event{})
			} else {
				pb.events = pb.events[:len(pb.events)+1]
			}
			ev := &pb.events[len(pb.events)-1]
			if err := logparse.ParseErrorLine(line, p.zone, ev); err != nil {
				pb.events = pb.events[:len(pb.events)-1]
				c.malformed++
				p.stats.sample(rl.source, rl.num, err.Error(), line)
				last, orphan = nil, false
				continue
			}
			c.errors++
			if ev.Time.IsZero() && rl.stampN > 0 {
				ev.Time = p.stampTime(rb, rl)
			}
			pb.items = append(pb.items, itemRef{event: true, idx: len(pb.events) - 1, pos: pos, untimed: ev.Time.IsZero(), at: ev.Time})
			last, orphan = ev, false
			continue
		}
		// Continuations belong to the error entry just above them; in an
		// access log a line starting with a tab is an access line.
		if (last != nil || orphan) && isContinuation(line) {
			if last != nil {
				last.AddContinuation(line)
			}
			c.continuation++
			continue
		}
		last, orphan = nil, false
		if p.format == nil {
			c.malformed++
			p.stats.sample(rl.source, rl.num, p.unparsed("no access-log format: pass --format or --nginx-conf"), line)
			continue
		}
		if len(pb.recs) == cap(pb.recs) {
			pb.recs = append(pb.recs, logparse.Record{})
		} else {
			pb.recs = pb.recs[:len(pb.recs)+1]
		}
		rec := &pb.recs[len(pb.recs)-1]
		if err := p.access.Parse(line, rec); err != nil {
			pb.recs = pb.recs[:len(pb.recs)-1]
			c.malformed++
			p.stats.sample(rl.source, rl.num, p.unparsed(err.Error()), line)
			continue
		}
		c.access++
		if rec.Time.IsZero() && rl.stampN > 0 {
			rec.Time = p.stampTime(rb, rl)
		}
		pb.items = append(pb.items, itemRef{idx: len(pb.recs) - 1, pos: pos, untimed: rec.Time.IsZero(), at: rec.Time})
	}
	p.stats.count(counts)
	return pb
}

// unparsed is the reason shown for a line no parser read: in an error log
// it is foreign text (neither an entry, a continuation, nor an access
// line), whatever the access parser said of it.
func (p *parser) unparsed(why string) string {
	if p.errorLog {
		return "not an nginx error.log entry (foreign text in an error log: counted, not analysed)"
	}
	return why
}

// stampTime turns a wrapper's time into the line's: a zoneless syslog
// clock is read in the error log's zone, in the latest year that does not
// put it more than a day in the future (syslog logs no year).
func (p *parser) stampTime(rb *rawBatch, rl rawLine) time.Time {
	s, local, ok := input.ParseStamp(rl.stampKind, rb.arena[rl.stampOff:rl.stampOff+rl.stampN])
	if !ok {
		return time.Time{}
	}
	if !local {
		return s
	}
	year := s.Year()
	if year == 0 {
		year = time.Now().Year()
	}
	t := time.Date(year, s.Month(), s.Day(), s.Hour(), s.Minute(), s.Second(), s.Nanosecond(), p.zone)
	if s.Year() == 0 && t.After(time.Now().Add(24*time.Hour)) {
		t = t.AddDate(-1, 0, 0)
	}
	return t
}

// isContinuation recognises the lines OpenResty writes under an error entry
// (a Lua "stack traceback:", "coroutine N:" and tab-indented frames).
func isContinuation(line []byte) bool {
	return line[0] == '\t' || bytes.HasPrefix(line, []byte("stack traceback:")) || bytes.HasPrefix(line, []byte("coroutine "))
}

// Run reads every set, merges them by time and feeds a Correlator. It
// returns the final snapshot; the error joins every source that could not
// be read completely (the rest is analysed all the same). Every goroutine
// it starts has ended when it returns, whatever the outcome, except a
// reader blocked on a stdin that never ends.
func Run(ctx context.Context, cfg RunConfig) (Snapshot, error) {
	started := time.Now()
	stats := newIngestStats()
	for _, set := range cfg.Sets {
		for _, p := range set.Paths {
			stats.file(p) // list inputs in the order given, whatever finishes first
			if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && set.Unread == nil {
				stats.sized(p, fi.Size())
			}
		}
	}
	interrupted := ctx
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	follow := false
	// Cancel first, then wait: readers and parsers blocked on a channel
	// see the cancellation and end. Stdin may never end and a read on it
	// cannot be interrupted, so a run that follows a pipe does not wait.
	defer func() {
		cancel()
		if !follow {
			wg.Wait()
		}
	}()
	raws := make([]chan *rawBatch, len(cfg.Sets))
	isStdin := make([]bool, len(cfg.Sets))
	for i, set := range cfg.Sets {
		isStdin[i] = len(set.Paths) == 1 && set.Paths[0] == "-"
		follow = follow || isStdin[i]
	}
	stats.Follow = follow
	for i, set := range cfg.Sets {
		raws[i] = make(chan *rawBatch, 2)
		sr := &setReader{set: set, stats: stats, out: raws[i], follow: isStdin[i], stdin: cfg.Stdin}
		if sr.stdin == nil {
			sr.stdin = os.Stdin
		}
		wg.Add(1)
		go func() { defer wg.Done(); sr.run(ctx) }()
	}

	// The first lines of every set are the sample that decides the format
	// and the error log's zone: up to sampleLines of a file set, the first
	// batch of a pipe (which may hold a handful of lines for a long time).
	firsts := make([][]*rawBatch, len(cfg.Sets))
	samples := make([][][]byte, len(cfg.Sets))
	sampleAt := make([][]string, len(cfg.Sets)) // file:line of each sample line
	for i, ch := range raws {
		n, size := 0, 0
		for n < sampleLines && size < sampleBytes {
			var b *rawBatch
			var ok bool
			select {
			case b, ok = <-ch:
			case <-ctx.Done():
				// Stopped before a format was even chosen: nothing was
				// analysed, which the report must say, not "0 bursts".
				stats.markInterrupted()
				return Snapshot{Ingest: stats.clone()}, nil
			}
			if !ok {
				break
			}
			firsts[i] = append(firsts[i], b)
			size += len(b.arena)
			for _, l := range b.lines {
				if l.err == nil && !l.controller && n < sampleLines {
					samples[i] = append(samples[i], b.arena[l.off:l.off+l.n])
					sampleAt[i] = append(sampleAt[i], fmt.Sprintf("%s:%d", l.source, l.num))
					n++
				}
			}
			if isStdin[i] {
				break
			}
		}
	}
	// Every input is detected on its own: a syslog-wrapped error log, or
	// access logs of two formats, must not spoil each other's detection.
	formats, errorLogs, err := chooseFormats(cfg, samples, sampleAt, stats)
	if err != nil {
		return Snapshot{}, err
	}
	for i, set := range cfg.Sets {
		// An error log was given when a set reads as one, or is named as
		// one and holds nothing yet (a quiet error log at level error).
		if errorLogs[i] || set.Unread == nil && strings.Contains(filepath.Base(set.Base), "error") {
			cfg.Options.ErrorLogGiven = true
		}
	}
	var format *logparse.Format
	var sample [][]byte
	for i, f := range formats {
		if f != nil && format == nil {
			format, sample = f, accessLooking(samples[i])
		}
	}
	zone, zoneWhy := cfg.Zone, "--tz"
	if zone == nil {
		zone, zoneWhy = zoneFromSample(sample, format)
	}
	stats.Zone = fmt.Sprintf("%s (%s)", zoneName(zone), zoneWhy)
	sources := &Sources{zone: zone}
	for i, set := range cfg.Sets {
		if !isStdin[i] && set.Unread == nil {
			sources.sets = append(sources.sets, sourceSet{paths: set.Paths, format: formats[i]})
		}
	}

	parsed := make([]chan *parsedBatch, len(cfg.Sets))
	perDay := make([]*setDays, len(cfg.Sets))
	for i := range cfg.Sets {
		parsed[i] = make(chan *parsedBatch, 2)
		perDay[i] = &setDays{c: days.NewCounter()}
		wg.Add(1)
		format, errorLog := formats[i], errorLogs[i]
		go parseSet(ctx, &wg, isStdin[i], firsts[i], raws[i], parsed[i], perDay[i].count, func() *parser {
			p := &parser{format: format, errorLog: errorLog, zone: zone, stats: stats}
			if format != nil {
				p.access = format.NewParser()
			}
			return p
		})
	}

	if follow && cfg.Options.Slack == 0 {
		// Live records wait joinHold for their error lines, so the
		// watermark needs no slack: bursts close as soon as their gap
		// has passed in log time.
		cfg.Options.Slack = time.Nanosecond
	}
	c := correlate.New(cfg.Options)
	var recent recentLines
	snap := func() Snapshot {
		daysSeen, dropped := mergeDays(perDay)
		s := Snapshot{Snapshot: c.Snapshot(), Ingest: stats.clone(), Days: daysSeen, DaysDropped: dropped,
			Recent: recent.lines(), RecentAll: !recent.dropped, Sources: sources}
		s.Ingest.Elapsed = time.Since(started)
		return s
	}
	emit := func(bs []correlate.Burst) {
		if cfg.OnBurst != nil {
			for _, b := range bs {
				cfg.OnBurst(b)
			}
		}
	}
	lastPublish := time.Now()
	publish := func(force bool) {
		if cfg.Publish != nil && (force || (cfg.Every > 0 && time.Since(lastPublish) >= cfg.Every)) {
			cfg.Publish(snap())
			lastPublish = time.Now()
		}
	}
	m := newMerger(parsed)
	var tick <-chan time.Time
	if follow {
		t := time.NewTicker(liveTick)
		defer t.Stop()
		tick = t.C
	}
	lastArrival := time.Now()
	// A live pipe interleaves the logs in chunks (tail -F switches files),
	// so a 502's error line can arrive after its access line. Records wait
	// in held for joinHold while the error lines of their batch and the
	// next ones are taken at once, so live joins match offline ones.
	var held []heldBatch
	heldBytes := 0
	apply := func(pb *parsedBatch, i int) {
		ref := pb.items[i]
		switch {
		case ref.outlier || ref.untimed:
			if ref.outlier {
				stats.outOfOrder(ref.pos.Source)
			} else {
				stats.untimed(ref.pos.Source)
			}
			if ref.event {
				c.CountOutOfOrderEvent(&pb.events[ref.idx])
			} else {
				c.CountOutOfOrder(&pb.recs[ref.idx])
			}
		case ref.event:
			ev := &pb.events[ref.idx]
			c.AddEvent(ev, ref.pos)
			if ev.Category.UpstreamFault() {
				recent.add(correlate.EventLine(ev, ref.pos))
			}
		default:
			rec := &pb.recs[ref.idx]
			c.AddRecord(rec, ref.pos)
			if rec.Status >= 500 {
				recent.add(correlate.RecordLine(rec, ref.pos))
			}
		}
	}
	drain := func(all bool) {
		for len(held) > 0 && (all || len(held) > maxHeldBatches || heldBytes > maxHeldBytes || time.Since(held[0].since) >= joinHold) {
			pb := held[0].pb
			held = held[1:]
			heldBytes -= pb.size()
			for i, ref := range pb.items {
				if !ref.event || ref.outlier || ref.untimed {
					apply(pb, i)
				}
			}
			pb.release()
			emit(c.Advance(time.Time{}))
		}
	}
loop:
	for {
		pb, i, st := m.step(ctx, tick)
		switch st {
		case stepCancelled:
			if interrupted.Err() != nil {
				stats.markInterrupted()
			}
			break loop
		case stepDone:
			break loop
		case stepIdle:
			drain(false)
			// A live pipe went quiet: let log time run on with the wall
			// clock so bursts close about Gap after their last 502.
			if idle := time.Since(lastArrival); idle > liveIdle && len(held) == 0 && !c.Clock().IsZero() {
				emit(c.Advance(c.Clock().Add(idle - c.Slack())))
			}
			publish(false)
			continue
		}
		if follow {
			if ref := pb.items[i]; ref.event && !ref.outlier && !ref.untimed {
				apply(pb, i)
			}
			if i == len(pb.items)-1 {
				lastArrival = time.Now()
				held = append(held, heldBatch{pb, lastArrival})
				heldBytes += pb.size()
				drain(false)
				publish(false)
			}
			continue
		}
		apply(pb, i)
		if i == len(pb.items)-1 {
			lastArrival = time.Now()
			pb.release()
			emit(c.Advance(time.Time{}))
			publish(false)
		}
	}
	drain(true)
	emit(c.Flush())
	final := snap()
	if cfg.Publish != nil {
		cfg.Publish(final)
	}
	return final, errors.Join(stats.sourceErrors()...)
}

// size is about what a parsed batch holds: its lines and its records.
func (b *parsedBatch) size() int {
	n := len(b.recs)*int(unsafe.Sizeof(logparse.Record{})) + len(b.events)*int(unsafe.Sizeof(logparse.Event{}))
	if b.raw != nil {
		n += cap(b.raw.arena)
	}
	return n
}

// heldBatch is a live batch whose records wait for their error lines.
type heldBatch struct {
	pb    *parsedBatch
	since time.Time
}

// Live timing: how long records wait for error lines that tail -F may
// send after them, how many batches and bytes may wait (memory stays
// bounded whatever the rate and the line length: 128 batches of
// batchLines are 32,768 lines, and 8 MiB of lines and their records hold
// 200 ms of 20,000 lines a second several times over), and how long a
// quiet pipe must be before log time follows the wall clock.
const (
	joinHold       = 200 * time.Millisecond
	maxHeldBatches = 128
	maxHeldBytes   = 8 << 20
	liveIdle       = 200 * time.Millisecond
	liveTick       = 50 * time.Millisecond
)

// parseWorkers is how many goroutines parse one set; the batches are put
// back in order before the correlator sees them.
var parseWorkers = max(1, min(runtime.GOMAXPROCS(0), 4))

// setDays counts one input's lines by day as its batches leave in order,
// outliers classified, on that input's goroutine rather than the
// correlator's: the days are sums, so the sets' counters merge exactly
// (days.Merge), and the one goroutine every line crosses does less.
type setDays struct {
	mu sync.Mutex // count runs on the set's goroutine, Days on the snapshot's
	c  *days.Counter
}

func (s *setDays) count(b *parsedBatch) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, it := range b.items {
		switch {
		case it.outlier || it.untimed:
			// In the totals only, as the correlator counts them.
		case it.event:
			s.c.AddEvent(&b.events[it.idx])
		default:
			s.c.AddRecord(&b.recs[it.idx])
		}
	}
}

// mergeDays is the days of every set together.
func mergeDays(sets []*setDays) ([]days.Day, int) {
	var all [][]days.Day
	dropped := 0
	for _, s := range sets {
		s.mu.Lock()
		all = append(all, s.c.Days())
		dropped += s.c.Dropped
		s.mu.Unlock()
	}
	return days.Merge(all, dropped)
}

// parseSet parses a set's raw batches (firsts, then the rest of in) on
// parseWorkers goroutines and sends them to out in their original order.
// It marks running done when it and every goroutine it started have ended.
func parseSet(ctx context.Context, running *sync.WaitGroup, live bool, firsts []*rawBatch, in <-chan *rawBatch, out chan<- *parsedBatch, count func(*parsedBatch), newParser func() *parser) {
	defer running.Done()
	defer close(out)
	work := make(chan *rawBatch, parseWorkers)
	done := make(chan *parsedBatch, parseWorkers)
	running.Add(1)
	go func() {
		defer running.Done()
		defer close(work)
		for _, rb := range firsts {
			select {
			case work <- rb:
			case <-ctx.Done():
				return
			}
		}
		for rb := range in {
			select {
			case work <- rb:
			case <-ctx.Done():
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range parseWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := newParser()
			for rb := range work {
				select {
				case done <- p.parse(rb):
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); close(done) }()
	// Batches leave in order, each held until lookaheadBatches more have
	// arrived so the outlier classifier sees the lines after it; a live
	// pipe's batches leave at once, classified without that look-ahead.
	var order orderState
	var held []*parsedBatch
	emit := func(b *parsedBatch, next []*parsedBatch, final bool) bool {
		order.classify(b, next, final)
		count(b)
		select {
		case out <- b:
			return true
		case <-ctx.Done():
			return false
		}
	}
	pending := map[int]*parsedBatch{}
	next := 0
	for pb := range done {
		pending[pb.seq] = pb
		for {
			b, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			if live {
				if !emit(b, nil, false) {
					return
				}
				continue
			}
			held = append(held, b)
			if len(held) > lookaheadBatches {
				if !emit(held[0], held[1:], false) {
					return
				}
				held = held[1:]
			}
		}
	}
	for len(held) > 0 {
		if !emit(held[0], held[1:], true) {
			return
		}
		held = held[1:]
	}
}

// chooseFormats decides each set's access format: the one given (checked
// against the set's lines), or the preset detected from them; nil for a set
// without access lines. A set whose lines no format fits stops the run,
// naming the set, unless most of its lines are error.log entries: then it
// is an error log, and errorLogs says so, so its other lines are counted
// as foreign rather than stopping the run (an application writes into
// nginx's error log through FastCGI's stderr, a person pastes a note).
func chooseFormats(cfg RunConfig, samples [][][]byte, sampleAt [][]string, stats *IngestStats) (formats []*logparse.Format, errorLogs []bool, err error) {
	cands := cfg.Candidates
	if len(cands) == 0 {
		cands = logparse.Candidates()
	}
	formats = make([]*logparse.Format, len(samples))
	errorLogs = make([]bool, len(samples))
	var detections, labels []string
	for i, raw := range samples {
		sample, kept := accessLookingAt(raw)
		var names []string
		if len(sampleAt[i]) == len(raw) {
			for _, k := range kept {
				names = append(names, sampleAt[i][k])
			}
		}
		name := cfg.Sets[i].Base
		switch {
		case len(sample) == 0:
			formats[i] = cfg.Format // an error log, or an empty one: lines may come later on a pipe
			errorLogs[i] = len(raw) > 0
			continue
		case cfg.Format != nil:
			if _, err := logparse.CheckFormat(cfg.Format, sample, cands, names...); err != nil {
				if mostlyErrorEntries(raw, sample) {
					formats[i], errorLogs[i] = cfg.Format, true
					continue
				}
				return nil, nil, inSet(name, len(samples), err)
			}
			formats[i] = cfg.Format
		default:
			det, err := logparse.Detect(sample, cands, names...)
			if err != nil {
				if mostlyErrorEntries(raw, sample) {
					errorLogs[i] = true
					continue
				}
				return nil, nil, inSet(name, len(samples), err)
			}
			formats[i] = det.Format
			detections = append(detections, fmt.Sprintf("detected %q: parsed %d of %d sample lines", det.Format.Name, det.Matched, det.Sampled))
		}
		if l := logparse.Label(formats[i]); !slices.Contains(labels, l) {
			labels = append(labels, l)
			if stats.Format == "" {
				stats.Format = formats[i].Name
			}
		}
		for _, p := range cfg.Sets[i].Paths {
			stats.setFormat(p, formats[i].Name)
		}
	}
	if stats.Format == "" && cfg.Format != nil {
		stats.Format, labels = cfg.Format.Name, []string{logparse.Label(cfg.Format)}
	}
	// A set with no access line in its sample (an error log, or one that
	// starts with errors) reads any later access line with the first
	// format found.
	var first *logparse.Format
	for _, f := range formats {
		if f != nil && first == nil {
			first = f
		}
	}
	for i := range formats {
		if formats[i] == nil {
			formats[i] = first
		}
	}
	stats.FormatLabel = strings.Join(labels, "; ")
	stats.Detection = strings.Join(slices.Compact(detections), "; ")
	return formats, errorLogs, nil
}

// mostlyErrorEntries reports whether the error entries and their
// continuation lines outnumber the other lines of a sample: what a file
// is, is decided by what most of its lines are.
func mostlyErrorEntries(raw, accessLooking [][]byte) bool {
	blank := 0
	for _, l := range raw {
		if len(bytes.TrimSpace(l)) == 0 {
			blank++
		}
	}
	return len(raw)-blank-len(accessLooking) > len(accessLooking)
}

// inSet names the input in a detection error when there are several.
func inSet(name string, sets int, err error) error {
	if sets < 2 {
		return err
	}
	return fmt.Errorf("%s: %w", name, err)
}

// accessLooking keeps the sample lines that may be access lines: not blank,
// not error entries, not continuations of an error entry.
func accessLooking(sample [][]byte) [][]byte {
	out, _ := accessLookingAt(sample)
	return out
}

// accessLookingAt is accessLooking with the index in sample of each line
// kept, to name where a line came from.
func accessLookingAt(sample [][]byte) ([][]byte, []int) {
	var out [][]byte
	var at []int
	afterError := false
	for i, l := range sample {
		switch {
		case len(bytes.TrimSpace(l)) == 0:
		case logparse.IsErrorLine(l):
			afterError = true
		case afterError && isContinuation(l):
		default:
			afterError = false
			out = append(out, l)
			at = append(at, i)
		}
	}
	return out, at
}

// zoneFromSample takes the error log's zone from the access log's offset.
func zoneFromSample(sample [][]byte, f *logparse.Format) (*time.Location, string) {
	if f != nil {
		var rec logparse.Record
		for _, l := range sample {
			if f.Parse(l, &rec) == nil && !rec.Time.IsZero() {
				return rec.Time.Location(), "offset of the access log's times"
			}
		}
	}
	return time.Local, "local zone of this machine"
}

func zoneName(l *time.Location) string {
	_, off := time.Date(2026, 1, 1, 0, 0, 0, 0, l).Zone()
	sign := '+'
	if off < 0 {
		sign, off = '-', -off
	}
	return fmt.Sprintf("UTC%c%02d:%02d", sign, off/3600, off/60%60)
}

type stepStatus int

const (
	stepItem stepStatus = iota
	stepIdle
	stepDone
	stepCancelled
)

// merger interleaves the sets' batches by time, oldest item first. Each set
// is in order already (nginx appends), so holding one batch per set is
// enough: a k-way merge with bounded memory.
type merger struct {
	chans []chan *parsedBatch
	cur   []*parsedBatch
	pos   []int
	done  []bool
}

func newMerger(chans []chan *parsedBatch) *merger {
	return &merger{chans: chans, cur: make([]*parsedBatch, len(chans)), pos: make([]int, len(chans)), done: make([]bool, len(chans))}
}

// step returns the next item, or stepIdle when tick fired while waiting
// for input, stepDone at the end of every set, stepCancelled when ctx ends.
func (m *merger) step(ctx context.Context, tick <-chan time.Time) (*parsedBatch, int, stepStatus) {
	for s := range m.chans {
		for !m.done[s] && m.cur[s] == nil {
			select {
			case b, ok := <-m.chans[s]:
				if !ok {
					m.done[s] = true
				} else if len(b.items) > 0 {
					m.cur[s], m.pos[s] = b, 0
				} else {
					b.release()
				}
			case <-tick:
				return nil, 0, stepIdle
			case <-ctx.Done():
				return nil, 0, stepCancelled
			}
		}
	}
	best := -1
	var bestT time.Time
	for s, b := range m.cur {
		if b == nil {
			continue
		}
		t := b.items[m.pos[s]].at
		// On equal times error events go first: nginx logs the failure
		// before the access line of the request it failed.
		if best < 0 || t.Before(bestT) || (t.Equal(bestT) && b.items[m.pos[s]].event && !m.cur[best].items[m.pos[best]].event) {
			best, bestT = s, t
		}
	}
	if best < 0 {
		return nil, 0, stepDone
	}
	b, i := m.cur[best], m.pos[best]
	m.pos[best]++
	if m.pos[best] == len(b.items) {
		m.cur[best] = nil
	}
	return b, i, stepItem
}
