package pipeline

import (
	"context"
	"errors"
	"time"

	"github.com/badgw/badgw/correlate"
	"github.com/badgw/badgw/input"
	"github.com/badgw/badgw/logparse"
)

// Sources is what a run read, so that a moment of it can be read again:
// each set's files (stdin cannot be), the access format it was read with,
// and the error log's zone. The interface asks it for the lines of a
// timeline bucket that the recent-lines ring no longer holds, so memory
// holds a window of lines, never the log.
type Sources struct {
	sets []sourceSet
	zone *time.Location
}

type sourceSet struct {
	paths  []string
	format *logparse.Format
}

// Rereadable reports whether any input can be read again.
func (s *Sources) Rereadable() bool { return s != nil && len(s.sets) > 0 }

// ErrNotRereadable says the input was stdin only.
var ErrNotRereadable = errors.New("the input was a pipe: only its last lines are kept")

// LinesBetween reads again the bad lines (5xx answers and upstream errors)
// logged in [from, to), in time order, at most limit of them. Each set is
// read from its first file and left once its lines are reorderWindow past
// to (a set's times rise, give or take the window).
func (s *Sources) LinesBetween(ctx context.Context, from, to time.Time, limit int) ([]correlate.Line, error) {
	if !s.Rereadable() {
		return nil, ErrNotRereadable
	}
	var out []correlate.Line
	var errs []error
	for _, set := range s.sets {
		lines, err := set.linesBetween(ctx, from, to, limit, s.zone)
		out = append(out, lines...)
		if err != nil {
			errs = append(errs, err)
		}
	}
	correlate.SortLines(out)
	if len(out) > limit {
		out = out[:limit]
	}
	return out, errors.Join(errs...)
}

func (set sourceSet) linesBetween(ctx context.Context, from, to time.Time, limit int, zone *time.Location) ([]correlate.Line, error) {
	var out []correlate.Line
	var access *logparse.Parser
	if set.format != nil {
		access = set.format.NewParser()
	}
	var rec logparse.Record
	var ev logparse.Event
	stop := to.Add(reorderWindow)
	for _, path := range set.paths {
		past, err := eachLine(ctx, path, func(line []byte, num int64) bool {
			pos := correlate.Pos{Source: path, Line: num}
			switch {
			case logparse.IsErrorLine(line):
				if logparse.ParseErrorLine(line, zone, &ev) != nil {
					return true
				}
				if ev.Time.After(stop) {
					return false
				}
				if ev.Category.UpstreamFault() && within(ev.Time, from, to) {
					out = append(out, correlate.EventLine(&ev, pos))
				}
			case access != nil:
				if access.Parse(line, &rec) != nil {
					return true
				}
				if rec.Time.After(stop) {
					return false
				}
				if rec.Status >= 500 && within(rec.Time, from, to) {
					out = append(out, correlate.RecordLine(&rec, pos))
				}
			}
			return len(out) < limit
		})
		if err != nil || past || len(out) >= limit {
			return out, err
		}
	}
	return out, nil
}

// eachLine calls fn with each line of path until fn returns false, which
// it reports as past.
func eachLine(ctx context.Context, path string, fn func(line []byte, num int64) bool) (past bool, err error) {
	st, err := input.Open(path)
	if err != nil {
		return false, err
	}
	defer st.Close()
	r := input.NewReader(st, path)
	for r.Next() {
		l := r.Line()
		if l.Num%4096 == 0 && ctx.Err() != nil {
			return false, ctx.Err()
		}
		if l.Err != nil || len(l.Bytes) == 0 || l.Controller {
			continue
		}
		if !fn(l.Bytes, l.Num) {
			return true, nil
		}
	}
	return false, r.Err()
}

func within(t, from, to time.Time) bool { return !t.Before(from) && t.Before(to) }
