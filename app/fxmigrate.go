package app

import (
	"context"
	"fmt"
	"log/slog"

	"go.uber.org/fx"

	"github.com/slipwaygo/slipway/boot"
	"github.com/slipwaygo/slipway/schema"
)

// migrationParams are what MigrationModule takes from a plain fx graph.
type migrationParams struct {
	fx.In

	Lifecycle fx.Lifecycle
	Registry  *boot.Registry
	Hooks     []Hook       `group:"slipway.hooks"`
	Log       *slog.Logger `optional:"true"`
}

// MigrationModule is migrate-at-start for a plain fx application, one that
// uses boot.Module rather than App: an OnStart hook that migrates every
// datasource with opts, then runs the migration hooks (AsHook,
// MigrationHook) inside each datasource's lock, exactly as
// App.MigrateSchema does. A failed migration fails fx's Start with an error
// naming the datasource, and fx stops what had started.
//
//	fx.New(
//		boot.Module, // the registry; pings on start, closes on stop
//		app.MigrationModule(schema.MigrateOptions{}),
//		boot.DefaultDataSource("sqlite:app.db"),
//		boot.Repository[Todo]("db"),
//		fx.Invoke(registerRoutes), // its OnStart hooks run after the migration
//	)
//
// Its hook runs before the application's own start hooks: fx runs a
// module's invokes before those of the application around it, so the hook
// is appended first — unless a module listed before it appends hooks of its
// own, so list it first (after boot.Module, whose ping runs before it).
// The migration shares fx's start timeout (15 s unless fx.StartTimeout
// says otherwise); for migrations that may take longer, migrate before
// starting instead (see App.MigrateSchema and the migrate command). Logs go
// to the graph's *slog.Logger, or slog.Default(). Do not add it to an App,
// which has MigrateOnStart.
func MigrationModule(opts schema.MigrateOptions) fx.Option {
	return fx.Module("slipway.migrate", fx.Invoke(func(p migrationParams) error {
		hooks, err := sortHooks(p.Hooks)
		if err != nil {
			return err
		}
		log := p.Log
		if log == nil {
			log = slog.Default()
		}
		a := &App{registry: p.Registry, hooks: hooks, log: log, booted: true}
		p.Lifecycle.Append(fx.Hook{OnStart: func(ctx context.Context) error {
			if err := a.migrate(ctx, opts); err != nil {
				return fmt.Errorf("app: migrate at start: %w", err)
			}
			return nil
		}})
		return nil
	}))
}
