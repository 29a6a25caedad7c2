package app_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/uptrace/bun"
	"go.uber.org/fx"

	"github.com/slipwaygo/slipway/app"
	"github.com/slipwaygo/slipway/boot"
	"github.com/slipwaygo/slipway/repository"
	"github.com/slipwaygo/slipway/schema"
)

// Task is the model of these examples.
type Task struct {
	bun.BaseModel `bun:"table:tasks"`

	ID    int64  `bun:"id,pk,autoincrement" json:"id"`
	Title string `bun:"title,notnull" json:"title"`
	Done  bool   `bun:"done,notnull,default:false" json:"done"`
}

// exampleDB is a fresh SQLite database file for one example.
func exampleDB() (url string, cleanup func()) {
	dir, err := os.MkdirTemp("", "slipway-example-")
	if err != nil {
		log.Fatal(err)
	}
	return "sqlite:" + filepath.Join(dir, "app.db"), func() { _ = os.RemoveAll(dir) }
}

func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// An application with a SQL datasource and a web service: Boot builds it,
// MigrateSchema creates the tables and skips the web service, Start pings the
// database and starts the application's servers.
func ExampleApp() {
	dbURL, cleanup := exampleDB()
	defer cleanup()
	ctx := context.Background()

	a := app.New(
		boot.DataSource("db", dbURL),
		boot.HTTPDataSource("geocoder", "https://geocoder.example.com"),
		boot.Repository[Task]("db"),
		app.WithLogger(quietLogger()),
	)
	if err := a.Boot(ctx); err != nil {
		log.Fatal(err)
	}
	if err := a.MigrateSchema(ctx, schema.MigrateOptions{}); err != nil {
		log.Fatal(err)
	}
	if err := a.Start(ctx); err != nil {
		log.Fatal(err)
	}
	defer a.Stop(ctx)
	for _, ds := range a.Registry().DataSources() {
		fmt.Println(ds.Name())
	}
	// Output:
	// db
	// geocoder
}

// MigrateSchema reports what it did per datasource to a reporter: the
// first run creates the table, the second finds nothing to do.
func ExampleApp_MigrateSchema() {
	dbURL, cleanup := exampleDB()
	defer cleanup()
	ctx := app.WithReporter(context.Background(), func(r app.Report) {
		if r.Skipped {
			fmt.Printf("%s: skipped, %s\n", r.DataSource, r.Reason)
			return
		}
		fmt.Printf("%s: %d change(s)\n", r.DataSource, len(r.Plan.Changes))
		for _, c := range r.Plan.Changes {
			fmt.Println("  " + c.String())
		}
	})
	for range 2 {
		a := app.New(
			boot.DataSource("db", dbURL),
			boot.HTTPDataSource("geocoder", ""),
			boot.Repository[Task]("db"),
			app.WithLogger(quietLogger()),
		)
		if err := a.MigrateSchema(ctx, schema.MigrateOptions{}); err != nil {
			log.Fatal(err)
		}
		_ = a.Stop(ctx)
	}
	// Output:
	// db: 1 change(s)
	//   + table tasks
	// geocoder: skipped, not migratable
	// db: 0 change(s)
	// geocoder: skipped, not migratable
}

// TaskApp seeds data by overriding MigrateSchema: it calls the embedded
// method first, then creates the "welcome" task unless it exists, under the
// migration lock so that replicas starting together seed it once.
type TaskApp struct {
	*app.App
	tasks *repository.Repository[Task]
}

func NewTaskApp(dbURL string) *TaskApp {
	t := &TaskApp{}
	t.App = app.New(
		boot.DataSource("db", dbURL),
		boot.Repository[Task]("db"),
		fx.Populate(&t.tasks),
		app.WithLogger(quietLogger()),
	)
	return t
}

func (t *TaskApp) MigrateSchema(ctx context.Context, opts schema.MigrateOptions) error {
	if err := t.App.MigrateSchema(ctx, opts); err != nil || opts.DryRun {
		return err
	}
	return t.WithMigrationLock(ctx, "db", func(ctx context.Context) error {
		_, err := t.tasks.FindOne(ctx, &repository.Filter{Where: repository.Where{"title": "welcome"}})
		if errors.Is(err, repository.ErrNotFound) {
			return t.tasks.Create(ctx, &Task{Title: "welcome"})
		}
		return err
	})
}

// An application type embeds *app.App and overrides MigrateSchema to seed.
// Migrating twice (a restart) does not duplicate the seed.
func ExampleApp_MigrateSchema_override() {
	dbURL, cleanup := exampleDB()
	defer cleanup()
	ctx := context.Background()
	for range 2 {
		a := NewTaskApp(dbURL)
		if err := a.MigrateSchema(ctx, schema.MigrateOptions{}); err != nil {
			log.Fatal(err)
		}
		n, err := a.tasks.Count(ctx, nil)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("tasks:", n)
		_ = a.Stop(ctx)
	}
	// Output:
	// tasks: 1
	// tasks: 1
}

// A migration hook gets its dependencies from fx and runs after the schema
// work, inside the migration's lock and transaction.
func ExampleAsHook() {
	dbURL, cleanup := exampleDB()
	defer cleanup()
	ctx := context.Background()

	a := app.New(
		boot.DataSource("db", dbURL),
		boot.Repository[Task]("db"),
		app.AsHook(func(tasks *repository.Repository[Task]) app.Hook {
			return app.Hook{Name: "welcome", Run: func(ctx context.Context) error {
				exists, err := tasks.Count(ctx, repository.Where{"title": "welcome"})
				if err != nil || exists > 0 {
					return err
				}
				return tasks.Create(ctx, &Task{Title: "welcome"})
			}}
		}),
		app.WithLogger(quietLogger()),
	)
	ctx = app.WithReporter(ctx, func(r app.Report) { fmt.Println(r.DataSource, "hooks:", r.Hooks) })
	if err := a.MigrateSchema(ctx, schema.MigrateOptions{}); err != nil {
		log.Fatal(err)
	}
	defer a.Stop(ctx)
	// Output:
	// db hooks: [welcome]
}

// Migrate-at-start in a plain fx application: the migration, and its
// hooks, run in an OnStart hook before the application's own.
func ExampleMigrationModule() {
	dir, err := os.MkdirTemp("", "slipway-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()

	fxApp := fx.New(
		fx.NopLogger,
		boot.Module,
		app.MigrationModule(schema.MigrateOptions{}),
		fx.Supply(slog.New(slog.DiscardHandler)),
		boot.DataSource("db", "sqlite:"+filepath.Join(dir, "tasks.db")),
		boot.Repository[Task]("db"),
		app.MigrationHook(app.Hook{Name: "seed", Run: func(context.Context) error {
			fmt.Println("migrated; seeding")
			return nil
		}}),
		fx.Invoke(func(lc fx.Lifecycle, tasks *repository.Repository[Task]) {
			lc.Append(fx.Hook{OnStart: func(ctx context.Context) error {
				n, err := tasks.Count(ctx, nil)
				fmt.Println("serving;", n, "tasks")
				return err
			}})
		}),
	)
	if err := fxApp.Start(ctx); err != nil {
		log.Fatal(err)
	}
	if err := fxApp.Stop(ctx); err != nil {
		log.Fatal(err)
	}
	// Output:
	// migrated; seeding
	// serving; 0 tasks
}
