package schema

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// The SQLite migration lock and transaction (BEGIN IMMEDIATE, foreign keys
// off around it and checked before COMMIT).

// sqliteLockPoll bounds each wait for the write lock, so that a cancelled
// context stops the wait soon.
const sqliteLockPoll = 250 * time.Millisecond

// locked runs fn on a dedicated connection in one BEGIN IMMEDIATE
// transaction: SQLite lets one connection write at a time, so concurrent
// migrators run one after the other, and everything fn does commits
// together or not at all. As SQLite's documentation prescribes for table
// rebuilds, foreign key enforcement is switched off on the connection
// before the transaction begins and restored after it ends, and when the
// transaction changed anything, PRAGMA foreign_key_check must find no
// violation before it commits.
func (s sqlite) locked(ctx context.Context, db *bun.DB, ls lockSettings, fn, after func(context.Context, bun.IDB) error) (err error) {
	timeout := ls.wait
	fail := func(what string, err error) error { return fmt.Errorf("schema: %s: %s: %w", s.name(), what, err) }
	conn, err := db.Conn(ctx)
	if err != nil {
		return fail("take a connection", err)
	}
	// Cleanup runs even when ctx is cancelled. A connection whose settings
	// could not be restored is closed rather than returned to the pool.
	cleanup := context.WithoutCancel(ctx)
	discard := false
	defer func() {
		if discard {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
			return
		}
		if cerr := conn.Close(); cerr != nil {
			err = errors.Join(err, fail("release the connection", cerr))
		}
	}()

	var (
		fkOn, legacyAlter   bool
		busy                int64
		changes, schemaVers int64
	)
	if err := conn.QueryRowContext(ctx, `SELECT f.foreign_keys, l.legacy_alter_table, b.timeout, total_changes(), v.schema_version
		FROM pragma_foreign_keys f, pragma_legacy_alter_table l, pragma_busy_timeout b, pragma_schema_version v`).
		Scan(&fkOn, &legacyAlter, &busy, &changes, &schemaVers); err != nil {
		return fail("read connection settings", err)
	}
	restore := func(stmt string) {
		if _, err := conn.ExecContext(cleanup, stmt); err != nil {
			discard = true
		}
	}
	if fkOn {
		if _, err := conn.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
			return fail("switch foreign key enforcement off", err)
		}
		defer restore("PRAGMA foreign_keys = ON")
	}
	if legacyAlter {
		defer restore("PRAGMA legacy_alter_table = ON") // rebuilds switch it off
	}
	busyRestored := false // begin sets busy_timeout to the lock wait
	defer func() {
		if !busyRestored {
			restore(fmt.Sprintf("PRAGMA busy_timeout = %d", busy))
		}
	}()

	if err := s.begin(ctx, conn, timeout); err != nil {
		return err
	}
	defer func() {
		if err == nil {
			return
		}
		if _, rerr := conn.ExecContext(cleanup, "ROLLBACK"); rerr != nil && !strings.Contains(rerr.Error(), "no transaction is active") {
			err = errors.Join(err, fail("rollback", rerr))
			discard = true
		}
	}()
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA busy_timeout = %d", busy)); err != nil {
		return fail("restore busy_timeout", err)
	}
	busyRestored = true
	if err := fn(ctx, conn); err != nil {
		return err
	}
	if after != nil {
		// SQLite's lock is its transaction: what runs after the plan runs
		// before COMMIT.
		if err := after(ctx, conn); err != nil {
			return err
		}
	}
	if fkOn {
		var after, afterVers int64
		if err := conn.QueryRowContext(ctx, "SELECT total_changes(), schema_version FROM pragma_schema_version").Scan(&after, &afterVers); err != nil {
			return fail("read schema version", err)
		}
		if after != changes || afterVers != schemaVers {
			if err := s.checkForeignKeys(ctx, conn); err != nil {
				return err
			}
		}
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return fail("commit", err)
	}
	return nil
}

// exec runs one statement of a plan in the migration's transaction.
func (sqlite) exec(ctx context.Context, conn bun.IDB, s statement, ls lockSettings) error {
	_, err := conn.ExecContext(ctx, s.sql)
	return err
}

// begin takes SQLite's write lock with BEGIN IMMEDIATE, waiting up to
// timeout (as long as ctx allows when timeout is zero or less) while another
// connection holds it.
func (s sqlite) begin(ctx context.Context, conn bun.Conn, timeout time.Duration) error {
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	for {
		wait := sqliteLockPoll
		if timeout > 0 {
			wait = min(wait, max(time.Until(deadline), time.Millisecond))
		}
		if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA busy_timeout = %d", wait.Milliseconds())); err != nil {
			return fmt.Errorf("schema: %s: set busy_timeout: %w", s.name(), err)
		}
		_, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE")
		switch {
		case err == nil:
			return nil
		case ctx.Err() != nil:
			return fmt.Errorf("schema: %s: wait for the migration lock: %w", s.name(), ctx.Err())
		case !sqliteBusy(err):
			return fmt.Errorf("schema: %s: BEGIN IMMEDIATE: %w", s.name(), err)
		case timeout > 0 && !time.Now().Before(deadline):
			return fmt.Errorf("schema: %s: %w after %s: another migrator holds it, or another connection is writing to the database (raise WithLockTimeout, or look for a stuck migration or a long write transaction)",
				s.name(), ErrLockTimeout, timeout)
		}
	}
}

// sqliteBusy reports SQLITE_BUSY (any extended code) from the driver.
func sqliteBusy(err error) bool {
	var coded interface{ Code() int }
	return errors.As(err, &coded) && coded.Code()&0xff == 5
}

// checkForeignKeys runs PRAGMA foreign_key_check over the database and
// turns violations into an error naming each table and foreign key.
func (s sqlite) checkForeignKeys(ctx context.Context, conn bun.Conn) error {
	const check = "PRAGMA foreign_key_check"
	rows, err := conn.QueryContext(ctx, `SELECT c."table", c.parent, count(*),
		coalesce((SELECT group_concat(k."from", ', ') FROM pragma_foreign_key_list(c."table") k WHERE k.id = c.fkid), '')
		FROM pragma_foreign_key_check c GROUP BY c."table", c.parent, c.fkid ORDER BY 1, 2, 4`)
	if err != nil {
		return &ApplyError{Dialect: s.name(), Statement: check, RolledBack: true, Err: err}
	}
	defer rows.Close()
	var (
		first string
		found []string
	)
	for rows.Next() {
		var (
			table, parent, cols string
			n                   int64
		)
		if err := rows.Scan(&table, &parent, &n, &cols); err != nil {
			return &ApplyError{Dialect: s.name(), Statement: check, RolledBack: true, Err: err}
		}
		if first == "" {
			first = table
		}
		found = append(found, fmt.Sprintf("table %q: %d %s of (%s) %s no row of %q", table, n, plural(int(n), "row", "rows"), cols, verb(n, "references", "reference"), parent))
	}
	if err := rows.Err(); err != nil {
		return &ApplyError{Dialect: s.name(), Statement: check, RolledBack: true, Err: err}
	}
	if len(found) == 0 {
		return nil
	}
	return &ApplyError{Dialect: s.name(), Table: first, Statement: check, RolledBack: true,
		Err: fmt.Errorf("foreign keys violated: %s (correct or delete those rows, then migrate again)", strings.Join(found, "; "))}
}
