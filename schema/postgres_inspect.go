package schema

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// Reading PostgreSQL's catalogs: three queries for all requested tables.
//
// Every catalog is reached from the requested tables by an index (pg_class
// by name and by oid, pg_attribute, pg_attrdef and pg_index by table,
// pg_constraint by conrelid), and the columns of keys are resolved here from
// their numbers rather than by joins in the server: the plans stay cheap
// whatever the catalog statistics say (stale ones, on a busy catalog,
// otherwise turn them into sequential scans of pg_attribute and push their
// estimated cost past jit_above_cost, where JIT compilation alone costs
// more than the query). The foreign keys of other tables that reference
// the requested ones are found through pg_depend (by its index on the
// referenced object), since pg_constraint has no index on confrelid: a scan
// of it took 10 ms on a catalog bloated by many created and dropped tables.

// pgRequested is the CTE resolving the requested tables: (schema, name)
// pairs where an empty schema means the current one.
const pgRequested = `
WITH req AS (
	SELECT DISTINCT coalesce(nullif(r.s, ''), current_schema()) AS nsp, r.t AS rel
	FROM unnest(?::text[], ?::text[]) AS r(s, t)
), rel AS MATERIALIZED (
	SELECT c.oid, n.nspname, c.relname, c.relkind, c.reltuples::bigint AS estimate
	FROM req
	JOIN pg_namespace n ON n.nspname = req.nsp
	JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = req.rel
)`

const pgColumnsQuery = pgRequested + `
SELECT current_schema(), rel.nspname, rel.relname, rel.relkind::text,
	a.attnum, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
	pg_get_expr(d.adbin, d.adrelid), a.attidentity::text, a.attgenerated::text,
	(SELECT coalesce(json_agg(DISTINCT req.nsp), '[]') FROM req
		WHERE NOT EXISTS (SELECT 1 FROM pg_namespace n WHERE n.nspname = req.nsp))::text,
	rel.estimate, coalesce(ds.description, '')
FROM (SELECT 1) AS one
LEFT JOIN rel ON true
LEFT JOIN pg_attribute a ON a.attrelid = rel.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
LEFT JOIN pg_description ds ON ds.objoid = a.attrelid AND ds.classoid = 'pg_class'::regclass AND ds.objsubid = a.attnum
ORDER BY rel.nspname, rel.relname, a.attnum`

// pgConstraintsQuery reads primary keys, unique constraints, CHECK
// constraints and foreign keys of the requested tables, and the foreign
// keys of other tables referencing them. Key columns come as numbers,
// except those of tables that were not requested, which come as names.
const pgConstraintsQuery = pgRequested + `, cons AS (
	SELECT con.*, rel.nspname AS tnsp, rel.relname AS trel, true AS requested
	FROM rel JOIN pg_constraint con ON con.conrelid = rel.oid
	WHERE con.contype IN ('p', 'u', 'f') OR (con.contype = 'c' AND con.conislocal)
	UNION ALL
	SELECT con.*, (SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = con.conrelid),
		(SELECT c.relname FROM pg_class c WHERE c.oid = con.conrelid), false
	FROM (SELECT DISTINCT dep.objid FROM rel
			JOIN pg_depend dep ON dep.refclassid = 'pg_class'::regclass AND dep.refobjid = rel.oid
			WHERE dep.classid = 'pg_constraint'::regclass) AS d
	JOIN pg_constraint con ON con.oid = d.objid
	WHERE con.contype = 'f' AND (con.confrelid IN (SELECT oid FROM rel)) IS TRUE AND con.conrelid NOT IN (SELECT oid FROM rel)
)
SELECT cons.tnsp, cons.trel, cons.conname, cons.contype::text, coalesce(cons.conkey::text, ''),
	coalesce((SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = cons.confrelid), ''),
	coalesce((SELECT c.relname FROM pg_class c WHERE c.oid = cons.confrelid), ''), coalesce(cons.confkey::text, ''),
	cons.confupdtype::text, cons.confdeltype::text, cons.convalidated,
	CASE WHEN cons.contype = 'c' THEN pg_get_expr(cons.conbin, cons.conrelid) ELSE '' END,
	CASE WHEN NOT cons.requested THEN (SELECT json_agg(json_build_array(a.attname, format_type(a.atttypid, a.atttypmod)) ORDER BY k.ord)
		FROM unnest(cons.conkey) WITH ORDINALITY AS k(num, ord)
		JOIN pg_attribute a ON a.attrelid = cons.conrelid AND a.attnum = k.num)::text ELSE '' END,
	CASE WHEN cons.contype = 'f' AND cons.confrelid NOT IN (SELECT oid FROM rel) THEN (SELECT json_agg(json_build_array(a.attname, format_type(a.atttypid, a.atttypmod)) ORDER BY k.ord)
		FROM unnest(cons.confkey) WITH ORDINALITY AS k(num, ord) JOIN pg_attribute a ON a.attrelid = cons.confrelid AND a.attnum = k.num)::text ELSE '' END
FROM cons
ORDER BY 1, 2, 3`

// pgIndexesQuery reads the indexes that are not the index of a primary
// key or unique constraint, their key columns as numbers (0 for an
// expression) and their sort options.
const pgIndexesQuery = pgRequested + `
SELECT rel.nspname, rel.relname, i.relname, ix.indisunique, ix.indkey::text, ix.indnkeyatts, ix.indoption::text,
	coalesce(pg_get_expr(ix.indexprs, ix.indrelid), ''),
	coalesce(pg_get_expr(ix.indpred, ix.indrelid), ''), ix.indisvalid, am.amname
FROM rel
JOIN pg_index ix ON ix.indrelid = rel.oid
JOIN pg_class i ON i.oid = ix.indexrelid
JOIN pg_am am ON am.oid = i.relam
WHERE NOT EXISTS (
	SELECT 1 FROM pg_constraint con
	WHERE con.conrelid = ix.indrelid AND con.conindid = ix.indexrelid AND con.contype IN ('p', 'u', 'x'))
ORDER BY rel.nspname, rel.relname, i.relname`

func (pg postgres) inspect(ctx context.Context, db bun.IDB, tables []tableKey) (*snapshot, error) {
	schemas := make([]string, len(tables))
	names := make([]string, len(tables))
	for i, k := range tables {
		schemas[i], names[i] = k.schema, k.name
	}
	args := []any{pgdialect.Array(schemas), pgdialect.Array(names)}
	snap := newSnapshot()
	nums := pgColumnNumbers{}

	if err := pg.readColumns(ctx, db, args, snap, nums); err != nil {
		return nil, fmt.Errorf("inspect columns: %w", err)
	}
	if err := pg.readConstraints(ctx, db, args, snap, nums); err != nil {
		return nil, fmt.Errorf("inspect constraints: %w", err)
	}
	if err := pg.readIndexes(ctx, db, args, snap, nums); err != nil {
		return nil, fmt.Errorf("inspect indexes: %w", err)
	}
	return snap, nil
}

// pgColumnNumbers maps the requested tables' column numbers (attnum) to
// their names.
type pgColumnNumbers map[tableKey]map[int]string

// names resolves key column numbers, as PostgreSQL writes an int2[] ("{1,2}")
// or an int2vector ("1 2"), to names; a number that is no column (0, an
// expression) becomes "". ok is false when the table's columns are unknown.
func (n pgColumnNumbers) names(key tableKey, list string) (names []string, ok bool) {
	cols, ok := n[key]
	if !ok {
		return nil, false
	}
	for _, f := range strings.FieldsFunc(list, func(r rune) bool { return r == '{' || r == '}' || r == ',' || r == ' ' }) {
		num, err := strconv.Atoi(f)
		if err != nil {
			return nil, false
		}
		names = append(names, cols[num])
	}
	return names, true
}

// estimateRows estimates the rows of a table never analyzed from its size:
// 64 bytes a row.
func (pg postgres) estimateRows(ctx context.Context, db bun.IDB, t *Table) (int64, error) {
	var n int64
	err := db.QueryRowContext(ctx, "SELECT coalesce(pg_relation_size(to_regclass(?)), 0) / 64", pg.quoteTable(t)).Scan(&n)
	return n, err
}

func (pg postgres) readColumns(ctx context.Context, db bun.IDB, args []any, snap *snapshot, nums pgColumnNumbers) error {
	rows, err := db.QueryContext(ctx, pgColumnsQuery, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			current                                       sql.NullString
			nsp, rel, kind, col, typ, def, ident, genrted sql.NullString
			notNull                                       sql.NullBool
			missing, comment                              string
			estimate, num                                 sql.NullInt64
		)
		if err := rows.Scan(&current, &nsp, &rel, &kind, &num, &col, &typ, &notNull, &def, &ident, &genrted, &missing, &estimate, &comment); err != nil {
			return err
		}
		if !current.Valid {
			return errors.New("the connection has no current schema: set search_path")
		}
		snap.current = current.String
		var schemas []string
		if err := json.Unmarshal([]byte(missing), &schemas); err != nil {
			return err
		}
		for _, name := range schemas {
			snap.missingSchemas[name] = true
		}
		if !rel.Valid {
			continue // no requested table exists
		}
		key := tableKey{nsp.String, rel.String}
		if kind.String != "r" && kind.String != "p" {
			snap.others[key] = pgRelKind(kind.String)
			if (kind.String == "v" || kind.String == "m") && col.Valid {
				ct, err := pg.parseType(typ.String)
				if err != nil {
					return fmt.Errorf("view %q column %q: type %q: %w", rel.String, col.String, typ.String, err)
				}
				snap.viewColumn(key, &Column{Name: col.String, Type: ct, Nullable: !notNull.Bool})
			}
			continue
		}
		t := snap.tables[key]
		if t == nil {
			t = &Table{Schema: snap.display(nsp.String), Name: rel.String, rows: -1}
			if estimate.Valid {
				t.rows = estimate.Int64
			}
			snap.tables[key] = t
		}
		if nums[key] == nil {
			nums[key] = map[int]string{}
		}
		if !col.Valid {
			continue // a table without columns
		}
		nums[key][int(num.Int64)] = col.String
		ct, err := pg.parseType(typ.String)
		if err != nil {
			return fmt.Errorf("table %q column %q: type %q: %w", rel.String, col.String, typ.String, err)
		}
		c := &Column{Name: col.String, Type: ct, Nullable: !notNull.Bool, Comment: comment}
		switch {
		case ident.String != "":
			c.AutoIncrement, c.identity = true, true
		case strings.HasPrefix(def.String, "nextval("):
			c.AutoIncrement = true
		case genrted.String != "":
			c.generated = def.String
		case def.Valid:
			c.Default = pg.normalizeDefault(def.String, ct)
			c.rawDefault = def.String
		}
		t.Columns = append(t.Columns, c)
	}
	return rows.Err()
}

func pgRelKind(k string) string {
	switch k {
	case "v":
		return "view"
	case "m":
		return "materialized view"
	case "S":
		return "sequence"
	case "f":
		return "foreign table"
	case "i", "I":
		return "index"
	case "c":
		return "composite type"
	default:
		return "relation"
	}
}

var pgActions = map[string]string{"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}

func (pg postgres) readConstraints(ctx context.Context, db bun.IDB, args []any, snap *snapshot, nums pgColumnNumbers) error {
	rows, err := db.QueryContext(ctx, pgConstraintsQuery, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			nsp, rel, name, typ, colNums, refNsp, refRel, refNums, upd, del, expr, colNames, refNames string
			validated                                                                                 bool
		)
		if err := rows.Scan(&nsp, &rel, &name, &typ, &colNums, &refNsp, &refRel, &refNums, &upd, &del, &validated, &expr, &colNames, &refNames); err != nil {
			return err
		}
		key, ref := tableKey{nsp, rel}, tableKey{refNsp, refRel}
		cols, colTypes, err := pgKeyColumns(nums, key, colNums, colNames)
		if err != nil {
			return fmt.Errorf("constraint %q of table %q: %w", name, rel, err)
		}
		t := snap.tables[key]
		switch typ {
		case "p":
			if t != nil {
				t.PrimaryKey = &PrimaryKey{Name: name, Columns: cols}
				for _, c := range cols {
					if col := t.Column(c); col != nil {
						col.PrimaryKey = true
					}
				}
			}
		case "u":
			if t != nil {
				t.Indexes = append(t.Indexes, &Index{Name: name, Columns: cols, Unique: true, Constraint: true})
			}
		case "c":
			if t != nil {
				t.Checks = append(t.Checks, &Check{Name: name, Expr: stripOuterParens(expr), notValid: !validated})
			}
		case "f":
			refCols, refTypes, err := pgKeyColumns(nums, ref, refNums, refNames)
			if err != nil {
				return fmt.Errorf("foreign key %q of table %q: %w", name, rel, err)
			}
			fk := &ForeignKey{Name: name, Columns: cols, RefSchema: snap.display(refNsp), RefTable: refRel, RefColumns: refCols,
				OnUpdate: pgActions[upd], OnDelete: pgActions[del], notValid: !validated,
				colTypes: pg.parseTypes(colTypes), refTypes: pg.parseTypes(refTypes)}
			if t != nil {
				t.ForeignKeys = append(t.ForeignKeys, fk)
			}
			if snap.tables[ref] != nil {
				snap.referencedBy[ref] = append(snap.referencedBy[ref], inboundFK{from: key, fk: fk})
			}
		}
	}
	return rows.Err()
}

// pgKeyColumns is a key's columns: resolved from their numbers for a
// requested table, or the names the query gave for another.
func pgKeyColumns(nums pgColumnNumbers, key tableKey, list, names string) (cols, types []string, err error) {
	if cols, ok := nums.names(key, list); ok {
		return cols, nil, nil
	}
	if names == "" {
		return nil, nil, nil
	}
	// A table that was not requested: [[name, type], ...].
	var pairs [][2]string
	if err := json.Unmarshal([]byte(names), &pairs); err != nil {
		return nil, nil, err
	}
	for _, p := range pairs {
		cols, types = append(cols, p[0]), append(types, p[1])
	}
	return cols, types, nil
}

// parseTypes parses the types of a foreign key's columns in a table that
// was not inspected; nil when one does not parse.
func (pg postgres) parseTypes(types []string) []ColumnType {
	if len(types) == 0 {
		return nil
	}
	out := make([]ColumnType, len(types))
	for i, s := range types {
		t, err := pg.parseType(s)
		if err != nil {
			return nil
		}
		out[i] = t
	}
	return out
}

func (pg postgres) readIndexes(ctx context.Context, db bun.IDB, args []any, snap *snapshot, nums pgColumnNumbers) error {
	rows, err := db.QueryContext(ctx, pgIndexesQuery, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			nsp, rel, name, keys, options, expr, pred, method string
			keyCount                                          int
			unique, valid                                     bool
		)
		if err := rows.Scan(&nsp, &rel, &name, &unique, &keys, &keyCount, &options, &expr, &pred, &valid, &method); err != nil {
			return err
		}
		key := tableKey{nsp, rel}
		t := snap.tables[key]
		if t == nil {
			continue
		}
		ix := &Index{Name: name, Unique: unique, Expr: expr, Where: pred, invalid: !valid}
		if method != "btree" {
			ix.Method = method
		}
		if expr == "" {
			cols, _ := nums.names(key, keys)
			ix.Columns = cols[:min(keyCount, len(cols))]
			// indoption: bit 0 is DESC.
			var desc []bool
			for i, f := range strings.Fields(options) {
				if i >= len(ix.Columns) {
					break
				}
				opt, _ := strconv.Atoi(f)
				desc = append(desc, opt&1 == 1)
			}
			if slices.Contains(desc, true) {
				ix.Desc = desc
			}
		}
		t.Indexes = append(t.Indexes, ix)
	}
	return rows.Err()
}

// pgListQuery lists tables and views: of one schema ("" for the current
// one), or of every schema but PostgreSQL's own when all is true.
// Partitions are left out (their parent is the table), as are foreign
// tables.
const pgListQuery = `
SELECT n.nspname, c.relname, c.relkind IN ('v', 'm'), n.nspname = current_schema()
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm') AND NOT c.relispartition
	AND CASE WHEN ? THEN n.nspname NOT IN ('pg_catalog', 'information_schema')
		AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp\_%'
	ELSE n.nspname = coalesce(nullif(?, ''), current_schema()) END
ORDER BY n.nspname, c.relname`

func (postgres) listTables(ctx context.Context, db bun.IDB, schema string, all bool) ([]TableInfo, error) {
	return scanTableList(ctx, db, pgListQuery, all, schema)
}
