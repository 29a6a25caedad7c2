// Command slipway is Slipway's tool for a database Slipway does not manage
// yet. Its discover command reads an existing database and prints one bun
// model per table and view, as LoopBack's lb4 discover does:
//
//	go run github.com/slipwaygo/slipway/cmd/slipway discover --url URL [--schema S] [--tables a,b] [--package NAME] [--out FILE]
//	go run github.com/slipwaygo/slipway/cmd/slipway discover --url URL --list [--schema S]
//	go run github.com/slipwaygo/slipway/cmd/slipway discover --url URL --json --tables NAME
//
// The models' source goes to standard output (or --out), gofmt-ed; what
// the models cannot declare is said on standard error, and in a comment in
// the source. A schema.Migrator of the printed Models finds the database
// they came from actual. See docs/discovery.md.
//
// Exit status: 0 on success, 1 when discovery fails (with a one-line
// reason on standard error), 2 for bad flags.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
)

const usage = `Usage: slipway <command> [flags]

Commands:
  discover   print bun models for the tables and views of an existing database

Run "slipway discover --help" for its flags.
`

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// run is the command with its arguments and output streams; it returns the
// exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "discover":
		return discover(ctx, args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "slipway: unknown command %q (see slipway --help)\n", args[0])
		return 2
	}
}
