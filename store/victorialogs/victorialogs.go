// Package victorialogs reads nginx's log lines out of VictoriaLogs, so
// that badgw analyses what a fleet already ships there without exporting
// it: the raw lines (_msg) a LogsQL filter matches in a time range, in
// time order, read by the same parsers as files (docs/stores.md).
package victorialogs

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/badgw/badgw/input"
)

// Client queries one VictoriaLogs (the single binary, or vlselect).
type Client struct {
	// URL is the base address, e.g. http://127.0.0.1:9428.
	URL string
	// AccountID and ProjectID name the tenant (headers of the same names).
	AccountID, ProjectID string
	// User and Password give basic authentication; Token a bearer token.
	User, Password, Token string
	// Window is the time span of one query: each is sorted by the store,
	// so a bounded span keeps each query within the store's limits
	// (-search.maxQueryDuration). 15 minutes when zero.
	Window time.Duration
	// HTTP is the client used; one with a 2-minute timeout when nil.
	HTTP *http.Client
	// Order is the field that orders the lines of one second, such as
	// Filebeat's log.offset: access times have a resolution of a second,
	// and the store keeps no order among equal times. Without it the
	// lines of a second come in the store's order.
	Order string
	// Profile, when set, reads lines a shipper parsed into fields and
	// did not keep whole (no _msg), written back as nginx's lines.
	Profile *Profile
}

// maxBody bounds what an error answer shows of its body.
const maxBody = 512

// attempts is how often a query is tried before its first line arrives:
// a store restarting or overloaded answers later. Once lines have come, a
// broken answer is an error: trying again could give some lines twice.
const attempts = 3

// Count is how many lines filter matches in [from, to): a check before
// reading (a filter that matches nothing is an error, not an empty report)
// and the total that progress is shown against.
func (c *Client) Count(ctx context.Context, filter string, from, to time.Time) (int64, error) {
	body, err := c.query(ctx, fmt.Sprintf("(%s) %s | stats count() n", filter, timeFilter(from, to)))
	if err != nil {
		return 0, err
	}
	defer body.Close()
	var row struct {
		N string `json:"n"`
	}
	if err := json.NewDecoder(io.LimitReader(body, 1<<20)).Decode(&row); err != nil {
		return 0, fmt.Errorf("%s: reading the count: %w", c.URL, err)
	}
	n, err := strconv.ParseInt(row.N, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s: the count %q is not a number", c.URL, row.N)
	}
	return n, nil
}

// maxHosts bounds the hosts a query may span.
const maxHosts = 256

// Values returns the values field takes on the lines filter matches in
// [from, to), sorted, at most maxHosts of them: the hosts of a fleet.
func (c *Client) Values(ctx context.Context, filter, field string, from, to time.Time) ([]string, error) {
	body, err := c.query(ctx, fmt.Sprintf("(%s) %s | uniq by (%s) limit %d | sort by (%s)", filter, timeFilter(from, to), field, maxHosts+1, field))
	if err != nil {
		return nil, err
	}
	defer body.Close()
	var out []string
	dec := json.NewDecoder(io.LimitReader(body, 16<<20))
	for {
		var row map[string]string
		if err := dec.Decode(&row); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("%s: reading the values of %s: %w", c.URL, field, err)
		}
		if v := row[field]; v != "" {
			out = append(out, v)
		}
	}
	if len(out) > maxHosts {
		return nil, fmt.Errorf("%s: %s takes more than %d values in the range: not a host field, or narrow --query", c.URL, field, maxHosts)
	}
	return out, nil
}

// Exact is a LogsQL filter for a field equal to value.
func Exact(field, value string) string { return fmt.Sprintf("%s:=%s", field, strconv.Quote(value)) }

// Lines returns the raw lines filter matches in [from, to), oldest first,
// one a line, queried a Window at a time.
func (c *Client) Lines(ctx context.Context, filter string, from, to time.Time) *Reader {
	w := c.Window
	if w <= 0 {
		w = 15 * time.Minute
	}
	return &Reader{c: c, ctx: ctx, filter: filter, from: from, next: from, to: to, window: w}
}

func timeFilter(from, to time.Time) string {
	return fmt.Sprintf("_time:[%s, %s)", from.UTC().Format(time.RFC3339Nano), to.UTC().Format(time.RFC3339Nano))
}

// query runs one LogsQL query and returns its answer's body (JSON lines).
func (c *Client) query(ctx context.Context, q string) (io.ReadCloser, error) {
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 2 * time.Minute}
	}
	var last error
	for try := range attempts {
		if try > 0 {
			select {
			case <-time.After(time.Duration(try) * time.Second):
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(c.URL, "/")+"/select/logsql/query",
			strings.NewReader(url.Values{"query": {q}}.Encode()))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("User-Agent", "badgw")
		if c.AccountID != "" {
			req.Header.Set("AccountID", c.AccountID)
		}
		if c.ProjectID != "" {
			req.Header.Set("ProjectID", c.ProjectID)
		}
		switch {
		case c.Token != "":
			req.Header.Set("Authorization", "Bearer "+c.Token)
		case c.User != "":
			req.SetBasicAuth(c.User, c.Password)
		}
		resp, err := hc.Do(req)
		if err != nil {
			last = err
			continue
		}
		if resp.StatusCode == http.StatusOK {
			return resp.Body, nil
		}
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, maxBody))
		resp.Body.Close()
		last = fmt.Errorf("%s refused the query: %s: %s", c.URL, resp.Status, strings.TrimSpace(string(msg)))
		if resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests {
			return nil, last // the query itself, the credentials or the tenant: no retry helps
		}
	}
	return nil, last
}

// Follow returns the lines filter matches from from on, as the store
// takes them, until ctx ends: a window is read once it lies delay behind
// the store's clock (VictoriaLogs makes what it took searchable within a
// second), and the reader looks again every poll.
func (c *Client) Follow(ctx context.Context, filter string, from time.Time, delay, poll time.Duration) *Reader {
	r := c.Lines(ctx, filter, from, time.Time{})
	r.live, r.delay, r.poll = true, delay, poll
	return r
}

// Reader hands out the lines of one range, a window at a time.
type Reader struct {
	c      *Client
	ctx    context.Context
	filter string
	// from is the start of the range; next the start of the window to
	// query next.
	from, next, to time.Time
	window         time.Duration
	// live: the range has no end (Follow); windows end delay before now.
	live        bool
	delay, poll time.Duration

	// pos is where the reader stands: the window being read and how many
	// of its lines were handed out (Position), behind mu for a reload
	// that asks while a read is under way; skip is how many lines of the
	// first window a resumed reader leaves out.
	mu    sync.Mutex
	pos   Position
	skip  int
	ended bool // the last window has been read

	body    io.ReadCloser
	br      *bufio.Reader
	pending []byte
	line    strings.Builder // a profile's line being written
	// TooLong counts answers over input.MaxLine, skipped; NoMessage
	// those with no raw line (_msg), skipped.
	TooLong, NoMessage int
	// Lines counts the lines handed out.
	Lines int64
}

// Read implements io.Reader: whole lines, each ending in a newline.
func (r *Reader) Read(p []byte) (int, error) { return readPending(p, &r.pending, r.fill) }

// readPending copies what fill puts in pending into p, calling it until
// there is some.
func readPending(p []byte, pending *[]byte, fill func() error) (int, error) {
	for len(*pending) == 0 {
		if err := fill(); err != nil {
			return 0, err
		}
	}
	n := copy(p, *pending)
	*pending = (*pending)[n:]
	return n, nil
}

// Position is where a reader stands: the start of the window under way
// and the lines of it already handed out. The lines of a window come in
// one order when the order field tells apart the lines of each second.
type Position struct {
	From   time.Time
	Handed int
}

// Position returns where the reader stands, for a reader started again
// (Resume) to go on from there.
func (r *Reader) Position() Position {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.pos
}

// Resume makes a new reader go on where p stood.
func (r *Reader) Resume(p Position) {
	r.next, r.skip = p.From, p.Handed
	r.pos = p
}

// Progress says how far the reader has come in its range, in seconds:
// the start of the window under way, of the whole range; a live reader's
// range has no end (total 0).
func (r *Reader) Progress() (done, total int64) {
	if r.live {
		return 0, 0
	}
	total = int64(r.to.Sub(r.from) / time.Second)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended {
		return total, total
	}
	if r.pos.From.IsZero() {
		return 0, total
	}
	return min(total, int64(r.pos.From.Sub(r.from)/time.Second)), total
}

// Close ends the query under way.
func (r *Reader) Close() error { return closeAnswer(&r.body) }

// closeAnswer closes the answer under way, if any.
func closeAnswer(body *io.ReadCloser) error {
	if *body == nil {
		return nil
	}
	err := (*body).Close()
	*body = nil
	return err
}

// fill reads the next answer line into pending, starting the next
// window's query when one ends; io.EOF after the last.
func (r *Reader) fill() error {
	if r.body == nil {
		to := r.to
		if r.live {
			to = time.Now().Add(-r.delay).Truncate(time.Second)
			if !r.next.Before(to) {
				select {
				case <-time.After(r.poll):
					return nil
				case <-r.ctx.Done():
					return io.EOF
				}
			}
		}
		if !r.next.Before(to) {
			r.mu.Lock()
			r.ended = true
			r.mu.Unlock()
			return io.EOF
		}
		end := r.next.Add(r.window)
		if end.After(to) {
			end = to
		}
		sort := "_time"
		if r.c.Order != "" {
			sort += ", " + r.c.Order
		}
		fields := "_msg"
		if p := r.c.Profile; p != nil {
			fields = "_time, " + strings.Join(p.fields, ", ")
		}
		body, err := r.c.query(r.ctx, fmt.Sprintf("(%s) %s | sort by (%s) | fields %s", r.filter, timeFilter(r.next, end), sort, fields))
		if r.live && r.ctx.Err() != nil {
			return io.EOF
		}
		if err != nil {
			return err
		}
		r.mu.Lock()
		r.pos = Position{From: r.next, Handed: r.skip}
		r.mu.Unlock()
		r.body, r.br, r.next = body, bufio.NewReaderSize(body, 64<<10), end
	}
	line, err := readLine(r.br, input.MaxLine+maxBody)
	switch {
	case errors.Is(err, io.EOF) && len(line) == 0:
		r.body.Close()
		r.body = nil
		return nil
	case errors.Is(err, errTooLong):
		r.TooLong++
		return nil
	case err != nil && !errors.Is(err, io.EOF):
		return fmt.Errorf("%s: reading the lines up to %s: %w", r.c.URL, r.next.UTC().Format(time.RFC3339), err)
	}
	if r.skip > 0 {
		r.skip-- // handed out before a restart
		return nil
	}
	if p := r.c.Profile; p != nil {
		return r.fromFields(p, line)
	}
	var msg []byte
	if err := eachField(line, func(k, v []byte) {
		if string(k) == "_msg" {
			msg = v
		}
	}); err != nil {
		return fmt.Errorf("%s: %w", r.c.URL, err)
	}
	if len(msg) == 0 || bytes.HasPrefix(msg, []byte(defaultMessage)) {
		// The shipper kept parsed fields and no raw line: nothing for
		// badgw's parsers to read.
		r.NoMessage++
		if r.NoMessage == noMessageLimit && r.Lines == 0 {
			return fmt.Errorf("%s: the first %d lines the query matched have no _msg: badgw reads nginx's raw lines: keep them (the message field), or say how the shipper parsed them (--store-profile)", r.c.URL, noMessageLimit)
		}
		return nil
	}
	r.hand(msg)
	return nil
}

// hand makes line the next one read.
func (r *Reader) hand(line []byte) {
	r.pending = append(append(r.pending[:0], line...), '\n')
	r.Lines++
	r.mu.Lock()
	r.pos.Handed++
	r.mu.Unlock()
}

// fromFields writes an answer row of a profile's fields back as nginx's
// line.
func (r *Reader) fromFields(p *Profile, answer []byte) error {
	var row map[string]string
	if err := json.Unmarshal(answer, &row); err != nil {
		return fmt.Errorf("%s: an answer line is not JSON: %w", r.c.URL, err)
	}
	at, err := time.Parse(time.RFC3339Nano, row["_time"])
	if err != nil {
		return fmt.Errorf("%s: an answer line's _time: %w", r.c.URL, err)
	}
	r.line.Reset()
	p.line(&r.line, row, at)
	r.hand([]byte(r.line.String()))
	return nil
}

var errTooLong = errors.New("answer line too long")

// defaultMessage starts the _msg VictoriaLogs gives a line stored without
// one (its -defaultMsgValue, "missing _msg field; see …"): a shipper that
// kept only parsed fields.
const defaultMessage = "missing _msg field"

// noMessageLimit is how many lines without _msg, before any with one, make
// the read an error: the store holds no raw lines for this query.
const noMessageLimit = 100

// readLine reads one line of the answer, skipping the rest of one longer
// than limit.
func readLine(br *bufio.Reader, limit int) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(line)+len(chunk) > limit {
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = br.ReadSlice('\n')
			}
			return nil, errTooLong
		}
		line = append(line, chunk...)
		if !errors.Is(err, bufio.ErrBufferFull) {
			return bytes.TrimRight(line, "\r\n"), err
		}
	}
}
