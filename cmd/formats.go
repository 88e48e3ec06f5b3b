package cmd

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/badgw/badgw/logparse"
)

// NewCmdFormats lists the preset log formats with their directive text.
func NewCmdFormats(io *IOStreams) *cobra.Command {
	return &cobra.Command{
		Use:   "formats",
		Short: "List the preset access-log formats and their log_format directives",
		Long: `List the preset access-log formats. Pass a name to --format, or pass your own
log_format directive as it stands in nginx.conf, or point --nginx-conf at the
configuration. Without any of them, badgw tries these presets on the first
lines and takes the one that parses at least 95% of them.`,
		Args: noArgs,
		RunE: func(c *cobra.Command, args []string) error {
			for _, name := range logparse.PresetNames() {
				if _, err := fmt.Fprintf(io.Out, "%s\n    %s\n\n", name, logparse.PresetDirective(name)); err != nil {
					return err
				}
			}
			return nil
		},
	}
}
