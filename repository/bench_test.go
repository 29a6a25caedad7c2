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
// converting values, building the query).

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
	rows := make([]*Todo, 200)
	for i := range rows {
		rows[i] = &Todo{Title: fmt.Sprintf("todo %d", i), Priority: i % 5}
	}
	if err := todos.CreateAll(ctx, rows); err != nil {
		b.Fatal(err)
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	return todos, ds.DB(), ids
}

func BenchmarkCRUD(b *testing.B) {
	for _, d := range testdb.Dialects {
		todos, db, ids := benchFixture(b, d)
		ctx := context.Background()
		filter := &repository.Filter{Where: repository.Where{"priority": repository.Cond{"gte": 2}, "isComplete": false}, Order: []string{"id DESC"}, Limit: 10}

		ops := []struct {
			name string
			repo func(i int) error
			bun  func(i int) error
		}{
			{
				name: "FindByID",
				repo: func(i int) error { _, err := todos.FindByID(ctx, ids[i%len(ids)], nil); return err },
				bun: func(i int) error {
					t := new(Todo)
					return db.NewSelect().Model(t).Where("?TableAlias.? = ?", bun.Ident("id"), ids[i%len(ids)]).Limit(1).Scan(ctx)
				},
			},
			{
				name: "Find",
				repo: func(int) error { _, err := todos.Find(ctx, filter); return err },
				bun: func(int) error {
					var ts []*Todo
					return db.NewSelect().Model(&ts).Where("?TableAlias.? = ?", bun.Ident("is_complete"), false).
						Where("?TableAlias.? >= ?", bun.Ident("priority"), 2).OrderExpr("?TableAlias.? DESC", bun.Ident("id")).Limit(10).Scan(ctx)
				},
			},
			{
				name: "Count",
				repo: func(int) error { _, err := todos.Count(ctx, repository.Where{"isComplete": false}); return err },
				bun: func(int) error {
					_, err := db.NewSelect().Model((*Todo)(nil)).Where("?TableAlias.? = ?", bun.Ident("is_complete"), false).Count(ctx)
					return err
				},
			},
			{
				name: "UpdateByID",
				repo: func(i int) error { return todos.UpdateByID(ctx, ids[i%len(ids)], repository.Patch{"priority": i % 5}) },
				bun: func(i int) error {
					_, err := db.NewUpdate().Model((*Todo)(nil)).Set("? = ?", bun.Ident("priority"), i%5).Where("? = ?", bun.Ident("id"), ids[i%len(ids)]).Exec(ctx)
					return err
				},
			},
			{
				name: "CreateAndDelete",
				repo: func(i int) error {
					t := &Todo{Title: "bench"}
					if err := todos.Create(ctx, t); err != nil {
						return err
					}
					return todos.DeleteByID(ctx, t.ID)
				},
				bun: func(i int) error {
					t := &Todo{Title: "bench"}
					if _, err := db.NewInsert().Model(t).Exec(ctx); err != nil {
						return err
					}
					_, err := db.NewDelete().Model((*Todo)(nil)).Where("? = ?", bun.Ident("id"), t.ID).Exec(ctx)
					return err
				},
			},
		}
		for _, op := range ops {
			for _, impl := range []struct {
				name string
				fn   func(int) error
			}{{"repository", op.repo}, {"bun", op.bun}} {
				b.Run(fmt.Sprintf("%s/%s/%s", d, op.name, impl.name), func(b *testing.B) {
					b.ReportAllocs()
					i := 0
					for b.Loop() {
						if err := impl.fn(i); err != nil {
							b.Fatal(err)
						}
						i++
					}
				})
			}
		}
	}
}
