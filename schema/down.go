package schema

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Undoing a plan, for the down of a migration file. The database as the
// plan leaves it is computed from the inspection the plan was made from and
// the changes it applies; the down is then planned like any migration, from
// that state back to the inspected one, by the same diff and the same DDL
// writers, with every change allowed. Tables the plan creates are dropped
// last. A plan that deletes data (a dropped column, a rebuild) cannot be
// undone: its down says why instead.

// reversal is what undoes a plan.
type reversal struct {
	// plan undoes the plan; nil when it cannot be undone.
	plan *Plan
	// irreversible says why the plan cannot be undone.
	irreversible []string
	// schemas are the schemas the plan creates, which the down leaves.
	schemas []string
}

// reverse computes what undoes p's applied changes.
func (p *Plan) reverse() (*reversal, error) {
	if p.snap == nil {
		return nil, errors.New("the plan carries no inspection of the database (make it with Migrator.Plan)")
	}
	r := &reversal{}
	byTable := map[string][]*Change{}
	created := map[string]bool{}
	for _, c := range p.Changes {
		if c.Withheld || c.Class == WouldFail {
			continue
		}
		switch c.Kind {
		case DropColumn:
			r.irreversible = append(r.irreversible, fmt.Sprintf("it drops column %s.%s and the data in it", c.Table, c.Column))
		case DropTable:
			r.irreversible = append(r.irreversible, fmt.Sprintf("it drops table %s and its rows", c.Table))
		case CreateSchema:
			r.schemas = append(r.schemas, c.Name)
		case CreateTable:
			created[c.Table] = true
		}
		byTable[c.Table] = append(byTable[c.Table], c)
	}
	if len(r.irreversible) > 0 {
		return r, nil
	}

	current := p.snap.current
	key := func(t *Table) tableKey { return keyOf(t.Schema, t.Name, current) }
	// The plan's renames, to name things in the down's models as they were:
	// tables by their new qualified name, columns by table and new name.
	tableWas := map[tableKey]string{}
	colWas := map[tableKey]map[string]string{}
	for _, c := range p.Changes {
		if c.Withheld || c.Class == WouldFail {
			continue
		}
		switch c.Kind {
		case RenameTable:
			tableWas[qualifiedKey(c.Table, current)] = splitQualified("", c.From).name
		case RenameColumn:
			k := qualifiedKey(c.Table, current)
			if colWas[k] == nil {
				colWas[k] = map[string]string{}
			}
			colWas[k][c.Column] = c.From
		}
	}
	// The snapshot after the plan: every table deep-copied, so that the
	// down's planner, which renames in it, changes nothing of the plan's.
	after := &snapshot{current: current, tables: map[tableKey]*Table{}, others: p.snap.others,
		referencedBy: map[tableKey][]inboundFK{}, missingSchemas: map[string]bool{}}
	for k, t := range p.snap.tables {
		after.tables[k] = cloneForRename(t)
	}
	models := map[tableKey]bool{}
	var (
		before []*Table // the tables as they were, the down's models
		drops  []*Table // the tables the plan creates
	)
	for _, w := range p.want {
		k := key(w)
		models[k] = true
		live := p.snap.tables[k]
		if live == nil || created[w.qualifiedName()] {
			if created[w.qualifiedName()] {
				drops = append(drops, w)
			}
			delete(after.tables, k)
			continue
		}
		after.tables[k] = tableAfter(live, byTable[w.qualifiedName()])
		// The table as it was: its columns, keys and name before the
		// plan, the new names as renames to undo.
		b := cloneForRename(live)
		b.Schema, b.Name, b.Model, b.wasName, b.colWas = w.Schema, w.Name, w.Model, "", nil
		if old, ok := tableWas[k]; ok {
			b.Name, b.was = old, []string{w.Name}
		}
		for _, c := range b.Columns {
			c.commented = !p.d.features().has(noComments) // the comment as it was, too
		}
		for newName, old := range colWas[k] {
			if c := b.Column(old); c != nil {
				c.was = []string{newName}
			}
		}
		for _, fk := range b.ForeignKeys {
			ref := keyOf(fk.RefSchema, fk.RefTable, current)
			for i, col := range fk.RefColumns {
				if old, ok := colWas[ref][col]; ok {
					fk.RefColumns[i] = old
				}
			}
			if old, ok := tableWas[ref]; ok {
				fk.RefTable = old
			}
		}
		b.Indexes = slices.DeleteFunc(b.Indexes, func(ix *Index) bool { return ix.invalid })
		before = append(before, b)
	}
	// Foreign keys into the tables: those of other tables as inspected,
	// those of the model tables as the plan leaves them.
	for k, in := range p.snap.referencedBy {
		for _, fk := range in {
			if models[fk.from] {
				continue
			}
			cp := *fk.fk
			if t := after.tables[fk.from]; t != nil {
				if i := slices.IndexFunc(t.ForeignKeys, func(o *ForeignKey) bool { return o.Name == fk.fk.Name }); i >= 0 {
					cp = *t.ForeignKeys[i]
				}
			}
			after.referencedBy[k] = append(after.referencedBy[k], inboundFK{from: fk.from, fk: &cp})
		}
	}
	for k, t := range after.tables {
		if !models[k] {
			continue
		}
		for _, fk := range t.ForeignKeys {
			ref := keyOf(fk.RefSchema, fk.RefTable, current)
			after.referencedBy[ref] = append(after.referencedBy[ref], inboundFK{from: k, fk: fk})
		}
	}

	pl := &planner{d: p.d, opts: MigrateOptions{AllowDataLoss: true, AllowBlocking: true}, snap: after, want: before, blockRows: -1}
	down := pl.plan()
	if refused := down.Refused(); len(refused) > 0 {
		return nil, fmt.Errorf("undo the plan: %s", refusal(refused[0]))
	}
	if len(drops) > 0 {
		drop := p.d.dropTables(drops)
		names := make([]string, len(drops))
		for i, t := range drops {
			names[i] = t.qualifiedName()
			down.Changes = append(down.Changes, &Change{Kind: DropTable, Class: Destructive, Table: t.qualifiedName(), SQL: joinSQL(stmts(drop...)),
				Reason: "the migration creates it"})
		}
		down.add(strings.Join(names, ", "), stmts(drop...)...)
	}
	r.plan = down
	return r, nil
}

// tableAfter is live as the applied changes leave it.
func tableAfter(live *Table, changes []*Change) *Table {
	t := *cloneForRename(live)
	t.Checks = slices.Clone(live.Checks)
	t.rows, t.planned, t.blockOK = 0, false, false
	for _, c := range changes {
		if c.Kind == RenameColumn && t.Column(c.From) != nil {
			renameColumnIn(&t, c.From, c.Column)
		}
	}
	t.wasName, t.colWas = "", nil
	for _, c := range changes {
		switch {
		case c.Kind == AddCheck:
			t.Checks = append(t.Checks, c.chk)
		case c.Kind == DropCheck:
			t.Checks = slices.DeleteFunc(t.Checks, func(ch *Check) bool { return ch.Name == c.Name })
		case c.Kind == AddColumn:
			col := *c.col
			t.Columns = append(t.Columns, &col)
		case c.Kind == DropColumn:
			t.Columns = slices.DeleteFunc(t.Columns, func(col *Column) bool { return col.Name == c.Column })
		case isColumnChange(c.Kind):
			if i := slices.IndexFunc(t.Columns, func(col *Column) bool { return col.Name == c.Column }); i >= 0 {
				col := *c.target
				t.Columns[i] = &col
			}
		case c.Kind == AddPrimaryKey:
			pk := *c.pk
			if pk.Name == "" {
				pk.Name = pkName(&Table{Name: live.Name})
			}
			t.PrimaryKey = &pk
		case c.Kind == DropPrimaryKey:
			t.PrimaryKey = nil
		case c.Kind == AddUnique || c.Kind == AddIndex:
			t.Indexes = append(t.Indexes, c.index)
		case c.Kind == DropUnique || c.Kind == DropIndex:
			t.Indexes = slices.DeleteFunc(t.Indexes, func(ix *Index) bool { return ix == c.index || ix.Name == c.Name })
		case c.Kind == AddForeignKey:
			t.ForeignKeys = append(t.ForeignKeys, c.fk)
		case c.Kind == DropForeignKey:
			t.ForeignKeys = slices.DeleteFunc(t.ForeignKeys, func(fk *ForeignKey) bool { return fk == c.fk || fk.Name == c.Name })
		}
	}
	for i, col := range t.Columns {
		pk := t.PrimaryKey != nil && slices.Contains(t.PrimaryKey.Columns, col.Name)
		if col.PrimaryKey != pk {
			cp := *col
			cp.PrimaryKey = pk
			t.Columns[i] = &cp
		}
	}
	return &t
}

// qualifiedKey is the key of a table named as plans name it ("schema.table"
// or "table").
func qualifiedKey(name, current string) tableKey {
	k := splitQualified("", name)
	return keyOf(k.schema, k.name, current)
}
