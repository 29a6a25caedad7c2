package schema_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/slipwaygo/slipway/internal/testdb"
	"github.com/slipwaygo/slipway/schema"
)

// The fast path of a migration that finds nothing to do (state.go): after
// a run whose plan was empty, the next run reads a stamp of the catalog
// instead of the catalog, and still finds every change made by hand.

type stateOwner struct {
	bun.BaseModel `bun:"table:state_owners"`
	ID            int64  `bun:",pk,autoincrement"`
	Name          string `bun:"type:varchar(40),notnull,default:'x'" slipway:"index"`
}

type statePet struct {
	bun.BaseModel `bun:"table:state_pets"`
	ID            int64       `bun:",pk,autoincrement"`
	Name          string      `bun:"type:varchar(40),notnull"`
	Legs          int64       `bun:",notnull,default:4"`
	OwnerID       int64       `bun:",notnull"`
	Owner         *stateOwner `bun:"rel:belongs-to,join:owner_id=id"`
}

type statePetWider struct {
	bun.BaseModel `bun:"table:state_pets"`
	ID            int64       `bun:",pk,autoincrement"`
	Name          string      `bun:"type:varchar(60),notnull"`
	Legs          int64       `bun:",notnull,default:4"`
	OwnerID       int64       `bun:",notnull"`
	Owner         *stateOwner `bun:"rel:belongs-to,join:owner_id=id"`
}

var stateModels = []any{(*stateOwner)(nil), (*statePet)(nil)}

// inspects reports whether the logged queries read the catalog in full.
func inspects(log *queryLog) bool {
	log.mu.Lock()
	defer log.mu.Unlock()
	for _, q := range log.queries {
		for _, marker := range []string{"format_type(", "COLUMN_TYPE", "pragma_table_xinfo"} {
			if strings.Contains(q, marker) {
				return true
			}
		}
	}
	return false
}

// settle migrates until the state is kept: on MariaDB a stamp younger than
// two seconds is not, so the run after the tables were created waits.
func settle(t *testing.T, db *bun.DB, models ...any) {
	t.Helper()
	mustMigrate(t, db, models...)
	if db.Dialect().Name() == dialect.MySQL {
		time.Sleep(2100 * time.Millisecond)
	}
	plan := mustMigrate(t, db, models...)
	require.Empty(t, plan.Changes)
	var rows int
	require.NoError(t, db.NewRaw("SELECT count(*) FROM slipway_schema_state").Scan(context.Background(), &rows))
	require.Equal(t, 1, rows, "the state is kept once the plan is empty")
	log := &queryLog{}
	_, err := schema.NewMigrator(db.WithQueryHook(log), models...).Plan(context.Background(), schema.MigrateOptions{})
	require.NoError(t, err)
	require.False(t, inspects(log), "the next run takes the fast path")
}

func TestFastPath_NoOpReadsNoCatalog(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		settle(t, db, stateModels...)
		log := &queryLog{}
		logged := db.WithQueryHook(log)

		plan, err := schema.NewMigrator(logged, stateModels...).Migrate(ctx, schema.MigrateOptions{})
		require.NoError(t, err)
		assert.True(t, plan.Empty())
		assert.False(t, inspects(log), "the no-op read the stamp, not the catalog:\n%s", strings.Join(log.queries, "\n"))
		assert.Empty(t, log.ddl())
		ok, err := schema.NewMigrator(logged, stateModels...).IsActual(ctx)
		require.NoError(t, err)
		assert.True(t, ok)

		// Other models: their digest differs, so the catalog is read.
		log.reset()
		plan, err = schema.NewMigrator(logged, (*stateOwner)(nil), (*statePetWider)(nil)).Plan(ctx, schema.MigrateOptions{})
		require.NoError(t, err)
		assert.True(t, inspects(log))
		assert.Equal(t, []string{"WidenType"}, changeList(plan))

		// A selection of the models is a state of its own.
		log.reset()
		plan, err = schema.NewMigrator(logged, stateModels...).Plan(ctx, schema.MigrateOptions{Models: []string{"stateOwner"}})
		require.NoError(t, err)
		assert.True(t, plan.Empty())
		assert.True(t, inspects(log), "no state kept yet for that selection")

		// Slipway's table is not a table of the application.
		tables, err := schema.ListTables(ctx, db, schema.ListOptions{})
		require.NoError(t, err)
		for _, tb := range tables {
			assert.NotEqual(t, "slipway_schema_state", tb.Name)
		}
	})
}

// Every change made by hand to a model table is found on the next run,
// though the previous run kept a state.
func TestFastPath_HandChangesAreFound(t *testing.T) {
	t.Parallel()
	changes := map[string]map[dialect.Name]string{
		"add a column": {
			dialect.PG: "ALTER TABLE state_pets ADD COLUMN extra integer", dialect.MySQL: "ALTER TABLE state_pets ADD COLUMN extra integer",
			dialect.SQLite: "ALTER TABLE state_pets ADD COLUMN extra integer"},
		"change a default": {
			dialect.PG: "ALTER TABLE state_pets ALTER COLUMN legs SET DEFAULT 3", dialect.MySQL: "ALTER TABLE state_pets ALTER COLUMN legs SET DEFAULT 3"},
		"drop NOT NULL": {
			dialect.PG: "ALTER TABLE state_pets ALTER COLUMN name DROP NOT NULL", dialect.MySQL: "ALTER TABLE state_pets MODIFY name varchar(40) NULL"},
		"drop an index": {
			dialect.PG: "DROP INDEX state_owners_name_idx", dialect.MySQL: "DROP INDEX state_owners_name_idx ON state_owners",
			dialect.SQLite: "DROP INDEX state_owners_name_idx"},
		"add an index": {
			dialect.PG: "CREATE INDEX extra_idx ON state_pets (legs)", dialect.MySQL: "CREATE INDEX extra_idx ON state_pets (legs)",
			dialect.SQLite: "CREATE INDEX extra_idx ON state_pets (legs)"},
		"drop a foreign key": {
			dialect.PG: "ALTER TABLE state_pets DROP CONSTRAINT state_pets_owner_id_fkey", dialect.MySQL: "ALTER TABLE state_pets DROP FOREIGN KEY state_pets_owner_id_fkey"},
		"add a check": {
			dialect.PG: "ALTER TABLE state_pets ADD CONSTRAINT legs_check CHECK (legs >= 0)", dialect.MySQL: "ALTER TABLE state_pets ADD CONSTRAINT legs_check CHECK (legs >= 0)"},
		"widen a type": {
			dialect.PG: "ALTER TABLE state_owners ALTER COLUMN name TYPE varchar(50)", dialect.MySQL: "ALTER TABLE state_owners MODIFY name varchar(50) NOT NULL DEFAULT 'x'"},
		"drop a table": {
			dialect.PG: "DROP TABLE state_pets", dialect.MySQL: "DROP TABLE state_pets", dialect.SQLite: "DROP TABLE state_pets"},
	}
	testdb.ForEachDialect(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		for name, byDialect := range changes {
			stmt, ok := byDialect[db.Dialect().Name()]
			if !ok {
				continue // SQLite: no ALTER for it
			}
			t.Run(name, func(t *testing.T) {
				settle(t, db, stateModels...)
				_, err := db.ExecContext(ctx, stmt)
				require.NoError(t, err)
				plan, err := schema.NewMigrator(db, stateModels...).Plan(ctx, schema.MigrateOptions{})
				require.NoError(t, err)
				assert.NotEmpty(t, plan.Changes, "%s is found", name)
				_, err = schema.NewMigrator(db, stateModels...).Migrate(ctx, schema.MigrateOptions{AllowDataLoss: true})
				require.NoError(t, err, "back to the models")
				assertActual(t, db, stateModels...)
			})
		}
	})
}

// WithoutSchemaState keeps no table and reads the catalog on every run.
func TestFastPath_WithoutSchemaState(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *bun.DB) {
		models := append([]any{schema.WithoutSchemaState()}, stateModels...)
		mustMigrate(t, db, models...)
		mustMigrate(t, db, models...)
		assert.False(t, tableExists(t, db, "slipway_schema_state"))
	})
}
