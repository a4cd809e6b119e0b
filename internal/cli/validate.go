package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newValidateCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "validate SITE.yaml",
		Short: "Check a site file: exit 0 when valid, 2 with every problem listed",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := loadSite(args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "%s: valid (%s, %d strategies, %d fleet lines)\n", args[0], s.Name, len(s.Strategies), len(s.Mining.Fleet))
			return nil
		},
	}
}

// exactArgs is cobra.ExactArgs whose error is bad input.
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		return badInput(cobra.ExactArgs(n)(cmd, args))
	}
}
