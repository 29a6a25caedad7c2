package rest

import (
	"log/slog"

	"go.uber.org/fx"

	"github.com/slipwaygo/slipway/boot"
	"github.com/slipwaygo/slipway/repository"
)

// Value group names: routes and checks are collected without the server
// knowing their types.
const (
	RoutesGroup = "slipway.routes"
	ChecksGroup = "slipway.checks"
)

// ServerParams are the server's dependencies in an fx graph: the routes
// contributed with Model, HasMany, BelongsTo, HasOne and HasManyThrough,
// the registry (its datasources are pinged by /health) and the
// application's logger.
type ServerParams struct {
	fx.In

	Routes   []Routes       `group:"slipway.routes"`
	Registry *boot.Registry `optional:"true"`
	Logger   *slog.Logger   `optional:"true"`
}

// Module serves every route declared in the graph with a Server configured
// by cfg: it listens when the application starts (app.App takes the port
// before migrating: see boot.Listener) and stops gracefully when it stops.
// cfg.DataSources and cfg.Logger default to the registry's datasources and
// the application's logger.
func Module(cfg Config) fx.Option {
	return fx.Module("slipway.rest",
		fx.Provide(func(p ServerParams) (*Server, error) {
			c := cfg // the option may serve several applications
			if c.DataSources == nil && p.Registry != nil {
				c.DataSources = p.Registry.DataSources()
			}
			if c.Logger == nil {
				c.Logger = p.Logger
			}
			return NewServer(c, p.Routes...)
		}),
		fx.Provide(fx.Annotate(func(s *Server) boot.Listener { return s }, fx.ResultTags(`group:"`+boot.ListenersGroup+`"`))),
		fx.Invoke(func(lc fx.Lifecycle, s *Server) {
			lc.Append(fx.Hook{OnStart: s.Start, OnStop: s.Stop})
		}),
	)
}

// checksParams collects the checks of model T.
type checksParams[T any] struct {
	fx.In

	Checks []Check[T] `group:"slipway.checks"`
}

// Model serves the repository of T (boot.Repository[T]) at path ("/todos")
// with a Controller: LoopBack's CRUD routes.
func Model[T any](path string) fx.Option {
	return routes(func(repo *repository.Repository[T], p checksParams[T]) (Routes, error) {
		return NewController(repo, path, p.Checks...)
	})
}

// HasMany serves the has-many relation named relation of S, whose targets
// are T, at path ("/todo-lists/{id}/todos").
func HasMany[S, T any](path, relation string) fx.Option {
	return routes(func(s *repository.Repository[S], t *repository.Repository[T], p checksParams[T]) (Routes, error) {
		rel, err := repository.NewHasMany(s, t, relation)
		if err != nil {
			return nil, err
		}
		return NewHasManyController(rel, path, p.Checks...)
	})
}

// HasManyThrough serves the many-to-many relation named relation of S,
// whose targets are T, at path ("/doctors/{id}/patients"). Register the
// through model with boot.Model or boot.Repository.
func HasManyThrough[S, T any](path, relation string) fx.Option {
	return routes(func(s *repository.Repository[S], t *repository.Repository[T], p checksParams[T]) (Routes, error) {
		rel, err := repository.NewHasManyThrough(s, t, relation)
		if err != nil {
			return nil, err
		}
		return NewHasManyThroughController(rel, path, p.Checks...)
	})
}

// HasOne serves the has-one relation named relation of S, whose target is
// T, at path ("/todo-lists/{id}/todo-list-image").
func HasOne[S, T any](path, relation string) fx.Option {
	return routes(func(s *repository.Repository[S], t *repository.Repository[T], p checksParams[T]) (Routes, error) {
		rel, err := repository.NewHasOne(s, t, relation)
		if err != nil {
			return nil, err
		}
		return NewHasOneController(rel, path, p.Checks...)
	})
}

// BelongsTo serves the belongs-to relation named relation of S, whose
// target is T, at path ("/todos/{id}/todo-list").
func BelongsTo[S, T any](path, relation string) fx.Option {
	return routes(func(s *repository.Repository[S], t *repository.Repository[T]) (Routes, error) {
		rel, err := repository.NewBelongsTo(s, t, relation)
		if err != nil {
			return nil, err
		}
		return NewBelongsToController(rel, path)
	})
}

func routes(constructor any) fx.Option {
	return fx.Provide(fx.Annotate(constructor, fx.ResultTags(`group:"`+RoutesGroup+`"`)))
}

// WithCheck registers a Check[T] built by constructor, a function whose
// parameters fx injects and which returns a Check[T]: every route that
// writes a T runs it. Checks of one model run in no set order.
//
//	rest.WithCheck[Todo](func(g *Geocoder) rest.Check[Todo] { return g.check })
func WithCheck[T any](constructor any) fx.Option {
	return fx.Provide(fx.Annotate(constructor, fx.ResultTags(`group:"`+ChecksGroup+`"`)))
}
