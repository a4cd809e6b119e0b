package cli

import (
	"errors"

	"github.com/spf13/cobra"
)

// newHashpriceCmd is a placeholder until its issue lands.
func newHashpriceCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:    "hashprice",
		Short:  "(not yet implemented)",
		Hidden: true,
		RunE: func(*cobra.Command, []string) error {
			return errors.New("hashprice: not yet implemented")
		},
	}
}
