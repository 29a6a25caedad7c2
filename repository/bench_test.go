package repository_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/uptrace/bun"

	"github.com/slipwaygo/slipway/internal/testdb"
	"github.com/slipwaygo/slipway/repository"
	"github.com/slipwaygo/slipway/schema"
)

// The repository against raw bun for the same operations, on the same
// database: the difference is the repository's overhead (resolving names,
// converting values, checking text, building the query). Each operation is
// measured alone; DeleteByID deletes rows inserted before the timer starts,
// the same way for both sides, and the other operations start timing after
// one warm-up pass. Beside the wall time, each reports the CPU time the
// process used per call (cpu-ns/op): on a machine shared with other work it
// varies far less, and for SQLite it holds the database's own work too.

func benchFixture(b *testing.B, d testdb.Dialect) (*repository.Repository[Todo], *bun.DB, []int64) {
	b.Helper()
	ds, err := repository.Open("db", testdb.URL(b, d))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = ds.Close() })
	if _, err := repository.New[TodoList](ds); err != nil {
		b.Fatal(err)
	}
	todos, err := repository.New[Todo](ds)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := ds.Migrator().Migrate(ctx, schema.MigrateOptions{}); err != nil {
		b.Fatal(err)
	}
	return todos, ds.DB(), insertTodos(b, todos, 200)
}

// insertTodos inserts n rows, in batches, and returns their ids.
func insertTodos(b *testing.B, todos *repository.Repository[Todo], n int) []int64 {
	b.Helper()
	ids := make([]int64, 0, n)
	for len(ids) < n {
		rows := make([]*Todo, min(n-len(ids), 500))
		for i := range rows {
			rows[i] = &Todo{Title: fmt.Sprintf("todo %d", len(ids)+i), Priority: (len(ids) + i) % 5}
		}
		if err := todos.CreateAll(context.Background(), rows); err != nil {
			b.Fatal(err)
		}
		for _, r := range rows {
			ids = append(ids, r.ID)
		}
	}
	return ids
}

func BenchmarkCRUD(b *testing.B) {
	for _, d := range testdb.Dialects {
		todos, db, ids := benchFixture(b, d)
		ctx := context.Background()
		filter := &repository.Filter{Where: repository.Where{"priority": repository.Cond{"gte": 2}, "isComplete": false}, Order: []string{"id DESC"}, Limit: 10}

		// Each op runs fn(i) for i in [0, b.N); setup, when set, runs
		// before the timer starts and returns the ids fn uses.
		// Every update changes the row's value: MySQL skips the write of an
		// UPDATE that sets what is there, which would make the side that
		// runs second time less.
		updates := map[int64]int{}
		nextPriority := func(id int64) int {
			updates[id]++
			return updates[id] % 5
		}
		ops := []struct {
			name  string
			setup func(b *testing.B) []int64
			repo  func(ids []int64, i int) error
			bun   func(ids []int64, i int) error
		}{
			{
				name: "Create",
				repo: func(_ []int64, i int) error { return todos.Create(ctx, &Todo{Title: "bench", Priority: i % 5}) },
				bun: func(_ []int64, i int) error {
					_, err := db.NewInsert().Model(&Todo{Title: "bench", Priority: i % 5}).Exec(ctx)
					return err
				},
			},
			{
				name: "FindByID",
				repo: func(ids []int64, i int) error { _, err := todos.FindByID(ctx, ids[i%len(ids)], nil); return err },
				bun: func(ids []int64, i int) error {
					t := new(Todo)
					return db.NewSelect().Model(t).Where("?TableAlias.? = ?", bun.Ident("id"), ids[i%len(ids)]).Limit(1).Scan(ctx)
				},
			},
			{
				name: "Find",
				repo: func([]int64, int) error { _, err := todos.Find(ctx, filter); return err },
				bun: func([]int64, int) error {
					var ts []*Todo
					return db.NewSelect().Model(&ts).Where("?TableAlias.? = ?", bun.Ident("is_complete"), false).
						Where("?TableAlias.? >= ?", bun.Ident("priority"), 2).OrderExpr("?TableAlias.? DESC", bun.Ident("id")).Limit(10).Scan(ctx)
				},
			},
			{
				name: "Count",
				repo: func([]int64, int) error {
					_, err := todos.Count(ctx, repository.Where{"isComplete": false})
					return err
				},
				bun: func([]int64, int) error {
					_, err := db.NewSelect().Model((*Todo)(nil)).Where("?TableAlias.? = ?", bun.Ident("is_complete"), false).Count(ctx)
					return err
				},
			},
			{
				name: "UpdateByID",
				repo: func(ids []int64, i int) error {
					id := ids[i%len(ids)]
					return todos.UpdateByID(ctx, id, repository.Patch{"priority": nextPriority(id)})
				},
				bun: func(ids []int64, i int) error {
					id := ids[i%len(ids)]
					_, err := db.NewUpdate().Model((*Todo)(nil)).Set("? = ?", bun.Ident("priority"), nextPriority(id)).Where("? = ?", bun.Ident("id"), id).Exec(ctx)
					return err
				},
			},
			{
				name:  "DeleteByID",
				setup: func(b *testing.B) []int64 { return insertTodos(b, todos, b.N) },
				repo:  func(ids []int64, i int) error { return todos.DeleteByID(ctx, ids[i]) },
				bun: func(ids []int64, i int) error {
					_, err := db.NewDelete().Model((*Todo)(nil)).Where("? = ?", bun.Ident("id"), ids[i]).Exec(ctx)
					return err
				},
			},
		}
		for _, op := range ops {
			for _, impl := range []struct {
				name string
				fn   func([]int64, int) error
			}{{"repository", op.repo}, {"bun", op.bun}} {
				b.Run(fmt.Sprintf("%s/%s/%s", d, op.name, impl.name), func(b *testing.B) {
					b.ReportAllocs()
					use := ids
					if op.setup != nil {
						use = op.setup(b)
					} else {
						// One untimed pass over the ids, so that both sides
						// time a warm connection: pgx prepares and caches a
						// statement per distinct SQL text.
						for i := range ids {
							if err := impl.fn(use, i); err != nil {
								b.Fatal(err)
							}
						}
					}
					b.ResetTimer()
					cpu0, cpuOK := cpuTime()
					for i := 0; i < b.N; i++ {
						if err := impl.fn(use, i); err != nil {
							b.Fatal(err)
						}
					}
					if cpu1, ok := cpuTime(); ok && cpuOK {
						b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
					}
				})
			}
		}
	}
}
