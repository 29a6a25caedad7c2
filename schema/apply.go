package schema

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// apply takes the lock, re-plans under it, and executes the plan.
func (m *Migrator) apply(ctx context.Context, opts MigrateOptions, want []*Table, then func(context.Context, bun.IDB) error) (*Plan, error) {
	start := time.Now()
	var plan *Plan
	err := m.Locked(ctx, func(ctx context.Context, conn bun.IDB) error {
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
		for _, stmt := range plan.statements {
			m.log.DebugContext(ctx, "schema: exec", "sql", stmt.sql)
			if _, err := conn.ExecContext(ctx, stmt.sql); err != nil {
				return &ApplyError{Dialect: m.d.name(), Table: stmt.table, Statement: stmt.sql, RolledBack: m.d.transactional(),
					Interrupted: ctx.Err() != nil, Err: err}
			}
		}
		if then != nil {
			return then(ctx, conn)
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
