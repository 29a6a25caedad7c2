package rest_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The OpenAPI document is valid OpenAPI 3.1, and what the server answers
// matches it, according to pb33f/libopenapi-validator — run as a program
// of its own module (internal/oascheck), since it needs a newer Go than
// Slipway and has no place among Slipway's dependencies.
func TestOpenAPI_ValidatedByLibopenapiValidator(t *testing.T) {
	t.Parallel()
	goTool, err := exec.LookPath("go")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("no go command to run the OpenAPI validator with (required when CI=true)")
		}
		t.Skip("no go command to run the validator with")
	}
	forEachDialect(t, func(t *testing.T, f *fixture) {
		c := f.c
		list := must(decodeTodoList(c.ok(200, "POST", "/todo-lists", `{"title":"home","color":"red"}`)))
		lid := itoa(list.ID)
		todo := must(decodeTodo(c.ok(200, "POST", "/todos", `{"title":"milk","desc":"2 litres","todoListId":`+lid+`,"dueAt":"2030-01-02T03:04:05Z"}`)))
		id := itoa(todo.ID)
		c.ok(200, "POST", "/todo-lists/"+lid+"/todos", `{"title":"bread"}`)
		c.ok(200, "POST", "/todo-lists/"+lid+"/todo-list-image", `{"value":"a picture"}`)
		doctor := c.ok(200, "POST", "/doctors", `{"name":"House"}`)
		c.ok(200, "POST", "/doctors/1/patients", `{"name":"Ann"}`)
		requests := []struct{ method, path, body string }{
			{"GET", "/todos", ""},
			{"GET", "/todos?filter=" + q(`{"where":{"title":{"like":"%i%"}},"fields":["title","id"],"order":["title DESC"],"limit":5,"skip":0,"include":[{"relation":"todoList","scope":{"fields":["title"]}}]}`), ""},
			{"GET", "/todos?filter=" + q(`{"include":"todoList","fields":{"desc":false}}`), ""},
			{"GET", "/todos/count?where=" + q(`{"isComplete":false}`), ""},
			{"GET", "/todos/" + id + "?filter=" + q(`{"include":["todoList"]}`), ""},
			{"PATCH", "/todos/" + id, `{"isComplete":true,"desc":null}`},
			{"PUT", "/todos/" + id, `{"title":"oat milk","todoListId":` + lid + `}`},
			{"PATCH", "/todos?where=" + q(`{"title":"bread"}`), `{"priority":2}`},
			{"GET", "/todos/" + id + "/todo-list", ""},
			{"GET", "/todo-lists?filter=" + q(`{"include":[{"relation":"todos","scope":{"order":"id"}},"image"]}`), ""},
			{"GET", "/todo-lists/" + lid + "/todos?filter=" + q(`{"where":{"isComplete":false}}`), ""},
			{"PATCH", "/todo-lists/" + lid + "/todos?where=" + q(`{"title":"bread"}`), `{"desc":"rye"}`},
			{"GET", "/todo-lists/" + lid + "/todo-list-image", ""},
			{"PATCH", "/todo-lists/" + lid + "/todo-list-image", `{"value":"another"}`},
			{"GET", "/doctors?filter=" + q(`{"include":["patients"]}`), ""},
			{"GET", "/doctors/1/patients", ""},
			{"GET", "/ping", ""},
			{"GET", "/health", ""},
			// Errors: their answers must match the document too.
			{"GET", "/todos/9999", ""},
			{"POST", "/todos", `{"title":42,"colour":1}`},
			{"POST", "/todos", `{"title":`},
			{"GET", "/todos?filter=" + q(`{"where":{"colour":1}}`), ""},
			{"POST", "/todo-lists/" + lid + "/todo-list-image", `{"value":"twice"}`},
			{"DELETE", "/todo-lists/" + lid + "/todos?where=" + q(`{"title":"bread"}`), ""},
			{"DELETE", "/todo-lists/" + lid + "/todo-list-image", ""},
			{"DELETE", "/todos/" + id, ""},
		}
		for _, r := range requests {
			c.do(r.method, r.path, r.body)
		}
		assert.Contains(t, doctor, `"name":"House"`)

		var doc json.RawMessage
		require.NoError(t, json.Unmarshal([]byte(c.ok(200, "GET", "/openapi.json", "")), &doc))
		c.mu.Lock()
		data, err := json.Marshal(map[string]any{"document": doc, "exchanges": c.exchanges})
		c.mu.Unlock()
		require.NoError(t, err)
		file := filepath.Join(t.TempDir(), "exchanges.json")
		require.NoError(t, os.WriteFile(file, data, 0o600))

		cmd := exec.Command(goTool, "run", ".", file)
		cmd.Dir = filepath.Join("..", "internal", "oascheck")
		cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err = cmd.Run()
		if err != nil && strings.HasPrefix(out.String(), "go: ") && os.Getenv("CI") != "true" {
			// The go command could not build the validator: no Go 1.26
			// toolchain, or its modules cannot be downloaded here.
			t.Skipf("cannot build the OpenAPI validator (internal/oascheck): %s", strings.TrimSpace(out.String()))
		}
		require.NoError(t, err, "libopenapi-validator:\n%s", out.String())
		assert.Contains(t, out.String(), "ok: the document is valid OpenAPI 3.1")
		t.Log(strings.TrimSpace(out.String()))
	})
}

// The document describes every route with its parameters and bodies, from
// the models.
func TestOpenAPI_DescribesEveryRoute(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "sqlite", restConfig())
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
		Comps   struct {
			Schemas map[string]map[string]any `json:"schemas"`
		} `json:"components"`
	}
	require.NoError(t, json.Unmarshal([]byte(f.c.ok(200, "GET", "/openapi.json", "")), &doc))
	assert.Equal(t, "3.1.0", doc.OpenAPI)
	want := map[string][]string{
		"/todos":                           {"get", "patch", "post"},
		"/todos/count":                     {"get"},
		"/todos/{id}":                      {"delete", "get", "patch", "put"},
		"/todos/{id}/todo-list":            {"get"},
		"/todo-lists/{id}/todos":           {"delete", "get", "patch", "post"},
		"/todo-lists/{id}/todo-list-image": {"delete", "get", "patch", "post"},
		"/doctors/{id}/patients":           {"delete", "get", "patch", "post"},
		"/ping":                            {"get"},
		"/health":                          {"get"},
		"/openapi.json":                    {"get"},
	}
	for path, methods := range want {
		var got []string
		for m := range doc.Paths[path] {
			got = append(got, m)
		}
		assert.ElementsMatch(t, methods, got, path)
	}
	for _, name := range []string{"Todo", "NewTodo", "TodoPartial", "TodoWithRelations", "Todo.Filter", "Todo.Filter1", "Todo.WhereFilter", "NewTodoInTodoList", "loopback.Count", "Error", "TodoListImageWithRelations", "PatientWithRelations"} {
		assert.Contains(t, doc.Comps.Schemas, name)
	}
	newTodo := doc.Comps.Schemas["NewTodo"]
	assert.Equal(t, []any{"title"}, newTodo["required"])
	assert.Equal(t, false, newTodo["additionalProperties"])
	props := newTodo["properties"].(map[string]any)
	assert.NotContains(t, props, "id", "generated: not sent")
	assert.Equal(t, map[string]any{"type": []any{"string", "null"}, "maxLength": float64(8), "pattern": `^[^\x00]*$`}, props["tag"])
	assert.Equal(t, map[string]any{"type": []any{"string", "null"}, "format": "date-time"}, props["dueAt"])
	assert.Equal(t, map[string]any{"type": "integer", "format": "int32", "minimum": float64(-32768), "maximum": float64(32767)}, props["priority"])
}
