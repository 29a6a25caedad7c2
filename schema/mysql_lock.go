package schema

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/uptrace/bun"
)

// The MySQL migration lock (GET_LOCK on a dedicated connection).

// myLockName names the migration lock of the connection's database. User
// locks are server-wide and their names at most 64 characters long, hence
// the digest of the database name.
const myLockName = `CONCAT('slipway.migrate:', SHA1(COALESCE(DATABASE(), '')))`

// locked takes a server-wide user lock (GET_LOCK) named after the database
// on a dedicated connection, runs fn on that connection, and releases the
// lock. DDL is not transactional on MySQL: each statement fn executes
// commits on its own, and a failure leaves the statements before it
// applied.
func (my mysql) locked(ctx context.Context, db *bun.DB, ls lockSettings, fn, after func(context.Context, bun.IDB) error) (err error) {
	timeout := ls.wait
	fail := func(what string, err error) error { return fmt.Errorf("schema: %s: %s: %w", my.name(), what, err) }
	conn, err := db.Conn(ctx)
	if err != nil {
		return fail("connect", err)
	}
	defer func() {
		if cerr := conn.Close(); cerr != nil && !errors.Is(cerr, sql.ErrConnDone) {
			err = errors.Join(err, fail("close connection", cerr))
		}
	}()
	// GET_LOCK takes whole seconds on MySQL (MariaDB also takes fractions).
	// Without a timeout, wait in bounded calls until ctx ends.
	seconds := int64(0)
	if timeout > 0 {
		seconds = int64(math.Ceil(timeout.Seconds()))
		var got sql.NullInt64
		if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK("+myLockName+", ?)", seconds).Scan(&got); err != nil {
			return fail("take the migration lock", err)
		}
		switch {
		case !got.Valid:
			return fail("take the migration lock", errors.New("GET_LOCK returned NULL (the session was killed or the server ran out of memory)"))
		case got.Int64 == 0:
			return fmt.Errorf("schema: %s: %w after %s: another migrator holds it (raise WithLockTimeout, or look for a stuck migration: SELECT IS_USED_LOCK(%s) gives its connection id)",
				my.name(), ErrLockTimeout, time.Duration(seconds)*time.Second, myLockName)
		}
	} else if err := my.waitForLock(ctx, conn); err != nil {
		return err
	}
	defer func() {
		var released sql.NullInt64
		rerr := conn.QueryRowContext(context.WithoutCancel(ctx), "SELECT RELEASE_LOCK("+myLockName+")").Scan(&released)
		if rerr == nil && released.Int64 == 1 {
			return
		}
		if rerr == nil {
			rerr = errors.New("RELEASE_LOCK did not find the lock held by this session")
		}
		// Never return a connection that may still hold the lock to the
		// pool: closing the session releases it.
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		err = errors.Join(err, fail("release the migration lock", rerr))
	}()
	if seconds > 0 {
		// A DDL statement waits for its table's metadata lock while any
		// transaction touching the table is open, and every query on the
		// table queues behind it: bound that wait by the lock timeout too
		// (never above the session's own setting), as PostgreSQL's
		// lock_timeout does, and restore the setting afterwards.
		if _, err := conn.ExecContext(ctx, "SET @slipway_lock_wait_timeout = @@SESSION.lock_wait_timeout, SESSION lock_wait_timeout = LEAST(@@SESSION.lock_wait_timeout, ?)", seconds); err != nil {
			return fail("set lock_wait_timeout", err)
		}
		defer func() {
			if _, rerr := conn.ExecContext(context.WithoutCancel(ctx), "SET SESSION lock_wait_timeout = @slipway_lock_wait_timeout"); rerr != nil {
				_ = conn.Raw(func(any) error { return driver.ErrBadConn }) // do not pool a changed session
				err = errors.Join(err, fail("restore lock_wait_timeout", rerr))
			}
		}()
	}
	if err := fn(ctx, conn); err != nil || after == nil {
		return err
	}
	return after(ctx, conn)
}

// exec runs one statement of a plan on the migration's connection.
func (mysql) exec(ctx context.Context, conn bun.IDB, s statement, ls lockSettings) error {
	_, err := conn.ExecContext(ctx, s.sql)
	return err
}

// myLockPoll bounds each GET_LOCK call of a migrator without a lock
// timeout. GET_LOCK with a negative timeout would wait for ever, but
// MariaDB answers it with NULL (warning 1411), and a wait for ever outlives
// the context: a session whose client gave up could still take the lock.
const myLockPoll = 2 * time.Second

// waitForLock takes the migration lock, waiting as long as ctx allows: it
// calls GET_LOCK for myLockPoll at most, or until ctx's deadline when that
// is nearer, until the lock is taken or ctx ends.
func (my mysql) waitForLock(ctx context.Context, conn bun.Conn) error {
	gaveUp := func() error {
		return fmt.Errorf("schema: %s: wait for the migration lock: %w (another migrator holds it: look for a stuck migration, SELECT IS_USED_LOCK(%s) gives its connection id)",
			my.name(), ctx.Err(), myLockName)
	}
	for {
		wait := myLockPoll
		if deadline, ok := ctx.Deadline(); ok {
			wait = min(wait, time.Until(deadline))
		}
		if wait <= 0 {
			<-ctx.Done() // the deadline is past; its timer fires any moment
			return gaveUp()
		}
		// Milliseconds, rounded up: MariaDB waits that long, MySQL rounds
		// to whole seconds (and the driver stops the call when ctx ends).
		start := time.Now()
		var got sql.NullInt64
		err := conn.QueryRowContext(ctx, "SELECT GET_LOCK("+myLockName+", ?)", math.Ceil(wait.Seconds()*1000)/1000).Scan(&got)
		switch {
		case err == nil && got.Valid && got.Int64 == 1:
			return nil
		case ctx.Err() != nil:
			return gaveUp()
		case err != nil:
			return fmt.Errorf("schema: %s: take the migration lock: %w", my.name(), err)
		case !got.Valid:
			return fmt.Errorf("schema: %s: take the migration lock: GET_LOCK returned NULL (the session was killed or the server ran out of memory)", my.name())
		}
		// A server that rounded a short wait down to no wait at all
		// answers at once: sleep out the rest rather than spin.
		if rest := wait - time.Since(start); rest > 0 {
			timer := time.NewTimer(rest)
			select {
			case <-ctx.Done():
				timer.Stop()
				return gaveUp()
			case <-timer.C:
			}
		}
	}
}
