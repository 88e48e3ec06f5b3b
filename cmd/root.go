package cmd

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X github.com/badgw/badgw/cmd.version=v1.2.3";
// otherwise the module version or VCS revision is reported.
var version = ""

func buildVersion() string {
	if version != "" {
		return version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			return "devel-" + s.Value[:12]
		}
	}
	return "devel"
}

// NewRootCmd builds the command tree.
func NewRootCmd(io *IOStreams) *cobra.Command {
	root := &cobra.Command{
		Use:   "badgw",
		Short: "Explain nginx 502 Bad Gateway bursts from access and error logs",
		Long: `badgw reads nginx access logs (any log_format) and error logs, finds the
bursts of 502 Bad Gateway, joins each to the error lines behind it, and ranks
the likely root causes with the evidence and the nginx directives to change.`,
		Version:       buildVersion(),
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetOut(io.Out)
	root.SetErr(io.ErrOut)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &FlagError{Err: err}
	})
	root.AddCommand(NewCmdAnalyze(io, nil), NewCmdCheck(io), NewCmdDemo(io), NewCmdExplain(io), NewCmdFormats(io), NewCmdVersion(io), NewCmdWatch(io))
	return root
}

// NewCmdVersion prints the version.
func NewCmdVersion(io *IOStreams) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print badgw's version",
		Args:  noArgs,
		RunE: func(c *cobra.Command, args []string) error {
			_, err := fmt.Fprintln(io.Out, "badgw", buildVersion())
			return err
		},
	}
}

func noArgs(c *cobra.Command, args []string) error {
	if len(args) > 0 {
		return flagErrorf("%s takes no arguments", c.Name())
	}
	return nil
}
