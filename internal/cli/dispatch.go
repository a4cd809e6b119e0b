package cli

import (
	"errors"

	"github.com/spf13/cobra"
)

// newDispatchCmd is a placeholder until its issue lands.
func newDispatchCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:    "dispatch",
		Short:  "(not yet implemented)",
		Hidden: true,
		RunE: func(*cobra.Command, []string) error {
			return errors.New("dispatch: not yet implemented")
		},
	}
}
