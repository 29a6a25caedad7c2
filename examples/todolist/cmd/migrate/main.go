// Command migrate brings the Todo list's database in line with its models
// and seeds the welcome todo (the application's MigrateSchema override runs):
//
//	go run ./examples/todolist/cmd/migrate [--rebuild] [--dry-run] [--models Todo,TodoList] [--allow-data-loss]
package main

import (
	"context"
	"os"

	"github.com/slipwaygo/slipway/app"
	"github.com/slipwaygo/slipway/examples/todolist/todolist"
)

func main() {
	os.Exit(app.MigrateCommand(context.Background(), todolist.NewApp(), os.Args[1:], os.Stdout, os.Stderr))
}
