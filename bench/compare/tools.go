package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"reflect"
	"sync/atomic"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/mysqldialect"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/migrate"
	"github.com/uptrace/bun/schema"
	gormmysql "gorm.io/driver/mysql"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	slipway "github.com/slipwaygo/slipway/schema"
)

// A tool brings the database behind one connection pool in line with a set
// of models, the way an application does at start.
type tool interface {
	// run migrates to the given models (nil pointers for bun, values for
	// GORM). It reports what the tool did when that is more than "applied".
	run(ctx context.Context, models []any) (note string, err error)
	// hooked returns how many statements the library's own hook mechanism
	// saw since the last call (bun QueryHook, GORM logger), and clears it.
	hooked() int
	close() error
}

type toolKind struct {
	name string // as printed
	key  string // as selected on the command line
	gorm bool   // takes GORM models
	// pgOnly: the tool supports PostgreSQL only (bun's AutoMigrator).
	pgOnly bool
	open   func(ctx context.Context, sqldb *sql.DB, be *backend) (tool, error)
}

// slipwayAllow is Slipway told to apply destructive changes, for the probe
// only: the deliberate run of `migrate --allow-data-loss`, not an
// application start.
var slipwayAllow = toolKind{name: "Slipway with `AllowDataLoss: true`", key: "slipway-allow",
	open: func(ctx context.Context, sqldb *sql.DB, be *backend) (tool, error) {
		t, err := openSlipway(ctx, sqldb, be)
		if err != nil {
			return nil, err
		}
		t.(*slipwayTool).allow = true
		return t, nil
	}}

var toolKinds = []toolKind{
	{name: "Slipway", key: "slipway", open: openSlipway},
	{name: "GORM AutoMigrate", key: "gorm", gorm: true, open: openGorm},
	{name: "bun AutoMigrator", key: "bun", pgOnly: true, open: openBunAuto},
	{name: "blind loop", key: "blind", open: openBlind},
}

// openPool opens a *sql.DB on dsn (pgx, go-sql-driver/mysql or the SQLite
// driver) whose statements are counted by c.
func openPool(ctx context.Context, be *backend, dsn string, c *counter) (*sql.DB, error) {
	base, err := be.connector(dsn)
	if err != nil {
		return nil, err
	}
	sqldb := sql.OpenDB(countingConnector{base: base, c: c})
	if err := sqldb.PingContext(ctx); err != nil {
		_ = sqldb.Close()
		return nil, err
	}
	return sqldb, nil
}

// bunHook counts the statements bun reports to query hooks, BEGIN and COMMIT
// included.
type bunHook struct{ n atomic.Int64 }

func (h *bunHook) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }
func (h *bunHook) AfterQuery(context.Context, *bun.QueryEvent)                        { h.n.Add(1) }

// --- Slipway ---

type slipwayTool struct {
	db    *bun.DB
	hook  *bunHook
	allow bool // MigrateOptions.AllowDataLoss
}

// bunDialect is the bun dialect for be. bun's MySQL dialect asks the server
// for its version (SELECT version()) when bun.NewDB attaches it, before the
// counting starts.
func bunDialect(be *backend) schema.Dialect {
	switch be {
	case mariaDB:
		return mysqldialect.New()
	case sqliteDB:
		return sqlitedialect.New()
	}
	return pgdialect.New()
}

func openSlipway(_ context.Context, sqldb *sql.DB, be *backend) (tool, error) {
	h := &bunHook{}
	db := bun.NewDB(sqldb, bunDialect(be)).WithQueryHook(h)
	return &slipwayTool{db: db, hook: h}, nil
}

func (t *slipwayTool) run(ctx context.Context, models []any) (string, error) {
	plan, err := slipway.NewMigrator(t.db, models...).Migrate(ctx, slipway.MigrateOptions{AllowDataLoss: t.allow})
	if err != nil {
		return "", err
	}
	if w := plan.Withheld(); len(w) > 0 {
		note := fmt.Sprintf("%d change(s) withheld:", len(w))
		for _, c := range w {
			note += " " + c.String() + ";"
		}
		return note, nil
	}
	return "", nil
}

func (t *slipwayTool) hooked() int  { return int(t.hook.n.Swap(0)) }
func (t *slipwayTool) close() error { return t.db.Close() }

// --- bun's AutoMigrator ---

type bunAutoTool struct {
	db         *bun.DB
	hook       *bunHook
	schemaName string
	dir        string // where AutoMigrator writes its migration files
}

func openBunAuto(_ context.Context, sqldb *sql.DB, be *backend) (tool, error) {
	h := &bunHook{}
	db := bun.NewDB(sqldb, bunDialect(be)).WithQueryHook(h)
	dir, err := os.MkdirTemp("", "bun-automigrate-")
	if err != nil {
		return nil, err
	}
	return &bunAutoTool{db: db, hook: h, schemaName: db.Dialect().DefaultSchema(), dir: dir}, nil
}

func (t *bunAutoTool) run(ctx context.Context, models []any) (string, error) {
	am, err := migrate.NewAutoMigrator(t.db,
		migrate.WithModel(models...),
		// AutoMigrator inspects the dialect's default schema ("public")
		// unless told otherwise; the models live in the run's own schema.
		migrate.WithSchemaName(t.schemaName),
		migrate.WithMigrationsDirectoryAuto(t.dir),
	)
	if err != nil {
		return "", err
	}
	group, err := am.Migrate(ctx)
	if err != nil {
		return "", err
	}
	if group.IsZero() {
		return "", nil
	}
	return fmt.Sprintf("applied migration group %d", group.ID), nil
}

func (t *bunAutoTool) hooked() int { return int(t.hook.n.Swap(0)) }
func (t *bunAutoTool) close() error {
	return errJoin(t.db.Close(), os.RemoveAll(t.dir))
}

// --- GORM ---

type gormTool struct {
	db  *gorm.DB
	log *countLogger
}

// openGorm opens GORM on the pool with the dialector for be. Opening asks
// the server for its version (SELECT VERSION() on MariaDB, sqlite_version()
// on SQLite), before the counting starts.
func openGorm(_ context.Context, sqldb *sql.DB, be *backend) (tool, error) {
	l := &countLogger{}
	var d gorm.Dialector
	switch be {
	case mariaDB:
		d = gormmysql.New(gormmysql.Config{Conn: sqldb})
	case sqliteDB:
		d = &sqlite.Dialector{Conn: sqldb}
	default:
		d = postgres.New(postgres.Config{Conn: sqldb})
	}
	db, err := gorm.Open(d, &gorm.Config{Logger: l, NamingStrategy: gormNamer{}})
	if err != nil {
		return nil, err
	}
	return &gormTool{db: db, log: l}, nil
}

func (t *gormTool) run(ctx context.Context, models []any) (string, error) {
	return "", t.db.WithContext(ctx).AutoMigrate(models...)
}

func (t *gormTool) hooked() int { return int(t.log.n.Swap(0)) }
func (t *gormTool) close() error {
	sqldb, err := t.db.DB()
	if err != nil {
		return err
	}
	return sqldb.Close()
}

// countLogger is a GORM logger that prints nothing and counts the
// statements GORM traces: every statement GORM's callbacks execute, which is
// how its migrator sends both DDL and inspection queries.
type countLogger struct{ n atomic.Int64 }

func (l *countLogger) LogMode(logger.LogLevel) logger.Interface { return l }
func (l *countLogger) Info(context.Context, string, ...any)     {}
func (l *countLogger) Warn(context.Context, string, ...any)     {}
func (l *countLogger) Error(context.Context, string, ...any)    {}
func (l *countLogger) Trace(context.Context, time.Time, func() (string, int64), error) {
	l.n.Add(1)
}

// --- the blind loop ---

// blindTool is what a service does without a migration tool: bun's CREATE
// TABLE IF NOT EXISTS for every model, with its foreign keys, then CREATE
// INDEX IF NOT EXISTS for each field tagged `slipway:"index"`, on every
// start. It builds the same tables, keys and indexes as Slipway on an empty
// database and detects nothing on an existing one (schema/bench_test.go's
// BenchmarkBlindLoop sends the CREATE TABLE only).
type blindTool struct {
	db   *bun.DB
	hook *bunHook
}

func openBlind(_ context.Context, sqldb *sql.DB, be *backend) (tool, error) {
	h := &bunHook{}
	return &blindTool{db: bun.NewDB(sqldb, bunDialect(be)).WithQueryHook(h), hook: h}, nil
}

func (t *blindTool) run(ctx context.Context, models []any) (string, error) {
	for _, m := range models {
		if _, err := t.db.NewCreateTable().Model(m).IfNotExists().WithForeignKeys().Exec(ctx); err != nil {
			return "", err
		}
		table := t.db.Table(reflect.TypeOf(m).Elem())
		for _, f := range table.Fields {
			if f.StructField.Tag.Get("slipway") != "index" {
				continue
			}
			_, err := t.db.NewCreateIndex().Model(m).IfNotExists().
				Index(table.Name + "_" + f.Name + "_idx").Column(f.Name).Exec(ctx)
			if err != nil {
				return "", err
			}
		}
	}
	return "", nil
}

func (t *blindTool) hooked() int  { return int(t.hook.n.Swap(0)) }
func (t *blindTool) close() error { return t.db.Close() }

// unsupported returns what the constructor of a PostgreSQL-only tool says on
// adm's database, in a fresh database of its own.
func unsupported(ctx context.Context, adm *admin, k toolKind) (string, error) {
	_, dsn, drop, err := adm.newDatabase(ctx, "cmp_"+k.key)
	if err != nil {
		return "", err
	}
	defer drop()
	sqldb, err := openPool(ctx, adm.be, dsn, &counter{tag: k.key})
	if err != nil {
		return "", err
	}
	db := bun.NewDB(sqldb, bunDialect(adm.be))
	defer db.Close()
	if _, err := migrate.NewAutoMigrator(db); err != nil {
		return err.Error(), nil
	}
	return "", fmt.Errorf("%s: migrate.NewAutoMigrator accepts %s: measure it (clear pgOnly)", k.key, adm.be.name)
}
