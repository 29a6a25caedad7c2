// Package testdb gives each test its own fresh database: a temporary SQLite
// file always, a PostgreSQL schema when SLIPWAY_TEST_POSTGRES_DSN is set and
// a MySQL/MariaDB database when SLIPWAY_TEST_MYSQL_DSN is set. Everything it
// creates is dropped when the test ends.
//
// Without a DSN the server tests are skipped with one line saying so; with
// CI=true a missing or unreachable DSN fails the test instead.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/uptrace/bun"

	_ "github.com/slipwaygo/slipway/driver/mysql" // the tests open every dialect
	_ "github.com/slipwaygo/slipway/driver/postgres"
	_ "github.com/slipwaygo/slipway/driver/sqlite"
	"github.com/slipwaygo/slipway/internal/dburl"
)

// Environment variables read by this package.
const (
	PostgresEnv = "SLIPWAY_TEST_POSTGRES_DSN"
	MySQLEnv    = "SLIPWAY_TEST_MYSQL_DSN"
)

// Dialect identifies one of the supported databases in tests.
type Dialect string

// The dialects, in the order ForEachDialect runs them.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
	MySQL    Dialect = "mysql"
)

// Dialects lists the dialects whose engine tests run in ForEachDialect.
var Dialects = []Dialect{SQLite, Postgres, MySQL}

// ForEachDialect runs fn as a subtest per dialect, each with its own fresh
// database. Server dialects without a DSN are skipped (or fail when CI=true).
func ForEachDialect(t *testing.T, fn func(t *testing.T, db *bun.DB)) {
	t.Helper()
	for _, d := range Dialects {
		t.Run(string(d), func(t *testing.T) {
			fn(t, Open(t, d))
		})
	}
}

// Open returns a *bun.DB on a fresh database of dialect d, closed and dropped
// when the test ends.
func Open(t testing.TB, d Dialect) *bun.DB {
	t.Helper()
	return OpenURL(t, URL(t, d))
}

// OpenURL opens a *bun.DB for a database URL and closes it when the test ends.
func OpenURL(t testing.TB, rawURL string) *bun.DB {
	t.Helper()
	cfg, err := dburl.Parse(rawURL)
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	db, err := dburl.Open(cfg)
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := dburl.Ready(context.Background(), db); err != nil {
		t.Fatalf("testdb: %s: %v", cfg.Redacted, err)
	}
	return db
}

// URL creates a fresh database (a schema on PostgreSQL) for dialect d and
// returns a URL for it; it is dropped when the test ends.
func URL(t testing.TB, d Dialect) string {
	t.Helper()
	switch d {
	case SQLite:
		return "sqlite:" + filepath.Join(t.TempDir(), "test.db")
	case Postgres:
		return postgresURL(t)
	case MySQL:
		return mysqlURL(t)
	default:
		t.Fatalf("testdb: unknown dialect %q", d)
		return ""
	}
}

// PostgresURL is URL(t, Postgres).
func PostgresURL(t testing.TB) string { t.Helper(); return URL(t, Postgres) }

// MySQLURL is URL(t, MySQL).
func MySQLURL(t testing.TB) string { t.Helper(); return URL(t, MySQL) }

// SQLiteURL is URL(t, SQLite).
func SQLiteURL(t testing.TB) string { t.Helper(); return URL(t, SQLite) }

// server is the admin connection to one database server, shared by the
// tests of a package.
type server struct {
	once sync.Once
	db   *sql.DB
	url  string // the DSN from the environment, as a URL
	err  error
}

var servers = map[Dialect]*server{Postgres: {}, MySQL: {}}

func admin(t testing.TB, d Dialect, env string) *server {
	t.Helper()
	raw := os.Getenv(env)
	if raw == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("testdb: %s is not set (required when CI=true)", env)
		}
		t.Skipf("%s not set: skipping %s test", env, d)
	}
	s := servers[d]
	s.once.Do(func() {
		s.url = normalize(d, raw)
		cfg, err := dburl.Parse(s.url)
		if err != nil {
			s.err = err
			return
		}
		s.db, err = sql.Open(cfg.Driver, cfg.DSN)
		if err != nil {
			s.err = err
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.db.PingContext(ctx); err != nil {
			s.err = fmt.Errorf("%s (%s): %w", env, cfg.Redacted, err)
		}
	})
	if s.err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("testdb: %v", s.err)
		}
		t.Skipf("%s unreachable, skipping %s test: %v", env, d, s.err)
	}
	return s
}

// normalize accepts the DSN forms people put in the environment: URLs, and
// for MySQL also the driver's own user@tcp(host:port)/db form.
func normalize(d Dialect, raw string) string {
	if d != MySQL || strings.HasPrefix(raw, "mysql://") {
		return raw
	}
	cfg, err := mysql.ParseDSN(raw)
	if err != nil {
		return raw // dburl.Parse reports it
	}
	u := &url.URL{Scheme: "mysql", Host: cfg.Addr, Path: "/" + cfg.DBName}
	if cfg.Passwd != "" {
		u.User = url.UserPassword(cfg.User, cfg.Passwd)
	} else if cfg.User != "" {
		u.User = url.User(cfg.User)
	}
	return u.String()
}

func postgresURL(t testing.TB) string {
	t.Helper()
	s := admin(t, Postgres, PostgresEnv)
	name := uniqueName(t)
	exec(t, s.db, `CREATE SCHEMA "`+name+`"`)
	t.Cleanup(func() {
		dropTablesInBatches(t, s.db, name)
		exec(t, s.db, `DROP SCHEMA IF EXISTS "`+name+`" CASCADE`)
	})
	u, err := url.Parse(s.url)
	if err != nil || u.Scheme == "" {
		return s.url + " search_path=" + name // keyword/value DSN
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}

// dropTablesInBatches drops the tables of a schema 200 at a time: one DROP
// SCHEMA ... CASCADE over thousands of tables takes more locks than a stock
// server's lock table holds.
func dropTablesInBatches(t testing.TB, db *sql.DB, schema string) {
	t.Helper()
	rows, err := db.Query(`SELECT format('%I.%I', schemaname, tablename) FROM pg_tables WHERE schemaname = $1`, schema)
	if err != nil {
		t.Errorf("testdb: list the tables of %s: %v", schema, err)
		return
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Errorf("testdb: %v", err)
		}
		tables = append(tables, name)
	}
	_ = rows.Close()
	if len(tables) <= 200 {
		return
	}
	for len(tables) > 0 {
		n := min(200, len(tables))
		exec(t, db, "DROP TABLE IF EXISTS "+strings.Join(tables[:n], ", ")+" CASCADE")
		tables = tables[n:]
	}
}

// PostgresDatabaseURL creates a fresh PostgreSQL database (not a schema)
// and returns a URL for it, for tests that change database-wide state such
// as extensions; it is dropped, with any connection left, when the test
// ends.
func PostgresDatabaseURL(t testing.TB) string {
	t.Helper()
	s := admin(t, Postgres, PostgresEnv)
	name := uniqueName(t)
	exec(t, s.db, `CREATE DATABASE "`+name+`"`)
	t.Cleanup(func() { exec(t, s.db, `DROP DATABASE IF EXISTS "`+name+`" WITH (FORCE)`) })
	u, err := url.Parse(s.url)
	if err != nil || u.Scheme == "" {
		t.Fatalf("testdb: %s must be a postgres:// URL for a test that needs its own database", PostgresEnv)
	}
	u.Path = "/" + name
	return u.String()
}

func mysqlURL(t testing.TB) string {
	t.Helper()
	s := admin(t, MySQL, MySQLEnv)
	name := uniqueName(t)
	exec(t, s.db, "CREATE DATABASE `"+name+"`")
	t.Cleanup(func() { exec(t, s.db, "DROP DATABASE IF EXISTS `"+name+"`") })
	u, err := url.Parse(s.url)
	if err != nil {
		t.Fatalf("testdb: %s: %v", MySQLEnv, err)
	}
	u.Path = "/" + name
	return u.String()
}

func exec(t testing.TB, db *sql.DB, query string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, query); err != nil {
		t.Fatalf("testdb: %s: %v", query, err)
	}
}

var nonWord = regexp.MustCompile(`[^a-z0-9]+`)

// uniqueName is a schema/database name derived from the test name, short
// enough for every server's identifier limit.
func uniqueName(t testing.TB) string {
	base := nonWord.ReplaceAllString(strings.ToLower(t.Name()), "_")
	if len(base) > 40 {
		base = base[len(base)-40:]
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	return "slipway_" + strings.Trim(base, "_") + "_" + hex.EncodeToString(b[:])
}
