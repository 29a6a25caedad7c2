package repository_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/uptrace/bun"

	"github.com/slipwaygo/slipway/repository"
	"github.com/slipwaygo/slipway/schema"
)

type Item struct {
	bun.BaseModel `bun:"table:items"`

	ID    int64  `bun:"id,pk,autoincrement" json:"id"`
	Title string `bun:"title,notnull" json:"title"`
	Done  bool   `bun:"done,notnull,default:false" json:"done"`
	Rank  int    `bun:"rank,notnull,default:0" json:"rank"`
}

// A repository query with a filter built in Go, and the same filter from
// its JSON form, as a REST client sends it in ?filter=.
func ExampleRepository_Find() {
	dir, err := os.MkdirTemp("", "slipway-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()

	ds, err := repository.Open("db", "sqlite:"+filepath.Join(dir, "items.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer ds.Close()
	items, err := repository.New[Item](ds)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := ds.MigrateSchema(ctx, schema.MigrateOptions{}, nil, nil); err != nil {
		log.Fatal(err)
	}
	err = items.CreateAll(ctx, []*Item{
		{Title: "milk", Rank: 2}, {Title: "bread", Rank: 1}, {Title: "mail", Rank: 3, Done: true},
	})
	if err != nil {
		log.Fatal(err)
	}

	open, err := items.Find(ctx, &repository.Filter{
		Where: repository.Where{"done": false},
		Order: []string{"rank DESC"},
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, it := range open {
		fmt.Println(it.Title)
	}

	f, err := repository.ParseFilter([]byte(`{"where": {"title": {"like": "m%"}}, "order": "title", "fields": ["title"]}`))
	if err != nil {
		log.Fatal(err)
	}
	ms, err := items.Find(ctx, f)
	if err != nil {
		log.Fatal(err)
	}
	for _, it := range ms {
		fmt.Println(it.Title, it.ID) // the key is always selected
	}

	_, err = items.Find(ctx, &repository.Filter{Where: repository.Where{"colour": "red"}})
	fmt.Println(err)
	// Output:
	// milk
	// bread
	// mail 3
	// milk 1
	// repository: where of "Item": field "colour": unknown field (known: id, title, done, rank)
}

// statementLog is a bun query hook that prints each statement.
type statementLog struct{}

func (statementLog) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }
func (statementLog) AfterQuery(_ context.Context, e *bun.QueryEvent)                    { fmt.Println(e.Query) }

// Datasource options: a query hook that sees every statement, and pool
// limits.
func ExampleWithQueryHook() {
	dir, err := os.MkdirTemp("", "slipway-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	ds, err := repository.Open("db", "sqlite:"+filepath.Join(dir, "app.db"),
		repository.WithQueryHook(statementLog{}),
		repository.WithPool(repository.Pool{MaxOpenConns: 4, MaxIdleConns: 2}),
	)
	if err != nil {
		log.Fatal(err)
	}
	defer ds.Close()
	var n int
	if err := ds.DB().NewSelect().ColumnExpr("1 + 1").Scan(context.Background(), &n); err != nil {
		log.Fatal(err)
	}
	fmt.Println(n, ds.DB().Stats().MaxOpenConnections)
	// Output:
	// SELECT 1 + 1
	// 2 4
}
