package cli

import (
	"errors"

	"github.com/spf13/cobra"
)

// newPlanCmd is a placeholder until its issue lands.
func newPlanCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:    "plan",
		Short:  "(not yet implemented)",
		Hidden: true,
		RunE: func(*cobra.Command, []string) error {
			return errors.New("plan: not yet implemented")
		},
	}
}
