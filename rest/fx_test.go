package rest_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"

	"github.com/slipwaygo/slipway/boot"
	"github.com/slipwaygo/slipway/internal/testdb"
	"github.com/slipwaygo/slipway/repository"
	"github.com/slipwaygo/slipway/rest"
	"github.com/slipwaygo/slipway/schema"
)

func graph(url string) fx.Option {
	return fx.Options(
		boot.Module,
		boot.DataSource("db", url),
		boot.Repository[TodoList]("db"),
		boot.Repository[Todo]("db"),
		boot.Repository[TodoListImage]("db"),
		boot.Repository[Doctor]("db"),
		boot.Repository[Patient]("db"),
		boot.Model[Appointment]("db"),
		rest.Module(rest.Config{Addr: "127.0.0.1:0"}),
		rest.Model[Todo]("/todos"),
		rest.Model[TodoList]("/todo-lists"),
		rest.HasMany[TodoList, Todo]("/todo-lists/{id}/todos", "todos"),
		rest.BelongsTo[Todo, TodoList]("/todos/{id}/todo-list", "todoList"),
		rest.HasOne[TodoList, TodoListImage]("/todo-lists/{id}/todo-list-image", "image"),
		rest.HasManyThrough[Doctor, Patient]("/doctors/{id}/patients", "patients"),
		rest.WithCheck[Todo](func() rest.Check[Todo] {
			return func(_ context.Context, t *Todo, _ []string) error {
				if t.Title == "forbidden" {
					return rest.Invalid("/title", "forbidden", "must not be forbidden", nil)
				}
				return nil
			}
		}),
	)
}

func TestModule_GraphIsValid(t *testing.T) {
	t.Parallel()
	require.NoError(t, fx.ValidateApp(fx.NopLogger, graph("sqlite::memory:")))
}

// In a plain fx application the server listens on start, serves the
// declared routes with the checks of their models, and stops on stop.
func TestModule_ServesTheDeclaredRoutes(t *testing.T) {
	t.Parallel()
	var (
		server *rest.Server
		ds     *repository.SQL
	)
	app := fxtest.New(t, fx.NopLogger, graph(testdb.URL(t, testdb.SQLite)),
		fx.Populate(&server, fx.Annotate(&ds, fx.ParamTags(`name:"db"`))))
	_, err := ds.MigrateSchema(t.Context(), schema.MigrateOptions{}, nil, nil)
	require.NoError(t, err)
	app.RequireStart()
	base := "http://" + server.Addr()
	c := &client{t: t, base: base}
	list := c.ok(200, "POST", "/todo-lists", `{"title":"home"}`)
	assert.JSONEq(t, `{"id":1,"title":"home"}`, list)
	c.ok(200, "POST", "/todo-lists/1/todos", `{"title":"milk"}`)
	assert.JSONEq(t, `[{"title":"milk"}]`, c.ok(200, "GET", "/todo-lists/1/todos?filter[fields][0]=title", ""))
	e := c.fails(422, "POST", "/todos", `{"title":"forbidden"}`)
	assert.Equal(t, "forbidden", e.Error.Details[0].Code)
	c.fails(404, "POST", "/doctors/1/patients", `{"name":"x"}`) // no doctor 1: the relation's source must exist
	app.RequireStop()
	_, err = http.Get(base + "/ping")
	assert.Error(t, err, "stopped")
}
