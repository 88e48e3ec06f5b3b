package cmd

import (
	"context"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/badgw/badgw/fixtures"
)

// NewCmdDemo analyses the incident embedded in the binary, exactly as
// analyze would.
func NewCmdDemo(io *IOStreams) *cobra.Command {
	opts := &AnalyzeOptions{IO: io, Gap: 5 * time.Second, Min502: 3, FalseBursts: 0.1}
	c := &cobra.Command{
		Use:   "demo",
		Short: "Analyse a real recorded incident: nginx marking every peer down (\"no live upstreams\")",
		Long: `Analyse an incident recorded from the real nginx: two peers, default
max_fails/fail_timeout, no upstream keepalive and proxy_next_upstream on http_500.
Backends failing for a few seconds made nginx mark both peers down and answer
502 "no live upstreams" for about fail_timeout, twice. The logs (rotated, one
gzipped) and nginx.conf are embedded in badgw; the demo runs analyze on them.`,
		Args: noArgs,
		RunE: func(c *cobra.Command, args []string) error {
			return runDemo(c.Context(), opts)
		},
	}
	f := c.Flags()
	f.BoolVar(&opts.NoTUI, "no-tui", false, "print the report even on a terminal")
	f.StringVar(&opts.CSV, "csv", "", "write the bursts as CSV to this file (- for stdout)")
	f.StringVar(&opts.JSON, "json", "", "write the whole analysis as JSON to this file (- for stdout)")
	f.StringVar(&opts.HTML, "html", "", "write the post-mortem page, one self-contained HTML file, to this file (- for stdout)")
	return c
}

func runDemo(ctx context.Context, opts *AnalyzeOptions) error {
	tmp, err := os.MkdirTemp("", "badgw-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	dir, err := fixtures.ExtractDemo(tmp)
	if err != nil {
		return err
	}
	// Run from the incident's own folder, so that what the demo cites reads
	// "nginx.conf:38", not a temporary path that is gone when it ends;
	// the exports go where the user asked, relative to where badgw started.
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	for _, p := range []*string{&opts.CSV, &opts.JSON, &opts.CSVDays, &opts.HTML} {
		if *p != "" && *p != "-" && !filepath.IsAbs(*p) {
			*p = filepath.Join(wd, *p)
		}
	}
	if err := os.Chdir(dir); err != nil {
		return err
	}
	defer os.Chdir(wd)
	opts.ExportDir = wd
	opts.NginxConf = "nginx.conf"
	opts.Args = []string{"access.log*", "error.log"}
	opts.Title = "demo: " + fixtures.DemoScenario
	return runAnalyze(ctx, opts)
}
