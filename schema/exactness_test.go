package schema_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/slipwaygo/slipway/internal/dburl"
	"github.com/slipwaygo/slipway/internal/testdb"
	"github.com/slipwaygo/slipway/schema"
)

// Regression tests for plans that must be exact: every statement valid
// against the state the database is in when it runs, every change that
// would fail on the data refused before any DDL.

// PostgreSQL and MySQL convert a value to the new type or fail: the probe
// refuses the change before any DDL. SQLite keeps a value its column's
// affinity cannot convert as it is.
func TestMigrate_ConversionThatFailsOnTheDataIsRefused(t *testing.T) {
	t.Parallel()
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			db := testdb.Open(t, d)
			mustMigrate(t, db, (*cellText)(nil))
			insertRows(t, db, &cellText{ID: 1, N: ptr("5")}, &cellText{ID: 2, N: ptr("five")})

			plan, err := schema.NewMigrator(db, (*cellIntDefault)(nil)).Migrate(t.Context(), schema.MigrateOptions{AllowDataLoss: true})
			if d == testdb.SQLite {
				require.NoError(t, err)
				assert.Equal(t, []string{"ChangeType", "SetDefault"}, changeList(plan))
				assert.Equal(t, []sql.NullString{{String: "5", Valid: true}, {String: "five", Valid: true}}, nullStrings(t, db, "SELECT n FROM cells ORDER BY id"))
				assertActual(t, db, (*cellIntDefault)(nil))
				return
			}
			var refused *schema.RefusedError
			require.True(t, errors.As(err, &refused), "%v", err)
			assert.Equal(t, []string{"ChangeType(would fail)", "SetDefault"}, changeList(plan), "plan:\n%s", plan)
			assert.ErrorContains(t, err, `table "cells": cannot change column "n" from varchar(20) to`)
			assert.ErrorContains(t, err, "five")
			assert.Equal(t, 20, columnOf(t, db, "cells", "n").Length, "nothing applied")
			assertActual(t, db, (*cellText)(nil))
		})
	}
}

type gradeWide struct {
	bun.BaseModel `bun:"table:grades"`
	ID            int64   `bun:",pk"`
	Score         float64 `bun:"type:numeric(10,4),notnull,unique"`
}

type gradeNarrow struct {
	bun.BaseModel `bun:"table:grades"`
	ID            int64   `bun:",pk"`
	Score         float64 `bun:"type:numeric(10,2),notnull,unique"`
}

// Narrowing a numeric's scale rounds: two values may become one, which the
// unique constraint then refuses. PostgreSQL checks the converted values.
func TestMigrate_NarrowingThatMergesUniqueValuesIsRefused(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.Postgres)
	mustMigrate(t, db, (*gradeWide)(nil))
	insertRows(t, db, &gradeWide{ID: 1, Score: 1.2341}, &gradeWide{ID: 2, Score: 1.2342})

	plan, err := schema.NewMigrator(db, (*gradeNarrow)(nil)).Migrate(t.Context(), schema.MigrateOptions{AllowDataLoss: true})
	var refused *schema.RefusedError
	require.True(t, errors.As(err, &refused), "%v", err)
	assert.Equal(t, []string{"ChangeType(would fail)"}, changeList(plan))
	assert.ErrorContains(t, err, `cannot change column "score" to numeric(10,2): 1 value of (score) would be duplicated in unique "grades_score_key"`)
	assertActual(t, db, (*gradeWide)(nil))
}

type listV1 struct {
	bun.BaseModel `bun:"table:lists"`
	ID            int64  `bun:",pk"`
	Title         string `bun:"type:varchar(40),notnull"`
}

type listNullable struct {
	bun.BaseModel `bun:"table:lists"`
	ID            int64   `bun:",pk"`
	Title         *string `bun:"type:varchar(40)"`
}

type listItem struct {
	bun.BaseModel `bun:"table:items"`
	ID            int64   `bun:",pk"`
	ListID        int64   `bun:",notnull"`
	List          *listV1 `bun:"rel:belongs-to,join:list_id=id,on_delete:CASCADE"`
}

// A SQLite plan that rebuilds a table, exported and run as written with
// foreign keys enforced (as another tool would run it), keeps the rows that
// reference the table: the file switches enforcement off around its
// transaction, as Migrate does. Without that, dropping the old table fires
// ON DELETE CASCADE.
func TestPlan_UpSQLOnSQLiteKeepsReferencingRows(t *testing.T) {
	t.Parallel()
	url := testdb.SQLiteURL(t)
	db := testdb.OpenURL(t, url)
	mustMigrate(t, db, (*listV1)(nil), (*listItem)(nil))
	insertRows(t, db, &listV1{ID: 1, Title: "home"}, &listItem{ID: 1, ListID: 1}, &listItem{ID: 2, ListID: 1})

	plan, err := schema.NewMigrator(db, (*listNullable)(nil), (*listItem)(nil)).Plan(t.Context(), schema.MigrateOptions{})
	require.NoError(t, err)
	require.Equal(t, []string{"DropNotNull"}, changeList(plan))
	script := plan.UpSQL()
	assert.Contains(t, script, "PRAGMA foreign_keys = OFF;\nBEGIN IMMEDIATE;\n")

	conn, err := db.Conn(t.Context())
	require.NoError(t, err)
	defer conn.Close()
	var fk int
	require.NoError(t, conn.QueryRowContext(t.Context(), "PRAGMA foreign_keys").Scan(&fk))
	require.Equal(t, 1, fk, "the connection enforces foreign keys, as a tool's would")
	_, err = conn.ExecContext(t.Context(), script)
	require.NoError(t, err)

	assert.Equal(t, 2, countRows(t, db, "items"), "no item was deleted by the rebuild")
	assert.True(t, columnOf(t, db, "lists", "title").Nullable)
	assertActual(t, db, (*listNullable)(nil), (*listItem)(nil))
	require.NoError(t, conn.QueryRowContext(t.Context(), "PRAGMA foreign_keys").Scan(&fk))
	assert.Equal(t, 1, fk, "enforcement is back on")
}

// The exported SQLite file refuses to run inside a transaction of the
// tool's own, where switching foreign keys off would silently do nothing.
func TestPlan_UpSQLOnSQLiteFailsInsideATransaction(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.SQLite)
	mustMigrate(t, db, (*listV1)(nil), (*listItem)(nil))
	insertRows(t, db, &listV1{ID: 1, Title: "home"}, &listItem{ID: 1, ListID: 1})
	plan, err := schema.NewMigrator(db, (*listNullable)(nil), (*listItem)(nil)).Plan(t.Context(), schema.MigrateOptions{})
	require.NoError(t, err)

	tx, err := db.BeginTx(t.Context(), nil)
	require.NoError(t, err)
	_, err = tx.ExecContext(t.Context(), plan.UpSQL())
	assert.ErrorContains(t, err, "cannot start a transaction within a transaction")
	require.NoError(t, tx.Rollback())
	assert.Equal(t, 1, countRows(t, db, "items"))
	assertActual(t, db, (*listV1)(nil), (*listItem)(nil))
}

type spelledDefaults struct {
	bun.BaseModel `bun:"table:spelled"`
	ID            int64   `bun:",pk"`
	Code          *string `bun:"type:varchar(10),default:2"`
	Flag          *string `bun:"type:varchar(10),default:true"`
	Low           *string `bun:"type:varchar(10),default:(lower('B'))"`
	Up            *string `bun:"type:varchar(10),default:(upper('x'))"`
}

// A default the server stores in another spelling (a number for a text
// column as a string, lower() as MariaDB's lcase()) is actual once applied.
func TestMigrate_DefaultsTheServerRespellsAreActual(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *bun.DB) {
		mustMigrate(t, db, (*spelledDefaults)(nil))
		assertActual(t, db, (*spelledDefaults)(nil))
		_, err := db.ExecContext(t.Context(), "INSERT INTO spelled (id) VALUES (1)")
		require.NoError(t, err)
		assert.Equal(t, []sql.NullString{{String: "2", Valid: true}}, nullStrings(t, db, "SELECT code FROM spelled"))
		assert.Equal(t, []sql.NullString{{String: "b", Valid: true}}, nullStrings(t, db, "SELECT low FROM spelled"))
	})
}

type twinColumns struct {
	bun.BaseModel `bun:"table:twins"`
	ID            int64  `bun:",pk"`
	A             string `bun:"name"`
	B             string `bun:"name"`
}

type chanField struct {
	bun.BaseModel `bun:"table:chans"`
	ID            int64 `bun:",pk"`
	Events        chan int
}

type setNullRequired struct {
	bun.BaseModel `bun:"table:pets"`
	ID            int64    `bun:",pk"`
	OwnerID       int64    `bun:",notnull"`
	Owner         *ownerV1 `bun:"rel:belongs-to,join:owner_id=id,on_delete:SET NULL"`
}

// Models the database cannot hold are errors naming the model and field,
// reported before anything is changed (at most the schema state is read:
// a start whose models are unchanged does not build them), and before an
// error of the database (TestNewMigrator_ModelErrorsBeforeConnectionErrors).
func TestNewMigrator_RejectsModelsNoDatabaseCanHold(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		model any
		want  string
	}{
		{"two fields, one column", (*twinColumns)(nil), `schema: model "twinColumns": fields A and B both map to column "name"`},
		{"a channel", (*chanField)(nil), `schema: model "chanField": field Events (chan int) has no SQL type (give it one with bun:"type:...", or leave it out with bun:"-")`},
		{"SET NULL on a NOT NULL column", (*setNullRequired)(nil), `schema: model "setNullRequired": relation Owner: SET NULL on NOT NULL column "owner_id"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			testdb.ForEachDialect(t, func(t *testing.T, db *bun.DB) {
				log := &queryLog{}
				db = db.WithQueryHook(log)
				_, err := schema.NewMigrator(db, tt.model).Plan(t.Context(), schema.MigrateOptions{})
				assert.ErrorContains(t, err, tt.want)
				_, err = schema.NewMigrator(db, tt.model).Migrate(t.Context(), schema.MigrateOptions{})
				assert.ErrorContains(t, err, tt.want)
				assert.Empty(t, log.ddl(), "nothing changed")
				assert.Empty(t, log.writes(), "nothing written")
			})
		})
	}
}

// A bad model is the error reported, though the database is unreachable:
// the quick path of a start reads the schema state first, and an error
// there builds the models to report theirs.
func TestNewMigrator_ModelErrorsBeforeConnectionErrors(t *testing.T) {
	t.Parallel()
	for _, url := range []string{"postgres://nobody@127.0.0.1:1/none?sslmode=disable", "mysql://nobody@127.0.0.1:1/none"} {
		cfg, err := dburl.Parse(url)
		require.NoError(t, err)
		db, err := dburl.Open(cfg)
		require.NoError(t, err)
		t.Cleanup(func() { db.Close() })
		want := `schema: model "chanField": field Events (chan int) has no SQL type`
		_, err = schema.NewMigrator(db, (*chanField)(nil)).Plan(t.Context(), schema.MigrateOptions{})
		assert.ErrorContains(t, err, want, url)
		_, err = schema.NewMigrator(db, (*chanField)(nil)).Migrate(t.Context(), schema.MigrateOptions{})
		assert.ErrorContains(t, err, want, url)
		_, err = schema.NewMigrator(db, (*ownerV1)(nil)).Migrate(t.Context(), schema.MigrateOptions{})
		assert.ErrorContains(t, err, "127.0.0.1:1", "good models: the database's error")
	}
}

type keyedByText struct {
	bun.BaseModel `bun:"table:labels"`
	ID            int64  `bun:",pk"`
	Code          string `bun:"type:varchar(20),notnull"`
}

type refersToLabel struct {
	bun.BaseModel `bun:"table:notes"`
	ID            int64        `bun:",pk"`
	Label         *string      `bun:"type:varchar(20)"`
	LabelRef      *keyedByText `bun:"rel:belongs-to,join:label=id"`
}

// A foreign key between columns of types the database cannot join is
// refused when planned, on a new table as on an existing one, not at DDL.
func TestMigrate_ForeignKeyBetweenIncompatibleTypesIsRefused(t *testing.T) {
	t.Parallel()
	for _, d := range []testdb.Dialect{testdb.Postgres, testdb.MySQL} {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			db := testdb.Open(t, d)
			mustMigrate(t, db, (*keyedByText)(nil))
			plan, err := schema.NewMigrator(db, (*keyedByText)(nil), (*refersToLabel)(nil)).Migrate(t.Context(), schema.MigrateOptions{})
			var refused *schema.RefusedError
			require.True(t, errors.As(err, &refused), "%v", err)
			assert.Equal(t, []string{"CreateTable(would fail)"}, changeList(plan))
			assert.ErrorContains(t, err, `foreign key "notes_label_fkey" would join varchar(20) column "label" to bigint column "id" of table "labels"`)
			assert.False(t, tableExists(t, db, "notes"))
		})
	}
}

// A model whose table names a schema (on MySQL a database) that does not
// exist yet: the plan creates it first, as LoopBack's auto-migrate does.
func TestMigrate_CreatesTheSchemaATableNames(t *testing.T) {
	t.Parallel()
	for _, d := range []testdb.Dialect{testdb.Postgres, testdb.MySQL} {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			db := testdb.Open(t, d)
			var current string
			if d == testdb.Postgres {
				require.NoError(t, db.QueryRowContext(t.Context(), "SELECT current_schema()").Scan(&current))
			} else {
				require.NoError(t, db.QueryRowContext(t.Context(), "SELECT DATABASE()").Scan(&current))
			}
			other := current + "_x" // unique per test, like the database itself
			t.Cleanup(func() {
				if d == testdb.Postgres {
					_, _ = db.ExecContext(context.Background(), `DROP SCHEMA IF EXISTS "`+other+`" CASCADE`)
				} else {
					_, _ = db.ExecContext(context.Background(), "DROP DATABASE IF EXISTS `"+other+"`")
				}
			})
			model := eventsModelIn(other)
			plan, err := schema.NewMigrator(db, (*ownerV1)(nil), model).Migrate(t.Context(), schema.MigrateOptions{})
			require.NoError(t, err)
			assert.Equal(t, []string{"CreateSchema", "CreateTable", "CreateTable", "AddIndex"}, changeList(plan), "plan:\n%s", plan)
			assert.Contains(t, plan.String(), "+ schema "+other)
			assertActual(t, db, (*ownerV1)(nil), model)
		})
	}
}

type person struct {
	bun.BaseModel `bun:"table:people"`
	ID            int64 `bun:",pk"`
}

type petOfPerson struct {
	bun.BaseModel `bun:"table:pets"`
	ID            int64   `bun:",pk"`
	OwnerID       *int64  ``
	Owner         *person `bun:"rel:belongs-to,join:owner_id=id"`
}

// A foreign key the model now points elsewhere keeps its conventional name:
// the live one of that name is replaced, not kept beside it (which the
// database would refuse), and its rows are checked against the new table.
func TestMigrate_ForeignKeyPointedElsewhereIsReplaced(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *bun.DB) {
		mustMigrate(t, db, (*ownerV1)(nil), (*person)(nil), (*petFK)(nil))
		insertRows(t, db, &ownerV1{ID: 1}, &ownerV1{ID: 2}, &person{ID: 1}, &petFK{ID: 1, OwnerID: ptr[int64](1)})

		plan, err := schema.NewMigrator(db, (*ownerV1)(nil), (*person)(nil), (*petOfPerson)(nil)).Migrate(t.Context(), schema.MigrateOptions{})
		require.NoError(t, err)
		assert.Equal(t, []string{"DropForeignKey", "AddForeignKey"}, changeList(plan), "plan:\n%s", plan)
		fks := foreignKeysOf(t, db, "pets")
		require.Len(t, fks, 1)
		assert.Equal(t, "people", fks[0].RefTable)
		assertActual(t, db, (*ownerV1)(nil), (*person)(nil), (*petOfPerson)(nil))

		// Pointed back at owners while a pet's owner is a person and no
		// owner: refused before any DDL, the foreign key to people kept.
		insertRows(t, db, &person{ID: 3}, &petOfPerson{ID: 2, OwnerID: ptr[int64](3)})
		plan, err = schema.NewMigrator(db, (*ownerV1)(nil), (*person)(nil), (*petFK)(nil)).Migrate(t.Context(), schema.MigrateOptions{})
		var refused *schema.RefusedError
		require.True(t, errors.As(err, &refused), "%v", err)
		assert.Equal(t, []string{"DropForeignKey", "AddForeignKey(would fail)"}, changeList(plan), "plan:\n%s", plan)
		assert.ErrorContains(t, err, `cannot add foreign key "pets_owner_id_fkey": 1 row of (owner_id) references no row of "owners"`)
		assert.Equal(t, "people", foreignKeysOf(t, db, "pets")[0].RefTable)
	})
}

// Cancelling a migration on MySQL while a statement runs: the server may
// complete the statement after the client gave up, so the error says it may
// have been applied, and the next run converges.
func TestMySQL_InterruptedStatementMayHaveBeenApplied(t *testing.T) {
	t.Parallel()
	url := testdb.MySQLURL(t)
	db, other := testdb.OpenURL(t, url), testdb.OpenURL(t, url)
	mustMigrate(t, db, (*itemV1)(nil))
	insertRows(t, db, &itemV1{ID: 1, Name: "a"})

	// An open transaction that read the table holds its metadata lock: the
	// ALTER TABLE waits for it.
	reader, err := other.BeginTx(t.Context(), nil)
	require.NoError(t, err)
	require.NoError(t, reader.QueryRowContext(t.Context(), "SELECT count(*) FROM items").Scan(new(int)))

	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	m := schema.NewMigrator(db, schema.WithLockTimeout(time.Minute), (*itemWide)(nil))
	_, err = m.Migrate(ctx, schema.MigrateOptions{})
	var applyErr *schema.ApplyError
	require.True(t, errors.As(err, &applyErr), "%v", err)
	assert.True(t, applyErr.Interrupted)
	assert.False(t, applyErr.RolledBack)
	assert.ErrorContains(t, err, "interrupted: the statement may have been applied on the server")
	require.NoError(t, reader.Rollback())

	_, err = m.Migrate(t.Context(), schema.MigrateOptions{})
	require.NoError(t, err)
	assertActual(t, db, (*itemWide)(nil))
	assert.Equal(t, 60, columnOf(t, db, "items", "name").Length)
}

type scoreDouble struct {
	bun.BaseModel `bun:"table:scores"`
	ID            int64   `bun:",pk"`
	Value         float64 `bun:"type:double precision,notnull,unique"`
}

type scoreInt struct {
	bun.BaseModel `bun:"table:scores"`
	ID            int64 `bun:",pk"`
	Value         int64 `bun:"type:integer,notnull,unique"`
}

// Converting to an integer rounds: two values may become one under a
// unique key. PostgreSQL and MySQL check the converted values first.
func TestMigrate_ConversionThatMergesUniqueValuesIsRefused(t *testing.T) {
	t.Parallel()
	for _, d := range []testdb.Dialect{testdb.Postgres, testdb.MySQL} {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			db := testdb.Open(t, d)
			mustMigrate(t, db, (*scoreDouble)(nil))
			insertRows(t, db, &scoreDouble{ID: 1, Value: 2.25}, &scoreDouble{ID: 2, Value: 2.125})

			plan, err := schema.NewMigrator(db, (*scoreInt)(nil)).Migrate(t.Context(), schema.MigrateOptions{AllowDataLoss: true})
			var refused *schema.RefusedError
			require.True(t, errors.As(err, &refused), "%v", err)
			assert.Equal(t, []string{"ChangeType(would fail)"}, changeList(plan))
			assert.ErrorContains(t, err, `cannot change column "value" to `)
			assert.ErrorContains(t, err, `would be duplicated in unique "scores_value_key"`)
			assertActual(t, db, (*scoreDouble)(nil))
		})
	}
}

type noteIndexed struct {
	bun.BaseModel `bun:"table:notes"`
	ID            int64  `bun:",pk"`
	Body          string `bun:"type:varchar(200),notnull" slipway:"index"`
}

type noteText struct {
	bun.BaseModel `bun:"table:notes"`
	ID            int64  `bun:",pk"`
	Body          string `bun:"type:text,notnull"`
}

// MySQL indexes a TEXT column only by a prefix. The model widens an indexed
// varchar to text and no longer declares the index: the index stays (its
// drop is withheld), so the widening waits for it, and applies once the
// index may go.
func TestMySQL_WideningToTextWaitsForTheIndexThatStays(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.MySQL)
	mustMigrate(t, db, (*noteIndexed)(nil))
	insertRows(t, db, &noteIndexed{ID: 1, Body: "x"})

	m := schema.NewMigrator(db, (*noteText)(nil))
	plan, err := m.Migrate(t.Context(), schema.MigrateOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{"DropIndex(withheld)", "WidenType(withheld)"}, changeList(plan), "plan:\n%s", plan)
	assert.Contains(t, plan.String(), `index "notes_body_idx" on the column stays (its drop is withheld), and MySQL cannot index a text column as it is`)
	assertActual(t, db, (*noteText)(nil))

	plan, err = m.Migrate(t.Context(), schema.MigrateOptions{AllowDataLoss: true})
	require.NoError(t, err)
	assert.Equal(t, []string{"DropIndex", "WidenType"}, changeList(plan), "plan:\n%s", plan)
	typ, _, _, _ := columnFacts(t, db, "notes", "body")
	assert.Equal(t, "text", typ)
	assertActual(t, db, (*noteText)(nil))
}

type petKeyed struct {
	bun.BaseModel `bun:"table:pets"`
	ID            int64    `bun:",pk"`
	OwnerID       *int64   `bun:",unique" slipway:"index"`
	Owner         *ownerV1 `bun:"rel:belongs-to,join:owner_id=id,on_delete:cascade"`
}

// MySQL makes an index for a foreign key that has none, and drops it by
// itself once another index can serve the foreign key. That index does not
// stand for an index the model declares: the model's own is created, and a
// second run finds nothing to do.
func TestMySQL_TheIndexMadeForAForeignKeyIsNotTheModelsIndex(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.MySQL)
	mustMigrate(t, db, (*ownerV1)(nil), (*petFK)(nil))
	require.Contains(t, anyIndexOn(t, db, "pets", "owner_id"), "pets_owner_id_fkey", "MySQL made one for the foreign key")

	m := schema.NewMigrator(db, (*ownerV1)(nil), (*petKeyed)(nil))
	plan, err := m.Migrate(t.Context(), schema.MigrateOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{"AddUnique", "AddIndex"}, changeList(plan), "plan:\n%s", plan)
	assertActual(t, db, (*ownerV1)(nil), (*petKeyed)(nil))
	assert.Subset(t, anyIndexOn(t, db, "pets", "owner_id"), []string{"pets_owner_id_key", "pets_owner_id_idx"})
}

type petGrouped struct {
	bun.BaseModel `bun:"table:pets"`
	ID            int64    `bun:",pk"`
	OwnerID       *int64   `slipway:"index:pets_group_idx"`
	Kind          *string  `bun:"type:varchar(20)" slipway:"index:pets_group_idx"`
	Owner         *ownerV1 `bun:"rel:belongs-to,join:owner_id=id"`
}

type petGroupedUnique struct {
	bun.BaseModel `bun:"table:pets"`
	ID            int64    `bun:",pk"`
	OwnerID       *int64   `bun:",unique:pets_group"`
	Kind          *string  `bun:"type:varchar(20),unique:pets_group"`
	Owner         *ownerV1 `bun:"rel:belongs-to,join:owner_id=id"`
}

// On MySQL an index the model no longer declares, which a foreign key used,
// is an extra as soon as the plan gives the foreign key another index: the
// first plan says so, not the second.
func TestMySQL_IndexAForeignKeyNoLongerNeedsIsAnExtra(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.MySQL)
	mustMigrate(t, db, (*ownerV1)(nil), (*petGrouped)(nil))
	m := schema.NewMigrator(db, (*ownerV1)(nil), (*petGroupedUnique)(nil))
	plan, err := m.Migrate(t.Context(), schema.MigrateOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{"DropIndex(withheld)", "AddUnique"}, changeList(plan), "plan:\n%s", plan)
	plan, err = m.Migrate(t.Context(), schema.MigrateOptions{AllowDataLoss: true})
	require.NoError(t, err)
	assert.Equal(t, []string{"DropIndex"}, changeList(plan), "plan:\n%s", plan)
	again, err := m.Plan(t.Context(), schema.MigrateOptions{AllowDataLoss: true})
	require.NoError(t, err)
	assert.Empty(t, again.Changes, "plan:\n%s", again)
}

type labelKeyed struct {
	bun.BaseModel `bun:"table:labels"`
	ID            int64 `bun:",pk,type:integer"`
}

type noteOnLabel struct {
	bun.BaseModel `bun:"table:notes"`
	ID            int64       `bun:",pk"`
	LabelID       *int64      `bun:"type:integer"`
	Label         *labelKeyed `bun:"rel:belongs-to,join:label_id=id"`
}

type noteLabelRetyped struct {
	bun.BaseModel `bun:"table:notes"`
	ID            int64    `bun:",pk"`
	LabelID       *float64 `bun:"type:numeric(20,4)"`
}

// A type change on a column whose foreign key stays (here kept as extra,
// its model no longer declaring it) references a table outside the
// models: on PostgreSQL, whose catalog gives that table's column type, it
// is refused when the types could not be joined; on MySQL, which drops and
// adds the key again around the change, it is refused because the other
// type is unknown. Found by TestEvolution: it failed at DDL ("foreign key
// constraint cannot be implemented"; MySQL: errno 150).
func TestMigrate_TypeChangeUnderAForeignKeyToATableOutsideTheModels(t *testing.T) {
	t.Parallel()
	for _, d := range []testdb.Dialect{testdb.Postgres, testdb.MySQL} {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			db := testdb.Open(t, d)
			mustMigrate(t, db, (*labelKeyed)(nil), (*noteOnLabel)(nil))
			_, err := schema.NewMigrator(db, (*noteLabelRetyped)(nil)).Migrate(t.Context(), schema.MigrateOptions{})
			var refused *schema.RefusedError
			require.True(t, errors.As(err, &refused), "%v", err)
			assert.ErrorContains(t, err, `"notes_label_id_fkey"`)
			assert.ErrorContains(t, err, `"labels"`)
			assert.Contains(t, []string{"integer", "int"}, strings.ToLower(columnOf(t, db, "notes", "label_id").DataType), "unchanged")
		})
	}
}

type petSetNull struct {
	bun.BaseModel `bun:"table:pets"`
	ID            int64    `bun:",pk"`
	OwnerID       *int64   `bun:"type:bigint"`
	Owner         *ownerV1 `bun:"rel:belongs-to,join:owner_id=id,on_delete:SET NULL"`
}

type petOwnerRequired struct {
	bun.BaseModel `bun:"table:pets"`
	ID            int64 `bun:",pk"`
	OwnerID       int64 `bun:"type:bigint,notnull"`
}

// Making a column NOT NULL while a foreign key the database keeps (here an
// extra one, its drop withheld) sets it to NULL on delete: MySQL refuses
// the change (error 1830), so the plan must not send it; with
// AllowDataLoss the key is dropped first and the change applies. Found by
// TestEvolution.
func TestMigrate_NotNullUnderAKeptSetNullForeignKey(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *bun.DB) {
		mustMigrate(t, db, (*ownerV1)(nil), (*petSetNull)(nil))
		m := schema.NewMigrator(db, (*ownerV1)(nil), (*petOwnerRequired)(nil))
		plan, err := m.Migrate(t.Context(), schema.MigrateOptions{})
		require.NoError(t, err, "withheld (MySQL) or applied, never failed at DDL")
		if db.Dialect().Name() == dialect.MySQL {
			assert.Contains(t, plan.String(), `foreign key "pets_owner_id_fkey" on the column stays (its drop is withheld) and sets it to NULL`)
		}
		_, err = m.Migrate(t.Context(), schema.MigrateOptions{AllowDataLoss: true})
		require.NoError(t, err, "plan:\n%s", plan)
		actual, err := m.IsActual(t.Context())
		require.NoError(t, err)
		assert.True(t, actual)
	})
}

type petOwnerAsText struct {
	bun.BaseModel `bun:"table:pets"`
	ID            int64   `bun:",pk"`
	OwnerID       *string `bun:"type:text"`
}

// With AllowDataLoss, a foreign key the model no longer declares is
// dropped, and on MySQL the index it needed goes with it: a type change
// the index would have stopped (MySQL cannot index a text column as it
// is) applies in the same run, and the next plan is empty. Found by
// TestEvolution: the change waited a run for an index already gone.
func TestMigrate_RetypeOnceTheForeignKeysIndexIsDropped(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *bun.DB) {
		mustMigrate(t, db, (*ownerV1)(nil), (*petSetNull)(nil))
		m := schema.NewMigrator(db, (*ownerV1)(nil), (*petOwnerAsText)(nil))
		plan, err := m.Migrate(t.Context(), schema.MigrateOptions{AllowDataLoss: true})
		require.NoError(t, err)
		assert.Empty(t, plan.Withheld(), "plan:\n%s", plan)
		plan, err = schema.NewMigrator(db, schema.WithoutSchemaState(), (*ownerV1)(nil), (*petOwnerAsText)(nil)).Plan(t.Context(), schema.MigrateOptions{AllowDataLoss: true})
		require.NoError(t, err)
		assert.Empty(t, plan.SQL(), "second plan:\n%s", plan)
	})
}

type codeAsText struct {
	bun.BaseModel `bun:"table:codes"`
	ID            int64   `bun:",pk"`
	Code          *string `bun:"type:varchar(40)"`
}

type codeAsInteger struct {
	bun.BaseModel `bun:"table:codes"`
	ID            int64  `bun:",pk"`
	Code          *int64 `bun:"type:bigint"`
}

// Text that is not an integer ('2.2500') is refused before any DDL when
// the column becomes an integer: MySQL's INSERT ... SELECT, which the probe
// used, converts it without a word where ALTER TABLE fails (error 1292).
// Text that is one (' +12 ') converts. Found by TestEvolution.
func TestMySQL_TextToIntegerIsProbedAsAlterTableReadsIt(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.MySQL)
	mustMigrate(t, db, (*codeAsText)(nil))
	mysqlExec(t, db, "INSERT INTO codes (id, code) VALUES (1, ' +12 '), (2, '2.2500'), (3, NULL)")
	_, err := schema.NewMigrator(db, (*codeAsInteger)(nil)).Migrate(t.Context(), schema.MigrateOptions{AllowDataLoss: true})
	var refused *schema.RefusedError
	require.True(t, errors.As(err, &refused), "%v", err)
	assert.ErrorContains(t, err, `the value "2.2500" is not a bigint`)
	assert.Equal(t, "varchar", columnOf(t, db, "codes", "code").DataType)

	mysqlExec(t, db, "DELETE FROM codes WHERE id = 2")
	_, err = schema.NewMigrator(db, (*codeAsInteger)(nil)).Migrate(t.Context(), schema.MigrateOptions{AllowDataLoss: true})
	require.NoError(t, err)
	var code int64
	require.NoError(t, db.QueryRowContext(t.Context(), "SELECT code FROM codes WHERE id = 1").Scan(&code))
	assert.Equal(t, int64(12), code)
}
