package cmd

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/badgw/badgw/audit"
	"github.com/badgw/badgw/nginxconf"
	"github.com/badgw/badgw/report"
	"github.com/badgw/badgw/report/html"
	"github.com/spf13/cobra"
)

// ExitFindings is badgw check's exit code when a finding at or above
// --fail-on is present.
const ExitFindings = 4

// CheckOptions are badgw check's flags.
type CheckOptions struct {
	JSON, SARIF, List  bool
	HTML               bool
	FailOn             string
	NginxVersion       string
	BackendIdleTimeout time.Duration
	Output             string
}

// NewCmdCheck builds "badgw check".
func NewCmdCheck(streams *IOStreams) *cobra.Command {
	opts := &CheckOptions{}
	c := &cobra.Command{
		Use:   "check [flags] NGINX.CONF|- [FILE.lua ...]",
		Short: "Audit an nginx configuration for settings that cause 502s",
		Long: `check reads an nginx configuration (includes followed) and reports the
settings that turn a backend's hiccup into 502s: each finding with its file
and line, a rule identifier, a severity, why it causes 502s and the change
that removes it. "-" reads standard input: the output of "nginx -T" (files
and includes as nginx read them), or one file's text. Lua files named after
the configuration are checked too (balancer, keepalive and health-check
rules); *_by_lua_file paths are read beside the configuration.

Exit status: 0 when no finding reaches --fail-on, 4 when one does, 2 when
the configuration cannot be read. A configuration that nginx itself would
refuse is read leniently and reported under the rule "syntax".`,
		Example: `  badgw check /etc/nginx/nginx.conf
  nginx -T 2>/dev/null | badgw check -
  kubectl exec -n ingress-nginx deploy/ingress-nginx-controller -- nginx -T | badgw check --sarif - > badgw.sarif
  badgw check --list`,
		RunE: func(c *cobra.Command, args []string) error { return runCheck(streams, opts, args) },
	}
	f := c.Flags()
	f.BoolVar(&opts.JSON, "json", false, "write the findings as JSON")
	f.BoolVar(&opts.SARIF, "sarif", false, "write the findings as SARIF 2.1.0, for code scanning")
	f.BoolVar(&opts.HTML, "html", false, "write the findings as one self-contained HTML page, a CI artefact beside SARIF")
	f.BoolVar(&opts.List, "list", false, "list the rules and exit")
	f.StringVar(&opts.FailOn, "fail-on", "warning", "exit 4 when a finding is at least this severe: note, warning, error or never")
	f.StringVar(&opts.NginxVersion, "nginx-version", "", "the nginx version the configuration runs on (nginx -v); defaults changed in 1.29.7")
	f.DurationVar(&opts.BackendIdleTimeout, "backend-idle-timeout", 0, "how long the backends keep idle keep-alive connections (e.g. 5s for Node.js)")
	f.StringVarP(&opts.Output, "output", "o", "", "write to this file (atomically) instead of standard output")
	return c
}

func runCheck(streams *IOStreams, opts *CheckOptions, args []string) error {
	if opts.List {
		if len(args) > 0 {
			return flagErrorf("--list takes no arguments")
		}
		return listRules(streams.Out)
	}
	if len(args) == 0 {
		return flagErrorf("check needs a configuration file, or - for nginx -T on standard input")
	}
	if n := btoi(opts.JSON) + btoi(opts.SARIF) + btoi(opts.HTML); n > 1 {
		return flagErrorf("--json, --sarif and --html exclude each other")
	}
	var failOn audit.Severity
	if opts.FailOn != "never" {
		sev, err := audit.ParseSeverity(opts.FailOn)
		if err != nil {
			return flagErrorf("--fail-on: %v", err)
		}
		failOn = sev
	}
	aopts := audit.Options{BackendIdleTimeout: opts.BackendIdleTimeout}
	if opts.NginxVersion != "" {
		v, err := audit.ParseVersion(opts.NginxVersion)
		if err != nil {
			return flagErrorf("--nginx-version: %v", err)
		}
		aopts.NginxVersion = v
	}
	var out *report.Output
	if opts.Output != "" {
		o, err := report.CheckOutput(opts.Output)
		if err != nil {
			return flagErrorf("--output: %v", err)
		}
		out = o
	}
	cfg, err := readCheckConfig(streams, args[0])
	if err != nil {
		return &exitError{code: ExitUsage, err: fmt.Errorf("reading the configuration: %w", err)}
	}
	var lua []audit.LuaSource
	for _, path := range args[1:] {
		data, err := os.ReadFile(path)
		if err != nil {
			return &exitError{code: ExitUsage, err: err}
		}
		lua = append(lua, audit.LuaSource{File: path, Line: 1, Code: string(data)})
		cfg.Files = append(cfg.Files, path)
	}
	res := audit.Check(cfg, lua, aopts)
	write := func(w io.Writer) error {
		switch {
		case opts.JSON:
			return report.CheckJSON(w, res)
		case opts.SARIF:
			return report.CheckSARIF(w, res, buildVersion())
		case opts.HTML:
			return html.WriteCheck(w, res)
		}
		return report.CheckText(w, res)
	}
	if out != nil {
		err = out.Write(streams.Out, write)
	} else {
		err = write(streams.Out)
	}
	if err != nil {
		return &exitError{code: ExitInput, err: err}
	}
	if failOn > 0 && res.Worst() >= failOn {
		return &exitError{code: ExitFindings, err: fmt.Errorf("%s", findingsSummary(res, failOn))}
	}
	return nil
}

func readCheckConfig(streams *IOStreams, arg string) (*nginxconf.Config, error) {
	if arg == "-" {
		if streams.StdinTTY {
			return nil, errors.New(`standard input is a terminal: pipe "nginx -T" into badgw check -`)
		}
		return nginxconf.LoadReader("<stdin>", streams.In)
	}
	if st, err := os.Stat(arg); err == nil && st.IsDir() {
		arg = filepath.Join(arg, "nginx.conf")
	}
	return nginxconf.LoadLenient(arg)
}

func findingsSummary(res audit.Result, failOn audit.Severity) string {
	n := 0
	for _, f := range res.Findings {
		if f.Severity >= failOn {
			n++
		}
	}
	msg := fmt.Sprintf("%d finding(s) at or above %s", n, failOn)
	if len(res.Omitted) > 0 {
		msg += " among those listed; more are not listed (at most " + strconv.Itoa(audit.MaxFindingsPerRule) + " per rule)"
	}
	return msg
}

func listRules(w io.Writer) error {
	var b strings.Builder
	for _, r := range audit.Rules() {
		fmt.Fprintf(&b, "%-30s %-8s %s\n", r.ID, r.Severity, r.Title)
		fmt.Fprintf(&b, "%30s %s\n", "", wrap(r.Why, 78, strings.Repeat(" ", 31)))
		fmt.Fprintf(&b, "%30s see %s\n\n", "", r.Source)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// wrap breaks text into lines of at most width runes, indenting the
// continuation lines.
func wrap(text string, width int, indent string) string {
	var b strings.Builder
	col := 0
	for i, word := range strings.Fields(text) {
		if i > 0 {
			if col+1+len(word) > width {
				b.WriteString("\n" + indent)
				col = 0
			} else {
				b.WriteByte(' ')
				col++
			}
		}
		b.WriteString(word)
		col += len(word)
	}
	return b.String()
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
