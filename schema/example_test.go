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

// exampleDB opens a fresh SQLite file with the given tables; cleanup
// removes it.
func exampleDB(stmts ...string) (db *bun.DB, cleanup func()) {
	dir, err := os.MkdirTemp("", "slipway-example-")
	if err != nil {
		log.Fatal(err)
	}
	sqldb, err := sql.Open("sqlite", filepath.Join(dir, "shop.db")+"?_pragma=foreign_keys(1)")
	if err != nil {
		log.Fatal(err)
	}
	db = bun.NewDB(sqldb, sqlitedialect.New())
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			log.Fatal(err)
		}
	}
	return db, func() { db.Close(); os.RemoveAll(dir) }
}

var shopTables = []string{
	`CREATE TABLE customers (id INTEGER PRIMARY KEY AUTOINCREMENT, email varchar(60) NOT NULL UNIQUE, name varchar(40))`,
	`CREATE TABLE orders (id INTEGER PRIMARY KEY AUTOINCREMENT,
		customer_id integer NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
		total decimal(10,2) NOT NULL DEFAULT 0, placed_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP)`,
	`CREATE INDEX orders_customer_placed_idx ON orders (customer_id, placed_at)`,
	`CREATE VIEW big_orders AS SELECT id, customer_id, total FROM orders WHERE total > 100`,
}

// ListTables lists what a schema holds, as LoopBack's
// discoverModelDefinitions does.
func ExampleListTables() {
	db, cleanup := exampleDB(shopTables...)
	defer cleanup()

	tables, err := schema.ListTables(context.Background(), db, schema.ListOptions{})
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range tables {
		fmt.Println(t.Schema, t.Name, "view:", t.View)
	}
	// Output:
	// main big_orders view: true
	// main customers view: false
	// main orders view: false
}

// DiscoverTable reads one table back, as LoopBack's discoverModelProperties
// does.
func ExampleDiscoverTable() {
	db, cleanup := exampleDB(shopTables...)
	defer cleanup()

	t, err := schema.DiscoverTable(context.Background(), db, "orders")
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range t.Columns {
		fmt.Printf("%s %s nullable=%v default=%q\n", c.Name, c.Type, c.Nullable, c.Default)
	}
	for _, fk := range t.ForeignKeys {
		fmt.Println("foreign key", fk.Columns, "->", fk.RefTable, fk.RefColumns, "on delete", fk.OnDelete)
	}
	// Output:
	// id integer nullable=false default=""
	// customer_id integer nullable=false default=""
	// total decimal(10,2) nullable=false default="0"
	// placed_at timestamp nullable=false default="current_timestamp"
	// foreign key [customer_id] -> customers [id] on delete CASCADE
}

// Discover reads an existing database and ModelSource writes its models:
// a Migrator of Models finds that database actual. This is what
// `slipway discover` prints.
func ExampleDiscovery_ModelSource() {
	db, cleanup := exampleDB(shopTables...)
	defer cleanup()

	disc, err := schema.Discover(context.Background(), db, schema.DiscoverOptions{})
	if err != nil {
		log.Fatal(err)
	}
	src, err := disc.ModelSource("shop")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(string(src.Code))
	// Output:
	// // Models of 2 tables and 1 view of a SQLite database, written by slipway discover.
	// // A schema.Migrator of Models finds that database actual. Edit freely.
	//
	// package shop
	//
	// import (
	// 	"time"
	//
	// 	"github.com/uptrace/bun"
	// )
	//
	// // Customer is table "customers".
	// type Customer struct {
	// 	bun.BaseModel `bun:"table:customers"`
	//
	// 	ID    int64   `bun:"id,pk,autoincrement" json:"id"`
	// 	Email string  `bun:"email,type:varchar(60),notnull,unique" json:"email"`
	// 	Name  *string `bun:"name,type:varchar(40)" json:"name"`
	// }
	//
	// // Order is table "orders".
	// type Order struct {
	// 	bun.BaseModel `bun:"table:orders"`
	//
	// 	ID         int64     `bun:"id,pk,autoincrement" json:"id"`
	// 	CustomerID int64     `bun:"customer_id,notnull" slipway:"index:orders_customer_placed_idx" json:"customerId"`
	// 	Total      string    `bun:"total,type:decimal(10,2),notnull,default:0" json:"total"`
	// 	PlacedAt   time.Time `bun:"placed_at,notnull,default:current_timestamp" slipway:"index:orders_customer_placed_idx" json:"placedAt"`
	//
	// 	Customer *Customer `bun:"rel:belongs-to,join:customer_id=id,on_delete:cascade" json:"customer,omitempty"`
	// }
	//
	// // BigOrder is view "big_orders". Read it with bun; it is not in Models, since a
	// // migrator would create it as a table.
	// type BigOrder struct {
	// 	bun.BaseModel `bun:"table:big_orders"`
	//
	// 	ID         *int64  `bun:"id" json:"id"`
	// 	CustomerID *int64  `bun:"customer_id" json:"customerId"`
	// 	Total      *string `bun:"total,type:decimal(10,2)" json:"total"`
	// }
	//
	// // Models lists the models of the tables, for schema.NewMigrator.
	// var Models = []any{
	// 	(*Customer)(nil),
	// 	(*Order)(nil),
	// }
	//
	// // Views lists the models of the views, to read with bun; a migrator must not get them.
	// var Views = []any{
	// 	(*BigOrder)(nil),
	// }
}

// LoopBack model definitions become models: here the CustomerTest of
// LoopBack's documentation, version 1 and then 2. Version 2 widens email,
// adds two columns and drops two properties, whose columns and data are kept
// (dropping them is withheld).
func ExampleLoopBackModels() {
	db, cleanup := exampleDB()
	defer cleanup()
	ctx := context.Background()

	v1 := []byte(`{"name": "CustomerTest", "options": {"idInjection": false},
		"properties": {
			"id": {"type": "String", "length": 20, "id": 1},
			"name": {"type": "String", "length": 40},
			"email": {"type": "String", "length": 40},
			"age": {"type": "Number"}}}`)
	v2 := []byte(`{"name": "CustomerTest", "options": {"idInjection": false},
		"properties": {
			"id": {"type": "String", "length": 20, "id": 1},
			"email": {"type": "String", "length": 60},
			"firstName": {"type": "String", "length": 40},
			"lastName": {"type": "String", "length": 40}}}`)

	for _, def := range [][]byte{v1, v2} {
		models, err := schema.LoopBackModels(db, def)
		if err != nil {
			log.Fatal(err)
		}
		plan, err := schema.NewMigrator(db, models...).Migrate(ctx, schema.MigrateOptions{})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Print(plan)
	}
	// Output:
	// SQLite plan (alter): 1 change
	//   + table CustomerTest
	// SQL:
	//   CREATE TABLE "CustomerTest" ("id" varchar(20) NOT NULL, "name" varchar(40), "email" varchar(40), "age" integer, PRIMARY KEY ("id"));
	// SQLite plan (alter): 3 changes, 2 withheld
	//   ~ column CustomerTest.email: varchar(40) -> varchar(60)
	//   + column CustomerTest.firstName varchar(40)
	//   + column CustomerTest.lastName varchar(40)
	//   - column CustomerTest.name varchar(40)  [withheld, destructive: column "name" is not in model "CustomerTest"; dropping it deletes its data (set AllowDataLoss to apply it)]
	//   - column CustomerTest.age integer  [withheld, destructive: column "age" is not in model "CustomerTest"; dropping it deletes its data (set AllowDataLoss to apply it)]
	// SQL:
	//   CREATE TABLE "CustomerTest__slipway_new" ("id" varchar(20) NOT NULL, "name" varchar(40), "email" varchar(60), "age" integer, "firstName" varchar(40), "lastName" varchar(40), PRIMARY KEY ("id"));
	//   INSERT INTO "CustomerTest__slipway_new" (rowid, "id", "name", "email", "age") SELECT rowid, "id", "name", "email", "age" FROM "CustomerTest";
	//   DROP TABLE "CustomerTest";
	//   PRAGMA legacy_alter_table = ON;
	//   ALTER TABLE "CustomerTest__slipway_new" RENAME TO "CustomerTest";
	//   PRAGMA legacy_alter_table = OFF;
}
