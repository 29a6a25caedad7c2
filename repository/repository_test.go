package repository_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/slipwaygo/slipway/internal/testdb"
	"github.com/slipwaygo/slipway/repository"
	"github.com/slipwaygo/slipway/schema"
)

type TodoList struct {
	bun.BaseModel `bun:"table:todo_lists"`
	ID            int64   `bun:",pk,autoincrement" json:"id"`
	Title         string  `bun:",notnull" json:"title"`
	Color         *string `json:"color,omitempty"`
	Todos         []*Todo `bun:"rel:has-many,join:id=todo_list_id" json:"todos,omitempty"`

	Image *TodoListImage `bun:"rel:has-one,join:id=todo_list_id" json:"image,omitempty"`
}

// TodoListImage is LoopBack's has-one example: a list has at most one.
type TodoListImage struct {
	bun.BaseModel `bun:"table:todo_list_images"`
	ID            int64     `bun:",pk,autoincrement" json:"id"`
	TodoListID    int64     `bun:",notnull" slipway:"unique_index" json:"todoListId"`
	Value         string    `bun:",notnull" json:"value"`
	TodoList      *TodoList `bun:"rel:belongs-to,join:todo_list_id=id,on_delete:cascade" json:"todoList,omitempty"`
}

type Todo struct {
	bun.BaseModel `bun:"table:todos"`
	ID            int64      `bun:",pk,autoincrement" json:"id"`
	Title         string     `bun:",notnull" json:"title"`
	Desc          *string    `json:"desc,omitempty"`
	IsComplete    bool       `bun:",notnull,default:false" json:"isComplete"`
	Priority      int        `bun:",notnull,default:0" json:"priority"`
	DueAt         *time.Time `json:"dueAt,omitempty"`
	TodoListID    *int64     `json:"todoListId,omitempty"`
	TodoList      *TodoList  `bun:"rel:belongs-to,join:todo_list_id=id,on_delete:cascade" json:"todoList,omitempty"`
}

type fixture struct {
	ds        *repository.SQL
	todos     *repository.Repository[Todo]
	lists     *repository.Repository[TodoList]
	images    *repository.Repository[TodoListImage]
	listTodos *repository.HasMany[TodoList, Todo]
	todoList  *repository.BelongsTo[Todo, TodoList]
	listImage *repository.HasOne[TodoList, TodoListImage]
}

func newFixture(t *testing.T, d testdb.Dialect) *fixture {
	t.Helper()
	ds, err := repository.Open("db", testdb.URL(t, d))
	require.NoError(t, err)
	t.Cleanup(func() { _ = ds.Close() })
	f := &fixture{ds: ds}
	f.lists, err = repository.New[TodoList](ds)
	require.NoError(t, err)
	f.todos, err = repository.New[Todo](ds)
	require.NoError(t, err)
	f.listTodos, err = repository.NewHasMany(f.lists, f.todos, "todos")
	require.NoError(t, err)
	f.todoList, err = repository.NewBelongsTo(f.todos, f.lists, "todoList")
	require.NoError(t, err)
	f.images, err = repository.New[TodoListImage](ds)
	require.NoError(t, err)
	f.listImage, err = repository.NewHasOne(f.lists, f.images, "image")
	require.NoError(t, err)
	_, err = ds.Migrator().Migrate(context.Background(), schema.MigrateOptions{})
	require.NoError(t, err)
	return f
}

func ptr[T any](v T) *T { return &v }

func titles(todos []*Todo) []string {
	out := make([]string, len(todos))
	for i, t := range todos {
		out[i] = t.Title
	}
	return out
}

func forEachDialect(t *testing.T, fn func(t *testing.T, f *fixture)) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			fn(t, newFixture(t, d))
		})
	}
}

func TestRepository_CRUD(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		a := &Todo{Title: "a"}
		require.NoError(t, f.todos.Create(ctx, a))
		assert.NotZero(t, a.ID, "the generated id is set")

		got, err := f.todos.FindByID(ctx, a.ID, nil)
		require.NoError(t, err)
		assert.Equal(t, "a", got.Title)
		assert.False(t, got.IsComplete)

		_, err = f.todos.FindByID(ctx, a.ID+100, nil)
		assert.ErrorIs(t, err, repository.ErrNotFound)
		assert.EqualError(t, err, `repository: find "Todo" by id `+itoa(a.ID+100)+`: not found`)

		ok, err := f.todos.Exists(ctx, a.ID)
		require.NoError(t, err)
		assert.True(t, ok)
		ok, err = f.todos.Exists(ctx, a.ID+100)
		require.NoError(t, err)
		assert.False(t, ok)

		require.NoError(t, f.todos.UpdateByID(ctx, a.ID, repository.Patch{"isComplete": true, "desc": "done"}))
		got, err = f.todos.FindByID(ctx, a.ID, nil)
		require.NoError(t, err)
		assert.True(t, got.IsComplete)
		assert.Equal(t, "done", *got.Desc)
		assert.Equal(t, "a", got.Title, "a partial update leaves other fields")

		require.NoError(t, f.todos.UpdateByID(ctx, a.ID, repository.Patch{"isComplete": true}), "writing the value it has is not 'not found'")
		assert.ErrorIs(t, f.todos.UpdateByID(ctx, a.ID+100, repository.Patch{"title": "x"}), repository.ErrNotFound)

		require.NoError(t, f.todos.ReplaceByID(ctx, a.ID, &Todo{Title: "replaced"}))
		got, err = f.todos.FindByID(ctx, a.ID, nil)
		require.NoError(t, err)
		assert.Equal(t, "replaced", got.Title)
		assert.Nil(t, got.Desc, "replace writes every field")
		assert.False(t, got.IsComplete)
		assert.ErrorIs(t, f.todos.ReplaceByID(ctx, a.ID+100, &Todo{Title: "x"}), repository.ErrNotFound)

		require.NoError(t, f.todos.DeleteByID(ctx, a.ID))
		assert.ErrorIs(t, f.todos.DeleteByID(ctx, a.ID), repository.ErrNotFound)
		n, err := f.todos.Count(ctx, nil)
		require.NoError(t, err)
		assert.Equal(t, 0, n)
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestRepository_CreateAllIsOneStatement(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, f *fixture) {
		log := &queryLog{}
		//lint:ignore SA1019 the hook must be on the datasource's own *bun.DB, which the repository uses; WithQueryHook returns a copy
		f.ds.DB().AddQueryHook(log)
		batch := []*Todo{{Title: "x"}, {Title: "y"}, {Title: "z"}}
		require.NoError(t, f.todos.CreateAll(t.Context(), batch))
		assert.Equal(t, 1, log.count(), "one multi-row INSERT")
		n, err := f.todos.Count(t.Context(), nil)
		require.NoError(t, err)
		assert.Equal(t, 3, n)
	})
}

func TestRepository_UpdateAllAndDeleteAll(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		require.NoError(t, f.todos.CreateAll(ctx, []*Todo{{Title: "a", Priority: 1}, {Title: "b", Priority: 2}, {Title: "c", Priority: 3}}))
		n, err := f.todos.UpdateAll(ctx, repository.Patch{"isComplete": true}, repository.Where{"priority": repository.Cond{"gte": 2}})
		require.NoError(t, err)
		assert.Equal(t, int64(2), n)
		done, err := f.todos.Count(ctx, repository.Where{"isComplete": true})
		require.NoError(t, err)
		assert.Equal(t, 2, done)

		n, err = f.todos.DeleteAll(ctx, repository.Where{"isComplete": false})
		require.NoError(t, err)
		assert.Equal(t, int64(1), n)
		n, err = f.todos.DeleteAll(ctx, nil)
		require.NoError(t, err)
		assert.Equal(t, int64(2), n)
	})
}

func TestRepository_FilterFromJSONEveryOperator(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		due := time.Date(2030, 1, 2, 0, 0, 0, 0, time.UTC)
		require.NoError(t, f.todos.CreateAll(ctx, []*Todo{
			{Title: "milk", Priority: 1, Desc: ptr("2 liters")},
			{Title: "bread", Priority: 2, IsComplete: true},
			{Title: "eggs", Priority: 3, DueAt: &due},
			{Title: "mild cheese", Priority: 4},
		}))
		tests := []struct {
			name string
			give string
			want []string
		}{
			{name: "equality", give: `{"where": {"title": "milk"}}`, want: []string{"milk"}},
			{name: "eq", give: `{"where": {"priority": {"eq": 2}}}`, want: []string{"bread"}},
			{name: "neq", give: `{"where": {"priority": {"neq": 2}}, "order": "id"}`, want: []string{"milk", "eggs", "mild cheese"}},
			{name: "gt", give: `{"where": {"priority": {"gt": 3}}}`, want: []string{"mild cheese"}},
			{name: "gte", give: `{"where": {"priority": {"gte": 3}}, "order": "id"}`, want: []string{"eggs", "mild cheese"}},
			{name: "lt", give: `{"where": {"priority": {"lt": 2}}}`, want: []string{"milk"}},
			{name: "lte and gte together", give: `{"where": {"priority": {"gte": 2, "lte": 3}}, "order": "id"}`, want: []string{"bread", "eggs"}},
			{name: "inq", give: `{"where": {"title": {"inq": ["eggs", "milk"]}}, "order": "title"}`, want: []string{"eggs", "milk"}},
			{name: "nin", give: `{"where": {"title": {"nin": ["eggs", "milk"]}}, "order": "title"}`, want: []string{"bread", "mild cheese"}},
			{name: "empty inq matches nothing", give: `{"where": {"title": {"inq": []}}}`, want: []string{}},
			{name: "between", give: `{"where": {"priority": {"between": [2, 3]}}, "order": "priority DESC"}`, want: []string{"eggs", "bread"}},
			{name: "like", give: `{"where": {"title": {"like": "mil%"}}, "order": "id"}`, want: []string{"milk", "mild cheese"}},
			{name: "nlike", give: `{"where": {"title": {"nlike": "mil%"}}, "order": "id"}`, want: []string{"bread", "eggs"}},
			{name: "boolean", give: `{"where": {"isComplete": true}}`, want: []string{"bread"}},
			{name: "null", give: `{"where": {"desc": null}, "order": "id"}`, want: []string{"bread", "eggs", "mild cheese"}},
			{name: "not null", give: `{"where": {"desc": {"neq": null}}}`, want: []string{"milk"}},
			{name: "time", give: `{"where": {"dueAt": {"gt": "2029-12-31T00:00:00Z"}}}`, want: []string{"eggs"}},
			{name: "or", give: `{"where": {"or": [{"title": "milk"}, {"priority": 3}]}, "order": "id"}`, want: []string{"milk", "eggs"}},
			{name: "and", give: `{"where": {"and": [{"priority": {"gt": 1}}, {"isComplete": false}]}, "order": "id"}`, want: []string{"eggs", "mild cheese"}},
			{name: "nested", give: `{"where": {"or": [{"and": [{"priority": {"gt": 3}}, {"title": {"like": "%cheese"}}]}, {"title": "bread"}]}, "order": "id"}`, want: []string{"bread", "mild cheese"}},
			{name: "order desc, limit, offset", give: `{"order": ["priority DESC"], "limit": 2, "offset": 1}`, want: []string{"eggs", "bread"}},
			{name: "skip is offset", give: `{"order": "id", "skip": 3}`, want: []string{"mild cheese"}},
			{name: "go and column names work too", give: `{"where": {"IsComplete": false, "priority": {"lt": 3}}}`, want: []string{"milk"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				filter, err := repository.ParseFilter([]byte(tt.give))
				require.NoError(t, err)
				got, err := f.todos.Find(ctx, filter)
				require.NoError(t, err)
				assert.Equal(t, tt.want, titles(got))
			})
		}
	})
}

func TestRepository_FieldsAndInclude(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		list := &TodoList{Title: "home", Color: ptr("red")}
		require.NoError(t, f.lists.Create(ctx, list))
		require.NoError(t, f.todos.CreateAll(ctx, []*Todo{
			{Title: "milk", TodoListID: &list.ID, Priority: 2},
			{Title: "bread", TodoListID: &list.ID, Priority: 1},
			{Title: "loose"},
		}))

		filter, err := repository.ParseFilter([]byte(`{"fields": ["title"], "order": "id"}`))
		require.NoError(t, err)
		got, err := f.todos.Find(ctx, filter)
		require.NoError(t, err)
		require.Len(t, got, 3)
		assert.Equal(t, "milk", got[0].Title)
		assert.NotZero(t, got[0].ID, "the primary key is always selected")
		assert.Zero(t, got[0].Priority, "other fields are not selected")

		filter, err = repository.ParseFilter([]byte(`{"where": {"title": "milk"}, "include": ["todoList"]}`))
		require.NoError(t, err)
		milk, err := f.todos.FindOne(ctx, filter)
		require.NoError(t, err)
		require.NotNil(t, milk.TodoList)
		assert.Equal(t, "home", milk.TodoList.Title)

		filter, err = repository.ParseFilter([]byte(`{"include": [{"relation": "todos", "scope": {"order": "priority", "where": {"priority": {"gte": 1}}}}]}`))
		require.NoError(t, err)
		withTodos, err := f.lists.FindByID(ctx, list.ID, filter)
		require.NoError(t, err)
		assert.Equal(t, []string{"bread", "milk"}, titles(withTodos.Todos))
	})
}

func TestRepository_RejectsUnknownNamesBeforeSQL(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, f *fixture) {
		log := &queryLog{}
		//lint:ignore SA1019 the hook must be on the datasource's own *bun.DB, which the repository uses; WithQueryHook returns a copy
		f.ds.DB().AddQueryHook(log)
		tests := []struct {
			name string
			give string
			want string
		}{
			{name: "unknown where field", give: `{"where": {"colour": "red"}}`, want: `where of "Todo": field "colour": unknown field (known: id, title, desc, isComplete, priority, dueAt, todoListId)`},
			{name: "injection as a field name", give: `{"where": {"title = title; DROP TABLE todos; --": 1}}`, want: `unknown field`},
			{name: "unknown operator", give: `{"where": {"title": {"near": "x"}}}`, want: `unknown operator "near" (known: eq, neq, gt, gte, lt, lte, inq, nin, between, like, nlike, ilike, nilike, regexp)`},
			{name: "wrong value type", give: `{"where": {"priority": "high"}}`, want: `field "priority": value "high" is not a valid number`},
			{name: "between needs two", give: `{"where": {"priority": {"between": [1]}}}`, want: `takes a list of two values`},
			{name: "unknown order field", give: `{"order": "colour DESC"}`, want: `order of "Todo": field "colour"`},
			{name: "bad direction", give: `{"order": "title SIDEWAYS"}`, want: `direction "SIDEWAYS" is not ASC or DESC`},
			{name: "unknown fields entry", give: `{"fields": ["colour"]}`, want: `fields of "Todo": field "colour"`},
			{name: "unknown relation", give: `{"include": ["owner"]}`, want: `unknown relation (known: todoList)`},
			{name: "like on a number", give: `{"where": {"priority": {"like": "1%"}}}`, want: `operator "like" applies to text fields only`},
			{name: "NUL in a value", give: "{\"where\": {\"title\": \"a\\u0000b\"}}", want: `NUL character`},
			{name: "unknown regexp flag", give: `{"where": {"title": {"regexp": "/x/m"}}}`, want: `regexp flag 'm' is not supported`},
			{name: "unknown field in a scope", give: `{"include": [{"relation": "todoList", "scope": {"where": {"nope": 1}}}]}`, want: `where of "TodoList": field "nope"`},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				filter, err := repository.ParseFilter([]byte(tt.give))
				require.NoError(t, err)
				_, err = f.todos.Find(t.Context(), filter)
				var fe *repository.FieldError
				require.ErrorAs(t, err, &fe)
				assert.ErrorContains(t, err, tt.want)
			})
		}
		assert.Zero(t, log.count(), "no query was sent")

		err := f.todos.UpdateByID(t.Context(), 1, repository.Patch{"colour": "red"})
		assert.ErrorContains(t, err, `patch of "Todo": field "colour": unknown field`)
		err = f.todos.UpdateByID(t.Context(), 1, repository.Patch{"isComplete": "yes"})
		assert.ErrorContains(t, err, `patch of "Todo": field "isComplete": value "yes" is not a valid boolean`)
	})
}

func TestParseFilter_RejectsMalformedJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		give string
		want string
	}{
		{give: `{"wher": {}}`, want: `unknown key "wher"`},
		{give: `{"limit": -1}`, want: "must not be negative"},
		{give: `{"limit": "ten"}`, want: "limit"},
		{give: `{"order": 3}`, want: "want a string or a list of strings"},
		{give: `{"include": [{"relation": "x", "scoop": {}}]}`, want: "include"},
		{give: `[1, 2]`, want: "filter"},
		{give: `{"where": `, want: "filter"},
	}
	for _, tt := range tests {
		_, err := repository.ParseFilter([]byte(tt.give))
		assert.ErrorContains(t, err, tt.want, tt.give)
	}
}

func TestParseFilter_Forms(t *testing.T) {
	t.Parallel()
	f, err := repository.ParseFilter([]byte(`{"order": "title DESC", "fields": {"title": true, "id": true}, "include": "todoList", "skip": 4}`))
	require.NoError(t, err)
	assert.Equal(t, []string{"title DESC"}, f.Order)
	assert.Equal(t, []string{"id", "title"}, f.Fields)
	assert.Equal(t, []repository.Include{{Relation: "todoList"}}, f.Include)
	assert.Equal(t, 4, f.Offset)

	f, err = repository.ParseFilter([]byte(`{"fields": {"desc": false}}`))
	require.NoError(t, err)
	assert.Equal(t, []string{"-desc"}, f.Fields, "only exclusions: every other field")

	f, err = repository.ParseFilter(nil)
	require.NoError(t, err)
	assert.Equal(t, &repository.Filter{}, f)
}

func TestRelations(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		home, work := &TodoList{Title: "home"}, &TodoList{Title: "work"}
		require.NoError(t, f.lists.CreateAll(ctx, []*TodoList{home, work}))

		milk := &Todo{Title: "milk", TodoListID: &work.ID} // the relation sets the key
		require.NoError(t, f.listTodos.Create(ctx, home.ID, milk))
		assert.Equal(t, home.ID, *milk.TodoListID)
		require.NoError(t, f.listTodos.Create(ctx, home.ID, &Todo{Title: "bread"}))
		require.NoError(t, f.listTodos.Create(ctx, work.ID, &Todo{Title: "report"}))

		got, err := f.listTodos.Find(ctx, home.ID, &repository.Filter{Order: []string{"title"}})
		require.NoError(t, err)
		assert.Equal(t, []string{"bread", "milk"}, titles(got))

		n, err := f.listTodos.Patch(ctx, home.ID, repository.Patch{"isComplete": true}, repository.Where{"title": "milk"})
		require.NoError(t, err)
		assert.Equal(t, int64(1), n)
		n, err = f.listTodos.Patch(ctx, home.ID, repository.Patch{"priority": 5}, nil)
		require.NoError(t, err)
		assert.Equal(t, int64(2), n, "every todo of the list, none of the other")

		list, err := f.todoList.Get(ctx, milk.ID, nil)
		require.NoError(t, err)
		assert.Equal(t, "home", list.Title)

		n, err = f.listTodos.Delete(ctx, home.ID, nil)
		require.NoError(t, err)
		assert.Equal(t, int64(2), n)
		left, err := f.todos.Find(ctx, nil)
		require.NoError(t, err)
		assert.Equal(t, []string{"report"}, titles(left))

		_, err = f.listTodos.Find(ctx, 999, nil)
		assert.ErrorIs(t, err, repository.ErrNotFound)
		assert.ErrorContains(t, err, `find "Todo" of "TodoList" 999`)
		loose := &Todo{Title: "loose"}
		require.NoError(t, f.todos.Create(ctx, loose))
		_, err = f.todoList.Get(ctx, loose.ID, nil)
		assert.ErrorIs(t, err, repository.ErrNotFound)
	})
}

func TestRelations_RejectWrongDeclarations(t *testing.T) {
	t.Parallel()
	f := newFixture(t, testdb.Dialects[0])
	_, err := repository.NewHasMany(f.lists, f.todos, "items")
	assert.ErrorContains(t, err, `unknown relation (known: image, todos)`)
	_, err = repository.NewBelongsTo(f.lists, f.todos, "todos")
	assert.ErrorContains(t, err, `is not a belongs-to relation`)
}

func TestWithDB_RoutesCallsThroughATransaction(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		err := f.ds.DB().RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			txCtx := repository.WithDB(ctx, f.ds, tx)
			require.NoError(t, f.todos.Create(txCtx, &Todo{Title: "in tx"}))
			n, err := f.todos.Count(txCtx, nil)
			require.NoError(t, err)
			assert.Equal(t, 1, n, "visible inside the transaction")
			return errors.New("roll back")
		})
		require.Error(t, err)
		n, err := f.todos.Count(ctx, nil)
		require.NoError(t, err)
		assert.Equal(t, 0, n, "rolled back with the transaction")
	})
}

func TestOpen_ErrorsHideThePassword(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		give string
		want string
	}{
		{name: "unsupported scheme", give: "oracle://scott:tiger-secret@db/orcl", want: `datasource "db": database URL "oracle://scott:xxxxx@db/orcl": unsupported scheme "oracle"`},
		{name: "no scheme", give: "just-a-path", want: "has no scheme"},
		{name: "empty", give: "", want: `datasource "db": no database URL`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := repository.Open("db", tt.give)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "tiger-secret")
		})
	}
}

func TestPing_UnreachableDatabaseNamesTheDatasourceNotThePassword(t *testing.T) {
	t.Parallel()
	for _, url := range []string{
		"postgres://app:s3cret-pw@127.0.0.1:1/app?sslmode=disable&connect_timeout=2",
		"mysql://app:s3cret-pw@127.0.0.1:1/app?timeout=2s",
		// sslmode=prefer: pgx tries twice and lists both attempts on lines of
		// their own; the error stays on one line.
		"postgres://app:s3cret-pw@127.0.0.1:1/app?connect_timeout=2",
	} {
		ds, err := repository.Open("db", url)
		require.NoError(t, err, "opening does no I/O")
		err = ds.Ping(t.Context())
		require.Error(t, err)
		assert.Contains(t, err.Error(), `datasource "db" (`)
		assert.Contains(t, err.Error(), "app:xxxxx@127.0.0.1:1")
		assert.NotContains(t, err.Error(), "s3cret-pw")
		assert.NotContains(t, err.Error(), "\n", "one line, for logs and command lines")
		require.NoError(t, ds.Close())
	}
}

// A secret in a query parameter is as secret as the user info's password:
// String, URL, Ping's errors and parse errors never show it.
func TestOpen_SecretQueryParametersNeverShow(t *testing.T) {
	t.Parallel()
	for _, url := range []string{
		"postgres://app@127.0.0.1:1/app?password=s3cret-pw&sslmode=disable&connect_timeout=2",
		"postgres://app@127.0.0.1:1/app?sslpassword=s3cret-pw&sslmode=disable&connect_timeout=2",
		"mysql://app@127.0.0.1:1/app?password=s3cret-pw&timeout=2s",
		"mysql://app:pw@127.0.0.1:1/app?api_token=s3cret-pw&timeout=2s",
	} {
		ds, err := repository.Open("db", url)
		require.NoError(t, err, "opening does no I/O")
		assert.NotContains(t, ds.String(), "s3cret-pw")
		assert.NotContains(t, ds.URL(), "s3cret-pw")
		assert.Contains(t, ds.URL(), "=xxxxx")
		err = ds.Ping(t.Context())
		require.Error(t, err)
		assert.Contains(t, err.Error(), `datasource "db" (`)
		assert.NotContains(t, err.Error(), "s3cret-pw")
		require.NoError(t, ds.Close())
	}
}

func TestOpen_ParseErrorsHideSecretQueryParameters(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		give string
		want string
	}{
		{name: "bad port", give: "postgres://u@h:badport/db?password=tiger-secret", want: `database URL "postgres://u@h:badport/db?password=xxxxx": invalid port ":badport" after host`},
		{name: "bad mysql parameter", give: "mysql://u@h/db?timeout=abc&password=tiger-secret", want: `database URL "mysql://u@h/db?timeout=abc&password=xxxxx"`},
		{name: "bad escape", give: "sqlite:app.db?password=tiger-secret&x=%zz", want: `database URL "sqlite:app.db?password=xxxxx&x=%zz"`},
		{name: "unsupported scheme", give: "oracle://scott@db/orcl?password=tiger-secret", want: `database URL "oracle://scott@db/orcl?password=xxxxx": unsupported scheme "oracle"`},
		{name: "driver DSN", give: "scott:tiger-secret@tcp(db:3306)/orcl", want: `database URL "scott:xxxxx@tcp(db:3306)/orcl": unsupported scheme "scott"`},
		{name: "keyword/value DSN", give: "host=db password=tiger-secret", want: `database URL "host=db password=xxxxx" has no scheme`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := repository.Open("db", tt.give)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "tiger-secret")
		})
	}
}

func TestHTTP_StringHidesCredentials(t *testing.T) {
	t.Parallel()
	h, err := repository.NewHTTP("geocoder", "https://u:s3cret-pw@geo.example/v1?api_key=s3cret-key&lang=en")
	require.NoError(t, err)
	assert.Equal(t, `"geocoder" (https://u:xxxxx@geo.example/v1?api_key=xxxxx&lang=en)`, h.String())
	_, err = repository.NewHTTP("geocoder", "geo.example/v1?token=s3cret-token")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "s3cret-token")
}

func TestPing_UnreachableMySQLSaysWhereAndWhy(t *testing.T) {
	t.Parallel()
	ds, err := repository.Open("db", "mysql://app:s3cret-pw@127.0.0.1:1/app")
	require.NoError(t, err)
	defer ds.Close()
	err = ds.Ping(t.Context())
	require.Error(t, err)
	assert.Equal(t, `repository: datasource "db" (mysql://app:xxxxx@127.0.0.1:1/app): ping: could not connect to 127.0.0.1:1: connect: connection refused (check the host and port in the URL, and that the server is up)`, err.Error())
}

// queryLog counts the queries a *bun.DB runs.
type queryLog struct {
	mu sync.Mutex
	n  int
}

func (l *queryLog) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }
func (l *queryLog) AfterQuery(context.Context, *bun.QueryEvent) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.n++
}

func (l *queryLog) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n
}

// oddColumn has a column whose quoted name holds a question mark, which bun
// would read as a placeholder if the repository wrote it into SQL as is.
type oddColumn struct {
	bun.BaseModel `bun:"table:odd_columns"`
	ID            int64  `bun:",pk,autoincrement" json:"id"`
	Name          string `bun:"what?,notnull" json:"name"`
	Rank          int    `bun:"rank?,notnull,default:0" json:"rank"`
}

func TestRepository_ColumnNamesWithAQuestionMark(t *testing.T) {
	t.Parallel()
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			ds, err := repository.Open("db", testdb.URL(t, d))
			require.NoError(t, err)
			t.Cleanup(func() { _ = ds.Close() })
			odd, err := repository.New[oddColumn](ds)
			require.NoError(t, err)
			ctx := t.Context()
			_, err = ds.Migrator().Migrate(ctx, schema.MigrateOptions{})
			require.NoError(t, err)
			a, b := &oddColumn{Name: "a?", Rank: 1}, &oddColumn{Name: "b", Rank: 2}
			require.NoError(t, odd.CreateAll(ctx, []*oddColumn{a, b}))

			got, err := odd.Find(ctx, &repository.Filter{Where: repository.Where{"name": "a?", "rank": repository.Cond{"gte": 1}}, Order: []string{"rank DESC"}})
			require.NoError(t, err)
			require.Len(t, got, 1)
			assert.Equal(t, a.ID, got[0].ID)

			require.NoError(t, odd.UpdateByID(ctx, b.ID, repository.Patch{"name": "b?"}))
			one, err := odd.FindByID(ctx, b.ID, nil)
			require.NoError(t, err)
			assert.Equal(t, "b?", one.Name)

			n, err := odd.Count(ctx, repository.Where{"name": repository.Cond{"neq": "b?"}})
			require.NoError(t, err)
			assert.Equal(t, 1, n)
			require.NoError(t, odd.DeleteByID(ctx, a.ID))
			n, err = odd.Count(ctx, nil)
			require.NoError(t, err)
			assert.Equal(t, 1, n)
		})
	}
}
