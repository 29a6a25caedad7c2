package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"go.uber.org/dig"
	"go.uber.org/fx"
	"go.uber.org/fx/fxevent"

	"github.com/slipwaygo/slipway/boot"
	"github.com/slipwaygo/slipway/schema"
)

// App is a Slipway application: an fx container holding datasources and
// repositories, which boots, migrates every datasource's schema, then
// starts.
//
//	a := app.New(
//		boot.DefaultDataSource("sqlite:app.db"),
//		boot.Repository[Todo]("db"),
//		rest.Module(rest.Config{}), rest.Model[Todo]("/todos"),
//	)
//	if err := a.Boot(ctx); err != nil { ... }
//	if err := a.Listen(ctx); err != nil { ... }
//	if err := a.MigrateSchema(ctx, schema.MigrateOptions{}); err != nil { ... }
//	if err := a.Start(ctx); err != nil { ... }
//
// Applications that seed data embed *App and override MigrateSchema, calling
// the embedded method first; or they register migration hooks (AsHook).
type App struct {
	options []fx.Option

	mu        sync.Mutex
	fx        *fx.App
	registry  *boot.Registry
	hooks     []Hook
	listeners []boot.Listener
	named     map[string]bool // datasources a log line named already
	log       *slog.Logger
	settings  settings
	booted    bool
	starting  bool
	started   bool
}

// New returns an application built from fx options and modules: the
// application's datasources (boot.DataSource, boot.DefaultDataSource, ...),
// repositories (boot.Repository), migration hooks (AsHook) and its own
// components, plus App settings (WithLogger, MigrateOnStart). New does no
// work; Boot builds the graph.
func New(opts ...fx.Option) *App {
	return &App{options: opts, log: slog.Default()}
}

// settings are App options supplied through fx.
type settings struct {
	migrateOnStart *schema.MigrateOptions
}

type loggerSetting struct{ *slog.Logger }

type migrateOnStartSetting struct{ opts schema.MigrateOptions }

// WithLogger makes the application log through l: its own records (one line
// per migrated datasource at info, withheld changes at warn, skipped
// datasources and each SQL statement at debug) and fx's events (at debug, so
// that a healthy start is quiet). Without it the application uses
// slog.Default(). The application's components get this logger injected as
// a *slog.Logger.
func WithLogger(l *slog.Logger) fx.Option {
	return fx.Supply(&loggerSetting{l})
}

// MigrateOnStart makes Start migrate every datasource with opts before any
// other OnStart hook runs: LoopBack's "auto-update at start". The migration
// shares Start's context, which Run bounds by the start timeout (fx's
// default is 15 s; raise it with fx.StartTimeout): for migrations that may
// take longer, call MigrateSchema before Start instead. Start runs the
// embedded App's MigrateSchema, so seed with hooks (AsHook) rather than an
// override when you use this.
func MigrateOnStart(opts schema.MigrateOptions) fx.Option {
	return fx.Supply(&migrateOnStartSetting{opts})
}

// appParams is what the app's own module reads from the graph.
type appParams struct {
	fx.In

	Registry       *boot.Registry
	Hooks          []Hook                 `group:"slipway.hooks"`
	Listeners      []boot.Listener        `group:"slipway.listeners"`
	Logger         *loggerSetting         `optional:"true"`
	MigrateOnStart *migrateOnStartSetting `optional:"true"`
}

type loggerParams struct {
	fx.In

	Logger *loggerSetting `optional:"true"`
}

// Boot builds the application's fx graph: every datasource and repository
// is constructed and registered, no connection is opened. Booting twice is
// a no-op. An error names what failed (a missing dependency, a bad URL, a
// model bun rejects).
func (a *App) Boot(ctx context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.boot(ctx)
}

func (a *App) boot(ctx context.Context) error {
	if a.booted {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("app: boot: %w", err)
	}
	opts := []fx.Option{
		// First module: its invoke runs before the application's own.
		fx.Module("slipway.app",
			fx.Provide(boot.NewRegistry, provideLogger),
			fx.Invoke(func(p appParams) error { return a.wire(p) }),
		),
		fx.WithLogger(func(p loggerParams) fxevent.Logger {
			l := slog.Default()
			if p.Logger != nil && p.Logger.Logger != nil {
				l = p.Logger.Logger
			}
			fl := &fxevent.SlogLogger{Logger: l}
			fl.UseLogLevel(slog.LevelDebug)
			// fx's failures come back as errors from Boot, Start and Stop;
			// logging them too would print each twice.
			fl.UseErrorLevel(slog.LevelDebug)
			return fl
		}),
	}
	f := fx.New(append(opts, a.options...)...)
	if err := f.Err(); err != nil {
		// A constructor's own error (a bad URL, a model bun rejects) names
		// what failed; dig's chain around it only names reflect stubs.
		return fmt.Errorf("app: boot: %w", dig.RootCause(err))
	}
	a.fx = f
	a.booted = true
	return nil
}

// provideLogger gives the application's components its logger.
func provideLogger(p loggerParams) *slog.Logger {
	if p.Logger != nil && p.Logger.Logger != nil {
		return p.Logger.Logger
	}
	return slog.Default()
}

// wire receives the graph's registry, hooks and settings.
func (a *App) wire(p appParams) error {
	if p.Logger != nil && p.Logger.Logger != nil {
		a.log = p.Logger.Logger
	}
	hooks, err := sortHooks(p.Hooks)
	if err != nil {
		return err
	}
	a.registry, a.hooks, a.listeners = p.Registry, hooks, p.Listeners
	if p.MigrateOnStart != nil {
		opts := p.MigrateOnStart.opts
		a.settings.migrateOnStart = &opts
	}
	return nil
}

// Registry returns the application's datasources and repositories; nil
// before Boot.
func (a *App) Registry() *boot.Registry {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.registry
}

// Logger returns the application's logger.
func (a *App) Logger() *slog.Logger {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.log
}

// Listen boots the application if needed and makes every listener (the
// rest server: see boot.Listener) take its address, without serving yet.
// Call it before MigrateSchema so that a taken port fails at once, in one
// line, rather than after the migration; Start calls it too. Stop releases
// the addresses if the application never started.
func (a *App) Listen(ctx context.Context) error {
	if err := a.Boot(ctx); err != nil {
		return err
	}
	a.mu.Lock()
	listeners := a.listeners
	a.mu.Unlock()
	for _, l := range listeners {
		if err := l.Listen(ctx); err != nil {
			return fmt.Errorf("app: %w", err)
		}
	}
	return nil
}

// Start boots the application if needed, pings every SQL datasource (an
// unreachable one fails the start with an error naming it, without its
// password) and logs each datasource with its target (password hidden),
// takes the listeners' addresses (Listen), runs MigrateOnStart's migration
// if set, then runs the fx OnStart hooks (servers start serving). ctx
// bounds all of it.
func (a *App) Start(ctx context.Context) error {
	if err := a.Boot(ctx); err != nil {
		return err
	}
	a.mu.Lock()
	if a.started || a.starting {
		a.mu.Unlock()
		return errors.New("app: start: already started")
	}
	a.starting = true
	a.mu.Unlock()

	err := a.start(ctx)

	a.mu.Lock()
	a.starting, a.started = false, err == nil
	a.mu.Unlock()
	return err
}

func (a *App) start(ctx context.Context) error {
	if err := a.registry.Ping(ctx); err != nil {
		return fmt.Errorf("app: start: %w", err)
	}
	for _, ds := range a.registry.DataSources() {
		if !a.logged(ds.Name()) { // a migration named it already
			a.log.InfoContext(ctx, "app: datasource", "datasource", ds.Name(), "target", target(ds))
		}
	}
	if err := a.Listen(ctx); err != nil {
		return err
	}
	if opts := a.settings.migrateOnStart; opts != nil {
		if err := a.migrate(ctx, *opts); err != nil {
			return fmt.Errorf("app: start: %w", err)
		}
	}
	if err := a.fx.Start(ctx); err != nil {
		return fmt.Errorf("app: start: %w", err)
	}
	return nil
}

// Stop runs the fx OnStop hooks (servers stop first), then closes every
// datasource. It is safe to call after Boot without Start (the migrate
// command does) and before Boot (it does nothing).
func (a *App) Stop(ctx context.Context) error {
	a.mu.Lock()
	booted, started := a.booted, a.started
	a.started = false
	a.mu.Unlock()
	if !booted {
		return nil
	}
	var errs []error
	if started {
		if err := a.fx.Stop(ctx); err != nil {
			errs = append(errs, fmt.Errorf("app: stop: %w", err))
		}
	}
	if !started {
		for _, l := range a.listeners {
			if err := l.Close(); err != nil {
				errs = append(errs, fmt.Errorf("app: stop: %w", err))
			}
		}
	}
	if err := a.registry.Close(); err != nil {
		errs = append(errs, fmt.Errorf("app: stop: %w", err))
	}
	return errors.Join(errs...)
}

// logged reports whether a log line named the datasource already, and
// notes that one will.
func (a *App) logged(datasource string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.named == nil {
		a.named = map[string]bool{}
	}
	done := a.named[datasource]
	a.named[datasource] = true
	return done
}

// targeted is a datasource that says where it points, credentials hidden.
type targeted interface {
	Target() string
}

// target is where a datasource points, for the log.
func target(ds any) string {
	if t, ok := ds.(targeted); ok {
		return t.Target()
	}
	return "(not a database or web service)"
}

// Run starts the application, waits for SIGINT or SIGTERM (or an
// fx.Shutdowner), and stops it gracefully; it exits the process with status
// 0 after a clean stop, or prints the error on one line to stderr and exits
// with 1. Start is bounded by fx's start timeout and Stop by its stop
// timeout (15 s each unless set with fx.StartTimeout / fx.StopTimeout).
func (a *App) Run() {
	code, err := a.run(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(code)
}

func (a *App) run(ctx context.Context) (int, error) {
	if err := a.Boot(ctx); err != nil {
		return 1, err
	}
	// Listen for SIGINT/SIGTERM before starting, so a signal that arrives
	// while (or just after) the start hooks run stops the app gracefully
	// instead of killing the process.
	wait := a.fx.Wait()
	startCtx, cancel := context.WithTimeout(ctx, a.fx.StartTimeout())
	defer cancel()
	if err := a.Start(startCtx); err != nil {
		return 1, err
	}
	sig := <-wait
	a.Logger().Info("app: stopping", "signal", sig.Signal.String())
	stopCtx, cancelStop := context.WithTimeout(ctx, a.stopTimeout())
	defer cancelStop()
	if err := a.Stop(stopCtx); err != nil {
		return 1, err
	}
	return sig.ExitCode, nil
}

func (a *App) stopTimeout() time.Duration { return a.fx.StopTimeout() }
