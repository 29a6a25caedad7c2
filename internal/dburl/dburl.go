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
// It imports no database driver: the packages under driver/ register one
// each (see Register), and a program links only those it imports.
package dburl

import (
	"cmp"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
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
	// ConnectTimeout bounds connecting to a server (dial, TLS and
	// handshake); zero means DefaultConnectTimeout. A timeout the URL sets
	// itself (PostgreSQL's connect_timeout=, MySQL's timeout=) wins over it:
	// then URLConnectTimeout is true.
	ConnectTimeout    time.Duration
	URLConnectTimeout bool
	// StatementTimeout, when positive, is the server-side limit on each
	// statement (PostgreSQL's statement_timeout, MariaDB's
	// max_statement_time); SQLite has none.
	StatementTimeout time.Duration
}

// DefaultConnectTimeout bounds connecting to a PostgreSQL or MySQL server
// unless the URL or the datasource says otherwise: a host that does not
// answer fails the first round trip within seconds, in one line.
const DefaultConnectTimeout = 5 * time.Second

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
	var dialect string
	switch strings.ToLower(scheme) {
	case "postgres", "postgresql":
		dialect = Postgres
	case "mysql", "mariadb":
		dialect = MySQL
	case "sqlite", "sqlite3", "file":
		dialect = SQLite
	default:
		return Config{}, fmt.Errorf("database URL %q: unsupported scheme %q (want postgres://, mysql://, sqlite: or file:)", Redact(raw), scheme)
	}
	d, err := lookup(dialect, raw)
	if err != nil {
		return Config{}, err
	}
	switch {
	case d.Parse != nil:
		return d.Parse(raw)
	case dialect == Postgres:
		return parsePostgres(raw)
	case dialect == SQLite:
		return parseSQLite(scheme, rest)
	default:
		return Config{}, fmt.Errorf("database URL %q: the %s driver cannot parse URLs", Redact(raw), dialect)
	}
}

func parsePostgres(raw string) (Config, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return Config{}, fmt.Errorf("database URL %q: %w", Redact(raw), CleanURLError(err))
	}
	return Config{Dialect: Postgres, Driver: "pgx", DSN: raw, Redacted: Redact(raw), URLConnectTimeout: u.Query().Has("connect_timeout")}, nil
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

// CleanURLError drops the URL (which may hold a password) from a url.Error.
func CleanURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
