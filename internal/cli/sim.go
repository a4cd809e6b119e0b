package cli

import (
	"errors"

	"github.com/spf13/cobra"
)

// newSimCmd is a placeholder until its issue lands.
func newSimCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:    "sim",
		Short:  "(not yet implemented)",
		Hidden: true,
		RunE: func(*cobra.Command, []string) error {
			return errors.New("sim: not yet implemented")
		},
	}
}
