// Package vlload writes nginx's logs into VictoriaLogs as a shipper would,
// for the tests and benchmarks that read them back through the store: each
// line with its own time, a host field and a log field ("access" or
// "error"), and log.offset as Filebeat sets it, through the JSON-lines API.
package vlload

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/badgw/badgw/input"
	"github.com/badgw/badgw/logparse"
)

// Load writes the access and error logs at the paths (rotated sets and
// .gz as badgw reads them) into the VictoriaLogs at url, with host as the
// host field; access lines are timed by format, error lines in the zone of
// the first access line. It returns the range the lines span, the last
// second included, and how many lines it wrote.
func Load(url, host string, format *logparse.Format, access, errors []string) (from, to time.Time, lines int, err error) {
	w := &writer{url: url, host: host}
	var zone *time.Location
	for _, kind := range []string{"access", "error"} {
		paths := access
		if kind == "error" {
			paths = errors
		}
		sets, err := input.Expand(paths)
		if err != nil {
			return from, to, lines, err
		}
		w.offset = 0
		for _, set := range sets {
			for _, p := range set.Paths {
				st, err := input.Open(p)
				if err != nil {
					return from, to, lines, err
				}
				r := input.NewReader(st, p)
				for r.Next() {
					line := r.Line().Bytes
					var at time.Time
					if kind == "access" {
						var rec logparse.Record
						if format.Parse(line, &rec) == nil {
							at = rec.Time
							if zone == nil {
								zone = at.Location()
							}
						}
					} else {
						var ev logparse.Event
						if logparse.IsErrorLine(line) && logparse.ParseErrorLine(line, zone, &ev) == nil {
							at = ev.Time
						}
					}
					if err := w.add(at, string(line), kind); err != nil {
						st.Close()
						return from, to, lines, err
					}
				}
				st.Close()
			}
		}
	}
	if err := w.flush(); err != nil {
		return from, to, lines, err
	}
	return w.from, w.to.Truncate(time.Second).Add(time.Second), w.lines, nil
}

// writer batches rows into requests of about chunk bytes.
type writer struct {
	url, host string
	body      bytes.Buffer
	last      time.Time
	from, to  time.Time
	offset    int
	lines     int
}

const chunk = 8 << 20

func (w *writer) add(at time.Time, line, kind string) error {
	if at.IsZero() {
		at = w.last // a line without a time of its own (a continuation): its entry's
	}
	if at.IsZero() {
		return nil
	}
	w.last = at
	if w.from.IsZero() || at.Before(w.from) {
		w.from = at
	}
	if at.After(w.to) {
		w.to = at
	}
	// log.offset as Filebeat sets it: where the line starts in its file
	// (counted over the whole set, which keeps the order across a
	// rotation inside one second).
	row, err := json.Marshal(map[string]any{"_time": at.Format(time.RFC3339Nano), "_msg": line, "host": w.host, "log": kind, "log.offset": w.offset})
	if err != nil {
		return err
	}
	w.offset += len(line) + 1
	w.lines++
	w.body.Write(append(row, '\n'))
	if w.body.Len() >= chunk {
		return w.flush()
	}
	return nil
}

func (w *writer) flush() error {
	if w.body.Len() == 0 {
		return nil
	}
	resp, err := http.Post(strings.TrimRight(w.url, "/")+"/insert/jsonline?_stream_fields=host,log", "application/stream+json", &w.body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("%s refused the lines: %s: %s", w.url, resp.Status, msg)
	}
	w.body.Reset()
	return nil
}

// Flush asks VictoriaLogs to make what it took searchable now.
func Flush(url string) error {
	resp, err := http.Get(strings.TrimRight(url, "/") + "/internal/force_flush")
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: flushing: %s", url, resp.Status)
	}
	return nil
}
