package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"fmt"
	"log"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/glebarez/go-sqlite" // registers the "sqlite" driver
	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// A backend is one kind of database the tools are compared on.
type backend struct {
	key     string // as selected with -db
	name    string // as printed
	env     string // the variable holding the server's URL; empty for SQLite
	example string // an example of that URL
	catalog string // where what a run created is read from, as printed
	bunAuto bool   // bun's AutoMigrator supports it
}

var (
	postgresDB = &backend{key: "postgres", name: "PostgreSQL", env: "SLIPWAY_TEST_POSTGRES_DSN",
		example: "postgres://postgres@127.0.0.1:5432/slipway_test?sslmode=disable",
		catalog: "pg_catalog", bunAuto: true}
	mariaDB = &backend{key: "mariadb", name: "MariaDB", env: "SLIPWAY_TEST_MYSQL_DSN",
		example: "mysql://root@127.0.0.1:3306/slipway_test",
		catalog: "information_schema"}
	sqliteDB = &backend{key: "sqlite", name: "SQLite",
		catalog: "sqlite_master and pragma_index_list, pragma_foreign_key_list"}
)

var backends = []*backend{postgresDB, mariaDB, sqliteDB}

func (b *backend) is(other *backend) bool { return b == other }

// sqliteDriver is the "sqlite" driver registered by github.com/glebarez/go-sqlite.
//
// The program uses one SQLite driver for both tools. GORM's pure-Go SQLite
// dialector, github.com/glebarez/sqlite, imports github.com/glebarez/go-sqlite,
// a fork of the driver package of modernc.org/sqlite that registers itself
// under the same name, "sqlite", as modernc.org/sqlite does: the two driver
// packages cannot be linked into one program (database/sql panics on the
// second registration). Both run modernc.org/sqlite/lib, the transpiled SQLite
// library, at the version the module graph selects (Slipway's).
var sqliteDriver = func() driver.Driver {
	db, err := sql.Open("sqlite", "") // no I/O: only the driver is wanted
	if err != nil {
		panic(err)
	}
	defer db.Close()
	return db.Driver()
}()

// sqlitePragmas are the connection settings internal/dburl gives every
// sqlite: URL (WAL, foreign keys enforced, a five second busy timeout,
// BEGIN IMMEDIATE). Both tools get them: the comparison is of migrators on
// the same connection pool, not of connection settings.
const sqlitePragmas = "_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=busy_timeout(5000)&_txlock=immediate"

// connector returns a driver.Connector for dsn: a postgres:// URL or
// keyword/value DSN, a mysql:// URL, or a SQLite file path.
func (b *backend) connector(dsn string) (driver.Connector, error) {
	switch b {
	case postgresDB:
		cfg, err := pgx.ParseConfig(dsn)
		if err != nil {
			return nil, err
		}
		return stdlib.GetConnector(*cfg), nil
	case mariaDB:
		cfg, err := mysqlConfig(dsn)
		if err != nil {
			return nil, err
		}
		return mysql.NewConnector(cfg)
	default:
		return dsnConnector{drv: sqliteDriver, dsn: "file:" + dsn + "?" + sqlitePragmas}, nil
	}
}

// dsnConnector opens connections of a driver without a driver.Connector of
// its own.
type dsnConnector struct {
	drv driver.Driver
	dsn string
}

func (c dsnConnector) Connect(context.Context) (driver.Conn, error) { return c.drv.Open(c.dsn) }
func (c dsnConnector) Driver() driver.Driver                        { return c.drv }

// mysqlConfig reads a mysql:// URL as Slipway's internal/dburl does: parseTime
// on, times in UTC, clientFoundRows on, the query parameters interpreted by
// the driver as in its own DSN format. (internal/dburl itself cannot be
// imported here: it links modernc.org/sqlite, see sqliteDriver.)
func mysqlConfig(raw string) (*mysql.Config, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "mysql" && u.Scheme != "mariadb" {
		return nil, fmt.Errorf("%s: want a mysql:// URL", u.Redacted())
	}
	cfg := mysql.NewConfig()
	q := u.Query()
	if len(q) > 0 {
		if cfg, err = mysql.ParseDSN("/?" + q.Encode()); err != nil {
			return nil, fmt.Errorf("%s: %w", u.Redacted(), err)
		}
	}
	if u.User != nil {
		cfg.User = u.User.Username()
		cfg.Passwd, _ = u.User.Password()
	}
	host, port := u.Hostname(), u.Port()
	if host == "" {
		host = "127.0.0.1"
	}
	if port == "" {
		port = "3306"
	}
	cfg.Net, cfg.Addr = "tcp", net.JoinHostPort(host, port)
	cfg.DBName = strings.TrimPrefix(u.Path, "/")
	if !q.Has("parseTime") {
		cfg.ParseTime = true
	}
	if !q.Has("loc") {
		cfg.Loc = time.UTC
	}
	if !q.Has("clientFoundRows") {
		cfg.ClientFoundRows = true
	}
	return cfg, nil
}

// admin creates, inspects and drops the databases the tools work in: over a
// plain connection to the server, or, for SQLite, as files in a temporary
// directory.
type admin struct {
	be      *backend
	db      *sql.DB // the server connection; nil for SQLite
	dsn     string  // the server's URL; the directory for SQLite
	version string
}

func newAdmin(ctx context.Context, be *backend) (*admin, error) {
	a := &admin{be: be}
	if be.is(sqliteDB) {
		dir, err := os.MkdirTemp("", "slipway-compare-")
		if err != nil {
			return nil, err
		}
		a.dsn = dir
		err = query(ctx, be, filepath.Join(dir, "version.db"), func(db *sql.DB) error {
			return db.QueryRowContext(ctx, "SELECT sqlite_version()").Scan(&a.version)
		})
		if err != nil {
			return nil, errJoin(err, os.RemoveAll(dir))
		}
		return a, nil
	}

	a.dsn = os.Getenv(be.env)
	if a.dsn == "" {
		return nil, fmt.Errorf("%s is not set (e.g. %s); leave %s out with -db", be.env, be.example, be.key)
	}
	server := a.dsn
	if be.is(mariaDB) {
		// The admin connection names no database: the URL's need not exist.
		u, err := url.Parse(a.dsn)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", be.env, err)
		}
		u.Path = "/"
		server = u.String()
	}
	c, err := be.connector(server)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", be.env, err)
	}
	a.db = sql.OpenDB(c)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := a.db.PingContext(pctx); err != nil {
		return nil, errJoin(fmt.Errorf("%s: %w", be.env, err), a.db.Close())
	}
	v := "SHOW server_version"
	if be.is(mariaDB) {
		v = "SELECT version()"
	}
	if err := a.db.QueryRowContext(ctx, v).Scan(&a.version); err != nil {
		return nil, errJoin(err, a.db.Close())
	}
	return a, nil
}

func (a *admin) close() error {
	if a.db == nil {
		return os.RemoveAll(a.dsn)
	}
	return a.db.Close()
}

// newDatabase creates a fresh database and returns its name, a DSN for it
// and a function that drops it. Each run works in a database of its own: on
// PostgreSQL in its public schema, since bun's AutoMigrator only migrates
// models whose schema is the one it inspects, and bun gives models without a
// schema "public", so a search_path schema per run would leave it nothing to
// do; on MariaDB in a database (a schema) of its own; on SQLite in a file of
// its own.
func (a *admin) newDatabase(ctx context.Context, prefix string) (name, dsn string, drop func(), err error) {
	var b [4]byte
	_, _ = rand.Read(b[:])
	name = prefix + "_" + hex.EncodeToString(b[:])
	switch a.be {
	case sqliteDB:
		path := filepath.Join(a.dsn, name+".db")
		drop = func() {
			for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
				if err := os.Remove(path + suffix); err != nil && !os.IsNotExist(err) {
					log.Printf("removing %s: %v", path+suffix, err)
				}
			}
		}
		return name, path, drop, nil
	case mariaDB:
		if _, err := a.db.ExecContext(ctx, "CREATE DATABASE `"+name+"`"); err != nil {
			return "", "", nil, err
		}
		drop = func() {
			if _, err := a.db.ExecContext(context.Background(), "DROP DATABASE IF EXISTS `"+name+"`"); err != nil {
				log.Printf("dropping database %s: %v", name, err)
			}
		}
		u, err := url.Parse(a.dsn)
		if err != nil {
			drop()
			return "", "", nil, err
		}
		u.Path = "/" + name
		return name, u.String(), drop, nil
	}
	if _, err := a.db.ExecContext(ctx, `CREATE DATABASE "`+name+`"`); err != nil {
		return "", "", nil, err
	}
	drop = func() {
		if _, err := a.db.ExecContext(context.Background(), `DROP DATABASE IF EXISTS "`+name+`" WITH (FORCE)`); err != nil {
			log.Printf("dropping database %s: %v", name, err)
		}
	}
	u, perr := url.Parse(a.dsn)
	if perr != nil || u.Scheme == "" {
		return name, a.dsn + " dbname=" + name, drop, nil // keyword/value DSN
	}
	u.Path = "/" + name
	return name, u.String(), drop, nil
}

// query opens a plain connection to dsn for fn: the catalog of a database
// can only be read from inside it.
func query(ctx context.Context, be *backend, dsn string, fn func(*sql.DB) error) error {
	c, err := be.connector(dsn)
	if err != nil {
		return err
	}
	db := sql.OpenDB(c)
	return errJoin(fn(db), db.Close())
}

// objects counts what a run created in a database.
type objects struct {
	tables, other, uniques, indexes, fks int
}

func countObjects(ctx context.Context, be *backend, dsn string) (objects, error) {
	var o objects
	err := query(ctx, be, dsn, func(db *sql.DB) error {
		switch be {
		case mariaDB:
			// Each view filtered on its schema column with a constant, so
			// that MariaDB opens the tables of this database only.
			var name string
			if err := db.QueryRowContext(ctx, "SELECT DATABASE()").Scan(&name); err != nil {
				return err
			}
			return db.QueryRowContext(ctx, `
SELECT
  (SELECT count(*) FROM information_schema.TABLES
    WHERE TABLE_SCHEMA = ? AND TABLE_NAME LIKE 'bench\_%'),
  (SELECT count(*) FROM information_schema.TABLES
    WHERE TABLE_SCHEMA = ? AND TABLE_NAME NOT LIKE 'bench\_%'),
  (SELECT count(*) FROM information_schema.TABLE_CONSTRAINTS
    WHERE CONSTRAINT_SCHEMA = ? AND CONSTRAINT_TYPE = 'UNIQUE'),
  (SELECT count(DISTINCT TABLE_NAME, INDEX_NAME) FROM information_schema.STATISTICS
    WHERE TABLE_SCHEMA = ? AND NON_UNIQUE = 1),
  (SELECT count(*) FROM information_schema.TABLE_CONSTRAINTS
    WHERE CONSTRAINT_SCHEMA = ? AND CONSTRAINT_TYPE = 'FOREIGN KEY')`,
				name, name, name, name, name).
				Scan(&o.tables, &o.other, &o.uniques, &o.indexes, &o.fks)
		case sqliteDB:
			// Unique: UNIQUE constraints and unique indexes alike (SQLite
			// keeps both as unique indexes), the primary key not included.
			// Internal tables (sqlite_sequence) are not counted.
			return db.QueryRowContext(ctx, `
SELECT
  (SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name LIKE 'bench\_%' ESCAPE '\'),
  (SELECT count(*) FROM sqlite_master WHERE type = 'table'
    AND name NOT LIKE 'bench\_%' ESCAPE '\' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'),
  (SELECT count(*) FROM sqlite_master m, pragma_index_list(m.name) i
    WHERE m.type = 'table' AND i."unique" AND i.origin <> 'pk'),
  (SELECT count(*) FROM sqlite_master m, pragma_index_list(m.name) i
    WHERE m.type = 'table' AND NOT i."unique"),
  (SELECT count(*) FROM sqlite_master m, pragma_foreign_key_list(m.name) f
    WHERE m.type = 'table' AND f.seq = 0)`).
				Scan(&o.tables, &o.other, &o.uniques, &o.indexes, &o.fks)
		}
		return db.QueryRowContext(ctx, `
SELECT
  (SELECT count(*) FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
    WHERE s.nspname = $1 AND c.relkind = 'r' AND c.relname LIKE 'bench\_%'),
  (SELECT count(*) FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
    WHERE s.nspname = $1 AND c.relkind = 'r' AND c.relname NOT LIKE 'bench\_%'),
  (SELECT count(*) FROM pg_constraint k JOIN pg_namespace s ON s.oid = k.connamespace
    WHERE s.nspname = $1 AND k.contype = 'u'),
  (SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
    JOIN pg_namespace s ON s.oid = c.relnamespace
    WHERE s.nspname = $1 AND NOT i.indisunique AND NOT i.indisprimary),
  (SELECT count(*) FROM pg_constraint k JOIN pg_namespace s ON s.oid = k.connamespace
    WHERE s.nspname = $1 AND k.contype = 'f')`, "public").
			Scan(&o.tables, &o.other, &o.uniques, &o.indexes, &o.fks)
	})
	return o, err
}
