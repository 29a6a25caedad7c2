package boot_test

import (
	"bytes"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"

	"github.com/slipwaygo/slipway/boot"
	"github.com/slipwaygo/slipway/internal/testdb"
	"github.com/slipwaygo/slipway/repository"
)

// bootDataSource starts a plain fx application with datasource "db" and
// returns it, with what its logger wrote.
func bootDataSource(t *testing.T, opts ...repository.Option) (*repository.SQL, *bytes.Buffer) {
	t.Helper()
	var (
		buf bytes.Buffer
		ds  *repository.SQL
	)
	a := fxtest.New(t,
		fx.NopLogger,
		boot.Module,
		fx.Supply(slog.New(slog.NewTextHandler(&buf, nil))),
		boot.DataSource("db", testdb.SQLiteURL(t), opts...),
		fx.Populate(fx.Annotate(&ds, fx.ParamTags(`name:"db"`))),
	)
	a.RequireStart()
	t.Cleanup(a.RequireStop)
	return ds, &buf
}

func TestDataSource_PassesOptions(t *testing.T) {
	ds, _ := bootDataSource(t, repository.WithPool(repository.Pool{MaxOpenConns: 3}))
	assert.Equal(t, 3, ds.DB().Stats().MaxOpenConnections)
}

func TestVerboseSQLEnv_LogsStatementsToTheGraphsLogger(t *testing.T) {
	t.Setenv(boot.VerboseSQLEnv, "1")
	ds, buf := bootDataSource(t)
	_, err := ds.DB().ExecContext(t.Context(), "SELECT 7")
	require.NoError(t, err)
	assert.Contains(t, buf.String(), `msg=sql datasource=db query="SELECT 7"`)
}

func TestVerboseSQLEnv_OffByDefault(t *testing.T) {
	for _, give := range []string{"", "0", "false"} {
		t.Run("give="+give, func(t *testing.T) {
			t.Setenv(boot.VerboseSQLEnv, give)
			ds, buf := bootDataSource(t)
			_, err := ds.DB().ExecContext(t.Context(), "SELECT 7")
			require.NoError(t, err)
			assert.NotContains(t, buf.String(), "SELECT 7")
		})
	}
}
