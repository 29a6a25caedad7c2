package schema

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// apply takes the lock, re-plans under it, and executes the plan: the
// statements of its transaction, the MigrateThen function, and, once the
// transaction has committed, the statements that run after it.
func (m *Migrator) apply(ctx context.Context, opts MigrateOptions, then func(context.Context, bun.IDB) error) (*Plan, error) {
	start := time.Now()
	ls := m.locks()
	var (
		plan  *Plan
		parts [][]statement // the transaction's statements, in parts that each fit
		after []statement
	)
	exec := func(ctx context.Context, conn bun.IDB, s statement, committed bool, part int) error {
		m.log.DebugContext(ctx, "schema: exec", "sql", s.sql)
		if err := m.d.exec(ctx, conn, s, ls); err != nil {
			e := &ApplyError{Dialect: m.d.name(), Table: s.table, Statement: s.sql, RolledBack: m.d.transactional() && !committed && part <= 1,
				Committed: committed || part > 1, Interrupted: ctx.Err() != nil, Err: err}
			if len(parts) > 1 {
				e.Part, e.Parts = part, len(parts)
			}
			return e
		}
		return nil
	}
	// runPart runs the statements of part i (from 0) of the transaction, and
	// then the MigrateThen function after the last part.
	runPart := func(ctx context.Context, conn bun.IDB, i int) error {
		for _, s := range parts[i] {
			if err := exec(ctx, conn, s, false, i+1); err != nil {
				return err
			}
		}
		if then != nil && i == len(parts)-1 {
			return then(ctx, conn)
		}
		return nil
	}
	err := m.d.locked(ctx, m.db, ls, func(ctx context.Context, conn bun.IDB) error {
		var err error
		plan, err = m.plan(ctx, conn, opts)
		if err != nil {
			return err
		}
		if err := plan.Err(); err != nil {
			return err
		}
		if f := plan.fast; f != nil && len(plan.Changes) == 0 && !f.current() && f.read.storable {
			// The database matches the models: keep the digests, so that
			// the next run needs no inspection. Failing to is no failure.
			if err := m.d.(stamper).writeState(ctx, conn, f); err != nil {
				m.log.WarnContext(ctx, "schema: could not keep the schema state; every run inspects the database",
					"table", stateTable, "error", err)
			}
		}
		for _, c := range plan.Withheld() {
			m.log.WarnContext(ctx, "schema: change withheld", "table", c.Table, "change", c.String())
		}
		var inTx []statement
		inTx, after = plan.ordered()
		parts = [][]statement{inTx}
		if sp, ok := m.d.(txSplitter); ok {
			if parts, err = sp.split(ctx, conn, inTx); err != nil {
				return err
			}
			if len(parts) > 1 {
				m.log.InfoContext(ctx, "schema: the plan's locks would not fit in one transaction: applying it in parts",
					"statements", len(inTx), "parts", len(parts))
			}
		}
		return runPart(ctx, conn, 0)
	}, func(ctx context.Context, conn bun.IDB) error {
		for i := 1; i < len(parts); i++ {
			if err := m.d.(txSplitter).runTx(ctx, conn, ls, func(ctx context.Context, tx bun.IDB) error { return runPart(ctx, tx, i) }); err != nil {
				return err
			}
		}
		for _, s := range after {
			if err := exec(ctx, conn, s, m.d.transactional(), 0); err != nil {
				return err
			}
		}
		if f := plan.fast; f != nil && !f.read.exists && len(plan.statements) > 0 {
			// Create the state table now, with the changes, so that the run
			// that next finds the database actual only writes a row: a second
			// run issues no DDL. Failing to is no failure.
			if err := createState(ctx, conn, m.d.(stamper), f.read.stale); err != nil {
				m.log.WarnContext(ctx, "schema: could not create the schema state table; every run inspects the database",
					"table", stateTable, "error", err)
			}
		}
		return nil
	})
	if err != nil {
		return plan, err
	}
	m.log.DebugContext(ctx, "schema: migrated", "changes", len(plan.Changes)-len(plan.Withheld()), "withheld", len(plan.Withheld()),
		"statements", len(plan.statements), "took", time.Since(start).Round(time.Millisecond))
	return plan, nil
}
