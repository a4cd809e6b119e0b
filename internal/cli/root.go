// Package cli wires the domain packages and adapters into the hashpivot
// command line: one file per subcommand. It is the only place that knows
// about flags, files, terminals and exit codes.
//
// Exit codes: 0 success, 1 runtime failure, 2 bad input (a flag, a file, a
// field of the site file).
package cli

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

// Exit codes of the hashpivot binary.
const (
	ExitOK       = 0
	ExitFailure  = 1
	ExitBadInput = 2
)

// inputError marks an error caused by bad input: the process exits with 2.
type inputError struct{ err error }

func (e *inputError) Error() string { return e.err.Error() }
func (e *inputError) Unwrap() error { return e.err }

// badInput marks err as caused by the user's input (exit code 2). nil stays nil.
func badInput(err error) error {
	if err == nil {
		return nil
	}
	return &inputError{err: err}
}

// badInputf formats a bad-input error.
func badInputf(format string, args ...any) error {
	return badInput(fmt.Errorf(format, args...))
}

// env is what every subcommand gets: its streams.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// stderrIsTerminal reports whether stderr is an interactive terminal (for
// progress bars).
func (e *env) stderrIsTerminal() bool {
	f, ok := e.stderr.(*os.File)
	return ok && isTerminal(f)
}

// newRoot builds the command tree.
func newRoot(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:           "hashpivot",
		Short:         "Plan, dispatch and run Bitcoin-mining sites converting to AI data centres",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(e.stdin)
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return badInput(err) })
	root.AddCommand(
		newPlanCmd(e),
		newValidateCmd(e),
		newHashpriceCmd(e),
		newRiskCmd(e),
		newOptimizeCmd(e),
		newCalibrateCmd(e),
		newDispatchCmd(e),
		newFleetCmd(e),
		newSimCmd(e),
		newDataCmd(e),
	)
	return root
}

// Main runs hashpivot with args and returns the process exit code.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	root := newRoot(e)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return ExitOK
	}
	fmt.Fprintf(stderr, "hashpivot: %v\n", err)
	var in *inputError
	if errors.As(err, &in) || isCobraUsageError(err) {
		return ExitBadInput
	}
	return ExitFailure
}
