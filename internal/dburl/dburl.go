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
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
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
	// DSN is the driver DSN; it may hold a password: never print it. Open
	// it with Open: for SQLite, Open also sets JournalMode.
	DSN string
	// Redacted is the URL with its password and the values of its secret
	// query parameters replaced by "xxxxx" (see Redact); safe to print.
	Redacted string
	// JournalMode is the SQLite journal mode Open sets on every new
	// connection ("" leaves it as it is), retrying for up to BusyTimeout
	// while other connections hold the database busy. It is not in DSN.
	JournalMode string
	// BusyTimeout is the SQLite busy_timeout every connection gets.
	BusyTimeout time.Duration
}

// sqliteDefaults are the connection settings every SQLite URL gets unless
// the URL sets them itself: foreign keys enforced, a five second busy
// timeout, write-ahead logging (sqliteDefaultJournal, not for :memory:) and
// BEGIN IMMEDIATE for transactions (_txlock), so that a transaction takes
// the write lock when it begins instead of failing to upgrade its read
// lock later. The driver runs each _pragma on every connection it opens,
// busy_timeout first.
var sqliteDefaults = []struct{ key, pragma string }{
	{"busy_timeout", "busy_timeout(5000)"},
	{"foreign_keys", "foreign_keys(1)"},
}

const (
	sqliteDefaultJournal = "WAL"
	sqliteDefaultBusy    = 5 * time.Second
)

// Parse parses a database URL. It does no I/O. The error names the bad part
// of the URL and never contains the password or another secret (see Redact).
func Parse(raw string) (Config, error) {
	scheme, rest, ok := strings.Cut(raw, ":")
	if !ok || scheme == "" || strings.ContainsAny(scheme, " =") {
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
	if _, err := url.Parse(raw); err != nil {
		return Config{}, fmt.Errorf("database URL %q: %w", Redact(raw), cleanURLError(err))
	}
	return Config{Dialect: Postgres, Driver: "pgx", DSN: raw, Redacted: Redact(raw)}, nil
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
	// ?password= is the password, as pgx reads PostgreSQL URLs: the
	// driver would send it to the server as a session variable.
	if q.Has("password") {
		if _, ok := u.User.Password(); ok {
			return Config{}, fmt.Errorf("database URL %q: the password is set twice, in the user info and as ?password= (keep one)", Redact(raw))
		}
		cfg.Passwd = q.Get("password")
		q.Del("password")
	}
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
			return Config{}, fmt.Errorf("database URL %q: %w", Redact(raw), err)
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
	if !q.Has("timeout") {
		cfg.Timeout = mysqlConnectTimeout
	}
	return Config{Dialect: MySQL, Driver: "mysql", DSN: cfg.FormatDSN(), Redacted: Redact(raw)}, nil
}

// order puts busy_timeout before every other pragma.
func order(pragma string) int {
	if pragma == "busy_timeout" {
		return 0
	}
	return 1
}

// splitPragma splits a _pragma value, name(value) or name=value, into its
// lower-case name and its value; ok is false when a parenthesis is not
// closed at the end.
func splitPragma(p string) (name, value string, ok bool) {
	i := strings.IndexAny(p, "(=")
	if i < 0 {
		return strings.ToLower(strings.TrimSpace(p)), "", true
	}
	name, value = strings.ToLower(strings.TrimSpace(p[:i])), strings.TrimSpace(p[i+1:])
	if p[i] == '(' {
		if !strings.HasSuffix(value, ")") {
			return name, value, false
		}
		value = strings.TrimSpace(strings.TrimSuffix(value, ")"))
	}
	return name, value, true
}

// checkPragma checks the value of a pragma Slipway sets itself, and
// returns what it wants instead when the value is not one SQLite takes.
// Other pragmas are SQLite's to check.
func checkPragma(name, value string, ok bool) (want string) {
	switch name {
	case "busy_timeout":
		if ms, err := strconv.ParseInt(value, 10, 32); !ok || err != nil || ms < 0 {
			return "want a number of milliseconds, 0 or more, such as busy_timeout(5000)"
		}
	case "journal_mode":
		if !ok || !slices.Contains([]string{"delete", "truncate", "persist", "memory", "wal", "off"}, strings.ToLower(value)) {
			return "want one of delete, truncate, persist, memory, wal, off"
		}
	case "foreign_keys":
		if !ok || !slices.Contains([]string{"on", "off", "1", "0", "true", "false", "yes", "no"}, strings.ToLower(value)) {
			return "want on, off, 1, 0, true or false"
		}
	}
	return ""
}

func parseSQLite(scheme, rest string) (Config, error) {
	shown, _ := redactSQLite(scheme + ":" + rest)
	path, query, _ := strings.Cut(rest, "?")
	path = strings.TrimPrefix(path, "//") // sqlite:///abs/file.db, sqlite://rel/file.db
	if path == "" {
		return Config{}, fmt.Errorf("database URL %q has no file path (want sqlite:path/to/file.db or sqlite::memory:)", shown)
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return Config{}, fmt.Errorf("database URL %q: %w", shown, err)
	}
	cfg := Config{Dialect: SQLite, Driver: "sqlite", Redacted: shown, BusyTimeout: sqliteDefaultBusy}
	if path != ":memory:" {
		cfg.JournalMode = sqliteDefaultJournal
	}
	set := map[string]bool{}
	var pragmas []string
	for _, p := range q["_pragma"] {
		name, value, ok := splitPragma(p)
		if want := checkPragma(name, value, ok); want != "" {
			return Config{}, fmt.Errorf("database URL %q: _pragma %q: %s", shown, p, want)
		}
		set[name] = true
		switch name {
		case "journal_mode":
			cfg.JournalMode = value // set by Open, not by the driver
			continue
		case "busy_timeout":
			ms, _ := strconv.Atoi(value) // checked above
			cfg.BusyTimeout = time.Duration(ms) * time.Millisecond
		}
		pragmas = append(pragmas, p)
	}
	for _, d := range sqliteDefaults {
		if !set[d.key] {
			pragmas = append(pragmas, d.pragma)
		}
	}
	slices.SortStableFunc(pragmas, func(a, b string) int {
		na, _, _ := splitPragma(a)
		nb, _, _ := splitPragma(b)
		return cmp.Compare(order(na), order(nb))
	})
	q["_pragma"] = pragmas
	if !q.Has("_txlock") {
		q.Set("_txlock", "immediate")
	} else if lock := q.Get("_txlock"); !slices.Contains([]string{"deferred", "immediate", "exclusive"}, strings.ToLower(lock)) {
		return Config{}, fmt.Errorf("database URL %q: _txlock %q: want deferred, immediate or exclusive", shown, lock)
	}
	cfg.DSN = "file:" + path + "?" + q.Encode()
	return cfg, nil
}

// Open opens a *bun.DB for cfg. Like sql.Open it performs no I/O: the first
// round trip happens on first use. A SQLite :memory: database gets a pool
// of one connection (each connection would see a database of its own), so a
// caller holding that connection must not use the pool meanwhile.
func Open(cfg Config) (*bun.DB, error) {
	var sqldb *sql.DB
	switch cfg.Dialect {
	case SQLite:
		if err := registerSQLiteFunctions(); err != nil {
			return nil, fmt.Errorf("open %s: %w", cfg.Redacted, err)
		}
		sqldb = sql.OpenDB(&sqliteConnector{driver: sqliteDriver(), cfg: cfg})
	case MySQL:
		mc, err := mysql.ParseDSN(cfg.DSN)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", cfg.Redacted, err)
		}
		sqldb = sql.OpenDB(&mysqlConnector{cfg: mc})
	default:
		var err error
		if sqldb, err = sql.Open(cfg.Driver, cfg.DSN); err != nil {
			return nil, fmt.Errorf("open %s: %w", cfg.Redacted, err)
		}
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

// sqliteDriver is the driver modernc.org/sqlite registers as "sqlite",
// with the functions and collations registered on it.
func sqliteDriver() driver.Driver {
	db, _ := sql.Open("sqlite", "") // no I/O; sql.Open fails only for an unknown driver
	defer db.Close()
	return db.Driver()
}

// sqliteConnector opens SQLite connections and sets each one's journal
// mode itself rather than through a _pragma of the DSN.
//
// Switching a database to WAL takes an exclusive lock for a moment, and
// SQLite does not call the busy handler while it waits for that lock: a
// connection opened while others open the same new file (replicas starting
// together) gets SQLITE_BUSY at once, whatever busy_timeout says, and the
// driver would fail the connection. Here the pragma is retried with a short
// backoff for up to busy_timeout. Doing it on every connection, not once
// per database, keeps every connection right whoever opened the file
// first; once a file is in WAL mode (it stays so: the mode is stored in the
// file), setting WAL again is a no-op.
type sqliteConnector struct {
	driver driver.Driver
	cfg    Config
}

// Connect opens a connection and sets its journal mode.
func (c *sqliteConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.driver.Open(c.cfg.DSN)
	if err != nil {
		return nil, explainCantOpen(c.cfg.DSN, err)
	}
	if c.cfg.JournalMode == "" {
		return conn, nil
	}
	if err := setJournalMode(ctx, conn, c.cfg.JournalMode, c.cfg.BusyTimeout); err != nil {
		return nil, errors.Join(err, conn.Close())
	}
	return conn, nil
}

// Driver returns the SQLite driver.
func (c *sqliteConnector) Driver() driver.Driver { return c.driver }

// explainCantOpen rewords SQLite's SQLITE_CANTOPEN, which says "out of
// memory (14)" for a file in a directory that does not exist, naming the
// file and, when a directory is missing or a file stands in the way, that.
func explainCantOpen(dsn string, err error) error {
	var coded interface{ Code() int }
	if !errors.As(err, &coded) || coded.Code()&0xff != 14 { // SQLITE_CANTOPEN
		return err
	}
	path, _, _ := strings.Cut(strings.TrimPrefix(dsn, "file:"), "?")
	if p, perr := url.PathUnescape(path); perr == nil {
		path = p
	}
	what := fmt.Sprintf("cannot open SQLite database %q", path)
	// Up from the file's directory to the first that exists.
	for dir := filepath.Dir(path); ; dir = filepath.Dir(dir) {
		fi, serr := os.Stat(dir)
		switch {
		case serr == nil && !fi.IsDir():
			return &explainedError{msg: fmt.Sprintf("%s: %q is not a directory", what, dir), err: err}
		case serr == nil && dir != filepath.Dir(path):
			return &explainedError{msg: fmt.Sprintf("%s: directory %q does not exist (create it first)", what, filepath.Dir(path)), err: err}
		case serr == nil:
			return &explainedError{msg: fmt.Sprintf("%s: SQLite cannot open the file (check that it and directory %q are readable and writable)", what, dir), err: err}
		case !errors.Is(serr, fs.ErrNotExist) && !errors.Is(serr, syscall.ENOTDIR), dir == filepath.Dir(dir):
			return &explainedError{msg: fmt.Sprintf("%s: %v", what, serr), err: err}
		}
	}
}

// sqliteJournalBackoff bounds the pause between two attempts to set the
// journal mode.
const sqliteJournalBackoff = 50 * time.Millisecond

// setJournalMode runs PRAGMA journal_mode on conn, retrying while the
// database is busy, for up to busy (or until ctx ends).
func setJournalMode(ctx context.Context, conn driver.Conn, mode string, busy time.Duration) error {
	execer, ok := conn.(driver.ExecerContext)
	if !ok {
		return fmt.Errorf("set journal_mode: %T cannot execute statements", conn)
	}
	deadline := time.Now().Add(busy)
	pause := time.Millisecond
	for {
		_, err := execer.ExecContext(ctx, "PRAGMA journal_mode = "+mode, nil)
		if err == nil {
			return nil
		}
		if !sqliteBusy(err) || !time.Now().Before(deadline) {
			return fmt.Errorf("set journal_mode %s: %w", mode, err)
		}
		timer := time.NewTimer(min(pause, time.Until(deadline)))
		select {
		case <-ctx.Done():
			timer.Stop()
			return fmt.Errorf("set journal_mode %s: %w (%w)", mode, err, ctx.Err())
		case <-timer.C:
		}
		pause = min(2*pause, sqliteJournalBackoff)
	}
}

// sqliteBusy reports SQLITE_BUSY (any extended code) from the driver.
func sqliteBusy(err error) bool {
	var coded interface{ Code() int }
	return errors.As(err, &coded) && coded.Code()&0xff == 5 // SQLITE_BUSY
}

// explainedError is a driver's error reworded to say what went wrong and
// what to do; its chain is the driver's error (nil when the wording says
// it all).
type explainedError struct {
	msg string
	err error
}

func (e *explainedError) Error() string { return e.msg }
func (e *explainedError) Unwrap() error { return e.err }

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

// cleanURLError drops the URL (which may hold a password) from a url.Error.
func cleanURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
