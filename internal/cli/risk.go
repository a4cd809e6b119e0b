package cli

import (
	"errors"

	"github.com/spf13/cobra"
)

// newRiskCmd is a placeholder until its issue lands.
func newRiskCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:    "risk",
		Short:  "(not yet implemented)",
		Hidden: true,
		RunE: func(*cobra.Command, []string) error {
			return errors.New("risk: not yet implemented")
		},
	}
}
