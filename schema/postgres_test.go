package schema_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/slipwaygo/slipway/internal/testdb"
	"github.com/slipwaygo/slipway/schema"
)

// PostgreSQL-only behaviour: expression and partial indexes, schemas, the
// advisory lock.

type member struct {
	bun.BaseModel `bun:"table:members"`
	ID            int64  `bun:",pk,autoincrement"`
	Email         string `bun:",notnull"`
	TeamID        int64  `bun:",notnull"`
	Active        bool   `bun:",notnull,default:true"`
}

func (*member) Indexes() []schema.Index {
	return []schema.Index{
		{Name: "members_lower_email_key", Expr: "lower(email)", Unique: true},
		{Name: "members_active_team_idx", Columns: []string{"team_id"}, Where: "active"},
		{Columns: []string{"team_id", "email"}},
	}
}

func TestPostgres_DeclaredIndexes(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.Postgres)
	m := schema.NewMigrator(db, (*member)(nil))
	plan, err := m.Migrate(t.Context(), schema.MigrateOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{"CreateTable", "AddIndex", "AddIndex", "AddIndex"}, changeList(plan))
	assertActual(t, db, (*member)(nil))

	ix := indexesOf(t, db, "members")
	assert.True(t, ix["members_lower_email_key"].Unique)
	assert.Equal(t, []string{"team_id"}, ix["members_active_team_idx"].Columns)
	assert.Equal(t, []string{"team_id", "email"}, ix["members_team_id_email_idx"].Columns)

	// The unique expression index is enforced.
	insertRows(t, db, &member{Email: "A@x.org", TeamID: 1})
	_, err = db.NewInsert().Model(&member{Email: "a@X.org", TeamID: 1}).Exec(t.Context())
	assert.Error(t, err)
}

func TestPostgres_SchemaQualifiedModel(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.Postgres)
	var current string
	require.NoError(t, db.QueryRowContext(t.Context(), "SELECT current_schema()").Scan(&current))
	audit := current + "_audit" // unique, like the test's own schema
	_, err := db.ExecContext(t.Context(), `CREATE SCHEMA "`+audit+`"`)
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = db.ExecContext(context.Background(), `DROP SCHEMA "`+audit+`" CASCADE`) })

	events := eventsModelIn(audit)
	m := schema.NewMigrator(db, (*ownerV1)(nil), events)
	plan, err := m.Migrate(t.Context(), schema.MigrateOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{"CreateTable", "CreateTable", "AddIndex"}, changeList(plan))
	assertActual(t, db, (*ownerV1)(nil), events)

	disc, err := schema.DiscoverTable(t.Context(), db, audit+".events")
	require.NoError(t, err)
	require.Len(t, disc.ForeignKeys, 1)
	assert.Equal(t, "owners", disc.ForeignKeys[0].RefTable)
	assert.Equal(t, "", disc.ForeignKeys[0].RefSchema, "the referenced table is in the current schema")

	plan, err = m.Migrate(t.Context(), schema.MigrateOptions{Models: []string{audit + ".events"}, Rebuild: true})
	require.NoError(t, err)
	assert.Equal(t, []string{"DropTable", "CreateTable", "AddIndex"}, changeList(plan))
}

func TestPostgres_MigrationHoldsATransactionScopedAdvisoryLock(t *testing.T) {
	t.Parallel()
	url := testdb.PostgresURL(t)
	db, observer := testdb.OpenURL(t, url), testdb.OpenURL(t, url)
	db.SetMaxOpenConns(1) // the migrating session stays open after the migration
	const advisory = `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = ?`
	var pid, inside, after int
	_, err := schema.NewMigrator(db, (*ownerV1)(nil)).MigrateThen(t.Context(), schema.MigrateOptions{}, func(ctx context.Context, tx bun.IDB) error {
		if err := tx.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
			return err
		}
		return observer.QueryRowContext(ctx, advisory, pid).Scan(&inside)
	})
	require.NoError(t, err)
	var samePid int
	require.NoError(t, db.QueryRowContext(t.Context(), "SELECT pg_backend_pid()").Scan(&samePid))
	require.Equal(t, pid, samePid, "same session")
	require.NoError(t, observer.QueryRowContext(t.Context(), advisory, pid).Scan(&after))
	assert.Equal(t, 1, inside, "the migration holds the advisory lock")
	assert.Equal(t, 0, after, "commit released it although the session lives on")
}
