package schema

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// checkLimit caps how many offending rows a precheck counts: enough to say
// how bad it is without scanning a large table.
const checkLimit = 1000

// precheck is a query whose rows are the rows a change would fail on.
type precheck struct {
	query  string // SELECT ... listing offending rows (one per row or group)
	reason func(n int64) string
}

// countCheck makes a precheck from a query listing offending rows.
func (p *planner) countCheck(query string, reason func(n int64) string) *precheck {
	return &precheck{query: query, reason: reason}
}

func (p *planner) tableRef(t *Table) string {
	if t.Schema == "" {
		return p.d.quote(t.Name)
	}
	return p.d.quote(t.Schema) + "." + p.d.quote(t.Name)
}

func (p *planner) quoteAll(cols []string, prefix string) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = prefix + p.d.quote(c)
	}
	return out
}

// hasColumns reports whether the live table has every column (a check over
// a column the plan adds cannot run, and is not needed).
func hasColumns(t *Table, cols []string) bool {
	for _, c := range cols {
		if t.Column(c) == nil {
			return false
		}
	}
	return true
}

// duplicatesCheck finds values that occur more than once in the key columns
// (and, for a primary key, rows with a NULL in them).
func (p *planner) duplicatesCheck(live *Table, ix *Index, pk bool) *precheck {
	if !hasColumns(live, ix.Columns) {
		return nil
	}
	cols := p.quoteAll(ix.Columns, "")
	what := fmt.Sprintf("unique index %q", ix.Name)
	if ix.Constraint {
		what = fmt.Sprintf("unique constraint %q", ix.Name)
	}
	var query string
	if pk {
		what = "primary key"
		nulls := make([]string, len(cols))
		for i, c := range cols {
			nulls[i] = c + " IS NULL"
		}
		query = fmt.Sprintf("SELECT 1 FROM %s GROUP BY %s HAVING count(*) > 1 OR sum(CASE WHEN %s THEN 1 ELSE 0 END) > 0",
			p.tableRef(live), strings.Join(cols, ", "), strings.Join(nulls, " OR "))
	} else {
		notNull := make([]string, len(cols))
		for i, c := range cols {
			notNull[i] = c + " IS NOT NULL"
		}
		query = fmt.Sprintf("SELECT 1 FROM %s WHERE %s GROUP BY %s HAVING count(*) > 1",
			p.tableRef(live), strings.Join(notNull, " AND "), strings.Join(cols, ", "))
	}
	colList := strings.Join(ix.Columns, ", ")
	return p.countCheck(query, func(n int64) string {
		return fmt.Sprintf("cannot add %s on (%s): %s duplicated (remove the duplicates first)",
			what, colList, strings.Replace(rowsWord(n), "row", "value", 1)+" "+verb(n, "is", "are"))
	})
}

// orphansCheck finds rows whose foreign key columns reference no row of the
// referenced table. ref is nil when the referenced table is created by the
// same plan (so every non-NULL reference is an orphan).
func (p *planner) orphansCheck(live, ref *Table, fk *ForeignKey) *precheck {
	if !hasColumns(live, fk.Columns) || (ref != nil && !hasColumns(ref, fk.RefColumns)) {
		return nil
	}
	child := p.quoteAll(fk.Columns, "c.")
	conds := make([]string, len(child))
	for i, c := range child {
		conds[i] = c + " IS NOT NULL"
	}
	query := fmt.Sprintf("SELECT 1 FROM %s c WHERE %s", p.tableRef(live), strings.Join(conds, " AND "))
	if ref != nil {
		parent := p.quoteAll(fk.RefColumns, "r.")
		join := make([]string, len(parent))
		for i := range parent {
			join[i] = parent[i] + " = " + child[i]
		}
		query += fmt.Sprintf(" AND NOT EXISTS (SELECT 1 FROM %s r WHERE %s)",
			p.tableRef(&Table{Schema: fk.RefSchema, Name: fk.RefTable}), strings.Join(join, " AND "))
	}
	cols := strings.Join(fk.Columns, ", ")
	refName := qualify(fk.RefSchema, fk.RefTable)
	return p.countCheck(query, func(n int64) string {
		return fmt.Sprintf("cannot add foreign key %q: %s of (%s) %s no row of %q (delete or correct them first)",
			fk.Name, rowsWord(n), cols, verb(n, "references", "reference"), refName)
	})
}

// runPrechecks runs the prechecks of every change the plan applies, all in
// one query, and marks the changes whose check found rows as WouldFail.
func runPrechecks(ctx context.Context, db bun.IDB, plan *Plan) error {
	var (
		checked []*Change
		parts   []string
	)
	for _, c := range plan.Changes {
		if c.check == nil || c.Withheld || c.Class == WouldFail {
			continue
		}
		parts = append(parts, fmt.Sprintf("(SELECT count(*) FROM (%s LIMIT %d) AS s%d) AS c%d", c.check.query, checkLimit+1, len(parts), len(parts)))
		checked = append(checked, c)
	}
	if len(parts) == 0 {
		return nil
	}
	rows, err := db.QueryContext(ctx, "SELECT "+strings.Join(parts, ", "))
	if err != nil {
		return fmt.Errorf("prechecks: %w", err)
	}
	defer rows.Close()
	counts := make([]int64, len(parts))
	dest := make([]any, len(parts))
	for i := range counts {
		dest[i] = &counts[i]
	}
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return fmt.Errorf("prechecks: %w", err)
		}
		return fmt.Errorf("prechecks: no result")
	}
	if err := rows.Scan(dest...); err != nil {
		return fmt.Errorf("prechecks: %w", err)
	}
	for i, n := range counts {
		if n > 0 {
			checked[i].Class = WouldFail
			checked[i].Reason = checked[i].check.reason(n)
		}
	}
	return rows.Err()
}

// apply takes the lock, re-plans under it, and executes the plan.
func (m *Migrator) apply(ctx context.Context, opts MigrateOptions, want []*Table, then func(context.Context, bun.IDB) error) (*Plan, error) {
	start := time.Now()
	var plan *Plan
	err := m.d.migrate(ctx, m.db, m.lockTimeout, func(ctx context.Context, conn bun.IDB) error {
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
				return &ApplyError{Dialect: m.d.name(), Table: stmt.table, Statement: stmt.sql, RolledBack: m.d.transactional(), Err: err}
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
