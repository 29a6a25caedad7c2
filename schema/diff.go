package schema

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/uptrace/bun"
)

// planner turns the desired tables and a snapshot of the database into a
// Plan. It is shared by every dialect; the dialect writes the SQL.
type planner struct {
	d    dialect
	opts MigrateOptions
	snap *snapshot
	// want are the selected models' tables, in registration order.
	want []*Table

	// The tables the plan creates and alters, by key, once diffed.
	created map[tableKey]*Table
	altered map[tableKey]*alteration
}

// inlineIndexer is implemented by dialects whose createTable writes a new
// table's indexes into its CREATE TABLE (MySQL, where each CREATE INDEX is
// an ALTER TABLE of its own): the AddIndex changes of new tables then carry
// the clause and no statement of their own.
type inlineIndexer interface{ indexClause(ix *Index) string }

// actionMatcher is implemented by dialects where different referential
// actions behave the same (InnoDB: RESTRICT and NO ACTION), so that a
// foreign key is not replaced by an equivalent one.
type actionMatcher interface{ sameAction(a, b string) bool }

// qualifiedRef is fk as the DDL of table t must write it.
func (p *planner) qualifiedRef(t *Table, fk *ForeignKey) *ForeignKey {
	if !p.d.features().has(qualifyRefs) || fk.RefSchema != "" || t.Schema == "" || t.Schema == p.snap.current {
		return fk
	}
	q := *fk
	q.RefSchema = p.snap.current
	return &q
}

// fkTypeMatcher is implemented by dialects that join a foreign key's
// columns only to columns of compatible types (PostgreSQL, MySQL).
type fkTypeMatcher interface {
	// fkTypesMatch reports whether a foreign key may join a column of type
	// child to one of type parent.
	fkTypesMatch(child, parent ColumnType) bool
}

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
		for i, col := range l.fk.Columns {
			child, ok1 := typeOf(l.from, col)
			parent, ok2 := typeOf(l.to, l.fk.RefColumns[i])
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
		plan.Changes = append(plan.Changes, drop)
		plan.add(want.qualifiedName(), p.d.alterTable(want, live, []*Change{drop})...)
		switch a := byKey[l.from]; {
		case readd == nil:
		case a != nil && !children[l.to]:
			a.changes = append(a.changes, readd)
		default:
			relinks = append(relinks, &alteration{want: want, live: live, changes: []*Change{readd}})
		}
	}
	return relinks
}

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
		parent, ok2 := p.typeAfter(to, fk.RefColumns[i])
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
}

// liveAfterIndexDrops is the live table as its ALTER TABLE finds it: the
// indexes the plan drops beforehand are gone. (A dialect that rebuilds the
// table recreates the other indexes; new ones are created afterwards.)
func (a *alteration) liveAfterIndexDrops() *Table {
	dropped := map[*Index]bool{}
	for _, c := range a.dropIdx {
		if !c.Withheld {
			dropped[c.index] = true
		}
	}
	if len(dropped) == 0 {
		return a.live
	}
	t := *a.live
	t.Indexes = slices.DeleteFunc(slices.Clone(a.live.Indexes), func(ix *Index) bool { return dropped[ix] })
	return &t
}

func (p *planner) plan() *Plan {
	plan := &Plan{Dialect: p.d.name(), Rebuild: p.opts.Rebuild, d: p.d}
	var (
		drops   []*Table // rebuild: existing tables to drop
		creates []*Table
		alters  []*alteration
	)
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
		plan.add(a.want.qualifiedName(), p.statements(a.dropIdx, func(c *Change) string { return p.d.dropIndex(a.want, c.index) })...)
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
		plan.add(a.want.qualifiedName(), p.statements(a.createIdx, func(c *Change) string { return p.d.createIndex(a.want, c.index) })...)
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
		plan.add(t.qualifiedName(), p.statements(idx, func(c *Change) string { return p.d.createIndex(t, c.index) })...)
	}
	for _, a := range deferred {
		plan.Changes = append(plan.Changes, a.changes...)
		plan.add(a.want.qualifiedName(), p.d.alterTable(a.want, a.live, a.changes)...)
	}
	return plan
}

// statements sets each change's SQL with stmt and returns the applied ones.
func (p *planner) statements(changes []*Change, stmt func(*Change) string) []string {
	var out []string
	for _, c := range changes {
		c.SQL = stmt(c)
		if !c.Withheld {
			out = append(out, c.SQL)
		}
	}
	return out
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
	stmts := p.d.dropTables(drops)
	for _, c := range changes {
		c.SQL = strings.Join(stmts, "; ")
	}
	plan.Changes = append(plan.Changes, changes...)
	names := make([]string, len(drops))
	for i, t := range drops {
		names[i] = t.qualifiedName()
	}
	plan.add(strings.Join(names, ", "), stmts...)
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
		plan.add(t.Schema, c.SQL)
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
		inline.ForeignKeys = nil
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
		stmts := p.d.createTable(&inline)
		c.SQL = strings.Join(stmts, "; ")
		plan.Changes = append(plan.Changes, c)
		plan.add(t.qualifiedName(), stmts...)
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

// diffTable compares one model table with its live table.
func (p *planner) diffTable(want, live *Table) *alteration {
	a := &alteration{want: want, live: live, targets: map[string]*Column{}, added: map[string]bool{}}
	table := want.qualifiedName()
	add := func(c *Change) {
		c.Table = table
		p.withhold(c)
		a.changes = append(a.changes, c)
	}

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
	p.checkIndexesAfter(want, a)
	p.checkRetypedKeys(want, a)

	// Drop before add within one ALTER TABLE (a dialect may rely on it).
	slices.SortStableFunc(a.changes, func(x, y *Change) int { return dropRank(x) - dropRank(y) })
	if len(a.changes)+len(a.dropIdx)+len(a.createIdx) == 0 {
		return nil
	}
	return a
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
	case DropForeignKey, DropUnique, DropPrimaryKey:
		return 0
	case AddForeignKey:
		return 2
	default:
		return 1
	}
}

// isColumnChange reports the kinds that change one attribute of an existing
// column.
func isColumnChange(k Kind) bool {
	switch k {
	case WidenType, ChangeType, SetNotNull, DropNotNull, SetDefault, DropDefault, AddAutoIncrement, DropAutoIncrement:
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
				q := p.d.quote(c.Name)
				retype.check = p.countCheck(fmt.Sprintf("SELECT 1 FROM %s WHERE %s > %d", p.tableRef(live), p.d.lengthExpr(q), n),
					func(n int64) string {
						return fmt.Sprintf("cannot narrow column %q to %s: %s %s longer values (shorten them first)", c.Name, c.Type, rowsWord(n), verb(n, "holds", "hold"))
					})
			}
		}
		p.withhold(retype)
		if conv, ok := p.d.(converter); ok && retype.Kind == ChangeType && !retype.Withheld {
			retype.probe = func(ctx context.Context, db bun.IDB) (string, error) {
				return conv.probeConversion(ctx, db, live, retype)
			}
		}
		out = append(out, retype)
	}
	switch {
	case lc.Nullable && !c.Nullable:
		q := p.d.quote(c.Name)
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

func defaultWord(d string) string {
	if d == "" {
		return "no default"
	}
	return "DEFAULT " + d
}

func (p *planner) diffPrimaryKey(want, live *Table, a *alteration, add func(*Change)) {
	var wantCols, liveCols []string
	if want.PrimaryKey != nil {
		wantCols = want.PrimaryKey.Columns
	}
	if live.PrimaryKey != nil {
		liveCols = live.PrimaryKey.Columns
	}
	if slices.Equal(wantCols, liveCols) {
		return
	}
	if live.PrimaryKey != nil {
		class, reason := Extra, "the model declares no primary key"
		if want.PrimaryKey != nil {
			class, reason = Destructive, "changing the primary key rewrites the table's identity"
		}
		add(&Change{Kind: DropPrimaryKey, Class: class, Name: live.PrimaryKey.Name, From: "(" + strings.Join(liveCols, ", ") + ")", pk: live.PrimaryKey, Reason: reason})
	}
	if want.PrimaryKey != nil {
		ix := &Index{Columns: wantCols, Unique: true}
		c := &Change{Kind: AddPrimaryKey, Class: Safe, To: "(" + strings.Join(wantCols, ", ") + ")", pk: want.PrimaryKey,
			check: p.duplicatesCheck(live, ix, true, a)}
		if live.PrimaryKey != nil {
			c.Class, c.Reason = Destructive, "changing the primary key rewrites the table's identity"
		}
		add(c)
	}
}

// diffIndexes matches the model's unique constraints and indexes with the
// live ones: by name first, then by definition.
func (p *planner) diffIndexes(want, live *Table, a *alteration, add func(*Change)) {
	matched := map[*Index]bool{}
	var missing []*Index
	for _, ix := range want.Indexes {
		if l := p.findIndex(live, ix, matched); l != nil {
			matched[l] = true
			continue
		}
		// A live index with the same name but another definition is replaced.
		if l := indexNamed(live, ix.Name); l != nil && !matched[l] {
			matched[l] = true
			p.dropIndexChange(live, l, a, add, Safe, "")
		}
		missing = append(missing, ix)
	}
	for _, l := range live.Indexes {
		if !matched[l] && !l.implicit && !servesForeignKey(want, l) {
			p.dropIndexChange(live, l, a, add, Extra, fmt.Sprintf("the database has %s %q and model %q does not declare it", objectWord(kindForIndex(l, false)), l.Name, want.Model))
		}
	}
	for _, ix := range missing {
		c := &Change{Kind: kindForIndex(ix, true), Class: Safe, Table: want.qualifiedName(), Name: ix.Name, To: describeIndex(ix), index: ix}
		if ix.Unique && !ix.isExpr() {
			c.check = p.duplicatesCheck(live, ix, false, a)
		}
		if ix.Constraint {
			add(c)
		} else {
			a.createIdx = append(a.createIdx, c)
		}
	}
}

// checkIndexesAfter checks, for a dialect that cannot index every type
// (MySQL: no plain index on a TEXT column), every index the table has once
// the plan has run against its columns' types then. An index the table
// keeps (one the model no longer declares, whose drop is withheld) makes a
// type change to a type it cannot index wait; a new index on a column
// whose type change is withheld waits for it.
func (p *planner) checkIndexesAfter(want *Table, a *alteration) {
	ic, ok := p.d.(indexChecker)
	if !ok {
		return
	}
	view := func() *Table {
		t := &Table{Schema: want.Schema, Name: want.Name}
		for _, c := range a.live.Columns {
			if tc := a.targets[c.Name]; tc != nil {
				t.Columns = append(t.Columns, tc)
			} else {
				t.Columns = append(t.Columns, c)
			}
		}
		return t
	}
	dropped := map[*Index]bool{}
	for _, c := range slices.Concat(a.changes, a.dropIdx) {
		if (c.Kind == DropIndex || c.Kind == DropUnique) && !c.Withheld {
			dropped[c.index] = true
		}
	}
	for _, ix := range a.live.Indexes {
		if dropped[ix] || ix.isExpr() {
			continue
		}
		for _, col := range ix.Columns {
			retype := a.retypeChange(col)
			if retype == nil {
				continue
			}
			if err := ic.checkIndex(view(), ix); err != nil {
				a.withholdRetype(retype, fmt.Sprintf("%s %q on the column stays (its drop is withheld), and %s cannot index a %s column as it is: the type change waits for it (set AllowDataLoss to drop it)",
					objectWord(kindForIndex(ix, false)), ix.Name, p.d.name(), retype.col.Type))
			}
		}
	}
	for _, c := range slices.Concat(a.changes, a.createIdx) {
		if (c.Kind != AddIndex && c.Kind != AddUnique) || c.Withheld {
			continue
		}
		if err := ic.checkIndex(view(), c.index); err != nil {
			// The model's types allow the index; a withheld type change
			// leaves a column the database cannot index as declared.
			c.Withheld = true
			c.Reason = fmt.Sprintf("%v; it waits for the type change of that column, which is withheld", err)
		}
	}
}

// retypeChange returns the applied type change of column name, or nil.
func (a *alteration) retypeChange(name string) *Change {
	for _, c := range a.changes {
		if (c.Kind == WidenType || c.Kind == ChangeType) && c.Column == name && !c.Withheld {
			return c
		}
	}
	return nil
}

// withholdRetype withholds an applied type change after the fact, with the
// default written for the new type, and puts the live type back into the
// column's target.
func (a *alteration) withholdRetype(retype *Change, reason string) {
	retype.Withheld, retype.Reason, retype.probe = true, reason, nil
	retype.target.Type = retype.old.Type
	if retype.target.Default == retype.old.Default {
		retype.target.rawDefault = retype.old.rawDefault
	}
	for _, c := range a.changes {
		if c.Column == retype.Column && c.Kind == SetDefault && !c.Withheld {
			c.Withheld = true
			c.Reason = fmt.Sprintf("the default is written for type %s; it waits for the type change of column %q, which is withheld", retype.col.Type, retype.Column)
			c.target.Default, c.target.rawDefault = retype.old.Default, retype.old.rawDefault
		}
	}
}

// servesForeignKey reports whether live index l is the one a database made
// for one of t's foreign keys (MySQL names it after the constraint): not an
// extra, also while that foreign key is missing and about to be added.
func servesForeignKey(t *Table, l *Index) bool {
	for _, fk := range t.ForeignKeys {
		if l.Name == fk.Name && !l.Unique && l.Expr == "" && len(l.Columns) >= len(fk.Columns) && slices.Equal(l.Columns[:len(fk.Columns)], fk.Columns) {
			return true
		}
	}
	return false
}

func (p *planner) dropIndexChange(live *Table, l *Index, a *alteration, add func(*Change), class Class, reason string) {
	c := &Change{Kind: kindForIndex(l, false), Class: class, Table: live.qualifiedName(), Name: l.Name, From: describeIndex(l), index: l, Reason: reason}
	if l.Constraint {
		add(c)
		return
	}
	p.withhold(c)
	a.dropIdx = append(a.dropIdx, c)
}

func kindForIndex(ix *Index, adding bool) Kind {
	switch {
	case ix.Constraint && adding:
		return AddUnique
	case ix.Constraint:
		return DropUnique
	case adding:
		return AddIndex
	default:
		return DropIndex
	}
}

// findIndex finds the live index satisfying ix.
func (p *planner) findIndex(live *Table, ix *Index, matched map[*Index]bool) *Index {
	if l := indexNamed(live, ix.Name); l != nil && !matched[l] && indexSatisfies(l, ix) {
		return l
	}
	if ix.isExpr() {
		return nil
	}
	for _, l := range live.Indexes {
		if !matched[l] && indexSatisfies(l, ix) {
			return l
		}
	}
	return nil
}

func indexNamed(t *Table, name string) *Index {
	for _, l := range t.Indexes {
		if l.Name == name {
			return l
		}
	}
	return nil
}

// indexSatisfies reports whether live index l is what the model's ix asks
// for. A unique constraint and a unique index on the same columns are
// interchangeable; expression and partial indexes match by name.
func indexSatisfies(l, ix *Index) bool {
	if ix.isExpr() {
		return l.Name == ix.Name && l.isExpr() && l.Unique == ix.Unique
	}
	if l.isExpr() || l.Unique != ix.Unique {
		return false
	}
	if ix.Unique {
		return sameColumnSet(l.Columns, ix.Columns)
	}
	return l.sameKey(ix)
}

func (p *planner) diffForeignKeys(want, live *Table, a *alteration, add func(*Change)) {
	matched := map[*ForeignKey]bool{}
	var missing []*ForeignKey
	for _, fk := range want.ForeignKeys {
		i := slices.IndexFunc(live.ForeignKeys, func(l *ForeignKey) bool {
			return !matched[l] && p.sameReference(fk, l) && p.sameAction(fk.OnDelete, l.OnDelete) && p.sameAction(fk.OnUpdate, l.OnUpdate)
		})
		if i < 0 {
			missing = append(missing, fk)
			continue
		}
		matched[live.ForeignKeys[i]] = true
	}
	for _, fk := range missing {
		// A live foreign key with the same reference and other actions, or
		// else with the same name and another definition, is replaced.
		var replace *ForeignKey
		for _, l := range live.ForeignKeys {
			if !matched[l] && p.sameReference(fk, l) {
				replace = l
				break
			}
		}
		for _, l := range live.ForeignKeys {
			if replace == nil && !matched[l] && l.Name == fk.Name {
				replace = l
			}
		}
		if replace != nil {
			matched[replace] = true
			add(&Change{Kind: DropForeignKey, Class: Safe, Name: replace.Name, From: describeFK(replace), fk: replace})
		}
		c := &Change{Kind: AddForeignKey, Class: Safe, Name: fk.Name, To: describeFK(fk), fk: p.qualifiedRef(want, fk)}
		ref := p.snap.table(fk.RefSchema, fk.RefTable)
		selected := slices.ContainsFunc(p.want, func(t *Table) bool {
			return keyOf(t.Schema, t.Name, p.snap.current) == keyOf(fk.RefSchema, fk.RefTable, p.snap.current)
		})
		switch {
		case ref == nil && !selected:
			c.Class = WouldFail
			c.Reason = fmt.Sprintf("foreign key %q references table %q, which does not exist and is not among the models being migrated (add its model to Models, or migrate it first)",
				fk.Name, qualify(fk.RefSchema, fk.RefTable))
		case replace == nil || !p.sameReference(fk, replace):
			c.check = p.orphansCheck(live, ref, fk, a)
		}
		add(c)
	}
	for _, l := range live.ForeignKeys {
		if !matched[l] {
			add(&Change{Kind: DropForeignKey, Class: Extra, Name: l.Name, From: describeFK(l), fk: l,
				Reason: fmt.Sprintf("the database has foreign key %q and model %q does not declare it", l.Name, want.Model)})
		}
	}
}

func (p *planner) sameAction(a, b string) bool {
	if m, ok := p.d.(actionMatcher); ok {
		return m.sameAction(a, b)
	}
	return a == b
}

func (p *planner) sameReference(fk, l *ForeignKey) bool {
	return slices.Equal(fk.Columns, l.Columns) && slices.Equal(fk.RefColumns, l.RefColumns) &&
		keyOf(fk.RefSchema, fk.RefTable, p.snap.current) == keyOf(l.RefSchema, l.RefTable, p.snap.current)
}

// describeColumn renders a column definition for a plan.
func describeColumn(c *Column) string {
	s := c.Type.String()
	if !c.Nullable {
		s += " NOT NULL"
	}
	if c.AutoIncrement {
		s += " auto-increment"
	}
	if c.Default != "" {
		s += " DEFAULT " + c.Default
	}
	return s
}

func describeIndex(ix *Index) string {
	var s string
	switch {
	case ix.Expr != "":
		s = "(" + ix.Expr + ")"
	default:
		s = "(" + strings.Join(ix.Columns, ", ") + ")"
	}
	if ix.Unique && !ix.Constraint {
		s = "UNIQUE " + s
	}
	if ix.Where != "" {
		s += " WHERE " + ix.Where
	}
	return s
}

func describeFK(fk *ForeignKey) string {
	s := fmt.Sprintf("(%s) -> %s (%s)", strings.Join(fk.Columns, ", "), qualify(fk.RefSchema, fk.RefTable), strings.Join(fk.RefColumns, ", "))
	if fk.OnDelete != "NO ACTION" {
		s += " ON DELETE " + fk.OnDelete
	}
	if fk.OnUpdate != "NO ACTION" {
		s += " ON UPDATE " + fk.OnUpdate
	}
	return s
}
