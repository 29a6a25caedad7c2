// Package boot turns configuration into datasources and puts them, with
// repositories, into an fx graph as value groups, so that the application
// can list them without knowing their types.
//
//	app.New(
//		boot.DefaultDataSource("sqlite:todo.db"),                 // "db": DATABASE_URL, else the fallback
//		boot.DataSource("reports", "postgres://ro@db/reports"),   // another, of any dialect
//		boot.HTTPDataSource("geocoder", os.Getenv("GEOCODER_URL")), // a web service; not migratable
//		boot.Repository[Todo]("db"),                              // *repository.Repository[Todo]
//	)
//
// The SQL datasource options take repository options (pool, timeouts,
// query hooks, tracing.Spans); [VerboseSQLEnv] (SLIPWAY_VERBOSE_SQL=1) logs
// every statement to the application's logger.
//
// Everything here can be built without fx: [NewRegistry] and the
// repository package's constructors are plain functions; the options only
// wire them. Nothing connects at boot: datasources are opened lazily.
//
// In a plain fx application, [Module] provides the [Registry] and pings every
// SQL datasource on start and closes them on stop.
package boot
