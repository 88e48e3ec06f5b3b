package cmd

import (
	"fmt"
	"io"
	"sync"

	"github.com/badgw/badgw/audit"
	"github.com/badgw/badgw/correlate"
	"github.com/badgw/badgw/pipeline"
	"github.com/badgw/badgw/report"
	"github.com/badgw/badgw/report/html"
)

// pageWriter keeps watch --html's page: rewritten whole (atomically) each
// time bursts close, by a goroutine of its own so that the analysis never
// waits for the disk; a newer snapshot replaces one not yet written.
// A watch keeps closed bursts as their summaries (memory stays flat for
// weeks), so the writer holds the latest keepWhole bursts whole, as they
// closed, for the page's details.
type pageWriter struct {
	out      *report.Output
	io       *IOStreams
	findings []audit.Finding

	mu    sync.Mutex
	whole map[burstKey]correlate.Burst
	order []burstKey

	next   chan pipeline.Snapshot
	done   chan struct{}
	closed sync.Once
	err    error // the first failed write's, read after done
}

// keepWhole is how many closed bursts a watch's page shows in full.
const keepWhole = 50

// burstKey tells bursts apart across the runs of one watch: a reload
// (SIGHUP) numbers the bursts from 1 again.
type burstKey struct {
	id    int
	start int64
}

func keyOf(b correlate.Burst) burstKey { return burstKey{b.ID, b.Start.UnixNano()} }

func newPageWriter(out *report.Output, streams *IOStreams, findings []audit.Finding) *pageWriter {
	p := &pageWriter{out: out, io: streams, findings: findings, whole: map[burstKey]correlate.Burst{},
		next: make(chan pipeline.Snapshot, 1), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		for snap := range p.next {
			if err := p.render(snap); err != nil && p.err == nil {
				fmt.Fprintf(streams.ErrOut, "badgw: --html: %s\n", report.CleanText(err.Error()))
				p.err = err
			}
		}
	}()
	return p
}

// keep holds a burst as it closed, without its raw lines (the page shows
// its samples), dropping the oldest past keepWhole. A nil writer keeps
// nothing.
func (p *pageWriter) keep(b correlate.Burst) {
	if p == nil {
		return
	}
	b.Lines = nil
	p.mu.Lock()
	defer p.mu.Unlock()
	p.whole[keyOf(b)] = b
	p.order = append(p.order, keyOf(b))
	if len(p.order) > keepWhole {
		delete(p.whole, p.order[0])
		p.order = p.order[1:]
	}
}

// write hands a snapshot to the writing goroutine, replacing one that
// waits.
func (p *pageWriter) write(snap pipeline.Snapshot) {
	select {
	case <-p.next:
	default:
	}
	p.next <- snap
}

func (p *pageWriter) render(snap pipeline.Snapshot) error {
	p.mu.Lock()
	bursts := make([]correlate.Burst, len(snap.Bursts))
	for i, b := range snap.Bursts {
		if w, ok := p.whole[keyOf(b)]; ok && b.Summarized {
			// What the snapshot works out across bursts (the hosts at
			// once) is the snapshot's.
			w.AtOnce, w.Hosts = b.AtOnce, b.Hosts
			b = w
		}
		bursts[i] = b
	}
	p.mu.Unlock()
	snap.Bursts = bursts
	return p.out.Write(io.Discard, func(w io.Writer) error { return html.Write(w, snap, html.Options{Findings: p.findings}) })
}

// final writes the page of the run's last snapshot, after the writes
// under way.
func (p *pageWriter) final(snap pipeline.Snapshot) error {
	p.close()
	<-p.done
	return p.render(snap)
}

// close ends the writing goroutine once the run has ended (no write
// after it); safe to call twice.
func (p *pageWriter) close() {
	p.closed.Do(func() { close(p.next) })
}
