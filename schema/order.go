package schema

import (
	"fmt"
	"slices"
	"strings"
)

// Ordering a plan: the planner walks the selected models, diffs each
// existing table (diff.go), and puts the statements in an order every
// database accepts: rebuild drops, foreign keys that must go first, new
// schemas and tables in foreign-key order, ALTER TABLEs after the tables
// their new foreign keys reference, then indexes and deferred foreign keys.

// planner turns the desired tables and a snapshot of the database into a
// Plan. It is shared by every dialect; the dialect writes the SQL.
type planner struct {
	d    dialect
	opts MigrateOptions
	snap *snapshot
	// want are the selected models' tables, in registration order.
	want []*Table
	// blockRows is the estimated number of rows above which a blocking
	// change is withheld (negative: none is).
	blockRows int64
	// rowsOf is the number of rows of a live table a change would block,
	// counted when near the threshold (Migrator.rowsOf); nil in tests.
	rowsOf func(t *Table) int64

	// The tables the plan creates and alters, by key, once diffed.
	created map[tableKey]*Table
	altered map[tableKey]*alteration
}

// qualifiedRef is fk as the DDL of table t must write it.
func (p *planner) qualifiedRef(t *Table, fk *ForeignKey) *ForeignKey {
	if !p.d.features().has(qualifyRefs) || fk.RefSchema != "" || t.Schema == "" || t.Schema == p.snap.current {
		return fk
	}
	q := *fk
	q.RefSchema = p.snap.current
	return &q
}

func (p *planner) plan() *Plan {
	plan := &Plan{Dialect: p.d.name(), Rebuild: p.opts.Rebuild, d: p.d}
	var (
		drops   []*Table // rebuild: existing tables to drop
		creates []*Table
		alters  []*alteration
	)
	// Renamed tables first: the snapshot then names them, and the foreign
	// keys that reference them, as they will be.
	for _, want := range p.want {
		if c := p.renameTable(want); c != nil {
			plan.Changes = append(plan.Changes, c)
			if c.Class != WouldFail {
				plan.add(want.qualifiedName(), stmts(c.SQL)...)
			}
		}
	}
	for _, want := range p.want {
		key := keyOf(want.Schema, want.Name, p.snap.current)
		if kind, ok := p.snap.others[key]; ok {
			plan.Changes = append(plan.Changes, &Change{
				Kind: CreateTable, Class: WouldFail, Table: want.qualifiedName(),
				Reason: fmt.Sprintf("a %s named %q exists where model %q needs a table (rename or drop it, or give the model another table name)", kind, want.Name, want.Model),
			})
			continue
		}
		live := p.snap.tables[key]
		switch {
		case live == nil:
			creates = append(creates, want)
		case p.opts.Rebuild:
			drops = append(drops, live)
			creates = append(creates, want)
		default:
			if a := p.diffTable(want, live); a != nil {
				alters = append(alters, a)
			}
		}
	}

	for _, a := range alters {
		plan.Changes = append(plan.Changes, a.renames...)
		plan.add(a.want.qualifiedName(), p.statements(a.renames, func(c *Change) []statement {
			return stmts(p.d.renameColumn(a.want, c.From, c.Column))
		})...)
	}

	p.created, p.altered = map[tableKey]*Table{}, map[tableKey]*alteration{}
	for _, t := range creates {
		p.created[keyOf(t.Schema, t.Name, p.snap.current)] = t
	}
	for _, a := range alters {
		p.altered[keyOf(a.want.Schema, a.want.Name, p.snap.current)] = a
	}
	p.checkForeignKeyTypes(alters)

	if len(drops) > 0 {
		p.planDrops(plan, drops)
	}
	if p.d.features().has(alterIndexes) {
		for _, a := range alters {
			a.changes = append(append(a.dropIdx, a.changes...), a.createIdx...)
			a.dropIdx, a.createIdx = nil, nil
		}
	}
	for _, a := range alters {
		plan.Changes = append(plan.Changes, a.dropIdx...)
		plan.add(a.want.qualifiedName(), p.statements(a.dropIdx, func(c *Change) []statement { return stmts(p.d.dropIndex(a.want, c.index)) })...)
	}
	relinks := p.unlinkForTypeChanges(plan, alters)
	p.planSchemas(plan, creates)
	deferred := append(p.planCreates(plan, creates), relinks...)
	for _, a := range p.orderAlters(alters) {
		plan.Changes = append(plan.Changes, a.changes...)
		plan.add(a.want.qualifiedName(), p.d.alterTable(a.want, a.liveAfterIndexDrops(), a.changes)...)
	}
	for _, a := range alters {
		plan.Changes = append(plan.Changes, a.createIdx...)
		plan.add(a.want.qualifiedName(), p.statements(a.createIdx, func(c *Change) []statement { return p.createIndexOn(a.want, c.index) })...)
	}
	for _, t := range creates {
		var idx []*Change
		for _, ix := range t.Indexes {
			if ix.Constraint {
				continue // part of CREATE TABLE
			}
			idx = append(idx, &Change{Kind: AddIndex, Class: Safe, Table: t.qualifiedName(), Name: ix.Name, To: describeIndex(ix), index: ix})
		}
		plan.Changes = append(plan.Changes, idx...)
		if in, ok := p.d.(inlineIndexer); ok {
			for _, c := range idx {
				c.SQL = in.indexClause(c.index) // written by createTable
			}
			continue
		}
		plan.add(t.qualifiedName(), p.statements(idx, func(c *Change) []statement { return stmts(p.d.createIndex(t, c.index)) })...)
	}
	for _, a := range deferred {
		plan.Changes = append(plan.Changes, a.changes...)
		plan.add(a.want.qualifiedName(), p.d.alterTable(a.want, a.live, a.changes)...)
	}
	return plan
}

// statements sets each change's SQL with what stmt writes for it and
// returns the statements of the applied ones.
func (p *planner) statements(changes []*Change, stmt func(*Change) []statement) []statement {
	var out []statement
	for _, c := range changes {
		ss := stmt(c)
		c.SQL = joinSQL(ss)
		if !c.Withheld {
			out = append(out, ss...)
		}
	}
	return out
}

// joinSQL is statements' SQL as one string, for a change's SQL field.
func joinSQL(ss []statement) string {
	sqls := make([]string, len(ss))
	for i, s := range ss {
		sqls[i] = s.sql
	}
	return strings.Join(sqls, "; ")
}

// createIndexOn writes a new index of an existing table: built without
// blocking writes where the dialect can (onlineIndexer).
func (p *planner) createIndexOn(t *Table, ix *Index) []statement {
	if oi, ok := p.d.(onlineIndexer); ok {
		return oi.createIndexOnline(t, ix)
	}
	return stmts(p.d.createIndex(t, ix))
}

// planDrops drops the tables of a rebuild, refusing when a table outside the
// rebuild references one of them.
func (p *planner) planDrops(plan *Plan, drops []*Table) {
	dropped := map[tableKey]bool{}
	for _, t := range drops {
		dropped[keyOf(t.Schema, t.Name, p.snap.current)] = true
	}
	var changes []*Change
	for _, t := range drops {
		c := &Change{Kind: DropTable, Class: Destructive, Table: t.qualifiedName(), Reason: "rebuild drops and re-creates it; its rows are lost"}
		for _, in := range p.snap.referencedBy[keyOf(t.Schema, t.Name, p.snap.current)] {
			if !dropped[in.from] {
				c.Class = WouldFail
				c.Reason = fmt.Sprintf("table %q references it (foreign key %q) and is not being rebuilt: add its model to Models or drop that constraint first",
					qualify(p.snap.display(in.from.schema), in.from.name), in.fk.Name)
				break
			}
		}
		changes = append(changes, c)
	}
	drop := p.d.dropTables(drops)
	for _, c := range changes {
		c.SQL = strings.Join(drop, "; ")
	}
	plan.Changes = append(plan.Changes, changes...)
	names := make([]string, len(drops))
	for i, t := range drops {
		names[i] = t.qualifiedName()
	}
	plan.add(strings.Join(names, ", "), stmts(drop...)...)
}

// planSchemas creates the schemas that tables to be created name and the
// database does not have (LoopBack's auto-migrate does the same).
func (p *planner) planSchemas(plan *Plan, creates []*Table) {
	sc, ok := p.d.(schemaCreator)
	if !ok {
		return // SQLite: an attached database, checked when inspecting
	}
	done := map[string]bool{}
	for _, t := range creates {
		if t.Schema == "" || !p.snap.missingSchemas[t.Schema] || done[t.Schema] {
			continue
		}
		done[t.Schema] = true
		c := &Change{Kind: CreateSchema, Class: Safe, Name: t.Schema, SQL: sc.createSchema(t.Schema)}
		plan.Changes = append(plan.Changes, c)
		plan.add(t.Schema, stmts(c.SQL)...)
	}
}

// planCreates adds CREATE TABLE statements in foreign-key order: a table
// comes after the tables it references. Foreign keys in a reference cycle,
// or to a table created later, are returned to be added afterwards.
func (p *planner) planCreates(plan *Plan, creates []*Table) []*alteration {
	pending := map[tableKey]bool{}
	for _, t := range creates {
		pending[keyOf(t.Schema, t.Name, p.snap.current)] = true
	}
	var deferred []*alteration
	created := map[tableKey]bool{}
	remaining := slices.Clone(creates)
	for len(remaining) > 0 {
		// The first table whose references are all satisfied; in a cycle,
		// the first remaining table.
		pick := 0
		for i, t := range remaining {
			if !p.waitsFor(t, pending) {
				pick = i
				break
			}
		}
		t := remaining[pick]
		remaining = slices.Delete(remaining, pick, pick+1)

		inline := *t
		inline.ForeignKeys, inline.planned = nil, true
		c := &Change{Kind: CreateTable, Class: Safe, Table: t.qualifiedName(), To: fmt.Sprintf("%d columns", len(t.Columns))}
		var later []*Change
		for _, fk := range t.ForeignKeys {
			ref := keyOf(fk.RefSchema, fk.RefTable, p.snap.current)
			self := ref == keyOf(t.Schema, t.Name, p.snap.current)
			if problem := p.fkTypeProblem(keyOf(t.Schema, t.Name, p.snap.current), fk); problem != "" {
				c.Class, c.Reason = WouldFail, problem
			}
			switch {
			case self || created[ref] || (!pending[ref] && p.snap.tables[ref] != nil):
				inline.ForeignKeys = append(inline.ForeignKeys, p.qualifiedRef(t, fk))
			case pending[ref]:
				later = append(later, &Change{Kind: AddForeignKey, Class: Safe, Table: t.qualifiedName(), Name: fk.Name, To: describeFK(fk), fk: p.qualifiedRef(t, fk)})
			default:
				c.Class = WouldFail
				c.Reason = fmt.Sprintf("foreign key %q references table %q, which does not exist and is not among the models being migrated (add its model to Models, or migrate it first)",
					fk.Name, qualify(fk.RefSchema, fk.RefTable))
			}
		}
		create := p.d.createTable(&inline)
		c.SQL = strings.Join(create, "; ")
		plan.Changes = append(plan.Changes, c)
		plan.add(t.qualifiedName(), stmts(create...)...)
		delete(pending, keyOf(t.Schema, t.Name, p.snap.current))
		created[keyOf(t.Schema, t.Name, p.snap.current)] = true
		if len(later) > 0 {
			deferred = append(deferred, &alteration{want: t, live: &inline, changes: later})
		}
	}
	return deferred
}

// waitsFor reports whether t references a table that is still to be created.
func (p *planner) waitsFor(t *Table, pending map[tableKey]bool) bool {
	self := keyOf(t.Schema, t.Name, p.snap.current)
	for _, fk := range t.ForeignKeys {
		ref := keyOf(fk.RefSchema, fk.RefTable, p.snap.current)
		if ref != self && pending[ref] {
			return true
		}
	}
	return false
}

// orderAlters puts an altered table after the altered tables its new
// foreign keys reference, keeping registration order otherwise.
func (p *planner) orderAlters(alters []*alteration) []*alteration {
	byKey := map[tableKey]*alteration{}
	for _, a := range alters {
		byKey[keyOf(a.want.Schema, a.want.Name, p.snap.current)] = a
	}
	var (
		out     []*alteration
		state   = map[*alteration]int{} // 1 visiting, 2 done
		visitFn func(a *alteration)
	)
	visitFn = func(a *alteration) {
		if state[a] != 0 {
			return
		}
		state[a] = 1
		for _, c := range a.changes {
			if c.Kind != AddForeignKey {
				continue
			}
			if dep := byKey[keyOf(c.fk.RefSchema, c.fk.RefTable, p.snap.current)]; dep != nil && dep != a {
				visitFn(dep)
			}
		}
		state[a] = 2
		out = append(out, a)
	}
	for _, a := range alters {
		visitFn(a)
	}
	return out
}

// renameTable renames, for a model table declared with earlier names
// (slipway:"was:old"), the live table of an earlier name when none has the
// model's name yet: the RenameTable change, after which the snapshot holds
// the table under its new name (as it was before: wasName), and the foreign
// keys that reference it name it so. A live table of the new name and one
// of an earlier name is refused.
func (p *planner) renameTable(want *Table) *Change {
	newKey := keyOf(want.Schema, want.Name, p.snap.current)
	for _, old := range want.was {
		oldKey := keyOf(want.Schema, old, p.snap.current)
		live := p.snap.tables[oldKey]
		if live == nil {
			continue
		}
		c := &Change{Kind: RenameTable, Class: Safe, Table: want.qualifiedName(), From: qualify(want.Schema, old), SQL: p.d.renameTable(want, old)}
		if p.snap.tables[newKey] != nil {
			c.Class = WouldFail
			c.Reason = fmt.Sprintf("tables %q and %q both exist, and model %q says %q was %q: drop the one you no longer need (or move its rows), or remove the was tag",
				want.qualifiedName(), c.From, want.Model, want.Name, old)
			return c
		}
		renamed := *live
		renamed.Name, renamed.wasName = want.Name, old
		delete(p.snap.tables, oldKey)
		p.snap.tables[newKey] = &renamed
		if in, ok := p.snap.referencedBy[oldKey]; ok {
			delete(p.snap.referencedBy, oldKey)
			p.snap.referencedBy[newKey] = in
		}
		for k, ins := range p.snap.referencedBy {
			for i := range ins {
				if ins[i].from == oldKey {
					p.snap.referencedBy[k][i].from = newKey
				}
			}
		}
		for _, t := range p.snap.tables {
			for _, fk := range t.ForeignKeys {
				if keyOf(fk.RefSchema, fk.RefTable, p.snap.current) == oldKey {
					fk.RefTable = want.Name
				}
			}
		}
		return c
	}
	return nil
}
