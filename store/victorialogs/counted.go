package victorialogs

// A counted read: the store counts the plain access lines (the requests
// the correlator and the days view only count) and badgw reads as lines
// only the others and the seconds around them (docs/stores.md).

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/badgw/badgw/input"
	"github.com/badgw/badgw/logparse"
)

// Counting says which access lines a counted read reads as lines.
type Counting struct {
	// Format is the access lines' log_format.
	Format *logparse.Format
	// Chain is the longest quiet time between two bad lines that one
	// burst candidate of the correlator can span (correlate.Options.Chain).
	// No second before a chain's first is read: a candidate counts from
	// its first bad line, whose second is read whole, and what a burst
	// reads of its lead-up is error lines, all of which are read.
	Chain time.Duration
	// Min is the fewest bad lines a burst has.
	Min int
}

// span is a range of whole seconds, [from, to) in Unix seconds, whose
// lines are read.
type span struct{ from, to int64 }

// Counted hands out the access lines of a range in time order, as Lines
// does: the lines of the seconds it reads, and for every other second
// the plain lines written back from the store's counts, in the access
// format, with the values the correlator and the days view read and "-"
// for the others. It reads every second that holds a line that is not
// plain (where the order of its lines among the plain ones of that second
// counts), and every chain of such seconds, each within Chain of the one
// before, that holds Min of them, from its first second to Chain after its
// last: wherever a burst candidate that can become a burst is open. The
// correlator then does what it does with the lines themselves.
type Counted struct {
	c      *Client
	ctx    context.Context
	filter string
	from   time.Time
	to     time.Time
	k      Counting
	plan   *plan

	// fetched are the windows whose counts have come, oldest first, the
	// one being written among them; next is where the next one starts.
	fetched      []*countWindow
	next         time.Time
	windows      <-chan fetchedWindow
	stopFetching context.CancelFunc
	// spanEnd is where the last span read ends.
	spanEnd int64
	// whole counts the windows in a row read whole.
	whole int
	// chains are the chains of bad seconds of the windows fetched, the
	// last one perhaps still growing.
	chains chains

	// The window being written: its counted rows, the read seconds'
	// lines, the next of them held back until the counted seconds before
	// it are written.
	cur     *countWindow
	row     int
	body    io.ReadCloser
	br      *bufio.Reader
	ahead   *readItem
	item    readItem
	seconds secondCache

	pending []byte
	mu      sync.Mutex
	at      time.Time // the start of the window under way, for Progress
	ended   bool

	// Fetched counts the lines read from the store, Written those written
	// back from counts, Bad the lines that are not plain; Spans is how
	// many ranges of seconds were read.
	Fetched, Written, Bad int64
	Spans                 int
	// TooLong counts read lines over input.MaxLine, skipped.
	TooLong int
	// Name is what the read is called in messages.
	Name string
	// GaveUp is where the counting ended, windows in a row having been
	// read whole; zero while it goes on.
	GaveUp time.Time
}

// countWindow is one query's worth of counts. Its rows hold no pointer:
// their values are numbers in the window's dictionary, so the rows of a
// day of counts cost the collector nothing to keep.
type countWindow struct {
	from, to time.Time
	rows     []countRow // the plain ones, oldest first
	bad      int        // how many lines are not plain
	// vals are the rows' values, len(plan.by) a row, as ids in dict.
	vals  []uint32
	dict  []string
	index map[string]uint32
}

// id is v's number in the window's dictionary.
func (w *countWindow) id(v []byte) uint32 {
	if id, ok := w.index[string(v)]; ok {
		return id
	}
	id := uint32(len(w.dict))
	w.dict = append(w.dict, string(v))
	w.index[w.dict[id]] = id
	return id
}

// countRow is how many plain lines of one second share the values a count
// is grouped by.
type countRow struct {
	sec  int64
	vals int // where its values start in the window's vals
	// n is how many lines are left to write of total; connMs and headMs
	// the sums of their connect and header times in milliseconds; lo and
	// hi the ids of the earliest and latest $msec.
	n, total       int
	connMs, headMs int64
	lo, hi         uint32
}

// chain is a run of seconds holding bad lines, each within Chain of the
// one before, and how many bad lines they hold; secs are its seconds
// while they are fewer than Min.
type chain struct {
	first, last int64
	n           int
	secs        []int64
}

type readItem struct {
	sec int64
	msg []byte
}

// Counted plans a counted read of filter's access lines in [from, to).
// An error wrapping errNotCountable says the format cannot be counted by
// the store exactly (ErrNotCountable reports it).
func (c *Client) Counted(ctx context.Context, filter string, from, to time.Time, k Counting) (*Counted, error) {
	p, err := newPlan(k.Format)
	if err != nil {
		return nil, err
	}
	return &Counted{c: c, ctx: ctx, filter: filter, from: from, to: to, k: k, plan: p, next: from}, nil
}

// ErrNotCountable reports whether err says a format cannot be counted by
// the store exactly.
func ErrNotCountable(err error) bool { return errors.Is(err, errNotCountable) }

// window is the span of one query.
func (r *Counted) window() time.Duration {
	if r.c.Window > 0 {
		return r.c.Window
	}
	return time.Hour
}

// Read implements io.Reader: whole lines, each ending in a newline.
func (r *Counted) Read(p []byte) (int, error) { return readPending(p, &r.pending, r.fill) }

// Progress says how far the read has come in its range, in seconds.
func (r *Counted) Progress() (done, total int64) {
	total = int64(r.to.Sub(r.from) / time.Second)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended {
		return total, total
	}
	if r.at.IsZero() {
		return 0, total
	}
	return min(total, int64(r.at.Sub(r.from)/time.Second)), total
}

// Close ends the query under way (the counts asked for ahead end with
// the context the read was made with).
func (r *Counted) Close() error { return closeAnswer(&r.body) }

// fill puts the next line in pending: the counted seconds' lines before
// the next read line, then that line; io.EOF after the range.
func (r *Counted) fill() error {
	if r.cur == nil {
		if !r.next.Before(r.to) && len(r.fetched) == 0 {
			r.mu.Lock()
			r.ended = true
			r.mu.Unlock()
			return io.EOF
		}
		if err := r.startWindow(); err != nil {
			return err
		}
	}
	if r.ahead == nil && r.body != nil {
		l, err := r.readNext()
		if err != nil {
			return err
		}
		r.ahead = l
	}
	rows := r.cur.rows
	if r.row < len(rows) && (r.ahead == nil || rows[r.row].sec < r.ahead.sec) {
		r.pending = append(r.plan.render(r.pending[:0], r.cur, &rows[r.row]), '\n')
		r.Written++
		if rows[r.row].n--; rows[r.row].n == 0 {
			r.row++
		}
		return nil
	}
	if r.ahead != nil {
		r.pending = append(append(r.pending[:0], r.ahead.msg...), '\n')
		r.ahead = nil
		r.Fetched++
		return nil
	}
	r.cur, r.row = nil, 0 // the window is written
	return nil
}

// startWindow fetches counts far enough ahead to settle every chain that
// meets the next window, then starts writing it: its counted rows but
// those of the seconds read, and a query for the lines of those.
func (r *Counted) startWindow() error {
	if !r.GaveUp.IsZero() {
		return r.readWhole()
	}
	if len(r.fetched) == 0 {
		if err := r.fetch(); err != nil {
			return err
		}
	}
	cur := r.fetched[0]
	// A chain under Min may still grow by a line within Chain of its
	// last: Min+1 chains of time past a window settle its spans.
	settled := cur.to.Add(time.Duration(r.k.Min+1) * r.k.Chain)
	for r.next.Before(r.to) && r.next.Before(settled) {
		if err := r.fetch(); err != nil {
			return err
		}
	}
	r.fetched = r.fetched[1:]
	r.cur, r.row = cur, 0
	r.mu.Lock()
	r.at = cur.from
	r.mu.Unlock()
	spans := r.spansIn(cur.from.Unix(), cur.to.Unix())
	if len(spans) == 0 {
		return nil
	}
	// The counted rows of the seconds read are the read lines'.
	kept := cur.rows[:0]
	read, counted := cur.bad, 0
	s := 0
	for _, row := range cur.rows {
		for s < len(spans) && spans[s].to <= row.sec {
			s++
		}
		if s < len(spans) && spans[s].from <= row.sec {
			read += row.n
			continue
		}
		counted += row.n
		kept = append(kept, row)
	}
	cur.rows = kept
	if read > counted && read > wholeWindowLines {
		// Most of a busy window is read anyway: all of it in one range
		// costs the store less than many, and badgw writes nothing back.
		spans = []span{{cur.from.Unix(), cur.to.Unix()}}
		cur.rows = nil
		if r.whole++; r.whole == giveUpAfter {
			r.giveUp(cur.to)
		}
	} else {
		r.whole = 0
	}
	return r.readSpans(cur.from, cur.to, spans)
}

// readSpans starts reading the lines of the spans of [a, b).
func (r *Counted) readSpans(a, b time.Time, spans []span) error {
	for _, sp := range spans {
		if sp.from != r.spanEnd {
			r.Spans++ // a span that goes on from the last window's is one
		}
		r.spanEnd = sp.to
	}
	parts := make([]string, len(spans))
	for i, sp := range spans {
		parts[i] = timeFilter(time.Unix(sp.from, 0), time.Unix(sp.to, 0))
	}
	sort := "_time"
	if r.c.Order != "" {
		sort += ", " + r.c.Order
	}
	body, err := r.c.query(r.ctx, fmt.Sprintf("(%s) %s (%s) | sort by (%s) | fields _time, _msg",
		r.filter, timeFilter(a, b), strings.Join(parts, " or "), sort))
	if err != nil {
		return err
	}
	r.body, r.br = body, bufio.NewReaderSize(body, 64<<10)
	return nil
}

// spansIn is the seconds of [a, b) read whole, sorted and merged, from the
// chains that meet it; chains that end before it are let go.
func (r *Counted) spansIn(a, b int64) []span {
	out := r.chains.spans(a, b, r.k)
	r.chains = r.chains.after(b, r.k)
	return out
}

// chains are the chains of bad seconds, oldest first.
type chains []chain

// add counts n bad lines in second s, the latest so far.
func (cs chains) add(s int64, n int, k Counting) chains {
	if l := len(cs); l > 0 && s-cs[l-1].last <= int64(k.Chain/time.Second) {
		c := &cs[l-1]
		c.last, c.n = s, c.n+n
		c.secs = append(c.secs, s)
	} else {
		cs = append(cs, chain{first: s, last: s, n: n, secs: []int64{s}})
	}
	if c := &cs[len(cs)-1]; c.n >= k.Min {
		c.secs = nil // read from its first second on: no need of each
	}
	return cs
}

// spans is the seconds of [a, b) the chains have read whole: every
// second of a chain under Min bad lines, every second from the first of
// one that reaches it to Chain after its last. Sorted, merged.
func (cs chains) spans(a, b int64, k Counting) []span {
	chainSecs := int64(k.Chain / time.Second)
	var out []span
	add := func(s span) {
		s.from, s.to = max(s.from, a), min(s.to, b)
		if s.from >= s.to {
			return
		}
		if n := len(out); n > 0 && s.from <= out[n-1].to {
			out[n-1].to = max(out[n-1].to, s.to)
			return
		}
		out = append(out, s)
	}
	for _, c := range cs {
		if c.n >= k.Min {
			add(span{c.first, c.last + chainSecs + 1})
			continue
		}
		for _, s := range c.secs {
			add(span{s, s + 1})
		}
	}
	return out
}

// after is the chains that still read a second from b on.
func (cs chains) after(b int64, k Counting) chains {
	chainSecs := int64(k.Chain / time.Second)
	gone := 0
	for gone < len(cs) && cs[gone].last+chainSecs+1 <= b {
		gone++
	}
	return cs[gone:]
}

// fetchWindow asks for the counts of [a, b): its plain rows, and how many
// lines that are not plain each second holds.
func (r *Counted) fetchWindow(ctx context.Context, a, b time.Time) (*countWindow, map[int64]int, error) {
	w := &countWindow{from: a, to: b, index: map[string]uint32{}}
	p := r.plan
	bad := map[int64]int{}
	// Where each field of a row goes: its values by plan.by, then the
	// second, the count, the sums and the $msec bounds.
	const (
		fTime = iota
		fN
		fConn
		fHead
		fLo
		fHi
		fBy
	)
	at := map[string]int{"_time": fTime, "n": fN, "conn_sum": fConn, "head_sum": fHead, "lo": fLo, "hi": fHi}
	for i, f := range p.by {
		at[f] = fBy + i
	}
	fields := make([][]byte, fBy+len(p.by))
	ids := make([]uint32, len(p.by))
	q := fmt.Sprintf("(%s) %s %s %s", r.filter, timeFilter(a, b), p.pipes(), p.stats())
	err := r.c.lines(ctx, q, func(line []byte) error {
		clear(fields)
		if err := eachField(line, func(k, v []byte) {
			if i, ok := at[string(k)]; ok {
				fields[i] = v
			}
		}); err != nil {
			return err
		}
		t, err := time.Parse(time.RFC3339Nano, string(fields[fTime]))
		if err != nil {
			return fmt.Errorf("a count's _time: %w", err)
		}
		n, err := strconv.Atoi(string(fields[fN]))
		if err != nil || n <= 0 {
			return fmt.Errorf("a count %q", fields[fN])
		}
		for i := range p.by {
			ids[i] = w.id(fields[fBy+i])
		}
		if !p.plain(w.dict, ids) {
			bad[t.Unix()] += n
			return nil
		}
		w.rows = append(w.rows, countRow{sec: t.Unix(), vals: len(w.vals), n: n, total: n,
			connMs: millis(string(fields[fConn])), headMs: millis(string(fields[fHead])), lo: w.id(fields[fLo]), hi: w.id(fields[fHi])})
		w.vals = append(w.vals, ids...)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	// Oldest first; the rows of a second in one order whatever order the
	// store answered in, so that a run is the same every time.
	k := len(p.by)
	slices.SortFunc(w.rows, func(x, y countRow) int {
		if x.sec != y.sec {
			return int(x.sec - y.sec)
		}
		for i := range k {
			if c := strings.Compare(w.dict[w.vals[x.vals+i]], w.dict[w.vals[y.vals+i]]); c != 0 {
				return c
			}
		}
		return 0
	})
	w.index = nil
	return w, bad, nil
}

// giveUpAfter is how many windows in a row read whole end the counting:
// the store's counts of a range whose every hour is read cost a scan of
// it for nothing.
const giveUpAfter = 2

// giveUp reads every line from at on, without counts.
func (r *Counted) giveUp(at time.Time) {
	r.GaveUp = at
	r.stopFetching()
	r.fetched, r.chains, r.next = nil, nil, at
}

// readWhole starts reading the next window's every line.
func (r *Counted) readWhole() error {
	a := r.next
	b := a.Add(r.window())
	if b.After(r.to) {
		b = r.to
	}
	r.next = b
	r.cur, r.row = &countWindow{from: a, to: b}, 0
	r.mu.Lock()
	r.at = a
	r.mu.Unlock()
	return r.readSpans(a, b, []span{{a.Unix(), b.Unix()}})
}

// wholeWindowLines is how many lines a window's seconds read must hold
// before the window is read whole: below it, ranges or not cost the same.
const wholeWindowLines = 10000

// fetchAhead is how many windows of counts are asked for ahead of the one
// being written: the store counts the next while badgw writes this one.
const fetchAhead = 2

// fetched is a window of counts as the goroutine that asks for them
// hands it over.
type fetchedWindow struct {
	w   *countWindow
	bad map[int64]int
	err error
}

// startFetching starts the goroutine that asks for the windows of counts
// in turn; it ends after the last, at an error, or when ctx ends.
func (r *Counted) startFetching() {
	ch := make(chan fetchedWindow, fetchAhead)
	r.windows = ch
	ctx, cancel := context.WithCancel(r.ctx)
	r.stopFetching = cancel
	go func() {
		defer close(ch)
		for a := r.from; a.Before(r.to); {
			b := a.Add(r.window())
			if b.After(r.to) {
				b = r.to
			}
			w, bad, err := r.fetchWindow(ctx, a, b)
			select {
			case ch <- fetchedWindow{w, bad, err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
			a = b
		}
	}()
}

// fetch takes the next window of counts and adds its bad seconds to the
// chains.
func (r *Counted) fetch() error {
	if r.windows == nil {
		r.startFetching()
	}
	fw, ok := <-r.windows
	if !ok {
		if err := r.ctx.Err(); err != nil {
			return err
		}
		return io.ErrUnexpectedEOF
	}
	if fw.err != nil {
		return fw.err
	}
	w, bad := fw.w, fw.bad
	r.next = w.to
	for _, n := range bad {
		w.bad += n
	}
	secs := make([]int64, 0, len(bad))
	for s := range bad {
		secs = append(secs, s)
	}
	slices.Sort(secs)
	for _, s := range secs {
		r.chains = r.chains.add(s, bad[s], r.k)
		r.Bad += int64(bad[s])
	}
	r.fetched = append(r.fetched, w)
	return nil
}

// readNext reads the next line of the read seconds into r.item; nil at
// their end.
func (r *Counted) readNext() (*readItem, error) {
	for {
		line, err := readLine(r.br, input.MaxLine+maxBody)
		switch {
		case errors.Is(err, io.EOF) && len(line) == 0:
			r.body.Close()
			r.body = nil
			return nil, nil
		case errors.Is(err, errTooLong):
			r.TooLong++
			continue
		case err != nil && !errors.Is(err, io.EOF):
			return nil, fmt.Errorf("%s: reading the lines up to %s: %w", r.c.URL, r.cur.to.UTC().Format(time.RFC3339), err)
		}
		var at, msg []byte
		if err := eachField(line, func(k, v []byte) {
			switch string(k) {
			case "_time":
				at = v
			case "_msg":
				msg = v
			}
		}); err != nil {
			return nil, fmt.Errorf("%s: %w", r.c.URL, err)
		}
		sec, err := r.seconds.of(at)
		if err != nil {
			return nil, fmt.Errorf("%s: an answer line's _time: %w", r.c.URL, err)
		}
		if len(msg) == 0 {
			continue
		}
		r.item.sec, r.item.msg = sec, append(r.item.msg[:0], msg...)
		return &r.item, nil
	}
}

// secondCache reads RFC 3339 times to the second, the text of the last one
// kept: the lines of one second come together.
type secondCache struct {
	text []byte
	sec  int64
}

func (c *secondCache) of(t []byte) (int64, error) {
	// "2026-11-20T10:13:32" and what follows: a fraction, a zone.
	const whole = len("2006-01-02T15:04:05")
	utc := len(t) > whole && t[len(t)-1] == 'Z' && (t[whole] == 'Z' || t[whole] == '.')
	if utc && len(c.text) > 0 && string(t[:whole]) == string(c.text[:whole]) {
		return c.sec, nil
	}
	at, err := time.Parse(time.RFC3339Nano, string(t))
	if err != nil {
		return 0, err
	}
	c.text, c.sec = c.text[:0], at.Unix()
	if utc {
		c.text = append(c.text, t...)
	}
	return c.sec, nil
}

// millis reads a sum of seconds as whole milliseconds (nginx writes its
// times to the millisecond); 0 for none.
func millis(s string) int64 {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return int64(math.Round(f * 1000))
}

// rows runs a stats query and hands each answer row to fn as a map: for
// the few rows of a count or a sample.
func (c *Client) rows(ctx context.Context, q string, fn func(map[string]string) error) error {
	return c.lines(ctx, q, func(line []byte) error {
		var row map[string]string
		if err := json.Unmarshal(line, &row); err != nil {
			return fmt.Errorf("an answer line is not JSON: %w", err)
		}
		return fn(row)
	})
}

// Sample returns the first n raw lines filter matches in [from, to), a
// window at a time until there are n: what decides their format.
func (c *Client) Sample(ctx context.Context, filter string, from, to time.Time, n int) ([][]byte, error) {
	var out [][]byte
	w := c.Window
	if w <= 0 {
		w = time.Hour
	}
	for a := from; a.Before(to) && len(out) < n; a = a.Add(w) {
		b := a.Add(w)
		if b.After(to) {
			b = to
		}
		q := fmt.Sprintf("(%s) %s | sort by (_time) | limit %d | fields _msg", filter, timeFilter(a, b), n-len(out))
		err := c.rows(ctx, q, func(row map[string]string) error {
			if m := row["_msg"]; m != "" && !strings.HasPrefix(m, defaultMessage) {
				out = append(out, []byte(m))
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
