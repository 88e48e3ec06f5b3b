package tui

import (
	"context"
	"sync"
	"syscall"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/badgw/badgw/bench/benchinput"
	"github.com/badgw/badgw/input"
	"github.com/badgw/badgw/logparse"
	"github.com/badgw/badgw/pipeline"
)

// BenchmarkRawLinesPane streams a synthetic day (bench/genlog: a burst
// every 10,000 lines, so 500 bursts in 5 M lines) through the pipeline into
// the interface's model, as a live run would, and redraws it on every
// snapshot with the raw-lines pane open (pane=open) or the main screen
// (pane=closed). peak-MiB is the process's peak RSS; run one
// sub-benchmark per process, or the second reports the first's peak:
//
//	go test ./tui -run - -bench 'RawLinesPane/pane=open' -benchtime 1x
//	go test ./tui -run - -bench 'RawLinesPane/pane=closed' -benchtime 1x
//
// BADGW_BENCH_LINES sets the input's lines (default 5,000,000); see
// bench/benchinput.
func BenchmarkRawLinesPane(b *testing.B) {
	access, _ := benchinput.Day(b, benchinput.Lines(5_000_000))
	format := benchinput.Format(b)
	for _, pane := range []string{"open", "closed"} {
		b.Run("pane="+pane, func(b *testing.B) {
			for range b.N {
				shown := runIntoModel(b, access, format, pane == "open")
				b.ReportMetric(float64(shown), "lines-shown")
			}
			var ru syscall.Rusage
			if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
				b.ReportMetric(float64(ru.Maxrss)/1024, "peak-MiB")
			}
		})
	}
}

// runIntoModel runs the pipeline on path and hands its latest snapshot to
// a model every frame, with the raw-lines pane open when open is set; it
// returns how many raw lines the last frame's burst holds.
func runIntoModel(b *testing.B, path string, format *logparse.Format, open bool) int {
	sets, err := input.Expand([]string{path})
	if err != nil {
		b.Fatal(err)
	}
	var mu sync.Mutex
	var latest *pipeline.Snapshot
	done := make(chan error, 1)
	go func() {
		_, err := pipeline.Run(context.Background(), pipeline.RunConfig{Sets: sets, Format: format, Publish: func(s pipeline.Snapshot) {
			mu.Lock()
			latest = &s
			mu.Unlock()
		}})
		done <- err
	}()
	var m tea.Model = New(Options{Plain: true, Live: true})
	m, _ = m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	frame := func() {
		mu.Lock()
		s := latest
		latest = nil
		mu.Unlock()
		if s == nil {
			return
		}
		m, _ = m.Update(snapshotMsg{snap: *s})
		if open && m.(Model).state != stateLines && len(s.Bursts) > 0 {
			m, _ = m.Update(keyMsg("r"))
		}
		_ = m.View()
	}
	tick := time.NewTicker(frameInterval)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			if err != nil {
				b.Fatal(err)
			}
			frame()
			bs, _ := m.(Model).selectedBurst()
			if open && m.(Model).state != stateLines {
				b.Fatal("the raw-lines pane never opened")
			}
			return len(bs.Lines)
		case <-tick.C:
			frame()
		}
	}
}
