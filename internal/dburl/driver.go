package dburl

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"

	"github.com/uptrace/bun"
	bunschema "github.com/uptrace/bun/schema"
)

// Driver opens the databases of one dialect. Each package under driver/
// registers one from its init function, as database/sql drivers do, so
// that a program links the drivers it imports and no others.
type Driver struct {
	// Import is the package a program imports for its side effect to get
	// this driver; the error for a URL without a driver names it.
	Import string
	// Parse turns a URL of the dialect into a Config without I/O. Nil
	// uses dburl's own parsing (PostgreSQL and SQLite URLs need no
	// driver code to parse).
	Parse func(raw string) (Config, error)
	// Open returns a pool and a bun dialect for cfg, without I/O.
	Open func(cfg Config) (*sql.DB, bunschema.Dialect, error)
	// Classify says which refusal a driver error is, or "".
	Classify func(err error) Refusal
}

// imports are the packages that register each dialect's driver.
var imports = map[string]string{
	Postgres: "github.com/slipwaygo/slipway/driver/postgres",
	MySQL:    "github.com/slipwaygo/slipway/driver/mysql",
	SQLite:   "github.com/slipwaygo/slipway/driver/sqlite",
}

// names are the dialects as people write them.
var names = map[string]string{Postgres: "PostgreSQL", MySQL: "MySQL", SQLite: "SQLite"}

// registry holds the registered drivers. It is package state, as
// database/sql's driver registry is: a driver package registers itself
// once, in init, and nothing else writes it.
var registry = struct {
	sync.RWMutex
	m map[string]Driver
}{m: map[string]Driver{}}

// Register makes a driver available for URLs of dialect (Postgres, MySQL
// or SQLite). It panics when the dialect already has one or d has no Open,
// as sql.Register does: both are programming errors found at start-up.
func Register(dialect string, d Driver) {
	registry.Lock()
	defer registry.Unlock()
	if d.Open == nil {
		panic("dburl: Register " + dialect + ": driver has no Open")
	}
	if _, dup := registry.m[dialect]; dup {
		panic("dburl: Register called twice for dialect " + dialect)
	}
	registry.m[dialect] = d
}

// NoDriverError is returned for a URL whose database has no driver linked
// into the program.
type NoDriverError struct {
	URL     string // redacted
	Dialect string
	Import  string
}

func (e *NoDriverError) Error() string {
	return fmt.Sprintf("database URL %q is %s, and no %s driver is linked into this program (add import _ %q)", e.URL, names[e.Dialect], names[e.Dialect], e.Import)
}

func lookup(dialect, raw string) (Driver, error) {
	registry.RLock()
	d, ok := registry.m[dialect]
	registry.RUnlock()
	if !ok {
		return Driver{}, &NoDriverError{URL: Redact(raw), Dialect: dialect, Import: imports[dialect]}
	}
	return d, nil
}

// Open opens a *bun.DB for cfg with the dialect's registered driver. Like
// sql.Open it performs no I/O: the first round trip happens on first use.
func Open(cfg Config) (*bun.DB, error) {
	d, err := lookup(cfg.Dialect, cfg.Redacted)
	if err != nil {
		return nil, err
	}
	sqldb, dialect, err := d.Open(cfg)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", cfg.Redacted, err)
	}
	return bun.NewDB(sqldb, dialect), nil
}

// Readier is a dialect that completes its setup once the database answers
// (bun's MySQL dialect reads the server version).
type Readier interface {
	Ready(ctx context.Context, db *sql.DB) error
}

// Ready completes dialect setup that needs the database, once it answers.
// It is cheap after the first success and a no-op for dialects that need
// nothing.
func Ready(ctx context.Context, db *bun.DB) error {
	if r, ok := db.Dialect().(Readier); ok {
		return r.Ready(ctx, db.DB)
	}
	return nil
}

// classifyOrder is the order Classify asks drivers in: PostgreSQL's and
// MySQL's error types are concrete, SQLite's is recognised by a method.
var classifyOrder = []string{Postgres, MySQL, SQLite}

// Explained is a driver's error reworded to say what went wrong and what
// to do; its chain is the driver's error (nil when the wording says it
// all).
type Explained struct {
	Msg string
	Err error
}

func (e *Explained) Error() string { return e.Msg }
func (e *Explained) Unwrap() error { return e.Err }

// Memory reports a SQLite :memory: database, which has one connection.
func (c Config) Memory() bool {
	return c.Dialect == SQLite && strings.HasPrefix(c.DSN, "file::memory:")
}
