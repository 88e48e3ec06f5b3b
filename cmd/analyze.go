package cmd

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/badgw/badgw/audit"
	"github.com/badgw/badgw/correlate"
	"github.com/badgw/badgw/input"
	"github.com/badgw/badgw/logparse"
	"github.com/badgw/badgw/nginxconf"
	"github.com/badgw/badgw/pipeline"
	"github.com/badgw/badgw/report"
	"github.com/badgw/badgw/report/html"
	"github.com/badgw/badgw/spill"
	"github.com/badgw/badgw/tui"
	"github.com/badgw/badgw/words"
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
	// FalseBursts is the burst test's budget of false bursts per day.
	FalseBursts float64

	CSV         string
	CSVDays     string
	JSON        string
	HTML        string
	Partial     bool
	NoTUI       bool
	FailOnBurst bool

	// Title names the run in the interface ("demo: ..." for badgw demo).
	Title string
	// ExportDir is where the interface's "e" writes its CSV: the working
	// directory when empty.
	ExportDir string

	StoreOptions
	// HostFromPath reads several hosts' logs: a path pattern with {host}.
	HostFromPath string
	// ClockSkew is how far the hosts' clocks may differ.
	ClockSkew time.Duration
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
read oldest first), a directory (the logs in it whose names hold "access" or
"error" and ".log", as in /var/log/nginx), or "-" for stdin. With no file and
a piped stdin, stdin is read as it arrives, so "tail -F access.log error.log |
badgw analyze" works. An input that cannot be read (a missing file, a glob
that matches nothing) is named in the report and the rest is analysed; the
run then exits 1.

On a terminal badgw opens its interface; otherwise (or with --no-tui) it
prints a report. --csv and --json write the bursts and the whole analysis.`,
		Example: `  badgw analyze --nginx-conf /etc/nginx/nginx.conf /var/log/nginx
  tail -F /var/log/nginx/access.log /var/log/nginx/error.log | badgw analyze --format main
  badgw analyze --no-tui --csv bursts.csv --json analysis.json access.log.2.gz access.log.1 error.log`,
		RunE: func(c *cobra.Command, args []string) error {
			opts.Args = args
			if err := opts.checkAnalysisFlags(); err != nil {
				return err
			}
			if err := opts.checkStore(time.Now(), args, c.Flags().Changed); err != nil {
				return err
			}
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return runAnalyze(c.Context(), opts)
		},
	}
	f := c.Flags()
	opts.addAnalysisFlags(f)
	f.StringVar(&opts.CSV, "csv", "", "write the bursts as CSV to this file (- for stdout)")
	f.StringVar(&opts.CSVDays, "csv-days", "", "write one CSV row per day and upstream group to this file (- for stdout), for inputs of several days")
	f.StringVar(&opts.JSON, "json", "", "write the whole analysis as JSON to this file (- for stdout)")
	f.StringVar(&opts.HTML, "html", "", "write the post-mortem page, one self-contained HTML file, to this file (- for stdout)")
	f.BoolVar(&opts.Partial, "partial", false, "let an interrupted run replace existing --csv/--json files (else it writes PATH.partial)")
	f.BoolVar(&opts.NoTUI, "no-tui", false, "print a report even on a terminal")
	f.BoolVar(&opts.FailOnBurst, "fail-on-burst", false, "exit with status 3 when a 502 burst is found")
	opts.addStoreFlags(f)
	f.StringVar(&opts.Read, "store-read", "counted", "with --victorialogs: counted (the store counts the plain access lines, badgw reads the others and the seconds around them) or all (every line)")
	f.DurationVar(&opts.ClockSkew, "clock-skew", 2*time.Second, "with several hosts: how far their clocks may differ (bursts that far apart are at the same time)")
	f.StringVar(&opts.HostFromPath, "host-from-path", "", "read several nginx hosts' logs: a path pattern whose {host} is each host's name, e.g. 'logs/{host}/*.log*'")
	return c
}

// addAnalysisFlags adds the flags of the analysis itself, which analyze
// and watch share: the format, nginx.conf, the zone and the burst test.
func (o *AnalyzeOptions) addAnalysisFlags(f *pflag.FlagSet) {
	f.StringVar(&o.Format, "format", "", "access-log format: a preset (see 'badgw formats'), a log_format directive, or the format string")
	f.StringVar(&o.NginxConf, "nginx-conf", "", "read log_format, access_log and upstream blocks from this nginx.conf (includes followed); with {host} in the path, each host's own")
	f.StringVar(&o.FormatName, "format-name", "", "with --nginx-conf: the log_format to use instead of the one access_log names")
	f.StringVar(&o.TZ, "tz", "", "zone of error.log times, e.g. Europe/Berlin or +01:00 (default: the access log's offset)")
	f.DurationVar(&o.Gap, "gap", 5*time.Second, "quiet time that ends a burst")
	f.IntVar(&o.Min502, "min-502", 3, "fewest 502s that make a burst")
	f.Float64Var(&o.FalseBursts, "false-bursts-per-day", 0.1, "sensitivity: how many bursts a day of only sporadic 502s may show (lower is stricter)")
}

// checkAnalysisFlags checks the values addAnalysisFlags reads.
func (o *AnalyzeOptions) checkAnalysisFlags() error {
	if o.Min502 < 1 {
		return flagErrorf("--min-502 must be at least 1")
	}
	if o.Gap < time.Second {
		return flagErrorf("--gap must be at least 1s")
	}
	if o.FalseBursts <= 0 || o.FalseBursts > 100 {
		return flagErrorf("--false-bursts-per-day must be above 0 and at most 100")
	}
	return nil
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

// outputs are the exports the user asked for, checked before any input is
// read; nil when not asked.
type outputs struct {
	csv, json, csvDays, html *report.Output
}

func (o *AnalyzeOptions) checkOutputs() (outputs, error) {
	var out outputs
	for _, x := range []struct {
		flag, path string
		dst        **report.Output
	}{{"--csv", o.CSV, &out.csv}, {"--json", o.JSON, &out.json}, {"--csv-days", o.CSVDays, &out.csvDays}, {"--html", o.HTML, &out.html}} {
		if x.path == "" {
			continue
		}
		ro, err := report.CheckOutput(x.path)
		if err != nil {
			return out, &FlagError{Err: fmt.Errorf("%s: %w", x.flag, err)}
		}
		*x.dst = ro
	}
	stdout := 0
	for _, p := range []string{o.CSV, o.JSON, o.CSVDays, o.HTML} {
		if p == "-" {
			stdout++
		}
	}
	if stdout > 1 {
		return out, flagErrorf("only one of --csv, --json, --csv-days and --html can write to stdout (-): give the others a file")
	}
	named := []struct {
		flag string
		o    *report.Output
	}{{"--csv", out.csv}, {"--json", out.json}, {"--csv-days", out.csvDays}, {"--html", out.html}}
	for i, a := range named {
		for _, b := range named[i+1:] {
			if a.o != nil && b.o != nil && !a.o.IsStdout() && a.o.SameFile(b.o) {
				return out, flagErrorf("%s and %s both name %s: one export would replace the other; give each its own file", a.flag, b.flag, b.o.Path)
			}
		}
	}
	return out, nil
}

// runConfig turns options into the pipeline's configuration.
func (o *AnalyzeOptions) runConfig() (pipeline.RunConfig, outputs, error) {
	args := o.Args
	if o.HostFromPath != "" && (len(args) > 0 || o.VictoriaLogs != "") {
		return pipeline.RunConfig{}, outputs{}, flagErrorf("--host-from-path names every input: give no files (nor --victorialogs) beside it")
	}
	if len(args) == 0 && o.VictoriaLogs == "" && o.HostFromPath == "" {
		if o.IO.StdinTTY {
			return pipeline.RunConfig{}, outputs{}, flagErrorf("no log given: name files or pipe a log into badgw analyze")
		}
		args = []string{"-"}
	}
	for _, a := range args {
		if a == "-" && o.IO.StdinTTY {
			return pipeline.RunConfig{}, outputs{}, flagErrorf("\"-\" reads stdin, which is this terminal: pipe a log into badgw analyze, or name files")
		}
	}
	cfg, err := o.analysisConfig()
	if err != nil {
		return cfg, outputs{}, err
	}
	// Outputs, then files: usage errors first, and a typo in an export
	// path fails before an hour of logs is read.
	outs, err := o.checkOutputs()
	if err != nil {
		return cfg, outs, err
	}
	if o.VictoriaLogs != "" {
		return cfg, outs, nil // addStore gives the input
	}
	expand := func() ([]input.Set, error) { return input.Expand(args) }
	if o.HostFromPath != "" {
		expand = func() ([]input.Set, error) { return input.ExpandHosts(o.HostFromPath) }
	}
	sets, err := expand()
	if err != nil {
		return cfg, outs, &exitError{code: ExitInput, err: err}
	}
	cfg.Sets = sets
	cfg.Stdin = o.IO.In
	return cfg, outs, nil
}

// analysisConfig is the configuration without inputs: the format, the
// nginx.conf read, the zone and the burst test's options.
func (o *AnalyzeOptions) analysisConfig() (pipeline.RunConfig, error) {
	var cfg pipeline.RunConfig
	if o.Format != "" {
		f, err := logparse.ParseFormat(o.Format)
		if err != nil {
			return cfg, &FlagError{Err: fmt.Errorf("--format: %w", err)}
		}
		cfg.Format = f
	}
	if p := o.storeProfile(); p != nil && o.VictoriaLogs != "" {
		// The profile writes the lines back in its own format, whatever
		// nginx.conf's log_format (which is then not read).
		f, err := logparse.ParseFormat(p.AccessFormat)
		if err != nil {
			return cfg, err
		}
		cfg.Format = f
	}
	if strings.Contains(o.NginxConf, input.HostPlaceholder) {
		if err := o.readHostConfigs(&cfg); err != nil {
			return cfg, err
		}
	} else if o.NginxConf != "" {
		conf, hc, err := readNginxConf(o.NginxConf)
		if err != nil {
			return cfg, err
		}
		cfg.Options.Upstreams, cfg.Options.Settings, cfg.Options.Findings = hc.Upstreams, hc.Settings, hc.Findings
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
	cfg.Options.Gap, cfg.Options.Min502, cfg.Options.FalseBurstsPerDay = o.Gap, o.Min502, o.FalseBursts
	if o.ClockSkew < 0 {
		return cfg, flagErrorf("--clock-skew cannot be negative")
	}
	cfg.Options.ClockSkew = o.ClockSkew
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
	cfg, outs, err := o.runConfig()
	if err != nil {
		return err
	}
	if o.VictoriaLogs != "" {
		// The store's readers ask for counts ahead: they stop with the run.
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		defer cancel()
		if err := o.addStore(ctx, &cfg); err != nil {
			return err
		}
	}
	defer o.keepDetailsOnDisk(&cfg.Options)()
	ex := &exporter{o: o, outs: outs, live: o.follow(cfg), findings: allFindings(cfg.Options)}
	if ex.live && outs.csv != nil {
		cfg.OnBurst = ex.burstClosed
	}
	defer o.storeRead()
	useTUI := o.IO.StdoutTTY && !o.NoTUI && o.CSV != "-" && o.JSON != "-" && o.CSVDays != "-" && o.HTML != "-"
	if useTUI {
		return o.runTUI(ctx, cfg, ex)
	}
	return o.runReport(ctx, cfg, ex)
}

// keepDetailsOnDisk hands the details of the bursts as they close to a
// temporary file (package spill), so that the analysis of an input with
// thousands of bursts holds the memory of one with ten; the reports read
// each back as they print it. Where no file can be made, or one fails,
// the bursts stay whole in memory, as they always did, and a line on
// stderr says so. It returns what removes the file.
func (o *AnalyzeOptions) keepDetailsOnDisk(opts *correlate.Options) func() {
	f, err := spill.New("")
	if err != nil {
		fmt.Fprintf(o.IO.ErrOut, "badgw: %s: the bursts are kept in memory\n", report.Clean(err.Error()))
		return func() {}
	}
	opts.Details = f
	return func() {
		if err := f.Err(); err != nil {
			fmt.Fprintf(o.IO.ErrOut, "badgw: %s (bursts after it were kept in memory, or printed without their details)\n", report.Clean(err.Error()))
		}
		f.Close()
	}
}

// exporter writes --csv and --json in every mode. In a live run the CSV is
// rewritten whole (atomically) each time a burst closes, so a reader never
// sees a partial file; a stream (stdout, a FIFO) gets one row per burst.
type exporter struct {
	o    *AnalyzeOptions
	outs outputs
	live bool
	// table is a live run's CSV so far, rewritten whole as each 502
	// burst closes: its rows, not the bursts, so that a run of weeks
	// holds a few hundred bytes a burst (tableRows writes them).
	table     bytes.Buffer
	tableRows *report.CSVWriter
	rows      *report.CSVWriter
	err       error
	// findings are the audit's, for the page's configuration section.
	findings []audit.Finding
}

// burstClosed runs in the pipeline's goroutine as each burst closes.
func (x *exporter) burstClosed(b correlate.Burst) {
	if b.Kind != correlate.Kind502 {
		return
	}
	if !x.outs.csv.Streams() {
		var err error
		if x.tableRows == nil {
			x.tableRows, err = report.NewCSVWriter(&x.table)
		}
		if err == nil {
			err = x.tableRows.Write(b)
		}
		if err == nil {
			err = x.outs.csv.Write(x.o.IO.Out, func(w io.Writer) error { _, err := w.Write(x.table.Bytes()); return err })
		}
		x.err = errors.Join(x.err, err)
		return
	}
	if x.rows == nil {
		w, err := x.outs.csv.Stream(x.o.IO.Out)
		if err == nil {
			x.rows, err = report.NewCSVWriter(w)
		}
		if err != nil {
			x.err = errors.Join(x.err, err)
			return
		}
	}
	x.err = errors.Join(x.err, x.rows.Write(b))
}

// finish writes the exports of the final snapshot. An incomplete analysis
// (a file run stopped early) does not replace an existing export unless
// --partial says so: it goes beside it, as PATH.partial.
func (x *exporter) finish(snap pipeline.Snapshot) error {
	err := x.err
	if x.rows != nil {
		err = errors.Join(err, x.outs.csv.CloseStream())
	}
	write := func(out *report.Output, streamed bool, fn func(io.Writer) error) {
		if out == nil || streamed {
			return
		}
		if !snap.Ingest.Complete() && !x.o.Partial && out.Exists() {
			partial, cerr := report.CheckOutput(out.Path + ".partial")
			if cerr != nil {
				err = errors.Join(err, cerr)
				return
			}
			fmt.Fprintf(x.o.IO.ErrOut, "badgw: the run was interrupted: %s is kept as it was; the partial analysis is in %s (--partial overwrites)\n",
				report.Clean(out.Path), report.Clean(partial.Path))
			out = partial
		}
		err = errors.Join(err, out.Write(x.o.IO.Out, fn))
	}
	write(x.outs.csv, x.rows != nil, func(w io.Writer) error { return report.WriteCSV(w, snap.Wholes(snap.Bursts)) })
	write(x.outs.json, false, func(w io.Writer) error { return report.WriteJSON(w, snap) })
	write(x.outs.csvDays, false, func(w io.Writer) error { return report.WriteDaysCSV(w, snap.DaySummary()) })
	write(x.outs.html, false, func(w io.Writer) error {
		return html.Write(w, snap, html.Options{Findings: x.findings, Title: x.o.Title})
	})
	return err
}

// runReport is the headless path: a report at the end, or for a live pipe
// one block per burst as it closes and the summary at the end.
func (o *AnalyzeOptions) runReport(ctx context.Context, cfg pipeline.RunConfig, ex *exporter) error {
	dataOnStdout := o.CSV == "-" || o.JSON == "-" || o.CSVDays == "-" || o.HTML == "-"
	text := o.IO.Out
	if dataOnStdout {
		text = io.Discard
	}
	if ex.live {
		exportBurst := cfg.OnBurst
		cfg.OnBurst = func(b correlate.Burst) {
			if b.Kind == correlate.Kind502 || !dataOnStdout {
				if err := report.WriteBurst(text, b); err == nil {
					fmt.Fprintln(text)
				}
			}
			if exportBurst != nil {
				exportBurst(b)
			}
		}
	}
	snap, runErr := pipeline.Run(ctx, cfg)
	if snap.Ingest.Files == nil && runErr != nil {
		return o.exit(snap, runErr, nil)
	}
	var writeErr error
	if ex.live {
		writeErr = report.WriteSummary(text, snap, report.TextOptions{})
	} else {
		writeErr = report.WriteText(text, snap, report.TextOptions{})
	}
	writeErr = errors.Join(writeErr, ex.finish(snap))
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
		what := "some input could not be read (everything else was analysed)"
		if snap.Ingest.Totals().Lines == 0 {
			what = "no input could be read"
		}
		return &exitError{code: ExitInput, err: fmt.Errorf("%s:\n  %s", what, strings.ReplaceAll(runErr.Error(), "\n", "\n  "))}
	}
	if !snap.Ingest.Complete() {
		return &exitError{code: ExitInput, err: fmt.Errorf("interrupted before the end of input: the analysis covers the first %s only",
			words.Count(int(snap.Ingest.Totals().Lines), "line"))}
	}
	if o.FailOnBurst && len(snap.BadGatewayBursts())+len(snap.ErrorLogBursts()) > 0 {
		return &exitError{code: ExitBurstFound, err: errors.New("502 bursts found")}
	}
	return nil
}

// runTUI runs the pipeline in the background and the interface in front.
// Snapshots travel through a one-slot, latest-wins channel, so the
// interface can never slow ingestion. The exports are written when the
// interface closes, from the last snapshot.
func (o *AnalyzeOptions) runTUI(ctx context.Context, cfg pipeline.RunConfig, ex *exporter) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	feed := make(chan pipeline.Snapshot, 1)
	outcome := make(chan tui.Outcome, 1)
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
	go func() {
		s, err := pipeline.Run(ctx, cfg)
		done <- result{s, err}
		if err != nil {
			outcome <- tui.Outcome{Err: o.exit(s, err, nil), Fatal: s.Ingest.Files == nil}
		} else {
			outcome <- tui.Outcome{}
		}
		close(feed)
	}()
	err := tui.Run(ctx, feed, outcome, tui.Options{
		Title:     o.Title,
		Live:      ex.live,
		PipeInput: !o.IO.StdinTTY && ex.live,
		ExportDir: cmp.Or(o.ExportDir, "."),
		Plain:     os.Getenv("NO_COLOR") != "",
	})
	cancel()
	if err != nil {
		return err
	}
	select {
	case r := <-done:
		if r.snap.Ingest.Files == nil && r.err != nil {
			return o.exit(r.snap, r.err, nil)
		}
		return o.exit(r.snap, r.err, ex.finish(r.snap))
	case <-time.After(2 * time.Second):
		// A pipe reader cannot be interrupted; its goroutine dies with the process.
		return nil
	}
}

// readHostConfigs reads each host's nginx.conf, --nginx-conf being a
// pattern whose {host} stands for the host's name (as --host-from-path's
// does): each burst is explained with its own host's settings. The access
// format is theirs when they all define the same one, else each input's
// is detected among them; the groups of peers are every host's upstream
// blocks together.
func (o *AnalyzeOptions) readHostConfigs(cfg *pipeline.RunConfig) error {
	hosts, files, err := input.HostFiles(o.NginxConf)
	if err != nil {
		return &exitError{code: ExitUsage, err: fmt.Errorf("--nginx-conf: %w", err)}
	}
	if len(hosts) == 0 {
		return &exitError{code: ExitUsage, err: fmt.Errorf("--nginx-conf: no file matches %s", report.Clean(o.NginxConf))}
	}
	cfg.Options.HostConfigs = map[string]correlate.HostConfig{}
	formats := map[string]*logparse.Format{}
	var order []string
	for _, h := range hosts {
		if len(files[h]) != 1 {
			return &exitError{code: ExitUsage, err: fmt.Errorf("--nginx-conf: %d files match for host %s; the pattern must name one nginx.conf per host", len(files[h]), report.Clean(h))}
		}
		path := files[h][0]
		conf, hc, err := readNginxConf(path)
		if err != nil {
			return err
		}
		cfg.Options.HostConfigs[h] = hc
		cfg.Options.Upstreams = mergeUpstreams(cfg.Options.Upstreams, conf.Upstreams)
		if cfg.Format == nil {
			f, err := conf.AccessFormat(o.FormatName)
			if err != nil {
				return &FlagError{Err: fmt.Errorf("%s: %w", report.Clean(path), err)}
			}
			if d := logparse.Describe(f); formats[d] == nil {
				formats[d] = f
				order = append(order, d)
			}
		}
	}
	switch {
	case len(order) == 1:
		cfg.Format = formats[order[0]]
	case len(order) > 1:
		for _, d := range order {
			cfg.Candidates = append(cfg.Candidates, formats[d])
		}
	}
	return nil
}

// readNginxConf reads one nginx.conf for an analysis: its upstream blocks
// and the audit's settings and findings. A configuration that cannot be
// read is a bad argument, as it is for "badgw check": exit 2 before any
// log is read.
func readNginxConf(path string) (*logparse.Config, correlate.HostConfig, error) {
	conf, err := logparse.ReadConfig(path)
	if err != nil {
		return nil, correlate.HostConfig{}, &exitError{code: ExitUsage, err: fmt.Errorf("--nginx-conf: %w", err)}
	}
	hc := correlate.HostConfig{Upstreams: conf.Upstreams}
	if hc.Settings, hc.Findings, err = audit.ForAnalysis(path, audit.Options{}); err != nil {
		return nil, correlate.HostConfig{}, &exitError{code: ExitUsage, err: fmt.Errorf("--nginx-conf: %w", err)}
	}
	return conf, hc, nil
}

// allFindings are the audit's findings of the configuration given, or of
// every host's, host by host: the page lists them all.
func allFindings(o correlate.Options) []audit.Finding {
	out := slices.Clone(o.Findings)
	hosts := slices.Sorted(maps.Keys(o.HostConfigs))
	for _, h := range hosts {
		out = append(out, o.HostConfigs[h].Findings...)
	}
	return out
}

// mergeUpstreams adds to have the upstream blocks of another host: a
// block of a new name as it is, the servers of a known one it lacks.
func mergeUpstreams(have, more []nginxconf.Upstream) []nginxconf.Upstream {
	for _, u := range more {
		i := slices.IndexFunc(have, func(h nginxconf.Upstream) bool { return h.Name == u.Name })
		if i < 0 {
			u.Servers = slices.Clone(u.Servers)
			have = append(have, u)
			continue
		}
		for _, s := range u.Servers {
			if !slices.ContainsFunc(have[i].Servers, func(h nginxconf.UpstreamServer) bool { return h.Addr == s.Addr }) {
				have[i].Servers = append(have[i].Servers, s)
			}
		}
	}
	return have
}
