package pipeline

// Parsing: each set's raw batches parsed on parseWorkers goroutines,
// put back in order, their outliers classified and their days counted.

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/badgw/badgw/correlate"
	"github.com/badgw/badgw/days"
	"github.com/badgw/badgw/input"
	"github.com/badgw/badgw/logparse"
)

// parser turns one set's raw batches into parsed batches.
type parser struct {
	format *logparse.Format
	// errorLog marks a set that is an error log by most of its lines: a
	// line of it that is neither an entry nor an access line is foreign.
	errorLog bool
	access   *logparse.Parser
	zone     *time.Location
	// learn, when set, replaces zone by the offset of the first access
	// record any set parses (learnedZone).
	learn *learnedZone
	stats *IngestStats
	// node is the host whose set this is (input.Set.Host), given to every
	// record and event unless a wrapper names the line's pod or service;
	// origins interns those names.
	node    string
	origins map[string]string
}

// maxOrigins bounds the pod and service names a parser keeps; lines of
// further ones count under "(other)".
const maxOrigins = 256

// nodeOf is the line's host: the pod or service its wrapper names, else
// the set's.
func (p *parser) nodeOf(rb *rawBatch, rl rawLine) string {
	ex := rl.extra()
	if ex.originN == 0 {
		return p.node
	}
	return p.intern(rb.arena[ex.originOff : ex.originOff+ex.originN])
}

// intern returns a host's name as a string shared by its lines.
func (p *parser) intern(name []byte) string {
	if n, ok := p.origins[string(name)]; ok {
		return n
	}
	if p.origins == nil {
		p.origins = map[string]string{}
	}
	if len(p.origins) >= maxOrigins {
		return "(other)"
	}
	n := string(name)
	p.origins[n] = n
	return n
}

// learnedZone is the zone of error.log times in a live run that started
// before any access line came (badgw watch on quiet logs, from their end):
// the offset of the first access record parsed, in whichever set. Error
// lines before it are read in the local zone, which is nginx's own when
// badgw runs beside it.
type learnedZone struct {
	loc   atomic.Pointer[time.Location]
	stats *IngestStats
}

func (z *learnedZone) learn(loc *time.Location) {
	if z.loc.Load() == nil && z.loc.CompareAndSwap(nil, loc) {
		z.stats.setZone(fmt.Sprintf("%s (offset of the access log's times, from its first line; before it the local zone)", zoneName(loc)))
	}
}

// errorZone is the zone error.log times are read in.
func (p *parser) errorZone() *time.Location {
	if p.learn != nil {
		if loc := p.learn.loc.Load(); loc != nil {
			return loc
		}
	}
	return p.zone
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
	for i := range rb.lines {
		rl := rb.line(i)
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
		ex := rl.extra()
		if ex.err != nil {
			c.tooLong++
			p.stats.sample(rl.source, rl.num, ex.err.Error(), nil)
			last, orphan = nil, false
			continue
		}
		line := rb.arena[rl.off : rl.off+rl.n]
		if len(bytes.TrimSpace(line)) == 0 {
			c.blank++
			continue
		}
		if ex.controller {
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
			if err := logparse.ParseErrorLine(line, p.errorZone(), ev); err != nil {
				pb.events = pb.events[:len(pb.events)-1]
				c.malformed++
				p.stats.sample(rl.source, rl.num, err.Error(), line)
				last, orphan = nil, false
				continue
			}
			c.errors++
			ev.Node = p.nodeOf(rb, rl)
			if ev.Time.IsZero() && ex.stampN > 0 {
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
		rec.Node = p.nodeOf(rb, rl)
		if rec.Node == "" && rec.Hostname != nil {
			// $hostname names the host where neither the path nor a
			// wrapper does (theirs are what the error lines carry too).
			rec.Node = p.intern(rec.Hostname)
		}
		if rec.Time.IsZero() && ex.stampN > 0 {
			rec.Time = p.stampTime(rb, rl)
		}
		if p.learn != nil && !rec.Time.IsZero() {
			p.learn.learn(rec.Time.Location())
		}
		pb.items = append(pb.items, itemRef{idx: len(pb.recs) - 1, pos: pos, untimed: rec.Time.IsZero(), at: rec.Time})
	}
	p.stats.count(counts)
	pb.sumPlain()
	pb.tally.Reset()
	for _, it := range pb.items {
		if !it.event && !it.untimed {
			pb.tally.AddRecord(&pb.recs[it.idx])
		}
	}
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
	ex := rl.extra()
	s, local, ok := input.ParseStamp(ex.stampKind, rb.arena[ex.stampOff:ex.stampOff+ex.stampN])
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
	t := time.Date(year, s.Month(), s.Day(), s.Hour(), s.Minute(), s.Second(), s.Nanosecond(), p.errorZone())
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

// parseWorkers is how many goroutines parse one set; the batches are put
// back in order before the correlator sees them.
var parseWorkers = max(1, min(runtime.GOMAXPROCS(0), 4))

// reorderBatches is how many batches of a set may be between the reader
// and their place in order: those being parsed, waiting for a worker or
// for an earlier batch.
var reorderBatches = 3 * parseWorkers

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
	// A batch of records goes as the parser's tally, unless the
	// classifier set some apart or the tally listed too many values; one
	// with error events counts its lines one by one, in their order.
	tallied := !b.tally.Over
	for _, it := range b.items {
		tallied = tallied && !it.outlier && !it.event
	}
	if tallied {
		s.c.AddTally(&b.tally)
		return
	}
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
	// A batch holds a token from when it is handed to a worker until it
	// leaves in order: a worker that races ahead of a slow one (when the
	// input comes faster than one worker parses, as an inflated .gz does)
	// stops at the window, so the batches waiting to be put back in order
	// stay bounded.
	tokens := make(chan struct{}, reorderBatches)
	send := func(rb *rawBatch) bool {
		select {
		case tokens <- struct{}{}:
		case <-ctx.Done():
			return false
		}
		select {
		case work <- rb:
			return true
		case <-ctx.Done():
			return false
		}
	}
	running.Add(1)
	go func() {
		defer running.Done()
		defer close(work)
		for _, rb := range firsts {
			if !send(rb) {
				return
			}
		}
		for rb := range in {
			if !send(rb) {
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
		b.dropDisplacedRuns()
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
			<-tokens
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
