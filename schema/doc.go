// Package schema keeps a database's tables in line with a set of bun models.
//
// It is Slipway's engine, usable on its own with any *bun.DB: it reads the
// desired tables from bun's model metadata, inspects the live database in a
// fixed number of catalog queries, computes the difference as a [Plan], and
// applies it under a lock.
//
// # Modes
//
// The zero [MigrateOptions] alters the database to match the models and keeps
// every row (LoopBack's auto-update). MigrateOptions.Rebuild drops the model
// tables and creates them again (LoopBack's auto-migrate); tables that are
// not model tables are never touched.
//
//	m := schema.NewMigrator(db, (*Todo)(nil), (*TodoList)(nil)) // no I/O
//	plan, err := m.Plan(ctx, schema.MigrateOptions{})           // what would change
//	fmt.Print(plan)                                             // like a diff, then the SQL
//	plan, err = m.Migrate(ctx, schema.MigrateOptions{})         // apply it
//	ok, err := m.IsActual(ctx)                                  // nothing left to do?
//
// # Safety
//
// Every change has a [Class]. Safe changes (a new table or nullable column, a
// wider type, a new index) are applied. Changes that would fail on the data
// as it is (a NOT NULL column without a default on a table with rows, a
// unique index over duplicates, a foreign key over orphans) are found by
// prechecks and refused with a [*RefusedError] before any DDL runs.
// Destructive changes (narrowing a type, dropping a column whose property
// was removed) and extra objects (an index or foreign key the models no
// longer declare) are reported in the plan and applied only with
// MigrateOptions.AllowDataLoss. Tables are never dropped in alter mode.
//
// # Models
//
// Columns, types, NOT NULL, defaults, primary keys and auto-increment come
// from bun's tags, exactly as bun's CreateTable would write them; `unique`
// and `unique:group` become unique constraints; belongs-to relations become
// foreign keys honouring on_delete and on_update. Indexes are declared with
// the slipway tag beside bun's:
//
//	Email  string `bun:",notnull" slipway:"unique_index"`
//	ListID int64  `slipway:"index:todos_list_done_idx"`
//	Done   bool   `slipway:"index:todos_list_done_idx"` // same name: composite
//
// and expression or partial indexes by implementing [Indexer] (PostgreSQL;
// MySQL has neither and says so when the migrator is built).
//
// # Locking and transactions
//
// Migrate takes a lock per database (and schema), re-computes the plan under
// it and applies it. On PostgreSQL the lock is a transaction-scoped advisory
// lock and the whole plan runs in that one transaction: it commits entirely
// or not at all. On SQLite the lock is the database's write lock, taken with
// BEGIN IMMEDIATE, and the plan runs in that transaction too; changes
// SQLite's ALTER TABLE cannot make rebuild the table inside it, copying
// every row. On MySQL and MariaDB the lock is GET_LOCK on a dedicated
// connection, and since each DDL statement commits on its own, all changes
// to a table are one ALTER TABLE and a run after a failure finishes what is
// left. Concurrent migrators, such as replicas starting together, run one
// after the other; the later ones find nothing to do. [Migrator.MigrateThen]
// runs a function (seeding data) inside the same lock (and, on PostgreSQL
// and SQLite, transaction); [Migrator.Locked] runs one under the lock
// without migrating.
//
// # Discovery
//
// [ListTables] lists a database's tables and views; [DiscoverTable] reads an
// existing table back: columns with type, length, nullability, default and
// primary key; indexes; foreign keys. [Discover] reads a schema's tables and
// views (or those named, with the tables they reference), and
// [Discovery.ModelSource] writes them as Go source, one bun model per table
// and view, which a Migrator finds actual on the database they came from:
//
//	disc, err := schema.Discover(ctx, db, schema.DiscoverOptions{})
//	src, err := disc.ModelSource("models") // src.Code: gofmt-ed Go; src.Unsupported: what it leaves out
//
// The slipway command prints the same: go run
// github.com/slipwaygo/slipway/cmd/slipway discover --url URL.
//
// # LoopBack model definitions
//
// [LoopBackModels] turns LoopBack model definitions (JSON) into models
// NewMigrator accepts, so that a LoopBack application's model files and
// database carry over:
//
//	models, err := schema.LoopBackModels(db, customerJSON, orderJSON)
//	plan, err := schema.NewMigrator(db, models...).Migrate(ctx, schema.MigrateOptions{})
package schema
