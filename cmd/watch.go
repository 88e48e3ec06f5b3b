package cmd

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"text/template"
	"time"

	"github.com/spf13/cobra"

	"github.com/badgw/badgw/alert"
	"github.com/badgw/badgw/correlate"
	"github.com/badgw/badgw/follow"
	"github.com/badgw/badgw/input"
	"github.com/badgw/badgw/metrics"
	"github.com/badgw/badgw/nginxconf"
	"github.com/badgw/badgw/pipeline"
	"github.com/badgw/badgw/report"
	"github.com/badgw/badgw/store/victorialogs"
)

// WatchOptions are the watch command's inputs: analyze's, how the files
// are followed, and where alerts and metrics go.
type WatchOptions struct {
	AnalyzeOptions
	State     string
	FromStart bool
	Poll      time.Duration

	OnBurst         string
	Alertmanager    string
	Webhook         string
	WebhookTemplate string
	AlertHost       string
	AlertRate       float64
	AlertResend     time.Duration
	MetricsAddr     string
}

// NewCmdWatch builds "badgw watch".
func NewCmdWatch(io *IOStreams) *cobra.Command {
	opts := &WatchOptions{AnalyzeOptions: AnalyzeOptions{IO: io, NoTUI: true}}
	c := &cobra.Command{
		Use:   "watch FILE...",
		Short: "Follow nginx's logs unattended, alert on 502 bursts and export metrics",
		Long: `Follow nginx's access and error logs as they are written, without an
interface, for as long as it runs: files are followed by name and inode as
logrotate leaves them (after a rename the old file is read to its end, then the
new one; a copytruncate is counted as a possible loss), and a file that appears
later is read from its start. "badgw watch -" reads a pipe instead (tail -F of
both logs, kubectl logs -f) until it ends; --victorialogs follows what a
VictoriaLogs takes. Each burst is printed as it closes.

Alerts: as soon as a 502 burst passes the burst test, when its top cause,
busiest peers or size change, and when it ends, to an Alertmanager
(--alertmanager), a webhook (--webhook, JSON or --webhook-template text) and a
command (--on-burst: the burst's JSON on stdin, BADGW_EVENT in its
environment). Receivers retry with backoff under a rate limit; one that fails
never holds the analysis.

Metrics: --metrics-addr serves /metrics (Prometheus), /healthz and /readyz.

With --state FILE the position of every file is saved when watch stops (SIGTERM
or SIGINT) and resumed when it starts: no line is read twice or skipped, even
when the files were rotated in between. Without a saved position a file is read
from its end (--from-start: from its start). SIGHUP reads nginx.conf again and
reopens the files where they were; bursts under way keep their alerts.`,
		Example: `  badgw watch --nginx-conf /etc/nginx/nginx.conf --state /var/lib/badgw/state \
      --alertmanager http://127.0.0.1:9093 --metrics-addr 127.0.0.1:9502 \
      /var/log/nginx/access.log /var/log/nginx/error.log
  badgw watch --format main --on-burst 'logger -t badgw-$BADGW_EVENT' access.log error.log`,
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 0 && opts.VictoriaLogs == "" && opts.HostFromPath == "" {
				return flagErrorf("name the access and error logs to follow")
			}
			if opts.HostFromPath != "" && (len(args) > 0 || opts.VictoriaLogs != "") {
				return flagErrorf("--host-from-path names every file to follow: give no files (nor --victorialogs) beside it")
			}
			if err := opts.checkWatchStore(args, c.Flags().Changed); err != nil {
				return err
			}
			opts.Args = args
			if err := opts.checkAnalysisFlags(); err != nil {
				return err
			}
			if opts.Poll < 10*time.Millisecond {
				return flagErrorf("--poll must be at least 10ms")
			}
			if opts.AlertResend < time.Second {
				return flagErrorf("--alert-resend must be at least 1s")
			}
			if opts.AlertRate < 0 {
				return flagErrorf("--alert-rate cannot be negative")
			}
			return runWatch(c.Context(), opts)
		},
	}
	f := c.Flags()
	opts.addAnalysisFlags(f)
	f.StringVar(&opts.State, "state", "", "save the files' positions here when stopping, and resume from them")
	f.BoolVar(&opts.FromStart, "from-start", false, "read a file without a saved position from its start, not its end")
	f.DurationVar(&opts.Poll, "poll", 100*time.Millisecond, "how often an idle file is checked for new lines and rotation")
	f.StringVar(&opts.OnBurst, "on-burst", "", "run this command (sh -c) as each 502 burst opens, changes and ends: its JSON on stdin, BADGW_EVENT=open|update|resolve")
	f.StringVar(&opts.Alertmanager, "alertmanager", "", "post alerts to this Alertmanager (its base URL; API v2)")
	f.StringVar(&opts.Webhook, "webhook", "", "post each alert notice to this URL as JSON")
	f.StringVar(&opts.WebhookTemplate, "webhook-template", "", "post the output of this Go text/template file as {\"text\": …} instead (Slack-compatible)")
	f.StringVar(&opts.AlertHost, "alert-host", "", "the host label of alerts (default: this machine's name)")
	f.Float64Var(&opts.AlertRate, "alert-rate", alert.DefaultLimit.PerMinute, "notices a minute to each webhook or command at most, on average (0: no limit)")
	f.DurationVar(&opts.AlertResend, "alert-resend", alert.DefaultResend, "how often active alerts are posted to Alertmanager again")
	f.StringVar(&opts.MetricsAddr, "metrics-addr", "", "serve /metrics, /healthz and /readyz on this address (e.g. 127.0.0.1:9502)")
	opts.addStoreFlags(f)
	f.StringVar(&opts.HTML, "html", "", "keep the post-mortem page in this file, rewritten (atomically) as bursts close and when watch stops")
	f.StringVar(&opts.HostFromPath, "host-from-path", "", "follow several nginx hosts' logs: a path pattern whose {host} is each host's name, e.g. '/srv/logs/{host}/*.log' (the files it matches when watch starts)")
	f.DurationVar(&opts.ClockSkew, "clock-skew", 2*time.Second, "with several hosts: how far their clocks may differ")
	return c
}

// maxTemplate bounds --webhook-template's file.
const maxTemplate = 64 << 10

// dispatchGrace is how long a stopping watch waits for its receivers to
// deliver the last notices (the resolves among them).
const dispatchGrace = 10 * time.Second

func runWatch(ctx context.Context, o *WatchOptions) error {
	for _, a := range o.Args {
		if a == "-" {
			// A pipe (tail -F, kubectl logs -f) alone: nothing to follow,
			// reopen or resume.
			switch {
			case len(o.Args) > 1:
				return flagErrorf("\"-\" reads stdin alone: name the files to follow, or pipe them all into badgw watch -")
			case o.IO.StdinTTY:
				return flagErrorf("\"-\" reads stdin, which is this terminal: pipe the logs into badgw watch -, or name the files")
			case o.State != "":
				return flagErrorf("--state saves the positions of files; stdin has none")
			}
			continue
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
	cfg, err := o.analysisConfig()
	if err != nil {
		return err
	}
	var pages *pageWriter
	if o.HTML != "" {
		// Checked now, as --state is: not found out at the first burst.
		out, err := report.CheckOutput(o.HTML)
		if err != nil || out.IsStdout() {
			return &FlagError{Err: fmt.Errorf("--html: %w", cmp.Or(err, errors.New("a watch prints its bursts on stdout: give the page a file")))}
		}
		pages = newPageWriter(out, o.IO, allFindings(cfg.Options))
		defer pages.close()
	}
	hostOf, err := o.followHosts()
	if err != nil {
		return err
	}
	receivers, err := o.receivers()
	if err != nil {
		return err
	}
	w := &watcher{o: o, resume: state.Of, cfg: cfg, hostOf: hostOf, store: map[string]*victorialogs.Reader{}, storeAt: map[string]victorialogs.Position{}, pages: pages}
	w.dispatch = alert.NewDispatcher(o.IO.ErrOut, receivers...)
	host := o.host()
	w.tracker = alert.NewTracker(fmt.Sprintf("%s-%d", host, time.Now().Unix()))
	w.tracker.Carry = 2 * o.Gap
	w.exporter = metrics.New()
	w.exporter.Inputs = w.inputs
	w.exporter.Receivers = w.dispatch.Stats
	if o.MetricsAddr != "" {
		srv, err := w.exporter.Listen(o.MetricsAddr)
		if err != nil {
			w.dispatch.Close(0)
			return &FlagError{Err: fmt.Errorf("--metrics-addr: %w", err)}
		}
		defer srv.Close()
	}

	// SIGHUP ends the current run as a stop does, but the files are opened
	// again where they were and nginx.conf is read again.
	reload := make(chan struct{}, 1)
	hangup := func() {
		if len(o.Args) > 0 && o.Args[0] == "-" {
			// The stdin reader cannot be stopped and started again.
			fmt.Fprintf(o.IO.ErrOut, "badgw: SIGHUP ignored: reading stdin, there is nothing to reopen (nginx.conf is read when watch starts)\n")
			return
		}
		select {
		case reload <- struct{}{}:
		default:
		}
	}
	onHangup.Store(&hangup)
	defer onHangup.Store(nil)

	var snap pipeline.Snapshot
	var runErr error
	for {
		var reloading bool
		snap, runErr, reloading = w.run(ctx, reload)
		if !w.opened {
			// A file could not be opened at all: nothing was watched.
			w.dispatch.Close(0)
			return &exitError{code: ExitInput, err: runErr}
		}
		if !reloading || ctx.Err() != nil {
			break
		}
	}
	w.exporter.Stop()
	w.dispatch.Close(dispatchGrace)
	writeErr := report.WriteSummary(o.IO.Out, snap, report.TextOptions{})
	if pages != nil {
		writeErr = errors.Join(writeErr, pages.final(snap))
	}
	for _, f := range w.files {
		st := f.Stats()
		if st.Missing {
			fmt.Fprintf(o.IO.ErrOut, "badgw: %s did not exist when watch stopped (a file that appears is read from its start)\n", report.Clean(f.Name()))
		}
	}
	for _, in := range w.inputs() {
		if in.Truncations > 0 {
			fmt.Fprintf(o.IO.ErrOut, "badgw: %s was truncated %d× while followed (copytruncate): lines written between the copy and the truncation may be missing\n",
				report.Clean(in.Path), in.Truncations)
		}
	}
	for _, st := range w.dispatch.Stats() {
		if st.Failed+st.Dropped > 0 {
			fmt.Fprintf(o.IO.ErrOut, "badgw: alert receiver %s: %d delivered, %d failed, %d dropped\n", st.Receiver, st.Sent, st.Failed, st.Dropped)
		}
	}
	if stateOut != nil {
		if err := stateOut.Write(o.IO.Out, func(wr io.Writer) error { return follow.WriteState(wr, w.files) }); err != nil {
			writeErr = errors.Join(writeErr, fmt.Errorf("--state: %w", err))
		}
	}
	for _, f := range w.files {
		f.Close()
	}
	if writeErr != nil {
		return &exitError{code: ExitInput, err: writeErr}
	}
	if runErr != nil {
		return &exitError{code: ExitInput, err: runErr}
	}
	return nil
}

// watcher is one watch: its followed files, alerts and metrics, across the
// runs that reloads start.
type watcher struct {
	o        *WatchOptions
	cfg      pipeline.RunConfig // the analysis as nginx.conf last read gave it
	hostOf   map[string]string  // each followed path's host (--host-from-path)
	resume   func(string) *follow.Position
	files    []*follow.File
	dispatch *alert.Dispatcher
	tracker  *alert.Tracker
	exporter *metrics.Exporter
	pages    *pageWriter // --html

	opened bool // every input of the last run was opened
	runs   int
	// store holds the readers of --victorialogs, storeAt where each
	// stood when the run before ended.
	store   map[string]*victorialogs.Reader
	storeAt map[string]victorialogs.Position
	mu      sync.Mutex
	// truncations counts copytruncates in the files of runs before this
	// one, so the metric never goes back at a reload.
	truncations map[string]int
}

// run analyses until ctx ends or a reload is asked for; it reports which.
func (w *watcher) run(ctx context.Context, reload <-chan struct{}) (pipeline.Snapshot, error, bool) {
	o := w.o
	runCtx, stopRun := context.WithCancel(ctx)
	defer stopRun()
	var reloading atomic.Bool
	go func() {
		select {
		case <-reload:
			reloading.Store(true)
			stopRun()
		case <-runCtx.Done():
		}
	}()
	// A reload reads nginx.conf again (keeping what it had if the file is
	// now broken) and resumes the files and the store where they stood.
	w.runs++
	if w.runs > 1 {
		for name, r := range w.store {
			w.storeAt[name] = r.Position()
		}
		switch cfg, err := o.analysisConfig(); {
		case err != nil:
			fmt.Fprintf(o.IO.ErrOut, "badgw: SIGHUP: %s; the configuration read before stays in force; the files reopened where they were\n", report.CleanText(err.Error()))
		case o.NginxConf != "":
			w.cfg = cfg
			fmt.Fprintf(o.IO.ErrOut, "badgw: SIGHUP: %s read again; the files reopened where they were\n", report.Clean(o.NginxConf))
		default:
			w.cfg = cfg
			fmt.Fprintf(o.IO.ErrOut, "badgw: SIGHUP: the files reopened where they were\n")
		}
		positions := map[string]follow.Position{}
		w.mu.Lock()
		if w.truncations == nil {
			w.truncations = map[string]int{}
		}
		for _, f := range w.files {
			positions[f.Name()] = f.Position()
			w.truncations[f.Name()] += f.Stats().Truncations
			f.Close()
		}
		w.files = nil
		w.mu.Unlock()
		w.resume = func(p string) *follow.Position {
			if pos, ok := positions[p]; ok {
				return &pos
			}
			return nil
		}
		w.exporter.Restart()
	}
	cfg := w.cfg
	cfg.Options.KeepClosed, cfg.Options.SummarizeClosed, cfg.Options.SeriesBuckets = keepClosed, true, seriesBuckets
	cfg.Followed = map[string]io.Reader{}
	if o.VictoriaLogs != "" {
		c := o.storeClient()
		// The hosts are those the store holds lines of from an hour
		// before the start on (a watch from now has read nothing yet),
		// fixed for the run: a reload looks again.
		hostsFrom := time.Now().Add(-hostLookback)
		if o.from.Before(hostsFrom) {
			hostsFrom = o.from
		}
		ins, err := o.storeInputs(runCtx, c, hostsFrom, time.Now())
		if err != nil {
			return pipeline.Snapshot{}, err, false
		}
		for _, in := range ins {
			r := c.Follow(runCtx, in.filter, o.from, storeDelay, storePoll)
			if p, ok := w.storeAt[in.name]; ok {
				r.Resume(p)
			}
			w.store[in.name] = r
			cfg.Followed[in.name] = r
			cfg.Sets = append(cfg.Sets, input.Set{Base: in.name, Paths: []string{in.name}, Host: in.host})
		}
	}
	var files []*follow.File
	w.opened = false
	for _, a := range o.Args {
		if a == "-" {
			cfg.Sets = append(cfg.Sets, input.Set{Base: a, Paths: []string{a}})
			cfg.Stdin = o.IO.In
			continue
		}
		f, err := follow.Open(runCtx, a, follow.Options{Poll: o.Poll, FromStart: o.FromStart, Resume: w.resume(a)})
		if err != nil {
			for _, f := range files {
				f.Close()
			}
			return pipeline.Snapshot{}, err, false
		}
		files = append(files, f)
		cfg.Followed[a] = f
		cfg.Sets = append(cfg.Sets, input.Set{Base: a, Paths: []string{a}, Host: w.hostOf[a]})
	}
	w.mu.Lock()
	w.files = files
	w.mu.Unlock()
	w.opened = true

	how := func() alert.How {
		switch {
		case reloading.Load():
			return alert.Reloaded
		case ctx.Err() != nil:
			return alert.Stopped
		}
		return alert.Ended
	}
	cfg.OnBurst = func(b correlate.Burst) {
		if err := report.WriteBurst(o.IO.Out, b); err == nil {
			fmt.Fprintln(o.IO.Out)
		}
		w.dispatch.Send(w.tracker.Closed(b, time.Now(), how()))
		w.pages.keep(b)
	}
	if w.pages != nil {
		cfg.OnClose = w.pages.write
	}
	cfg.Every, cfg.LivePublish = publishEvery, true
	cfg.Publish = func(s pipeline.Snapshot) {
		w.exporter.Publish(s)
		// Stopping, the bursts close as the run ends (Closed, with
		// "badgw stopped"), and the tracker's Stop resolves the rest
		// after it.
		if how() != alert.Stopped {
			w.dispatch.Send(w.tracker.Observe(s.Bursts, time.Now()))
		}
	}
	snap, err := pipeline.Run(context.WithoutCancel(runCtx), cfg)
	if how() == alert.Stopped {
		w.dispatch.Send(w.tracker.Stop(time.Now()))
	}
	return snap, err, reloading.Load() && ctx.Err() == nil
}

// A watch of VictoriaLogs reads each second once it is storeDelay behind
// the clock (the store makes what it took searchable within a second) and
// asks the store again every storePoll: two queries a second at most.
const (
	storeDelay = 2 * time.Second
	storePoll  = time.Second
)

// followHosts turns --host-from-path into the files to follow: the live
// file of each rotation family the pattern matches now, with its host.
func (o *WatchOptions) followHosts() (map[string]string, error) {
	if o.HostFromPath == "" {
		return nil, nil
	}
	sets, err := input.ExpandHosts(o.HostFromPath)
	if err != nil {
		return nil, &FlagError{Err: fmt.Errorf("--host-from-path: %w", err)}
	}
	hostOf := map[string]string{}
	for _, s := range sets {
		if s.Unread != nil {
			return nil, &exitError{code: ExitInput, err: s.Unread}
		}
		hostOf[s.Base] = s.Host
		o.Args = append(o.Args, s.Base)
	}
	return hostOf, nil
}

// hostLookback is how far before its start a watch of --victorialogs with
// --host-field looks for the hosts to follow.
const hostLookback = time.Hour

// checkWatchStore checks --victorialogs for watch: no files beside it, no
// --state (the store has no file positions), and where to start: --since
// before now, --from, or now.
func (o *WatchOptions) checkWatchStore(files []string, changed func(string) bool) error {
	if o.VictoriaLogs == "" {
		return o.checkStore(time.Now(), files, changed)
	}
	switch {
	case len(files) > 0:
		return flagErrorf("--victorialogs reads the logs from the store: name no files")
	case o.State != "":
		return flagErrorf("--state saves the positions of files; a watch of --victorialogs starts at --since or --from, or now")
	case changed("to"):
		return flagErrorf("a watch has no end: --to is for badgw analyze")
	}
	if !changed("since") && !changed("from") {
		o.Since = storeDelay
	}
	return o.checkStore(time.Now(), files, changed)
}

// keepClosed is how many closed bursts a watch keeps, the newest: weeks
// of bursts stay in bounded memory, and the metrics count them all.
const keepClosed = 1000

// seriesBuckets bounds a watch's series (overall, per group and per peer)
// to a day at one minute, or its first 24 minutes at one second: only the
// summary at the end draws them, and the most a run keeps (129) hold
// 4.5 MB, where four hours at one second would take 45 MB.
const seriesBuckets = 1440

// publishEvery is how often a watch looks at the analysis for alerts and
// metrics; with the follower's poll and the pipeline's wait for late error
// lines it sets how soon an alert follows its burst passing the test
// (bench/watch-soak.sh measures that delay).
const publishEvery = 100 * time.Millisecond

// inputs is each followed file's counts for the metrics.
func (w *watcher) inputs() []metrics.Input {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []metrics.Input
	for _, f := range w.files {
		st := f.Stats()
		out = append(out, metrics.Input{Path: f.Name(), Truncations: st.Truncations + w.truncations[f.Name()], Behind: st.Behind})
	}
	return out
}

// host is the alerts' host label.
func (o *WatchOptions) host() string {
	if o.AlertHost != "" {
		return o.AlertHost
	}
	if h, err := os.Hostname(); err == nil {
		return h
	}
	return "unknown"
}

// receivers builds the alert receivers the flags ask for.
func (o *WatchOptions) receivers() ([]alert.Receiver, error) {
	limit := alert.Limit{PerMinute: o.AlertRate, Burst: alert.DefaultLimit.Burst}
	var rs []alert.Receiver
	for _, u := range []struct{ flag, url string }{{"--alertmanager", o.Alertmanager}, {"--webhook", o.Webhook}} {
		if u.url == "" {
			continue
		}
		if p, err := url.Parse(u.url); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return nil, flagErrorf("%s needs an http:// or https:// URL, not %q", u.flag, report.Clean(u.url))
		}
	}
	if o.Alertmanager != "" {
		rs = append(rs, alert.NewAlertmanager(o.Alertmanager, o.host(), o.AlertResend, alert.DefaultBackoff, o.IO.ErrOut))
	}
	if o.WebhookTemplate != "" && o.Webhook == "" {
		return nil, flagErrorf("--webhook-template needs --webhook")
	}
	if o.Webhook != "" {
		var tmpl *template.Template
		if o.WebhookTemplate != "" {
			text, err := nginxconf.ReadFile(o.WebhookTemplate, maxTemplate)
			if err != nil {
				return nil, &FlagError{Err: fmt.Errorf("--webhook-template: %w", err)}
			}
			if tmpl, err = alert.ParseTemplate(string(text)); err != nil {
				return nil, &FlagError{Err: fmt.Errorf("--webhook-template: %w", err)}
			}
		}
		rs = append(rs, alert.NewWebhook(o.Webhook, o.host(), tmpl, alert.DefaultBackoff, limit, o.IO.ErrOut))
	}
	if o.OnBurst != "" {
		rs = append(rs, alert.NewCommand(o.OnBurst, os.Stderr, alert.DefaultBackoff, limit, o.IO.ErrOut))
	}
	return rs, nil
}
