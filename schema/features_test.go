package schema_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/slipwaygo/slipway/internal/testdb"
	"github.com/slipwaygo/slipway/schema"
)

// Schema features a model declares beyond columns and keys: CHECK
// constraints, column comments, descending index keys, index methods and
// foreign key names. Each is read back from the database's own catalog.

type stockV1 struct {
	bun.BaseModel `bun:"table:stock"`
	ID            int64  `bun:",pk"`
	Name          string `bun:"type:varchar(40),notnull"`
	Price         int64  `bun:",notnull,default:0"`
	Qty           int64  `bun:",notnull,default:0"`
}

type stockChecked struct {
	bun.BaseModel `bun:"table:stock"`
	ID            int64  `bun:",pk"`
	Name          string `bun:"type:varchar(40),notnull" slipway:"comment:'what the customer sees'"`
	Price         int64  `bun:",notnull,default:0" slipway:"check:'price >= 0'"`
	Qty           int64  `bun:",notnull,default:0"`
}

func (*stockChecked) Checks() []schema.Check {
	return []schema.Check{{Name: "stock_qty_bounded", Expr: "qty <= 1000"}}
}

// checksOf lists a table's CHECK constraints by name, from the catalog.
func checksOf(t *testing.T, db *bun.DB, table string) []string {
	t.Helper()
	var (
		names []string
		query string
	)
	switch db.Dialect().Name() {
	case dialect.PG:
		query = `SELECT con.conname FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
			JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE con.contype = 'c' AND n.nspname = current_schema() AND c.relname = ? ORDER BY 1`
	case dialect.MySQL:
		query = `SELECT constraint_name FROM information_schema.check_constraints
			WHERE constraint_schema = DATABASE() AND table_name = ? ORDER BY 1`
	default:
		var sql string
		require.NoError(t, db.NewRaw("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", table).Scan(context.Background(), &sql))
		for _, part := range strings.Split(sql, "CONSTRAINT ")[1:] {
			if name, _, ok := strings.Cut(part, " CHECK"); ok {
				names = append(names, strings.Trim(name, `"`))
			}
		}
		return names
	}
	require.NoError(t, db.NewRaw(query, table).Scan(context.Background(), &names))
	return names
}

// commentOf reads a column's comment from the catalog.
func commentOf(t *testing.T, db *bun.DB, table, column string) string {
	t.Helper()
	var c string
	switch db.Dialect().Name() {
	case dialect.PG:
		require.NoError(t, db.NewRaw(`SELECT coalesce(col_description(?::regclass, a.attnum), '') FROM pg_attribute a
			WHERE a.attrelid = ?::regclass AND a.attname = ?`, table, table, column).Scan(context.Background(), &c))
	case dialect.MySQL:
		require.NoError(t, db.NewRaw(`SELECT column_comment FROM information_schema.columns
			WHERE table_schema = DATABASE() AND table_name = ? AND column_name = ?`, table, column).Scan(context.Background(), &c))
	}
	return c
}

// CHECK constraints from the tag and from Checker are created, enforced,
// compared by name, and a second run finds nothing to do; comments land in
// the catalog (SQLite keeps none and ignores them).
func TestMigrate_ChecksAndComments(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		mustMigrate(t, db, (*stockV1)(nil))
		insertRows(t, db, &stockV1{ID: 1, Name: "tea", Price: 3, Qty: 10})

		plan := mustMigrate(t, db, (*stockChecked)(nil))
		want := []string{"AddCheck", "AddCheck"}
		if db.Dialect().Name() != dialect.SQLite {
			want = append([]string{"SetComment"}, want...)
		}
		assert.Equal(t, want, changeList(plan), "plan:\n%s", plan)
		assert.ElementsMatch(t, []string{"stock_price_check", "stock_qty_bounded"}, checksOf(t, db, "stock"))
		if db.Dialect().Name() != dialect.SQLite {
			assert.Equal(t, "what the customer sees", commentOf(t, db, "stock", "name"))
		}
		assertActual(t, db, (*stockChecked)(nil))
		assert.Equal(t, 1, countRows(t, db, "stock"))

		_, err := db.NewInsert().Model(&stockChecked{ID: 2, Name: "bad", Price: -1}).Exec(ctx)
		assert.Error(t, err, "the database enforces the check")

		// A check the model no longer declares is an extra: kept unless
		// the migration allows data loss.
		plan, err = schema.NewMigrator(db, (*stockV1)(nil)).Migrate(ctx, schema.MigrateOptions{})
		require.NoError(t, err)
		assert.Contains(t, changeList(plan), "DropCheck(withheld)")
		assert.Len(t, checksOf(t, db, "stock"), 2)
		_, err = schema.NewMigrator(db, (*stockV1)(nil)).Migrate(ctx, schema.MigrateOptions{AllowDataLoss: true})
		require.NoError(t, err)
		assert.Empty(t, checksOf(t, db, "stock"))
		assert.Equal(t, 1, countRows(t, db, "stock"))
	})
}

// A check the rows break is refused before anything is applied, naming the
// check and counting the rows.
func TestMigrate_CheckBrokenByRowsIsRefused(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *bun.DB) {
		mustMigrate(t, db, (*stockV1)(nil))
		insertRows(t, db, &stockV1{ID: 1, Name: "tea", Price: -3}, &stockV1{ID: 2, Name: "milk", Price: -1}, &stockV1{ID: 3, Name: "jam", Price: 2})

		_, err := schema.NewMigrator(db, (*stockChecked)(nil)).Migrate(context.Background(), schema.MigrateOptions{})
		require.Error(t, err)
		assert.Contains(t, err.Error(), `CHECK constraint "stock_price_check"`)
		assert.Contains(t, err.Error(), "2 rows break its condition")
		assert.Empty(t, checksOf(t, db, "stock"), "nothing applied")
	})
}

type eventV1 struct {
	bun.BaseModel `bun:"table:timeline"`
	ID            int64 `bun:",pk"`
	At            int64 `bun:",notnull" slipway:"index:timeline_at_idx"`
	Kind          int64 `bun:",notnull"`
}

type eventDesc struct {
	bun.BaseModel `bun:"table:timeline"`
	ID            int64 `bun:",pk"`
	At            int64 `bun:",notnull" slipway:"index:timeline_at_idx,desc"`
	Kind          int64 `bun:",notnull" slipway:"index:timeline_at_idx"`
}

// descOf reports, per key column of an index, whether it sorts descending,
// from the catalog.
func descOf(t *testing.T, db *bun.DB, table, index string) []bool {
	t.Helper()
	var (
		desc  []bool
		query string
	)
	switch db.Dialect().Name() {
	case dialect.PG:
		query = `SELECT (o.opt & 1) = 1 FROM pg_index ix, unnest(ix.indoption::int2[]) WITH ORDINALITY AS o(opt, ord)
			WHERE ix.indexrelid = ?::regclass ORDER BY o.ord`
		require.NoError(t, db.NewRaw(query, index).Scan(context.Background(), &desc))
	case dialect.MySQL:
		query = `SELECT collation = 'D' FROM information_schema.statistics
			WHERE table_schema = DATABASE() AND table_name = ? AND index_name = ? ORDER BY seq_in_index`
		require.NoError(t, db.NewRaw(query, table, index).Scan(context.Background(), &desc))
	default:
		query = `SELECT "desc" FROM pragma_index_xinfo(?) WHERE key ORDER BY seqno`
		require.NoError(t, db.NewRaw(query, index).Scan(context.Background(), &desc))
	}
	return desc
}

// An index whose key order changes is rebuilt; a second run finds it in
// line.
func TestMigrate_DescendingIndexKey(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *bun.DB) {
		mustMigrate(t, db, (*eventV1)(nil))
		assert.Equal(t, []bool{false}, descOf(t, db, "timeline", "timeline_at_idx"))

		plan := mustMigrate(t, db, (*eventDesc)(nil))
		assert.Equal(t, []string{"DropIndex", "AddIndex"}, changeList(plan), "plan:\n%s", plan)
		assert.Equal(t, []bool{true, false}, descOf(t, db, "timeline", "timeline_at_idx"))
		assertActual(t, db, (*eventDesc)(nil))

		mustMigrate(t, db, (*eventV1)(nil))
		assert.Equal(t, []bool{false}, descOf(t, db, "timeline", "timeline_at_idx"))
		assertActual(t, db, (*eventV1)(nil))
	})
}

type taggedDoc struct {
	bun.BaseModel `bun:"table:docs"`
	ID            int64    `bun:",pk"`
	Tags          []string `bun:",array" slipway:"index,using:gin"`
}

// PostgreSQL builds the index method a model names; the others refuse it
// with an error naming the index.
func TestMigrate_IndexMethod(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *bun.DB) {
		m := schema.NewMigrator(db, (*taggedDoc)(nil))
		if db.Dialect().Name() != dialect.PG {
			_, err := m.Plan(context.Background(), schema.MigrateOptions{})
			require.Error(t, err)
			assert.Contains(t, err.Error(), "docs_tags_idx")
			assert.Contains(t, err.Error(), "using:gin")
			return
		}
		mustMigrate(t, db, (*taggedDoc)(nil))
		var method string
		require.NoError(t, db.NewRaw(`SELECT am.amname FROM pg_class i JOIN pg_am am ON am.oid = i.relam WHERE i.oid = 'docs_tags_idx'::regclass`).
			Scan(context.Background(), &method))
		assert.Equal(t, "gin", method)
		assertActual(t, db, (*taggedDoc)(nil))
	})
}

type shelf struct {
	bun.BaseModel `bun:"table:shelves"`
	ID            int64 `bun:",pk"`
}

type bookOnShelf struct {
	bun.BaseModel `bun:"table:books"`
	ID            int64  `bun:",pk"`
	ShelfID       int64  `bun:",notnull"`
	Shelf         *shelf `bun:"rel:belongs-to,join:shelf_id=id" slipway:"fk:books_on_shelf"`
}

type bookRenamedFK struct {
	bun.BaseModel `bun:"table:books"`
	ID            int64  `bun:",pk"`
	ShelfID       int64  `bun:",notnull"`
	Shelf         *shelf `bun:"rel:belongs-to,join:shelf_id=id" slipway:"fk:books_shelf_ref"`
}

// fk:NAME names the foreign key; a new name replaces it.
func TestMigrate_NamedForeignKey(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *bun.DB) {
		mustMigrate(t, db, (*shelf)(nil), (*bookOnShelf)(nil))
		assert.Equal(t, []string{"books_on_shelf"}, foreignKeyNames(t, db, "books"))
		assertActual(t, db, (*shelf)(nil), (*bookOnShelf)(nil))

		plan := mustMigrate(t, db, (*shelf)(nil), (*bookRenamedFK)(nil))
		assert.Equal(t, []string{"DropForeignKey", "AddForeignKey"}, changeList(plan), "plan:\n%s", plan)
		assert.Equal(t, []string{"books_shelf_ref"}, foreignKeyNames(t, db, "books"))
		assertActual(t, db, (*shelf)(nil), (*bookRenamedFK)(nil))
	})
}

// foreignKeyNames lists a table's foreign key names from the catalog.
func foreignKeyNames(t *testing.T, db *bun.DB, table string) []string {
	t.Helper()
	var names []string
	switch db.Dialect().Name() {
	case dialect.PG:
		require.NoError(t, db.NewRaw(`SELECT conname FROM pg_constraint WHERE contype = 'f' AND conrelid = ?::regclass ORDER BY 1`, table).
			Scan(context.Background(), &names))
	case dialect.MySQL:
		require.NoError(t, db.NewRaw(`SELECT constraint_name FROM information_schema.referential_constraints
			WHERE constraint_schema = DATABASE() AND table_name = ? ORDER BY 1`, table).Scan(context.Background(), &names))
	default:
		var sql string
		require.NoError(t, db.NewRaw("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", table).Scan(context.Background(), &sql))
		for _, part := range strings.Split(sql, "CONSTRAINT ")[1:] {
			if name, _, ok := strings.Cut(part, " FOREIGN KEY"); ok {
				names = append(names, strings.Trim(name, `"`))
			}
		}
	}
	return names
}

// On PostgreSQL a check is added NOT VALID and validated after the plan's
// transaction. One a stopped migration left NOT VALID is replaced, and one
// left by an interrupted online SET NOT NULL is dropped as safe.
func TestPostgres_UnvalidatedChecksAreRepaired(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.Postgres)
	ctx := context.Background()
	mustMigrate(t, db, (*stockV1)(nil))
	insertRows(t, db, &stockV1{ID: 1, Name: "tea", Price: 3})
	for _, q := range []string{
		`ALTER TABLE stock ADD CONSTRAINT stock_price_check CHECK (price >= 0) NOT VALID`,
		`ALTER TABLE stock ADD CONSTRAINT stock_name_not_null CHECK (name IS NOT NULL) NOT VALID`,
	} {
		_, err := db.ExecContext(ctx, q)
		require.NoError(t, err)
	}
	plan, err := schema.NewMigrator(db, (*stockChecked)(nil)).Migrate(ctx, schema.MigrateOptions{})
	require.NoError(t, err)
	assert.Contains(t, plan.String(), "not validated")
	assert.Contains(t, plan.String(), "left by an interrupted SET NOT NULL")
	assert.ElementsMatch(t, []string{"stock_price_check", "stock_qty_bounded"}, checksOf(t, db, "stock"))
	var unvalidated int
	require.NoError(t, db.NewRaw(`SELECT count(*) FROM pg_constraint WHERE conrelid = 'stock'::regclass AND NOT convalidated`).Scan(ctx, &unvalidated))
	assert.Zero(t, unvalidated)
	assertActual(t, db, (*stockChecked)(nil))
}
