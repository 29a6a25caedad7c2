package schema_test

import (
	"context"
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/slipwaygo/slipway/schema"
)

// Helpers reading the databases' own catalogs (information_schema, pg_*,
// SQLite pragmas), never Slipway's inspector.

func mustMigrate(t *testing.T, db *bun.DB, models ...any) *schema.Plan {
	t.Helper()
	if len(models) == 0 {
		return nil
	}
	plan, err := schema.NewMigrator(db, models...).Migrate(context.Background(), schema.MigrateOptions{})
	require.NoError(t, err)
	return plan
}

func insertRows(t *testing.T, db *bun.DB, rows ...any) {
	t.Helper()
	for _, r := range rows {
		_, err := db.NewInsert().Model(r).Exec(context.Background())
		require.NoError(t, err, "insert %T", r)
	}
}

func tableOf(db *bun.DB, model any) string {
	return db.Table(reflect.TypeOf(model)).Name
}

func countRows(t *testing.T, db *bun.DB, table string) int {
	t.Helper()
	var n int
	require.NoError(t, db.NewSelect().TableExpr("?", bun.Ident(table)).ColumnExpr("count(*)").Scan(context.Background(), &n))
	return n
}

func assertActual(t *testing.T, db *bun.DB, models ...any) {
	t.Helper()
	plan, err := schema.NewMigrator(db, models...).Plan(context.Background(), schema.MigrateOptions{})
	require.NoError(t, err)
	assert.Empty(t, plan.SQL(), "models and database should match, plan:\n%s", plan)
}

// changeList renders a plan's changes as "Kind" for applied changes and
// "Kind(withheld)" / "Kind(would fail)" otherwise.
func changeList(plan *schema.Plan) []string {
	if plan == nil {
		return nil
	}
	var out []string
	for _, c := range plan.Changes {
		s := string(c.Kind)
		switch {
		case c.Class == schema.WouldFail:
			s += "(would fail)"
		case c.Withheld:
			s += "(withheld)"
		}
		out = append(out, s)
	}
	return out
}

type catalogColumn struct {
	Name     string
	DataType string // lower case, e.g. "character varying" (PostgreSQL), "varchar" (MySQL)
	Length   int    // character_maximum_length; 0 when none
	Nullable bool
	Default  string // as the catalog keeps it; "" when none
}

func columnsOf(t *testing.T, db *bun.DB, table string) []catalogColumn {
	t.Helper()
	ctx := context.Background()
	var (
		query string
		args  = []any{table}
	)
	switch db.Dialect().Name() {
	case dialect.PG:
		query = `SELECT column_name, data_type, coalesce(character_maximum_length, 0), is_nullable = 'YES', coalesce(column_default, '')
			FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position`
	case dialect.MySQL:
		query = `SELECT column_name, data_type, coalesce(character_maximum_length, 0), is_nullable = 'YES', coalesce(column_default, '')
			FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ? ORDER BY ordinal_position`
	case dialect.SQLite:
		query = `SELECT name, lower(type), 0, "notnull" = 0, coalesce(dflt_value, '') FROM pragma_table_info(?) ORDER BY cid`
	default:
		t.Fatalf("no catalog helper for %s", db.Dialect().Name())
	}
	rows, err := db.QueryContext(ctx, query, args...)
	require.NoError(t, err)
	defer rows.Close()
	var out []catalogColumn
	for rows.Next() {
		var c catalogColumn
		require.NoError(t, rows.Scan(&c.Name, &c.DataType, &c.Length, &c.Nullable, &c.Default))
		c.DataType = strings.ToLower(c.DataType)
		if db.Dialect().Name() == dialect.SQLite {
			c.Length = sqliteLength(c.DataType)
		}
		out = append(out, c)
	}
	require.NoError(t, rows.Err())
	return out
}

func sqliteLength(typ string) int {
	_, rest, ok := strings.Cut(typ, "(")
	if !ok {
		return 0
	}
	n := 0
	for _, r := range rest {
		if r < '0' || r > '9' {
			break
		}
		n = n*10 + int(r-'0')
	}
	return n
}

func columnOf(t *testing.T, db *bun.DB, table, column string) catalogColumn {
	t.Helper()
	for _, c := range columnsOf(t, db, table) {
		if c.Name == column {
			return c
		}
	}
	t.Fatalf("table %q has no column %q", table, column)
	return catalogColumn{}
}

func columnNames(t *testing.T, db *bun.DB, table string) []string {
	t.Helper()
	var names []string
	for _, c := range columnsOf(t, db, table) {
		names = append(names, c.Name)
	}
	return names
}

func tableExists(t *testing.T, db *bun.DB, table string) bool {
	t.Helper()
	return len(columnsOf(t, db, table)) > 0
}

type catalogIndex struct {
	Unique  bool
	Columns []string
}

// indexesOf lists a table's indexes except the primary key's, by name. On
// MySQL the index named after a foreign key, which MySQL creates itself, is
// left out.
func indexesOf(t *testing.T, db *bun.DB, table string) map[string]catalogIndex {
	t.Helper()
	ctx := context.Background()
	out := map[string]catalogIndex{}
	switch db.Dialect().Name() {
	case dialect.PG:
		rows, err := db.QueryContext(ctx, `
			SELECT i.relname, ix.indisunique, to_json(ARRAY(
				SELECT a.attname FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(n, o)
				JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.n ORDER BY k.o))::text
			FROM pg_index ix
			JOIN pg_class i ON i.oid = ix.indexrelid
			JOIN pg_class c ON c.oid = ix.indrelid
			JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = current_schema() AND c.relname = ? AND NOT ix.indisprimary`, table)
		require.NoError(t, err)
		defer rows.Close()
		for rows.Next() {
			var (
				name, cols string
				unique     bool
				ix         catalogIndex
			)
			require.NoError(t, rows.Scan(&name, &unique, &cols))
			require.NoError(t, json.Unmarshal([]byte(cols), &ix.Columns))
			ix.Unique = unique
			out[name] = ix
		}
		require.NoError(t, rows.Err())
	case dialect.MySQL:
		rows, err := db.QueryContext(ctx, `
			SELECT s.index_name, s.non_unique = 0, s.column_name FROM information_schema.statistics s
			WHERE s.table_schema = DATABASE() AND s.table_name = ? AND s.index_name <> 'PRIMARY'
				AND NOT EXISTS (SELECT 1 FROM information_schema.referential_constraints r
					WHERE r.constraint_schema = s.table_schema AND r.table_name = s.table_name AND r.constraint_name = s.index_name)
			ORDER BY s.index_name, s.seq_in_index`, table)
		require.NoError(t, err)
		defer rows.Close()
		for rows.Next() {
			var (
				name, col string
				unique    bool
			)
			require.NoError(t, rows.Scan(&name, &unique, &col))
			ix := out[name]
			ix.Unique = unique
			ix.Columns = append(ix.Columns, col)
			out[name] = ix
		}
		require.NoError(t, rows.Err())
	case dialect.SQLite:
		rows, err := db.QueryContext(ctx, `
			SELECT il.name, il."unique", ii.name FROM pragma_index_list(?) il, pragma_index_info(il.name) ii
			WHERE il.origin <> 'pk' ORDER BY il.name, ii.seqno`, table)
		require.NoError(t, err)
		defer rows.Close()
		for rows.Next() {
			var (
				name, col string
				unique    bool
			)
			require.NoError(t, rows.Scan(&name, &unique, &col))
			ix := out[name]
			ix.Unique = unique
			ix.Columns = append(ix.Columns, col)
			out[name] = ix
		}
		require.NoError(t, rows.Err())
	}
	return out
}

// hasIndexOn reports whether some index covers exactly these columns (in
// this order) with the given uniqueness.
func hasIndexOn(t *testing.T, db *bun.DB, table string, unique bool, cols ...string) bool {
	t.Helper()
	for _, ix := range indexesOf(t, db, table) {
		if ix.Unique == unique && reflect.DeepEqual(ix.Columns, cols) {
			return true
		}
	}
	return false
}

type catalogFK struct {
	Columns    []string
	RefTable   string
	RefColumns []string
	OnDelete   string
}

func foreignKeysOf(t *testing.T, db *bun.DB, table string) []catalogFK {
	t.Helper()
	ctx := context.Background()
	var out []catalogFK
	switch db.Dialect().Name() {
	case dialect.PG:
		rows, err := db.QueryContext(ctx, `
			SELECT to_json(ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY AS k(n, o)
					JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.o))::text,
				fc.relname,
				to_json(ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY AS k(n, o)
					JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.o))::text,
				CASE con.confdeltype WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT' WHEN 'c' THEN 'CASCADE'
					WHEN 'n' THEN 'SET NULL' ELSE 'SET DEFAULT' END
			FROM pg_constraint con
			JOIN pg_class c ON c.oid = con.conrelid
			JOIN pg_namespace n ON n.oid = c.relnamespace
			JOIN pg_class fc ON fc.oid = con.confrelid
			WHERE con.contype = 'f' AND n.nspname = current_schema() AND c.relname = ?
			ORDER BY con.conname`, table)
		require.NoError(t, err)
		defer rows.Close()
		for rows.Next() {
			var (
				cols, refCols string
				fk            catalogFK
			)
			require.NoError(t, rows.Scan(&cols, &fk.RefTable, &refCols, &fk.OnDelete))
			require.NoError(t, json.Unmarshal([]byte(cols), &fk.Columns))
			require.NoError(t, json.Unmarshal([]byte(refCols), &fk.RefColumns))
			out = append(out, fk)
		}
		require.NoError(t, rows.Err())
	case dialect.MySQL:
		rows, err := db.QueryContext(ctx, `
			SELECT k.constraint_name, k.column_name, k.referenced_table_name, k.referenced_column_name, r.delete_rule
			FROM information_schema.key_column_usage k
			JOIN information_schema.referential_constraints r
				ON r.constraint_schema = k.constraint_schema AND r.constraint_name = k.constraint_name AND r.table_name = k.table_name
			WHERE k.table_schema = DATABASE() AND k.table_name = ?
			ORDER BY k.constraint_name, k.ordinal_position`, table)
		require.NoError(t, err)
		defer rows.Close()
		byName := map[string]*catalogFK{}
		var names []string
		for rows.Next() {
			var name, col, refTable, refCol, rule string
			require.NoError(t, rows.Scan(&name, &col, &refTable, &refCol, &rule))
			fk := byName[name]
			if fk == nil {
				fk = &catalogFK{RefTable: refTable, OnDelete: rule}
				byName[name] = fk
				names = append(names, name)
			}
			fk.Columns = append(fk.Columns, col)
			fk.RefColumns = append(fk.RefColumns, refCol)
		}
		require.NoError(t, rows.Err())
		for _, n := range names {
			out = append(out, *byName[n])
		}
	case dialect.SQLite:
		rows, err := db.QueryContext(ctx, `SELECT id, "from", "table", "to", on_delete FROM pragma_foreign_key_list(?) ORDER BY id, seq`, table)
		require.NoError(t, err)
		defer rows.Close()
		byID := map[int]*catalogFK{}
		var ids []int
		for rows.Next() {
			var (
				id                    int
				col, refTable, refCol string
				rule                  string
			)
			require.NoError(t, rows.Scan(&id, &col, &refTable, &refCol, &rule))
			fk := byID[id]
			if fk == nil {
				fk = &catalogFK{RefTable: refTable, OnDelete: rule}
				byID[id] = fk
				ids = append(ids, id)
			}
			fk.Columns = append(fk.Columns, col)
			fk.RefColumns = append(fk.RefColumns, refCol)
		}
		require.NoError(t, rows.Err())
		sort.Ints(ids)
		for _, id := range ids {
			out = append(out, *byID[id])
		}
	}
	return out
}

// queryLog records the queries a *bun.DB runs.
type queryLog struct {
	mu      sync.Mutex
	queries []string
}

func (l *queryLog) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }

func (l *queryLog) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.queries = append(l.queries, e.Query)
}

func (l *queryLog) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.queries = nil
}

func (l *queryLog) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.queries)
}

// writes returns the logged statements that change rows.
func (l *queryLog) writes() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, q := range l.queries {
		switch verb := strings.ToUpper(strings.Fields(strings.TrimSpace(q))[0]); verb {
		case "INSERT", "UPDATE", "DELETE", "REPLACE":
			out = append(out, q)
		}
	}
	return out
}

// ddl returns the logged statements that change the schema.
func (l *queryLog) ddl() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, q := range l.queries {
		verb := strings.ToUpper(strings.Fields(strings.TrimSpace(q))[0])
		switch verb {
		case "CREATE", "ALTER", "DROP", "RENAME":
			out = append(out, q)
		}
	}
	return out
}

// eventsModelIn is a model of table <schema>.events, a belongs-to ownerV1 in
// the current schema: the schema (a PostgreSQL schema, a MySQL database) is
// made per test, so its name is only known at run time.
func eventsModelIn(database string) any {
	return reflect.New(reflect.StructOf([]reflect.StructField{
		{Name: "BaseModel", Type: reflect.TypeFor[bun.BaseModel](), Anonymous: true, Tag: reflect.StructTag(`bun:"table:` + database + `.events"`)},
		{Name: "ID", Type: reflect.TypeFor[int64](), Tag: `bun:",pk,autoincrement"`},
		{Name: "Kind", Type: reflect.TypeFor[string](), Tag: `bun:"type:varchar(20),notnull" slipway:"index"`},
		{Name: "OwnerID", Type: reflect.TypeFor[*int64]()},
		{Name: "Owner", Type: reflect.TypeFor[*ownerV1](), Tag: `bun:"rel:belongs-to,join:owner_id=id"`},
	})).Interface()
}
