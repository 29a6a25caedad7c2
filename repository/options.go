package repository

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/uptrace/bun"

	"github.com/slipwaygo/slipway/internal/dburl"
)

// Option configures a SQL datasource when Open opens it: query hooks,
// verbose SQL, the connection pool and timeouts. Options are checked when
// the datasource is opened; a bad value fails Open naming the datasource.
type Option func(*options)

type options struct {
	hooks            []bun.QueryHook
	verbose          *slog.Logger
	pool             Pool
	connectTimeout   time.Duration
	statementTimeout time.Duration
}

// WithQueryHook adds bun query hooks to the datasource's *bun.DB, in
// order: bun's bundebug, OpenTelemetry through bunotel (see the tracing
// package), or your own. Each hook sees every statement run through the
// *bun.DB: queries, commands and migrations.
func WithQueryHook(hooks ...bun.QueryHook) Option {
	return func(o *options) { o.hooks = append(o.hooks, hooks...) }
}

// WithVerboseSQL logs every statement the datasource runs, with its
// duration and error, to log at Info ("sql", with datasource, query, took
// and err); nil logs to slog.Default(). sql.ErrNoRows is not logged as an
// error. The statement is logged with its arguments in it: use it while
// developing, not on data that must stay private.
func WithVerboseSQL(log *slog.Logger) Option {
	return func(o *options) {
		if log == nil {
			log = slog.Default()
		}
		o.verbose = log
	}
}

// Pool sets database/sql's connection pool (see sql.DB's SetMaxOpenConns
// and friends). A zero field keeps database/sql's default: no limit on
// open connections, two idle ones, no lifetime limits.
type Pool struct {
	MaxOpenConns    int           // most connections open at once; 0 = no limit
	MaxIdleConns    int           // most idle connections kept; 0 = database/sql's default (2)
	ConnMaxLifetime time.Duration // close connections older than this; 0 = never
	ConnMaxIdleTime time.Duration // close connections idle longer than this; 0 = never
}

// WithPool sets the datasource's connection pool. Negative values fail
// Open. A SQLite :memory: database keeps its single connection: a
// MaxOpenConns above one fails Open, since each connection would see a
// database of its own.
func WithPool(p Pool) Option {
	return func(o *options) { o.pool = p }
}

// WithConnectTimeout bounds connecting to a PostgreSQL or MySQL server
// (dial, TLS and handshake), so that an unreachable host fails the first
// round trip (Start's ping) in one line instead of hanging. The default is
// 5 s; a timeout the URL sets itself (PostgreSQL's connect_timeout=,
// MySQL's timeout=) wins over both. SQLite ignores it.
func WithConnectTimeout(d time.Duration) Option {
	return func(o *options) { o.connectTimeout = d }
}

// WithStatementTimeout makes the server cancel any statement that runs
// longer than d: PostgreSQL's statement_timeout and MariaDB's
// max_statement_time, set on every connection. It is off by default. It
// applies to migrations too: set it above your longest migration, or
// migrate through a datasource without it. MySQL (not MariaDB) has no such
// setting for every statement and refuses the connection; SQLite has none
// and fails Open: bound those with a context instead.
func WithStatementTimeout(d time.Duration) Option {
	return func(o *options) { o.statementTimeout = d }
}

// check validates the options for a database of cfg's dialect.
func (o *options) check(cfg dburl.Config) error {
	switch {
	case o.pool.MaxOpenConns < 0, o.pool.MaxIdleConns < 0, o.pool.ConnMaxLifetime < 0, o.pool.ConnMaxIdleTime < 0:
		return fmt.Errorf("pool %+v: want no negative value", o.pool)
	case o.connectTimeout < 0:
		return fmt.Errorf("connect timeout %s: want 0 (the default) or more", o.connectTimeout)
	case o.statementTimeout < 0:
		return fmt.Errorf("statement timeout %s: want 0 (none) or more", o.statementTimeout)
	case o.statementTimeout > 0 && cfg.Dialect == dburl.SQLite:
		return errors.New("SQLite has no statement timeout (bound queries with a context instead)")
	case o.pool.MaxOpenConns > 1 && cfg.Memory():
		return fmt.Errorf("pool: MaxOpenConns %d: a SQLite :memory: database has one connection (each would see a database of its own)", o.pool.MaxOpenConns)
	}
	return nil
}

// applyPool sets the pool limits that were given.
func (o *options) applyPool(db *sql.DB) {
	if o.pool.MaxOpenConns > 0 {
		db.SetMaxOpenConns(o.pool.MaxOpenConns)
	}
	if o.pool.MaxIdleConns > 0 {
		db.SetMaxIdleConns(o.pool.MaxIdleConns)
	}
	if o.pool.ConnMaxLifetime > 0 {
		db.SetConnMaxLifetime(o.pool.ConnMaxLifetime)
	}
	if o.pool.ConnMaxIdleTime > 0 {
		db.SetConnMaxIdleTime(o.pool.ConnMaxIdleTime)
	}
}

// sqlLog is the query hook of WithVerboseSQL.
type sqlLog struct{ log *slog.Logger }

var _ bun.QueryHook = sqlLog{}

func (h sqlLog) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }

func (h sqlLog) AfterQuery(ctx context.Context, e *bun.QueryEvent) {
	attrs := []slog.Attr{slog.String("query", e.Query), slog.Duration("took", time.Since(e.StartTime))}
	if e.Err != nil && !errors.Is(e.Err, sql.ErrNoRows) {
		attrs = append(attrs, slog.String("err", e.Err.Error()))
	}
	h.log.LogAttrs(ctx, slog.LevelInfo, "sql", attrs...)
}
