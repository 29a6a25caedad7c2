package schema

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/uptrace/bun"
)

// Prechecks: the changes that would fail on the data as it is (NOT NULL
// over NULLs, duplicates under a new unique key, orphans under a new
// foreign key, values a type change cannot convert) and those the database
// cannot build (foreign keys between types it cannot join), found before
// any DDL runs. Count checks run as one query; conversion probes one each.

// checkRetypedKeys adds, to every applied type change of a column in a
// unique key the table keeps, a check that the converted values are still
// unique (narrowing a numeric scale can merge values).
func (p *planner) checkRetypedKeys(want *Table, a *alteration) {
	caster, ok := p.d.(valueCaster)
	if !ok {
		return
	}
	keys := slices.Clone(want.Indexes)
	if want.PrimaryKey != nil {
		keys = append(keys, &Index{Name: "primary key", Columns: want.PrimaryKey.Columns, Unique: true})
	}
	for _, c := range a.changes {
		if (c.Kind != WidenType && c.Kind != ChangeType) || c.Withheld || c.check != nil {
			continue
		}
		for _, ix := range keys {
			if !ix.Unique || ix.isExpr() || !slices.Contains(ix.Columns, c.Column) {
				continue
			}
			if _, ok := caster.castExpr(p.d.quote(c.Column), c.old.Type, c.target.Type); !ok {
				continue
			}
			if chk := p.duplicatesCheck(a.live, ix, false, a); chk != nil {
				chk.reason = retypeDuplicates(c, ix)
				c.check = chk
				break
			}
		}
	}
}

func retypeDuplicates(c *Change, ix *Index) func(int64) string {
	return func(n int64) string {
		return fmt.Sprintf("cannot change column %q to %s: %s of (%s) would be duplicated in %s %q (remove the duplicates first)",
			c.Column, c.target.Type, strings.Replace(rowsWord(n), "row", "value", 1), strings.Join(ix.Columns, ", "), objectWord(kindForIndex(ix, true)), ix.Name)
	}
}

// checkLimit caps how many offending rows a precheck counts: enough to say
// how bad it is without scanning a large table.
const checkLimit = 1000

// precheck is a query whose rows are the rows a change would fail on.
type precheck struct {
	query  string // SELECT ... listing offending rows (one per row or group)
	reason func(n int64) string
	// casts is true when the query converts a column to a new type, which
	// fails where the column's conversion probe refuses the change.
	casts bool
}

// countCheck makes a precheck from a query listing offending rows.
func (p *planner) countCheck(query string, reason func(n int64) string) *precheck {
	return &precheck{query: query, reason: reason}
}

// tableRef names a live table in a precheck: as it is named before the
// plan's renames, which run after the prechecks.
func (p *planner) tableRef(t *Table) string {
	name := t.Name
	if t.wasName != "" {
		name = t.wasName
	}
	if t.Schema == "" {
		return p.d.quote(name)
	}
	return p.d.quote(t.Schema) + "." + p.d.quote(name)
}

// colRef names a live table's column in a precheck, as it is named before
// the plan's renames.
func (p *planner) colRef(t *Table, name string) string {
	if old, ok := t.colWas[name]; ok {
		return p.d.quote(old)
	}
	return p.d.quote(name)
}

// physical is a live table as it is named before the plan's renames.
func (p *planner) physical(t *Table) *Table {
	if t.wasName == "" {
		return t
	}
	return &Table{Schema: t.Schema, Name: t.wasName}
}

// keyValue is what a precheck compares for a key column over the live
// rows: the SQL of the column's value once the plan has run.
type keyValue struct {
	expr string
	cast bool // expr converts the column to its new type
	// constant is true when every row gets the same value (a new column
	// with a constant default), none when every row gets NULL (a new column
	// without a default) and varies when the value is per row but unknown
	// before it exists (a volatile default, a generated value).
	constant, none, varies bool
}

// valueAfter is the value column name of the live table has once the plan
// has run: the column itself, converted when its type changes, or the
// default a new column fills the rows with. a is nil for a table the plan
// does not alter.
func (p *planner) valueAfter(live *Table, a *alteration, name string, prefix string) keyValue {
	q := prefix + p.colRef(live, name)
	if a == nil || (!a.added[name] && live.Column(name) != nil) {
		if a != nil && a.retyped(name) {
			if caster, ok := p.d.(valueCaster); ok {
				if expr, ok := caster.castExpr(q, live.Column(name).Type, a.targets[name].Type); ok {
					return keyValue{expr: expr, cast: true}
				}
			}
		}
		return keyValue{expr: q}
	}
	c := a.targets[name]
	switch {
	case c == nil || c.AutoIncrement || c.generated != "":
		return keyValue{varies: true}
	case c.Default == "":
		return keyValue{none: true}
	case constantDefault(c.Default):
		return keyValue{expr: "(" + c.defaultSQL() + ")", constant: true}
	default:
		return keyValue{expr: "(" + c.defaultSQL() + ")", varies: true}
	}
}

// constantDefault reports whether a normalised default gives every row the
// same value: a literal, or the time of the statement.
func constantDefault(d string) bool {
	if _, ok := canonicalNumber(d); ok || isQuoted(d) {
		return true
	}
	switch strings.ToLower(d) {
	case "true", "false", "current_timestamp", "current_date", "current_time", "now()", "localtimestamp", "localtime":
		return true
	}
	return strings.HasPrefix(d, "current_timestamp(")
}

// duplicatesCheck finds values that occur more than once in the key columns
// (and, for a primary key, rows with a NULL in them), as the key's columns
// will be once the plan has run (a is nil for a table it does not alter).
func (p *planner) duplicatesCheck(live *Table, ix *Index, pk bool, a *alteration) *precheck {
	var cols []string
	casts := false
	for _, name := range ix.Columns {
		v := p.valueAfter(live, a, name, "")
		casts = casts || v.cast
		switch {
		case v.none && !pk:
			return nil // NULL in every row: no two rows are equal
		case v.none:
			return p.countCheck("SELECT 1 FROM "+p.tableRef(live), func(n int64) string {
				return fmt.Sprintf("cannot add the primary key on (%s): column %q would be NULL in %s (give it a default)", strings.Join(ix.Columns, ", "), name, rowsWord(n))
			})
		case v.varies:
			return nil // values not known before they exist
		case v.constant:
			// The same value in every row: it adds nothing to the key.
		default:
			cols = append(cols, v.expr)
		}
	}
	what := fmt.Sprintf("unique index %q", ix.Name)
	if ix.Constraint {
		what = fmt.Sprintf("unique constraint %q", ix.Name)
	}
	var query string
	switch {
	case len(cols) == 0:
		// Every key column is new with a constant default: two rows collide.
		query = fmt.Sprintf("SELECT 1 FROM (SELECT count(*) AS n FROM %s) AS rows_ WHERE n > 1", p.tableRef(live))
	case pk:
		nulls := make([]string, len(cols))
		for i, c := range cols {
			nulls[i] = c + " IS NULL"
		}
		query = fmt.Sprintf("SELECT 1 FROM %s GROUP BY %s HAVING count(*) > 1 OR sum(CASE WHEN %s THEN 1 ELSE 0 END) > 0",
			p.tableRef(live), strings.Join(cols, ", "), strings.Join(nulls, " OR "))
	default:
		notNull := make([]string, len(cols))
		for i, c := range cols {
			notNull[i] = c + " IS NOT NULL"
		}
		query = fmt.Sprintf("SELECT 1 FROM %s WHERE %s GROUP BY %s HAVING count(*) > 1",
			p.tableRef(live), strings.Join(notNull, " AND "), strings.Join(cols, ", "))
	}
	if pk {
		what = "primary key"
	}
	colList := strings.Join(ix.Columns, ", ")
	return &precheck{query: query, casts: casts, reason: func(n int64) string {
		if len(cols) == 0 {
			return fmt.Sprintf("cannot add %s on (%s): every row would get the same default, and the table has more than one row (add the column without the key first, give the rows distinct values, then add the key)", what, colList)
		}
		return fmt.Sprintf("cannot add %s on (%s): %s duplicated (remove the duplicates first)",
			what, colList, strings.Replace(rowsWord(n), "row", "value", 1)+" "+verb(n, "is", "are"))
	}}
}

// orphansCheck finds rows whose foreign key columns, as they will be once
// the plan has run, reference no row of the referenced table. ref is nil
// when the referenced table is created by the same plan (so every non-NULL
// reference is an orphan).
func (p *planner) orphansCheck(live, ref *Table, fk *ForeignKey, a *alteration) *precheck {
	if ref != nil && !hasColumns(ref, fk.RefColumns) {
		return nil
	}
	child := make([]string, len(fk.Columns))
	casts := false
	for i, name := range fk.Columns {
		v := p.valueAfter(live, a, name, "c.")
		casts = casts || v.cast
		if v.none {
			return nil // NULL references nothing
		}
		if v.expr == "" {
			return nil
		}
		child[i] = v.expr
	}
	conds := make([]string, len(child))
	for i, c := range child {
		conds[i] = c + " IS NOT NULL"
	}
	query := fmt.Sprintf("SELECT 1 FROM %s c WHERE %s", p.tableRef(live), strings.Join(conds, " AND "))
	if ref != nil {
		join := make([]string, len(fk.RefColumns))
		for i, col := range fk.RefColumns {
			join[i] = "r." + p.colRef(ref, col) + " = " + child[i]
		}
		query += fmt.Sprintf(" AND NOT EXISTS (SELECT 1 FROM %s r WHERE %s)", p.tableRef(ref), strings.Join(join, " AND "))
	}
	cols := strings.Join(fk.Columns, ", ")
	refName := qualify(fk.RefSchema, fk.RefTable)
	return &precheck{query: query, casts: casts, reason: func(n int64) string {
		return fmt.Sprintf("cannot add foreign key %q: %s of (%s) %s no row of %q (delete or correct them first)",
			fk.Name, rowsWord(n), cols, verb(n, "references", "reference"), refName)
	}}
}

// hasColumns reports whether the table has every column.
func hasColumns(t *Table, cols []string) bool {
	for _, c := range cols {
		if t.Column(c) == nil {
			return false
		}
	}
	return true
}

// runPrechecks runs the prechecks of every change the plan applies and
// marks the changes that would fail on the data as WouldFail: the count
// checks in one query (two when type changes convert values the checks
// compare), and a conversion probe per incompatible type change.
func runPrechecks(ctx context.Context, db bun.IDB, plan *Plan) error {
	// Checks of the values as they are first, then the conversion probes
	// of the changes that passed them, then the checks that compare
	// converted values, which fail where a probe does.
	if err := runCounts(ctx, db, plan, false); err != nil {
		return err
	}
	refused, err := runProbes(ctx, db, plan)
	if err != nil || refused {
		return err
	}
	return runCounts(ctx, db, plan, true)
}

// runCounts runs the count checks (those that convert values, or those
// that do not) of every change the plan applies, all in one query, and
// marks the changes whose check found rows as WouldFail.
func runCounts(ctx context.Context, db bun.IDB, plan *Plan, casts bool) error {
	var (
		checked []*Change
		parts   []string
	)
	for _, c := range plan.Changes {
		if c.check == nil || c.check.casts != casts || c.Withheld || c.Class == WouldFail {
			continue
		}
		parts = append(parts, fmt.Sprintf("(SELECT count(*) FROM (%s LIMIT %d) AS s%d) AS c%d", c.check.query, checkLimit+1, len(parts), len(parts)))
		checked = append(checked, c)
	}
	if len(parts) == 0 {
		return nil
	}
	counts := make([]int64, len(parts))
	dest := make([]any, len(parts))
	for i := range counts {
		dest[i] = &counts[i]
	}
	if err := db.QueryRowContext(ctx, "SELECT "+strings.Join(parts, ", ")).Scan(dest...); err != nil {
		return fmt.Errorf("prechecks: %w", err)
	}
	for i, n := range counts {
		if n > 0 {
			checked[i].Class = WouldFail
			checked[i].Reason = checked[i].check.reason(n)
		}
	}
	return nil
}

// runProbes converts, for every type change the plan applies, the column's
// values as the change would, marks the changes whose values do not convert
// as WouldFail, and reports whether there was one. Each probe is a query of
// its own: it fails rather than counts.
func runProbes(ctx context.Context, db bun.IDB, plan *Plan) (refused bool, err error) {
	for _, c := range plan.Changes {
		if c.probe == nil || c.Withheld || c.Class == WouldFail {
			continue
		}
		reason, err := c.probe(ctx, db)
		if err != nil {
			return false, fmt.Errorf("prechecks: table %q: convert column %q to %s: %w", c.Table, c.Column, c.col.Type, err)
		}
		if reason != "" {
			c.Class, c.Reason, refused = WouldFail, reason, true
		}
	}
	return refused, nil
}

// rowsWord renders a row count found by a precheck, which counts at most
// checkLimit+1 rows.
func rowsWord(n int64) string {
	switch {
	case n > checkLimit:
		return fmt.Sprintf("more than %d rows", checkLimit)
	case n == 1:
		return "1 row"
	default:
		return fmt.Sprintf("%d rows", n)
	}
}

func verb(n int64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
