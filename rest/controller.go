package rest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/slipwaygo/slipway/repository"
)

// Check validates or completes a request body of model T after the
// server's own validation and before the write: on create and replace
// (every property of v set from the body) and on patch (the properties in
// set). set holds the JSON names the body sets. Return an *Error (Invalid
// for a 422) to answer with it; any other error is a 500. The Todo list's
// geocoder is a Check: it looks up remindAtAddress and sets remindAtGeo.
type Check[T any] func(ctx context.Context, v *T, set []string) error

// Controller serves a repository the way LoopBack's CrudRestController
// does, at a base path such as "/todos":
//
//	POST   /todos               create; 200 with the new row
//	GET    /todos               find (?filter=); 200 with an array
//	GET    /todos/count         count (?where=); 200 {"count": n}
//	PATCH  /todos               update every row matching ?where=; 200 {"count": n}
//	GET    /todos/{id}          find by id (?filter= with fields, include)
//	PATCH  /todos/{id}          update the properties sent; 204
//	PUT    /todos/{id}          replace every property; 204
//	DELETE /todos/{id}          204
//
// The model needs exactly one primary key for the {id} routes.
type Controller[T any] struct {
	repo   *repository.Repository[T]
	path   string
	checks []Check[T]
}

var _ Routes = (*Controller[struct{}])(nil)

// NewController returns the CRUD routes of repo at path ("/todos"), with
// checks run on every body of T before it is written.
func NewController[T any](repo *repository.Repository[T], path string, checks ...Check[T]) (*Controller[T], error) {
	if repo == nil {
		return nil, errors.New("rest: NewController: nil repository")
	}
	if err := checkPath(path, false); err != nil {
		return nil, err
	}
	return &Controller[T]{repo: repo, path: path, checks: checks}, nil
}

// checkPath accepts "/segment/..." and, for relations, one {id}.
func checkPath(path string, relation bool) error {
	switch {
	case !strings.HasPrefix(path, "/") || strings.HasSuffix(path, "/"):
		return fmt.Errorf("rest: path %q must start with / and not end with one", path)
	case relation && strings.Count(path, "{id}") != 1:
		return fmt.Errorf("rest: relation path %q must hold {id} once, for the source's id", path)
	case strings.Count(path, "{") != strings.Count(path, "{id}") || !relation && strings.Contains(path, "{"):
		return fmt.Errorf("rest: path %q may hold no wildcard other than a relation's {id}", path)
	}
	return nil
}

func (c *Controller[T]) typ() reflect.Type { return reflect.TypeFor[T]() }

func (c *Controller[T]) sources() []modelSource {
	return []modelSource{repoSource(c.repo)}
}

func repoSource[T any](repo *repository.Repository[T]) modelSource {
	return modelSource{typ: reflect.TypeFor[T](), ds: repo.DataSource(), describe: repo.Describe}
}

func (c *Controller[T]) operations() []*operation {
	name := c.repo.Model()
	tag := name + "Controller"
	t := c.typ()
	ops := []*operation{
		{method: "POST", path: c.path, id: tag + ".create", tag: tag, summary: "Create a " + name,
			body: bodySchema(t, newVariant), status: 200, response: rowSchema(t, plainVariant), describe: name + " model instance",
			handle: c.create},
		{method: "GET", path: c.path, id: tag + ".find", tag: tag, summary: "Find " + name + " rows matching the filter",
			params: []paramDoc{filterDoc(t, true)}, status: 200, response: listSchema(t), describe: "Array of " + name + " model instances",
			handle: c.find},
		{method: "GET", path: c.path + "/count", id: tag + ".count", tag: tag, summary: "Count the " + name + " rows matching where",
			params: []paramDoc{whereDoc(t)}, status: 200, response: countSchema, describe: name + " model count",
			handle: c.count},
		{method: "PATCH", path: c.path, id: tag + ".updateAll", tag: tag, summary: "Update every " + name + " matching where",
			params: []paramDoc{whereDoc(t)}, body: bodySchema(t, partialVariant), status: 200, response: countSchema, describe: name + " PATCH success count",
			handle: c.updateAll},
	}
	if c.hasID() {
		byID := c.path + "/{id}"
		id := idDoc(t)
		ops = append(ops,
			&operation{method: "GET", path: byID, id: tag + ".findById", tag: tag, summary: "Find a " + name + " by id",
				params: []paramDoc{id, filterDoc(t, false)}, status: 200, response: rowSchema(t, relationsVariant), describe: name + " model instance",
				handle: c.findByID},
			&operation{method: "PATCH", path: byID, id: tag + ".updateById", tag: tag, summary: "Update the properties of a " + name + " sent",
				params: []paramDoc{id}, body: bodySchema(t, partialVariant), status: 204, describe: name + " PATCH success",
				handle: c.updateByID},
			&operation{method: "PUT", path: byID, id: tag + ".replaceById", tag: tag, summary: "Replace every property of a " + name,
				params: []paramDoc{id}, body: bodySchema(t, newVariant), status: 204, describe: name + " PUT success",
				handle: c.replaceByID},
			&operation{method: "DELETE", path: byID, id: tag + ".deleteById", tag: tag, summary: "Delete a " + name,
				params: []paramDoc{id}, status: 204, describe: name + " DELETE success",
				handle: c.deleteByID},
		)
	}
	return ops
}

func (c *Controller[T]) hasID() bool {
	info, err := c.repo.DataSource().Describe((*T)(nil))
	return err == nil && newModel(info).id != nil
}

func (c *Controller[T]) find(k *call) error {
	f, err := filterParam(k.r.URL.Query(), "filter", k.s.cfg.Limits)
	if err != nil {
		return err
	}
	rows, err := c.repo.Find(k.r.Context(), f)
	if err != nil {
		return fromRepository(err, "filter", false)
	}
	return writeRows(k, c.repo, f, rows)
}

// writeRows answers rows found with f, showing only what f selects.
func writeRows[T any](k *call, repo *repository.Repository[T], f *repository.Filter, rows any) error {
	p, err := repo.Projection(f)
	if err != nil {
		return fromRepository(err, "filter", false)
	}
	data, err := p.Marshal(rows)
	if err != nil {
		return err
	}
	writeJSON(k.w, http.StatusOK, data)
	return nil
}

func (c *Controller[T]) count(k *call) error {
	where, err := whereParam(k.r.URL.Query(), "where", k.s.cfg.Limits)
	if err != nil {
		return err
	}
	n, err := c.repo.Count(k.r.Context(), where)
	if err != nil {
		return fromRepository(err, "where", false)
	}
	return k.json(http.StatusOK, map[string]int{"count": n})
}

func (c *Controller[T]) create(k *call) error {
	v, _, err := decode(k, c.repo, bodyRules{}, c.checks)
	if err != nil {
		return err
	}
	if err := c.repo.Create(k.r.Context(), v); err != nil {
		return fromRepository(err, "body", true)
	}
	return writeRows(k, c.repo, nil, v)
}

func (c *Controller[T]) updateAll(k *call) error {
	where, err := whereParam(k.r.URL.Query(), "where", k.s.cfg.Limits)
	if err != nil {
		return err
	}
	v, set, err := decode(k, c.repo, bodyRules{partial: true, readOnly: c.keyNames(k)}, c.checks)
	if err != nil {
		return err
	}
	var n int64
	if len(set) > 0 {
		if n, err = c.repo.UpdateAll(k.r.Context(), patchOf(k, c.repo, v, set), where); err != nil {
			return fromRepository(err, "where", true)
		}
	}
	return k.json(http.StatusOK, map[string]int64{"count": n})
}

// byID runs do with the path's id: a bad id is 400, ErrNotFound from do a
// 404 naming the model, other errors are mapped as param's (write: the
// body's).
func (c *Controller[T]) byID(k *call, param string, write bool, do func(id any) error) error {
	id, err := pathID(k, c.typ())
	if err != nil {
		return err
	}
	err = do(id)
	if errors.Is(err, repository.ErrNotFound) {
		return notFound(c.repo.Model(), id)
	}
	if err != nil {
		return fromRepository(err, param, write)
	}
	return nil
}

func (c *Controller[T]) findByID(k *call) error {
	return c.byID(k, "filter", false, func(id any) error {
		f, err := filterWithoutWhere(k, "finding by id")
		if err != nil {
			return err
		}
		v, err := c.repo.FindByID(k.r.Context(), id, f)
		if err != nil {
			return err
		}
		return writeRows(k, c.repo, f, v)
	})
}

// keyRule is the body rule of a by-id route: a key the client sets (not a
// generated one) may be in the body only with the path's value.
func (c *Controller[T]) keyRule(k *call, id any) bodyRules {
	if m := k.s.model(c.typ()); m.id != nil && !m.id.Generated {
		return bodyRules{fixed: map[string]any{m.id.Name: id}}
	}
	return bodyRules{}
}

// keyNames are the keys a client sets, which update-all may not change.
func (c *Controller[T]) keyNames(k *call) []string {
	if m := k.s.model(c.typ()); m.id != nil && !m.id.Generated {
		return []string{m.id.Name}
	}
	return nil
}

// filterWithoutWhere reads a filter that takes fields and include only.
func filterWithoutWhere(k *call, what string) (*repository.Filter, error) {
	f, err := filterParam(k.r.URL.Query(), "filter", k.s.cfg.Limits)
	if err != nil {
		return nil, err
	}
	if f.Where != nil {
		return nil, invalidParam("filter", what+" takes no where (use fields and include)")
	}
	return f, nil
}

func (c *Controller[T]) updateByID(k *call) error {
	return c.byID(k, "body", true, func(id any) error {
		rules := c.keyRule(k, id)
		rules.partial = true
		v, set, err := decode(k, c.repo, rules, c.checks)
		if err != nil {
			return err
		}
		set = without(set, fixedNames(rules)...)
		switch {
		case len(set) > 0:
			err = c.repo.UpdateByID(k.r.Context(), id, patchOf(k, c.repo, v, set))
		default: // nothing to change; still 404 for an unknown id
			var ok bool
			if ok, err = c.repo.Exists(k.r.Context(), id); err == nil && !ok {
				err = repository.ErrNotFound
			}
		}
		if err != nil {
			return err
		}
		return k.noContent()
	})
}

func (c *Controller[T]) replaceByID(k *call) error {
	return c.byID(k, "body", true, func(id any) error {
		v, _, err := decode(k, c.repo, c.keyRule(k, id), c.checks)
		if err != nil {
			return err
		}
		if err := c.repo.ReplaceByID(k.r.Context(), id, v); err != nil {
			return err
		}
		return k.noContent()
	})
}

func (c *Controller[T]) deleteByID(k *call) error {
	return c.byID(k, "id", true, func(id any) error {
		if err := c.repo.DeleteByID(k.r.Context(), id); err != nil {
			return err
		}
		return k.noContent()
	})
}

// decode reads, validates and decodes a body of T, then runs the checks
// and makes sure the foreign keys it sets name existing rows.
func decode[T any](k *call, repo *repository.Repository[T], rules bodyRules, checks []Check[T]) (*T, []string, error) {
	m := k.s.model(reflect.TypeFor[T]())
	data, err := readBody(k.w, k.r, k.s.cfg.MaxBodyBytes)
	if err != nil {
		return nil, nil, err
	}
	set, err := m.validate(data, rules)
	if err != nil {
		return nil, nil, err
	}
	v := new(T)
	if err := json.Unmarshal(data, v); err != nil {
		return nil, nil, invalidBody([]Detail{{Path: "", Code: "type", Message: "must match the model: " + strings.TrimPrefix(err.Error(), "json: ")}})
	}
	ctx := k.r.Context()
	for _, check := range checks {
		if err := check(ctx, v, set); err != nil {
			return nil, nil, err
		}
	}
	// Foreign keys the body sets must name rows; the route checked its own.
	if refs := without(set, fixedNames(rules)...); len(refs) > 0 {
		missing, err := repo.MissingReferences(ctx, v, refs)
		if err != nil {
			return nil, nil, err
		}
		var details []Detail
		for _, mr := range missing {
			id, _ := json.Marshal(mr.Value)
			details = append(details, Detail{Path: "/" + mr.Field, Code: "reference",
				Message: fmt.Sprintf("must refer to an existing %s: there is no %s with id %s", mr.Target, mr.Target, id),
				Info:    map[string]any{"model": mr.Target, "id": mr.Value}})
		}
		if len(details) > 0 {
			return nil, nil, invalidBody(details)
		}
	}
	return v, set, nil
}

func fixedNames(rules bodyRules) []string {
	var out []string
	for k := range rules.fixed {
		out = append(out, k)
	}
	return out
}

// patchOf is the repository patch for the properties a body set.
func patchOf[T any](k *call, repo *repository.Repository[T], v *T, set []string) repository.Patch {
	return repository.Patch(k.s.model(reflect.TypeFor[T]()).setValues(v, set))
}

// pathID reads the {id} of the path as the key type of model t: a
// positive integer for a generated integer key.
func pathID(k *call, t reflect.Type) (any, error) {
	raw := k.r.PathValue("id")
	m := k.s.model(t)
	if m == nil || m.id == nil {
		return raw, nil
	}
	switch m.id.json.name {
	case "integer":
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || m.id.Generated && n <= 0 {
			return nil, invalidParam("id", fmt.Sprintf("%q is not a positive integer", raw))
		}
		return n, nil
	case "string":
		if strings.ContainsRune(raw, 0) {
			return nil, invalidParam("id", "it contains a NUL character")
		}
		return raw, nil
	}
	v := reflect.New(m.id.Type)
	if err := json.Unmarshal([]byte(strconv.Quote(raw)), v.Interface()); err != nil {
		return nil, invalidParam("id", fmt.Sprintf("%q is not a valid %s", raw, m.id.Type))
	}
	return v.Elem().Interface(), nil
}
