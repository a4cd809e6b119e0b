package cli

import (
	"errors"

	"github.com/spf13/cobra"
)

// newDataCmd is a placeholder until its issue lands.
func newDataCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:    "data",
		Short:  "(not yet implemented)",
		Hidden: true,
		RunE: func(*cobra.Command, []string) error {
			return errors.New("data: not yet implemented")
		},
	}
}
