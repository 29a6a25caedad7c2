package schema

import (
	"slices"
	"strings"
)

// SQLite keeps each table's CREATE TABLE statement as written. The column
// model of the catalog pragmas does not say everything a rebuild must carry
// over (collations, CHECK constraints, generated columns, table options),
// nor the names of constraints and whether a key is AUTOINCREMENT: those
// are read from the statement.

// sqliteTableDef is what a CREATE TABLE statement says beside the pragmas.
type sqliteTableDef struct {
	columns      map[string]*sqliteColumnDef // by lower-cased name
	checks       []string                    // table CHECK constraints as written
	options      string                      // after the column list: WITHOUT ROWID, STRICT
	withoutRowid bool
	pkName       string
	uniques      []sqliteNamedKey
	fks          []sqliteNamedKey
}

type sqliteColumnDef struct {
	autoIncrement bool
	// extra holds the column's COLLATE, CHECK and generated-column clauses as
	// written.
	extra string
}

// sqliteNamedKey is a named UNIQUE or FOREIGN KEY constraint.
type sqliteNamedKey struct {
	name string
	cols []string
	ref  string // the referenced table of a foreign key
}

func (d *sqliteTableDef) column(name string) *sqliteColumnDef {
	if d != nil {
		if c := d.columns[asciiLower(name)]; c != nil {
			return c
		}
	}
	return &sqliteColumnDef{}
}

func (d *sqliteTableDef) uniqueName(cols []string) string {
	if d == nil {
		return ""
	}
	for _, u := range d.uniques {
		if sqliteSameIdents(u.cols, cols) {
			return u.name
		}
	}
	return ""
}

func (d *sqliteTableDef) foreignKeyName(fk *ForeignKey) string {
	if d == nil {
		return ""
	}
	for _, k := range d.fks {
		if sqliteSameIdents(k.cols, fk.Columns) && strings.EqualFold(k.ref, fk.RefTable) {
			return k.name
		}
	}
	return ""
}

// rename renames, in what a CREATE TABLE statement said, the table's columns
// (and names in its CHECK constraints and column clauses) that ren maps.
func (d *sqliteTableDef) rename(ren map[string]string) {
	columns := map[string]*sqliteColumnDef{}
	for name, c := range d.columns {
		c.extra = sqliteRenameIdents(c.extra, ren)
		if to, ok := ren[name]; ok {
			name = asciiLower(to)
		}
		columns[name] = c
	}
	d.columns = columns
	for i, check := range d.checks {
		d.checks[i] = sqliteRenameIdents(check, ren)
	}
	for _, keys := range [][]sqliteNamedKey{d.uniques, d.fks} {
		for i := range keys {
			for j, col := range keys[i].cols {
				if to, ok := ren[asciiLower(col)]; ok {
					keys[i].cols[j] = to
				}
			}
		}
	}
}

func sqliteSameIdents(a, b []string) bool {
	return slices.EqualFunc(a, b, strings.EqualFold)
}

// sqliteParseCreateTable reads a CREATE TABLE statement. It never fails: what it
// cannot read is left out.
func sqliteParseCreateTable(stmt string) *sqliteTableDef {
	def := &sqliteTableDef{columns: map[string]*sqliteColumnDef{}}
	toks := lexSQL(stmt)
	g := slices.IndexFunc(toks, func(t sqlToken) bool { return t.kind == '(' })
	if g < 0 {
		return def
	}
	def.options = strings.TrimSpace(stmt[toks[g].end:])
	for i := g + 1; i+1 < len(toks); i++ {
		if isKeyword(toks[i], "WITHOUT") && isKeyword(toks[i+1], "ROWID") {
			def.withoutRowid = true
		}
	}
	body := toks[g].inner()
	for _, part := range splitTokens(lexSQL(body)) {
		if isKeyword(part[0], "CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN") {
			def.tableConstraint(part, body[part[0].start:part[len(part)-1].end])
		} else {
			def.columnDef(part, body)
		}
	}
	return def
}

func (d *sqliteTableDef) tableConstraint(part []sqlToken, raw string) {
	name, i := "", 0
	if isKeyword(part[0], "CONSTRAINT") && len(part) > 2 {
		name, i = identOf(part[1]), 2
	}
	switch kind := part[i]; {
	case isKeyword(kind, "CHECK"):
		d.checks = append(d.checks, raw)
	case isKeyword(kind, "PRIMARY"):
		d.pkName = name
	case isKeyword(kind, "UNIQUE"):
		if g := nextGroup(part, i); g != nil && name != "" {
			d.uniques = append(d.uniques, sqliteNamedKey{name: name, cols: sqliteKeyColumns(*g)})
		}
	case isKeyword(kind, "FOREIGN"):
		g := nextGroup(part, i)
		r := slices.IndexFunc(part, func(t sqlToken) bool { return isKeyword(t, "REFERENCES") })
		if g != nil && name != "" && r >= 0 && r+1 < len(part) {
			d.fks = append(d.fks, sqliteNamedKey{name: name, cols: sqliteKeyColumns(*g), ref: identOf(part[r+1])})
		}
	}
}

// sqliteColumnConstraints are the words that begin a column constraint.
var sqliteColumnConstraints = []string{"CONSTRAINT", "PRIMARY", "NOT", "NULL", "UNIQUE", "CHECK", "DEFAULT", "COLLATE", "REFERENCES", "GENERATED", "AS"}

func (d *sqliteTableDef) columnDef(part []sqlToken, body string) {
	name := identOf(part[0])
	col := &sqliteColumnDef{}
	d.columns[asciiLower(name)] = col
	starts := func(t sqlToken) bool { return isKeyword(t, sqliteColumnConstraints...) }
	i := 1
	for i < len(part) && !starts(part[i]) {
		i++ // the type
	}
	var extras []string
	for i < len(part) {
		start, cname := i, ""
		if isKeyword(part[i], "CONSTRAINT") {
			if i+2 >= len(part) {
				break
			}
			cname, i = identOf(part[i+1]), i+2
		}
		kind := part[i]
		for i++; i < len(part) && !starts(part[i]); i++ {
		}
		seg := part[start:i]
		raw := body[seg[0].start:seg[len(seg)-1].end]
		switch {
		case isKeyword(kind, "COLLATE", "CHECK", "GENERATED", "AS"):
			extras = append(extras, raw)
		case isKeyword(kind, "PRIMARY"):
			col.autoIncrement = slices.ContainsFunc(seg, func(t sqlToken) bool { return isKeyword(t, "AUTOINCREMENT") })
			if cname != "" {
				d.pkName = cname
			}
		case isKeyword(kind, "UNIQUE") && cname != "":
			d.uniques = append(d.uniques, sqliteNamedKey{name: cname, cols: []string{name}})
		case isKeyword(kind, "REFERENCES") && cname != "":
			if r := slices.Index(seg, kind); r+1 < len(seg) {
				d.fks = append(d.fks, sqliteNamedKey{name: cname, cols: []string{name}, ref: identOf(seg[r+1])})
			}
		}
	}
	col.extra = strings.Join(extras, " ")
}

// sqliteParseCreateIndex reads a CREATE INDEX statement: the text of its key, its
// WHERE clause, and whether the key is a plain list of columns.
func sqliteParseCreateIndex(stmt string) (key, where string, plain bool) {
	toks := lexSQL(stmt)
	g := slices.IndexFunc(toks, func(t sqlToken) bool { return t.kind == '(' })
	if g < 0 {
		return "", "", false
	}
	key = strings.TrimSpace(toks[g].inner())
	if g+1 < len(toks) && isKeyword(toks[g+1], "WHERE") {
		where = strings.TrimSpace(stmt[toks[g+1].end:])
	}
	plain = true
	for _, part := range splitTokens(lexSQL(key)) {
		ident := part[0].kind == 'w' || part[0].kind == 'q'
		if !ident || len(part) > 2 || (len(part) == 2 && !isKeyword(part[1], "ASC")) {
			plain = false
		}
	}
	return key, where, plain
}

// sqliteKeyColumns lists the column names of a key such as ("a", b COLLATE NOCASE).
func sqliteKeyColumns(g sqlToken) []string {
	var cols []string
	for _, part := range splitTokens(lexSQL(g.inner())) {
		cols = append(cols, identOf(part[0]))
	}
	return cols
}
