package schema

import (
	"fmt"
	"slices"
	"strings"
)

// Comparing keys: the primary key, unique constraints and indexes, and
// foreign keys, and which of them a withheld type change makes wait.

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
		c := &Change{Kind: AddPrimaryKey, Class: Safe, To: "(" + strings.Join(wantCols, ", ") + ")", pk: want.PrimaryKey, checkRows: true}
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
			reason := ""
			if l.invalid {
				reason = "invalid: a concurrent build of it failed, so it serves nothing"
			}
			p.dropIndexChange(live, l, a, add, Safe, reason)
		}
		missing = append(missing, ix)
	}
	for _, l := range live.Indexes {
		switch {
		case matched[l]:
		case l.invalid:
			p.dropIndexChange(live, l, a, add, Safe, "invalid: a concurrent build of it failed, so it serves nothing")
		case (!l.implicit || replacedForForeignKeys(want, live, l)) && !servesForeignKey(want, l):
			p.dropIndexChange(live, l, a, add, Extra, fmt.Sprintf("the database has %s %q and model %q does not declare it", objectWord(kindForIndex(l, false)), l.Name, want.Model))
		}
	}
	for _, ix := range missing {
		c := &Change{Kind: kindForIndex(ix, true), Class: Safe, Table: want.qualifiedName(), Name: ix.Name, To: describeIndex(ix), index: ix}
		c.checkRows = ix.Unique && !ix.isExpr()
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
		// A foreign key's own index goes with it (MySQL).
		if fd, ok := p.d.(fkIndexDropper); ok && c.Kind == DropForeignKey && !c.Withheld {
			if ix := fd.indexOfDroppedFK(want, a.live, c.fk); ix != nil {
				dropped[ix] = true
			}
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

// checkSetNullKeys withholds, where the database refuses a NOT NULL column
// under a foreign key that sets it to NULL (setNullNeedsNull), making a
// column NOT NULL while such a key stays: one the model no longer
// declares, whose drop is withheld. (A model declaring one is refused when
// built.)
func (p *planner) checkSetNullKeys(a *alteration) {
	if !p.d.features().has(setNullNeedsNull) {
		return
	}
	dropped := map[*ForeignKey]bool{}
	for _, c := range a.changes {
		if c.Kind == DropForeignKey && !c.Withheld {
			dropped[c.fk] = true
		}
	}
	for _, c := range a.changes {
		if c.Kind != SetNotNull || c.Withheld {
			continue
		}
		for _, fk := range a.live.ForeignKeys {
			if dropped[fk] || !slices.Contains(fk.Columns, c.Column) || (fk.OnDelete != "SET NULL" && fk.OnUpdate != "SET NULL") {
				continue
			}
			c.Withheld = true
			c.Reason = fmt.Sprintf("foreign key %q on the column stays (its drop is withheld) and sets it to NULL, which %s does not allow on a NOT NULL column: the change waits for it (set AllowDataLoss to drop it)",
				fk.Name, p.d.name())
			if c.target != nil {
				c.target.Nullable = true
			}
			break
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

// replacedForForeignKeys reports whether every foreign key that implicit
// index l serves (MySQL keeps it because a foreign key needs an index on its
// columns) will have another index once the plan has run: one the model
// declares, or the primary key. Then l serves nothing the model asks for,
// and is an extra like any other.
func replacedForForeignKeys(want, live *Table, l *Index) bool {
	leads := func(cols, key []string) bool { return len(cols) >= len(key) && slices.Equal(cols[:len(key)], key) }
	for _, fk := range live.ForeignKeys {
		if !leads(l.Columns, fk.Columns) {
			continue
		}
		served := want.PrimaryKey != nil && leads(want.PrimaryKey.Columns, fk.Columns)
		for _, ix := range want.Indexes {
			served = served || (!ix.isExpr() && leads(ix.Columns, fk.Columns))
		}
		if !served {
			return false
		}
	}
	return true
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
		// An index the database made for a foreign key (MySQL) is not one
		// to keep under another name: the server drops it by itself once
		// another index can serve the foreign key.
		if !matched[l] && !l.implicit && indexSatisfies(l, ix) {
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
	if l.invalid || indexMethod(l) != indexMethod(ix) {
		return false
	}
	if ix.isExpr() {
		return l.Name == ix.Name && l.isExpr() && l.Unique == ix.Unique
	}
	if l.isExpr() || l.Unique != ix.Unique {
		return false
	}
	if !slices.Equal(descPadded(slices.Clone(l.Desc), len(l.Columns)), descPadded(slices.Clone(ix.Desc), len(ix.Columns))) {
		return false
	}
	if ix.Unique {
		return sameColumnSet(l.Columns, ix.Columns)
	}
	return l.sameKey(ix)
}

// indexMethod is an index's access method, "btree" when it names none.
func indexMethod(ix *Index) string {
	if ix.Method == "" {
		return "btree"
	}
	return ix.Method
}

// diffChecks matches the model's CHECK constraints with the live ones by
// name (servers rewrite the expressions). A live check the model does not
// declare is an extra; one left by an interrupted SET NOT NULL (PostgreSQL)
// is dropped as safe, unless the plan makes that column NOT NULL again.
func (p *planner) diffChecks(want, live *Table, a *alteration, add func(*Change)) {
	notNullAgain := map[string]bool{}
	for _, c := range a.changes {
		if c.Kind == SetNotNull {
			notNullAgain[notNullCheck(want, c.Column)] = true
		}
	}
	for _, ch := range want.Checks {
		if slices.ContainsFunc(live.Checks, func(l *Check) bool { return l.Name == ch.Name && !l.notValid }) {
			continue
		}
		c := &Change{Kind: AddCheck, Class: Safe, Name: ch.Name, To: ch.Expr, chk: ch, checkRows: true}
		if i := slices.IndexFunc(live.Checks, func(l *Check) bool { return l.Name == ch.Name }); i >= 0 {
			// Added NOT VALID by a migration that did not validate it.
			add(&Change{Kind: DropCheck, Class: Safe, Name: ch.Name, From: live.Checks[i].Expr, chk: live.Checks[i],
				Reason: "not validated: a migration stopped before VALIDATE CONSTRAINT"})
		}
		add(c)
	}
	for _, l := range live.Checks {
		if l.Name == "" || slices.ContainsFunc(want.Checks, func(ch *Check) bool { return ch.Name == l.Name }) {
			continue
		}
		c := &Change{Kind: DropCheck, Class: Extra, Name: l.Name, From: l.Expr, chk: l,
			Reason: fmt.Sprintf("the database has CHECK constraint %q and model %q does not declare it", l.Name, want.Model)}
		if col, ok := strings.CutSuffix(l.Name, "_not_null"); ok && strings.HasPrefix(col, want.Name+"_") && isNotNullCheck(l.Expr) {
			if notNullAgain[l.Name] {
				continue // SetNotNull drops and adds it again
			}
			c.Class, c.Reason = Safe, "left by an interrupted SET NOT NULL"
		}
		add(c)
	}
}

// isNotNullCheck reports whether a check's expression is "col IS NOT NULL".
func isNotNullCheck(expr string) bool {
	return strings.HasSuffix(strings.TrimRight(strings.ToUpper(stripOuterParens(expr)), ")"), " IS NOT NULL")
}

func (p *planner) diffForeignKeys(want, live *Table, a *alteration, add func(*Change)) {
	matched := map[*ForeignKey]bool{}
	var missing []*ForeignKey
	for _, fk := range want.ForeignKeys {
		i := slices.IndexFunc(live.ForeignKeys, func(l *ForeignKey) bool {
			return !matched[l] && !l.notValid && (!fk.named || l.Name == fk.Name) &&
				p.sameReference(fk, l) && p.sameAction(fk.OnDelete, l.OnDelete) && p.sameAction(fk.OnUpdate, l.OnUpdate)
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
		case replace == nil || !p.sameReference(fk, replace) || replace.notValid:
			c.checkRows = true
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
