package schema

import (
	"fmt"
	"slices"
)

// Foreign key type checks: the foreign keys the database cannot build
// because their columns' types, as the plan leaves them, cannot be joined.
// They need no query.

// typeAfter is the type of column col of table k once the plan has run.
func (p *planner) typeAfter(k tableKey, col string) (ColumnType, bool) {
	var c *Column
	switch t, a := p.created[k], p.altered[k]; {
	case t != nil:
		c = t.Column(col)
	case a != nil && a.targets[col] != nil:
		c = a.targets[col]
	case p.snap.tables[k] != nil:
		c = p.snap.tables[k].Column(col)
	}
	if c == nil {
		return ColumnType{}, false
	}
	return c.Type, true
}

// fkTypeProblem says why the database cannot join foreign key fk of table
// from once the plan has run, or "" when it can.
func (p *planner) fkTypeProblem(from tableKey, fk *ForeignKey) string {
	m, ok := p.d.(fkTypeMatcher)
	if !ok {
		return ""
	}
	to := keyOf(fk.RefSchema, fk.RefTable, p.snap.current)
	for i, col := range fk.Columns {
		child, ok1 := p.typeAfter(from, col)
		if !ok1 && i < len(fk.colTypes) { // a table outside the models
			child, ok1 = fk.colTypes[i], true
		}
		parent, ok2 := p.typeAfter(to, fk.RefColumns[i])
		if !ok2 && i < len(fk.refTypes) {
			parent, ok2 = fk.refTypes[i], true
		}
		if ok1 && ok2 && !m.fkTypesMatch(child, parent) {
			return fmt.Sprintf("foreign key %q would join %s column %q to %s column %q of table %q, which %s does not allow (give both columns compatible types in the models)",
				fk.Name, child, col, parent, fk.RefColumns[i], qualify(fk.RefSchema, fk.RefTable), p.d.name())
		}
	}
	return ""
}

// checkForeignKeyTypes refuses, before any DDL, the foreign keys the
// database would not accept: new ones between columns of incompatible
// types, and, where a type change re-validates the foreign keys on the
// column (PostgreSQL), the type changes that would break one. Dialects with
// fkTypesLocked drop and re-add those foreign keys instead (see
// unlinkForTypeChanges), which checks them there.
func (p *planner) checkForeignKeyTypes(alters []*alteration) {
	refuse := func(c *Change, reason string) {
		if reason != "" && c.Class != WouldFail {
			c.Class, c.Reason = WouldFail, reason
		}
	}
	for _, a := range alters {
		from := keyOf(a.want.Schema, a.want.Name, p.snap.current)
		for _, c := range a.changes {
			if c.Kind == AddForeignKey && !c.Withheld {
				refuse(c, p.fkTypeProblem(from, c.fk))
			}
		}
	}
	if p.d.features().has(fkTypesLocked) {
		return
	}
	retype := func(a *alteration, col string) *Change {
		for _, c := range a.changes {
			if (c.Kind == WidenType || c.Kind == ChangeType) && c.Column == col && !c.Withheld {
				return c
			}
		}
		return nil
	}
	for _, a := range alters {
		key := keyOf(a.want.Schema, a.want.Name, p.snap.current)
		dropped := map[*ForeignKey]bool{}
		for _, c := range a.changes {
			if c.Kind == DropForeignKey && !c.Withheld {
				dropped[c.fk] = true
			}
		}
		for _, fk := range a.live.ForeignKeys {
			for _, col := range fk.Columns {
				if c := retype(a, col); c != nil && !dropped[fk] {
					refuse(c, p.fkTypeProblem(key, fk))
				}
			}
		}
		for _, in := range p.snap.referencedBy[key] {
			if from := p.altered[in.from]; from != nil && slices.ContainsFunc(from.changes, func(c *Change) bool {
				return c.Kind == DropForeignKey && !c.Withheld && c.fk == in.fk
			}) {
				continue
			}
			for _, col := range in.fk.RefColumns {
				if c := retype(a, col); c != nil {
					refuse(c, p.fkTypeProblem(in.from, in.fk))
				}
			}
		}
	}
}
