// Package pipeline is the only place with goroutines: it reads every input
// set, decides the access format and the error log's zone from the first
// lines, parses batches in parallel, merges the sets by time and feeds one
// correlate.Correlator, publishing snapshots as it goes.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

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
	// Followed are the paths whose lines come from a reader as they are
	// written (badgw watch's followed files), read like a pipe; each must
	// be a set of its own. Their readers end the run by returning io.EOF.
	Followed map[string]io.Reader
	// Readers are paths whose lines come from a finite reader read like a
	// file (a log store's lines, badgw analyze --victorialogs); each must
	// be a set of its own.
	Readers map[string]io.Reader
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
	// LivePublish makes the snapshots published while input flows live
	// ones (correlate.Correlator.LiveSnapshot, with the ingest counts):
	// the open bursts and the counts, what alerts and metrics read, at a
	// cost that does not grow with the run. The final one is whole.
	LivePublish bool
	// OnBurst is called as each burst closes, in the correlator's goroutine.
	OnBurst func(correlate.Burst)
	// OnClose receives a whole snapshot after bursts have closed, in the
	// correlator's goroutine: for exports rewritten as bursts close.
	OnClose func(Snapshot)
}

// sampleLines is how many lines of each file set decide the format, and
// sampleBytes bounds what they may hold when the lines are huge.
const (
	sampleLines = 1000
	sampleBytes = 4 * batchBytes
)

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
	followed := make([]bool, len(cfg.Sets))
	reader := make([]io.Reader, len(cfg.Sets))
	for i, set := range cfg.Sets {
		followed[i] = len(set.Paths) == 1 && cfg.Followed[set.Paths[0]] != nil
		isStdin[i] = len(set.Paths) == 1 && set.Paths[0] == "-" || followed[i]
		follow = follow || isStdin[i]
		switch {
		case followed[i]:
			reader[i] = cfg.Followed[set.Paths[0]]
		case len(set.Paths) == 1 && cfg.Readers[set.Paths[0]] != nil:
			reader[i] = cfg.Readers[set.Paths[0]]
		}
	}
	stats.Follow = follow
	for i, set := range cfg.Sets {
		raws[i] = make(chan *rawBatch, 2)
		sr := &setReader{set: set, stats: stats, out: raws[i], follow: isStdin[i], stdin: cfg.Stdin}
		if reader[i] != nil {
			sr.stdin, sr.followed = reader[i], true
		}
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
		// A followed file may stay quiet for hours (an error log at level
		// error): its first lines are waited for a moment only, and lines
		// that come later are read with the format chosen from the others.
		var quiet <-chan time.Time
		if followed[i] {
			quiet = time.After(followedSampleWait)
		}
		for n < sampleLines && size < sampleBytes {
			var b *rawBatch
			var ok bool
			select {
			case b, ok = <-ch:
			case <-quiet: // ok stays false: the sample ends here
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
			for k := range b.lines {
				l := b.line(k)
				if ex := l.extra(); ex.err == nil && !ex.controller && n < sampleLines {
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
	var learn *learnedZone
	if zone == nil {
		zone, zoneWhy = zoneFromSample(sample, format)
		if follow && len(sample) == 0 {
			learn = &learnedZone{stats: stats}
		}
	}
	stats.Zone = fmt.Sprintf("%s (%s)", zoneName(zone), zoneWhy)
	sources := &Sources{zone: zone}
	for i, set := range cfg.Sets {
		if reader[i] == nil && !isStdin[i] && set.Unread == nil {
			sources.sets = append(sources.sets, sourceSet{paths: set.Paths, format: formats[i]})
		}
	}

	parsed := make([]chan *parsedBatch, len(cfg.Sets))
	perDay := make([]*setDays, len(cfg.Sets))
	for i := range cfg.Sets {
		parsed[i] = make(chan *parsedBatch, 2)
		perDay[i] = &setDays{c: days.NewCounter()}
		wg.Add(1)
		format, errorLog, node := formats[i], errorLogs[i], cfg.Sets[i].Host
		go parseSet(ctx, &wg, isStdin[i], firsts[i], raws[i], parsed[i], perDay[i].count, func() *parser {
			p := &parser{format: format, errorLog: errorLog, zone: zone, learn: learn, stats: stats, node: node}
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
	snapOf := func(cs correlate.Snapshot) Snapshot {
		daysSeen, dropped := mergeDays(perDay)
		s := Snapshot{Snapshot: cs, Ingest: stats.clone(), Days: daysSeen, DaysDropped: dropped,
			Recent: recent.lines(), RecentAll: !recent.dropped, Sources: sources}
		s.Ingest.Elapsed = time.Since(started)
		return s
	}
	snap := func() Snapshot { return snapOf(c.Snapshot()) }
	liveSnap := func() Snapshot {
		s := Snapshot{Snapshot: c.LiveSnapshot(), Ingest: stats.clone(), Sources: sources}
		s.Ingest.Elapsed = time.Since(started)
		return s
	}
	emit := func(bs []correlate.Burst) {
		if cfg.OnBurst != nil {
			for _, b := range bs {
				cfg.OnBurst(b)
			}
		}
		if cfg.OnClose != nil && len(bs) > 0 {
			cfg.OnClose(snap())
		}
	}
	lastPublish := time.Now()
	publish := func(force bool) {
		if cfg.Publish != nil && (force || (cfg.Every > 0 && time.Since(lastPublish) >= cfg.Every)) {
			if cfg.LivePublish {
				cfg.Publish(liveSnap())
			} else {
				cfg.Publish(snap())
			}
			lastPublish = time.Now()
		}
	}
	m := newMerger(parsed, isStdin)
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
	// applyLeft adds one by one the records of a run that AddPlain left
	// (those of a group with a burst candidate open), and returns the
	// run's last item.
	applyLeft := func(pb *parsedBatch, run *plainRun) int {
		if run.AnyLeft() {
			for i := run.start; i < run.end; i++ {
				if run.Left(&pb.recs[pb.items[i].idx]) {
					apply(pb, i)
				}
			}
		}
		return run.end - 1
	}
	drain := func(all bool) {
		for len(held) > 0 && (all || len(held) > maxHeldBatches || heldBytes > maxHeldBytes || time.Since(held[0].since) >= joinHold) {
			pb := held[0].pb
			held = held[1:]
			heldBytes -= pb.size()
			for i := 0; i < len(pb.items); i++ {
				ref := pb.items[i]
				if r := ref.run; r > 0 && c.AddPlain(&pb.runs[r-1].PlainRun) {
					i = applyLeft(pb, &pb.runs[r-1])
					continue
				}
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
		// A run of plain records goes as its sums when no other set has
		// an item before its end (the order the records would be taken).
		if r := pb.items[i].run; r > 0 && m.nothingBefore(pb.items[pb.runs[r-1].end-1].at) && c.AddPlain(&pb.runs[r-1].PlainRun) {
			i = applyLeft(pb, &pb.runs[r-1])
			m.skipTo(i + 1)
		} else {
			apply(pb, i)
		}
		if i == len(pb.items)-1 {
			lastArrival = time.Now()
			pb.release()
			emit(c.Advance(time.Time{}))
			publish(false)
		}
	}
	drain(true)
	emit(c.Flush())
	final := snapOf(c.Final())
	if cfg.Publish != nil {
		cfg.Publish(final)
	}
	return final, errors.Join(stats.sourceErrors()...)
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
	followedSampleWait = time.Second
	joinHold           = 200 * time.Millisecond
	maxHeldBatches     = 128
	maxHeldBytes       = 8 << 20
	liveIdle           = 200 * time.Millisecond
	liveTick           = 50 * time.Millisecond
)
