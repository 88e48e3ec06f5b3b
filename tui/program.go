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

// ingestDoneMsg says the analysis has finished.
type ingestDoneMsg struct{}

// exportedMsg reports the outcome of the "e" export.
type exportedMsg struct {
	path string
	n    int
	err  error
}

// frameInterval caps redraws: snapshots arriving faster are coalesced by
// the latest-wins feed, and the program waits this long between pulls.
const frameInterval = 100 * time.Millisecond

// waitForSnapshot pulls the next snapshot from feed.
func waitForSnapshot(feed <-chan pipeline.Snapshot) tea.Cmd {
	return func() tea.Msg {
		time.Sleep(frameInterval)
		s, ok := <-feed
		if !ok {
			return ingestDoneMsg{}
		}
		return snapshotMsg{snap: s, next: waitForSnapshot(feed)}
	}
}

// exportCmd writes the bursts in view to a CSV named after the log time.
func exportCmd(dir string, bursts []correlate.Burst, asOf time.Time) tea.Cmd {
	return func() tea.Msg {
		name := "badgw-bursts.csv"
		if !asOf.IsZero() {
			name = fmt.Sprintf("badgw-bursts-%s.csv", asOf.Format("20060102-150405"))
		}
		path := filepath.Join(dir, name)
		err := report.WriteFile(path, io.Discard, func(w io.Writer) error { return report.WriteCSV(w, bursts) })
		return exportedMsg{path: path, n: len(bursts), err: err}
	}
}

// Run shows the interface until the user quits, consuming snapshots from
// feed until it is closed. Snapshots should come through a latest-wins
// channel so a slow terminal never slows the analysis.
func Run(ctx context.Context, feed <-chan pipeline.Snapshot, opts Options) error {
	m := New(opts)
	popts := []tea.ProgramOption{tea.WithContext(ctx), tea.WithAltScreen()}
	if opts.PipeInput {
		// stdin carries the log: keys come from the terminal itself.
		popts = append(popts, tea.WithInputTTY())
	}
	p := tea.NewProgram(m, popts...)
	go func() {
		p.Send(pullFirst(feed)())
	}()
	_, err := p.Run()
	if err == tea.ErrProgramKilled && ctx.Err() != nil {
		return nil
	}
	return err
}

// pullFirst waits for the first snapshot without the frame delay.
func pullFirst(feed <-chan pipeline.Snapshot) tea.Cmd {
	return func() tea.Msg {
		s, ok := <-feed
		if !ok {
			return ingestDoneMsg{}
		}
		return snapshotMsg{snap: s, next: waitForSnapshot(feed)}
	}
}
