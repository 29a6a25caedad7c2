// Command compare measures Slipway's schema engine against GORM's
// AutoMigrate, bun's AutoMigrator (PostgreSQL only: it supports no other
// database) and a blind loop of CREATE TABLE / CREATE INDEX IF NOT EXISTS,
// at 10, 100, 500 and 2,000 models on PostgreSQL, MariaDB and SQLite: the
// cold run on an empty database, and the no-op run on the already-actual
// database that every application start pays. It counts time and
// statements, and writes to -out:
//
//   - results.csv, one row per database, tool, size and kind of run;
//   - results.md, the same as markdown tables, with the machine and versions;
//   - noop-<db>.png and cold-<db>.png: time against models, log scales, one
//     line per tool;
//   - probe-<db>.md: what each tool does to a narrowed and a removed field.
//
// Rows of results.csv that a run does not measure (-db, -sizes, -tools left
// something out) are kept, and the plots and results.md drawn from all rows,
// so a subset can be re-run:
//
//	export SLIPWAY_TEST_POSTGRES_DSN='postgres://postgres@127.0.0.1:5432/slipway_test?sslmode=disable'
//	export SLIPWAY_TEST_MYSQL_DSN='mysql://root@127.0.0.1:3306/slipway_test'
//	go run ./compare -out ../docs/benchmarks
//	go run ./compare -out ../docs/benchmarks -db sqlite -sizes 10,100
//
// Each run works in a database of its own, created by the program and
// dropped afterwards (a file in a temporary directory for SQLite). See
// ../README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"
)

func main() {
	out := flag.String("out", ".", "directory for results.csv, results.md, the plots and the probes")
	dbFlag := flag.String("db", "postgres,mariadb,sqlite", "comma-separated databases: postgres, mariadb, sqlite")
	sizesFlag := flag.String("sizes", "10,100,500,2000", fmt.Sprintf("comma-separated numbers of models (at most %d)", maxModels))
	toolsFlag := flag.String("tools", "slipway,gorm,bun,blind", "comma-separated tools: slipway, gorm, bun, blind")
	noopRuns := flag.Int("noop", 5, "no-op runs per tool and size, each on a new connection pool (median)")
	noopBudget := flag.Duration("noop-budget", time.Minute, "stop repeating a no-op run after 3 runs once they took this long together")
	timeout := flag.Duration("timeout", 5*time.Minute, "give up a run after this long and record it as timed out (larger sizes of that tool are skipped)")
	probe := flag.Bool("probe", true, "run the narrowing/removed-field probe (probe-<db>.md)")
	plotOnly := flag.Bool("plot", false, "measure nothing: draw the plots and results.md from results.csv")
	trace := flag.Bool("trace", false, "print every statement counted to standard error")
	flag.Parse()
	if *trace {
		traceTo = os.Stderr
	}
	log.SetFlags(log.Ltime)
	log.SetPrefix("compare: ")

	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	csvPath := filepath.Join(*out, "results.csv")
	rows, err := readRows(csvPath)
	if err != nil {
		log.Fatal(err)
	}
	if *plotOnly {
		if err := writeAll(*out, rows, ""); err != nil {
			log.Fatal(err)
		}
		return
	}

	sizes, err := parseSizes(*sizesFlag)
	if err != nil {
		log.Fatal(err)
	}
	var kinds []toolKind
	for _, key := range strings.Split(*toolsFlag, ",") {
		i := slices.IndexFunc(toolKinds, func(k toolKind) bool { return k.key == strings.TrimSpace(key) })
		if i < 0 {
			log.Fatalf("unknown tool %q (want slipway, gorm, bun, blind)", key)
		}
		kinds = append(kinds, toolKinds[i])
	}
	var bes []*backend
	for _, key := range strings.Split(*dbFlag, ",") {
		i := slices.IndexFunc(backends, func(b *backend) bool { return b.key == strings.TrimSpace(key) })
		if i < 0 {
			log.Fatalf("unknown database %q (want postgres, mariadb, sqlite)", key)
		}
		bes = append(bes, backends[i])
	}

	// Connect to every database first: a missing variable or a server that
	// does not answer fails before anything is measured.
	ctx := context.Background()
	var admins []*admin
	closeAll := func() {
		for _, a := range admins {
			if err := a.close(); err != nil {
				log.Printf("closing %s: %v", a.be.name, err)
			}
		}
	}
	for _, be := range bes {
		a, err := newAdmin(ctx, be)
		if err != nil {
			closeAll()
			log.Fatalf("%s: %v", be.name, err)
		}
		admins = append(admins, a)
	}

	cfg := runConfig{noopRuns: max(1, *noopRuns), noopBudget: *noopBudget, timeout: *timeout}
	env := fmt.Sprintf("%s, %s/%s, %d CPUs; load average (1, 5, 15 min) at the start: %s. Modules: %s.",
		runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), loadavg(), moduleVersions())
	for _, a := range admins {
		measured, err := runDatabase(ctx, a, kinds, sizes, cfg)
		rows = merge(rows, measured)
		// Write after every database: what was measured is kept if a later
		// one fails.
		if werr := writeAll(*out, rows, env); werr != nil {
			err = errors.Join(err, werr)
		}
		if err == nil && *probe {
			err = runProbes(ctx, a, kinds, filepath.Join(*out, "probe-"+a.be.key+".md"))
		}
		if err != nil {
			closeAll()
			log.Fatalf("%s: %v", a.be.name, err)
		}
	}
	closeAll()
	log.Printf("wrote %s", *out)
}

// noopPause is the wait between a cold run and the no-op runs after it.
const noopPause = 2500 * time.Millisecond

// runConfig is how often and how long the runs of one tool may go.
type runConfig struct {
	noopRuns   int
	noopBudget time.Duration
	timeout    time.Duration
}

// runDatabase measures the tools on one database at every size: for each
// size, each tool in turn gets a fresh database, one cold run and then the
// no-op runs, and the database is dropped.
func runDatabase(ctx context.Context, adm *admin, kinds []toolKind, sizes []int, cfg runConfig) ([]row, error) {
	be := adm.be
	log.Printf("%s %s", be.name, adm.version)
	date := time.Now().UTC().Format("2006-01-02")
	base := row{DB: be.key, Version: adm.version, Date: date}

	var rows []row
	gaveUp := map[string]int{} // tool key -> the size it timed out at
	for _, n := range sizes {
		for _, k := range kinds {
			cold, noop := base, base
			cold.Tool, cold.Models, cold.Run = k.key, n, "cold"
			noop.Tool, noop.Models, noop.Run = k.key, n, "noop"
			if k.pgOnly && !be.bunAuto {
				reason, err := unsupported(ctx, adm, k)
				if err != nil {
					return rows, err
				}
				cold.Status, cold.Note = "unsupported", reason
				noop.Status, noop.Note = cold.Status, cold.Note
				rows = append(rows, cold, noop)
				continue
			}
			if at, ok := gaveUp[k.key]; ok {
				cold.Status, cold.Note = "skipped", fmt.Sprintf("timed out at %d models", at)
				noop.Status, noop.Note = cold.Status, cold.Note
				rows = append(rows, cold, noop)
				continue
			}
			log.Printf("%s: %s, %d models", be.name, k.key, n)
			if err := measureTool(ctx, adm, k, n, cfg, &cold, &noop); err != nil {
				return rows, fmt.Errorf("%s, %d models: %w", k.key, n, err)
			}
			if cold.Status == "timed out" || noop.Status == "timed out" {
				gaveUp[k.key] = n
			}
			rows = append(rows, cold, noop)
		}
	}
	return rows, nil
}

// measureTool runs tool k at n models on a fresh database: once cold, then
// no-op on a new connection pool and a new bun.DB or gorm.DB each time, as a
// starting process has them. A run that fails or times out is recorded in
// its row; the error returned is the harness's own (creating a database,
// connecting).
func measureTool(ctx context.Context, adm *admin, k toolKind, n int, cfg runConfig, cold, noop *row) error {
	s, err := openSession(ctx, adm, k, n)
	if err != nil {
		return err
	}
	defer s.close()

	d, stmts, ddl, _, err := s.run(ctx, cfg.timeout)
	cold.Runs = 1
	cold.setTimes([]time.Duration{d})
	cold.Statements, cold.DDL = stmts, len(ddl)
	if failed(cold, err, cfg.timeout) {
		noop.Status, noop.Note = "skipped", "the cold run did not complete"
		return nil
	}
	o, err := countObjects(ctx, adm.be, s.dsn)
	if err != nil {
		return err
	}
	cold.Created = o.String()
	log.Printf("  cold: %s, %d statements (%d DDL); created %s", ms(d), stmts, len(ddl), cold.Created)
	// An application restarts seconds after the last DDL at the earliest.
	// Slipway's MariaDB stamp counts seconds, and it keeps no state for a
	// table changed within the last two; without the pause its no-op runs at
	// small sizes would all read the catalog.
	time.Sleep(noopPause)

	var (
		times      []time.Duration
		counts     []int
		spurious   []string
		total      time.Duration
		notes      []string
		firstNoop  = true
		timedOutAt time.Duration
	)
	for j := 0; j < cfg.noopRuns; j++ {
		if j >= 3 && total > cfg.noopBudget {
			break
		}
		cs, err := attach(ctx, s.be, s.kind, n, s.dsn, func() {})
		if err != nil {
			return err
		}
		d, stmts, ddl, note, err := cs.run(ctx, cfg.timeout)
		cs.close()
		if failed(noop, err, cfg.timeout) {
			if noop.Status == "timed out" {
				timedOutAt = d
			}
			break
		}
		log.Printf("  no-op %d: %s, %d statements", j+1, ms(d), stmts)
		total += d
		times = append(times, d)
		counts = append(counts, stmts)
		if firstNoop {
			spurious = changing(ddl)
		}
		if note != "" && !slices.Contains(notes, note) {
			notes = append(notes, note)
		}
		firstNoop = false
	}
	if len(times) == 0 {
		noop.Runs = 0
		if timedOutAt > 0 {
			noop.setTimes([]time.Duration{timedOutAt})
		}
		return nil
	}
	noop.Runs = len(times)
	noop.setTimes(times)
	noop.Statements = medianInt(counts)
	noop.DDL = len(spurious)
	if noop.Status == "" {
		noop.Status = "ok"
	}
	if len(spurious) > 0 {
		notes = append(notes, fmt.Sprintf("%d DDL statements that may change the schema on a no-op run, the first: %s", len(spurious), oneLine(spurious[0])))
	}
	noop.Note = strings.Join(append(notes, noop.Note), "; ")
	noop.Note = strings.Trim(noop.Note, "; ")
	return nil
}

// changing returns the DDL statements that may change the schema: all but
// CREATE ... IF NOT EXISTS, which the blind loop sends on every run and
// Slipway once for its state table.
func changing(ddl []string) []string {
	var out []string
	for _, q := range ddl {
		head := strings.ToUpper(strings.Join(strings.Fields(q), " "))
		if len(head) > 120 {
			head = head[:120]
		}
		if strings.HasPrefix(head, "CREATE ") && strings.Contains(head, " IF NOT EXISTS ") {
			continue
		}
		out = append(out, q)
	}
	return out
}

// failed records err in r: timed out, or an error. It reports whether the
// run failed.
func failed(r *row, err error, timeout time.Duration) bool {
	switch {
	case err == nil:
		if r.Status == "" {
			r.Status = "ok"
		}
		return false
	case errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "context deadline exceeded"):
		r.Status, r.Note = "timed out", fmt.Sprintf("gave up after %s", timeout)
	default:
		r.Status, r.Note = "error", oneLine(err.Error())
	}
	log.Printf("  %s: %s", r.Status, r.Note)
	return true
}

// runProbes runs the probe with every tool that changes a schema (Slipway,
// also with AllowDataLoss; GORM; bun's AutoMigrator where it runs) and
// writes the table to path.
func runProbes(ctx context.Context, adm *admin, kinds []toolKind, path string) error {
	be := adm.be
	var probeKinds []toolKind
	for _, k := range kinds {
		if k.key == "blind" || (k.pgOnly && !be.bunAuto) {
			continue
		}
		probeKinds = append(probeKinds, k)
		if k.key == "slipway" {
			probeKinds = append(probeKinds, slipwayAllow)
		}
	}
	var probes []probeResult
	for _, k := range probeKinds {
		for _, long := range []bool{false, true} {
			log.Printf("%s: probe %s (value longer than the new length: %v)", be.name, k.key, long)
			p, err := runProbe(ctx, adm, k, long)
			if err != nil {
				return fmt.Errorf("probe %s: %w", k.key, err)
			}
			probes = append(probes, p)
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	fmt.Fprintf(f, "<!-- Written by bench/compare (go run ./compare -out ...) on %s; %s %s. -->\n\n",
		time.Now().UTC().Format("2006-01-02"), be.name, adm.version)
	printProbes(f, be, probes)
	return f.Close()
}

// moduleVersions lists the versions of the libraries compared, as built.
func moduleVersions() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	want := []string{
		"gorm.io/gorm", "gorm.io/driver/postgres", "gorm.io/driver/mysql", "github.com/glebarez/sqlite",
		"github.com/uptrace/bun", "github.com/jackc/pgx/v5", "github.com/go-sql-driver/mysql",
		"github.com/glebarez/go-sqlite", "modernc.org/sqlite",
	}
	var out []string
	for _, path := range want {
		for _, m := range bi.Deps {
			if m.Path == path {
				out = append(out, m.Path+" "+m.Version)
			}
		}
	}
	return strings.Join(out, ", ")
}

func parseSizes(s string) ([]int, error) {
	var sizes []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > maxModels {
			return nil, fmt.Errorf("-sizes: %q is not a number from 1 to %d", f, maxModels)
		}
		sizes = append(sizes, n)
	}
	return sizes, nil
}

// session is one tool working on a fresh database of its own.
type session struct {
	be     *backend
	kind   toolKind
	dsn    string
	c      *counter
	t      tool
	models []any
	drop   func()
}

func openSession(ctx context.Context, adm *admin, k toolKind, n int) (*session, error) {
	_, dsn, drop, err := adm.newDatabase(ctx, "cmp_"+k.key)
	if err != nil {
		return nil, err
	}
	s, err := attach(ctx, adm.be, k, n, dsn, drop)
	if err != nil {
		drop()
		return nil, err
	}
	return s, nil
}

// attach opens a new connection pool (one connection established) and a new
// tool on database dsn; closing the session calls drop. The models are built
// anew too (bun's are new types each time), as a new process has them.
func attach(ctx context.Context, be *backend, k toolKind, n int, dsn string, drop func()) (*session, error) {
	c := &counter{tag: k.key}
	sqldb, err := openPool(ctx, be, dsn, c)
	if err != nil {
		return nil, err
	}
	t, err := k.open(ctx, sqldb, be)
	if err != nil {
		return nil, errors.Join(err, sqldb.Close())
	}
	models := bunModels(n)
	if k.gorm {
		models = gormModels(n)
	}
	c.take()
	t.hooked()
	return &session{be: be, kind: k, dsn: dsn, c: c, t: t, models: models, drop: drop}, nil
}

func (s *session) close() {
	if err := s.t.close(); err != nil {
		log.Printf("closing %s: %v", s.kind.key, err)
	}
	s.drop()
}

// run times one run, given at most timeout, and returns the statements it
// sent. It warns when the library's own hook saw another number of
// statements than the driver wrapper.
func (s *session) run(ctx context.Context, timeout time.Duration) (d time.Duration, stmts int, ddl []string, note string, err error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	note, err = s.t.run(ctx, s.models)
	d = time.Since(start)
	stmts, ddl = s.c.take()
	if h := s.t.hooked(); h != stmts && err == nil {
		log.Printf("warning: %s: the library's hook saw %d statements, the driver %d", s.kind.key, h, stmts)
	}
	return d, stmts, ddl, note, err
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func medianInt(xs []int) int {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// ms formats a duration in milliseconds, like docs/benchmarks.md.
func ms(d time.Duration) string { return msf(float64(d) / float64(time.Millisecond)) }

func msf(v float64) string {
	switch {
	case v >= 10_000:
		return fmt.Sprintf("%.1f s", v/1000)
	case v >= 10:
		return fmt.Sprintf("%.0f ms", v)
	}
	return fmt.Sprintf("%.1f ms", v)
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 200 {
		s = s[:200] + " …"
	}
	return s
}

// loadavg is /proc/loadavg's first three fields: whether the machine was
// busy with something else.
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
