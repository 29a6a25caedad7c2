package app_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"
	"go.uber.org/fx"
	"golang.org/x/sync/errgroup"

	"github.com/slipwaygo/slipway/app"
	"github.com/slipwaygo/slipway/boot"
	"github.com/slipwaygo/slipway/internal/testdb"
	"github.com/slipwaygo/slipway/repository"
	"github.com/slipwaygo/slipway/schema"
)

type Note struct {
	bun.BaseModel `bun:"table:notes"`
	ID            int64  `bun:",pk,autoincrement" json:"id"`
	Title         string `bun:",notnull" json:"title"`
	Done          bool   `bun:",notnull,default:false" json:"done"`
}

type Tag struct {
	bun.BaseModel `bun:"table:tags"`
	ID            int64  `bun:",pk,autoincrement"`
	Name          string `bun:",notnull,unique"`
}

type Audit struct {
	bun.BaseModel `bun:"table:audits"`
	ID            int64  `bun:",pk,autoincrement"`
	What          string `bun:",notnull"`
}

// quiet is a logger that drops everything.
func quiet() fx.Option { return app.WithLogger(slog.New(slog.DiscardHandler)) }

func tableExists(t *testing.T, db *bun.DB, table string) bool {
	t.Helper()
	var n int
	var query string
	switch db.Dialect().Name().String() {
	case "pg":
		query = "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?"
	case "mysql":
		query = "SELECT count(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?"
	default:
		query = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?"
	}
	require.NoError(t, db.QueryRowContext(context.Background(), query, table).Scan(&n))
	return n == 1
}

func TestMigrateSchema_EveryDataSourceOfEveryDialect(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	var (
		opts  []fx.Option
		dbs   = map[string]*bun.DB{}
		names []string
	)
	for _, d := range testdb.Dialects {
		name := "db_" + string(d)
		ds, err := repository.Open(name, testdb.URL(t, d))
		require.NoError(t, err)
		ds.Attach((*Tag)(nil), (*Audit)(nil)) // models without a repository
		opts = append(opts, boot.Supply(ds))
		dbs[name] = testdb.OpenURL(t, ds.URL())
		names = append(names, name)
	}
	noteURL := testdb.URL(t, testdb.Dialects[0])
	opts = append(opts,
		boot.DataSource("db", noteURL),
		boot.Repository[Note]("db"),
		boot.HTTPDataSource("geocoder", "https://geocoder.example/api"),
		quiet())

	a := app.New(opts...)
	var reports []app.Report
	require.NoError(t, a.MigrateSchema(app.WithReporter(ctx, func(r app.Report) { reports = append(reports, r) }), schema.MigrateOptions{}))
	t.Cleanup(func() { _ = a.Stop(context.Background()) })

	var got []string
	for _, r := range reports {
		if r.Skipped {
			got = append(got, r.DataSource+": skipped: "+r.Reason)
			continue
		}
		got = append(got, fmt.Sprintf("%s: %d changes", r.DataSource, len(r.Plan.Changes)))
	}
	want := []string{"db: 1 changes"}
	for _, n := range names {
		want = append(want, n+": 2 changes")
	}
	want = append(want, "geocoder: skipped: not migratable")
	assert.ElementsMatch(t, want, got)
	assert.Equal(t, "db", reports[0].DataSource, "datasources in name order")

	for _, n := range names {
		assert.True(t, tableExists(t, dbs[n], "tags"), n)
		assert.True(t, tableExists(t, dbs[n], "audits"), n)
		assert.False(t, tableExists(t, dbs[n], "notes"), "a datasource creates only the models it backs")
	}
	assert.True(t, tableExists(t, testdb.OpenURL(t, noteURL), "notes"))
}

func TestMigrateSchema_ModelsLimitsTheWork(t *testing.T) {
	t.Parallel()
	url := testdb.URL(t, testdb.Dialects[0])
	ds, err := repository.Open("db", url)
	require.NoError(t, err)
	ds.Attach((*Tag)(nil), (*Audit)(nil))
	a := app.New(boot.Supply(ds), boot.HTTPDataSource("geocoder", ""), quiet())
	t.Cleanup(func() { _ = a.Stop(context.Background()) })

	var reports []app.Report
	ctx := app.WithReporter(t.Context(), func(r app.Report) { reports = append(reports, r) })
	require.NoError(t, a.MigrateSchema(ctx, schema.MigrateOptions{Models: []string{"Tag"}}))
	db := testdb.OpenURL(t, url)
	assert.True(t, tableExists(t, db, "tags"))
	assert.False(t, tableExists(t, db, "audits"))

	err = a.MigrateSchema(t.Context(), schema.MigrateOptions{Models: []string{"Tga"}})
	assert.ErrorContains(t, err, `unknown model "Tga" in Models`)
}

// welcomeApp seeds the way LoopBack's Todo example does: it overrides
// MigrateSchema and calls the embedded method first.
type welcomeApp struct {
	*app.App
	notes *repository.Repository[Note]
}

func newWelcomeApp(url string) *welcomeApp {
	w := &welcomeApp{}
	w.App = app.New(boot.DataSource("db", url), boot.Repository[Note]("db"), fx.Populate(&w.notes), quiet())
	return w
}

func (w *welcomeApp) MigrateSchema(ctx context.Context, opts schema.MigrateOptions) error {
	if err := w.App.MigrateSchema(ctx, opts); err != nil || opts.DryRun {
		return err
	}
	return w.WithMigrationLock(ctx, "db", func(ctx context.Context) error { return seedWelcome(ctx, w.notes) })
}

func seedWelcome(ctx context.Context, notes *repository.Repository[Note]) error {
	found, err := notes.FindOne(ctx, &repository.Filter{Where: repository.Where{"title": "welcome"}})
	switch {
	case errors.Is(err, repository.ErrNotFound):
		return notes.Create(ctx, &Note{Title: "welcome"})
	case err != nil:
		return err
	default:
		return notes.UpdateByID(ctx, found.ID, repository.Patch{"done": false})
	}
}

// hookApp seeds with a migration hook whose repository fx injects.
func newHookApp(url string) *app.App {
	return app.New(
		boot.DataSource("db", url),
		boot.Repository[Note]("db"),
		app.AsHook(func(notes *repository.Repository[Note]) app.Hook {
			return app.Hook{Name: "welcome", Run: func(ctx context.Context) error { return seedWelcome(ctx, notes) }}
		}),
		quiet())
}

func countWelcome(t *testing.T, url string) int {
	t.Helper()
	var n int
	require.NoError(t, testdb.OpenURL(t, url).NewSelect().Table("notes").ColumnExpr("count(*)").Where("title = 'welcome'").Scan(context.Background(), &n))
	return n
}

func TestSeeding_OverrideAndHookSeedExactlyOnceAcrossReplicas(t *testing.T) {
	t.Parallel()
	builders := map[string]func(url string) app.Migrater{
		"override": func(url string) app.Migrater { return newWelcomeApp(url) },
		"hook":     func(url string) app.Migrater { return newHookApp(url) },
	}
	for name, build := range builders {
		for _, d := range testdb.Dialects {
			t.Run(name+"/"+string(d), func(t *testing.T) {
				t.Parallel()
				url := testdb.URL(t, d)
				const replicas = 4
				var g errgroup.Group
				for range replicas {
					a := build(url)
					t.Cleanup(func() { _ = a.Stop(context.Background()) })
					g.Go(func() error { return a.MigrateSchema(context.Background(), schema.MigrateOptions{}) })
				}
				require.NoError(t, g.Wait())
				assert.Equal(t, 1, countWelcome(t, url), "seeded exactly once")

				// A restart updates the record instead of duplicating it.
				again := build(url)
				require.NoError(t, again.MigrateSchema(t.Context(), schema.MigrateOptions{}))
				require.NoError(t, again.Stop(t.Context()))
				assert.Equal(t, 1, countWelcome(t, url))
				// A dry run seeds nothing and changes nothing.
				dry := build(url)
				require.NoError(t, dry.MigrateSchema(t.Context(), schema.MigrateOptions{DryRun: true, Rebuild: true}))
				require.NoError(t, dry.Stop(t.Context()))
				assert.Equal(t, 1, countWelcome(t, url))
			})
		}
	}
}

func TestHooks_RunInOrderAndAFailureNamesTheHookAndUndoesTheMigration(t *testing.T) {
	t.Parallel()
	for _, d := range []testdb.Dialect{testdb.SQLite, testdb.Postgres} { // the undo needs transactional DDL
		t.Run(string(d), func(t *testing.T) {
			url := testdb.URL(t, d)
			var order []string
			record := func(name string, order_ int, err error) fx.Option {
				return app.MigrationHook(app.Hook{Name: name, Order: order_, Run: func(context.Context) error {
					order = append(order, name)
					return err
				}})
			}
			a := app.New(boot.DataSource("db", url), boot.Repository[Note]("db"),
				record("c", 2, nil), record("a", 1, nil), record("b", 1, nil), quiet())
			require.NoError(t, a.MigrateSchema(t.Context(), schema.MigrateOptions{}))
			require.NoError(t, a.Stop(t.Context()))
			assert.Equal(t, []string{"a", "b", "c"}, order, "by Order, then Name")

			url2 := testdb.URL(t, d)
			failing := app.New(boot.DataSource("db", url2), boot.Repository[Note]("db"), record("broken", 0, errors.New("boom")), quiet())
			err := failing.MigrateSchema(t.Context(), schema.MigrateOptions{})
			assert.ErrorContains(t, err, `app: datasource "db": migration hook "broken": boom`)
			require.NoError(t, failing.Stop(t.Context()))
			assert.False(t, tableExists(t, testdb.OpenURL(t, url2), "notes"), "the schema change was undone with the hook's transaction")
		})
	}
}

func TestBoot_Errors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		give []fx.Option
		want string
	}{
		{name: "bad URL", give: []fx.Option{boot.DataSource("db", "oracle://u:hunter2@x/y")}, want: `datasource "db": database URL "oracle://u:xxxxx@x/y": unsupported scheme`},
		{name: "same name twice", give: []fx.Option{boot.DataSource("db", "sqlite::memory:"), boot.HTTPDataSource("db", "")}, want: `two datasources are named "db"`},
		{name: "repository on a missing datasource", give: []fx.Option{boot.Repository[Note]("nope")}, want: `missing type: *repository.SQL[name="nope"]`},
		{name: "hook without a name", give: []fx.Option{app.MigrationHook(app.Hook{Run: func(context.Context) error { return nil }})}, want: "a migration hook has no Name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := app.New(append(tt.give, quiet())...)
			err := a.Boot(t.Context())
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "hunter2")
		})
	}
}

func TestMigrateSchema_HookOnAnUnknownDataSource(t *testing.T) {
	t.Parallel()
	a := app.New(boot.DataSource("db", testdb.URL(t, testdb.Dialects[0])), boot.HTTPDataSource("geocoder", ""),
		app.MigrationHook(app.Hook{Name: "x", DataSource: "cache", Run: func(context.Context) error { return nil }}),
		app.MigrationHook(app.Hook{Name: "y", DataSource: "geocoder", Run: func(context.Context) error { return nil }}),
		quiet())
	t.Cleanup(func() { _ = a.Stop(context.Background()) })
	err := a.MigrateSchema(t.Context(), schema.MigrateOptions{})
	assert.ErrorContains(t, err, `migration hook "x": no datasource named "cache"`)
}

func TestStart_UnreachableDatabaseIsAClearErrorWithoutThePassword(t *testing.T) {
	t.Parallel()
	for _, url := range []string{
		"postgres://app:s3cret-pw@127.0.0.1:1/app?sslmode=disable&connect_timeout=2",
		"mysql://app:s3cret-pw@127.0.0.1:1/app?timeout=2s",
	} {
		a := app.New(boot.DataSource("db", url), boot.Repository[Note]("db"), quiet())
		require.NoError(t, a.Boot(t.Context()), "booting opens nothing")
		err := a.Start(t.Context())
		require.Error(t, err)
		assert.Contains(t, err.Error(), `app: start: repository: datasource "db" (`)
		assert.Contains(t, err.Error(), "app:xxxxx@127.0.0.1:1")
		assert.NotContains(t, err.Error(), "s3cret-pw")

		err = a.MigrateSchema(t.Context(), schema.MigrateOptions{})
		require.Error(t, err)
		assert.Contains(t, err.Error(), `datasource "db"`)
		assert.NotContains(t, err.Error(), "s3cret-pw")
		require.NoError(t, a.Stop(t.Context()))
	}
}

func TestStart_MigrateOnStartRunsBeforeTheApplicationsHooks(t *testing.T) {
	t.Parallel()
	url := testdb.URL(t, testdb.Dialects[0])
	var events []string
	a := app.New(
		boot.DataSource("db", url),
		boot.Repository[Note]("db"),
		app.MigrateOnStart(schema.MigrateOptions{}),
		app.MigrationHook(app.Hook{Name: "seed", Run: func(context.Context) error { events = append(events, "seed"); return nil }}),
		fx.Module("server", fx.Invoke(func(lc fx.Lifecycle, notes *repository.Repository[Note]) {
			lc.Append(fx.Hook{OnStart: func(ctx context.Context) error {
				n, err := notes.Count(ctx, nil) // the table exists by now
				events = append(events, fmt.Sprintf("server start (%d notes)", n))
				return err
			}, OnStop: func(context.Context) error { events = append(events, "server stop"); return nil }})
		})),
		quiet())
	require.NoError(t, a.Start(t.Context()))
	require.NoError(t, a.Stop(t.Context()))
	assert.Equal(t, []string{"seed", "server start (0 notes)", "server stop"}, events)
	assert.True(t, tableExists(t, testdb.OpenURL(t, url), "notes"))
}

func TestLogging_AHealthyRunPrintsOneLinePerDataSource(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	var mu sync.Mutex
	log := slog.New(slog.NewTextHandler(lockedWriter{&buf, &mu}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	a := app.New(boot.DataSource("db", testdb.URL(t, testdb.Dialects[0])), boot.Repository[Note]("db"),
		boot.HTTPDataSource("geocoder", ""), app.WithLogger(log))
	require.NoError(t, a.Boot(t.Context()))
	require.NoError(t, a.MigrateSchema(t.Context(), schema.MigrateOptions{}))
	require.NoError(t, a.Start(t.Context()))
	require.NoError(t, a.Stop(t.Context()))
	mu.Lock()
	defer mu.Unlock()
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Len(t, lines, 2, "output:\n%s", buf.String())
	assert.Contains(t, lines[0], `msg="app: migrated" datasource=db target=sqlite:`)
	assert.Contains(t, lines[0], "changes=1")
	assert.Contains(t, lines[1], `msg="app: datasource" datasource=geocoder target="(not configured)"`, "Start names the datasources no migration named")
}

type lockedWriter struct {
	buf *bytes.Buffer
	mu  *sync.Mutex
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func TestApp_GraphIsValid(t *testing.T) {
	t.Parallel()
	require.NoError(t, fx.ValidateApp(
		fx.NopLogger,
		boot.Module,
		boot.DataSource("db", "sqlite::memory:"),
		boot.Repository[Note]("db"),
		boot.HTTPDataSource("geocoder", ""),
		fx.Invoke(func(*boot.Registry, *repository.Repository[Note]) {}),
	))
}

// TestRun_StopsGracefullyOnSIGTERM runs the application in a child process
// and stops it with SIGTERM: it must exit with status 0.
func TestRun_StopsGracefullyOnSIGTERM(t *testing.T) {
	t.Parallel()
	if os.Getenv("SLIPWAY_RUN_CHILD") == "1" {
		a := app.New(boot.DataSource("db", "sqlite:"+os.Getenv("SLIPWAY_RUN_DB")), quiet(),
			fx.Invoke(func(lc fx.Lifecycle) {
				lc.Append(fx.Hook{OnStart: func(context.Context) error { fmt.Println("started"); return nil }})
			}))
		a.Run()
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestRun_StopsGracefullyOnSIGTERM$")
	cmd.Env = append(os.Environ(), "SLIPWAY_RUN_CHILD=1", "SLIPWAY_RUN_DB="+filepath.Join(t.TempDir(), "run.db"))
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	require.NoError(t, cmd.Start())
	require.Eventually(t, func() bool { return strings.Contains(out.String(), "started") }, 20*time.Second, 20*time.Millisecond)
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	err := cmd.Wait()
	assert.NoError(t, err, "exit status 0 after a graceful stop; output:\n%s", out.String())
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
