package schema

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// postgres is the PostgreSQL dialect (12 and later).
type postgres struct{}

var (
	_ dialect       = postgres{}
	_ fkTypeMatcher = postgres{}
	_ valueCaster   = postgres{}
	_ converter     = postgres{}
	_ schemaCreator = postgres{}
)

func (postgres) name() string { return "PostgreSQL" }

func (postgres) quote(ident string) string {
	return `"` + strings.ReplaceAll(ident, `"`, `""`) + `"`
}

func (pg postgres) quoteTable(t *Table) string {
	if t.Schema == "" {
		return pg.quote(t.Name)
	}
	return pg.quote(t.Schema) + "." + pg.quote(t.Name)
}

func (postgres) checkIdent(ident string) error {
	switch {
	case ident == "":
		return errors.New("empty name")
	case len(ident) > 63:
		return fmt.Errorf("name is %d bytes long; PostgreSQL keeps only 63 (shorten it)", len(ident))
	case strings.IndexByte(ident, 0) >= 0:
		return errors.New("name contains a NUL byte")
	}
	return nil
}

// lengthExpr measures the value as text: a number or boolean column being
// changed to varchar is measured as the text it becomes.
func (postgres) lengthExpr(col string) string { return "char_length(" + col + "::text)" }

// pgTypeNames maps PostgreSQL's type spellings to the canonical ones.
var pgTypeNames = map[string]string{
	"int": "integer", "int4": "integer", "integer": "integer", "serial": "integer", "serial4": "integer",
	"int8": "bigint", "bigint": "bigint", "bigserial": "bigint", "serial8": "bigint",
	"int2": "smallint", "smallint": "smallint", "smallserial": "smallint", "serial2": "smallint",
	"float8": "double precision", "double precision": "double precision",
	"float4": "real", "real": "real",
	"bool": "boolean", "boolean": "boolean",
	"varchar": "varchar", "character varying": "varchar",
	"char": "char", "character": "char",
	"decimal": "numeric", "numeric": "numeric",
	"timestamptz": "timestamptz", "timestamp with time zone": "timestamptz",
	"timestamp": "timestamp", "timestamp without time zone": "timestamp",
	"timetz": "timetz", "time with time zone": "timetz",
	"time": "time", "time without time zone": "time",
	"varbit": "varbit", "bit varying": "varbit",
}

func (postgres) parseType(s string) (ColumnType, error) {
	if strings.Contains(s, `"`) { // a quoted user-defined type: keep it as written
		return ColumnType{Name: strings.TrimSpace(s)}, nil
	}
	base, args, array, err := splitType(strings.ToLower(s))
	if err != nil {
		return ColumnType{}, err
	}
	t := ColumnType{Name: base, Args: args, Array: array}
	if canonical, ok := pgTypeNames[base]; ok {
		t.Name = canonical
	}
	switch t.Name {
	case "float":
		t.Name, t.Args = "double precision", nil
		if len(args) == 1 {
			if p, err := strconv.Atoi(args[0]); err == nil && p <= 24 {
				t.Name = "real"
			}
		}
	case "char", "bit":
		if len(t.Args) == 0 {
			t.Args = []string{"1"}
		}
	case "numeric":
		if len(t.Args) == 1 {
			t.Args = append(t.Args, "0")
		}
	}
	return t, nil
}

func (postgres) normalizeDefault(expr string, typ ColumnType) string {
	s := strings.TrimSpace(expr)
	for {
		next := stripTrailingCast(stripOuterParens(s))
		if next == s {
			break
		}
		s = next
	}
	if strings.EqualFold(s, "null") || s == "" {
		return ""
	}
	literal, quoted := s, false
	if isQuoted(s) {
		literal, quoted = unquote(s), true
	}
	if !typ.Array {
		switch {
		case pgNumeric(typ.Name):
			if n, ok := canonicalNumber(literal); ok {
				return n
			}
		case typ.Name == "boolean":
			if b, ok := canonicalBool(literal); ok {
				return b
			}
		case pgTextual(typ.Name) && !quoted:
			// A number or boolean default of a text column is stored as the
			// text it converts to.
			if _, ok := canonicalNumber(s); ok {
				return quoteString(s)
			}
			if strings.EqualFold(s, "true") || strings.EqualFold(s, "false") {
				return quoteString(strings.ToLower(s))
			}
		}
	}
	if quoted {
		return quoteString(literal)
	}
	s = canonicalExpr(stripLiteralCasts(s))
	switch s {
	case "now()", "transaction_timestamp()", "current_timestamp":
		return "current_timestamp"
	}
	return s
}

func pgTextual(name string) bool {
	return name == "varchar" || name == "text" || name == "char"
}

func pgNumeric(name string) bool {
	switch name {
	case "smallint", "integer", "bigint", "real", "double precision", "numeric", "money":
		return true
	}
	return false
}

var pgIntRank = map[string]int{"smallint": 1, "integer": 2, "bigint": 3}

// pgIntDigits is how many decimal digits each integer type may need.
var pgIntDigits = map[string]int{"smallint": 5, "integer": 10, "bigint": 19}

func (pg postgres) widens(from, to ColumnType) bool {
	if from.Array != to.Array {
		return false
	}
	if from.Name == to.Name {
		switch from.Name {
		case "varchar", "varbit":
			return to.Length() == 0 || (from.Length() != 0 && to.Length() >= from.Length())
		case "numeric":
			return numericWidens(from, to)
		case "timestamp", "timestamptz", "time", "timetz", "interval":
			return len(to.Args) == 0 || (len(from.Args) > 0 && to.Precision() >= from.Precision())
		}
		return false
	}
	switch {
	case from.Name == "varchar" && to.Name == "text":
		return true
	case from.Name == "text" && to.Name == "varchar":
		return to.Length() == 0
	case pgIntRank[from.Name] > 0 && pgIntRank[to.Name] > 0:
		return pgIntRank[to.Name] > pgIntRank[from.Name]
	case pgIntRank[from.Name] > 0 && to.Name == "numeric":
		return len(to.Args) == 0 || to.Precision()-to.Scale() >= pgIntDigits[from.Name]
	case from.Name == "real" && to.Name == "double precision":
		return true
	case from.Name == "smallint" && (to.Name == "real" || to.Name == "double precision"),
		from.Name == "integer" && to.Name == "double precision":
		return true
	}
	return false
}

// fkTypesMatch: a foreign key needs an equality operator between the two
// types in the referenced key's operator family: integers of any size join,
// as do text types, floating-point types, numerics, and equal types.
func (postgres) fkTypesMatch(child, parent ColumnType) bool {
	if child.Array != parent.Array {
		return false
	}
	family := func(t ColumnType) string {
		switch {
		case pgIntRank[t.Name] > 0:
			return "integer"
		case t.Name == "varchar" || t.Name == "text":
			return "text"
		case t.Name == "real" || t.Name == "double precision":
			return "float"
		}
		return t.Name
	}
	return family(child) == family(parent)
}

// numericWidens: numeric(p,s) -> numeric(p2,s2) keeps every value when it
// keeps as many integer and fractional digits; unconstrained numeric keeps all.
func numericWidens(from, to ColumnType) bool {
	if len(to.Args) == 0 {
		return true
	}
	if len(from.Args) == 0 {
		return false
	}
	return to.Scale() >= from.Scale() && to.Precision()-to.Scale() >= from.Precision()-from.Scale()
}

// pgCastVia is the type a conversion goes through where PostgreSQL has no
// direct cast: booleans convert to and from integer only.
func pgCastVia(from, to ColumnType) string {
	numeric := func(t ColumnType) bool { return pgNumeric(t.Name) && t.Name != "integer" && !t.Array }
	switch {
	case to.Name == "boolean" && !to.Array && numeric(from),
		from.Name == "boolean" && !from.Array && numeric(to):
		return "integer"
	}
	return ""
}

// castExpr is the conversion an incompatible type change applies to each
// value (its USING clause).
func (postgres) castExpr(col string, from, to ColumnType) (string, bool) {
	if via := pgCastVia(from, to); via != "" {
		return fmt.Sprintf("%s::%s::%s", col, via, to), true
	}
	return fmt.Sprintf("%s::%s", col, to), true
}

// probeConversion converts every value of the column as the type change
// would, in a query, and reports the value PostgreSQL cannot convert. In
// a transaction it runs under a savepoint, so that its failure leaves the
// transaction usable.
func (pg postgres) probeConversion(ctx context.Context, db bun.IDB, t *Table, c *Change) (string, error) {
	expr, _ := pg.castExpr(pg.quote(c.Column), c.old.Type, c.col.Type)
	query := fmt.Sprintf("SELECT count(%s) FROM %s", expr, pg.quoteTable(t))
	tx, inTx := db.(bun.Tx)
	if inTx {
		if _, err := tx.ExecContext(ctx, "SAVEPOINT slipway_probe"); err != nil {
			return "", err
		}
	}
	_, err := db.ExecContext(ctx, query)
	if inTx {
		undo := "RELEASE SAVEPOINT slipway_probe"
		if err != nil {
			undo = "ROLLBACK TO SAVEPOINT slipway_probe"
		}
		if _, uerr := tx.ExecContext(ctx, undo); uerr != nil {
			return "", errors.Join(err, uerr)
		}
	}
	state := sqlState(err)
	switch {
	case err == nil:
		return "", nil
	case strings.HasPrefix(state, "22"), state == "42846", state == "42804", state == "42883":
		return fmt.Sprintf("cannot change column %q from %s to %s: %s (correct or clear those values first)", c.Column, c.old.Type, c.col.Type, pgErrorText(err)), nil
	default:
		return "", err
	}
}

// pgErrorText is a driver error's message without its "ERROR: " prefix and
// SQLSTATE suffix.
func pgErrorText(err error) string {
	s := strings.TrimPrefix(err.Error(), "ERROR: ")
	if i := strings.LastIndex(s, " (SQLSTATE "); i > 0 {
		s = s[:i]
	}
	return s
}

// ---- inspection ----

// pgRequested is the CTE resolving the requested tables: (schema, name)
// pairs where an empty schema means the current one.
const pgRequested = `
WITH req AS (
	SELECT DISTINCT coalesce(nullif(r.s, ''), current_schema()) AS nsp, r.t AS rel
	FROM unnest(?::text[], ?::text[]) AS r(s, t)
), rel AS (
	SELECT c.oid, n.nspname, c.relname, c.relkind
	FROM req
	JOIN pg_namespace n ON n.nspname = req.nsp
	JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = req.rel
)`

const pgColumnsQuery = pgRequested + `
SELECT current_schema(), rel.nspname, rel.relname, rel.relkind::text,
	a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
	pg_get_expr(d.adbin, d.adrelid), a.attidentity::text, a.attgenerated::text,
	(SELECT coalesce(json_agg(DISTINCT req.nsp), '[]') FROM req
		WHERE NOT EXISTS (SELECT 1 FROM pg_namespace n WHERE n.nspname = req.nsp))::text
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
	SELECT con.oid, con.conname, con.contype, con.conrelid, con.confrelid, con.conkey, con.confkey, con.confupdtype, con.confdeltype
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
	cons.confupdtype::text, cons.confdeltype::text
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
	coalesce(pg_get_expr(ix.indpred, ix.indrelid), '')
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

// display drops the schema when it is the current one, so that live and
// model tables print the same way.
func (s *snapshot) display(schema string) string {
	if schema == s.current {
		return ""
	}
	return schema
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
		)
		if err := rows.Scan(&current, &nsp, &rel, &kind, &col, &typ, &notNull, &def, &ident, &genrted, &missing); err != nil {
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
			continue
		}
		t := snap.tables[key]
		if t == nil {
			t = &Table{Schema: snap.display(nsp.String), Name: rel.String}
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
			cols, refCols                                                        []string
		)
		if err := rows.Scan(&nsp, &rel, &name, &typ, &colsJSON, &refNsp, &refRel, &refColsJSON, &upd, &del); err != nil {
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
				OnUpdate: pgActions[upd], OnDelete: pgActions[del]}
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
			unique                               bool
			cols                                 []string
		)
		if err := rows.Scan(&nsp, &rel, &name, &unique, &colsJSON, &expr, &pred); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(colsJSON), &cols); err != nil {
			return err
		}
		t := snap.tables[tableKey{nsp, rel}]
		if t == nil {
			continue
		}
		ix := &Index{Name: name, Unique: unique, Expr: expr, Where: pred}
		if expr == "" {
			ix.Columns = cols
		}
		t.Indexes = append(t.Indexes, ix)
	}
	return rows.Err()
}

// ---- DDL ----

func (pg postgres) columnDef(c *Column) string {
	var b strings.Builder
	b.WriteString(pg.quote(c.Name))
	b.WriteByte(' ')
	b.WriteString(pg.columnType(c))
	if !c.Nullable {
		b.WriteString(" NOT NULL")
	}
	if c.identity {
		b.WriteString(" GENERATED BY DEFAULT AS IDENTITY")
	}
	if d := c.defaultSQL(); d != "" && !c.AutoIncrement {
		b.WriteString(" DEFAULT ")
		b.WriteString(d)
	}
	return b.String()
}

// columnType is the type to declare: bun's serial types for auto-increment
// columns that are not identity columns, as bun's CreateTable writes them.
func (postgres) columnType(c *Column) string {
	if c.AutoIncrement && !c.identity && !c.Type.Array {
		switch c.Type.Name {
		case "smallint":
			return "smallserial"
		case "integer":
			return "serial"
		case "bigint":
			return "bigserial"
		}
	}
	return c.Type.String()
}

func (pg postgres) columnList(cols []string) string {
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = pg.quote(c)
	}
	return strings.Join(q, ", ")
}

func (pg postgres) fkDef(fk *ForeignKey) string {
	ref := &Table{Schema: fk.RefSchema, Name: fk.RefTable}
	s := fmt.Sprintf("CONSTRAINT %s FOREIGN KEY (%s) REFERENCES %s (%s)",
		pg.quote(fk.Name), pg.columnList(fk.Columns), pg.quoteTable(ref), pg.columnList(fk.RefColumns))
	if fk.OnDelete != "NO ACTION" {
		s += " ON DELETE " + fk.OnDelete
	}
	if fk.OnUpdate != "NO ACTION" {
		s += " ON UPDATE " + fk.OnUpdate
	}
	return s
}

func (pg postgres) createTable(t *Table) []string {
	var defs []string
	for _, c := range t.Columns {
		defs = append(defs, pg.columnDef(c))
	}
	if t.PrimaryKey != nil {
		defs = append(defs, fmt.Sprintf("CONSTRAINT %s PRIMARY KEY (%s)", pg.quote(pkName(t)), pg.columnList(t.PrimaryKey.Columns)))
	}
	for _, ix := range t.Indexes {
		if ix.Constraint {
			defs = append(defs, fmt.Sprintf("CONSTRAINT %s UNIQUE (%s)", pg.quote(ix.Name), pg.columnList(ix.Columns)))
		}
	}
	for _, fk := range t.ForeignKeys {
		defs = append(defs, pg.fkDef(fk))
	}
	return []string{fmt.Sprintf("CREATE TABLE %s (%s)", pg.quoteTable(t), strings.Join(defs, ", "))}
}

func pkName(t *Table) string {
	if t.PrimaryKey != nil && t.PrimaryKey.Name != "" {
		return t.PrimaryKey.Name
	}
	return shorten(t.Name+"_pkey", 63)
}

func (pg postgres) alterTable(t, live *Table, changes []*Change) []string {
	// A column whose type changes incompatibly gets its default in the
	// type change's clause (dropped before, set after): the old default may
	// not convert.
	retyped := map[string]bool{}
	for _, c := range changes {
		if c.Kind == ChangeType && !c.Withheld {
			retyped[c.Column] = true
		}
	}
	var clauses, after []string
	for _, c := range changes {
		var extra string
		c.SQL, extra = pg.clause(t, live, c)
		if c.Withheld || ((c.Kind == SetDefault || c.Kind == DropDefault) && retyped[c.Column]) {
			continue
		}
		clauses = append(clauses, c.SQL)
		if extra != "" {
			after = append(after, extra)
		}
	}
	if len(clauses) == 0 {
		return nil
	}
	return append([]string{"ALTER TABLE " + pg.quoteTable(t) + " " + strings.Join(clauses, ", ")}, after...)
}

// clause returns the ALTER TABLE clause for one change, and a statement to
// run after the ALTER TABLE when one is needed.
func (pg postgres) clause(t, live *Table, c *Change) (string, string) {
	col := func() string { return pg.quote(c.Column) }
	switch c.Kind {
	case AddColumn:
		return "ADD COLUMN " + pg.columnDef(c.col), ""
	case DropColumn:
		return "DROP COLUMN " + col(), ""
	case WidenType:
		return fmt.Sprintf("ALTER COLUMN %s TYPE %s", col(), c.col.Type), ""
	case ChangeType:
		// Subcommands run in passes (DROP DEFAULT, then TYPE, then SET
		// DEFAULT), whatever their order in the statement.
		var parts []string
		if c.old.defaultSQL() != "" {
			parts = append(parts, fmt.Sprintf("ALTER COLUMN %s DROP DEFAULT", col()))
		}
		using, _ := pg.castExpr(col(), c.old.Type, c.col.Type)
		parts = append(parts, fmt.Sprintf("ALTER COLUMN %s TYPE %s USING %s", col(), c.col.Type, using))
		def := c.target.defaultSQL()
		if c.Withheld {
			def = c.col.defaultSQL()
		}
		if def != "" {
			parts = append(parts, fmt.Sprintf("ALTER COLUMN %s SET DEFAULT %s", col(), def))
		}
		return strings.Join(parts, ", "), ""
	case SetNotNull:
		return fmt.Sprintf("ALTER COLUMN %s SET NOT NULL", col()), ""
	case DropNotNull:
		return fmt.Sprintf("ALTER COLUMN %s DROP NOT NULL", col()), ""
	case SetDefault:
		return fmt.Sprintf("ALTER COLUMN %s SET DEFAULT %s", col(), c.col.defaultSQL()), ""
	case DropDefault:
		return fmt.Sprintf("ALTER COLUMN %s DROP DEFAULT", col()), ""
	case AddAutoIncrement:
		// Start the new identity after the values already there.
		seq := fmt.Sprintf("SELECT setval(pg_get_serial_sequence(%s, %s), coalesce(max(%s), 0) + 1, false) FROM %s",
			quoteString(pg.quoteTable(t)), quoteString(c.Column), col(), pg.quoteTable(t))
		return fmt.Sprintf("ALTER COLUMN %s ADD GENERATED BY DEFAULT AS IDENTITY", col()), seq
	case DropAutoIncrement:
		if c.old.identity {
			return fmt.Sprintf("ALTER COLUMN %s DROP IDENTITY IF EXISTS", col()), ""
		}
		return fmt.Sprintf("ALTER COLUMN %s DROP DEFAULT", col()), ""
	case AddPrimaryKey:
		return fmt.Sprintf("ADD CONSTRAINT %s PRIMARY KEY (%s)", pg.quote(shorten(t.Name+"_pkey", 63)), pg.columnList(c.pk.Columns)), ""
	case DropPrimaryKey, DropUnique, DropForeignKey:
		return "DROP CONSTRAINT " + pg.quote(c.Name), ""
	case AddUnique:
		return fmt.Sprintf("ADD CONSTRAINT %s UNIQUE (%s)", pg.quote(c.index.Name), pg.columnList(c.index.Columns)), ""
	case AddForeignKey:
		return "ADD " + pg.fkDef(c.fk), ""
	}
	panic(fmt.Sprintf("schema: no ALTER TABLE clause for %s", c.Kind))
}

func (pg postgres) createIndex(t *Table, ix *Index) string {
	unique := ""
	if ix.Unique {
		unique = "UNIQUE "
	}
	key := pg.columnList(ix.Columns)
	if ix.Expr != "" {
		key = ix.Expr
	}
	s := fmt.Sprintf("CREATE %sINDEX %s ON %s (%s)", unique, pg.quote(ix.Name), pg.quoteTable(t), key)
	if ix.Where != "" {
		s += " WHERE " + ix.Where
	}
	return s
}

func (pg postgres) dropIndex(t *Table, ix *Index) string {
	return "DROP INDEX " + pg.quoteTable(&Table{Schema: t.Schema, Name: ix.Name})
}

func (pg postgres) createSchema(name string) string {
	return "CREATE SCHEMA IF NOT EXISTS " + pg.quote(name)
}

func (pg postgres) dropTables(tables []*Table) []string {
	names := make([]string, len(tables))
	for i, t := range tables {
		names[i] = pg.quoteTable(t)
	}
	return []string{"DROP TABLE " + strings.Join(names, ", ")}
}

// ---- lock and apply ----

func (postgres) transactional() bool { return true }

func (postgres) features() features { return 0 }

// pgLockKey derives the advisory lock key from the database and the current
// schema, so migrators of different schemas do not wait for each other.
const pgLockKey = `('x' || left(md5('slipway.migrate:' || current_database() || ':' || coalesce(current_schema(), '')), 16))::bit(64)::bigint`

// migrate runs fn in one transaction holding a transaction-scoped advisory
// lock: everything fn does commits together or not at all, and concurrent
// migrators of the same database and schema run one after the other.
func (pg postgres) migrate(ctx context.Context, db *bun.DB, timeout time.Duration, fn func(context.Context, bun.IDB) error) (err error) {
	fail := func(what string, err error) error { return fmt.Errorf("schema: %s: %s: %w", pg.name(), what, err) }
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fail("begin", err)
	}
	defer func() {
		if err != nil {
			if rerr := tx.Rollback(); rerr != nil && !errors.Is(rerr, sql.ErrTxDone) {
				err = errors.Join(err, fail("rollback", rerr))
			}
		}
	}()
	if timeout > 0 {
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("SET LOCAL lock_timeout = %d", timeout.Milliseconds())); err != nil {
			return fail("set lock_timeout", err)
		}
	}
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock("+pgLockKey+")"); err != nil {
		if sqlState(err) == "55P03" {
			return fmt.Errorf("schema: %s: %w after %s: another migrator holds it (raise WithLockTimeout, or look for a stuck migration)", pg.name(), ErrLockTimeout, timeout)
		}
		return fail("take the migration lock", err)
	}
	if err := fn(ctx, tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fail("commit", err)
	}
	return nil
}
