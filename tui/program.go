package tui

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/badgw/badgw/correlate"
	"github.com/badgw/badgw/pipeline"
	"github.com/badgw/badgw/report"
)

// snapshotMsg carries a new snapshot and the command that waits for the
// next one, so the program pulls snapshots one at a time.
type snapshotMsg struct {
	snap pipeline.Snapshot
	next tea.Cmd
}

// Outcome is how the analysis ended. Fatal means it produced nothing (no
// format fits, no input could be opened): the interface then shows the
// error full-screen until a key is pressed.
type Outcome struct {
	Err   error
	Fatal bool
}

// ingestDoneMsg says the analysis has finished, and how.
type ingestDoneMsg struct{ outcome Outcome }

// exportedMsg reports the outcome of the "e" export.
type exportedMsg struct {
	path string
	n    int
	err  error
}

// frameInterval caps redraws: snapshots arriving faster are coalesced by
// the latest-wins feed, and the program waits this long between pulls.
const frameInterval = 100 * time.Millisecond

// waitForSnapshot pulls the next snapshot from feed; when feed is closed
// it reads the outcome, which the sender must provide before closing.
func waitForSnapshot(feed <-chan pipeline.Snapshot, outcome <-chan Outcome) tea.Cmd {
	return func() tea.Msg {
		time.Sleep(frameInterval)
		return pull(feed, outcome)
	}
}

func pull(feed <-chan pipeline.Snapshot, outcome <-chan Outcome) tea.Msg {
	s, ok := <-feed
	if !ok {
		var o Outcome
		if outcome != nil {
			o = <-outcome
		}
		return ingestDoneMsg{outcome: o}
	}
	return snapshotMsg{snap: s, next: waitForSnapshot(feed, outcome)}
}

// exportCmd writes the bursts in view, of snap, to a CSV named after the
// log time.
func exportCmd(dir string, bursts []correlate.Burst, snap pipeline.Snapshot) tea.Cmd {
	return func() tea.Msg {
		name := "badgw-bursts.csv"
		if !snap.AsOf.IsZero() {
			name = fmt.Sprintf("badgw-bursts-%s.csv", snap.AsOf.Format("20060102-150405"))
		}
		path := filepath.Join(dir, name)
		err := report.WriteFile(path, io.Discard, func(w io.Writer) error { return report.WriteCSV(w, snap.Wholes(bursts)) })
		return exportedMsg{path: path, n: len(bursts), err: err}
	}
}

// Run shows the interface until the user quits, consuming snapshots from
// feed until it is closed, then one Outcome from outcome (which may be nil).
// Snapshots should come through a latest-wins channel so a slow terminal
// never slows the analysis.
func Run(ctx context.Context, feed <-chan pipeline.Snapshot, outcome <-chan Outcome, opts Options) error {
	m := New(opts)
	popts := []tea.ProgramOption{tea.WithContext(ctx), tea.WithAltScreen()}
	if opts.PipeInput {
		// stdin carries the log: keys come from the terminal itself.
		popts = append(popts, tea.WithInputTTY())
	}
	p := tea.NewProgram(m, popts...)
	go func() {
		p.Send(pull(feed, outcome)) // the first snapshot comes without the frame delay
	}()
	_, err := p.Run()
	if err == tea.ErrProgramKilled && ctx.Err() != nil {
		return nil
	}
	return err
}
