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
	// burst candidate of the correlator can span: its gap, the slack of
	// its watermark and the hosts' clock skew.
	// (No second before a chain's first is read: a candidate counts from
	// its first bad line, whose second is read whole, and what a burst
	// reads of its lead-up is error lines, all of which are read.)
	Chain time.Duration
	// Min is the fewest bad lines a burst has.
	Min int
}

// span is a range of whole seconds, [from, to) in Unix seconds, whose
// lines are read.
type span struct{ from, to int64 }

// Counted hands out the access lines of a range in time order, as Lines
// does: the lines of the seconds it reads, and for every other second
// plain lines written back from the store's counts, in the access format,
// with the values the correlator and the days view count and "-" for the
// others. The correlator then does what it does with the lines
// themselves: it counts plain lines, and every second in which a burst
// candidate that can reach Min bad lines is open is read whole.
type Counted struct {
	c      *Client
	ctx    context.Context
	filter string
	from   time.Time
	to     time.Time
	k      Counting
	plan   *plan
	spans  []span
	next   time.Time // the start of the window to read next

	// The window under way: the counted seconds' rows, the pools their
	// day values are drawn from, the read seconds' lines.
	rows  []countRow
	row   int
	pools map[string]*pool
	body  io.ReadCloser
	br    *bufio.Reader
	ahead *readItem // a read line held back until the counted seconds before it are written

	pending []byte
	line    []byte
	mu      sync.Mutex
	at      time.Time // the start of the window under way, for Progress
	ended   bool

	// Fetched counts the lines read from the store, Written those written
	// back from counts, Bad the lines that are not plain (each reads its
	// second whole); Spans is how many ranges of seconds were read.
	Fetched, Written, Bad int64
	Spans                 int
	// TooLong counts read lines over input.MaxLine, skipped.
	TooLong int
}

// countRow is how many plain lines of one second share the values the
// correlator counts.
type countRow struct {
	sec  int64
	vals []string // by plan.second
	// n is how many lines are left to write; lo and hi the earliest and
	// latest $msec, written on the first lines and the last.
	n      int
	lo, hi string
}

type readItem struct {
	sec int64
	msg string
}

// Counted plans a counted read of filter's access lines in [from, to):
// it asks the store for the seconds that hold a line that is not plain
// and reads those seconds, and the chains of them that could become a
// burst, whole. An error wrapping errNotCountable says the format cannot
// be counted by the store exactly (ErrNotCountable reports it).
func (c *Client) Counted(ctx context.Context, filter string, from, to time.Time, k Counting) (*Counted, error) {
	p, err := newPlan(k.Format)
	if err != nil {
		return nil, err
	}
	r := &Counted{c: c, ctx: ctx, filter: filter, from: from, to: to, k: k, plan: p, next: from}
	bad, err := r.badSeconds()
	if err != nil {
		return nil, err
	}
	r.spans = spansOf(bad, k)
	r.Spans = len(r.spans)
	return r, nil
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

// badSecond is a second with n lines that are not plain.
type badSecond struct {
	sec int64
	n   int
}

// badSeconds asks for the seconds holding lines that are not plain.
func (r *Counted) badSeconds() ([]badSecond, error) {
	var out []badSecond
	for a := r.from; a.Before(r.to); a = a.Add(r.window()) {
		b := a.Add(r.window())
		if b.After(r.to) {
			b = r.to
		}
		q := fmt.Sprintf("(%s) %s %s | filter !(%s) | stats by (_time:1s) count() n", r.filter, timeFilter(a, b), r.plan.extract(), r.plan.plain)
		err := r.c.rows(r.ctx, q, func(row map[string]string) error {
			at, err := time.Parse(time.RFC3339Nano, row["_time"])
			if err != nil {
				return fmt.Errorf("a bucket's _time: %w", err)
			}
			n, err := strconv.Atoi(row["n"])
			if err != nil {
				return fmt.Errorf("a bucket's count %q", row["n"])
			}
			out = append(out, badSecond{at.Unix(), n})
			r.Bad += int64(n)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	slices.SortFunc(out, func(a, b badSecond) int { return int(a.sec - b.sec) })
	return out, nil
}

// spansOf is the seconds read whole: every second with a line that is not
// plain (the order of its lines among the plain ones of that second is
// what a candidate counts), and around each chain of them with at least
// k.Min bad lines, each within k.Chain of the one before, the chain from
// its first to k.Chain after its last. Sorted, merged.
func spansOf(bad []badSecond, k Counting) []span {
	var out []span
	add := func(s span) {
		if n := len(out); n > 0 && s.from <= out[n-1].to {
			out[n-1].to = max(out[n-1].to, s.to)
			return
		}
		out = append(out, s)
	}
	chain := int64(k.Chain / time.Second)
	var spans []span
	for i := 0; i < len(bad); {
		j, n := i, bad[i].n
		for j+1 < len(bad) && bad[j+1].sec-bad[j].sec <= chain {
			j++
			n += bad[j].n
		}
		if n >= k.Min {
			spans = append(spans, span{bad[i].sec, bad[j].sec + chain + 1})
		} else {
			for m := i; m <= j; m++ {
				spans = append(spans, span{bad[m].sec, bad[m].sec + 1})
			}
		}
		i = j + 1
	}
	slices.SortFunc(spans, func(a, b span) int { return int(a.from - b.from) })
	for _, s := range spans {
		add(s)
	}
	return out
}

// spansIn is the filter "within the spans read whole" for [a, b), and
// whether any span meets it.
func (r *Counted) spansIn(a, b time.Time) (string, bool) {
	var parts []string
	for _, s := range r.spans {
		if s.to <= a.Unix() || s.from >= b.Unix() {
			continue
		}
		from, to := time.Unix(max(s.from, a.Unix()), 0), time.Unix(min(s.to, b.Unix()), 0)
		parts = append(parts, timeFilter(from, to))
	}
	return "(" + strings.Join(parts, " or ") + ")", len(parts) > 0
}

// Read implements io.Reader: whole lines, each ending in a newline.
func (r *Counted) Read(p []byte) (int, error) {
	for len(r.pending) == 0 {
		if err := r.fill(); err != nil {
			return 0, err
		}
	}
	n := copy(p, r.pending)
	r.pending = r.pending[n:]
	return n, nil
}

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

// Close ends the query under way.
func (r *Counted) Close() error {
	if r.body != nil {
		err := r.body.Close()
		r.body = nil
		return err
	}
	return nil
}

// fill puts the next line in pending: the counted seconds' lines before
// the next read line, then that line; io.EOF after the range.
func (r *Counted) fill() error {
	if r.rows == nil && r.body == nil && r.ahead == nil {
		if !r.next.Before(r.to) {
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
	if r.row < len(r.rows) && (r.ahead == nil || r.rows[r.row].sec < r.ahead.sec) {
		r.writeRow()
		return nil
	}
	if r.ahead != nil {
		r.pending = append(append(r.pending[:0], r.ahead.msg...), '\n')
		r.ahead = nil
		r.Fetched++
		return nil
	}
	r.rows, r.row = nil, 0 // the window is done
	return nil
}

// startWindow asks for the next window's counts and starts reading its
// read seconds' lines.
func (r *Counted) startWindow() error {
	a := r.next
	b := a.Add(r.window())
	if b.After(r.to) {
		b = r.to
	}
	r.next = b
	r.mu.Lock()
	r.at = a
	r.mu.Unlock()
	in, any := r.spansIn(a, b)
	counted := fmt.Sprintf("(%s) %s", r.filter, timeFilter(a, b))
	if any {
		counted += " !" + in
	}
	plain := fmt.Sprintf("%s %s | filter %s", counted, r.plan.extract(), r.plan.plain)
	rows, err := r.countRows(plain)
	if err != nil {
		return err
	}
	if r.pools, err = r.dayPools(plain); err != nil {
		return err
	}
	r.rows, r.row = rows, 0
	if rows == nil {
		r.rows = []countRow{}
	}
	if any {
		sort := "_time"
		if r.c.Order != "" {
			sort += ", " + r.c.Order
		}
		body, err := r.c.query(r.ctx, fmt.Sprintf("(%s) %s %s | sort by (%s) | fields _time, _msg", r.filter, timeFilter(a, b), in, sort))
		if err != nil {
			return err
		}
		r.body, r.br = body, bufio.NewReaderSize(body, 64<<10)
	}
	return nil
}

// readNext reads the next line of the read seconds; nil at their end.
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
			return nil, fmt.Errorf("%s: reading the lines up to %s: %w", r.c.URL, r.next.UTC().Format(time.RFC3339), err)
		}
		var row struct {
			Time string `json:"_time"`
			Msg  string `json:"_msg"`
		}
		if err := json.Unmarshal(line, &row); err != nil {
			return nil, fmt.Errorf("%s: an answer line is not JSON: %w", r.c.URL, err)
		}
		at, err := time.Parse(time.RFC3339Nano, row.Time)
		if err != nil {
			return nil, fmt.Errorf("%s: an answer line's _time: %w", r.c.URL, err)
		}
		if row.Msg == "" {
			continue
		}
		return &readItem{sec: at.Unix(), msg: row.Msg}, nil
	}
}

// countRows asks for the plain lines of a window counted by second and
// the values the correlator counts, oldest first.
func (r *Counted) countRows(plain string) ([]countRow, error) {
	p := r.plan
	times := ""
	if p.msec >= 0 {
		times = fmt.Sprintf(", min(%s) lo, max(%s) hi", p.field[p.msec], p.field[p.msec])
	}
	q := fmt.Sprintf("%s | stats by (%s) count() n%s", plain, strings.Join(append([]string{"_time:1s"}, p.second...), ", "), times)
	var rows []countRow
	err := r.c.rows(r.ctx, q, func(row map[string]string) error {
		at, err := time.Parse(time.RFC3339Nano, row["_time"])
		if err != nil {
			return fmt.Errorf("a bucket's _time: %w", err)
		}
		n, err := strconv.Atoi(row["n"])
		if err != nil || n < 0 {
			return fmt.Errorf("a bucket's count %q", row["n"])
		}
		cr := countRow{sec: at.Unix(), n: n, vals: make([]string, len(p.second)), lo: row["lo"], hi: row["hi"]}
		for i, f := range p.second {
			cr.vals[i] = row[f]
		}
		rows = append(rows, cr)
		return nil
	})
	slices.SortStableFunc(rows, func(a, b countRow) int { return int(a.sec - b.sec) })
	return rows, err
}

// pool is what the plain lines of one quarter of an hour and peer carry
// for the days view, drawn as their lines are written.
type pool struct {
	entries []poolEntry
	at      int
}

// poolEntry is n plain lines with the same day values; the sums of their
// connect and header times in milliseconds.
type poolEntry struct {
	vals           []string // by plan.day
	n, left        int
	connMs, headMs int64
	// conn is the connect time's class: "+" above zero, "0" zero, ""
	// none; hasHead says the header time is a number.
	conn    string
	hasHead bool
}

func poolKey(quarter int64, addr string) string { return strconv.FormatInt(quarter, 10) + " " + addr }

// quarter is the quarter of an hour a Unix second falls in: every zone's
// offset is whole quarters, so a day anywhere is made of them.
func quarter(sec int64) int64 { return sec / 900 }

// dayPools asks for the plain lines of a window counted by quarter of an
// hour, peer and the values the days view counts.
func (r *Counted) dayPools(plain string) (map[string]*pool, error) {
	p := r.plan
	by := []string{"_time:15m"}
	if p.addr >= 0 {
		by = append(by, p.field[p.addr])
	}
	by = append(by, p.day...)
	sums := ""
	if p.connect >= 0 {
		sums += ", sum(" + p.field[p.connect] + ") conn_sum"
	}
	if p.head >= 0 {
		sums += ", sum(" + p.field[p.head] + ") head_sum"
	}
	q := fmt.Sprintf("%s%s | stats by (%s) count() n%s", plain, p.dayPipes(), strings.Join(by, ", "), sums)
	pools := map[string]*pool{}
	err := r.c.rows(r.ctx, q, func(row map[string]string) error {
		n, err := strconv.Atoi(row["n"])
		if err != nil || n < 0 {
			return fmt.Errorf("a bucket's count %q", row["n"])
		}
		e := poolEntry{n: n, left: n, vals: make([]string, len(p.day))}
		for i, f := range p.day {
			e.vals[i] = row[f]
		}
		e.conn, e.hasHead = row[connClass], row[headClass] == "h"
		e.connMs, e.headMs = millis(row["conn_sum"]), millis(row["head_sum"])
		at, err := time.Parse(time.RFC3339Nano, row["_time"])
		if err != nil {
			return fmt.Errorf("a bucket's _time: %w", err)
		}
		addr := ""
		if p.addr >= 0 {
			addr = row[p.field[p.addr]]
		}
		k := poolKey(quarter(at.Unix()), addr)
		if pools[k] == nil {
			pools[k] = &pool{}
		}
		pools[k].entries = append(pools[k].entries, e)
		return nil
	})
	return pools, err
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

// writeRow writes the next line of the current count row.
func (r *Counted) writeRow() {
	cr := &r.rows[r.row]
	p := r.plan
	var addr string
	if p.addr >= 0 {
		addr = cr.vals[p.secondOf[p.addr]]
	}
	e := r.pools[poolKey(quarter(cr.sec), addr)].take()
	r.line = p.render(r.line[:0], cr, e)
	r.pending = append(append(r.pending[:0], r.line...), '\n')
	r.Written++
	cr.n--
	if cr.n <= 0 {
		r.row++
	}
}

// take draws one line's day values; nil when the pool is spent (the store
// counted differently in two queries).
func (pl *pool) take() *drawn {
	if pl == nil {
		return nil
	}
	for pl.at < len(pl.entries) && pl.entries[pl.at].left == 0 {
		pl.at++
	}
	if pl.at == len(pl.entries) {
		return nil
	}
	e := &pl.entries[pl.at]
	e.left--
	d := &drawn{vals: e.vals, conn: "-", head: "-"}
	// Every line of the entry but its last takes the least value of its
	// class, the last what makes the sums exact.
	last := e.left == 0
	switch {
	case e.conn == "+" && last:
		d.conn = seconds(e.connMs - int64(e.n-1))
	case e.conn == "+":
		d.conn = "0.001"
	case e.conn == "0":
		d.conn = "0.000"
	}
	if e.hasHead {
		d.head = "0.000"
		if last {
			d.head = seconds(e.headMs)
		}
	}
	return d
}

// drawn is one written line's day values.
type drawn struct {
	vals       []string // by plan.day
	conn, head string
}

// seconds writes milliseconds as nginx writes a time.
func seconds(ms int64) string { return fmt.Sprintf("%d.%03d", ms/1000, ms%1000) }

// rows runs a stats query and hands each answer row to fn.
func (c *Client) rows(ctx context.Context, q string, fn func(map[string]string) error) error {
	body, err := c.query(ctx, q)
	if err != nil {
		return err
	}
	defer body.Close()
	br := bufio.NewReaderSize(body, 64<<10)
	for {
		line, err := readLine(br, input.MaxLine+maxBody)
		if errors.Is(err, io.EOF) && len(line) == 0 {
			return nil
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("%s: reading an answer: %w", c.URL, err)
		}
		var row map[string]string
		if err := json.Unmarshal(line, &row); err != nil {
			return fmt.Errorf("%s: an answer line is not JSON: %w", c.URL, err)
		}
		if err := fn(row); err != nil {
			return fmt.Errorf("%s: %w", c.URL, err)
		}
	}
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
