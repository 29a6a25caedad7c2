package todolist

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/slipwaygo/slipway/repository"
)

// API is the Todo list's REST API, LoopBack's routes in JSON:
//
//	GET, POST                 /todos              (GET takes ?filter=)
//	GET                       /todos/count        (?where=)
//	GET, PATCH, PUT, DELETE   /todos/{id}
//	GET                       /todos/{id}/todo-list
//	GET, POST, PATCH          /todo-lists         (PATCH takes ?where=)
//	GET                       /todo-lists/count   (?where=)
//	GET, PATCH, PUT, DELETE   /todo-lists/{id}
//	GET, POST, PATCH, DELETE  /todo-lists/{id}/todos
//
// Errors are JSON: {"status": 404, "message": "...", "error": {"statusCode":
// 404, "name": "NotFoundError", "message": "..."}} — LoopBack's error object
// with the status and message also at the top. 400 is a malformed request
// (bad JSON, an unknown filter field or operator, a bad id), 404 an unknown
// id or route, 422 a body that fails validation (a missing title, a value of
// the wrong type, an unknown property).
type API struct {
	mux      *http.ServeMux
	todos    *resource[Todo]
	lists    *resource[TodoList]
	listOf   *repository.BelongsTo[Todo, TodoList]
	todosOf  *repository.HasMany[TodoList, Todo]
	geocoder *Geocoder
	log      *slog.Logger
}

// NewAPI builds the API over the repositories.
func NewAPI(todos *repository.Repository[Todo], lists *repository.Repository[TodoList], geo *Geocoder, log *slog.Logger) (*API, error) {
	listOf, err := repository.NewBelongsTo(todos, lists, "todoList")
	if err != nil {
		return nil, err
	}
	todosOf, err := repository.NewHasMany(lists, todos, "todos")
	if err != nil {
		return nil, err
	}
	a := &API{
		mux:      http.NewServeMux(),
		todos:    newResource(todos),
		lists:    newResource(lists),
		listOf:   listOf,
		todosOf:  todosOf,
		geocoder: geo,
		log:      log,
	}
	a.todos.check = a.checkTodo
	a.routes()
	return a, nil
}

func (a *API) routes() {
	m := a.mux
	m.HandleFunc("GET /todos", a.handle(a.todos.find))
	m.HandleFunc("POST /todos", a.handle(a.todos.create))
	m.HandleFunc("GET /todos/count", a.handle(a.todos.count))
	m.HandleFunc("GET /todos/{id}", a.handle(a.todos.get))
	m.HandleFunc("PATCH /todos/{id}", a.handle(a.todos.patch))
	m.HandleFunc("PUT /todos/{id}", a.handle(a.todos.replace))
	m.HandleFunc("DELETE /todos/{id}", a.handle(a.todos.delete))
	m.HandleFunc("GET /todos/{id}/todo-list", a.handle(a.todoListOfTodo))

	m.HandleFunc("GET /todo-lists", a.handle(a.lists.find))
	m.HandleFunc("POST /todo-lists", a.handle(a.lists.create))
	m.HandleFunc("PATCH /todo-lists", a.handle(a.lists.patchAll))
	m.HandleFunc("GET /todo-lists/count", a.handle(a.lists.count))
	m.HandleFunc("GET /todo-lists/{id}", a.handle(a.lists.get))
	m.HandleFunc("PATCH /todo-lists/{id}", a.handle(a.lists.patch))
	m.HandleFunc("PUT /todo-lists/{id}", a.handle(a.lists.replace))
	m.HandleFunc("DELETE /todo-lists/{id}", a.handle(a.lists.delete))
	m.HandleFunc("GET /todo-lists/{id}/todos", a.handle(a.findTodosOfList))
	m.HandleFunc("POST /todo-lists/{id}/todos", a.handle(a.createTodoInList))
	m.HandleFunc("PATCH /todo-lists/{id}/todos", a.handle(a.patchTodosOfList))
	m.HandleFunc("DELETE /todo-lists/{id}/todos", a.handle(a.deleteTodosOfList))

	m.HandleFunc("/", a.handle(func(_ http.ResponseWriter, r *http.Request) error {
		return httpError(http.StatusNotFound, "no route for %s %s", r.Method, r.URL.Path)
	}))
}

// ServeHTTP serves the API.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.mux.ServeHTTP(w, r) }

// handle turns a handler's error into a JSON error response.
func (a *API) handle(fn func(http.ResponseWriter, *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		err := fn(w, r)
		if err == nil {
			return
		}
		var he *apiError
		switch {
		case errors.As(err, &he):
		case errors.Is(err, repository.ErrNotFound):
			he = &apiError{status: http.StatusNotFound, msg: err.Error()}
		default:
			a.log.Error("todolist: request failed", "method", r.Method, "path", r.URL.Path, "error", err)
			he = &apiError{status: http.StatusInternalServerError, msg: "internal server error"}
		}
		writeJSON(w, he.status, map[string]any{
			"status":  he.status,
			"message": he.msg,
			"error": map[string]any{
				"statusCode": he.status,
				"name":       errorName(he.status),
				"message":    he.msg,
			},
		})
	}
}

type apiError struct {
	status int
	msg    string
}

func (e *apiError) Error() string { return e.msg }

func httpError(status int, format string, args ...any) error {
	return &apiError{status: status, msg: fmt.Sprintf(format, args...)}
}

func errorName(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "BadRequestError"
	case http.StatusNotFound:
		return "NotFoundError"
	case http.StatusUnprocessableEntity:
		return "UnprocessableEntityError"
	case http.StatusBadGateway:
		return "BadGatewayError"
	default:
		return strings.ReplaceAll(http.StatusText(status), " ", "") + "Error"
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// queryError is a filter or where that cannot be used: 400.
func queryError(err error) error {
	return &apiError{status: http.StatusBadRequest, msg: err.Error()}
}

func pathID(r *http.Request) (int64, error) {
	s := r.PathValue("id")
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, httpError(http.StatusBadRequest, "id %q is not a positive integer", s)
	}
	return id, nil
}

func filterParam(r *http.Request) (*repository.Filter, error) {
	f, err := repository.ParseFilter([]byte(r.URL.Query().Get("filter")))
	if err != nil {
		return nil, queryError(err)
	}
	return f, nil
}

func whereParam(r *http.Request) (repository.Where, error) {
	w, err := repository.ParseWhere([]byte(r.URL.Query().Get("where")))
	if err != nil {
		return nil, queryError(err)
	}
	return w, nil
}

// usage maps a repository error caused by the request: a *FieldError is
// the caller's (status), anything else stays as it is.
func usage(err error, status int) error {
	var fe *repository.FieldError
	if errors.As(err, &fe) {
		return &apiError{status: status, msg: fe.Error()}
	}
	return err
}

// resource serves the CRUD routes of one model.
type resource[T any] struct {
	repo   *repository.Repository[T]
	fields map[string]field // by JSON name
	// check validates a decoded body before it is written; set lists the
	// JSON names the body sets.
	check func(ctx context.Context, v *T, set []string) error
}

// field is a JSON property of a model.
type field struct {
	index    int
	pointer  bool
	required bool // a non-pointer string: must be present and non-empty
	writable bool // not the id, not a relation
}

func newResource[T any](repo *repository.Repository[T]) *resource[T] {
	res := &resource[T]{repo: repo, fields: map[string]field{}}
	rt := reflect.TypeFor[T]()
	for i := range rt.NumField() {
		sf := rt.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if !sf.IsExported() || name == "" || name == "-" {
			continue
		}
		bunTag := sf.Tag.Get("bun")
		relation := strings.Contains(bunTag, "rel:")
		res.fields[name] = field{
			index:    i,
			pointer:  sf.Type.Kind() == reflect.Pointer,
			required: sf.Type.Kind() == reflect.String && strings.Contains(bunTag, "notnull"),
			writable: !relation && !strings.Contains(bunTag, ",pk"),
		}
	}
	return res
}

// decodeBody reads a JSON object into v and returns the properties it set.
// partial is a PATCH: required properties may be absent. Bad JSON is 400;
// a body that is not an object, an unknown or read-only property, a value
// of the wrong type or a missing required property is 422.
func (res *resource[T]) decodeBody(r *http.Request, v *T, partial bool) ([]string, error) {
	data, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, 1<<20))
	if err != nil {
		return nil, httpError(http.StatusBadRequest, "reading the body: %v", err)
	}
	if !json.Valid(data) {
		return nil, httpError(http.StatusBadRequest, "the body is not valid JSON")
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil || raw == nil {
		return nil, httpError(http.StatusUnprocessableEntity, "the body must be a JSON object")
	}
	model := res.repo.Model()
	set := make([]string, 0, len(raw))
	for name, value := range raw {
		f, ok := res.fields[name]
		switch {
		case !ok:
			return nil, httpError(http.StatusUnprocessableEntity, "%s has no property %q (known: %s)", model, name, strings.Join(res.writableNames(), ", "))
		case !f.writable:
			return nil, httpError(http.StatusUnprocessableEntity, "%s.%s cannot be set", model, name)
		case !f.pointer && bytes.Equal(bytes.TrimSpace(value), []byte("null")):
			return nil, httpError(http.StatusUnprocessableEntity, "%s.%s must not be null", model, name)
		}
		set = append(set, name)
	}
	slices.Sort(set)
	if err := json.Unmarshal(data, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, httpError(http.StatusUnprocessableEntity, "%s.%s must be %s, not %s", model, te.Field, jsonKind(te.Type), te.Value)
		}
		return nil, httpError(http.StatusUnprocessableEntity, "%s: %v", model, err)
	}
	rv := reflect.ValueOf(v).Elem()
	for name, f := range res.fields {
		if !f.required {
			continue
		}
		_, present := raw[name]
		if (!partial || present) && strings.TrimSpace(rv.Field(f.index).String()) == "" {
			return nil, httpError(http.StatusUnprocessableEntity, "%s.%s is required and must not be empty", model, name)
		}
	}
	return set, nil
}

func (res *resource[T]) writableNames() []string {
	var names []string
	for name, f := range res.fields {
		if f.writable {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	default:
		return t.String()
	}
}

// patchOf is the repository patch for the properties a body set.
func (res *resource[T]) patchOf(v *T, set []string) repository.Patch {
	rv := reflect.ValueOf(v).Elem()
	patch := repository.Patch{}
	for _, name := range set {
		patch[name] = rv.Field(res.fields[name].index).Interface()
	}
	return patch
}

// body decodes and validates a request body (see decodeBody and check).
func (res *resource[T]) body(r *http.Request, partial bool) (*T, []string, error) {
	v := new(T)
	set, err := res.decodeBody(r, v, partial)
	if err != nil {
		return nil, nil, err
	}
	if res.check != nil {
		if err := res.check(r.Context(), v, set); err != nil {
			return nil, nil, err
		}
	}
	return v, set, nil
}

func (res *resource[T]) find(w http.ResponseWriter, r *http.Request) error {
	f, err := filterParam(r)
	if err != nil {
		return err
	}
	rows, err := res.repo.Find(r.Context(), f)
	if err != nil {
		return usage(err, http.StatusBadRequest)
	}
	writeJSON(w, http.StatusOK, nonNil(rows))
	return nil
}

func (res *resource[T]) count(w http.ResponseWriter, r *http.Request) error {
	where, err := whereParam(r)
	if err != nil {
		return err
	}
	n, err := res.repo.Count(r.Context(), where)
	if err != nil {
		return usage(err, http.StatusBadRequest)
	}
	writeJSON(w, http.StatusOK, map[string]int{"count": n})
	return nil
}

func (res *resource[T]) create(w http.ResponseWriter, r *http.Request) error {
	v, _, err := res.body(r, false)
	if err != nil {
		return err
	}
	if err := res.repo.Create(r.Context(), v); err != nil {
		return usage(err, http.StatusUnprocessableEntity)
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (res *resource[T]) get(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	f, err := filterParam(r)
	if err != nil {
		return err
	}
	v, err := res.repo.FindByID(r.Context(), id, f)
	if err != nil {
		return usage(err, http.StatusBadRequest)
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (res *resource[T]) patch(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	v, set, err := res.body(r, true)
	if err != nil {
		return err
	}
	if len(set) == 0 {
		// Nothing to change; still 404 for an unknown id.
		ok, err := res.repo.Exists(r.Context(), id)
		if err != nil {
			return err
		}
		if !ok {
			return httpError(http.StatusNotFound, "%s %d not found", res.repo.Model(), id)
		}
	} else if err := res.repo.UpdateByID(r.Context(), id, res.patchOf(v, set)); err != nil {
		return usage(err, http.StatusUnprocessableEntity)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (res *resource[T]) patchAll(w http.ResponseWriter, r *http.Request) error {
	where, err := whereParam(r)
	if err != nil {
		return err
	}
	v, set, err := res.body(r, true)
	if err != nil {
		return err
	}
	var n int64
	if len(set) > 0 {
		if n, err = res.repo.UpdateAll(r.Context(), res.patchOf(v, set), where); err != nil {
			return usage(err, http.StatusBadRequest)
		}
	}
	writeJSON(w, http.StatusOK, map[string]int64{"count": n})
	return nil
}

func (res *resource[T]) replace(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	v, _, err := res.body(r, false)
	if err != nil {
		return err
	}
	if err := res.repo.ReplaceByID(r.Context(), id, v); err != nil {
		return usage(err, http.StatusUnprocessableEntity)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (res *resource[T]) delete(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := res.repo.DeleteByID(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// checkTodo validates a todo body: its list must exist, and with a
// configured geocoder its address is looked up.
func (a *API) checkTodo(ctx context.Context, t *Todo, set []string) error {
	if slices.Contains(set, "todoListId") && t.TodoListID != nil {
		ok, err := a.lists.repo.Exists(ctx, *t.TodoListID)
		if err != nil {
			return err
		}
		if !ok {
			return httpError(http.StatusUnprocessableEntity, "Todo.todoListId: TodoList %d does not exist", *t.TodoListID)
		}
	}
	if slices.Contains(set, "remindAtAddress") && t.RemindAtAddress != nil && a.geocoder.Configured() {
		geo, err := a.geocoder.Geocode(ctx, *t.RemindAtAddress)
		switch {
		case errors.Is(err, ErrAddressNotFound):
			return httpError(http.StatusUnprocessableEntity, "Todo.remindAtAddress: %v", err)
		case err != nil:
			return httpError(http.StatusBadGateway, "%v", err)
		}
		t.RemindAtGeo = &geo
	}
	return nil
}

func (a *API) todoListOfTodo(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	f, err := filterParam(r)
	if err != nil {
		return err
	}
	list, err := a.listOf.Get(r.Context(), id, f)
	if err != nil {
		return usage(err, http.StatusBadRequest)
	}
	writeJSON(w, http.StatusOK, list)
	return nil
}

// listID is the id of an existing todo list from the path.
func (a *API) listID(r *http.Request) (int64, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, err
	}
	ok, err := a.lists.repo.Exists(r.Context(), id)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, httpError(http.StatusNotFound, "TodoList %d not found", id)
	}
	return id, nil
}

func (a *API) findTodosOfList(w http.ResponseWriter, r *http.Request) error {
	id, err := a.listID(r)
	if err != nil {
		return err
	}
	f, err := filterParam(r)
	if err != nil {
		return err
	}
	todos, err := a.todosOf.Find(r.Context(), id, f)
	if err != nil {
		return usage(err, http.StatusBadRequest)
	}
	writeJSON(w, http.StatusOK, nonNil(todos))
	return nil
}

func (a *API) createTodoInList(w http.ResponseWriter, r *http.Request) error {
	id, err := a.listID(r)
	if err != nil {
		return err
	}
	t, set, err := a.todos.body(r, false)
	if err != nil {
		return err
	}
	if slices.Contains(set, "todoListId") && (t.TodoListID == nil || *t.TodoListID != id) {
		return httpError(http.StatusUnprocessableEntity, "Todo.todoListId must be %d, the list's id, or absent", id)
	}
	if err := a.todosOf.Create(r.Context(), id, t); err != nil {
		return usage(err, http.StatusUnprocessableEntity)
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (a *API) patchTodosOfList(w http.ResponseWriter, r *http.Request) error {
	id, err := a.listID(r)
	if err != nil {
		return err
	}
	where, err := whereParam(r)
	if err != nil {
		return err
	}
	t, set, err := a.todos.body(r, true)
	if err != nil {
		return err
	}
	var n int64
	if len(set) > 0 {
		if n, err = a.todosOf.Patch(r.Context(), id, a.todos.patchOf(t, set), where); err != nil {
			return usage(err, http.StatusBadRequest)
		}
	}
	writeJSON(w, http.StatusOK, map[string]int64{"count": n})
	return nil
}

func (a *API) deleteTodosOfList(w http.ResponseWriter, r *http.Request) error {
	id, err := a.listID(r)
	if err != nil {
		return err
	}
	where, err := whereParam(r)
	if err != nil {
		return err
	}
	n, err := a.todosOf.Delete(r.Context(), id, where)
	if err != nil {
		return usage(err, http.StatusBadRequest)
	}
	writeJSON(w, http.StatusOK, map[string]int64{"count": n})
	return nil
}

// nonNil makes an empty result encode as [] rather than null.
func nonNil[T any](rows []*T) []*T {
	if rows == nil {
		return []*T{}
	}
	return rows
}
