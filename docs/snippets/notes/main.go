// Command notes is the program of the README: boot, migrate with a seeding
// override, run. The README's snippet is checked against this file.
package main

import (
	"context"
	"errors"
	"log"

	"github.com/uptrace/bun"
	"go.uber.org/fx"

	"github.com/slipwaygo/slipway/app"
	"github.com/slipwaygo/slipway/boot"
	_ "github.com/slipwaygo/slipway/driver/sqlite" // sqlite: URLs; add driver/postgres or driver/mysql for those
	"github.com/slipwaygo/slipway/repository"
	"github.com/slipwaygo/slipway/rest"
	"github.com/slipwaygo/slipway/schema"
)

type Note struct {
	bun.BaseModel `bun:"table:notes"`

	ID    int64  `bun:"id,pk,autoincrement" json:"id"`
	Title string `bun:"title,notnull" json:"title"`
	Done  bool   `bun:"done,notnull,default:false" json:"done"`
}

// NotesApp embeds *app.App and overrides MigrateSchema to seed data.
type NotesApp struct {
	*app.App
	notes *repository.Repository[Note]
}

func NewNotesApp() *NotesApp {
	n := &NotesApp{}
	n.App = app.New(
		boot.DefaultDataSource("sqlite:notes.db"), // "db"; DATABASE_URL wins when set
		boot.Repository[Note]("db"),
		rest.Module(rest.Config{Addr: "127.0.0.1:3000"}), // OpenAPI, /ping, /health
		rest.Model[Note]("/notes"),                       // LoopBack's CRUD routes
		fx.Populate(&n.notes),
	)
	return n
}

func (n *NotesApp) MigrateSchema(ctx context.Context, opts schema.MigrateOptions) error {
	if err := n.App.MigrateSchema(ctx, opts); err != nil || opts.DryRun {
		return err
	}
	// Under the migration lock: replicas starting together seed once.
	return n.WithMigrationLock(ctx, "db", func(ctx context.Context) error {
		_, err := n.notes.FindOne(ctx, &repository.Filter{Where: repository.Where{"title": "welcome"}})
		if errors.Is(err, repository.ErrNotFound) {
			return n.notes.Create(ctx, &Note{Title: "welcome"})
		}
		return err
	})
}

func main() {
	ctx := context.Background()
	a := NewNotesApp()
	if err := a.Boot(ctx); err != nil {
		log.Fatal(err)
	}
	if err := a.Listen(ctx); err != nil { // take the port before migrating
		log.Fatal(err)
	}
	if err := a.MigrateSchema(ctx, schema.MigrateOptions{}); err != nil {
		log.Fatal(err) // names the datasource, table or column, never a password
	}
	a.Run() // Start, wait for SIGINT/SIGTERM, stop gracefully
}
