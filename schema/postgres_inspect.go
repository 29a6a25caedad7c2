package schema

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// Reading PostgreSQL's catalogs: three queries for all requested tables.

// pgRequested is the CTE resolving the requested tables: (schema, name)
// pairs where an empty schema means the current one.
const pgRequested = `
WITH req AS (
	SELECT DISTINCT coalesce(nullif(r.s, ''), current_schema()) AS nsp, r.t AS rel
	FROM unnest(?::text[], ?::text[]) AS r(s, t)
), rel AS (
	SELECT c.oid, n.nspname, c.relname, c.relkind, c.reltuples
	FROM req
	JOIN pg_namespace n ON n.nspname = req.nsp
	JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = req.rel
)`

const pgColumnsQuery = pgRequested + `
SELECT current_schema(), rel.nspname, rel.relname, rel.relkind::text,
	a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
	pg_get_expr(d.adbin, d.adrelid), a.attidentity::text, a.attgenerated::text,
	(SELECT coalesce(json_agg(DISTINCT req.nsp), '[]') FROM req
		WHERE NOT EXISTS (SELECT 1 FROM pg_namespace n WHERE n.nspname = req.nsp))::text,
	CASE WHEN rel.reltuples >= 0 THEN rel.reltuples::bigint ELSE pg_relation_size(rel.oid) / 64 END
FROM (SELECT 1) AS one
LEFT JOIN rel ON true
LEFT JOIN pg_attribute a ON a.attrelid = rel.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
ORDER BY rel.nspname, rel.relname, a.attnum`

// pgConstraintsQuery reads primary keys, unique constraints and foreign
// keys of the requested tables, and the foreign keys referencing them. Key
// columns are resolved with set-based joins rather than a subquery per row:
// that keeps the estimated cost far below jit_above_cost, since JIT
// compilation alone would cost more than the query.
const pgConstraintsQuery = pgRequested + `, cons AS (
	SELECT con.oid, con.conname, con.contype, con.conrelid, con.confrelid, con.conkey, con.confkey, con.confupdtype, con.confdeltype, con.convalidated
	FROM pg_constraint con
	WHERE con.contype IN ('p', 'u', 'f')
		AND (con.conrelid IN (SELECT oid FROM rel) OR con.confrelid IN (SELECT oid FROM rel))
), cols AS (
	SELECT cons.oid, json_agg(a.attname ORDER BY k.ord)::text AS names
	FROM cons, unnest(cons.conkey) WITH ORDINALITY AS k(num, ord), pg_attribute a
	WHERE a.attrelid = cons.conrelid AND a.attnum = k.num
	GROUP BY cons.oid
), refcols AS (
	SELECT cons.oid, json_agg(a.attname ORDER BY k.ord)::text AS names
	FROM cons, unnest(cons.confkey) WITH ORDINALITY AS k(num, ord), pg_attribute a
	WHERE a.attrelid = cons.confrelid AND a.attnum = k.num
	GROUP BY cons.oid
)
SELECT cn.nspname, cc.relname, cons.conname, cons.contype::text, cols.names,
	coalesce(fn.nspname, ''), coalesce(fc.relname, ''), coalesce(refcols.names, '[]'),
	cons.confupdtype::text, cons.confdeltype::text, cons.convalidated
FROM cons
JOIN pg_class cc ON cc.oid = cons.conrelid
JOIN pg_namespace cn ON cn.oid = cc.relnamespace
JOIN cols ON cols.oid = cons.oid
LEFT JOIN refcols ON refcols.oid = cons.oid
LEFT JOIN pg_class fc ON fc.oid = cons.confrelid
LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
ORDER BY cn.nspname, cc.relname, cons.conname`

const pgIndexesQuery = pgRequested + `
SELECT rel.nspname, rel.relname, i.relname, ix.indisunique,
	to_json(ARRAY(
		SELECT coalesce(a.attname, '') FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(num, ord)
		LEFT JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.num
		WHERE k.ord <= ix.indnkeyatts ORDER BY k.ord))::text,
	coalesce(pg_get_expr(ix.indexprs, ix.indrelid), ''),
	coalesce(pg_get_expr(ix.indpred, ix.indrelid), ''), ix.indisvalid
FROM rel
JOIN pg_index ix ON ix.indrelid = rel.oid
JOIN pg_class i ON i.oid = ix.indexrelid
WHERE NOT EXISTS (
	SELECT 1 FROM pg_constraint con
	WHERE con.conindid = ix.indexrelid AND con.conrelid = ix.indrelid AND con.contype IN ('p', 'u', 'x'))
ORDER BY rel.nspname, rel.relname, i.relname`

func (pg postgres) inspect(ctx context.Context, db bun.IDB, tables []tableKey) (*snapshot, error) {
	schemas := make([]string, len(tables))
	names := make([]string, len(tables))
	for i, k := range tables {
		schemas[i], names[i] = k.schema, k.name
	}
	args := []any{pgdialect.Array(schemas), pgdialect.Array(names)}
	snap := newSnapshot()

	if err := pg.readColumns(ctx, db, args, snap); err != nil {
		return nil, fmt.Errorf("inspect columns: %w", err)
	}
	if err := pg.readConstraints(ctx, db, args, snap); err != nil {
		return nil, fmt.Errorf("inspect constraints: %w", err)
	}
	if err := pg.readIndexes(ctx, db, args, snap); err != nil {
		return nil, fmt.Errorf("inspect indexes: %w", err)
	}
	return snap, nil
}

func (pg postgres) readColumns(ctx context.Context, db bun.IDB, args []any, snap *snapshot) error {
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
			missing                                       string
			estimate                                      sql.NullInt64
		)
		if err := rows.Scan(&current, &nsp, &rel, &kind, &col, &typ, &notNull, &def, &ident, &genrted, &missing, &estimate); err != nil {
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
		if !col.Valid {
			continue // a table without columns
		}
		ct, err := pg.parseType(typ.String)
		if err != nil {
			return fmt.Errorf("table %q column %q: type %q: %w", rel.String, col.String, typ.String, err)
		}
		c := &Column{Name: col.String, Type: ct, Nullable: !notNull.Bool}
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

func (pg postgres) readConstraints(ctx context.Context, db bun.IDB, args []any, snap *snapshot) error {
	rows, err := db.QueryContext(ctx, pgConstraintsQuery, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			nsp, rel, name, typ, colsJSON, refNsp, refRel, refColsJSON, upd, del string
			validated                                                            bool
			cols, refCols                                                        []string
		)
		if err := rows.Scan(&nsp, &rel, &name, &typ, &colsJSON, &refNsp, &refRel, &refColsJSON, &upd, &del, &validated); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(colsJSON), &cols); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(refColsJSON), &refCols); err != nil {
			return err
		}
		key := tableKey{nsp, rel}
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
		case "f":
			fk := &ForeignKey{Name: name, Columns: cols, RefSchema: snap.display(refNsp), RefTable: refRel, RefColumns: refCols,
				OnUpdate: pgActions[upd], OnDelete: pgActions[del], notValid: !validated}
			if t != nil {
				t.ForeignKeys = append(t.ForeignKeys, fk)
			}
			ref := tableKey{refNsp, refRel}
			if snap.tables[ref] != nil {
				snap.referencedBy[ref] = append(snap.referencedBy[ref], inboundFK{from: key, fk: fk})
			}
		}
	}
	return rows.Err()
}

func (pg postgres) readIndexes(ctx context.Context, db bun.IDB, args []any, snap *snapshot) error {
	rows, err := db.QueryContext(ctx, pgIndexesQuery, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			nsp, rel, name, colsJSON, expr, pred string
			unique, valid                        bool
			cols                                 []string
		)
		if err := rows.Scan(&nsp, &rel, &name, &unique, &colsJSON, &expr, &pred, &valid); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(colsJSON), &cols); err != nil {
			return err
		}
		t := snap.tables[tableKey{nsp, rel}]
		if t == nil {
			continue
		}
		ix := &Index{Name: name, Unique: unique, Expr: expr, Where: pred, invalid: !valid}
		if expr == "" {
			ix.Columns = cols
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
