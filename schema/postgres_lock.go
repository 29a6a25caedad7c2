package schema

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// The PostgreSQL migration lock and transaction.

// pgLockKey derives the advisory lock key from the database and the current
// schema, so migrators of different schemas do not wait for each other.
const pgLockKey = `('x' || left(md5('slipway.migrate:' || current_database() || ':' || coalesce(current_schema(), '')), 16))::bit(64)::bigint`

// locked runs fn in one transaction holding a transaction-scoped advisory
// lock: everything fn does commits together or not at all, and concurrent
// migrators of the same database and schema run one after the other.
func (pg postgres) locked(ctx context.Context, db *bun.DB, timeout time.Duration, fn func(context.Context, bun.IDB) error) (err error) {
	fail := func(what string, err error) error { return fmt.Errorf("schema: %s: %s: %w", pg.name(), what, err) }
	tx, err := db.BeginTx(ctx, nil)
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
	if timeout > 0 {
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("SET LOCAL lock_timeout = %d", timeout.Milliseconds())); err != nil {
			return fail("set lock_timeout", err)
		}
	}
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock("+pgLockKey+")"); err != nil {
		if sqlState(err) == "55P03" {
			return fmt.Errorf("schema: %s: %w after %s: another migrator holds it (raise WithLockTimeout, or look for a stuck migration)", pg.name(), ErrLockTimeout, timeout)
		}
		return fail("take the migration lock", err)
	}
	if err := fn(ctx, tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fail("commit", err)
	}
	return nil
}
