package schema

import (
	"errors"
	"fmt"
	"maps"
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
	after := &snapshot{current: current, tables: maps.Clone(p.snap.tables), others: p.snap.others,
		referencedBy: map[tableKey][]inboundFK{}, missingSchemas: map[string]bool{}}
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
		b := *live
		b.Schema, b.Name, b.Model = w.Schema, w.Name, w.Model
		b.Indexes = slices.DeleteFunc(slices.Clone(live.Indexes), func(ix *Index) bool { return ix.invalid })
		before = append(before, &b)
	}
	// Foreign keys into the tables: those of other tables as inspected,
	// those of the model tables as the plan leaves them.
	for k, in := range p.snap.referencedBy {
		for _, fk := range in {
			if !models[fk.from] {
				after.referencedBy[k] = append(after.referencedBy[k], fk)
			}
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
	t := *live
	t.Columns = slices.Clone(live.Columns)
	t.Indexes = slices.Clone(live.Indexes)
	t.ForeignKeys = slices.Clone(live.ForeignKeys)
	t.rows, t.planned, t.blockOK = 0, false, false
	for _, c := range changes {
		switch {
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
