package schema

import (
	"fmt"
	"slices"
	"strings"
)

// Writing SQLite DDL: ALTER TABLE ADD COLUMN where SQLite allows it, a
// table rebuild otherwise.

func (s sqlite) columnList(cols []string) string {
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = s.quote(c)
	}
	return strings.Join(q, ", ")
}

// sqliteAutoIncrementColumn is the column written INTEGER PRIMARY KEY
// AUTOINCREMENT, or nil.
func sqliteAutoIncrementColumn(t *Table) *Column {
	if t.PrimaryKey == nil || len(t.PrimaryKey.Columns) != 1 {
		return nil
	}
	if c := t.Column(t.PrimaryKey.Columns[0]); c != nil && c.AutoIncrement {
		return c
	}
	return nil
}

// columnDef writes a column definition; extra carries the clauses SQLite
// keeps beside the column model (COLLATE, CHECK, a generated column's
// expression).
func (s sqlite) columnDef(c *Column, autoPK bool, extra string) string {
	var b strings.Builder
	b.WriteString(s.quote(c.Name))
	if typ := c.Type.String(); typ != "" {
		b.WriteByte(' ')
		b.WriteString(typ)
	}
	if !c.Nullable {
		b.WriteString(" NOT NULL")
	}
	if autoPK {
		b.WriteString(" PRIMARY KEY AUTOINCREMENT")
	}
	if d := c.defaultSQL(); d != "" && !autoPK && c.generated == "" {
		b.WriteString(" DEFAULT ")
		b.WriteString(sqliteDefaultExpr(d))
	}
	if extra != "" {
		b.WriteByte(' ')
		b.WriteString(extra)
	}
	return b.String()
}

// sqliteDefaultExpr puts an expression default in the parentheses SQLite
// requires around anything but a literal.
func sqliteDefaultExpr(d string) string {
	d = strings.TrimSpace(d)
	if sqliteIsLiteral(d) || (strings.HasPrefix(d, "(") && matchingParen(d, 0) == len(d)-1) {
		return d
	}
	return "(" + d + ")"
}

func (s sqlite) fkDef(fk *ForeignKey) string {
	def := fmt.Sprintf("CONSTRAINT %s FOREIGN KEY (%s) REFERENCES %s", s.quote(fk.Name), s.columnList(fk.Columns), s.quote(fk.RefTable))
	if len(fk.RefColumns) > 0 {
		def += " (" + s.columnList(fk.RefColumns) + ")"
	}
	if fk.OnDelete != "NO ACTION" {
		def += " ON DELETE " + fk.OnDelete
	}
	if fk.OnUpdate != "NO ACTION" {
		def += " ON UPDATE " + fk.OnUpdate
	}
	return def
}

// tableSQL writes CREATE TABLE for t under name. def, when the table
// exists, carries over what the column model does not describe: column
// collations, CHECK constraints, generated columns and table options.
func (s sqlite) tableSQL(t *Table, name string, def *sqliteTableDef) string {
	auto := sqliteAutoIncrementColumn(t)
	var defs []string
	for _, c := range t.Columns {
		defs = append(defs, s.columnDef(c, c == auto, def.column(c.Name).extra))
	}
	if t.PrimaryKey != nil && auto == nil {
		pk := "PRIMARY KEY (" + s.columnList(t.PrimaryKey.Columns) + ")"
		if t.PrimaryKey.Name != "" {
			pk = "CONSTRAINT " + s.quote(t.PrimaryKey.Name) + " " + pk
		}
		defs = append(defs, pk)
	}
	for _, ix := range t.Indexes {
		if !ix.Constraint {
			continue
		}
		u := "UNIQUE (" + s.columnList(ix.Columns) + ")"
		if ix.Name != "" && !strings.HasPrefix(ix.Name, "sqlite_autoindex_") {
			u = "CONSTRAINT " + s.quote(ix.Name) + " " + u
		}
		defs = append(defs, u)
	}
	if def != nil {
		defs = append(defs, def.checks...)
	}
	for _, fk := range t.ForeignKeys {
		defs = append(defs, s.fkDef(fk))
	}
	stmt := "CREATE TABLE " + name + " (" + strings.Join(defs, ", ") + ")"
	if def != nil && def.options != "" {
		stmt += " " + def.options
	}
	return stmt
}

func (s sqlite) createTable(t *Table) []string {
	return []string{s.tableSQL(t, s.quoteTable(t), nil)}
}

// alterTable adds columns with ALTER TABLE when that is all the table needs
// and SQLite allows it, and rebuilds the table otherwise.
func (s sqlite) alterTable(t, live *Table, changes []*Change) []statement {
	var applied []*Change
	for _, c := range changes {
		if !c.Withheld {
			applied = append(applied, c)
		}
	}
	var out []string
	switch {
	case len(applied) == 0:
	case !slices.ContainsFunc(applied, func(c *Change) bool { return !sqliteAddsDirectly(c) }):
		for _, c := range applied {
			c.SQL = "ALTER TABLE " + s.quoteTable(t) + " ADD COLUMN " + s.columnDef(c.col, false, "")
			out = append(out, c.SQL)
		}
	default:
		out = s.rebuild(t, live, applied)
		joined := strings.Join(out, "; ")
		for _, c := range applied {
			c.SQL = joined
		}
	}
	for _, c := range changes {
		if c.Withheld {
			c.SQL = strings.Join(s.rebuild(t, live, append(slices.Clone(applied), c)), "; ")
		}
	}
	return stmts(out...)
}

// sqliteAddsDirectly reports whether SQLite's ALTER TABLE ADD COLUMN can make the
// change: a column that is not a key, with a constant default (not
// CURRENT_TIME/DATE/TIMESTAMP, no expression) that is not NULL when the
// column is NOT NULL. UNIQUE and REFERENCES come as their own changes.
func sqliteAddsDirectly(c *Change) bool {
	if c.Kind != AddColumn || c.col.PrimaryKey || c.col.AutoIncrement {
		return false
	}
	d := strings.TrimSpace(c.col.defaultSQL())
	if d == "" || strings.EqualFold(d, "null") {
		return c.col.Nullable
	}
	return sqliteIsLiteral(d) && !strings.HasPrefix(strings.ToLower(d), "current_")
}

// sqliteRebuildSuffix names the table a rebuild builds before it takes the
// old table's name.
const sqliteRebuildSuffix = "__slipway_new"

// rebuild returns the statements that rebuild table live with the changes
// made, following https://www.sqlite.org/lang_altertable.html#otheralter:
// create the new table under a temporary name, copy the rows, drop the old
// table, rename the new one, recreate the indexes and triggers from the
// statements that made them. Foreign key enforcement is off while they run
// (see migrate). live's indexes are those still there when the rebuild
// runs: the plan drops others before and creates new ones after.
func (s sqlite) rebuild(t, live *Table, changes []*Change) []string {
	def := sqliteParseCreateTable(live.createSQL)
	// The statements read from the catalog name the table and its columns
	// as they were before the plan renamed them.
	ren := sqliteRenames(live)
	if len(ren) > 0 {
		def.rename(ren)
	}
	next := sqliteRebuiltTable(live, changes)
	old := s.quoteTable(live)
	tmp := s.quoteTable(&Table{Schema: live.Schema, Name: live.Name + sqliteRebuildSuffix})
	stmts := []string{s.tableSQL(next, tmp, def)}

	var copied []string
	for _, c := range next.Columns {
		if lc := live.Column(c.Name); lc != nil && lc.generated == "" && c.generated == "" {
			copied = append(copied, s.quote(c.Name))
		}
	}
	// Keep implicit rowids too, unless a rowid alias carries them (or a
	// column takes the name).
	if !def.withoutRowid && sqliteRowidAlias(live) == nil && sqliteRowidAlias(next) == nil &&
		!slices.ContainsFunc(live.Columns, func(c *Column) bool { return slices.Contains([]string{"rowid", "oid", "_rowid_"}, asciiLower(c.Name)) }) {
		copied = append([]string{"rowid"}, copied...)
	}
	cols := strings.Join(copied, ", ")
	stmts = append(stmts, fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM %s", tmp, cols, cols, old))
	if sqliteAutoIncrementColumn(live) != nil && sqliteAutoIncrementColumn(next) != nil {
		// Keep AUTOINCREMENT's high-water mark: ids of deleted rows stay unused.
		seq := s.quoteTable(&Table{Schema: live.Schema, Name: "sqlite_sequence"})
		oldName, tmpName := quoteString(live.Name), quoteString(live.Name+sqliteRebuildSuffix)
		stmts = append(stmts,
			fmt.Sprintf("UPDATE %s SET seq = (SELECT max(seq) FROM %s WHERE name = %s COLLATE NOCASE OR name = %s) WHERE name = %s",
				seq, seq, oldName, tmpName, tmpName),
			fmt.Sprintf("INSERT INTO %s (name, seq) SELECT %s, seq FROM %s WHERE name = %s COLLATE NOCASE AND NOT EXISTS (SELECT 1 FROM %s WHERE name = %s)",
				seq, tmpName, seq, oldName, seq, tmpName))
	}
	stmts = append(stmts,
		"DROP TABLE "+old,
		// Legacy renaming leaves views, triggers and foreign keys that
		// name the old table as they are: they then find the new one.
		"PRAGMA legacy_alter_table = ON",
		fmt.Sprintf("ALTER TABLE %s RENAME TO %s", tmp, s.quote(live.Name)),
		"PRAGMA legacy_alter_table = OFF")
	for _, ix := range live.Indexes {
		switch {
		case ix.Constraint:
		case ix.sql != "" && t.Schema == "": // as it was written, collations and all
			stmts = append(stmts, sqliteRenameIdents(ix.sql, ren))
		default:
			stmts = append(stmts, s.createIndex(t, ix))
		}
	}
	for _, trigger := range live.triggers {
		stmts = append(stmts, sqliteRenameIdents(trigger, ren))
	}
	return stmts
}

// sqliteRenames maps the lower-cased names the plan renames the table and
// its columns from to their new names.
func sqliteRenames(live *Table) map[string]string {
	ren := map[string]string{}
	if live.wasName != "" {
		ren[asciiLower(live.wasName)] = live.Name
	}
	for to, from := range live.colWas {
		ren[asciiLower(from)] = to
	}
	return ren
}

// sqliteRenameIdents renames, in SQL text, the names (bare or quoted, not
// string literals) that ren maps.
func sqliteRenameIdents(sql string, ren map[string]string) string {
	if len(ren) == 0 {
		return sql
	}
	var b strings.Builder
	last := 0
	for _, t := range lexSQL(sql) {
		switch t.kind {
		case 'w', 'q':
			if to, ok := ren[asciiLower(identOf(t))]; ok {
				b.WriteString(sql[last:t.start])
				b.WriteString(sqlite{}.quote(to))
				last = t.end
			}
		case '(':
			b.WriteString(sql[last:t.start])
			b.WriteString("(" + sqliteRenameIdents(t.inner(), ren) + ")")
			last = t.end
		}
	}
	b.WriteString(sql[last:])
	return b.String()
}

// sqliteRowidAlias is the INTEGER PRIMARY KEY column that is the table's rowid,
// or nil.
func sqliteRowidAlias(t *Table) *Column {
	if t.PrimaryKey == nil || len(t.PrimaryKey.Columns) != 1 {
		return nil
	}
	if c := t.Column(t.PrimaryKey.Columns[0]); c != nil && c.Type.String() == "integer" {
		return c
	}
	return nil
}

// sqliteRebuiltTable is live with the changes made: the table a rebuild creates.
// Its indexes are the unique constraints; other indexes are recreated apart.
func sqliteRebuiltTable(live *Table, changes []*Change) *Table {
	t := &Table{Schema: live.Schema, Name: live.Name, PrimaryKey: live.PrimaryKey, ForeignKeys: slices.Clone(live.ForeignKeys)}
	for _, c := range live.Columns {
		cp := *c
		t.Columns = append(t.Columns, &cp)
	}
	for _, ix := range live.Indexes {
		if ix.Constraint {
			t.Indexes = append(t.Indexes, ix)
		}
	}
	dropped := map[string]bool{}
	for _, ch := range changes {
		col := t.Column(ch.Column) // live has every column a change of a column is about
		switch ch.Kind {
		case AddColumn:
			cp := *ch.col
			t.Columns = append(t.Columns, &cp)
		case DropColumn:
			dropped[ch.Column] = true
		case WidenType, ChangeType:
			col.Type = ch.col.Type
		case SetNotNull, DropNotNull:
			col.Nullable = ch.col.Nullable
		case SetDefault, DropDefault:
			col.Default, col.rawDefault = ch.col.Default, ch.col.rawDefault
		case AddAutoIncrement, DropAutoIncrement:
			col.AutoIncrement = ch.col.AutoIncrement
		case AddPrimaryKey:
			t.PrimaryKey = ch.pk
		case DropPrimaryKey:
			t.PrimaryKey = nil
		case AddUnique:
			t.Indexes = append(t.Indexes, ch.index)
		case DropUnique:
			t.Indexes = slices.DeleteFunc(t.Indexes, func(ix *Index) bool { return ix == ch.index })
		case AddForeignKey:
			t.ForeignKeys = append(t.ForeignKeys, ch.fk)
		case DropForeignKey:
			t.ForeignKeys = slices.DeleteFunc(t.ForeignKeys, func(fk *ForeignKey) bool { return fk == ch.fk })
		default:
			panic(fmt.Sprintf("schema: no SQLite table rebuild for %s", ch.Kind))
		}
	}
	t.Columns = slices.DeleteFunc(t.Columns, func(c *Column) bool { return dropped[c.Name] })
	for _, c := range t.Columns {
		c.PrimaryKey = t.PrimaryKey != nil && slices.Contains(t.PrimaryKey.Columns, c.Name)
		if !c.PrimaryKey {
			c.AutoIncrement = false
		}
	}
	return t
}

func (s sqlite) createIndex(t *Table, ix *Index) string {
	unique := ""
	if ix.Unique {
		unique = "UNIQUE "
	}
	key := s.columnList(ix.Columns)
	if ix.Expr != "" {
		key = ix.Expr
	}
	stmt := fmt.Sprintf("CREATE %sINDEX %s ON %s (%s)", unique, s.quoteIndex(t, ix.Name), s.quote(t.Name), key)
	if ix.Where != "" {
		stmt += " WHERE " + ix.Where
	}
	return stmt
}

func (s sqlite) dropIndex(t *Table, ix *Index) string {
	return "DROP INDEX " + s.quoteIndex(t, ix.Name)
}

// renameTable renames a table; with legacy_alter_table off (the default,
// and how migrate runs), SQLite rewrites the foreign keys, triggers and
// views that name it.
func (s sqlite) renameTable(t *Table, from string) string {
	return fmt.Sprintf("ALTER TABLE %s RENAME TO %s", s.quoteTable(&Table{Schema: t.Schema, Name: from}), s.quote(t.Name))
}

// renameColumn renames a column; SQLite rewrites the indexes, triggers and
// views that name it.
func (s sqlite) renameColumn(t *Table, from, to string) string {
	return fmt.Sprintf("ALTER TABLE %s RENAME COLUMN %s TO %s", s.quoteTable(t), s.quote(from), s.quote(to))
}

// dropTables drops each table after the tables that reference it, so that
// the statements also run with foreign keys enforced (reference cycles
// aside; migrate runs them with enforcement off).
func (s sqlite) dropTables(tables []*Table) []string {
	references := func(from, to *Table) bool {
		return slices.ContainsFunc(from.ForeignKeys, func(fk *ForeignKey) bool {
			return fk.RefSchema == to.Schema && strings.EqualFold(fk.RefTable, to.Name)
		})
	}
	var (
		out   []string
		seen  = map[*Table]bool{}
		visit func(t *Table)
	)
	visit = func(t *Table) {
		if seen[t] {
			return
		}
		seen[t] = true
		for _, from := range tables {
			if from != t && references(from, t) {
				visit(from)
			}
		}
		out = append(out, "DROP TABLE "+s.quoteTable(t))
	}
	for _, t := range tables {
		visit(t)
	}
	return out
}

// exportEnvelope wraps a plan's statements for a migration file as migrate
// runs them: foreign key enforcement off outside the transaction (SQLite
// ignores the pragma inside one), BEGIN IMMEDIATE (which also fails loudly
// when a tool runs the file inside a transaction of its own, where the
// pragma would be ignored), and before COMMIT a check that rolls the whole
// transaction back when a foreign key is violated.
func (sqlite) exportEnvelope(stmts []string) []string {
	out := []string{"PRAGMA foreign_keys = OFF", "BEGIN IMMEDIATE"}
	out = append(out, stmts...)
	return append(out,
		"CREATE TEMP TABLE slipway_fk_check (violations INTEGER)",
		"CREATE TEMP TRIGGER slipway_fk_check_guard BEFORE INSERT ON slipway_fk_check WHEN NEW.violations > 0 "+
			"BEGIN SELECT RAISE(ROLLBACK, 'foreign keys violated: the migration was rolled back (PRAGMA foreign_key_check lists the rows)'); END",
		"INSERT INTO slipway_fk_check SELECT count(*) FROM pragma_foreign_key_check",
		"DROP TABLE slipway_fk_check",
		"COMMIT",
		"PRAGMA foreign_keys = ON")
}
