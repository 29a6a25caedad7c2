package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/slipwaygo/slipway/schema"
)

// Migrater is what the migrate command needs from an application. *App has
// these methods, and so does an application type that embeds *App and
// overrides MigrateSchema — pass that value, so that the override (seeding)
// runs.
type Migrater interface {
	Boot(ctx context.Context) error
	MigrateSchema(ctx context.Context, opts schema.MigrateOptions) error
	Stop(ctx context.Context) error
}

const migrateUsage = `Usage: migrate [flags]

Brings every datasource's schema in line with the application's models.
By default it alters the database and keeps every row; destructive changes
are reported, not applied.

Flags:
  --rebuild          drop the model tables and create them again (data is lost)
  --dry-run          print the plan and its SQL; change nothing
  --models A,B       only these models (Go type or table names)
  --allow-data-loss  apply destructive changes (narrowing types, dropping columns,
                     indexes and foreign keys the models no longer declare)
  --allow-blocking   apply blocking changes (rewriting or scanning a big table
                     under a lock that blocks its writes): for a maintenance window
  -h, --help         show this help
`

// MigrateCommand is the body of an application's cmd/migrate:
//
//	func main() {
//		os.Exit(app.MigrateCommand(context.Background(), todolist.NewApp(), os.Args[1:], os.Stdout, os.Stderr))
//	}
//
// It parses the flags, boots a, runs a.MigrateSchema and stops a. It prints
// one line per datasource to stdout (and the plan on --dry-run) and returns
// the exit status: 0 on success, 1 with a one-line reason on stderr when the
// migration fails, 2 for bad flags.
func MigrateCommand(ctx context.Context, a Migrater, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var (
		opts   schema.MigrateOptions
		models string
	)
	fs.BoolVar(&opts.Rebuild, "rebuild", false, "")
	fs.BoolVar(&opts.DryRun, "dry-run", false, "")
	fs.BoolVar(&opts.AllowDataLoss, "allow-data-loss", false, "")
	fs.BoolVar(&opts.AllowBlocking, "allow-blocking", false, "")
	fs.StringVar(&models, "models", "", "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, migrateUsage)
			return 0
		}
		fmt.Fprintf(stderr, "migrate: %v (see --help)\n", err)
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "migrate: unexpected argument %q (see --help)\n", fs.Arg(0))
		return 2
	}
	for _, m := range strings.Split(models, ",") {
		if m = strings.TrimSpace(m); m != "" {
			opts.Models = append(opts.Models, m)
		}
	}
	if models != "" && len(opts.Models) == 0 {
		fmt.Fprintln(stderr, "migrate: --models needs at least one model name (see --help)")
		return 2
	}

	mode := "alter"
	if opts.Rebuild {
		mode = "rebuild"
	}
	if opts.DryRun {
		mode += ", dry run"
	}
	fmt.Fprintf(stdout, "Migrating schemas (%s)\n", mode)
	ctx = WithReporter(ctx, func(r Report) { printReport(stdout, r, opts.DryRun) })
	err := a.MigrateSchema(ctx, opts)
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	if stopErr := a.Stop(stopCtx); err == nil {
		err = stopErr
	}
	if err != nil {
		fmt.Fprintf(stderr, "migrate: %s\n", oneLine(err))
		return 1
	}
	return 0
}

func printReport(w io.Writer, r Report, dryRun bool) {
	if r.Skipped {
		fmt.Fprintf(w, "%s: skipped (%s)\n", r.DataSource, r.Reason)
		return
	}
	p := r.Plan
	withheld := len(p.Withheld())
	applied := len(p.Changes) - withheld
	switch {
	case dryRun:
		fmt.Fprintf(w, "%s: dry run, %s would apply %d %s", r.DataSource, p.Dialect, applied, plural(applied, "change"))
	case applied == 0:
		fmt.Fprintf(w, "%s: %s schema is up to date", r.DataSource, p.Dialect)
	default:
		fmt.Fprintf(w, "%s: migrated %s, %d %s applied", r.DataSource, p.Dialect, applied, plural(applied, "change"))
	}
	if withheld > 0 {
		fmt.Fprintf(w, ", %d withheld%s", withheld, withheldHint(p))
	}
	if len(r.Hooks) > 0 {
		fmt.Fprintf(w, ", hooks: %s", strings.Join(r.Hooks, ", "))
	}
	fmt.Fprintf(w, " (%s)\n", r.Took.Round(time.Millisecond))
	if dryRun {
		for _, line := range strings.Split(strings.TrimRight(p.String(), "\n"), "\n") {
			fmt.Fprintf(w, "  %s\n", line)
		}
		return
	}
	for _, c := range p.Withheld() {
		fmt.Fprintf(w, "  withheld %s\n", c)
	}
}

// withheldHint names the flags that would apply the withheld changes.
func withheldHint(p *schema.Plan) string {
	var flags []string
	for _, c := range p.Withheld() {
		flag := ""
		switch c.Class {
		case schema.Destructive, schema.Extra:
			flag = "--allow-data-loss"
		case schema.Blocking:
			flag = "--allow-blocking"
		}
		if flag != "" && !slices.Contains(flags, flag) {
			flags = append(flags, flag)
		}
	}
	if len(flags) == 0 {
		return ""
	}
	return " (use " + strings.Join(flags, " and ") + " to apply)"
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// oneLine folds a multi-line error message into one line.
func oneLine(err error) string {
	lines := strings.Split(strings.TrimSpace(err.Error()), "\n")
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	return strings.Join(lines, "; ")
}
