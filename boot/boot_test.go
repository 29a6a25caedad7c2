package boot_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"
	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"

	"github.com/slipwaygo/slipway/boot"
	"github.com/slipwaygo/slipway/internal/testdb"
	"github.com/slipwaygo/slipway/repository"
)

type Item struct {
	bun.BaseModel `bun:"table:items"`
	ID            int64 `bun:",pk,autoincrement"`
}

func TestModule_RegistersSortsPingsAndCloses(t *testing.T) {
	t.Parallel()
	url := testdb.URL(t, testdb.Dialects[0])
	var (
		reg  *boot.Registry
		repo *repository.Repository[Item]
		db   *repository.SQL
	)
	app := fxtest.New(t,
		fx.NopLogger,
		boot.Module,
		boot.HTTPDataSource("zeta", "http://geo.example"),
		boot.DataSource("db", url),
		boot.Repository[Item]("db"),
		fx.Populate(&reg, &repo),
		fx.Invoke(fx.Annotate(func(ds *repository.SQL) { db = ds }, fx.ParamTags(`name:"db"`))),
	)
	app.RequireStart()

	var names []string
	for _, ds := range reg.DataSources() {
		names = append(names, ds.Name())
	}
	assert.Equal(t, []string{"db", "zeta"}, names, "sorted by name")
	require.Len(t, reg.Repositories(), 1)
	assert.Equal(t, "Item", reg.Repositories()[0].Model())
	assert.Same(t, db, reg.Repositories()[0].DataSource())
	assert.True(t, db.Backs("Item"), "the repository attached its model")
	assert.NoError(t, db.DB().PingContext(context.Background()), "started: the datasource answers")

	app.RequireStop()
	assert.Error(t, db.DB().PingContext(context.Background()), "stopped: the datasource is closed")
}

func TestModule_StartFailsOnAnUnreachableDataSource(t *testing.T) {
	t.Parallel()
	app := fx.New(fx.NopLogger, boot.Module,
		boot.DataSource("db", "postgres://app:s3cret-pw@127.0.0.1:1/app?sslmode=disable&connect_timeout=2"))
	require.NoError(t, app.Err())
	err := app.Start(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), `repository: datasource "db" (postgres://app:xxxxx@127.0.0.1:1/app`)
	assert.NotContains(t, err.Error(), "s3cret-pw")
}

func TestDefaultDataSource_ReadsDATABASE_URL(t *testing.T) {
	url := testdb.URL(t, testdb.Dialects[0])
	t.Setenv(boot.DatabaseURLEnv, url)
	var ds *repository.SQL
	app := fxtest.New(t, fx.NopLogger, boot.DefaultDataSource("sqlite::memory:"),
		fx.Invoke(fx.Annotate(func(d *repository.SQL) { ds = d }, fx.ParamTags(`name:"db"`))))
	app.RequireStart().RequireStop()
	assert.NotContains(t, ds.URL(), "memory", "the environment wins over the fallback")

	t.Setenv(boot.DatabaseURLEnv, "")
	app = fxtest.New(t, fx.NopLogger, boot.DefaultDataSource("sqlite::memory:"),
		fx.Invoke(fx.Annotate(func(d *repository.SQL) { ds = d }, fx.ParamTags(`name:"db"`))))
	app.RequireStart().RequireStop()
	assert.Equal(t, "sqlite::memory:", ds.URL())
	assert.Equal(t, "db", ds.Name())
}
