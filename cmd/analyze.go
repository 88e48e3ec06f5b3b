package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/badgw/badgw/correlate"
	"github.com/badgw/badgw/input"
	"github.com/badgw/badgw/logparse"
	"github.com/badgw/badgw/pipeline"
	"github.com/badgw/badgw/report"
	"github.com/badgw/badgw/tui"
)

// AnalyzeOptions are the analyze command's inputs after flag parsing.
type AnalyzeOptions struct {
	IO   *IOStreams
	Args []string

	Format     string
	NginxConf  string
	FormatName string
	TZ         string
	Gap        time.Duration
	Min502     int

	CSV         string
	JSON        string
	NoTUI       bool
	FailOnBurst bool

	// Title names the run in the interface ("demo: ..." for badgw demo).
	Title string
}

// NewCmdAnalyze builds "badgw analyze". runF replaces the run function in
// tests that only check flag handling.
func NewCmdAnalyze(io *IOStreams, runF func(context.Context, *AnalyzeOptions) error) *cobra.Command {
	opts := &AnalyzeOptions{IO: io}
	c := &cobra.Command{
		Use:   "analyze [FILE|GLOB|-]...",
		Short: "Find 502 bursts in access and error logs and explain them",
		Long: `Analyze nginx access and error logs: plain, .gz, .zst or .bz2 (detected from
the content), globs, rotated sets (access.log.2.gz … access.log.1, access.log,
read oldest first), or "-" for stdin. With no file and a piped stdin, stdin is
read as it arrives, so "tail -F access.log error.log | badgw analyze" works.

On a terminal badgw opens its interface; otherwise (or with --no-tui) it
prints a report. --csv and --json write the bursts and the whole analysis.`,
		Example: `  badgw analyze --nginx-conf /etc/nginx/nginx.conf /var/log/nginx/access.log* /var/log/nginx/error.log*
  tail -F /var/log/nginx/access.log /var/log/nginx/error.log | badgw analyze --format main
  badgw analyze --no-tui --csv bursts.csv --json analysis.json access.log.2.gz access.log.1 error.log`,
		RunE: func(c *cobra.Command, args []string) error {
			opts.Args = args
			if opts.Min502 < 1 {
				return flagErrorf("--min-502 must be at least 1")
			}
			if opts.Gap < time.Second {
				return flagErrorf("--gap must be at least 1s")
			}
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return runAnalyze(c.Context(), opts)
		},
	}
	f := c.Flags()
	f.StringVar(&opts.Format, "format", "", "access-log format: a preset (see 'badgw formats'), a log_format directive, or the format string")
	f.StringVar(&opts.NginxConf, "nginx-conf", "", "read log_format, access_log and upstream blocks from this nginx.conf (includes followed)")
	f.StringVar(&opts.FormatName, "format-name", "", "with --nginx-conf: the log_format to use instead of the one access_log names")
	f.StringVar(&opts.TZ, "tz", "", "zone of error.log times, e.g. Europe/Berlin or +01:00 (default: the access log's offset)")
	f.DurationVar(&opts.Gap, "gap", 5*time.Second, "quiet time that ends a burst")
	f.IntVar(&opts.Min502, "min-502", 3, "fewest 502s that make a burst")
	f.StringVar(&opts.CSV, "csv", "", "write the bursts as CSV to this file (- for stdout)")
	f.StringVar(&opts.JSON, "json", "", "write the whole analysis as JSON to this file (- for stdout)")
	f.BoolVar(&opts.NoTUI, "no-tui", false, "print a report even on a terminal")
	f.BoolVar(&opts.FailOnBurst, "fail-on-burst", false, "exit with status 3 when a 502 burst is found")
	return c
}

// parseZone reads --tz: an IANA name or a fixed offset like +01:00.
func parseZone(s string) (*time.Location, error) {
	if s == "" {
		return nil, nil
	}
	if s[0] == '+' || s[0] == '-' {
		t, err := time.Parse("-07:00", s)
		if err != nil {
			return nil, fmt.Errorf("--tz %q: want a zone name or an offset like +01:00", s)
		}
		_, off := t.Zone()
		return time.FixedZone(s, off), nil
	}
	return time.LoadLocation(s)
}

// runConfig turns options into the pipeline's configuration.
func (o *AnalyzeOptions) runConfig() (pipeline.RunConfig, error) {
	var cfg pipeline.RunConfig
	args := o.Args
	if len(args) == 0 {
		if o.IO.StdinTTY {
			return cfg, flagErrorf("no log given: name files or pipe a log into badgw analyze")
		}
		args = []string{"-"}
	}
	if o.Format != "" {
		f, err := logparse.ParseFormat(o.Format)
		if err != nil {
			return cfg, &FlagError{Err: fmt.Errorf("--format: %w", err)}
		}
		cfg.Format = f
	}
	if o.NginxConf != "" {
		conf, err := logparse.ReadConfig(o.NginxConf)
		if err != nil {
			return cfg, &exitError{code: ExitInput, err: fmt.Errorf("--nginx-conf: %w", err)}
		}
		cfg.Options.Upstreams = conf.Upstreams
		if cfg.Format == nil {
			f, err := conf.AccessFormat(o.FormatName)
			if err != nil {
				return cfg, &FlagError{Err: err}
			}
			cfg.Format = f
		}
	} else if o.FormatName != "" {
		return cfg, flagErrorf("--format-name needs --nginx-conf")
	}
	zone, err := parseZone(o.TZ)
	if err != nil {
		return cfg, &FlagError{Err: err}
	}
	cfg.Zone = zone
	cfg.Options.Gap, cfg.Options.Min502 = o.Gap, o.Min502
	// Files are looked at last, so usage errors are reported first.
	sets, err := input.Expand(args)
	if err != nil {
		return cfg, &exitError{code: ExitInput, err: err}
	}
	cfg.Sets = sets
	cfg.Stdin = o.IO.In
	return cfg, nil
}

func (o *AnalyzeOptions) follow(cfg pipeline.RunConfig) bool {
	for _, s := range cfg.Sets {
		if len(s.Paths) == 1 && s.Paths[0] == "-" {
			return true
		}
	}
	return false
}

func runAnalyze(ctx context.Context, o *AnalyzeOptions) error {
	cfg, err := o.runConfig()
	if err != nil {
		return err
	}
	useTUI := o.IO.StdoutTTY && !o.NoTUI && o.CSV != "-" && o.JSON != "-"
	if useTUI {
		return o.runTUI(ctx, cfg)
	}
	return o.runReport(ctx, cfg)
}

// runReport is the headless path: a report at the end, or for a live pipe
// one block per burst as it closes and the summary at the end.
func (o *AnalyzeOptions) runReport(ctx context.Context, cfg pipeline.RunConfig) error {
	live := o.follow(cfg)
	dataOnStdout := o.CSV == "-" || o.JSON == "-"
	text := o.IO.Out
	if dataOnStdout {
		text = io.Discard
	}
	var liveCSV *report.CSVWriter
	var liveFile *os.File
	if live && o.CSV != "" {
		// A live run appends rows as bursts close, so the file is written
		// in place rather than renamed at the end.
		w := o.IO.Out
		if o.CSV != "-" {
			f, err := os.Create(o.CSV)
			if err != nil {
				return &exitError{code: ExitInput, err: err}
			}
			liveFile = f
			defer f.Close()
			w = f
		}
		cw, err := report.NewCSVWriter(w)
		if err != nil {
			return err
		}
		liveCSV = cw
	}
	var writeErr error
	if live {
		cfg.OnBurst = func(b correlate.Burst) {
			if b.Kind == correlate.Kind502 || !dataOnStdout {
				if err := report.WriteBurst(text, b); err == nil {
					fmt.Fprintln(text)
				}
			}
			if liveCSV != nil {
				writeErr = errors.Join(writeErr, liveCSV.Write(b))
			}
		}
	}
	snap, runErr := pipeline.Run(ctx, cfg)
	if snap.Ingest.Files == nil && runErr != nil {
		return o.exit(snap, runErr, nil)
	}
	if live {
		writeErr = errors.Join(writeErr, report.WriteSummary(text, snap, report.TextOptions{}))
	} else {
		writeErr = errors.Join(writeErr, report.WriteText(text, snap, report.TextOptions{}))
	}
	if o.CSV != "" && liveCSV == nil {
		writeErr = errors.Join(writeErr, report.WriteFile(o.CSV, o.IO.Out, func(w io.Writer) error {
			return report.WriteCSV(w, snap.Bursts)
		}))
	}
	if liveFile != nil {
		writeErr = errors.Join(writeErr, liveFile.Sync())
	}
	if o.JSON != "" {
		writeErr = errors.Join(writeErr, report.WriteFile(o.JSON, o.IO.Out, func(w io.Writer) error {
			return report.WriteJSON(w, snap)
		}))
	}
	return o.exit(snap, runErr, writeErr)
}

// exit maps the outcome to the documented exit codes.
func (o *AnalyzeOptions) exit(snap pipeline.Snapshot, runErr, writeErr error) error {
	if writeErr != nil {
		return &exitError{code: ExitInput, err: writeErr}
	}
	if runErr != nil {
		if errors.Is(runErr, logparse.ErrNoFormat) {
			return &exitError{code: ExitUsage, err: fmt.Errorf("%w\npass --format, --nginx-conf, or see 'badgw formats'", runErr)}
		}
		return &exitError{code: ExitInput, err: fmt.Errorf("some input could not be read (everything else was analysed):\n  %s",
			strings.ReplaceAll(runErr.Error(), "\n", "\n  "))}
	}
	if o.FailOnBurst && len(snap.BadGatewayBursts()) > 0 {
		return &exitError{code: ExitBurstFound, err: errors.New("502 bursts found")}
	}
	return nil
}

// runTUI runs the pipeline in the background and the interface in front.
// Snapshots travel through a one-slot, latest-wins channel, so the
// interface can never slow ingestion.
func (o *AnalyzeOptions) runTUI(ctx context.Context, cfg pipeline.RunConfig) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	feed := make(chan pipeline.Snapshot, 1)
	cfg.Every = 100 * time.Millisecond
	cfg.Publish = func(s pipeline.Snapshot) {
		select {
		case <-feed:
		default:
		}
		feed <- s
	}
	type result struct {
		snap pipeline.Snapshot
		err  error
	}
	done := make(chan result, 1)
	var once sync.Once
	go func() {
		s, err := pipeline.Run(ctx, cfg)
		done <- result{s, err}
		once.Do(func() { close(feed) })
	}()
	err := tui.Run(ctx, feed, tui.Options{
		Title:     o.Title,
		Live:      o.follow(cfg),
		PipeInput: !o.IO.StdinTTY && o.follow(cfg),
		ExportDir: ".",
		Plain:     os.Getenv("NO_COLOR") != "",
	})
	cancel()
	if err != nil {
		return err
	}
	select {
	case r := <-done:
		return o.exit(r.snap, r.err, nil)
	case <-time.After(2 * time.Second):
		// A pipe reader cannot be interrupted; its goroutine dies with the process.
		return nil
	}
}
