package schema

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/uptrace/bun"
)

// Reading SQLite's catalog: sqlite_master and the table-valued pragmas, in
// three queries for all requested tables.

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
LEFT JOIN pragma_table_xinfo(f.name, f.db) c ON f.type IN ('table', 'view')
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
		if k, other := in.snap.others[key]; other && (k != "view" || kind != "view") {
			continue
		}
		t := in.snap.tables[key]
		switch {
		case kind == "view":
			in.snap.others[key] = kind
			if cid.Valid {
				ct, err := s.parseType(typ.String)
				if err != nil {
					return fmt.Errorf("view %q column %q: type %q: %w", rname, col.String, typ.String, err)
				}
				in.snap.viewColumn(key, &Column{Name: col.String, Type: ct, Nullable: notNull.Int64 == 0})
			}
			continue
		case kind == "index":
			in.snap.others[key] = kind
			continue
		case kind == "trigger":
			if t != nil && text != "" {
				t.triggers = append(t.triggers, text)
			}
			continue
		case t == nil && sqliteIsVirtualTable(text):
			in.snap.others[key] = "virtual table"
			continue
		case t == nil:
			t = &Table{Schema: in.snap.display(dbName), Name: rname, createSQL: text, rows: -1}
			in.snap.tables[key] = t
			in.defs[key] = sqliteParseCreateTable(text)
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
		// A rowid alias (INTEGER PRIMARY KEY) and the primary key of a
		// WITHOUT ROWID table never hold NULL, though the pragma reports
		// them nullable when they are not declared NOT NULL.
		def := in.defs[key]
		for _, c := range cols {
			if col := t.Column(c.name); col != nil && ((def != nil && def.withoutRowid) || (len(cols) == 1 && col.Type.String() == "integer")) {
				col.Nullable = false
			}
		}
	}
	return nil
}

func sqliteIsVirtualTable(createSQL string) bool {
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
			key, where, plain := sqliteParseCreateIndex(r.text)
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
			defs[tableKey{dbName, asciiLower(table)}] = sqliteParseCreateTable(text)
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

// sqliteListQuery lists the tables and views of one attached database (""
// for "main"), or of every one when all is true; SQLite's own tables,
// virtual tables and their shadow tables are left out.
const sqliteListQuery = `
SELECT schema, name, type = 'view', schema = 'main'
FROM pragma_table_list
WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\_%' ESCAPE '\'
	AND (? OR schema = coalesce(nullif(?, ''), 'main'))
ORDER BY schema, name`

func (sqlite) listTables(ctx context.Context, db bun.IDB, schema string, all bool) ([]TableInfo, error) {
	return scanTableList(ctx, db, sqliteListQuery, all, schema)
}
