package boot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"

	"go.uber.org/fx"

	"github.com/slipwaygo/slipway/repository"
)

// Value group names: the application lists datasources, repositories and
// listeners without knowing their types.
const (
	DataSourcesGroup  = "slipway.datasources"
	RepositoriesGroup = "slipway.repositories"
	ListenersGroup    = "slipway.listeners"
	ModelsGroup       = "slipway.models"
)

// Listener is a server that takes its network address before it serves,
// so that a taken port is found before slow start-up work: app.App's
// Listen and Start call Listen on every listener before migrating, and
// Stop calls Close on those that never started. The rest package's Server
// is one; contribute others with AsListener.
type Listener interface {
	// Listen takes the address; calling it again does nothing.
	Listen(ctx context.Context) error
	// Close releases the address of a listener that never started.
	Close() error
}

// AsListener registers the result of constructor (fx injects its
// parameters), which must implement Listener, in ListenersGroup.
func AsListener(constructor any) fx.Option {
	return fx.Provide(fx.Annotate(constructor, fx.As(new(Listener)), fx.ResultTags(`group:"`+ListenersGroup+`"`)))
}

// DefaultDataSourceName is the name of the datasource DefaultDataSource
// provides; repositories name it with boot.Repository[T]("db").
const DefaultDataSourceName = "db"

// DatabaseURLEnv is the environment variable DefaultDataSource reads.
const DatabaseURLEnv = "DATABASE_URL"

// Module provides the *Registry and ties the datasources to the fx
// lifecycle: OnStart pings every SQL datasource (an unreachable one fails
// the start with an error naming it), OnStop closes them. Use it in a plain
// fx application; app.App provides the registry itself.
var Module = fx.Module("slipway.boot",
	fx.Provide(NewRegistry),
	fx.Invoke(func(lc fx.Lifecycle, r *Registry) {
		lc.Append(fx.Hook{OnStart: r.Ping, OnStop: func(context.Context) error { return r.Close() }})
	}),
)

// DataSource contributes the SQL datasource name, opened from a database URL
// (see repository.Open) with opts when the application boots. Opening does
// no I/O. The datasource is also provided on its own as a *repository.SQL
// tagged `name:"<name>"`, for constructors that need it.
//
// Options set query hooks, pool limits and timeouts:
//
//	boot.DataSource("db", url,
//		repository.WithPool(repository.Pool{MaxOpenConns: 20, ConnMaxLifetime: time.Hour}),
//		repository.WithConnectTimeout(3*time.Second),
//		tracing.Spans(), // OpenTelemetry, through bunotel
//	)
//
// When VerboseSQLEnv is set (SLIPWAY_VERBOSE_SQL=1), every statement is
// logged to the application's *slog.Logger (see repository.WithVerboseSQL).
func DataSource(name, url string, opts ...repository.Option) fx.Option {
	return sqlDataSource(name, func() string { return url }, opts)
}

// VerboseSQLEnv is the environment variable that turns verbose SQL on for
// every datasource boot opens: any value but "", "0" and "false" logs
// each statement at Info to the application's logger (slog.Default() in a
// plain fx application that provides none). It is read when the
// application boots.
const VerboseSQLEnv = "SLIPWAY_VERBOSE_SQL"

// verboseSQL reports whether VerboseSQLEnv asks for verbose SQL.
func verboseSQL() bool {
	v := strings.ToLower(strings.TrimSpace(os.Getenv(VerboseSQLEnv)))
	return v != "" && v != "0" && v != "false"
}

// DefaultDataSource contributes the SQL datasource "db" at the URL in the
// DATABASE_URL environment variable, or at fallback when it is unset. The
// variable is read when the application boots.
func DefaultDataSource(fallback string, opts ...repository.Option) fx.Option {
	return DataSourceFromEnv(DefaultDataSourceName, DatabaseURLEnv, fallback, opts...)
}

// DataSourceFromEnv contributes the SQL datasource name at the URL in the
// environment variable env, or at fallback when it is unset or empty, with
// opts (see DataSource).
func DataSourceFromEnv(name, env, fallback string, opts ...repository.Option) fx.Option {
	return sqlDataSource(name, func() string {
		if v := os.Getenv(env); v != "" {
			return v
		}
		return fallback
	}, opts)
}

// dataSourceParams are what a datasource's constructor takes from the graph.
type dataSourceParams struct {
	fx.In

	Models []AttachedModel `group:"slipway.models"`
	Log    *slog.Logger    `optional:"true"`
}

func sqlDataSource(name string, url func() string, opts []repository.Option) fx.Option {
	tag := nameTag(name)
	return fx.Options(
		fx.Provide(fx.Annotate(func(p dataSourceParams) (*repository.SQL, error) {
			opts := slices.Clone(opts)
			if verboseSQL() {
				opts = append(opts, repository.WithVerboseSQL(p.Log))
			}
			models := p.Models
			ds, err := repository.Open(name, url(), opts...)
			if err != nil {
				return nil, err
			}
			for _, m := range models {
				if m.DataSource == name {
					ds.Attach(m.Model)
				}
			}
			return ds, nil
		}, fx.ResultTags(tag))),
		fx.Provide(fx.Annotate(func(ds *repository.SQL) repository.DataSource { return ds },
			fx.ParamTags(tag), fx.ResultTags(`group:"`+DataSourcesGroup+`"`))),
	)
}

// HTTPDataSource contributes a web-service datasource (not migratable) at
// baseURL; an empty URL contributes it unconfigured. It is also provided on
// its own as a *repository.HTTP tagged `name:"<name>"`.
func HTTPDataSource(name, baseURL string) fx.Option {
	tag := nameTag(name)
	return fx.Options(
		fx.Provide(fx.Annotate(func() (*repository.HTTP, error) {
			return repository.NewHTTP(name, baseURL)
		}, fx.ResultTags(tag))),
		fx.Provide(fx.Annotate(func(ds *repository.HTTP) repository.DataSource { return ds },
			fx.ParamTags(tag), fx.ResultTags(`group:"`+DataSourcesGroup+`"`))),
	)
}

// Supply contributes a datasource you built yourself: any
// repository.DataSource, such as a cache or a *repository.SQL over a
// *bun.DB you opened.
func Supply(ds repository.DataSource) fx.Option {
	opts := []fx.Option{fx.Supply(fx.Annotate(ds, fx.As(new(repository.DataSource)), fx.ResultTags(`group:"`+DataSourcesGroup+`"`)))}
	if sql, ok := ds.(*repository.SQL); ok {
		opts = append(opts, fx.Supply(fx.Annotate(sql, fx.ResultTags(nameTag(ds.Name())))))
	}
	return fx.Options(opts...)
}

// AttachedModel is a model a datasource backs, contributed to ModelsGroup
// by Repository and Model: the datasource attaches every one of its own
// when it is built, before any repository is, so that a repository whose
// model goes through another (a many-to-many relation's through model)
// finds it whatever order fx builds them in.
type AttachedModel struct {
	DataSource string
	Model      any // a typed nil pointer, (*Todo)(nil)
}

// Model attaches model T to the SQL datasource named datasource without a
// repository: a through model of a many-to-many relation, a table only
// SQL reads. Migrating the datasource creates its table.
func Model[T any](datasource string) fx.Option {
	return fx.Supply(fx.Annotate(AttachedModel{DataSource: datasource, Model: (*T)(nil)}, fx.ResultTags(`group:"`+ModelsGroup+`"`)))
}

// Repository provides a *repository.Repository[T] on the SQL datasource
// named datasource, and registers it: T joins the models that datasource
// backs, so migrating it creates T's table.
func Repository[T any](datasource string) fx.Option {
	return fx.Options(
		Model[T](datasource),
		fx.Provide(fx.Annotate(func(ds *repository.SQL) (*repository.Repository[T], error) {
			return repository.New[T](ds)
		}, fx.ParamTags(nameTag(datasource)))),
		fx.Provide(fx.Annotate(func(r *repository.Repository[T]) repository.Repo { return r },
			fx.ResultTags(`group:"`+RepositoriesGroup+`"`))),
	)
}

func nameTag(name string) string { return `name:"` + name + `"` }

// RegistryParams are NewRegistry's dependencies: every datasource and
// repository contributed to the value groups.
type RegistryParams struct {
	fx.In

	DataSources  []repository.DataSource `group:"slipway.datasources"`
	Repositories []repository.Repo       `group:"slipway.repositories"`
}

// Registry lists an application's datasources (sorted by name) and
// repositories.
type Registry struct {
	dataSources  []repository.DataSource
	repositories []repository.Repo
}

// NewRegistry collects the datasources and repositories. Two datasources
// with one name are an error.
func NewRegistry(p RegistryParams) (*Registry, error) {
	ds := slices.Clone(p.DataSources)
	slices.SortFunc(ds, func(a, b repository.DataSource) int { return strings.Compare(a.Name(), b.Name()) })
	for i := 1; i < len(ds); i++ {
		if ds[i].Name() == ds[i-1].Name() {
			return nil, fmt.Errorf("boot: two datasources are named %q: give each a unique name", ds[i].Name())
		}
	}
	repos := slices.Clone(p.Repositories)
	slices.SortFunc(repos, func(a, b repository.Repo) int {
		if c := strings.Compare(a.DataSource().Name(), b.DataSource().Name()); c != 0 {
			return c
		}
		return strings.Compare(a.Model(), b.Model())
	})
	return &Registry{dataSources: ds, repositories: repos}, nil
}

// DataSources returns every datasource, sorted by name.
func (r *Registry) DataSources() []repository.DataSource { return slices.Clone(r.dataSources) }

// DataSource returns the datasource with the given name.
func (r *Registry) DataSource(name string) (repository.DataSource, bool) {
	for _, ds := range r.dataSources {
		if ds.Name() == name {
			return ds, true
		}
	}
	return nil, false
}

// Repositories returns every registered repository, sorted by datasource and
// model.
func (r *Registry) Repositories() []repository.Repo { return slices.Clone(r.repositories) }

type pinger interface {
	Ping(ctx context.Context) error
}

type closer interface {
	Close() error
}

// Ping pings every datasource that can be pinged (the SQL ones), in name
// order, and returns the first failure, which names the datasource.
func (r *Registry) Ping(ctx context.Context) error {
	for _, ds := range r.dataSources {
		if p, ok := ds.(pinger); ok {
			if err := p.Ping(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

// Close closes every datasource that can be closed and joins the errors.
func (r *Registry) Close() error {
	var errs []error
	for _, ds := range r.dataSources {
		if c, ok := ds.(closer); ok {
			errs = append(errs, c.Close())
		}
	}
	return errors.Join(errs...)
}
