// Package app is the Slipway application: an fx container that boots,
// registers datasources and repositories, migrates every datasource's schema
// and then starts — LoopBack 4's boot, migrateSchema, start, done the Go way.
//
// # Lifecycle
//
//	a := app.New(
//		boot.DefaultDataSource("sqlite:todo.db"), // DATABASE_URL when set
//		boot.Repository[Todo]("db"),
//		rest.Module(rest.Config{}), rest.Model[Todo]("/todos"),
//	)
//	if err := a.Boot(ctx); err != nil { ... }        // build the graph; no I/O
//	if err := a.Listen(ctx); err != nil { ... }      // take the servers' ports
//	if err := a.MigrateSchema(ctx, schema.MigrateOptions{}); err != nil { ... }
//	if err := a.Start(ctx); err != nil { ... }       // ping datasources, start servers
//	defer a.Stop(ctx)
//
// [App.Listen] makes every listener (boot.Listener: the rest server) take
// its address, so that a port in use fails before the migration; Start
// does it too. [App.Run] does Start, waits for SIGINT/SIGTERM and stops
// gracefully, printing a failure once, on one line.
// [MigrateOnStart] migrates during Start instead (LoopBack's auto-update at
// start); a plain fx application (boot.Module, no App) gets the same from
// [MigrationModule].
//
// # Migrating
//
// [App.MigrateSchema] walks every registered datasource in name order,
// migrates the SQL ones (only the models they back) and skips the others,
// then runs the migration hooks of each datasource inside its migration lock
// and, on PostgreSQL and SQLite, its transaction.
//
// # Seeding
//
// Either embed *App and override MigrateSchema, calling the embedded method
// first (use [App.WithMigrationLock] so that replicas starting together seed
// once), or register a [Hook] with [AsHook], whose dependencies fx injects.
// Hooks must be idempotent: find, then update or create.
//
// # The migrate command
//
// [MigrateCommand] is the body of an application's cmd/migrate, with
// --rebuild, --dry-run, --models and --allow-data-loss. Pass it the
// application value so that an override of MigrateSchema runs.
//
// # Logging
//
// The application logs through log/slog ([WithLogger], else slog.Default()):
// one info line per migrated datasource, warnings for withheld changes, and
// debug records for skipped datasources, SQL statements and fx's own events,
// so that a healthy start prints one line per datasource.
package app
