package cli

import (
	"errors"

	"github.com/spf13/cobra"
)

// newCalibrateCmd is a placeholder until its issue lands.
func newCalibrateCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:    "calibrate",
		Short:  "(not yet implemented)",
		Hidden: true,
		RunE: func(*cobra.Command, []string) error {
			return errors.New("calibrate: not yet implemented")
		},
	}
}
