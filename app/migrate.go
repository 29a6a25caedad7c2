package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"go.uber.org/fx"

	"github.com/slipwaygo/slipway/repository"
	"github.com/slipwaygo/slipway/schema"
)

// HooksGroup is the fx value group migration hooks join.
const HooksGroup = "slipway.hooks"

// Hook is work that runs after its datasource's schema was migrated, inside
// the datasource's migration lock and — on PostgreSQL and SQLite — in the
// migration's transaction: seeding data. Repositories called with the
// hook's context use that transaction. Hooks run on every migration (not on
// a dry run), so they must be idempotent: find, then update or create.
type Hook struct {
	// Name identifies the hook in logs and errors; it must be unique.
	Name string
	// DataSource is the datasource whose migration the hook follows; "" is
	// "db".
	DataSource string
	// Order sorts the hooks of one datasource (lower first; ties by Name):
	// fx delivers value groups in no particular order.
	Order int
	// Run does the work. An error stops the migration, undoes it where the
	// database can, and is returned naming the hook.
	Run func(ctx context.Context) error
}

// AsHook registers a migration hook built by constructor, a function whose
// parameters fx injects (repositories, say) and which returns a Hook:
//
//	app.AsHook(func(todos *repository.Repository[Todo]) app.Hook {
//		return app.Hook{Name: "welcome", Run: func(ctx context.Context) error { ... }}
//	})
func AsHook(constructor any) fx.Option {
	return fx.Provide(fx.Annotate(constructor, fx.ResultTags(`group:"`+HooksGroup+`"`)))
}

// MigrationHook registers a hook that needs nothing injected.
func MigrationHook(h Hook) fx.Option {
	return fx.Supply(fx.Annotate(h, fx.ResultTags(`group:"`+HooksGroup+`"`)))
}

func sortHooks(hooks []Hook) ([]Hook, error) {
	out := slices.Clone(hooks)
	seen := map[string]bool{}
	for i := range out {
		h := &out[i]
		switch {
		case h.Name == "":
			return nil, errors.New("app: a migration hook has no Name")
		case h.Run == nil:
			return nil, fmt.Errorf("app: migration hook %q has no Run function", h.Name)
		case seen[h.Name]:
			return nil, fmt.Errorf("app: two migration hooks are named %q", h.Name)
		}
		seen[h.Name] = true
		if h.DataSource == "" {
			h.DataSource = "db"
		}
	}
	slices.SortStableFunc(out, func(a, b Hook) int {
		return cmp.Or(cmp.Compare(a.Order, b.Order), strings.Compare(a.Name, b.Name))
	})
	return out, nil
}

// migratable is a datasource whose schema the application migrates.
type migratable interface {
	repository.DataSource
	Backs(model string) bool
	ModelNames() []string
	URL() string
	MigrateSchema(ctx context.Context, opts schema.MigrateOptions, log *slog.Logger, then func(context.Context) error) (*schema.Plan, error)
}

var _ migratable = (*repository.SQL)(nil)

// Report says what MigrateSchema did with one datasource.
type Report struct {
	DataSource string
	// URL is the datasource's database URL, its password hidden; "" for a
	// datasource that is not migratable.
	URL string
	// Skipped is true for a datasource that was not migrated, with Reason.
	Skipped bool
	Reason  string
	// Plan is what was applied (or, on a dry run, what would be, including
	// a plan refused for changes that would fail: see Refused).
	Plan *schema.Plan
	// Refused is true for a dry run whose plan holds changes that would
	// fail on the data (Plan.Err); MigrateSchema returns that error once
	// every datasource is planned.
	Refused bool
	// Hooks are the names of the hooks that ran, in order.
	Hooks []string
	Took  time.Duration
}

type reporterKey struct{}

// WithReporter returns a context in which MigrateSchema calls fn with a
// Report for every datasource, in name order, as it finishes it. The migrate
// command prints its output this way; it works through overrides of
// MigrateSchema because the context is passed along. With a reporter, the
// per-datasource log line, and the warning for each change withheld, are
// written at debug rather than at info and warn, so that the user is not
// told twice.
func WithReporter(ctx context.Context, fn func(Report)) context.Context {
	return context.WithValue(ctx, reporterKey{}, fn)
}

func report(ctx context.Context, r Report) {
	if fn, ok := ctx.Value(reporterKey{}).(func(Report)); ok {
		fn(r)
	}
}

// MigrateSchema brings every registered datasource in line with the models
// it backs, booting the application first if needed. Datasources are
// migrated one after the other in name order; those that are not migratable
// (a web service) are skipped with a debug log. opts applies to each:
// opts.Models names models of any datasource, and a datasource backing none
// of them is skipped. After a datasource's schema work, its migration hooks
// run inside its lock. The first error stops the run and names the
// datasource (or hook); on a dry run, a plan refused for changes that would
// fail (a *schema.RefusedError) does not stop it: every datasource is
// planned, and the refusals are returned together.
//
// Embed *App and override MigrateSchema to seed data, calling this method
// first.
func (a *App) MigrateSchema(ctx context.Context, opts schema.MigrateOptions) error {
	if err := a.Boot(ctx); err != nil {
		return err
	}
	return a.migrate(ctx, opts)
}

func (a *App) migrate(ctx context.Context, opts schema.MigrateOptions) error {
	var targets []migratable
	for _, ds := range a.registry.DataSources() {
		if m, ok := ds.(migratable); ok {
			targets = append(targets, m)
		}
	}
	if err := a.checkSelection(targets, opts.Models); err != nil {
		return err
	}
	if err := a.checkHooks(); err != nil {
		return err
	}
	var refused []error
	for _, ds := range a.registry.DataSources() {
		log := a.log.With("datasource", ds.Name())
		m, ok := ds.(migratable)
		if !ok {
			log.DebugContext(ctx, "app: datasource skipped: not migratable")
			report(ctx, Report{DataSource: ds.Name(), Skipped: true, Reason: "not migratable"})
			continue
		}
		dsOpts := opts
		if len(opts.Models) > 0 {
			dsOpts.Models = slices.DeleteFunc(slices.Clone(opts.Models), func(name string) bool { return !m.Backs(name) })
			if len(dsOpts.Models) == 0 {
				log.DebugContext(ctx, "app: datasource skipped: none of the selected models")
				report(ctx, Report{DataSource: ds.Name(), Skipped: true, Reason: "none of the selected models"})
				continue
			}
		}
		if err := a.migrateOne(ctx, m, dsOpts, log); err != nil {
			var r *schema.RefusedError
			if !opts.DryRun || !errors.As(err, &r) {
				return err
			}
			refused = append(refused, err)
		}
	}
	return errors.Join(refused...)
}

func (a *App) migrateOne(ctx context.Context, ds migratable, opts schema.MigrateOptions, log *slog.Logger) error {
	start := time.Now()
	var ran []string
	var then func(context.Context) error
	if hooks := a.hooksFor(ds.Name()); len(hooks) > 0 {
		then = func(ctx context.Context) error {
			for _, h := range hooks {
				if err := h.Run(ctx); err != nil {
					return fmt.Errorf("migration hook %q: %w", h.Name, err)
				}
				ran = append(ran, h.Name)
			}
			return nil
		}
	}
	_, reporting := ctx.Value(reporterKey{}).(func(Report))
	if reporting {
		log = slog.New(withheldAtDebug{log.Handler()}) // the reporter shows them
	}
	plan, err := ds.MigrateSchema(ctx, opts, log, then)
	var refused *schema.RefusedError
	if err != nil && opts.DryRun && plan != nil && errors.As(err, &refused) {
		report(ctx, Report{DataSource: ds.Name(), URL: ds.URL(), Plan: plan, Refused: true, Took: time.Since(start)})
	}
	if err != nil {
		return fmt.Errorf("app: datasource %q: %w", ds.Name(), err)
	}
	took := time.Since(start)
	report(ctx, Report{DataSource: ds.Name(), URL: ds.URL(), Plan: plan, Hooks: ran, Took: took})
	withheld := plan.Withheld() // each already logged at warn by the migrator
	msg := "app: migrated"
	if opts.DryRun {
		msg = "app: planned (dry run)"
	}
	level := slog.LevelInfo
	if reporting {
		level = slog.LevelDebug // the reporter (the migrate command) tells the user
	} else {
		a.logged(ds.Name()) // this line names it and its target; Start need not
	}
	log.Log(ctx, level, msg, "target", target(ds), "dialect", plan.Dialect, "rebuild", opts.Rebuild,
		"changes", len(plan.Changes)-len(withheld), "withheld", len(withheld), "hooks", len(ran),
		"took", took.Round(time.Millisecond))
	return nil
}

// withheldAtDebug logs the migrator's warning for each withheld change at
// debug: a reporter shows those changes to the user.
type withheldAtDebug struct{ slog.Handler }

func (h withheldAtDebug) Enabled(ctx context.Context, level slog.Level) bool {
	return level == slog.LevelWarn || h.Handler.Enabled(ctx, level)
}

func (h withheldAtDebug) Handle(ctx context.Context, r slog.Record) error {
	if r.Level == slog.LevelWarn && r.Message == "schema: change withheld" {
		r.Level = slog.LevelDebug
	}
	if !h.Handler.Enabled(ctx, r.Level) {
		return nil
	}
	return h.Handler.Handle(ctx, r)
}

func (h withheldAtDebug) WithAttrs(attrs []slog.Attr) slog.Handler {
	return withheldAtDebug{h.Handler.WithAttrs(attrs)}
}

func (h withheldAtDebug) WithGroup(name string) slog.Handler {
	return withheldAtDebug{h.Handler.WithGroup(name)}
}

func (a *App) hooksFor(datasource string) []Hook {
	var out []Hook
	for _, h := range a.hooks {
		if h.DataSource == datasource {
			out = append(out, h)
		}
	}
	return out
}

// checkSelection reports names in Models that no datasource backs.
func (a *App) checkSelection(targets []migratable, names []string) error {
	for _, name := range names {
		if !slices.ContainsFunc(targets, func(m migratable) bool { return m.Backs(name) }) {
			var known []string
			for _, m := range targets {
				known = append(known, m.ModelNames()...)
			}
			slices.Sort(known)
			return fmt.Errorf("app: unknown model %q in Models: no datasource backs it (known: %s; name a model by Go type or table name)", name, strings.Join(slices.Compact(known), ", "))
		}
	}
	return nil
}

// checkHooks reports hooks whose datasource is missing or not migratable.
func (a *App) checkHooks() error {
	for _, h := range a.hooks {
		ds, ok := a.registry.DataSource(h.DataSource)
		if !ok {
			return fmt.Errorf("app: migration hook %q: no datasource named %q", h.Name, h.DataSource)
		}
		if _, ok := ds.(migratable); !ok {
			return fmt.Errorf("app: migration hook %q: datasource %q is not migratable", h.Name, h.DataSource)
		}
	}
	return nil
}

// locker is a datasource with a migration lock.
type locker interface {
	Locked(ctx context.Context, log *slog.Logger, fn func(context.Context) error) error
}

// WithMigrationLock runs fn while holding the migration lock of the named
// datasource, inside one transaction where the database allows; repository
// calls with fn's context go through it. An override of MigrateSchema seeds
// with it, so that replicas starting together seed exactly once:
//
//	func (a *TodoApp) MigrateSchema(ctx context.Context, opts schema.MigrateOptions) error {
//		if err := a.App.MigrateSchema(ctx, opts); err != nil || opts.DryRun {
//			return err
//		}
//		return a.WithMigrationLock(ctx, "db", func(ctx context.Context) error { ... })
//	}
func (a *App) WithMigrationLock(ctx context.Context, datasource string, fn func(ctx context.Context) error) error {
	if err := a.Boot(ctx); err != nil {
		return err
	}
	ds, ok := a.registry.DataSource(datasource)
	if !ok {
		return fmt.Errorf("app: migration lock: no datasource named %q", datasource)
	}
	l, ok := ds.(locker)
	if !ok {
		return fmt.Errorf("app: migration lock: datasource %q is not migratable", datasource)
	}
	if err := l.Locked(ctx, a.log.With("datasource", datasource), fn); err != nil {
		return fmt.Errorf("app: datasource %q: %w", datasource, err)
	}
	return nil
}
