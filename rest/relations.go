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

// relation is what the repository's has-many, has-many-through and
// has-one relations offer.
type relation[S, T any] interface {
	Source() *repository.Repository[S]
	Target() *repository.Repository[T]
	Name() string
	Create(ctx context.Context, sourceID any, v *T) error
	Patch(ctx context.Context, sourceID any, patch repository.Patch, where repository.Where) (int64, error)
	Delete(ctx context.Context, sourceID any, where repository.Where) (int64, error)
}

// relationController serves a relation's GET, POST, PATCH and DELETE. GET
// answers a list (find) or, for has-one, one row (get).
type relationController[S, T any] struct {
	rel       relation[S, T]
	path      string
	checks    []Check[T]
	find      func(ctx context.Context, sourceID any, f *repository.Filter) ([]*T, error)
	get       func(ctx context.Context, sourceID any, f *repository.Filter) (*T, error)
	sourceKey func(ctx context.Context, sourceID any) (any, error) // nil: the body sets no key of the route
}

// newRelationController checks the arguments of a relation controller's
// constructor, named by name.
func newRelationController[S, T any](name string, rel relation[S, T], isNil bool, path string, checks []Check[T]) (relationController[S, T], error) {
	if isNil {
		return relationController[S, T]{}, fmt.Errorf("rest: %s: nil relation", name)
	}
	if err := checkPath(path, true); err != nil {
		return relationController[S, T]{}, err
	}
	return relationController[S, T]{rel: rel, path: path, checks: checks}, nil
}

func (c *relationController[S, T]) sources() []modelSource {
	return []modelSource{repoSource(c.rel.Source()), repoSource(c.rel.Target())}
}

// HasManyController serves a has-many relation: the todos of a todo list.
type HasManyController[S, T any] struct {
	relationController[S, T]
}

// NewHasManyController returns the routes of rel at path.
func NewHasManyController[S, T any](rel *repository.HasMany[S, T], path string, checks ...Check[T]) (*HasManyController[S, T], error) {
	c, err := newRelationController[S, T]("NewHasManyController", rel, rel == nil, path, checks)
	if err != nil {
		return nil, err
	}
	c.find, c.sourceKey = rel.Find, rel.SourceKey
	return &HasManyController[S, T]{c}, nil
}

// HasManyThroughController serves a has-many-through relation: the patients
// of a doctor through appointments. POST creates the target and links it.
type HasManyThroughController[S, T any] struct {
	relationController[S, T]
}

// NewHasManyThroughController returns the routes of rel at path.
func NewHasManyThroughController[S, T any](rel *repository.HasManyThrough[S, T], path string, checks ...Check[T]) (*HasManyThroughController[S, T], error) {
	c, err := newRelationController[S, T]("NewHasManyThroughController", rel, rel == nil, path, checks)
	if err != nil {
		return nil, err
	}
	c.find = rel.Find
	return &HasManyThroughController[S, T]{c}, nil
}

// HasOneController serves a has-one relation: the image of a todo list.
// POST answers 409 when the source has its target already.
type HasOneController[S, T any] struct {
	relationController[S, T]
}

// NewHasOneController returns the routes of rel at path.
func NewHasOneController[S, T any](rel *repository.HasOne[S, T], path string, checks ...Check[T]) (*HasOneController[S, T], error) {
	c, err := newRelationController[S, T]("NewHasOneController", rel, rel == nil, path, checks)
	if err != nil {
		return nil, err
	}
	c.get, c.sourceKey = rel.Get, rel.SourceKey
	return &HasOneController[S, T]{c}, nil
}

// rules is the body rule of the route: the target's foreign key, which the
// route sets, may be absent or equal the source's key.
func (c *relationController[S, T]) rules(ctx context.Context, id any) (bodyRules, error) {
	key := relationKey(c.rel.Source(), c.rel.Name())
	if key == "" || c.sourceKey == nil {
		return bodyRules{}, nil
	}
	v, err := c.sourceKey(ctx, id)
	if err != nil {
		return bodyRules{}, err
	}
	return bodyRules{fixed: map[string]any{key: reflect.Indirect(reflect.ValueOf(v)).Interface()}}, nil
}

func (c *relationController[S, T]) operations() []*operation {
	source, target := c.rel.Source(), c.rel.Target()
	s, t := reflect.TypeFor[S](), reflect.TypeFor[T]()
	relName := c.rel.Name()
	tag := source.Model() + target.Model() + "Controller"
	id := idDoc(s)
	src := sourceOf(source)
	fail := func(err error, sid any, write bool) error {
		return relationError(err, target.Model(), source.Model(), sid, write)
	}
	get := &operation{method: "GET", path: c.path, tag: tag, summary: "Find the " + relName + " of a " + source.Model(),
		params: []paramDoc{id, filterDoc(t, true)}, status: 200,
		handle: func(k *call) error {
			sid, err := src(k)
			if err != nil {
				return err
			}
			f, err := filterParam(k.r.URL.Query(), "filter", k.s.cfg.Limits)
			if err != nil {
				return err
			}
			var rows any
			if c.find != nil {
				rows, err = c.find(k.r.Context(), sid, f)
			} else {
				rows, err = c.get(k.r.Context(), sid, f)
			}
			if err != nil {
				return fail(err, sid, false)
			}
			return writeRows(k, target, f, rows)
		}}
	if c.find != nil {
		get.id, get.response, get.describe = tag+".find", listSchema(t), "Array of "+target.Model()+" model instances of a "+source.Model()
	} else {
		get.id, get.response, get.describe = tag+".get", rowSchema(t, relationsVariant), target.Model()+" model instance"
	}
	return []*operation{
		get,
		{method: "POST", path: c.path, id: tag + ".create", tag: tag, summary: "Create a " + target.Model() + " in the " + relName + " of a " + source.Model(),
			params: []paramDoc{id}, body: bodySchema(t, newVariant, relationKey(source, relName), source.Model()), status: 200, response: rowSchema(t, plainVariant), describe: target.Model() + " model instance",
			handle: func(k *call) error {
				sid, err := src(k)
				if err != nil {
					return err
				}
				rules, err := c.rules(k.r.Context(), sid)
				if err != nil {
					return fail(err, sid, false)
				}
				v, _, err := decode(k, target, rules, c.checks)
				if err != nil {
					return err
				}
				if err := c.rel.Create(k.r.Context(), sid, v); err != nil {
					return fail(err, sid, true)
				}
				return writeRows(k, target, nil, v)
			}},
		{method: "PATCH", path: c.path, id: tag + ".patch", tag: tag, summary: "Update the " + relName + " of a " + source.Model() + " matching where",
			params: []paramDoc{id, whereDoc(t)}, body: bodySchema(t, partialVariant), status: 200, response: countSchema, describe: source.Model() + "." + relName + " PATCH success count",
			handle: func(k *call) error {
				sid, err := src(k)
				if err != nil {
					return err
				}
				where, err := whereParam(k.r.URL.Query(), "where", k.s.cfg.Limits)
				if err != nil {
					return err
				}
				rules, err := c.rules(k.r.Context(), sid)
				if err != nil {
					return fail(err, sid, false)
				}
				rules.partial = true
				v, set, err := decode(k, target, rules, c.checks)
				if err != nil {
					return err
				}
				var n int64
				if set = without(set, fixedNames(rules)...); len(set) > 0 {
					if n, err = c.rel.Patch(k.r.Context(), sid, patchOf(k, target, v, set), where); err != nil {
						return fail(err, sid, true)
					}
				}
				return k.json(http.StatusOK, map[string]int64{"count": n})
			}},
		{method: "DELETE", path: c.path, id: tag + ".delete", tag: tag, summary: "Delete the " + relName + " of a " + source.Model() + " matching where",
			params: []paramDoc{id, whereDoc(t)}, status: 200, response: countSchema, describe: source.Model() + "." + relName + " DELETE success count",
			handle: func(k *call) error {
				sid, err := src(k)
				if err != nil {
					return err
				}
				where, err := whereParam(k.r.URL.Query(), "where", k.s.cfg.Limits)
				if err != nil {
					return err
				}
				n, err := c.rel.Delete(k.r.Context(), sid, where)
				if err != nil {
					return fail(err, sid, true)
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
			f, err := filterWithoutWhere(k, "a belongs-to relation")
			if err != nil {
				return err
			}
			v, err := b.rel.Get(k.r.Context(), sid, f)
			if err != nil {
				return relationError(err, target.Model(), source.Model(), sid, false)
			}
			return writeRows(k, target, f, v)
		},
	}}
}
