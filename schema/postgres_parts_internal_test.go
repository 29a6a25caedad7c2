package schema

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/slipwaygo/slipway/internal/testdb"
)

// partModels returns n models of tables part_000 ... with a key, a unique
// column and an index; the last one's default, when bad, is a function
// that does not exist, which only running the CREATE TABLE finds.
func partModels(n int, bad bool) []any {
	models := make([]any, 0, n)
	for i := range n {
		def := "default:0"
		if bad && i == n-1 {
			def = "default:no_such_function()"
		}
		typ := reflect.StructOf([]reflect.StructField{
			{Name: "BaseModel", Type: reflect.TypeFor[bun.BaseModel](), Anonymous: true, Tag: reflect.StructTag(fmt.Sprintf(`bun:"table:part_%03d"`, i))},
			{Name: "ID", Type: reflect.TypeFor[int64](), Tag: `bun:",pk,autoincrement"`},
			{Name: "Code", Type: reflect.TypeFor[string](), Tag: `bun:"type:varchar(20),unique"`},
			{Name: "N", Type: reflect.TypeFor[int64](), Tag: reflect.StructTag(`bun:",notnull,` + def + `" slipway:"index"`)},
		})
		models = append(models, reflect.New(typ).Interface())
	}
	return models
}

func TestSplitByLocks(t *testing.T) {
	stmts := stmts("CREATE TABLE a (id bigserial PRIMARY KEY)", "CREATE INDEX i ON a (x)", "CREATE TABLE b (id integer)", "ALTER TABLE a ADD c int")
	// Estimates: 8+2 (serial, PRIMARY KEY), 2+1, 8, 2.
	assert.Equal(t, []int{10, 3, 8, 2}, []int{pgLocksOf(stmts[0].sql), pgLocksOf(stmts[1].sql), pgLocksOf(stmts[2].sql), pgLocksOf(stmts[3].sql)})
	parts := splitByLocks(stmts, 13)
	require.Len(t, parts, 2)
	assert.Len(t, parts[0], 2)
	assert.Len(t, parts[1], 2)
	assert.Len(t, splitByLocks(stmts, 5), 4, "a statement over the budget is a part of its own")
	assert.Len(t, splitByLocks(stmts, 1000), 1)
}

// A plan whose locks would not fit is applied in parts, one transaction
// each. A part that fails is rolled back, those before it stay committed,
// the error says so, and running the migration again finishes the job.
func TestPostgres_PlanInParts(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.Postgres)
	ctx := context.Background()
	var logs bytes.Buffer
	newMigrator := func(models []any) *Migrator {
		m := NewMigrator(db, append([]any{WithLogger(slog.New(slog.NewTextHandler(&logs, nil)))}, models...)...)
		m.d = postgres{lockBudget: 60}
		return m
	}

	_, err := newMigrator(partModels(24, true)).Migrate(ctx, MigrateOptions{})
	var applyErr *ApplyError
	require.True(t, errors.As(err, &applyErr), "%v", err)
	assert.Greater(t, applyErr.Parts, 2)
	assert.Greater(t, applyErr.Part, 1, "the bad table is in a later part")
	assert.True(t, applyErr.Committed)
	assert.False(t, applyErr.RolledBack)
	assert.ErrorContains(t, err, fmt.Sprintf("the plan ran in %d transactions: part %d was rolled back", applyErr.Parts, applyErr.Part))
	assert.Contains(t, logs.String(), "applying it in parts")

	var tables int
	require.NoError(t, db.NewRaw("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE 'part\\_%'").Scan(ctx, &tables))
	assert.Positive(t, tables, "the parts before the failing one stay committed")
	assert.Less(t, tables, 24, "the failing part is rolled back")

	good := partModels(24, false)
	plan, err := newMigrator(good).Migrate(ctx, MigrateOptions{})
	require.NoError(t, err)
	assert.NotEmpty(t, plan.Changes, "the second run creates what is left")
	again, err := NewMigrator(db, good...).Plan(ctx, MigrateOptions{})
	require.NoError(t, err)
	assert.Empty(t, again.Changes, "%s", again)
}
