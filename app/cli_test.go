package app_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/slipwaygo/slipway/app"
	"github.com/slipwaygo/slipway/boot"
	"github.com/slipwaygo/slipway/internal/testdb"
	"github.com/slipwaygo/slipway/schema"
)

// NoteV2 adds a required column to Note: on a table with rows the change
// would fail.
type NoteV2 struct {
	bun.BaseModel `bun:"table:notes"`
	ID            int64  `bun:",pk,autoincrement"`
	Title         string `bun:",notnull"`
	Done          bool   `bun:",notnull,default:false"`
	Owner         string `bun:",notnull"`
}

func runMigrate(t *testing.T, a app.Migrater, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = app.MigrateCommand(context.Background(), a, args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func noteApp(url string) *app.App {
	return app.New(boot.DataSource("db", url), boot.Repository[Note]("db"), boot.HTTPDataSource("geocoder", ""), quiet())
}

func TestMigrateCommand_Flags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		give       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{name: "help", give: []string{"-h"}, wantCode: 0, wantStdout: "Usage: migrate [flags]"},
		{name: "long help", give: []string{"--help"}, wantCode: 0, wantStdout: "--allow-data-loss"},
		{name: "unknown flag", give: []string{"--rebuidl"}, wantCode: 2, wantStderr: "migrate: flag provided but not defined: -rebuidl (see --help)\n"},
		{name: "argument", give: []string{"now"}, wantCode: 2, wantStderr: "migrate: unexpected argument \"now\" (see --help)\n"},
		{name: "empty models", give: []string{"--models", " , "}, wantCode: 2, wantStderr: "migrate: --models needs at least one model name (see --help)\n"},
		{name: "models without value", give: []string{"--models"}, wantCode: 2, wantStderr: "migrate: flag needs an argument: -models (see --help)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := noteApp("sqlite::memory:")
			code, stdout, stderr := runMigrate(t, a, tt.give...)
			assert.Equal(t, tt.wantCode, code)
			assert.Contains(t, stdout, tt.wantStdout)
			assert.Equal(t, tt.wantStderr, stderr)
		})
	}
}

func TestMigrateCommand_Modes(t *testing.T) {
	t.Parallel()
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			url := testdb.URL(t, d)
			db := testdb.OpenURL(t, url)

			code, stdout, stderr := runMigrate(t, noteApp(url), "--dry-run")
			require.Equal(t, 0, code, stderr)
			assert.Contains(t, stdout, "Migrating schemas (alter, dry run)\n")
			assert.Contains(t, stdout, "db: dry run, ")
			assert.Contains(t, stdout, "would apply 1 change")
			assert.Contains(t, stdout, "+ table notes")
			assert.Contains(t, stdout, "CREATE TABLE")
			assert.Contains(t, stdout, "geocoder: skipped (not migratable)\n")
			assert.False(t, tableExists(t, db, "notes"), "a dry run changes nothing")

			code, stdout, stderr = runMigrate(t, noteApp(url))
			require.Equal(t, 0, code, stderr)
			assert.Contains(t, stdout, "Migrating schemas (alter)\ndb: migrated ")
			assert.Contains(t, stdout, ", 1 change applied (")
			assert.True(t, tableExists(t, db, "notes"))

			code, stdout, _ = runMigrate(t, noteApp(url))
			require.Equal(t, 0, code)
			assert.Contains(t, stdout, "schema is up to date")

			_, err := db.NewInsert().Model(&Note{Title: "keep?"}).Exec(t.Context())
			require.NoError(t, err)
			v2 := app.New(boot.DataSource("db", url), boot.Repository[NoteV2]("db"), quiet())
			code, _, stderr = runMigrate(t, v2)
			assert.Equal(t, 1, code)
			assert.Regexp(t, `^migrate: app: datasource "db": schema: table "notes": cannot add NOT NULL column "owner" without a default: 1 row exists \(add a default or make it nullable\)\n$`, stderr)
			assert.Equal(t, 1, strings.Count(stderr, "\n"), "one line")

			code, stdout, stderr = runMigrate(t, noteApp(url), "--rebuild", "--models", "Note")
			require.Equal(t, 0, code, stderr)
			assert.Contains(t, stdout, "Migrating schemas (rebuild)\n")
			assert.Contains(t, stdout, "geocoder: skipped (not migratable)")
			var n int
			require.NoError(t, db.NewSelect().Table("notes").ColumnExpr("count(*)").Scan(t.Context(), &n))
			assert.Equal(t, 0, n, "rebuild recreated the table")

			code, _, stderr = runMigrate(t, noteApp(url), "--models", "Nope")
			assert.Equal(t, 1, code)
			assert.Equal(t, "migrate: app: unknown model \"Nope\" in Models: no datasource backs it (known: Note; name a model by Go type or table name)\n", stderr)
		})
	}
}

func TestMigrateCommand_AllowDataLoss(t *testing.T) {
	t.Parallel()
	url := testdb.URL(t, testdb.Dialects[0])
	v2 := app.New(boot.DataSource("db", url), boot.Repository[NoteV2]("db"), quiet())
	code, _, stderr := runMigrate(t, v2)
	require.Equal(t, 0, code, stderr)

	code, stdout, stderr := runMigrate(t, noteApp(url))
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "1 withheld (use --allow-data-loss to apply)")
	assert.Contains(t, stdout, "withheld - column notes.owner")

	code, stdout, stderr = runMigrate(t, noteApp(url), "--allow-data-loss")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "1 change applied")
	a := schema.NewMigrator(testdb.OpenURL(t, url), (*Note)(nil))
	actual, err := a.IsActual(t.Context())
	require.NoError(t, err)
	assert.True(t, actual)
}

func TestMigrateCommand_RunsTheApplicationsOverride(t *testing.T) {
	t.Parallel()
	url := testdb.URL(t, testdb.Dialects[0])
	code, _, stderr := runMigrate(t, newWelcomeApp(url))
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, 1, countWelcome(t, url))

	code, stdout, stderr := runMigrate(t, newHookApp(url))
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "hooks: welcome")
	assert.Equal(t, 1, countWelcome(t, url))
}
