package tooltest

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	gomigrate "github.com/golang-migrate/migrate/v4"
	gomigratedb "github.com/golang-migrate/migrate/v4/database"
	gomigratemysql "github.com/golang-migrate/migrate/v4/database/mysql"
	gomigratepgx "github.com/golang-migrate/migrate/v4/database/pgx/v5"
	gomigratesqlite "github.com/golang-migrate/migrate/v4/database/sqlite"
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"github.com/pressly/goose/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"
	bunmigrate "github.com/uptrace/bun/migrate"
	"go.uber.org/fx"

	"github.com/slipwaygo/slipway/app"
	"github.com/slipwaygo/slipway/boot"
	"github.com/slipwaygo/slipway/internal/testdb"
	"github.com/slipwaygo/slipway/schema"
)

// Author is the table version 2 adds.
type Author struct {
	bun.BaseModel `bun:"table:authors"`
	ID            int64  `bun:",pk,autoincrement"`
	Name          string `bun:",notnull"`
}

// BookV1 is the first version of the books table.
type BookV1 struct {
	bun.BaseModel `bun:"table:books"`
	ID            int64  `bun:",pk,autoincrement"`
	Title         string `bun:"type:varchar(40),notnull"`
	Pages         int32  `bun:",notnull,default:0"`
	Shelf         *string
	Legacy        *string
}

// BookV2 changes what a reviewed migration typically changes: a wider
// type, a new default, NOT NULL, a column with a foreign key to a new
// table, an index and a unique index; Legacy is no longer declared, and its
// drop is withheld.
type BookV2 struct {
	bun.BaseModel `bun:"table:books"`
	ID            int64   `bun:",pk,autoincrement"`
	Title         string  `bun:"type:varchar(60),notnull" slipway:"index"`
	Pages         int64   `bun:",notnull,default:1"`
	Shelf         string  `bun:",notnull,default:'main'" slipway:"unique_index"`
	Note          *string `bun:"type:varchar(20)"`
	AuthorID      *int64
	Author        *Author `bun:"rel:belongs-to,join:author_id=id"`
}

var (
	v1 = []any{(*BookV1)(nil)}
	v2 = []any{(*Author)(nil), (*BookV2)(nil)}
)

// migrateApp is an application whose "db" datasource backs the models.
func migrateApp(url string, models ...any) *app.App {
	opts := []fx.Option{boot.DataSource("db", url), app.WithLogger(slog.New(slog.DiscardHandler))}
	for _, m := range models {
		switch m.(type) {
		case *BookV1:
			opts = append(opts, boot.Repository[BookV1]("db"))
		case *BookV2:
			opts = append(opts, boot.Repository[BookV2]("db"))
		case *Author:
			opts = append(opts, boot.Repository[Author]("db"))
		}
	}
	return app.New(opts...)
}

var wrote = regexp.MustCompile(`\S+\.sql\b`)

// write runs the migrate command with --write for the models and returns
// the files it wrote.
func write(t *testing.T, url, dir, format string, models []any, flags ...string) []string {
	t.Helper()
	var out, errOut bytes.Buffer
	args := append([]string{"--write", dir, "--format", format}, flags...)
	code := app.MigrateCommand(context.Background(), migrateApp(url, models...), args, &out, &errOut)
	require.Equal(t, 0, code, errOut.String())
	files := wrote.FindAllString(out.String(), -1)
	require.NotEmpty(t, files, out.String())
	return files
}

// assertActual checks with a Slipway Migrator that the database matches
// the models exactly: nothing to apply, nothing withheld.
func assertActual(t *testing.T, db *bun.DB, withheld int, models ...any) {
	t.Helper()
	plan, err := schema.NewMigrator(db, models...).Plan(context.Background(), schema.MigrateOptions{})
	require.NoError(t, err)
	assert.Empty(t, plan.SQL(), "the database matches the models:\n%s", plan)
	assert.Len(t, plan.Withheld(), withheld, "%s", plan)
}

func count(t *testing.T, db *bun.DB, table string) int {
	t.Helper()
	n, err := db.NewSelect().Table(table).Count(context.Background())
	require.NoError(t, err)
	return int(n)
}

// runner runs one tool on the migration files of a directory.
type runner interface {
	// up applies every file not applied yet.
	up(t *testing.T) error
	// down undoes the files of the last write.
	down(t *testing.T, files []string) error
}

type tool struct {
	format string
	open   func(t *testing.T, d testdb.Dialect, url, dir string) runner
}

var tools = []tool{
	{format: "goose", open: openGoose},
	{format: "golang-migrate", open: openGolangMigrate},
	{format: "bun", open: openBun},
}

// TestToolsRunTheWrittenFiles writes a first migration (a new table), then
// a second (every kind of change on a table with rows), runs each with the
// tool, and checks the database with a Slipway Migrator; then it runs the
// second migration's down and finds the first state, runs the up again, and
// writes a third migration, with --allow-data-loss, that drops the column
// the second withheld: its down fails, saying why.
func TestToolsRunTheWrittenFiles(t *testing.T) {
	t.Parallel()
	for _, tl := range tools {
		t.Run(tl.format, func(t *testing.T) {
			t.Parallel()
			for _, d := range testdb.Dialects {
				t.Run(string(d), func(t *testing.T) {
					t.Parallel()
					url := testdb.URL(t, d)
					db := testdb.OpenURL(t, url)
					dir := t.TempDir()

					write(t, url, dir, tl.format, v1)
					require.NoError(t, tl.open(t, d, url, dir).up(t))
					assertActual(t, db, 0, v1...)
					_, err := db.NewInsert().Model(&[]BookV1{{Title: "Dune", Shelf: ptr("top")}, {Title: "Emma", Shelf: ptr("main"), Legacy: ptr("x")}}).Exec(context.Background())
					require.NoError(t, err)

					second := write(t, url, dir, tl.format, v2)
					require.NoError(t, tl.open(t, d, url, dir).up(t))
					assertActual(t, db, 1, v2...) // legacy's drop stays withheld
					assert.Equal(t, 2, count(t, db, "books"))

					require.NoError(t, tl.open(t, d, url, dir).down(t, second))
					assertActual(t, db, 0, v1...)
					again, err := schema.NewMigrator(db, v1...).Plan(context.Background(), schema.MigrateOptions{})
					require.NoError(t, err)
					assert.Empty(t, again.Changes, "the down restores the first state:\n%s", again)
					assert.Equal(t, 2, count(t, db, "books"))

					require.NoError(t, tl.open(t, d, url, dir).up(t), "the second migration runs again after its down")
					assertActual(t, db, 1, v2...)

					third := write(t, url, dir, tl.format, v2, "--allow-data-loss")
					require.NoError(t, tl.open(t, d, url, dir).up(t))
					assertActual(t, db, 0, v2...)
					content, err := os.ReadFile(third[len(third)-1])
					require.NoError(t, err)
					assert.Contains(t, string(content), "it drops column books.legacy and the data in it.")
					err = tl.open(t, d, url, dir).down(t, third)
					require.Error(t, err, "the down of a dropped column fails")
					assert.Contains(t, err.Error(), "slipway: irreversible migration (read the down file)")
				})
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// ---- goose ----

type gooseRunner struct{ p *goose.Provider }

func openGoose(t *testing.T, d testdb.Dialect, url, dir string) runner {
	dialect := map[testdb.Dialect]goose.Dialect{testdb.SQLite: goose.DialectSQLite3, testdb.Postgres: goose.DialectPostgres, testdb.MySQL: goose.DialectMySQL}[d]
	p, err := goose.NewProvider(dialect, testdb.OpenURL(t, url).DB, os.DirFS(dir))
	require.NoError(t, err)
	return gooseRunner{p}
}

func (g gooseRunner) up(*testing.T) error {
	_, err := g.p.Up(context.Background())
	return err
}

func (g gooseRunner) down(t *testing.T, files []string) error {
	require.Len(t, files, 1, "goose: one file per migration")
	_, err := g.p.Down(context.Background())
	return err
}

// ---- golang-migrate ----

type golangMigrateRunner struct{ m *gomigrate.Migrate }

func openGolangMigrate(t *testing.T, d testdb.Dialect, url, dir string) runner {
	var (
		driver gomigratedb.Driver
		err    error
	)
	switch d {
	case testdb.SQLite:
		// x-no-tx-wrap=true: the files manage their own transaction.
		driver, err = gomigratesqlite.WithInstance(testdb.OpenURL(t, url).DB, &gomigratesqlite.Config{NoTxWrap: true})
	case testdb.Postgres:
		driver, err = gomigratepgx.WithInstance(testdb.OpenURL(t, url).DB, &gomigratepgx.Config{})
	case testdb.MySQL:
		// multiStatements=true: a file holds several statements.
		driver, err = gomigratemysql.WithInstance(testdb.OpenURL(t, url+"?multiStatements=true").DB, &gomigratemysql.Config{})
	}
	require.NoError(t, err)
	src, err := iofs.New(os.DirFS(dir), ".")
	require.NoError(t, err)
	m, err := gomigrate.NewWithInstance("iofs", src, string(d), driver)
	require.NoError(t, err)
	return golangMigrateRunner{m}
}

func (g golangMigrateRunner) up(*testing.T) error {
	if err := g.m.Up(); err != nil && !errors.Is(err, gomigrate.ErrNoChange) {
		return err
	}
	return nil
}

func (g golangMigrateRunner) down(_ *testing.T, files []string) error {
	versions := map[string]bool{}
	for _, f := range files {
		v, _, _ := strings.Cut(filepath.Base(f), "_")
		versions[v] = true
	}
	return g.m.Steps(-len(versions))
}

// ---- bun ----

type bunRunner struct{ m *bunmigrate.Migrator }

func openBun(t *testing.T, _ testdb.Dialect, url, dir string) runner {
	migrations := bunmigrate.NewMigrations()
	require.NoError(t, migrations.Discover(os.DirFS(dir)))
	m := bunmigrate.NewMigrator(testdb.OpenURL(t, url), migrations)
	require.NoError(t, m.Init(context.Background()))
	return bunRunner{m}
}

func (b bunRunner) up(*testing.T) error {
	_, err := b.m.Migrate(context.Background())
	return err
}

func (b bunRunner) down(*testing.T, []string) error {
	_, err := b.m.Rollback(context.Background())
	return err
}
