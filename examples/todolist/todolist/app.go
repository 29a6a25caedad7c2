// Package todolist is LoopBack's Todo list as a Slipway application: three
// models with has-many, belongs-to and has-one relations, a SQL datasource
// "db", a REST datasource "geocoder" that MigrateSchema skips, LoopBack's
// REST routes served by the rest package, and a MigrateSchema override that
// seeds the "welcome" todo.
package todolist

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"

	"go.uber.org/fx"

	"github.com/slipwaygo/slipway/app"
	"github.com/slipwaygo/slipway/boot"
	_ "github.com/slipwaygo/slipway/driver/mysql" // DATABASE_URL may name any of the three
	_ "github.com/slipwaygo/slipway/driver/postgres"
	_ "github.com/slipwaygo/slipway/driver/sqlite"
	"github.com/slipwaygo/slipway/repository"
	"github.com/slipwaygo/slipway/rest"
	"github.com/slipwaygo/slipway/schema"
)

// Config is what the application reads from its environment.
type Config struct {
	// DatabaseURL is the "db" datasource: postgres://, mysql://, sqlite:PATH.
	DatabaseURL string
	// GeocoderURL is the geocoder's endpoint; empty leaves it unconfigured
	// and todos are stored without coordinates.
	GeocoderURL string
	// Addr is where the API listens (HOST:PORT).
	Addr string
	// Logger receives the application's logs; nil is slog.Default().
	Logger *slog.Logger
}

// DefaultDatabaseURL is the database used when DATABASE_URL is not set: a
// SQLite file in the working directory, so the example needs no server.
const DefaultDatabaseURL = "sqlite:todolist.db"

// ConfigFromEnv reads DATABASE_URL, GEOCODER_URL, HOST and PORT, with the
// defaults sqlite:todolist.db, no geocoder, 127.0.0.1 and 3000.
func ConfigFromEnv() Config {
	return Config{
		DatabaseURL: cmp.Or(os.Getenv(boot.DatabaseURLEnv), DefaultDatabaseURL),
		GeocoderURL: os.Getenv("GEOCODER_URL"),
		Addr:        net.JoinHostPort(cmp.Or(os.Getenv("HOST"), "127.0.0.1"), cmp.Or(os.Getenv("PORT"), "3000")),
	}
}

// App is the Todo list application. It embeds *app.App and overrides
// MigrateSchema to seed the welcome todo.
type App struct {
	*app.App

	todos  *repository.Repository[Todo]
	server *rest.Server
}

// NewApp returns the application configured from the environment.
func NewApp() *App { return New(ConfigFromEnv()) }

// New returns the application for cfg; opts are added to its fx graph.
//
// The application is its declarations: two datasources, three models and
// their repositories, the routes of each model and relation, and the
// geocoder's check on todos. The rest package serves them (LoopBack's
// routes, an OpenAPI document at /openapi.json, /ping and /health).
func New(cfg Config, opts ...fx.Option) *App {
	a := &App{}
	options := []fx.Option{
		boot.DataSource("db", cfg.DatabaseURL),
		boot.HTTPDataSource("geocoder", cfg.GeocoderURL),
		boot.Repository[TodoList]("db"),
		boot.Repository[Todo]("db"),
		boot.Repository[TodoListImage]("db"),

		rest.Module(rest.Config{Addr: cfg.Addr, Title: "Todo list", Version: "1.0.0"}),
		rest.Model[Todo]("/todos"),
		rest.Model[TodoList]("/todo-lists"),
		rest.Model[TodoListImage]("/todo-list-images"),
		rest.BelongsTo[Todo, TodoList]("/todos/{id}/todo-list", "todoList"),
		rest.HasMany[TodoList, Todo]("/todo-lists/{id}/todos", "todos"),
		rest.HasOne[TodoList, TodoListImage]("/todo-lists/{id}/todo-list-image", "image"),
		rest.BelongsTo[TodoListImage, TodoList]("/todo-list-images/{id}/todo-list", "todoList"),

		fx.Provide(fx.Annotate(NewGeocoder, fx.ParamTags(`name:"geocoder"`))),
		rest.WithCheck[Todo](func(g *Geocoder) rest.Check[Todo] { return g.Check }),
		fx.Populate(&a.todos, &a.server),
	}
	if cfg.Logger != nil {
		options = append(options, app.WithLogger(cfg.Logger))
	}
	a.App = app.New(append(options, opts...)...)
	return a
}

// WelcomeTitle is the title of the todo MigrateSchema seeds.
const WelcomeTitle = "welcome"

// MigrateSchema migrates every datasource (the embedded method), then makes
// sure the "welcome" todo exists and is not complete: it finds it by title
// and updates it, or creates it. It runs under the migration lock, so that
// replicas starting together create it once, and a restart never duplicates
// it. A dry run, or a run limited to models other than Todo, seeds nothing.
func (a *App) MigrateSchema(ctx context.Context, opts schema.MigrateOptions) error {
	if err := a.App.MigrateSchema(ctx, opts); err != nil || opts.DryRun {
		return err
	}
	if len(opts.Models) > 0 && !slices.ContainsFunc(opts.Models, func(m string) bool { return m == "Todo" || m == "todos" }) {
		return nil
	}
	return a.WithMigrationLock(ctx, "db", func(ctx context.Context) error {
		welcome, err := a.todos.FindOne(ctx, &repository.Filter{Where: repository.Where{"title": WelcomeTitle}})
		switch {
		case errors.Is(err, repository.ErrNotFound):
			desc := "Welcome to Slipway: your database schema follows your models."
			return a.todos.Create(ctx, &Todo{Title: WelcomeTitle, Desc: &desc})
		case err != nil:
			return fmt.Errorf("todolist: finding the welcome todo: %w", err)
		case welcome.IsComplete:
			return a.todos.UpdateByID(ctx, welcome.ID, repository.Patch{"isComplete": false})
		}
		return nil
	})
}

// Handler is the REST API, for tests and for mounting elsewhere. The
// application must have booted.
func (a *App) Handler() http.Handler {
	if a.server == nil {
		panic("todolist: Handler called before Boot")
	}
	return a.server
}

// Addr is the address the API listens on once Listen or Start took it
// ("" before).
func (a *App) Addr() string {
	if a.server == nil {
		return ""
	}
	return a.server.Addr()
}
