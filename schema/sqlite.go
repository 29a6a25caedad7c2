package schema

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// sqlite is the SQLite dialect (3.35 and later), for bun's sqlitedialect.
//
// SQLite's ALTER TABLE can add a column and little else, so most changes
// rebuild the table the way https://www.sqlite.org/lang_altertable.html#otheralter
// prescribes: create the new table under a temporary name, copy the rows,
// drop the old table, rename the new one and recreate its indexes and
// triggers, all inside the migration's transaction with foreign key
// enforcement switched off around it and checked before commit.
type sqlite struct{}

var (
	_ dialect         = sqlite{}
	_ tableChecker    = sqlite{}
	_ exportEnveloper = sqlite{}
)

func (sqlite) name() string { return "SQLite" }

func (sqlite) quote(ident string) string {
	return `"` + strings.ReplaceAll(ident, `"`, `""`) + `"`
}

// quoteTable is the table's name for DDL; the schema is an attached
// database ("main" when none is named).
func (s sqlite) quoteTable(t *Table) string {
	if t.Schema == "" {
		return s.quote(t.Name)
	}
	return s.quote(t.Schema) + "." + s.quote(t.Name)
}

// quoteIndex is an index name for CREATE and DROP INDEX: SQLite qualifies
// the index, never the table it is on.
func (s sqlite) quoteIndex(t *Table, name string) string {
	return s.quoteTable(&Table{Schema: t.Schema, Name: name})
}

func (sqlite) checkIdent(ident string) error {
	switch {
	case ident == "":
		return errors.New("empty name")
	case strings.IndexByte(ident, 0) >= 0:
		return errors.New("name contains a NUL byte")
	}
	return nil
}

// checkTable reports what SQLite cannot build: tables and indexes named
// "sqlite_...", which SQLite reserves, and values generated for anything
// but a single-column INTEGER PRIMARY KEY (AUTOINCREMENT).
func (sqlite) checkTable(t *Table) error {
	reserved := func(name string) bool { return len(name) >= 7 && strings.EqualFold(name[:7], "sqlite_") }
	if reserved(t.Name) {
		return fmt.Errorf("table %q: names beginning with \"sqlite_\" are reserved by SQLite (give the model another table name)", t.Name)
	}
	for _, ix := range t.Indexes {
		if reserved(ix.Name) {
			return fmt.Errorf("index %q: names beginning with \"sqlite_\" are reserved by SQLite (name the index otherwise)", ix.Name)
		}
	}
	for _, c := range t.Columns {
		if !c.AutoIncrement {
			continue
		}
		if t.PrimaryKey == nil || !slices.Equal(t.PrimaryKey.Columns, []string{c.Name}) || c.Type.String() != "integer" {
			return fmt.Errorf("column %q: SQLite generates values only for a single-column INTEGER PRIMARY KEY, and %q is %s (make it the only primary key column with type integer, or drop autoincrement/identity)",
				c.Name, c.Name, describeKeyColumn(t, c))
		}
	}
	return nil
}

func describeKeyColumn(t *Table, c *Column) string {
	switch {
	case t.PrimaryKey == nil || !slices.Contains(t.PrimaryKey.Columns, c.Name):
		return fmt.Sprintf("%s and not the primary key", c.Type)
	case len(t.PrimaryKey.Columns) > 1:
		return fmt.Sprintf("%s in a composite primary key", c.Type)
	default:
		return c.Type.String()
	}
}

func (sqlite) lengthExpr(col string) string { return "length(" + col + ")" }

// sqliteTypeNames maps spellings SQLite treats exactly alike to one. Integer
// spellings stay apart: only "INTEGER PRIMARY KEY" makes a rowid alias.
var sqliteTypeNames = map[string]string{
	"character varying": "varchar", "varying character": "varchar",
	"character": "char", "bool": "boolean", "double": "double precision",
}

// parseType keeps SQLite's declared type as written, lower-cased: SQLite
// stores it verbatim, and its affinity rules give each spelling its meaning.
// A column declared without a type has the empty type.
func (sqlite) parseType(s string) (ColumnType, error) {
	if strings.TrimSpace(s) == "" {
		return ColumnType{}, nil
	}
	base, args, array, err := splitType(strings.ToLower(s))
	if err != nil {
		return ColumnType{}, err
	}
	if canonical, ok := sqliteTypeNames[base]; ok {
		base = canonical
	}
	return ColumnType{Name: base, Args: args, Array: array}, nil
}

// sqliteAffinity is SQLite's column affinity for a declared type name
// (https://www.sqlite.org/datatype3.html#determination_of_column_affinity).
func sqliteAffinity(name string) string {
	switch {
	case strings.Contains(name, "int"):
		return "integer"
	case strings.Contains(name, "char"), strings.Contains(name, "clob"), strings.Contains(name, "text"):
		return "text"
	case name == "", strings.Contains(name, "blob"):
		return "blob"
	case strings.Contains(name, "real"), strings.Contains(name, "floa"), strings.Contains(name, "doub"):
		return "real"
	default:
		return "numeric"
	}
}

func (sqlite) normalizeDefault(expr string, typ ColumnType) string {
	s := stripOuterParens(strings.TrimSpace(expr))
	if s == "" || strings.EqualFold(s, "null") {
		return ""
	}
	literal, quoted := s, false
	if isQuoted(s) {
		literal, quoted = unquote(s), true
	}
	switch affinity := sqliteAffinity(typ.Name); {
	case typ.Name == "boolean":
		if b, ok := canonicalBool(literal); ok {
			return b
		}
	case affinity == "integer", affinity == "real", affinity == "numeric":
		if n, ok := canonicalNumber(literal); ok {
			return n
		}
	}
	if quoted {
		return quoteString(literal)
	}
	return canonicalExpr(s)
}

// sqliteIntRank orders the integer spellings by the values they declare;
// SQLite itself stores every one of them in up to 8 bytes.
var sqliteIntRank = map[string]int{
	"tinyint": 1, "int2": 2, "smallint": 2, "mediumint": 3, "int": 4, "integer": 4, "int4": 4,
	"bigint": 5, "int8": 5, "unsigned big int": 5,
}

// sqliteIntDigits is how many decimal digits each rank may need; SQLite's
// INT and INTEGER hold 64-bit values.
var sqliteIntDigits = map[int]int{1: 3, 2: 5, 3: 7, 4: 19, 5: 19}

func (sqlite) widens(from, to ColumnType) bool {
	if from.Array != to.Array {
		return false
	}
	fromRank, toRank := sqliteIntRank[from.Name], sqliteIntRank[to.Name]
	fromText, toText := sqliteAffinity(from.Name) == "text", sqliteAffinity(to.Name) == "text"
	switch {
	case from.Name == to.Name && (from.Name == "numeric" || from.Name == "decimal"):
		return numericWidens(from, to)
	case from.Name == to.Name && fromText:
		return to.arg(0) == 0 || (from.arg(0) != 0 && to.arg(0) >= from.arg(0))
	case from.Name == to.Name:
		// timestamp(3) -> timestamp(6), datetime(3) -> datetime
		return len(to.Args) == 0 || (len(from.Args) == 1 && len(to.Args) == 1 && to.Precision() >= from.Precision())
	case fromRank > 0 && toRank > 0:
		return toRank >= fromRank
	case fromText && toText:
		// A declared length is not enforced by SQLite, but the model asks for it.
		return to.arg(0) == 0 || (from.arg(0) != 0 && to.arg(0) >= from.arg(0))
	case fromRank > 0 && (to.Name == "numeric" || to.Name == "decimal"):
		return len(to.Args) == 0 || to.Precision()-to.Scale() >= sqliteIntDigits[fromRank]
	case from.Name == "real" && (to.Name == "double precision" || to.Name == "float"):
		return true
	case fromRank > 0 && fromRank <= 3 && sqliteAffinity(to.Name) == "real":
		return true // up to 24-bit integers fit a float's mantissa
	}
	return false
}

// ---- inspection ----

// sqliteMaster is the CTE naming the requested tables (req) and the
// schema tables of the databases they live in (master). The requests are
// one JSON argument: [[database, table], ...]. Both are materialised: left
// to itself, the planner may parse the JSON again for every sqlite_master
// row, which made reading 500 tables take a second instead of 20 ms.
func (s sqlite) sqliteMaster(dbs []string) string {
	var b strings.Builder
	b.WriteString(`WITH req(i, db, name) AS MATERIALIZED (
	SELECT key, json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?)
), master(db, type, name, tbl_name, sql) AS MATERIALIZED (`)
	for i, db := range dbs {
		if i > 0 {
			b.WriteString("\n\tUNION ALL")
		}
		fmt.Fprintf(&b, "\n\tSELECT %s, type, name, tbl_name, sql FROM %s.sqlite_master", quoteString(db), s.quote(db))
	}
	b.WriteString("\n)")
	return b.String()
}

// sqliteColumnsQuery reads the requested tables (or what else holds their
// names), their columns and their triggers. A table's SQL comes with its
// first row only.
const sqliteColumnsQuery = `, found(i, db, rname, type, name, sql) AS (
	SELECT req.i, req.db, req.name, m.type, m.name, m.sql FROM req
	JOIN master m ON m.db = req.db AND m.name = req.name COLLATE NOCASE AND m.type IN ('table', 'view', 'index')
	UNION ALL
	SELECT req.i, req.db, req.name, m.type, m.name, m.sql FROM req
	JOIN master m ON m.db = req.db AND m.tbl_name = req.name COLLATE NOCASE AND m.type = 'trigger'
)
SELECT f.db, f.rname, f.type, CASE WHEN coalesce(c.cid, 0) = 0 THEN coalesce(f.sql, '') ELSE '' END,
	c.cid, c.name, c.type, c."notnull", c.dflt_value, c.pk, c.hidden
FROM found f
LEFT JOIN pragma_table_xinfo(f.name, f.db) c ON f.type = 'table'
ORDER BY f.i, f.type = 'trigger', f.name, c.cid`

// sqliteIndexesQuery reads the indexes of the requested tables with their
// key columns (not the primary key's).
const sqliteIndexesQuery = `
SELECT req.db, req.name, il.name, il."unique", il.origin, coalesce(m.sql, ''), x.cid, coalesce(x.name, '')
FROM req
JOIN master t ON t.db = req.db AND t.name = req.name COLLATE NOCASE AND t.type = 'table'
JOIN pragma_index_list(t.name, t.db) il
JOIN pragma_index_xinfo(il.name, t.db) x
LEFT JOIN master m ON m.db = t.db AND m.type = 'index' AND m.name = il.name
WHERE x.key = 1 AND il.origin <> 'pk'
ORDER BY req.i, il.name, x.seqno`

// sqliteForeignKeysQuery reads the foreign keys of the requested tables and
// those of any table referencing them. A referenced column left out of the
// REFERENCES clause is the parent's primary key column.
const sqliteForeignKeysQuery = `
SELECT t.db, t.name, CASE WHEN f.id = 0 AND f.seq = 0 THEN coalesce(t.sql, '') ELSE '' END,
	f.id, f."table", f."from",
	coalesce(f."to", (SELECT p.name FROM pragma_table_info(f."table", t.db) p WHERE p.pk = f.seq + 1), ''),
	f.on_update, f.on_delete
FROM master t
JOIN pragma_foreign_key_list(t.name, t.db) f
WHERE t.type = 'table' AND EXISTS (
	SELECT 1 FROM req WHERE req.db = t.db AND (req.name = t.name COLLATE NOCASE OR req.name = f."table" COLLATE NOCASE))
ORDER BY t.db, t.name, f.id, f.seq`

// sqliteInspection is the state of one inspection.
type sqliteInspection struct {
	snap *snapshot
	// requested maps a database and lower-cased table name to the key the
	// table was asked for: SQLite compares table names ignoring case.
	requested map[tableKey]tableKey
	defs      map[tableKey]*sqliteTableDef // parsed CREATE TABLE, by requested key
}

func (in *sqliteInspection) request(db, name string) (tableKey, bool) {
	k, ok := in.requested[tableKey{db, asciiLower(name)}]
	return k, ok
}

func (s sqlite) inspect(ctx context.Context, db bun.IDB, tables []tableKey) (*snapshot, error) {
	in := &sqliteInspection{
		snap:      newSnapshot(),
		requested: map[tableKey]tableKey{},
		defs:      map[tableKey]*sqliteTableDef{},
	}
	in.snap.current = "main"
	if len(tables) == 0 {
		return in.snap, nil
	}
	var (
		req = make([][2]string, 0, len(tables))
		dbs = []string{"main"}
	)
	for _, k := range tables {
		k = keyOf(k.schema, k.name, "main")
		if _, dup := in.requested[tableKey{k.schema, asciiLower(k.name)}]; dup {
			continue
		}
		in.requested[tableKey{k.schema, asciiLower(k.name)}] = k
		req = append(req, [2]string{k.schema, k.name})
		if !slices.Contains(dbs, k.schema) {
			dbs = append(dbs, k.schema)
		}
	}
	if err := s.checkAttached(ctx, db, dbs, tables); err != nil {
		return nil, err
	}
	arg, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	with := s.sqliteMaster(dbs)
	if err := s.readColumns(ctx, db, with, string(arg), in); err != nil {
		return nil, fmt.Errorf("inspect columns: %w", err)
	}
	if err := s.readIndexes(ctx, db, with, string(arg), in); err != nil {
		return nil, fmt.Errorf("inspect indexes: %w", err)
	}
	if err := s.readForeignKeys(ctx, db, with, string(arg), in); err != nil {
		return nil, fmt.Errorf("inspect foreign keys: %w", err)
	}
	return in.snap, nil
}

// checkAttached makes sure every database a table names is attached: an
// unknown schema would otherwise fail the catalog query with a bare "no such
// table". It costs a query only when a table names a database.
func (s sqlite) checkAttached(ctx context.Context, db bun.IDB, dbs []string, tables []tableKey) error {
	if !slices.ContainsFunc(dbs, func(d string) bool { return d != "main" && d != "temp" }) {
		return nil
	}
	rows, err := db.QueryContext(ctx, "SELECT name FROM pragma_database_list")
	if err != nil {
		return fmt.Errorf("list attached databases: %w", err)
	}
	defer rows.Close()
	attached := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return err
		}
		attached[name] = true
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, k := range tables {
		if k.schema != "" && k.schema != "main" && k.schema != "temp" && !attached[k.schema] {
			return fmt.Errorf("table %q: database %q is not attached to the connection (ATTACH it on every connection of the pool, or leave the schema out of the table name)",
				qualify(k.schema, k.name), k.schema)
		}
	}
	return nil
}

func (s sqlite) readColumns(ctx context.Context, db bun.IDB, with, arg string, in *sqliteInspection) error {
	rows, err := db.QueryContext(ctx, with+sqliteColumnsQuery, arg)
	if err != nil {
		return err
	}
	defer rows.Close()
	type pkColumn struct {
		pos  int64
		name string
	}
	pks := map[tableKey][]pkColumn{}
	for rows.Next() {
		var (
			dbName, rname, kind, text string
			cid, notNull, pk, hidden  sql.NullInt64
			col, typ, dflt            sql.NullString
		)
		if err := rows.Scan(&dbName, &rname, &kind, &text, &cid, &col, &typ, &notNull, &dflt, &pk, &hidden); err != nil {
			return err
		}
		key := tableKey{dbName, rname}
		if _, other := in.snap.others[key]; other {
			continue
		}
		t := in.snap.tables[key]
		switch {
		case kind == "view" || kind == "index":
			in.snap.others[key] = kind
			continue
		case kind == "trigger":
			if t != nil && text != "" {
				t.triggers = append(t.triggers, text)
			}
			continue
		case t == nil && isVirtualTable(text):
			in.snap.others[key] = "virtual table"
			continue
		case t == nil:
			t = &Table{Schema: in.snap.display(dbName), Name: rname, createSQL: text}
			in.snap.tables[key] = t
			in.defs[key] = parseCreateTable(text)
		}
		if !cid.Valid {
			continue // a table without columns
		}
		ct, err := s.parseType(typ.String)
		if err != nil {
			return fmt.Errorf("table %q column %q: type %q: %w", rname, col.String, typ.String, err)
		}
		c := &Column{Name: col.String, Type: ct, Nullable: notNull.Int64 == 0, PrimaryKey: pk.Int64 > 0}
		cdef := in.defs[key].column(c.Name)
		switch {
		case hidden.Int64 == 2 || hidden.Int64 == 3:
			c.generated = cdef.extra
			if c.generated == "" {
				c.generated = "GENERATED"
			}
		case dflt.Valid:
			c.Default = s.normalizeDefault(dflt.String, ct)
			c.rawDefault = dflt.String
		}
		if c.PrimaryKey {
			pks[key] = append(pks[key], pkColumn{pk.Int64, c.Name})
			c.AutoIncrement = cdef.autoIncrement
		}
		t.Columns = append(t.Columns, c)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for key, cols := range pks {
		slices.SortFunc(cols, func(a, b pkColumn) int { return int(a.pos - b.pos) })
		t := in.snap.tables[key]
		t.PrimaryKey = &PrimaryKey{Name: in.defs[key].pkName}
		for _, c := range cols {
			t.PrimaryKey.Columns = append(t.PrimaryKey.Columns, c.name)
		}
	}
	return nil
}

func isVirtualTable(createSQL string) bool {
	toks := lexSQL(createSQL)
	return len(toks) > 1 && isKeyword(toks[1], "VIRTUAL")
}

func (s sqlite) readIndexes(ctx context.Context, db bun.IDB, with, arg string, in *sqliteInspection) error {
	rows, err := db.QueryContext(ctx, with+sqliteIndexesQuery, arg)
	if err != nil {
		return err
	}
	defer rows.Close()
	type indexRows struct {
		key          tableKey
		name, origin string
		text         string
		unique       bool
		cols         []string
		expr         bool // a key column is an expression
	}
	var all []*indexRows
	for rows.Next() {
		var (
			dbName, rname, name, origin, text, col string
			unique                                 bool
			cid                                    int64
		)
		if err := rows.Scan(&dbName, &rname, &name, &unique, &origin, &text, &cid, &col); err != nil {
			return err
		}
		key := tableKey{dbName, rname}
		if n := len(all); n == 0 || all[n-1].key != key || all[n-1].name != name {
			all = append(all, &indexRows{key: key, name: name, origin: origin, text: text, unique: unique})
		}
		ix := all[len(all)-1]
		ix.cols = append(ix.cols, col)
		ix.expr = ix.expr || cid < 0
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, r := range all {
		t := in.snap.tables[r.key]
		if t == nil {
			continue
		}
		ix := &Index{Name: r.name, Unique: r.unique}
		if r.origin == "u" {
			ix.Constraint, ix.Columns = true, r.cols
			if name := in.defs[r.key].uniqueName(r.cols); name != "" {
				ix.Name = name
			}
		} else {
			key, where, plain := parseCreateIndex(r.text)
			ix.Where, ix.sql = where, r.text
			if plain && !r.expr {
				ix.Columns = r.cols
			} else {
				ix.Expr = key
			}
		}
		t.Indexes = append(t.Indexes, ix)
	}
	return nil
}

func (s sqlite) readForeignKeys(ctx context.Context, db bun.IDB, with, arg string, in *sqliteInspection) error {
	rows, err := db.QueryContext(ctx, with+sqliteForeignKeysQuery, arg)
	if err != nil {
		return err
	}
	defer rows.Close()
	type fkRows struct {
		db, table string
		id        int64
		fk        *ForeignKey
	}
	var (
		all  []*fkRows
		defs = map[tableKey]*sqliteTableDef{} // by database and lower-cased name
	)
	for rows.Next() {
		var (
			dbName, table, text, ref, from, to, upd, del string
			id                                           int64
		)
		if err := rows.Scan(&dbName, &table, &text, &id, &ref, &from, &to, &upd, &del); err != nil {
			return err
		}
		if text != "" {
			defs[tableKey{dbName, asciiLower(table)}] = parseCreateTable(text)
		}
		if n := len(all); n == 0 || all[n-1].db != dbName || all[n-1].table != table || all[n-1].id != id {
			refTable := ref
			if k, ok := in.request(dbName, ref); ok {
				refTable = k.name
			}
			all = append(all, &fkRows{db: dbName, table: table, id: id, fk: &ForeignKey{
				RefSchema: in.snap.display(dbName), RefTable: refTable,
				OnUpdate: normalizeAction(upd), OnDelete: normalizeAction(del),
			}})
		}
		fk := all[len(all)-1].fk
		fk.Columns = append(fk.Columns, from)
		fk.RefColumns = append(fk.RefColumns, to)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, r := range all {
		from, requested := in.request(r.db, r.table)
		if !requested {
			from = tableKey{r.db, r.table}
		}
		fk := r.fk
		fk.Name = defs[tableKey{r.db, asciiLower(r.table)}].foreignKeyName(fk)
		if fk.Name == "" {
			fk.Name = constraintName(from.name, fk.Columns, "fkey")
		}
		if t := in.snap.tables[from]; requested && t != nil {
			t.ForeignKeys = append(t.ForeignKeys, fk)
		}
		if ref, ok := in.request(r.db, fk.RefTable); ok && in.snap.tables[ref] != nil {
			in.snap.referencedBy[ref] = append(in.snap.referencedBy[ref], inboundFK{from: from, fk: fk})
		}
	}
	return nil
}

// asciiLower folds ASCII letters only, as SQLite does for identifiers.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// ---- DDL ----

func (s sqlite) columnList(cols []string) string {
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = s.quote(c)
	}
	return strings.Join(q, ", ")
}

// autoIncrementColumn is the column written INTEGER PRIMARY KEY
// AUTOINCREMENT, or nil.
func autoIncrementColumn(t *Table) *Column {
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
		b.WriteString(sqliteDefaultSQL(d))
	}
	if extra != "" {
		b.WriteByte(' ')
		b.WriteString(extra)
	}
	return b.String()
}

// sqliteDefaultSQL puts an expression default in the parentheses SQLite
// requires around anything but a literal.
func sqliteDefaultSQL(d string) string {
	d = strings.TrimSpace(d)
	if isSQLiteLiteral(d) || (strings.HasPrefix(d, "(") && matchingParen(d, 0) == len(d)-1) {
		return d
	}
	return "(" + d + ")"
}

// isSQLiteLiteral reports whether s is a literal value in SQLite's grammar:
// a number, a string or blob, NULL, TRUE, FALSE or CURRENT_TIME/DATE/TIMESTAMP.
func isSQLiteLiteral(s string) bool {
	if s == "" || isQuoted(s) {
		return s != ""
	}
	if _, ok := canonicalNumber(s); ok {
		return true
	}
	if (s[0] == 'x' || s[0] == 'X') && isQuoted(s[1:]) {
		return true
	}
	switch strings.ToLower(s) {
	case "null", "true", "false", "current_time", "current_date", "current_timestamp":
		return true
	}
	return false
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
	auto := autoIncrementColumn(t)
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
func (s sqlite) alterTable(t, live *Table, changes []*Change) []string {
	var applied []*Change
	for _, c := range changes {
		if !c.Withheld {
			applied = append(applied, c)
		}
	}
	var stmts []string
	switch {
	case len(applied) == 0:
	case !slices.ContainsFunc(applied, func(c *Change) bool { return !addsDirectly(c) }):
		for _, c := range applied {
			c.SQL = "ALTER TABLE " + s.quoteTable(t) + " ADD COLUMN " + s.columnDef(c.col, false, "")
			stmts = append(stmts, c.SQL)
		}
	default:
		stmts = s.rebuild(t, live, applied)
		joined := strings.Join(stmts, "; ")
		for _, c := range applied {
			c.SQL = joined
		}
	}
	for _, c := range changes {
		if c.Withheld {
			c.SQL = strings.Join(s.rebuild(t, live, append(slices.Clone(applied), c)), "; ")
		}
	}
	return stmts
}

// addsDirectly reports whether SQLite's ALTER TABLE ADD COLUMN can make the
// change: a column that is not a key, with a constant default (not
// CURRENT_TIME/DATE/TIMESTAMP, no expression) that is not NULL when the
// column is NOT NULL. UNIQUE and REFERENCES come as their own changes.
func addsDirectly(c *Change) bool {
	if c.Kind != AddColumn || c.col.PrimaryKey || c.col.AutoIncrement {
		return false
	}
	d := strings.TrimSpace(c.col.defaultSQL())
	if d == "" || strings.EqualFold(d, "null") {
		return c.col.Nullable
	}
	return isSQLiteLiteral(d) && !strings.HasPrefix(strings.ToLower(d), "current_")
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
	def := parseCreateTable(live.createSQL)
	next := rebuiltTable(live, changes)
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
	if !def.withoutRowid && rowidAlias(live) == nil && rowidAlias(next) == nil &&
		!slices.ContainsFunc(live.Columns, func(c *Column) bool { return slices.Contains([]string{"rowid", "oid", "_rowid_"}, asciiLower(c.Name)) }) {
		copied = append([]string{"rowid"}, copied...)
	}
	cols := strings.Join(copied, ", ")
	stmts = append(stmts, fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM %s", tmp, cols, cols, old))
	if autoIncrementColumn(live) != nil && autoIncrementColumn(next) != nil {
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
			stmts = append(stmts, ix.sql)
		default:
			stmts = append(stmts, s.createIndex(t, ix))
		}
	}
	return append(stmts, live.triggers...)
}

// rowidAlias is the INTEGER PRIMARY KEY column that is the table's rowid,
// or nil.
func rowidAlias(t *Table) *Column {
	if t.PrimaryKey == nil || len(t.PrimaryKey.Columns) != 1 {
		return nil
	}
	if c := t.Column(t.PrimaryKey.Columns[0]); c != nil && c.Type.String() == "integer" {
		return c
	}
	return nil
}

// rebuiltTable is live with the changes made: the table a rebuild creates.
// Its indexes are the unique constraints; other indexes are recreated apart.
func rebuiltTable(live *Table, changes []*Change) *Table {
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

// ---- lock and apply ----

func (sqlite) transactional() bool { return true }

func (sqlite) features() features { return 0 }

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

// sqliteLockPoll bounds each wait for the write lock, so that a cancelled
// context stops the wait soon.
const sqliteLockPoll = 250 * time.Millisecond

// migrate runs fn on a dedicated connection in one BEGIN IMMEDIATE
// transaction: SQLite lets one connection write at a time, so concurrent
// migrators run one after the other, and everything fn does commits
// together or not at all. As SQLite's documentation prescribes for table
// rebuilds, foreign key enforcement is switched off on the connection
// before the transaction begins and restored after it ends, and when the
// transaction changed anything, PRAGMA foreign_key_check must find no
// violation before it commits.
func (s sqlite) migrate(ctx context.Context, db *bun.DB, timeout time.Duration, fn func(context.Context, bun.IDB) error) (err error) {
	fail := func(what string, err error) error { return fmt.Errorf("schema: %s: %s: %w", s.name(), what, err) }
	conn, err := db.Conn(ctx)
	if err != nil {
		return fail("take a connection", err)
	}
	// Cleanup runs even when ctx is cancelled. A connection whose settings
	// could not be restored is closed rather than returned to the pool.
	cleanup := context.WithoutCancel(ctx)
	discard := false
	defer func() {
		if discard {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
			return
		}
		if cerr := conn.Close(); cerr != nil {
			err = errors.Join(err, fail("release the connection", cerr))
		}
	}()

	var (
		fkOn, legacyAlter   bool
		busy                int64
		changes, schemaVers int64
	)
	if err := conn.QueryRowContext(ctx, `SELECT f.foreign_keys, l.legacy_alter_table, b.timeout, total_changes(), v.schema_version
		FROM pragma_foreign_keys f, pragma_legacy_alter_table l, pragma_busy_timeout b, pragma_schema_version v`).
		Scan(&fkOn, &legacyAlter, &busy, &changes, &schemaVers); err != nil {
		return fail("read connection settings", err)
	}
	restore := func(stmt string) {
		if _, err := conn.ExecContext(cleanup, stmt); err != nil {
			discard = true
		}
	}
	if fkOn {
		if _, err := conn.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
			return fail("switch foreign key enforcement off", err)
		}
		defer restore("PRAGMA foreign_keys = ON")
	}
	if legacyAlter {
		defer restore("PRAGMA legacy_alter_table = ON") // rebuilds switch it off
	}
	busyRestored := false // begin sets busy_timeout to the lock wait
	defer func() {
		if !busyRestored {
			restore(fmt.Sprintf("PRAGMA busy_timeout = %d", busy))
		}
	}()

	if err := s.begin(ctx, conn, timeout); err != nil {
		return err
	}
	defer func() {
		if err == nil {
			return
		}
		if _, rerr := conn.ExecContext(cleanup, "ROLLBACK"); rerr != nil && !strings.Contains(rerr.Error(), "no transaction is active") {
			err = errors.Join(err, fail("rollback", rerr))
			discard = true
		}
	}()
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA busy_timeout = %d", busy)); err != nil {
		return fail("restore busy_timeout", err)
	}
	busyRestored = true
	if err := fn(ctx, conn); err != nil {
		return err
	}
	if fkOn {
		var after, afterVers int64
		if err := conn.QueryRowContext(ctx, "SELECT total_changes(), schema_version FROM pragma_schema_version").Scan(&after, &afterVers); err != nil {
			return fail("read schema version", err)
		}
		if after != changes || afterVers != schemaVers {
			if err := s.checkForeignKeys(ctx, conn); err != nil {
				return err
			}
		}
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return fail("commit", err)
	}
	return nil
}

// begin takes SQLite's write lock with BEGIN IMMEDIATE, waiting up to
// timeout (as long as ctx allows when timeout is zero or less) while another
// connection holds it.
func (s sqlite) begin(ctx context.Context, conn bun.Conn, timeout time.Duration) error {
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	for {
		wait := sqliteLockPoll
		if timeout > 0 {
			wait = min(wait, max(time.Until(deadline), time.Millisecond))
		}
		if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA busy_timeout = %d", wait.Milliseconds())); err != nil {
			return fmt.Errorf("schema: %s: set busy_timeout: %w", s.name(), err)
		}
		_, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE")
		switch {
		case err == nil:
			return nil
		case ctx.Err() != nil:
			return fmt.Errorf("schema: %s: wait for the migration lock: %w", s.name(), ctx.Err())
		case !sqliteBusy(err):
			return fmt.Errorf("schema: %s: BEGIN IMMEDIATE: %w", s.name(), err)
		case timeout > 0 && !time.Now().Before(deadline):
			return fmt.Errorf("schema: %s: %w after %s: another migrator holds it, or another connection is writing to the database (raise WithLockTimeout, or look for a stuck migration or a long write transaction)",
				s.name(), ErrLockTimeout, timeout)
		}
	}
}

// sqliteBusy reports SQLITE_BUSY (any extended code) from the driver.
func sqliteBusy(err error) bool {
	var coded interface{ Code() int }
	return errors.As(err, &coded) && coded.Code()&0xff == 5
}

// checkForeignKeys runs PRAGMA foreign_key_check over the database and
// turns violations into an error naming each table and foreign key.
func (s sqlite) checkForeignKeys(ctx context.Context, conn bun.Conn) error {
	const check = "PRAGMA foreign_key_check"
	rows, err := conn.QueryContext(ctx, `SELECT c."table", c.parent, count(*),
		coalesce((SELECT group_concat(k."from", ', ') FROM pragma_foreign_key_list(c."table") k WHERE k.id = c.fkid), '')
		FROM pragma_foreign_key_check c GROUP BY c."table", c.parent, c.fkid ORDER BY 1, 2, 4`)
	if err != nil {
		return &ApplyError{Dialect: s.name(), Statement: check, RolledBack: true, Err: err}
	}
	defer rows.Close()
	var (
		first string
		found []string
	)
	for rows.Next() {
		var (
			table, parent, cols string
			n                   int64
		)
		if err := rows.Scan(&table, &parent, &n, &cols); err != nil {
			return &ApplyError{Dialect: s.name(), Statement: check, RolledBack: true, Err: err}
		}
		if first == "" {
			first = table
		}
		found = append(found, fmt.Sprintf("table %q: %d %s of (%s) %s no row of %q", table, n, plural(int(n), "row", "rows"), cols, verb(n, "references", "reference"), parent))
	}
	if err := rows.Err(); err != nil {
		return &ApplyError{Dialect: s.name(), Statement: check, RolledBack: true, Err: err}
	}
	if len(found) == 0 {
		return nil
	}
	return &ApplyError{Dialect: s.name(), Table: first, Statement: check, RolledBack: true,
		Err: fmt.Errorf("foreign keys violated: %s (correct or delete those rows, then migrate again)", strings.Join(found, "; "))}
}

// ---- reading SQLite's own DDL ----

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
		if sameIdents(u.cols, cols) {
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
		if sameIdents(k.cols, fk.Columns) && strings.EqualFold(k.ref, fk.RefTable) {
			return k.name
		}
	}
	return ""
}

func sameIdents(a, b []string) bool {
	return slices.EqualFunc(a, b, strings.EqualFold)
}

// parseCreateTable reads a CREATE TABLE statement. It never fails: what it
// cannot read is left out.
func parseCreateTable(stmt string) *sqliteTableDef {
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
			d.uniques = append(d.uniques, sqliteNamedKey{name: name, cols: keyColumns(*g)})
		}
	case isKeyword(kind, "FOREIGN"):
		g := nextGroup(part, i)
		r := slices.IndexFunc(part, func(t sqlToken) bool { return isKeyword(t, "REFERENCES") })
		if g != nil && name != "" && r >= 0 && r+1 < len(part) {
			d.fks = append(d.fks, sqliteNamedKey{name: name, cols: keyColumns(*g), ref: identOf(part[r+1])})
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

// parseCreateIndex reads a CREATE INDEX statement: the text of its key, its
// WHERE clause, and whether the key is a plain list of columns.
func parseCreateIndex(stmt string) (key, where string, plain bool) {
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

// sqlToken is one token of a statement: a word or number ('w'), a quoted
// identifier ('q'), a string literal ('s'), a parenthesised group with its
// parentheses ('('), or punctuation ('p').
type sqlToken struct {
	kind       byte
	text       string
	start, end int // byte offsets in the lexed text
}

func (t sqlToken) inner() string {
	if t.kind != '(' || len(t.text) < 2 {
		return ""
	}
	return t.text[1 : len(t.text)-1]
}

func lexSQL(s string) []sqlToken {
	var toks []sqlToken
	for i := 0; i < len(s); {
		start, c := i, s[i]
		var kind byte
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			i++
			continue
		case strings.HasPrefix(s[i:], "--") || strings.HasPrefix(s[i:], "/*"):
			i = skipComment(s, i)
			continue
		case c == '(':
			kind, i = '(', skipGroup(s, i)
		case c == '\'':
			kind, i = 's', skipQuoted(s, i, '\'')
		case c == '"' || c == '`':
			kind, i = 'q', skipQuoted(s, i, c)
		case c == '[':
			kind, i = 'q', skipQuoted(s, i, ']')
		case isWordByte(c):
			kind = 'w'
			for i < len(s) && isWordByte(s[i]) {
				i++
			}
		default:
			kind, i = 'p', i+1
		}
		toks = append(toks, sqlToken{kind: kind, text: s[start:i], start: start, end: i})
	}
	return toks
}

func isWordByte(c byte) bool {
	return c == '_' || c == '$' || c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

// skipQuoted returns the index after the quoted text opened at i and closed
// by closing; a doubled closing quote belongs to the text.
func skipQuoted(s string, i int, closing byte) int {
	for j := i + 1; j < len(s); j++ {
		if s[j] != closing {
			continue
		}
		if closing != ']' && j+1 < len(s) && s[j+1] == closing {
			j++
			continue
		}
		return j + 1
	}
	return len(s)
}

func skipComment(s string, i int) int {
	if strings.HasPrefix(s[i:], "--") {
		if j := strings.IndexByte(s[i:], '\n'); j >= 0 {
			return i + j + 1
		}
		return len(s)
	}
	if j := strings.Index(s[i+2:], "*/"); j >= 0 {
		return i + 2 + j + 2
	}
	return len(s)
}

// skipGroup returns the index after the parenthesis closing the one at i.
func skipGroup(s string, i int) int {
	depth := 0
	for j := i; j < len(s); {
		switch c := s[j]; {
		case c == '(':
			depth++
			j++
		case c == ')':
			depth--
			j++
			if depth == 0 {
				return j
			}
		case c == '\'' || c == '"' || c == '`':
			j = skipQuoted(s, j, c)
		case c == '[':
			j = skipQuoted(s, j, ']')
		case strings.HasPrefix(s[j:], "--") || strings.HasPrefix(s[j:], "/*"):
			j = skipComment(s, j)
		default:
			j++
		}
	}
	return len(s)
}

// splitTokens splits at commas, dropping empty parts.
func splitTokens(toks []sqlToken) [][]sqlToken {
	var parts [][]sqlToken
	start := 0
	for i := 0; i <= len(toks); i++ {
		if i == len(toks) || (toks[i].kind == 'p' && toks[i].text == ",") {
			if i > start {
				parts = append(parts, toks[start:i])
			}
			start = i + 1
		}
	}
	return parts
}

func isKeyword(t sqlToken, words ...string) bool {
	return t.kind == 'w' && slices.ContainsFunc(words, func(w string) bool { return strings.EqualFold(t.text, w) })
}

// identOf is the name a token spells, without its quotes.
func identOf(t sqlToken) string {
	switch {
	case t.kind == 'q' && t.text[0] == '[':
		return strings.TrimSuffix(t.text[1:], "]")
	case t.kind == 'q' || t.kind == 's':
		q := t.text[:1]
		return strings.ReplaceAll(strings.TrimSuffix(t.text[1:], q), q+q, q)
	}
	return t.text
}

// nextGroup is the first parenthesised group after index i, or nil.
func nextGroup(toks []sqlToken, i int) *sqlToken {
	for j := i; j < len(toks); j++ {
		if toks[j].kind == '(' {
			return &toks[j]
		}
	}
	return nil
}

// keyColumns lists the column names of a key such as ("a", b COLLATE NOCASE).
func keyColumns(g sqlToken) []string {
	var cols []string
	for _, part := range splitTokens(lexSQL(g.inner())) {
		cols = append(cols, identOf(part[0]))
	}
	return cols
}
