// Package snippets holds the Go snippets of README.md and docs/*.md in code
// that compiles and that go vet checks; snippets_test.go checks that every
// snippet in the documents appears here (or in examples/) verbatim.
package snippets

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"

	"github.com/uptrace/bun"
	"go.uber.org/fx"

	"github.com/slipwaygo/slipway/app"
	"github.com/slipwaygo/slipway/boot"
	"github.com/slipwaygo/slipway/docs/snippets/shop"
	"github.com/slipwaygo/slipway/repository"
	"github.com/slipwaygo/slipway/rest"
	"github.com/slipwaygo/slipway/schema"
)

type TodoList struct {
	bun.BaseModel `bun:"table:todo_lists"`

	ID    int64   `bun:"id,pk,autoincrement" json:"id"`
	Title string  `bun:"title,notnull" json:"title"`
	Color *string `bun:"color" json:"color,omitempty"`

	Todos []*Todo `bun:"rel:has-many,join:id=todo_list_id" json:"todos,omitempty"`
}

// models.md, migrations.md: indexes in the slipway tag.
type Todo struct {
	bun.BaseModel `bun:"table:todos"`
	ID            int64     `bun:",pk,autoincrement"`
	Title         string    `bun:",notnull" slipway:"index"`        // todos_title_idx
	Slug          string    `bun:",notnull" slipway:"unique_index"` // todos_slug_key
	TodoListID    int64     `slipway:"index:todos_list_done_idx"`   // composite,
	IsComplete    bool      `slipway:"index:todos_list_done_idx"`   // in field order
	TodoList      *TodoList `bun:"rel:belongs-to,join:todo_list_id=id,on_delete:cascade"`
}

type Member struct {
	bun.BaseModel `bun:"table:members"`
	ID            int64  `bun:",pk,autoincrement"`
	Email         string `bun:",notnull"`
	TeamID        int64
	Active        bool
}

func (*Member) Indexes() []schema.Index {
	return []schema.Index{
		{Name: "members_lower_email_key", Expr: "lower(email)", Unique: true},
		{Name: "members_active_team_idx", Columns: []string{"team_id"}, Where: "active"},
	}
}

type Sale struct {
	bun.BaseModel `bun:"table:sales"`
	ID            int64 `bun:",pk,autoincrement"`
}

type Task struct {
	bun.BaseModel `bun:"table:tasks"`
	ID            int64  `bun:",pk,autoincrement"`
	Title         string `bun:",notnull"`
}

// repositories.md: a many-to-many relation.
type Doctor struct {
	bun.BaseModel `bun:"table:doctors"`
	ID            int64      `bun:",pk,autoincrement"`
	Patients      []*Patient `bun:"m2m:appointments,join:Doctor=Patient"`
}

type Patient struct {
	bun.BaseModel `bun:"table:patients"`
	ID            int64  `bun:",pk,autoincrement"`
	Name          string `bun:",notnull"`
}

type Appointment struct {
	bun.BaseModel `bun:"table:appointments"`
	DoctorID      int64    `bun:",pk"`
	Doctor        *Doctor  `bun:"rel:belongs-to,join:doctor_id=id"`
	PatientID     int64    `bun:",pk"`
	Patient       *Patient `bun:"rel:belongs-to,join:patient_id=id"`
}

func hasManyThrough(ctx context.Context, doctors *repository.Repository[Doctor], patients *repository.Repository[Patient], doctorID, otherDoctorID int64) (err error) {
	patientsOf, err := repository.NewHasManyThrough(doctors, patients, "patients")
	if err != nil {
		return err
	}
	ann := &Patient{Name: "Ann"}
	err = patientsOf.Create(ctx, doctorID, ann) // the patient and the appointment, in one transaction
	err = patientsOf.Link(ctx, otherDoctorID, ann.ID)
	mine, err := patientsOf.Find(ctx, doctorID, &repository.Filter{Order: []string{"name"}})
	err = patientsOf.Unlink(ctx, otherDoctorID, ann.ID)
	_ = mine
	return err
}

// migrations.md.
func migrator(ctx context.Context, db *bun.DB) error {
	m := schema.NewMigrator(db, (*Todo)(nil), (*TodoList)(nil)) // no I/O here
	plan, err := m.Migrate(ctx, schema.MigrateOptions{})        // alter: keep every row
	if err != nil {
		return err
	}
	_ = plan
	return nil
}

func printPlan(ctx context.Context, m *schema.Migrator) error {
	plan, err := m.Plan(ctx, schema.MigrateOptions{})
	fmt.Print(plan)
	return err
}

// getting-started.md.
func gettingStarted() {
	ctx := context.Background()
	a := app.New(
		boot.DefaultDataSource("sqlite:app.db"), // "db"; DATABASE_URL wins when set
		boot.Repository[Todo]("db"),
		rest.Module(rest.Config{Addr: "127.0.0.1:3000"}),
		rest.Model[Todo]("/todos"), // LoopBack's CRUD routes, OpenAPI, /ping, /health
	)
	if err := a.Boot(ctx); err != nil {
		log.Fatal(err)
	}
	if err := a.Listen(ctx); err != nil { // the port, before migrating
		log.Fatal(err)
	}
	if err := a.MigrateSchema(ctx, schema.MigrateOptions{}); err != nil {
		log.Fatal(err)
	}
	a.Run()
}

func severalDatasources() *app.App {
	a := app.New(
		boot.DefaultDataSource("sqlite:app.db"),
		boot.DataSource("reports", "postgres://reports@db.internal:5432/reports"),
		boot.HTTPDataSource("geocoder", os.Getenv("GEOCODER_URL")), // not migratable
		boot.Repository[Todo]("db"),
		boot.Repository[Sale]("reports"),
	)
	return a
}

// repositories.md.
func openRepository() (err error) {
	ds, err := repository.Open("db", "sqlite:todo.db")
	if err != nil {
		return err
	}
	todos, err := repository.New[Todo](ds)
	if err != nil {
		return err
	}
	_ = todos
	return nil
}

func crud(ctx context.Context, todos *repository.Repository[Todo]) (err error) {
	err = todos.Create(ctx, &Todo{Title: "milk"}) // sets the generated id
	err = todos.CreateAll(ctx, []*Todo{{Title: "bread"}, {Title: "eggs"}})

	todo, err := todos.FindByID(ctx, 42, nil)
	if errors.Is(err, repository.ErrNotFound) {
		// 404
	}
	first, err := todos.FindOne(ctx, &repository.Filter{Where: repository.Where{"title": "milk"}})
	open, err := todos.Find(ctx, &repository.Filter{Where: repository.Where{"isComplete": false}})
	n, err := todos.Count(ctx, repository.Where{"isComplete": true})
	ok, err := todos.Exists(ctx, 42)

	err = todos.UpdateByID(ctx, 42, repository.Patch{"isComplete": true}) // only these fields
	updated, err := todos.UpdateAll(ctx, repository.Patch{"isComplete": false}, repository.Where{"title": "welcome"})
	err = todos.ReplaceByID(ctx, 42, &Todo{Title: "oat milk"}) // every field
	err = todos.DeleteByID(ctx, 42)
	deleted, err := todos.DeleteAll(ctx, repository.Where{"isComplete": true})
	_, _, _, _, _, _, _ = todo, first, open, n, ok, updated, deleted
	return err
}

func filters(ctx context.Context, todos *repository.Repository[Todo]) error {
	f, err := repository.ParseFilter([]byte(`{
	"where": {"and": [{"isComplete": false}, {"title": {"like": "%milk%"}}]},
	"order": ["title ASC", "id DESC"],
	"limit": 10, "offset": 20,
	"fields": ["id", "title"],
	"include": [{"relation": "todoList"}]
}`))
	if err != nil {
		return err // malformed JSON, an unknown key: answer 400
	}
	page, err := todos.Find(ctx, f)
	_ = page
	return err
}

func relations(ctx context.Context, lists *repository.Repository[TodoList], todos *repository.Repository[Todo], listID int64) (err error) {
	todosOf, err := repository.NewHasMany(lists, todos, "todos")
	if err != nil {
		return err
	}
	listOf, err := repository.NewBelongsTo(todos, lists, "todoList")
	if err != nil {
		return err
	}

	milk := &Todo{Title: "milk"}
	err = todosOf.Create(ctx, listID, milk) // sets milk.TodoListID
	inList, err := todosOf.Find(ctx, listID, &repository.Filter{Order: []string{"title"}})
	done, err := todosOf.Patch(ctx, listID, repository.Patch{"isComplete": true}, nil)
	removed, err := todosOf.Delete(ctx, listID, repository.Where{"isComplete": true})
	list, err := listOf.Get(ctx, milk.ID, nil) // ErrNotFound when it has no list
	_, _, _, _ = inList, done, removed, list
	return err
}

func transaction(ctx context.Context, ds *repository.SQL, todos *repository.Repository[Todo]) (err error) {
	err = ds.DB().RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		ctx = repository.WithDB(ctx, ds, tx)
		if err := todos.Create(ctx, &Todo{Title: "a"}); err != nil {
			return err
		}
		return todos.Create(ctx, &Todo{Title: "b"}) // both or neither
	})
	return err
}

// seeding.md.
func hook() fx.Option {
	return fx.Options(
		app.AsHook(func(tasks *repository.Repository[Task]) app.Hook {
			return app.Hook{Name: "welcome", Run: func(ctx context.Context) error {
				exists, err := tasks.Count(ctx, repository.Where{"title": "welcome"})
				if err != nil || exists > 0 {
					return err
				}
				return tasks.Create(ctx, &Task{Title: "welcome"})
			}}
		}),
	)
}

var _ = []any{migrator, printPlan, gettingStarted, severalDatasources, openRepository, crud, filters, relations, hasManyThrough, transaction, hook, roundTrip, discoverFromGo, loopBack}

// discovery.md: the models slipway discover wrote (package shop, verbatim)
// find the database they came from actual.
func roundTrip(ctx context.Context, db *bun.DB) error {
	m := schema.NewMigrator(db, shop.Models...)
	plan, err := m.Plan(ctx, schema.MigrateOptions{})
	fmt.Print(plan)
	actual, err := m.IsActual(ctx)
	fmt.Println("actual:", actual, err)
	return err
}

// discovery.md: discovery from Go.
func discoverFromGo(ctx context.Context, db *bun.DB) error {
	tables, err := schema.ListTables(ctx, db, schema.ListOptions{}) // this schema's tables and views
	orders, err := schema.DiscoverTable(ctx, db, "orders")          // one table: columns, keys, indexes
	disc, err := schema.Discover(ctx, db, schema.DiscoverOptions{Tables: []string{"orders"}})
	src, err := disc.ModelSource("shop") // src.Code, src.Unsupported
	_, _, _ = tables, orders, src
	return err
}

// discovery.md: LoopBack model definitions.
func loopBack(ctx context.Context, db *bun.DB) error {
	v1, err := os.ReadFile("models/customer-test.json")
	models, err := schema.LoopBackModels(db, v1)
	plan, err := schema.NewMigrator(db, models...).Migrate(ctx, schema.MigrateOptions{})
	_ = plan
	return err
}
