package repository_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/slipwaygo/slipway/internal/testdb"
	"github.com/slipwaygo/slipway/repository"
	"github.com/slipwaygo/slipway/schema"
)

// One rule on every database: eq, neq, inq, nin, like, nlike and regexp
// are case-sensitive and exact (trailing spaces count); ilike, nilike and
// regexp with the i flag ignore case; the backslash escapes % and _.
// MariaDB's default collation matches "milk" with "MILK" and "milk ", and
// SQLite's LIKE ignores case: neither shows through.
func TestRepository_TextComparisonsMeanTheSameEverywhere(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		require.NoError(t, f.todos.CreateAll(ctx, []*Todo{
			{Title: "milk"}, {Title: "Milk"}, {Title: "MILK"}, {Title: "milk "}, {Title: "mild"},
			{Title: "100%"}, {Title: "1000"}, {Title: "a*b"}, {Title: "axb"},
		}))
		tests := []struct {
			name string
			give string
			want []string
		}{
			{name: "eq is exact", give: `{"title": "milk"}`, want: []string{"milk"}},
			{name: "eq operator", give: `{"title": {"eq": "Milk"}}`, want: []string{"Milk"}},
			{name: "neq", give: `{"title": {"neq": "milk"}, "and": [{"title": {"like": "%il%"}}]}`, want: []string{"Milk", "milk ", "mild"}},
			{name: "inq", give: `{"title": {"inq": ["milk", "MILK"]}}`, want: []string{"milk", "MILK"}},
			{name: "nin", give: `{"title": {"nin": ["milk", "mild", "100%", "1000", "a*b", "axb"]}}`, want: []string{"Milk", "MILK", "milk "}},
			{name: "like is case-sensitive", give: `{"title": {"like": "mil%"}}`, want: []string{"milk", "milk ", "mild"}},
			{name: "like underscore is one character", give: `{"title": {"like": "mil_"}}`, want: []string{"milk", "mild"}},
			{name: "nlike", give: `{"title": {"nlike": "%i%"}}`, want: []string{"MILK", "100%", "1000", "a*b", "axb"}},
			{name: "like escapes percent", give: `{"title": {"like": "100\\%"}}`, want: []string{"100%"}},
			{name: "like percent", give: `{"title": {"like": "100%"}}`, want: []string{"100%", "1000"}},
			{name: "glob characters are literal", give: `{"title": {"like": "a*b"}}`, want: []string{"a*b"}},
			{name: "ilike ignores case", give: `{"title": {"ilike": "MIL%"}}`, want: []string{"milk", "Milk", "MILK", "milk ", "mild"}},
			{name: "nilike", give: `{"title": {"nilike": "%K"}, "and": [{"title": {"ilike": "m%"}}]}`, want: []string{"milk ", "mild"}},
			{name: "regexp is case-sensitive", give: `{"title": {"regexp": "^mil"}}`, want: []string{"milk", "milk ", "mild"}},
			{name: "regexp with i", give: `{"title": {"regexp": "/^mil/i"}}`, want: []string{"milk", "Milk", "MILK", "milk ", "mild"}},
			{name: "regexp classes", give: `{"title": {"regexp": "^[0-9]+%$"}}`, want: []string{"100%"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				w, err := repository.ParseWhere([]byte(tt.give))
				require.NoError(t, err)
				got, err := f.todos.Find(ctx, &repository.Filter{Where: w, Order: []string{"id"}})
				require.NoError(t, err)
				assert.Equal(t, tt.want, titles(got))
				n, err := f.todos.Count(ctx, w)
				require.NoError(t, err)
				assert.Equal(t, len(tt.want), n, "count agrees with find")
			})
		}
	})
}

// SQLite parses a chain of 5,000 ORs as a tree 5,000 deep and refuses it;
// the where is built as a balanced tree instead.
func TestRepository_LongOrListsWorkEverywhere(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, f *fixture) {
		require.NoError(t, f.todos.Create(t.Context(), &Todo{Title: "x4999"}))
		var or []any
		for i := range 5000 {
			or = append(or, map[string]any{"title": "x" + itoa(int64(i))})
		}
		got, err := f.todos.Find(t.Context(), &repository.Filter{Where: repository.Where{"or": or}})
		require.NoError(t, err)
		assert.Equal(t, []string{"x4999"}, titles(got))
		n, err := f.todos.UpdateAll(t.Context(), repository.Patch{"priority": 7}, repository.Where{"or": or})
		require.NoError(t, err)
		assert.Equal(t, int64(1), n)
	})
}

func TestRepository_UpdateAllWithWhere(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		require.NoError(t, f.todos.CreateAll(ctx, []*Todo{{Title: "hello"}, {Title: "goodbye"}, {Title: "Goodbye"}}))
		n, err := f.todos.UpdateAll(ctx, repository.Patch{"isComplete": true}, repository.Where{"title": "goodbye"})
		require.NoError(t, err)
		assert.Equal(t, int64(1), n)
		n, err = f.todos.UpdateAll(ctx, repository.Patch{"desc": "x"}, repository.Where{"or": []repository.Where{{"title": "hello"}, {"isComplete": true}}})
		require.NoError(t, err)
		assert.Equal(t, int64(2), n)
		done, err := f.todos.Find(ctx, &repository.Filter{Where: repository.Where{"desc": "x"}, Order: []string{"id"}})
		require.NoError(t, err)
		assert.Equal(t, []string{"hello", "goodbye"}, titles(done))
	})
}

// Text the database would refuse or mangle is refused before any SQL,
// the same way on every database.
func TestRepository_RefusesNULAndOverlongText(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		log := &queryLog{}
		//lint:ignore SA1019 the hook must be on the datasource's own *bun.DB, which the repository uses; WithQueryHook returns a copy
		f.ds.DB().AddQueryHook(log)
		var fe *repository.FieldError
		err := f.todos.Create(ctx, &Todo{Title: "a\x00b"})
		require.ErrorAs(t, err, &fe)
		assert.Equal(t, "title", fe.Field)
		assert.Contains(t, fe.Reason, "NUL")
		err = f.todos.CreateAll(ctx, []*Todo{{Title: "ok"}, {Title: "x", Desc: ptr("\x00")}})
		require.ErrorAs(t, err, &fe)
		assert.Equal(t, "desc", fe.Field)
		_, err = f.todos.UpdateAll(ctx, repository.Patch{"title": "a\x00"}, nil)
		require.ErrorAs(t, err, &fe)
		err = f.todos.ReplaceByID(ctx, 1, &Todo{Title: "\x00"})
		require.ErrorAs(t, err, &fe)
		assert.Zero(t, log.count(), "nothing reached the database")
	})
}

type note struct {
	bun.BaseModel `bun:"table:notes"`
	ID            int64  `bun:",pk,autoincrement" json:"id"`
	Body          string `bun:",notnull" json:"body"`
	Code          string `bun:"type:varchar(4)" json:"code"`
}

// The model's declared length applies everywhere (SQLite would store any
// length); where the model says nothing, the live column's size does once
// Properties has read it.
func TestRepository_LengthFromTheModelAndTheLiveColumn(t *testing.T) {
	t.Parallel()
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			db := testdb.Open(t, d)
			pk := map[testdb.Dialect]string{
				testdb.SQLite:   "integer PRIMARY KEY AUTOINCREMENT",
				testdb.Postgres: "bigserial PRIMARY KEY",
				testdb.MySQL:    "bigint AUTO_INCREMENT PRIMARY KEY",
			}[d]
			_, err := db.ExecContext(t.Context(), "CREATE TABLE notes (id "+pk+", body varchar(20) NOT NULL, code varchar(4))")
			require.NoError(t, err)
			ds := repository.NewSQL("db", db)
			notes, err := repository.New[note](ds)
			require.NoError(t, err)

			var fe *repository.FieldError
			err = notes.Create(t.Context(), &note{Body: "b", Code: "toolong"})
			require.ErrorAs(t, err, &fe, "declared: varchar(4)")
			assert.Equal(t, "code", fe.Field)
			assert.Contains(t, fe.Reason, "the value has 7 characters; the column holds at most 4")

			props, err := notes.Properties(t.Context())
			require.NoError(t, err)
			require.Len(t, props, 3)
			assert.Equal(t, repository.Property{Name: "body", Field: "Body", Column: "body", Type: props[1].Type, Required: true, MaxLength: 20}, props[1])
			assert.True(t, props[0].Generated)
			assert.True(t, props[0].PrimaryKey)
			assert.Equal(t, 4, props[2].MaxLength)
			err = notes.Create(t.Context(), &note{Body: strings.Repeat("é", 21)})
			require.ErrorAs(t, err, &fe, "live: varchar(20), counted in characters")
			assert.Equal(t, "body", fe.Field)
			require.NoError(t, notes.Create(t.Context(), &note{Body: strings.Repeat("é", 20)}))
		})
	}
}

func TestRepository_ConstraintErrors(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		var ce *repository.ConstraintError
		err := f.todos.Create(ctx, &Todo{Title: "x", TodoListID: ptr(int64(999))})
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, repository.ForeignKeyConstraint, ce.Constraint)
		assert.Equal(t, "Todo", ce.Model)

		list := &TodoList{Title: "home"}
		require.NoError(t, f.lists.Create(ctx, list))
		require.NoError(t, f.images.Create(ctx, &TodoListImage{TodoListID: list.ID, Value: "a"}))
		err = f.images.Create(ctx, &TodoListImage{TodoListID: list.ID, Value: "b"})
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, repository.UniqueConstraint, ce.Constraint)
	})
}

func TestProjection_LeavesOutWhatWasNotRead(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		list := &TodoList{Title: "home", Color: ptr("red")}
		require.NoError(t, f.lists.Create(ctx, list))
		done := &Todo{Title: "y", IsComplete: true, Priority: 3, TodoListID: &list.ID}
		require.NoError(t, f.todos.Create(ctx, done))
		empty := &TodoList{Title: "empty"}
		require.NoError(t, f.lists.Create(ctx, empty))

		tests := []struct {
			name string
			give string
			want string
		}{
			{name: "fields", give: `{"where": {"id": ` + itoa(done.ID) + `}, "fields": ["title"]}`, want: `[{"title":"y"}]`},
			{name: "fields object", give: `{"fields": {"title": true, "isComplete": true}}`, want: `[{"title":"y","isComplete":true}]`},
			{name: "exclusion", give: `{"fields": {"isComplete": false, "dueAt": false, "desc": false}}`, want: `[{"id":` + itoa(done.ID) + `,"title":"y","priority":3,"todoListId":` + itoa(list.ID) + `}]`},
			{name: "include keeps the keys it needs out", give: `{"fields": ["title"], "include": [{"relation": "todoList", "scope": {"fields": ["color"]}}]}`, want: `[{"title":"y","todoList":{"color":"red"}}]`},
			{name: "a relation is shown only when included", give: `{"fields": ["title", "todoListId"]}`, want: `[{"title":"y","todoListId":` + itoa(list.ID) + `}]`},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				filter, err := repository.ParseFilter([]byte(tt.give))
				require.NoError(t, err)
				rows, err := f.todos.Find(ctx, filter)
				require.NoError(t, err)
				p, err := f.todos.Projection(filter)
				require.NoError(t, err)
				got, err := p.Marshal(rows)
				require.NoError(t, err)
				assert.JSONEq(t, tt.want, string(got))
			})
		}

		filter, err := repository.ParseFilter([]byte(`{"order": "id", "fields": ["title"], "include": [{"relation": "todos", "scope": {"fields": ["title"]}}]}`))
		require.NoError(t, err)
		lists, err := f.lists.Find(ctx, filter)
		require.NoError(t, err)
		p, err := f.lists.Projection(filter)
		require.NoError(t, err)
		got, err := p.Marshal(lists)
		require.NoError(t, err)
		assert.JSONEq(t, `[{"title":"home","todos":[{"title":"y"}]},{"title":"empty","todos":[]}]`, string(got), "an included to-many relation is [] when empty")
		assert.Equal(t, []string{"title"}, p.Fields())
		assert.Equal(t, []string{"todos"}, p.Relations())

		one, err := f.todos.FindByID(ctx, done.ID, nil)
		require.NoError(t, err)
		p, err = f.todos.Projection(nil)
		require.NoError(t, err)
		got, err = p.Marshal(one)
		require.NoError(t, err)
		plain, err := json.Marshal(one)
		require.NoError(t, err)
		assert.JSONEq(t, string(plain), string(got), "without fields, the row's own JSON")
	})
}

// A scope narrows the included rows, never the rows they are included in:
// bun joins to-one relations into the main query, where a scope's where
// used to filter the todos themselves.
func TestInclude_ScopeNarrowsTheRelationNotTheRows(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		home, work := &TodoList{Title: "home"}, &TodoList{Title: "work"}
		require.NoError(t, f.lists.CreateAll(ctx, []*TodoList{home, work}))
		require.NoError(t, f.todos.CreateAll(ctx, []*Todo{
			{Title: "milk", TodoListID: &home.ID, Priority: 1},
			{Title: "bread", TodoListID: &home.ID, Priority: 2},
			{Title: "eggs", TodoListID: &home.ID, Priority: 3},
			{Title: "report", TodoListID: &work.ID, Priority: 1},
			{Title: "loose"},
		}))
		require.NoError(t, f.images.Create(ctx, &TodoListImage{TodoListID: home.ID, Value: "a house"}))

		filter, err := repository.ParseFilter([]byte(`{"order": "id", "include": [{"relation": "todoList", "scope": {"where": {"title": "work"}}}]}`))
		require.NoError(t, err)
		todos, err := f.todos.Find(ctx, filter)
		require.NoError(t, err)
		require.Equal(t, []string{"milk", "bread", "eggs", "report", "loose"}, titles(todos), "every todo, whatever the scope")
		assert.Nil(t, todos[0].TodoList, "home is not work")
		require.NotNil(t, todos[3].TodoList)
		assert.Equal(t, "work", todos[3].TodoList.Title)

		filter, err = repository.ParseFilter([]byte(`{"order": "id", "include": ["image", {"relation": "todos", "scope": {"order": "priority DESC", "limit": 2, "include": ["todoList"]}}]}`))
		require.NoError(t, err)
		lists, err := f.lists.Find(ctx, filter)
		require.NoError(t, err)
		require.Len(t, lists, 2)
		require.NotNil(t, lists[0].Image, "has-one")
		assert.Equal(t, "a house", lists[0].Image.Value)
		assert.Nil(t, lists[1].Image)
		assert.Equal(t, []string{"eggs", "bread"}, titles(lists[0].Todos), "the scope's limit applies per list")
		assert.Equal(t, []string{"report"}, titles(lists[1].Todos))
		require.NotNil(t, lists[0].Todos[0].TodoList, "nested include")
		assert.Equal(t, "home", lists[0].Todos[0].TodoList.Title)

		_, err = f.lists.Find(ctx, &repository.Filter{Include: []repository.Include{{Relation: "image", Scope: &repository.Filter{Where: repository.Where{"nope": 1}}}}})
		var fe *repository.FieldError
		require.ErrorAs(t, err, &fe)
		assert.Equal(t, "TodoListImage", fe.Model)
	})
}

func TestHasOne(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		list := &TodoList{Title: "home"}
		require.NoError(t, f.lists.Create(ctx, list))

		_, err := f.listImage.Get(ctx, list.ID, nil)
		assert.ErrorIs(t, err, repository.ErrNotFound)
		img := &TodoListImage{TodoListID: 999, Value: "a picture"}
		require.NoError(t, f.listImage.Create(ctx, list.ID, img))
		assert.Equal(t, list.ID, img.TodoListID, "the relation sets the key")
		err = f.listImage.Create(ctx, list.ID, &TodoListImage{Value: "another"})
		assert.ErrorIs(t, err, repository.ErrConflict)

		got, err := f.listImage.Get(ctx, list.ID, nil)
		require.NoError(t, err)
		assert.Equal(t, "a picture", got.Value)
		n, err := f.listImage.Patch(ctx, list.ID, repository.Patch{"value": "a drawing"}, nil)
		require.NoError(t, err)
		assert.Equal(t, int64(1), n)
		got, err = f.listImage.Get(ctx, list.ID, &repository.Filter{Include: []repository.Include{{Relation: "todoList"}}})
		require.NoError(t, err)
		assert.Equal(t, "a drawing", got.Value)
		require.NotNil(t, got.TodoList)
		n, err = f.listImage.Delete(ctx, list.ID, nil)
		require.NoError(t, err)
		assert.Equal(t, int64(1), n)
		_, err = f.listImage.Get(ctx, 999, nil)
		assert.ErrorIs(t, err, repository.ErrNotFound)
		assert.Equal(t, "image", f.listImage.Name())
	})
}

type Doctor struct {
	bun.BaseModel `bun:"table:doctors"`
	ID            int64      `bun:",pk,autoincrement" json:"id"`
	Name          string     `bun:",notnull" json:"name"`
	Patients      []*Patient `bun:"m2m:appointments,join:Doctor=Patient" json:"patients,omitempty"`
}

type Patient struct {
	bun.BaseModel `bun:"table:patients"`
	ID            int64  `bun:",pk,autoincrement" json:"id"`
	Name          string `bun:",notnull" json:"name"`
}

type Appointment struct {
	bun.BaseModel `bun:"table:appointments"`
	DoctorID      int64    `bun:",pk" json:"doctorId"`
	Doctor        *Doctor  `bun:"rel:belongs-to,join:doctor_id=id,on_delete:cascade" json:"doctor,omitempty"`
	PatientID     int64    `bun:",pk" json:"patientId"`
	Patient       *Patient `bun:"rel:belongs-to,join:patient_id=id,on_delete:cascade" json:"patient,omitempty"`
}

func TestHasManyThrough(t *testing.T) {
	t.Parallel()
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			ds, err := repository.Open("db", testdb.URL(t, d))
			require.NoError(t, err)
			t.Cleanup(func() { _ = ds.Close() })
			_, err = repository.New[Doctor](ds)
			require.ErrorContains(t, err, `model "Doctor": field Patients goes through table "appointments", which no model of datasource "db" has`)

			ds.Attach((*Appointment)(nil))
			doctors, err := repository.New[Doctor](ds)
			require.NoError(t, err)
			patients, err := repository.New[Patient](ds)
			require.NoError(t, err)
			of, err := repository.NewHasManyThrough(doctors, patients, "patients")
			require.NoError(t, err)
			_, err = ds.Migrator().Migrate(ctx, schema.MigrateOptions{})
			require.NoError(t, err)

			house, grey := &Doctor{Name: "House"}, &Doctor{Name: "Grey"}
			require.NoError(t, doctors.CreateAll(ctx, []*Doctor{house, grey}))
			ann, bob := &Patient{Name: "Ann"}, &Patient{Name: "Bob"}
			require.NoError(t, of.Create(ctx, house.ID, ann))
			require.NoError(t, of.Create(ctx, house.ID, bob))
			require.NoError(t, of.Link(ctx, grey.ID, bob.ID))
			assert.ErrorIs(t, of.Link(ctx, grey.ID, 999), repository.ErrNotFound)

			got, err := of.Find(ctx, house.ID, &repository.Filter{Order: []string{"name DESC"}})
			require.NoError(t, err)
			assert.Equal(t, []string{"Bob", "Ann"}, names(got))
			got, err = of.Find(ctx, grey.ID, nil)
			require.NoError(t, err)
			assert.Equal(t, []string{"Bob"}, names(got))

			filter, err := repository.ParseFilter([]byte(`{"order": "id", "include": [{"relation": "patients", "scope": {"order": "name"}}]}`))
			require.NoError(t, err)
			withPatients, err := doctors.Find(ctx, filter)
			require.NoError(t, err)
			require.Len(t, withPatients, 2)
			assert.Equal(t, []string{"Ann", "Bob"}, names(withPatients[0].Patients))
			assert.Equal(t, []string{"Bob"}, names(withPatients[1].Patients))

			n, err := of.Patch(ctx, house.ID, repository.Patch{"name": "Ann B."}, repository.Where{"name": "Ann"})
			require.NoError(t, err)
			assert.Equal(t, int64(1), n)
			require.NoError(t, of.Unlink(ctx, house.ID, bob.ID))
			assert.ErrorIs(t, of.Unlink(ctx, house.ID, bob.ID), repository.ErrNotFound)
			got, err = of.Find(ctx, house.ID, nil)
			require.NoError(t, err)
			assert.Equal(t, []string{"Ann B."}, names(got))

			n, err = of.Delete(ctx, grey.ID, nil)
			require.NoError(t, err)
			assert.Equal(t, int64(1), n)
			left, err := patients.Find(ctx, nil)
			require.NoError(t, err)
			assert.Equal(t, []string{"Ann B."}, names(left), "Bob and his links are gone")
			_, err = of.Find(ctx, 999, nil)
			assert.ErrorIs(t, err, repository.ErrNotFound)
		})
	}
}

func names[T interface{ *Doctor | *Patient }](rows []T) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		switch v := any(r).(type) {
		case *Doctor:
			out[i] = v.Name
		case *Patient:
			out[i] = v.Name
		}
	}
	return out
}

func TestLimits_Check(t *testing.T) {
	t.Parallel()
	many := func(n int) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = `{"title": "x"}`
		}
		return `{"where": {"or": [` + strings.Join(parts, ",") + `]}}`
	}
	tests := []struct {
		name  string
		give  string
		limit repository.Limits
		want  string
	}{
		{name: "conditions", give: many(201), want: "the where has more than 200 conditions; the limit is 200 (conditions)"},
		{name: "depth", give: `{"where": {"or": [{"and": [{"or": [{"and": [{"or": [{"and": [{"or": [{"and": [{"title": "x"}]}]}]}]}]}]}]}]}}`, want: "and/or are nested 9 deep; the limit is 8 (depth)"},
		{name: "values", give: `{"where": {"id": {"inq": [1, 2, 3]}}}`, limit: repository.Limits{Values: 2}, want: `inq of "id" has 3 values; the limit is 2 (values)`},
		{name: "includes", give: `{"include": [{"relation": "a", "scope": {"include": [{"relation": "b", "scope": {}}]}}]}`, limit: repository.Limits{Includes: 2}, want: "include scopes are nested 3 deep; the limit is 2 (includes)"},
		{name: "scopes count", give: `{"where": {"a": 1}, "include": [{"relation": "a", "scope": {"where": {"b": 1, "c": 2}}}]}`, limit: repository.Limits{Conditions: 2}, want: "more than 2 conditions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := repository.ParseFilter([]byte(tt.give))
			require.NoError(t, err)
			err = tt.limit.Check(f)
			var le *repository.LimitError
			require.ErrorAs(t, err, &le)
			assert.ErrorContains(t, err, tt.want)
		})
	}
	for _, ok := range []struct {
		give  string
		limit repository.Limits
	}{
		{give: many(200)},
		{give: many(201), limit: repository.Limits{Conditions: 500}},
		{give: many(5000), limit: repository.Limits{Conditions: -1}},
	} {
		f, err := repository.ParseFilter([]byte(ok.give))
		require.NoError(t, err)
		assert.NoError(t, ok.limit.Check(f))
	}
}
