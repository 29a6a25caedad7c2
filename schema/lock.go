package schema

import (
	"errors"
	"time"
)

// One migrator at a time: every dialect serialises migrations of one
// database with a lock of its own (PostgreSQL: a transaction-scoped advisory
// lock; MySQL: GET_LOCK on a dedicated connection; SQLite: the write lock of
// BEGIN IMMEDIATE; see the dialect files). A migrator that waited re-plans
// under the lock and finds nothing left to do.

// DefaultLockTimeout is how long Migrate waits for another migrator to
// finish before it gives up with ErrLockTimeout.
const DefaultLockTimeout = 5 * time.Minute

// ErrLockTimeout is returned (wrapped) when the migration lock could not be
// taken within the lock timeout: another migrator holds it.
var ErrLockTimeout = errors.New("timed out waiting for the migration lock")
