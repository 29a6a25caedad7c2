// Package mysql links the MySQL and MariaDB driver (go-sql-driver/mysql)
// into a program, for mysql:// and mariadb:// database URLs. Import it for
// its side effect, as database/sql drivers are imported:
//
//	import _ "github.com/slipwaygo/slipway/driver/mysql"
//
// A program that opens a MySQL URL without it gets an error naming this
// import. Connecting (dial and handshake) gives up after 5 s unless the URL
// sets timeout= or the datasource sets repository.WithConnectTimeout, and a
// failure says which address and why in one line.
package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/uptrace/bun/dialect/mysqldialect"
	bunschema "github.com/uptrace/bun/schema"

	"github.com/slipwaygo/slipway/internal/dburl"
)

func init() {
	dburl.Register(dburl.MySQL, dburl.Driver{
		Import:   "github.com/slipwaygo/slipway/driver/mysql",
		Parse:    parse,
		Open:     open,
		Classify: classify,
	})
}

func open(cfg dburl.Config) (*sql.DB, bunschema.Dialect, error) {
	mc, err := mysql.ParseDSN(cfg.DSN)
	if err != nil {
		return nil, nil, err
	}
	if !cfg.URLConnectTimeout && cfg.ConnectTimeout > 0 {
		mc.Timeout = cfg.ConnectTimeout
	}
	if cfg.StatementTimeout > 0 {
		if mc.Params == nil {
			mc.Params = map[string]string{}
		}
		// MariaDB's limit, in seconds. MySQL has no such variable and
		// refuses the connection: there, leave the datasource's statement
		// timeout unset and put max_execution_time= (milliseconds, SELECT
		// only) in the URL.
		mc.Params["max_statement_time"] = strconv.FormatFloat(cfg.StatementTimeout.Seconds(), 'f', -1, 64)
	}
	return sql.OpenDB(&connector{cfg: mc}), &dialect{Dialect: mysqldialect.New()}, nil
}

func classify(err error) dburl.Refusal {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return dburl.MySQLRefusal(me.Number)
	}
	return ""
}

// dialect is bun's MySQL dialect with its version probe deferred. bun
// runs the probe (SELECT version()) inside bun.NewDB: opening a URL would
// block, and hang on an unreachable host. Ready runs it on first use.
type dialect struct {
	*mysqldialect.Dialect
	ready atomic.Bool
	mu    sync.Mutex
}

var _ dburl.Readier = (*dialect)(nil)

// Init is called by bun.NewDB; the probe waits for Ready.
func (d *dialect) Init(*sql.DB) {}

// Ready learns the server version (MariaDB or MySQL 8 features such as
// RETURNING and CTEs) once the database answers; it is cheap after the
// first success.
func (d *dialect) Ready(ctx context.Context, db *sql.DB) error {
	if d.ready.Load() {
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
	d.Dialect.Init(db)
	d.ready.Store(true)
	return nil
}

// parse turns a mysql:// URL into the driver's DSN, without I/O.
func parse(raw string) (dburl.Config, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return dburl.Config{}, fmt.Errorf("database URL %q: %w", dburl.Redact(raw), dburl.CleanURLError(err))
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
			return dburl.Config{}, fmt.Errorf("database URL %q: the password is set twice, in the user info and as ?password= (keep one)", dburl.Redact(raw))
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
			return dburl.Config{}, fmt.Errorf("database URL %q: %w", dburl.Redact(raw), err)
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
		cfg.Timeout = dburl.DefaultConnectTimeout
	}
	return dburl.Config{Dialect: dburl.MySQL, Driver: "mysql", DSN: cfg.FormatDSN(), Redacted: dburl.Redact(raw), URLConnectTimeout: q.Has("timeout")}, nil
}
