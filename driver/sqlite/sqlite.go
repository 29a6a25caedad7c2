// Package sqlite links the SQLite driver (the pure-Go modernc.org/sqlite)
// into a program, for sqlite:, sqlite3: and file: database URLs. Import it
// for its side effect, as database/sql drivers are imported:
//
//	import _ "github.com/slipwaygo/slipway/driver/sqlite"
//
// A program that opens a SQLite URL without it gets an error naming this
// import. Every connection gets enforced foreign keys, a 5 s busy timeout,
// write-ahead logging and BEGIN IMMEDIATE transactions unless the URL sets
// them, and a regexp function for the REGEXP operator.
package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/uptrace/bun/dialect/sqlitedialect"
	bunschema "github.com/uptrace/bun/schema"

	"github.com/slipwaygo/slipway/internal/dburl"
)

func init() {
	dburl.Register(dburl.SQLite, dburl.Driver{
		Import:   "github.com/slipwaygo/slipway/driver/sqlite",
		Open:     open,
		Classify: classify,
	})
}

// open opens a pool for cfg. A :memory: database gets a pool of one
// connection (each connection would see a database of its own), so a
// caller holding that connection must not use the pool meanwhile.
func open(cfg dburl.Config) (*sql.DB, bunschema.Dialect, error) {
	if err := registerFunctions(); err != nil {
		return nil, nil, err
	}
	sqldb := sql.OpenDB(&connector{driver: sqliteDriver(), cfg: cfg})
	if cfg.Memory() {
		sqldb.SetMaxOpenConns(1)
	}
	return sqldb, sqlitedialect.New(), nil
}

func classify(err error) dburl.Refusal {
	var coded interface{ Code() int }
	if errors.As(err, &coded) {
		return dburl.SQLiteRefusal(coded.Code())
	}
	return ""
}

// sqliteDriver is the driver modernc.org/sqlite registers as "sqlite",
// with the functions and collations registered on it.
func sqliteDriver() driver.Driver {
	db, _ := sql.Open("sqlite", "") // no I/O; sql.Open fails only for an unknown driver
	defer db.Close()
	return db.Driver()
}

// connector opens SQLite connections and sets each one's journal
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
type connector struct {
	driver driver.Driver
	cfg    dburl.Config
}

// Connect opens a connection and sets its journal mode.
func (c *connector) Connect(ctx context.Context) (driver.Conn, error) {
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
func (c *connector) Driver() driver.Driver { return c.driver }

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
			return &dburl.Explained{Msg: fmt.Sprintf("%s: %q is not a directory", what, dir), Err: err}
		case serr == nil && dir != filepath.Dir(path):
			return &dburl.Explained{Msg: fmt.Sprintf("%s: directory %q does not exist (create it first)", what, filepath.Dir(path)), Err: err}
		case serr == nil:
			return &dburl.Explained{Msg: fmt.Sprintf("%s: SQLite cannot open the file (check that it and directory %q are readable and writable)", what, dir), Err: err}
		case !errors.Is(serr, fs.ErrNotExist) && !errors.Is(serr, syscall.ENOTDIR), dir == filepath.Dir(dir):
			return &dburl.Explained{Msg: fmt.Sprintf("%s: %v", what, serr), Err: err}
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
