package cmd

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/badgw/badgw/explain"
	"github.com/badgw/badgw/input"
	"github.com/badgw/badgw/logparse"
	"github.com/badgw/badgw/report"
	"github.com/badgw/badgw/words"
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
	w.printf("Line %d: not a line badgw can read%s. For an access line, pass its --format or --nginx-conf.\n", n, wrapped)
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
	tried := triedAttempts(rec)
	if len(tried) == 0 {
		w.printf("  upstream    none tried ($upstream_addr is empty or -): nginx answered itself\n")
	}
	for i, a := range tried {
		w.printf("  attempt %d   %s answered %s, connect %s, header %s\n", i+1, orDash(string(a.Addr)), statusText(a.Status),
			seconds(a.Connect), seconds(a.Header))
	}
	w.printf("  means       %s\n", recordMeaning(rec))
}

// triedAttempts are the record's upstream attempts, without the "-" that
// stands for none (a request nginx or Lua answered itself).
func triedAttempts(rec *logparse.Record) []logparse.Attempt {
	var out []logparse.Attempt
	for _, a := range rec.Attempts {
		if len(a.Addr) > 0 && string(a.Addr) != "-" {
			out = append(out, a)
		}
	}
	return out
}

// failedBefore describes the attempts before the last that failed, and
// whether one was retried on the same peer; "" when none failed.
func failedBefore(tried []logparse.Attempt) (string, bool) {
	var parts []string
	same := false
	for i, a := range tried[:len(tried)-1] {
		if a.Status != 0 && a.Status < 500 && a.Status != 9 {
			continue
		}
		what := "answered " + statusText(a.Status)
		switch {
		case a.Status == 0 || a.Status == 502 && a.Header < 0:
			what = "failed before a response header (502: refused, closed or reset; the error.log line says which)"
		case a.Status == 9:
			what = "sent no HTTP status line (009)"
		}
		parts = append(parts, fmt.Sprintf("%s %s", a.Addr, what))
		if string(tried[i+1].Addr) == string(a.Addr) {
			same = true
		}
	}
	return strings.Join(parts, "; "), same
}

func recordMeaning(rec *logparse.Record) string {
	tried := triedAttempts(rec)
	switch rec.Status {
	case 502:
		if len(tried) == 0 {
			return "nginx answered 502 Bad Gateway; log $upstream_addr, $upstream_status and the upstream timings to see which peer failed and how, and give badgw the error.log of the same second."
		}
		last := tried[len(tried)-1]
		switch {
		case last.IsGroupName() && len(tried) > 1:
			before, _ := failedBefore(tried)
			return fmt.Sprintf("%s; nginx went on to the next peer of %s and found none live: every peer was marked down (\"no live upstreams\", $upstream_addr ends with the group's name), so it answered 502. Failures such as the first, counted against max_fails, are what marked the peers down.", before, last.Addr)
		case last.IsGroupName():
			return fmt.Sprintf("nginx answered 502 without trying any peer: $upstream_addr holds the group's name (%s), so every peer was marked down (\"no live upstreams\").", last.Addr)
		case last.IsPlaceholder():
			return "The Lua balancer set no peer: nginx tried the 0.0.0.1 placeholder."
		case rec.Timed && last.Connect < 0:
			return fmt.Sprintf("nginx never connected to %s (no $upstream_connect_time): refused, unreachable or no port left; the error.log line of that second says which.", last.Addr)
		case rec.Timed && last.Header < 0:
			return fmt.Sprintf("nginx connected to %s but got no response header: the peer closed or reset the connection, or sent something that is not HTTP.", last.Addr)
		}
		return fmt.Sprintf("nginx answered 502 Bad Gateway after %s: the error.log line of that second says why.", words.Count(len(rec.Attempts), "upstream attempt"))
	case 504:
		return "nginx answered 504 Gateway Timeout: the upstream did not connect or answer in time (a timeout, not a 502)."
	case 499:
		return "The client closed the connection before nginx answered (499)."
	}
	if rec.Status >= 500 && len(tried) == 0 {
		return fmt.Sprintf("A %d that nginx (or Lua code in it) answered itself: no upstream was tried; its error.log line says why.", rec.Status)
	}
	if rec.Status >= 500 {
		return fmt.Sprintf("A %d: the upstream's own error, passed on.", rec.Status)
	}
	if len(tried) > 1 {
		if before, same := failedBefore(tried); before != "" {
			msg := fmt.Sprintf("A %d after a retry: %s, and nginx tried again, so the client saw no failure but the status hides one.", rec.Status, before)
			if same {
				msg += " The failed attempt was retried on the same peer: the signature of the keep-alive race (nginx reused a connection the peer had just closed, and retried on a new one)."
			}
			return msg
		}
	}
	return fmt.Sprintf("A %d: not a gateway failure.", rec.Status)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func statusText(s int) string {
	switch s {
	case 0:
		return "-"
	case 9:
		// nginx's $upstream_status for an answer without a status line
		// (read as HTTP/0.9).
		return "009 (no HTTP status line)"
	}
	return fmt.Sprint(s)
}

func seconds(d time.Duration) string {
	if d < 0 {
		return "-"
	}
	return fmt.Sprintf("%.3fs", d.Seconds())
}
