package schema_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/slipwaygo/slipway/internal/testdb"
	"github.com/slipwaygo/slipway/schema"
)

// benchModels returns n distinct model types, each a table with a primary
// key, five columns, a unique constraint, an index and (after the first) a
// foreign key to the previous table.
func benchModels(n int) []any {
	models := make([]any, 0, n)
	var prev reflect.Type
	for i := range n {
		fields := []reflect.StructField{
			{Name: "BaseModel", Type: reflect.TypeFor[bun.BaseModel](), Anonymous: true, Tag: reflect.StructTag(fmt.Sprintf(`bun:"table:bench_%03d"`, i))},
			{Name: "ID", Type: reflect.TypeFor[int64](), Tag: `bun:",pk,autoincrement"`},
			{Name: "Name", Type: reflect.TypeFor[string](), Tag: `bun:"type:varchar(100),notnull" slipway:"index"`},
			{Name: "Email", Type: reflect.TypeFor[string](), Tag: `bun:"type:varchar(200),unique"`},
			{Name: "Count", Type: reflect.TypeFor[int64](), Tag: `bun:",notnull,default:0"`},
			{Name: "CreatedAt", Type: reflect.TypeFor[time.Time](), Tag: `bun:",notnull,default:current_timestamp"`},
		}
		if prev != nil {
			fields = append(fields,
				reflect.StructField{Name: "ParentID", Type: reflect.TypeFor[*int64]()},
				reflect.StructField{Name: "Parent", Type: reflect.PointerTo(prev), Tag: `bun:"rel:belongs-to,join:parent_id=id"`})
		}
		typ := reflect.StructOf(fields)
		models = append(models, reflect.New(typ).Interface())
		prev = typ
	}
	return models
}

// queryCounter counts the statements bun sends, BEGIN and COMMIT included:
// each is one round trip to the database.
type queryCounter struct{ n int }

func (c *queryCounter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}
func (c *queryCounter) AfterQuery(context.Context, *bun.QueryEvent) { c.n++ }

// BenchmarkPlan_Actual plans against a database that already matches the
// models: the cost every application start pays.
func BenchmarkPlan_Actual(b *testing.B) {
	benchActual(b, false, func(ctx context.Context, m *schema.Migrator) (*schema.Plan, error) {
		return m.Plan(ctx, schema.MigrateOptions{})
	})
}

// BenchmarkMigrate_Actual is Migrate on an actual database: the lock, the
// transaction and a plan that turns out empty.
func BenchmarkMigrate_Actual(b *testing.B) {
	benchActual(b, false, func(ctx context.Context, m *schema.Migrator) (*schema.Plan, error) {
		return m.Migrate(ctx, schema.MigrateOptions{})
	})
}

// BenchmarkStart is what an application start pays when nothing changed:
// a new Migrator for the models (as a new process makes) and its Migrate.
// bun's own table cache is warm, as it is for BenchmarkBlindLoop.
func BenchmarkStart(b *testing.B) {
	benchActual(b, true, func(ctx context.Context, m *schema.Migrator) (*schema.Plan, error) {
		return m.Migrate(ctx, schema.MigrateOptions{})
	})
}

// benchSizes are the numbers of models the benchmarks run at.
var benchSizes = []int{10, 100, 500, 2000}

// BenchmarkBlindLoop is the reference a no-op Migrate is held to: bun's
// CREATE TABLE IF NOT EXISTS for every model, on a database where the
// tables exist. It detects nothing.
func BenchmarkBlindLoop(b *testing.B) {
	for _, d := range testdb.Dialects {
		for _, n := range benchSizes {
			b.Run(fmt.Sprintf("%s/tables=%d", d, n), func(b *testing.B) {
				db := testdb.Open(b, d)
				models := benchModels(n)
				ctx := context.Background()
				if _, err := schema.NewMigrator(db, models...).Migrate(ctx, schema.MigrateOptions{}); err != nil {
					b.Fatal(err)
				}
				counter := &queryCounter{}
				db = db.WithQueryHook(counter)
				b.ResetTimer()
				for b.Loop() {
					for _, m := range models {
						if _, err := db.NewCreateTable().Model(m).IfNotExists().Exec(ctx); err != nil {
							b.Fatal(err)
						}
					}
				}
				b.ReportMetric(float64(counter.n)/float64(b.N), "queries/op")
			})
		}
	}
}

// benchActual times run on a database that matches the models, with one
// Migrator, or with a new one per call when fresh.
func benchActual(b *testing.B, fresh bool, run func(context.Context, *schema.Migrator) (*schema.Plan, error)) {
	for _, d := range testdb.Dialects {
		for _, n := range benchSizes {
			b.Run(fmt.Sprintf("%s/tables=%d", d, n), func(b *testing.B) {
				db := testdb.Open(b, d)
				models := benchModels(n)
				ctx := context.Background()
				for i := range 2 { // the second run keeps the schema state
					if i == 1 && d == testdb.MySQL {
						time.Sleep(2100 * time.Millisecond) // MariaDB keeps no stamp younger than 2 s
					}
					if _, err := schema.NewMigrator(db, models...).Migrate(ctx, schema.MigrateOptions{}); err != nil {
						b.Fatal(err)
					}
				}
				counter := &queryCounter{}
				db = db.WithQueryHook(counter)
				m := schema.NewMigrator(db, models...)
				b.ResetTimer()
				for b.Loop() {
					if fresh {
						m = schema.NewMigrator(db, models...)
					}
					plan, err := run(ctx, m)
					if err != nil {
						b.Fatal(err)
					}
					if !plan.Empty() {
						b.Fatalf("spurious changes:\n%s", plan)
					}
				}
				b.ReportMetric(float64(counter.n)/float64(b.N), "queries/op")
			})
		}
	}
}

// BenchmarkCold is a first start on an empty database: Migrate creating
// every table, with its indexes and foreign keys.
func BenchmarkCold(b *testing.B) {
	benchCold(b, func(ctx context.Context, db *bun.DB, models []any) error {
		_, err := schema.NewMigrator(db, models...).Migrate(ctx, schema.MigrateOptions{})
		return err
	})
}

// BenchmarkBlindLoopCold is the blind loop on an empty database, doing
// the work Migrate does there: bun's CREATE TABLE IF NOT EXISTS for every
// model with its foreign keys, and CREATE INDEX IF NOT EXISTS for the field
// tagged slipway:"index" (as bench/compare's blind loop).
func BenchmarkBlindLoopCold(b *testing.B) {
	benchCold(b, func(ctx context.Context, db *bun.DB, models []any) error {
		for _, m := range models {
			if _, err := db.NewCreateTable().Model(m).IfNotExists().WithForeignKeys().Exec(ctx); err != nil {
				return err
			}
			table := db.Table(reflect.TypeOf(m).Elem())
			if _, err := db.NewCreateIndex().Model(m).IfNotExists().Index(table.Name + "_name_idx").Column("name").Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
}

func benchCold(b *testing.B, create func(context.Context, *bun.DB, []any) error) {
	for _, d := range testdb.Dialects {
		for _, n := range benchSizes {
			b.Run(fmt.Sprintf("%s/tables=%d", d, n), func(b *testing.B) {
				db := testdb.Open(b, d)
				models := benchModels(n)
				ctx := context.Background()
				for b.Loop() {
					b.StopTimer()
					dropBenchTables(b, db, n)
					b.StartTimer()
					if err := create(ctx, db, models); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// dropBenchTables drops the tables of benchModels(n), the last first (each
// references the one before), one statement each.
func dropBenchTables(b *testing.B, db *bun.DB, n int) {
	b.Helper()
	for i := n - 1; i >= 0; i-- {
		if _, err := db.ExecContext(context.Background(), "DROP TABLE IF EXISTS ?", bun.Ident(fmt.Sprintf("bench_%03d", i))); err != nil {
			b.Fatal(err)
		}
	}
}
