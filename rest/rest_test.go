package rest_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/slipwaygo/slipway/internal/testdb"
	"github.com/slipwaygo/slipway/repository"
	"github.com/slipwaygo/slipway/rest"
	"github.com/slipwaygo/slipway/schema"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// The first bug: todo 4 is complete, yet fields ["title"] answered
// {"id":4,"title":"y","isComplete":false}; and the exclusion form was
// ignored.
func TestFields_NeverShowMadeUpValues(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, f *fixture) {
		c := f.c
		for _, title := range []string{"a", "b", "c"} {
			c.ok(200, "POST", "/todos", `{"title":"`+title+`"}`)
		}
		var done Todo
		require.NoError(t, json.Unmarshal([]byte(c.ok(200, "POST", "/todos", `{"title":"y","isComplete":true,"priority":3}`)), &done))
		id := itoa(done.ID)

		tests := []struct {
			name string
			give string
			want string
		}{
			{name: "fields list", give: "/todos?filter=" + q(`{"where":{"id":`+id+`},"fields":["title"]}`), want: `[{"title":"y"}]`},
			{name: "fields object", give: "/todos?filter=" + q(`{"where":{"id":`+id+`},"fields":{"title":true,"isComplete":true}}`), want: `[{"title":"y","isComplete":true}]`},
			{name: "exclusion", give: "/todos?filter=" + q(`{"where":{"id":`+id+`},"fields":{"isComplete":false,"priority":false}}`), want: `[{"id":` + id + `,"title":"y"}]`},
			{name: "exploded", give: "/todos?filter[where][id]=" + id + "&filter[fields][0]=title", want: `[{"title":"y"}]`},
			{name: "exploded exclusion", give: "/todos?filter[where][id]=" + id + "&filter[fields][isComplete]=false&filter[fields][priority]=false", want: `[{"id":` + id + `,"title":"y"}]`},
			{name: "by id", give: "/todos/" + id + "?filter=" + q(`{"fields":["title","isComplete"]}`), want: `{"title":"y","isComplete":true}`},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				assert.JSONEq(t, tt.want, c.ok(200, "GET", tt.give, ""))
			})
		}
	})
}

// PATCH /todos?where=... answered 404: there was no such route.
func TestUpdateAll_WithWhere(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, f *fixture) {
		c := f.c
		c.ok(200, "POST", "/todos", `{"title":"hello","desc":"common greeting"}`)
		c.ok(200, "POST", "/todos", `{"title":"goodbye","desc":"common farewell"}`)
		assert.JSONEq(t, `{"count":1}`, c.ok(200, "PATCH", "/todos?where="+q(`{"title":"goodbye"}`), `{"isComplete":true}`))
		assert.JSONEq(t, `{"count":1}`, c.ok(200, "PATCH", "/todos?where[title]=hello", `{"priority":2}`), "exploded where")
		assert.JSONEq(t, `{"count":2}`, c.ok(200, "PATCH", "/todos", `{"tag":"x"}`), "no where: every row")
		assert.JSONEq(t, `{"count":1}`, c.ok(200, "GET", "/todos/count?where="+q(`{"isComplete":true,"tag":"x"}`), ""))
		assert.JSONEq(t, `{"count":1}`, c.ok(200, "GET", "/todos/count?where[priority]=2", ""), "exploded where values are read as their field's type")
		c.fails(400, "PATCH", "/todos?where="+q(`{"colour":"red"}`), `{"isComplete":true}`)
	})
}

// The exploded form LoopBack clients and supertest send was ignored.
func TestFilter_ExplodedForm(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, f *fixture) {
		c := f.c
		list := must(decodeTodoList(c.ok(200, "POST", "/todo-lists", `{"title":"home"}`)))
		lid := itoa(list.ID)
		for _, body := range []string{`{"title":"go to sleep"}`, `{"title":"wake up","isComplete":true}`, `{"title":"go to work","isComplete":true,"todoListId":` + lid + `}`} {
			c.ok(200, "POST", "/todos", body)
		}
		tests := []struct {
			name string
			give string
			want []string
		}{
			{name: "limit", give: "filter[limit]=2&filter[order]=id", want: []string{"go to sleep", "wake up"}},
			{name: "where", give: "filter[where][title]=wake%20up", want: []string{"wake up"}},
			{name: "boolean where", give: "filter[where][isComplete]=false", want: []string{"go to sleep"}},
			{name: "order string", give: "filter[order]=title%20DESC", want: []string{"wake up", "go to work", "go to sleep"}},
			{name: "order array", give: "filter[order][0]=title+DESC", want: []string{"wake up", "go to work", "go to sleep"}},
			{name: "skip", give: "filter[order]=id&filter[skip]=1&filter[limit]=1", want: []string{"wake up"}},
			{name: "operator", give: "filter[where][title][like]=go%25&filter[order]=id", want: []string{"go to sleep", "go to work"}},
			{name: "or", give: "filter[where][or][0][title]=wake%20up&filter[where][or][1][todoListId]=" + lid + "&filter[order]=id", want: []string{"wake up", "go to work"}},
			{name: "inq with []", give: "filter[where][title][inq][]=wake%20up&filter[where][title][inq][]=go%20to%20work&filter[order]=id", want: []string{"wake up", "go to work"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var got []Todo
				require.NoError(t, json.Unmarshal([]byte(c.ok(200, "GET", "/todos?"+tt.give, "")), &got))
				assert.Equal(t, tt.want, titlesOf(got))
			})
		}
		var withList []TodoList
		require.NoError(t, json.Unmarshal([]byte(c.ok(200, "GET", "/todo-lists?filter[include][0][relation]=todos&filter[include][0][scope][fields][0]=title", "")), &withList))
		require.Len(t, withList, 1)
		assert.Equal(t, []string{"go to work"}, titlesOf(derefAll(withList[0].Todos)))
		e := c.fails(400, "GET", "/todos?filter[where]=x&filter[where][title]=y", "")
		assert.Contains(t, e.Message, `"filter[where][title]"`)
		e = c.fails(400, "GET", "/todos?filter={}&filter[limit]=1", "")
		assert.Contains(t, e.Message, "not both")
	})
}

func decodeTodoList(s string) (TodoList, error) {
	var l TodoList
	return l, json.Unmarshal([]byte(s), &l)
}

func titlesOf(todos []Todo) []string {
	out := []string{}
	for _, t := range todos {
		out = append(out, t.Title)
	}
	return out
}

func derefAll(todos []*Todo) []Todo {
	out := make([]Todo, len(todos))
	for i, t := range todos {
		out[i] = *t
	}
	return out
}

// Over-length text, NUL characters, wrong types and unknown properties are
// a 422 with LoopBack's details on every database — never a 500 (MySQL's
// "Data too long", PostgreSQL's and SQLite's syntax errors from a NUL) nor
// silently changed data (MySQL stripped the NUL).
func TestValidation_422OnEveryDatabase(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, f *fixture) {
		c := f.c
		long := strings.Repeat("x", 300)
		tests := []struct {
			name string
			give string
			want rest.Detail
		}{
			{name: "declared length", give: `{"title":"t","tag":"123456789"}`, want: rest.Detail{Path: "/tag", Code: "maxLength", Message: "must NOT have more than 8 characters", Info: map[string]any{"limit": float64(8)}}},
			{name: "NUL character", give: `{"title":"a\u0000b"}`, want: rest.Detail{Path: "/title", Code: "pattern", Message: `must match pattern "^[^\x00]*$" (no NUL character)`, Info: map[string]any{"pattern": `^[^\x00]*$`}}},
			{name: "wrong type", give: `{"title":42}`, want: rest.Detail{Path: "/title", Code: "type", Message: "must be string", Info: map[string]any{"type": "string"}}},
			{name: "boolean", give: `{"title":"t","isComplete":"yes"}`, want: rest.Detail{Path: "/isComplete", Code: "type", Message: "must be boolean", Info: map[string]any{"type": "boolean"}}},
			{name: "integer", give: `{"title":"t","priority":1.5}`, want: rest.Detail{Path: "/priority", Code: "type", Message: "must be integer", Info: map[string]any{"type": "integer"}}},
			{name: "int16 range", give: `{"title":"t","priority":40000}`, want: rest.Detail{Path: "/priority", Code: "maximum", Message: "must be <= 32767", Info: map[string]any{"comparison": "<=", "limit": float64(32767)}}},
			{name: "date-time", give: `{"title":"t","dueAt":"tomorrow"}`, want: rest.Detail{Path: "/dueAt", Code: "format", Message: `must match format "date-time"`, Info: map[string]any{"format": "date-time"}}},
			{name: "null for a NOT NULL property", give: `{"title":null}`, want: rest.Detail{Path: "/title", Code: "type", Message: "must be string", Info: map[string]any{"type": "string"}}},
			{name: "unknown property", give: `{"title":"t","colour":"red"}`, want: rest.Detail{Path: "", Code: "additionalProperties", Message: "must NOT have additional properties", Info: map[string]any{"additionalProperty": "colour"}}},
			{name: "generated key", give: `{"id":5,"title":"t"}`, want: rest.Detail{Path: "", Code: "additionalProperties", Message: "must NOT have additional properties", Info: map[string]any{"additionalProperty": "id"}}},
			{name: "relation", give: `{"title":"t","todoList":{"title":"x"}}`, want: rest.Detail{Path: "", Code: "additionalProperties", Message: "must NOT have additional properties", Info: map[string]any{"additionalProperty": "todoList"}}},
			{name: "required", give: `{"desc":"no title"}`, want: rest.Detail{Path: "", Code: "required", Message: "must have required property 'title'", Info: map[string]any{"missingProperty": "title"}}},
			{name: "required text not empty", give: `{"title":""}`, want: rest.Detail{Path: "/title", Code: "minLength", Message: "must NOT have fewer than 1 characters", Info: map[string]any{"limit": float64(1)}}},
			{name: "missing reference", give: `{"title":"t","todoListId":9999}`, want: rest.Detail{Path: "/todoListId", Code: "reference", Message: "must refer to an existing TodoList: there is no TodoList with id 9999", Info: map[string]any{"model": "TodoList", "id": float64(9999)}}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				e := c.fails(422, "POST", "/todos", tt.give)
				assert.Equal(t, "UnprocessableEntityError", e.Error.Name)
				assert.Equal(t, "VALIDATION_FAILED", e.Error.Code)
				assert.Equal(t, []rest.Detail{tt.want}, e.Error.Details)
			})
		}
		// The same rules on every route that writes.
		todo := must(decodeTodo(c.ok(200, "POST", "/todos", `{"title":"ok"}`)))
		id := itoa(todo.ID)
		c.fails(422, "PATCH", "/todos/"+id, `{"title":"a\u0000"}`)
		c.fails(422, "PUT", "/todos/"+id, `{"title":"t","tag":"123456789"}`)
		c.fails(422, "PATCH", "/todos", `{"tag":"123456789"}`)
		list := must(decodeTodoList(c.ok(200, "POST", "/todo-lists", `{"title":"home"}`)))
		c.fails(422, "POST", "/todo-lists/"+itoa(list.ID)+"/todos", `{"title":"\u0000"}`)
		e := c.fails(422, "POST", "/todo-lists/"+itoa(list.ID)+"/todos", `{"title":"x","todoListId":9999}`)
		assert.Equal(t, "/todoListId", e.Error.Details[0].Path)
		assert.Equal(t, "const", e.Error.Details[0].Code)
		c.ok(200, "POST", "/todo-lists/"+itoa(list.ID)+"/todos", `{"title":"x","todoListId":`+itoa(list.ID)+`}`)

		// Every problem at once, in one answer.
		e = c.fails(422, "POST", "/todos", `{"colour":"red","isComplete":"no","tag":"`+long+`"}`)
		assert.Len(t, e.Error.Details, 4)
		assert.Contains(t, e.Message, `property "title" is required`)

		// Nothing was written.
		assert.JSONEq(t, `{"count":2}`, c.ok(200, "GET", "/todos/count", ""))
	})
}

func decodeTodo(s string) (Todo, error) {
	var v Todo
	return v, json.Unmarshal([]byte(s), &v)
}

// On MySQL a desc of 300 characters answered 500 (Error 1406 Data too
// long); the live column (varchar(255)) now says 422. PostgreSQL's and
// SQLite's desc column is a varchar without a length and holds it.
func TestValidation_LengthOfTheLiveColumn(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, f *fixture) {
		live := map[testdb.Dialect]int{testdb.MySQL: 255}[f.dialect]
		props, err := f.todos.Properties(t.Context())
		require.NoError(t, err)
		assert.Equal(t, live, props[2].MaxLength, "desc")
		body := `{"title":"t","desc":"` + strings.Repeat("é", 300) + `"}`
		status := map[bool]int{true: 422, false: 200}[live > 0]
		r := f.c.do("POST", "/todos", body)
		require.Equal(t, status, r.status, "%s", r.body)
	})
}

// A column narrower than bun's default, in a table the model did not
// create (a legacy schema): the live size is the limit, on SQLite too,
// which would store any length.
func TestValidation_LegacyColumnSize(t *testing.T) {
	t.Parallel()
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			db := testdb.Open(t, d)
			pk := map[testdb.Dialect]string{testdb.SQLite: "integer PRIMARY KEY AUTOINCREMENT", testdb.Postgres: "bigserial PRIMARY KEY", testdb.MySQL: "bigint AUTO_INCREMENT PRIMARY KEY"}[d]
			_, err := db.ExecContext(t.Context(), "CREATE TABLE patients (id "+pk+", name varchar(12) NOT NULL)")
			require.NoError(t, err)
			ds := repository.NewSQL("db", db)
			patients := must(repository.New[Patient](ds))
			srv := must(rest.NewServer(rest.Config{}, must(rest.NewController(patients, "/patients"))))
			c := &client{t: t, base: serve(t, srv)}
			e := c.fails(422, "POST", "/patients", `{"name":"a name longer than twelve"}`)
			assert.Equal(t, []rest.Detail{{Path: "/name", Code: "maxLength", Message: "must NOT have more than 12 characters", Info: map[string]any{"limit": float64(12)}}}, e.Error.Details)
			c.ok(200, "POST", "/patients", `{"name":"twelve chars"}`)
			assert.Contains(t, c.ok(200, "GET", "/openapi.json", ""), `"maxLength": 12`)
		})
	}
}

func TestErrors_StatusesAndShapes(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, f *fixture) {
		c := f.c
		var or []string
		for range 5000 {
			or = append(or, `{"title":"x"}`)
		}
		tests := []struct {
			name, method, path, body string
			status                   int
			errName, code            string
			contains                 string
		}{
			{name: "malformed body", method: "POST", path: "/todos", body: `{"title":`, status: 400, errName: "BadRequestError", code: "INVALID_REQUEST_BODY", contains: "not valid JSON"},
			{name: "empty body", method: "POST", path: "/todos", body: ``, status: 400, errName: "BadRequestError", code: "MISSING_REQUIRED_PARAMETER", contains: "Request body is required"},
			{name: "body not an object", method: "POST", path: "/todos", body: `["title"]`, status: 422, errName: "UnprocessableEntityError", code: "VALIDATION_FAILED", contains: "must be object"},
			{name: "too large", method: "POST", path: "/todos", body: `{"title":"` + strings.Repeat("x", 1<<20) + `"}`, status: 413, errName: "PayloadTooLargeError", code: "ENTITY_TOO_LARGE", contains: "1048576 bytes"},
			{name: "bad filter JSON", method: "GET", path: "/todos?filter=" + q(`{"where":`), status: 400, errName: "BadRequestError", code: "INVALID_PARAMETER_VALUE", contains: `parameter "filter": not valid JSON`},
			{name: "unknown filter key", method: "GET", path: "/todos?filter=" + q(`{"wher":{}}`), status: 400, errName: "BadRequestError", code: "INVALID_PARAMETER_VALUE", contains: `unknown key "wher"`},
			{name: "unknown field", method: "GET", path: "/todos?filter=" + q(`{"where":{"colour":"red"}}`), status: 400, errName: "BadRequestError", code: "INVALID_PARAMETER_VALUE", contains: `"colour" of Todo`},
			{name: "too many conditions", method: "GET", path: "/todos?filter=" + q(`{"where":{"or":[`+strings.Join(or, ",")+`]}}`), status: 400, errName: "BadRequestError", code: "FILTER_TOO_COMPLEX", contains: "the limit is 200 (conditions)"},
			{name: "too deep", method: "GET", path: "/todos/count?where=" + q(`{"or":[{"and":[{"or":[{"and":[{"or":[{"and":[{"or":[{"and":[{"title":"x"}]}]}]}]}]}]}]}]}`), status: 400, errName: "BadRequestError", code: "FILTER_TOO_COMPLEX", contains: "(depth)"},
			{name: "bad id", method: "GET", path: "/todos/abc", status: 400, errName: "BadRequestError", code: "INVALID_PARAMETER_VALUE", contains: `"abc" is not a positive integer`},
			{name: "not found", method: "GET", path: "/todos/9999", status: 404, errName: "NotFoundError", code: "ENTITY_NOT_FOUND", contains: "Entity not found: Todo with id 9999"},
			{name: "not found through a relation", method: "GET", path: "/todo-lists/9999/todos", status: 404, errName: "NotFoundError", code: "ENTITY_NOT_FOUND", contains: "Entity not found: TodoList with id 9999"},
			{name: "no route", method: "GET", path: "/nowhere", status: 404, errName: "NotFoundError", contains: `Endpoint "GET /nowhere" not found.`},
			{name: "bad regular expression", method: "GET", path: "/todos?filter=" + q(`{"where":{"title":{"regexp":"(unclosed"}}}`), status: 400, errName: "BadRequestError", code: "INVALID_PARAMETER_VALUE", contains: `parameter "filter"`},
			{name: "value of the wrong type in where", method: "GET", path: "/todos/count?where=" + q(`{"priority":40000}`), status: 400, errName: "BadRequestError", code: "INVALID_PARAMETER_VALUE", contains: `"priority" of Todo`},
			{name: "date in where", method: "GET", path: "/todos/count?where=" + q(`{"dueAt":{"gt":"soon"}}`), status: 400, errName: "BadRequestError", code: "INVALID_PARAMETER_VALUE", contains: `"dueAt" of Todo`},
			{name: "like on a number", method: "GET", path: "/todos?filter=" + q(`{"where":{"priority":{"like":"1%"}}}`), status: 400, errName: "BadRequestError", code: "INVALID_PARAMETER_VALUE", contains: "applies to text fields only"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				e := c.fails(tt.status, tt.method, tt.path, tt.body)
				assert.Equal(t, tt.errName, e.Error.Name)
				assert.Equal(t, tt.code, e.Error.Code)
				assert.Contains(t, e.Message, tt.contains)
				assert.NotContains(t, e.Message, "repository:", "no package prefixes")
				assert.NotContains(t, e.Message, "invalid character", "no Go decoder text")
			})
		}
	})
}

// A real 500 is InternalServerError and says nothing of its cause, which
// goes to the log.
func TestErrors_500LeaksNothing(t *testing.T) {
	t.Parallel()
	secret := errors.New("dial tcp 10.0.0.7:5432: password authentication failed for user app")
	f := newFixture(t, testdb.SQLite, rest.Config{}, func(context.Context, *Todo, []string) error { return secret })
	e := f.c.fails(500, "POST", "/todos", `{"title":"x"}`)
	assert.Equal(t, "InternalServerError", e.Error.Name)
	assert.Equal(t, "Internal Server Error", e.Message)
	assert.Empty(t, e.Error.Code)
	assert.Contains(t, f.log.String(), "password authentication failed", "the cause is logged")
	assert.Contains(t, f.log.String(), "level=ERROR")
}

// The operators and the case rule, over HTTP.
func TestOperators_OverHTTP(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, f *fixture) {
		for _, title := range []string{"milk", "Milk", "MILK", "bread"} {
			f.c.ok(200, "POST", "/todos", `{"title":"`+title+`"}`)
		}
		tests := []struct {
			give string
			want string
		}{
			{give: `{"title":"milk"}`, want: `{"count":1}`},
			{give: `{"title":{"like":"m%"}}`, want: `{"count":1}`},
			{give: `{"title":{"ilike":"m%"}}`, want: `{"count":3}`},
			{give: `{"title":{"nilike":"m%"}}`, want: `{"count":1}`},
			{give: `{"title":{"regexp":"^M"}}`, want: `{"count":2}`},
			{give: `{"title":{"regexp":"/^m/i"}}`, want: `{"count":3}`},
		}
		for _, tt := range tests {
			assert.JSONEq(t, tt.want, f.c.ok(200, "GET", "/todos/count?where="+q(tt.give), ""), tt.give)
		}
	})
}

func TestHasOne_Routes(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, f *fixture) {
		c := f.c
		list := must(decodeTodoList(c.ok(200, "POST", "/todo-lists", `{"title":"home"}`)))
		path := "/todo-lists/" + itoa(list.ID) + "/todo-list-image"
		e := c.fails(404, "GET", path, "")
		assert.Equal(t, "Entity not found: TodoListImage of TodoList with id "+itoa(list.ID), e.Message)
		img := c.ok(200, "POST", path, `{"value":"a basket of fruits"}`)
		assert.Contains(t, img, `"todoListId":`+itoa(list.ID))
		e = c.fails(409, "POST", path, `{"value":"another"}`)
		assert.Equal(t, "ConflictError", e.Error.Name)
		assert.JSONEq(t, img, c.ok(200, "GET", path, ""))
		assert.JSONEq(t, `{"count":1}`, c.ok(200, "PATCH", path, `{"value":"a green checkmark"}`))
		assert.JSONEq(t, `{"value":"a green checkmark"}`, c.ok(200, "GET", path+"?filter="+q(`{"fields":["value"]}`), ""))
		assert.JSONEq(t, `[{"title":"home","image":{"value":"a green checkmark"}}]`,
			c.ok(200, "GET", "/todo-lists?filter="+q(`{"fields":["title"],"include":[{"relation":"image","scope":{"fields":["value"]}}]}`), ""))
		assert.JSONEq(t, `{"count":1}`, c.ok(200, "DELETE", path, ""))
		c.fails(404, "GET", path, "")
		c.fails(404, "POST", "/todo-lists/9999/todo-list-image", `{"value":"x"}`)
		c.fails(422, "POST", path, `{"value":"x","todoListId":9999}`)
	})
}

func TestHasManyThrough_Routes(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, f *fixture) {
		c := f.c
		var house, grey Doctor
		require.NoError(t, json.Unmarshal([]byte(c.ok(200, "POST", "/doctors", `{"name":"House"}`)), &house))
		require.NoError(t, json.Unmarshal([]byte(c.ok(200, "POST", "/doctors", `{"name":"Grey"}`)), &grey))
		path := "/doctors/" + itoa(house.ID) + "/patients"
		c.ok(200, "POST", path, `{"name":"Ann"}`)
		c.ok(200, "POST", path, `{"name":"Bob"}`)
		c.ok(200, "POST", "/doctors/"+itoa(grey.ID)+"/patients", `{"name":"Cid"}`)
		got := c.ok(200, "GET", path+"?filter="+q(`{"order":"name DESC","fields":["name"]}`), "")
		assert.JSONEq(t, `[{"name":"Bob"},{"name":"Ann"}]`, got)
		assert.JSONEq(t, `[{"name":"House","patients":[{"name":"Ann"},{"name":"Bob"}]},{"name":"Grey","patients":[{"name":"Cid"}]}]`,
			c.ok(200, "GET", "/doctors?filter="+q(`{"order":"id","fields":["name"],"include":[{"relation":"patients","scope":{"order":"name","fields":["name"]}}]}`), ""))
		assert.JSONEq(t, `{"count":1}`, c.ok(200, "PATCH", path+"?where="+q(`{"name":"Ann"}`), `{"name":"Ann B."}`))
		assert.JSONEq(t, `{"count":1}`, c.ok(200, "DELETE", path+"?where="+q(`{"name":"Bob"}`), ""))
		assert.JSONEq(t, `[{"name":"Ann B."}]`, c.ok(200, "GET", path+"?filter="+q(`{"fields":["name"]}`), ""))
		c.fails(404, "GET", "/doctors/9999/patients", "")
	})
}

func TestPingAndHealth(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, f *fixture) {
		var ping map[string]any
		require.NoError(t, json.Unmarshal([]byte(f.c.ok(200, "GET", "/ping", "")), &ping))
		assert.Equal(t, "Hello from Slipway", ping["greeting"])
		assert.Equal(t, "/ping", ping["url"])
		assert.JSONEq(t, `{"status":"UP","checks":[{"name":"db","state":"UP"}]}`, f.c.ok(200, "GET", "/health", ""))
	})
}

// A datasource that does not answer makes /health a 503, naming it but
// nothing of its URL or error; the reason is logged.
func TestHealth_503WhenADataSourceIsDown(t *testing.T) {
	t.Parallel()
	down, err := repository.Open("reports", "postgres://app:s3cret@127.0.0.1:1/reports?sslmode=disable&connect_timeout=1")
	require.NoError(t, err)
	t.Cleanup(func() { _ = down.Close() })
	up, err := repository.Open("db", testdb.URL(t, testdb.SQLite))
	require.NoError(t, err)
	t.Cleanup(func() { _ = up.Close() })
	log := &logBuffer{}
	f := newFixture(t, testdb.SQLite, rest.Config{DataSources: []repository.DataSource{up, down}, Logger: slogTo(log)})
	r := f.c.do("GET", "/health", "")
	assert.Equal(t, http.StatusServiceUnavailable, r.status)
	assert.JSONEq(t, `{"status":"DOWN","checks":[{"name":"db","state":"UP"},{"name":"reports","state":"DOWN"}]}`, string(r.body))
	assert.NotContains(t, string(r.body), "127.0.0.1")
	assert.Contains(t, log.String(), `datasource=reports`)
	assert.NotContains(t, log.String(), "s3cret")
}

func TestServer_LogsEveryRequest(t *testing.T) {
	t.Parallel()
	f := newFixture(t, testdb.SQLite, rest.Config{})
	f.c.ok(200, "GET", "/todos", "")
	f.c.fails(404, "GET", "/todos/9999", "")
	out := f.log.String()
	assert.Contains(t, out, `msg="rest: request" method=GET path=/todos status=200`)
	assert.Contains(t, out, `msg="rest: request" method=GET path=/todos/9999 status=404`)
}

type Tag struct {
	bun.BaseModel `bun:"table:tags"`
	Code          string `bun:"code,pk,type:varchar(8)" json:"code"`
	Label         string `bun:"label,notnull" json:"label"`
}

// A key the client chooses is sent on create, and is the path's on the
// routes by id: a body may not move a row to another key.
func TestController_ClientChosenKey(t *testing.T) {
	t.Parallel()
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			ds, err := repository.Open("db", testdb.URL(t, d))
			require.NoError(t, err)
			t.Cleanup(func() { _ = ds.Close() })
			tags := must(repository.New[Tag](ds))
			_, err = ds.MigrateSchema(t.Context(), schema.MigrateOptions{}, nil, nil)
			require.NoError(t, err)
			c := &client{t: t, base: serve(t, must(rest.NewServer(rest.Config{}, must(rest.NewController(tags, "/tags")))))}
			e := c.fails(422, "POST", "/tags", `{"label":"x"}`)
			assert.Equal(t, "required", e.Error.Details[0].Code, "the key is required")
			c.ok(200, "POST", "/tags", `{"code":"go","label":"Go"}`)
			c.fails(409, "POST", "/tags", `{"code":"go","label":"again"}`)
			c.ok(204, "PATCH", "/tags/go", `{"code":"go","label":"Golang"}`)
			assert.Equal(t, "const", c.fails(422, "PATCH", "/tags/go", `{"code":"rust"}`).Error.Details[0].Code)
			assert.Equal(t, "const", c.fails(422, "PUT", "/tags/go", `{"code":"rust","label":"x"}`).Error.Details[0].Code)
			c.ok(204, "PUT", "/tags/go", `{"label":"Go"}`)
			assert.Equal(t, "additionalProperties", c.fails(422, "PATCH", "/tags", `{"code":"x"}`).Error.Details[0].Code)
			assert.JSONEq(t, `[{"code":"go","label":"Go"}]`, c.ok(200, "GET", "/tags", ""))
			c.fails(404, "GET", "/tags/rust", "")
		})
	}
}

func TestFilter_ExplodedFormLimits(t *testing.T) {
	t.Parallel()
	f := newFixture(t, testdb.SQLite, rest.Config{})
	tests := []struct {
		give string
		want string
	}{
		{give: "filter[fields][99999]=title", want: "index 99999 is over 1000"},
		{give: "filter[where]x=1", want: `is not of the form filter[key][key]...`},
		{give: "filter[where[title]=x", want: `unknown key "where[title"`},
		{give: "filter" + strings.Repeat("[a]", 17) + "=x", want: "nested deeper than 16"},
		{give: "filter[limit]=ten", want: "limit"},
		{give: "filter=1&filter=2", want: "given more than once"},
	}
	for _, tt := range tests {
		e := f.c.fails(400, "GET", "/todos?"+tt.give, "")
		assert.Contains(t, e.Message, tt.want, tt.give)
	}
}

func TestNewController_RejectsBadPaths(t *testing.T) {
	t.Parallel()
	ds, err := repository.Open("db", "sqlite::memory:")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ds.Close() })
	todos := must(repository.New[Todo](ds))
	lists := must(repository.New[TodoList](ds))
	for _, path := range []string{"todos", "/todos/", "/todos/{id}"} {
		_, err := rest.NewController(todos, path)
		assert.Error(t, err, path)
	}
	rel := must(repository.NewHasMany(lists, todos, "todos"))
	for _, path := range []string{"/todo-lists/todos", "/todo-lists/{id}/{id}", "/todo-lists/{listId}/todos"} {
		_, err := rest.NewHasManyController(rel, path)
		assert.Error(t, err, path)
	}
	_, err = rest.NewHasManyController[TodoList, Todo](nil, "/x/{id}/y")
	assert.EqualError(t, err, "rest: NewHasManyController: nil relation")
	_, err = rest.NewServer(rest.Config{}, must(rest.NewController(todos, "/todos")), must(rest.NewController(todos, "/todos")))
	assert.EqualError(t, err, "rest: two routes for POST /todos")
}
