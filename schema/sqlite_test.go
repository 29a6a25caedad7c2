package schema_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"
	"golang.org/x/sync/errgroup"

	"github.com/slipwaygo/slipway/internal/testdb"
	"github.com/slipwaygo/slipway/schema"
)

// SQLite-only behaviour: table rebuilds, foreign key handling around them,
// the BEGIN IMMEDIATE lock, and what SQLite's own DDL says beside the
// pragmas.

func execAll(t *testing.T, db bun.IDB, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		_, err := db.ExecContext(context.Background(), s)
		require.NoError(t, err, s)
	}
}

// schemaSQL returns the CREATE statements sqlite_master keeps for a table's
// indexes and triggers, by name ("" for automatic indexes).
func schemaSQL(t *testing.T, db bun.IDB, table string) map[string]string {
	t.Helper()
	rows, err := db.QueryContext(context.Background(),
		`SELECT name, coalesce(sql, '') FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger')`, table)
	require.NoError(t, err)
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var name, sql string
		require.NoError(t, rows.Scan(&name, &sql))
		out[name] = sql
	}
	require.NoError(t, rows.Err())
	return out
}

func tableSQL(t *testing.T, db bun.IDB, table string) string {
	t.Helper()
	var sql string
	require.NoError(t, db.QueryRowContext(context.Background(), `SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?`, table).Scan(&sql))
	return sql
}

type gadgetV1 struct {
	bun.BaseModel `bun:"table:gadgets"`
	ID            int64   `bun:",pk,autoincrement"`
	Name          string  `bun:"type:varchar(40),notnull" slipway:"index"`
	Code          *string `bun:"type:varchar(20),unique"`
	Price         float64 `bun:"type:real,notnull,default:0"`
}

func (*gadgetV1) Indexes() []schema.Index {
	return []schema.Index{
		{Name: "gadgets_lower_name_idx", Expr: "lower(name)"},
		{Name: "gadgets_cheap_idx", Columns: []string{"price"}, Where: "price < 10"},
	}
}

type gadgetV2 struct { // name widened: a rebuild
	bun.BaseModel `bun:"table:gadgets"`
	ID            int64   `bun:",pk,autoincrement"`
	Name          string  `bun:"type:varchar(80),notnull" slipway:"index"`
	Code          *string `bun:"type:varchar(20),unique"`
	Price         float64 `bun:"type:real,notnull,default:0"`
}

func (*gadgetV2) Indexes() []schema.Index { return (*gadgetV1)(nil).Indexes() }

// Checks declares the named table check; the unnamed one is the table's
// own, carried over and never compared.
func (*gadgetV1) Checks() []schema.Check {
	return []schema.Check{{Name: "gadgets_price_sane", Expr: "price < 1000000"}}
}

func (*gadgetV2) Checks() []schema.Check { return (*gadgetV1)(nil).Checks() }

// gadgetsDDL is gadgetV1 written by hand, with what the model does not
// describe: a collation, CHECK constraints, a generated column, a trigger
// and a view.
var gadgetsDDL = []string{
	`CREATE TABLE gadgets (
		id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
		name varchar(40) NOT NULL,
		code varchar(20) COLLATE NOCASE CONSTRAINT gadgets_code_key UNIQUE,
		price REAL NOT NULL DEFAULT 0 CHECK (price >= 0),
		price_cents INTEGER GENERATED ALWAYS AS (CAST(price * 100 AS INTEGER)) VIRTUAL,
		CONSTRAINT gadgets_price_sane CHECK (price < 1000000),
		CHECK (length(name) > 0)
	)`,
	`CREATE INDEX gadgets_name_idx ON gadgets (name)`,
	`CREATE INDEX gadgets_lower_name_idx ON gadgets (lower(name))`,
	`CREATE INDEX gadgets_cheap_idx ON gadgets (price) WHERE price < 10`,
	`CREATE TABLE gadget_log (gadget_id INTEGER, what TEXT)`,
	`CREATE TRIGGER gadgets_log AFTER UPDATE ON gadgets BEGIN INSERT INTO gadget_log VALUES (new.id, 'updated'); END`,
	`CREATE VIEW cheap_gadgets AS SELECT name FROM gadgets WHERE price < 10`,
}

func TestSQLite_HandWrittenTableMatchesItsModel(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.SQLite)
	execAll(t, db, gadgetsDDL...)

	plan, err := schema.NewMigrator(db, (*gadgetV1)(nil)).Plan(t.Context(), schema.MigrateOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{"DropColumn(withheld)"}, changeList(plan), "only the generated column is not in the model; plan:\n%s", plan)
	assert.Empty(t, plan.SQL())

	disc, err := schema.DiscoverTable(t.Context(), db, "gadgets")
	require.NoError(t, err)
	assert.True(t, disc.Column("id").AutoIncrement, "AUTOINCREMENT is read from the CREATE TABLE statement")
	byName := map[string]*schema.Index{}
	for _, ix := range disc.Indexes {
		byName[ix.Name] = ix
	}
	require.Contains(t, byName, "gadgets_code_key", "a column constraint's name is read from the statement")
	assert.True(t, byName["gadgets_code_key"].Constraint)
	assert.Equal(t, "lower(name)", byName["gadgets_lower_name_idx"].Expr)
	assert.Equal(t, "price < 10", byName["gadgets_cheap_idx"].Where)
	assert.Equal(t, []string{"price"}, byName["gadgets_cheap_idx"].Columns)
}

func TestSQLite_RebuildKeepsRowsIndexesTriggersAndTheSequence(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.SQLite)
	ctx := t.Context()
	execAll(t, db, gadgetsDDL...)
	insertRows(t, db, &gadgetV1{Name: "bolt", Code: ptr("B1"), Price: 0.5}, &gadgetV1{Name: "nut", Price: 2}, &gadgetV1{Name: "gear", Price: 40})
	execAll(t, db, `DELETE FROM gadgets WHERE name = 'gear'`) // AUTOINCREMENT never reuses id 3
	before := schemaSQL(t, db, "gadgets")

	plan, err := schema.NewMigrator(db, (*gadgetV2)(nil)).Migrate(ctx, schema.MigrateOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{"WidenType", "DropColumn(withheld)"}, changeList(plan), "plan:\n%s", plan)
	assert.Contains(t, strings.Join(plan.SQL(), ";\n"), `INSERT INTO "gadgets__slipway_new"`)

	assert.Equal(t, 80, columnOf(t, db, "gadgets", "name").Length)
	var names []string
	require.NoError(t, db.NewSelect().Table("gadgets").Column("name").Order("id").Scan(ctx, &names))
	assert.Equal(t, []string{"bolt", "nut"}, names)
	var cents []int64
	require.NoError(t, db.NewSelect().Table("gadgets").Column("price_cents").Order("id").Scan(ctx, &cents))
	assert.Equal(t, []int64{50, 200}, cents, "the generated column is kept, and computed again")

	assert.Equal(t, before, schemaSQL(t, db, "gadgets"), "indexes and triggers are recreated exactly once, as they were written")
	ddl := tableSQL(t, db, "gadgets")
	for _, want := range []string{"COLLATE NOCASE", "CHECK (price >= 0)", "CONSTRAINT gadgets_price_sane CHECK (price < 1000000)", "CHECK (length(name) > 0)", "GENERATED ALWAYS AS (CAST(price * 100 AS INTEGER)) VIRTUAL"} {
		assert.Contains(t, ddl, want)
	}
	_, err = db.NewInsert().Model(&gadgetV2{Name: "bad", Price: -1}).Exec(ctx)
	assert.ErrorContains(t, err, "CHECK constraint failed", "the CHECK constraint still holds")

	row := &gadgetV2{Name: "cog", Code: ptr("b1x"), Price: 3}
	insertRows(t, db, row)
	assert.Equal(t, int64(4), row.ID, "the AUTOINCREMENT sequence survives the rebuild")
	_, err = db.NewInsert().Model(&gadgetV2{Name: "dup", Code: ptr("b1"), Price: 1}).Exec(ctx)
	assert.ErrorContains(t, err, "UNIQUE constraint failed", "the unique constraint holds, with its NOCASE collation")

	execAll(t, db, `UPDATE gadgets SET price = 1 WHERE name = 'bolt'`)
	assert.Equal(t, 1, countRows(t, db, "gadget_log"), "the trigger fires")
	assert.Equal(t, 3, countRows(t, db, "cheap_gadgets"), "the view reads the new table")
	assertActual(t, db, (*gadgetV2)(nil))
}

type ownerStamped struct { // a default SQLite's ADD COLUMN refuses: a rebuild
	bun.BaseModel `bun:"table:owners"`
	ID            int64     `bun:",pk"`
	CreatedAt     time.Time `bun:",nullzero,notnull,default:current_timestamp"`
}

func TestSQLite_RowsReferencingARebuiltTableSurvive(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.SQLite)
	ctx := t.Context()
	mustMigrate(t, db, (*ownerV1)(nil), (*petFK)(nil)) // pets.owner_id ON DELETE CASCADE
	insertRows(t, db, &ownerV1{ID: 1}, &ownerV1{ID: 2}, &petFK{ID: 1, OwnerID: ptr[int64](1)}, &petFK{ID: 2, OwnerID: ptr[int64](2)})

	plan, err := schema.NewMigrator(db, (*ownerStamped)(nil), (*petFK)(nil)).Migrate(ctx, schema.MigrateOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{"AddColumn"}, changeList(plan))
	assert.Contains(t, plan.SQL(), `DROP TABLE "owners"`, "dropping the old table would cascade to pets if foreign keys were enforced")

	assert.Equal(t, 2, countRows(t, db, "pets"))
	assert.Equal(t, []catalogFK{{Columns: []string{"owner_id"}, RefTable: "owners", RefColumns: []string{"id"}, OnDelete: "CASCADE"}}, foreignKeysOf(t, db, "pets"))
	execAll(t, db, `DELETE FROM owners WHERE id = 1`)
	assert.Equal(t, 1, countRows(t, db, "pets"), "enforcement is back on: the delete cascades")
	assertActual(t, db, (*ownerStamped)(nil), (*petFK)(nil))
}

type petWideNote struct { // pets with a new unique column: a rebuild
	bun.BaseModel `bun:"table:pets"`
	ID            int64    `bun:",pk"`
	OwnerID       *int64   ``
	Owner         *ownerV1 `bun:"rel:belongs-to,join:owner_id=id,on_delete:cascade"`
	Tag           *string  `bun:"type:varchar(10),unique"`
}

func TestSQLite_ForeignKeyViolationAbortsTheRebuild(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.SQLite)
	ctx := t.Context()
	mustMigrate(t, db, (*ownerV1)(nil), (*petFK)(nil))
	insertRows(t, db, &ownerV1{ID: 1}, &petFK{ID: 1, OwnerID: ptr[int64](1)})
	// A row written while enforcement was off references no owner.
	conn, err := db.Conn(ctx)
	require.NoError(t, err)
	execAll(t, conn, `PRAGMA foreign_keys = OFF`, `INSERT INTO pets (id, owner_id) VALUES (2, 99)`, `PRAGMA foreign_keys = ON`)
	require.NoError(t, conn.Close())
	before := tableSQL(t, db, "pets")

	_, err = schema.NewMigrator(db, (*ownerV1)(nil), (*petWideNote)(nil)).Migrate(ctx, schema.MigrateOptions{})
	var applyErr *schema.ApplyError
	require.ErrorAs(t, err, &applyErr)
	assert.Equal(t, "pets", applyErr.Table)
	assert.Equal(t, "PRAGMA foreign_key_check", applyErr.Statement)
	assert.True(t, applyErr.RolledBack)
	assertErrorContains(t, err, `table "pets"`, "1 row of (owner_id) references no row of \"owners\"", "rolled back")

	assert.Equal(t, before, tableSQL(t, db, "pets"), "the old table is as it was")
	assert.Equal(t, 2, countRows(t, db, "pets"))
	assert.False(t, tableExists(t, db, "pets__slipway_new"))
	assertActual(t, db, (*ownerV1)(nil), (*petFK)(nil))
}

func TestSQLite_HookWritingAnOrphanUndoesTheMigration(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.SQLite)
	mustMigrate(t, db, (*ownerV1)(nil), (*petFK)(nil))
	_, err := schema.NewMigrator(db, (*ownerV1)(nil), (*petWideNote)(nil)).MigrateThen(t.Context(), schema.MigrateOptions{},
		func(ctx context.Context, conn bun.IDB) error {
			_, err := conn.NewInsert().Model(&petWideNote{ID: 1, OwnerID: ptr[int64](7)}).Exec(ctx)
			return err // enforcement is off inside the migration: the check before commit catches it
		})
	assertErrorContains(t, err, `table "pets"`, `no row of "owners"`)
	assert.Equal(t, 0, countRows(t, db, "pets"))
	assert.Equal(t, []string{"id", "owner_id"}, columnNames(t, db, "pets"), "the rebuild was rolled back")
}

func TestSQLite_MigrationRestoresConnectionSettings(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.SQLite)
	db.SetMaxOpenConns(1) // the migration's connection is the one asked below
	mustMigrate(t, db, (*ownerV1)(nil), (*petFK)(nil))
	insertRows(t, db, &ownerV1{ID: 1})
	plan := mustMigrate(t, db, (*ownerStamped)(nil), (*petFK)(nil))
	require.Contains(t, plan.SQL(), "PRAGMA legacy_alter_table = ON", "the plan rebuilds a table")

	var fk, legacy, busy int
	require.NoError(t, db.QueryRowContext(t.Context(),
		`SELECT f.foreign_keys, l.legacy_alter_table, b.timeout FROM pragma_foreign_keys f, pragma_legacy_alter_table l, pragma_busy_timeout b`).
		Scan(&fk, &legacy, &busy))
	assert.Equal(t, []int{1, 0, 5000}, []int{fk, legacy, busy}, "foreign_keys, legacy_alter_table, busy_timeout")
}

func TestSQLite_AddColumnDirectlyWhenSQLiteCan(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		give any
		want string // the first statement
	}{
		{name: "nullable", give: (*itemAddNullable)(nil), want: `ALTER TABLE "items" ADD COLUMN "note" varchar(100)`},
		{name: "NOT NULL with a constant default", give: (*itemAddWithDefault)(nil), want: `ALTER TABLE "items" ADD COLUMN "qty" integer NOT NULL DEFAULT 7`},
		{name: "default SQLite's ADD COLUMN refuses", give: (*itemStamped)(nil), want: `CREATE TABLE "items__slipway_new" (`},
		{name: "NOT NULL without a default on an empty table", give: (*itemAddRequired)(nil), want: `CREATE TABLE "items__slipway_new" (`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db := testdb.Open(t, testdb.SQLite)
			mustMigrate(t, db, (*itemV1)(nil))
			plan := mustMigrate(t, db, tt.give)
			require.NotEmpty(t, plan.SQL())
			assert.True(t, strings.HasPrefix(plan.SQL()[0], tt.want), "got %s", plan.SQL()[0])
			assertActual(t, db, tt.give)
		})
	}
}

type itemStamped struct {
	bun.BaseModel `bun:"table:items"`
	ID            int64     `bun:",pk"`
	Name          string    `bun:"type:varchar(40),notnull"`
	Seen          time.Time `bun:",nullzero,notnull,default:current_timestamp"`
}

type serialCounter struct {
	bun.BaseModel `bun:"table:serial_counters"`
	ID            int64 `bun:",pk"`
	Serial        int64 `bun:",autoincrement"`
}

func TestSQLite_AutoIncrementNeedsTheIntegerPrimaryKey(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.SQLite)
	_, err := schema.NewMigrator(db, (*serialCounter)(nil)).Plan(t.Context(), schema.MigrateOptions{})
	assertErrorContains(t, err, `model "serialCounter"`, `column "serial"`, "single-column INTEGER PRIMARY KEY", "not the primary key")
}

func TestSQLite_ConcurrentMigratorsRebuildOnce(t *testing.T) {
	t.Parallel()
	url := testdb.URL(t, testdb.SQLite)
	mustMigrate(t, testdb.OpenURL(t, url), (*customerTestV1)(nil))
	seed := testdb.OpenURL(t, url)
	for _, id := range []string{"a", "b", "c"} {
		insertRows(t, seed, &customerTestV1{ID: id, Email: id + "@example.com"})
	}
	const replicas = 5
	plans := make([]*schema.Plan, replicas)
	var g errgroup.Group
	for i := range replicas {
		db := testdb.OpenURL(t, url)
		g.Go(func() error {
			var err error
			plans[i], err = schema.NewMigrator(db, (*customerTestV2)(nil)).Migrate(context.Background(), schema.MigrateOptions{AllowDataLoss: true})
			return err
		})
	}
	require.NoError(t, g.Wait())
	applied := 0
	for _, p := range plans {
		if !p.Empty() {
			applied++
		}
	}
	assert.Equal(t, 1, applied, "one migrator rebuilds; the others wait for the write lock, re-plan and find nothing")
	assert.Equal(t, 3, countRows(t, seed, "customer_test"))
	assert.Equal(t, []string{"id", "email", "first_name", "last_name"}, columnNames(t, seed, "customer_test"))
}

func TestSQLite_LockWaitsForAnyWriter(t *testing.T) {
	t.Parallel()
	url := testdb.URL(t, testdb.SQLite)
	writer, db := testdb.OpenURL(t, url), testdb.OpenURL(t, url)
	conn, err := writer.Conn(t.Context())
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	execAll(t, conn, "BEGIN IMMEDIATE") // an application's write transaction

	_, err = schema.NewMigrator(db, schema.WithLockTimeout(100*time.Millisecond), (*ownerV1)(nil)).Migrate(t.Context(), schema.MigrateOptions{})
	assert.ErrorIs(t, err, schema.ErrLockTimeout)
	assertErrorContains(t, err, "SQLite", "another connection is writing", "WithLockTimeout")

	// Without a lock timeout the context bounds the wait.
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	_, err = schema.NewMigrator(db, schema.WithLockTimeout(0), (*ownerV1)(nil)).Migrate(ctx, schema.MigrateOptions{})
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.False(t, errors.Is(err, schema.ErrLockTimeout))

	execAll(t, conn, "COMMIT")
	mustMigrate(t, db, (*ownerV1)(nil))
	assert.True(t, tableExists(t, db, "owners"))
}

func TestSQLite_InspectionIsThreeQueriesWhateverTheTables(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.SQLite)
	models := benchModels(60)
	mustMigrate(t, db, models...)
	log := &queryLog{}
	db = db.WithQueryHook(log)
	for _, n := range []int{1, 60} {
		log.reset()
		// Without the schema state, whose read is one more query (state_test.go).
		plan, err := schema.NewMigrator(db, append(models[:n:n], schema.WithoutSchemaState())...).Plan(t.Context(), schema.MigrateOptions{})
		require.NoError(t, err)
		assert.Empty(t, plan.Changes)
		assert.Equal(t, 3, log.count(), "%d tables", n)
	}
}

type auditNote struct {
	bun.BaseModel `bun:"table:audit.notes"`
	ID            int64  `bun:",pk,autoincrement"`
	Body          string `bun:"type:varchar(20),notnull" slipway:"index"`
}

type auditNoteWide struct {
	bun.BaseModel `bun:"table:audit.notes"`
	ID            int64  `bun:",pk,autoincrement"`
	Body          string `bun:"type:varchar(40),notnull" slipway:"index"`
}

func TestSQLite_AttachedDatabaseAsSchema(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.SQLite)
	_, err := schema.NewMigrator(db, (*auditNote)(nil)).Plan(t.Context(), schema.MigrateOptions{})
	assertErrorContains(t, err, `table "audit.notes"`, `database "audit" is not attached`)

	db.SetMaxOpenConns(1) // ATTACH holds for one connection
	execAll(t, db, "ATTACH DATABASE '"+strings.TrimPrefix(testdb.URL(t, testdb.SQLite), "sqlite:")+"' AS audit")
	mustMigrate(t, db, (*auditNote)(nil))
	insertRows(t, db, &auditNote{Body: "kept"})
	plan := mustMigrate(t, db, (*auditNoteWide)(nil))
	assert.Equal(t, []string{"WidenType"}, changeList(plan))
	assertActual(t, db, (*auditNoteWide)(nil))
	var body string
	require.NoError(t, db.QueryRowContext(t.Context(), `SELECT body FROM audit.notes`).Scan(&body))
	assert.Equal(t, "kept", body)
	var indexes int
	require.NoError(t, db.QueryRowContext(t.Context(), `SELECT count(*) FROM audit.sqlite_master WHERE type = 'index' AND name = 'notes_body_idx'`).Scan(&indexes))
	assert.Equal(t, 1, indexes)
}

func TestSQLite_TableNamesCompareIgnoringCase(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.SQLite)
	execAll(t, db,
		`CREATE TABLE Owners (id INTEGER NOT NULL, PRIMARY KEY (id))`,
		`CREATE TABLE PETS (id INTEGER NOT NULL, owner_id INTEGER, PRIMARY KEY (id), FOREIGN KEY (owner_id) REFERENCES OWNERS (id) ON DELETE CASCADE)`)
	plan, err := schema.NewMigrator(db, (*ownerV1)(nil), (*petFK)(nil)).Plan(t.Context(), schema.MigrateOptions{})
	require.NoError(t, err)
	assert.Empty(t, plan.Changes, "SQLite's table names are case-insensitive; plan:\n%s", plan)

	disc, err := schema.DiscoverTable(t.Context(), db, "pets")
	require.NoError(t, err)
	assert.Equal(t, "pets", disc.Name, "the name as asked")
	require.Len(t, disc.ForeignKeys, 1)
	assert.Equal(t, "OWNERS", disc.ForeignKeys[0].RefTable, "as the REFERENCES clause spells it")
}

func TestSQLite_AddAutoIncrementContinuesAfterExistingIDs(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.SQLite)
	mustMigrate(t, db, (*legacyCounter)(nil))
	insertRows(t, db, &legacyCounter{ID: 1, Label: "a"}, &legacyCounter{ID: 7, Label: "b"})

	plan := mustMigrate(t, db, (*legacyCounterAuto)(nil))
	assert.Equal(t, []string{"AddAutoIncrement"}, changeList(plan))
	assert.Contains(t, tableSQL(t, db, "legacy_counters"), "PRIMARY KEY AUTOINCREMENT")
	execAll(t, db, `DELETE FROM legacy_counters WHERE id = 7`)
	row := &legacyCounterAuto{Label: "new"}
	insertRows(t, db, row)
	assert.Equal(t, int64(8), row.ID, "AUTOINCREMENT starts after the ids the table held")
	assertActual(t, db, (*legacyCounterAuto)(nil))
}

func TestSQLite_AddPrimaryKeyKeepsRowids(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.SQLite)
	mustMigrate(t, db, (*noKey)(nil))
	insertRows(t, db, &noKey{Code: "a", Name: "first"}, &noKey{Code: "a", Name: "second"}, &noKey{Code: "b", Name: "third"})

	_, err := schema.NewMigrator(db, (*keyed)(nil)).Migrate(t.Context(), schema.MigrateOptions{})
	assertErrorContains(t, err, `table "keyed"`, "primary key on (code)", "1 value is duplicated")

	execAll(t, db, `DELETE FROM keyed WHERE name = 'first'`) // rowids 2 and 3 remain
	rowids := func() map[string]int64 {
		rows, err := db.QueryContext(t.Context(), `SELECT name, rowid FROM keyed`)
		require.NoError(t, err)
		defer rows.Close()
		out := map[string]int64{}
		for rows.Next() {
			var (
				name string
				id   int64
			)
			require.NoError(t, rows.Scan(&name, &id))
			out[name] = id
		}
		require.NoError(t, rows.Err())
		return out
	}
	before := rowids()
	plan := mustMigrate(t, db, (*keyed)(nil))
	assert.Equal(t, []string{"AddPrimaryKey"}, changeList(plan))
	assert.Equal(t, before, rowids(), "implicit rowids survive the rebuild")
	assertActual(t, db, (*keyed)(nil))
}

type sqliteReserved struct {
	bun.BaseModel `bun:"table:sqlite_things"`
	ID            int64 `bun:",pk"`
}

type sqliteColumn struct {
	bun.BaseModel `bun:"table:versions"`
	ID            int64  `bun:",pk"`
	SQLiteVersion string `bun:"sqlite_version"`
}

func TestSQLite_ReservedNames(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.SQLite)
	_, err := schema.NewMigrator(db, (*sqliteReserved)(nil)).Plan(t.Context(), schema.MigrateOptions{})
	assertErrorContains(t, err, `model "sqliteReserved"`, `table "sqlite_things"`, "reserved by SQLite")
	mustMigrate(t, db, (*sqliteColumn)(nil)) // a column may be called anything
	assert.Equal(t, []string{"id", "sqlite_version"}, columnNames(t, db, "versions"))
}
