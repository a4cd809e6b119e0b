package cli

import (
	"errors"

	"github.com/spf13/cobra"
)

// newOptimizeCmd is a placeholder until its issue lands.
func newOptimizeCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:    "optimize",
		Short:  "(not yet implemented)",
		Hidden: true,
		RunE: func(*cobra.Command, []string) error {
			return errors.New("optimize: not yet implemented")
		},
	}
}
