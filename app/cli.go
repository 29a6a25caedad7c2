package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
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
       migrate status [--models A,B] [--json]

Brings every datasource's schema in line with the application's models.
By default it alters the database and keeps every row; destructive changes
are reported, not applied.

Flags:
  --rebuild          drop the model tables and create them again (data is lost)
  --dry-run          print the plan and its SQL; change nothing
  --check            change nothing; exit 3 when a datasource has changes
                     pending, 0 when every one is actual (a drift gate for CI)
  --write DIR        change nothing; write the plan as versioned migration
                     files, up and down, to DIR (DIR/<datasource> when there
                     are several datasources)
  --format TOOL      the files' tool, with --write: goose, golang-migrate or bun
  --name NAME        the files' name after their version (default slipway)
  --models A,B       only these models (Go type or table names)
  --allow-data-loss  apply destructive changes (narrowing types, dropping columns,
                     indexes and foreign keys the models no longer declare)
  --allow-blocking   apply blocking changes (rewriting or scanning a big table
                     under a lock that blocks its writes): for a maintenance window
  -h, --help         show this help

Commands:
  status             per datasource: dialect, database, model tables present or
                     missing, whether it is actual, and the changes pending by
                     class (safe, withheld, refused); --json for machines

Exit status: 0 done, 1 failed, 2 bad flags or arguments, 3 changes pending (--check).
`

// Exit statuses of the migrate command.
const (
	exitOK      = 0
	exitFailed  = 1
	exitUsage   = 2
	exitPending = 3
)

// MigrateCommand is the body of an application's cmd/migrate:
//
//	func main() {
//		os.Exit(app.MigrateCommand(context.Background(), todolist.NewApp(), os.Args[1:], os.Stdout, os.Stderr))
//	}
//
// It parses the flags, boots a, runs a.MigrateSchema and stops a. It prints
// one line per datasource to stdout (and the plan on --dry-run) and returns
// the exit status: 0 on success, 1 with a one-line reason on stderr when the
// migration fails, 2 for bad flags. --check, --write and the status command
// plan without changing anything (a dry run: the override seeds nothing);
// --check returns 3 when a datasource has changes pending. Messages name
// the command's flags (--allow-data-loss) where the plan's reasons name
// MigrateOptions fields.
func MigrateCommand(ctx context.Context, a Migrater, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "status" {
		return statusCommand(ctx, a, args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var (
		opts                      schema.MigrateOptions
		models, dir, format, name string
		check                     bool
	)
	fs.BoolVar(&opts.Rebuild, "rebuild", false, "")
	fs.BoolVar(&opts.DryRun, "dry-run", false, "")
	fs.BoolVar(&opts.AllowDataLoss, "allow-data-loss", false, "")
	fs.BoolVar(&opts.AllowBlocking, "allow-blocking", false, "")
	fs.BoolVar(&check, "check", false, "")
	fs.StringVar(&dir, "write", "", "")
	fs.StringVar(&format, "format", "", "")
	fs.StringVar(&name, "name", "slipway", "")
	fs.StringVar(&models, "models", "", "")
	if code, ok := parseFlags(fs, args, &opts.Models, stdout, stderr); !ok {
		return code
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	usage := func(msg string) int {
		fmt.Fprintf(stderr, "migrate: %s (see --help)\n", msg)
		return exitUsage
	}
	switch {
	case check && (opts.Rebuild || given["write"]):
		return usage("--check plans an alter and writes nothing: it takes neither --rebuild nor --write")
	case given["write"] && dir == "":
		return usage("--write needs a directory")
	case given["write"] && !slices.Contains(schema.Formats(), schema.Format(format)):
		return usage(fmt.Sprintf("--write needs --format goose, golang-migrate or bun (got %q)", format))
	case !given["write"] && (given["format"] || given["name"]):
		return usage("--format and --name go with --write")
	}

	mode := "alter"
	if opts.Rebuild {
		mode = "rebuild"
	}
	switch {
	case check:
		opts.DryRun = true
		fmt.Fprintf(stdout, "Checking schemas (%s)\n", mode)
		return checkCommand(ctx, a, opts, stdout, stderr)
	case given["write"]:
		opts.DryRun = true
		fmt.Fprintf(stdout, "Writing migration files (%s, %s)\n", format, mode)
		return writeCommand(ctx, a, opts, dir, schema.Format(format), name, stdout, stderr)
	}
	if opts.DryRun {
		mode += ", dry run"
	}
	fmt.Fprintf(stdout, "Migrating schemas (%s)\n", mode)
	err := migrateAndStop(ctx, a, opts, func(r Report) { printReport(stdout, r, opts.DryRun) })
	return failed(stderr, err)
}

// parseFlags parses args into fs, and the model names of its --models flag
// into names. ok is false when the command ends here, with code.
func parseFlags(fs *flag.FlagSet, args []string, names *[]string, stdout, stderr io.Writer) (code int, ok bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, migrateUsage)
			return exitOK, false
		}
		fmt.Fprintf(stderr, "migrate: %s (see --help)\n", err)
		return exitUsage, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "migrate: unexpected argument %q (see --help)\n", fs.Arg(0))
		return exitUsage, false
	}
	models := fs.Lookup("models").Value.String()
	for _, m := range strings.Split(models, ",") {
		if m = strings.TrimSpace(m); m != "" {
			*names = append(*names, m)
		}
	}
	if models != "" && len(*names) == 0 {
		fmt.Fprintln(stderr, "migrate: --models needs at least one model name (see --help)")
		return exitUsage, false
	}
	return exitOK, true
}

// migrateAndStop runs a.MigrateSchema with a reporter, then stops a.
func migrateAndStop(ctx context.Context, a Migrater, opts schema.MigrateOptions, fn func(Report)) error {
	err := a.MigrateSchema(WithReporter(ctx, fn), opts)
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	if stopErr := a.Stop(stopCtx); err == nil {
		err = stopErr
	}
	return err
}

// failed prints err, if any, as the command's one line on stderr and
// returns the exit status.
func failed(stderr io.Writer, err error) int {
	if err == nil {
		return exitOK
	}
	fmt.Fprintf(stderr, "migrate: %s\n", speakFlags(oneLine(err)))
	return exitFailed
}

// refusedOnly reports whether err is the refusal of dry-run plans, which
// MigrateSchema returns only once every datasource is planned.
func refusedOnly(err error) bool {
	var r *schema.RefusedError
	return errors.As(err, &r)
}

// speakFlags rewrites the hints of plans and errors, which name
// MigrateOptions fields for library users, with the command's flags.
func speakFlags(s string) string {
	return strings.NewReplacer(
		"set AllowDataLoss", "use --allow-data-loss",
		"set AllowBlocking", "use --allow-blocking",
		"AllowDataLoss", "--allow-data-loss",
		"AllowBlocking", "--allow-blocking",
	).Replace(s)
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
		printLines(w, "  ", p.String())
		return
	}
	printChanges(w, "  ", p.Withheld())
}

// printLines prints text line by line, each after indent, in the
// command's words.
func printLines(w io.Writer, indent, text string) {
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		fmt.Fprintf(w, "%s%s\n", indent, speakFlags(line))
	}
}

func printChanges(w io.Writer, indent string, changes []*schema.Change) {
	for _, c := range changes {
		fmt.Fprintf(w, "%s%s\n", indent, speakFlags(c.String()))
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

// checkCommand plans every datasource and says which have changes pending.
func checkCommand(ctx context.Context, a Migrater, opts schema.MigrateOptions, stdout, stderr io.Writer) int {
	pending := false
	err := migrateAndStop(ctx, a, opts, func(r Report) {
		if r.Skipped {
			fmt.Fprintf(stdout, "%s: skipped (%s)\n", r.DataSource, r.Reason)
			return
		}
		p := r.Plan
		withheld, refused := p.Withheld(), p.Refused()
		applied := len(p.Changes) - len(withheld) - len(refused)
		if p.Empty() && len(refused) == 0 {
			fmt.Fprintf(stdout, "%s: %s schema is actual", r.DataSource, p.Dialect)
		} else {
			pending = true
			fmt.Fprintf(stdout, "%s: %s schema is not actual: %d %s pending", r.DataSource, p.Dialect, applied, plural(applied, "change"))
			if len(refused) > 0 {
				fmt.Fprintf(stdout, ", %d refused", len(refused))
			}
		}
		if len(withheld) > 0 {
			fmt.Fprintf(stdout, ", %d withheld%s", len(withheld), withheldHint(p))
		}
		fmt.Fprintln(stdout)
		printChanges(stdout, "  ", p.Changes)
	})
	switch {
	case err != nil && !refusedOnly(err):
		return failed(stderr, err)
	case pending:
		return exitPending
	}
	return exitOK
}

// writeCommand plans every datasource and writes each plan as migration
// files.
func writeCommand(ctx context.Context, a Migrater, opts schema.MigrateOptions, dir string, format schema.Format, name string, stdout, stderr io.Writer) int {
	var reports []Report
	if err := migrateAndStop(ctx, a, opts, func(r Report) { reports = append(reports, r) }); err != nil {
		return failed(stderr, err)
	}
	several := 0
	for _, r := range reports {
		if !r.Skipped {
			several++
		}
	}
	for _, r := range reports {
		if r.Skipped {
			fmt.Fprintf(stdout, "%s: skipped (%s)\n", r.DataSource, r.Reason)
			continue
		}
		p := r.Plan
		withheld := p.Withheld()
		applied := len(p.Changes) - len(withheld)
		var paths []string
		if p.Empty() {
			fmt.Fprintf(stdout, "%s: %s schema is up to date, nothing to write", r.DataSource, p.Dialect)
		} else {
			target := dir
			if several > 1 {
				target = filepath.Join(dir, r.DataSource)
			}
			var err error
			if paths, err = p.WriteFiles(target, format, name); err != nil {
				return failed(stderr, fmt.Errorf("datasource %q: %w", r.DataSource, err))
			}
			fmt.Fprintf(stdout, "%s: wrote %d %s (%s)", r.DataSource, applied, plural(applied, "change"), p.Dialect)
		}
		if len(withheld) > 0 {
			fmt.Fprintf(stdout, ", %d withheld%s", len(withheld), withheldHint(p))
		}
		fmt.Fprintln(stdout)
		for _, path := range paths {
			fmt.Fprintf(stdout, "  file %s\n", path)
		}
		printChanges(stdout, "  ", withheld)
	}
	return exitOK
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
