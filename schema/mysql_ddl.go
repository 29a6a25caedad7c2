package schema

import (
	"fmt"
	"slices"
	"strings"
)

// Writing MySQL DDL: one ALTER TABLE per table, one MODIFY COLUMN per
// column.

func (my mysql) columnList(cols []string) string {
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = my.quote(c)
	}
	return strings.Join(q, ", ")
}

// columnDef writes a column definition; attrs are the live column's
// attributes a MODIFY COLUMN keeps.
func (my mysql) columnDef(c *Column, attrs *myAttrs) string {
	var b strings.Builder
	b.WriteString(my.quote(c.Name))
	b.WriteByte(' ')
	b.WriteString(c.Type.String())
	if attrs != nil && attrs.collation != "" && myTextual(c.Type) {
		b.WriteString(" COLLATE ")
		b.WriteString(attrs.collation)
	}
	if c.Nullable {
		b.WriteString(" NULL") // explicit: a TIMESTAMP column is NOT NULL by default on old settings
	} else {
		b.WriteString(" NOT NULL")
	}
	if c.AutoIncrement {
		b.WriteString(" AUTO_INCREMENT")
	} else if d := c.defaultSQL(); d != "" {
		b.WriteString(" DEFAULT ")
		b.WriteString(my.defaultClause(c.Type, d))
	}
	if attrs != nil && attrs.invisible {
		b.WriteString(" INVISIBLE")
	}
	comment := ""
	if attrs != nil {
		comment = attrs.comment
	}
	if c.commented {
		comment = c.Comment // the model's
	}
	if comment != "" {
		b.WriteString(" COMMENT ")
		b.WriteString(myQuote(comment))
	}
	if attrs != nil && attrs.check != "" && c.Type.Name != "json" {
		b.WriteString(" CHECK (")
		b.WriteString(attrs.check)
		b.WriteString(")")
	}
	return b.String()
}

// defaultClause writes a default. MySQL 8 takes an expression default only
// in parentheses, except CURRENT_TIMESTAMP and its synonyms, and a literal
// default for TEXT, BLOB and JSON only as an expression too (MariaDB takes
// both forms).
func (mysql) defaultClause(typ ColumnType, d string) string {
	if strings.HasPrefix(d, "(") && mysqlSyntax.matchingParen(d, 0) == len(d)-1 {
		return d
	}
	def, onUpdate := mySplitOnUpdate(d)
	if myCurrentTimestamp.MatchString(canonicalExpr(def)) || strings.EqualFold(def, "null") {
		return d
	}
	if onUpdate == "" && (!myLiteral(def) || myLOB(typ)) {
		return "(" + d + ")"
	}
	return d
}

func (my mysql) fkDef(fk *ForeignKey) string {
	ref := &Table{Schema: fk.RefSchema, Name: fk.RefTable}
	// Both rules are written out, as bun does: MariaDB reports a rule left
	// out as RESTRICT.
	return fmt.Sprintf("CONSTRAINT %s FOREIGN KEY (%s) REFERENCES %s (%s) ON DELETE %s ON UPDATE %s",
		my.quote(fk.Name), my.columnList(fk.Columns), my.quoteTable(ref), my.columnList(fk.RefColumns),
		normalizeAction(fk.OnDelete), normalizeAction(fk.OnUpdate))
}

func (my mysql) createTable(t *Table) []string {
	var defs []string
	for _, c := range t.Columns {
		defs = append(defs, my.columnDef(c, nil))
	}
	if t.PrimaryKey != nil {
		defs = append(defs, fmt.Sprintf("PRIMARY KEY (%s)", my.columnList(t.PrimaryKey.Columns)))
	}
	for _, ix := range t.Indexes {
		if ix.Constraint {
			defs = append(defs, fmt.Sprintf("UNIQUE KEY %s (%s)", my.quote(ix.Name), my.columnList(ix.Columns)))
		} else {
			defs = append(defs, my.indexClause(ix))
		}
	}
	for _, fk := range t.ForeignKeys {
		defs = append(defs, my.fkDef(fk))
	}
	for _, ch := range t.Checks {
		defs = append(defs, my.checkDef(ch))
	}
	return []string{fmt.Sprintf("CREATE TABLE %s (%s)", my.quoteTable(t), strings.Join(defs, ", "))}
}

func (my mysql) checkDef(ch *Check) string {
	return fmt.Sprintf("CONSTRAINT %s CHECK (%s)", my.quote(ch.Name), ch.Expr)
}

// indexClause is an index as CREATE TABLE declares it. A new table gets its
// indexes inline: each CREATE INDEX would be an ALTER TABLE of its own, and
// creating them with the table halves the statements of a first migration.
func (my mysql) indexClause(ix *Index) string {
	unique := ""
	if ix.Unique {
		unique = "UNIQUE "
	}
	return fmt.Sprintf("%sKEY %s (%s)", unique, my.quote(ix.Name), indexKey(my, ix))
}

// alterTable writes every change to t as clauses of one ALTER TABLE. All
// changes to one column become one MODIFY COLUMN with the column's full new
// definition (MySQL has no per-attribute ALTER for type and nullability).
// Foreign keys dropped in a statement that also adds foreign keys are
// dropped by an ALTER TABLE of their own first: MySQL and MariaDB refuse
// both in one statement.
func (my mysql) alterTable(t, live *Table, changes []*Change) []statement {
	attrsOf := func(name string) *myAttrs {
		if lc := live.Column(name); lc != nil {
			return lc.mysql
		}
		return nil
	}

	addsFK := slices.ContainsFunc(changes, func(c *Change) bool { return c.Kind == AddForeignKey && !c.Withheld })
	var first, clauses []string
	modified := map[string]bool{}
	kept := map[*ForeignKey]bool{} // foreign keys given an index of their own
	for _, c := range changes {
		switch {
		case isColumnChange(c.Kind):
			// The column's whole new definition: the plan's target, which
			// keeps the live attributes of withheld changes. A withheld
			// change shows the definition it would write.
			col := c.target
			if c.Withheld {
				cp := *c.target
				applyAttr(&cp, c.Kind, c.col)
				col = &cp
			}
			c.SQL = "MODIFY COLUMN " + my.columnDef(col, attrsOf(c.Column))
			if c.Withheld || modified[c.Column] {
				continue
			}
			modified[c.Column] = true
		case c.Kind == DropForeignKey:
			c.SQL = "DROP FOREIGN KEY " + my.quote(c.Name)
			// Its index goes with it, unless a change of its own drops it.
			if ix := my.indexOfDroppedFK(t, live, c.fk); ix != nil && !slices.ContainsFunc(changes, func(d *Change) bool {
				return (d.Kind == DropIndex || d.Kind == DropUnique) && !d.Withheld && d.Name == ix.Name
			}) {
				c.SQL += ", DROP INDEX " + my.quote(ix.Name)
			}
			if !c.Withheld && addsFK {
				first = append(first, c.SQL)
				continue
			}
		case c.Kind == DropIndex || c.Kind == DropUnique:
			c.SQL = my.clause(c)
			if fk := my.foreignKeyLosingIndex(live, changes, c); fk != nil && !c.Withheld && !kept[fk] {
				kept[fk] = true // one index for it, whichever drop leaves it none
				c.SQL += fmt.Sprintf(", ADD INDEX %s (%s)", my.quote(fk.Name), my.columnList(fk.Columns))
			}
		default:
			c.SQL = my.clause(c)
		}
		if !c.Withheld {
			clauses = append(clauses, c.SQL)
		}
	}
	var out []statement
	if live.planned {
		// Foreign keys of a table the plan creates: nothing to do online.
		if len(clauses) > 0 {
			out = append(out, statement{sql: "ALTER TABLE " + my.quoteTable(t) + " " + strings.Join(clauses, ", ")})
		}
		return out
	}
	if len(first) > 0 {
		out = append(out, statement{sql: "ALTER TABLE " + my.quoteTable(t) + " " + strings.Join(first, ", ") + ", " + myAlgorithms[myInplace], copyOK: live.blockOK})
	}
	if len(clauses) == 0 {
		return out
	}
	// The statement is made the cheapest way all its clauses allow, said
	// in it.
	algo := myInstant
	var added []*ForeignKey
	for _, c := range changes {
		if c.Withheld || (c.Kind == DropForeignKey && addsFK) {
			continue
		}
		algo = min(algo, my.algorithm(c, live))
		if c.Kind == AddForeignKey {
			added = append(added, c.fk)
		}
	}
	if slices.ContainsFunc(changes, func(c *Change) bool { return c.Kind == AddPrimaryKey && !c.Withheld }) && algo == myCopy {
		algo = myInplace // a primary key replaced in one statement is made in place
		for _, c := range changes {
			if !c.Withheld && c.Kind != DropPrimaryKey && my.algorithm(c, live) == myCopy {
				algo = myCopy
			}
		}
	}
	alter := statement{sql: "ALTER TABLE " + my.quoteTable(t) + " " + strings.Join(clauses, ", ") + ", " + myAlgorithms[algo], copyOK: live.blockOK}
	if len(added) > 0 && algo != myCopy {
		// InnoDB adds a foreign key in place only with foreign_key_checks
		// off, without looking at the rows: the prechecks did, and after
		// the statement its rows are counted again (a write in between may
		// have added an orphan), and the foreign keys dropped if any is.
		alter.noFKChecks = true
		var drops []string
		for _, fk := range added {
			alter.checks = append(alter.checks, my.orphansQuery(t, fk))
			drops = append(drops, "DROP FOREIGN KEY "+my.quote(fk.Name))
		}
		alter.onFail = "ALTER TABLE " + my.quoteTable(t) + " " + strings.Join(drops, ", ")
	}
	return append(out, alter)
}

// orphansQuery counts the rows of t that foreign key fk does not hold.
func (my mysql) orphansQuery(t *Table, fk *ForeignKey) string {
	conds := make([]string, len(fk.Columns))
	join := make([]string, len(fk.Columns))
	for i, col := range fk.Columns {
		conds[i] = "c." + my.quote(col) + " IS NOT NULL"
		join[i] = "r." + my.quote(fk.RefColumns[i]) + " = c." + my.quote(col)
	}
	return fmt.Sprintf("SELECT count(*) FROM %s c WHERE %s AND NOT EXISTS (SELECT 1 FROM %s r WHERE %s)",
		my.quoteTable(t), strings.Join(conds, " AND "), my.quoteTable(&Table{Schema: fk.RefSchema, Name: fk.RefTable}), strings.Join(join, " AND "))
}

// foreignKeyLosingIndex returns the foreign key that drop, a dropped index,
// is the last index for once the statement has run: MySQL refuses to drop
// the index a foreign key uses, so the statement adds a plain one on the
// foreign key's columns, named after it, as MySQL itself names the index it
// makes for a new foreign key.
func (mysql) foreignKeyLosingIndex(live *Table, changes []*Change, drop *Change) *ForeignKey {
	leads := func(cols, key []string) bool { return len(cols) >= len(key) && slices.Equal(cols[:len(key)], key) }
	if !slices.ContainsFunc(live.ForeignKeys, func(fk *ForeignKey) bool { return leads(drop.index.Columns, fk.Columns) }) {
		return nil
	}
	droppedFK := map[*ForeignKey]bool{}
	droppedIx := map[string]bool{drop.Name: true}
	var keys [][]string // the keys left once the statement has run
	pkDropped := false
	for _, c := range changes {
		switch {
		case c.Withheld:
		case c.Kind == DropForeignKey:
			droppedFK[c.fk] = true
		case c.Kind == DropIndex || c.Kind == DropUnique:
			droppedIx[c.Name] = true
		case c.Kind == DropPrimaryKey:
			pkDropped = true
		case c.Kind == AddIndex || c.Kind == AddUnique:
			keys = append(keys, c.index.Columns)
		case c.Kind == AddPrimaryKey:
			keys = append(keys, c.pk.Columns)
		}
	}
	for _, ix := range live.Indexes {
		if !droppedIx[ix.Name] && ix.Expr == "" {
			keys = append(keys, ix.Columns)
		}
	}
	if live.PrimaryKey != nil && !pkDropped {
		keys = append(keys, live.PrimaryKey.Columns)
	}
	for _, fk := range live.ForeignKeys {
		if droppedFK[fk] || !leads(drop.index.Columns, fk.Columns) {
			continue
		}
		if !slices.ContainsFunc(keys, func(k []string) bool { return leads(k, fk.Columns) }) {
			return fk
		}
	}
	return nil
}

// indexOfDroppedFK returns the index MySQL made for a foreign key being
// dropped, when nothing else needs it: neither an index of the model nor
// another foreign key on the same columns.
func (mysql) indexOfDroppedFK(want, live *Table, fk *ForeignKey) *Index {
	for _, ix := range live.Indexes {
		if !ix.implicit || len(ix.Columns) < len(fk.Columns) || !slices.Equal(ix.Columns[:len(fk.Columns)], fk.Columns) {
			continue
		}
		for _, w := range want.Indexes {
			if indexSatisfies(ix, w) {
				return nil
			}
		}
		for _, w := range want.ForeignKeys {
			if len(ix.Columns) >= len(w.Columns) && slices.Equal(ix.Columns[:len(w.Columns)], w.Columns) {
				return nil
			}
		}
		return ix
	}
	return nil
}

func (my mysql) clause(c *Change) string {
	switch c.Kind {
	case AddColumn:
		return "ADD COLUMN " + my.columnDef(c.col, nil)
	case DropColumn:
		return "DROP COLUMN " + my.quote(c.Column)
	case AddPrimaryKey:
		return fmt.Sprintf("ADD PRIMARY KEY (%s)", my.columnList(c.pk.Columns))
	case DropPrimaryKey:
		return "DROP PRIMARY KEY"
	case AddUnique:
		return fmt.Sprintf("ADD UNIQUE KEY %s (%s)", my.quote(c.index.Name), my.columnList(c.index.Columns))
	case AddIndex:
		unique := ""
		if c.index.Unique {
			unique = "UNIQUE "
		}
		return fmt.Sprintf("ADD %sINDEX %s (%s)", unique, my.quote(c.index.Name), indexKey(my, c.index))
	case DropUnique, DropIndex:
		return "DROP INDEX " + my.quote(c.Name)
	case AddCheck:
		return "ADD " + my.checkDef(c.chk)
	case DropCheck:
		return "DROP CONSTRAINT " + my.quote(c.Name)
	case AddForeignKey:
		return "ADD " + my.fkDef(c.fk)
	}
	panic(fmt.Sprintf("schema: no MySQL ALTER TABLE clause for %s", c.Kind))
}

func (my mysql) createIndex(t *Table, ix *Index) string {
	unique := ""
	if ix.Unique {
		unique = "UNIQUE "
	}
	return fmt.Sprintf("CREATE %sINDEX %s ON %s (%s)", unique, my.quote(ix.Name), my.quoteTable(t), indexKey(my, ix))
}

// createSchema creates a database a model's table names.
func (my mysql) createSchema(name string) string {
	return "CREATE DATABASE IF NOT EXISTS " + my.quote(name)
}

func (my mysql) dropIndex(t *Table, ix *Index) string {
	return "DROP INDEX " + my.quote(ix.Name) + " ON " + my.quoteTable(t)
}

func (my mysql) renameTable(t *Table, from string) string {
	return fmt.Sprintf("RENAME TABLE %s TO %s", my.quoteTable(&Table{Schema: t.Schema, Name: from}), my.quoteTable(t))
}

// renameColumn renames a column in the catalog alone (MariaDB 10.5 and
// MySQL 8.0 have RENAME COLUMN).
func (my mysql) renameColumn(t *Table, from, to string) string {
	return fmt.Sprintf("ALTER TABLE %s RENAME COLUMN %s TO %s, %s", my.quoteTable(t), my.quote(from), my.quote(to), myAlgorithms[myInstant])
}

// dropTables drops the tables in one DROP TABLE, ordered so that a table
// goes after every table referencing it (MySQL and MariaDB drop the listed
// tables one by one). Foreign keys forming a cycle among them are dropped
// first.
func (my mysql) dropTables(tables []*Table) []string {
	name := func(schema, table string) string { return qualify(schema, table) }
	remaining := slices.Clone(tables)
	gone := map[*ForeignKey]bool{}
	referenced := func(t *Table) bool {
		for _, o := range remaining {
			if o == t {
				continue
			}
			for _, fk := range o.ForeignKeys {
				if !gone[fk] && name(fk.RefSchema, fk.RefTable) == name(t.Schema, t.Name) {
					return true
				}
			}
		}
		return false
	}
	var (
		stmts []string
		order []string
	)
	for len(remaining) > 0 {
		i := slices.IndexFunc(remaining, func(t *Table) bool { return !referenced(t) })
		if i < 0 {
			// A cycle: drop the foreign keys between the remaining tables.
			inSet := map[string]bool{}
			for _, t := range remaining {
				inSet[name(t.Schema, t.Name)] = true
			}
			for _, t := range remaining {
				var drops []string
				for _, fk := range t.ForeignKeys {
					ref := name(fk.RefSchema, fk.RefTable)
					if !gone[fk] && inSet[ref] && ref != name(t.Schema, t.Name) {
						gone[fk] = true
						drops = append(drops, "DROP FOREIGN KEY "+my.quote(fk.Name))
					}
				}
				if len(drops) > 0 {
					stmts = append(stmts, "ALTER TABLE "+my.quoteTable(t)+" "+strings.Join(drops, ", "))
				}
			}
			continue
		}
		order = append(order, my.quoteTable(remaining[i]))
		remaining = slices.Delete(remaining, i, i+1)
	}
	return append(stmts, "DROP TABLE "+strings.Join(order, ", "))
}

// exportSQL writes a statement for a migration file without the ALGORITHM
// clause exec falls back from (see exec): the server then makes the change
// the cheapest way it can, and adds a foreign key checking every row, where
// exec adds it in place and counts the orphans itself.
func (mysql) exportSQL(s statement) string {
	for _, algo := range myAlgorithms {
		s.sql = strings.TrimSuffix(s.sql, ", "+algo)
	}
	return s.sql
}
