package schema

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
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
	// Statements set the session's lock_wait_timeout (see exec): restore
	// it afterwards, and never pool a session where that failed. Until
	// then, the inspection's and the prechecks' waits for a metadata lock
	// are bounded by the lock timeout too (never above the session's own
	// setting, so that ?lock_wait_timeout=60 in the URL still wins).
	if _, err := conn.ExecContext(ctx, "SET @slipway_lock_wait_timeout = @@SESSION.lock_wait_timeout"); err != nil {
		return fail("read lock_wait_timeout", err)
	}
	defer func() {
		if _, rerr := conn.ExecContext(context.WithoutCancel(ctx), "SET SESSION lock_wait_timeout = @slipway_lock_wait_timeout"); rerr != nil {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn }) // do not pool a changed session
			err = errors.Join(err, fail("restore lock_wait_timeout", rerr))
		}
	}()
	if seconds > 0 {
		if _, err := conn.ExecContext(ctx, "SET SESSION lock_wait_timeout = LEAST(@@SESSION.lock_wait_timeout, ?)", seconds); err != nil {
			return fail("set lock_wait_timeout", err)
		}
	}
	if err := fn(ctx, conn); err != nil || after == nil {
		return err
	}
	return after(ctx, conn)
}

// myRetries is how many times a statement is tried when it could not take
// its table's metadata lock within the DDL lock timeout; myBackoff is the
// first pause between tries, doubled each time.
const (
	myRetries = 5
	myBackoff = 200 * time.Millisecond
)

// exec runs one statement of a plan on the migration's connection. It
// waits for its table's metadata lock at most ls.ddl (lock_wait_timeout,
// whole seconds): while an ALTER TABLE waits, every query on the table
// queues behind it. A statement that times out is tried again, with
// growing pauses. When the server cannot make the statement the way it
// says (ALGORITHM=INSTANT), it falls back to INPLACE, LOCK=NONE; to a copy
// of the table only where the plan allows blocking the table's writes.
func (my mysql) exec(ctx context.Context, conn bun.IDB, s statement, ls lockSettings) (err error) {
	if !strings.Contains(s.sql, "ALGORITHM=") {
		_, err := conn.ExecContext(ctx, s.sql)
		return err
	}
	if _, err := conn.ExecContext(ctx, "SET SESSION lock_wait_timeout = ?", max(int64(math.Ceil(ls.ddl.Seconds())), 1)); err != nil {
		return err
	}
	if s.noFKChecks {
		if _, err := conn.ExecContext(ctx, "SET @slipway_fk_checks = @@SESSION.foreign_key_checks, SESSION foreign_key_checks = 0"); err != nil {
			return err
		}
		defer func() {
			if _, rerr := conn.ExecContext(context.WithoutCancel(ctx), "SET SESSION foreign_key_checks = @slipway_fk_checks"); rerr != nil {
				err = errors.Join(err, fmt.Errorf("restore foreign_key_checks: %w", rerr))
			}
		}()
	}
	sql := s.sql
	for attempt := 1; ; attempt++ {
		_, err = conn.ExecContext(ctx, sql)
		no := myErrNo(err)
		switch {
		case err == nil:
			return my.verify(ctx, conn, s)
		case no == 1205 && attempt < myRetries: // lock wait timeout
			if werr := sleep(ctx, myBackoff<<(attempt-1)); werr != nil {
				return errors.Join(err, werr)
			}
		case no == 1205:
			return my.blockers(context.WithoutCancel(ctx), conn, err, s.table, ls.ddl, myRetries)
		case (no == 1845 || no == 1846) && strings.Contains(sql, myAlgorithms[myInstant]):
			sql = strings.Replace(sql, myAlgorithms[myInstant], myAlgorithms[myInplace], 1)
		case (no == 1845 || no == 1846) && s.copyOK && strings.Contains(sql, myAlgorithms[myInplace]):
			sql = strings.Replace(sql, myAlgorithms[myInplace], myAlgorithms[myCopy], 1)
		case no == 1845 || no == 1846:
			return fmt.Errorf("%s cannot make this change without blocking the table's writes, and the table is above the blocking threshold (apply it with AllowBlocking, in a maintenance window): %w", my.name(), err)
		default:
			return err
		}
	}
}

// verify counts, after a statement that added foreign keys without
// checking the rows, the rows each does not hold; if one has any, it undoes
// the statement's foreign keys and fails.
func (my mysql) verify(ctx context.Context, conn bun.IDB, s statement) error {
	for _, q := range s.checks {
		var n int64
		if err := conn.QueryRowContext(ctx, q).Scan(&n); err != nil {
			return fmt.Errorf("check the rows of the new foreign keys: %w", err)
		}
		if n > 0 {
			err := fmt.Errorf("%d %s written while the foreign key was added reference no row of the referenced table: the foreign keys were dropped again (correct those rows, then migrate again)",
				n, plural(int(n), "row", "rows"))
			if _, derr := conn.ExecContext(context.WithoutCancel(ctx), s.onFail); derr != nil {
				err = errors.Join(err, fmt.Errorf("drop them: %w", derr))
			}
			return err
		}
	}
	return nil
}

// blockers describes the open transactions that may hold the metadata lock
// a statement could not take.
func (my mysql) blockers(ctx context.Context, conn bun.IDB, err error, table string, wait time.Duration, tries int) error {
	rows, qerr := conn.QueryContext(ctx, `
		SELECT p.ID, coalesce(p.USER, ''), coalesce(p.HOST, ''), coalesce(p.COMMAND, ''), coalesce(TIMESTAMPDIFF(SECOND, t.trx_started, NOW()), p.TIME)
		FROM information_schema.INNODB_TRX t JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id
		WHERE p.ID <> CONNECTION_ID() ORDER BY t.trx_started LIMIT 5`)
	var holders []string
	if qerr == nil {
		defer rows.Close()
		for rows.Next() {
			var (
				id, secs            int64
				user, host, command string
			)
			if rows.Scan(&id, &user, &host, &command, &secs) != nil {
				break
			}
			holders = append(holders, fmt.Sprintf("connection %d (%s@%s, %s) in a transaction for %s", id, user, host, strings.ToLower(command), time.Duration(secs)*time.Second))
		}
	}
	wait = max(wait, time.Second).Round(time.Second)
	why := fmt.Sprintf("could not take the metadata lock of table %q within %s, %d times", table, wait, tries)
	if len(holders) > 0 {
		why += "; open transactions: " + strings.Join(holders, "; ")
	}
	return fmt.Errorf("%s (end or wait out the transactions that used the table, or raise WithDDLLockTimeout): %w", why, err)
}

// myErrNo is a MySQL error's number, 0 for none.
func myErrNo(err error) int {
	if err == nil {
		return 0
	}
	m := myErrorNumber.FindStringSubmatch(err.Error())
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
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
