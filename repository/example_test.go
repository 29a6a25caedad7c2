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
