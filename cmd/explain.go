package cmd

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/badgw/badgw/explain"
	"github.com/badgw/badgw/input"
	"github.com/badgw/badgw/logparse"
	"github.com/badgw/badgw/report"
)

// explainOptions are "badgw explain"'s inputs.
type explainOptions struct {
	IO        *IOStreams
	Lines     []string
	Format    string
	NginxConf string
}

// NewCmdExplain builds "badgw explain": one line from a ticket, explained.
func NewCmdExplain(io *IOStreams) *cobra.Command {
	opts := &explainOptions{IO: io}
	c := &cobra.Command{
		Use:   "explain [LINE]...",
		Short: "Explain one error or access line: its fields, what happened, what usually fixes it",
		Long: `Explain log lines given as arguments, or read from stdin one per line: what
kind of line each is (with the wrappers taken off: kubectl, docker, syslog,
journald…), its fields, its category, what that means for the request, and
the usual fixes. Access lines are read with --format or --nginx-conf, else
with the preset that parses them.`,
		Example: `  badgw explain '2026/11/22 01:24:04 [error] 7#7: *9 connect() failed (111: Connection refused) while connecting to upstream, client: 10.0.0.9, upstream: "http://10.0.0.1:8080/"'
  kubectl logs deploy/ingress-nginx-controller | grep ' 502 ' | head -3 | badgw explain`,
		RunE: func(c *cobra.Command, args []string) error {
			opts.Lines = args
			return runExplain(opts)
		},
	}
	c.Flags().StringVar(&opts.Format, "format", "", "access-log format: a preset, a log_format directive, or the format string")
	c.Flags().StringVar(&opts.NginxConf, "nginx-conf", "", "read the access format from this nginx.conf")
	return c
}

func runExplain(o *explainOptions) error {
	var format *logparse.Format
	switch {
	case o.Format != "":
		f, err := logparse.ParseFormat(o.Format)
		if err != nil {
			return &FlagError{Err: fmt.Errorf("--format: %w", err)}
		}
		format = f
	case o.NginxConf != "":
		conf, err := logparse.ReadConfig(o.NginxConf)
		if err != nil {
			return &exitError{code: ExitInput, err: fmt.Errorf("--nginx-conf: %w", err)}
		}
		if format, err = conf.AccessFormat(""); err != nil {
			return &FlagError{Err: err}
		}
	}
	lines := o.Lines
	if len(lines) == 0 {
		if o.IO.StdinTTY {
			return flagErrorf("no line given: pass a line as an argument, or pipe lines into badgw explain")
		}
		sc := bufio.NewScanner(o.IO.In)
		sc.Buffer(make([]byte, 1<<20), input.MaxLine)
		for sc.Scan() {
			if strings.TrimSpace(sc.Text()) != "" {
				lines = append(lines, sc.Text())
			}
		}
		if err := sc.Err(); err != nil {
			return &exitError{code: ExitInput, err: err}
		}
	}
	if len(lines) == 0 {
		return flagErrorf("no line to explain")
	}
	w := &cleanWriter{w: o.IO.Out}
	for i, l := range lines {
		if i > 0 {
			w.printf("\n")
		}
		explainLine(w, i+1, l, format)
	}
	return w.err
}

// cleanWriter sanitises everything it prints: the lines are log content.
type cleanWriter struct {
	w   io.Writer
	err error
}

func (c *cleanWriter) printf(format string, a ...any) {
	if c.err == nil {
		_, c.err = io.WriteString(c.w, report.CleanText(fmt.Sprintf(format, a...)))
	}
}

func explainLine(w *cleanWriter, n int, line string, format *logparse.Format) {
	u := input.Unwrap([]byte(strings.TrimRight(line, "\r\n")))
	wrapped := ""
	if len(u.Wrappers) > 0 {
		wrapped = " (inside " + strings.Join(u.Wrappers, ", ") + ")"
	}
	body := u.Payload
	if input.IsControllerLine(body) {
		w.printf("Line %d: an ingress-nginx controller (klog) line%s, not one of nginx's logs.\n", n, wrapped)
		return
	}
	var ev logparse.Event
	if err := logparse.ParseErrorLine(body, time.Local, &ev); err == nil {
		if t, _, ok := input.ParseStamp(u.StampKind, u.Stamp); ev.Time.IsZero() && ok {
			ev.Time = t
		}
		w.printf("Line %d: an error.log entry%s\n", n, wrapped)
		explainEvent(w, &ev, false)
		return
	}
	if rec, f, ok := parseAccess(body, format); ok {
		w.printf("Line %d: an access-log line%s, %s\n", n, wrapped, logparse.Label(f))
		explainRecord(w, &rec)
		return
	}
	if looksLikeFragment(body) {
		logparse.ParseErrorFragment(body, &ev)
		w.printf("Line %d: part of an error.log entry%s (pasted without nginx's prefix)\n", n, wrapped)
		explainEvent(w, &ev, true)
		return
	}
	if format != nil {
		w.printf("Line %d: not an error.log entry, and the format given (%s) does not describe it%s: %s. %s\n", n, logparse.Label(format), wrapped, failsAt(format, body), presetFor(body))
		return
	}
	w.printf("Line %d: not a line badgw can read%s. For an access line, pass its --format or --nginx-conf.\n", n, wrapped)
}

// failsAt says where a format first fails on a line.
func failsAt(f *logparse.Format, line []byte) string {
	var rec logparse.Record
	var pe *logparse.ParseError
	if err := f.Parse(line, &rec); errors.As(err, &pe) {
		return fmt.Sprintf("it fails at column %d, %s", pe.Column, pe.Field)
	}
	return "it does not parse it"
}

// presetFor names the preset that parses a line, if one does.
func presetFor(line []byte) string {
	if det, err := logparse.Detect([][]byte{line}, logparse.Candidates()); err == nil {
		return fmt.Sprintf("The preset %q parses it: --format %s.", det.Format.Name, det.Format.Name)
	}
	return "No preset parses it either: pass the log_format directive of the log it came from (--format 'log_format …' or --nginx-conf)."
}

// looksLikeFragment accepts a pasted piece of an error entry: it names an
// nginx failure that the taxonomy knows.
func looksLikeFragment(b []byte) bool {
	var ev logparse.Event
	logparse.ParseErrorFragment(b, &ev)
	return ev.Category != logparse.CatOther
}

func explainEvent(w *cleanWriter, ev *logparse.Event, fragment bool) {
	switch {
	case !ev.Time.IsZero() && ev.Time.Year() == 0:
		w.printf("  time        %s (from the syslog header, which has no year or zone)\n", ev.Time.Format("Jan _2 15:04:05"))
	case !ev.Time.IsZero():
		w.printf("  time        %s\n", ev.Time.Format("2006-01-02 15:04:05"))
	case !fragment:
		w.printf("  time        none (pasted without nginx's date: such lines join nothing and make no burst)\n")
	}
	w.printf("  level       %s\n", ev.Level)
	if ev.PID > 0 {
		w.printf("  process     %d#%d\n", ev.PID, ev.TID)
	}
	if ev.Conn > 0 {
		w.printf("  connection  *%d\n", ev.Conn)
	}
	w.printf("  message     %s\n", strings.TrimSpace(ev.Message))
	for _, f := range []struct{ name, v string }{
		{"client", ev.Client}, {"server", ev.Server}, {"request", ev.Request}, {"upstream", ev.Upstream}, {"host", ev.Host}, {"peer", ev.Peer},
	} {
		if f.v != "" {
			w.printf("  %-11s %s\n", f.name, f.v)
		}
	}
	w.printf("  category    %s\n", ev.Category)
	a := explain.ErrorLine(ev)
	w.printf("  means       %s\n", a.Meaning)
	for i, f := range a.Fixes {
		if i == 0 {
			w.printf("  usual fixes\n")
		}
		w.printf("    %d. %s\n", i+1, f)
	}
	if a.Cause != "" {
		w.printf("  a burst of such lines: cause %s\n", a.Cause)
	}
}

// parseAccess reads an access line with the given format, or with the
// preset that parses it.
func parseAccess(b []byte, format *logparse.Format) (logparse.Record, *logparse.Format, bool) {
	var rec logparse.Record
	if format != nil {
		return rec, format, format.Parse(b, &rec) == nil
	}
	det, err := logparse.Detect([][]byte{b}, logparse.Candidates())
	if err != nil {
		return rec, nil, false
	}
	return rec, det.Format, det.Format.Parse(b, &rec) == nil
}

func explainRecord(w *cleanWriter, rec *logparse.Record) {
	if !rec.Time.IsZero() {
		w.printf("  time        %s\n", rec.Time.Format(time.RFC3339))
	}
	if len(rec.Client) > 0 {
		w.printf("  client      %s\n", rec.Client)
	}
	if len(rec.Request) > 0 {
		w.printf("  request     %s\n", rec.Request)
	}
	w.printf("  status      %d\n", rec.Status)
	tried := explain.Tried(rec)
	if len(tried) == 0 {
		w.printf("  upstream    none tried ($upstream_addr is empty or -): nginx answered itself\n")
	}
	for i, a := range tried {
		w.printf("  attempt %d   %s answered %s, connect %s, header %s\n", i+1, orDash(string(a.Addr)), explain.StatusText(a.Status),
			seconds(a.Connect), seconds(a.Header))
	}
	a := explain.AccessLine(rec)
	w.printf("  means       %s\n", a.Meaning)
	if a.Cause != "" {
		w.printf("  a burst of such lines: cause %s\n", a.Cause)
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func seconds(d time.Duration) string {
	if d < 0 {
		return "-"
	}
	return fmt.Sprintf("%.3fs", d.Seconds())
}
