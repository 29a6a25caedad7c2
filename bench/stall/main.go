// Command stall measures how long a table's reads and writes wait while
// Slipway migrates it: a reader and a writer at a fixed rate on a big table
// (1,000,000 rows on PostgreSQL, 300,000 on MySQL/MariaDB by default), for
// each kind of change Migrate applies by default, against the same change
// made with the plain DDL statement a naive migration runs.
//
//	SLIPWAY_TEST_POSTGRES_DSN=postgres://... SLIPWAY_TEST_MYSQL_DSN=mysql://... go run ./stall
//
// It prints a markdown table per database on stdout (docs/benchmarks.md
// shows it) and its progress on stderr. Flags: -pg-rows, -my-rows, -rate,
// -only (a kind), -naive=false (skip the plain DDL runs).
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"

	_ "github.com/slipwaygo/slipway/driver/mysql" // the tests open every dialect
	_ "github.com/slipwaygo/slipway/driver/postgres"
	_ "github.com/slipwaygo/slipway/driver/sqlite"
	"github.com/slipwaygo/slipway/internal/dburl"
	"github.com/slipwaygo/slipway/schema"
)

func main() {
	pgRows := flag.Int("pg-rows", 1_000_000, "rows of the PostgreSQL table")
	myRows := flag.Int("my-rows", 300_000, "rows of the MySQL/MariaDB table")
	rate := flag.Duration("rate", 5*time.Millisecond, "interval between two requests of the reader, and of the writer")
	only := flag.String("only", "", "run this kind only")
	naive := flag.Bool("naive", true, "also run each change as the plain DDL statement")
	flag.Parse()
	ctx := context.Background()
	ran := false
	for _, srv := range []struct {
		env, name string
		rows      int
	}{
		{"SLIPWAY_TEST_POSTGRES_DSN", "PostgreSQL", *pgRows},
		{"SLIPWAY_TEST_MYSQL_DSN", "MySQL", *myRows},
	} {
		raw := os.Getenv(srv.env)
		if raw == "" {
			fmt.Fprintf(os.Stderr, "%s not set: skipping %s\n", srv.env, srv.name)
			continue
		}
		ran = true
		if err := run(ctx, srv.name, raw, srv.rows, *rate, *only, *naive); err != nil {
			fmt.Fprintf(os.Stderr, "stall: %s: %v\n", srv.name, err)
			os.Exit(1)
		}
	}
	if !ran {
		fmt.Fprintln(os.Stderr, "stall: set SLIPWAY_TEST_POSTGRES_DSN and/or SLIPWAY_TEST_MYSQL_DSN")
		os.Exit(2)
	}
}

// kind is one kind of change: the model before and after, and the plain
// DDL statement a naive migration would run for it.
type kind struct {
	name          string
	before, after []any
	naive         map[string]string // by dialect name
}

func run(ctx context.Context, dialect, raw string, rows int, rate time.Duration, only string, naive bool) error {
	dbName := fmt.Sprintf("slipway_stall_%d", time.Now().Unix())
	admin, err := open(raw)
	if err != nil {
		return err
	}
	defer admin.Close()
	target, drop, err := createDatabase(ctx, admin, dialect, raw, dbName)
	if err != nil {
		return err
	}
	defer drop()
	migrator, err := open(target)
	if err != nil {
		return err
	}
	defer migrator.Close()
	traffic, err := open(target)
	if err != nil {
		return err
	}
	defer traffic.Close()
	traffic.SetMaxOpenConns(4)

	fmt.Printf("\n### %s, %s rows\n\n", dialect, thousands(rows))
	fmt.Println("| change | by | applied as | took | reads p99 / max | writes p99 / max |")
	fmt.Println("| --- | --- | --- | ---: | ---: | ---: |")
	base := true
	for _, k := range kinds(dialect) {
		if only != "" && k.name != only {
			continue
		}
		ways := []string{"Slipway"}
		if naive && k.naive[dialect] != "" {
			ways = append(ways, "plain DDL")
		}
		for _, way := range ways {
			fmt.Fprintf(os.Stderr, "%s: %s by %s: filling %d rows\n", dialect, k.name, way, rows)
			if err := fill(ctx, migrator, dialect, k.before, rows); err != nil {
				return fmt.Errorf("%s: fill: %w", k.name, err)
			}
			if base {
				// The traffic alone, for reference.
				r, w := measure(ctx, traffic, rows, rate, func() error { time.Sleep(2 * time.Second); return nil })
				fmt.Printf("| (no migration: the traffic alone, 2 s) | | | | %s | %s |\n", r.lat, w)
				base = false
			}
			start := time.Now()
			var how string
			r, w := measure(ctx, traffic, rows, rate, func() error {
				if way == "plain DDL" {
					how = "`" + k.naive[dialect] + "`"
					_, err := migrator.ExecContext(ctx, k.naive[dialect])
					return err
				}
				plan, err := schema.NewMigrator(migrator, k.after...).Migrate(ctx, schema.MigrateOptions{})
				if err == nil {
					how = describe(plan)
				}
				return err
			})
			if r.err != nil {
				return fmt.Errorf("%s by %s: %w", k.name, way, r.err)
			}
			fmt.Printf("| %s | %s | %s | %s | %s | %s |\n", k.name, way, how, time.Since(start).Round(time.Millisecond), r.lat, w)
		}
	}
	return nil
}

// describe says how a plan applied its change: the statements, or that it
// was withheld and why.
func describe(plan *schema.Plan) string {
	for _, c := range plan.Changes {
		if c.Withheld {
			return fmt.Sprintf("withheld (%s)", c.Class)
		}
	}
	var parts []string
	for _, s := range plan.SQL() {
		s = strings.ReplaceAll(s, "`", "")
		s = strings.ReplaceAll(s, `"`, "")
		if len(s) > 90 {
			s = s[:87] + "..."
		}
		parts = append(parts, "`"+s+"`")
	}
	return strings.Join(parts, "; ")
}

// latencies is a reader's or writer's request times.
type latencies []time.Duration

func (l latencies) String() string {
	if len(l) == 0 {
		return "-"
	}
	s := slices.Clone(l)
	slices.Sort(s)
	p99 := s[min(len(s)-1, len(s)*99/100)]
	return fmt.Sprintf("%s / %s (%d)", ms(p99), ms(s[len(s)-1]), len(s))
}

func ms(d time.Duration) string {
	if d < 10*time.Millisecond {
		return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000)
	}
	return fmt.Sprintf("%d ms", d.Milliseconds())
}

// result is the reader's latencies and the work's error.
type result struct {
	lat latencies
	err error
}

// measure runs a reader and a writer at a fixed rate while work runs, and
// returns the latencies of the requests they started from the start of
// work to its end, those still waiting when it ends included (the reader's
// with work's error). A request that stalls holds up the ones after it:
// its own latency counts the stall.
func measure(ctx context.Context, db *bun.DB, rows int, rate time.Duration, work func() error) (result, latencies) {
	ctx, cancel := context.WithCancel(ctx)
	type sample struct {
		start time.Time
		took  time.Duration
	}
	var (
		wg            sync.WaitGroup
		mu            sync.Mutex
		reads, writes []sample
	)
	loop := func(query string, into *[]sample) {
		defer wg.Done()
		t := time.NewTicker(rate)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			id := 1 + rand.IntN(rows)
			start := time.Now()
			_, _ = db.ExecContext(context.WithoutCancel(ctx), query, id)
			mu.Lock()
			*into = append(*into, sample{start, time.Since(start)})
			mu.Unlock()
		}
	}
	wg.Add(2)
	go loop("SELECT s FROM stall WHERE id = ?", &reads)
	go loop("UPDATE stall SET n = n + 1 WHERE id = ?", &writes)
	time.Sleep(300 * time.Millisecond) // the pools warm up
	from := time.Now()
	err := work()
	to := time.Now()
	cancel()
	wg.Wait()
	within := func(ss []sample) latencies {
		var out latencies
		for _, s := range ss {
			if !s.start.Before(from) && !s.start.After(to) {
				out = append(out, s.took)
			}
		}
		return out
	}
	return result{lat: within(reads), err: err}, within(writes)
}

func open(raw string) (*bun.DB, error) {
	cfg, err := dburl.Parse(raw)
	if err != nil {
		return nil, err
	}
	db, err := dburl.Open(cfg)
	if err != nil {
		return nil, err
	}
	return db, dburl.Ready(context.Background(), db)
}

// createDatabase makes a database of its own on the server and returns its
// URL and how to drop it.
func createDatabase(ctx context.Context, admin *bun.DB, dialect, raw, name string) (string, func(), error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", nil, err
	}
	q := "CREATE DATABASE " + name
	if _, err := admin.ExecContext(ctx, q); err != nil {
		return "", nil, err
	}
	u.Path = "/" + name
	drop := func() {
		if dialect == "PostgreSQL" {
			_, _ = admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			return
		}
		_, _ = admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name)
	}
	return u.String(), drop, nil
}

// fill creates the tables of models (dropping them first) and fills stall
// with rows, and its parent with one row each of them references.
func fill(ctx context.Context, db *bun.DB, dialect string, models []any, rows int) error {
	for _, q := range []string{"DROP TABLE IF EXISTS stall", "DROP TABLE IF EXISTS stall_parent"} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	if _, err := schema.NewMigrator(db, models...).Migrate(ctx, schema.MigrateOptions{}); err != nil {
		return err
	}
	var stmts []string
	switch dialect {
	case "PostgreSQL":
		stmts = []string{
			"INSERT INTO stall_parent (id) SELECT g FROM generate_series(1, 100) g",
			fmt.Sprintf("INSERT INTO stall (id, n, s, d, p) SELECT g, g %% 1000, 'row ' || g, g * 1.5, 1 + g %% 100 FROM generate_series(1, %d) g", rows),
			"VACUUM ANALYZE stall",
		}
	default:
		stmts = []string{
			"INSERT INTO stall_parent (id) SELECT seq FROM seq_1_to_100",
			fmt.Sprintf("INSERT INTO stall (id, n, s, d, p) SELECT seq, seq %% 1000, CONCAT('row ', seq), seq * 1.5, 1 + seq %% 100 FROM seq_1_to_%d", rows),
			"ANALYZE TABLE stall",
		}
	}
	for _, q := range stmts {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return nil
}

func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
