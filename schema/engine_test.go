package schema_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"
	"golang.org/x/sync/errgroup"

	"github.com/slipwaygo/slipway/internal/testdb"
	"github.com/slipwaygo/slipway/schema"
)

// The CustomerTest model of the LoopBack reference texts, version 1 and 2.

type customerTestV1 struct {
	bun.BaseModel `bun:"table:customer_test"`
	ID            string `bun:"type:varchar(20),pk"`
	Name          string `bun:"type:varchar(40)"`
	Email         string `bun:"type:varchar(40)"`
	Age           *int64
}

type customerTestV2 struct {
	bun.BaseModel `bun:"table:customer_test"`
	ID            string  `bun:"type:varchar(20),pk"`
	Email         string  `bun:"type:varchar(60)"`
	FirstName     *string `bun:"type:varchar(40)"`
	LastName      *string `bun:"type:varchar(40)"`
}

func TestMigrate_CustomerTestV1ToV2(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *bun.DB) {
		ctx := t.Context()
		mustMigrate(t, db, (*customerTestV1)(nil))
		insertRows(t, db,
			&customerTestV1{ID: "c1", Name: "Ada", Email: "ada@example.com", Age: ptr[int64](36)},
			&customerTestV1{ID: "c2", Name: "Bob", Email: "bob@example.com"})

		v2 := schema.NewMigrator(db, (*customerTestV2)(nil))
		plan, err := v2.Migrate(ctx, schema.MigrateOptions{})
		require.NoError(t, err)
		assert.Equal(t, []string{"WidenType", "AddColumn", "AddColumn", "DropColumn(withheld)", "DropColumn(withheld)"}, changeList(plan), "plan:\n%s", plan)

		// email widened 40 -> 60, first/last name added, name and age kept with their data.
		assert.Equal(t, 60, columnOf(t, db, "customer_test", "email").Length)
		assert.Equal(t, []string{"id", "name", "email", "age", "first_name", "last_name"}, columnNames(t, db, "customer_test"))
		var names []string
		require.NoError(t, db.NewSelect().Table("customer_test").Column("name").Order("id").Scan(ctx, &names))
		assert.Equal(t, []string{"Ada", "Bob"}, names)

		actual, err := v2.IsActual(ctx)
		require.NoError(t, err)
		assert.True(t, actual, "withheld changes do not make the database out of date")

		// Discovery reads the table back as LoopBack's discoverModelProperties does.
		disc, err := schema.DiscoverTable(ctx, db, "customer_test")
		require.NoError(t, err)
		email := disc.Column("email")
		require.NotNil(t, email)
		assert.Equal(t, 60, email.Type.Length())
		assert.True(t, email.Nullable)
		assert.True(t, disc.Column("id").PrimaryKey)
		assert.False(t, disc.Column("id").Nullable)

		// Only with AllowDataLoss are the removed properties' columns dropped.
		plan, err = v2.Migrate(ctx, schema.MigrateOptions{AllowDataLoss: true})
		require.NoError(t, err)
		assert.Equal(t, []string{"DropColumn", "DropColumn"}, changeList(plan))
		assert.Equal(t, []string{"id", "email", "first_name", "last_name"}, columnNames(t, db, "customer_test"))
		assert.Equal(t, 2, countRows(t, db, "customer_test"))
	})
}

func TestDiscoverTable(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *bun.DB) {
		mustMigrate(t, db, (*ownerV1)(nil), (*petFK)(nil), (*itemIndexed)(nil), (*counterV2)(nil))

		pets, err := schema.DiscoverTable(t.Context(), db, "pets")
		require.NoError(t, err)
		require.Len(t, pets.ForeignKeys, 1)
		assert.Equal(t, "owners", pets.ForeignKeys[0].RefTable)
		assert.Equal(t, []string{"owner_id"}, pets.ForeignKeys[0].Columns)
		assert.Equal(t, "CASCADE", pets.ForeignKeys[0].OnDelete)
		assert.Equal(t, []string{"id"}, pets.PrimaryKey.Columns)

		items, err := schema.DiscoverTable(t.Context(), db, "items")
		require.NoError(t, err)
		require.Len(t, items.Indexes, 1)
		assert.Equal(t, []string{"name"}, items.Indexes[0].Columns)
		assert.Equal(t, 40, items.Column("name").Type.Length())

		counters, err := schema.DiscoverTable(t.Context(), db, "counters")
		require.NoError(t, err)
		assert.Contains(t, counters.Column("status").Default, "open")
		assert.False(t, counters.Column("status").Nullable)

		_, err = schema.DiscoverTable(t.Context(), db, "no_such_table")
		assert.ErrorIs(t, err, schema.ErrTableNotFound)
		assert.ErrorContains(t, err, `"no_such_table"`)
	})
}

// Reserved words as table and column names.

type reservedUser struct {
	bun.BaseModel `bun:"table:user"`
	ID            int64  `bun:",pk,autoincrement"`
	Select        string `bun:"select,type:varchar(20),notnull,unique"`
	From          *int64 `bun:"from"`
}

type reservedGroup struct {
	bun.BaseModel `bun:"table:group"`
	ID            int64  `bun:",pk,autoincrement"`
	Order         string `bun:"order,type:varchar(20),notnull" slipway:"index"`
	Table         string `bun:"table,type:varchar(20),notnull,default:'where'"`
}

type reservedOrder struct {
	bun.BaseModel `bun:"table:order"`
	ID            int64          `bun:",pk,autoincrement"`
	UserID        int64          `bun:"user_id,notnull"`
	User          *reservedUser  `bun:"rel:belongs-to,join:user_id=id"`
	GroupID       *int64         `bun:"group,nullzero"`
	Group         *reservedGroup `bun:"rel:belongs-to,join:group=id,on_delete:set null"`
	Limit         int64          `bun:"limit,notnull,default:0"`
	CamelCase     string         `bun:"CamelCase,type:varchar(10)"`
}

type reservedOrderV2 struct {
	bun.BaseModel `bun:"table:order"`
	ID            int64          `bun:",pk,autoincrement"`
	UserID        int64          `bun:"user_id,notnull"`
	User          *reservedUser  `bun:"rel:belongs-to,join:user_id=id"`
	GroupID       *int64         `bun:"group,nullzero"`
	Group         *reservedGroup `bun:"rel:belongs-to,join:group=id,on_delete:set null"`
	Limit         int64          `bun:"limit,notnull,default:0"`
	CamelCase     string         `bun:"CamelCase,type:varchar(30)"`
	Offset        *string        `bun:"offset,type:varchar(10)" slipway:"index:order_offset_idx"`
}

func TestMigrate_ReservedWordsAsNames(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *bun.DB) {
		ctx := t.Context()
		models := []any{(*reservedOrder)(nil), (*reservedUser)(nil), (*reservedGroup)(nil)}
		mustMigrate(t, db, models...)
		insertRows(t, db, &reservedUser{Select: "s"}, &reservedGroup{Order: "o"}, &reservedOrder{UserID: 1, GroupID: ptr[int64](1), CamelCase: "x"})
		assertActual(t, db, models...)
		assert.True(t, hasIndexOn(t, db, "group", false, "order"))
		assert.Len(t, foreignKeysOf(t, db, "order"), 2)

		v2 := []any{(*reservedOrderV2)(nil), (*reservedUser)(nil), (*reservedGroup)(nil)}
		plan, err := schema.NewMigrator(db, v2...).Migrate(ctx, schema.MigrateOptions{})
		require.NoError(t, err)
		assert.Equal(t, []string{"WidenType", "AddColumn", "AddIndex"}, changeList(plan), "plan:\n%s", plan)
		assertActual(t, db, v2...)
		assert.Equal(t, 1, countRows(t, db, "order"))

		_, err = schema.NewMigrator(db, v2...).Migrate(ctx, schema.MigrateOptions{Rebuild: true})
		require.NoError(t, err)
		assertActual(t, db, v2...)
		assert.Equal(t, 0, countRows(t, db, "order"))
	})
}

// Rebuild.

type unrelatedNote struct {
	bun.BaseModel `bun:"table:unrelated_notes"`
	ID            int64  `bun:",pk"`
	Body          string `bun:",notnull"`
}

type referencingNote struct { // not a model of the migrator under test
	bun.BaseModel `bun:"table:referencing_notes"`
	ID            int64    `bun:",pk"`
	OwnerID       int64    `bun:",notnull"`
	Owner         *ownerV1 `bun:"rel:belongs-to,join:owner_id=id"`
}

func TestRebuild_RecreatesModelTablesAndLeavesOthersAlone(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *bun.DB) {
		ctx := t.Context()
		mustMigrate(t, db, (*unrelatedNote)(nil))
		insertRows(t, db, &unrelatedNote{ID: 1, Body: "keep me"})
		models := []any{(*ownerV1)(nil), (*petFK)(nil), (*itemUnique)(nil)}
		mustMigrate(t, db, models...)
		insertRows(t, db, &ownerV1{ID: 1}, &petFK{ID: 1, OwnerID: ptr[int64](1)}, &itemUnique{ID: 1, Name: "a"})

		plan, err := schema.NewMigrator(db, models...).Migrate(ctx, schema.MigrateOptions{Rebuild: true})
		require.NoError(t, err)
		assert.True(t, plan.Rebuild)
		assert.Equal(t, []string{"DropTable", "DropTable", "DropTable", "CreateTable", "CreateTable", "CreateTable"}, changeList(plan), "plan:\n%s", plan)

		for _, table := range []string{"owners", "pets", "items"} {
			assert.Equal(t, 0, countRows(t, db, table), table)
		}
		assert.Equal(t, 1, countRows(t, db, "unrelated_notes"))
		assert.Len(t, foreignKeysOf(t, db, "pets"), 1)
		assert.True(t, hasIndexOn(t, db, "items", true, "name"))
		assertActual(t, db, models...)
	})
}

func TestRebuild_OnlySelectedModels(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *bun.DB) {
		models := []any{(*ownerV1)(nil), (*petFK)(nil)}
		mustMigrate(t, db, models...)
		insertRows(t, db, &ownerV1{ID: 1}, &petFK{ID: 1, OwnerID: ptr[int64](1)})

		plan, err := schema.NewMigrator(db, models...).Migrate(t.Context(), schema.MigrateOptions{Rebuild: true, Models: []string{"petFK"}})
		require.NoError(t, err)
		assert.Equal(t, []string{"DropTable", "CreateTable"}, changeList(plan))
		assert.Equal(t, 1, countRows(t, db, "owners"))
		assert.Equal(t, 0, countRows(t, db, "pets"))
		assertActual(t, db, models...)
	})
}

func TestRebuild_RefusesWhenAnotherTableReferencesAModelTable(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *bun.DB) {
		mustMigrate(t, db, (*ownerV1)(nil), (*referencingNote)(nil))
		insertRows(t, db, &ownerV1{ID: 1}, &referencingNote{ID: 1, OwnerID: 1})

		_, err := schema.NewMigrator(db, (*ownerV1)(nil)).Migrate(t.Context(), schema.MigrateOptions{Rebuild: true})
		var refused *schema.RefusedError
		require.ErrorAs(t, err, &refused)
		assert.ErrorContains(t, err, `table "owners"`)
		assert.ErrorContains(t, err, `"referencing_notes"`)
		assert.Equal(t, 1, countRows(t, db, "owners"), "nothing was dropped")
		assert.Equal(t, 1, countRows(t, db, "referencing_notes"))
	})
}

// Dry runs, selection, errors.

func TestMigrate_DryRunChangesNothing(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *bun.DB) {
		mustMigrate(t, db, (*itemV1)(nil))
		log := &queryLog{}
		db = db.WithQueryHook(log)

		for _, opts := range []schema.MigrateOptions{
			{DryRun: true},
			{DryRun: true, AllowDataLoss: true},
			{DryRun: true, Rebuild: true},
		} {
			plan, err := schema.NewMigrator(db, (*itemAddWithDefault)(nil), (*ownerV1)(nil)).Migrate(t.Context(), opts)
			require.NoError(t, err)
			assert.NotEmpty(t, plan.SQL())
			assert.Contains(t, plan.String(), "owners")
		}
		assert.Empty(t, log.ddl(), "a dry run executes no DDL")
		assert.False(t, tableExists(t, db, "owners"))
		assert.Equal(t, []string{"id", "name"}, columnNames(t, db, "items"))
	})
}

func TestMigrate_SecondRunIssuesNoDDL(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *bun.DB) {
		log := &queryLog{}
		db = db.WithQueryHook(log)
		m := schema.NewMigrator(db, (*everyType)(nil), (*ownerV1)(nil), (*petFK)(nil))
		_, err := m.Migrate(t.Context(), schema.MigrateOptions{})
		require.NoError(t, err)
		require.NotEmpty(t, log.ddl())

		log.reset()
		plan, err := m.Migrate(t.Context(), schema.MigrateOptions{})
		require.NoError(t, err)
		assert.Empty(t, plan.SQL())
		assert.Empty(t, log.ddl())
	})
}

func TestPlan_CatalogQueriesDoNotGrowWithTables(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *bun.DB) {
		few := []any{(*ownerV1)(nil)}
		many := []any{(*ownerV1)(nil), (*petFK)(nil), (*itemV1)(nil), (*counterV1)(nil), (*everyType)(nil), (*customerTestV1)(nil), (*unrelatedNote)(nil)}
		mustMigrate(t, db, many...)
		log := &queryLog{}
		db = db.WithQueryHook(log)

		_, err := schema.NewMigrator(db, few...).Plan(t.Context(), schema.MigrateOptions{})
		require.NoError(t, err)
		fewQueries := log.count()
		log.reset()
		_, err = schema.NewMigrator(db, many...).Plan(t.Context(), schema.MigrateOptions{})
		require.NoError(t, err)
		assert.Equal(t, fewQueries, log.count(), "the number of catalog queries must not depend on the number of tables")
		// The quick path's two reads (state_inputs.go), the schema state's
		// stamp and kept row (state.go), then at most three catalog queries.
		assert.LessOrEqual(t, fewQueries, 7)
	})
}

func TestPlan_SelectsModelsByTypeOrTableName(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *bun.DB) {
		m := schema.NewMigrator(db, (*ownerV1)(nil), (*itemV1)(nil), (*counterV1)(nil))
		for _, names := range [][]string{{"itemV1", "counters"}, {"counters", "items"}} {
			plan, err := m.Plan(t.Context(), schema.MigrateOptions{Models: names})
			require.NoError(t, err)
			var tables []string
			for _, c := range plan.Changes {
				tables = append(tables, c.Table)
			}
			assert.Equal(t, []string{"items", "counters"}, tables, "registration order, whatever the order of the names")
		}

		_, err := m.Plan(t.Context(), schema.MigrateOptions{Models: []string{"Nope"}})
		assert.ErrorContains(t, err, `unknown model "Nope"`)
		assert.ErrorContains(t, err, "itemV1 (table items)")
	})
}

func TestMigrate_ForeignKeyToAMissingUnselectedTableIsRefused(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *bun.DB) {
		m := schema.NewMigrator(db, (*ownerV1)(nil), (*petFK)(nil))
		_, err := m.Migrate(t.Context(), schema.MigrateOptions{Models: []string{"pets"}})
		var refused *schema.RefusedError
		require.ErrorAs(t, err, &refused)
		assert.ErrorContains(t, err, `"owners"`)
		assert.ErrorContains(t, err, "add its model to Models")
		assert.False(t, tableExists(t, db, "pets"))
	})
}

func TestMigrate_RefusedErrorListsEveryChange(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *bun.DB) {
		mustMigrate(t, db, (*itemNullableName)(nil), (*ownerV1)(nil), (*petNoFK)(nil))
		insertRows(t, db, &itemNullableName{ID: 1}, &petNoFK{ID: 1, OwnerID: ptr[int64](5)})
		log := &queryLog{}
		db = db.WithQueryHook(log)

		_, err := schema.NewMigrator(db, (*itemV1)(nil), (*ownerV1)(nil), (*petFK)(nil)).Migrate(t.Context(), schema.MigrateOptions{})
		var refused *schema.RefusedError
		require.ErrorAs(t, err, &refused)
		require.Len(t, refused.Changes, 2)
		assert.Equal(t, "items", refused.Changes[0].Table)
		assert.Equal(t, "name", refused.Changes[0].Column)
		assert.Equal(t, schema.SetNotNull, refused.Changes[0].Kind)
		assert.Equal(t, "pets", refused.Changes[1].Table)
		assert.Equal(t, schema.AddForeignKey, refused.Changes[1].Kind)
		assert.Contains(t, err.Error(), "2 changes refused, nothing was applied")
		assert.Empty(t, log.ddl())
	})
}

// badIndex makes CREATE INDEX fail at apply time: the function does not
// exist. Prechecks cannot see that coming.
type badIndex struct {
	bun.BaseModel `bun:"table:bad_indexes"`
	ID            int64  `bun:",pk"`
	Value         string `bun:",notnull"`
}

func (*badIndex) Indexes() []schema.Index {
	return []schema.Index{{Name: "bad_indexes_value_idx", Expr: "no_such_function_xyz(value)"}}
}

// transactionalDialects are those whose DDL commits with the transaction;
// MySQL commits each statement (see the MySQL tests).
var transactionalDialects = []testdb.Dialect{testdb.SQLite, testdb.Postgres}

func TestMigrate_ApplyErrorRollsBackTheWholePlan(t *testing.T) {
	t.Parallel()
	for _, d := range transactionalDialects {
		t.Run(string(d), func(t *testing.T) {
			db := testdb.Open(t, d)
			_, err := schema.NewMigrator(db, (*ownerV1)(nil), (*badIndex)(nil)).Migrate(t.Context(), schema.MigrateOptions{})
			var applyErr *schema.ApplyError
			require.ErrorAs(t, err, &applyErr)
			assert.Equal(t, "bad_indexes", applyErr.Table)
			assert.Contains(t, applyErr.Statement, "CREATE INDEX")
			assert.True(t, applyErr.RolledBack)
			assert.ErrorContains(t, err, "no_such_function_xyz")
			assert.ErrorContains(t, err, "rolled back")
			assert.False(t, tableExists(t, db, "owners"), "the table created before the failure was rolled back")
			assert.False(t, tableExists(t, db, "bad_indexes"))
		})
	}
}

// Auto-increment and primary keys added to existing tables.

type legacyCounter struct {
	bun.BaseModel `bun:"table:legacy_counters"`
	ID            int64 `bun:",pk"`
	Label         string
}

type legacyCounterAuto struct {
	bun.BaseModel `bun:"table:legacy_counters"`
	ID            int64 `bun:",pk,autoincrement"`
	Label         string
}

func TestMigrate_AddAutoIncrementContinuesAfterExistingIDs(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *bun.DB) {
		mustMigrate(t, db, (*legacyCounter)(nil))
		insertRows(t, db, &legacyCounter{ID: 1}, &legacyCounter{ID: 7})

		plan, err := schema.NewMigrator(db, (*legacyCounterAuto)(nil)).Migrate(t.Context(), schema.MigrateOptions{})
		require.NoError(t, err)
		assert.Equal(t, []string{"AddAutoIncrement"}, changeList(plan))
		row := &legacyCounterAuto{Label: "new"}
		_, err = db.NewInsert().Model(row).Exec(t.Context())
		require.NoError(t, err)
		assert.Equal(t, int64(8), row.ID)
		assertActual(t, db, (*legacyCounterAuto)(nil))
	})
}

type noKey struct {
	bun.BaseModel `bun:"table:keyed"`
	Code          string `bun:"type:varchar(10),notnull"`
	Name          string
}

type keyed struct {
	bun.BaseModel `bun:"table:keyed"`
	Code          string `bun:"type:varchar(10),pk"`
	Name          string
}

func TestMigrate_AddPrimaryKey(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *bun.DB) {
		mustMigrate(t, db, (*noKey)(nil))
		insertRows(t, db, &noKey{Code: "a", Name: "first"}, &noKey{Code: "a", Name: "second"})

		_, err := schema.NewMigrator(db, (*keyed)(nil)).Migrate(t.Context(), schema.MigrateOptions{})
		assertErrorContains(t, err, `table "keyed"`, "primary key on (code)", "1 value is duplicated")

		_, err = db.NewDelete().Table("keyed").Where("? = 'second'", bun.Ident("name")).Exec(t.Context())
		require.NoError(t, err)
		plan, err := schema.NewMigrator(db, (*keyed)(nil)).Migrate(t.Context(), schema.MigrateOptions{})
		require.NoError(t, err)
		assert.Equal(t, []string{"AddPrimaryKey"}, changeList(plan))
		assertActual(t, db, (*keyed)(nil))
	})
}

// Foreign key cycles and self references.

type cycleA struct {
	bun.BaseModel `bun:"table:cycle_a"`
	ID            int64   `bun:",pk"`
	BID           *int64  `bun:"b_id"`
	B             *cycleB `bun:"rel:belongs-to,join:b_id=id"`
}

type cycleB struct {
	bun.BaseModel `bun:"table:cycle_b"`
	ID            int64   `bun:",pk"`
	AID           *int64  `bun:"a_id"`
	A             *cycleA `bun:"rel:belongs-to,join:a_id=id"`
}

type category struct {
	bun.BaseModel `bun:"table:categories"`
	ID            int64     `bun:",pk,autoincrement"`
	ParentID      *int64    `bun:"parent_id"`
	Parent        *category `bun:"rel:belongs-to,join:parent_id=id"`
}

func TestMigrate_ForeignKeyCyclesAndSelfReferences(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *bun.DB) {
		models := []any{(*cycleA)(nil), (*cycleB)(nil), (*category)(nil)}
		mustMigrate(t, db, models...)
		assertActual(t, db, models...)
		assert.Len(t, foreignKeysOf(t, db, "cycle_a"), 1)
		assert.Len(t, foreignKeysOf(t, db, "cycle_b"), 1)
		assert.Len(t, foreignKeysOf(t, db, "categories"), 1)

		_, err := schema.NewMigrator(db, models...).Migrate(t.Context(), schema.MigrateOptions{Rebuild: true})
		require.NoError(t, err)
		assertActual(t, db, models...)
	})
}

type fkRuleV2 struct {
	bun.BaseModel `bun:"table:pets"`
	ID            int64    `bun:",pk"`
	OwnerID       *int64   ``
	Owner         *ownerV1 `bun:"rel:belongs-to,join:owner_id=id,on_delete:set null"`
}

func TestMigrate_ChangedForeignKeyRuleIsReplaced(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *bun.DB) {
		mustMigrate(t, db, (*ownerV1)(nil), (*petFK)(nil))
		plan, err := schema.NewMigrator(db, (*ownerV1)(nil), (*fkRuleV2)(nil)).Migrate(t.Context(), schema.MigrateOptions{})
		require.NoError(t, err)
		assert.Equal(t, []string{"DropForeignKey", "AddForeignKey"}, changeList(plan))
		fks := foreignKeysOf(t, db, "pets")
		require.Len(t, fks, 1)
		assert.Equal(t, "SET NULL", fks[0].OnDelete)
	})
}

// itemWideReindexed widens name and redefines items_name_idx (itemIndexed's
// index on name) as a composite index under the same name.
type itemWideReindexed struct {
	bun.BaseModel `bun:"table:items"`
	ID            int64  `bun:",pk" slipway:"index:items_name_idx"`
	Name          string `bun:"type:varchar(60),notnull" slipway:"index:items_name_idx"`
}

// Index changes and a change of the same table (which SQLite makes by
// rebuilding the table, indexes included) go together: each index ends up
// created once, and a dropped one stays dropped.
func TestMigrate_IndexChangesBesideATableChange(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *bun.DB) {
		mustMigrate(t, db, (*itemIndexed)(nil))
		insertRows(t, db, &itemIndexed{ID: 1, Name: "a"}, &itemIndexed{ID: 2, Name: "b"})

		plan, err := schema.NewMigrator(db, (*itemWideReindexed)(nil)).Migrate(t.Context(), schema.MigrateOptions{})
		require.NoError(t, err)
		assert.Equal(t, []string{"DropIndex", "WidenType", "AddIndex"}, changeList(plan), "plan:\n%s", plan)
		assert.Equal(t, map[string]catalogIndex{"items_name_idx": {Columns: []string{"id", "name"}}}, indexesOf(t, db, "items"))
		assertActual(t, db, (*itemWideReindexed)(nil))

		plan, err = schema.NewMigrator(db, (*itemV1)(nil)).Migrate(t.Context(), schema.MigrateOptions{AllowDataLoss: true})
		require.NoError(t, err)
		assert.Equal(t, []string{"DropIndex", "ChangeType"}, changeList(plan), "plan:\n%s", plan)
		assert.Empty(t, indexesOf(t, db, "items"))
		assert.Equal(t, 2, countRows(t, db, "items"))
		assertActual(t, db, (*itemV1)(nil))
	})
}

// Concurrency and the lock.

func TestMigrate_ConcurrentMigratorsApplyOnce(t *testing.T) {
	t.Parallel()
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			url := testdb.URL(t, d)
			models := []any{(*everyType)(nil), (*ownerV1)(nil), (*petFK)(nil), (*customerTestV2)(nil)}
			const replicas = 6
			plans := make([]*schema.Plan, replicas)
			var g errgroup.Group
			for i := range replicas {
				db := testdb.OpenURL(t, url) // like a separate process: its own pool
				g.Go(func() error {
					var err error
					plans[i], err = schema.NewMigrator(db, models...).Migrate(context.Background(), schema.MigrateOptions{})
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
			assert.Equal(t, 1, applied, "exactly one replica does the DDL; the others re-plan under the lock and find nothing")
			assertActual(t, testdb.OpenURL(t, url), models...)
		})
	}
}

func TestMigrate_LockTimeout(t *testing.T) {
	t.Parallel()
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			url := testdb.URL(t, d)
			holder, waiter := testdb.OpenURL(t, url), testdb.OpenURL(t, url)
			locked, release := make(chan struct{}), make(chan struct{})
			done := make(chan error, 1)
			go func() {
				_, err := schema.NewMigrator(holder, (*ownerV1)(nil)).MigrateThen(context.Background(), schema.MigrateOptions{},
					func(context.Context, bun.IDB) error {
						close(locked)
						<-release
						return nil
					})
				done <- err
			}()
			<-locked
			_, err := schema.NewMigrator(waiter, schema.WithLockTimeout(200*time.Millisecond), (*ownerV1)(nil)).
				Migrate(t.Context(), schema.MigrateOptions{})
			close(release)
			assert.ErrorIs(t, err, schema.ErrLockTimeout)
			assert.ErrorContains(t, err, "another migrator holds it")
			require.NoError(t, <-done)
		})
	}
}

func TestMigrateThen_RunsInsideTheMigrationAndUndoesItOnError(t *testing.T) {
	t.Parallel()
	for _, d := range transactionalDialects {
		t.Run(string(d), func(t *testing.T) {
			db := testdb.Open(t, d)
			m := schema.NewMigrator(db, (*ownerV1)(nil))
			_, err := m.MigrateThen(t.Context(), schema.MigrateOptions{}, func(ctx context.Context, tx bun.IDB) error {
				_, err := tx.NewInsert().Model(&ownerV1{ID: 1}).Exec(ctx)
				require.NoError(t, err, "the new table is visible to the hook")
				return errors.New("seed failed")
			})
			assert.ErrorContains(t, err, "seed failed")
			assert.False(t, tableExists(t, db, "owners"), "the hook shares the plan's transaction")
		})
	}
}

// Models the engine must reject.

type badRelation struct {
	bun.BaseModel `bun:"table:bad_relations"`
	ID            int64    `bun:",pk"`
	Owner         *ownerV1 `bun:"rel:belongs-to,join:owner_id=id"` // no owner_id column
}

type badTag struct {
	bun.BaseModel `bun:"table:bad_tags"`
	ID            int64  `bun:",pk"`
	Name          string `slipway:"indx"`
}

type sameTableAsItem struct {
	bun.BaseModel `bun:"table:items"`
	ID            int64 `bun:",pk"`
}

func TestNewMigrator_RejectsBadModels(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.Dialects[0]) // no I/O is needed to reject a model
	tests := []struct {
		name string
		give []any
		want []string
	}{
		{name: "bun panics", give: []any{(*badRelation)(nil)}, want: []string{`model "badRelation"`, "bun rejects it"}},
		{name: "unknown slipway tag", give: []any{(*badTag)(nil)}, want: []string{`model "badTag"`, `unknown slipway tag option "indx"`}},
		{name: "not a struct", give: []any{42}, want: []string{"int is a int, not a struct"}},
		{name: "nil", give: []any{nil}, want: []string{"nil model"}},
		{name: "two models one table", give: []any{(*itemV1)(nil), (*sameTableAsItem)(nil)}, want: []string{`"itemV1"`, `"sameTableAsItem"`, `table "items"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := schema.NewMigrator(db, tt.give...)
			_, err := m.Plan(t.Context(), schema.MigrateOptions{})
			assertErrorContains(t, err, tt.want...)
			_, err = m.Migrate(t.Context(), schema.MigrateOptions{})
			assertErrorContains(t, err, tt.want...)
			_, err = m.IsActual(t.Context())
			assertErrorContains(t, err, tt.want...)
		})
	}
}

// Plans as text and files.

func TestPlan_StringAndUpSQL(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *bun.DB) {
		mustMigrate(t, db, (*customerTestV1)(nil))
		plan, err := schema.NewMigrator(db, (*customerTestV2)(nil)).Plan(t.Context(), schema.MigrateOptions{})
		require.NoError(t, err)
		s := plan.String()
		assert.Contains(t, s, "(alter): 3 changes, 2 withheld")
		assert.Contains(t, s, "~ column customer_test.email: varchar(40) -> varchar(60)")
		assert.Contains(t, s, "+ column customer_test.first_name varchar(40)")
		assert.Contains(t, s, "- column customer_test.name varchar(40)  [withheld, destructive:")
		assert.Contains(t, s, "set AllowDataLoss to apply it")

		dir := t.TempDir()
		path, err := plan.WriteUpFile(dir, "customer v2")
		require.NoError(t, err)
		assert.Regexp(t, `^\d{14}_customer_v2\.up\.sql$`, filepath.Base(path))
		body, err := os.ReadFile(path)
		require.NoError(t, err)
		assert.Equal(t, plan.UpSQL(), string(body))
		for _, stmt := range plan.SQL() {
			// MySQL files leave the ALGORITHM to the server.
			stmt = regexp.MustCompile(`, ALGORITHM=.*$`).ReplaceAllString(stmt, "")
			assert.Contains(t, string(body), stmt+";\n")
		}
	})
}

func TestMigrate_LogsWithTheGivenLogger(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *bun.DB) {
		var buf bytes.Buffer
		log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
		_, err := schema.NewMigrator(db, schema.WithLogger(log), (*itemV1)(nil)).Migrate(t.Context(), schema.MigrateOptions{})
		require.NoError(t, err)
		assert.Contains(t, buf.String(), "schema: exec")
		assert.Contains(t, buf.String(), "CREATE TABLE")
		assert.Contains(t, buf.String(), "schema: migrated")
	})
}
