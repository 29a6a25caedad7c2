package schema_test

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	_ "modernc.org/sqlite"

	"github.com/slipwaygo/slipway/schema"
)

type Customer struct {
	bun.BaseModel `bun:"table:customers"`

	ID    int64  `bun:"id,pk,autoincrement"`
	Email string `bun:"email,type:varchar(60),notnull" slipway:"unique_index"`
	Name  string `bun:"name,type:varchar(40)"`
}

// Plan shows what Migrate would do, as a readable diff and as SQL; Migrate
// does it; IsActual then reports that nothing is left to do.
func ExampleMigrator_Plan() {
	dir, err := os.MkdirTemp("", "slipway-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	sqldb, err := sql.Open("sqlite", filepath.Join(dir, "shop.db")) // modernc.org/sqlite
	if err != nil {
		log.Fatal(err)
	}
	db := bun.NewDB(sqldb, sqlitedialect.New())
	defer db.Close()
	ctx := context.Background()

	m := schema.NewMigrator(db, (*Customer)(nil))
	plan, err := m.Plan(ctx, schema.MigrateOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(plan)
	if _, err := m.Migrate(ctx, schema.MigrateOptions{}); err != nil {
		log.Fatal(err)
	}
	ok, err := m.IsActual(ctx)
	fmt.Println("actual:", ok, err)
	// Output:
	// SQLite plan (alter): 2 changes
	//   + table customers
	//   + index customers_email_key on customers UNIQUE (email)
	// SQL:
	//   CREATE TABLE "customers" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "email" varchar(60) NOT NULL, "name" varchar(40));
	//   CREATE UNIQUE INDEX "customers_email_key" ON "customers" ("email");
	// actual: true <nil>
}
