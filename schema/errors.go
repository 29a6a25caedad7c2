package schema

import (
	"fmt"
	"strings"
)

// RefusedError lists the changes that would fail on the data as it is. It is
// returned before any DDL runs, so the database is unchanged.
type RefusedError struct {
	Dialect string
	Changes []*Change // every refused change, each with its Reason
}

func (e *RefusedError) Error() string {
	if len(e.Changes) == 1 {
		return "schema: " + refusal(e.Changes[0])
	}
	var b strings.Builder
	fmt.Fprintf(&b, "schema: %d changes refused, nothing was applied:", len(e.Changes))
	for _, c := range e.Changes {
		b.WriteString("\n  ")
		b.WriteString(refusal(c))
	}
	return b.String()
}

func refusal(c *Change) string {
	return fmt.Sprintf("table %q: %s", c.Table, c.Reason)
}

// ApplyError is a statement that failed while a plan was applied.
type ApplyError struct {
	Dialect   string
	Table     string // the table the statement changes
	Statement string
	// RolledBack is true when the database undid the whole plan (PostgreSQL,
	// SQLite). On MySQL, statements before the failing one stay applied.
	RolledBack bool
	// Committed is true for a statement that ran after the plan's
	// transaction had committed (PostgreSQL's CREATE INDEX CONCURRENTLY,
	// VALIDATE CONSTRAINT): the transaction's changes stay applied, and
	// running the migration again finishes what is left.
	Committed bool
	// Interrupted is true when the context ended while the statement ran.
	// Where the plan is not rolled back (MySQL), the server may have
	// completed the statement anyway: running the migration again finds
	// out and applies what is left.
	Interrupted bool
	// Part and Parts say, for a plan applied in several transactions
	// (PostgreSQL, when its locks would not fit in the server's lock table
	// in one: see docs/migrations.md), which one failed, from 1, and how
	// many there were; both are 0 for a plan applied in one. The failing
	// part was rolled back; the parts before it stay committed.
	Part, Parts int
	Err         error
}

func (e *ApplyError) Error() string {
	outcome := "the plan was rolled back"
	switch {
	case e.RolledBack:
	case e.Part > 1:
		outcome = fmt.Sprintf("the plan ran in %d transactions: part %d was rolled back, parts 1 to %d stay committed; run the migration again, it applies what is left", e.Parts, e.Part, e.Part-1)
	case e.Committed:
		outcome = "the plan's transaction had committed and this statement ran after it; what it did not do is undone (an invalid index dropped): run the migration again, it finishes what is left"
	case e.Interrupted:
		outcome = "interrupted: the statement may have been applied on the server, and those before it stay applied; run the migration again, it applies what is left"
	default:
		outcome = "statements before it stay applied; run the migration again once fixed"
	}
	return fmt.Sprintf("schema: table %q: %s: %v (%s)", e.Table, e.Statement, e.Err, outcome)
}

func (e *ApplyError) Unwrap() error { return e.Err }
