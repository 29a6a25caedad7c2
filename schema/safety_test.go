package schema_test

import (
	"database/sql"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/slipwaygo/slipway/internal/testdb"
	"github.com/slipwaygo/slipway/schema"
)

// Versions of an "items" table. Each test case migrates one version, adds
// rows, then migrates another and checks the outcome in the catalog.

type itemV1 struct {
	bun.BaseModel `bun:"table:items"`
	ID            int64  `bun:",pk"`
	Name          string `bun:"type:varchar(40),notnull"`
}

type itemNullableName struct {
	bun.BaseModel `bun:"table:items"`
	ID            int64   `bun:",pk"`
	Name          *string `bun:"type:varchar(40)"`
}

type itemAddNullable struct {
	bun.BaseModel `bun:"table:items"`
	ID            int64   `bun:",pk"`
	Name          string  `bun:"type:varchar(40),notnull"`
	Note          *string `bun:"type:varchar(100)"`
}

type itemAddWithDefault struct {
	bun.BaseModel `bun:"table:items"`
	ID            int64  `bun:",pk"`
	Name          string `bun:"type:varchar(40),notnull"`
	Qty           int64  `bun:",notnull,default:7"`
}

type itemAddRequired struct { // NOT NULL, no default: fails on a table with rows
	bun.BaseModel `bun:"table:items"`
	ID            int64   `bun:",pk"`
	Name          string  `bun:"type:varchar(40),notnull"`
	Note          *string `bun:"type:varchar(100)"`
	Code          string  `bun:"type:varchar(10),notnull"`
}

type itemWide struct {
	bun.BaseModel `bun:"table:items"`
	ID            int64  `bun:",pk"`
	Name          string `bun:"type:varchar(60),notnull"`
}

type itemNarrowText struct {
	bun.BaseModel `bun:"table:items"`
	ID            int64 `bun:",pk"`
	Name          int64 `bun:",notnull"` // varchar(40) -> bigint: incompatible
}

type itemOnlyID struct { // the Name property was removed
	bun.BaseModel `bun:"table:items"`
	ID            int64 `bun:",pk"`
}

type itemIndexed struct {
	bun.BaseModel `bun:"table:items"`
	ID            int64  `bun:",pk"`
	Name          string `bun:"type:varchar(40),notnull" slipway:"index"`
}

type itemUnique struct {
	bun.BaseModel `bun:"table:items"`
	ID            int64  `bun:",pk"`
	Name          string `bun:"type:varchar(40),notnull,unique"`
}

type counterV1 struct {
	bun.BaseModel `bun:"table:counters"`
	ID            int64  `bun:",pk"`
	Hits          int32  `bun:",notnull"`
	Status        string `bun:"type:varchar(20),notnull,default:'new'"`
}

type counterV2 struct {
	bun.BaseModel `bun:"table:counters"`
	ID            int64  `bun:",pk"`
	Hits          int64  `bun:"type:bigint,notnull"` // bun maps every Go integer to INTEGER on SQLite
	Status        string `bun:"type:varchar(20),notnull,default:'open'"`
}

type ownerV1 struct {
	bun.BaseModel `bun:"table:owners"`
	ID            int64 `bun:",pk"`
}

type petNoFK struct {
	bun.BaseModel `bun:"table:pets"`
	ID            int64  `bun:",pk"`
	OwnerID       *int64 ``
}

type petFK struct {
	bun.BaseModel `bun:"table:pets"`
	ID            int64    `bun:",pk"`
	OwnerID       *int64   ``
	Owner         *ownerV1 `bun:"rel:belongs-to,join:owner_id=id,on_delete:cascade"`
}

func ptr[T any](v T) *T { return &v }

// Versions of a "cells" table whose column n changes type and gains a
// default written for its new type.

type cellInt struct {
	bun.BaseModel `bun:"table:cells"`
	ID            int64  `bun:",pk"`
	N             *int64 `bun:"n,type:integer"`
}

type cellTextDefault struct {
	bun.BaseModel `bun:"table:cells"`
	ID            int64   `bun:",pk"`
	N             *string `bun:"n,type:varchar(20),default:'dflt'"`
}

type cellText struct {
	bun.BaseModel `bun:"table:cells"`
	ID            int64   `bun:",pk"`
	N             *string `bun:"n,type:varchar(20)"`
}

type cellIntDefault struct {
	bun.BaseModel `bun:"table:cells"`
	ID            int64  `bun:",pk"`
	N             *int64 `bun:"n,type:integer,default:-1"`
}

// itemCoded adds a NOT NULL unique column with a default: every row gets the
// same value.
type itemCoded struct {
	bun.BaseModel `bun:"table:items"`
	ID            int64  `bun:",pk"`
	Name          string `bun:"type:varchar(40),notnull"`
	Code          string `bun:"code,type:varchar(20),notnull,default:'x',unique"`
}

// petOwned adds a NOT NULL belongs-to column whose default names no owner.
type petOwned struct {
	bun.BaseModel `bun:"table:pets"`
	ID            int64    `bun:",pk"`
	OwnerID       *int64   ``
	KeeperID      int64    `bun:",notnull,default:0"`
	Keeper        *ownerV1 `bun:"rel:belongs-to,join:keeper_id=id"`
}

func TestMigrate_SafetyClasses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		give []any // models migrated first
		rows []any // rows inserted before the second migration
		want []any // models migrated second
		opts schema.MigrateOptions
		// wantChanges lists the plan's changes ("Kind", "Kind(withheld)",
		// "Kind(would fail)"), in order.
		wantChanges []string
		wantErr     []string // substrings of the error; none means success
		// wantActual are the models the database matches afterwards: the
		// new ones when the plan was applied, the old ones when refused.
		wantActual []any
		check      func(t *testing.T, db *bun.DB)
	}{
		{
			name:        "create missing table",
			want:        []any{(*itemV1)(nil)},
			wantChanges: []string{"CreateTable"},
			wantActual:  []any{(*itemV1)(nil)},
			check: func(t *testing.T, db *bun.DB) {
				assert.Equal(t, []string{"id", "name"}, columnNames(t, db, "items"))
			},
		},
		{
			name:        "add nullable column keeps rows",
			give:        []any{(*itemV1)(nil)},
			rows:        []any{&itemV1{ID: 1, Name: "a"}, &itemV1{ID: 2, Name: "b"}},
			want:        []any{(*itemAddNullable)(nil)},
			wantChanges: []string{"AddColumn"},
			wantActual:  []any{(*itemAddNullable)(nil)},
			check: func(t *testing.T, db *bun.DB) {
				assert.True(t, columnOf(t, db, "items", "note").Nullable)
				assert.Equal(t, 2, countRows(t, db, "items"))
			},
		},
		{
			name:        "add NOT NULL column with default fills existing rows",
			give:        []any{(*itemV1)(nil)},
			rows:        []any{&itemV1{ID: 1, Name: "a"}, &itemV1{ID: 2, Name: "b"}},
			want:        []any{(*itemAddWithDefault)(nil)},
			wantChanges: []string{"AddColumn"},
			wantActual:  []any{(*itemAddWithDefault)(nil)},
			check: func(t *testing.T, db *bun.DB) {
				var qty []int64
				require.NoError(t, db.NewSelect().Table("items").Column("qty").Order("id").Scan(t.Context(), &qty))
				assert.Equal(t, []int64{7, 7}, qty)
			},
		},
		{
			name:        "add NOT NULL column without default to an empty table",
			give:        []any{(*itemV1)(nil)},
			want:        []any{(*itemAddRequired)(nil)},
			wantChanges: []string{"AddColumn", "AddColumn"},
			wantActual:  []any{(*itemAddRequired)(nil)},
			check: func(t *testing.T, db *bun.DB) {
				assert.False(t, columnOf(t, db, "items", "code").Nullable)
			},
		},
		{
			name:        "widen varchar keeps values",
			give:        []any{(*itemV1)(nil)},
			rows:        []any{&itemV1{ID: 1, Name: "forty"}},
			want:        []any{(*itemWide)(nil)},
			wantChanges: []string{"WidenType"},
			wantActual:  []any{(*itemWide)(nil)},
			check: func(t *testing.T, db *bun.DB) {
				assert.Equal(t, 60, columnOf(t, db, "items", "name").Length)
				var name string
				require.NoError(t, db.NewSelect().Table("items").Column("name").Where("id = 1").Scan(t.Context(), &name))
				assert.Equal(t, "forty", name)
			},
		},
		{
			name:        "widen integer to bigint and change a default",
			give:        []any{(*counterV1)(nil)},
			rows:        []any{&counterV1{ID: 1, Hits: 2147483647, Status: "x"}},
			want:        []any{(*counterV2)(nil)},
			wantChanges: []string{"WidenType", "SetDefault"},
			wantActual:  []any{(*counterV2)(nil)},
			check: func(t *testing.T, db *bun.DB) {
				assert.Equal(t, "bigint", columnOf(t, db, "counters", "hits").DataType)
				assert.Contains(t, columnOf(t, db, "counters", "status").Default, "open")
				var hits int64
				require.NoError(t, db.NewSelect().Table("counters").Column("hits").Scan(t.Context(), &hits))
				assert.Equal(t, int64(2147483647), hits)
			},
		},
		{
			name:        "NOT NULL to NULL",
			give:        []any{(*itemV1)(nil)},
			rows:        []any{&itemV1{ID: 1, Name: "a"}},
			want:        []any{(*itemNullableName)(nil)},
			wantChanges: []string{"DropNotNull"},
			wantActual:  []any{(*itemNullableName)(nil)},
			check: func(t *testing.T, db *bun.DB) {
				assert.True(t, columnOf(t, db, "items", "name").Nullable)
			},
		},
		{
			name:        "NULL to NOT NULL when no NULLs exist",
			give:        []any{(*itemNullableName)(nil)},
			rows:        []any{&itemNullableName{ID: 1, Name: ptr("a")}},
			want:        []any{(*itemV1)(nil)},
			wantChanges: []string{"SetNotNull"},
			wantActual:  []any{(*itemV1)(nil)},
			check: func(t *testing.T, db *bun.DB) {
				assert.False(t, columnOf(t, db, "items", "name").Nullable)
			},
		},
		{
			name:        "add index",
			give:        []any{(*itemV1)(nil)},
			rows:        []any{&itemV1{ID: 1, Name: "a"}, &itemV1{ID: 2, Name: "a"}},
			want:        []any{(*itemIndexed)(nil)},
			wantChanges: []string{"AddIndex"},
			wantActual:  []any{(*itemIndexed)(nil)},
			check: func(t *testing.T, db *bun.DB) {
				assert.True(t, hasIndexOn(t, db, "items", false, "name"))
			},
		},
		{
			name:        "add unique over distinct values",
			give:        []any{(*itemV1)(nil)},
			rows:        []any{&itemV1{ID: 1, Name: "a"}, &itemV1{ID: 2, Name: "b"}},
			want:        []any{(*itemUnique)(nil)},
			wantChanges: []string{"AddUnique"},
			wantActual:  []any{(*itemUnique)(nil)},
			check: func(t *testing.T, db *bun.DB) {
				assert.True(t, hasIndexOn(t, db, "items", true, "name"))
			},
		},
		{
			name:        "add foreign key over matching rows",
			give:        []any{(*ownerV1)(nil), (*petNoFK)(nil)},
			rows:        []any{&ownerV1{ID: 1}, &petNoFK{ID: 1, OwnerID: ptr[int64](1)}, &petNoFK{ID: 2}},
			want:        []any{(*ownerV1)(nil), (*petFK)(nil)},
			wantChanges: []string{"AddForeignKey"},
			wantActual:  []any{(*ownerV1)(nil), (*petFK)(nil)},
			check: func(t *testing.T, db *bun.DB) {
				fks := foreignKeysOf(t, db, "pets")
				require.Len(t, fks, 1)
				assert.Equal(t, catalogFK{Columns: []string{"owner_id"}, RefTable: "owners", RefColumns: []string{"id"}, OnDelete: "CASCADE"}, fks[0])
			},
		},
		{
			name:        "would fail: NOT NULL column without default on a table with rows",
			give:        []any{(*itemV1)(nil)},
			rows:        []any{&itemV1{ID: 1, Name: "a"}, &itemV1{ID: 2, Name: "b"}},
			want:        []any{(*itemAddRequired)(nil)},
			wantChanges: []string{"AddColumn", "AddColumn(would fail)"},
			wantErr:     []string{`table "items"`, `column "code"`, "2 rows exist", "add a default or make it nullable"},
			wantActual:  []any{(*itemV1)(nil)}, // the safe "note" column was not added either
		},
		{
			name:        "would fail: NOT NULL over NULLs",
			give:        []any{(*itemNullableName)(nil)},
			rows:        []any{&itemNullableName{ID: 1}, &itemNullableName{ID: 2, Name: ptr("b")}},
			want:        []any{(*itemV1)(nil)},
			wantChanges: []string{"SetNotNull(would fail)"},
			wantErr:     []string{`table "items"`, `column "name"`, "1 row holds NULL"},
			wantActual:  []any{(*itemNullableName)(nil)},
		},
		{
			name:        "would fail: unique over duplicates",
			give:        []any{(*itemV1)(nil)},
			rows:        []any{&itemV1{ID: 1, Name: "a"}, &itemV1{ID: 2, Name: "a"}, &itemV1{ID: 3, Name: "b"}},
			want:        []any{(*itemUnique)(nil)},
			wantChanges: []string{"AddUnique(would fail)"},
			wantErr:     []string{`table "items"`, "(name)", "1 value is duplicated", "remove the duplicates"},
			wantActual:  []any{(*itemV1)(nil)},
		},
		{
			name:        "would fail: foreign key over orphans",
			give:        []any{(*ownerV1)(nil), (*petNoFK)(nil)},
			rows:        []any{&ownerV1{ID: 1}, &petNoFK{ID: 1, OwnerID: ptr[int64](1)}, &petNoFK{ID: 2, OwnerID: ptr[int64](9)}},
			want:        []any{(*ownerV1)(nil), (*petFK)(nil)},
			wantChanges: []string{"AddForeignKey(would fail)"},
			wantErr:     []string{`table "pets"`, "(owner_id)", "1 row", `no row of "owners"`},
			wantActual:  []any{(*ownerV1)(nil), (*petNoFK)(nil)},
		},
		{
			name:        "destructive: narrowing is withheld",
			give:        []any{(*itemWide)(nil)},
			rows:        []any{&itemWide{ID: 1, Name: "short"}},
			want:        []any{(*itemV1)(nil)},
			wantChanges: []string{"ChangeType(withheld)"},
			wantActual:  []any{(*itemWide)(nil)},
			check: func(t *testing.T, db *bun.DB) {
				assert.Equal(t, 60, columnOf(t, db, "items", "name").Length)
			},
		},
		{
			name:        "destructive: narrowing with AllowDataLoss",
			give:        []any{(*itemWide)(nil)},
			rows:        []any{&itemWide{ID: 1, Name: "short"}},
			want:        []any{(*itemV1)(nil)},
			opts:        schema.MigrateOptions{AllowDataLoss: true},
			wantChanges: []string{"ChangeType"},
			wantActual:  []any{(*itemV1)(nil)},
			check: func(t *testing.T, db *bun.DB) {
				assert.Equal(t, 40, columnOf(t, db, "items", "name").Length)
			},
		},
		{
			name:        "would fail: narrowing with AllowDataLoss over longer values",
			give:        []any{(*itemWide)(nil)},
			rows:        []any{&itemWide{ID: 1, Name: "this value is longer than forty characters!!"}},
			want:        []any{(*itemV1)(nil)},
			opts:        schema.MigrateOptions{AllowDataLoss: true},
			wantChanges: []string{"ChangeType(would fail)"},
			wantErr:     []string{`column "name"`, "1 row holds longer values"},
			wantActual:  []any{(*itemWide)(nil)},
		},
		{
			name:        "destructive: incompatible type change is withheld",
			give:        []any{(*itemV1)(nil)},
			rows:        []any{&itemV1{ID: 1, Name: "a"}},
			want:        []any{(*itemNarrowText)(nil)},
			wantChanges: []string{"ChangeType(withheld)"},
			wantActual:  []any{(*itemV1)(nil)},
		},
		{
			name:        "destructive: a removed property's column is kept",
			give:        []any{(*itemV1)(nil)},
			rows:        []any{&itemV1{ID: 1, Name: "a"}},
			want:        []any{(*itemOnlyID)(nil)},
			wantChanges: []string{"DropColumn(withheld)"},
			wantActual:  []any{(*itemOnlyID)(nil)},
			check: func(t *testing.T, db *bun.DB) {
				assert.Equal(t, []string{"id", "name"}, columnNames(t, db, "items"))
			},
		},
		{
			name:        "destructive: a removed property's column is dropped with AllowDataLoss",
			give:        []any{(*itemV1)(nil)},
			rows:        []any{&itemV1{ID: 1, Name: "a"}},
			want:        []any{(*itemOnlyID)(nil)},
			opts:        schema.MigrateOptions{AllowDataLoss: true},
			wantChanges: []string{"DropColumn"},
			wantActual:  []any{(*itemOnlyID)(nil)},
			check: func(t *testing.T, db *bun.DB) {
				assert.Equal(t, []string{"id"}, columnNames(t, db, "items"))
				assert.Equal(t, 1, countRows(t, db, "items"))
			},
		},
		{
			name:        "extra: an index the model dropped is kept",
			give:        []any{(*itemIndexed)(nil)},
			want:        []any{(*itemV1)(nil)},
			wantChanges: []string{"DropIndex(withheld)"},
			wantActual:  []any{(*itemV1)(nil)},
			check: func(t *testing.T, db *bun.DB) {
				assert.True(t, hasIndexOn(t, db, "items", false, "name"))
			},
		},
		{
			name:        "extra: an index the model dropped goes with AllowDataLoss",
			give:        []any{(*itemIndexed)(nil)},
			want:        []any{(*itemV1)(nil)},
			opts:        schema.MigrateOptions{AllowDataLoss: true},
			wantChanges: []string{"DropIndex"},
			wantActual:  []any{(*itemV1)(nil)},
			check: func(t *testing.T, db *bun.DB) {
				assert.False(t, hasIndexOn(t, db, "items", false, "name"))
			},
		},
		{
			name:        "extra: a unique constraint the model dropped is kept",
			give:        []any{(*itemUnique)(nil)},
			want:        []any{(*itemV1)(nil)},
			wantChanges: []string{"DropUnique(withheld)"},
			wantActual:  []any{(*itemV1)(nil)},
			check: func(t *testing.T, db *bun.DB) {
				assert.True(t, hasIndexOn(t, db, "items", true, "name"))
			},
		},
		{
			name:        "extra: a foreign key the model dropped is kept",
			give:        []any{(*ownerV1)(nil), (*petFK)(nil)},
			want:        []any{(*ownerV1)(nil), (*petNoFK)(nil)},
			wantChanges: []string{"DropForeignKey(withheld)"},
			wantActual:  []any{(*ownerV1)(nil), (*petNoFK)(nil)},
			check: func(t *testing.T, db *bun.DB) {
				assert.Len(t, foreignKeysOf(t, db, "pets"), 1)
			},
		},
		{
			name:        "extra: a foreign key the model dropped goes with AllowDataLoss",
			give:        []any{(*ownerV1)(nil), (*petFK)(nil)},
			want:        []any{(*ownerV1)(nil), (*petNoFK)(nil)},
			opts:        schema.MigrateOptions{AllowDataLoss: true},
			wantChanges: []string{"DropForeignKey"},
			wantActual:  []any{(*ownerV1)(nil), (*petNoFK)(nil)},
			check: func(t *testing.T, db *bun.DB) {
				assert.Empty(t, foreignKeysOf(t, db, "pets"))
			},
		},
		{
			name:        "withheld: a type change withholds the default written for the new type",
			give:        []any{(*cellInt)(nil)},
			rows:        []any{&cellInt{ID: 1, N: ptr[int64](5)}},
			want:        []any{(*cellTextDefault)(nil)},
			wantChanges: []string{"ChangeType(withheld)", "SetDefault(withheld)"},
			wantActual:  []any{(*cellTextDefault)(nil)},
			check: func(t *testing.T, db *bun.DB) {
				c := columnOf(t, db, "cells", "n")
				assert.NotContains(t, c.Default, "dflt", "the integer column keeps having no default")
				assert.NotContains(t, c.DataType, "char")
			},
		},
		{
			name:        "withheld: the other way, the new type's default waits too",
			give:        []any{(*cellText)(nil)},
			rows:        []any{&cellText{ID: 1, N: ptr("5")}},
			want:        []any{(*cellIntDefault)(nil)},
			wantChanges: []string{"ChangeType(withheld)", "SetDefault(withheld)"},
			wantActual:  []any{(*cellIntDefault)(nil)},
			check: func(t *testing.T, db *bun.DB) {
				assert.NotContains(t, columnOf(t, db, "cells", "n").Default, "-1")
			},
		},
		{
			name:        "destructive: with AllowDataLoss, the type change and its default apply together",
			give:        []any{(*cellInt)(nil)},
			rows:        []any{&cellInt{ID: 1, N: ptr[int64](5)}, &cellInt{ID: 2}},
			want:        []any{(*cellTextDefault)(nil)},
			opts:        schema.MigrateOptions{AllowDataLoss: true},
			wantChanges: []string{"ChangeType", "SetDefault"},
			wantActual:  []any{(*cellTextDefault)(nil)},
			check: func(t *testing.T, db *bun.DB) {
				c := columnOf(t, db, "cells", "n")
				assert.Contains(t, c.Default, "dflt")
				assert.Equal(t, 20, c.Length)
				assert.Equal(t, []sql.NullString{{String: "5", Valid: true}, {}}, nullStrings(t, db, "SELECT n FROM cells ORDER BY id"))
			},
		},
		{
			name:        "destructive: with AllowDataLoss, text to integer with the new default",
			give:        []any{(*cellText)(nil)},
			rows:        []any{&cellText{ID: 1, N: ptr("5")}},
			want:        []any{(*cellIntDefault)(nil)},
			opts:        schema.MigrateOptions{AllowDataLoss: true},
			wantChanges: []string{"ChangeType", "SetDefault"},
			wantActual:  []any{(*cellIntDefault)(nil)},
		},
		{
			name:        "would fail: a new unique column whose default every row gets",
			give:        []any{(*itemV1)(nil)},
			rows:        []any{&itemV1{ID: 1, Name: "a"}, &itemV1{ID: 2, Name: "b"}},
			want:        []any{(*itemCoded)(nil)},
			wantChanges: []string{"AddColumn", "AddUnique(would fail)"},
			wantErr:     []string{`table "items"`, `unique constraint "items_code_key" on (code)`, "every row would get the same default"},
			wantActual:  []any{(*itemV1)(nil)},
		},
		{
			name:        "safe: a new unique column with a default on a table of one row",
			give:        []any{(*itemV1)(nil)},
			rows:        []any{&itemV1{ID: 1, Name: "a"}},
			want:        []any{(*itemCoded)(nil)},
			wantChanges: []string{"AddColumn", "AddUnique"},
			wantActual:  []any{(*itemCoded)(nil)},
		},
		{
			name:        "would fail: a new NOT NULL foreign key column whose default names no row",
			give:        []any{(*ownerV1)(nil), (*petNoFK)(nil)},
			rows:        []any{&ownerV1{ID: 1}, &petNoFK{ID: 1, OwnerID: ptr[int64](1)}},
			want:        []any{(*ownerV1)(nil), (*petOwned)(nil)},
			wantChanges: []string{"AddColumn", "AddForeignKey(would fail)"},
			wantErr:     []string{`table "pets"`, `cannot add foreign key "pets_keeper_id_fkey": 1 row of (keeper_id) references no row of "owners"`},
			wantActual:  []any{(*ownerV1)(nil), (*petNoFK)(nil)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			testdb.ForEachDialect(t, func(t *testing.T, db *bun.DB) {
				mustMigrate(t, db, tt.give...)
				insertRows(t, db, tt.rows...)
				counts := map[string]int{}
				for _, r := range tt.rows {
					counts[tableOf(db, r)]++
				}

				plan, err := schema.NewMigrator(db, tt.want...).Migrate(t.Context(), tt.opts)
				assertErrorContains(t, err, tt.wantErr...)
				assert.Equal(t, tt.wantChanges, changeList(plan), "plan:\n%s", plan)
				for table, n := range counts {
					assert.Equal(t, n, countRows(t, db, table), "rows of %s", table)
				}
				assertActual(t, db, tt.wantActual...)
				if tt.check != nil {
					tt.check(t, db)
				}
			})
		})
	}
}

// nullStrings runs a query of one column and returns its values.
func nullStrings(t *testing.T, db *bun.DB, query string) []sql.NullString {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), query)
	require.NoError(t, err)
	defer rows.Close()
	var out []sql.NullString
	for rows.Next() {
		var v sql.NullString
		require.NoError(t, rows.Scan(&v))
		out = append(out, v)
	}
	require.NoError(t, rows.Err())
	return out
}

// assertErrorContains asserts err is nil when want is empty, and otherwise
// that its message holds every substring.
func assertErrorContains(t *testing.T, err error, want ...string) {
	t.Helper()
	if len(want) == 0 {
		assert.NoError(t, err)
		return
	}
	require.Error(t, err)
	for _, w := range want {
		assert.Contains(t, err.Error(), w)
	}
}
