package app_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"
	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"

	"github.com/slipwaygo/slipway/app"
	"github.com/slipwaygo/slipway/boot"
	"github.com/slipwaygo/slipway/internal/testdb"
	"github.com/slipwaygo/slipway/repository"
	"github.com/slipwaygo/slipway/schema"
)

func TestMigrationModule_MigratesAndSeedsBeforeTheAppsStartHooks(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			var (
				order []string
				notes *repository.Repository[Note]
			)
			a := fxtest.New(t,
				fx.NopLogger,
				boot.Module,
				app.MigrationModule(schema.MigrateOptions{}),
				boot.DataSource("db", testdb.URL(t, d)),
				boot.Repository[Note]("db"),
				fx.Supply(slog.New(slog.DiscardHandler)), // the module logs through the graph's logger
				fx.Populate(&notes),
				app.AsHook(func(notes *repository.Repository[Note]) app.Hook {
					return app.Hook{Name: "welcome", Run: func(ctx context.Context) error {
						order = append(order, "hook")
						return notes.Create(ctx, &Note{Title: "welcome"})
					}}
				}),
				fx.Invoke(func(lc fx.Lifecycle, notes *repository.Repository[Note]) {
					lc.Append(fx.Hook{OnStart: func(ctx context.Context) error {
						n, err := notes.Count(ctx, nil) // the table exists and is seeded
						order = append(order, "app")
						assert.Equal(t, 1, n)
						return err
					}})
				}),
			)
			a.RequireStart().RequireStop()
			assert.Equal(t, []string{"hook", "app"}, order)
		})
	}
}

type noteV2 struct {
	bun.BaseModel `bun:"table:notes"`
	ID            int64  `bun:",pk,autoincrement"`
	Title         string `bun:",notnull"`
	Code          string `bun:",notnull"` // NOT NULL without a default: refused on a table with rows
}

func TestMigrationModule_FailsTheStartCleanly(t *testing.T) {
	url := testdb.SQLiteURL(t)
	db := testdb.OpenURL(t, url)
	_, err := db.NewCreateTable().Model((*Note)(nil)).Exec(t.Context())
	require.NoError(t, err)
	_, err = db.NewInsert().Model(&Note{Title: "kept"}).Exec(t.Context())
	require.NoError(t, err)

	started := false
	a := fx.New(
		fx.NopLogger,
		boot.Module,
		app.MigrationModule(schema.MigrateOptions{}),
		fx.Supply(slog.New(slog.DiscardHandler)),
		boot.DataSource("db", url),
		boot.Repository[noteV2]("db"),
		fx.Invoke(func(lc fx.Lifecycle) {
			lc.Append(fx.Hook{OnStart: func(context.Context) error { started = true; return nil }})
		}),
	)
	require.NoError(t, a.Err())
	err = a.Start(t.Context())
	require.Error(t, err)
	assert.Contains(t, err.Error(), `app: migrate at start: app: datasource "db"`)
	var refused *schema.RefusedError
	assert.True(t, errors.As(err, &refused), "the migrator's error is in the chain: %v", err)
	assert.False(t, started, "the application's own start hooks did not run")
	require.NoError(t, a.Stop(t.Context()))
}
