// Command compare measures Slipway's schema engine against GORM AutoMigrate
// on PostgreSQL, MariaDB and SQLite, and against bun's AutoMigrator on
// PostgreSQL (it supports no other database): the first run on an empty
// database, the run every application start pays on an already-actual
// database, and what each tool does to a narrowed and a removed field. It
// prints markdown.
//
//	export SLIPWAY_TEST_POSTGRES_DSN='postgres://postgres@127.0.0.1:5432/slipway_test?sslmode=disable'
//	export SLIPWAY_TEST_MYSQL_DSN='mysql://root@127.0.0.1:3306/slipway_test'
//	go run .
//
// Each measurement works in a database of its own, created and dropped by the
// program (a file in a temporary directory for SQLite). See README.md.
package main

//go:generate go run ./internal/genmodels -n 500 -o models_gen.go

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"
)

func main() {
	dbFlag := flag.String("db", "postgres,mariadb,sqlite", "comma-separated databases: postgres, mariadb, sqlite")
	tablesFlag := flag.String("tables", "10,100,500", "comma-separated table counts")
	toolsFlag := flag.String("tools", "slipway,bun,gorm", "comma-separated tools: slipway, bun, gorm")
	firstRuns := flag.Int("first", 5, "first runs per tool and size, each on a fresh database (median)")
	secondRuns := flag.Int("second", 7, "runs on the already-actual database (median)")
	probe := flag.Bool("probe", true, "run the narrowing/removed-field probe")
	trace := flag.Bool("trace", false, "print every statement counted to standard error")
	flag.Parse()
	if *trace {
		traceTo = os.Stderr
	}
	log.SetFlags(0)
	log.SetPrefix("compare: ")

	sizes, err := parseSizes(*tablesFlag)
	if err != nil {
		log.Fatal(err)
	}
	var kinds []toolKind
	for _, key := range strings.Split(*toolsFlag, ",") {
		i := slices.IndexFunc(toolKinds, func(k toolKind) bool { return k.key == strings.TrimSpace(key) })
		if i < 0 {
			log.Fatalf("unknown tool %q (want slipway, bun, gorm)", key)
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

	fmt.Printf("%s, %s/%s, %d CPUs, %s\n\n", runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), time.Now().Format("2006-01-02"))
	fmt.Printf("Modules: %s.\n\n", moduleVersions())
	for _, a := range admins {
		if err := runDatabase(ctx, a, kinds, sizes, *firstRuns, *secondRuns, *probe); err != nil {
			closeAll()
			log.Fatalf("%s: %v", a.be.name, err)
		}
	}
	closeAll()
}

// runDatabase measures the tools on one database and prints a section.
func runDatabase(ctx context.Context, adm *admin, kinds []toolKind, sizes []int, firstRuns, secondRuns int, probe bool) error {
	be := adm.be
	log.Printf("%s %s", be.name, adm.version)
	fmt.Printf("## %s %s\n\n", be.name, adm.version)
	if be.is(sqliteDB) {
		fmt.Printf("Each database is a file in %s; both tools get the same pool settings: %s.\n\n", adm.dsn, sqlitePragmas)
	}

	// bun's AutoMigrator supports PostgreSQL only: say why it is not run.
	kinds = slices.Clone(kinds)
	for i := 0; i < len(kinds); i++ {
		k := kinds[i]
		if !k.pgOnly || be.bunAuto {
			continue
		}
		reason, err := unsupported(ctx, adm, k)
		if err != nil {
			return err
		}
		fmt.Printf("%s: not measured on %s: it supports PostgreSQL only (`migrate.NewAutoMigrator` on this database returns: `%s`).\n\n", k.name, be.name, reason)
		kinds = slices.Delete(kinds, i, i+1)
		i--
	}

	load := loadavg()
	var results []result
	for _, n := range sizes {
		log.Printf("%s: %d tables", be.name, n)
		rs, err := measure(ctx, adm, kinds, n, firstRuns, secondRuns)
		if err != nil {
			return fmt.Errorf("%d tables: %w", n, err)
		}
		results = append(results, rs...)
	}
	printResults(be, results, firstRuns, secondRuns)
	fmt.Printf("Load average (1, 5, 15 min) before: %s; after: %s.\n\n", load, loadavg())

	if probe {
		var probes []probeResult
		probeKinds := slices.Clone(kinds)
		if i := slices.IndexFunc(probeKinds, func(k toolKind) bool { return k.key == "slipway" }); i >= 0 {
			probeKinds = slices.Insert(probeKinds, i+1, slipwayAllow)
		}
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
		printProbes(be, probes)
	}
	return nil
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
		if err != nil || n < 1 || n > maxTables {
			return nil, fmt.Errorf("-tables: %q is not a number from 1 to %d", f, maxTables)
		}
		sizes = append(sizes, n)
	}
	return sizes, nil
}

type result struct {
	tool   string
	tables int

	first      []time.Duration
	firstStmts int
	firstHook  int
	firstDDL   int
	created    objects

	// Runs on the already-actual database. cold: each on a new connection
	// pool and a new bun.DB or gorm.DB, as an application start does. warm:
	// again and again on the pool and handle of the first run.
	cold, warm           []time.Duration
	coldStmts, warmStmts []int
	coldHook, warmHook   []int
	secondRuns           int
	secondDDL            []string // the DDL of every such run, in order
	secondNote           string
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
// tool on database dsn; closing the session calls drop.
func attach(ctx context.Context, be *backend, k toolKind, n int, dsn string, drop func()) (*session, error) {
	c := &counter{tag: k.key}
	sqldb, err := openPool(ctx, be, dsn, c)
	if err != nil {
		return nil, err
	}
	t, err := k.open(ctx, sqldb, be)
	if err != nil {
		return nil, errJoin(err, sqldb.Close())
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

// run times one run and returns the statements it sent.
func (s *session) run(ctx context.Context) (d time.Duration, stmts, hook int, ddl []string, note string, err error) {
	start := time.Now()
	note, err = s.t.run(ctx, s.models)
	d = time.Since(start)
	stmts, ddl = s.c.take()
	return d, stmts, s.t.hooked(), ddl, note, err
}

// measure runs every tool on n tables. The tools take turns, so that
// whatever else the machine does at a moment is spread over all of them:
// first runs, each on a fresh database, then the second runs on the
// databases the last first runs left.
func measure(ctx context.Context, adm *admin, kinds []toolKind, n, firstRuns, secondRuns int) ([]result, error) {
	rs := make([]result, len(kinds))
	sessions := make([]*session, len(kinds))
	defer func() {
		for _, s := range sessions {
			if s != nil {
				s.close()
			}
		}
	}()
	for i, k := range kinds {
		rs[i] = result{tool: k.name, tables: n}
	}
	for rep := range firstRuns {
		for i, k := range kinds {
			s, err := openSession(ctx, adm, k, n)
			if err != nil {
				return nil, err
			}
			d, stmts, hook, ddl, _, err := s.run(ctx)
			if err != nil {
				s.close()
				return nil, fmt.Errorf("%s: first run: %w", k.key, err)
			}
			r := &rs[i]
			r.first = append(r.first, d)
			if rep > 0 && (stmts != r.firstStmts || len(ddl) != r.firstDDL) {
				log.Printf("warning: %s: first run %d sent %d statements (%d DDL), run 1 sent %d (%d DDL)",
					k.key, rep+1, stmts, len(ddl), r.firstStmts, r.firstDDL)
			}
			r.firstStmts, r.firstHook, r.firstDDL = stmts, hook, len(ddl)
			if rep < firstRuns-1 {
				s.close()
				continue
			}
			sessions[i] = s
			if r.created, err = countObjects(ctx, adm.be, s.dsn); err != nil {
				return nil, err
			}
		}
	}
	for j := range secondRuns {
		for i, s := range sessions {
			r := &rs[i]
			r.secondRuns += 2
			// Cold: a new pool and a new ORM handle, as a new process has.
			cs, err := attach(ctx, s.be, s.kind, n, s.dsn, func() {})
			if err != nil {
				return nil, err
			}
			d, stmts, hook, ddl, note, err := cs.run(ctx)
			cs.close()
			if err != nil {
				return nil, fmt.Errorf("%s: second run %d (new connection): %w", s.kind.key, j+1, err)
			}
			log.Printf("%s, %d tables, second run %d, new connection: %s, %d statements", s.kind.key, n, j+1, ms(d), stmts)
			r.cold = append(r.cold, d)
			r.coldStmts = append(r.coldStmts, stmts)
			r.coldHook = append(r.coldHook, hook)
			r.secondDDL = append(r.secondDDL, ddl...)
			if note != "" && r.secondNote == "" {
				r.secondNote = note
			}

			// Warm: the pool and handle of the first run.
			d, stmts, hook, ddl, note, err = s.run(ctx)
			if err != nil {
				return nil, fmt.Errorf("%s: second run %d (same connection): %w", s.kind.key, j+1, err)
			}
			log.Printf("%s, %d tables, second run %d, same connection: %s, %d statements", s.kind.key, n, j+1, ms(d), stmts)
			r.warm = append(r.warm, d)
			r.warmStmts = append(r.warmStmts, stmts)
			r.warmHook = append(r.warmHook, hook)
			r.secondDDL = append(r.secondDDL, ddl...)
			if note != "" && r.secondNote == "" {
				r.secondNote = note
			}
		}
	}
	return rs, nil
}

// spread is the median with the fastest and slowest run.
func spread(ds []time.Duration) string {
	if len(ds) == 1 {
		return ms(ds[0])
	}
	return fmt.Sprintf("%s (%s–%s)", ms(median(ds)), strings.TrimSuffix(ms(slices.Min(ds)), " ms"), ms(slices.Max(ds)))
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
func ms(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	if v >= 10 {
		return fmt.Sprintf("%.0f ms", v)
	}
	return fmt.Sprintf("%.1f ms", v)
}

func printResults(be *backend, rs []result, firstRuns, secondRuns int) {
	fmt.Printf("### First run on an empty database (median of %d, each on a fresh database; fastest–slowest in brackets)\n\n", firstRuns)
	fmt.Println("| tool | tables | time | statements | of which DDL | seen by the library's hook |")
	fmt.Println("| --- | ---: | ---: | ---: | ---: | ---: |")
	for _, r := range rs {
		fmt.Printf("| %s | %d | %s | %d | %d | %d |\n", r.tool, r.tables, spread(r.first), r.firstStmts, r.firstDDL, r.firstHook)
	}

	fmt.Printf("\n### Second run on the already-actual database (median of %d; fastest–slowest in brackets)\n\n", secondRuns)
	fmt.Println("New connection: a new pool and a new `bun.DB` or `gorm.DB` for each run, as an application start has")
	fmt.Println("(connecting is not timed). Same connection: the pool and handle of the first run, used again.")
	fmt.Println()
	fmt.Println("| tool | tables | time, new connection | time, same connection | statements | DDL statements | seen by the library's hook |")
	fmt.Println("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, r := range rs {
		ddl := "none"
		if len(r.secondDDL) > 0 {
			ddl = fmt.Sprintf("%d per run (spurious)", len(r.secondDDL)/max(1, r.secondRuns))
		}
		stmts := fmt.Sprint(medianInt(r.coldStmts))
		if w := medianInt(r.warmStmts); w != medianInt(r.coldStmts) {
			stmts += fmt.Sprintf(" (%d)", w)
		}
		hook := fmt.Sprint(medianInt(r.coldHook))
		if w := medianInt(r.warmHook); w != medianInt(r.coldHook) {
			hook += fmt.Sprintf(" (%d)", w)
		}
		fmt.Printf("| %s | %d | %s | %s | %s | %s | %s |\n", r.tool, r.tables, spread(r.cold), spread(r.warm), stmts, ddl, hook)
	}

	fmt.Printf("\n### What the first run created (read from %s)\n", be.catalog)
	fmt.Println()
	unique := "unique constraints"
	if be.is(sqliteDB) {
		unique = "unique indexes (constraints included)"
	}
	fmt.Printf("| tool | tables | model tables | other tables | %s | plain indexes | foreign keys |\n", unique)
	fmt.Println("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, r := range rs {
		o := r.created
		fmt.Printf("| %s | %d | %d | %d | %d | %d | %d |\n", r.tool, r.tables, o.tables, o.other, o.uniques, o.indexes, o.fks)
	}

	var spurious []result
	for _, r := range rs {
		if len(r.secondDDL) > 0 || r.secondNote != "" {
			spurious = append(spurious, r)
		}
	}
	if len(spurious) > 0 {
		fmt.Println("\n### DDL (and notes) on the second runs")
		for _, r := range spurious {
			fmt.Printf("\n%s, %d tables: %d DDL statements over %d runs", r.tool, r.tables, len(r.secondDDL), r.secondRuns)
			if r.secondNote != "" {
				fmt.Printf("; %s", r.secondNote)
			}
			fmt.Println(". The first ones:")
			fmt.Println()
			fmt.Println("```sql")
			for _, s := range r.secondDDL[:min(6, len(r.secondDDL))] {
				fmt.Println(oneLine(s) + ";")
			}
			fmt.Println("```")
		}
	}
	fmt.Println()
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

func errJoin(errs ...error) error { return errors.Join(errs...) }
