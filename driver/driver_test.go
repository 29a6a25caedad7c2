package driver_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/slipwaygo/slipway/driver/postgres" // this test binary links PostgreSQL only
	"github.com/slipwaygo/slipway/repository"
)

func TestURLWithoutADriverNamesTheImport(t *testing.T) {
	tests := []struct {
		give string
		want string
	}{
		{give: "sqlite:app.db", want: `datasource "db": database URL "sqlite:app.db" is SQLite, and no SQLite driver is linked into this program (add import _ "github.com/slipwaygo/slipway/driver/sqlite")`},
		{give: "mysql://app:s3cret@db.internal/app", want: `database URL "mysql://app:xxxxx@db.internal/app" is MySQL, and no MySQL driver is linked into this program (add import _ "github.com/slipwaygo/slipway/driver/mysql")`},
	}
	for _, tt := range tests {
		_, err := repository.Open("db", tt.give)
		require.Error(t, err, tt.give)
		assert.Contains(t, err.Error(), tt.want)
		assert.NotContains(t, err.Error(), "s3cret")
	}
}

func TestLinkedDriverOpens(t *testing.T) {
	ds, err := repository.Open("db", "postgres://app:s3cret@127.0.0.1:1/app")
	require.NoError(t, err, "opening does no I/O")
	assert.Equal(t, "pg", ds.Dialect())
	require.NoError(t, ds.Close())
}
