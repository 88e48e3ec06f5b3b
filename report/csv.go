package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"iter"
	"strconv"
	"strings"
	"time"

	"github.com/badgw/badgw/correlate"
)

// CSVHeader is the column list of the bursts CSV, one row per 502 burst:
//
//	id                    burst number in this run
//	start, end            first and last 502, RFC 3339 with offset (ms when logged)
//	duration_s            end - start, at least 1
//	upstream              the upstream group (or its peers when unnamed)
//	requests              requests to the group between start and end
//	bad_gateway           502s among them
//	gateway_timeout       504s among them
//	other_5xx             other 5xx among them
//	share_502             bad_gateway / requests
//	peak_502_per_s        most 502s in one second
//	attempts_per_request  upstream tries per request (retry amplification)
//	status_chains         $upstream_status chains, "item (count)" joined by "; "
//	peers                 peers tried by the 502s, same form
//	error_categories      error.log categories in the burst, same form
//	root_cause            identifier of the most likely cause
//	confidence            its confidence, 0 to 1
//	fix                   what to change
//	host                  the nginx host, when the inputs are several hosts' (--host-from-path)
var CSVHeader = []string{"id", "start", "end", "duration_s", "upstream", "requests", "bad_gateway",
	"gateway_timeout", "other_5xx", "share_502", "peak_502_per_s", "attempts_per_request",
	"status_chains", "peers", "error_categories", "root_cause", "confidence", "fix", "host"}

// CSVWriter writes burst rows; rows can be added as bursts close.
type CSVWriter struct {
	w *csv.Writer
}

// NewCSVWriter writes the header and returns a writer for rows.
func NewCSVWriter(w io.Writer) (*CSVWriter, error) {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return nil, err
	}
	cw.Flush()
	return &CSVWriter{w: cw}, cw.Error()
}

// Write adds one burst's row and flushes it.
func (c *CSVWriter) Write(b correlate.Burst) error {
	if b.Kind != correlate.Kind502 {
		return nil
	}
	cause, conf, fix := "", "", ""
	if top := b.TopCause(); top != nil {
		cause, conf, fix = top.ID, strconv.FormatFloat(top.Confidence, 'f', 2, 64), top.Fix
	}
	row := []string{
		strconv.Itoa(b.ID), Timestamp(b.Start), Timestamp(b.End),
		strconv.FormatFloat(b.Duration().Seconds(), 'f', -1, 64), b.Group,
		strconv.Itoa(b.Requests), strconv.Itoa(b.BadGateway), strconv.Itoa(b.GatewayTimeout), strconv.Itoa(b.Other5xx),
		strconv.FormatFloat(b.Share(), 'f', 3, 64), strconv.Itoa(b.Peak),
		strconv.FormatFloat(b.AttemptsPerRequest(), 'f', 2, 64),
		Histogram(b.Chains), Histogram(b.Peers), Histogram(b.Categories), cause, conf, fix, b.Node,
	}
	for i := range row {
		row[i] = Cell(row[i])
	}
	if err := c.w.Write(row); err != nil {
		return err
	}
	c.w.Flush()
	return c.w.Error()
}

// WriteCSV writes the header and one row per 502 burst, whole
// (correlate.Snapshot.Wholes), one at a time.
func WriteCSV(w io.Writer, bursts iter.Seq[correlate.Burst]) error {
	cw, err := NewCSVWriter(w)
	if err != nil {
		return err
	}
	for b := range bursts {
		if err := cw.Write(b); err != nil {
			return err
		}
	}
	return nil
}

// Histogram renders counts as "item (count)" joined by "; ", most frequent first.
func Histogram(cs []correlate.Count) string {
	parts := make([]string, 0, len(cs))
	for _, c := range cs {
		parts = append(parts, fmt.Sprintf("%s (%d)", c.Key, c.N))
	}
	return strings.Join(parts, "; ")
}

// EndClock writes the end of a span that Timestamp(start) begins: its
// time of day, or its date and time when it ends on another day.
func EndClock(start, end time.Time) string {
	if end.Format(time.DateOnly) != start.Format(time.DateOnly) {
		return end.Format("2006-01-02 15:04:05")
	}
	return end.Format("15:04:05")
}

// Timestamp renders t in RFC 3339 with its offset, with milliseconds only
// when the log had sub-second precision.
func Timestamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if t.Nanosecond() != 0 {
		return t.Format("2006-01-02T15:04:05.000Z07:00")
	}
	return t.Format(time.RFC3339)
}
