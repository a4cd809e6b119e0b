package cli

import (
	"errors"

	"github.com/spf13/cobra"
)

// newFleetCmd is a placeholder until its issue lands.
func newFleetCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:    "fleet",
		Short:  "(not yet implemented)",
		Hidden: true,
		RunE: func(*cobra.Command, []string) error {
			return errors.New("fleet: not yet implemented")
		},
	}
}
