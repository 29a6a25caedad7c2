package schema_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/slipwaygo/slipway/internal/testdb"
	"github.com/slipwaygo/slipway/schema"
)

// viewSQL creates a view over the pets table.
const viewSQL = "CREATE VIEW pet_names AS SELECT id, owner_id FROM pets"

func TestListTables(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *bun.DB) {
		mustMigrate(t, db, (*ownerV1)(nil), (*petFK)(nil))
		_, err := db.ExecContext(t.Context(), viewSQL)
		require.NoError(t, err)

		got, err := schema.ListTables(t.Context(), db, schema.ListOptions{})
		require.NoError(t, err)
		var names []string
		for _, ti := range got {
			assert.True(t, ti.Current, "%+v", ti)
			assert.Equal(t, ti.Name == "pet_names", ti.View, "%+v", ti)
			names = append(names, ti.Name)
		}
		assert.Equal(t, []string{"owners", "pet_names", "pets"}, names)

		all, err := schema.ListTables(t.Context(), db, schema.ListOptions{AllSchemas: true})
		require.NoError(t, err)
		assert.Subset(t, all, got, "every schema holds the current one's tables")

		none, err := schema.ListTables(t.Context(), db, schema.ListOptions{Schema: "no_such_schema"})
		require.NoError(t, err)
		assert.Empty(t, none)
	})
}

// Discover reads what it is asked for plus the tables those reference, and
// views with their columns.
func TestDiscover_AddsReferencedTables(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *bun.DB) {
		mustMigrate(t, db, (*ownerV1)(nil), (*petFK)(nil))
		_, err := db.ExecContext(t.Context(), viewSQL)
		require.NoError(t, err)

		disc, err := schema.Discover(t.Context(), db, schema.DiscoverOptions{Tables: []string{"pets", "pet_names"}})
		require.NoError(t, err)
		require.Len(t, disc.Tables, 2)
		assert.Equal(t, "pets", disc.Tables[0].Name)
		assert.Equal(t, "owners", disc.Tables[1].Name)
		assert.Equal(t, []string{"owners"}, disc.Referenced)
		require.Len(t, disc.Views, 1)
		assert.Equal(t, "pet_names", disc.Views[0].Name)
		var cols []string
		for _, c := range disc.Views[0].Columns {
			cols = append(cols, c.Name)
		}
		assert.Equal(t, []string{"id", "owner_id"}, cols)

		_, err = schema.Discover(t.Context(), db, schema.DiscoverOptions{Tables: []string{"no_such_table"}})
		assert.ErrorIs(t, err, schema.ErrTableNotFound)
		assert.ErrorContains(t, err, `"no_such_table"`)
	})
}

// A SQLite rowid alias (INTEGER PRIMARY KEY) never holds NULL, though the
// catalog says it is nullable when it is not declared NOT NULL: a model's
// primary key matches it without a table rebuild.
func TestSQLite_RowidAliasIsNotNull(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.SQLite)
	_, err := db.ExecContext(t.Context(), `CREATE TABLE owners (id INTEGER PRIMARY KEY)`)
	require.NoError(t, err)
	assertActual(t, db, (*ownerV1)(nil))
}
