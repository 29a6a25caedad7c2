package rest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"

	"github.com/slipwaygo/slipway/repository"
)

// Relation routes follow LoopBack's relation controllers. path holds {id},
// the source's id: "/todo-lists/{id}/todos".
//
//	has-many, has-many-through   GET (?filter=), POST, PATCH (?where=), DELETE (?where=)
//	has-one                      GET (?filter=), POST, PATCH (?where=), DELETE (?where=)
//	belongs-to                   GET (?filter= with fields and include)
//
// An unknown source id is 404. A body may hold the foreign key the route
// sets only with that value. PATCH and DELETE answer {"count": n}.

// HasManyController serves a has-many relation: the todos of a todo list.
type HasManyController[S, T any] struct {
	rel    *repository.HasMany[S, T]
	path   string
	checks []Check[T]
}

// NewHasManyController returns the routes of rel at path.
func NewHasManyController[S, T any](rel *repository.HasMany[S, T], path string, checks ...Check[T]) (*HasManyController[S, T], error) {
	if rel == nil {
		return nil, errors.New("rest: NewHasManyController: nil relation")
	}
	if err := checkPath(path, true); err != nil {
		return nil, err
	}
	return &HasManyController[S, T]{rel: rel, path: path, checks: checks}, nil
}

func (h *HasManyController[S, T]) sources() []modelSource {
	return []modelSource{repoSource(h.rel.Source()), repoSource(h.rel.Target())}
}

func (h *HasManyController[S, T]) operations() []*operation {
	return toManyOperations(h.rel.Source(), h.rel.Target(), h.rel.Name(), h.path, toManyHandlers[T]{
		find:   func(k *call, id any, f *repository.Filter) (any, error) { return h.rel.Find(k.r.Context(), id, f) },
		create: h.create,
		patch: func(k *call, id any, p repository.Patch, w repository.Where) (int64, error) {
			return h.rel.Patch(k.r.Context(), id, p, w)
		},
		delete: func(k *call, id any, w repository.Where) (int64, error) { return h.rel.Delete(k.r.Context(), id, w) },
		rules: func(ctx context.Context, id any) (bodyRules, error) {
			return fixedKey(ctx, h.rel.Source(), h.rel.Name(), id, h.rel.SourceKey)
		},
		checks: h.checks,
	})
}

func (h *HasManyController[S, T]) create(k *call, id any, rules bodyRules) error {
	v, _, err := decode(k, h.rel.Target(), rules, h.checks)
	if err != nil {
		return err
	}
	if err := h.rel.Create(k.r.Context(), id, v); err != nil {
		return relationError(err, h.rel.Target().Model(), h.rel.Source().Model(), id, true)
	}
	return writeRows(k, h.rel.Target(), nil, v)
}

// HasManyThroughController serves a has-many-through relation: the patients
// of a doctor through appointments. POST creates the target and links it.
type HasManyThroughController[S, T any] struct {
	rel    *repository.HasManyThrough[S, T]
	path   string
	checks []Check[T]
}

// NewHasManyThroughController returns the routes of rel at path.
func NewHasManyThroughController[S, T any](rel *repository.HasManyThrough[S, T], path string, checks ...Check[T]) (*HasManyThroughController[S, T], error) {
	if rel == nil {
		return nil, errors.New("rest: NewHasManyThroughController: nil relation")
	}
	if err := checkPath(path, true); err != nil {
		return nil, err
	}
	return &HasManyThroughController[S, T]{rel: rel, path: path, checks: checks}, nil
}

func (h *HasManyThroughController[S, T]) sources() []modelSource {
	return []modelSource{repoSource(h.rel.Source()), repoSource(h.rel.Target())}
}

func (h *HasManyThroughController[S, T]) operations() []*operation {
	return toManyOperations(h.rel.Source(), h.rel.Target(), h.rel.Name(), h.path, toManyHandlers[T]{
		find: func(k *call, id any, f *repository.Filter) (any, error) { return h.rel.Find(k.r.Context(), id, f) },
		create: func(k *call, id any, rules bodyRules) error {
			v, _, err := decode(k, h.rel.Target(), rules, h.checks)
			if err != nil {
				return err
			}
			if err := h.rel.Create(k.r.Context(), id, v); err != nil {
				return relationError(err, h.rel.Target().Model(), h.rel.Source().Model(), id, true)
			}
			return writeRows(k, h.rel.Target(), nil, v)
		},
		patch: func(k *call, id any, p repository.Patch, w repository.Where) (int64, error) {
			return h.rel.Patch(k.r.Context(), id, p, w)
		},
		delete: func(k *call, id any, w repository.Where) (int64, error) { return h.rel.Delete(k.r.Context(), id, w) },
		rules:  func(context.Context, any) (bodyRules, error) { return bodyRules{}, nil },
		checks: h.checks,
	})
}

// toManyHandlers are what a to-many relation does; toManyOperations turns
// them into routes.
type toManyHandlers[T any] struct {
	find   func(k *call, id any, f *repository.Filter) (any, error)
	create func(k *call, id any, rules bodyRules) error
	patch  func(k *call, id any, p repository.Patch, w repository.Where) (int64, error)
	delete func(k *call, id any, w repository.Where) (int64, error)
	rules  func(ctx context.Context, id any) (bodyRules, error)
	checks []Check[T]
}

func toManyOperations[S, T any](source *repository.Repository[S], target *repository.Repository[T], relation, path string, h toManyHandlers[T]) []*operation {
	s, t := reflect.TypeFor[S](), reflect.TypeFor[T]()
	tag := source.Model() + target.Model() + "Controller"
	id := idDoc(s)
	src := sourceOf(source)
	return []*operation{
		{method: "GET", path: path, id: tag + ".find", tag: tag, summary: "Find the " + relation + " of a " + source.Model(),
			params: []paramDoc{id, filterDoc(t, true)}, status: 200, response: listSchema(t), describe: "Array of " + target.Model() + " model instances of a " + source.Model(),
			handle: func(k *call) error {
				sid, err := src(k)
				if err != nil {
					return err
				}
				f, err := filterParam(k.r.URL.Query(), "filter", k.s.cfg.Limits)
				if err != nil {
					return err
				}
				rows, err := h.find(k, sid, f)
				if err != nil {
					return relationError(err, target.Model(), source.Model(), sid, false)
				}
				return writeRows(k, target, f, rows)
			}},
		{method: "POST", path: path, id: tag + ".create", tag: tag, summary: "Create a " + target.Model() + " in the " + relation + " of a " + source.Model(),
			params: []paramDoc{id}, body: bodySchema(t, newVariant, relationKey(source, relation), source.Model()), status: 200, response: rowSchema(t, plainVariant), describe: target.Model() + " model instance",
			handle: func(k *call) error {
				sid, err := src(k)
				if err != nil {
					return err
				}
				rules, err := h.rules(k.r.Context(), sid)
				if err != nil {
					return relationError(err, target.Model(), source.Model(), sid, false)
				}
				return h.create(k, sid, rules)
			}},
		{method: "PATCH", path: path, id: tag + ".patch", tag: tag, summary: "Update the " + relation + " of a " + source.Model() + " matching where",
			params: []paramDoc{id, whereDoc(t)}, body: bodySchema(t, partialVariant), status: 200, response: countSchema, describe: source.Model() + "." + relation + " PATCH success count",
			handle: func(k *call) error {
				sid, err := src(k)
				if err != nil {
					return err
				}
				where, err := whereParam(k.r.URL.Query(), "where", k.s.cfg.Limits)
				if err != nil {
					return err
				}
				rules, err := h.rules(k.r.Context(), sid)
				if err != nil {
					return relationError(err, target.Model(), source.Model(), sid, false)
				}
				rules.partial = true
				v, set, err := decode(k, target, rules, h.checks)
				if err != nil {
					return err
				}
				var n int64
				if set = without(set, fixedNames(rules)...); len(set) > 0 {
					if n, err = h.patch(k, sid, patchOf(k, target, v, set), where); err != nil {
						return relationError(err, target.Model(), source.Model(), sid, true)
					}
				}
				return k.json(http.StatusOK, map[string]int64{"count": n})
			}},
		{method: "DELETE", path: path, id: tag + ".delete", tag: tag, summary: "Delete the " + relation + " of a " + source.Model() + " matching where",
			params: []paramDoc{id, whereDoc(t)}, status: 200, response: countSchema, describe: source.Model() + "." + relation + " DELETE success count",
			handle: func(k *call) error {
				sid, err := src(k)
				if err != nil {
					return err
				}
				where, err := whereParam(k.r.URL.Query(), "where", k.s.cfg.Limits)
				if err != nil {
					return err
				}
				n, err := h.delete(k, sid, where)
				if err != nil {
					return relationError(err, target.Model(), source.Model(), sid, true)
				}
				return k.json(http.StatusOK, map[string]int64{"count": n})
			}},
	}
}

// sourceOf returns a function reading the path's source id and answering
// 404 when there is no such source.
func sourceOf[S any](source *repository.Repository[S]) func(k *call) (any, error) {
	return func(k *call) (any, error) {
		id, err := pathID(k, reflect.TypeFor[S]())
		if err != nil {
			return nil, err
		}
		ok, err := source.Exists(k.r.Context(), id)
		if err != nil {
			return nil, fromRepository(err, "id", false)
		}
		if !ok {
			return nil, notFound(source.Model(), id)
		}
		return id, nil
	}
}

// fixedKey is the body rule of a relation that sets the target's foreign
// key: it may be absent, or equal the source's key.
func fixedKey[S any](ctx context.Context, source *repository.Repository[S], relation string, id any, sourceKey func(context.Context, any) (any, error)) (bodyRules, error) {
	key := relationKey(source, relation)
	if key == "" {
		return bodyRules{}, nil
	}
	v, err := sourceKey(ctx, id)
	if err != nil {
		return bodyRules{}, err
	}
	return bodyRules{fixed: map[string]any{key: reflect.Indirect(reflect.ValueOf(v)).Interface()}}, nil
}

// relationKey is the JSON name of the target's foreign key of a has-many
// or has-one relation of s; "" when it has none.
func relationKey[S any](source *repository.Repository[S], relation string) string {
	info, err := source.DataSource().Describe((*S)(nil))
	if err != nil {
		return ""
	}
	for _, r := range info.Relations {
		if r.Name == relation && (r.Kind == repository.HasManyKind || r.Kind == repository.HasOneKind) {
			return r.Key
		}
	}
	return ""
}

// relationError maps an error of a relation call: a missing source or
// target is 404 (the source was checked first, so it is the target).
func relationError(err error, target, source string, id any, write bool) error {
	switch {
	case errors.Is(err, repository.ErrNotFound):
		return &Error{Status: http.StatusNotFound, Code: "ENTITY_NOT_FOUND", Message: fmt.Sprintf("Entity not found: %s of %s with id %v", target, source, id)}
	case errors.Is(err, repository.ErrConflict):
		return &Error{Status: http.StatusConflict, Code: "CONFLICT", Message: fmt.Sprintf("%s %v has a %s already: patch it, or delete it first", source, id, target), Err: err}
	}
	param := "filter"
	if write {
		param = "where"
	}
	return fromRepository(err, param, write)
}

// HasOneController serves a has-one relation: the image of a todo list.
type HasOneController[S, T any] struct {
	rel    *repository.HasOne[S, T]
	path   string
	checks []Check[T]
}

// NewHasOneController returns the routes of rel at path.
func NewHasOneController[S, T any](rel *repository.HasOne[S, T], path string, checks ...Check[T]) (*HasOneController[S, T], error) {
	if rel == nil {
		return nil, errors.New("rest: NewHasOneController: nil relation")
	}
	if err := checkPath(path, true); err != nil {
		return nil, err
	}
	return &HasOneController[S, T]{rel: rel, path: path, checks: checks}, nil
}

func (h *HasOneController[S, T]) sources() []modelSource {
	return []modelSource{repoSource(h.rel.Source()), repoSource(h.rel.Target())}
}

func (h *HasOneController[S, T]) operations() []*operation {
	ops := toManyOperations(h.rel.Source(), h.rel.Target(), h.rel.Name(), h.path, toManyHandlers[T]{
		create: func(k *call, id any, rules bodyRules) error {
			v, _, err := decode(k, h.rel.Target(), rules, h.checks)
			if err != nil {
				return err
			}
			if err := h.rel.Create(k.r.Context(), id, v); err != nil {
				return relationError(err, h.rel.Target().Model(), h.rel.Source().Model(), id, true)
			}
			return writeRows(k, h.rel.Target(), nil, v)
		},
		patch: func(k *call, id any, p repository.Patch, w repository.Where) (int64, error) {
			return h.rel.Patch(k.r.Context(), id, p, w)
		},
		delete: func(k *call, id any, w repository.Where) (int64, error) { return h.rel.Delete(k.r.Context(), id, w) },
		rules: func(ctx context.Context, id any) (bodyRules, error) {
			return fixedKey(ctx, h.rel.Source(), h.rel.Name(), id, h.rel.SourceKey)
		},
		checks: h.checks,
	})
	t := reflect.TypeFor[T]()
	get := ops[0]
	get.summary = "Find the " + h.rel.Name() + " of a " + h.rel.Source().Model()
	get.response, get.describe = rowSchema(t, relationsVariant), h.rel.Target().Model()+" model instance"
	src := sourceOf(h.rel.Source())
	get.handle = func(k *call) error {
		sid, err := src(k)
		if err != nil {
			return err
		}
		f, err := filterParam(k.r.URL.Query(), "filter", k.s.cfg.Limits)
		if err != nil {
			return err
		}
		v, err := h.rel.Get(k.r.Context(), sid, f)
		if err != nil {
			return relationError(err, h.rel.Target().Model(), h.rel.Source().Model(), sid, false)
		}
		return writeRows(k, h.rel.Target(), f, v)
	}
	ops[0].id = ops[0].tag + ".get"
	return ops
}

// BelongsToController serves a belongs-to relation: the list of a todo.
type BelongsToController[S, T any] struct {
	rel  *repository.BelongsTo[S, T]
	path string
}

// NewBelongsToController returns the route of rel at path.
func NewBelongsToController[S, T any](rel *repository.BelongsTo[S, T], path string) (*BelongsToController[S, T], error) {
	if rel == nil {
		return nil, errors.New("rest: NewBelongsToController: nil relation")
	}
	if err := checkPath(path, true); err != nil {
		return nil, err
	}
	return &BelongsToController[S, T]{rel: rel, path: path}, nil
}

func (b *BelongsToController[S, T]) sources() []modelSource {
	return []modelSource{repoSource(b.rel.Source()), repoSource(b.rel.Target())}
}

func (b *BelongsToController[S, T]) operations() []*operation {
	s, t := reflect.TypeFor[S](), reflect.TypeFor[T]()
	source, target := b.rel.Source(), b.rel.Target()
	tag := source.Model() + target.Model() + "Controller"
	src := sourceOf(source)
	return []*operation{{
		method: "GET", path: b.path, id: tag + ".get", tag: tag, summary: "Find the " + b.rel.Name() + " of a " + source.Model(),
		params: []paramDoc{idDoc(s), filterDoc(t, false)}, status: 200, response: rowSchema(t, relationsVariant), describe: target.Model() + " belonging to " + source.Model(),
		handle: func(k *call) error {
			sid, err := src(k)
			if err != nil {
				return err
			}
			f, err := filterParam(k.r.URL.Query(), "filter", k.s.cfg.Limits)
			if err != nil {
				return err
			}
			if f.Where != nil {
				return invalidParam("filter", "a belongs-to relation takes no where (use fields and include)")
			}
			v, err := b.rel.Get(k.r.Context(), sid, f)
			if err != nil {
				return relationError(err, target.Model(), source.Model(), sid, false)
			}
			return writeRows(k, target, f, v)
		},
	}}
}
