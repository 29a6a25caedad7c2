package schema

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// apply takes the lock, re-plans under it, and executes the plan: the
// statements of its transaction, the MigrateThen function, and, once the
// transaction has committed, the statements that run after it.
func (m *Migrator) apply(ctx context.Context, opts MigrateOptions, want []*Table, then func(context.Context, bun.IDB) error) (*Plan, error) {
	start := time.Now()
	ls := m.locks()
	var (
		plan  *Plan
		after []statement
	)
	exec := func(ctx context.Context, conn bun.IDB, s statement, committed bool) error {
		m.log.DebugContext(ctx, "schema: exec", "sql", s.sql)
		if err := m.d.exec(ctx, conn, s, ls); err != nil {
			return &ApplyError{Dialect: m.d.name(), Table: s.table, Statement: s.sql, RolledBack: m.d.transactional() && !committed,
				Committed: committed, Interrupted: ctx.Err() != nil, Err: err}
		}
		return nil
	}
	err := m.d.locked(ctx, m.db, ls, func(ctx context.Context, conn bun.IDB) error {
		var err error
		plan, err = m.plan(ctx, conn, opts, want)
		if err != nil {
			return err
		}
		if err := plan.Err(); err != nil {
			return err
		}
		for _, c := range plan.Withheld() {
			m.log.WarnContext(ctx, "schema: change withheld", "table", c.Table, "change", c.String())
		}
		var inTx []statement
		inTx, after = plan.ordered()
		for _, s := range inTx {
			if err := exec(ctx, conn, s, false); err != nil {
				return err
			}
		}
		if then != nil {
			return then(ctx, conn)
		}
		return nil
	}, func(ctx context.Context, conn bun.IDB) error {
		for _, s := range after {
			if err := exec(ctx, conn, s, m.d.transactional()); err != nil {
				return err
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
