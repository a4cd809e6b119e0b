// Command hashpivot plans, dispatches and runs Bitcoin-mining sites that
// convert, in whole or in part, to AI data centres. See README.md.
package main

import (
	"os"

	"github.com/hashpivot/hashpivot/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
