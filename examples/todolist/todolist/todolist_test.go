package todolist_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwaygo/slipway/app"
	"github.com/slipwaygo/slipway/examples/todolist/todolist"
	"github.com/slipwaygo/slipway/internal/testdb"
	"github.com/slipwaygo/slipway/schema"
)

// forEachDatabase runs fn against SQLite always and PostgreSQL and MariaDB
// when their DSNs are set, each in a fresh database.
func forEachDatabase(t *testing.T, fn func(t *testing.T, dbURL string)) {
	for _, d := range []testdb.Dialect{testdb.SQLite, testdb.Postgres, testdb.MySQL} {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			fn(t, testdb.URL(t, d))
		})
	}
}

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

// started boots and migrates a Todo list app on dbURL and serves its API
// with httptest; both are stopped when the test ends.
func started(t *testing.T, cfg todolist.Config) (*todolist.App, *client) {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = quiet()
	}
	a := todolist.New(cfg)
	ctx := t.Context()
	require.NoError(t, a.Boot(ctx))
	t.Cleanup(func() { _ = a.Stop(context.Background()) })
	require.NoError(t, a.MigrateSchema(ctx, schema.MigrateOptions{}))
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	return a, &client{t: t, base: srv.URL}
}

type client struct {
	t    *testing.T
	base string
}

type response struct {
	status int
	body   []byte
}

func (c *client) do(method, path string, body string) response {
	c.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(c.t.Context(), method, c.base+path, rd)
	require.NoError(c.t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	if resp.StatusCode != http.StatusNoContent {
		assert.Equal(c.t, "application/json; charset=utf-8", resp.Header.Get("Content-Type"), "%s %s", method, path)
	}
	return response{status: resp.StatusCode, body: data}
}

// ok sends a request that must answer with status and decodes its body.
func (c *client) ok(status int, method, path, body string, out any) {
	c.t.Helper()
	r := c.do(method, path, body)
	require.Equal(c.t, status, r.status, "%s %s: %s", method, path, r.body)
	if out != nil {
		reflect.ValueOf(out).Elem().SetZero() // absent properties must read as absent
		require.NoError(c.t, json.Unmarshal(r.body, out), "%s", r.body)
	}
}

// fails sends a request that must fail with status and returns the error
// message, checking the error body's shape.
func (c *client) fails(status int, method, path, body string) string {
	c.t.Helper()
	return c.failure(status, method, path, body).Message
}

// errBody is an error answer: LoopBack's error object, with the status and
// message also at the top.
type errBody struct {
	Status  int    `json:"status"`
	Message string `json:"message"`
	Error   struct {
		StatusCode int    `json:"statusCode"`
		Name       string `json:"name"`
		Message    string `json:"message"`
		Code       string `json:"code"`
	} `json:"error"`
}

func (e errBody) name() string { return e.Error.Name }
func (e errBody) code() string { return e.Error.Code }

// failure sends a request that must fail with status, checks the error
// body's shape and returns it.
func (c *client) failure(status int, method, path, body string) errBody {
	c.t.Helper()
	r := c.do(method, path, body)
	require.Equal(c.t, status, r.status, "%s %s: %s", method, path, r.body)
	var e errBody
	require.NoError(c.t, json.Unmarshal(r.body, &e), "%s", r.body)
	assert.Equal(c.t, status, e.Status)
	assert.Equal(c.t, status, e.Error.StatusCode)
	assert.NotEmpty(c.t, e.Error.Name)
	assert.NotEmpty(c.t, e.Message)
	assert.Equal(c.t, e.Message, e.Error.Message)
	return e
}

// lockedBuffer collects log output written from several goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func q(s string) string { return url.QueryEscape(s) }

type todo struct {
	ID              int64     `json:"id"`
	Title           string    `json:"title"`
	Desc            *string   `json:"desc"`
	IsComplete      bool      `json:"isComplete"`
	TodoListID      *int64    `json:"todoListId"`
	RemindAtAddress *string   `json:"remindAtAddress"`
	RemindAtGeo     *string   `json:"remindAtGeo"`
	TodoList        *todoList `json:"todoList"`
}

type todoList struct {
	ID    int64   `json:"id"`
	Title string  `json:"title"`
	Color *string `json:"color"`
	Todos []todo  `json:"todos"`
}

type count struct {
	Count int `json:"count"`
}

func TestAPI_TodosAndLists(t *testing.T) {
	t.Parallel()
	forEachDatabase(t, func(t *testing.T, dbURL string) {
		_, c := started(t, todolist.Config{DatabaseURL: dbURL})

		// The welcome todo was seeded.
		var todos []todo
		c.ok(200, "GET", "/todos", "", &todos)
		require.Len(t, todos, 1)
		assert.Equal(t, "welcome", todos[0].Title)
		assert.False(t, todos[0].IsComplete)

		var home, work todoList
		c.ok(200, "POST", "/todo-lists", `{"title":"home","color":"red"}`, &home)
		c.ok(200, "POST", "/todo-lists", `{"title":"work"}`, &work)
		assert.NotZero(t, home.ID)
		assert.NotEqual(t, home.ID, work.ID)
		require.NotNil(t, home.Color)
		assert.Equal(t, "red", *home.Color)
		assert.Nil(t, work.Color)

		var milk, bread, report todo
		c.ok(200, "POST", "/todos", `{"title":"milk","desc":"2 litres","todoListId":`+itoa(home.ID)+`}`, &milk)
		c.ok(200, "POST", "/todo-lists/"+itoa(home.ID)+"/todos", `{"title":"bread","isComplete":true}`, &bread)
		c.ok(200, "POST", "/todo-lists/"+itoa(work.ID)+"/todos", `{"title":"report"}`, &report)
		require.NotNil(t, bread.TodoListID)
		assert.Equal(t, home.ID, *bread.TodoListID)
		assert.True(t, bread.IsComplete)

		var got todo
		c.ok(200, "GET", "/todos/"+itoa(milk.ID), "", &got)
		assert.Equal(t, "milk", got.Title)
		require.NotNil(t, got.Desc)
		assert.Equal(t, "2 litres", *got.Desc)
		assert.False(t, got.IsComplete, "isComplete defaults to false")

		// belongs-to, and include in both directions.
		var list todoList
		c.ok(200, "GET", "/todos/"+itoa(milk.ID)+"/todo-list", "", &list)
		assert.Equal(t, "home", list.Title)
		c.ok(200, "GET", "/todos/"+itoa(milk.ID)+"?filter="+q(`{"include":["todoList"]}`), "", &got)
		require.NotNil(t, got.TodoList)
		assert.Equal(t, home.ID, got.TodoList.ID)
		c.ok(200, "GET", "/todo-lists/"+itoa(home.ID)+"?filter="+q(`{"include":[{"relation":"todos","scope":{"order":["title"]}}]}`), "", &list)
		require.Len(t, list.Todos, 2)
		assert.Equal(t, []string{"bread", "milk"}, []string{list.Todos[0].Title, list.Todos[1].Title})

		// Filters.
		c.ok(200, "GET", "/todos?filter="+q(`{"where":{"isComplete":false,"title":{"neq":"welcome"}},"order":"title DESC"}`), "", &todos)
		assert.Equal(t, []string{"report", "milk"}, titles(todos))
		c.ok(200, "GET", "/todos?filter="+q(`{"where":{"title":{"like":"%e%"}},"order":["id"],"limit":2,"offset":1,"fields":["id","title"]}`), "", &todos)
		assert.Equal(t, []string{"bread", "report"}, titles(todos))
		assert.Nil(t, todos[0].TodoListID, "fields limits the properties")
		var n count
		c.ok(200, "GET", "/todo-lists/count", "", &n)
		assert.Equal(t, 2, n.Count)
		c.ok(200, "GET", "/todo-lists/count?where="+q(`{"title":"home"}`), "", &n)
		assert.Equal(t, 1, n.Count)
		c.ok(200, "GET", "/todos/count?where="+q(`{"todoListId":`+itoa(home.ID)+`}`), "", &n)
		assert.Equal(t, 2, n.Count)

		// PATCH changes only what it names; PUT replaces everything.
		c.ok(204, "PATCH", "/todos/"+itoa(milk.ID), `{"isComplete":true}`, nil)
		c.ok(200, "GET", "/todos/"+itoa(milk.ID), "", &got)
		assert.True(t, got.IsComplete)
		assert.Equal(t, "milk", got.Title)
		require.NotNil(t, got.Desc)
		c.ok(204, "PATCH", "/todos/"+itoa(milk.ID), `{"desc":null}`, nil)
		c.ok(200, "GET", "/todos/"+itoa(milk.ID), "", &got)
		assert.Nil(t, got.Desc)
		c.ok(204, "PUT", "/todos/"+itoa(milk.ID), `{"title":"oat milk"}`, nil)
		c.ok(200, "GET", "/todos/"+itoa(milk.ID), "", &got)
		assert.Equal(t, "oat milk", got.Title)
		assert.False(t, got.IsComplete)
		assert.Nil(t, got.TodoListID, "PUT replaced the list too")
		c.ok(204, "PATCH", "/todo-lists/"+itoa(work.ID), `{"color":"blue"}`, nil)
		c.ok(204, "PUT", "/todo-lists/"+itoa(home.ID), `{"title":"house"}`, nil)
		c.ok(200, "GET", "/todo-lists/"+itoa(home.ID), "", &list)
		assert.Equal(t, "house", list.Title)
		assert.Nil(t, list.Color)
		c.ok(200, "PATCH", "/todo-lists?where="+q(`{"color":"blue"}`), `{"color":"green"}`, &n)
		assert.Equal(t, 1, n.Count)

		// Through the relation.
		c.ok(200, "POST", "/todo-lists/"+itoa(work.ID)+"/todos", `{"title":"slides"}`, nil)
		c.ok(200, "GET", "/todo-lists/"+itoa(work.ID)+"/todos?filter="+q(`{"order":"title"}`), "", &todos)
		assert.Equal(t, []string{"report", "slides"}, titles(todos))
		c.ok(200, "PATCH", "/todo-lists/"+itoa(work.ID)+"/todos?where="+q(`{"title":"report"}`), `{"isComplete":true}`, &n)
		assert.Equal(t, 1, n.Count)
		c.ok(200, "GET", "/todos/count?where="+q(`{"isComplete":true}`), "", &n)
		assert.Equal(t, 2, n.Count, "bread and report")
		c.ok(200, "DELETE", "/todo-lists/"+itoa(work.ID)+"/todos?where="+q(`{"isComplete":true}`), "", &n)
		assert.Equal(t, 1, n.Count)
		c.ok(200, "GET", "/todo-lists/"+itoa(work.ID)+"/todos", "", &todos)
		assert.Equal(t, []string{"slides"}, titles(todos))

		// Deleting a list deletes its todos (ON DELETE CASCADE).
		c.ok(204, "DELETE", "/todo-lists/"+itoa(work.ID), "", nil)
		c.fails(404, "GET", "/todo-lists/"+itoa(work.ID), "")
		c.ok(200, "GET", "/todos?filter="+q(`{"order":"id"}`), "", &todos)
		assert.Equal(t, []string{"welcome", "oat milk", "bread"}, titles(todos))
		c.ok(204, "DELETE", "/todos/"+itoa(bread.ID), "", nil)
		c.fails(404, "DELETE", "/todos/"+itoa(bread.ID), "")
		c.ok(200, "GET", "/todo-lists/"+itoa(home.ID)+"/todos", "", &todos)
		assert.Empty(t, todos)
		assert.Equal(t, "[]\n", string(c.do("GET", "/todo-lists/"+itoa(home.ID)+"/todos", "").body), "an empty list is [], not null")
	})
}

func TestAPI_Errors(t *testing.T) {
	t.Parallel()
	forEachDatabase(t, func(t *testing.T, dbURL string) {
		_, c := started(t, todolist.Config{DatabaseURL: dbURL})
		var list todoList
		c.ok(200, "POST", "/todo-lists", `{"title":"home"}`, &list)
		var td todo
		c.ok(200, "POST", "/todos", `{"title":"milk"}`, &td)
		id := itoa(td.ID)

		// 400: malformed requests.
		assert.Contains(t, c.fails(400, "POST", "/todos", `{"title":`), "JSON")
		assert.Contains(t, c.fails(400, "PATCH", "/todos/"+id, `not json`), "JSON")
		assert.Contains(t, c.fails(400, "GET", "/todos?filter="+q(`{"where":{"color":"red"}}`), ""), `"color"`)
		assert.Contains(t, c.fails(400, "GET", "/todos?filter="+q(`{"where":{"title":{"near":"x"}}}`), ""), "near")
		assert.Contains(t, c.fails(400, "GET", "/todos?filter="+q(`{"order":"nope DESC"}`), ""), "nope")
		assert.Contains(t, c.fails(400, "GET", "/todos?filter="+q(`{"include":["owner"]}`), ""), "owner")
		assert.Contains(t, c.fails(400, "GET", "/todos?filter="+q(`{"where":`), ""), "filter")
		assert.Contains(t, c.fails(400, "GET", "/todos?filter="+q(`{"limit":-1}`), ""), "limit")
		assert.Contains(t, c.fails(400, "GET", "/todos/count?where="+q(`{"title; DROP TABLE todos":1}`), ""), "DROP TABLE")
		assert.Contains(t, c.fails(400, "GET", "/todos/abc", ""), `"abc"`)
		assert.Contains(t, c.fails(400, "GET", "/todos/-1", ""), "positive")

		// 404: unknown ids and routes.
		assert.Contains(t, c.fails(404, "GET", "/todos/9999", ""), "not found")
		c.fails(404, "PATCH", "/todos/9999", `{"title":"x"}`)
		c.fails(404, "PATCH", "/todos/9999", `{}`)
		c.fails(404, "PUT", "/todos/9999", `{"title":"x"}`)
		c.fails(404, "DELETE", "/todos/9999", "")
		c.fails(404, "GET", "/todo-lists/9999", "")
		c.fails(404, "GET", "/todo-lists/9999/todos", "")
		c.fails(404, "POST", "/todo-lists/9999/todos", `{"title":"x"}`)
		c.fails(404, "GET", "/todos/9999/todo-list", "")
		c.fails(404, "GET", "/todos/"+id+"/todo-list", "") // in no list
		c.fails(404, "GET", "/nowhere", "")

		// 422: bodies that fail validation.
		assert.Contains(t, c.fails(422, "POST", "/todos", `{"desc":"no title"}`), "title")
		assert.Contains(t, c.fails(422, "POST", "/todos", `{"title":""}`), "title")
		assert.Contains(t, c.fails(422, "POST", "/todos", `{"title":null}`), "title")
		assert.Contains(t, c.fails(422, "POST", "/todos", `{"title":42}`), "title")
		assert.Contains(t, c.fails(422, "POST", "/todos", `{"title":"x","isComplete":"yes"}`), "isComplete")
		assert.Contains(t, c.fails(422, "POST", "/todos", `{"title":"x","todoListId":"one"}`), "todoListId")
		assert.Contains(t, c.fails(422, "POST", "/todos", `{"title":"x","todoListId":9999}`), "9999")
		assert.Contains(t, c.fails(422, "POST", "/todos", `{"title":"x","priority":1}`), "priority")
		assert.Contains(t, c.fails(422, "POST", "/todos", `{"id":5,"title":"x"}`), "id")
		assert.Contains(t, c.fails(422, "POST", "/todos", `["title"]`), "object")
		assert.Contains(t, c.fails(422, "POST", "/todo-lists", `{"color":"red"}`), "title")
		assert.Contains(t, c.fails(422, "PATCH", "/todos/"+id, `{"title":""}`), "title")
		assert.Contains(t, c.fails(422, "PATCH", "/todos/"+id, `{"isComplete":null}`), "isComplete")
		assert.Contains(t, c.fails(422, "PUT", "/todos/"+id, `{"desc":"no title"}`), "title")
		assert.Contains(t, c.fails(422, "POST", "/todo-lists/"+itoa(list.ID)+"/todos", `{"title":"x","todoListId":9999}`), "todoListId")

		// Nothing above changed the data.
		var todos []todo
		c.ok(200, "GET", "/todos?filter="+q(`{"order":"id"}`), "", &todos)
		assert.Equal(t, []string{"welcome", "milk"}, titles(todos))
		assert.Nil(t, todos[1].Desc)
	})
}

func TestWelcomeSeed_RestartAndRebuild(t *testing.T) {
	t.Parallel()
	forEachDatabase(t, func(t *testing.T, dbURL string) {
		a, c := started(t, todolist.Config{DatabaseURL: dbURL})
		var todos []todo
		c.ok(200, "GET", "/todos?filter="+q(`{"where":{"title":"welcome"}}`), "", &todos)
		require.Len(t, todos, 1)
		welcome := todos[0].ID
		c.ok(204, "PATCH", "/todos/"+itoa(welcome), `{"isComplete":true}`, nil)
		c.ok(200, "POST", "/todos", `{"title":"milk"}`, nil)
		require.NoError(t, a.Stop(t.Context()))

		// A restart keeps the rows, does not duplicate the welcome todo and
		// sets it back to not complete.
		_, c = started(t, todolist.Config{DatabaseURL: dbURL})
		c.ok(200, "GET", "/todos?filter="+q(`{"order":"id"}`), "", &todos)
		assert.Equal(t, []string{"welcome", "milk"}, titles(todos))
		assert.Equal(t, welcome, todos[0].ID)
		assert.False(t, todos[0].IsComplete)

		// Rebuild drops the rows and seeds again.
		b := todolist.New(todolist.Config{DatabaseURL: dbURL, Logger: quiet()})
		t.Cleanup(func() { _ = b.Stop(context.Background()) })
		require.NoError(t, b.MigrateSchema(t.Context(), schema.MigrateOptions{Rebuild: true}))
		c.ok(200, "GET", "/todos", "", &todos)
		assert.Equal(t, []string{"welcome"}, titles(todos))

		// A dry run seeds nothing.
		c.ok(204, "DELETE", "/todos/"+itoa(todos[0].ID), "", nil)
		require.NoError(t, b.MigrateSchema(t.Context(), schema.MigrateOptions{DryRun: true}))
		c.ok(200, "GET", "/todos", "", &todos)
		assert.Empty(t, todos)
	})
}

// TestWelcomeSeed_Concurrent starts four replicas at once on one database:
// the welcome todo exists exactly once.
func TestWelcomeSeed_Concurrent(t *testing.T) {
	t.Parallel()
	forEachDatabase(t, func(t *testing.T, dbURL string) {
		errs := make(chan error, 4)
		for range 4 {
			a := todolist.New(todolist.Config{DatabaseURL: dbURL, Logger: quiet()})
			t.Cleanup(func() { _ = a.Stop(context.Background()) })
			go func() { errs <- a.MigrateSchema(t.Context(), schema.MigrateOptions{}) }()
		}
		for range 4 {
			require.NoError(t, <-errs)
		}
		_, c := started(t, todolist.Config{DatabaseURL: dbURL})
		var n count
		c.ok(200, "GET", "/todos/count?where="+q(`{"title":"welcome"}`), "", &n)
		assert.Equal(t, 1, n.Count)
	})
}

func TestGeocoder(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	geo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		assert.Equal(t, "/geocoder/locations/onelineaddress", r.URL.Path)
		assert.Equal(t, "json", r.URL.Query().Get("format"))
		switch r.URL.Query().Get("address") {
		case "1 Main St, Springfield":
			_, _ = io.WriteString(w, `{"result":{"addressMatches":[{"coordinates":{"x":-89.65,"y":39.78}}]}}`)
		case "broken":
			http.Error(w, "oops", http.StatusInternalServerError)
		default:
			_, _ = io.WriteString(w, `{"result":{"addressMatches":[]}}`)
		}
	}))
	t.Cleanup(geo.Close)
	dbURL := testdb.URL(t, testdb.SQLite)
	var reports []app.Report
	a := todolist.New(todolist.Config{DatabaseURL: dbURL, GeocoderURL: geo.URL + "/geocoder/locations/onelineaddress", Logger: quiet()})
	require.NoError(t, a.Boot(t.Context()))
	t.Cleanup(func() { _ = a.Stop(context.Background()) })
	ctx := app.WithReporter(t.Context(), func(r app.Report) { reports = append(reports, r) })
	require.NoError(t, a.MigrateSchema(ctx, schema.MigrateOptions{}))
	require.Len(t, reports, 2)
	assert.Equal(t, "db", reports[0].DataSource)
	assert.False(t, reports[0].Skipped)
	assert.Equal(t, "geocoder", reports[1].DataSource)
	assert.True(t, reports[1].Skipped, "the REST datasource is not migratable")

	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	c := &client{t: t, base: srv.URL}
	var td todo
	c.ok(200, "POST", "/todos", `{"title":"post a letter","remindAtAddress":"1 Main St, Springfield"}`, &td)
	require.NotNil(t, td.RemindAtGeo)
	assert.Equal(t, "39.78,-89.65", *td.RemindAtGeo)
	c.ok(200, "GET", "/todos/"+itoa(td.ID), "", &td)
	require.NotNil(t, td.RemindAtGeo)
	assert.Equal(t, "39.78,-89.65", *td.RemindAtGeo)
	assert.Contains(t, c.fails(422, "POST", "/todos", `{"title":"x","remindAtAddress":"nowhere"}`), "address not found")
	c.fails(502, "POST", "/todos", `{"title":"x","remindAtAddress":"broken"}`)
	c.ok(200, "POST", "/todos", `{"title":"no address"}`, nil)
	assert.Equal(t, int32(3), calls.Load(), "one lookup per todo with an address")
}

// TestServe starts the real server on a free port and stops it.
func TestServe(t *testing.T) {
	t.Parallel()
	a := todolist.New(todolist.Config{DatabaseURL: testdb.URL(t, testdb.SQLite), Addr: "127.0.0.1:0", Logger: quiet()})
	ctx := t.Context()
	require.NoError(t, a.MigrateSchema(ctx, schema.MigrateOptions{}))
	require.NoError(t, a.Start(ctx))
	addr := a.Addr()
	require.NotEmpty(t, addr)
	c := &client{t: t, base: "http://" + addr}
	var n count
	c.ok(200, "GET", "/todos/count", "", &n)
	assert.Equal(t, 1, n.Count)
	require.NoError(t, a.Stop(ctx))
	_, err := http.Get("http://" + addr + "/todos")
	assert.Error(t, err, "the server stopped listening")
}

func TestMigrateCommand(t *testing.T) {
	t.Parallel()
	forEachDatabase(t, func(t *testing.T, dbURL string) {
		run := func(args ...string) (int, string, string) {
			var out, errOut bytes.Buffer
			a := todolist.New(todolist.Config{DatabaseURL: dbURL, Logger: quiet()})
			code := app.MigrateCommand(t.Context(), a, args, &out, &errOut)
			return code, out.String(), errOut.String()
		}
		code, out, errOut := run("--dry-run")
		require.Equal(t, 0, code, errOut)
		assert.Contains(t, out, "CREATE TABLE")
		assert.Contains(t, out, "todos")
		assert.Contains(t, out, "todo_lists")

		code, out, errOut = run()
		require.Equal(t, 0, code, errOut)
		assert.Contains(t, out, "db")
		assert.Contains(t, out, "geocoder")

		_, c := started(t, todolist.Config{DatabaseURL: dbURL})
		c.ok(200, "POST", "/todos", `{"title":"milk"}`, nil)
		var n count
		c.ok(200, "GET", "/todos/count", "", &n)
		assert.Equal(t, 2, n.Count)

		code, _, errOut = run("--models", "TodoList", "--rebuild")
		require.NotEqual(t, 0, code, "todos and todo_list_images reference todo_lists: rebuilding the list alone is refused")
		assert.Regexp(t, `table "(todos|todo_list_images)" references it`, errOut)
		c.ok(200, "GET", "/todos/count", "", &n)
		assert.Equal(t, 2, n.Count, "nothing was dropped")

		code, _, errOut = run("--rebuild")
		require.Equal(t, 0, code, errOut)
		c.ok(200, "GET", "/todos/count", "", &n)
		assert.Equal(t, 1, n.Count, "rebuilt, and the welcome todo seeded again")

		code, _, errOut = run("--models", "Nope")
		assert.NotEqual(t, 0, code)
		assert.Contains(t, errOut, "Nope")
		assert.Equal(t, 1, strings.Count(strings.TrimSpace(errOut), "\n")+1, "one line: %q", errOut)
	})
}

func titles(todos []todo) []string {
	out := make([]string, len(todos))
	for i, t := range todos {
		out[i] = t.Title
	}
	return out
}

func itoa(id int64) string {
	b, _ := json.Marshal(id)
	return string(b)
}
