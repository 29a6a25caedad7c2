// Package dburl turns a database URL into a driver, a driver DSN and a bun
// dialect, and opens a *bun.DB from it without any I/O.
//
// Supported URLs:
//
//	postgres://user:pass@host:5432/db?sslmode=disable   (also postgresql://; pgx driver)
//	mysql://user:pass@host:3306/db?tls=false            (go-sql-driver/mysql)
//	sqlite:path/to/file.db, sqlite:///abs/file.db       (modernc.org/sqlite)
//	file:path/to/file.db, sqlite::memory:
//
// It is the only place in Slipway that imports database drivers.
package dburl

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/mysqldialect"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Dialect names, as bun's dialect.Name prints them.
const (
	Postgres = "pg"
	MySQL    = "mysql"
	SQLite   = "sqlite"
)

// Config is a parsed database URL.
type Config struct {
	Dialect string // Postgres, MySQL or SQLite
	Driver  string // database/sql driver name
	DSN     string // driver DSN; it may hold a password: never print it
	// Redacted is the URL with any password replaced by "xxxxx"; safe to print.
	Redacted string
}

// sqliteDefaults are the connection settings every SQLite URL gets unless
// the URL sets them itself: write-ahead logging (not for :memory:), foreign
// keys enforced, a five second busy timeout, and BEGIN IMMEDIATE for
// transactions (_txlock), so that a transaction takes the write lock when
// it begins instead of failing to upgrade its read lock later. The driver
// runs each _pragma on every connection it opens.
//
// busy_timeout goes first, the URL's own included: the driver runs the
// pragmas in order, and journal_mode(WAL) on a new connection waits for
// other connections' locks only once a busy timeout is set — without it,
// replicas opening one new database at once fail with SQLITE_BUSY.
var sqliteDefaults = []struct{ key, pragma string }{
	{"busy_timeout", "busy_timeout(5000)"},
	{"journal_mode", "journal_mode(WAL)"},
	{"foreign_keys", "foreign_keys(1)"},
}

// Parse parses a database URL. The error never contains the password.
func Parse(raw string) (Config, error) {
	scheme, rest, ok := strings.Cut(raw, ":")
	if !ok || scheme == "" {
		return Config{}, fmt.Errorf("database URL %q has no scheme (want postgres://, mysql://, sqlite: or file:)", Redact(raw))
	}
	switch strings.ToLower(scheme) {
	case "postgres", "postgresql":
		return parsePostgres(raw)
	case "mysql", "mariadb":
		return parseMySQL(raw)
	case "sqlite", "sqlite3", "file":
		return parseSQLite(scheme, rest)
	default:
		return Config{}, fmt.Errorf("database URL %q: unsupported scheme %q (want postgres://, mysql://, sqlite: or file:)", Redact(raw), scheme)
	}
}

func parsePostgres(raw string) (Config, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return Config{}, fmt.Errorf("database URL %q: %w", Redact(raw), cleanURLError(err))
	}
	return Config{Dialect: Postgres, Driver: "pgx", DSN: raw, Redacted: u.Redacted()}, nil
}

func parseMySQL(raw string) (Config, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return Config{}, fmt.Errorf("database URL %q: %w", Redact(raw), cleanURLError(err))
	}
	cfg := mysql.NewConfig()
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	// Report rows matched, not rows changed, so that an UPDATE writing the
	// values a row already has still counts it (as PostgreSQL and SQLite do).
	cfg.ClientFoundRows = true
	if u.User != nil {
		cfg.User = u.User.Username()
		cfg.Passwd, _ = u.User.Password()
	}
	q := u.Query()
	if sock := q.Get("socket"); sock != "" {
		cfg.Net, cfg.Addr = "unix", sock
		q.Del("socket")
	} else {
		cfg.Net = "tcp"
		host, port := u.Hostname(), u.Port()
		if host == "" {
			host = "127.0.0.1"
		}
		if port == "" {
			port = "3306"
		}
		cfg.Addr = net.JoinHostPort(host, port)
	}
	cfg.DBName = strings.TrimPrefix(u.Path, "/")
	if len(q) > 0 {
		// Let the driver interpret the remaining parameters exactly as in its
		// own DSN format (parseTime, loc, tls, timeout, charset, ...).
		parsed, err := mysql.ParseDSN("/?" + q.Encode())
		if err != nil {
			return Config{}, fmt.Errorf("database URL %q: %w", u.Redacted(), err)
		}
		parsed.User, parsed.Passwd, parsed.Net, parsed.Addr, parsed.DBName = cfg.User, cfg.Passwd, cfg.Net, cfg.Addr, cfg.DBName
		if !q.Has("parseTime") {
			parsed.ParseTime = true
		}
		if !q.Has("loc") {
			parsed.Loc = time.UTC
		}
		if !q.Has("clientFoundRows") {
			parsed.ClientFoundRows = true
		}
		cfg = parsed
	}
	return Config{Dialect: MySQL, Driver: "mysql", DSN: cfg.FormatDSN(), Redacted: u.Redacted()}, nil
}

// order puts busy_timeout before every other pragma.
func order(pragma string) int {
	if pragma == "busy_timeout" {
		return 0
	}
	return 1
}

func parseSQLite(scheme, rest string) (Config, error) {
	path, query, _ := strings.Cut(rest, "?")
	path = strings.TrimPrefix(path, "//") // sqlite:///abs/file.db, sqlite://rel/file.db
	if path == "" {
		return Config{}, fmt.Errorf("database URL %q has no file path (want sqlite:path/to/file.db or sqlite::memory:)", scheme+":"+rest)
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return Config{}, fmt.Errorf("database URL %q: %w", scheme+":"+rest, err)
	}
	pragmaName := func(p string) string {
		name, _, _ := strings.Cut(p, "(")
		name, _, _ = strings.Cut(name, "=")
		return strings.ToLower(strings.TrimSpace(name))
	}
	set := map[string]bool{}
	for _, p := range q["_pragma"] {
		set[pragmaName(p)] = true
	}
	for _, d := range sqliteDefaults {
		if d.key == "journal_mode" && path == ":memory:" {
			continue
		}
		if !set[d.key] {
			q.Add("_pragma", d.pragma)
		}
	}
	pragmas := q["_pragma"]
	slices.SortStableFunc(pragmas, func(a, b string) int {
		return cmp.Compare(order(pragmaName(a)), order(pragmaName(b)))
	})
	if !q.Has("_txlock") {
		q.Set("_txlock", "immediate")
	}
	dsn := "file:" + path + "?" + q.Encode()
	return Config{Dialect: SQLite, Driver: "sqlite", DSN: dsn, Redacted: scheme + ":" + rest}, nil
}

// Open opens a *bun.DB for cfg. Like sql.Open it performs no I/O: the first
// round trip happens on first use. A SQLite :memory: database gets a pool
// of one connection (each connection would see a database of its own), so a
// caller holding that connection must not use the pool meanwhile.
func Open(cfg Config) (*bun.DB, error) {
	sqldb, err := sql.Open(cfg.Driver, cfg.DSN)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", cfg.Redacted, err)
	}
	switch cfg.Dialect {
	case Postgres:
		return bun.NewDB(sqldb, pgdialect.New()), nil
	case MySQL:
		return bun.NewDB(sqldb, &mysqlDialect{Dialect: mysqldialect.New()}), nil
	case SQLite:
		if strings.HasPrefix(cfg.DSN, "file::memory:") {
			// Every SQLite connection to :memory: opens a database of its
			// own: one connection keeps the pool on one database.
			sqldb.SetMaxOpenConns(1)
		}
		return bun.NewDB(sqldb, sqlitedialect.New()), nil
	default:
		return nil, errors.Join(fmt.Errorf("open %s: unknown dialect %q", cfg.Redacted, cfg.Dialect), sqldb.Close())
	}
}

// mysqlDialect is bun's MySQL dialect with its version probe deferred. bun
// runs the probe (SELECT version()) inside bun.NewDB: opening a URL would
// block, and hang on an unreachable host. Ready runs it on first use.
type mysqlDialect struct {
	*mysqldialect.Dialect
	ready atomic.Bool
	mu    sync.Mutex
}

// Init is called by bun.NewDB; the probe waits for Ready.
func (d *mysqlDialect) Init(*sql.DB) {}

// Ready completes dialect setup that needs the database, once it answers:
// bun's MySQL dialect learns the server version (MariaDB or MySQL 8 features
// such as RETURNING and CTEs). It is cheap after the first success and a
// no-op for other dialects.
func Ready(ctx context.Context, db *bun.DB) error {
	d, ok := db.Dialect().(*mysqlDialect)
	if !ok || d.ready.Load() {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ready.Load() {
		return nil
	}
	if err := db.PingContext(ctx); err != nil {
		return err
	}
	d.Dialect.Init(db.DB)
	d.ready.Store(true)
	return nil
}

// Redact hides the password of a URL-shaped string, also when it does not
// parse as a URL. It is meant for error messages.
func Redact(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	// Fall back to hiding everything between "://user:" and the last "@".
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return raw
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return raw
	}
	user, _, hasPass := strings.Cut(rest[:at], ":")
	if !hasPass {
		return raw
	}
	return scheme + "://" + user + ":xxxxx" + rest[at:]
}

// cleanURLError drops the URL (which may hold a password) from a url.Error.
func cleanURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
