package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"regexp"
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
		{name: "check and rebuild", give: []string{"--check", "--rebuild"}, wantCode: 2, wantStderr: "migrate: --check plans an alter and writes nothing: it takes neither --rebuild nor --write (see --help)\n"},
		{name: "check and write", give: []string{"--check", "--write", "m", "--format", "goose"}, wantCode: 2, wantStderr: "migrate: --check plans an alter and writes nothing: it takes neither --rebuild nor --write (see --help)\n"},
		{name: "write without format", give: []string{"--write", "m"}, wantCode: 2, wantStderr: "migrate: --write needs --format goose, golang-migrate or bun (got \"\") (see --help)\n"},
		{name: "write with an unknown format", give: []string{"--write", "m", "--format", "flyway"}, wantCode: 2, wantStderr: "migrate: --write needs --format goose, golang-migrate or bun (got \"flyway\") (see --help)\n"},
		{name: "write without a directory", give: []string{"--write", "", "--format", "bun"}, wantCode: 2, wantStderr: "migrate: --write needs a directory (see --help)\n"},
		{name: "format without write", give: []string{"--format", "bun"}, wantCode: 2, wantStderr: "migrate: --format and --name go with --write (see --help)\n"},
		{name: "status help", give: []string{"status", "-h"}, wantCode: 0, wantStdout: "migrate status [--models A,B] [--json]"},
		{name: "status argument", give: []string{"status", "now"}, wantCode: 2, wantStderr: "migrate: unexpected argument \"now\" (see --help)\n"},
		{name: "status flag", give: []string{"status", "--check"}, wantCode: 2, wantStderr: "migrate: flag provided but not defined: -check (see --help)\n"},
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
	assert.Contains(t, stdout, "\n  - column notes.owner varchar NOT NULL  [withheld, destructive: ")

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

func TestMigrateCommand_CheckAndStatus(t *testing.T) {
	t.Parallel()
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			url := testdb.URL(t, d)
			db := testdb.OpenURL(t, url)

			code, stdout, stderr := runMigrate(t, noteApp(url), "--check")
			assert.Equal(t, 3, code, stderr)
			assert.Regexp(t, `^Checking schemas \(alter\)\ndb: \w+ schema is not actual: 1 change pending\n  \+ table notes\ngeocoder: skipped \(not migratable\)\n$`, stdout)
			assert.False(t, tableExists(t, db, "notes"), "--check changes nothing")

			code, stdout, stderr = runMigrate(t, noteApp(url), "status")
			require.Equal(t, 0, code, stderr)
			assert.Contains(t, stdout, "  tables missing: notes\n  actual: no, 1 change pending\n  safe, applied by migrate (1):\n    + table notes\n")
			assert.NotContains(t, stdout, "password")

			code, _, stderr = runMigrate(t, noteApp(url))
			require.Equal(t, 0, code, stderr)
			code, stdout, stderr = runMigrate(t, noteApp(url), "--check")
			assert.Equal(t, 0, code, stderr)
			assert.Regexp(t, `\ndb: \w+ schema is actual\n`, stdout)

			_, err := db.NewInsert().Model(&Note{Title: "keep"}).Exec(t.Context())
			require.NoError(t, err)
			v2 := app.New(boot.DataSource("db", url), boot.Repository[NoteV2]("db"), quiet())
			code, stdout, stderr = runMigrate(t, v2, "--check")
			assert.Equal(t, 3, code, "a change that would fail is pending too: %s", stderr)
			assert.Contains(t, stdout, "schema is not actual: 0 changes pending, 1 refused\n")
			assert.Contains(t, stdout, `[refused: cannot add NOT NULL column "owner" without a default: 1 row exists`)
			assert.Empty(t, stderr)

			v2 = app.New(boot.DataSource("db", url), boot.Repository[NoteV2]("db"), quiet())
			code, stdout, stderr = runMigrate(t, v2, "status", "--json")
			require.Equal(t, 0, code, stderr)
			var status struct {
				DataSources []struct {
					Name    string `json:"name"`
					Dialect string `json:"dialect"`
					URL     string `json:"url"`
					Tables  []struct {
						Name    string `json:"name"`
						Present bool   `json:"present"`
					} `json:"tables"`
					Actual   bool              `json:"actual"`
					Safe     []json.RawMessage `json:"safe"`
					Withheld []json.RawMessage `json:"withheld"`
					Refused  []struct {
						Kind   string `json:"kind"`
						Column string `json:"column"`
						Reason string `json:"reason"`
					} `json:"refused"`
				} `json:"datasources"`
			}
			require.NoError(t, json.Unmarshal([]byte(stdout), &status), stdout)
			require.Len(t, status.DataSources, 1)
			ds := status.DataSources[0]
			assert.Equal(t, "db", ds.Name)
			assert.NotEmpty(t, ds.Dialect)
			assert.NotContains(t, ds.URL, "@127.0.0.1:5432/x:") // never a password
			assert.Len(t, ds.Tables, 1)
			assert.True(t, ds.Tables[0].Present)
			assert.False(t, ds.Actual)
			assert.Empty(t, ds.Safe)
			assert.Empty(t, ds.Withheld)
			require.Len(t, ds.Refused, 1)
			assert.Equal(t, "AddColumn", ds.Refused[0].Kind)
			assert.Equal(t, "owner", ds.Refused[0].Column)
		})
	}
}

func TestMigrateCommand_SpeaksItsFlagsAndPrintsEachWithheldChangeOnce(t *testing.T) {
	t.Parallel()
	url := testdb.URL(t, testdb.Dialects[0])
	v2 := app.New(boot.DataSource("db", url), boot.Repository[NoteV2]("db"), quiet())
	code, _, stderr := runMigrate(t, v2)
	require.Equal(t, 0, code, stderr)

	var logs bytes.Buffer
	logged := app.New(boot.DataSource("db", url), boot.Repository[Note]("db"), app.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	code, stdout, stderr := runMigrate(t, logged)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, `  - column notes.owner varchar NOT NULL  [withheld, destructive: column "owner" is not in model "Note"; dropping it deletes its data (use --allow-data-loss to apply it)]`)
	assert.Equal(t, 1, strings.Count(stdout+logs.String(), `column notes.owner`), "once:\n%s%s", stdout, logs.String())

	for _, args := range [][]string{{"--dry-run"}, {"--check"}, {"status"}, {"status", "--json"}} {
		_, stdout, _ := runMigrate(t, noteApp(url), args...)
		assert.NotContains(t, stdout, "AllowDataLoss", args)
		assert.Contains(t, stdout, "use --allow-data-loss to apply it", args)
	}
}

func TestMigrateCommand_WritesMigrationFiles(t *testing.T) {
	t.Parallel()
	url := testdb.URL(t, testdb.Dialects[0])
	dir := t.TempDir()
	code, _, _ := runMigrate(t, noteApp(url), "--write", dir, "--format", "goose")
	require.Equal(t, 0, code)
	code, _, stderr := runMigrate(t, noteApp(url), "--write", dir, "--format", "bun", "--name", "Notes")
	require.Equal(t, 0, code, stderr)
	v2 := app.New(boot.DataSource("db", url), boot.Repository[NoteV2]("db"), boot.HTTPDataSource("geocoder", ""), quiet())
	code, stdout, stderr := runMigrate(t, v2, "--write", dir, "--format", "golang-migrate")
	require.Equal(t, 0, code, stderr)
	assert.Regexp(t, `^Writing migration files \(golang-migrate, alter\)\ndb: wrote 1 change \(SQLite\)\n  file \S+/\d{14}_slipway\.up\.sql\n  file \S+/\d{14}_slipway\.down\.sql\ngeocoder: skipped \(not migratable\)\n$`, stdout)

	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, regexp.MustCompile(`^\d{14}`).ReplaceAllString(e.Name(), "V"))
	}
	assert.ElementsMatch(t, []string{"V_slipway.sql", "V_notes.up.sql", "V_notes.down.sql", "V_slipway.up.sql", "V_slipway.down.sql"}, names)
	assert.False(t, tableExists(t, testdb.OpenURL(t, url), "notes"), "--write changes nothing")

	code, stdout, _ = runMigrate(t, noteApp(url), "--write", dir, "--format", "goose", "--models", "Nope")
	assert.Equal(t, 1, code)
	assert.Empty(t, strings.TrimPrefix(stdout, "Writing migration files (goose, alter)\n"))
}
