package cmd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"

	"github.com/spf13/cobra"

	"github.com/badgw/badgw/correlate"
	"github.com/badgw/badgw/follow"
	"github.com/badgw/badgw/input"
	"github.com/badgw/badgw/pipeline"
	"github.com/badgw/badgw/report"
)

// WatchOptions are the watch command's inputs: analyze's, and how the
// files are followed.
type WatchOptions struct {
	AnalyzeOptions
	State     string
	FromStart bool
	OnBurst   string
	Poll      time.Duration
}

// NewCmdWatch builds "badgw watch".
func NewCmdWatch(io *IOStreams) *cobra.Command {
	opts := &WatchOptions{AnalyzeOptions: AnalyzeOptions{IO: io, NoTUI: true}}
	c := &cobra.Command{
		Use:   "watch FILE...",
		Short: "Follow nginx's logs unattended and report each 502 burst",
		Long: `Follow nginx's access and error logs as they are written, without an
interface, for as long as it runs: files are followed by name and inode as
logrotate leaves them (after a rename the old file is read to its end, then the
new one; a copytruncate is counted as a possible loss), and a file that appears
later is read from its start. Each burst is printed as it closes; --on-burst runs
a command with the 502 burst's JSON on its stdin.

With --state FILE the position of every file is saved when watch stops (SIGTERM,
SIGINT or SIGHUP) and resumed when it starts: no line is read twice or skipped,
even when the files were rotated in between. Without a saved position a file is
read from its end (--from-start: from its start).`,
		Example: `  badgw watch --nginx-conf /etc/nginx/nginx.conf --state /var/lib/badgw/state /var/log/nginx/access.log /var/log/nginx/error.log
  badgw watch --format main --on-burst 'logger -t badgw' access.log error.log`,
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				return flagErrorf("name the access and error logs to follow")
			}
			opts.Args = args
			if err := opts.checkAnalysisFlags(); err != nil {
				return err
			}
			if opts.Poll < 10*time.Millisecond {
				return flagErrorf("--poll must be at least 10ms")
			}
			return runWatch(c.Context(), opts)
		},
	}
	f := c.Flags()
	opts.addAnalysisFlags(f)
	f.StringVar(&opts.State, "state", "", "save the files' positions here when stopping, and resume from them")
	f.BoolVar(&opts.FromStart, "from-start", false, "read a file without a saved position from its start, not its end")
	f.StringVar(&opts.OnBurst, "on-burst", "", "run this command (through sh -c) for each 502 burst as it closes, its JSON on stdin")
	f.DurationVar(&opts.Poll, "poll", 250*time.Millisecond, "how often an idle file is checked for new lines and rotation")
	return c
}

func runWatch(ctx context.Context, o *WatchOptions) error {
	for _, a := range o.Args {
		if a == "-" {
			return flagErrorf("watch follows files; to read a pipe use badgw analyze")
		}
		if fi, err := os.Stat(a); err == nil && !fi.Mode().IsRegular() {
			return flagErrorf("%s is not a file: name the access and error logs to follow", a)
		}
	}
	var state follow.State
	var stateOut *report.Output
	if o.State == "-" {
		return flagErrorf("--state needs a file: it is read back when watch starts again")
	}
	if o.State != "" {
		// Checked now: a state file that cannot be written must not be
		// found out when watch stops, weeks later.
		var err error
		if stateOut, err = report.CheckOutput(o.State); err != nil {
			return &FlagError{Err: fmt.Errorf("--state: %w", err)}
		}
		if state, err = follow.LoadState(o.State); err != nil {
			return &exitError{code: ExitUsage, err: fmt.Errorf("--state: %w", err)}
		}
	}
	// The files are followed until a signal ends ctx; the analysis then
	// takes every line they handed out before it stops, so the positions
	// saved are those of lines analysed.
	var files []*follow.File
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	cfg, err := o.analysisConfig()
	if err != nil {
		return err
	}
	cfg.Followed = map[string]io.Reader{}
	for _, a := range o.Args {
		f, err := follow.Open(ctx, a, follow.Options{Poll: o.Poll, FromStart: o.FromStart, Resume: state.Of(a)})
		if err != nil {
			return &exitError{code: ExitInput, err: err}
		}
		files = append(files, f)
		cfg.Followed[a] = f
		cfg.Sets = append(cfg.Sets, input.Set{Base: a, Paths: []string{a}})
	}
	hooks := newHookRunner(o.OnBurst, o.IO.ErrOut)
	cfg.OnBurst = func(b correlate.Burst) {
		if err := report.WriteBurst(o.IO.Out, b); err == nil {
			fmt.Fprintln(o.IO.Out)
		}
		if b.Kind == correlate.Kind502 {
			hooks.send(b)
		}
	}
	snap, runErr := pipeline.Run(context.WithoutCancel(ctx), cfg)
	hooks.close()
	writeErr := report.WriteSummary(o.IO.Out, snap, report.TextOptions{})
	for _, f := range files {
		st := f.Stats()
		if st.Missing {
			fmt.Fprintf(o.IO.ErrOut, "badgw: %s did not exist when watch stopped (a file that appears is read from its start)\n", report.Clean(f.Name()))
		}
		if st.Truncations > 0 {
			fmt.Fprintf(o.IO.ErrOut, "badgw: %s was truncated %d× while followed (copytruncate): lines written between the copy and the truncation may be missing\n",
				report.Clean(f.Name()), st.Truncations)
		}
	}
	if stateOut != nil {
		if err := stateOut.Write(o.IO.Out, func(w io.Writer) error { return follow.WriteState(w, files) }); err != nil {
			writeErr = errors.Join(writeErr, fmt.Errorf("--state: %w", err))
		}
	}
	if writeErr != nil {
		return &exitError{code: ExitInput, err: writeErr}
	}
	if runErr != nil {
		return &exitError{code: ExitInput, err: runErr}
	}
	return nil
}

// hookTimeout bounds one --on-burst command, and hookQueue the bursts
// waiting for it: the commands run on their own goroutine, so a slow or
// hung one never holds the analysis; a burst that finds the queue full is
// reported as dropped.
const (
	hookTimeout = 30 * time.Second
	hookQueue   = 64
)

// hookRunner runs --on-burst for each burst in turn.
type hookRunner struct {
	command string
	errOut  io.Writer
	queue   chan correlate.Burst
	done    chan struct{}
}

func newHookRunner(command string, errOut io.Writer) *hookRunner {
	h := &hookRunner{command: command, errOut: errOut, queue: make(chan correlate.Burst, hookQueue), done: make(chan struct{})}
	go func() {
		defer close(h.done)
		for b := range h.queue {
			if err := runHook(h.command, b); err != nil {
				fmt.Fprintf(h.errOut, "badgw: --on-burst for the burst of %s at %s: %s\n", report.Clean(b.Group), b.Start.Format(time.RFC3339), report.CleanText(err.Error()))
			}
		}
	}()
	return h
}

func (h *hookRunner) send(b correlate.Burst) {
	if h.command == "" {
		return
	}
	select {
	case h.queue <- b:
	default:
		fmt.Fprintf(h.errOut, "badgw: --on-burst: %d bursts already wait for the command; the burst of %s at %s is not passed to it\n",
			hookQueue, report.Clean(b.Group), b.Start.Format(time.RFC3339))
	}
}

// close waits for the bursts already queued.
func (h *hookRunner) close() {
	close(h.queue)
	<-h.done
}

// runHook runs the --on-burst command with the burst's JSON on stdin.
func runHook(command string, b correlate.Burst) error {
	var in bytes.Buffer
	if err := report.WriteBurstJSON(&in, b); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), hookTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", command)
	cmd.Stdin = &in
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	return cmd.Run()
}
