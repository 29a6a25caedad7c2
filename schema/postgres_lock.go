package schema

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// The PostgreSQL migration lock and transaction.

// pgLockKey derives the advisory lock key from the database and the current
// schema, so migrators of different schemas do not wait for each other.
const pgLockKey = `('x' || left(md5('slipway.migrate:' || current_database() || ':' || coalesce(current_schema(), '')), 16))::bit(64)::bigint`

// pgLockPoll is how long a waiting migrator sleeps between two tries for
// the migration lock.
const pgLockPoll = 100 * time.Millisecond

// pgRetries is how many times a transaction (or a statement after it) is
// tried when a statement could not take its table's lock within the DDL
// lock timeout; pgBackoff is the first wait between tries, doubled each
// time.
const (
	pgRetries = 5
	pgBackoff = 200 * time.Millisecond
)

// locked takes a session-level advisory lock on a connection of its own,
// runs fn in one transaction, then after outside it, and releases the lock:
// concurrent migrators of the same database and schema run one after the
// other, and what fn does commits together or not at all.
//
// The lock is taken by trying pg_try_advisory_lock every pgLockPoll rather
// than by waiting in pg_advisory_lock: a waiting migrator then holds no
// snapshot, which CREATE INDEX CONCURRENTLY in the holder would wait for
// (a deadlock). In the transaction every statement waits for its table's
// lock at most ls.ddl (lock_timeout): while an ALTER TABLE waits, every
// query on the table queues behind it. A statement that times out rolls
// the transaction back, and it is tried again from the start, after a
// growing pause, pgRetries times at most.
func (pg postgres) locked(ctx context.Context, db *bun.DB, ls lockSettings, fn, after func(context.Context, bun.IDB) error) (err error) {
	fail := func(what string, err error) error { return fmt.Errorf("schema: %s: %s: %w", pg.name(), what, err) }
	conn, err := db.Conn(ctx)
	if err != nil {
		return fail("connect", err)
	}
	cleanup := context.WithoutCancel(ctx)
	discard := false
	defer func() {
		if discard {
			// Never pool a session that may hold the lock or a changed
			// setting: closing it releases both.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		if cerr := conn.Close(); cerr != nil && !errors.Is(cerr, sql.ErrConnDone) {
			err = errors.Join(err, fail("close connection", cerr))
		}
	}()
	if err := pg.lock(ctx, conn, ls.wait); err != nil {
		return err
	}
	defer func() {
		var released bool
		if rerr := conn.QueryRowContext(cleanup, "SELECT pg_advisory_unlock("+pgLockKey+")").Scan(&released); rerr != nil || !released {
			discard = true
			if rerr != nil {
				err = errors.Join(err, fail("release the migration lock", rerr))
			}
		}
		if _, rerr := conn.ExecContext(cleanup, "RESET lock_timeout"); rerr != nil {
			discard = true
		}
	}()

	if err := pg.retryTx(ctx, conn, ls, fn); err != nil {
		return err
	}
	if after != nil {
		return after(ctx, conn)
	}
	return nil
}

// retryTx runs fn in a transaction (inTx), and again from the start while a
// statement could not take its table's lock in time, pgRetries times at
// most, after a growing pause.
func (pg postgres) retryTx(ctx context.Context, conn bun.Conn, ls lockSettings, fn func(context.Context, bun.IDB) error) error {
	var err error
	for attempt := 1; ; attempt++ {
		err = pg.inTx(ctx, conn, ls, fn)
		if err == nil || sqlState(err) != "55P03" || attempt == pgRetries {
			break
		}
		if werr := sleep(ctx, pgBackoff<<(attempt-1)); werr != nil {
			return errors.Join(err, werr)
		}
	}
	if err != nil && sqlState(err) == "55P03" {
		err = pg.explainLockTimeout(context.WithoutCancel(ctx), conn, err, ls.ddl, pgRetries)
	}
	return err
}

func (pg postgres) runTx(ctx context.Context, conn bun.IDB, ls lockSettings, fn func(context.Context, bun.IDB) error) error {
	c, ok := conn.(bun.Conn)
	if !ok {
		return fmt.Errorf("schema: %s: a part of the plan needs the migration's own connection, not %T", pg.name(), conn)
	}
	return pg.retryTx(ctx, c, ls, fn)
}

// pgLockShare is the share of the server's lock table one part of a plan
// may take: the rest is left to the sessions serving traffic.
const pgLockShare = 4

// pgLockFloor is the estimated number of locks below which a plan is never
// split, and the server's settings are not read: any server holds that
// many.
const pgLockFloor = 256

// split cuts the statements of a plan's transaction into parts whose
// estimated locks each take at most a quarter of the server's lock table.
func (pg postgres) split(ctx context.Context, conn bun.IDB, stmts []statement) ([][]statement, error) {
	if pg.lockBudget > 0 {
		return splitByLocks(stmts, pg.lockBudget), nil
	}
	total := 0
	for _, s := range stmts {
		total += pgLocksOf(s.sql)
	}
	if total <= pgLockFloor {
		return [][]statement{stmts}, nil
	}
	var capacity int
	if err := conn.QueryRowContext(ctx, `SELECT current_setting('max_locks_per_transaction')::int *
		(current_setting('max_connections')::int + current_setting('max_prepared_transactions')::int)`).Scan(&capacity); err != nil {
		return nil, fmt.Errorf("schema: %s: read the size of the lock table: %w", pg.name(), err)
	}
	return splitByLocks(stmts, max(capacity/pgLockShare, pgLockFloor)), nil
}

// splitByLocks cuts stmts into parts whose estimated locks each stay within
// budget (a statement alone over it is a part of its own).
func splitByLocks(stmts []statement, budget int) [][]statement {
	var (
		parts [][]statement
		part  []statement
		locks int
	)
	for _, s := range stmts {
		n := pgLocksOf(s.sql)
		if len(part) > 0 && locks+n > budget {
			parts, part, locks = append(parts, part), nil, 0
		}
		part, locks = append(part, s), locks+n
	}
	return append(parts, part)
}

// pgLocksOf estimates the locks a statement holds until its transaction
// ends: the table (in several modes, one lock-table entry), its sequences,
// indexes and the objects a new table makes (its row type, its TOAST table
// and index), and the tables its foreign keys reference. Measured on
// PostgreSQL 15: a CREATE TABLE with a serial key, a unique column and a
// foreign key, plus a CREATE INDEX, take 15 entries.
func pgLocksOf(sql string) int {
	n := 2
	switch {
	case strings.HasPrefix(sql, "CREATE TABLE"):
		n = 8
	case strings.HasPrefix(sql, "DROP TABLE"):
		return 8 * (strings.Count(sql, ", ") + 1) // each table, its indexes and sequences
	}
	for _, word := range []string{"PRIMARY KEY", "UNIQUE", "REFERENCES", "serial", "IDENTITY", "INDEX"} {
		n += strings.Count(sql, word)
	}
	return n
}

// lock takes the migration lock, trying every pgLockPoll until timeout (as
// long as ctx allows when timeout is zero or less).
func (pg postgres) lock(ctx context.Context, conn bun.Conn, timeout time.Duration) error {
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	for {
		var got bool
		if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock("+pgLockKey+")").Scan(&got); err != nil {
			return fmt.Errorf("schema: %s: take the migration lock: %w", pg.name(), err)
		}
		if got {
			return nil
		}
		if timeout > 0 && !time.Now().Before(deadline) {
			return fmt.Errorf("schema: %s: %w after %s: another migrator holds it (raise WithLockTimeout, or look for a stuck migration: SELECT pid FROM pg_locks WHERE locktype = 'advisory' gives its session)",
				pg.name(), ErrLockTimeout, timeout)
		}
		if err := sleep(ctx, pgLockPoll); err != nil {
			return fmt.Errorf("schema: %s: wait for the migration lock: %w", pg.name(), err)
		}
	}
}

// inTx runs fn in one transaction on conn whose statements wait for a
// table's lock at most ls.ddl.
func (pg postgres) inTx(ctx context.Context, conn bun.Conn, ls lockSettings, fn func(context.Context, bun.IDB) error) (err error) {
	fail := func(what string, err error) error { return fmt.Errorf("schema: %s: %s: %w", pg.name(), what, err) }
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fail("begin", err)
	}
	defer func() {
		if err != nil {
			if rerr := tx.Rollback(); rerr != nil && !errors.Is(rerr, sql.ErrTxDone) {
				err = errors.Join(err, fail("rollback", rerr))
			}
		}
	}()
	if _, err := tx.ExecContext(ctx, pgLockTimeout(ls.ddl, true)); err != nil {
		return fail("set lock_timeout", err)
	}
	if err := fn(ctx, tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fail("commit", err)
	}
	return nil
}

// pgLockTimeout is the SET statement for a lock timeout (0 waits as long
// as it takes), for the transaction only or for the session.
func pgLockTimeout(d time.Duration, local bool) string {
	scope := ""
	if local {
		scope = "LOCAL "
	}
	ms := d.Milliseconds()
	if d > 0 && ms == 0 {
		ms = 1
	}
	return fmt.Sprintf("SET %slock_timeout = %d", scope, max(ms, 0))
}

// exec runs one statement of a plan. A statement of the transaction runs
// as it is (the transaction bounds its lock wait and is retried). A
// statement after the transaction runs on its own: an online one (its lock
// lets reads and writes go on) may wait for its lock as long as the
// migration lock timeout; another waits ls.ddl and is tried again. When an
// online statement fails, its onFail statement cleans up (the invalid index
// a failed concurrent build leaves).
func (pg postgres) exec(ctx context.Context, conn bun.IDB, s statement, ls lockSettings) error {
	if !s.after {
		_, err := conn.ExecContext(ctx, s.sql)
		return err
	}
	wait := ls.ddl
	if s.online {
		wait = ls.wait
	}
	if _, err := conn.ExecContext(ctx, pgLockTimeout(wait, false)); err != nil {
		return err
	}
	var err error
	for attempt := 1; ; attempt++ {
		_, err = conn.ExecContext(ctx, s.sql)
		if err == nil || s.online || sqlState(err) != "55P03" || attempt == pgRetries {
			break
		}
		if werr := sleep(ctx, pgBackoff<<(attempt-1)); werr != nil {
			return errors.Join(err, werr)
		}
	}
	if err != nil && s.onFail != "" {
		if _, cerr := conn.ExecContext(context.WithoutCancel(ctx), s.onFail); cerr != nil {
			err = errors.Join(err, fmt.Errorf("clean up with %s: %w", s.onFail, cerr))
		}
	}
	if err != nil && sqlState(err) == "55P03" {
		return pg.blockers(context.WithoutCancel(ctx), conn, err, s.table, wait, pgRetries)
	}
	return err
}

// explainLockTimeout adds to a statement's lock timeout the sessions that
// hold locks on its table.
func (pg postgres) explainLockTimeout(ctx context.Context, conn bun.IDB, err error, wait time.Duration, tries int) error {
	var a *ApplyError
	if !errors.As(err, &a) {
		return err
	}
	a.Err = pg.blockers(ctx, conn, a.Err, a.Table, wait, tries)
	return err
}

// blockers describes the sessions holding a lock on table, for the error of
// a statement that could not take its lock.
func (pg postgres) blockers(ctx context.Context, conn bun.IDB, err error, table string, wait time.Duration, tries int) error {
	ref := pg.quoteTable(tableFromName(table))
	rows, qerr := conn.QueryContext(ctx, `
		SELECT a.pid, coalesce(a.application_name, ''), coalesce(a.state, ''),
			coalesce(extract(epoch FROM now() - coalesce(a.xact_start, a.query_start))::bigint, 0), string_agg(DISTINCT l.mode, ', ')
		FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
		WHERE l.locktype = 'relation' AND l.relation = to_regclass(?) AND l.granted AND l.pid <> pg_backend_pid()
		GROUP BY 1, 2, 3, 4 ORDER BY 4 DESC LIMIT 5`, ref)
	var holders []string
	if qerr == nil {
		defer rows.Close()
		for rows.Next() {
			var (
				pid        int64
				app, state string
				secs       int64
				modes      string
			)
			if rows.Scan(&pid, &app, &state, &secs, &modes) != nil {
				break
			}
			who := fmt.Sprintf("session %d", pid)
			if app != "" {
				who += fmt.Sprintf(" (application %q)", app)
			}
			holders = append(holders, fmt.Sprintf("%s, %s for %s, holds %s", who, state, time.Duration(secs)*time.Second, modes))
		}
	}
	why := fmt.Sprintf("could not take the lock of table %q within %s, %d times", table, wait, tries)
	if len(holders) > 0 {
		why += ": " + strings.Join(holders, "; ")
	}
	return fmt.Errorf("%s (end or wait out those transactions, or raise WithDDLLockTimeout): %w", why, err)
}

// tableFromName splits a plan's "schema.table" name.
func tableFromName(name string) *Table {
	if s, n, ok := strings.Cut(name, "."); ok {
		return &Table{Schema: s, Name: n}
	}
	return &Table{Name: name}
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
