// Command todolist is LoopBack's Todo list on Slipway: it boots, takes its
// port, brings the database in line with the models (keeping every row),
// seeds the welcome todo, and serves the REST API until SIGINT or SIGTERM.
//
//	go run ./examples/todolist                   # SQLite file todolist.db
//	DATABASE_URL=postgres://... go run ./examples/todolist
//
// Environment: DATABASE_URL (default sqlite:todolist.db), GEOCODER_URL,
// HOST (127.0.0.1), PORT (3000).
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/slipwaygo/slipway/examples/todolist/todolist"
	"github.com/slipwaygo/slipway/schema"
)

func main() {
	ctx := context.Background()
	a := todolist.NewApp()
	if err := a.Boot(ctx); err != nil {
		fail(err)
	}
	// Take the port first: a port in use fails here, before any migration.
	if err := a.Listen(ctx); err != nil {
		_ = a.Stop(ctx)
		fail(err)
	}
	if err := a.MigrateSchema(ctx, schema.MigrateOptions{}); err != nil {
		_ = a.Stop(ctx)
		fail(err)
	}
	a.Run() // Start, wait for SIGINT/SIGTERM, stop gracefully, exit
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "todolist:", err)
	os.Exit(1)
}
