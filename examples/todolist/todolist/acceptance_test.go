package todolist_test

import (
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwaygo/slipway/examples/todolist/todolist"
	"github.com/slipwaygo/slipway/internal/testdb"
)

// LoopBack's acceptance tests of its todo and todo-list examples
// (todo.acceptance.ts, todo-list.acceptance.ts, todo-list-todo.acceptance.ts,
// todo-list-image.acceptance.ts), ported to HTTP against this application
// on every database. Where LoopBack calls a repository to set up or check,
// these call the API. LoopBack's in-memory datasource has no foreign keys,
// so its todos may name list 999; here they name a list that exists.

// scenario is one it(...) of a LoopBack acceptance test: a fresh database,
// the application started on it, its welcome todo deleted (LoopBack's
// beforeEach deletes every todo).
type scenario struct {
	name string
	run  func(t *testing.T, c *client)
}

func runScenarios(t *testing.T, scenarios []scenario) {
	for _, d := range []testdb.Dialect{testdb.SQLite, testdb.Postgres, testdb.MySQL} {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			for _, sc := range scenarios {
				t.Run(sc.name, func(t *testing.T) {
					t.Parallel()
					_, c := started(t, todolist.Config{DatabaseURL: testdb.URL(t, d)})
					var todos []todo
					c.ok(200, "GET", "/todos", "", &todos)
					for _, td := range todos {
						c.ok(204, "DELETE", "/todos/"+itoa(td.ID), "", nil)
					}
					sc.run(t, c)
				})
			}
		})
	}
}

// givenTodo is LoopBack's givenTodo with overrides.
func givenTodo(over map[string]any) string {
	data := map[string]any{"title": "do a thing", "desc": "There are some things that need doing", "isComplete": false}
	for k, v := range over {
		if v == nil {
			delete(data, k)
			continue
		}
		data[k] = v
	}
	b, _ := json.Marshal(data)
	return string(b)
}

func (c *client) todoInstance(over map[string]any) todo {
	c.t.Helper()
	var td todo
	c.ok(200, "POST", "/todos", givenTodo(over), &td)
	return td
}

func (c *client) listInstance(body string) todoList {
	c.t.Helper()
	if body == "" {
		body = `{"title":"List of things"}`
	}
	var l todoList
	c.ok(200, "POST", "/todo-lists", body, &l)
	return l
}

// raw returns an answer's body as it came, for exact comparisons.
func (c *client) raw(status int, method, path, body string) string {
	c.t.Helper()
	r := c.do(method, path, body)
	require.Equal(c.t, status, r.status, "%s %s: %s", method, path, r.body)
	return strings.TrimSpace(string(r.body))
}

func TestAcceptance_Todo(t *testing.T) {
	t.Parallel()
	runScenarios(t, []scenario{
		{"creates a todo", func(t *testing.T, c *client) {
			created := c.raw(200, "POST", "/todos", givenTodo(nil))
			assert.JSONEq(t, `{"title":"do a thing","desc":"There are some things that need doing","isComplete":false}`, dropID(t, created))
			var td todo
			require.NoError(t, json.Unmarshal([]byte(created), &td))
			assert.JSONEq(t, created, c.raw(200, "GET", "/todos/"+itoa(td.ID), ""))
		}},
		{"gets a count of todos", func(t *testing.T, c *client) {
			c.todoInstance(map[string]any{"title": "say hello", "desc": "formal greeting"})
			c.todoInstance(map[string]any{"title": "say goodbye", "desc": "formal farewell"})
			assert.JSONEq(t, `{"count":2}`, c.raw(200, "GET", "/todos/count", ""))
		}},
		{"rejects requests to create a todo with no title", func(t *testing.T, c *client) {
			c.fails(422, "POST", "/todos", givenTodo(map[string]any{"title": nil}))
		}},
		{"rejects requests with input that contains excluded properties", func(t *testing.T, c *client) {
			c.fails(422, "POST", "/todos", givenTodo(map[string]any{"id": 1}))
		}},
		{"gets a todo by ID", func(t *testing.T, c *client) {
			td := c.todoInstance(nil)
			var got todo
			c.ok(200, "GET", "/todos/"+itoa(td.ID), "", &got)
			assert.Equal(t, td, got)
		}},
		{"returns 404 when getting a todo that does not exist", func(t *testing.T, c *client) {
			c.fails(404, "GET", "/todos/99999", "")
		}},
		{"replaces the todo by ID", func(t *testing.T, c *client) {
			td := c.todoInstance(nil)
			c.ok(204, "PUT", "/todos/"+itoa(td.ID), givenTodo(map[string]any{"title": "DO SOMETHING AWESOME", "desc": "It has to be something ridiculous", "isComplete": true}), nil)
			assert.JSONEq(t, `{"id":`+itoa(td.ID)+`,"title":"DO SOMETHING AWESOME","desc":"It has to be something ridiculous","isComplete":true}`, c.raw(200, "GET", "/todos/"+itoa(td.ID), ""))
		}},
		{"returns 404 when replacing a todo that does not exist", func(t *testing.T, c *client) {
			c.fails(404, "PUT", "/todos/99999", givenTodo(nil))
		}},
		{"updates the todo by ID", func(t *testing.T, c *client) {
			td := c.todoInstance(nil)
			c.ok(204, "PATCH", "/todos/"+itoa(td.ID), givenTodo(map[string]any{"title": "DO SOMETHING AWESOME", "isComplete": true}), nil)
			var got todo
			c.ok(200, "GET", "/todos/"+itoa(td.ID), "", &got)
			assert.Equal(t, "DO SOMETHING AWESOME", got.Title)
			assert.True(t, got.IsComplete)
		}},
		{"returns 404 when updating a todo that does not exist", func(t *testing.T, c *client) {
			c.fails(404, "PATCH", "/todos/99999", givenTodo(map[string]any{"isComplete": true}))
		}},
		{"deletes the todo", func(t *testing.T, c *client) {
			td := c.todoInstance(nil)
			c.ok(204, "DELETE", "/todos/"+itoa(td.ID), "", nil)
			assert.Equal(t, "ENTITY_NOT_FOUND", c.failure(404, "GET", "/todos/"+itoa(td.ID), "").code())
		}},
		{"returns 404 when deleting a todo that does not exist", func(t *testing.T, c *client) {
			c.fails(404, "DELETE", "/todos/99999", "")
		}},
		{"rejects request with prohibited keys", func(t *testing.T, c *client) {
			c.todoInstance(nil)
			e := c.failure(400, "GET", "/todos?filter="+q(`{"offset":0,"limit":100,"skip":0,"where":{"badKey":{"toString":"def"}},"fields":{"title":true,"id":true}}`), "")
			assert.Equal(t, "BadRequestError", e.name())
			assert.Equal(t, "INVALID_PARAMETER_VALUE", e.code())
		}},
		{"returns the owning todo-list", func(t *testing.T, c *client) {
			list := c.listInstance("")
			td := c.todoInstance(map[string]any{"todoListId": list.ID})
			assert.JSONEq(t, `{"id":`+itoa(list.ID)+`,"title":"List of things"}`, c.raw(200, "GET", "/todos/"+itoa(td.ID)+"/todo-list", ""))
		}},
		{"queries todos with a filter", func(t *testing.T, c *client) {
			c.todoInstance(map[string]any{"title": "wake up", "isComplete": true})
			inProgress := c.todoInstance(map[string]any{"title": "go to sleep", "isComplete": false})
			var got []todo
			c.ok(200, "GET", "/todos?filter="+q(`{"where":{"isComplete":false}}`), "", &got)
			assert.Equal(t, []todo{inProgress}, got)
		}},
		{"updates todos using a filter", func(t *testing.T, c *client) {
			c.todoInstance(map[string]any{"title": "hello", "desc": "common greeting"})
			c.todoInstance(map[string]any{"title": "goodbye", "desc": "common farewell"})
			assert.JSONEq(t, `{"count":1}`, c.raw(200, "PATCH", "/todos?where="+q(`{"title":"goodbye"}`), `{"isComplete":true}`))
		}},
		{"includes TodoList in query result", func(t *testing.T, c *client) {
			list := c.listInstance("")
			td := c.todoInstance(map[string]any{"todoListId": list.ID})
			assert.JSONEq(t, `[{"id":`+itoa(td.ID)+`,"title":"do a thing","desc":"There are some things that need doing","isComplete":false,"todoListId":`+itoa(list.ID)+`,"todoList":{"id":`+itoa(list.ID)+`,"title":"List of things"}}]`,
				c.raw(200, "GET", "/todos?filter="+q(`{"include":["todoList"]}`), ""))
		}},
		{"exploded filter conditions work", func(t *testing.T, c *client) {
			c.todoInstance(map[string]any{"title": "wake up", "isComplete": true})
			c.todoInstance(map[string]any{"title": "go to sleep"})
			var got []todo
			c.ok(200, "GET", "/todos?filter[limit]=2", "", &got)
			assert.Len(t, got, 2)
		}},
		{"queries todos with string-based order filter", func(t *testing.T, c *client) {
			c.threeTodos()
			assert.Equal(t, []string{"wake up", "go to work", "go to sleep"}, c.titles("/todos?filter="+q(`{"order":"title DESC"}`)))
		}},
		{"queries todos with array-based order filter", func(t *testing.T, c *client) {
			c.threeTodos()
			assert.Equal(t, []string{"wake up", "go to work", "go to sleep"}, c.titles("/todos?filter="+q(`{"order":["title DESC"]}`)))
		}},
		{"queries todos with exploded string-based order filter", func(t *testing.T, c *client) {
			c.threeTodos()
			assert.Equal(t, []string{"wake up", "go to work", "go to sleep"}, c.titles("/todos?filter[order]=title%20DESC"))
		}},
		{"queries todos with exploded array-based fields filter", func(t *testing.T, c *client) {
			c.todoInstance(map[string]any{"title": "go to sleep"})
			assert.JSONEq(t, `[{"title":"go to sleep"}]`, c.raw(200, "GET", "/todos?filter[fields][0]=title", ""))
		}},
		{"queries todos with exploded array-based order filter", func(t *testing.T, c *client) {
			c.threeTodos()
			assert.Equal(t, []string{"wake up", "go to work", "go to sleep"}, c.titles("/todos?filter[order][0]=title+DESC"))
		}},
	})
}

// threeTodos is LoopBack's in-progress, completed and completed2.
func (c *client) threeTodos() {
	c.todoInstance(map[string]any{"title": "go to sleep", "isComplete": false})
	c.todoInstance(map[string]any{"title": "wake up", "isComplete": true})
	c.todoInstance(map[string]any{"title": "go to work", "isComplete": true})
}

func (c *client) titles(path string) []string {
	c.t.Helper()
	var got []todo
	c.ok(200, "GET", path, "", &got)
	return titles(got)
}

func dropID(t *testing.T, body string) string {
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &m))
	delete(m, "id")
	b, _ := json.Marshal(m)
	return string(b)
}

func TestAcceptance_TodoList(t *testing.T) {
	t.Parallel()
	runScenarios(t, []scenario{
		{"creates a todoList", func(t *testing.T, c *client) {
			created := c.raw(200, "POST", "/todo-lists", `{"title":"List of things"}`)
			assert.JSONEq(t, `{"title":"List of things"}`, dropID(t, created))
			var l todoList
			require.NoError(t, json.Unmarshal([]byte(created), &l))
			assert.JSONEq(t, created, c.raw(200, "GET", "/todo-lists/"+itoa(l.ID), ""))
		}},
		{"counts todoLists", func(t *testing.T, c *client) {
			c.multipleLists()
			assert.JSONEq(t, `{"count":2}`, c.raw(200, "GET", "/todo-lists/count", ""))
		}},
		{"counts a subset of todoLists", func(t *testing.T, c *client) {
			c.multipleLists()
			assert.JSONEq(t, `{"count":1}`, c.raw(200, "GET", "/todo-lists/count?where="+q(`{"title":"so many things to do wow"}`), ""))
		}},
		{"finds all todoLists", func(t *testing.T, c *client) {
			lists := c.multipleLists()
			var got []todoList
			c.ok(200, "GET", "/todo-lists", "", &got)
			assert.ElementsMatch(t, lists, got)
		}},
		{"updates all todoLists", func(t *testing.T, c *client) {
			c.multipleLists()
			assert.JSONEq(t, `{"count":2}`, c.raw(200, "PATCH", "/todo-lists", `{"color":"purple"}`))
			var got []todoList
			c.ok(200, "GET", "/todo-lists", "", &got)
			for _, l := range got {
				require.NotNil(t, l.Color)
				assert.Equal(t, "purple", *l.Color)
			}
		}},
		{"updates selected todoLists", func(t *testing.T, c *client) {
			c.listInstance(`{"title":"red-list","color":"red"}`)
			c.listInstance(`{"title":"green-list","color":"green"}`)
			assert.JSONEq(t, `{"count":1}`, c.raw(200, "PATCH", "/todo-lists?where="+q(`{"color":"red"}`), `{"color":"purple"}`))
			assert.JSONEq(t, `[{"color":"purple"}]`, c.raw(200, "GET", "/todo-lists?filter="+q(`{"where":{"title":"red-list"},"fields":["color"]}`), ""))
			assert.JSONEq(t, `[{"color":"green"}]`, c.raw(200, "GET", "/todo-lists?filter="+q(`{"where":{"title":"green-list"},"fields":["color"]}`), ""))
		}},
		{"gets a todoList by ID", func(t *testing.T, c *client) {
			l := c.listInstance("")
			var got todoList
			c.ok(200, "GET", "/todo-lists/"+itoa(l.ID), "", &got)
			assert.Equal(t, l, got)
		}},
		{"returns 404 when getting a todo-list that does not exist", func(t *testing.T, c *client) {
			c.fails(404, "GET", "/todo-lists/99999", "")
		}},
		{"updates a todoList by ID (using patch)", func(t *testing.T, c *client) {
			l := c.listInstance("")
			c.ok(204, "PATCH", "/todo-lists/"+itoa(l.ID), `{"title":"A different title to the todo list"}`, nil)
			assert.JSONEq(t, `{"id":`+itoa(l.ID)+`,"title":"A different title to the todo list"}`, c.raw(200, "GET", "/todo-lists/"+itoa(l.ID), ""))
		}},
		{"updates a todoList by ID (using put)", func(t *testing.T, c *client) {
			l := c.listInstance(`{"title":"x","color":"red"}`)
			c.ok(204, "PUT", "/todo-lists/"+itoa(l.ID), `{"title":"A different title to the todo list"}`, nil)
			assert.JSONEq(t, `{"id":`+itoa(l.ID)+`,"title":"A different title to the todo list"}`, c.raw(200, "GET", "/todo-lists/"+itoa(l.ID), ""))
		}},
		{"returns 404 when updating a todo-list that does not exist", func(t *testing.T, c *client) {
			c.fails(404, "PATCH", "/todo-lists/99999", `{"title":"List of things"}`)
		}},
		{"deletes a todoList by ID", func(t *testing.T, c *client) {
			l := c.listInstance("")
			c.ok(204, "DELETE", "/todo-lists/"+itoa(l.ID), "", nil)
			c.fails(404, "GET", "/todo-lists/"+itoa(l.ID), "")
		}},
		{"queries todo-lists with a filter", func(t *testing.T, c *client) {
			c.listInstance(`{"title":"day","color":"white"}`)
			black := c.listInstance(`{"title":"night","color":"black"}`)
			var got []todoList
			c.ok(200, "GET", "/todo-lists?filter="+q(`{"where":{"color":"black"}}`), "", &got)
			assert.Equal(t, []todoList{black}, got)
		}},
		{"includes Todos in query result", func(t *testing.T, c *client) {
			l := c.listInstance("")
			td := c.todoInstance(map[string]any{"todoListId": l.ID})
			assert.JSONEq(t, `[{"id":`+itoa(l.ID)+`,"title":"List of things","todos":[{"id":`+itoa(td.ID)+`,"title":"do a thing","desc":"There are some things that need doing","isComplete":false,"todoListId":`+itoa(l.ID)+`}]}]`,
				c.raw(200, "GET", "/todo-lists?filter="+q(`{"include":["todos"]}`), ""))
		}},
		{"exploded filter conditions work", func(t *testing.T, c *client) {
			l := c.listInstance("")
			for _, title := range []string{"todo1", "todo2", "todo3"} {
				c.todoInstance(map[string]any{"title": title, "todoListId": l.ID})
			}
			var got []todo
			c.ok(200, "GET", "/todos?filter[limit]=2", "", &got)
			assert.Len(t, got, 2)
		}},
	})
}

func (c *client) multipleLists() []todoList {
	return []todoList{c.listInstance(""), c.listInstance(`{"title":"so many things to do wow"}`)}
}

func TestAcceptance_TodoListTodo(t *testing.T) {
	t.Parallel()
	// Each scenario but the first starts with notMyTodo and two todos of
	// the list, as LoopBack's "multiple persisted Todos" context.
	given := func(c *client) (todoList, todo) {
		l := c.listInstance("")
		not := c.todoInstance(map[string]any{"title": "someone else does a thing"})
		c.ok(200, "POST", "/todo-lists/"+itoa(l.ID)+"/todos", givenTodo(nil), nil)
		c.ok(200, "POST", "/todo-lists/"+itoa(l.ID)+"/todos", givenTodo(map[string]any{"title": "another thing needs doing"}), nil)
		return l, not
	}
	runScenarios(t, []scenario{
		{"creates todo for a todoList", func(t *testing.T, c *client) {
			l := c.listInstance("")
			created := c.raw(200, "POST", "/todo-lists/"+itoa(l.ID)+"/todos", givenTodo(nil))
			want := `{"title":"do a thing","desc":"There are some things that need doing","isComplete":false,"todoListId":` + itoa(l.ID) + `}`
			assert.JSONEq(t, want, dropID(t, created))
			var td todo
			require.NoError(t, json.Unmarshal([]byte(created), &td))
			assert.JSONEq(t, created, c.raw(200, "GET", "/todos/"+itoa(td.ID), ""))
		}},
		{"finds todos for a todoList", func(t *testing.T, c *client) {
			l, not := given(c)
			var got []todo
			c.ok(200, "GET", "/todo-lists/"+itoa(l.ID)+"/todos", "", &got)
			assert.ElementsMatch(t, []string{"do a thing", "another thing needs doing"}, titles(got))
			assert.NotContains(t, got, not)
		}},
		{"finds todos for a todoList more than once", func(t *testing.T, c *client) {
			l, _ := given(c)
			c.ok(200, "GET", "/todo-lists/"+itoa(l.ID)+"/todos", "", nil)
			c.ok(200, "GET", "/todo-lists/"+itoa(l.ID)+"/todos", "", nil)
		}},
		{"updates todos for a todoList", func(t *testing.T, c *client) {
			l, not := given(c)
			assert.JSONEq(t, `{"count":2}`, c.raw(200, "PATCH", "/todo-lists/"+itoa(l.ID)+"/todos", `{"isComplete":true}`))
			var mine []todo
			c.ok(200, "GET", "/todo-lists/"+itoa(l.ID)+"/todos", "", &mine)
			for _, td := range mine {
				assert.True(t, td.IsComplete)
			}
			var other todo
			c.ok(200, "GET", "/todos/"+itoa(not.ID), "", &other)
			assert.False(t, other.IsComplete)
		}},
		{"updates todos matching \"where\" condition", func(t *testing.T, c *client) {
			l := c.listInstance("")
			path := "/todo-lists/" + itoa(l.ID) + "/todos"
			var wip, done todo
			c.ok(200, "POST", path, givenTodo(map[string]any{"desc": "not started yet", "isComplete": false}), &wip)
			c.ok(200, "POST", path, givenTodo(map[string]any{"desc": "done done", "isComplete": true}), &done)
			assert.JSONEq(t, `{"count":1}`, c.raw(200, "PATCH", path+"?where="+q(`{"isComplete":false}`), `{"desc":"work in progress"}`))
			assert.JSONEq(t, `{"desc":"work in progress"}`, c.raw(200, "GET", "/todos/"+itoa(wip.ID)+"?filter="+q(`{"fields":["desc"]}`), ""))
			assert.JSONEq(t, `{"desc":"done done"}`, c.raw(200, "GET", "/todos/"+itoa(done.ID)+"?filter="+q(`{"fields":["desc"]}`), ""))
		}},
		{"deletes all todos in a todoList", func(t *testing.T, c *client) {
			l, not := given(c)
			c.ok(200, "DELETE", "/todo-lists/"+itoa(l.ID)+"/todos", "", nil)
			var mine []todo
			c.ok(200, "GET", "/todo-lists/"+itoa(l.ID)+"/todos", "", &mine)
			assert.Empty(t, mine)
			var other todo
			c.ok(200, "GET", "/todos/"+itoa(not.ID), "", &other)
			assert.Equal(t, not, other)
		}},
		{"deletes selected todos in a todoList", func(t *testing.T, c *client) {
			l, not := given(c)
			path := "/todo-lists/" + itoa(l.ID) + "/todos"
			c.ok(200, "DELETE", path, "", nil)
			c.ok(200, "POST", path, givenTodo(map[string]any{"title": "wip", "isComplete": false}), nil)
			c.ok(200, "POST", path, givenTodo(map[string]any{"title": "done", "isComplete": true}), nil)
			assert.JSONEq(t, `{"count":1}`, c.raw(200, "DELETE", path+"?where="+q(`{"isComplete":true}`), ""))
			assert.Equal(t, []string{not.Title, "wip"}, c.titles("/todos?filter="+q(`{"order":"title"}`)))
		}},
	})
}

type todoListImage struct {
	ID         int64  `json:"id"`
	TodoListID int64  `json:"todoListId"`
	Value      string `json:"value"`
}

func TestAcceptance_TodoListImage(t *testing.T) {
	t.Parallel()
	runScenarios(t, []scenario{
		{"creates image for a todoList", func(t *testing.T, c *client) {
			l := c.listInstance("")
			created := c.raw(200, "POST", "/todo-lists/"+itoa(l.ID)+"/todo-list-image", `{"value":"A picture of a basket of fruits"}`)
			assert.JSONEq(t, `{"value":"A picture of a basket of fruits","todoListId":`+itoa(l.ID)+`}`, dropID(t, created))
			var img todoListImage
			require.NoError(t, json.Unmarshal([]byte(created), &img))
			assert.JSONEq(t, created, c.raw(200, "GET", "/todo-list-images/"+itoa(img.ID), ""))
		}},
		{"finds images for a todoList", func(t *testing.T, c *client) {
			l := c.listInstance("")
			var img todoListImage
			c.ok(200, "POST", "/todo-lists/"+itoa(l.ID)+"/todo-list-image", `{"value":"A picture of a green checkmark"}`, &img)
			var got todoListImage
			c.ok(200, "GET", "/todo-lists/"+itoa(l.ID)+"/todo-list-image", "", &got)
			assert.Equal(t, img, got)
		}},
	})
}

// LoopBack's todo example logs each request (its morgan test); so does
// this application, one line per request.
func TestAcceptance_LogsHTTPRequests(t *testing.T) {
	t.Parallel()
	log := &lockedBuffer{}
	_, c := started(t, todolist.Config{DatabaseURL: testdb.URL(t, testdb.SQLite), Logger: slog.New(slog.NewTextHandler(log, nil))})
	c.ok(200, "GET", "/todos", "", nil)
	assert.Equal(t, 1, strings.Count(log.String(), `msg="rest: request"`), log.String())
	assert.Contains(t, log.String(), `method=GET path=/todos status=200`)
}
