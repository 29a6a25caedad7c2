package schema

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/uptrace/bun"
)

// Comparing one model table with its live table: columns (one decision per
// column), then keys (diff_keys.go).

// alteration is the set of changes to one existing table.
type alteration struct {
	want, live *Table
	changes    []*Change // applied in its ALTER TABLE
	dropIdx    []*Change // DROP INDEX statements, run before any ALTER
	createIdx  []*Change // CREATE INDEX statements, run after every ALTER
	// targets are the model's columns as the plan leaves them (a withheld
	// change keeps the live attribute); added marks the columns it adds.
	targets map[string]*Column
	added   map[string]bool
	// renames are the table's column renames, run before anything else
	// changes it.
	renames []*Change
	// unlinked are the live foreign keys dropped before any ALTER TABLE
	// (unlinkForTypeChanges): the table's ALTER no longer finds them, nor
	// unlinkedIndexes, the live indexes (by name) dropped with them.
	unlinked        map[*ForeignKey]bool
	unlinkedIndexes map[string]bool
}

// diffTable compares one model table with its live table.
func (p *planner) diffTable(want, live *Table) *alteration {
	a := &alteration{want: want, targets: map[string]*Column{}, added: map[string]bool{}}
	table := want.qualifiedName()
	add := func(c *Change) {
		c.Table = table
		p.withhold(c)
		a.changes = append(a.changes, c)
	}
	live = p.renameColumns(want, live, a)
	a.live = live

	for _, c := range want.Columns {
		lc := live.Column(c.Name)
		if lc == nil {
			ch := &Change{Kind: AddColumn, Class: Safe, Column: c.Name, To: describeColumn(c), col: c, target: c}
			if !c.Nullable && c.Default == "" && !c.AutoIncrement {
				ch.check = p.countCheck("SELECT 1 FROM "+p.tableRef(live), func(n int64) string {
					return fmt.Sprintf("cannot add NOT NULL column %q without a default: %s %s (add a default or make it nullable)", c.Name, rowsWord(n), verb(n, "exists", "exist"))
				})
			}
			a.targets[c.Name], a.added[c.Name] = c, true
			add(ch)
			continue
		}
		a.targets[c.Name] = lc
		for _, ch := range p.diffColumn(live, lc, c) {
			a.targets[c.Name] = ch.target
			add(ch)
		}
	}
	for _, lc := range live.Columns {
		if want.Column(lc.Name) == nil {
			add(&Change{Kind: DropColumn, Class: Destructive, Column: lc.Name, From: describeColumn(lc), old: lc,
				Reason: fmt.Sprintf("column %q is not in model %q; dropping it deletes its data", lc.Name, want.Model)})
		}
	}

	p.diffPrimaryKey(want, live, a, add)
	p.diffIndexes(want, live, a, add)
	p.diffForeignKeys(want, live, a, add)
	p.diffChecks(want, live, a, add)
	// Decisions that withhold changes after the fact, then the prechecks,
	// which judge the values as the applied changes leave them.
	p.checkBlocking(a)
	p.checkIndexesAfter(want, a)
	p.checkSetNullKeys(a)
	p.attachKeyChecks(live, a)
	p.checkRetypedKeys(want, a)

	// Drop before add within one ALTER TABLE (a dialect may rely on it).
	slices.SortStableFunc(a.changes, func(x, y *Change) int { return dropRank(x) - dropRank(y) })
	if len(a.changes)+len(a.dropIdx)+len(a.createIdx)+len(a.renames) == 0 {
		return nil
	}
	return a
}

// renameColumns renames, for model columns declared with earlier names
// (slipway:"was:old"), the live column of an earlier name when none has the
// model's name yet: RenameColumn changes in a.renames, and the live table
// as the renames leave it (a copy; colWas remembers the names the
// prechecks must use). A live column of the new name and one of an earlier
// name is refused.
func (p *planner) renameColumns(want, live *Table, a *alteration) *Table {
	table := want.qualifiedName()
	renamed := live
	for _, c := range want.Columns {
		for _, old := range c.was {
			if renamed.Column(old) == nil {
				continue
			}
			ch := &Change{Kind: RenameColumn, Class: Safe, Table: table, Column: c.Name, From: old}
			if renamed.Column(c.Name) != nil {
				ch.Class = WouldFail
				ch.Reason = fmt.Sprintf("columns %q and %q both exist, and model %q says %q was %q: drop the one you no longer need (or move its values), or remove the was tag",
					c.Name, old, want.Model, c.Name, old)
				a.renames = append(a.renames, ch)
				break
			}
			if renamed == live {
				renamed = cloneForRename(live)
			}
			renameColumnIn(renamed, old, c.Name)
			key := keyOf(want.Schema, want.Name, p.snap.current)
			for _, in := range p.snap.referencedBy[key] {
				for i, col := range in.fk.RefColumns {
					if col == old {
						in.fk.RefColumns[i] = c.Name
					}
				}
			}
			a.renames = append(a.renames, ch)
			break
		}
	}
	return renamed
}

// cloneForRename copies a live table deeply enough to rename its columns.
func cloneForRename(t *Table) *Table {
	c := *t
	c.Columns = make([]*Column, len(t.Columns))
	for i, col := range t.Columns {
		cp := *col
		c.Columns[i] = &cp
	}
	if t.PrimaryKey != nil {
		pk := *t.PrimaryKey
		pk.Columns = slices.Clone(pk.Columns)
		c.PrimaryKey = &pk
	}
	c.Indexes = make([]*Index, len(t.Indexes))
	for i, ix := range t.Indexes {
		cp := *ix
		cp.Columns = slices.Clone(ix.Columns)
		c.Indexes[i] = &cp
	}
	c.ForeignKeys = make([]*ForeignKey, len(t.ForeignKeys))
	for i, fk := range t.ForeignKeys {
		cp := *fk
		cp.Columns, cp.RefColumns = slices.Clone(fk.Columns), slices.Clone(fk.RefColumns)
		c.ForeignKeys[i] = &cp
	}
	c.colWas = map[string]string{}
	for k, v := range t.colWas {
		c.colWas[k] = v
	}
	return &c
}

// renameColumnIn renames column from to to in t, its keys included.
func renameColumnIn(t *Table, from, to string) {
	rename := func(cols []string) {
		for i, c := range cols {
			if c == from {
				cols[i] = to
			}
		}
	}
	t.Column(from).Name = to
	if t.PrimaryKey != nil {
		rename(t.PrimaryKey.Columns)
	}
	for _, ix := range t.Indexes {
		rename(ix.Columns)
	}
	for _, fk := range t.ForeignKeys {
		rename(fk.Columns)
		if keyOf(fk.RefSchema, fk.RefTable, "") == keyOf(t.Schema, t.Name, "") {
			rename(fk.RefColumns) // a self reference
		}
	}
	physical := from
	if was, ok := t.colWas[from]; ok {
		physical = was
		delete(t.colWas, from)
	}
	t.colWas[to] = physical
}

// withhold marks a destructive or extra change as withheld unless the
// migration allows data loss.
func (p *planner) withhold(c *Change) {
	if (c.Class == Destructive || c.Class == Extra) && !p.opts.AllowDataLoss && !c.Withheld {
		c.Withheld = true
		c.Reason += " (set AllowDataLoss to apply it)"
	}
}

func dropRank(c *Change) int {
	switch c.Kind {
	case DropForeignKey, DropUnique, DropPrimaryKey, DropCheck:
		return 0
	case AddForeignKey, AddCheck:
		return 2
	default:
		return 1
	}
}

// isColumnChange reports the kinds that change one attribute of an existing
// column.
func isColumnChange(k Kind) bool {
	switch k {
	case WidenType, ChangeType, SetNotNull, DropNotNull, SetDefault, DropDefault, AddAutoIncrement, DropAutoIncrement, SetComment:
		return true
	}
	return false
}

// applyAttr sets on col the attribute a column change of kind k changes,
// taken from src.
func applyAttr(col *Column, k Kind, src *Column) {
	switch k {
	case WidenType, ChangeType:
		col.Type = src.Type
	case SetNotNull, DropNotNull:
		col.Nullable = src.Nullable
	case SetDefault, DropDefault:
		col.Default, col.rawDefault = src.Default, src.rawDefault
	case AddAutoIncrement, DropAutoIncrement:
		col.AutoIncrement, col.identity = src.AutoIncrement, src.identity
	case SetComment:
		col.Comment, col.commented = src.Comment, true
	}
}

// diffColumn compares a model column with its live column and decides about
// the column as a whole: the changes it reports, which of them apply, and
// the column the plan leaves (each change's target). A default the model
// writes for a new type waits for that type change: while the type change
// is withheld, so is the default, which the old type may not accept.
func (p *planner) diffColumn(live *Table, lc, c *Column) []*Change {
	var out []*Change
	var retype *Change
	if !lc.Type.equal(c.Type) {
		retype = &Change{Column: c.Name, From: lc.Type.String(), To: c.Type.String(), col: c, old: lc}
		if p.d.widens(lc.Type, c.Type) {
			retype.Kind, retype.Class = WidenType, Safe
		} else {
			retype.Kind, retype.Class = ChangeType, Destructive
			retype.Reason = fmt.Sprintf("changing %s to %s may lose or alter data", lc.Type, c.Type)
			if n := c.Type.Length(); n > 0 && lc.Type.Length() != n && (c.Type.Name == "varchar" || c.Type.Name == "char") {
				q := p.colRef(live, c.Name)
				retype.check = p.countCheck(fmt.Sprintf("SELECT 1 FROM %s WHERE %s > %d", p.tableRef(live), p.d.lengthExpr(q), n),
					func(n int64) string {
						return fmt.Sprintf("cannot narrow column %q to %s: %s %s longer values (shorten them first)", c.Name, c.Type, rowsWord(n), verb(n, "holds", "hold"))
					})
			}
		}
		p.withhold(retype)
		if conv, ok := p.d.(converter); ok && retype.Kind == ChangeType && !retype.Withheld {
			table, col := p.physical(live), live.colWas[c.Name]
			if col == "" {
				col = c.Name
			}
			retype.probe = func(ctx context.Context, db bun.IDB) (string, error) {
				return conv.probeConversion(ctx, db, table, col, retype)
			}
		}
		out = append(out, retype)
	}
	switch {
	case lc.Nullable && !c.Nullable:
		q := p.colRef(live, c.Name)
		out = append(out, &Change{Kind: SetNotNull, Class: Safe, Column: c.Name, From: "NULL", To: "NOT NULL", col: c, old: lc,
			check: p.countCheck(fmt.Sprintf("SELECT 1 FROM %s WHERE %s IS NULL", p.tableRef(live), q), func(n int64) string {
				return fmt.Sprintf("cannot make column %q NOT NULL: %s %s NULL (fill them in first, or keep the column nullable)", c.Name, rowsWord(n), verb(n, "holds", "hold"))
			})})
	case !lc.Nullable && c.Nullable:
		out = append(out, &Change{Kind: DropNotNull, Class: Safe, Column: c.Name, From: "NOT NULL", To: "NULL", col: c, old: lc})
	}
	switch {
	case c.AutoIncrement && !lc.AutoIncrement:
		out = append(out, &Change{Kind: AddAutoIncrement, Class: Safe, Column: c.Name, From: "(none)", To: "auto-increment", col: c, old: lc})
	case !c.AutoIncrement && lc.AutoIncrement:
		out = append(out, &Change{Kind: DropAutoIncrement, Class: Extra, Column: c.Name, From: "auto-increment", To: "(none)", col: c, old: lc,
			Reason: fmt.Sprintf("the database generates values for column %q and the model does not ask for it", c.Name)})
	}
	if !c.AutoIncrement && !lc.AutoIncrement && c.Default != lc.Default {
		ch := &Change{Kind: SetDefault, Class: Safe, Column: c.Name, From: defaultWord(lc.Default), To: defaultWord(c.Default), col: c, old: lc}
		switch {
		case c.Default == "":
			ch.Kind = DropDefault
		case retype != nil && retype.Withheld:
			ch.Withheld = true
			ch.Reason = fmt.Sprintf("the default is written for type %s; it waits for the type change of column %q, which is withheld", c.Type, c.Name)
		}
		out = append(out, ch)
	}
	if c.commented && c.Comment != lc.Comment {
		out = append(out, &Change{Kind: SetComment, Class: Safe, Column: c.Name, From: commentWord(lc.Comment), To: commentWord(c.Comment), col: c, old: lc})
	}
	if len(out) == 0 {
		return nil
	}
	target := *lc
	for _, ch := range out {
		if !ch.Withheld {
			applyAttr(&target, ch.Kind, c)
		}
	}
	if retype != nil && !retype.Withheld && c.Default == lc.Default && c.rawDefault != "" {
		target.rawDefault = c.rawDefault // the model writes it for the new type
	}
	for _, ch := range out {
		ch.target = &target
	}
	return out
}

// retyped reports whether the plan changes the type of live column name.
func (a *alteration) retyped(name string) bool {
	lc, t := a.live.Column(name), a.targets[name]
	return lc != nil && t != nil && !lc.Type.equal(t.Type)
}

// checkBlocking marks the changes that rewrite or scan the table under a
// lock blocking its writes, when the table is estimated above the row
// threshold: Blocking (a destructive change keeps its class), withheld
// unless AllowBlocking, with the changes that depend on them.
func (p *planner) checkBlocking(a *alteration) {
	b, ok := p.d.(blocker)
	if ok && p.rowsOf != nil && p.blockRows >= 0 && slices.ContainsFunc(a.changes, func(c *Change) bool {
		lock, _ := b.blocks(c, a.live)
		return lock != "" && !c.Withheld && c.Class != WouldFail
	}) {
		a.live.rows = p.rowsOf(a.live) // read only when a change would block
	}
	small := p.blockRows < 0 || a.live.rows <= p.blockRows
	a.live.blockOK = small || p.opts.AllowBlocking
	if !ok || small {
		return
	}
	for _, c := range a.changes {
		if c.Withheld || c.Class == WouldFail {
			continue
		}
		lock, instead := b.blocks(c, a.live)
		if lock == "" {
			continue
		}
		if c.Class == Safe {
			c.Class = Blocking
		}
		if p.opts.AllowBlocking {
			continue
		}
		reason := fmt.Sprintf("%s on table %q, about %s rows (more than %s); instead: %s (or set AllowBlocking, in a maintenance window)",
			lock, a.want.qualifiedName(), thousands(a.live.rows), thousands(p.blockRows), instead)
		switch c.Kind {
		case WidenType, ChangeType:
			a.withholdRetype(c, reason)
		default:
			c.Withheld, c.Reason = true, reason
		}
	}
	for _, c := range a.changes {
		if c.Kind == AddColumn && c.Withheld {
			a.withholdDependents(c.Column)
		}
	}
}

// attachKeyChecks gives the new keys that asked for one the precheck of
// the rows they must hold: no duplicates under a primary key or unique
// key, no orphans under a foreign key — as the applied changes leave the
// values.
func (p *planner) attachKeyChecks(live *Table, a *alteration) {
	for _, c := range slices.Concat(a.changes, a.createIdx) {
		if !c.checkRows || c.Withheld || c.Class == WouldFail {
			continue
		}
		switch c.Kind {
		case AddPrimaryKey:
			c.check = p.duplicatesCheck(live, &Index{Columns: c.pk.Columns, Unique: true}, true, a)
		case AddUnique, AddIndex:
			c.check = p.duplicatesCheck(live, c.index, false, a)
		case AddForeignKey:
			c.check = p.orphansCheck(live, p.snap.table(c.fk.RefSchema, c.fk.RefTable), c.fk, a)
		case AddCheck:
			// The condition names columns as the plan leaves them: when the
			// plan adds, renames or converts columns, the database judges
			// the rows itself as the constraint is added (and refuses it
			// with nothing applied, or, on PostgreSQL, leaves it NOT VALID
			// to be replaced by the next migration).
			if len(live.colWas) > 0 || slices.ContainsFunc(a.changes, func(o *Change) bool {
				return !o.Withheld && (o.Kind == AddColumn || o.Kind == ChangeType || o.Kind == WidenType)
			}) {
				continue
			}
			name := c.Name
			c.check = p.countCheck(fmt.Sprintf("SELECT 1 FROM %s WHERE NOT (%s)", p.tableRef(live), c.chk.Expr), func(n int64) string {
				return fmt.Sprintf("cannot add CHECK constraint %q: %s %s its condition (correct them first)", name, rowsWord(n), verb(n, "breaks", "break"))
			})
		}
	}
}

// withholdDependents withholds the keys that use a column whose addition
// is withheld.
func (a *alteration) withholdDependents(col string) {
	for _, c := range slices.Concat(a.changes, a.createIdx) {
		var cols []string
		switch {
		case c.index != nil:
			cols = c.index.Columns
		case c.fk != nil && c.Kind == AddForeignKey:
			cols = c.fk.Columns
		case c.pk != nil && c.Kind == AddPrimaryKey:
			cols = c.pk.Columns
		}
		if !c.Withheld && slices.Contains(cols, col) && (c.Kind == AddIndex || c.Kind == AddUnique || c.Kind == AddForeignKey || c.Kind == AddPrimaryKey) {
			c.Withheld = true
			c.Reason = fmt.Sprintf("it waits for column %q, whose addition is withheld", col)
		}
	}
}

// thousands writes n with thousands separators: 1,000,000.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func commentWord(c string) string {
	if c == "" {
		return "no comment"
	}
	return "COMMENT " + quoteString(c)
}
