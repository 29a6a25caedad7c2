package schema

import (
	"fmt"
	"slices"
)

// Foreign keys around type changes: on a dialect with fkTypesLocked, the
// foreign keys on columns whose type changes are dropped before any table
// is altered and added again after every ALTER TABLE.

// unlinkForTypeChanges plans, for a dialect with fkTypesLocked, dropping the
// foreign keys on columns whose type changes, before any table is altered,
// and returns the alterations adding them again, to run after every ALTER
// TABLE. A foreign key of a table outside the migration, or one whose
// columns' types would no longer match, makes the type change WouldFail.
// A run that fails in between leaves a foreign key missing; the next run
// adds it again.
func (p *planner) unlinkForTypeChanges(plan *Plan, alters []*alteration) []*alteration {
	locker, ok := p.d.(fkTypeMatcher)
	if !ok || !p.d.features().has(fkTypesLocked) {
		return nil
	}
	key := func(t *Table) tableKey { return keyOf(t.Schema, t.Name, p.snap.current) }
	byKey := map[tableKey]*alteration{}
	typeChange := map[tableKey]map[string]*Change{}
	for _, a := range alters {
		k := key(a.want)
		byKey[k] = a
		for _, c := range a.changes {
			if (c.Kind == WidenType || c.Kind == ChangeType) && !c.Withheld {
				if typeChange[k] == nil {
					typeChange[k] = map[string]*Change{}
				}
				typeChange[k][c.Column] = c
			}
		}
	}
	if len(typeChange) == 0 {
		return nil
	}
	wantByKey := map[tableKey]*Table{}
	for _, t := range p.want {
		wantByKey[key(t)] = t
	}
	// typeOf is a column's type once the plan has run.
	typeOf := func(k tableKey, col string) (ColumnType, bool) {
		if c := typeChange[k][col]; c != nil {
			return c.col.Type, true
		}
		if t := p.snap.tables[k]; t != nil && t.Column(col) != nil {
			return t.Column(col).Type, true
		}
		return ColumnType{}, false
	}
	firstChange := func(k tableKey, cols []string) *Change {
		for _, col := range cols {
			if c := typeChange[k][col]; c != nil {
				return c
			}
		}
		return nil
	}

	// Every foreign key on a changed column, child or parent side, once.
	type link struct {
		from, to tableKey
		fk       *ForeignKey
	}
	var links []link
	seen := map[*ForeignKey]bool{}
	for _, a := range alters {
		k := key(a.want)
		if typeChange[k] == nil {
			continue
		}
		for _, fk := range a.live.ForeignKeys {
			if !seen[fk] && firstChange(k, fk.Columns) != nil {
				seen[fk] = true
				links = append(links, link{from: k, to: keyOf(fk.RefSchema, fk.RefTable, p.snap.current), fk: fk})
			}
		}
		for _, in := range p.snap.referencedBy[k] {
			if !seen[in.fk] && firstChange(k, in.fk.RefColumns) != nil {
				seen[in.fk] = true
				links = append(links, link{from: in.from, to: k, fk: in.fk})
			}
		}
	}

	// A foreign key added again goes into its table's own ALTER TABLE, which
	// orderAlters runs after the referenced table's, unless that table adds
	// foreign keys again too (a cycle could order them wrongly, and MySQL
	// checks a self reference against the table as it was): those come after
	// every ALTER TABLE.
	children := map[tableKey]bool{}
	for _, l := range links {
		children[l.from] = true
	}
	var relinks []*alteration
	for _, l := range links {
		fromName := qualify(p.snap.display(l.from.schema), l.from.name)
		blame := firstChange(l.to, l.fk.RefColumns)
		if blame == nil {
			blame = firstChange(l.from, l.fk.Columns)
		}
		want, live := wantByKey[l.from], p.snap.tables[l.from]
		if want == nil || live == nil {
			blame.Class = WouldFail
			blame.Reason = fmt.Sprintf("cannot change the type of column %q: foreign key %q of table %q uses it, and %s cannot change a column a foreign key uses; "+
				"that table is not among the models being migrated (add its model to Models, or drop the constraint first)", blame.Column, l.fk.Name, fromName, p.d.name())
			continue
		}
		// A foreign key the plan drops for good is not added again: the
		// types it would join do not matter.
		goneForGood := false
		if a := byKey[l.from]; a != nil {
			goneForGood = slices.ContainsFunc(a.changes, func(c *Change) bool {
				return c.Kind == DropForeignKey && c.fk == l.fk && !c.Withheld
			}) && !slices.ContainsFunc(a.changes, func(c *Change) bool {
				return c.Kind == AddForeignKey && !c.Withheld && c.Class != WouldFail && p.sameReference(c.fk, l.fk)
			})
		}
		for i, col := range l.fk.Columns {
			if goneForGood {
				break
			}
			child, ok1 := typeOf(l.from, col)
			parent, ok2 := typeOf(l.to, l.fk.RefColumns[i])
			if ok1 && !ok2 {
				// The referenced table is not among the models: its type
				// is unknown, and adding the key again could fail.
				blame.Class = WouldFail
				blame.Reason = fmt.Sprintf("cannot change the type of column %q: foreign key %q of table %q references table %q, which is not among the models being migrated, "+
					"so the new type cannot be checked against it (add its model to Models, or drop the constraint first)",
					blame.Column, l.fk.Name, fromName, qualify(p.snap.display(l.to.schema), l.to.name))
				break
			}
			if ok1 && ok2 && !locker.fkTypesMatch(child, parent) {
				blame.Class = WouldFail
				blame.Reason = fmt.Sprintf("foreign key %q of table %q would join %s column %q to %s column %q, which %s does not allow (give both columns the same type in the models)",
					l.fk.Name, fromName, child, col, parent, l.fk.RefColumns[i], p.d.name())
			}
		}
		if blame.Class == WouldFail {
			continue
		}

		// Take over what the diff already planned for this foreign key: an
		// applied drop runs first, and its replacement last.
		drop := &Change{Kind: DropForeignKey, Class: Safe, Table: want.qualifiedName(), Name: l.fk.Name, From: describeFK(l.fk), fk: l.fk,
			Reason: fmt.Sprintf("dropped while column types change, and added again after (%s)", p.d.name())}
		var readd *Change
		keep := true // add the live foreign key again
		if a := byKey[l.from]; a != nil {
			a.changes = slices.DeleteFunc(a.changes, func(c *Change) bool {
				switch {
				case c.Kind == DropForeignKey && c.fk == l.fk && !c.Withheld:
					drop, keep = c, false
					return true
				case c.Kind == AddForeignKey && !c.Withheld && c.Class != WouldFail && p.sameReference(c.fk, l.fk):
					readd = c
					return true
				}
				return false
			})
		}
		if readd == nil && keep {
			readd = &Change{Kind: AddForeignKey, Class: Safe, Table: want.qualifiedName(), Name: l.fk.Name, To: describeFK(l.fk), fk: p.qualifiedRef(want, l.fk),
				Reason: drop.Reason}
		}
		// The index the database made for the foreign key goes with it
		// (fkIndexDropper). When the table's own changes drop that index
		// too, its drop goes into this statement: the table's ALTER TABLE
		// would no longer find it.
		early := []*Change{drop}
		var gone *Index
		if fd, ok := p.d.(fkIndexDropper); ok {
			gone = fd.indexOfDroppedFK(want, live, l.fk)
		}
		a := byKey[l.from]
		if a != nil && gone != nil {
			a.changes = slices.DeleteFunc(a.changes, func(c *Change) bool {
				if (c.Kind == DropIndex || c.Kind == DropUnique) && !c.Withheld && c.Name == gone.Name {
					early = append(early, c)
					return true
				}
				return false
			})
		}
		plan.Changes = append(plan.Changes, early...)
		plan.add(want.qualifiedName(), p.d.alterTable(want, live, early)...)
		if a != nil {
			if a.unlinked == nil {
				a.unlinked, a.unlinkedIndexes = map[*ForeignKey]bool{}, map[string]bool{}
			}
			a.unlinked[l.fk] = true
			if gone != nil {
				a.unlinkedIndexes[gone.Name] = true
			}
		}
		switch {
		case readd == nil:
		case a != nil && !children[l.to]:
			a.changes = append(a.changes, readd)
		default:
			relinks = append(relinks, &alteration{want: want, live: live, changes: []*Change{readd}})
		}
	}
	return relinks
}

// liveAfterIndexDrops is the live table as its ALTER TABLE finds it: the
// indexes and foreign keys the plan drops beforehand (with the indexes that
// went with those foreign keys) are gone. (A dialect that rebuilds the
// table recreates the other indexes; new ones are created afterwards.)
func (a *alteration) liveAfterIndexDrops() *Table {
	dropped := map[*Index]bool{}
	for _, c := range a.dropIdx {
		if !c.Withheld {
			dropped[c.index] = true
		}
	}
	if len(dropped) == 0 && len(a.unlinked) == 0 {
		return a.live
	}
	t := *a.live
	t.Indexes = slices.DeleteFunc(slices.Clone(a.live.Indexes), func(ix *Index) bool { return dropped[ix] || a.unlinkedIndexes[ix.Name] })
	t.ForeignKeys = slices.DeleteFunc(slices.Clone(a.live.ForeignKeys), func(fk *ForeignKey) bool { return a.unlinked[fk] })
	return &t
}
