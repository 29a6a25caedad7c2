// Package todolist is LoopBack's Todo list as a Slipway application: two
// models with a has-many / belongs-to relation, a SQL datasource "db", a REST
// datasource "geocoder" that MigrateSchema skips, a JSON API on net/http, and
// a MigrateSchema override that seeds the "welcome" todo.
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
	"time"

	"go.uber.org/fx"

	"github.com/slipwaygo/slipway/app"
	"github.com/slipwaygo/slipway/boot"
	"github.com/slipwaygo/slipway/repository"
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

	todos *repository.Repository[Todo]
	api   *API
	srv   *server
}

// NewApp returns the application configured from the environment.
func NewApp() *App { return New(ConfigFromEnv()) }

// New returns the application for cfg; opts are added to its fx graph.
func New(cfg Config, opts ...fx.Option) *App {
	a := &App{}
	options := []fx.Option{
		boot.DataSource("db", cfg.DatabaseURL),
		boot.HTTPDataSource("geocoder", cfg.GeocoderURL),
		boot.Repository[TodoList]("db"),
		boot.Repository[Todo]("db"),
		fx.Provide(
			fx.Annotate(NewGeocoder, fx.ParamTags(`name:"geocoder"`)),
			NewAPI,
			func(api *API, lc fx.Lifecycle, log *slog.Logger) *server {
				return newServer(cfg.Addr, api, lc, log)
			},
		),
		fx.Populate(&a.todos, &a.api, &a.srv),
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
	if a.api == nil {
		panic("todolist: Handler called before Boot")
	}
	return a.api
}

// Addr is the address the API listens on once started ("" before).
func (a *App) Addr() string {
	if a.srv == nil {
		return ""
	}
	return a.srv.addr()
}

// server serves the API on the application's lifecycle.
type server struct {
	http *http.Server
	ln   net.Listener
}

func newServer(addr string, h http.Handler, lc fx.Lifecycle, log *slog.Logger) *server {
	s := &server{http: &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelError),
	}}
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error {
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return fmt.Errorf("todolist: listening on %s: %w", addr, err)
			}
			s.ln = ln
			log.Info("todolist: listening", "url", "http://"+ln.Addr().String())
			go func() {
				if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
					log.Error("todolist: server stopped", "error", err)
				}
			}()
			return nil
		},
		OnStop: func(ctx context.Context) error { return s.http.Shutdown(ctx) },
	})
	return s
}

func (s *server) addr() string {
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}
